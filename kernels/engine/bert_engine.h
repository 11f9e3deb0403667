/* bert_engine.h: the gst-bert inference engine's public C API, free of GStreamer.
 *
 * Load a model folder once (bert_model_load), create an encoder on a device
 * (bert_encoder_new), then submit batches of tokenized sequences and wait for them.
 * Submission returns at once on asynchronous backends (CUDA); the CPU backend computes
 * in bert_encoder_wait's caller or in submit, as it chooses. Jobs complete in order.
 */
#ifndef BERT_ENGINE_H
#define BERT_ENGINE_H

#include "bert_model.h"
#include "bert_tokenizer.h"

G_BEGIN_DECLS

#define BERT_ENGINE_ERROR (bert_engine_error_quark ())
GQuark bert_engine_error_quark (void);

typedef enum {
  BERT_ENGINE_ERROR_FILE,         /* missing, unreadable or truncated file */
  BERT_ENGINE_ERROR_FORMAT,       /* malformed JSON or safetensors: names file and field/tensor */
  BERT_ENGINE_ERROR_UNSUPPORTED,  /* an architecture, activation or dtype we do not run: says which */
  BERT_ENGINE_ERROR_SHAPE,        /* a tensor's shape disagrees with config.json */
  BERT_ENGINE_ERROR_DEVICE,       /* no such device, no driver, backend module missing */
  BERT_ENGINE_ERROR_OUT_OF_MEMORY,
  BERT_ENGINE_ERROR_INPUT,        /* a batch the model cannot take (too long, bad id) */
  BERT_ENGINE_ERROR_COMPUTE       /* a kernel or library call failed */
} BertEngineError;

/* Loads config.json, model.safetensors (mapped), the tokenizer files and the
 * sentence-transformers files of a folder. Reference counted. Each call loads the
 * folder anew; bert_model_load_shared gives the same model for the same folder. */
BertModel *bert_model_load (const char *folder, GError **error);
/* A process-wide cache keyed by the folder's real path: instances share one copy. */
BertModel *bert_model_load_shared (const char *folder, GError **error);
BertModel *bert_model_ref (BertModel *model);
void bert_model_unref (BertModel *model);
/* The model's tokenizer (owned by the model). */
const BertTokenizer *bert_model_get_tokenizer (const BertModel *model);

typedef enum {
  BERT_DEVICE_AUTO,   /* CUDA when a GPU and the CUDA module are there, else CPU */
  BERT_DEVICE_CPU,
  BERT_DEVICE_CUDA
} BertDevice;

typedef enum {
  BERT_PRECISION_FP16,
  BERT_PRECISION_BF16,
  BERT_PRECISION_FP32
} BertPrecision;

typedef struct {
  BertDevice device;
  int device_id;
  BertPrecision precision;  /* GPU only; the CPU backend computes in fp32 */
  int pooling;              /* -1: the model's, else a BertPooling */
  int normalize;            /* -1: the model's, 0 or 1 */
  int n_threads;            /* CPU: 0 means all cores */
} BertEncoderOptions;

void bert_encoder_options_init (BertEncoderOptions *options);

/* One sequence of a batch: ids and token type ids of n_tokens entries, [CLS]/[SEP] included. */
typedef struct {
  const int32_t *ids;
  const int32_t *type_ids;   /* may be NULL: all zero */
  uint32_t n_tokens;
} BertSequence;

/* The outputs of one batch, owned by the job. Per sequence i:
 *  - embedding:     embeddings + i * hidden_size           (encoder head)
 *  - logits, probs: logits/probs + i * num_labels, label[i] (sequence classifier)
 *  - token_logits:  token_logits + token_offset[i] * num_labels, token_labels + token_offset[i]
 *                   (token classifier; token_offset[i] is the sum of earlier n_tokens) */
typedef struct {
  uint32_t n_sequences;
  uint32_t n_tokens;         /* over the whole batch */
  int hidden_size;
  int num_labels;
  float *embeddings;
  float *logits;
  float *probs;
  int32_t *labels;
  float *token_logits;
  int32_t *token_labels;
  uint32_t *token_offset;    /* n_sequences + 1 entries */
  double compute_seconds;    /* time the backend spent on this batch (CUDA: GPU time of the forward pass) */
  double enqueue_seconds;    /* CUDA: host time spent enqueuing the batch; 0 on the CPU */
} BertBatchOutput;

typedef struct _BertEncoder BertEncoder;
typedef struct _BertJob BertJob;

BertEncoder *bert_encoder_new (BertModel *model, const BertEncoderOptions *options, GError **error);
/* Free an encoder's jobs before the encoder. */
void bert_encoder_free (BertEncoder *encoder);
/* Which backend runs: "cpu" or "cuda". */
const char *bert_encoder_get_backend_name (const BertEncoder *encoder);
/* With BERT_DEVICE_AUTO on the CPU: why CUDA was not used (for a warning); else NULL. */
const char *bert_encoder_get_fallback_reason (const BertEncoder *encoder);
/* The head and pooling in effect after the options' overrides. */
BertHead bert_encoder_get_head (const BertEncoder *encoder);
BertPooling bert_encoder_get_pooling (const BertEncoder *encoder);
gboolean bert_encoder_get_normalize (const BertEncoder *encoder);

/* Submits a batch; the sequences are copied, so the caller may free them at once.
 * Fails (NULL) on a sequence longer than max_position_embeddings, an id out of
 * the vocabulary, an empty sequence, or a backend error. */
BertJob *bert_encoder_submit (BertEncoder *encoder, const BertSequence *sequences,
    uint32_t n_sequences, GError **error);
/* Waits for a job; on success its outputs stay valid until bert_job_free. */
gboolean bert_job_wait (BertJob *job, GError **error);
const BertBatchOutput *bert_job_get_output (const BertJob *job);
void bert_job_free (BertJob *job);

/* Convenience: submit + wait. */
BertJob *bert_encoder_run (BertEncoder *encoder, const BertSequence *sequences,
    uint32_t n_sequences, GError **error);

G_END_DECLS

#endif
