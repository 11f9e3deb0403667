/* bench-cuda: throughput and latency of the CUDA backend on MiniLM-L6 and BERT-base shapes.
 *
 * usage: bench-cuda [--shape minilm-l6|bert-base|all] [--precision fp16|bf16|fp32] [--quick]
 *
 * Random weights of the chosen shape are built in memory and uploaded through the module's
 * backend table (the module is opened with GModule from GST_BERT_CUDA_MODULE_DIR, as the
 * engine opens it). Workloads, as in shared/scripts/gpu-peer-bench.py: caption-like batches
 * (lengths uniform in 8..40 tokens) at batch 1 to 1024, and fixed length 128 at batch 1 to
 * 512. For each it prints sentences/s and real tokens/s with two batches in flight, the
 * latency of one batch alone (submit to wait, p50 and p99), and the dense TFLOP/s reached
 * with its fraction of the GPU's dense FP16 tensor peak (from a table of known GPUs).
 * Exits 77 where there is no CUDA GPU.
 */
#include <gmodule.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cuda_runtime_api.h>

#include "bert_backend.h"
#include "bert_test_model.h"
#include "config.h"

#define SKIP_EXIT_CODE 77
#define WARMUP_BATCHES 3
#define IN_FLIGHT 2

typedef struct {
  const char *name;
  int hidden, layers, heads, intermediate;
} Shape;

static const Shape shapes[] = {
  { "minilm-l6", 384, 6, 12, 1536 },
  { "bert-base", 768, 12, 12, 3072 },
};

/* Dense (no sparsity) FP16 tensor-core peaks, TFLOP/s, from NVIDIA's data sheets. */
typedef struct {
  const char *name_contains[2];
  double tflops;
  const char *label;
} GpuPeak;

static const GpuPeak gpu_peaks[] = {
  { { "H100", "PCIe" }, 756.0, "H100 PCIe" },
  { { "H100", NULL }, 989.0, "H100 SXM" },
  { { "H200", NULL }, 989.0, "H200" },
  { { "A100", NULL }, 312.0, "A100" },
  { { "L4", NULL }, 121.0, "L4" },
};

typedef struct {
  const BertBackend *backend;
  gpointer state;
  const Shape *shape;
  double peak_tflops; /* 0 when the GPU is not in the table */
} Bench;

typedef struct {
  BertPackedBatch batch;
  int32_t *ids;
  int32_t *type_ids;
  uint32_t *offsets;
  double flops;
} Batch;

static const GpuPeak *
find_peak (const char *gpu_name)
{
  for (guint i = 0; i < G_N_ELEMENTS (gpu_peaks); i++) {
    const GpuPeak *peak = &gpu_peaks[i];
    if (strstr (gpu_name, peak->name_contains[0]) != NULL
        && (peak->name_contains[1] == NULL || strstr (gpu_name, peak->name_contains[1]) != NULL))
      return peak;
  }
  return NULL;
}

static const BertBackend *
open_backend (void)
{
  const char *dir = g_getenv ("GST_BERT_CUDA_MODULE_DIR");
  char *path = g_build_filename (dir != NULL ? dir : BERT_CUDA_MODULE_BUILD_DIR, BERT_CUDA_MODULE_NAME, NULL);
  GModule *module = g_module_open (path, G_MODULE_BIND_LOCAL);
  BertBackendGetFunc get = NULL;

  if (module == NULL || !g_module_symbol (module, BERT_BACKEND_CUDA_SYMBOL, (gpointer *) &get)) {
    fprintf (stderr, "bench-cuda: cannot use %s: %s\n", path, g_module_error ());
    exit (1);
  }
  g_free (path);
  return get ();
}

/* Multiply-adds of the encoder's GEMMs and attention, times two. */
static double
batch_flops (const Shape *shape, const uint32_t *lengths, uint32_t n_sequences)
{
  double tokens = 0.0, attention = 0.0;
  double h = shape->hidden, inter = shape->intermediate;

  for (uint32_t s = 0; s < n_sequences; s++) {
    tokens += lengths[s];
    attention += 4.0 * h * (double) lengths[s] * lengths[s]; /* QK^T and PV */
  }
  return shape->layers * (2.0 * tokens * (4.0 * h * h + 2.0 * h * inter) + attention);
}

