/* bert_cpu_gemm_low.h: the BF16 and INT8 Linear kernels behind bert_cpu_gemm.h
 * (engine-private; only bert_cpu_gemm.c calls them, and only where
 * bert_cpu_gemm_format_supported says they run), and the register blocking that they
 * and the fp32 kernel share.
 *
 * Both take their input rows in stages of at most BERT_GEMM_ROW_BLOCK rows, rounded or quantized
 * once into a buffer on the stack, and run every requested panel over a stage before
 * the next is read, so a stage is converted once per call whatever the columns.
 */
#ifndef BERT_CPU_GEMM_LOW_H
#define BERT_CPU_GEMM_LOW_H

#include "bert_cpu_gemm.h"

G_BEGIN_DECLS

#if defined(__x86_64__) && defined(__ELF__) && (defined(__GNUC__) || defined(__clang__))
#define BERT_HAVE_AVX512_KERNEL 1
#else
#define BERT_HAVE_AVX512_KERNEL 0
#endif

/* The register-blocked AVX-512 kernels (fp32, bf16, int8) compute KERNEL_ROWS rows x
 * 32 features per call: 12 rows x 2 vectors of 16 sums keep 24 accumulators in the 32
 * registers, with room for two weight vectors and a broadcast. Every panel of a call
 * passes over ROW_BLOCK rows before the next rows are read, so that they stay in L1/L2
 * (48 rows of 384 floats are 72 KB). */
#define BERT_GEMM_KERNEL_ROWS 12
#define BERT_GEMM_ROW_BLOCK 48

/* Expands ROWS_CALL (n) for n = rows (1 ... BERT_GEMM_KERNEL_ROWS) as a constant: a
 * kernel inlined (always_inline) with its row count constant keeps its sums in
 * registers, so each kernel has one copy per row count, chosen here. */
#define BERT_GEMM_WITH_CONSTANT_ROWS(rows, ROWS_CALL)                                                        \
  do {                                                                                                       \
    G_STATIC_ASSERT (BERT_GEMM_KERNEL_ROWS == 12);                                                           \
    switch (rows) {                                                                                          \
      case 12: ROWS_CALL (12); break;                                                                        \
      case 11: ROWS_CALL (11); break;                                                                        \
      case 10: ROWS_CALL (10); break;                                                                        \
      case 9: ROWS_CALL (9); break;                                                                          \
      case 8: ROWS_CALL (8); break;                                                                          \
      case 7: ROWS_CALL (7); break;                                                                          \
      case 6: ROWS_CALL (6); break;                                                                          \
      case 5: ROWS_CALL (5); break;                                                                          \
      case 4: ROWS_CALL (4); break;                                                                          \
      case 3: ROWS_CALL (3); break;                                                                          \
      case 2: ROWS_CALL (2); break;                                                                          \
      default: ROWS_CALL (1); break;                                                                         \
    }                                                                                                        \
  } while (0)

/* Both kernels pad k to whole AMX tiles: 32 bf16 or 64 int8 values (64 bytes). */
#define BERT_GEMM_BF16_K_ALIGN 32
#define BERT_GEMM_INT8_K_ALIGN 64

/* Stage buffers: 192 KB holds one row of the largest k the loader accepts
 * (BERT_MAX_INTERMEDIATE_SIZE) in bf16. */
#define BERT_GEMM_STAGE_BYTES (192 * 1024)

#if BERT_HAVE_AVX512_KERNEL
/* AMX (bert_cpu_gemm_amx.c): whether the CPU has AMX-BF16 and AMX-INT8 and Linux lets
 * this process use the tiles; GST_BERT_CPU_GEMM=avx512 turns it off, to run (and test)
 * the AVX-512 kernels instead. Tiles 0-3 hold sums (16 rows x 16 features), 4-5 input
 * rows and 6-7 weights, every one 16 rows of 64 bytes: begin sets that up on the
 * calling thread, end releases the tile state. */
#define BERT_GEMM_AMX_ROWS 16
gboolean bert_gemm_amx_available (void);
void bert_gemm_amx_begin (void);
void bert_gemm_amx_end (void);

/* Fill linear's packed_low (and for INT8 its scales and shifts) and packed_bias from
 * fp32 weight [n, k] and bias [n]; FALSE when memory is short. */
gboolean bert_gemm_bf16_pack (BertLinear *linear, const float *weight, const float *bias);
gboolean bert_gemm_int8_pack (BertLinear *linear, const float *weight, const float *bias);

/* The panels [first_panel, last_panel) of y = x W^T + b over rows of x. */
void bert_gemm_bf16_forward (const BertLinear *linear, const float *x, int rows, int ldx, int first_panel,
    int last_panel, float *y, int ldy);
void bert_gemm_int8_forward (const BertLinear *linear, const float *x, int rows, int ldx, int first_panel,
    int last_panel, float *y, int ldy);
#endif

G_END_DECLS

#endif
