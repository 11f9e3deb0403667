/* test-infer-edges.c: bert-infer where a stream, a setting or the machine is unusual.
 *
 * A new stream right after EOS, a model changed while playing, an output the model
 * cannot give, a batch-timeout of centuries, a machine without a GPU, a server URL the
 * remote backend cannot use: each used to lose data or say something wrong, silently or
 * too loudly.
 */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <string.h>

#include "gstbertmeta.h"

#define MODEL FAULTS_FIXTURE_DIR
#define TEXT_CAPS "text/x-raw, format=(string)utf8"

static GstBuffer *
text_buffer (const char *text, GstClockTime pts)
{
  GstBuffer *buffer = gst_buffer_new_memdup (text, strlen (text));

  GST_BUFFER_PTS (buffer) = pts;
  return buffer;
}

/* Pops every message of the bus and returns how many were of @type (and, in
 * *n_other_type when not NULL, how many of @other_type). */
static guint
count_messages_of_types (GstBus *bus, GstMessageType type, GstMessageType other_type, guint *n_other_type)
{
  GstMessage *message;
  guint n = 0, n_other = 0;

  while ((message = gst_bus_pop (bus)) != NULL) {
    n += GST_MESSAGE_TYPE (message) == type;
    n_other += GST_MESSAGE_TYPE (message) == other_type;
    gst_message_unref (message);
  }
  if (n_other_type != NULL)
    *n_other_type = n_other;
  return n;
}

static guint
count_messages (GstBus *bus, GstMessageType type)
{
  return count_messages_of_types (bus, type, type, NULL);
}

/* Holds the first EOS in bert-infer's src pad until the test lets it go. */
typedef struct {
  GMutex lock;
  GCond changed;
  gboolean eos_reached, released;
} EosGate;

static GstPadProbeReturn
hold_first_eos (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  EosGate *gate = data;

  if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) != GST_EVENT_EOS)
    return GST_PAD_PROBE_OK;
  g_mutex_lock (&gate->lock);
  if (!gate->eos_reached) {
    gate->eos_reached = TRUE;
    g_cond_broadcast (&gate->changed);
    while (!gate->released)
      g_cond_wait (&gate->changed, &gate->lock);
  }
  g_mutex_unlock (&gate->lock);
  return GST_PAD_PROBE_OK;
}

/* An application re-using a pipeline sends a second stream at once after the first
 * one's EOS: while that EOS is still on its way out. Both streams come out whole. */
GST_START_TEST (test_new_stream_right_after_eos_not_lost)
{
  GstHarness *h = gst_harness_new_parse ("bert-infer model=" MODEL " device=cpu batch-size=1");
  GstPad *srcpad = gst_element_get_static_pad (h->element, "src");
  EosGate gate = { 0 };
  GstSegment segment;
  GstEvent *event;
  guint n_eos = 0;

  g_mutex_init (&gate.lock);
  g_cond_init (&gate.changed);
  gst_pad_add_probe (srcpad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, hold_first_eos, &gate, NULL);
  gst_harness_set_src_caps_str (h, TEXT_CAPS);
  fail_unless_equals_int (gst_harness_push (h, text_buffer ("hello world", 0)), GST_FLOW_OK);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));

  g_mutex_lock (&gate.lock);
  while (!gate.eos_reached)
    g_cond_wait (&gate.changed, &gate.lock);
  g_mutex_unlock (&gate.lock);
  /* The second stream, while the first EOS is being pushed. */
  fail_unless (gst_harness_push_event (h, gst_event_new_stream_start ("second")));
  gst_segment_init (&segment, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (h, gst_event_new_segment (&segment)));
  fail_unless_equals_int (gst_harness_push (h, text_buffer ("the cat", GST_SECOND)), GST_FLOW_OK);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  g_mutex_lock (&gate.lock);
  gate.released = TRUE;
  g_cond_broadcast (&gate.changed);
  g_mutex_unlock (&gate.lock);

  for (guint i = 0; i < 2; i++) {
    GstBuffer *out = gst_harness_pull (h);
    fail_unless (out != NULL, "buffer %u of 2 never came out", i + 1);
    fail_unless_equals_uint64 (GST_BUFFER_PTS (out), i * GST_SECOND);
    fail_unless (gst_buffer_get_bert_result_meta (out) != NULL);
    gst_buffer_unref (out);
  }
  /* The second EOS follows the second buffer; wait for it as gst_harness_pull does. */
  for (gint64 deadline = g_get_monotonic_time () + 30 * G_TIME_SPAN_SECOND;
       n_eos < 2 && g_get_monotonic_time () < deadline;) {
    while ((event = gst_harness_try_pull_event (h)) != NULL) {
      n_eos += GST_EVENT_TYPE (event) == GST_EVENT_EOS;
      gst_event_unref (event);
    }
    g_usleep (1000);
  }
  fail_unless_equals_int (n_eos, 2);
  gst_object_unref (srcpad);
  gst_harness_teardown (h);
  g_cond_clear (&gate.changed);
  g_mutex_clear (&gate.lock);
}
GST_END_TEST;

