/* bert_cpu_kernels.h: the CPU backend's per-row kernels (engine-private).
 *
 * Numerics follow the PyTorch reference: GELU with erf (its tanh form where the model
 * says so), LayerNorm mean and variance in two fp32 passes, softmax with the row maximum
 * subtracted. Matrices are row-major.
 */
#ifndef BERT_CPU_KERNELS_H
#define BERT_CPU_KERNELS_H

#include <stddef.h>

#include "bert_model.h"

G_BEGIN_DECLS

/* n floats aligned for AVX-512 (free with free ()), or NULL when memory or address
 * space is short: a model too big for the machine is an error, not an abort. */
float *bert_cpu_try_alloc_floats (size_t n);

/* n values of dtype at src (any alignment) to fp32 at dst. */
void bert_cpu_convert_to_f32 (const void *src, BertDType dtype, float *dst, size_t n);

/* erf with |error| < 5e-7 (Abramowitz and Stegun 7.1.26), written so loops vectorize. */
float bert_cpu_erf (float x);

/* One value: activation (x), as bert_cpu_activation computes it. */
float bert_cpu_activate (BertActivation activation, float x);
/* rows x cols block at y (row stride ld): y = activation (y), every activation with
 * |error| < 1e-6 max (1, |y|) (erf GELU through bert_cpu_erf; tanh and the sigmoid
 * forms through exp with relative error < 1e-7). */
void bert_cpu_activation (BertActivation activation, float *y, int rows, int cols, int ld);
/* y = y + residual; residual has y's shape and row stride. */
void bert_cpu_add_residual (float *y, int rows, int cols, int ld, const float *residual);
/* y = y + bias, bias a row of cols values. */
void bert_cpu_bias (float *y, int rows, int cols, int ld, const float *bias);

/* One row of n values: out = (in - mean) / sqrt (var + eps) * weight + bias. */
void bert_cpu_layernorm (const float *in, float *out, int n, const float *weight, const float *bias,
    float eps);

/* Softmax of n values in place. */
void bert_cpu_softmax (float *x, int n);

/* Scaled dot-product attention of one head over one sequence of n tokens without
 * padding: q, k, v are n rows of head_dim values, row stride qkv_stride; ctx gets
 * n rows of head_dim values, row stride ctx_stride. position_bias: NULL, or MPNet's
 * relative position biases of the head (bert_position_bias_row), position_bias[j - i]
 * added to the scaled score of query i and key j before the softmax. scratch holds
 * bert_cpu_attention_scratch_size (n, head_dim) floats. */
void bert_cpu_attention_head (const float *q, const float *k, const float *v, int qkv_stride, float *ctx,
    int ctx_stride, int n, int head_dim, const float *position_bias, float *scratch);
size_t bert_cpu_attention_scratch_size (int n, int head_dim);

G_END_DECLS

#endif
