/* bench-gemm: the machine's matrix-product limits, to judge the encoder against.
 *
 * usage: bench-gemm [--threads N] [--size S] [--seconds T]
 *
 * peak:   a register-only loop of independent multiply-adds on N threads for each
 *         arithmetic the encoder uses: fp32 FMA (vfmadd231ps, 32 flop per instruction),
 *         bf16 vdpbf16ps (64) and int8 vpdpbusd (128 ops), where the CPU has them, and
 *         where it has AMX (which the bf16 and int8 kernels then use), tdpbf16ps (16,384)
 *         and tdpbusd (32,768) on four sum tiles; the kernels below are judged against
 *         the peak of the instructions they run.
 * blas:   cblas_sgemm (OpenBLAS, N threads) on square S x S matrices (default 2048),
 *         C = A B, repeated for about T seconds (default 2) after one warm-up call.
 * packed: the engine's own Linear kernel (bert_linear_forward, packed weight panels) on
 *         the four Linear shapes of all-MiniLM-L6-v2 (out x in: 1152 x 384 for Q/K/V,
 *         384 x 384, 1536 x 384, 384 x 1536) over 2048 token rows, and on S x S; N
 *         threads split the output columns in whole panels, as the CPU backend does
 *         with few tokens. Skipped where the kernel does not run (no AVX-512).
 * bf16, int8: the same shapes through the BF16 and INT8 kernels (bert_cpu_gemm.h), where
 *         the CPU has AVX512_BF16 / AVX512_VNNI, with the share of their peak.
 * Prints GFLOP/s (2 x rows x in x out per product; GOP/s for int8) for each, the best of
 * three runs.
 * OpenBLAS picks its kernels from the CPU: set OPENBLAS_CORETYPE (SkylakeX, Haswell)
 * to compare them.
 */
#include <cblas.h>
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>

#include "bert_cpu_gemm.h"
#include "bert_cpu_gemm_low.h"

#define TOKEN_ROWS 2048
#define RUNS 3

static int threads_option = 2, size_option = 2048;
static double seconds_option = 2.0;

static GOptionEntry entries[] = { { "threads", 0, 0, G_OPTION_ARG_INT, &threads_option, "threads (default 2)",
                                      "N" },
  { "size", 0, 0, G_OPTION_ARG_INT, &size_option, "square size (default 2048)", "S" },
  { "seconds", 0, 0, G_OPTION_ARG_DOUBLE, &seconds_option, "seconds per run (default 2)", "T" }, { NULL } };

static float *
random_floats (gsize n, GRand *rand)
{
  float *values = g_new (float, n);

  for (gsize i = 0; i < n; i++)
    values[i] = (float) g_rand_double_range (rand, -1.0, 1.0);
  return values;
}

static double
blas_gflops (int size, GRand *rand)
{
  gsize n = (gsize) size * size;
  float *a = random_floats (n, rand), *b = random_floats (n, rand), *c = g_new0 (float, n);
  double best = 0;

  openblas_set_num_threads (threads_option);
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, size, size, size, 1.0f, a, size, b, size, 0.0f, c,
      size);
  for (int run = 0; run < RUNS; run++) {
    gint64 start = g_get_monotonic_time ();
    int calls = 0;
    double seconds;

    do {
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, size, size, size, 1.0f, a, size, b, size, 0.0f,
          c, size);
      calls++;
      seconds = (g_get_monotonic_time () - start) / 1e6;
    } while (seconds < seconds_option / RUNS);
    best = MAX (best, 2.0 * size * size * (double) size * calls / seconds / 1e9);
  }
  g_free (a);
  g_free (b);
  g_free (c);
  return best;
}

typedef struct {
  const BertLinear *linear;
  const float *x;
  float *y;
  int rows, column_begin, column_end, calls;
} PackedSlice;

static gpointer
run_packed_slice (gpointer data)
{
  PackedSlice *slice = data;

  for (int call = 0; call < slice->calls; call++)
    bert_linear_forward (slice->linear, slice->x, slice->rows, slice->linear->k, slice->column_begin,
        slice->column_end, slice->y, slice->linear->n);
  return NULL;
}

