/* gst-bert-soak: a long live run of tokenizer ! bert-infer, watching memory and buffers.
 *
 * A feeder thread pushes random sentences into a live appsrc at a random rate between
 * --min-rate and --max-rate buffers per second for --duration seconds; an appsink
 * counts what comes out and checks each buffer's result meta. Every --sample-every
 * seconds a row reports buffers in and out, the latency of the last interval and the
 * resident memory. At the end the stream is drained with EOS and the verdict printed:
 * PASS when every buffer came out with its result, no error was posted, and resident
 * memory grew by at most --max-rss-growth MiB after the warm-up (the first fifth of
 * the run, when allocator pools and caches fill).
 *
 *   gst-bert-soak --model ../shared/models/all-MiniLM-L6-v2 --duration 1800
 *
 * Not part of the test suite (it runs for minutes); see docs/reliability.md.
 */
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "gstbertmeta.h"

#define LATENCY_BUCKETS 10000 /* 1 ms each: 0 to 10 s, the last one open-ended */

typedef struct {
  /* Options. */
  char *model;
  int duration_s;
  int min_rate;
  int max_rate;
  int sample_every_s;
  double max_rss_growth_mib;
  gboolean tokenizer_only;
  char *device;

  GstElement *pipeline;
  GstAppSrc *src;
  GMainLoop *loop;
  GPtrArray *words;
  gint64 start_us;

  /* Counters, shared with the feeder and streaming threads. */
  gint buffers_in;
  gint buffers_out;
  gint missing_results;
  gint errors;
  gboolean stop_feeding;
  GMutex latency_lock;
  guint latency_counts[LATENCY_BUCKETS]; /* of the current interval; a fixed array, so
                                             measuring adds no memory growth */

  /* Samples. */
  double warm_rss_mib;
  double last_rss_mib;
  double peak_rss_mib;
  double worst_p99_ms;
} Soak;

static double
rss_mib (void)
{
  char *status = NULL;
  const char *line;
  double kib = 0;

  g_file_get_contents ("/proc/self/status", &status, NULL, NULL);
  line = status ? strstr (status, "VmRSS:") : NULL;
  if (line)
    kib = g_ascii_strtod (line + strlen ("VmRSS:"), NULL);
  g_free (status);
  return kib / 1024.0;
}

/* Words to make sentences of: the model's vocabulary, whole words only. */
static GPtrArray *
load_words (const char *model)
{
  char *path = g_build_filename (model, "vocab.txt", NULL);
  GPtrArray *words = g_ptr_array_new_with_free_func (g_free);
  char *contents = NULL;
  char **lines;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    g_printerr ("no %s: using a built-in word list\n", path);
  lines = g_strsplit (contents ? contents : "the quick brown fox jumps over a lazy dog",
      contents ? "\n" : " ", -1);
  for (char **line = lines; *line; line++)
    if (**line && **line != '[' && !g_str_has_prefix (*line, "##"))
      g_ptr_array_add (words, g_strdup (*line));
  g_strfreev (lines);
  g_free (contents);
  g_free (path);
  return words;
}

static GstBuffer *
random_sentence (Soak *soak)
{
  int n_words = g_random_int_range (1, 40);
  GString *text = g_string_new (NULL);
  gsize len;

  for (int i = 0; i < n_words; i++) {
    if (i > 0)
      g_string_append_c (text, ' ');
    g_string_append (text, g_ptr_array_index (soak->words, g_random_int_range (0, soak->words->len)));
  }
  g_string_append_c (text, '.');
  len = text->len;
  return gst_buffer_new_wrapped (g_string_free (text, FALSE), len);
}

static gpointer
feed (gpointer data)
{
  Soak *soak = data;
  gint64 end_us = soak->start_us + (gint64) soak->duration_s * G_USEC_PER_SEC;

  while (!g_atomic_int_get (&soak->stop_feeding) && g_get_monotonic_time () < end_us) {
    int rate = g_random_int_range (soak->min_rate, soak->max_rate + 1);

    if (gst_app_src_push_buffer (soak->src, random_sentence (soak)) != GST_FLOW_OK)
      break;
    g_atomic_int_inc (&soak->buffers_in);
    g_usleep (G_USEC_PER_SEC / rate);
  }
  gst_app_src_end_of_stream (soak->src);
  return NULL;
}

