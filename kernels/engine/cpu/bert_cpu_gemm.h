/* bert_cpu_gemm.h: Linear layers over pre-packed weights (engine-private).
 *
 * y = x W^T + b for a constant weight W [n, k]. BLAS packs W again on every call, which
 * costs as much as the product itself when x has few rows (a batch of one caption), and
 * this OpenBLAS (0.3.21) runs its Haswell kernels on AVX-512 CPUs it does not know
 * (Zen 4 and 5). So on CPUs with AVX-512 the weights are packed once, at create time,
 * into panels of 32 output features, and a register-blocked AVX-512 kernel runs over
 * them; elsewhere cblas_sgemm does the work. Both sum over k in order with fp32 FMAs
 * or multiply-adds, so results agree to rounding.
 *
 * Two reduced-precision formats run on the same panels of 32 output features, where the
 * CPU has the instructions (bert_cpu_gemm_format_supported):
 *  - BF16: weights rounded to bf16 once; each call rounds its input rows to bf16 and
 *    vdpbf16ps sums pairs of products in fp32 (AVX512_BF16).
 *  - INT8: weights quantized once per output feature (symmetric, scale max |w| / 127);
 *    each call quantizes its input rows per row the same way, shifted by 128 into
 *    unsigned bytes for vpdpbusd (AVX512_VNNI), which sums groups of four products in
 *    int32; the shift is taken back with 128 x each feature's weight sum, then scales
 *    and bias are applied in fp32. On AMX, tdpbssd takes the inputs signed, unshifted.
 */
#ifndef BERT_CPU_GEMM_H
#define BERT_CPU_GEMM_H

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

/* Output features per packed panel. */
#define BERT_GEMM_PANEL 32
/* Rows of x that the BF16 and INT8 kernels take at once on AMX (where k allows): every
 * weight tile loaded serves that many rows before the next is read, so callers give
 * them as many rows at once where they can. */
#define BERT_GEMM_AMX_STAGE_ROWS 128

typedef enum {
  BERT_GEMM_F32,  /* fp32 panels, or cblas_sgemm */
  BERT_GEMM_BF16, /* bf16 panels, fp32 sums (vdpbf16ps) */
  BERT_GEMM_INT8  /* int8 panels, int32 sums (vpdpbusd), fp32 scales */
} BertGemmFormat;

typedef struct {
  int n, k; /* out_features, in_features */
  BertGemmFormat format;
  int n_panels;        /* ceil (n / BERT_GEMM_PANEL) */
  const float *weight; /* the original [n, k], for cblas_sgemm */
  const float *bias;   /* [n] */
  float *packed;       /* n_panels x k x BERT_GEMM_PANEL, zero-padded; NULL on the BLAS path */
  float *packed_bias;  /* n_panels x BERT_GEMM_PANEL, zero-padded */
  /* BF16 and INT8: k rounded up to the pairs (bf16) or fours (int8) one instruction
   * sums; panels of n_panels x k_groups x BERT_GEMM_PANEL x group values. */
  int k_padded;
  void *packed_low;      /* uint16_t bf16 or int8_t values; NULL for F32 */
  float *weight_scale;   /* INT8: per output feature, n_panels x BERT_GEMM_PANEL */
  int32_t *weight_shift; /* INT8: 128 x the feature's sum of int8 weights */
} BertLinear;

/* Whether the packed kernel runs on this CPU and is not turned off: the environment
 * variable GST_BERT_CPU_GEMM=blas forces cblas_sgemm (to compare the two). */
gboolean bert_cpu_gemm_packed_enabled (void);

/* Whether format runs on this CPU: F32 always; BF16 with AVX512_BF16 and INT8 with
 * AVX512_VNNI and AVX512BW, both only where the packed kernel is enabled. The
 * environment variable GST_BERT_CPU_GEMM=fp32 turns both off, as on a CPU without
 * them (to test the fallback). */
gboolean bert_cpu_gemm_format_supported (BertGemmFormat format);
const char *bert_gemm_format_name (BertGemmFormat format);

/* Prepares a Linear layer; weight and bias must outlive it. Packs when pack is TRUE;
 * FALSE when there is no memory for the packed copy. */
gboolean bert_linear_init (BertLinear *linear, const float *weight, const float *bias, int n, int k,
    gboolean pack);
/* A Linear layer in BF16 or INT8 (supported on this CPU) from fp32 weight and bias,
 * which it does not keep; FALSE when there is no memory. */
gboolean bert_linear_init_low (BertLinear *linear, BertGemmFormat format, const float *weight,
    const float *bias, int n, int k);
void bert_linear_clear (BertLinear *linear);
/* Bytes of weights the forward pass reads (packed copies, or the fp32 weight). */
gsize bert_linear_weight_bytes (const BertLinear *linear);

/* The columns [column_begin, column_end) of y = x W^T + b, for rows of x (row stride
 * ldx) into y (row stride ldy). column_begin must be a multiple of BERT_GEMM_PANEL. */
void bert_linear_forward (const BertLinear *linear, const float *x, int rows, int ldx, int column_begin,
    int column_end, float *y, int ldy);

G_END_DECLS

#endif
