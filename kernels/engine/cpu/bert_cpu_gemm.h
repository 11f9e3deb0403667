/* bert_cpu_gemm.h: Linear layers over pre-packed weights (engine-private).
 *
 * y = x W^T + b for a constant weight W [n, k]. BLAS packs W again on every call, which
 * costs as much as the product itself when x has few rows (a batch of one caption), and
 * this OpenBLAS (0.3.21) runs its Haswell kernels on AVX-512 CPUs it does not know
 * (Zen 4 and 5). So on CPUs with AVX-512 the weights are packed once, at create time,
 * into panels of 32 output features, and a register-blocked AVX-512 kernel runs over
 * them; elsewhere cblas_sgemm does the work. Both sum over k in order with fp32 FMAs
 * or multiply-adds, so results agree to rounding.
 */
#ifndef BERT_CPU_GEMM_H
#define BERT_CPU_GEMM_H

#include <glib.h>

G_BEGIN_DECLS

/* Output features per packed panel. */
#define BERT_GEMM_PANEL 32

typedef struct {
  int n, k;                /* out_features, in_features */
  int n_panels;            /* ceil (n / BERT_GEMM_PANEL) */
  const float *weight;     /* the original [n, k], for cblas_sgemm */
  const float *bias;       /* [n] */
  float *packed;           /* n_panels x k x BERT_GEMM_PANEL, zero-padded; NULL on the BLAS path */
  float *packed_bias;      /* n_panels x BERT_GEMM_PANEL, zero-padded */
} BertLinear;

/* Whether the packed kernel runs on this CPU and is not turned off: the environment
 * variable GST_BERT_CPU_GEMM=blas forces cblas_sgemm (to compare the two). */
gboolean bert_cpu_gemm_packed_enabled (void);

/* Prepares a Linear layer; weight and bias must outlive it. Packs when pack is TRUE;
 * FALSE when there is no memory for the packed copy. */
gboolean bert_linear_init (BertLinear *linear, const float *weight, const float *bias, int n, int k,
    gboolean pack);
void bert_linear_clear (BertLinear *linear);

/* The columns [column_begin, column_end) of y = x W^T + b, for rows of x (row stride
 * ldx) into y (row stride ldy). column_begin must be a multiple of BERT_GEMM_PANEL. */
void bert_linear_forward (const BertLinear *linear, const float *x, int rows, int ldx,
    int column_begin, int column_end, float *y, int ldy);

G_END_DECLS

#endif