static void
record_latency (Soak *soak, GstSample *sample)
{
  GstBuffer *buffer = gst_sample_get_buffer (sample);
  GstClock *clock = gst_element_get_clock (soak->pipeline);
  GstClockTime now, latency;
  guint bucket;

  if (clock == NULL || !GST_BUFFER_PTS_IS_VALID (buffer)) {
    g_clear_object (&clock);
    return;
  }
  now = gst_clock_get_time (clock) - gst_element_get_base_time (soak->pipeline);
  latency = now > GST_BUFFER_PTS (buffer) ? now - GST_BUFFER_PTS (buffer) : 0;
  bucket = MIN (latency / GST_MSECOND, LATENCY_BUCKETS - 1);
  g_mutex_lock (&soak->latency_lock);
  soak->latency_counts[bucket]++;
  g_mutex_unlock (&soak->latency_lock);
  gst_object_unref (clock);
}

static GstFlowReturn
on_new_sample (GstAppSink *sink, gpointer data)
{
  Soak *soak = data;
  GstSample *sample = gst_app_sink_pull_sample (sink);
  GstBuffer *buffer = gst_sample_get_buffer (sample);
  gboolean complete = gst_buffer_get_bert_token_meta (buffer) != NULL
      && (soak->tokenizer_only || gst_buffer_get_bert_result_meta (buffer) != NULL);

  if (!complete)
    g_atomic_int_inc (&soak->missing_results);
  record_latency (soak, sample);
  g_atomic_int_inc (&soak->buffers_out);
  gst_sample_unref (sample);
  return GST_FLOW_OK;
}

/* The 50th and 99th percentile of the interval's latencies, in ms; resets them. */
static void
take_latency_percentiles (Soak *soak, double *p50, double *p99)
{
  guint total = 0, seen = 0;

  *p50 = *p99 = 0;
  g_mutex_lock (&soak->latency_lock);
  for (guint i = 0; i < LATENCY_BUCKETS; i++)
    total += soak->latency_counts[i];
  for (guint i = 0; i < LATENCY_BUCKETS && total > 0; i++) {
    seen += soak->latency_counts[i];
    if (*p50 == 0 && seen * 2 >= total)
      *p50 = i + 1;
    if (seen * 100 >= total * 99) {
      *p99 = i + 1;
      break;
    }
  }
  memset (soak->latency_counts, 0, sizeof soak->latency_counts);
  g_mutex_unlock (&soak->latency_lock);
}

static void
print_row (Soak *soak, const char *note)
{
  double elapsed = (g_get_monotonic_time () - soak->start_us) / 1e6;
  double rss = rss_mib (), p50, p99;
  gint in = g_atomic_int_get (&soak->buffers_in), out = g_atomic_int_get (&soak->buffers_out);

  take_latency_percentiles (soak, &p50, &p99);
  soak->last_rss_mib = rss;
  soak->peak_rss_mib = MAX (soak->peak_rss_mib, rss);
  if (elapsed >= soak->duration_s / 5.0 && soak->warm_rss_mib == 0) {
    soak->warm_rss_mib = rss;
    if (note == NULL)
      note = "warm-up done";
  } else if (soak->warm_rss_mib > 0) {
    soak->worst_p99_ms = MAX (soak->worst_p99_ms, p99);
  }
  printf ("%8.0f %10d %10d %8d %10.0f %10.0f %10.1f%s%s\n", elapsed, in, out, in - out, p50, p99, rss,
      note ? "  <- " : "", note ? note : "");
  fflush (stdout);
}