/* calls products of linear over x, the columns split in whole panels between the threads. */
static void
run_packed (const BertLinear *linear, const float *x, float *y, int rows, int calls)
{
  PackedSlice slices[64] = { { 0 } };
  GThread *threads[64];
  int n_threads = CLAMP (threads_option, 1, MIN (64, linear->n_panels));

  for (int t = 0; t < n_threads; t++) {
    int first = linear->n_panels * t / n_threads, last = linear->n_panels * (t + 1) / n_threads;

    slices[t] = (PackedSlice){ linear, x, y, rows, first * BERT_GEMM_PANEL,
      MIN (linear->n, last * BERT_GEMM_PANEL), calls };
    threads[t] = t == 0 ? NULL : g_thread_new ("gemm", run_packed_slice, &slices[t]);
  }
  run_packed_slice (&slices[0]);
  for (int t = 1; t < n_threads; t++)
    g_thread_join (threads[t]);
}

#define PEAK_CHAINS 12
#define PEAK_ITERATIONS 20000000

#define AMX_PEAK_ITERATIONS 2000000

typedef struct {
  BertGemmFormat format;
  gboolean amx;
  float result;
} PeakRun;

/* AMX_PEAK_ITERATIONS x 4 tile products on tiles only (operands zero: the rate does
 * not depend on the values). */
__attribute__ ((target ("amx-tile,amx-bf16,amx-int8"))) static void
run_amx_peak (PeakRun *run)
{
  bert_gemm_amx_begin ();
  _tile_zero (4);
  _tile_zero (5);
  _tile_zero (6);
  _tile_zero (7);
  for (int i = 0; i < AMX_PEAK_ITERATIONS; i++) {
    if (run->format == BERT_GEMM_BF16) {
      _tile_dpbf16ps (0, 4, 6);
      _tile_dpbf16ps (1, 4, 7);
      _tile_dpbf16ps (2, 5, 6);
      _tile_dpbf16ps (3, 5, 7);
    } else {
      _tile_dpbusd (0, 4, 6);
      _tile_dpbusd (1, 4, 7);
      _tile_dpbusd (2, 5, 6);
      _tile_dpbusd (3, 5, 7);
    }
  }
  bert_gemm_amx_end ();
  run->result = 0;
}

/* PEAK_ITERATIONS x PEAK_CHAINS independent instructions on registers only. */
__attribute__ ((target ("avx512f,avx512bf16,avx512vnni"))) static gpointer
run_peak (gpointer data)
{
  PeakRun *run = data;
  __m512 f[PEAK_CHAINS], a = _mm512_set1_ps (1e-7f), b = _mm512_set1_ps (0.999f);
  __m512i q[PEAK_CHAINS], qa = _mm512_set1_epi8 (1), qb = _mm512_set1_epi8 (-1);
  float sum = 0;

  if (run->amx) {
    run_amx_peak (run);
    return NULL;
  }
  for (int c = 0; c < PEAK_CHAINS; c++) {
    f[c] = _mm512_set1_ps ((float) c);
    q[c] = _mm512_set1_epi32 (c);
  }
  for (int i = 0; i < PEAK_ITERATIONS; i++) {
    /* The operands come from an empty asm so that the loop is not folded away. */
    __asm__ volatile("" : "+v"(a), "+v"(qa));
    for (int c = 0; c < PEAK_CHAINS; c++) {
      if (run->format == BERT_GEMM_F32)
        f[c] = _mm512_fmadd_ps (a, b, f[c]);
      else if (run->format == BERT_GEMM_BF16)
        f[c] = _mm512_dpbf16_ps (f[c], (__m512bh) a, (__m512bh) b);
      else
        q[c] = _mm512_dpbusd_epi32 (q[c], qa, qb);
    }
  }
  for (int c = 0; c < PEAK_CHAINS; c++)
    sum += _mm512_reduce_add_ps (f[c]) + _mm512_reduce_add_epi32 (q[c]);
  run->result = sum;
  return NULL;
}

/* Operations per instruction of the peak loop. */
static double
ops_per_instruction (BertGemmFormat format, gboolean amx)
{
  if (amx)
    return format == BERT_GEMM_BF16 ? 2.0 * 16 * 16 * 32 : 2.0 * 16 * 16 * 64;
  return format == BERT_GEMM_F32 ? 32 : format == BERT_GEMM_BF16 ? 64 : 128;
}

static double
peak_gflops (BertGemmFormat format, gboolean amx)
{
  PeakRun runs[64];
  GThread *threads[64];
  int n_threads = CLAMP (threads_option, 1, 64);
  double best = 0;

  for (int repeat = 0; repeat < RUNS; repeat++) {
    gint64 start = g_get_monotonic_time ();
    double seconds;

    for (int t = 0; t < n_threads; t++) {
      runs[t].format = format;
      runs[t].amx = amx;
      threads[t] = g_thread_new ("peak", run_peak, &runs[t]);
    }
    for (int t = 0; t < n_threads; t++)
      g_thread_join (threads[t]);
    seconds = (g_get_monotonic_time () - start) / 1e6;
    best = MAX (best,
        n_threads * (amx ? 4.0 * AMX_PEAK_ITERATIONS : (double) PEAK_ITERATIONS * PEAK_CHAINS)
            * ops_per_instruction (format, amx) / seconds / 1e9);
  }
  return best;
}

