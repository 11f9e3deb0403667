/* bert_cuda_backend_private.h: the CUDA backend's state, shared by its source files. */
#ifndef BERT_CUDA_BACKEND_PRIVATE_H
#define BERT_CUDA_BACKEND_PRIVATE_H

#include <cuda_runtime_api.h>
#include <glib.h>

#include "bert_backend.h"
#include "bert_cuda_dense.h"
#include "bert_cuda_matmul.h"

G_BEGIN_DECLS

/* Weight matrices and biases are in the compute dtype, LayerNorm parameters in fp32. */
typedef struct {
  void *query_key_value_weight;  /* [3 * hidden, hidden]: Q, K and V fused into one GEMM */
  void *query_key_value_bias;    /* [3 * hidden] */
  void *attention_output_weight; /* [hidden, hidden] */
  void *attention_output_bias;   /* [hidden] */
  float *attention_layernorm_weight, *attention_layernorm_bias;
  void *intermediate_weight; /* [intermediate, hidden] */
  void *intermediate_bias;   /* [intermediate] */
  void *output_weight;       /* [hidden, intermediate] */
  void *output_bias;         /* [hidden] */
  float *output_layernorm_weight, *output_layernorm_bias;
} BertCudaLayerWeights;

/* The embedding tables and their LayerNorm are input_embedding_size wide (hidden but for
 * ELECTRA). */
typedef struct {
  void *word_embeddings;       /* [vocab, input_embedding_size] */
  void *position_embeddings;   /* [max_positions, input_embedding_size] */
  void *token_type_embeddings; /* [type_vocab, input_embedding_size] */
  float *embeddings_layernorm_weight, *embeddings_layernorm_bias;
  /* ELECTRA's embeddings_project, [hidden, input_embedding_size] and [hidden]; NULL where
   * input_embedding_size is hidden */
  void *embeddings_project_weight, *embeddings_project_bias;
  /* MPNet's relative position biases, fp32 [heads, 2 * max_positions - 1]; NULL without */
  float *relative_position_bias;
  BertCudaLayerWeights *layers;      /* num_layers */
  void *pooler_weight, *pooler_bias; /* sequence classifier: [hidden, hidden], [hidden] */
  /* classifiers: [padded_labels, hidden], [padded_labels], zero past num_labels, so that
   * the logits GEMM has 16-byte aligned rows whatever the label count */
  void *classifier_weight, *classifier_bias;
  GPtrArray *allocations; /* every device pointer above, for cudaFree */
} BertCudaWeights;

/* Device buffers of the forward pass, shared by all jobs: they run one after another on
 * the state's stream. Grown (never shrunk) when a batch needs more. */
typedef struct {
  uint32_t token_capacity;
  uint32_t sequence_capacity;
  int32_t *inputs;        /* a batch's ids | type_ids | positions | seq_offsets | prompt_lengths */
  void *embedded;         /* [tokens, input_embedding_size] before embeddings_project; NULL without */
  void *hidden;           /* [tokens, hidden]: the layer's input and output */
  void *attention_hidden; /* [tokens, hidden]: after attention + LayerNorm */
  void *query_key_value;  /* [tokens, 3 * hidden] */
  void *context;          /* [tokens, hidden] */
  void *projection;       /* [tokens, hidden]: a dense layer's output before the residual */
  void *intermediate;     /* [tokens, intermediate] */
  void *first_tokens;     /* [sequences, hidden] (sequence classifier) */
  void *pooled;           /* [sequences, hidden] (sequence classifier) */
  void *logits;           /* [rows, padded_labels] (classifiers) */
  void *outputs;          /* a batch's fp32 / int32 results, packed (see BertCudaOutputLayout) */
} BertCudaActivations;

/* Where a batch's results lie in the packed output block, in 4-byte elements. */
typedef struct {
  size_t embeddings; /* encoder: [sequences, embedding_size] */
  size_t logits;     /* classifiers: [rows, num_labels] */
  size_t probs;      /* classifiers: [rows, num_labels] */
  size_t labels;     /* classifiers: [rows] int32 */
  size_t applies;    /* sequence classifier: [sequences, num_labels] bytes */
  size_t n_elements;
} BertCudaOutputLayout;

/* Where a batch's inputs lie in the packed input block, in 4-byte elements. */
typedef struct {
  size_t ids, type_ids, positions, seq_offsets, prompt_lengths;
  size_t n_elements;
} BertCudaInputLayout;

