/* bert_weights_file.h: which file of a folder holds its weights, and its parser
 * (engine-private).
 *
 * model.safetensors where the folder has one (whatever it is, so that a broken one is
 * reported rather than passed over), else pytorch_model.bin, read by bert_torch_bin.c
 * into the same BertSafetensors.
 */
#ifndef BERT_WEIGHTS_FILE_H
#define BERT_WEIGHTS_FILE_H

#include "bert_safetensors.h"

G_BEGIN_DECLS

#define BERT_WEIGHTS_FILE_SAFETENSORS "model.safetensors"
#define BERT_WEIGHTS_FILE_TORCH "pytorch_model.bin"

/* The path of folder's weights file: model.safetensors, or pytorch_model.bin where only
 * that is there. */
char *bert_weights_file_path (const char *folder);

/* Parses a mapped weights file as its name says. */
BertSafetensors *bert_weights_file_parse (const guint8 *buffer, gsize size, const char *path, GError **error);

G_END_DECLS

#endif
