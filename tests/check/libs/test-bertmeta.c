/* test-bertmeta.c: the token and result meta C API (plugin/gstbertmeta.h), without the plugin. */
#include <gst/check/gstcheck.h>
#include <string.h>

#include "gstbertmeta.h"

static const gint32 ids[] = { 101, 7592, 2088, 102 };
static const gint32 type_ids[] = { 0, 0, 1, 1 };
static const guint32 offsets[] = { 0, 0, 0, 5, 6, 11, 0, 0 };

static GstBuffer *
buffer_with_tokens (void)
{
  GstBuffer *buffer = gst_buffer_new_memdup ("hello world", 11);

  gst_buffer_add_bert_token_meta (buffer, ids, type_ids, offsets, 4, FALSE);
  return buffer;
}

static void
assert_tokens (GstCustomMeta *meta)
{
  guint n;

  fail_unless (meta != NULL);
  fail_unless (memcmp (gst_bert_token_meta_get_ids (meta, &n), ids, sizeof (ids)) == 0);
  fail_unless_equals_int (n, 4);
  fail_unless (memcmp (gst_bert_token_meta_get_type_ids (meta, &n), type_ids, sizeof (type_ids)) == 0);
  fail_unless_equals_int (n, 4);
  fail_unless (memcmp (gst_bert_token_meta_get_offsets (meta, &n), offsets, sizeof (offsets)) == 0);
  fail_unless_equals_int (n, 4);
}

GST_START_TEST (test_register_is_idempotent)
{
  const GstMetaInfo *token_info, *result_info;

  gst_bert_meta_register ();
  token_info = gst_meta_get_info (GST_BERT_TOKEN_META_NAME);
  result_info = gst_meta_get_info (GST_BERT_RESULT_META_NAME);
  fail_unless (token_info != NULL && gst_meta_info_is_custom (token_info));
  fail_unless (result_info != NULL && gst_meta_info_is_custom (result_info));
  gst_bert_meta_register ();
  fail_unless (gst_meta_get_info (GST_BERT_TOKEN_META_NAME) == token_info);
  fail_unless (gst_meta_get_info (GST_BERT_RESULT_META_NAME) == result_info);
}

GST_END_TEST;

GST_START_TEST (test_token_meta_round_trip)
{
  GstBuffer *buffer = buffer_with_tokens ();
  GstCustomMeta *meta = gst_buffer_get_bert_token_meta (buffer);
  guint n_tokens = 0;

  assert_tokens (meta);
  fail_if (gst_bert_token_meta_get_truncated (meta));
  fail_unless (gst_structure_get_uint (gst_custom_meta_get_structure (meta), "n-tokens", &n_tokens));
  fail_unless_equals_int (n_tokens, 4);
  /* pointers into the meta, not copies */
  fail_unless (gst_bert_token_meta_get_ids (meta, NULL) == gst_bert_token_meta_get_ids (meta, NULL));
  gst_buffer_unref (buffer);
}

GST_END_TEST;

GST_START_TEST (test_token_meta_replaced)
{
  GstBuffer *buffer = buffer_with_tokens ();
  const gint32 new_ids[] = { 101, 102 };
  const gint32 new_type_ids[] = { 0, 0 };
  const guint32 new_offsets[] = { 0, 0, 0, 0 };
  GstCustomMeta *meta;
  guint n, n_metas = 0;
  gpointer state = NULL;

  gst_buffer_add_bert_token_meta (buffer, new_ids, new_type_ids, new_offsets, 2, TRUE);
  while (gst_buffer_iterate_meta (buffer, &state))
    n_metas++;
  fail_unless_equals_int (n_metas, 1);
  meta = gst_buffer_get_bert_token_meta (buffer);
  fail_unless_equals_int (gst_bert_token_meta_get_ids (meta, &n)[1], 102);
  fail_unless_equals_int (n, 2);
  fail_unless (gst_bert_token_meta_get_truncated (meta));
  gst_buffer_unref (buffer);
}

GST_END_TEST;

/* The vocabulary identity is carried, and cleared when the tokens are replaced: new
 * tokens must not keep the old tokenizer's name. */
