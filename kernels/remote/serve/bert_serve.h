/* bert_serve.h: gst-bert's engine behind a flat C entry, for the server side of the remote
 * backend: Triton's Python backend loads libgstbert-serve.so with ctypes (scripts/triton/
 * model.py) and runs each request's packed batch through the same CPU engine as bert-infer.
 *
 * Plain C types only (no GLib, no structs) so that ctypes needs no declarations beyond the
 * argument lists. Errors come back as text in a caller's buffer.
 */
#ifndef BERT_SERVE_H
#define BERT_SERVE_H

#include <stddef.h>
#include <stdint.h>

typedef struct _BertServe BertServe;

/* Loads the model folder; n_threads 0 means all cores. NULL on error (message in error). */
BertServe *bert_serve_open (const char *folder, int n_threads, char *error, size_t error_size);
void bert_serve_close (BertServe *serve);

/* The model's head (0 encoder, 1 sequence classifier, 2 token classifier), embedding width
 * (the last Dense module's out_features, else the hidden size times the modes its
 * Pooling concatenates) and number of labels; pooling and normalize are the model's
 * defaults. */
int bert_serve_head (const BertServe *serve);
int bert_serve_hidden_size (const BertServe *serve);
int bert_serve_num_labels (const BertServe *serve);
/* The embedding width of a request whose POOLING is pooling: one mode's (the hidden
 * size) where it names one and the model has no Dense module; -1: the model's. */
int bert_serve_embedding_size (const BertServe *serve, int pooling);

/* Runs one packed batch: n_sequences lengths whose sum is n_tokens, ids and type ids of
 * n_tokens each. pooling -1 and normalize -1 take the model's. The head's outputs are
 * written to the arrays the caller sized (the others may be NULL), as BertBatchOutput's:
 * embeddings [n_sequences, bert_serve_embedding_size (pooling)]; logits, probs and label_applies [n_sequences,
 * labels], labels [n_sequences]; token_logits and token_probs [n_tokens, labels],
 * token_labels [n_tokens]. Returns 0, or -1 with a message in error. */
int bert_serve_run (BertServe *serve, int pooling, int normalize, const int32_t *ids, const int32_t *type_ids,
    const int32_t *lengths, uint32_t n_sequences, uint32_t n_tokens, float *embeddings, float *logits,
    float *probs, int32_t *labels, uint8_t *label_applies, float *token_logits, float *token_probs,
    int32_t *token_labels, char *error, size_t error_size);

#endif
