/* test-engine-gemm-low: the BF16 and INT8 Linear kernels against scalar references.
 *
 * The references round (bf16) or quantize (int8) weights and inputs as the kernels are
 * documented to (bert_cpu_gemm.h), then sum in double, so what is checked is the
 * kernels' packing, panel and row blocking, masks and epilogue, on random shapes
 * around their block sizes and odd sizes, for column ranges as the backend asks for
 * them. Skipped where the CPU lacks AVX512_BF16 or AVX512_VNNI.
 */
#include <math.h>
#include <string.h>

#include "bert_cpu_gemm.h"

static float *
random_floats (GRand *rand, gsize n, double scale)
{
  float *values = g_new (float, n);

  for (gsize i = 0; i < n; i++)
    values[i] = g_rand_double_range (rand, -scale, scale);
  return values;
}

/* Round to nearest even, as vcvtne2ps2bf16. */
static double
round_bf16 (float value)
{
  uint32_t bits;

  memcpy (&bits, &value, sizeof bits);
  bits = (bits + 0x7fffu + ((bits >> 16) & 1)) & 0xffff0000u;
  memcpy (&value, &bits, sizeof bits);
  return value;
}

/* Symmetric quantization of n values: q[i] = round (v[i] * 127 / max |v|); the scale. */
static float
quantize (const float *values, int n, int *q)
{
  float max_abs = 0.0f, inverse;

  for (int i = 0; i < n; i++)
    max_abs = fmaxf (max_abs, fabsf (values[i]));
  inverse = max_abs > 0.0f ? 127.0f / max_abs : 0.0f;
  for (int i = 0; i < n; i++)
    q[i] = (int) lrintf (values[i] * inverse);
  return max_abs / 127.0f;
}

/* y = x W^T + b at format, in double from the rounded or quantized operands. */
static void
reference (BertGemmFormat format, const float *x, const float *weight, const float *bias, int rows, int n,
    int k, double *expected)
{
  int *qx = g_new (int, k), *qw = g_new (int, k);

  for (int r = 0; r < rows; r++) {
    float x_scale = quantize (x + (gsize) r * k, k, qx);

    for (int c = 0; c < n; c++) {
      const float *xr = x + (gsize) r * k, *wc = weight + (gsize) c * k;
      double sum = 0;

      if (format == BERT_GEMM_BF16) {
        for (int i = 0; i < k; i++)
          sum += round_bf16 (xr[i]) * round_bf16 (wc[i]);
      } else {
        float w_scale = quantize (wc, k, qw);
        long total = 0;

        for (int i = 0; i < k; i++)
          total += (long) qx[i] * qw[i];
        sum = (double) total * x_scale * w_scale;
      }
      expected[(gsize) r * n + c] = sum + bias[c];
    }
  }
  g_free (qw);
  g_free (qx);
}

static void
check (GRand *rand, BertGemmFormat format, int rows, int n, int k, int begin, int end)
{
  float *x = random_floats (rand, (gsize) rows * k, 2.0);
  float *weight = random_floats (rand, (gsize) n * k, 0.5);
  float *bias = random_floats (rand, n, 0.5);
  float *y = g_new (float, (gsize) rows *n);
  double *expected = g_new (double, (gsize) rows *n);
  /* bf16: fp32 sums of exact products; int8: exact int32 sums, then fp32 scales. */
  double tolerance = format == BERT_GEMM_BF16 ? 2e-6 * k : 1e-5;
  BertLinear linear;

  reference (format, x, weight, bias, rows, n, k, expected);
  for (gsize i = 0; i < (gsize) rows * n; i++)
    y[i] = -7.0f;
  g_assert_true (bert_linear_init_low (&linear, format, weight, bias, n, k));
  bert_linear_forward (&linear, x, rows, k, begin, end, y, n);
  for (int r = 0; r < rows; r++)
    for (int c = 0; c < n; c++) {
      gsize i = (gsize) r * n + c;
      double want = c >= begin && c < end ? expected[i] : -7.0;

      if (!(fabs (y[i] - want) <= tolerance * fmax (1.0, fabs (want))))
        g_error ("%s rows %d n %d k %d columns [%d, %d): y[%d, %d] is %.9g, expected %.9g",
            bert_gemm_format_name (format), rows, n, k, begin, end, r, c, y[i], want);
    }
  bert_linear_clear (&linear);
  g_free (expected);
  g_free (y);
  g_free (bias);
  g_free (weight);
  g_free (x);
}

static void
check_format (BertGemmFormat format)
{
  static const int shapes[][3] = { { 1, 1, 1 }, { 1, 32, 8 }, { 5, 33, 17 }, { 12, 64, 31 }, { 13, 100, 40 },
    { 25, 31, 63 }, { 49, 96, 129 }, { 97, 1152, 384 }, { 3, 2, 3 }, { 50, 384, 1537 }, { 300, 64, 100 } };
  GRand *rand = g_rand_new_with_seed (5);

  if (!bert_cpu_gemm_format_supported (format)) {
    g_test_skip ("this CPU lacks the instructions (AVX512_BF16 / AVX512_VNNI), or "
                 "GST_BERT_CPU_GEMM turns them off");
    g_rand_free (rand);
    return;
  }
  for (guint s = 0; s < G_N_ELEMENTS (shapes); s++) {
    int rows = shapes[s][0], n = shapes[s][1], k = shapes[s][2];
    int middle = n > BERT_GEMM_PANEL ? BERT_GEMM_PANEL : 0;

    /* Ranges start at a panel and end at n or at a panel, as the backend's do. */
    check (rand, format, rows, n, k, 0, n);
    check (rand, format, rows, n, k, middle, n);
    check (rand, format, rows, n, k, 0, MIN (n, 2 * BERT_GEMM_PANEL));
  }
  g_rand_free (rand);
}

static void
test_bf16 (void)
{
  check_format (BERT_GEMM_BF16);
}

static void
test_int8 (void)
{
  check_format (BERT_GEMM_INT8);
}

/* A row of zeros quantizes to zeros (scale 0) and gives the bias. */
static void
test_int8_zero_row (void)
{
  float x[2 * 20] = { 0 }, weight[3 * 20], bias[3] = { 0.5f, -1.0f, 2.0f }, y[2 * 3];
  BertLinear linear;

  if (!bert_cpu_gemm_format_supported (BERT_GEMM_INT8)) {
    g_test_skip ("this CPU lacks AVX512_VNNI");
    return;
  }
  for (int i = 0; i < 60; i++)
    weight[i] = 3.0f * (i % 3 - 1); /* exact in int8: -127, 0, 127 x 3 / 127 */
  x[20 + 3] = 1.0f;
  g_assert_true (bert_linear_init_low (&linear, BERT_GEMM_INT8, weight, bias, 3, 20));
  bert_linear_forward (&linear, x, 2, 20, 0, 3, y, 3);
  for (int c = 0; c < 3; c++) {
    g_assert_cmpfloat (y[c], ==, bias[c]);
    g_assert_cmpfloat_with_epsilon (y[3 + c], bias[c] + weight[c * 20 + 3], 1e-5);
  }
  bert_linear_clear (&linear);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/gemm-low/bf16", test_bf16);
  g_test_add_func ("/gemm-low/int8", test_int8);
  g_test_add_func ("/gemm-low/int8-zero-row", test_int8_zero_row);
  return g_test_run ();
}
