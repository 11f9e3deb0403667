/* bench-engine: sentences per second and per-batch latency of the engine.
 *
 * usage: bench-engine [--shape minilm|bert-base|all] [--batch 1,8,32,128] [--threads N]
 *                     [--device cpu|cuda|auto] [--precision P] [--sentences N]
 *        bench-engine --model DIR [--text FILE] [--all] [--batch ...] [--threads N] [--device ...]
 *
 * With --shape, a model of that shape with random weights is written to a temporary
 * folder (minilm: hidden 384, 6 layers, 12 heads, intermediate 1536; bert-base: 768,
 * 12, 12, 3072; both vocabulary 30522) and fed sequences of random ids, 8 to 40 tokens
 * long like captions. With --model, a real folder is fed sentences tokenized by its own
 * tokenizer (truncated at its max_seq_length): one per line of --text FILE (a .csv is
 * read as the STS layout), by default the STS Benchmark test set of $GST_BERT_SHARED_DIR
 * (both sentences of each pair, in file order), the sentences shared/scripts/peer-bench.py
 * takes, so the figures compare. Each batch size runs over max (256, 4 * batch) sequences
 * (--sentences N: N; --all: every one, as peer-bench.py --all), in order, after one
 * warm-up batch; the figures are sentences/s over the whole run, p50/p99 of the batches'
 * wall-clock latency, the process's CPU time per batch (all threads), which other
 * load on the machine inflates less than wall-clock figures, and the matrix products'
 * GFLOP/s: 2 x tokens x the Linear layers' weights, plus 4 x hidden x n^2 per layer for
 * attention's two products over each sequence of n tokens (the packed batch computes no
 * padding), divided by the wall-clock time; LayerNorm, GELU and softmax are not counted.
 * --precision auto (default), fp32, fp16, bf16 or int8 (bert_engine.h) picks the
 * arithmetic; the header line says the precision used (and why, when it is not the one
 * asked for) and the weights' resident size at it.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench-sentences.h"
#include "bert_engine.h"
#include "bert_test_model.h"

#define MIN_RANDOM_TOKENS 8
#define MAX_RANDOM_TOKENS 40

typedef struct {
  GArray *sequences; /* BertSequence, ids owned */
  guint64 n_tokens;
} Workload;

static char *shape_option = NULL, *model_option = NULL, *text_option = NULL;
static char *batch_option = NULL, *device_option = NULL, *precision_option = NULL;
static int threads_option = 2, sentences_option = 0;
static gboolean all_option = FALSE;

static GOptionEntry entries[] = { { "shape", 0, 0, G_OPTION_ARG_STRING, &shape_option,
                                      "minilm, bert-base or all (default)", "SHAPE" },
  { "model", 0, 0, G_OPTION_ARG_FILENAME, &model_option, "a model folder to run instead", "DIR" },
  { "text", 0, 0, G_OPTION_ARG_FILENAME, &text_option, "sentences, one per line (with --model)", "FILE" },
  { "batch", 0, 0, G_OPTION_ARG_STRING, &batch_option, "batch sizes (default 1,8,32,128)", "LIST" },
  { "threads", 0, 0, G_OPTION_ARG_INT, &threads_option, "CPU threads (default 2)", "N" },
  { "device", 0, 0, G_OPTION_ARG_STRING, &device_option, "cpu (default), cuda or auto", "DEVICE" },
  { "precision", 0, 0, G_OPTION_ARG_STRING, &precision_option, "auto (default), fp32, fp16, bf16 or int8",
      "P" },
  { "sentences", 0, 0, G_OPTION_ARG_INT, &sentences_option,
      "sequences per batch size (default max (256, 4 * batch))", "N" },
  { "all", 0, 0, G_OPTION_ARG_NONE, &all_option, "every sequence at every batch size", NULL }, { NULL } };

