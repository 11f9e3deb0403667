/* bench-pipeline: end-to-end figures of bert-infer in GStreamer pipelines, on the CPU.
 *
 * usage: bench-pipeline [--model DIR] [--text FILE] [--cues N] [--batch-size B] [--precision P]
 *                       [--live-seconds S] [--overhead-buffers N]
 *                       [--threads N] [--only file|live|overhead]
 *
 * file:     writes an SRT of --cues cues (by default 5000 of the STS Benchmark test
 *           sentences of $GST_BERT_SHARED_DIR, cycled, or with --text FILE every line of
 *           FILE once, in order; a .csv is read as the STS layout) and times
 *           filesrc ! subparse ! tokenizer ! bert-infer batch-size=B precision=P ! fakesink
 *           from PLAYING to EOS (--batch-size, default 32 as the element's; --precision,
 *           default auto as the element's: fp32, bf16 or int8 on the CPU).
 *           benchmarks/compare-peers.sh runs it beside the CPU peers on the same sentences.
 * live:     appsrc is-live=true do-timestamp=true ! bert-infer ! fakesink sync=false, paced
 *           at 1 and at 30 buffers/s for --live-seconds each (default 30); the latency of
 *           a buffer is from its push to its arrival at the sink (p50, p99, max), the
 *           first buffer (which also waits for the pipeline to start) left out; the
 *           buffers are the STS sentences, or the lines of --text, cycled. With
 *           --latencies FILE, each buffer's latency is also appended to FILE ("RATE MS"
 *           per line, in push order) for benchmarks/plot-benchmarks.py.
 * overhead: the element alone between two pads of this program, with a trivially small
 *           model (hidden 16, 1 layer, written under the build folder) and buffers already
 *           carrying token metas, --overhead-buffers of them (default 100000): the CPU
 *           time per buffer of the element's chain function (batching, queueing) and of
 *           its src pad task (result metas, pushing), the engine's inference thread left
 *           out; the engine's own time per buffer (the batches' inference-time metas, each
 *           batch counted once) is printed beside. Then the same with buffers the element
 *           tokenizes itself.
 * The model of the file and live runs is --model, by default
 * $GST_BERT_SHARED_DIR/models/all-MiniLM-L6-v2, on the element's defaults (batch-size 32,
 * batch-timeout 20 ms, max-in-flight 2) and --threads (default 0, one per core).
 */
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "bench-sentences.h"
#include "bert_engine.h"
#include "bert_test_model.h"
#include "gstbertmeta.h"

#define TEXT_CAPS "text/x-raw, format=(string)utf8"

static char *model_option = NULL, *only_option = NULL, *latencies_option = NULL;
static char *precision_option = NULL;
static int cues_option = 0, live_seconds_option = 30, overhead_buffers_option = 100000;
static int threads_option = 0, batch_size_option = 32;
static char *text_option = NULL;

static GOptionEntry entries[] = { { "model", 0, 0, G_OPTION_ARG_FILENAME, &model_option,
                                      "model folder (default $GST_BERT_SHARED_DIR/models/all-MiniLM-L6-v2)",
                                      "DIR" },
  { "text", 0, 0, G_OPTION_ARG_FILENAME, &text_option,
      "cues of the file run, one per line (default: the STS test sentences)", "FILE" },
  { "cues", 0, 0, G_OPTION_ARG_INT, &cues_option,
      "cues in the SRT file (default 5000, or every line of --text)", "N" },
  { "batch-size", 0, 0, G_OPTION_ARG_INT, &batch_size_option,
      "bert-infer's batch-size in the file run (default 32)", "B" },
  { "precision", 0, 0, G_OPTION_ARG_STRING, &precision_option,
      "bert-infer's precision in the file run (default auto)", "P" },
  { "live-seconds", 0, 0, G_OPTION_ARG_INT, &live_seconds_option, "seconds of each live run (default 30)",
      "S" },
  { "overhead-buffers", 0, 0, G_OPTION_ARG_INT, &overhead_buffers_option,
      "buffers of the overhead run (default 100000)", "N" },
  { "threads", 0, 0, G_OPTION_ARG_INT, &threads_option,
      "bert-infer's threads property (default 0: one per core)", "N" },
  { "only", 0, 0, G_OPTION_ARG_STRING, &only_option, "run only file, live or overhead", "RUN" },
  { "latencies", 0, 0, G_OPTION_ARG_FILENAME, &latencies_option,
      "append each live buffer's latency to FILE (\"RATE MS\" per line)", "FILE" },
  { NULL } };