/* The model is loaded at READY: a new one while playing is refused, said, and the
 * property keeps naming the model that runs. */
GST_START_TEST (test_model_change_while_playing_refused)
{
  GstHarness *h = gst_harness_new_parse ("bert-infer model=" MODEL " device=cpu batch-size=1");
  GstBus *bus = gst_bus_new ();
  GstElement *infer = gst_bin_get_by_name (GST_BIN (h->element), "bertinfer0");
  GstBuffer *out;
  gchar *model;

  fail_unless (infer != NULL);
  gst_element_set_bus (h->element, bus);
  gst_harness_set_src_caps_str (h, TEXT_CAPS);
  g_object_set (infer, "model", "/elsewhere/another-model", NULL);
  g_object_get (infer, "model", &model, NULL);
  fail_unless_equals_string (model, MODEL);
  fail_unless_equals_int (count_messages (bus, GST_MESSAGE_WARNING), 1);
  fail_unless_equals_int (gst_harness_push (h, text_buffer ("hello", 0)), GST_FLOW_OK);
  out = gst_harness_pull (h);
  fail_unless (out != NULL && gst_buffer_get_bert_result_meta (out) != NULL);
  gst_buffer_unref (out);
  g_free (model);
  gst_object_unref (infer);
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* pooling is read at READY: a new one while playing is kept for the next time, and
 * said once per change (setting it again to the same value says nothing), while the
 * settings read at each batch change without a word. */
GST_START_TEST (test_load_time_setting_change_while_playing_warns)
{
  GstHarness *h = gst_harness_new_parse ("bert-infer model=" MODEL " device=cpu batch-size=1");
  GstBus *bus = gst_bus_new ();
  GstElement *infer = gst_bin_get_by_name (GST_BIN (h->element), "bertinfer0");
  GstMessage *message;
  GError *error = NULL;

  fail_unless (infer != NULL);
  gst_element_set_bus (h->element, bus);
  gst_harness_set_src_caps_str (h, TEXT_CAPS);
  gst_util_set_object_arg (G_OBJECT (infer), "pooling", "cls");
  gst_util_set_object_arg (G_OBJECT (infer), "pooling", "cls");
  g_object_set (infer, "batch-size", 4, "max-length", 8, NULL);
  message = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING);
  fail_unless (message != NULL, "a pooling that does not apply went unsaid");
  gst_message_parse_warning (message, &error, NULL);
  fail_unless (g_error_matches (error, GST_CORE_ERROR, GST_CORE_ERROR_STATE_CHANGE));
  fail_unless (strstr (error->message, "pooling") != NULL, "%s", error->message);
  g_error_free (error);
  gst_message_unref (message);
  fail_unless_equals_int (count_messages (bus, GST_MESSAGE_WARNING), 0);
  gst_object_unref (infer);
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* The fixture is an encoder: output=labels cannot be given. An error at READY that
 * names what the head gives, not results silently without labels. */
GST_START_TEST (test_output_the_head_cannot_give_is_an_error)
{
  GstElement *infer = gst_element_factory_make ("bert-infer", NULL);
  GstBus *bus = gst_bus_new ();
  GstMessage *message;
  GError *error = NULL;

  fail_unless (infer != NULL);
  gst_element_set_bus (infer, bus);
  gst_util_set_object_arg (G_OBJECT (infer), "output", "labels");
  g_object_set (infer, "model", MODEL, "device", 1 /* cpu */, NULL);
  fail_unless_equals_int (gst_element_set_state (infer, GST_STATE_READY), GST_STATE_CHANGE_FAILURE);
  message = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (message != NULL, "no error for an output the head cannot give");
  gst_message_parse_error (message, &error, NULL);
  fail_unless (strstr (error->message, "labels") != NULL && strstr (error->message, "embedding") != NULL,
      "the error does not name what was asked and what the head gives: %s", error->message);
  g_error_free (error);
  gst_message_unref (message);
  gst_element_set_state (infer, GST_STATE_NULL);
  gst_element_set_bus (infer, NULL);
  gst_object_unref (bus);
  gst_object_unref (infer);
}
GST_END_TEST;

/* batch-timeout of G_MAXUINT64 - 1 ns (centuries) plus the upstream latency wrapped
 * around to a few nanoseconds; it saturates now. */
GST_START_TEST (test_latency_saturates)
{
  GstHarness *h = gst_harness_new_parse ("bert-infer model=" MODEL " device=cpu");
  GstElement *infer = gst_bin_get_by_name (GST_BIN (h->element), "bertinfer0");
  const GstClockTime timeout = G_MAXUINT64 - 1;

  g_object_set (infer, "batch-timeout", timeout, NULL);
  gst_harness_set_src_caps_str (h, TEXT_CAPS);
  gst_harness_set_upstream_latency (h, GST_SECOND);
  fail_unless (gst_harness_query_latency (h) >= GST_SECOND, "the latency wrapped around: %" G_GUINT64_FORMAT,
      gst_harness_query_latency (h));
  fail_unless (GST_CLOCK_TIME_IS_VALID (gst_harness_query_latency (h)));
  gst_object_unref (infer);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* device=auto (the default) on a machine without a usable GPU falls back to the CPU as
 * asked: an INFO message, never a WARNING. */
GST_START_TEST (test_device_auto_fallback_is_info)
{
  GstElement *infer = gst_element_factory_make ("bert-infer", NULL);
  GstBus *bus = gst_bus_new ();
  gchar *backend;
  guint n_infos;

  gst_element_set_bus (infer, bus);
  g_object_set (infer, "model", MODEL, NULL);
  fail_unless_equals_int (gst_element_set_state (infer, GST_STATE_READY), GST_STATE_CHANGE_SUCCESS);
  g_object_get (infer, "backend", &backend, NULL);
  fail_unless_equals_int (count_messages_of_types (bus, GST_MESSAGE_WARNING, GST_MESSAGE_INFO, &n_infos), 0);
  if (g_strcmp0 (backend, "cpu") == 0)
    fail_unless_equals_int (n_infos, 1);
  GST_INFO ("device=auto runs on %s", backend);
  g_free (backend);
  gst_element_set_state (infer, GST_STATE_NULL);
  gst_element_set_bus (infer, NULL);
  gst_object_unref (bus);
  gst_object_unref (infer);
}
GST_END_TEST;

/* device=auto without the CUDA module: the INFO's details name the missing module, the
 * one reason, and do not claim that no device is usable (there may be one). */
GST_START_TEST (test_device_auto_fallback_names_the_missing_module)
{
  GstElement *infer = gst_element_factory_make ("bert-infer", NULL);
  GstBus *bus = gst_bus_new ();
  GstMessage *message;
  gchar *debug = NULL, *module_dir = g_strdup (g_getenv ("GST_BERT_CUDA_MODULE_DIR"));

  g_setenv ("GST_BERT_CUDA_MODULE_DIR", "/nonexistent", TRUE);
  gst_element_set_bus (infer, bus);
  g_object_set (infer, "model", MODEL, NULL);
  fail_unless_equals_int (gst_element_set_state (infer, GST_STATE_READY), GST_STATE_CHANGE_SUCCESS);
  message = gst_bus_pop_filtered (bus, GST_MESSAGE_INFO);
  fail_unless (message != NULL);
  gst_message_parse_info (message, NULL, &debug);
  fail_unless (strstr (debug, "the CUDA backend module /nonexistent/libgstbert-cuda.so is not there") != NULL,
      "%s", debug);
  fail_unless (strstr (debug, "no CUDA device is usable") == NULL, "%s", debug);
  g_free (debug);
  gst_message_unref (message);
  gst_element_set_state (infer, GST_STATE_NULL);
  gst_element_set_bus (infer, NULL);
  gst_object_unref (bus);
  gst_object_unref (infer);
  if (module_dir)
    g_setenv ("GST_BERT_CUDA_MODULE_DIR", module_dir, TRUE);
  else
    g_unsetenv ("GST_BERT_CUDA_MODULE_DIR");
  g_free (module_dir);
}
GST_END_TEST;

/* A serialized query that downstream is still answering when a flush comes: the query
 * must not be handed back to its owner (who frees it) before downstream is done. */
typedef struct {
  GMutex lock;
  GCond changed;
  gboolean in_downstream, released, returned;
  GstPadQueryFunction harness_query;
  GstPad *harness_srcpad;
} QueryGate;

static QueryGate *query_gate;

static gboolean
hold_drain_query (GstPad *pad, GstObject *parent, GstQuery *query)
{
  QueryGate *gate = query_gate;

  if (GST_QUERY_TYPE (query) != GST_QUERY_DRAIN)
    return gate->harness_query (pad, parent, query);
  g_mutex_lock (&gate->lock);
  gate->in_downstream = TRUE;
  g_cond_broadcast (&gate->changed);
  while (!gate->released)
    g_cond_wait (&gate->changed, &gate->lock);
  g_mutex_unlock (&gate->lock);
  /* The query is written to after a wait, as a slow downstream would. */
  return TRUE;
}

static gpointer
send_drain_query (gpointer data)
{
  QueryGate *gate = data;
  GstQuery *query = gst_query_new_drain ();

  gst_pad_peer_query (gate->harness_srcpad, query);
  g_mutex_lock (&gate->lock);
  gate->returned = TRUE;
  g_cond_broadcast (&gate->changed);
  g_mutex_unlock (&gate->lock);
  gst_query_unref (query);
  return NULL;
}

static gpointer
send_flush_start (gpointer harness)
{
  gst_harness_push_event (harness, gst_event_new_flush_start ());
  return NULL;
}

GST_START_TEST (test_query_outlives_no_flush)
{
  GstHarness *h = gst_harness_new_parse ("bert-infer model=" MODEL " device=cpu");
  QueryGate gate = { 0 };
  GThread *querier, *flusher;
  gboolean returned_early;

  g_mutex_init (&gate.lock);
  g_cond_init (&gate.changed);
  gate.harness_query = GST_PAD_QUERYFUNC (h->sinkpad);
  gate.harness_srcpad = h->srcpad;
  query_gate = &gate;
  gst_pad_set_query_function (h->sinkpad, hold_drain_query);
  gst_harness_set_src_caps_str (h, TEXT_CAPS);

  querier = g_thread_new ("query", send_drain_query, &gate);
  g_mutex_lock (&gate.lock);
  while (!gate.in_downstream)
    g_cond_wait (&gate.changed, &gate.lock);
  g_mutex_unlock (&gate.lock);
  flusher = g_thread_new ("flush", send_flush_start, h);
  /* Give the flush time to wake the querier: on 3a49a12 it returned here. */
  g_usleep (300 * 1000);
  g_mutex_lock (&gate.lock);
  returned_early = gate.returned;
  gate.released = TRUE;
  g_cond_broadcast (&gate.changed);
  g_mutex_unlock (&gate.lock);
  g_thread_join (querier);
  g_thread_join (flusher);
  fail_if (returned_early, "the query was handed back while downstream still answered it");
  gst_harness_push_event (h, gst_event_new_flush_stop (TRUE));
  gst_harness_teardown (h);
  query_gate = NULL;
  g_cond_clear (&gate.changed);
  g_mutex_clear (&gate.lock);
}
GST_END_TEST;

/* A model path in Latin-1 (not UTF-8): the error's message and details are valid
 * UTF-8, so that the bus, Python and JSON logs can carry them. */
static const char *const elements_with_models[] = { "bert-infer", "tokenizer" };

GST_START_TEST (test_non_utf8_model_path_gives_utf8_error)
{
  GstElement *element = gst_element_factory_make (elements_with_models[__i__], NULL);
  GstBus *bus = gst_bus_new ();
  GstMessage *message;
  GError *error = NULL;
  gchar *debug = NULL;

  gst_element_set_bus (element, bus);
  g_object_set (element, "model", "/nonexistent/caf\xe9-model", NULL);
  fail_unless_equals_int (gst_element_set_state (element, GST_STATE_READY), GST_STATE_CHANGE_FAILURE);
  message = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (message != NULL);
  gst_message_parse_error (message, &error, &debug);
  fail_unless (g_utf8_validate (error->message, -1, NULL), "not UTF-8: %s", error->message);
  fail_unless (debug == NULL || g_utf8_validate (debug, -1, NULL), "details not UTF-8: %s", debug);
  g_error_free (error);
  g_free (debug);
  gst_message_unref (message);
  gst_element_set_state (element, GST_STATE_NULL);
  gst_element_set_bus (element, NULL);
  gst_object_unref (bus);
  gst_object_unref (element);
}
GST_END_TEST;

#ifdef HAVE_REMOTE_BACKEND
/* A server URL the requests cannot be built on fails NULL -> READY naming it, instead of
 * the first batch failing on a host named "v2" or on a port past 65535. */
static const char *unusable_servers[][2] = {
  { "http://", "No host part" },
  { "http://localhost:99999", "Port number" },
  { "http://[::1", "IPv6" },
  { "http://localhost:8000/?model=x", "has a query" },
};

GST_START_TEST (test_unusable_server_url_fails_at_ready)
{
  GstElement *element = gst_element_factory_make ("bert-infer", NULL);
  GstBus *bus = gst_bus_new ();
  GstMessage *message;
  GError *error = NULL;
  gchar *debug = NULL;

  gst_element_set_bus (element, bus);
  g_object_set (element, "model", MODEL, "server", unusable_servers[__i__][0], NULL);
  fail_unless_equals_int (gst_element_set_state (element, GST_STATE_READY), GST_STATE_CHANGE_FAILURE);
  message = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (message != NULL);
  gst_message_parse_error (message, &error, &debug);
  fail_unless (strstr (debug, unusable_servers[__i__][0]) != NULL, "server not named: %s", debug);
  fail_unless (strstr (debug, unusable_servers[__i__][1]) != NULL, "cause not given: %s", debug);
  g_error_free (error);
  g_free (debug);
  gst_message_unref (message);
  gst_element_set_state (element, GST_STATE_NULL);
  gst_element_set_bus (element, NULL);
  gst_object_unref (bus);
  gst_object_unref (element);
}
GST_END_TEST;
#endif

static Suite *
infer_edges_suite (void)
{
  Suite *suite = suite_create ("infer-edges");
  TCase *edges = tcase_create ("edges");

  suite_add_tcase (suite, edges);
  tcase_set_timeout (edges, 60);
  tcase_add_test (edges, test_new_stream_right_after_eos_not_lost);
  tcase_add_test (edges, test_model_change_while_playing_refused);
  tcase_add_test (edges, test_load_time_setting_change_while_playing_warns);
  tcase_add_test (edges, test_output_the_head_cannot_give_is_an_error);
  tcase_add_test (edges, test_latency_saturates);
  tcase_add_test (edges, test_device_auto_fallback_is_info);
  tcase_add_test (edges, test_device_auto_fallback_names_the_missing_module);
  tcase_add_test (edges, test_query_outlives_no_flush);
  tcase_add_loop_test (edges, test_non_utf8_model_path_gives_utf8_error, 0,
      G_N_ELEMENTS (elements_with_models));
#ifdef HAVE_REMOTE_BACKEND
  tcase_add_loop_test (edges, test_unusable_server_url_fails_at_ready, 0, G_N_ELEMENTS (unusable_servers));
#endif
  return suite;
}

GST_CHECK_MAIN (infer_edges);
