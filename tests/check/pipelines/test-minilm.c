/* test-minilm.c: the real all-MiniLM-L6-v2 through the text path, `tokenizer ! bert-infer`,
 * against what sentence-transformers gives.
 *
 * Every line of $GST_BERT_SHARED_DIR/reference/encoder/all-MiniLM-L6-v2.jsonl that has a
 * text to tokenize (not `ids_given`) goes in as text: the tokens must equal the line's
 * `ids`, and the embedding its `embedding` (cosine >= 0.99999, no element more than 1e-4
 * away). A text longer than the model's max_seq_length (256) comes out run on its first
 * 255 tokens and the [SEP], flagged truncated, whether the tokenizer or bert-infer cuts
 * it. The whole program exits 77 (skipped), naming the path, where the shared folder or
 * the model is absent.
 */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "gstbertmeta.h"

#define SKIP_EXIT_CODE 77
#define MODEL_NAME "all-MiniLM-L6-v2"
#define UTF8_CAPS "text/x-raw, format=(string)utf8"
/* sentence_bert_config.json's max_seq_length; config.json has 512 positions. */
#define MAX_SEQ_LENGTH 256
#define SEP_ID 102
#define MIN_COSINE 0.99999
#define MAX_ABS_DIFFERENCE 1e-4

static gchar *model_folder;
static gchar *reference_path;

/* `tokenizer vocab=MODEL [tokenizer_properties] ! bert-infer model=MODEL device=cpu`. */
static GstHarness *
new_text_path (const gchar *tokenizer_properties)
{
  gchar *launch = g_strdup_printf ("tokenizer vocab=\"%s\" %s ! bert-infer model=\"%s\" "
                                   "device=cpu batch-size=16",
      model_folder, tokenizer_properties, model_folder);
  GstHarness *h = gst_harness_new_parse (launch);

  gst_harness_set_src_caps_str (h, UTF8_CAPS);
  g_free (launch);
  return h;
}

static GstBuffer *
text_buffer (const gchar *text, GstClockTime pts)
{
  gsize len = strlen (text);
  GstBuffer *buffer = len ? gst_buffer_new_memdup (text, len) : gst_buffer_new ();

  GST_BUFFER_PTS (buffer) = pts;
  return buffer;
}

/* The reference lines that have a text to tokenize (their JsonObjects, referenced). */
static GPtrArray *
reference_text_lines (void)
{
  GPtrArray *lines = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  gchar *contents = NULL;
  gchar **texts;

  fail_unless (g_file_get_contents (reference_path, &contents, NULL, NULL), "cannot read %s", reference_path);
  texts = g_strsplit (contents, "\n", -1);
  for (guint i = 0; texts[i] && *texts[i]; i++) {
    JsonNode *node = json_from_string (texts[i], NULL);
    JsonObject *line;

    fail_unless (node != NULL && JSON_NODE_HOLDS_OBJECT (node), "%s:%u is not a JSON object", reference_path,
        i + 1);
    line = json_node_get_object (node);
    if (!json_object_get_boolean_member_with_default (line, "ids_given", FALSE))
      g_ptr_array_add (lines, json_object_ref (line));
    json_node_unref (node);
  }
  g_strfreev (texts);
  g_free (contents);
  return lines;
}

static void
assert_ids_equal (GstBuffer *buffer, JsonArray *expected, const gchar *where)
{
  guint n_tokens = 0;
  const gint32 *ids = gst_bert_token_meta_get_ids (gst_buffer_get_bert_token_meta (buffer), &n_tokens);

  fail_unless (n_tokens == json_array_get_length (expected), "%s: %u tokens, reference %u", where, n_tokens,
      json_array_get_length (expected));
  for (guint i = 0; i < n_tokens; i++)
    fail_unless (ids[i] == json_array_get_int_element (expected, i),
        "%s: token %u is %d, "
        "reference %" G_GINT64_FORMAT,
        where, i, ids[i], json_array_get_int_element (expected, i));
}

static const gfloat *
embedding_of (GstBuffer *buffer, guint *dim)
{
  GstCustomMeta *result = gst_buffer_get_bert_result_meta (buffer);

  fail_unless (result != NULL, "buffer at %" GST_TIME_FORMAT " has no result",
      GST_TIME_ARGS (GST_BUFFER_PTS (buffer)));
  return gst_bert_result_meta_get_embedding (result, dim);
}

static void
assert_embedding_close (GstBuffer *buffer, JsonArray *expected, const gchar *where)
{
  guint dim = 0;
  const gfloat *embedding = embedding_of (buffer, &dim);
  gdouble dot = 0.0, norm = 0.0, expected_norm = 0.0, max_difference = 0.0;

  fail_unless (dim == json_array_get_length (expected), "%s: dimension %u, reference %u", where, dim,
      json_array_get_length (expected));
  for (guint i = 0; i < dim; i++) {
    gdouble value = json_array_get_double_element (expected, i);

    dot += embedding[i] * value;
    norm += embedding[i] * (gdouble) embedding[i];
    expected_norm += value * value;
    max_difference = MAX (max_difference, fabs (embedding[i] - value));
  }
  fail_unless (dot / sqrt (norm * expected_norm) >= MIN_COSINE, "%s: cosine %.8f", where,
      dot / sqrt (norm * expected_norm));
  fail_unless (max_difference <= MAX_ABS_DIFFERENCE, "%s: an element is %g away", where, max_difference);
}

