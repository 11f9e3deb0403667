/* bert_cuda_kernels.h: host-side launchers of the CUDA backend's kernels, callable from C.
 *
 * Device buffers are passed as void * and typed by a BertDType (F32, F16 or BF16: the
 * "compute dtype" of activations and weight matrices); LayerNorm parameters are always
 * fp32 and every kernel computes in fp32. Matrices are row-major, one row per token
 * (or per sequence), packed without padding. Each launcher enqueues one kernel on
 * stream and returns cudaGetLastError () so that launch failures surface at once.
 */
#ifndef BERT_CUDA_KERNELS_H
#define BERT_CUDA_KERNELS_H

#include <cuda_runtime_api.h>
#include <stddef.h>
#include <stdint.h>

#include "bert_model.h"

G_BEGIN_DECLS

/* LayerNorm kernels keep a row in shared memory: the widest hidden size they take. */
#define BERT_CUDA_MAX_HIDDEN 4096
/* The attention kernel keeps a query and its accumulator in registers. */
#define BERT_CUDA_MAX_HEAD_DIM 128

size_t bert_cuda_dtype_size (BertDType dtype);

/* dst[i] = src[i] converted, for i < n (round to nearest even). */
cudaError_t bert_cuda_convert (void *dst, BertDType dst_dtype, const void *src, BertDType src_dtype, size_t n,
    cudaStream_t stream);

/* out[t] = LayerNorm (word[ids[t]] + token_type[type_ids[t]] + position[positions[t]]), t < n_tokens;
 * token_type_embeddings NULL: no token type term. */
cudaError_t bert_cuda_embeddings_layernorm (BertDType dtype, void *out, const int32_t *ids,
    const int32_t *type_ids, const int32_t *positions, const void *word_embeddings,
    const void *position_embeddings, const void *token_type_embeddings, const float *gamma, const float *beta,
    float eps, uint32_t n_tokens, int hidden, cudaStream_t stream);

/* out[r] = LayerNorm (input[r] + residual[r]), r < n_rows; out may not alias the inputs. */
cudaError_t bert_cuda_residual_layernorm (BertDType dtype, void *out, const void *input, const void *residual,
    const float *gamma, const float *beta, float eps, uint32_t n_rows, int hidden, cudaStream_t stream);

/* In place: x[r][c] = activation (x[r][c] + bias[c]); the FFN's hidden_act. */
cudaError_t bert_cuda_bias_activation (BertDType dtype, void *x, const void *bias, uint32_t n_rows,
    int n_cols, BertActivation activation, cudaStream_t stream);

/* In place: x[r][c] = tanh (x[r][c] + bias[c]). */
cudaError_t bert_cuda_bias_tanh (BertDType dtype, void *x, const void *bias, uint32_t n_rows, int n_cols,
    cudaStream_t stream);

/* In place: x[r][c] = max (x[r][c] + bias[c], 0). */
cudaError_t bert_cuda_bias_relu (BertDType dtype, void *x, const void *bias, uint32_t n_rows, int n_cols,
    cudaStream_t stream);

/* Scaled dot-product attention of each sequence with itself, per head, no padding.
 * query_key_value: [n_tokens, 3 * n_heads * head_dim] (Q, then K, then V, heads contiguous);
 * context: [n_tokens, n_heads * head_dim]; seq_offsets (device): n_sequences + 1 entries;
 * max_seq_len bounds every sequence's length. position_bias (device, fp32): NULL, or
 * MPNet's relative position biases [n_heads, 2 * bias_max_positions - 1], added to the
 * score of query i and key j as bert_position_bias_row says (no sequence may be longer
 * than bias_max_positions). */
cudaError_t bert_cuda_attention_varlen (BertDType dtype, void *context, const void *query_key_value,
    const uint32_t *seq_offsets, uint32_t n_sequences, uint32_t max_seq_len, int n_heads, int head_dim,
    const float *position_bias, int bias_max_positions, cudaStream_t stream);

/* pooled[s] (fp32, pooling.n_modes * hidden values) = each mode of pooling over sequence
 * s of hidden_states without its first prompt_lengths[s] tokens (device, n_sequences
 * entries, or NULL: none; as BertPackedInput says), concatenated in pooling's order, then
 * divided by its L2 norm when normalize. */
cudaError_t bert_cuda_pool_normalize (BertDType dtype, float *pooled, const void *hidden_states,
    const uint32_t *seq_offsets, const uint32_t *prompt_lengths, uint32_t n_sequences, int hidden,
    BertPoolings pooling, int normalize, cudaStream_t stream);

/* out[s] = hidden_states[seq_offsets[s]]: each sequence's [CLS] row. */
cudaError_t bert_cuda_gather_first_tokens (BertDType dtype, void *out, const void *hidden_states,
    const uint32_t *seq_offsets, uint32_t n_sequences, int hidden, cudaStream_t stream);

/* Per row of logits [n_rows, logits_stride] (the first n_labels columns count): copies
 * them to logits_out [n_rows, n_labels] (fp32), writes their scores by score_function
 * (softmax, sigmoid, tanh, or the logits for identity) to probs_out unless NULL, the
 * argmax to labels, and unless NULL (it needs probs_out) which labels apply to
 * applies_out [n_rows, n_labels] bytes: with sigmoid those above
 * BERT_MULTI_LABEL_THRESHOLD, otherwise the argmax. */
cudaError_t bert_cuda_logits_probs_argmax (BertDType dtype, float *logits_out, float *probs_out,
    int32_t *labels, uint8_t *applies_out, const void *logits, uint32_t n_rows, int n_labels,
    int logits_stride, BertScoreFunction score_function, cudaStream_t stream);

/* A sentence-transformers Dense module over n_rows pooled embeddings, all fp32:
 * y [n_rows, out_features] = activation (x [n_rows, in_features] weight^T + bias);
 * bias may be NULL. */
cudaError_t bert_cuda_dense_activation (float *y, const float *x, const float *weight, const float *bias,
    uint32_t n_rows, int in_features, int out_features, BertActivation activation, cudaStream_t stream);

/* In place: each row of x [n_rows, n_cols] (fp32) divided by its L2 norm (at least 1e-12). */
cudaError_t bert_cuda_normalize_rows (float *x, uint32_t n_rows, int n_cols, cudaStream_t stream);

G_END_DECLS

#endif