static const char *
shared_dir (void)
{
  const char *shared = g_getenv ("GST_BERT_SHARED_DIR");

  return shared ? shared : "../shared";
}

/* The lines of --text, or the STS test sentences; NULL (with a message) when unreadable. */
static GPtrArray *
read_sentences (void)
{
  char *path = text_option ? g_strdup (text_option) : bench_sts_test_path ();
  GError *error = NULL;
  GPtrArray *sentences = bench_read_sentences (path, &error);

  if (sentences == NULL) {
    g_printerr ("%s\n", error->message);
    g_error_free (error);
  }
  g_free (path);
  return sentences;
}

static double
seconds_since (gint64 start_us)
{
  return (g_get_monotonic_time () - start_us) / 1e6;
}

static double
cpu_seconds (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 + usage.ru_stime.tv_sec
      + usage.ru_stime.tv_usec / 1e6;
}

/* Runs a pipeline from PLAYING to EOS (or error); returns FALSE on error. */
static gboolean
run_to_eos (GstElement *pipeline)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *message;
  gboolean ok;

  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  message = gst_bus_timed_pop_filtered (bus, GST_CLOCK_TIME_NONE, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  ok = GST_MESSAGE_TYPE (message) == GST_MESSAGE_EOS;
  if (!ok) {
    GError *error = NULL;
    gchar *debug = NULL;

    gst_message_parse_error (message, &error, &debug);
    g_printerr ("pipeline error: %s (%s)\n", error->message, debug ? debug : "");
    g_error_free (error);
    g_free (debug);
  }
  gst_message_unref (message);
  gst_object_unref (bus);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  return ok;
}

/* file ------------------------------------------------------------------------------ */

static char *
write_srt (GPtrArray *sentences, int n_cues)
{
  GString *srt = g_string_new (NULL);
  GError *error = NULL;
  char *path;
  int fd = g_file_open_tmp ("bench-pipeline-XXXXXX.srt", &path, &error);

  g_assert (fd >= 0);
  close (fd);
  for (int i = 0; i < n_cues; i++) {
    int start_ms = i * 2000, end_ms = start_ms + 1800;

    g_string_append_printf (srt, "%d\n%02d:%02d:%02d,%03d --> %02d:%02d:%02d,%03d\n%s\n\n", i + 1,
        start_ms / 3600000, start_ms / 60000 % 60, start_ms / 1000 % 60, start_ms % 1000, end_ms / 3600000,
        end_ms / 60000 % 60, end_ms / 1000 % 60, end_ms % 1000,
        (const char *) g_ptr_array_index (sentences, i % sentences->len));
  }
  g_assert (g_file_set_contents (path, srt->str, srt->len, NULL));
  g_string_free (srt, TRUE);
  return path;
}

static GstPadProbeReturn
count_buffer (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  (*(guint *) user_data)++;
  return GST_PAD_PROBE_OK;
}