GST_START_TEST (test_reference_texts_give_reference_embeddings)
{
  GPtrArray *lines = reference_text_lines ();
  GstHarness *h = new_text_path ("");

  fail_unless (lines->len > 0, "%s has no text lines", reference_path);
  for (guint i = 0; i < lines->len; i++)
    fail_unless_equals_int (gst_harness_push (h,
                                text_buffer (json_object_get_string_member (g_ptr_array_index (lines, i),
                                                 "text"),
                                    i)),
        GST_FLOW_OK);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));

  for (guint i = 0; i < lines->len; i++) {
    JsonObject *line = g_ptr_array_index (lines, i);
    GstBuffer *buffer = gst_harness_pull (h);
    gchar *where =
        g_strdup_printf ("%s, text \"%s\"", reference_path, json_object_get_string_member (line, "text"));

    fail_unless (buffer != NULL && GST_BUFFER_PTS (buffer) == i, "%s: out of order", where);
    assert_ids_equal (buffer, json_object_get_array_member (line, "ids"), where);
    assert_embedding_close (buffer, json_object_get_array_member (line, "embedding"), where);
    gst_buffer_unref (buffer);
    g_free (where);
  }
  GST_INFO ("%u texts as sentence-transformers", lines->len);
  gst_harness_teardown (h);
  g_ptr_array_unref (lines);
}

GST_END_TEST;

/* About 400 tokens of plain English. */
static gchar *
long_text (void)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < 40; i++)
    g_string_append (text, "The quick brown fox jumps over the lazy dog. ");
  return g_string_free (text, FALSE);
}

/* Runs @text through the text path with @tokenizer_properties and returns the buffer. */
static GstBuffer *
run_one (const gchar *tokenizer_properties, const gchar *text)
{
  GstHarness *h = new_text_path (tokenizer_properties);
  GstBuffer *buffer;

  fail_unless_equals_int (gst_harness_push (h, text_buffer (text, 0)), GST_FLOW_OK);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  buffer = gst_harness_pull (h);
  gst_harness_teardown (h);
  return buffer;
}

static void
assert_cut_by_tokenizer (GstBuffer *buffer)
{
  GstCustomMeta *tokens = gst_buffer_get_bert_token_meta (buffer);
  guint n_tokens = 0;
  const gint32 *ids = gst_bert_token_meta_get_ids (tokens, &n_tokens);

  fail_unless_equals_int (n_tokens, MAX_SEQ_LENGTH);
  fail_unless_equals_int (ids[n_tokens - 1], SEP_ID);
  fail_unless (gst_bert_token_meta_get_truncated (tokens));
  fail_unless (gst_bert_result_meta_get_truncated (gst_buffer_get_bert_result_meta (buffer)));
}

/* Cut by the tokenizer at 256 (its default, from sentence_bert_config.json), or passed
 * whole by a tokenizer allowed 512 and cut by bert-infer: the same 256 tokens are run. */
GST_START_TEST (test_long_text_cut_at_max_seq_length)
{
  gchar *text = long_text ();
  GstBuffer *by_tokenizer = run_one ("", text);
  GstBuffer *by_bert_infer = run_one ("max-length=512", text);
  GstCustomMeta *tokens = gst_buffer_get_bert_token_meta (by_bert_infer);
  guint n_tokens = 0, dim = 0, dim_cut_here = 0;
  const gfloat *embedding = embedding_of (by_tokenizer, &dim);
  const gfloat *embedding_cut_here = embedding_of (by_bert_infer, &dim_cut_here);

  assert_cut_by_tokenizer (by_tokenizer);
  gst_bert_token_meta_get_ids (tokens, &n_tokens);
  fail_unless (n_tokens > MAX_SEQ_LENGTH && n_tokens < 512, "%u tokens", n_tokens);
  fail_if (gst_bert_token_meta_get_truncated (tokens));
  fail_unless (gst_bert_result_meta_get_truncated (gst_buffer_get_bert_result_meta (by_bert_infer)));
  fail_unless_equals_int (dim_cut_here, dim);
  for (guint i = 0; i < dim; i++)
    fail_unless (fabsf (embedding[i] - embedding_cut_here[i]) <= 1e-6f,
        "element %u: %g, "
        "cut by the tokenizer %g",
        i, embedding_cut_here[i], embedding[i]);
  gst_buffer_unref (by_tokenizer);
  gst_buffer_unref (by_bert_infer);
  g_free (text);
}

GST_END_TEST;

static Suite *
minilm_suite (void)
{
  Suite *s = suite_create ("minilm");
  TCase *text_path = tcase_create ("text-path");

  suite_add_tcase (s, text_path);
  tcase_add_test (text_path, test_reference_texts_give_reference_embeddings);
  tcase_add_test (text_path, test_long_text_cut_at_max_seq_length);
  return s;
}

/* The shared model and reference, or FALSE after saying which path is missing. */
static gboolean
find_shared_data (void)
{
  const gchar *shared = g_getenv ("GST_BERT_SHARED_DIR");
  gchar *weights;
  gboolean found;

  if (!shared || !*shared) {
    g_print ("SKIP: GST_BERT_SHARED_DIR is not set (the folder holding models/%s)\n", MODEL_NAME);
    return FALSE;
  }
  model_folder = g_build_filename (shared, "models", MODEL_NAME, NULL);
  reference_path = g_build_filename (shared, "reference", "encoder", MODEL_NAME ".jsonl", NULL);
  weights = g_build_filename (model_folder, "model.safetensors", NULL);
  found =
      g_file_test (weights, G_FILE_TEST_IS_REGULAR) && g_file_test (reference_path, G_FILE_TEST_IS_REGULAR);
  if (!found)
    g_print ("SKIP: %s or %s not found\n", weights, reference_path);
  g_free (weights);
  return found;
}

int
main (int argc, char **argv)
{
  int status;

  gst_check_init (&argc, &argv);
  if (!find_shared_data ())
    return SKIP_EXIT_CODE;
  status = gst_check_run_suite (minilm_suite (), "minilm", __FILE__);
  g_free (reference_path);
  g_free (model_folder);
  return status;
}
