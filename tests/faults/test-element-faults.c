/* test-element-faults.c: tokenizer and bert-infer when downstream fails, flushes or goes away.
 *
 * Both elements must hand downstream's flow return back to upstream (bert-infer, which
 * pushes from its own task as queue does, on a later chain call), survive the pipeline
 * being shut down with batches in flight, and account for every buffer: each one that
 * goes in comes out, in order, with its result, or is freed.
 */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <string.h>

#include "gstbertmeta.h"

#define MODEL FAULTS_FIXTURE_DIR
#define VOCAB FAULTS_FIXTURE_DIR "/vocab.txt"
#define TEXT_CAPS "text/x-raw, format=(string)utf8"
#define HIDDEN_SIZE 8 /* the fixture model's */

static const GstFlowReturn downstream_flows[] = {
  GST_FLOW_ERROR,
  GST_FLOW_FLUSHING,
  GST_FLOW_NOT_NEGOTIATED,
  GST_FLOW_EOS,
};

static GstBuffer *
text_buffer (const char *text, GstClockTime pts)
{
  GstBuffer *buffer = *text ? gst_buffer_new_memdup (text, strlen (text)) : gst_buffer_new ();

  GST_BUFFER_PTS (buffer) = pts;
  return buffer;
}

static GstFlowReturn
chain_returning_stored_flow (GstPad *pad, GstObject *parent, GstBuffer *buffer)
{
  gst_buffer_unref (buffer);
  return GPOINTER_TO_INT (g_object_get_data (G_OBJECT (pad), "flow"));
}

/* A harness whose sink answers every buffer with flow. */
static GstHarness *
new_failing_harness (const char *description, GstFlowReturn flow)
{
  GstHarness *harness = gst_harness_new_parse (description);

  gst_harness_set_src_caps_str (harness, TEXT_CAPS);
  g_object_set_data (G_OBJECT (harness->sinkpad), "flow", GINT_TO_POINTER (flow));
  gst_pad_set_chain_function (harness->sinkpad, chain_returning_stored_flow);
  return harness;
}

/* Pushes until the element returns something other than OK (bert-infer learns of a
 * downstream failure from its task, so a few pushes may succeed first). */
static GstFlowReturn
push_until_refused (GstHarness *harness)
{
  for (guint i = 0; i < 500; i++) {
    GstFlowReturn ret = gst_harness_push (harness, text_buffer ("hello world", i * GST_MSECOND));

    if (ret != GST_FLOW_OK)
      return ret;
    g_usleep (10000);
  }
  return GST_FLOW_OK;
}

static const char *const element_chains[] = {
  "tokenizer vocab=" VOCAB,
  "bert-infer model=" MODEL " device=cpu batch-size=1",
  "bert-infer model=" MODEL " device=cpu batch-size=4 batch-timeout=1000000",
  "tokenizer vocab=" VOCAB " ! bert-infer model=" MODEL " device=cpu batch-size=2",
};

GST_START_TEST (test_downstream_flow_returns_upstream)
{
  const char *description = element_chains[__i__];

  for (guint i = 0; i < G_N_ELEMENTS (downstream_flows); i++) {
    GstHarness *harness = new_failing_harness (description, downstream_flows[i]);
    GstFlowReturn ret = push_until_refused (harness);

    fail_unless_equals_string (gst_flow_get_name (ret), gst_flow_get_name (downstream_flows[i]));
    GST_INFO ("%s: downstream %s -> upstream %s", description, gst_flow_get_name (downstream_flows[i]),
        gst_flow_get_name (ret));
    gst_harness_teardown (harness);
  }
}
GST_END_TEST;

static const char *const single_elements[] = {
  "tokenizer vocab=" VOCAB,
  "bert-infer model=" MODEL " device=cpu",
};

