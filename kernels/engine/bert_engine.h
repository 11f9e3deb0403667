/* bert_engine.h: the gst-bert inference engine's public C API, free of GStreamer.
 *
 * Load a model folder once (bert_model_load), create an encoder on a device
 * (bert_encoder_new), then submit batches of tokenized sequences and wait for them.
 *
 * The contract:
 *  - Input: a batch of 1 or more sequences, each of 1 to max_position_embeddings
 *    tokens ([CLS] and [SEP] included, as the tokenizer gives them), ids in
 *    [0, vocab_size), type ids in [0, type_vocab_size) (where the family uses them:
 *    DistilBERT and RoBERTa ignore them). bert_model_check_tokens is the
 *    id rule; the engine applies it with the length rule to every batch and refuses
 *    the whole batch (BERT_ENGINE_ERROR_INPUT, naming sequence and token) otherwise.
 *  - Two ways in: bert_encoder_submit_packed takes the sequences end to end, as a
 *    caller that batches holds them, and reads them in place until the job is waited
 *    for; bert_encoder_submit takes one view per sequence and copies them.
 *  - Output: every number a caller shows (embeddings, logits, probabilities, labels,
 *    which labels apply) is in the job's BertBatchOutput; callers only copy.
 *  - Threads: an encoder's submit calls come from one thread at a time, and so do its
 *    wait calls; on an asynchronous backend a wait may run on another thread while a
 *    submit runs (bert-infer submits on one and waits on another). A job already waited
 *    for may be read and freed from any thread. Encoders of one model
 *    may run in different threads at once. Jobs of an encoder complete in submission
 *    order. On an asynchronous backend (bert_encoder_is_asynchronous: CUDA) submit
 *    returns at once and the batch runs while the caller prepares the next, so several
 *    may be in flight; on a synchronous one (CPU) the work happens in submit or wait,
 *    and submitting a second batch before waiting for the first only delays the first.
 *  - Errors: a GError of BERT_ENGINE_ERROR naming the file, tensor, sequence or call;
 *    never an abort on bad input.
 */
#ifndef BERT_ENGINE_H
#define BERT_ENGINE_H

#include "bert_model.h"
#include "bert_tokenizer.h"

G_BEGIN_DECLS

#define BERT_ENGINE_ERROR (bert_engine_error_quark ())
GQuark bert_engine_error_quark (void);

typedef enum {
  BERT_ENGINE_ERROR_FILE,        /* missing, unreadable or truncated file */
  BERT_ENGINE_ERROR_FORMAT,      /* malformed JSON or safetensors: names file and field/tensor */
  BERT_ENGINE_ERROR_UNSUPPORTED, /* an architecture, activation or dtype we do not run: says which */
  BERT_ENGINE_ERROR_SHAPE,       /* a tensor's shape disagrees with config.json */
  BERT_ENGINE_ERROR_DEVICE,      /* no such device, no driver, backend module missing */
  BERT_ENGINE_ERROR_OUT_OF_MEMORY,
  BERT_ENGINE_ERROR_INPUT,    /* a batch the model cannot take (too long, bad id) */
  BERT_ENGINE_ERROR_COMPUTE,  /* a kernel or library call failed */
  BERT_ENGINE_ERROR_CANCELLED /* bert_encoder_cancel gave up the job */
} BertEngineError;

/* Loads config.json, model.safetensors (else its shards or pytorch_model.bin; mapped), the tokenizer
 * files and the sentence-transformers files of a folder. Reference counted. Each call loads the
 * folder anew; bert_model_load_shared gives the same model for the same folder. */
BertModel *bert_model_load (const char *folder, GError **error);
/* A process-wide cache keyed by the folder's real path: instances share one copy. */
BertModel *bert_model_load_shared (const char *folder, GError **error);
BertModel *bert_model_ref (BertModel *model);
void bert_model_unref (BertModel *model);
/* What the folder asks that the engine does otherwise, naming the file and field (for a
 * warning; the tokenizer's own is bert_tokenizer_get_warning), or NULL. */
const char *bert_model_get_warning (const BertModel *model);
/* The model's tokenizer (owned by the model). */
const BertTokenizer *bert_model_get_tokenizer (const BertModel *model);
/* Whether @n_tokens ids (and type ids; NULL: all zero) fit the model: ids in
 * [0, vocab_size), type ids in [0, type_vocab_size). The error (BERT_ENGINE_ERROR_INPUT)
 * names the first token that does not. The length is not checked, so that a caller
 * that cuts long sequences can check them whole. The engine applies this same rule to
 * every sequence it is given. */
