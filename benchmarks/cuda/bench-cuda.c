/* bench-cuda: throughput and latency of the CUDA backend on MiniLM-L6 and BERT-base shapes.
 *
 * usage: bench-cuda [--shape minilm-l6|bert-base|bert-large|all] [--precision fp16|bf16|fp32] [--quick]
 *
 * Random weights of the chosen shape are built in memory and uploaded through the module's
 * backend table (the module is opened with GModule from GST_BERT_CUDA_MODULE_DIR, as the
 * engine opens it). Workloads, as in shared/scripts/gpu-peer-bench.py: caption-like batches
 * (lengths uniform in 8..40 tokens) at batch 1 to 1024, and fixed length 128 at batch 1 to
 * 512 ("all" is MiniLM-L6 and BERT-base; BERT-large only when named). For each it prints
 * sentences/s and real tokens/s with two batches in flight, the latency of one batch alone
 * (submit to wait, p50 and p99), the GPU time of its forward pass and the host time spent
 * enqueuing it (p50, from the backend's compute_seconds and enqueue_seconds), and the dense
 * TFLOP/s reached with its fraction of the GPU's peak in the precision run (gpu-peaks.c).
 * Before timing, every token-count bucket the workload meets is run once, so that no
 * cuBLASLt heuristic look-up (one per bucket and shape) and no CUDA graph capture is
 * timed. GST_BERT_CUDA_GRAPHS=0 in the environment measures without graphs.
 * Exits 77 where there is no CUDA GPU.
 */
#include <gmodule.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cuda_runtime_api.h>

#include "bert_backend.h"
#include "bert_cuda_matmul.h"
#include "bert_test_model.h"
#include "config.h"
#include "gpu-peaks.h"

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
  { "bert-large", 1024, 24, 16, 4096 },
};

typedef struct {
  const BertBackend *backend;
  gpointer state;
  const Shape *shape;
  double peak_tflops; /* in the precision run; 0 when the GPU is not in the table */
} Bench;

typedef struct {
  BertPackedBatch batch;
  int32_t *ids;
  int32_t *type_ids;
  uint32_t *offsets;
  double flops;
} Batch;

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

/* Runs twice each batch whose token count or longest sequence falls in a bucket not met
 * before (the first three batches in any case), so that the timed runs find every
 * algorithm cached and every CUDA graph captured (at a bucket's second batch; a graph's
 * bucket also counts the one padding token of a batch padded with empty sequences:
 * n_tokens + 1). */
static void
warm_up (Bench *bench, Batch *batches, BertBatchOutput *outputs, int n_batches)
{
  GHashTable *buckets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (int b = 0; b < n_batches; b++) {
    const BertPackedBatch *batch = &batches[b].batch;
    char *bucket = g_strdup_printf ("%u %u %u", bert_cuda_matmul_bucket (batch->n_tokens),
        bert_cuda_matmul_bucket (batch->n_tokens + 1), bert_cuda_matmul_bucket (batch->max_seq_len));
    if (b >= WARMUP_BATCHES && g_hash_table_contains (buckets, bucket)) {
      g_free (bucket);
      continue;
    }
    g_hash_table_add (buckets, bucket);
    for (int run = 0; run < 2; run++)
      wait_or_die (bench, submit_or_die (bench, &batches[b], &outputs[b]));
  }
  g_hash_table_destroy (buckets);
}

static void
run_workload (Bench *bench, const char *label, uint32_t batch_size, uint32_t min_len, uint32_t max_len,
    int n_batches)
{
  GRand *rand = g_rand_new_with_seed (batch_size * 1000 + max_len);
  Batch *batches = g_new0 (Batch, n_batches);
  BertBatchOutput *outputs = g_new0 (BertBatchOutput, n_batches);
  double *latency_ms = g_new (double, n_batches);
  double *gpu_ms = g_new (double, n_batches);
  double *enqueue_ms = g_new (double, n_batches);
  double tokens = 0.0, flops = 0.0, seconds;

  for (int b = 0; b < n_batches; b++) {
    batch_init (&batches[b], rand, batch_size, min_len, max_len, bench->shape);
    outputs[b].embeddings = g_new (float, (size_t) batch_size * bench->shape->hidden);
    tokens += batches[b].batch.n_tokens;
    flops += batches[b].flops;
  }
  warm_up (bench, batches, outputs, n_batches);
  for (int b = 0; b < n_batches; b++) {
    gint64 start = g_get_monotonic_time ();
    wait_or_die (bench, submit_or_die (bench, &batches[b], &outputs[b]));
    latency_ms[b] = (g_get_monotonic_time () - start) / 1e3;
    gpu_ms[b] = outputs[b].compute_seconds * 1e3;
    enqueue_ms[b] = outputs[b].enqueue_seconds * 1e3;
  }
  qsort (latency_ms, n_batches, sizeof (double), compare_doubles);
  qsort (gpu_ms, n_batches, sizeof (double), compare_doubles);
  qsort (enqueue_ms, n_batches, sizeof (double), compare_doubles);
  seconds = run_pipelined (bench, batches, outputs, n_batches);

  printf ("%-12s batch %5u: %10.0f sentences/s %12.0f tokens/s %8.3f ms p50 %8.3f ms p99 %8.3f ms GPU p50 "
          "%7.3f ms enqueue p50 %7.1f TFLOP/s",
      label, batch_size, batch_size * n_batches / seconds, tokens / seconds,
      percentile (latency_ms, n_batches, 0.5), percentile (latency_ms, n_batches, 0.99),
      percentile (gpu_ms, n_batches, 0.5), percentile (enqueue_ms, n_batches, 0.5), flops / seconds / 1e12);
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
  g_free (gpu_ms);
  g_free (enqueue_ms);
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
  settings.pooling = bert_poolings_single (BERT_POOLING_MEAN);
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
  BertPrecision precision;
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
      fprintf (stderr,
          "usage: %s [--shape minilm-l6|bert-base|bert-large|all] [--precision fp16|bf16|fp32] "
          "[--quick]\n",
          argv[0]);
      return 2;
    }
  }
  precision = parse_precision (precision_name);
  status = cudaGetDeviceCount (&n_devices);
  if (status != cudaSuccess || n_devices == 0) {
    printf ("no CUDA GPU: %s; nothing to measure\n",
        status != cudaSuccess ? cudaGetErrorString (status) : "no device");
    return SKIP_EXIT_CODE;
  }
  cudaGetDeviceProperties (&properties, 0);
  cudaRuntimeGetVersion (&runtime_version);
  cudaDriverGetVersion (&driver_version);
  peak = gpu_peak_find (properties.name);
  printf ("bench-cuda on %s (sm_%d%d, %d SMs), CUDA runtime %d, driver %d, %s\n", properties.name,
      properties.major, properties.minor, properties.multiProcessorCount, runtime_version, driver_version,
      precision_name);
  if (peak != NULL)
    printf ("peak: %s, %.1f TFLOP/s dense %s\n", peak->label, gpu_peak_tflops (peak, precision),
        precision_name);
  else
    printf ("peak: %s is not in the table (benchmarks/cuda/gpu-peaks.c); no fraction of peak\n",
        properties.name);
  for (guint i = 0; i < G_N_ELEMENTS (shapes); i++)
    if ((g_strcmp0 (shape_name, "all") == 0 && g_strcmp0 (shapes[i].name, "bert-large") != 0)
        || g_strcmp0 (shape_name, shapes[i].name) == 0)
      bench_shape (open_backend (), &shapes[i], precision, peak ? gpu_peak_tflops (peak, precision) : 0.0,
          quick);
  return 0;
}