static gboolean
sample (gpointer data)
{
  print_row (data, NULL);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_bus_message (GstBus *bus, GstMessage *message, gpointer data)
{
  Soak *soak = data;
  GError *error = NULL;
  char *debug = NULL;

  switch (GST_MESSAGE_TYPE (message)) {
    case GST_MESSAGE_ERROR:
      gst_message_parse_error (message, &error, &debug);
      g_printerr ("ERROR from %s: %s\n%s\n", GST_OBJECT_NAME (message->src), error->message,
          debug ? debug : "");
      g_atomic_int_inc (&soak->errors);
      g_atomic_int_set (&soak->stop_feeding, TRUE);
      g_main_loop_quit (soak->loop);
      break;
    case GST_MESSAGE_EOS: g_main_loop_quit (soak->loop); break;
    default: break;
  }
  g_clear_error (&error);
  g_free (debug);
  return G_SOURCE_CONTINUE;
}

static GstElement *
build_pipeline (Soak *soak, GError **error)
{
  char *infer = soak->tokenizer_only
      ? g_strdup ("")
      : g_strdup_printf ("bert-infer model=\"%s\" device=%s !", soak->model, soak->device);
  char *description =
      g_strdup_printf ("appsrc name=src is-live=true format=time do-timestamp=true "
                       "caps=text/x-raw,format=utf8 max-bytes=0 ! tokenizer vocab=\"%s\" ! %s "
                       "appsink name=sink sync=false",
          soak->model, infer);
  GstElement *pipeline = gst_parse_launch (description, error);

  g_free (description);
  g_free (infer);
  return pipeline;
}

static gboolean
run (Soak *soak)
{
  GstAppSinkCallbacks callbacks = { .new_sample = on_new_sample };
  GError *error = NULL;
  GstElement *sink;
  GstBus *bus;
  GThread *feeder;
  guint sampler;

  soak->pipeline = build_pipeline (soak, &error);
  if (soak->pipeline == NULL) {
    g_printerr ("cannot build the pipeline: %s\n", error->message);
    return FALSE;
  }
  soak->src = GST_APP_SRC (gst_bin_get_by_name (GST_BIN (soak->pipeline), "src"));
  sink = gst_bin_get_by_name (GST_BIN (soak->pipeline), "sink");
  gst_app_sink_set_callbacks (GST_APP_SINK (sink), &callbacks, soak, NULL);
  bus = gst_element_get_bus (soak->pipeline);
  gst_bus_add_watch (bus, on_bus_message, soak);
  if (gst_element_set_state (soak->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    g_printerr ("the pipeline does not start\n");
    return FALSE;
  }

  printf ("%8s %10s %10s %8s %10s %10s %10s\n", "time_s", "in", "out", "pending", "p50_ms", "p99_ms",
      "rss_mib");
  soak->start_us = g_get_monotonic_time ();
  feeder = g_thread_new ("feeder", feed, soak);
  sampler = g_timeout_add_seconds (soak->sample_every_s, sample, soak);
  g_main_loop_run (soak->loop);
  g_source_remove (sampler);
  g_atomic_int_set (&soak->stop_feeding, TRUE);
  g_thread_join (feeder);
  print_row (soak, "after EOS");

  gst_element_set_state (soak->pipeline, GST_STATE_NULL);
  gst_bus_remove_watch (bus);
  gst_object_unref (bus);
  gst_object_unref (sink);
  gst_object_unref (soak->src);
  gst_object_unref (soak->pipeline);
  return TRUE;
}

static gboolean
report (const Soak *soak)
{
  double growth = soak->last_rss_mib - soak->warm_rss_mib;
  gboolean counts_equal = soak->buffers_in == soak->buffers_out;
  gboolean ok = counts_equal && soak->missing_results == 0 && soak->errors == 0 && soak->warm_rss_mib > 0
      && growth <= soak->max_rss_growth_mib;

  printf ("\npipeline: tokenizer%s, model %s\n", soak->tokenizer_only ? " only" : " ! bert-infer",
      soak->model);
  printf ("buffers in %d, out %d (%s), without result meta %d, errors %d\n", soak->buffers_in,
      soak->buffers_out, counts_equal ? "equal" : "NOT EQUAL", soak->missing_results, soak->errors);
  printf ("RSS after warm-up %.1f MiB, at the end %.1f MiB, growth %+.1f MiB (limit %.1f), peak %.1f MiB\n",
      soak->warm_rss_mib, soak->last_rss_mib, growth, soak->max_rss_growth_mib, soak->peak_rss_mib);
  printf ("worst interval p99 latency after warm-up: %.0f ms\n", soak->worst_p99_ms);
  printf ("verdict: %s\n", ok ? "PASS" : "FAIL");
  return ok;
}

static char *
default_model (void)
{
  const char *shared = g_getenv ("GST_BERT_SHARED_DIR");

  return g_build_filename (shared ? shared : "../shared", "models", "all-MiniLM-L6-v2", NULL);
}

int
main (int argc, char **argv)
{
  Soak soak = { .duration_s = 60,
    .min_rate = 10,
    .max_rate = 50,
    .sample_every_s = 10,
    .max_rss_growth_mib = 16,
    .device = g_strdup ("cpu") };
  GOptionEntry entries[] = { { "model", 'm', 0, G_OPTION_ARG_FILENAME, &soak.model,
                                 "Model folder (default: $GST_BERT_SHARED_DIR/models/all-MiniLM-L6-v2)",
                                 "DIR" },
    { "duration", 'd', 0, G_OPTION_ARG_INT, &soak.duration_s, "Seconds of input (default 60)", "S" },
    { "min-rate", 0, 0, G_OPTION_ARG_INT, &soak.min_rate, "Fewest buffers per second (default 10)", "N" },
    { "max-rate", 0, 0, G_OPTION_ARG_INT, &soak.max_rate, "Most buffers per second (default 50)", "N" },
    { "sample-every", 's', 0, G_OPTION_ARG_INT, &soak.sample_every_s, "Seconds between rows (default 10)",
        "S" },
    { "max-rss-growth", 0, 0, G_OPTION_ARG_DOUBLE, &soak.max_rss_growth_mib,
        "MiB of RSS growth after warm-up that fails the run (default 16)", "MIB" },
    { "tokenizer-only", 0, 0, G_OPTION_ARG_NONE, &soak.tokenizer_only, "Run tokenizer without bert-infer",
        NULL },
    { "device", 0, 0, G_OPTION_ARG_STRING, &soak.device, "bert-infer device: cpu, cuda or auto (default cpu)",
        "D" },
    { NULL } };
  GOptionContext *context = g_option_context_new ("- soak test of tokenizer ! bert-infer");
  GError *error = NULL;
  gboolean ok;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_add_group (context, gst_init_get_option_group ());
  if (!g_option_context_parse (context, &argc, &argv, &error)) {
    g_printerr ("%s\n", error->message);
    return 2;
  }
  g_option_context_free (context);
  /* The plugin of this build, whatever GST_PLUGIN_PATH says. */
  gst_registry_scan_path (gst_registry_get (), SOAK_PLUGIN_DIR);
  if (soak.min_rate < 1 || soak.max_rate < soak.min_rate || soak.duration_s < 1 || soak.sample_every_s < 1) {
    g_printerr ("need 1 <= min-rate <= max-rate, duration >= 1, sample-every >= 1\n");
    return 2;
  }
  if (soak.model == NULL)
    soak.model = default_model ();
  g_mutex_init (&soak.latency_lock);
  soak.loop = g_main_loop_new (NULL, FALSE);
  soak.words = load_words (soak.model);
  printf ("soak: %s, %d s at %d-%d buffers/s, %s, pid %d\n", soak.model, soak.duration_s, soak.min_rate,
      soak.max_rate, soak.tokenizer_only ? "tokenizer only" : soak.device, getpid ());
  ok = run (&soak) && report (&soak);
  g_ptr_array_unref (soak.words);
  g_main_loop_unref (soak.loop);
  g_free (soak.model);
  g_free (soak.device);
  return ok ? 0 : 1;
}