gboolean bert_model_check_tokens (const BertModel *model, const int32_t *ids, const int32_t *type_ids,
    uint32_t n_tokens, GError **error);

typedef enum {
  BERT_DEVICE_AUTO, /* CUDA when a GPU and the CUDA module are there, else CPU */
  BERT_DEVICE_CPU,
  BERT_DEVICE_CUDA,
  BERT_DEVICE_REMOTE /* a Triton Inference Server (docs/remote.md); needs the remote options */
} BertDevice;

/* CUDA computes in fp16, bf16 or fp32; the CPU in fp32, bf16 or int8 (bf16 and int8
 * where the CPU has AVX512_BF16 and AVX512_VNNI). auto is fp16 on CUDA and exact fp32
 * on the CPU. A precision the backend cannot honour falls back (to fp16 on CUDA, fp32
 * on the CPU), said by bert_encoder_get_precision_fallback_reason. */
typedef enum {
  BERT_PRECISION_FP16,
  BERT_PRECISION_BF16,
  BERT_PRECISION_FP32,
  BERT_PRECISION_INT8,
  BERT_PRECISION_AUTO
} BertPrecision;

/* "fp16", "bf16", "fp32", "int8" or "auto". */
const char *bert_precision_get_name (BertPrecision precision);

/* Where the remote backend sends its batches; the strings are copied by bert_encoder_new. */
typedef struct {
  const char *server_url; /* http://host:port of a Triton server (KServe v2 over HTTP) */
  const char *model_name; /* the model's name in the server's repository */
  unsigned timeout_ms;    /* one request's limit, connection included; 0: none */
  unsigned retries;       /* attempts after a failed one (refused, time-out, 5xx) */
  unsigned max_in_flight; /* requests outstanding at once */
} BertRemoteOptions;

typedef struct {
  BertDevice device;
  int device_id;
  BertPrecision precision;  /* default auto */
  int pooling;              /* -1: the model's (one mode or several), else one BertPooling */
  int normalize;            /* -1: the model's, 0 or 1 */
  int n_threads;            /* CPU: 0 means all cores */
  BertRemoteOptions remote; /* BERT_DEVICE_REMOTE only */
} BertEncoderOptions;

void bert_encoder_options_init (BertEncoderOptions *options);

/* One sequence of a batch: ids and token type ids of n_tokens entries, [CLS]/[SEP] included. */
typedef struct {
  const int32_t *ids;
  const int32_t *type_ids; /* may be NULL: all zero */
  uint32_t n_tokens;
} BertSequence;

/* A batch with its sequences end to end, no padding: sequence i is tokens
 * [seq_offsets[i], seq_offsets[i + 1]) of ids and type_ids.
 * prompt_lengths[i] counts the leading tokens of sequence i that its prompt gave, as
 * sentence-transformers counts them (the prompt tokenized alone: [CLS] and its tokens,
 * not its [SEP]). Where the model's 1_Pooling/config.json says include_prompt false,
 * pooling leaves those tokens out exactly as sentence-transformers' Pooling does: mean and
 * max over the rest (over none: zeros for mean, -inf for max), CLS the first token of the
 * rest (the sequence's first when none is left). Otherwise they are ignored. */
typedef struct {
  uint32_t n_sequences;
  const int32_t *ids;             /* seq_offsets[n_sequences] entries */
  const int32_t *type_ids;        /* as many; may be NULL: all zero */
  const uint32_t *seq_offsets;    /* n_sequences + 1 entries, seq_offsets[0] == 0 */
  const uint32_t *prompt_lengths; /* n_sequences entries; may be NULL: no prompts */
} BertPackedInput;

/* A label scored by sigmoid (multi-label, or one label) applies when its probability is
 * above this, as in Hugging Face's multi_label_classification pipelines. */
#define BERT_MULTI_LABEL_THRESHOLD 0.5f

