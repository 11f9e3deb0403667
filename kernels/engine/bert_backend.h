/* bert_backend.h: the table of functions a compute backend (CPU, CUDA) implements.
 *
 * The engine validates every batch before it reaches a backend (ids in the vocabulary,
 * 1 <= n_tokens <= max_position_embeddings, type ids below type_vocab_size) and
 * allocates the BertBatchOutput arrays of the head; a backend fills every one of them
 * (bert_engine.h says what each holds).
 */
#ifndef BERT_BACKEND_H
#define BERT_BACKEND_H

#include "bert_engine.h"

G_BEGIN_DECLS

/* Head and pooling as resolved from the model and the encoder options. */
typedef struct {
  BertHead head;
  BertPoolings pooling; /* the model's modes, or the one the options name */
  gboolean normalize;
  BertPrecision precision;
  int device_id;
  int n_threads;
  const BertRemoteOptions *remote; /* valid during create only */
} BertBackendSettings;

/* A packed batch: the sequences' tokens concatenated, no padding. */
typedef struct {
  uint32_t n_sequences;
  uint32_t n_tokens;
  const int32_t *ids;          /* n_tokens */
  const int32_t *type_ids;     /* n_tokens */
  const uint32_t *seq_offsets; /* n_sequences + 1: sequence i is [seq_offsets[i], seq_offsets[i+1]) */
  uint32_t max_seq_len;
  /* n_sequences: the leading tokens pooling leaves out (BertPackedInput says how); NULL
   * unless the model's pooling excludes the prompt and some sequence has one. */
  const uint32_t *prompt_lengths;
} BertPackedBatch;

typedef struct {
  const char *name;
  /* TRUE when submit only starts the batch (it runs while the caller goes on);
   * FALSE when submit or wait computes it in the caller's thread. */
  gboolean asynchronous;
  /* TRUE when it honours BertPackedBatch.prompt_lengths; a batch that has them is
   * refused by a backend that does not (the remote one pools on the server). */
  gboolean pools_without_prompt;
  /* Prepares the model for this backend (uploads weights); returns backend state. */
  gpointer (*create) (const BertModel *model, const BertBackendSettings *settings, GError **error);
  void (*destroy) (gpointer state);
  /* Starts a batch; output's arrays are allocated by the engine and must be filled
   * by the time wait returns. Returns a backend job handle (non-NULL) or NULL on error.
   * The batch memory stays valid until wait returns. */
  gpointer (*submit) (gpointer state, const BertPackedBatch *batch, BertBatchOutput *output, GError **error);
  /* Blocks until the job is done; frees the handle in all cases. */
  gboolean (*wait) (gpointer state, gpointer job, GError **error);
  /* bert_encoder_cancel: the jobs submitted so far end soon, failed; called from any
   * thread. NULL where jobs end in bounded time on their own (CPU, CUDA). */
  void (*cancel) (gpointer state);
} BertBackend;

/* The CPU backend, always built in. */
const BertBackend *bert_backend_cpu_get (void);

/* The remote backend (kernels/remote/), built where libcurl is (meson option remote). */
const BertBackend *bert_backend_remote_get (void);

/* The CUDA module (libgstbert-cuda.so), opened at run time, exports this symbol. */
#define BERT_BACKEND_CUDA_SYMBOL "bert_backend_cuda_get"
typedef const BertBackend *(*BertBackendGetFunc) (void);

G_END_DECLS

#endif