GST_START_TEST (test_token_meta_vocabulary)
{
  GstBuffer *buffer = buffer_with_tokens ();
  GstCustomMeta *meta = gst_buffer_get_bert_token_meta (buffer);
  const gint32 ids[] = { 101, 102 };
  const guint32 offsets[] = { 0, 0, 0, 0 };

  fail_unless (gst_bert_token_meta_get_vocabulary (meta) == NULL);
  gst_bert_token_meta_set_vocabulary (meta, "0123abcd");
  fail_unless_equals_string (gst_bert_token_meta_get_vocabulary (meta), "0123abcd");
  meta = gst_buffer_add_bert_token_meta (buffer, ids, ids, offsets, 2, FALSE);
  fail_unless (gst_bert_token_meta_get_vocabulary (meta) == NULL, "replaced tokens kept the old vocabulary");
  gst_bert_token_meta_set_vocabulary (meta, "ffff");
  gst_bert_token_meta_set_vocabulary (meta, NULL);
  fail_unless (gst_bert_token_meta_get_vocabulary (meta) == NULL);
  gst_buffer_unref (buffer);
}

GST_END_TEST;

/* The prompt is carried, and cleared when the tokens are replaced; "" is none. */
GST_START_TEST (test_token_meta_prompt)
{
  GstBuffer *buffer = buffer_with_tokens ();
  GstCustomMeta *meta = gst_buffer_get_bert_token_meta (buffer);
  const gint32 ids[] = { 101, 102 };
  const guint32 offsets[] = { 0, 0, 0, 0 };

  fail_unless (gst_bert_token_meta_get_prompt (meta) == NULL);
  gst_bert_token_meta_set_prompt (meta, "query: ");
  fail_unless_equals_string (gst_bert_token_meta_get_prompt (meta), "query: ");
  meta = gst_buffer_add_bert_token_meta (buffer, ids, ids, offsets, 2, FALSE);
  fail_unless (gst_bert_token_meta_get_prompt (meta) == NULL, "replaced tokens kept the old prompt");
  gst_bert_token_meta_set_prompt (meta, "passage: ");
  gst_bert_token_meta_set_prompt (meta, "");
  fail_unless (gst_bert_token_meta_get_prompt (meta) == NULL);
  gst_buffer_unref (buffer);
}

GST_END_TEST;

GST_START_TEST (test_token_meta_empty)
{
  GstBuffer *buffer = gst_buffer_new ();
  GstCustomMeta *meta;
  guint n = 99;

  fail_unless (gst_buffer_get_bert_token_meta (buffer) == NULL);
  meta = gst_buffer_add_bert_token_meta (buffer, NULL, NULL, NULL, 0, FALSE);
  fail_unless (meta != NULL);
  gst_bert_token_meta_get_ids (meta, &n);
  fail_unless_equals_int (n, 0);
  gst_bert_token_meta_get_offsets (meta, &n);
  fail_unless_equals_int (n, 0);
  gst_buffer_unref (buffer);
}

GST_END_TEST;

GST_START_TEST (test_metas_follow_whole_copies_only)
{
  GstBuffer *buffer = buffer_with_tokens ();
  GstBuffer *copy, *part;

  gst_buffer_add_bert_result_meta (buffer, "model", 5);
  copy = gst_buffer_copy (buffer);
  assert_tokens (gst_buffer_get_bert_token_meta (copy));
  fail_unless_equals_string (gst_bert_result_meta_get_model (gst_buffer_get_bert_result_meta (copy)),
      "model");

  part = gst_buffer_copy_region (buffer, GST_BUFFER_COPY_ALL, 6, 5);
  fail_unless (gst_buffer_get_bert_token_meta (part) == NULL);
  fail_unless (gst_buffer_get_bert_result_meta (part) == NULL);

  gst_buffer_unref (part);
  gst_buffer_unref (copy);
  gst_buffer_unref (buffer);
}

GST_END_TEST;

