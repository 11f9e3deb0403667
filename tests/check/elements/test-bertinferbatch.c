/* test-bertinferbatch.c: unit tests of bert-infer's batch (elements/gstbertinferbatch.c),
 * without a pipeline: reading a buffer's tokens, the packed layout, the append rule,
 * the limits and the packed input the engine reads. */
#include <gst/check/gstcheck.h>

#include "gstbertinferbatch.h"
#include "gstbertmeta.h"

static GstBertInferTokens
tokens_of (const gint32 *ids, const gint32 *type_ids, const guint32 *offsets, guint n_tokens, guint n_kept)
{
  GstBertInferTokens tokens = { ids, type_ids, offsets, n_tokens, n_kept, FALSE };

  return tokens;
}

static void
assert_ints (GArray *array, const gint32 *expected, guint n)
{
  fail_unless_equals_int (array->len, n);
  for (guint i = 0; i < n; i++)
    fail_unless_equals_int (g_array_index (array, gint32, i), expected[i]);
}

GST_START_TEST (test_sequences_are_packed_end_to_end)
{
  static const gint32 ids_a[] = { 2, 7, 3 }, ids_b[] = { 2, 8, 9, 3 };
  static const gint32 types_b[] = { 0, 0, 1, 1 };
  static const guint32 offsets_a[] = { 0, 0, 0, 5, 5, 5 };
  static const gint32 packed_ids[] = { 2, 7, 3, 2, 8, 9, 3 };
  static const gint32 packed_types[] = { 0, 0, 0, 0, 0, 1, 1 };
  static const gint32 packed_offsets[] = { 0, 3, 7 };
  GstBertInferBatch *batch = gst_bert_infer_batch_new ();
  GstBertInferTokens a = tokens_of (ids_a, NULL, offsets_a, 3, 3);
  GstBertInferTokens b = tokens_of (ids_b, types_b, NULL, 4, 4);
  const guint32 *spans;

  gst_bert_infer_batch_append (batch, gst_buffer_new (), &a);
  gst_bert_infer_batch_append (batch, gst_buffer_new (), &b);
  fail_unless_equals_int (gst_bert_infer_batch_n_buffers (batch), 2);
  fail_unless_equals_int (gst_bert_infer_batch_n_tokens (batch), 7);
  assert_ints (batch->ids, packed_ids, 7);
  assert_ints (batch->type_ids, packed_types, 7);
  assert_ints (batch->seq_offsets, packed_offsets, 3);
  spans = gst_bert_infer_batch_get_spans (batch, 0);
  fail_unless_equals_int (spans[3], 5);
  /* No offsets count as zeros, as no type ids do. */
  spans = gst_bert_infer_batch_get_spans (batch, 1);
  for (guint i = 0; i < 8; i++)
    fail_unless_equals_int (spans[i], 0);
  fail_if (gst_bert_infer_batch_get_truncated (batch, 0));
  gst_bert_infer_batch_free (batch);
}

GST_END_TEST;

GST_START_TEST (test_long_sequence_keeps_head_and_last_token)
{
  static const gint32 ids[] = { 2, 10, 11, 12, 13, 3 };
  static const guint32 offsets[] = { 0, 0, 0, 2, 3, 5, 6, 8, 9, 11, 11, 11 };
  static const gint32 kept_ids[] = { 2, 10, 11, 3 };
  GstBertInferBatch *batch = gst_bert_infer_batch_new ();
  GstBertInferTokens tokens = tokens_of (ids, NULL, offsets, 6, 4);
  const guint32 *spans;

  gst_bert_infer_batch_append (batch, gst_buffer_new (), &tokens);
  assert_ints (batch->ids, kept_ids, 4);
  spans = gst_bert_infer_batch_get_spans (batch, 0);
  fail_unless_equals_int (spans[4], 3);
  fail_unless_equals_int (spans[6], 11); /* the [SEP]'s span */
  fail_unless (gst_bert_infer_batch_get_truncated (batch, 0));
  gst_bert_infer_batch_free (batch);
}

GST_END_TEST;

GST_START_TEST (test_tokenizer_truncation_flag_is_kept)
{
  static const gint32 ids[] = { 2, 3 };
  GstBertInferBatch *batch = gst_bert_infer_batch_new ();
  GstBertInferTokens tokens = tokens_of (ids, NULL, NULL, 2, 2);

  tokens.truncated = TRUE;
  gst_bert_infer_batch_append (batch, gst_buffer_new (), &tokens);
  fail_unless (gst_bert_infer_batch_get_truncated (batch, 0));
  gst_bert_infer_batch_free (batch);
}