static gboolean
bench_file (const char *model, GPtrArray *sentences)
{
  int n_cues = cues_option > 0 ? cues_option : text_option ? (int) sentences->len : 5000;
  char *srt = write_srt (sentences, n_cues);
  const char *precision = precision_option ? precision_option : "auto";
  char *description = g_strdup_printf (
      "filesrc location=\"%s\" ! subparse ! tokenizer "
      "vocab=\"%s\" ! bert-infer name=infer model=\"%s\" device=cpu threads=%d batch-size=%d "
      "precision=%s ! fakesink name=sink sync=false",
      srt, model, model, threads_option, batch_size_option, precision);
  GError *error = NULL;
  GstElement *pipeline = gst_parse_launch (description, &error);
  guint n_out = 0;
  gboolean ok = FALSE;

  if (pipeline) {
    GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
    GstPad *pad = gst_element_get_static_pad (sink, "sink");
    gint64 start;
    double cpu_start, seconds;

    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, count_buffer, &n_out, NULL);
    /* READY first, so that model loading is not timed. */
    gst_element_set_state (pipeline, GST_STATE_READY);
    start = g_get_monotonic_time ();
    cpu_start = cpu_seconds ();
    ok = run_to_eos (pipeline);
    seconds = seconds_since (start);
    if (ok)
      printf ("file: batch-size %d, %u cues in %.2f s: %.1f sentences/s (CPU %.2f s, %.0f%% of "
              "1 core; precision %s)\n",
          batch_size_option, n_out, seconds, n_out / seconds, cpu_seconds () - cpu_start,
          100.0 * (cpu_seconds () - cpu_start) / seconds, precision);
    gst_object_unref (pad);
    gst_object_unref (sink);
    gst_object_unref (pipeline);
  } else {
    g_printerr ("%s\n", error->message);
    g_error_free (error);
  }
  g_unlink (srt);
  g_free (srt);
  g_free (description);
  return ok;
}

/* live ------------------------------------------------------------------------------ */

typedef struct {
  GArray *pushed_us; /* gint64 per buffer, indexed by GST_BUFFER_OFFSET */
  GArray *arrived_us;
} LiveTimes;

static GstPadProbeReturn
record_arrival (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  LiveTimes *times = user_data;
  guint64 index = GST_BUFFER_OFFSET (GST_PAD_PROBE_INFO_BUFFER (info));

  if (index < times->arrived_us->len)
    g_array_index (times->arrived_us, gint64, index) = g_get_monotonic_time ();
  return GST_PAD_PROBE_OK;
}

