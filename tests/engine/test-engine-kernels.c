/* test-engine-kernels: the CPU backend's kernels against plain double-precision twins.
 *
 * The packed Linear kernel (where the CPU has AVX-512) and the cblas_sgemm path on
 * random shapes around their block sizes, erf, the activations, LayerNorm, softmax and one
 * attention head (activations and attention also in their portable versions, where AVX-512
 * ones run).
 */
#include <math.h>
#include <string.h>

#include "bert_cpu_gemm.h"
#include "bert_cpu_kernels.h"
#include "bert_reference_activation.h"

static float *
random_floats (GRand *rand, gsize n, double scale)
{
  float *values = g_new (float, n);

  for (gsize i = 0; i < n; i++)
    values[i] = g_rand_double_range (rand, -scale, scale);
  return values;
}

/* |got - expected| <= tolerance * max (1, |expected|) for all n. */
static void
assert_close (const float *got, const double *expected, gsize n, double tolerance, const char *what)
{
  for (gsize i = 0; i < n; i++) {
    if (!(fabs (got[i] - expected[i]) <= tolerance * fmax (1.0, fabs (expected[i]))))
      g_error ("%s: element %" G_GSIZE_FORMAT " is %.9g, expected %.9g", what, i, got[i], expected[i]);
  }
}

/* y = x W^T + b over rows, for the columns [begin, end); untouched elsewhere. */
static void
check_linear (GRand *rand, int rows, int n, int k, int begin, int end, gboolean pack)
{
  float *x = random_floats (rand, (gsize) rows * k, 1.0);
  float *weight = random_floats (rand, (gsize) n * k, 0.5);
  float *bias = random_floats (rand, n, 0.5);
  float *y = g_new (float, (gsize) rows *n);
  double *expected = g_new (double, (gsize) rows *n);
  char *what = g_strdup_printf ("%s rows %d n %d k %d columns [%d, %d)", pack ? "packed" : "blas", rows, n, k,
      begin, end);
  BertLinear linear;

  for (gsize i = 0; i < (gsize) rows * n; i++)
    y[i] = expected[i] = -7.0f;
  for (int r = 0; r < rows; r++)
    for (int c = begin; c < end; c++) {
      double sum = bias[c];

      for (int i = 0; i < k; i++)
        sum += (double) x[(gsize) r * k + i] * weight[(gsize) c * k + i];
      expected[(gsize) r * n + c] = sum;
    }
  bert_linear_init (&linear, weight, bias, n, k, pack);
  bert_linear_forward (&linear, x, rows, k, begin, end, y, n);
  assert_close (y, expected, (gsize) rows * n, 1e-5 * sqrt (k), what);
  bert_linear_clear (&linear);
  g_free (what);
  g_free (expected);
  g_free (y);
  g_free (bias);
  g_free (weight);
  g_free (x);
}

static void
test_linear (void)
{
  static const int shapes[][3] = { { 1, 1, 1 }, { 1, 32, 8 }, { 5, 33, 17 }, { 12, 64, 32 }, { 13, 100, 40 },
    { 25, 31, 64 }, { 49, 96, 129 }, { 97, 1152, 384 }, { 3, 2, 128 } };
  GRand *rand = g_rand_new_with_seed (3);
  gboolean packed = bert_cpu_gemm_packed_enabled ();

  if (!packed)
    g_test_message ("no AVX-512 (or GST_BERT_CPU_GEMM=blas): only the BLAS path is checked");
  for (guint s = 0; s < G_N_ELEMENTS (shapes); s++) {
    int rows = shapes[s][0], n = shapes[s][1], k = shapes[s][2];
    int middle = n > BERT_GEMM_PANEL ? BERT_GEMM_PANEL : 0;

    check_linear (rand, rows, n, k, 0, n, FALSE);
    check_linear (rand, rows, n, k, middle, n, FALSE);
    if (packed) {
      check_linear (rand, rows, n, k, 0, n, TRUE);
      check_linear (rand, rows, n, k, middle, n, TRUE);
      check_linear (rand, rows, n, k, 0, MIN (n, 2 * BERT_GEMM_PANEL), TRUE);
    }
  }
  g_rand_free (rand);
}

