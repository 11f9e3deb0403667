/* test-tokenizer.c: GstHarness tests of the tokenizer element.
 *
 * Always-running tests use the small vocabulary in tests/data/vocab.txt (copied
 * into temporary models folders, set as GST_BERT_MODELS_DIR, for the tests of the default
 * vocabulary and of model names); the parity test runs every reference tokenization of $GST_BERT_SHARED_DIR through the
 * element and is left out, with a message, where that folder is absent.
 */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <malloc.h>
#include <string.h>
#include <unistd.h>

#include "gstbertmeta.h"
#include "bert_tokenizer.h"

#define FIXTURE_VOCAB TEST_DATA_DIR "/vocab.txt"
#define UTF8_CAPS "text/x-raw, format=(string)utf8"
#define MARKUP_CAPS "text/x-raw, format=(string)pango-markup"
#define DEFAULT_MODEL_NAME "all-MiniLM-L6-v2"
#define FETCH_SCRIPT "scripts/get-model.sh"

/* Ids of tests/data/vocab.txt (its line numbers, from 0). */
enum {
  CLS = 2,
  SEP = 3,
  HELLO = 5,
  WORLD = 6,
  THE = 7,
  CAT = 8,
  SAT = 9,
  AMPERSAND = 15,
  ONE = 26,
  TWO = 27,
  THREE = 28,
  LETTER_A = 31,
  LETTER_B = 32,
};

static GstElement *
new_tokenizer (const gchar *vocab, const gchar *first_property, va_list properties)
{
  GstElement *element = gst_element_factory_make ("tokenizer", NULL);

  fail_unless (element != NULL, "no tokenizer element: is GST_PLUGIN_PATH set?");
  g_object_set (element, "vocab", vocab, NULL);
  if (first_property)
    g_object_set_valist (G_OBJECT (element), first_property, properties);
  return element;
}

/* A harness around a tokenizer on the fixture vocabulary, with @caps set on its
 * input unless NULL, and the given properties. */
static GstHarness *
new_harness (const gchar *caps, const gchar *first_property, ...)
{
  GstElement *element;
  GstHarness *h;
  va_list properties;

  va_start (properties, first_property);
  element = new_tokenizer (FIXTURE_VOCAB, first_property, properties);
  va_end (properties);
  h = gst_harness_new_with_element (element, "sink", "src");
  gst_object_unref (element);
  if (caps)
    gst_harness_set_src_caps_str (h, caps);
  return h;
}

static GstBuffer *
text_buffer (const gchar *text)
{
  gsize len = strlen (text);

  return len ? gst_buffer_new_memdup (text, len) : gst_buffer_new ();
}

static GstBuffer *
timed_text_buffer (const gchar *text, GstClockTime pts, GstClockTime duration)
{
  GstBuffer *buffer = text_buffer (text);

  GST_BUFFER_PTS (buffer) = pts;
  GST_BUFFER_DURATION (buffer) = duration;
  return buffer;
}

static GstBuffer *
push_and_pull (GstHarness *h, GstBuffer *buffer)
{
  fail_unless_equals_int (gst_harness_push (h, buffer), GST_FLOW_OK);
  return gst_harness_pull (h);
}

static void
assert_text (GstBuffer *buffer, const gchar *expected)
{
  gsize len = strlen (expected);

  fail_unless_equals_uint64 (gst_buffer_get_size (buffer), len);
  fail_unless (gst_buffer_memcmp (buffer, 0, expected, len) == 0, "text differs from \"%s\"", expected);
}

static void
assert_ids (GstBuffer *buffer, const gint32 *expected, guint n_expected)
{
  GstCustomMeta *meta = gst_buffer_get_bert_token_meta (buffer);
  const gint32 *ids;
  guint n, i;

  fail_unless (meta != NULL, "buffer has no token meta");
  ids = gst_bert_token_meta_get_ids (meta, &n);
  fail_unless_equals_int (n, n_expected);
  for (i = 0; i < n; i++)
    fail_unless_equals_int (ids[i], expected[i]);
}

static void
assert_offsets (GstBuffer *buffer, const guint32 *expected, guint n_expected)
{
  GstCustomMeta *meta = gst_buffer_get_bert_token_meta (buffer);
  const guint32 *offsets;
  guint n, i;

  fail_unless (meta != NULL, "buffer has no token meta");
  offsets = gst_bert_token_meta_get_offsets (meta, &n);
  fail_unless_equals_int (n, n_expected);
  for (i = 0; i < 2 * n; i++)
    fail_unless_equals_int (offsets[i], expected[i]);
}

/* The element's tokens equal the library's on the same text. */
static void
assert_tokens_as_library (GstBuffer *buffer, const gchar *text, guint max_length)
{
  GError *error = NULL;
  BertTokenizer *tokenizer = bert_tokenizer_new_from_path (FIXTURE_VOCAB, &error);
  GstCustomMeta *meta = gst_buffer_get_bert_token_meta (buffer);
  BertEncoding expected;
  guint n;

  fail_unless (tokenizer != NULL, "%s", error ? error->message : "");
  bert_encoding_init (&expected);
  bert_tokenizer_encode (tokenizer, text, strlen (text), max_length, &expected);
  assert_ids (buffer, expected.ids, expected.n_tokens);
  assert_offsets (buffer, expected.offsets, expected.n_tokens);
  fail_unless (memcmp (gst_bert_token_meta_get_type_ids (meta, &n), expected.type_ids,
                   expected.n_tokens * sizeof (gint32))
      == 0);
  fail_unless_equals_int (gst_bert_token_meta_get_truncated (meta), expected.truncated);
  bert_encoding_clear (&expected);
  bert_tokenizer_free (tokenizer);
}

/* Reference parity ---------------------------------------------------------------- */

static void
json_array_to_ints (JsonArray *array, GArray *out)
{
  guint i;

  g_array_set_size (out, 0);
  for (i = 0; i < json_array_get_length (array); i++) {
    gint32 value = json_array_get_int_element (array, i);

    g_array_append_val (out, value);
  }
}

/* Reference offsets count code points; the meta's count bytes. */
static void
json_offsets_to_byte_offsets (JsonArray *array, const gchar *text, GArray *out)
{
  guint i, k;

  g_array_set_size (out, 0);
  for (i = 0; i < json_array_get_length (array); i++) {
    JsonArray *span = json_array_get_array_element (array, i);

    for (k = 0; k < 2; k++) {
      glong chars = json_array_get_int_element (span, k);
      gint32 bytes = g_utf8_offset_to_pointer (text, chars) - text;

      g_array_append_val (out, bytes);
    }
  }
}

static void
assert_array_equals (const gchar *where, const gchar *what, const gint32 *actual, guint n_actual,
    GArray *expected)
{
  guint i;

  fail_unless (n_actual == expected->len, "%s: %u %s, reference has %u", where, n_actual, what,
      expected->len);
  for (i = 0; i < n_actual; i++)
    fail_unless (actual[i] == g_array_index (expected, gint32, i), "%s: %s[%u] is %d, reference %d", where,
        what, i, actual[i], g_array_index (expected, gint32, i));
}

static void
assert_reference_line (GstHarness *h, const gchar *where, JsonObject *reference)
{
  const gchar *text = json_object_get_string_member (reference, "text");
  GArray *expected = g_array_new (FALSE, FALSE, sizeof (gint32));
  const gint32 *ids, *type_ids;
  const guint32 *offsets;
  GstCustomMeta *meta;
  GstBuffer *out;
  guint n;

  out = push_and_pull (h, text_buffer (text));
  meta = gst_buffer_get_bert_token_meta (out);
  fail_unless (meta != NULL, "%s: no token meta", where);

  json_array_to_ints (json_object_get_array_member (reference, "ids"), expected);
  ids = gst_bert_token_meta_get_ids (meta, &n);
  assert_array_equals (where, "ids", ids, n, expected);
  json_array_to_ints (json_object_get_array_member (reference, "type_ids"), expected);
  type_ids = gst_bert_token_meta_get_type_ids (meta, &n);
  assert_array_equals (where, "type_ids", type_ids, n, expected);
  json_offsets_to_byte_offsets (json_object_get_array_member (reference, "offsets"), text, expected);
  offsets = gst_bert_token_meta_get_offsets (meta, &n);
  assert_array_equals (where, "offsets", (const gint32 *) offsets, 2 * n, expected);

  g_array_unref (expected);
  gst_buffer_unref (out);
}

static void
assert_reference_file (const gchar *shared_dir, const gchar *jsonl_name)
{
  gchar *name = g_strndup (jsonl_name, strlen (jsonl_name) - strlen (".jsonl"));
  gchar *jsonl = g_build_filename (shared_dir, "reference", "tokenizer", jsonl_name, NULL);
  gchar *folder = g_build_filename (shared_dir, "tokenizers", name, NULL);
  gchar *contents, **lines;
  GstElement *element;
  GstHarness *h;
  guint i, checked = 0;

  element = gst_element_factory_make ("tokenizer", NULL);
  g_object_set (element, "vocab", folder, "max-length", 8192, NULL);
  h = gst_harness_new_with_element (element, "sink", "src");
  gst_harness_set_src_caps_str (h, UTF8_CAPS);

  fail_unless (g_file_get_contents (jsonl, &contents, NULL, NULL), "cannot read %s", jsonl);
  lines = g_strsplit (contents, "\n", -1);
  for (i = 0; lines[i]; i++) {
    JsonNode *node;
    gchar *where;

    if (!*lines[i])
      continue;
    node = json_from_string (lines[i], NULL);
    fail_unless (node != NULL, "%s:%u: not JSON", jsonl, i + 1);
    where = g_strdup_printf ("%s:%u", jsonl, i + 1);
    assert_reference_line (h, where, json_node_get_object (node));
    g_free (where);
    json_node_unref (node);
    checked++;
  }
  fail_unless (checked > 0, "%s has no lines", jsonl);
  GST_INFO ("%s: %u lines equal through the element", name, checked);

  g_strfreev (lines);
  g_free (contents);
  gst_harness_teardown (h);
  gst_object_unref (element);
  g_free (folder);
  g_free (jsonl);
  g_free (name);
}

static gchar *
reference_tokenizer_dir (void)
{
  const gchar *shared_dir = g_getenv ("GST_BERT_SHARED_DIR");

  if (!shared_dir)
    return NULL;
  return g_build_filename (shared_dir, "reference", "tokenizer", NULL);
}

GST_START_TEST (test_reference_parity)
{
  const gchar *shared_dir = g_getenv ("GST_BERT_SHARED_DIR");
  gchar *reference_dir = reference_tokenizer_dir ();
  GDir *dir = g_dir_open (reference_dir, 0, NULL);
  const gchar *entry;
  guint files = 0;

  fail_unless (dir != NULL, "cannot list %s", reference_dir);
  while ((entry = g_dir_read_name (dir))) {
    if (!g_str_has_suffix (entry, ".jsonl"))
      continue;
    assert_reference_file (shared_dir, entry);
    files++;
  }
  fail_unless (files > 0, "no .jsonl files in %s", reference_dir);
  g_dir_close (dir);
  g_free (reference_dir);
}