typedef struct {
  int hidden;
  int n_heads;
  int head_dim;
  int n_layers;
  int intermediate;
  int n_labels;
  int padded_labels;                /* n_labels rounded up to 8: the classifier GEMM's row length */
  BertScoreFunction score_function; /* sequence classifier's probs */
  float layer_norm_eps;
  BertActivation hidden_act; /* the FFN's */
  int vocab_size;
  int type_vocab_size;
  gboolean uses_type_ids; /* FALSE (DistilBERT, RoBERTa): every token takes type row 0 */
  int max_positions;
  int input_embedding_size;             /* the embedding tables' width (BertConfig's) */
  int embedding_size;                   /* encoder: the last Dense module's out_features, else hidden */
  int position_offset;                  /* bert_position_ids */
  BertActivation classifier_activation; /* between the sequence classifier's two layers */
} BertCudaShape;

typedef struct {
  BertCudaShape shape;
  BertBackendSettings settings;
  BertDType dtype;
  cudaStream_t stream;
  BertCudaWeights *weights; /* shared by every state of the same model, device, dtype and head */
  BertCudaMatmul *matmul;
  BertCudaActivations activations;
  gboolean sync_each_step; /* GST_BERT_CUDA_SYNC=1: synchronise after every kernel (bert_cuda_forward.c) */
  GHashTable *graphs;      /* "tokens sequences longest" -> cudaGraphExec_t (NULL: met once); NULL: off */
  GMutex lock;             /* submit, and the job lists */
  GPtrArray *free_jobs;
  GPtrArray *all_jobs;
  BertCudaDense *dense; /* the encoder's Dense modules; NULL without */
} BertCudaState;

/* Pinned host buffers come in size classes, powers of two from 64 KiB: a job slot that
 * grows reallocates a few times, not for every larger batch. */
#define BERT_CUDA_PINNED_MIN_BYTES ((size_t) 64 * 1024)

static inline size_t
bert_cuda_pinned_size_class (size_t bytes)
{
  size_t size = BERT_CUDA_PINNED_MIN_BYTES;
  while (size < bytes && size <= G_MAXSIZE / 2)
    size *= 2;
  return size < bytes ? bytes : size;
}

/* The sizes a batch's forward pass is launched with: its own, or its buckets' when it runs
 * as a graph (padded). */
typedef struct {
  uint32_t n_tokens;
  uint32_t n_sequences;
  gboolean padded;
} BertCudaLaunchSize;

/* Graphs are used up to this many (padded) tokens: beyond, a batch is not launch-bound
 * and padding would only add work. */
#define BERT_CUDA_GRAPH_MAX_TOKENS 2048u
/* At most this many buckets per state; further ones run launch by launch. */
#define BERT_CUDA_GRAPH_MAX_GRAPHS 64u

/* bert_cuda_graph.c */
/* Whether the environment allows graphs (GST_BERT_CUDA_GRAPHS is not 0, GST_BERT_CUDA_SYNC
 * is not 1). */
gboolean bert_cuda_graphs_wanted (void);
GHashTable *bert_cuda_graphs_new (void);
/* Drops every graph: they hold the addresses of buffers about to be freed. */
void bert_cuda_graphs_clear (BertCudaState *state);
BertCudaLaunchSize bert_cuda_launch_size (const BertCudaState *state, uint32_t n_tokens,
    uint32_t n_sequences);
/* The longest sequence the attention grid is launched for. */
uint32_t bert_cuda_launch_max_seq_len (const BertCudaLaunchSize *size, uint32_t max_seq_len);
/* Enqueues the forward pass at size: a graph's replay (captured on first use) when padded,
 * else bert_cuda_forward. */
gboolean bert_cuda_forward_launch (BertCudaState *state, const BertCudaLaunchSize *size, uint32_t max_seq_len,
    GError **error);

/* bert_cuda_weights.c */
gboolean bert_cuda_model_check (const BertModel *model, const BertBackendSettings *settings, GError **error);
/* The device copy of model's weights for head in dtype on the current device (device_id),
 * uploaded by the first caller and shared, counted, by every later one; release it with
 * bert_cuda_weights_release. */
BertCudaWeights *bert_cuda_weights_acquire (const BertModel *model, int device_id, BertHead head,
    int padded_labels, BertDType dtype, GError **error);
void bert_cuda_weights_release (BertCudaWeights *weights);

/* bert_cuda_forward.c */
BertCudaInputLayout bert_cuda_input_layout (uint32_t n_tokens, uint32_t n_sequences);
BertCudaOutputLayout bert_cuda_output_layout (const BertCudaState *state, uint32_t n_tokens,
    uint32_t n_sequences);
gboolean bert_cuda_activations_reserve (BertCudaState *state, uint32_t n_tokens, uint32_t n_sequences,
    GError **error);
void bert_cuda_activations_clear (BertCudaActivations *activations);
/* Enqueues the encoder and its head on state->stream for the batch already copied to
 * activations.inputs; results land in activations.outputs. */
gboolean bert_cuda_forward (BertCudaState *state, uint32_t n_tokens, uint32_t n_sequences,
    uint32_t max_seq_len, GError **error);

G_END_DECLS

#endif
