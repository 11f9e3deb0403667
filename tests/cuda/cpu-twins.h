/* cpu-twins.h: the CPU twin of every CUDA kernel, computed in double from the same
 * (already rounded) inputs, for the kernel tests (llm.c dev/cuda style). Shapes and
 * meaning as in kernels/cuda/bert_cuda_kernels.h; all arrays here are float. */
#ifndef CPU_TWINS_H
#define CPU_TWINS_H

#include <glib.h>
#include <stdint.h>

#include "bert_engine.h"

void cpu_embeddings_layernorm (float *out, const int32_t *ids, const int32_t *type_ids,
    const int32_t *positions, const float *word, const float *position, const float *token_type,
    const float *gamma, const float *beta, float eps, uint32_t n_tokens, int hidden);
void cpu_residual_layernorm (float *out, const float *input, const float *residual, const float *gamma,
    const float *beta, float eps, uint32_t n_rows, int hidden);
void cpu_bias_activation (float *x, const float *bias, uint32_t n_rows, int n_cols,
    BertActivation activation);
void cpu_bias_tanh (float *x, const float *bias, uint32_t n_rows, int n_cols);
void cpu_bias_relu (float *x, const float *bias, uint32_t n_rows, int n_cols);
/* position_bias: NULL, or [n_heads, 2 * bias_max_positions - 1] (bert_position_bias_row). */
void cpu_attention_varlen (float *context, const float *query_key_value, const uint32_t *seq_offsets,
    uint32_t n_sequences, int n_heads, int head_dim, const float *position_bias, int bias_max_positions);
/* prompt_lengths: NULL, or the leading tokens of each sequence pooling leaves out;
 * pooled: [n_sequences, pooling->n_modes * hidden]. */
void cpu_pool_normalize (float *pooled, const float *hidden_states, const uint32_t *seq_offsets,
    const uint32_t *prompt_lengths, uint32_t n_sequences, int hidden, const BertPoolings *pooling,
    gboolean normalize);
void cpu_gather_first_tokens (float *out, const float *hidden_states, const uint32_t *seq_offsets,
    uint32_t n_sequences, int hidden);
void cpu_logits_probs_argmax (float *logits_out, float *probs_out, int32_t *labels, uint8_t *applies_out,
    const float *logits, uint32_t n_rows, int n_labels, BertScoreFunction score_function);
/* out[rows, out_features] = input . weight^T (+ bias) */
void cpu_linear (float *out, const float *input, const float *weight, const float *bias, uint32_t rows,
    int in_features, int out_features);
/* y[rows, out_features] = activation (x . weight^T (+ bias)) */
void cpu_dense_activation (float *y, const float *x, const float *weight, const float *bias, uint32_t n_rows,
    int in_features, int out_features, BertActivation activation);
void cpu_normalize_rows (float *x, uint32_t n_rows, int n_cols);

#endif