GST_END_TEST;

GST_START_TEST (test_limits_count_buffers_and_tokens)
{
  static const gint32 ids[] = { 2, 5, 6, 3 };
  GstBertInferBatch *batch = gst_bert_infer_batch_new ();
  GstBertInferTokens tokens = tokens_of (ids, NULL, NULL, 4, 4);

  fail_if (gst_bert_infer_batch_would_overflow (batch, 4, 4));
  gst_bert_infer_batch_append (batch, gst_buffer_new (), &tokens);
  fail_unless (gst_bert_infer_batch_would_overflow (batch, 1, 4));
  fail_if (gst_bert_infer_batch_would_overflow (batch, 1000, 0)); /* 0: no limit */
  fail_unless (gst_bert_infer_batch_is_full (batch, 1, 0));
  fail_if (gst_bert_infer_batch_is_full (batch, 2, 0));
  fail_unless (gst_bert_infer_batch_is_full (batch, 2, 4));
  fail_if (gst_bert_infer_batch_is_full (batch, 2, 5));
  gst_bert_infer_batch_free (batch);
}

GST_END_TEST;

GST_START_TEST (test_stolen_buffers_are_not_freed_by_batch)
{
  static const gint32 ids[] = { 2, 3 };
  GstBertInferBatch *batch = gst_bert_infer_batch_new ();
  GstBertInferTokens tokens = tokens_of (ids, NULL, NULL, 2, 2);
  GstBuffer *buffer = gst_buffer_new (), *kept = gst_buffer_new ();

  gst_bert_infer_batch_append (batch, gst_buffer_ref (buffer), &tokens);
  gst_bert_infer_batch_append (batch, gst_buffer_ref (kept), &tokens);
  fail_unless (gst_bert_infer_batch_steal_buffer (batch, 0) == buffer);
  gst_bert_infer_batch_free (batch);
  /* The stolen one keeps the reference the batch held; the other lost it. */
  ASSERT_MINI_OBJECT_REFCOUNT (buffer, "stolen buffer", 2);
  ASSERT_MINI_OBJECT_REFCOUNT (kept, "kept buffer", 1);
  gst_buffer_unref (buffer);
  gst_buffer_unref (buffer);
  gst_buffer_unref (kept);
}

GST_END_TEST;

GST_START_TEST (test_token_meta_is_read_whole)
{
  static const gint32 ids[] = { 2, 9, 3 }, type_ids[] = { 0, 1, 1 };
  static const guint32 offsets[] = { 0, 0, 0, 4, 0, 0 };
  GstBuffer *buffer = gst_buffer_new ();
  GstCustomMeta *meta = gst_buffer_add_bert_token_meta (buffer, ids, type_ids, offsets, 3, TRUE);
  GstBertInferTokens tokens;

  fail_unless (gst_bert_infer_tokens_from_meta (meta, &tokens));
  fail_unless_equals_int (tokens.n_tokens, 3);
  fail_unless_equals_int (tokens.ids[1], 9);
  fail_unless_equals_int (tokens.type_ids[2], 1);
  fail_unless_equals_int (tokens.offsets[3], 4);
  fail_unless (tokens.truncated);
  gst_buffer_unref (buffer);
}

GST_END_TEST;

GST_START_TEST (test_short_meta_arrays_count_as_absent)
{
  static const gint32 ids[] = { 2, 9, 3 };
  static const guint32 offsets[6] = { 0 };
  GstBuffer *buffer = gst_buffer_new ();
  GstCustomMeta *meta = gst_buffer_add_bert_token_meta (buffer, ids, ids, offsets, 3, FALSE);
  GstBuffer *short_array = gst_buffer_new_allocate (NULL, 2 * sizeof (gint32), NULL);
  GstBertInferTokens tokens;

  gst_structure_set (gst_custom_meta_get_structure (meta), "type-ids", GST_TYPE_BUFFER, short_array,
      "offsets", GST_TYPE_BUFFER, short_array, NULL);
  gst_buffer_unref (short_array);
  fail_unless (gst_bert_infer_tokens_from_meta (meta, &tokens));
  fail_unless (tokens.type_ids == NULL);
  fail_unless (tokens.offsets == NULL);
  gst_buffer_unref (buffer);
}