static int
compare_doubles (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

/* Nearest rank, as bench-engine computes it, so that the figures compare. */
static double
percentile (GArray *sorted, double fraction)
{
  guint index = (guint) ceil (fraction * sorted->len) - 1;

  return g_array_index (sorted, double, index);
}

static void
push_paced (GstElement *appsrc, GPtrArray *sentences, guint n, double rate, LiveTimes *times)
{
  gint64 start = g_get_monotonic_time ();

  for (guint i = 0; i < n; i++) {
    const char *text = g_ptr_array_index (sentences, i % sentences->len);
    gint64 due = start + (gint64) (i * 1e6 / rate), now = g_get_monotonic_time ();
    GstBuffer *buffer;

    if (due > now)
      g_usleep (due - now);
    buffer = gst_buffer_new_memdup (text, strlen (text));
    GST_BUFFER_OFFSET (buffer) = i;
    g_array_index (times->pushed_us, gint64, i) = g_get_monotonic_time ();
    gst_app_src_push_buffer (GST_APP_SRC (appsrc), buffer);
  }
  gst_app_src_end_of_stream (GST_APP_SRC (appsrc));
}

static void
append_latencies (double rate, GArray *latencies)
{
  FILE *out;

  if (!latencies_option)
    return;
  out = fopen (latencies_option, "a");
  if (!out) {
    g_printerr ("could not write %s\n", latencies_option);
    return;
  }
  for (guint i = 0; i < latencies->len; i++)
    fprintf (out, "%g %.3f\n", rate, g_array_index (latencies, double, i));
  fclose (out);
}

static gboolean
bench_live_rate (const char *model, GPtrArray *sentences, double rate)
{
  guint n = MAX (3, (guint) (rate * live_seconds_option) + 1);
  char *description =
      g_strdup_printf ("appsrc name=src is-live=true do-timestamp=true "
                       "format=time caps=\"" TEXT_CAPS "\" ! bert-infer model=\"%s\" device=cpu threads=%d ! "
                       "fakesink name=sink sync=false",
          model, threads_option);
  GstElement *pipeline = gst_parse_launch (description, NULL);
  GstElement *appsrc = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  GstPad *pad = gst_element_get_static_pad (sink, "sink");
  LiveTimes times = { g_array_sized_new (FALSE, TRUE, sizeof (gint64), n),
    g_array_sized_new (FALSE, TRUE, sizeof (gint64), n) };
  GArray *latencies = g_array_new (FALSE, FALSE, sizeof (double));
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *message;
  gboolean ok;

  g_array_set_size (times.pushed_us, n);
  g_array_set_size (times.arrived_us, n);
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, record_arrival, &times, NULL);
  /* The sink prerolls on the first buffer, so the pipeline is PLAYING only after it. */
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  push_paced (appsrc, sentences, n, rate, &times);
  message = gst_bus_timed_pop_filtered (bus, GST_CLOCK_TIME_NONE, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  ok = GST_MESSAGE_TYPE (message) == GST_MESSAGE_EOS;
  gst_message_unref (message);
  gst_element_set_state (pipeline, GST_STATE_NULL);

  /* Buffer 0 also waits for the pipeline to start: it is not counted. */
  for (guint i = 1; ok && i < n; i++) {
    double ms =
        (g_array_index (times.arrived_us, gint64, i) - g_array_index (times.pushed_us, gint64, i)) / 1e3;

    g_array_append_val (latencies, ms);
  }
  if (ok) {
    append_latencies (rate, latencies);
    g_array_sort (latencies, compare_doubles);
    printf ("live %g buffers/s: %u buffers, latency p50 %.1f ms, p99 %.1f ms, max %.1f ms\n", rate,
        latencies->len, percentile (latencies, 0.5), percentile (latencies, 0.99),
        g_array_index (latencies, double, latencies->len - 1));
  } else {
    g_printerr ("live %g buffers/s: pipeline failed\n", rate);
  }

  g_array_unref (latencies);
  g_array_unref (times.pushed_us);
  g_array_unref (times.arrived_us);
  gst_object_unref (bus);
  gst_object_unref (pad);
  gst_object_unref (sink);
  gst_object_unref (appsrc);
  gst_object_unref (pipeline);
  g_free (description);
  return ok;
}

/* overhead -------------------------------------------------------------------------- */

typedef struct {
  GMutex lock;
  GCond done;
  guint n_expected, n_received;
  GstClockTime last_inference_time;
  double engine_seconds;                /* each batch's inference-time, counted once */
  double task_cpu_first, task_cpu_last; /* CPU time of the element's src pad task */
} Collector;

static Collector collector;

static double
thread_cpu_seconds (void)
{
  struct timespec now;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &now);
  return now.tv_sec + now.tv_nsec / 1e9;
}

/* Runs on the element's src pad task. Buffers of one batch carry the same
 * inference-time and leave one after the other, so a change of value starts a batch. */
static GstFlowReturn
collect_buffer (GstPad *pad, GstObject *parent, GstBuffer *buffer)
{
  GstCustomMeta *meta = gst_buffer_get_bert_result_meta (buffer);
  GstClockTime inference_time = meta ? gst_bert_result_meta_get_inference_time (meta) : 0;

  gst_buffer_unref (buffer);
  g_mutex_lock (&collector.lock);
  if (inference_time != collector.last_inference_time)
    collector.engine_seconds += inference_time / 1e9;
  collector.last_inference_time = inference_time;
  collector.task_cpu_last = thread_cpu_seconds ();
  if (collector.n_received++ == 0)
    collector.task_cpu_first = collector.task_cpu_last;
  if (collector.n_received == collector.n_expected)
    g_cond_signal (&collector.done);
  g_mutex_unlock (&collector.lock);
  return GST_FLOW_OK;
}

