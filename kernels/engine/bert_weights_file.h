/* bert_weights_file.h: a folder's weights, mapped and parsed (engine-private).
 *
 * A folder's weights are in the first of these that it has, the order of transformers'
 * from_pretrained: model.safetensors, model.safetensors.index.json (shards, see
 * bert_weights_index.h), pytorch_model.bin (read by bert_torch_bin.c),
 * pytorch_model.bin.index.json. "Has" means any entry of that name, so that a broken
 * file is reported rather than passed over. Every file is mapped, never copied, and
 * every tensor of every shard lands in one table, so the engine binds a sharded folder
 * as it binds a single file.
 */
#ifndef BERT_WEIGHTS_FILE_H
#define BERT_WEIGHTS_FILE_H

#include "bert_safetensors.h"

G_BEGIN_DECLS

#define BERT_WEIGHTS_FILE_SAFETENSORS "model.safetensors"
#define BERT_WEIGHTS_FILE_SAFETENSORS_INDEX "model.safetensors.index.json"
#define BERT_WEIGHTS_FILE_TORCH "pytorch_model.bin"
#define BERT_WEIGHTS_FILE_TORCH_INDEX "pytorch_model.bin.index.json"

typedef struct {
  char *path;               /* the weights file or the shards' index: what messages name */
  GPtrArray *maps;          /* the GMappedFile of each file read */
  BertSafetensors *tensors; /* every tensor, pointing into maps */
  guint64 bytes;            /* the files' total size */
} BertWeightsFile;

/* A model folder's weights, from the first file of the list above that it has; without
 * any, the error of opening model.safetensors. Errors are in BERT_ENGINE_ERROR and name
 * the file and the cause. */
BertWeightsFile *bert_weights_file_load (const char *folder, GError **error);

/* A sentence-transformers module's weights: model.safetensors, else pytorch_model.bin.
 * sentence-transformers neither writes nor reads shards there. */
BertWeightsFile *bert_weights_file_load_module (const char *folder, GError **error);

void bert_weights_file_free (BertWeightsFile *weights);

G_END_DECLS

#endif