/* The outputs of one batch, owned by the job; only the head's arrays are set, the
 * others are NULL. Per sequence i:
 *  - encoder:             embeddings + i * embedding_size, pooled, through the Dense
 *                         modules and normalised as set
 *  - sequence classifier: logits + i * num_labels and probs + i * num_labels (by the
 *                         config's score_function: softmax, a sigmoid per label, the
 *                         logits themselves for a regression head, or tanh); labels[i],
 *                         the highest-scoring label; label_applies + i * num_labels,
 *                         1 for each label that applies (sigmoid: each above
 *                         BERT_MULTI_LABEL_THRESHOLD, maybe none; otherwise labels[i] only)
 *  - token classifier:    for each token t of sequence i, from token_offset[i] up to
 *                         token_offset[i + 1]: token_logits + t * num_labels,
 *                         token_probs + t * num_labels (softmax) and token_labels[t] */
typedef struct {
  uint32_t n_sequences;
  uint32_t n_tokens; /* over the whole batch */
  int hidden_size;
  int num_labels;
  float *embeddings;
  float *logits;
  float *probs;
  int32_t *labels;
  uint8_t *label_applies;
  float *token_logits;
  float *token_probs;
  int32_t *token_labels;
  uint32_t *token_offset; /* n_sequences + 1 entries */
  double compute_seconds; /* time the backend spent on this batch (CUDA: GPU time of the forward pass) */
  double enqueue_seconds; /* CUDA: host time spent enqueuing the batch; 0 on the CPU */
  int embedding_size;     /* values per embedding: the last Dense module's out_features, else
                           * hidden_size times the pooling's modes */
} BertBatchOutput;

typedef struct _BertEncoder BertEncoder;
typedef struct _BertJob BertJob;

BertEncoder *bert_encoder_new (BertModel *model, const BertEncoderOptions *options, GError **error);
/* Free an encoder's jobs before the encoder. */
void bert_encoder_free (BertEncoder *encoder);
/* Gives up the jobs submitted so far, for a caller that will drop their results (a
 * pipeline stopping): on a backend whose jobs can wait on something outside the machine
 * (remote: a server that does not answer, server-timeout 0 or retries), their waits return
 * soon, failed with BERT_ENGINE_ERROR_CANCELLED, instead of when the server or the time-out
 * ends them; elsewhere they finish as usual. Jobs submitted later run as usual. Any thread. */
void bert_encoder_cancel (BertEncoder *encoder);
/* Which backend runs: "cpu", "cuda" or "remote". */
const char *bert_encoder_get_backend_name (const BertEncoder *encoder);
/* Whether submit returns before the batch is computed (see the contract above). */
gboolean bert_encoder_is_asynchronous (const BertEncoder *encoder);
/* With BERT_DEVICE_AUTO on the CPU: why CUDA was not used (for a warning); else NULL. */
const char *bert_encoder_get_fallback_reason (const BertEncoder *encoder);
/* The precision the backend computes in (never auto), and why it is not the one asked
 * for (for a warning), or NULL when the request is honoured. */
BertPrecision bert_encoder_get_precision (const BertEncoder *encoder);
const char *bert_encoder_get_precision_fallback_reason (const BertEncoder *encoder);
/* Bytes of the model's weights the encoder's backend keeps and reads, shared with the
 * model's other encoders at the same precision; 0 where the backend does not say (CUDA). */
gsize bert_encoder_get_weights_bytes (const BertEncoder *encoder);
/* The head and pooling in effect after the options' overrides. */
BertHead bert_encoder_get_head (const BertEncoder *encoder);
const BertPoolings *bert_encoder_get_pooling (const BertEncoder *encoder);
gboolean bert_encoder_get_normalize (const BertEncoder *encoder);

/* Submits a packed batch, read in place: its arrays must stay valid and unchanged
 * until bert_job_wait (or bert_job_free) returns. Fails (NULL) on a batch the contract
 * above refuses, or a backend error. */
BertJob *bert_encoder_submit_packed (BertEncoder *encoder, const BertPackedInput *input, GError **error);
/* Submits a batch of per-sequence views, without prompts; the sequences are copied, so
 * the caller may free them at once. Fails as bert_encoder_submit_packed does. */
BertJob *bert_encoder_submit (BertEncoder *encoder, const BertSequence *sequences, uint32_t n_sequences,
    GError **error);
/* Waits for a job; on success its outputs stay valid until bert_job_free. */
gboolean bert_job_wait (BertJob *job, GError **error);
const BertBatchOutput *bert_job_get_output (const BertJob *job);
void bert_job_free (BertJob *job);

/* Convenience: submit + wait. */
BertJob *bert_encoder_run (BertEncoder *encoder, const BertSequence *sequences, uint32_t n_sequences,
    GError **error);

G_END_DECLS

#endif