GST_END_TEST;

GST_START_TEST (test_empty_or_absent_meta_gives_no_tokens)
{
  GstBuffer *buffer = gst_buffer_new ();
  GstCustomMeta *meta = gst_buffer_add_bert_token_meta (buffer, NULL, NULL, NULL, 0, FALSE);
  GstBertInferTokens tokens;

  fail_if (gst_bert_infer_tokens_from_meta (meta, &tokens));
  fail_if (gst_bert_infer_tokens_from_meta (NULL, &tokens));
  gst_buffer_unref (buffer);
}

GST_END_TEST;

GST_START_TEST (test_packed_input_is_the_batch_arrays)
{
  static const gint32 ids[] = { 2, 7, 3 };
  GstBertInferBatch *batch = gst_bert_infer_batch_new ();
  GstBertInferTokens tokens = tokens_of (ids, NULL, NULL, 3, 3);
  BertPackedInput input;

  gst_bert_infer_batch_append (batch, gst_buffer_new (), &tokens);
  gst_bert_infer_batch_append (batch, gst_buffer_new (), &tokens);
  gst_bert_infer_batch_get_packed (batch, &input);
  fail_unless_equals_int (input.n_sequences, 2);
  fail_unless (input.ids == (const gint32 *) batch->ids->data);
  fail_unless (input.type_ids == (const gint32 *) batch->type_ids->data);
  fail_unless (input.seq_offsets == (const guint32 *) batch->seq_offsets->data);
  fail_unless_equals_int (input.seq_offsets[2], 6);
  gst_bert_infer_batch_free (batch);
}

GST_END_TEST;

/* A meta's prompt length reaches the engine's input, per sequence; none is 0. */
GST_START_TEST (test_prompt_lengths_reach_the_packed_input)
{
  static const gint32 ids[] = { 2, 7, 8, 3 }, type_ids[4] = { 0 };
  static const guint32 offsets[8] = { 0 };
  GstBertInferBatch *batch = gst_bert_infer_batch_new ();
  GstBuffer *buffer = gst_buffer_new ();
  GstCustomMeta *meta = gst_buffer_add_bert_token_meta (buffer, ids, type_ids, offsets, 4, FALSE);
  GstBertInferTokens prompted, plain = tokens_of (ids, NULL, NULL, 4, 4);
  BertPackedInput input;

  gst_bert_token_meta_set_prompt_length (meta, 3);
  fail_unless (gst_bert_infer_tokens_from_meta (meta, &prompted));
  prompted.n_kept = 4;
  gst_bert_infer_batch_append (batch, gst_buffer_new (), &plain);
  gst_bert_infer_batch_append (batch, gst_buffer_new (), &prompted);
  gst_bert_infer_batch_get_packed (batch, &input);
  fail_unless_equals_int (input.prompt_lengths[0], 0);
  fail_unless_equals_int (input.prompt_lengths[1], 3);
  /* Replacing the tokens forgets the prompt they had. */
  meta = gst_buffer_add_bert_token_meta (buffer, ids, type_ids, offsets, 4, FALSE);
  fail_unless_equals_int (gst_bert_token_meta_get_prompt_length (meta), 0);
  gst_buffer_unref (buffer);
  gst_bert_infer_batch_free (batch);
}

GST_END_TEST;

static Suite *
bertinferbatch_suite (void)
{
  Suite *s = suite_create ("bertinferbatch");
  TCase *tc = tcase_create ("batch");

  gst_bert_meta_register ();
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_token_meta_is_read_whole);
  tcase_add_test (tc, test_short_meta_arrays_count_as_absent);
  tcase_add_test (tc, test_empty_or_absent_meta_gives_no_tokens);
  tcase_add_test (tc, test_sequences_are_packed_end_to_end);
  tcase_add_test (tc, test_long_sequence_keeps_head_and_last_token);
  tcase_add_test (tc, test_tokenizer_truncation_flag_is_kept);
  tcase_add_test (tc, test_limits_count_buffers_and_tokens);
  tcase_add_test (tc, test_stolen_buffers_are_not_freed_by_batch);
  tcase_add_test (tc, test_packed_input_is_the_batch_arrays);
  tcase_add_test (tc, test_prompt_lengths_reach_the_packed_input);
  return s;
}

GST_CHECK_MAIN (bertinferbatch);