static void
batch_init (Batch *batch, GRand *rand, uint32_t n_sequences, uint32_t min_len, uint32_t max_len,
    const Shape *shape)
{
  uint32_t *lengths = g_new (uint32_t, n_sequences);

  batch->offsets = g_new (uint32_t, n_sequences + 1);
  batch->offsets[0] = 0;
  batch->batch.max_seq_len = 0;
  for (uint32_t s = 0; s < n_sequences; s++) {
    lengths[s] = (uint32_t) g_rand_int_range (rand, min_len, max_len + 1);
    batch->offsets[s + 1] = batch->offsets[s] + lengths[s];
    batch->batch.max_seq_len = MAX (batch->batch.max_seq_len, lengths[s]);
  }
  batch->batch.n_sequences = n_sequences;
  batch->batch.n_tokens = batch->offsets[n_sequences];
  batch->ids = g_new (int32_t, batch->batch.n_tokens);
  batch->type_ids = g_new0 (int32_t, batch->batch.n_tokens);
  for (uint32_t t = 0; t < batch->batch.n_tokens; t++)
    batch->ids[t] = g_rand_int_range (rand, 1000, 30522);
  batch->batch.ids = batch->ids;
  batch->batch.type_ids = batch->type_ids;
  batch->batch.seq_offsets = batch->offsets;
  batch->flops = batch_flops (shape, lengths, n_sequences);
  g_free (lengths);
}

static void
batch_clear (Batch *batch)
{
  g_free (batch->ids);
  g_free (batch->type_ids);
  g_free (batch->offsets);
}

static gpointer
submit_or_die (Bench *bench, const Batch *batch, BertBatchOutput *output)
{
  GError *error = NULL;
  gpointer job = bench->backend->submit (bench->state, &batch->batch, output, &error);

  if (job == NULL) {
    fprintf (stderr, "bench-cuda: submit: %s\n", error->message);
    exit (1);
  }
  return job;
}

static void
wait_or_die (Bench *bench, gpointer job)
{
  GError *error = NULL;

  if (!bench->backend->wait (bench->state, job, &error)) {
    fprintf (stderr, "bench-cuda: wait: %s\n", error->message);
    exit (1);
  }
}

