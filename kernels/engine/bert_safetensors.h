/* bert_safetensors.h: a checked reader for the safetensors format (engine-private).
 *
 * The file is an 8-byte little-endian header length, a JSON header mapping tensor
 * names to {dtype, shape, data_offsets}, then the data. Every field is checked against
 * the buffer's size before any tensor data is touched, as huggingface/safetensors'
 * own validate() does, so a malicious file yields an error, never an out-of-bounds read.
 */
#ifndef BERT_SAFETENSORS_H
#define BERT_SAFETENSORS_H

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

#define BERT_SAFETENSORS_MAX_DIMS 8
/* Headers are small (a few KB for BERT-base); safetensors itself caps them at 100 MB. */
#define BERT_SAFETENSORS_MAX_HEADER_BYTES (100u * 1024u * 1024u)

typedef struct {
  char *name;
  char *dtype; /* as written in the header: "F32", "BF16", "I64"... */
  gsize element_size;
  int n_dims;
  int64_t shape[BERT_SAFETENSORS_MAX_DIMS];
  guint64 begin, end; /* data_offsets, relative to the data section */
  const guint8 *data; /* begin's address in the buffer */
} BertSafetensorsTensor;

typedef struct {
  GHashTable *tensors; /* name -> BertSafetensorsTensor */
  const guint8 *data;  /* the data section */
  gsize data_size;
} BertSafetensors;

/* Parses and validates buffer (not copied: it must outlive the result). file_name
 * only names the file in error messages. Errors are in BERT_ENGINE_ERROR. */
BertSafetensors *bert_safetensors_parse (const guint8 *buffer, gsize size, const char *file_name,
    GError **error);
void bert_safetensors_free (BertSafetensors *safetensors);
/* Frees a tensor entry (its name, dtype and itself): the tensors table's value destructor,
 * also for tables built by other readers (bert_torch_bin.c). */
void bert_safetensors_tensor_free (gpointer tensor);
/* "[a, b, ...]", for messages. */
char *bert_safetensors_describe_shape (int n_dims, const int64_t *shape);

/* The tensor of that exact name, or NULL. */
const BertSafetensorsTensor *bert_safetensors_lookup (const BertSafetensors *safetensors, const char *name);

G_END_DECLS

#endif