GST_START_TEST (test_unlinked_source_returns_not_linked)
{
  GstElement *element = gst_parse_launch (single_elements[__i__], NULL);
  GstHarness *harness;

  fail_unless (element != NULL, "cannot make %s: is GST_PLUGIN_PATH set?", single_elements[__i__]);
  harness = gst_harness_new_with_element (element, "sink", NULL);
  gst_harness_set_src_caps_str (harness, TEXT_CAPS);
  fail_unless_equals_string (gst_flow_get_name (push_until_refused (harness)),
      gst_flow_get_name (GST_FLOW_NOT_LINKED));
  gst_harness_teardown (harness);
  gst_object_unref (element);
}
GST_END_TEST;

/* Texts that reach the edge cases: empty, invalid UTF-8, longer than the model's 32 positions. */
static const char *const varied_texts[] = {
  "hello world",
  "",
  "the quick brown fox jumped over the lazy dog",
  "\xff\xfe broken \xc0\xaf utf-8",
  "a b c d e f g h i j k l m n o p q r s t u v w x y z a b c d e f g h",
  "你好世界",
  "   ",
};

GST_START_TEST (test_every_buffer_comes_out_in_order_with_its_result)
{
  const guint n_buffers = 500;
  GstHarness *harness = gst_harness_new_parse (
      "tokenizer vocab=" VOCAB " ! bert-infer model=" MODEL " device=cpu batch-size=7 max-in-flight=2");

  gst_harness_set_src_caps_str (harness, TEXT_CAPS);
  for (guint i = 0; i < n_buffers; i++) {
    const char *text = varied_texts[i % G_N_ELEMENTS (varied_texts)];
    fail_unless_equals_int (gst_harness_push (harness, text_buffer (text, i * GST_SECOND)), GST_FLOW_OK);
  }
  fail_unless (gst_harness_push_event (harness, gst_event_new_eos ()));
  for (guint i = 0; i < n_buffers; i++) {
    GstBuffer *buffer = gst_harness_pull (harness);
    GstCustomMeta *result;
    guint dim = 0;

    fail_unless (buffer != NULL, "buffer %u of %u never came out", i, n_buffers);
    fail_unless_equals_uint64 (GST_BUFFER_PTS (buffer), i * GST_SECOND);
    result = gst_buffer_get_bert_result_meta (buffer);
    fail_unless (result != NULL, "buffer %u has no result", i);
    fail_unless (gst_bert_result_meta_get_embedding (result, &dim) != NULL);
    fail_unless_equals_int (dim, HIDDEN_SIZE);
    gst_buffer_unref (buffer);
  }
  fail_unless (gst_harness_try_pull (harness) == NULL, "more buffers out than in");
  gst_harness_teardown (harness);
}
GST_END_TEST;

static void
push_time_segment (GstHarness *harness)
{
  GstSegment segment;

  gst_segment_init (&segment, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (harness, gst_event_new_segment (&segment)));
}

/* Flushes with batches queued and running, twenty times; afterwards exactly what was
 * pushed after the last flush comes out, in order: nothing from before it. */
GST_START_TEST (test_flush_with_batches_in_flight)
{
  GstHarness *harness = gst_harness_new_parse ("bert-infer model=" MODEL " device=cpu "
                                               "batch-size=3 batch-timeout=50000000");
  GstBuffer *buffer;

  gst_harness_set_src_caps_str (harness, TEXT_CAPS);
  for (guint round = 0; round < 20; round++) {
    for (guint i = 0; i < 10; i++)
      gst_harness_push (harness, text_buffer ("before the flush", i * GST_MSECOND));
    fail_unless (gst_harness_push_event (harness, gst_event_new_flush_start ()));
    fail_unless (gst_harness_push_event (harness, gst_event_new_flush_stop (TRUE)));
    push_time_segment (harness);
    /* What the task pushed before the flush stopped it. */
    while ((buffer = gst_harness_try_pull (harness)) != NULL)
      gst_buffer_unref (buffer);
  }
  for (guint i = 0; i < 10; i++)
    fail_unless_equals_int (gst_harness_push (harness, text_buffer ("after", (1000 + i) * GST_SECOND)),
        GST_FLOW_OK);
  fail_unless (gst_harness_push_event (harness, gst_event_new_eos ()));
  for (guint i = 0; i < 10; i++) {
    buffer = gst_harness_pull (harness);
    fail_unless (buffer != NULL, "buffer %u after the flush is lost", i);
    fail_unless_equals_uint64 (GST_BUFFER_PTS (buffer), (1000 + i) * GST_SECOND);
    gst_buffer_unref (buffer);
  }
  fail_unless (gst_harness_try_pull (harness) == NULL, "more buffers out than pushed after the flush");
  gst_harness_teardown (harness);
}
GST_END_TEST;

