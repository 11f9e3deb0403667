/* test-bertjson.c: GstHarness tests of the bert-json element. Every output line is parsed
 * back with json-glib; metas are added by hand, as tokenizer and bert-infer would. */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "gstbertmeta.h"

#define UTF8_CAPS "text/x-raw, format=(string)utf8"

static GstHarness *
new_harness (void)
{
  GstHarness *h = gst_harness_new ("bert-json");

  gst_harness_set_src_caps_str (h, UTF8_CAPS);
  return h;
}

static GstBuffer *
text_buffer (const gchar *text, gsize len)
{
  GstBuffer *buffer = len ? gst_buffer_new_memdup (text, len) : gst_buffer_new ();

  GST_BUFFER_PTS (buffer) = 3 * GST_SECOND;
  GST_BUFFER_DURATION (buffer) = GST_SECOND / 2;
  return buffer;
}

/* Pushes @buffer and parses the one line that comes out, which must end with the
 * only newline of the output. */
static JsonObject *
push_and_parse (GstHarness *h, GstBuffer *buffer)
{
  GError *error = NULL;
  GstBuffer *out;
  GstMapInfo map;
  JsonNode *node;
  JsonObject *object;
  gchar *line;

  fail_unless_equals_int (gst_harness_push (h, buffer), GST_FLOW_OK);
  out = gst_harness_pull (h);
  gst_buffer_map (out, &map, GST_MAP_READ);
  fail_unless (map.size > 0 && map.data[map.size - 1] == '\n', "line has no final newline");
  fail_unless (memchr (map.data, '\n', map.size) == map.data + map.size - 1,
      "a newline inside the JSON line");
  line = g_strndup ((const gchar *) map.data, map.size);
  fail_unless (g_utf8_validate (line, -1, NULL), "output is not UTF-8");
  gst_buffer_unmap (out, &map);
  gst_buffer_unref (out);

  node = json_from_string (line, &error);
  fail_unless (node != NULL, "not JSON: %s\n%s", error ? error->message : "", line);
  fail_unless (JSON_NODE_HOLDS_OBJECT (node), "not a JSON object: %s", line);
  object = json_object_ref (json_node_get_object (node));
  json_node_unref (node);
  g_free (line);
  return object;
}

static void
assert_int_array (JsonArray *array, const gint64 *expected, guint n)
{
  guint i;

  fail_unless_equals_int (json_array_get_length (array), n);
  for (i = 0; i < n; i++)
    fail_unless_equals_int64 (json_array_get_int_element (array, i), expected[i]);
}

/* Floats written with the default 9 digits read back as the same float32. */
static void
assert_float_array (JsonArray *array, const gfloat *expected, guint n)
{
  guint i;

  fail_unless_equals_int (json_array_get_length (array), n);
  for (i = 0; i < n; i++)
    fail_unless ((gfloat) json_array_get_double_element (array, i) == expected[i],
        "[%u]: %.9g, expected %.9g", i, json_array_get_double_element (array, i), expected[i]);
}