static char *
write_tiny_model (void)
{
  char *dir = g_build_filename (BUILD_DIR, "tiny-model", NULL);
  BertTestModelSpec options;
  GError *error = NULL;

  bert_test_model_spec_init (&options);
  options.hidden_size = 16;
  options.num_layers = 1;
  options.num_heads = 2;
  options.intermediate_size = 16;
  options.sentence_transformers = TRUE;
  if (!bert_test_model_write (dir, &options, &error))
    g_error ("%s", error->message);
  return dir;
}

/* Buffers of about 12 tokens, with token metas when @with_tokens. */
static GstBuffer **
make_buffers (const char *model_dir, guint n, gboolean with_tokens)
{
  BertModel *model = bert_model_load (model_dir, NULL);
  const char *text = "w5 w6 w7 w8 w9 w10 w11 w12 w13 w14";
  GstBuffer **buffers = g_new (GstBuffer *, n);
  BertEncoding encoding;

  bert_encoding_init (&encoding);
  bert_tokenizer_encode (bert_model_get_tokenizer (model), text, strlen (text), 0, &encoding);
  for (guint i = 0; i < n; i++) {
    buffers[i] = gst_buffer_new_memdup (text, strlen (text));
    GST_BUFFER_PTS (buffers[i]) = i * GST_MSECOND;
    if (with_tokens)
      gst_buffer_add_bert_token_meta (buffers[i], encoding.ids, encoding.type_ids, encoding.offsets,
          encoding.n_tokens, FALSE);
  }
  bert_encoding_clear (&encoding);
  bert_model_unref (model);
  return buffers;
}

/* The element's own cost is the CPU time of its chain function (on this thread, which
 * pushes) and of its src pad task (which attaches results and pushes them on); the
 * engine runs on the element's inference thread and is left out. */
static void
run_overhead (GstPad *feeder, GstBuffer **buffers, guint n, const char *what)
{
  double chain_cpu, task_cpu, engine, seconds;
  gint64 start;

  g_mutex_lock (&collector.lock);
  collector.n_expected = n;
  collector.n_received = 0;
  collector.engine_seconds = 0;
  collector.last_inference_time = GST_CLOCK_TIME_NONE;
  g_mutex_unlock (&collector.lock);

  start = g_get_monotonic_time ();
  chain_cpu = thread_cpu_seconds ();
  for (guint i = 0; i < n; i++)
    gst_pad_push (feeder, buffers[i]);
  /* A serialized event closes the last batch without waiting for batch-timeout. */
  gst_pad_push_event (feeder,
      gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM, gst_structure_new_empty ("bench-drain")));
  chain_cpu = thread_cpu_seconds () - chain_cpu;
  g_mutex_lock (&collector.lock);
  while (collector.n_received < n)
    g_cond_wait (&collector.done, &collector.lock);
  engine = collector.engine_seconds;
  task_cpu = (collector.task_cpu_last - collector.task_cpu_first) * n / (n - 1);
  g_mutex_unlock (&collector.lock);
  seconds = seconds_since (start);

  printf ("overhead, %s: %u buffers in %.3f s (%.0f buffers/s; engine %.2f us/buffer): "
          "element %.2f us/buffer = chain %.2f + src task %.2f\n",
      what, n, seconds, n / seconds, 1e6 * engine / n, 1e6 * (chain_cpu + task_cpu) / n, 1e6 * chain_cpu / n,
      1e6 * task_cpu / n);
}

static void
start_stream (GstPad *feeder)
{
  GstSegment segment;

  gst_pad_push_event (feeder, gst_event_new_stream_start ("bench-pipeline"));
  gst_pad_push_event (feeder, gst_event_new_caps (gst_caps_from_string (TEXT_CAPS)));
  gst_segment_init (&segment, GST_FORMAT_TIME);
  gst_pad_push_event (feeder, gst_event_new_segment (&segment));
}