GST_START_TEST (test_result_meta_embedding)
{
  const gfloat embedding[] = { 0.5f, -0.25f, 0.125f };
  GstBuffer *buffer = gst_buffer_new ();
  GstCustomMeta *meta;
  guint dim;

  fail_unless (gst_buffer_get_bert_result_meta (buffer) == NULL);
  meta = gst_buffer_add_bert_result_meta (buffer, "all-MiniLM-L6-v2", 42000);
  fail_unless (gst_buffer_add_bert_result_meta (buffer, "all-MiniLM-L6-v2", 43000) == meta);
  gst_bert_result_meta_set_embedding (meta, embedding, 3);

  meta = gst_buffer_get_bert_result_meta (buffer);
  fail_unless_equals_string (gst_bert_result_meta_get_model (meta), "all-MiniLM-L6-v2");
  fail_unless_equals_uint64 (gst_bert_result_meta_get_inference_time (meta), 43000);
  fail_unless (memcmp (gst_bert_result_meta_get_embedding (meta, &dim), embedding, sizeof (embedding)) == 0);
  fail_unless_equals_int (dim, 3);
  fail_unless (gst_bert_result_meta_get_logits (meta, &dim) == NULL);
  fail_unless_equals_int (dim, 0);
  fail_unless_equals_int (gst_bert_result_meta_get_label_index (meta), -1);
  fail_unless (gst_bert_result_meta_get_label (meta) == NULL);
  fail_unless_equals_int (gst_bert_result_meta_get_n_token_labels (meta), 0);
  gst_buffer_unref (buffer);
}

GST_END_TEST;

GST_START_TEST (test_result_meta_classification)
{
  const gfloat logits[] = { 1.0f, -2.0f };
  const gfloat probs[] = { 0.95257413f, 0.04742587f };
  const gchar *over_threshold[] = { "positive", NULL };
  GstBuffer *buffer = gst_buffer_new ();
  GstCustomMeta *meta = gst_buffer_add_bert_result_meta (buffer, "sentiment", 1);
  const GValue *labels;
  guint n;

  gst_bert_result_meta_set_classification (meta, logits, probs, 2, 0, "positive", over_threshold);
  fail_unless (memcmp (gst_bert_result_meta_get_logits (meta, &n), logits, sizeof (logits)) == 0);
  fail_unless_equals_int (n, 2);
  fail_unless (memcmp (gst_bert_result_meta_get_probs (meta, &n), probs, sizeof (probs)) == 0);
  fail_unless_equals_int (gst_bert_result_meta_get_label_index (meta), 0);
  fail_unless_equals_string (gst_bert_result_meta_get_label (meta), "positive");
  labels = gst_structure_get_value (gst_custom_meta_get_structure (meta), "labels");
  fail_unless (labels != NULL && GST_VALUE_HOLDS_ARRAY (labels));
  fail_unless_equals_int (gst_value_array_get_size (labels), 1);

  /* a multi-label result with nothing over the threshold: no label, no list */
  gst_bert_result_meta_set_classification (meta, NULL, probs, 2, -1, NULL, NULL);
  fail_unless (gst_bert_result_meta_get_logits (meta, &n) == NULL);
  fail_unless_equals_int (gst_bert_result_meta_get_label_index (meta), -1);
  fail_unless (gst_bert_result_meta_get_label (meta) == NULL);
  fail_if (gst_structure_has_field (gst_custom_meta_get_structure (meta), "labels"));
  gst_buffer_unref (buffer);
}

GST_END_TEST;

GST_START_TEST (test_result_meta_token_labels)
{
  const gchar *token_labels[] = { "O", "B-LOC", NULL };
  const gfloat scores[] = { 0.75f, 0.5f, 0.25f };
  const guint32 spans[] = { 0, 0, 0, 5, 0, 0 };
  GstBuffer *buffer = gst_buffer_new ();
  GstCustomMeta *meta = gst_buffer_add_bert_result_meta (buffer, "ner", 1);
  guint n;

  gst_bert_result_meta_set_token_labels (meta, token_labels, scores, spans, 3);
  fail_unless_equals_int (gst_bert_result_meta_get_n_token_labels (meta), 3);
  fail_unless_equals_string (gst_bert_result_meta_get_token_label (meta, 1), "B-LOC");
  fail_unless_equals_string (gst_bert_result_meta_get_token_label (meta, 2), "");
  fail_unless (gst_bert_result_meta_get_token_label (meta, 3) == NULL);
  fail_unless (memcmp (gst_bert_result_meta_get_token_scores (meta, &n), scores, sizeof (scores)) == 0);
  fail_unless_equals_int (n, 3);
  fail_unless (memcmp (gst_bert_result_meta_get_token_spans (meta, &n), spans, sizeof (spans)) == 0);
  fail_unless_equals_int (n, 3);
  gst_buffer_unref (buffer);
}

GST_END_TEST;