GST_END_TEST;

/* Buffers ------------------------------------------------------------------------- */

GST_START_TEST (test_text_passes_with_tokens)
{
  GstHarness *h = new_harness (UTF8_CAPS, NULL);
  const gint32 expected_ids[] = { CLS, THE, CAT, SAT, SEP };
  const guint32 expected_offsets[] = { 0, 0, 0, 3, 4, 7, 8, 11, 0, 0 };
  GstBuffer *out;

  out = push_and_pull (h, text_buffer ("the cat sat"));
  assert_text (out, "the cat sat");
  assert_ids (out, expected_ids, G_N_ELEMENTS (expected_ids));
  assert_offsets (out, expected_offsets, G_N_ELEMENTS (expected_ids));
  assert_tokens_as_library (out, "the cat sat", 0);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_timestamps_offsets_and_flags_preserved)
{
  GstHarness *h = new_harness (UTF8_CAPS, NULL);
  GstBuffer *in = timed_text_buffer ("hello world", 5 * GST_SECOND, 2 * GST_SECOND);
  GstBuffer *out;

  GST_BUFFER_DTS (in) = 4 * GST_SECOND;
  GST_BUFFER_OFFSET (in) = 17;
  GST_BUFFER_OFFSET_END (in) = 28;
  GST_BUFFER_FLAG_SET (in, GST_BUFFER_FLAG_DISCONT | GST_BUFFER_FLAG_MARKER);
  out = push_and_pull (h, in);

  fail_unless_equals_uint64 (GST_BUFFER_PTS (out), 5 * GST_SECOND);
  fail_unless_equals_uint64 (GST_BUFFER_DTS (out), 4 * GST_SECOND);
  fail_unless_equals_uint64 (GST_BUFFER_DURATION (out), 2 * GST_SECOND);
  fail_unless_equals_uint64 (GST_BUFFER_OFFSET (out), 17);
  fail_unless_equals_uint64 (GST_BUFFER_OFFSET_END (out), 28);
  fail_unless (GST_BUFFER_FLAG_IS_SET (out, GST_BUFFER_FLAG_DISCONT));
  fail_unless (GST_BUFFER_FLAG_IS_SET (out, GST_BUFFER_FLAG_MARKER));
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_buffer_order_preserved)
{
  GstHarness *h = new_harness (UTF8_CAPS, NULL);
  const gchar *texts[] = { "one", "two", "three", "hello", "world" };
  const gint32 ids[] = { ONE, TWO, THREE, HELLO, WORLD };
  guint round, i;

  for (round = 0; round < 4; round++)
    for (i = 0; i < G_N_ELEMENTS (texts); i++)
      gst_harness_push (h,
          timed_text_buffer (texts[i], (round * G_N_ELEMENTS (texts) + i) * GST_SECOND, GST_SECOND));
  for (round = 0; round < 4; round++) {
    for (i = 0; i < G_N_ELEMENTS (texts); i++) {
      GstBuffer *out = gst_harness_pull (h);
      const gint32 expected[] = { CLS, ids[i], SEP };

      fail_unless_equals_uint64 (GST_BUFFER_PTS (out), (round * G_N_ELEMENTS (texts) + i) * GST_SECOND);
      assert_ids (out, expected, 3);
      gst_buffer_unref (out);
    }
  }
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_empty_buffer_has_cls_sep)
{
  GstHarness *h = new_harness (UTF8_CAPS, NULL);
  const gint32 expected_ids[] = { CLS, SEP };
  const guint32 expected_offsets[] = { 0, 0, 0, 0 };
  GstBuffer *out;

  out = push_and_pull (h, timed_text_buffer ("", GST_SECOND, GST_SECOND));
  fail_unless_equals_uint64 (gst_buffer_get_size (out), 0);
  fail_unless_equals_uint64 (GST_BUFFER_PTS (out), GST_SECOND);
  assert_ids (out, expected_ids, 2);
  assert_offsets (out, expected_offsets, 2);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_truncation_sets_flag)
{
  GstHarness *h = new_harness (UTF8_CAPS, "max-length", 4, NULL);
  const gint32 truncated_ids[] = { CLS, HELLO, WORLD, SEP };
  const gint32 full_ids[] = { CLS, ONE, TWO, SEP };
  GstBuffer *out;

  out = push_and_pull (h, text_buffer ("hello world hello"));
  assert_ids (out, truncated_ids, 4);
  fail_unless (gst_bert_token_meta_get_truncated (gst_buffer_get_bert_token_meta (out)));
  assert_text (out, "hello world hello");
  gst_buffer_unref (out);

  out = push_and_pull (h, text_buffer ("one two"));
  assert_ids (out, full_ids, 4);
  fail_if (gst_bert_token_meta_get_truncated (gst_buffer_get_bert_token_meta (out)));
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

static GString *
repeated_text (const gchar *piece, gsize min_size)
{
  GString *text = g_string_sized_new (min_size + strlen (piece));

  while (text->len < min_size)
    g_string_append (text, piece);
  return text;
}

/* A megabyte of text is cut at model_max_length (0) or at max-length, and passes whole. */
GST_START_TEST (test_megabyte_buffer)
{
  GString *text = repeated_text ("hello world ", 1 << 20);
  GstHarness *h = new_harness (UTF8_CAPS, NULL);
  GstCustomMeta *meta;
  const gint32 *ids;
  guint model_max_length, n, i;
  GstBuffer *out;

  g_object_get (h->element, "model-max-length", &model_max_length, NULL);
  fail_unless (model_max_length >= 2);
  out = push_and_pull (h, gst_buffer_new_memdup (text->str, text->len));
  fail_unless_equals_uint64 (gst_buffer_get_size (out), text->len);
  meta = gst_buffer_get_bert_token_meta (out);
  ids = gst_bert_token_meta_get_ids (meta, &n);
  fail_unless_equals_int (n, model_max_length);
  fail_unless (gst_bert_token_meta_get_truncated (meta));
  fail_unless_equals_int (ids[0], CLS);
  fail_unless_equals_int (ids[n - 1], SEP);
  for (i = 1; i < n - 1; i++)
    fail_unless_equals_int (ids[i], i % 2 ? HELLO : WORLD);
  gst_buffer_unref (out);

  g_object_set (h->element, "max-length", 8192, NULL);
  out = push_and_pull (h, gst_buffer_new_memdup (text->str, text->len));
  gst_bert_token_meta_get_ids (gst_buffer_get_bert_token_meta (out), &n);
  fail_unless_equals_int (n, 8192);
  gst_buffer_unref (out);

  gst_harness_teardown (h);
  g_string_free (text, TRUE);
}

GST_END_TEST;

/* Invalid UTF-8 ------------------------------------------------------------------- */

static guint
count_messages (GstBus *bus, GstMessageType type)
{
  GstMessage *message;
  guint count = 0;

  while ((message = gst_bus_pop_filtered (bus, type))) {
    gst_message_unref (message);
    count++;
  }
  return count;
}

/* The details of the one WARNING on @bus, its error in @error (free both); fails with
 * @missing where there is none, and where there are two. */
static gchar *
pop_only_warning (GstBus *bus, const gchar *missing, GError **error)
{
  GstMessage *message = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING);
  gchar *debug = NULL;

  fail_unless (message != NULL, "%s", missing);
  gst_message_parse_warning (message, error, &debug);
  gst_message_unref (message);
  fail_unless_equals_int (count_messages (bus, GST_MESSAGE_WARNING), 0);
  return debug;
}