static gboolean
bench_overhead (void)
{
  char *model_dir = write_tiny_model ();
  GstElement *element = gst_element_factory_make ("bert-infer", NULL);
  GstPad *feeder = gst_pad_new ("feeder", GST_PAD_SRC);
  GstPad *collector_pad = gst_pad_new ("collector", GST_PAD_SINK);
  GstPad *sinkpad = gst_element_get_static_pad (element, "sink");
  GstPad *srcpad = gst_element_get_static_pad (element, "src");
  guint n = overhead_buffers_option;
  GstBuffer **buffers;

  g_mutex_init (&collector.lock);
  g_cond_init (&collector.done);
  g_object_set (element, "model", model_dir, "threads", threads_option, NULL);
  gst_util_set_object_arg (G_OBJECT (element), "device", "cpu");
  gst_pad_set_chain_function (collector_pad, collect_buffer);
  gst_pad_link (feeder, sinkpad);
  gst_pad_link (srcpad, collector_pad);
  gst_pad_set_active (feeder, TRUE);
  gst_pad_set_active (collector_pad, TRUE);
  if (gst_element_set_state (element, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    g_printerr ("bert-infer did not start\n");
    return FALSE;
  }
  start_stream (feeder);

  buffers = make_buffers (model_dir, n, TRUE);
  run_overhead (feeder, buffers, n, "token metas given");
  g_free (buffers);
  buffers = make_buffers (model_dir, n, FALSE);
  run_overhead (feeder, buffers, n, "element tokenizes");
  g_free (buffers);

  gst_element_set_state (element, GST_STATE_NULL);
  gst_object_unref (sinkpad);
  gst_object_unref (srcpad);
  gst_object_unref (feeder);
  gst_object_unref (collector_pad);
  gst_object_unref (element);
  g_free (model_dir);
  return TRUE;
}

static gboolean
wanted (const char *run)
{
  return only_option == NULL || g_strcmp0 (only_option, run) == 0;
}

int
main (int argc, char **argv)
{
  GOptionContext *context = g_option_context_new ("- bert-infer pipeline figures");
  GError *error = NULL;
  char *model;
  GPtrArray *sentences = NULL;
  gboolean ok = TRUE;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_add_group (context, gst_init_get_option_group ());
  if (!g_option_context_parse (context, &argc, &argv, &error)) {
    g_printerr ("%s\n", error->message);
    return 2;
  }
  g_option_context_free (context);
  /* The plugin of this build, whatever GST_PLUGIN_PATH says. */
  gst_registry_scan_path (gst_registry_get (), BUILD_PLUGIN_DIR);

  model = model_option ? g_strdup (model_option)
                       : g_build_filename (shared_dir (), "models", "all-MiniLM-L6-v2", NULL);
  if (wanted ("file") || wanted ("live")) {
    sentences = read_sentences ();
    if (!sentences || sentences->len == 0 || !g_file_test (model, G_FILE_TEST_IS_DIR)) {
      g_printerr ("file and live runs need %s and sentences: the STS test set (set "
                  "GST_BERT_SHARED_DIR) or a --text file with at least one line\n",
          model);
      ok = FALSE;
    }
  }
  printf ("model %s; CPU, %u cores, bert-infer threads=%d\n", model, g_get_num_processors (), threads_option);
  if (ok && wanted ("file"))
    ok = bench_file (model, sentences);
  if (ok && wanted ("live"))
    ok = bench_live_rate (model, sentences, 1.0) && bench_live_rate (model, sentences, 30.0);
  if (ok && wanted ("overhead"))
    ok = bench_overhead ();
  if (sentences)
    g_ptr_array_unref (sentences);
  g_free (model);
  return ok ? 0 : 1;
}