/* The field types Python reads: Gst.Buffer for arrays, GValueArray for string lists. */
/* One result per model and element: a second one is added beside the first, found by
 * either name, and a whole copy keeps both. */
GST_START_TEST (test_result_metas_per_model_and_element)
{
  GstBuffer *buffer = gst_buffer_new_allocate (NULL, 4, NULL), *copy;
  GstCustomMeta *encoder, *sentiment, *found;
  const gfloat first[] = { 1.0f, 2.0f }, second[] = { 3.0f };
  gpointer state = NULL;
  guint n = 0, dim;

  encoder = gst_buffer_add_bert_result_meta_for_element (buffer, "minilm", "embed", 5);
  gst_bert_result_meta_set_embedding (encoder, first, 2);
  sentiment = gst_buffer_add_bert_result_meta_for_element (buffer, "sentiment", "classify", 6);
  gst_bert_result_meta_set_embedding (sentiment, second, 1);
  fail_unless (sentiment != encoder);
  fail_unless (gst_buffer_add_bert_result_meta_for_element (buffer, "minilm", "embed", 7) == encoder);
  fail_unless (gst_buffer_get_bert_result_meta (buffer) == encoder);
  fail_unless (gst_buffer_get_bert_result_meta_by_name (buffer, "classify") == sentiment);
  fail_unless (gst_buffer_get_bert_result_meta_by_name (buffer, "minilm") == encoder);
  fail_unless (gst_buffer_get_bert_result_meta_by_name (buffer, "absent") == NULL);
  fail_unless_equals_string (gst_bert_result_meta_get_element (sentiment), "classify");

  copy = gst_buffer_copy (buffer);
  while ((found = gst_buffer_iterate_bert_result_metas (copy, &state)) != NULL)
    n++;
  fail_unless_equals_int (n, 2);
  found = gst_buffer_get_bert_result_meta_by_name (copy, "sentiment");
  fail_unless (found != NULL);
  fail_unless_equals_float (gst_bert_result_meta_get_embedding (found, &dim)[0], 3.0f);
  found = gst_buffer_get_bert_result_meta_by_name (copy, "embed");
  fail_unless_equals_float (gst_bert_result_meta_get_embedding (found, &dim)[1], 2.0f);
  gst_buffer_unref (copy);
  gst_buffer_unref (buffer);
}

GST_END_TEST;

GST_START_TEST (test_field_types_for_python)
{
  const gchar *token_labels[] = { "O" };
  GstBuffer *buffer = buffer_with_tokens ();
  GstCustomMeta *result = gst_buffer_add_bert_result_meta (buffer, "m", 1);
  GstStructure *s;

  gst_bert_result_meta_set_token_labels (result, token_labels, NULL, NULL, 1);
  s = gst_custom_meta_get_structure (gst_buffer_get_bert_token_meta (buffer));
  fail_unless_equals_string (gst_structure_get_name (s), GST_BERT_TOKEN_META_NAME);
  fail_unless (gst_structure_get_field_type (s, "ids") == GST_TYPE_BUFFER);
  fail_unless (gst_structure_get_field_type (s, "offsets") == GST_TYPE_BUFFER);
  s = gst_custom_meta_get_structure (result);
  fail_unless_equals_string (gst_structure_get_name (s), GST_BERT_RESULT_META_NAME);
  fail_unless (gst_structure_get_field_type (s, "token-labels") == GST_TYPE_ARRAY);
  fail_if (gst_structure_has_field (s, "token-scores"));
  gst_buffer_unref (buffer);
}

GST_END_TEST;

static Suite *
bertmeta_suite (void)
{
  Suite *s = suite_create ("bertmeta");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_register_is_idempotent);
  tcase_add_test (tc, test_token_meta_round_trip);
  tcase_add_test (tc, test_token_meta_replaced);
  tcase_add_test (tc, test_token_meta_vocabulary);
  tcase_add_test (tc, test_token_meta_prompt);
  tcase_add_test (tc, test_token_meta_empty);
  tcase_add_test (tc, test_metas_follow_whole_copies_only);
  tcase_add_test (tc, test_result_meta_embedding);
  tcase_add_test (tc, test_result_meta_classification);
  tcase_add_test (tc, test_result_meta_token_labels);
  tcase_add_test (tc, test_field_types_for_python);
  tcase_add_test (tc, test_result_metas_per_model_and_element);
  return s;
}

GST_CHECK_MAIN (bertmeta);