static void
test_erf (void)
{
  double worst = 0;

  for (double x = -10; x <= 10; x += 1e-3)
    worst = fmax (worst, fabs (bert_cpu_erf (x) - erf ((float) x)));
  g_test_message ("max |erf error| %.3g", worst);
  g_assert_cmpfloat (worst, <, 5e-7);
  g_assert_cmpfloat (bert_cpu_erf (0.0f), ==, 0.0f);
  g_assert_cmpfloat (bert_cpu_erf (INFINITY), ==, 1.0f);
  g_assert_cmpfloat (bert_cpu_erf (-INFINITY), ==, -1.0f);
}

static const char *
activation_name (BertActivation activation)
{
  switch (activation) {
    case BERT_ACTIVATION_TANH: return "tanh";
    case BERT_ACTIVATION_RELU: return "relu";
    case BERT_ACTIVATION_SIGMOID: return "sigmoid";
    case BERT_ACTIVATION_GELU: return "gelu (erf)";
    case BERT_ACTIVATION_GELU_TANH: return "gelu (tanh)";
    case BERT_ACTIVATION_SILU: return "silu";
    case BERT_ACTIVATION_QUICK_GELU: return "quick_gelu";
    case BERT_ACTIVATION_IDENTITY: break;
  }
  return "identity";
}

/* Values over [-12, 12] (the vector code's whole blocks and a masked tail), past
 * exp's clamp at -87, and the special ones; the block in rows, of which the columns past
 * cols stay as they were. */
static void
check_activation (BertActivation activation)
{
  enum {
    ROWS = 3,
    COLS = 2411,
    LD = COLS + 5
  };
  float *y = g_new (float, ROWS *LD), *one_by_one = g_new (float, ROWS *LD);
  double *expected = g_new (double, ROWS *LD);
  char *what = g_strdup_printf ("activation %s", activation_name (activation));
  double worst = 0.0;

  for (int i = 0; i < ROWS * LD; i++)
    y[i] = -12.0 + 24.0 * i / (ROWS * LD - 1);
  y[0] = 0.0f;
  y[1] = -0.0f;
  y[2] = 1e-30f;
  y[3] = -1e-30f;
  y[4] = -100.0f;
  y[5] = 100.0f;
  for (int i = 0; i < ROWS * LD; i++) {
    expected[i] = i % LD < COLS ? bert_reference_activation (activation, y[i]) : y[i];
    one_by_one[i] = i % LD < COLS ? bert_cpu_activate (activation, y[i]) : y[i];
  }
  bert_cpu_activation (activation, y, ROWS, COLS, LD);
  for (int i = 0; i < ROWS * LD; i++)
    worst = fmax (worst, fabs (y[i] - expected[i]) / fmax (1.0, fabs (expected[i])));
  g_test_message ("%s: max |error| / max (1, |value|) %.3g", what, worst);
  assert_close (y, expected, ROWS * LD, 1e-6, what);
  assert_close (one_by_one, expected, ROWS * LD, 1e-6, what);
  g_free (what);
  g_free (expected);
  g_free (one_by_one);
  g_free (y);
}

static void
test_activations (void)
{
  const BertActivation activations[] = { BERT_ACTIVATION_GELU, BERT_ACTIVATION_GELU_TANH,
    BERT_ACTIVATION_RELU, BERT_ACTIVATION_SILU, BERT_ACTIVATION_QUICK_GELU, BERT_ACTIVATION_TANH,
    BERT_ACTIVATION_SIGMOID, BERT_ACTIVATION_IDENTITY };

  for (guint i = 0; i < G_N_ELEMENTS (activations); i++)
    check_activation (activations[i]);
}

static void
test_layernorm (void)
{
  GRand *rand = g_rand_new_with_seed (5);
  const int n = 77;
  /* A large offset: a one-pass variance would lose it to cancellation. */
  float *in = random_floats (rand, n, 1.0), *weight = random_floats (rand, n, 2.0);
  float *bias = random_floats (rand, n, 1.0), out[77];
  double mean = 0, variance = 0, expected[77];

  for (int i = 0; i < n; i++)
    in[i] += 1000.0f;
  for (int i = 0; i < n; i++)
    mean += in[i] / (double) n;
  for (int i = 0; i < n; i++)
    variance += (in[i] - mean) * (in[i] - mean) / n;
  for (int i = 0; i < n; i++)
    expected[i] = (in[i] - mean) / sqrt (variance + 1e-12) * weight[i] + bias[i];
  bert_cpu_layernorm (in, out, n, weight, bias, 1e-12f);
  assert_close (out, expected, n, 1e-3, "layernorm");
  g_free (in);
  g_free (weight);
  g_free (bias);
  g_rand_free (rand);
}

