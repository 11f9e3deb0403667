/* bert_weights_index.h: the index of a sharded checkpoint (engine-private).
 *
 * transformers' save_pretrained (max_shard_size) splits large models into shards named
 * by model.safetensors.index.json (or pytorch_model.bin.index.json):
 *   {"metadata": {"total_size": ...}, "weight_map": {"TENSOR": "SHARD FILE", ...}}
 * transformers opens the shards the weight map names, each once, in sorted order, and
 * reads every tensor of each; this reader gives the same list. A shard name that could
 * leave the folder (absolute, or with a ".." component) or is not of the index's format
 * is refused here, naming the index and the shard.
 */
#ifndef BERT_WEIGHTS_INDEX_H
#define BERT_WEIGHTS_INDEX_H

#include <glib.h>

G_BEGIN_DECLS

/* More shards than any published model has (the largest have a few hundred); bounds the
 * files and maps a hostile index can make the loader open. */
#define BERT_WEIGHTS_INDEX_MAX_SHARDS 4096

typedef struct {
  /* The weight map in the file's order: tensor_names[i] is in tensor_shards[i]. */
  GPtrArray *tensor_names, *tensor_shards;
  GPtrArray *shards; /* the shard file names, sorted, each once */
} BertWeightsIndex;

/* Reads the index at path; each shard's name must end in shard_suffix (".safetensors"
 * or ".bin"). Errors are in BERT_ENGINE_ERROR and name path. */
BertWeightsIndex *bert_weights_index_load (const char *path, const char *shard_suffix, GError **error);
void bert_weights_index_free (BertWeightsIndex *index);

G_END_DECLS

#endif