static void
workload_add (Workload *workload, int32_t *ids, uint32_t n_tokens)
{
  BertSequence sequence = { ids, NULL, n_tokens };

  g_array_append_val (workload->sequences, sequence);
  workload->n_tokens += n_tokens;
}

static Workload
random_workload (int n, int vocab_size)
{
  Workload workload = { g_array_new (FALSE, FALSE, sizeof (BertSequence)), 0 };
  GRand *rand = g_rand_new_with_seed (42);

  for (int i = 0; i < n; i++) {
    uint32_t n_tokens = g_rand_int_range (rand, MIN_RANDOM_TOKENS, MAX_RANDOM_TOKENS + 1);
    int32_t *ids = g_new (int32_t, n_tokens);

    for (uint32_t t = 0; t < n_tokens; t++)
      ids[t] = g_rand_int_range (rand, 0, vocab_size);
    workload_add (&workload, ids, n_tokens);
  }
  g_rand_free (rand);
  return workload;
}

static Workload
text_workload (const BertModel *model, GPtrArray *sentences)
{
  Workload workload = { g_array_new (FALSE, FALSE, sizeof (BertSequence)), 0 };
  const BertTokenizer *tokenizer = bert_model_get_tokenizer (model);

  for (guint i = 0; i < sentences->len; i++) {
    const char *text = g_ptr_array_index (sentences, i);
    BertEncoding encoding;

    bert_encoding_init (&encoding);
    bert_tokenizer_encode (tokenizer, text, strlen (text), model->config.max_seq_length, &encoding);
    workload_add (&workload, g_memdup2 (encoding.ids, encoding.n_tokens * sizeof (int32_t)),
        encoding.n_tokens);
    bert_encoding_clear (&encoding);
  }
  return workload;
}

static void
workload_clear (Workload *workload)
{
  for (guint i = 0; i < workload->sequences->len; i++)
    g_free ((gpointer) g_array_index (workload->sequences, BertSequence, i).ids);
  g_array_unref (workload->sequences);
}

static int
compare_doubles (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static double
percentile (GArray *sorted, double p)
{
  guint index = (guint) ceil (p * sorted->len) - 1;

  return g_array_index (sorted, double, MIN (index, sorted->len - 1));
}

/* Floating-point operations of the encoder's matrix products for one sequence. */
static double
sequence_flop (const BertConfig *config, uint32_t n_tokens)
{
  double h = config->hidden_size, i = config->intermediate_size, n = n_tokens;
  double linear = 2.0 * n * (h * 3 * h + h * h + 2 * h * i);
  double attention = 4.0 * h * n * n;

  return config->num_layers * (linear + attention);
}

static double
process_cpu_seconds (void)
{
  struct timespec now;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &now);
  return now.tv_sec + now.tv_nsec / 1e9;
}

static gboolean
run_batch (BertEncoder *encoder, const BertSequence *sequences, guint n)
{
  GError *error = NULL;
  BertJob *job = bert_encoder_run (encoder, sequences, n, &error);

  if (job == NULL) {
    g_printerr ("batch failed: %s\n", error->message);
    g_error_free (error);
    return FALSE;
  }
  bert_job_free (job);
  return TRUE;
}