static void
test_softmax (void)
{
  /* Without the maximum subtracted, exp (1000) overflows. */
  float x[3] = { 1000.0f, 999.0f, -5.0f };
  double total = exp (0) + exp (-1) + exp (-1005), expected[3] = { 1 / total, exp (-1) / total, 0 };

  bert_cpu_softmax (x, 3);
  assert_close (x, expected, 3, 1e-6, "softmax");
}

/* One head over n tokens of rows [q | k | v] (stride 3 * head_dim), against softmax
 * (q k^T / sqrt (d) + B) v in double; B[i][j] = bias[j - i] from a random row of
 * 2n - 1 relative position biases when with_bias, else 0. */
static void
check_attention_with (GRand *rand, int n, int head_dim, gboolean with_bias)
{
  int stride = 3 * head_dim;
  float *qkv = random_floats (rand, (gsize) n * stride, 2.0);
  float *bias_row = with_bias ? random_floats (rand, 2 * (gsize) n - 1, 3.0) : NULL;
  const float *bias = with_bias ? bias_row + n - 1 : NULL;
  float *ctx = g_new (float, (gsize) n *head_dim);
  float *scratch = g_new (float, bert_cpu_attention_scratch_size (n, head_dim));
  double *expected = g_new0 (double, (gsize) n *head_dim), *p = g_new (double, n);
  char *what = g_strdup_printf ("attention n %d head_dim %d%s", n, head_dim, with_bias ? " with bias" : "");

  for (int i = 0; i < n; i++) {
    double max = -INFINITY, total = 0;

    for (int j = 0; j < n; j++) {
      p[j] = 0;
      for (int c = 0; c < head_dim; c++)
        p[j] += (double) qkv[i * stride + c] * qkv[j * stride + head_dim + c];
      p[j] /= sqrt (head_dim);
      p[j] += bias ? bias[j - i] : 0;
      max = fmax (max, p[j]);
    }
    for (int j = 0; j < n; j++)
      total += p[j] = exp (p[j] - max);
    for (int j = 0; j < n; j++)
      for (int c = 0; c < head_dim; c++)
        expected[i * head_dim + c] += p[j] / total * qkv[j * stride + 2 * head_dim + c];
  }
  bert_cpu_attention_head (qkv, qkv + head_dim, qkv + 2 * head_dim, stride, ctx, head_dim, n, head_dim, bias,
      scratch);
  assert_close (ctx, expected, (gsize) n * head_dim, 1e-5, what);
  g_free (bias_row);
  g_free (what);
  g_free (p);
  g_free (expected);
  g_free (scratch);
  g_free (ctx);
  g_free (qkv);
}

static void
check_attention (GRand *rand, int n, int head_dim)
{
  check_attention_with (rand, n, head_dim, FALSE);
  check_attention_with (rand, n, head_dim, TRUE);
}

static void
test_attention (void)
{
  GRand *rand = g_rand_new_with_seed (9);

  check_attention (rand, 1, 32);
  check_attention (rand, 7, 32);
  check_attention (rand, 8, 32);
  check_attention (rand, 9, 16);
  check_attention (rand, 14, 32);
  check_attention (rand, 23, 4);
  check_attention (rand, 16, 64);
  check_attention (rand, 17, 12);
  check_attention (rand, 40, 48);
  check_attention (rand, 130, 64);
  g_rand_free (rand);
}

/* GST_BERT_CPU_GEMM=blas: the portable activations and attention, which the engine runs
 * on a CPU without AVX-512. */
static void
test_portable_activations (void)
{
  g_setenv ("GST_BERT_CPU_GEMM", "blas", TRUE);
  test_activations ();
  g_unsetenv ("GST_BERT_CPU_GEMM");
}

static void
test_portable_attention (void)
{
  g_setenv ("GST_BERT_CPU_GEMM", "blas", TRUE);
  test_attention ();
  g_unsetenv ("GST_BERT_CPU_GEMM");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/kernels/linear", test_linear);
  g_test_add_func ("/engine/kernels/erf", test_erf);
  g_test_add_func ("/engine/kernels/activations", test_activations);
  g_test_add_func ("/engine/kernels/layernorm", test_layernorm);
  g_test_add_func ("/engine/kernels/softmax", test_softmax);
  g_test_add_func ("/engine/kernels/attention", test_attention);
  g_test_add_func ("/engine/kernels/activations-portable", test_portable_activations);
  g_test_add_func ("/engine/kernels/attention-portable", test_portable_attention);
  return g_test_run ();
}