GST_START_TEST (test_invalid_utf8_warns_once_and_passes)
{
  const gchar invalid[] = "hello \xff\xfe world \xc3";
  GstHarness *h = new_harness (UTF8_CAPS, NULL);
  GstBus *bus = gst_bus_new ();
  const gint32 expected_ids[] = { CLS, HELLO, WORLD, SEP };
  guint round;

  gst_element_set_bus (h->element, bus);
  for (round = 0; round < 3; round++) {
    GstBuffer *out = push_and_pull (h, text_buffer (invalid));

    assert_text (out, invalid);
    assert_ids (out, expected_ids, G_N_ELEMENTS (expected_ids));
    gst_buffer_unref (out);
  }
  fail_unless_equals_int (count_messages (bus, GST_MESSAGE_WARNING), 1);
  fail_unless_equals_int (count_messages (bus, GST_MESSAGE_ERROR), 0);

  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* "Once per stream" means per stream: a new STREAM_START (a playlist's next item, a
 * stream started again after EOS) gets the warning again. */
GST_START_TEST (test_invalid_utf8_warns_again_in_new_stream)
{
  const gchar invalid[] = "hello \xff world";
  GstHarness *h = new_harness (UTF8_CAPS, NULL);
  GstBus *bus = gst_bus_new ();

  gst_element_set_bus (h->element, bus);
  for (guint stream = 0; stream < 2; stream++) {
    gchar *stream_id = g_strdup_printf ("stream-%u", stream);

    fail_unless (gst_harness_push_event (h, gst_event_new_stream_start (stream_id)));
    gst_harness_set_src_caps_str (h, UTF8_CAPS);
    for (guint i = 0; i < 2; i++)
      gst_buffer_unref (push_and_pull (h, text_buffer (invalid)));
    fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
    fail_unless_equals_int (count_messages (bus, GST_MESSAGE_WARNING), 1);
    g_free (stream_id);
  }
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* The fixture is a bare vocab.txt: no file sets a limit, so the tokenizer cuts at 512,
 * BERT's, where transformers would not truncate. That cut is posted once per stream;
 * max-length set, or a text that fits, posts nothing. */
GST_START_TEST (test_default_max_length_cut_warns_once)
{
  GString *long_text = g_string_new (NULL);
  GstHarness *h = new_harness (UTF8_CAPS, NULL);
  GstBus *bus = gst_bus_new ();
  GError *error = NULL;
  guint n;

  for (guint i = 0; i < 600; i++)
    g_string_append (long_text, "hello ");
  gst_element_set_bus (h->element, bus);
  gst_buffer_unref (push_and_pull (h, text_buffer ("hello world")));
  fail_unless_equals_int (count_messages (bus, GST_MESSAGE_WARNING), 0);
  for (guint round = 0; round < 2; round++) {
    GstBuffer *out = push_and_pull (h, text_buffer (long_text->str));

    gst_bert_token_meta_get_ids (gst_buffer_get_bert_token_meta (out), &n);
    fail_unless_equals_int (n, 512);
    gst_buffer_unref (out);
  }
  gchar *debug = pop_only_warning (bus, "no warning for a cut at the default 512", &error);
  fail_unless (strstr (error->message, "a default") != NULL, "%s", error->message);
  fail_unless (strstr (debug, FIXTURE_VOCAB) != NULL, "%s", debug);
  fail_unless (strstr (debug, "transformers would not truncate") != NULL, "%s", debug);
  g_clear_error (&error);
  g_free (debug);

  /* max-length chosen: the cut is the user's, not a default */
  g_object_set (h->element, "max-length", 100, NULL);
  fail_unless (gst_harness_push_event (h, gst_event_new_stream_start ("second")));
  gst_harness_set_src_caps_str (h, UTF8_CAPS);
  gst_buffer_unref (push_and_pull (h, text_buffer (long_text->str)));
  fail_unless_equals_int (count_messages (bus, GST_MESSAGE_WARNING), 0);

  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
  g_string_free (long_text, TRUE);
}

GST_END_TEST;

/* Pango markup -------------------------------------------------------------------- */

GST_START_TEST (test_markup_tokenized_without_tags)
{
  const gchar *markup = "<i>Hello</i> &amp; <span foreground=\"a>b\">world</span>";
  GstHarness *h = new_harness (MARKUP_CAPS, NULL);
  const gint32 expected_ids[] = { CLS, HELLO, AMPERSAND, WORLD, SEP };
  const guint32 expected_offsets[] = { 0, 0, 3, 8, 13, 18, 42, 47, 0, 0 };
  GstBuffer *out;

  out = push_and_pull (h, text_buffer (markup));
  assert_text (out, markup);
  assert_ids (out, expected_ids, G_N_ELEMENTS (expected_ids));
  assert_offsets (out, expected_offsets, G_N_ELEMENTS (expected_ids));
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* The element's tokens equal the library's on @decoded, the text of @markup, with
 * offsets moved into the markup: @starts and @ends give, for each byte of @decoded,
 * the bytes of @markup it came from. */
static void
assert_markup_tokens (GstBuffer *buffer, const gchar *decoded, const guint32 *starts, const guint32 *ends)
{
  GError *error = NULL;
  BertTokenizer *tokenizer = bert_tokenizer_new_from_path (FIXTURE_VOCAB, &error);
  BertEncoding expected;
  const guint32 *offsets;
  guint n, i;

  fail_unless (tokenizer != NULL, "%s", error ? error->message : "");
  bert_encoding_init (&expected);
  bert_tokenizer_encode (tokenizer, decoded, strlen (decoded), 0, &expected);
  assert_ids (buffer, expected.ids, expected.n_tokens);
  offsets = gst_bert_token_meta_get_offsets (gst_buffer_get_bert_token_meta (buffer), &n);
  for (i = 1; i + 1 < n; i++) {
    fail_unless_equals_int (offsets[2 * i], starts[expected.offsets[2 * i]]);
    fail_unless_equals_int (offsets[2 * i + 1], ends[expected.offsets[2 * i + 1] - 1]);
  }
  bert_encoding_clear (&expected);
  bert_tokenizer_free (tokenizer);
}

/* "&#233;" is one character of the text: a token ending in it ends after the entity. */
GST_START_TEST (test_markup_entities_decoded)
{
  const gchar *markup = "caf&#233; &#x63;at &lt;b&gt;";
  const gchar *decoded = "caf\xc3\xa9 cat <b>";
  const guint32 starts[] = { 0, 1, 2, 3, 3, 9, 10, 16, 17, 18, 19, 23, 24 };
  const guint32 ends[] = { 1, 2, 3, 9, 9, 10, 16, 17, 18, 19, 23, 24, 28 };
  GstHarness *h = new_harness (MARKUP_CAPS, NULL);
  GstBuffer *out;

  out = push_and_pull (h, text_buffer (markup));
  assert_text (out, markup);
  assert_markup_tokens (out, decoded, starts, ends);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_markup_character_references)
{
  GstHarness *h = new_harness (MARKUP_CAPS, NULL);
  const gint32 expected_ids[] = { CLS, LETTER_A, LETTER_B, SEP };
  const guint32 expected_offsets[] = { 0, 0, 0, 5, 6, 12, 0, 0 };
  GstBuffer *out;

  out = push_and_pull (h, text_buffer ("&#97; &#x62;"));
  assert_ids (out, expected_ids, G_N_ELEMENTS (expected_ids));
  assert_offsets (out, expected_offsets, G_N_ELEMENTS (expected_ids));
  gst_buffer_unref (out);

  /* no character references: they stay text */
  out = push_and_pull (h, text_buffer ("&#-5; &#x; &#1a; &#xD800; &bogus;"));
  assert_tokens_as_library (out, "&#-5; &#x; &#1a; &#xD800; &bogus;", 0);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_utf8_caps_keep_tags_as_text)
{
  GstHarness *h = new_harness (UTF8_CAPS, NULL);
  GstBuffer *out;

  out = push_and_pull (h, text_buffer ("<b>cat</b> &amp;"));
  assert_tokens_as_library (out, "<b>cat</b> &amp;", 0);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Line splitting ------------------------------------------------------------------ */

static void
assert_next_line (GstHarness *h, const gchar *text, GstClockTime pts)
{
  GstBuffer *out = gst_harness_pull (h);

  fail_unless (out != NULL, "no buffer for line \"%s\"", text);
  assert_text (out, text);
  fail_unless_equals_uint64 (GST_BUFFER_PTS (out), pts);
  assert_tokens_as_library (out, text, 0);
  gst_buffer_unref (out);
}

GST_START_TEST (test_split_lines_lf_and_crlf)
{
  GstHarness *h = new_harness (UTF8_CAPS, "split-lines", TRUE, NULL);

  gst_harness_push (h, timed_text_buffer ("one\ntwo\r\nthree\n", GST_SECOND, GST_SECOND));
  fail_unless_equals_int (gst_harness_buffers_in_queue (h), 3);
  assert_next_line (h, "one", GST_SECOND);
  assert_next_line (h, "two", GST_SECOND);
  assert_next_line (h, "three", GST_SECOND);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_split_lines_drops_blank_lines)
{
  GstHarness *h = new_harness (UTF8_CAPS, "split-lines", TRUE, NULL);

  gst_harness_push (h, text_buffer ("\none\n\n \t\r\n\r\ntwo\n"));
  fail_unless_equals_int (gst_harness_buffers_in_queue (h), 2);
  assert_next_line (h, "one", GST_CLOCK_TIME_NONE);
  assert_next_line (h, "two", GST_CLOCK_TIME_NONE);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* A line split over buffers (even inside a CRLF or a UTF-8 character) is one line,
 * timed by the buffer it began in; the last, unterminated one comes out at EOS. */

GST_START_TEST (test_split_lines_joins_partial_lines)
{
  GstHarness *h = new_harness (UTF8_CAPS, "split-lines", TRUE, NULL);

  gst_harness_push (h, timed_text_buffer ("hel", 1 * GST_SECOND, GST_SECOND));
  gst_harness_push (h, timed_text_buffer ("lo wor", 2 * GST_SECOND, GST_SECOND));
  fail_unless_equals_int (gst_harness_buffers_in_queue (h), 0);
  gst_harness_push (h, timed_text_buffer ("ld caf\xc3", 3 * GST_SECOND, GST_SECOND));
  gst_harness_push (h, timed_text_buffer ("\xa9\r", 4 * GST_SECOND, GST_SECOND));
  gst_harness_push (h, timed_text_buffer ("\nnext li", 5 * GST_SECOND, GST_SECOND));
  assert_next_line (h, "hello world caf\xc3\xa9", 1 * GST_SECOND);
  fail_unless_equals_int (gst_harness_buffers_in_queue (h), 0);

  gst_harness_push_event (h, gst_event_new_eos ());
  assert_next_line (h, "next li", 5 * GST_SECOND);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_split_lines_stream_offsets)
{
  GstHarness *h = new_harness (UTF8_CAPS, "split-lines", TRUE, NULL);
  GstBuffer *in = text_buffer ("one\r\ntwo\nthr");
  GstBuffer *out;

  GST_BUFFER_OFFSET (in) = 100;
  gst_harness_push (h, in);
  in = text_buffer ("ee\n");
  GST_BUFFER_OFFSET (in) = 113;
  gst_harness_push (h, in);

  out = gst_harness_pull (h);
  fail_unless_equals_uint64 (GST_BUFFER_OFFSET (out), 100);
  fail_unless_equals_uint64 (GST_BUFFER_OFFSET_END (out), 103);
  gst_buffer_unref (out);
  out = gst_harness_pull (h);
  fail_unless_equals_uint64 (GST_BUFFER_OFFSET (out), 105);
  gst_buffer_unref (out);
  out = gst_harness_pull (h);
  assert_text (out, "three");
  fail_unless_equals_uint64 (GST_BUFFER_OFFSET (out), 109);
  fail_unless_equals_uint64 (GST_BUFFER_OFFSET_END (out), 114);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_split_lines_flush_discards_partial_line)
{
  GstHarness *h = new_harness (UTF8_CAPS, "split-lines", TRUE, NULL);

  gst_harness_push (h, text_buffer ("the cat"));
  gst_harness_push_event (h, gst_event_new_flush_start ());
  gst_harness_push_event (h, gst_event_new_flush_stop (TRUE));
  gst_harness_set_src_caps_str (h, UTF8_CAPS);
  gst_harness_push (h, text_buffer ("hello\n"));
  assert_next_line (h, "hello", GST_CLOCK_TIME_NONE);
  gst_harness_push_event (h, gst_event_new_eos ());
  fail_unless_equals_int (gst_harness_buffers_in_queue (h), 0);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* A caps change while a line is partial goes out after that line: the line is tokenized
 * in the format downstream is told it has, the lines after it in the new one. */
GST_START_TEST (test_split_lines_caps_change_applies_after_partial_line)
{
  GstHarness *h = new_harness (UTF8_CAPS, "split-lines", TRUE, NULL);
  const gint32 ids[] = { CLS, CAT, SEP };
  GstBuffer *out;

  gst_harness_push (h, text_buffer ("the <b>"));
  gst_harness_push_event (h, gst_event_new_caps (gst_caps_from_string (MARKUP_CAPS)));
  gst_harness_push (h, text_buffer ("cat</b>\n<i>cat</i>\n"));
  assert_next_line (h, "the <b>cat</b>", GST_CLOCK_TIME_NONE);
  out = gst_harness_pull (h);
  assert_text (out, "<i>cat</i>");
  assert_ids (out, ids, G_N_ELEMENTS (ids));
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Caps that came while a line was pending are held behind it; a flush drops the line but
 * not the caps, which upstream never sends again: the lines after it go out with them. */
GST_START_TEST (test_split_lines_flush_keeps_caps_held_behind_partial_line)
{
  GstHarness *h = new_harness (UTF8_CAPS, "split-lines", TRUE, NULL);
  GstSegment segment;
  GstBuffer *out;
  GstCaps *caps;

  gst_harness_push (h, text_buffer ("the cat"));
  gst_harness_push_event (h, gst_event_new_caps (gst_caps_from_string (MARKUP_CAPS)));
  gst_harness_push_event (h, gst_event_new_flush_start ());
  gst_harness_push_event (h, gst_event_new_flush_stop (TRUE));
  gst_segment_init (&segment, GST_FORMAT_TIME);
  gst_harness_push_event (h, gst_event_new_segment (&segment));
  gst_harness_push (h, text_buffer ("<i>hello</i>\n"));
  out = gst_harness_pull (h);
  assert_text (out, "<i>hello</i>");
  gst_buffer_unref (out);
  caps = gst_pad_get_current_caps (h->sinkpad);
  fail_unless (caps != NULL);
  fail_unless_equals_string (gst_structure_get_string (gst_caps_get_structure (caps, 0), "format"),
      "pango-markup");
  gst_caps_unref (caps);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* After a DISCONT the pending line cannot go on: it is pushed as it is. */
GST_START_TEST (test_split_lines_discont_ends_partial_line)
{
  GstHarness *h = new_harness (UTF8_CAPS, "split-lines", TRUE, NULL);
  GstBuffer *in, *out;

  gst_harness_push (h, text_buffer ("the ca"));
  in = text_buffer ("hello\n");
  GST_BUFFER_FLAG_SET (in, GST_BUFFER_FLAG_DISCONT);
  gst_harness_push (h, in);
  assert_next_line (h, "the ca", GST_CLOCK_TIME_NONE);
  out = gst_harness_pull (h);
  assert_text (out, "hello");
  fail_unless (GST_BUFFER_FLAG_IS_SET (out, GST_BUFFER_FLAG_DISCONT));
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Caps and events ----------------------------------------------------------------- */

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

GST_START_TEST (test_caps_text_only)
{
  GstHarness *h = new_harness (NULL, NULL);

  fail_unless (sink_accepts (h, UTF8_CAPS));
  fail_unless (sink_accepts (h, MARKUP_CAPS));
  fail_if (sink_accepts (h, "text/x-raw, format=(string)utf16"));
  fail_if (sink_accepts (h, "application/x-subtitle"));
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_output_caps_equal_input_caps)
{
  GstHarness *h = new_harness (MARKUP_CAPS, NULL);
  GstCaps *out_caps, *in_caps = gst_caps_from_string (MARKUP_CAPS);

  gst_buffer_unref (push_and_pull (h, text_buffer ("<b>cat</b>")));
  out_caps = gst_pad_get_current_caps (h->sinkpad);
  fail_unless (gst_caps_is_equal (out_caps, in_caps));
  gst_caps_unref (out_caps);
  gst_caps_unref (in_caps);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* filesrc sends no caps: the text is UTF-8 and downstream is told so. */
GST_START_TEST (test_input_without_caps_is_utf8)
{
  GstHarness *h = new_harness (NULL, "split-lines", TRUE, NULL);
  GstCaps *out_caps, *utf8_caps = gst_caps_from_string (UTF8_CAPS);
  GstSegment segment;

  gst_segment_init (&segment, GST_FORMAT_BYTES);
  gst_harness_push_event (h, gst_event_new_segment (&segment));
  gst_buffer_unref (push_and_pull (h, text_buffer ("cat\n")));
  out_caps = gst_pad_get_current_caps (h->sinkpad);
  fail_unless (gst_caps_is_equal (out_caps, utf8_caps));
  gst_caps_unref (out_caps);
  gst_caps_unref (utf8_caps);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_gap_event_passes)
{
  GstHarness *h = new_harness (UTF8_CAPS, NULL);
  GstEvent *event;
  gboolean gap_seen = FALSE;

  fail_unless (gst_harness_push_event (h, gst_event_new_gap (GST_SECOND, GST_SECOND)));
  while ((event = gst_harness_try_pull_event (h))) {
    gap_seen |= GST_EVENT_TYPE (event) == GST_EVENT_GAP;
    gst_event_unref (event);
  }
  fail_unless (gap_seen);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Vocabulary errors --------------------------------------------------------------- */

/* Takes @element to READY, which must fail with the RESOURCE error @code: that error (free
 * it) and its details in @debug (g_free them). The element is left at NULL, without the bus. */
static GError *
ready_error (GstElement *element, GstResourceError code, gchar **debug)
{
  GstBus *bus = gst_bus_new ();
  GstMessage *message;
  GError *error = NULL;

  gst_element_set_bus (element, bus);
  fail_unless_equals_int (gst_element_set_state (element, GST_STATE_READY), GST_STATE_CHANGE_FAILURE);
  message = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (message != NULL, "no error message");
  gst_message_parse_error (message, &error, debug);
  fail_unless (error->domain == GST_RESOURCE_ERROR && error->code == (gint) code, "unexpected error %s",
      error->message);
  gst_message_unref (message);
  gst_element_set_state (element, GST_STATE_NULL);
  gst_element_set_bus (element, NULL);
  gst_object_unref (bus);
  return error;
}

/* NULL -> READY of @element fails with a RESOURCE/SETTINGS error whose details hold @why;
 * unrefs @element. */
static void
assert_settings_refused (GstElement *element, const gchar *why)
{
  gchar *debug = NULL;
  GError *error = ready_error (element, GST_RESOURCE_ERROR_SETTINGS, &debug);

  fail_unless (strstr (debug, why) != NULL, "details '%s' do not say '%s'", debug, why);
  g_error_free (error);
  g_free (debug);
  gst_object_unref (element);
}

/* Takes the element to READY and expects it to fail with a RESOURCE error whose
 * texts name @path and, in the message, @command, the one fetching a missing model
 * (NULL: a path or a broken file, nothing to fetch). */
static void
assert_ready_fails_naming (GstElement *element, GstResourceError code, const gchar *path,
    const gchar *command)
{
  gchar *debug = NULL;
  GError *error = ready_error (element, code, &debug);

  if (path) {
    gchar *basename = g_path_get_basename (path);

    fail_unless (strstr (error->message, path) != NULL, "message '%s' lacks %s", error->message, path);
    fail_unless (debug && strstr (debug, basename) != NULL, "details '%s' lack %s", debug, basename);
    g_free (basename);
  }
  if (command)
    fail_unless (strstr (error->message, command) != NULL, "message '%s' lacks %s", error->message, command);
  else
    fail_unless (strstr (error->message, FETCH_SCRIPT) == NULL, "message '%s' names %s", error->message,
        FETCH_SCRIPT);
  GST_INFO ("error: %s (%s)", error->message, debug);

  g_error_free (error);
  g_free (debug);
}

static GstElement *
tokenizer_with_vocab (const gchar *vocab)
{
  GstElement *element = gst_element_factory_make ("tokenizer", NULL);

  g_object_set (element, "vocab", vocab, NULL);
  return element;
}

GST_START_TEST (test_missing_vocab_fails)
{
  const gchar *path = "/nonexistent/gst-bert/vocab.txt";
  GstElement *element = tokenizer_with_vocab (path);

  assert_ready_fails_naming (element, GST_RESOURCE_ERROR_NOT_FOUND, path, NULL);
  gst_object_unref (element);
}

GST_END_TEST;

/* The default vocabulary and model names ------------------------------------------- */

/* A models folder (a new temporary one, to remove with remove_models_dir) holding
 * @model_name with the fixture vocab.txt and, unless NULL, a sentence_bert_config.json. */
static gchar *
make_models_dir (const gchar *model_name, const gchar *sentence_bert_config)
{
  gchar *models_dir = g_dir_make_tmp ("gst-bert-models-XXXXXX", NULL);
  gchar *folder = g_build_filename (models_dir, model_name, NULL);
  gchar *vocab = g_build_filename (folder, "vocab.txt", NULL);
  gchar *sbert = g_build_filename (folder, "sentence_bert_config.json", NULL);
  gchar *contents = NULL;

  fail_unless (models_dir != NULL && g_mkdir (folder, 0700) == 0);
  fail_unless (g_file_get_contents (FIXTURE_VOCAB, &contents, NULL, NULL));
  fail_unless (g_file_set_contents (vocab, contents, -1, NULL));
  if (sentence_bert_config)
    fail_unless (g_file_set_contents (sbert, sentence_bert_config, -1, NULL));
  g_free (contents);
  g_free (sbert);
  g_free (vocab);
  g_free (folder);
  return models_dir;
}

static void
remove_models_dir (gchar *models_dir, const gchar *model_name)
{
  const gchar *files[] = { "vocab.txt", "sentence_bert_config.json" };
  gchar *folder = g_build_filename (models_dir, model_name, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (files); i++) {
    gchar *path = g_build_filename (folder, files[i], NULL);

    g_unlink (path);
    g_free (path);
  }
  g_rmdir (folder);
  g_rmdir (models_dir);
  g_free (folder);
  g_free (models_dir);
}

/* GST_BERT_MODELS_DIR at @models_dir; restored by restore_models_dir_env. */
static gchar *saved_models_dir;

static void
set_models_dir_env (const gchar *models_dir)
{
  saved_models_dir = g_strdup (g_getenv ("GST_BERT_MODELS_DIR"));
  g_setenv ("GST_BERT_MODELS_DIR", models_dir, TRUE);
}

static void
restore_models_dir_env (void)
{
  if (saved_models_dir)
    g_setenv ("GST_BERT_MODELS_DIR", saved_models_dir, TRUE);
  else
    g_unsetenv ("GST_BERT_MODELS_DIR");
  g_clear_pointer (&saved_models_dir, g_free);
}

/* Tokenizes "hello world" with a tokenizer of @vocab (NULL: unset) and checks the ids. */
static void
assert_hello_world_tokenized (const gchar *vocab)
{
  const gint32 expected[] = { CLS, HELLO, WORLD, SEP };
  GstElement *element = tokenizer_with_vocab (vocab);
  GstHarness *h = gst_harness_new_with_element (element, "sink", "src");
  GstBuffer *out;

  gst_object_unref (element);
  gst_harness_set_src_caps_str (h, UTF8_CAPS);
  out = push_and_pull (h, text_buffer ("hello world"));
  assert_ids (out, expected, 4);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_START_TEST (test_default_vocab_from_models_dir)
{
  gchar *models_dir = make_models_dir (DEFAULT_MODEL_NAME, NULL);

  set_models_dir_env (models_dir);
  assert_hello_world_tokenized (NULL);
  assert_hello_world_tokenized ("");
  restore_models_dir_env ();
  remove_models_dir (models_dir, DEFAULT_MODEL_NAME);
}

GST_END_TEST;

GST_START_TEST (test_vocab_name_found_in_models_dir)
{
  gchar *models_dir = make_models_dir ("named-model", NULL);

  set_models_dir_env (models_dir);
  assert_hello_world_tokenized ("named-model");
  restore_models_dir_env ();
  remove_models_dir (models_dir, "named-model");
}

GST_END_TEST;

GST_START_TEST (test_missing_default_vocab_names_fetch_command)
{
  gchar *models_dir = g_dir_make_tmp ("gst-bert-models-XXXXXX", NULL);
  gchar *folder = g_build_filename (models_dir, DEFAULT_MODEL_NAME, NULL);
  GstElement *element = tokenizer_with_vocab (NULL);

  set_models_dir_env (models_dir);
  assert_ready_fails_naming (element, GST_RESOURCE_ERROR_NOT_FOUND, folder,
      FETCH_SCRIPT " " DEFAULT_MODEL_NAME);
  gst_object_unref (element);
  element = tokenizer_with_vocab ("no-such-model");
  g_free (folder);
  folder = g_build_filename (models_dir, "no-such-model", NULL);
  assert_ready_fails_naming (element, GST_RESOURCE_ERROR_NOT_FOUND, folder, FETCH_SCRIPT " no-such-model");
  gst_object_unref (element);
  restore_models_dir_env ();
  g_rmdir (models_dir);
  g_free (folder);
  g_free (models_dir);
}

GST_END_TEST;

/* A model folder's sentence_bert_config.json sets how far texts are cut by default. */
GST_START_TEST (test_max_seq_length_is_default_max_length)
{
  gchar *models_dir = make_models_dir ("st-model", "{\"max_seq_length\": 3}");
  gchar *folder = g_build_filename (models_dir, "st-model", NULL);
  GstElement *element = tokenizer_with_vocab (folder);
  const gint32 expected[] = { CLS, HELLO, SEP };
  GstHarness *h = gst_harness_new_with_element (element, "sink", "src");
  guint model_max_length = 0;
  GstBuffer *out;

  gst_object_unref (element);
  gst_harness_set_src_caps_str (h, UTF8_CAPS);
  g_object_get (h->element, "model-max-length", &model_max_length, NULL);
  fail_unless_equals_int (model_max_length, 3);
  out = push_and_pull (h, text_buffer ("hello world"));
  assert_ids (out, expected, 3);
  fail_unless (gst_bert_token_meta_get_truncated (gst_buffer_get_bert_token_meta (out)));
  gst_buffer_unref (out);
  gst_harness_teardown (h);
  remove_models_dir (models_dir, "st-model");
  g_free (folder);
}

GST_END_TEST;

static void
assert_malformed_file_fails (const gchar *file_name, const gchar *contents)
{
  gchar *dir = g_dir_make_tmp ("gst-bert-XXXXXX", NULL);
  gchar *path = g_build_filename (dir, file_name, NULL);
  GstElement *element;

  fail_unless (g_file_set_contents (path, contents, -1, NULL));
  element = tokenizer_with_vocab (path);
  assert_ready_fails_naming (element, GST_RESOURCE_ERROR_OPEN_READ, path, NULL);
  gst_object_unref (element);
  g_unlink (path);
  g_rmdir (dir);
  g_free (path);
  g_free (dir);
}

GST_START_TEST (test_malformed_tokenizer_json_fails)
{
  assert_malformed_file_fails ("tokenizer.json", "{\n  \"model\": {\n    \"vocab\": [\n");
}

GST_END_TEST;

GST_START_TEST (test_empty_vocab_txt_fails)
{
  assert_malformed_file_fails ("vocab.txt", "");
}

GST_END_TEST;

GST_START_TEST (test_reports_vocab_size)
{
  GstHarness *h = new_harness (UTF8_CAPS, NULL);
  guint vocab_size;

  g_object_get (h->element, "vocab-size", &vocab_size, NULL);
  fail_unless_equals_int (vocab_size, 39);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Hostile streams ------------------------------------------------------------------ */

/* The order in which buffers and events leave the element, one letter each: B for a
 * buffer, G for a gap, S for a segment, C for a custom event; others are ignored. */
static GstPadProbeReturn
record_order (GstPad *pad, GstPadProbeInfo *info, gpointer order)
{
  if (GST_PAD_PROBE_INFO_TYPE (info) & GST_PAD_PROBE_TYPE_BUFFER) {
    g_string_append_c (order, 'B');
  } else if (GST_PAD_PROBE_INFO_TYPE (info) & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
    switch (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info))) {
      case GST_EVENT_GAP: g_string_append_c (order, 'G'); break;
      case GST_EVENT_SEGMENT: g_string_append_c (order, 'S'); break;
      case GST_EVENT_CUSTOM_DOWNSTREAM: g_string_append_c (order, 'C'); break;
      default: break;
    }
  }
  return GST_PAD_PROBE_OK;
}

/* The order of the buffers and events leaving an element's src pad (record_order). */
typedef struct {
  GstPad *srcpad;
  gulong probe;
  GString *order;
} OrderWatch;

static void
order_watch_start (OrderWatch *watch, GstHarness *h)
{
  watch->srcpad = gst_element_get_static_pad (h->element, "src");
  watch->order = g_string_new (NULL);
  watch->probe = gst_pad_add_probe (watch->srcpad,
      GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, record_order, watch->order, NULL);
}

static void
order_watch_stop (OrderWatch *watch)
{
  gst_pad_remove_probe (watch->srcpad, watch->probe);
  g_string_free (watch->order, TRUE);
  gst_object_unref (watch->srcpad);
}

/* A line begun before a SEGMENT and a custom event leaves before them. */
GST_START_TEST (test_split_lines_events_keep_their_place_after_partial_line)
{
  GstHarness *h = new_harness (UTF8_CAPS, "split-lines", TRUE, NULL);
  OrderWatch watch;
  GstSegment segment;
  GstBuffer *line;

  gst_harness_push (h, text_buffer ("hel"));
  order_watch_start (&watch, h);
  gst_segment_init (&segment, GST_FORMAT_TIME);
  segment.base = 5 * GST_SECOND;
  fail_unless (gst_harness_push_event (h, gst_event_new_segment (&segment)));
  fail_unless (gst_harness_push_event (h,
      gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM, gst_structure_new_empty ("marker"))));
  fail_unless_equals_string (watch.order->str, "");
  fail_unless_equals_int (gst_harness_push (h, text_buffer ("lo\nworld\n")), GST_FLOW_OK);
  fail_unless_equals_string (watch.order->str, "BSCB");
  line = gst_harness_pull (h);
  assert_text (line, "hello");
  gst_buffer_unref (line);
  order_watch_stop (&watch);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* A GAP says no text comes in its time: the partial line before it is all there is, so
 * it goes out at once, then the GAP, instead of both waiting for a newline that a live
 * source may send much later (downstream would stall on the GAP). Times stay in order
 * and no byte is lost: the rest of the line after the gap is a line of its own. */
GST_START_TEST (test_split_lines_gap_ends_partial_line)
{
  GstHarness *h = new_harness (UTF8_CAPS, "split-lines", TRUE, NULL);
  OrderWatch watch;

  order_watch_start (&watch, h);
  gst_harness_push (h, timed_text_buffer ("the ca", 1 * GST_SECOND, GST_SECOND));
  fail_unless_equals_string (watch.order->str, "");
  fail_unless (gst_harness_push_event (h, gst_event_new_gap (2 * GST_SECOND, GST_SECOND)));
  fail_unless_equals_string (watch.order->str, "BG");
  assert_next_line (h, "the ca", 1 * GST_SECOND);
  gst_harness_push (h, timed_text_buffer ("t sat\n", 3 * GST_SECOND, GST_SECOND));
  fail_unless_equals_string (watch.order->str, "BGB");
  assert_next_line (h, "t sat", 3 * GST_SECOND);
  order_watch_stop (&watch);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* An empty GAP buffer (a live source's other way of saying "no text now") does the same
 * and goes on as a GAP event of its time: it makes no line of its own. */
GST_START_TEST (test_split_lines_empty_gap_buffer_ends_partial_line)
{
  GstHarness *h = new_harness (UTF8_CAPS, "split-lines", TRUE, NULL);
  OrderWatch watch;
  GstBuffer *gap = timed_text_buffer ("", 2 * GST_SECOND, GST_SECOND);
  GstClockTime timestamp, duration;
  GstEvent *event;

  order_watch_start (&watch, h);
  gst_harness_push (h, timed_text_buffer ("the ca", 1 * GST_SECOND, GST_SECOND));
  GST_BUFFER_FLAG_SET (gap, GST_BUFFER_FLAG_GAP);
  fail_unless_equals_int (gst_harness_push (h, gap), GST_FLOW_OK);
  fail_unless_equals_string (watch.order->str, "BG");
  assert_next_line (h, "the ca", 1 * GST_SECOND);
  fail_unless_equals_int (gst_harness_buffers_in_queue (h), 0);
  while ((event = gst_harness_pull_event (h)) && GST_EVENT_TYPE (event) != GST_EVENT_GAP)
    gst_event_unref (event);
  fail_unless (event != NULL);
  gst_event_parse_gap (event, &timestamp, &duration);
  fail_unless_equals_uint64 (timestamp, 2 * GST_SECOND);
  fail_unless_equals_uint64 (duration, GST_SECOND);
  gst_event_unref (event);
  order_watch_stop (&watch);
  gst_harness_teardown (h);
}

GST_END_TEST;

static gboolean
token_meta_truncated (GstBuffer *buffer)
{
  GstCustomMeta *meta = gst_buffer_get_bert_token_meta (buffer);

  fail_unless (meta != NULL);
  return gst_bert_token_meta_get_truncated (meta);
}

/* A line without end is cut at max-line-bytes, flagged, warned about once; the next
 * line is whole. Bytes past the cap are never held. */
GST_START_TEST (test_split_lines_caps_line_length)
{
  GstHarness *h = new_harness (UTF8_CAPS, "split-lines", TRUE, "max-line-bytes", 1024, NULL);
  gchar *chunk = g_strnfill (100, 'a');
  GstBus *bus = gst_bus_new ();
  GstBuffer *line;

  gst_element_set_bus (h->element, bus);
  for (int i = 0; i < 100; i++)
    fail_unless_equals_int (gst_harness_push (h, text_buffer (chunk)), GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_push (h, text_buffer ("\ncat\n")), GST_FLOW_OK);
  line = gst_harness_pull (h);
  fail_unless_equals_uint64 (gst_buffer_get_size (line), 1024);
  fail_unless (token_meta_truncated (line), "a cut line is not flagged truncated");
  gst_buffer_unref (line);
  line = gst_harness_pull (h);
  assert_text (line, "cat");
  fail_if (token_meta_truncated (line));
  gst_buffer_unref (line);

  /* One line in one buffer, longer than the cap: cut too. */
  fail_unless_equals_int (gst_harness_push (h, text_buffer ("\n")), GST_FLOW_OK);
  {
    gchar *long_line = g_strnfill (5000, 'b'), *text = g_strconcat (long_line, "\n", NULL);
    fail_unless_equals_int (gst_harness_push (h, text_buffer (text)), GST_FLOW_OK);
    g_free (long_line);
    g_free (text);
  }
  line = gst_harness_pull (h);
  fail_unless_equals_uint64 (gst_buffer_get_size (line), 1024);
  fail_unless (token_meta_truncated (line));
  gst_buffer_unref (line);
  fail_unless_equals_int (count_messages (bus, GST_MESSAGE_WARNING), 1);
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  g_free (chunk);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_model_is_the_main_name_vocab_an_alias)
{
  GstElement *element = gst_element_factory_make ("tokenizer", NULL);
  gchar *value;

  g_object_set (element, "model", "first", NULL);
  g_object_get (element, "vocab", &value, NULL);
  fail_unless_equals_string (value, "first");
  g_free (value);
  g_object_set (element, "vocab", "second", NULL);
  g_object_get (element, "model", &value, NULL);
  fail_unless_equals_string (value, "second");
  g_free (value);
  gst_object_unref (element);
}

GST_END_TEST;

/* The tokenizer is loaded at READY: a later model is refused with a warning, and the
 * property keeps naming the model that runs. */
GST_START_TEST (test_model_change_while_playing_refused)
{
  GstHarness *h = new_harness (UTF8_CAPS, NULL);
  GstBus *bus = gst_bus_new ();
  GstMessage *message;
  gchar *value;
  gint32 ids[] = { CLS, CAT, SEP };
  GstBuffer *out;

  gst_element_set_bus (h->element, bus);
  g_object_set (h->element, "model", "/elsewhere/other-model", NULL);
  g_object_get (h->element, "model", &value, NULL);
  fail_unless_equals_string (value, FIXTURE_VOCAB);
  g_free (value);
  message = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING);
  fail_unless (message != NULL, "no warning for a refused model change");
  gst_message_unref (message);
  out = push_and_pull (h, text_buffer ("cat"));
  assert_ids (out, ids, G_N_ELEMENTS (ids));
  gst_buffer_unref (out);
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* A text file of LINES lines of words, longer than filesrc's read size. */
static gchar *
write_text_file (guint n_lines)
{
  GString *text = g_string_new (NULL);
  gchar *path;
  gint fd = g_file_open_tmp ("tokenizer-text-XXXXXX.txt", &path, NULL);

  fail_unless (fd >= 0);
  close (fd);
  for (guint i = 0; i < n_lines; i++)
    g_string_append_printf (text, "the cat sat %u\n", i);
  fail_unless (g_file_set_contents (path, text->str, text->len, NULL));
  g_string_free (text, TRUE);
  return path;
}

static void
collect_text (GstElement *sink, GstBuffer *buffer, GstPad *pad, gpointer texts)
{
  GstMapInfo map;

  fail_unless (gst_buffer_map (buffer, &map, GST_MAP_READ));
  g_ptr_array_add (texts, g_strndup ((const gchar *) map.data, map.size));
  gst_buffer_unmap (buffer, &map);
}

/* Runs filesrc (reads of 7 bytes) ! tokenizer ! fakesink to its end; returns the
 * error message, or NULL after EOS, and the texts that came out. */
static GstMessage *
run_filesrc_pipeline (const gchar *path, const gchar *tokenizer_properties, GPtrArray *texts)
{
  GstPlugin *core = gst_plugin_load_file (GST_CORE_ELEMENTS_PLUGIN, NULL);
  gchar *description = g_strdup_printf ("filesrc name=file blocksize=7 ! tokenizer vocab=%s %s ! "
                                        "fakesink name=sink signal-handoffs=true",
      FIXTURE_VOCAB, tokenizer_properties);
  GstElement *pipeline = gst_parse_launch (description, NULL);
  GstElement *file = gst_bin_get_by_name (GST_BIN (pipeline), "file");
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *message;

  fail_unless (core != NULL && file != NULL && sink != NULL, "no core elements plugin at %s",
      GST_CORE_ELEMENTS_PLUGIN);
  gst_object_unref (core);
  g_object_set (file, "location", path, NULL);
  g_signal_connect (sink, "handoff", G_CALLBACK (collect_text), texts);
  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE);
  message = gst_bus_timed_pop_filtered (bus, 30 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (message != NULL, "the pipeline neither ended nor failed");
  gst_element_set_state (pipeline, GST_STATE_NULL);
  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_EOS)
    g_clear_pointer (&message, gst_message_unref);
  gst_object_unref (bus);
  gst_object_unref (file);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  g_free (description);
  return message;
}

/* filesrc cuts a text file where each read ends: without split-lines, the element
 * refuses the stream, naming split-lines, instead of embedding cut words. */
GST_START_TEST (test_filesrc_without_split_lines_refused)
{
  gchar *path = write_text_file (20);
  GPtrArray *texts = g_ptr_array_new_with_free_func (g_free);
  GstMessage *error = run_filesrc_pipeline (path, "", texts);
  GError *gerror = NULL;
  gchar *debug = NULL;

  fail_unless (error != NULL, "a byte stream was tokenized in read-size pieces");
  gst_message_parse_error (error, &gerror, &debug);
  fail_unless (strstr (gerror->message, "split-lines") != NULL, "%s", gerror->message);
  fail_unless_equals_int (texts->len, 0);
  g_error_free (gerror);
  g_free (debug);
  gst_message_unref (error);
  g_ptr_array_unref (texts);
  g_unlink (path);
  g_free (path);
}

GST_END_TEST;

/* With split-lines, the same file gives its lines, whole. */
GST_START_TEST (test_filesrc_split_lines_gives_whole_lines)
{
  gchar *path = write_text_file (20);
  GPtrArray *texts = g_ptr_array_new_with_free_func (g_free);
  GstMessage *error = run_filesrc_pipeline (path, "split-lines=true", texts);

  fail_unless (error == NULL);
  fail_unless_equals_int (texts->len, 20);
  for (guint i = 0; i < texts->len; i++) {
    gchar *expected = g_strdup_printf ("the cat sat %u", i);
    fail_unless_equals_string (g_ptr_array_index (texts, i), expected);
    g_free (expected);
  }
  g_ptr_array_unref (texts);
  g_unlink (path);
  g_free (path);
}

GST_END_TEST;

static gchar *
write_latin1_file (void)
{
  const gchar text[] = "caf\xe9 one\ncaf\xe9 two\n";
  gchar *path;
  gint fd = g_file_open_tmp ("tokenizer-latin1-XXXXXX.txt", &path, NULL);

  fail_unless (fd >= 0);
  close (fd);
  fail_unless (g_file_set_contents (path, text, sizeof text - 1, NULL));
  return path;
}

/* concat plays its inputs one after the other, each a stream of its own with its own
 * STREAM_START: a second file with invalid UTF-8 is warned about as the first was. */
GST_START_TEST (test_concat_next_file_warned_again)
{
  GstPlugin *core = gst_plugin_load_file (GST_CORE_ELEMENTS_PLUGIN, NULL);
  gchar *first = write_latin1_file (), *second = write_latin1_file ();
  gchar *description = g_strdup_printf ("concat name=c ! tokenizer vocab=%s split-lines=true ! fakesink "
                                        "filesrc location=%s ! c. filesrc location=%s ! c.",
      FIXTURE_VOCAB, first, second);
  GstElement *pipeline;
  GstMessage *message;
  GstBus *bus;
  guint warnings = 0;

  fail_unless (core != NULL, "no core elements plugin at %s", GST_CORE_ELEMENTS_PLUGIN);
  gst_object_unref (core);
  pipeline = gst_parse_launch (description, NULL);
  fail_unless (pipeline != NULL);
  bus = gst_element_get_bus (pipeline);
  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE);
  while ((message = gst_bus_timed_pop_filtered (bus, 30 * GST_SECOND,
              GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_WARNING))
      && GST_MESSAGE_TYPE (message) == GST_MESSAGE_WARNING) {
    warnings++;
    gst_message_unref (message);
  }
  fail_unless (message != NULL && GST_MESSAGE_TYPE (message) == GST_MESSAGE_EOS, "the pipeline did not end");
  gst_message_unref (message);
  fail_unless_equals_int (warnings, 2);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  g_unlink (first);
  g_unlink (second);
  g_free (first);
  g_free (second);
  g_free (description);
}

GST_END_TEST;

/* Bytes the process has allocated and not freed (glibc's count: in use in the heap
 * plus mapped chunks), so that memory held by the element shows, whatever the
 * allocator keeps cached. */
static gsize
bytes_allocated (void)
{
  struct mallinfo2 info = mallinfo2 ();

  return info.uordblks + info.hblkhd;
}

/* One caption of 20 MB of markup needs scratch of several times that; it is given back
 * after the buffer instead of being held for the element's life. */
GST_START_TEST (test_huge_markup_caption_memory_given_back)
{
  GstHarness *h = new_harness (MARKUP_CAPS, NULL);
  GString *markup = g_string_new (NULL);
  gsize before, after;
  GstBuffer *out;

#if defined(__SANITIZE_ADDRESS__)
  GST_INFO ("skipped under AddressSanitizer: its allocator keeps freed memory in quarantine");
  gst_harness_teardown (h);
  g_string_free (markup, TRUE);
  return;
#endif
  gst_buffer_unref (push_and_pull (h, text_buffer ("<b>the</b> cat")));
  before = bytes_allocated ();
  while (markup->len < 20 * 1024 * 1024)
    g_string_append (markup, "<i>the</i> cat &amp; ");
  out = push_and_pull (h, gst_buffer_new_wrapped (g_string_free (markup, FALSE), 20 * 1024 * 1024));
  gst_buffer_unref (out);
  after = bytes_allocated ();
  GST_INFO ("allocated after the caption: %+.1f MiB", ((double) after - before) / (1 << 20));
  fail_unless (after < before + (4 << 20), "%.1f MiB still held after the caption",
      ((double) after - before) / (1 << 20));
  gst_harness_teardown (h);
}

GST_END_TEST;

/* A Unigram (SentencePiece, XLM-R converter) and a byte-level BPE (RoBERTa) folder of the
 * tokenizer suite's fixtures, read as WordPiece folders are; ids and byte offsets are
 * Hugging Face tokenizers 0.23.3's on the same text (<mask> strips the space before it). */
#define SUBWORD_TEXT                                                                                         \
  "\xef\xbc\xa8"                                                                                             \
  "ello w\xc3\xb6rld <mask>!"

static void
check_subword_folder (const gchar *folder, const gint32 *expected_ids, const guint32 *expected_offsets,
    guint n_expected)
{
  GstElement *element = gst_element_factory_make ("tokenizer", NULL);
  GstHarness *h;
  GstBuffer *out;

  g_object_set (element, "vocab", folder, NULL);
  h = gst_harness_new_with_element (element, "sink", "src");
  gst_object_unref (element);
  gst_harness_set_src_caps_str (h, UTF8_CAPS);
  out = push_and_pull (h, text_buffer (SUBWORD_TEXT));
  assert_text (out, SUBWORD_TEXT);
  assert_ids (out, expected_ids, n_expected);
  assert_offsets (out, expected_offsets, n_expected);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_START_TEST (test_unigram_folder_tokenizes_as_hf)
{
  const gint32 ids[] = { 0, 321, 175, 94, 535, 1247, 320, 4001, 4, 775, 2 };
  const guint32 offsets[] = { 0, 0, 0, 3, 3, 5, 5, 7, 7, 9, 9, 12, 12, 14, 14, 21, 21, 22, 21, 22, 0, 0 };

  check_subword_folder (TEST_DATA_DIR "/../tokenizer/data/unigram-nmt-nfkc", ids, offsets,
      G_N_ELEMENTS (ids));
}

GST_END_TEST;

GST_START_TEST (test_byte_level_bpe_folder_tokenizes_as_hf)
{
  const gint32 ids[] = { 0, 224, 588, 105, 299, 514, 488, 793, 972, 2000, 224, 4, 2 };
  const guint32 offsets[] = { 0, 0, 0, 0, 0, 3, 0, 3, 3, 5, 5, 7, 8, 9, 9, 12, 12, 14, 15, 21, 22, 22, 21, 22,
    0, 0 };

  check_subword_folder (TEST_DATA_DIR "/../tokenizer/data/bpe-roberta", ids, offsets, G_N_ELEMENTS (ids));
}

GST_END_TEST;

/* Prompts ---------------------------------------------------------------------------- */

#define PROMPTS_MODEL TEST_DATA_DIR "/st-modules/dense"

/* A tokenizer of the prompts fixture (ids of tests/data/tiny-model's vocabulary). */
static GstHarness *
new_prompt_harness (const gchar *property, const gchar *value)
{
  GstElement *element = gst_element_factory_make ("tokenizer", NULL);
  GstHarness *h;

  g_object_set (element, "model", PROMPTS_MODEL, property, value, NULL);
  h = gst_harness_new_with_element (element, "sink", "src");
  gst_object_unref (element);
  gst_harness_set_src_caps_str (h, UTF8_CAPS);
  return h;
}

/* "hello world" after a prompt: the caption's tokens keep their spans, the prompt's
 * have [0, 0], and the text is unchanged. */
static void
assert_prompted_hello_world (GstBuffer *buffer, guint n_prompt_tokens)
{
  const gint32 hello = 132, world = 133;
  GstCustomMeta *meta = gst_buffer_get_bert_token_meta (buffer);
  const guint32 *offsets;
  const gint32 *ids;
  guint n;

  assert_text (buffer, "hello world");
  ids = gst_bert_token_meta_get_ids (meta, &n);
  offsets = gst_bert_token_meta_get_offsets (meta, &n);
  fail_unless_equals_int (n, n_prompt_tokens + 4);
  fail_unless_equals_int (ids[0], CLS);
  fail_unless_equals_int (ids[n - 3], hello);
  fail_unless_equals_int (ids[n - 2], world);
  fail_unless_equals_int (ids[n - 1], SEP);
  for (guint i = 0; i < n - 3; i++)
    fail_unless (offsets[2 * i] == 0 && offsets[2 * i + 1] == 0, "token %u has span [%u, %u]", i,
        offsets[2 * i], offsets[2 * i + 1]);
  fail_unless (offsets[2 * (n - 3)] == 0 && offsets[2 * (n - 3) + 1] == 5);
  fail_unless (offsets[2 * (n - 2)] == 6 && offsets[2 * (n - 2) + 1] == 11);
}

GST_START_TEST (test_prompt_before_text)
{
  GstHarness *h = new_prompt_harness ("prompt", "hello ");
  GstBuffer *out = push_and_pull (h, text_buffer ("hello world"));

  assert_prompted_hello_world (out, 1);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_prompt_name_of_the_folder)
{
  GstHarness *h = new_prompt_harness ("prompt-name", "passage");
  GstBuffer *out = push_and_pull (h, text_buffer ("hello world"));
  GstCustomMeta *meta = gst_buffer_get_bert_token_meta (out);
  guint n;

  /* "passage: " in letters and word pieces of the tiny vocabulary: p ##a ##s ##s ##a ##g ##e : */
  gst_bert_token_meta_get_ids (meta, &n);
  assert_prompted_hello_world (out, n - 4);
  fail_unless (n > 6, "the prompt gave no tokens");
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_unknown_prompt_name_lists_the_folders)
{
  GstElement *element = gst_element_factory_make ("tokenizer", NULL);
  gchar *debug = NULL;
  GError *error;

  g_object_set (element, "model", PROMPTS_MODEL, "prompt-name", "question", NULL);
  error = ready_error (element, GST_RESOURCE_ERROR_SETTINGS, &debug);
  fail_unless (strstr (debug, "\"question\"") && strstr (debug, "\"query\"") && strstr (debug, "\"passage\""),
      "details '%s' lack the names", debug);
  g_error_free (error);
  g_free (debug);
  gst_object_unref (element);
}

GST_END_TEST;

/* A prompt as long as max-length leaves no token of any caption: every buffer would get
 * the prompt's result, so it is said once per stream; a caption cut after some of its
 * tokens is not. */
GST_START_TEST (test_prompt_filling_max_length_warns_once)
{
  GstHarness *h = new_prompt_harness ("prompt", "hello hello hello hello ");
  GstBus *bus = gst_bus_new ();
  GError *error = NULL;
  gchar *debug;

  gst_element_set_bus (h->element, bus);
  g_object_set (h->element, "max-length", 7, NULL);
  gst_buffer_unref (push_and_pull (h, text_buffer ("world")));
  fail_unless_equals_int (count_messages (bus, GST_MESSAGE_WARNING), 0);
  for (guint i = 0; i < 2; i++)
    gst_buffer_unref (push_and_pull (h, text_buffer ("world hello world")));
  fail_unless_equals_int (count_messages (bus, GST_MESSAGE_WARNING), 0);
  g_object_set (h->element, "max-length", 6, NULL);
  for (guint i = 0; i < 2; i++)
    gst_buffer_unref (push_and_pull (h, text_buffer ("world")));
  debug = pop_only_warning (bus, "no warning", &error);
  fail_unless (error->domain == GST_STREAM_ERROR && error->code == GST_STREAM_ERROR_FORMAT);
  fail_unless (strstr (error->message, "The prompt leaves no room for the text") != NULL, "message '%s'",
      error->message);
  fail_unless (strstr (debug, "6 tokens") != NULL, "details '%s' lack the length", debug);
  g_error_free (error);
  g_free (debug);
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* A folder (temporary, for remove_prompts_folder) of the prompts fixture's tokenizer.json
 * and @config as its config_sentence_transformers.json. */
static gchar *
make_prompts_folder (const gchar *config)
{
  gchar *folder = g_dir_make_tmp ("gst-bert-prompts-XXXXXX", NULL);
  gchar *tokenizer = g_build_filename (folder, "tokenizer.json", NULL);
  gchar *prompts = g_build_filename (folder, "config_sentence_transformers.json", NULL);
  gchar *contents = NULL;
  gsize length;

  fail_unless (folder != NULL);
  fail_unless (g_file_get_contents (PROMPTS_MODEL "/tokenizer.json", &contents, &length, NULL));
  fail_unless (g_file_set_contents (tokenizer, contents, length, NULL));
  fail_unless (g_file_set_contents (prompts, config, -1, NULL));
  g_free (contents);
  g_free (prompts);
  g_free (tokenizer);
  return folder;
}

static void
remove_prompts_folder (gchar *folder)
{
  const gchar *files[] = { "tokenizer.json", "config_sentence_transformers.json" };

  for (guint i = 0; i < G_N_ELEMENTS (files); i++) {
    gchar *path = g_build_filename (folder, files[i], NULL);

    g_unlink (path);
    g_free (path);
  }
  g_rmdir (folder);
  g_free (folder);
}

/* NULL -> READY of a tokenizer of @folder with @property set to @value fails with a
 * RESOURCE/SETTINGS error whose details hold @why. */
static void
assert_prompt_refused (const gchar *folder, const gchar *property, const gchar *value, const gchar *why)
{
  GstElement *element = gst_element_factory_make ("tokenizer", NULL);

  g_object_set (element, "model", folder, property, value, NULL);
  assert_settings_refused (element, why);
}

static void
assert_prompts_config_refused (const gchar *config, const gchar *prompt_name, const gchar *why)
{
  gchar *folder = make_prompts_folder (config);

  assert_prompt_refused (folder, "prompt-name", prompt_name, why);
  remove_prompts_folder (folder);
}

/* sentence-transformers refuses to load each of these files; running on without the
 * prompt (as a default_prompt_name that is not a string did) gives other embeddings. */
GST_START_TEST (test_malformed_prompts_config_refused)
{
  assert_prompts_config_refused ("{\"prompts\": {\"query\": \"query: \"}, \"default_prompt_name\": 5}", NULL,
      "\"default_prompt_name\" is a number or boolean, not a prompt's name or null");
  assert_prompts_config_refused ("{\"prompts\": [\"query: \"]}", NULL,
      "\"prompts\" is an array, not an object of prompt names and texts");
  assert_prompts_config_refused ("{\"prompts\": null}", NULL, "\"prompts\" is null, not an object");
  assert_prompts_config_refused ("{\"prompts\": {\"query\": 5}}", "query",
      "the prompt \"query\" is a number or boolean, not a text");
  assert_prompts_config_refused (
      "{\"prompts\": {\"query\": [\"query: \"]}, \"default_prompt_name\": \"query\"}", NULL,
      "the prompt \"query\" is an array, not a text");
}

GST_END_TEST;

/* sentence-transformers reads a prompt whose text is null as the empty prompt. */
GST_START_TEST (test_null_prompt_is_no_prompt)
{
  gchar *folder =
      make_prompts_folder ("{\"prompts\": {\"query\": null}, \"default_prompt_name\": \"query\"}");
  GstElement *element = gst_element_factory_make ("tokenizer", NULL);
  GstHarness *h;
  GstBuffer *out;

  g_object_set (element, "model", folder, NULL);
  h = gst_harness_new_with_element (element, "sink", "src");
  gst_object_unref (element);
  gst_harness_set_src_caps_str (h, UTF8_CAPS);
  out = push_and_pull (h, text_buffer ("hello world"));
  assert_prompted_hello_world (out, 0);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
  remove_prompts_folder (folder);
}

GST_END_TEST;

/* Tokenizing would drop the invalid bytes, and the invalid-UTF-8 warning would blame
 * every buffer's text for them. */
GST_START_TEST (test_invalid_utf8_prompt_refused)
{
  /* json-glib decodes a lone surrogate into bytes that are not UTF-8. */
  gchar *folder = make_prompts_folder ("{\"prompts\": {\"query\": \"q\\ud800 \"}}");

  assert_prompt_refused (PROMPTS_MODEL, "prompt", "query\xff ",
      "the prompt property is not valid UTF-8: byte 5");
  assert_prompt_refused (folder, "prompt-name", "query",
      "config_sentence_transformers.json: the prompt is not valid UTF-8: byte 1");
  remove_prompts_folder (folder);
}

GST_END_TEST;

/* Pairs ------------------------------------------------------------------------------ */

static void
assert_type_ids (GstBuffer *buffer, const gint32 *expected, guint n_expected)
{
  GstCustomMeta *meta = gst_buffer_get_bert_token_meta (buffer);
  const gint32 *type_ids;
  guint n;

  fail_unless (meta != NULL, "buffer has no token meta");
  type_ids = gst_bert_token_meta_get_type_ids (meta, &n);
  fail_unless_equals_int (n, n_expected);
  for (guint i = 0; i < n; i++)
    fail_unless_equals_int (type_ids[i], expected[i]);
}

/* "the cat" through h comes out as itself with the n tokens of ids, type_ids and offsets
 * (two a token). */
static void
assert_pair_of_the_cat (GstHarness *h, const gint32 *ids, const gint32 *type_ids, const guint32 *offsets,
    guint n)
{
  GstBuffer *out = push_and_pull (h, text_buffer ("the cat"));

  assert_text (out, "the cat");
  assert_ids (out, ids, n);
  assert_type_ids (out, type_ids, n);
  assert_offsets (out, offsets, n);
  gst_buffer_unref (out);
}

/* A reranker's query first: [CLS] query [SEP] caption [SEP], the caption of type 1 and
 * the only tokens with spans, which point into the buffer's text. */
GST_START_TEST (test_pair_text_first_is_the_query)
{
  GstHarness *h = new_harness (UTF8_CAPS, "pair-text", "hello", NULL);
  const gint32 ids[] = { CLS, HELLO, SEP, THE, CAT, SEP }, type_ids[] = { 0, 0, 0, 1, 1, 1 };
  const guint32 offsets[] = { 0, 0, 0, 0, 0, 0, 0, 3, 4, 7, 0, 0 };

  assert_pair_of_the_cat (h, ids, type_ids, offsets, G_N_ELEMENTS (ids));
  gst_harness_teardown (h);
}

GST_END_TEST;

/* An NLI hypothesis second: [CLS] caption [SEP] hypothesis [SEP]. */
GST_START_TEST (test_pair_text_second_is_the_hypothesis)
{
  GstHarness *h = new_harness (UTF8_CAPS, "pair-text", "hello", "pair-text-position", 1, NULL);
  const gint32 ids[] = { CLS, THE, CAT, SEP, HELLO, SEP }, type_ids[] = { 0, 0, 0, 0, 1, 1 };
  const guint32 offsets[] = { 0, 0, 0, 3, 4, 7, 0, 0, 0, 0, 0, 0 };

  assert_pair_of_the_cat (h, ids, type_ids, offsets, G_N_ELEMENTS (ids));
  gst_harness_teardown (h);
}

GST_END_TEST;

/* max-length 7 leaves 4 tokens to the texts: the caption keeps its 2, the query 2 of 4. */
GST_START_TEST (test_pair_text_truncates_longest_first)
{
  GstHarness *h = new_harness (UTF8_CAPS, "pair-text", "one two three hello", "max-length", 7, NULL);
  const gint32 ids[] = { CLS, ONE, TWO, SEP, THE, CAT, SEP };
  GstBuffer *out = push_and_pull (h, text_buffer ("the cat"));

  assert_ids (out, ids, G_N_ELEMENTS (ids));
  fail_unless (gst_bert_token_meta_get_truncated (gst_buffer_get_bert_token_meta (out)));
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* max-length 2 leaves no room for the pair's three special tokens: as the reference,
 * nothing is cut, and a warning says that the buffers hold more than max-length. */
GST_START_TEST (test_pair_text_below_special_tokens_warns_once)
{
  GstHarness *h = new_harness (UTF8_CAPS, "pair-text", "hello", "max-length", 2, NULL);
  const gint32 ids[] = { CLS, HELLO, SEP, THE, CAT, SEP };
  GstBus *bus = gst_bus_new ();
  GError *error = NULL;
  gchar *debug;

  gst_element_set_bus (h->element, bus);
  for (int i = 0; i < 2; i++) {
    GstBuffer *out = push_and_pull (h, text_buffer ("the cat"));
    assert_ids (out, ids, G_N_ELEMENTS (ids));
    gst_buffer_unref (out);
  }
  debug = pop_only_warning (bus, "no warning for a pair longer than max-length", &error);
  fail_unless (strstr (debug, "max-length 2") != NULL, "details '%s' do not name max-length", debug);
  g_error_free (error);
  g_free (debug);
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* pair-text is read at NULL -> READY only: a change while playing leaves the pairs as
 * they were (docs/elements.md says so). */
GST_START_TEST (test_pair_text_change_while_playing_waits_for_null)
{
  GstHarness *h = new_harness (UTF8_CAPS, "pair-text", "hello", NULL);
  const gint32 ids[] = { CLS, HELLO, SEP, THE, CAT, SEP };
  GstBus *bus = gst_bus_new ();
  GstMessage *message;
  GstBuffer *out;

  gst_element_set_bus (h->element, bus);
  g_object_set (h->element, "pair-text", "world", NULL);
  out = push_and_pull (h, text_buffer ("the cat"));
  assert_ids (out, ids, G_N_ELEMENTS (ids));
  gst_buffer_unref (out);
  /* The change waits, and says so: the property already reads back "world". */
  message = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING);
  fail_unless (message != NULL, "a pair-text that does not apply yet went unsaid");
  gst_message_unref (message);
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Pango markup: the caption's spans point into the markup, the query has none. */
GST_START_TEST (test_pair_text_markup_offsets_point_into_markup)
{
  GstHarness *h = new_harness (MARKUP_CAPS, "pair-text", "hello", NULL);
  const gint32 ids[] = { CLS, HELLO, SEP, WORLD, SEP };
  const guint32 offsets[] = { 0, 0, 0, 0, 0, 0, 3, 8, 0, 0 };
  GstBuffer *out = push_and_pull (h, text_buffer ("<i>world</i>"));

  assert_text (out, "<i>world</i>");
  assert_ids (out, ids, G_N_ELEMENTS (ids));
  assert_offsets (out, offsets, G_N_ELEMENTS (ids));
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* NULL -> READY fails with a RESOURCE/SETTINGS error whose details hold @why. */
static void
assert_pair_text_refused (const gchar *pair_text, const gchar *prompt, const gchar *why)
{
  GstElement *element = gst_element_factory_make ("tokenizer", NULL);

  g_object_set (element, "vocab", FIXTURE_VOCAB, "pair-text", pair_text, "prompt", prompt, NULL);
  assert_settings_refused (element, why);
}

GST_START_TEST (test_pair_text_with_prompt_refused)
{
  assert_pair_text_refused ("hello", "query: ", "pair-text cannot be combined with the prompt \"query: \"");
}

GST_END_TEST;

/* A C application can set any bytes: tokenizing would drop the invalid ones and blame
 * the buffers' text for them. */
GST_START_TEST (test_pair_text_invalid_utf8_refused)
{
  assert_pair_text_refused ("a dog\xff in the snow", NULL, "pair-text is not valid UTF-8: byte 5 (0xff)");
}

GST_END_TEST;

static Suite *
tokenizer_suite (void)
{
  Suite *s = suite_create ("tokenizer");
  TCase *buffers = tcase_create ("buffers");
  TCase *lines = tcase_create ("split-lines");
  TCase *setup = tcase_create ("caps-and-vocab");
  gchar *reference_dir = reference_tokenizer_dir ();

  suite_add_tcase (s, buffers);
  tcase_add_test (buffers, test_text_passes_with_tokens);
  tcase_add_test (buffers, test_timestamps_offsets_and_flags_preserved);
  tcase_add_test (buffers, test_buffer_order_preserved);
  tcase_add_test (buffers, test_empty_buffer_has_cls_sep);
  tcase_add_test (buffers, test_truncation_sets_flag);
  tcase_add_test (buffers, test_megabyte_buffer);
  tcase_add_test (buffers, test_huge_markup_caption_memory_given_back);
  tcase_add_test (buffers, test_invalid_utf8_warns_once_and_passes);
  tcase_add_test (buffers, test_invalid_utf8_warns_again_in_new_stream);
  tcase_add_test (buffers, test_default_max_length_cut_warns_once);
  tcase_add_test (buffers, test_markup_tokenized_without_tags);
  tcase_add_test (buffers, test_markup_entities_decoded);
  tcase_add_test (buffers, test_markup_character_references);
  tcase_add_test (buffers, test_utf8_caps_keep_tags_as_text);

  suite_add_tcase (s, lines);
  tcase_add_test (lines, test_split_lines_lf_and_crlf);
  tcase_add_test (lines, test_split_lines_drops_blank_lines);
  tcase_add_test (lines, test_split_lines_joins_partial_lines);
  tcase_add_test (lines, test_split_lines_stream_offsets);
  tcase_add_test (lines, test_split_lines_flush_discards_partial_line);
  tcase_add_test (lines, test_split_lines_flush_keeps_caps_held_behind_partial_line);
  tcase_add_test (lines, test_split_lines_caps_change_applies_after_partial_line);
  tcase_add_test (lines, test_split_lines_discont_ends_partial_line);
  tcase_add_test (lines, test_split_lines_events_keep_their_place_after_partial_line);
  tcase_add_test (lines, test_split_lines_gap_ends_partial_line);
  tcase_add_test (lines, test_split_lines_empty_gap_buffer_ends_partial_line);
  tcase_add_test (lines, test_split_lines_caps_line_length);
  tcase_add_test (lines, test_filesrc_without_split_lines_refused);
  tcase_add_test (lines, test_filesrc_split_lines_gives_whole_lines);
  tcase_add_test (lines, test_concat_next_file_warned_again);

  suite_add_tcase (s, setup);
  tcase_add_test (setup, test_caps_text_only);
  tcase_add_test (setup, test_output_caps_equal_input_caps);
  tcase_add_test (setup, test_input_without_caps_is_utf8);
  tcase_add_test (setup, test_gap_event_passes);
  tcase_add_test (setup, test_missing_vocab_fails);
  tcase_add_test (setup, test_default_vocab_from_models_dir);
  tcase_add_test (setup, test_vocab_name_found_in_models_dir);
  tcase_add_test (setup, test_missing_default_vocab_names_fetch_command);
  tcase_add_test (setup, test_max_seq_length_is_default_max_length);
  tcase_add_test (setup, test_malformed_tokenizer_json_fails);
  tcase_add_test (setup, test_empty_vocab_txt_fails);
  tcase_add_test (setup, test_reports_vocab_size);
  tcase_add_test (setup, test_unigram_folder_tokenizes_as_hf);
  tcase_add_test (setup, test_byte_level_bpe_folder_tokenizes_as_hf);
  tcase_add_test (setup, test_model_is_the_main_name_vocab_an_alias);
  tcase_add_test (setup, test_model_change_while_playing_refused);
  tcase_add_test (setup, test_prompt_before_text);
  tcase_add_test (setup, test_prompt_name_of_the_folder);
  tcase_add_test (setup, test_unknown_prompt_name_lists_the_folders);
  tcase_add_test (setup, test_prompt_filling_max_length_warns_once);
  tcase_add_test (setup, test_malformed_prompts_config_refused);
  tcase_add_test (setup, test_null_prompt_is_no_prompt);
  tcase_add_test (setup, test_invalid_utf8_prompt_refused);
  tcase_add_test (setup, test_pair_text_first_is_the_query);
  tcase_add_test (setup, test_pair_text_second_is_the_hypothesis);
  tcase_add_test (setup, test_pair_text_truncates_longest_first);
  tcase_add_test (setup, test_pair_text_change_while_playing_waits_for_null);
  tcase_add_test (setup, test_pair_text_below_special_tokens_warns_once);
  tcase_add_test (setup, test_pair_text_markup_offsets_point_into_markup);
  tcase_add_test (setup, test_pair_text_with_prompt_refused);
  tcase_add_test (setup, test_pair_text_invalid_utf8_refused);

  if (reference_dir && g_file_test (reference_dir, G_FILE_TEST_IS_DIR)) {
    TCase *parity = tcase_create ("reference-parity");

    suite_add_tcase (s, parity);
    tcase_add_test (parity, test_reference_parity);
  } else {
    g_print ("SKIP test_reference_parity: %s not found (set GST_BERT_SHARED_DIR)\n",
        reference_dir ? reference_dir : "$GST_BERT_SHARED_DIR/reference/tokenizer");
  }
  g_free (reference_dir);
  return s;
}

GST_CHECK_MAIN (tokenizer);
