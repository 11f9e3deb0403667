/* bert_cpu_dense.h: sentence-transformers Dense modules on the CPU (engine-private).
 *
 * Each module maps a pooled embedding x to activation (W x + b), in fp32 whatever the
 * weights' storage or the encoder's precision: one row per sequence costs nothing next
 * to the encoder, and the reference computes it so.
 */
#ifndef BERT_CPU_DENSE_H
#define BERT_CPU_DENSE_H

#include "bert_model.h"

G_BEGIN_DECLS

typedef struct {
  int n_modules;
  int max_width; /* the widest input or output of the modules */
  const BertDenseConfig *config[BERT_MAX_DENSE_MODULES];
  float *weight[BERT_MAX_DENSE_MODULES]; /* [out_features, in_features] fp32 */
  float *bias[BERT_MAX_DENSE_MODULES];   /* [out_features], NULL without bias */
} BertCpuDense;

/* fp32 copies of the model's Dense weights; FALSE when memory is short. */
gboolean bert_cpu_dense_prepare (BertCpuDense *dense, const BertModel *model);
void bert_cpu_dense_clear (BertCpuDense *dense);
gsize bert_cpu_dense_weight_bytes (const BertCpuDense *dense);

/* y = activation (W x + b), n values of x to out_features values of y. */
void bert_cpu_dense_apply (const float *weight, const float *bias, int in_features, int out_features,
    BertActivation activation, const float *x, float *y);

/* The modules in order over one pooled embedding (hidden_size values) into out
 * (the last module's out_features); scratch holds 2 * max_width floats. */
void bert_cpu_dense_forward (const BertCpuDense *dense, const float *pooled, float *out, float *scratch);

G_END_DECLS

#endif