/* Counts the buffers made and finalized by the shutdown test. */
static gint buffers_made, buffers_freed;

static void
count_freed (gpointer data, GstMiniObject *buffer)
{
  g_atomic_int_inc (&buffers_freed);
}

static GstBuffer *
counted_text_buffer (const char *text)
{
  GstBuffer *buffer = text_buffer (text, GST_CLOCK_TIME_NONE);

  gst_mini_object_weak_ref (GST_MINI_OBJECT (buffer), count_freed, NULL);
  g_atomic_int_inc (&buffers_made);
  return buffer;
}

/* tokenizer ! bert-infer set to NULL at a random moment with batches queued, running
 * and being pushed, a thousand times: no deadlock, no crash, and every buffer freed.
 * (The test environment loads no system plugins, so a harness stands for appsrc and
 * the sink.) */
GST_START_TEST (test_null_with_batches_in_flight_a_thousand_times)
{
  GRand *rand = g_rand_new_with_seed (42);

  for (guint round = 0; round < 1000; round++) {
    GstHarness *harness =
        gst_harness_new_parse ("tokenizer vocab=" VOCAB " ! bert-infer model=" MODEL
                               " device=cpu batch-size=4 batch-timeout=2000000 max-in-flight=2");
    guint n_buffers = g_rand_int_range (rand, 0, 24);

    gst_harness_set_src_caps_str (harness, TEXT_CAPS);
    for (guint i = 0; i < n_buffers; i++)
      gst_harness_push (harness, counted_text_buffer (varied_texts[i % G_N_ELEMENTS (varied_texts)]));
    if (g_rand_boolean (rand))
      g_usleep (g_rand_int_range (rand, 0, 3000));
    fail_unless_equals_int (gst_element_set_state (harness->element, GST_STATE_NULL),
        GST_STATE_CHANGE_SUCCESS);
    gst_harness_teardown (harness);
    fail_unless_equals_int (g_atomic_int_get (&buffers_freed), g_atomic_int_get (&buffers_made));
  }
  GST_INFO ("%d buffers made and freed over 1000 shutdowns", buffers_made);
  g_rand_free (rand);
}
GST_END_TEST;

static Suite *
element_faults_suite (void)
{
  Suite *suite = suite_create ("element-faults");
  TCase *flow = tcase_create ("flow");
  TCase *accounting = tcase_create ("accounting");

  suite_add_tcase (suite, flow);
  tcase_add_loop_test (flow, test_downstream_flow_returns_upstream, 0, G_N_ELEMENTS (element_chains));
  tcase_add_loop_test (flow, test_unlinked_source_returns_not_linked, 0, G_N_ELEMENTS (single_elements));

  suite_add_tcase (suite, accounting);
  tcase_set_timeout (accounting, 300);
  tcase_add_test (accounting, test_every_buffer_comes_out_in_order_with_its_result);
  tcase_add_test (accounting, test_flush_with_batches_in_flight);
  tcase_add_test (accounting, test_null_with_batches_in_flight_a_thousand_times);
  return suite;
}

GST_CHECK_MAIN (element_faults);