static double
packed_gflops (BertGemmFormat format, int rows, int n, int k, GRand *rand)
{
  float *weight = random_floats ((gsize) n * k, rand), *bias = random_floats (n, rand);
  float *x = random_floats ((gsize) rows * k, rand), *y = g_new (float, (gsize) rows *n);
  double flop = 2.0 * rows * n * (double) k, best = 0;
  BertLinear linear;

  if (format == BERT_GEMM_F32 ? !bert_linear_init (&linear, weight, bias, n, k, TRUE)
                              : !bert_linear_init_low (&linear, format, weight, bias, n, k)) {
    g_printerr ("no memory for the packed weights\n");
    exit (1);
  }
  run_packed (&linear, x, y, rows, 1);
  for (int run = 0; run < RUNS; run++) {
    /* Calls per run from the warm-up's speed, so that each run lasts about its share. */
    int calls = MAX (1, (int) (seconds_option / RUNS * 50e9 / flop));
    gint64 start = g_get_monotonic_time ();
    double seconds;

    run_packed (&linear, x, y, rows, calls);
    seconds = (g_get_monotonic_time () - start) / 1e6;
    best = MAX (best, flop * calls / seconds / 1e9);
  }
  bert_linear_clear (&linear);
  g_free (weight);
  g_free (bias);
  g_free (x);
  g_free (y);
  return best;
}

int
main (int argc, char **argv)
{
  static const int shapes[][2] = { { 1152, 384 }, { 384, 384 }, { 1536, 384 }, { 384, 1536 } };
  GOptionContext *context = g_option_context_new ("- the machine's GEMM limits");
  GError *error = NULL;
  GRand *rand = g_rand_new_with_seed (7);

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error)) {
    g_printerr ("%s\n", error->message);
    return 2;
  }
  g_option_context_free (context);
  printf ("%d threads; OPENBLAS_CORETYPE %s; %s\n", threads_option,
      g_getenv ("OPENBLAS_CORETYPE") ? g_getenv ("OPENBLAS_CORETYPE") : "(unset)", openblas_get_config ());
  printf ("blas   sgemm %5d x %5d x %5d  %7.1f GFLOP/s\n", size_option, size_option, size_option,
      blas_gflops (size_option, rand));
  if (!bert_cpu_gemm_packed_enabled ()) {
    printf ("packed kernel: not run on this CPU\n");
    return 0;
  }
  for (BertGemmFormat format = BERT_GEMM_F32; format <= BERT_GEMM_INT8; format++) {
    const char *name = bert_gemm_format_name (format);
    const char *unit = format == BERT_GEMM_INT8 ? "GOP/s" : "GFLOP/s";
    double peak, shape_gflops;

    if (!bert_cpu_gemm_format_supported (format)) {
      printf ("%s kernel: not run on this CPU\n", name);
      continue;
    }
    peak = peak_gflops (format, FALSE);
    printf ("%s peak (register-only loop)  %7.1f %s\n", name, peak, unit);
    if (format != BERT_GEMM_F32 && bert_gemm_amx_available ()) {
      peak = peak_gflops (format, TRUE);
      printf ("%s AMX peak (tiles only)      %7.1f %s  (the kernels below run on AMX)\n", name, peak, unit);
    }
    for (guint i = 0; i < G_N_ELEMENTS (shapes); i++) {
      shape_gflops = packed_gflops (format, TOKEN_ROWS, shapes[i][0], shapes[i][1], rand);
      printf ("%s linear %5d rows, out %5d, in %5d  %7.1f %s  (%2.0f%% of peak)\n", name, TOKEN_ROWS,
          shapes[i][0], shapes[i][1], shape_gflops, unit, 100 * shape_gflops / peak);
    }
    shape_gflops = packed_gflops (format, size_option, size_option, size_option, rand);
    printf ("%s linear %5d rows, out %5d, in %5d  %7.1f %s  (%2.0f%% of peak)\n", name, size_option,
        size_option, size_option, shape_gflops, unit, 100 * shape_gflops / peak);
  }
  g_rand_free (rand);
  return 0;
}