/* Runs n sequences of workload in batches of batch_size; prints the figures. */
static gboolean
bench_batch_size (BertEncoder *encoder, const BertConfig *config, const Workload *workload, guint batch_size,
    guint n)
{
  const BertSequence *sequences = (const BertSequence *) workload->sequences->data;
  GArray *latencies = g_array_new (FALSE, FALSE, sizeof (double));
  guint64 n_tokens = 0;
  double flop = 0;
  gint64 start;
  double total, cpu_start, cpu_total;

  n = MIN (n, workload->sequences->len);
  if (!run_batch (encoder, sequences, MIN (batch_size, n)))
    return FALSE;
  start = g_get_monotonic_time ();
  cpu_start = process_cpu_seconds ();
  for (guint first = 0; first < n; first += batch_size) {
    guint size = MIN (batch_size, n - first);
    gint64 batch_start = g_get_monotonic_time ();
    double latency;

    if (!run_batch (encoder, sequences + first, size))
      return FALSE;
    latency = (g_get_monotonic_time () - batch_start) / 1e3;
    g_array_append_val (latencies, latency);
    for (guint i = first; i < first + size; i++) {
      n_tokens += sequences[i].n_tokens;
      flop += sequence_flop (config, sequences[i].n_tokens);
    }
  }
  total = (g_get_monotonic_time () - start) / 1e6;
  cpu_total = process_cpu_seconds () - cpu_start;
  g_array_sort (latencies, compare_doubles);
  g_print ("batch %3u  %8.1f sentences/s  %9.0f tokens/s  p50 %8.2f ms  p99 %8.2f ms  "
           "cpu %8.2f ms/batch  %6.1f GFLOP/s  (%u sequences)\n",
      batch_size, n / total, n_tokens / total, percentile (latencies, 0.5), percentile (latencies, 0.99),
      1e3 * cpu_total / latencies->len, flop / total / 1e9, n);
  g_array_unref (latencies);
  return TRUE;
}

static BertDevice
parse_device (void)
{
  if (device_option == NULL || strcmp (device_option, "cpu") == 0)
    return BERT_DEVICE_CPU;
  if (strcmp (device_option, "cuda") == 0)
    return BERT_DEVICE_CUDA;
  return BERT_DEVICE_AUTO;
}

/* The precision named by --precision; FALSE for an unknown name. */
static gboolean
parse_precision (BertPrecision *precision)
{
  *precision = BERT_PRECISION_AUTO;
  if (precision_option == NULL)
    return TRUE;
  for (BertPrecision p = BERT_PRECISION_FP16; p <= BERT_PRECISION_AUTO; p++)
    if (strcmp (precision_option, bert_precision_get_name (p)) == 0) {
      *precision = p;
      return TRUE;
    }
  g_printerr ("unknown precision %s (auto, fp32, fp16, bf16 or int8)\n", precision_option);
  return FALSE;
}

static gboolean
bench_model (BertModel *model, Workload *workload, guint *batch_sizes, guint n_batch_sizes)
{
  BertEncoderOptions options;
  GError *error = NULL;
  BertEncoder *encoder;
  gboolean ok = TRUE;

  bert_encoder_options_init (&options);
  options.device = parse_device ();
  options.n_threads = threads_option;
  if (!parse_precision (&options.precision))
    return FALSE;
  encoder = bert_encoder_new (model, &options, &error);
  if (encoder == NULL) {
    g_printerr ("%s\n", error->message);
    g_error_free (error);
    return FALSE;
  }
  if (bert_encoder_get_precision_fallback_reason (encoder) != NULL)
    g_printerr ("warning: %s\n", bert_encoder_get_precision_fallback_reason (encoder));
  g_print ("%s: hidden %d, %d layers, %d heads, intermediate %d; %s backend, %s, weights "
           "%.1f MB, %d threads; %u sequences, mean %.1f tokens\n",
      model->name, model->config.hidden_size, model->config.num_layers, model->config.num_heads,
      model->config.intermediate_size, bert_encoder_get_backend_name (encoder),
      bert_precision_get_name (bert_encoder_get_precision (encoder)),
      bert_encoder_get_weights_bytes (encoder) / 1e6, threads_option, workload->sequences->len,
      (double) workload->n_tokens / workload->sequences->len);
  for (guint i = 0; i < n_batch_sizes && ok; i++) {
    guint n = all_option       ? workload->sequences->len
        : sentences_option > 0 ? (guint) sentences_option
                               : MAX (256, 4 * batch_sizes[i]);

    ok = bench_batch_size (encoder, &model->config, workload, batch_sizes[i], n);
  }
  bert_encoder_free (encoder);
  return ok;
}