GST_START_TEST (test_text_and_times)
{
  GstHarness *h = new_harness ();
  JsonObject *line = push_and_parse (h, text_buffer ("hello", 5));

  fail_unless_equals_string (json_object_get_string_member (line, "text"), "hello");
  fail_unless_equals_int64 (json_object_get_int_member (line, "pts"), 3 * GST_SECOND);
  fail_unless_equals_int64 (json_object_get_int_member (line, "duration"), GST_SECOND / 2);
  fail_if (json_object_has_member (line, "tokens"));
  fail_if (json_object_has_member (line, "result"));
  json_object_unref (line);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_invalid_times_are_null)
{
  GstHarness *h = new_harness ();
  GstBuffer *in = text_buffer ("", 0);
  JsonObject *line;

  GST_BUFFER_PTS (in) = GST_CLOCK_TIME_NONE;
  GST_BUFFER_DURATION (in) = GST_CLOCK_TIME_NONE;
  line = push_and_parse (h, in);
  fail_unless_equals_string (json_object_get_string_member (line, "text"), "");
  fail_unless (json_object_get_null_member (line, "pts"));
  fail_unless (json_object_get_null_member (line, "duration"));
  json_object_unref (line);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_timestamps_follow_input)
{
  GstHarness *h = new_harness ();
  GstBuffer *in = text_buffer ("x", 1), *out;

  GST_BUFFER_FLAG_SET (in, GST_BUFFER_FLAG_DISCONT);
  gst_harness_push (h, in);
  out = gst_harness_pull (h);
  fail_unless_equals_uint64 (GST_BUFFER_PTS (out), 3 * GST_SECOND);
  fail_unless_equals_uint64 (GST_BUFFER_DURATION (out), GST_SECOND / 2);
  fail_unless (GST_BUFFER_FLAG_IS_SET (out, GST_BUFFER_FLAG_DISCONT));
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* The JSON line stands for its text buffer and keeps every flag of it, as a converter
 * does (GstBaseTransform copies them): a GAP buffer's line is still a GAP for a muxer,
 * a DELTA_UNIT or DROPPABLE one still says so; and its DTS. Not the input's byte
 * offsets, which do not count the JSON's bytes. */
GST_START_TEST (test_flags_and_times_follow_input)
{
  const GstBufferFlags flags[] = { GST_BUFFER_FLAG_DISCONT, GST_BUFFER_FLAG_GAP, GST_BUFFER_FLAG_DELTA_UNIT,
    GST_BUFFER_FLAG_DROPPABLE, GST_BUFFER_FLAG_RESYNC, GST_BUFFER_FLAG_MARKER, GST_BUFFER_FLAG_HEADER,
    GST_BUFFER_FLAG_CORRUPTED, GST_BUFFER_FLAG_LIVE, GST_BUFFER_FLAG_DECODE_ONLY };
  GstHarness *h = new_harness ();

  for (guint i = 0; i < G_N_ELEMENTS (flags); i++) {
    GstBuffer *in = text_buffer ("x", 1), *out;

    GST_BUFFER_FLAG_SET (in, flags[i]);
    GST_BUFFER_DTS (in) = 2 * GST_SECOND + i;
    GST_BUFFER_OFFSET (in) = 100;
    GST_BUFFER_OFFSET_END (in) = 101;
    gst_harness_push (h, in);
    out = gst_harness_pull (h);
    fail_unless_equals_int (GST_BUFFER_FLAGS (out), flags[i]);
    fail_unless_equals_uint64 (GST_BUFFER_PTS (out), 3 * GST_SECOND);
    fail_unless_equals_uint64 (GST_BUFFER_DTS (out), 2 * GST_SECOND + i);
    fail_unless_equals_uint64 (GST_BUFFER_DURATION (out), GST_SECOND / 2);
    fail_unless_equals_uint64 (GST_BUFFER_OFFSET (out), GST_BUFFER_OFFSET_NONE);
    fail_unless_equals_uint64 (GST_BUFFER_OFFSET_END (out), GST_BUFFER_OFFSET_NONE);
    gst_buffer_unref (out);
  }
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_escaping)
{
  /* quote, backslash, controls, DEL, accents, U+2028, emoji, then invalid bytes */
  const gchar text[] = "a\"b\\c\n\r\t\b\f\x01\x1f\x7f caf\xc3\xa9 \xe2\x80\xa8 \xf0\x9f\x98\x80 "
                       "\xff\xc3 \xed\xa0\x80";
  const gchar *expected = "a\"b\\c\n\r\t\b\f\x01\x1f\x7f caf\xc3\xa9 \xe2\x80\xa8 "
                          "\xf0\x9f\x98\x80 \xef\xbf\xbd\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd";
  GstHarness *h = new_harness ();
  JsonObject *line;

  line = push_and_parse (h, text_buffer (text, sizeof (text) - 1));
  fail_unless_equals_string (json_object_get_string_member (line, "text"), expected);
  json_object_unref (line);

  line = push_and_parse (h, text_buffer ("nul\0byte", 8));
  fail_unless (memcmp (json_object_get_string_member (line, "text"), "nul", 4) == 0);
  json_object_unref (line);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_token_meta_fields)
{
  const gint32 ids[] = { 101, 7592, 2088, 102 };
  const gint32 type_ids[] = { 0, 0, 0, 0 };
  const guint32 offsets[] = { 0, 0, 0, 5, 6, 11, 0, 0 };
  const gint64 expected_ids[] = { 101, 7592, 2088, 102 };
  const gint64 expected_type_ids[] = { 0, 0, 0, 0 };
  const gint64 expected_spans[4][2] = { { 0, 0 }, { 0, 5 }, { 6, 11 }, { 0, 0 } };
  GstHarness *h = new_harness ();
  GstBuffer *in = text_buffer ("hello world", 11);
  JsonObject *line, *tokens;
  JsonArray *spans;
  guint i;

  gst_buffer_add_bert_token_meta (in, ids, type_ids, offsets, 4, TRUE);
  line = push_and_parse (h, in);
  tokens = json_object_get_object_member (line, "tokens");
  fail_unless (tokens != NULL);
  assert_int_array (json_object_get_array_member (tokens, "ids"), expected_ids, 4);
  assert_int_array (json_object_get_array_member (tokens, "type_ids"), expected_type_ids, 4);
  spans = json_object_get_array_member (tokens, "offsets");
  fail_unless_equals_int (json_array_get_length (spans), 4);
  for (i = 0; i < 4; i++)
    assert_int_array (json_array_get_array_element (spans, i), expected_spans[i], 2);
  fail_unless (json_object_get_boolean_member (tokens, "truncated"));
  json_object_unref (line);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_embedding_result)
{
  const gfloat embedding[] = { 0.1f, -0.25f, 1e-8f, 3.14159274f, -0.0f, 123456.789f };
  GstHarness *h = new_harness ();
  GstBuffer *in = text_buffer ("hello", 5);
  JsonObject *line, *result;
  GstCustomMeta *meta;

  meta = gst_buffer_add_bert_result_meta (in, "all-MiniLM-L6-v2", 1234567);
  gst_bert_result_meta_set_embedding (meta, embedding, G_N_ELEMENTS (embedding));
  line = push_and_parse (h, in);
  result = json_object_get_object_member (line, "result");
  fail_unless (result != NULL);
  fail_unless_equals_string (json_object_get_string_member (result, "model"), "all-MiniLM-L6-v2");
  fail_unless_equals_int64 (json_object_get_int_member (result, "inference_time"), 1234567);
  assert_float_array (json_object_get_array_member (result, "embedding"), embedding,
      G_N_ELEMENTS (embedding));
  fail_if (json_object_has_member (result, "logits"));
  fail_if (json_object_has_member (result, "token_labels"));
  fail_if (json_object_has_member (result, "precision"), "no precision in the meta, none out");
  json_object_unref (line);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_precision_result)
{
  GstHarness *h = new_harness ();
  GstBuffer *in = text_buffer ("hello", 5);
  JsonObject *line, *result;
  GstCustomMeta *meta;

  meta = gst_buffer_add_bert_result_meta (in, "all-MiniLM-L6-v2", 1);
  gst_bert_result_meta_set_precision (meta, "int8");
  line = push_and_parse (h, in);
  result = json_object_get_object_member (line, "result");
  fail_unless_equals_string (json_object_get_string_member (result, "precision"), "int8");
  json_object_unref (line);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_classification_result)
{
  const gfloat logits[] = { -1.5f, 2.25f, 0.75f };
  const gfloat probs[] = { 0.0180511f, 0.7676794f, 0.2142695f };
  const gchar *over_threshold[] = { "joy", "surprise \"!\"", NULL };
  GstHarness *h = new_harness ();
  GstBuffer *in = text_buffer ("great", 5);
  JsonObject *line, *result;
  JsonArray *labels;
  GstCustomMeta *meta;

  meta = gst_buffer_add_bert_result_meta (in, "sentiment", 10);
  gst_bert_result_meta_set_classification (meta, logits, probs, 3, 1, "joy", over_threshold);
  line = push_and_parse (h, in);
  result = json_object_get_object_member (line, "result");
  assert_float_array (json_object_get_array_member (result, "logits"), logits, 3);
  assert_float_array (json_object_get_array_member (result, "probs"), probs, 3);
  fail_unless_equals_int64 (json_object_get_int_member (result, "label_index"), 1);
  fail_unless_equals_string (json_object_get_string_member (result, "label"), "joy");
  labels = json_object_get_array_member (result, "labels");
  fail_unless_equals_int (json_array_get_length (labels), 2);
  fail_unless_equals_string (json_array_get_string_element (labels, 1), "surprise \"!\"");
  fail_if (json_object_has_member (result, "embedding"));
  json_object_unref (line);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_token_labels_result)
{
  const gchar *token_labels[] = { "O", "B-PER", "I-PER", "O" };
  const gfloat scores[] = { 0.5f, 0.98f, 0.875f, 0.25f };
  const guint32 spans[] = { 0, 0, 0, 3, 4, 9, 0, 0 };
  GstHarness *h = new_harness ();
  GstBuffer *in = text_buffer ("Ada Byron", 9);
  JsonObject *line, *result, *token;
  JsonArray *tokens;
  GstCustomMeta *meta;

  meta = gst_buffer_add_bert_result_meta (in, "ner", 10);
  gst_bert_result_meta_set_token_labels (meta, token_labels, scores, spans, 4);
  line = push_and_parse (h, in);
  result = json_object_get_object_member (line, "result");
  tokens = json_object_get_array_member (result, "token_labels");
  fail_unless_equals_int (json_array_get_length (tokens), 4);
  token = json_array_get_object_element (tokens, 2);
  fail_unless_equals_string (json_object_get_string_member (token, "label"), "I-PER");
  fail_unless_equals_int64 (json_object_get_int_member (token, "start"), 4);
  fail_unless_equals_int64 (json_object_get_int_member (token, "end"), 9);
  fail_unless ((gfloat) json_object_get_double_member (token, "score") == 0.875f);
  fail_if (json_object_has_member (result, "label_index"));
  json_object_unref (line);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_non_finite_floats_are_null)
{
  const gfloat embedding[] = { NAN, INFINITY, 1.0f };
  GstHarness *h = new_harness ();
  GstBuffer *in = text_buffer ("x", 1);
  JsonArray *values;
  JsonObject *line;

  gst_bert_result_meta_set_embedding (gst_buffer_add_bert_result_meta (in, "m", 0), embedding, 3);
  line = push_and_parse (h, in);
  values = json_object_get_array_member (json_object_get_object_member (line, "result"), "embedding");
  fail_unless (JSON_NODE_HOLDS_NULL (json_array_get_element (values, 0)));
  fail_unless (JSON_NODE_HOLDS_NULL (json_array_get_element (values, 1)));
  fail_unless (json_array_get_double_element (values, 2) == 1.0);
  json_object_unref (line);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Two bert-infer in a row leave two results: "result" is the first, "results" both. */
GST_START_TEST (test_every_result_listed)
{
  const gfloat first[] = { 1.0f }, second[] = { 2.0f };
  GstHarness *h = new_harness ();
  GstBuffer *in = text_buffer ("x", 1);
  JsonArray *results;
  JsonObject *line;

  gst_bert_result_meta_set_embedding (gst_buffer_add_bert_result_meta (in, "encoder", 0), first, 1);
  gst_bert_result_meta_set_embedding (gst_buffer_add_bert_result_meta (in, "sentiment", 0), second, 1);
  line = push_and_parse (h, in);
  fail_unless_equals_string (json_object_get_string_member (json_object_get_object_member (line, "result"),
                                 "model"),
      "encoder");
  fail_unless (json_object_has_member (line, "results"), "the second result is not listed");
  results = json_object_get_array_member (line, "results");
  fail_unless_equals_int (json_array_get_length (results), 2);
  fail_unless_equals_string (json_object_get_string_member (json_array_get_object_element (results, 1),
                                 "model"),
      "sentiment");
  fail_unless (
      json_array_get_double_element (json_object_get_array_member (json_array_get_object_element (results, 1),
                                         "embedding"),
          0)
      == 2.0);
  json_object_unref (line);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_float_digits)
{
  const gfloat embedding[] = { 0.123456789f };
  GstHarness *h = new_harness ();
  GstBuffer *in = text_buffer ("x", 1), *out;
  GstMapInfo map;

  g_object_set (h->element, "float-digits", 3, NULL);
  gst_bert_result_meta_set_embedding (gst_buffer_add_bert_result_meta (in, "m", 0), embedding, 1);
  gst_harness_push (h, in);
  out = gst_harness_pull (h);
  gst_buffer_map (out, &map, GST_MAP_READ);
  fail_unless (g_strstr_len ((const gchar *) map.data, map.size, "\"embedding\":[0.123]"));
  gst_buffer_unmap (out, &map);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

static void
assert_src_caps_ndjson (GstHarness *h)
{
  GstCaps *caps = gst_pad_get_current_caps (h->sinkpad);

  fail_unless (caps != NULL);
  fail_unless_equals_string (gst_structure_get_name (gst_caps_get_structure (caps, 0)),
      "application/x-ndjson");
  gst_caps_unref (caps);
}

static gboolean
sink_accepts (GstHarness *h, const gchar *caps_string)
{
  GstPad *sinkpad = gst_element_get_static_pad (h->element, "sink");
  GstCaps *caps = gst_caps_from_string (caps_string);
  gboolean accepted = gst_pad_query_accept_caps (sinkpad, caps);

  gst_caps_unref (caps);
  gst_object_unref (sinkpad);
  return accepted;
}

GST_START_TEST (test_caps)
{
  GstHarness *h = new_harness ();

  fail_unless (sink_accepts (h, "text/x-raw, format=(string)pango-markup"));
  fail_if (sink_accepts (h, "video/x-raw"));
  gst_buffer_unref (gst_harness_push_and_pull (h, text_buffer ("x", 1)));
  assert_src_caps_ndjson (h);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* filesrc sends no caps: bert-json still announces its output. */
GST_START_TEST (test_output_caps_without_input_caps)
{
  GstHarness *h = gst_harness_new ("bert-json");
  GstSegment segment;

  gst_segment_init (&segment, GST_FORMAT_BYTES);
  gst_harness_push_event (h, gst_event_new_segment (&segment));
  gst_buffer_unref (gst_harness_push_and_pull (h, text_buffer ("x", 1)));
  assert_src_caps_ndjson (h);
  gst_harness_teardown (h);
}

GST_END_TEST;

static Suite *
bertjson_suite (void)
{
  Suite *s = suite_create ("bert-json");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_text_and_times);
  tcase_add_test (tc, test_invalid_times_are_null);
  tcase_add_test (tc, test_timestamps_follow_input);
  tcase_add_test (tc, test_flags_and_times_follow_input);
  tcase_add_test (tc, test_escaping);
  tcase_add_test (tc, test_token_meta_fields);
  tcase_add_test (tc, test_embedding_result);
  tcase_add_test (tc, test_precision_result);
  tcase_add_test (tc, test_classification_result);
  tcase_add_test (tc, test_token_labels_result);
  tcase_add_test (tc, test_non_finite_floats_are_null);
  tcase_add_test (tc, test_float_digits);
  tcase_add_test (tc, test_every_result_listed);
  tcase_add_test (tc, test_caps);
  tcase_add_test (tc, test_output_caps_without_input_caps);
  return s;
}

GST_CHECK_MAIN (bertjson);