static int
compare_doubles (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

/* Nearest rank. */
static double
percentile (double *sorted, int n, double fraction)
{
  int rank = (int) ceil (fraction * n);
  return sorted[CLAMP (rank, 1, n) - 1];
}

/* Seconds for all batches with IN_FLIGHT of them queued at once. */
static double
run_pipelined (Bench *bench, Batch *batches, BertBatchOutput *outputs, int n_batches)
{
  gpointer jobs[IN_FLIGHT];
  gint64 start = g_get_monotonic_time ();

  for (int b = 0; b < n_batches + IN_FLIGHT; b++) {
    if (b >= IN_FLIGHT)
      wait_or_die (bench, jobs[b % IN_FLIGHT]);
    if (b < n_batches)
      jobs[b % IN_FLIGHT] = submit_or_die (bench, &batches[b], &outputs[b]);
  }
  return (g_get_monotonic_time () - start) / 1e6;
}

static void
run_workload (Bench *bench, const char *label, uint32_t batch_size, uint32_t min_len, uint32_t max_len,
    int n_batches)
{
  GRand *rand = g_rand_new_with_seed (batch_size * 1000 + max_len);
  Batch *batches = g_new0 (Batch, n_batches);
  BertBatchOutput *outputs = g_new0 (BertBatchOutput, n_batches);
  double *latency_ms = g_new (double, n_batches);
  double tokens = 0.0, flops = 0.0, seconds;

  for (int b = 0; b < n_batches; b++) {
    batch_init (&batches[b], rand, batch_size, min_len, max_len, bench->shape);
    outputs[b].embeddings = g_new (float, (size_t) batch_size * bench->shape->hidden);
    tokens += batches[b].batch.n_tokens;
    flops += batches[b].flops;
  }
  for (int b = 0; b < MIN (WARMUP_BATCHES, n_batches); b++)
    wait_or_die (bench, submit_or_die (bench, &batches[b], &outputs[b]));
  for (int b = 0; b < n_batches; b++) {
    gint64 start = g_get_monotonic_time ();
    wait_or_die (bench, submit_or_die (bench, &batches[b], &outputs[b]));
    latency_ms[b] = (g_get_monotonic_time () - start) / 1e3;
  }
  qsort (latency_ms, n_batches, sizeof (double), compare_doubles);
  seconds = run_pipelined (bench, batches, outputs, n_batches);

  printf ("%-12s batch %5u: %10.0f sentences/s %12.0f tokens/s %8.3f ms p50 %8.3f ms p99 %7.1f TFLOP/s",
      label, batch_size, batch_size * n_batches / seconds, tokens / seconds,
      percentile (latency_ms, n_batches, 0.5), percentile (latency_ms, n_batches, 0.99),
      flops / seconds / 1e12);
  if (bench->peak_tflops > 0)
    printf (" %5.1f%% of peak", 100.0 * flops / seconds / 1e12 / bench->peak_tflops);
  printf ("\n");
  fflush (stdout);

  for (int b = 0; b < n_batches; b++) {
    batch_clear (&batches[b]);
    g_free (outputs[b].embeddings);
  }
  g_free (batches);
  g_free (outputs);
  g_free (latency_ms);
  g_rand_free (rand);
}

static void
bench_shape (const BertBackend *backend, const Shape *shape, BertPrecision precision, double peak_tflops,
    gboolean quick)
{
  const uint32_t caption_batches[] = { 1, 8, 32, 128, 512, 1024 };
  const uint32_t fixed_batches[] = { 1, 32, 128, 512 };
  BertTestModelSpec spec;
  BertBackendSettings settings = { 0 };
  Bench bench = { backend, NULL, shape, peak_tflops };
  GError *error = NULL;
  BertModel *model;

  bert_test_model_spec_init (&spec);
  spec.max_position_embeddings = 512;
  spec.weight_scale = 0.05f; /* as bench-engine: activations of order one at these widths */
  spec.hidden_size = shape->hidden;
  spec.num_layers = shape->layers;
  spec.num_heads = shape->heads;
  spec.intermediate_size = shape->intermediate;
  spec.vocab_size = 30522;
  spec.dtype = BERT_DTYPE_F16;
  model = bert_test_model_new (&spec);
  settings.head = BERT_HEAD_ENCODER;
  settings.pooling = BERT_POOLING_MEAN;
  settings.normalize = TRUE;
  settings.precision = precision;
  bench.state = backend->create (model, &settings, &error);
  if (bench.state == NULL) {
    fprintf (stderr, "bench-cuda: create: %s\n", error->message);
    exit (1);
  }
  printf ("%s (hidden %d, %d layers, %d heads, intermediate %d), random weights\n", shape->name,
      shape->hidden, shape->layers, shape->heads, shape->intermediate);
  for (guint i = 0; i < G_N_ELEMENTS (caption_batches); i++)
    run_workload (&bench, "captions", caption_batches[i], 8, 40,
        MAX (5, (quick ? 256 : 2048) / caption_batches[i]));
  for (guint i = 0; i < G_N_ELEMENTS (fixed_batches); i++)
    run_workload (&bench, "length 128", fixed_batches[i], 128, 128,
        MAX (5, (quick ? 64 : 512) / fixed_batches[i]));
  backend->destroy (bench.state);
  bert_test_model_free (model);
}

static BertPrecision
parse_precision (const char *name)
{
  if (g_strcmp0 (name, "fp16") == 0)
    return BERT_PRECISION_FP16;
  if (g_strcmp0 (name, "bf16") == 0)
    return BERT_PRECISION_BF16;
  if (g_strcmp0 (name, "fp32") == 0)
    return BERT_PRECISION_FP32;
  fprintf (stderr, "bench-cuda: unknown precision %s (fp16, bf16 or fp32)\n", name);
  exit (2);
}

int
main (int argc, char **argv)
{
  const char *shape_name = "all", *precision_name = "fp16";
  gboolean quick = FALSE;
  struct cudaDeviceProp properties;
  int n_devices = 0, runtime_version = 0, driver_version = 0;
  cudaError_t status;
  const GpuPeak *peak;

  for (int i = 1; i < argc; i++) {
    if (strcmp (argv[i], "--shape") == 0 && i + 1 < argc)
      shape_name = argv[++i];
    else if (strcmp (argv[i], "--precision") == 0 && i + 1 < argc)
      precision_name = argv[++i];
    else if (strcmp (argv[i], "--quick") == 0)
      quick = TRUE;
    else {
      fprintf (stderr, "usage: %s [--shape minilm-l6|bert-base|all] [--precision fp16|bf16|fp32] [--quick]\n",
          argv[0]);
      return 2;
    }
  }
  status = cudaGetDeviceCount (&n_devices);
  if (status != cudaSuccess || n_devices == 0) {
    printf ("no CUDA GPU: %s; nothing to measure\n",
        status != cudaSuccess ? cudaGetErrorString (status) : "no device");
    return SKIP_EXIT_CODE;
  }
  cudaGetDeviceProperties (&properties, 0);
  cudaRuntimeGetVersion (&runtime_version);
  cudaDriverGetVersion (&driver_version);
  peak = find_peak (properties.name);
  printf ("bench-cuda on %s (sm_%d%d, %d SMs), CUDA runtime %d, driver %d, %s\n", properties.name,
      properties.major, properties.minor, properties.multiProcessorCount, runtime_version, driver_version,
      precision_name);
  if (peak != NULL)
    printf ("peak: %s, %.0f TFLOP/s dense FP16 tensor\n", peak->label, peak->tflops);
  else
    printf ("peak: %s is not in the table (H100 SXM/PCIe, H200, A100, L4); no fraction of peak\n",
        properties.name);
  for (guint i = 0; i < G_N_ELEMENTS (shapes); i++)
    if (g_strcmp0 (shape_name, "all") == 0 || g_strcmp0 (shape_name, shapes[i].name) == 0)
      bench_shape (open_backend (), &shapes[i], parse_precision (precision_name), peak ? peak->tflops : 0.0,
          quick);
  return 0;
}