static gboolean
bench_shape (const char *shape, guint *batch_sizes, guint n_batch_sizes)
{
  BertTestModelSpec options;
  GError *error = NULL;
  char *tmp = g_dir_make_tmp ("bench-engine-XXXXXX", &error);
  char *folder = tmp ? g_build_filename (tmp, shape, NULL) : NULL;
  BertModel *model = NULL;
  gboolean ok = FALSE;

  bert_test_model_spec_init (&options);
  options.vocab_size = 30522;
  options.max_position_embeddings = 512;
  options.weight_scale = 0.05f;
  options.hidden_size = strcmp (shape, "minilm") == 0 ? 384 : 768;
  options.num_layers = strcmp (shape, "minilm") == 0 ? 6 : 12;
  options.num_heads = 12;
  options.intermediate_size = 4 * options.hidden_size;
  if (folder && bert_test_model_write (folder, &options, &error))
    model = bert_model_load (folder, &error);
  if (model != NULL) {
    guint n = 0;
    Workload workload;

    for (guint i = 0; i < n_batch_sizes; i++)
      n = MAX (n, sentences_option > 0 ? (guint) sentences_option : MAX (256, 4 * batch_sizes[i]));
    workload = random_workload (n, options.vocab_size);
    ok = bench_model (model, &workload, batch_sizes, n_batch_sizes);
    workload_clear (&workload);
    bert_model_unref (model);
  } else {
    g_printerr ("%s\n", error->message);
    g_error_free (error);
  }
  if (tmp)
    bert_test_model_remove (tmp);
  g_free (folder);
  g_free (tmp);
  return ok;
}

static gboolean
bench_folder (guint *batch_sizes, guint n_batch_sizes)
{
  GError *error = NULL;
  char *text_path = text_option ? g_strdup (text_option) : bench_sts_test_path ();
  GPtrArray *sentences = bench_read_sentences (text_path, &error);
  BertModel *model = sentences ? bert_model_load (model_option, &error) : NULL;
  gboolean ok = FALSE;

  if (model != NULL && sentences->len > 0) {
    Workload workload = text_workload (model, sentences);

    ok = bench_model (model, &workload, batch_sizes, n_batch_sizes);
    workload_clear (&workload);
  } else if (model != NULL) {
    g_printerr ("%s: no sentences\n", text_path);
  } else {
    g_printerr ("%s\n", error->message);
    g_error_free (error);
  }
  if (model)
    bert_model_unref (model);
  if (sentences)
    g_ptr_array_unref (sentences);
  g_free (text_path);
  return ok;
}

int
main (int argc, char **argv)
{
  GOptionContext *context = g_option_context_new ("- benchmark the BERT engine");
  GError *error = NULL;
  char **sizes;
  guint batch_sizes[16], n_batch_sizes = 0;
  gboolean ok = TRUE;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error)) {
    g_printerr ("%s\n", error->message);
    return 2;
  }
  g_option_context_free (context);
  sizes = g_strsplit (batch_option ? batch_option : "1,8,32,128", ",", -1);
  for (int i = 0; sizes[i] != NULL && n_batch_sizes < G_N_ELEMENTS (batch_sizes); i++)
    if (atoi (sizes[i]) > 0)
      batch_sizes[n_batch_sizes++] = atoi (sizes[i]);
  g_strfreev (sizes);
  if (model_option != NULL) {
    ok = bench_folder (batch_sizes, n_batch_sizes);
  } else {
    const char *shape = shape_option ? shape_option : "all";

    if (strcmp (shape, "minilm") == 0 || strcmp (shape, "all") == 0)
      ok = bench_shape ("minilm", batch_sizes, n_batch_sizes);
    if (ok && (strcmp (shape, "bert-base") == 0 || strcmp (shape, "all") == 0))
      ok = bench_shape ("bert-base", batch_sizes, n_batch_sizes);
  }
  return ok ? 0 : 1;
}
