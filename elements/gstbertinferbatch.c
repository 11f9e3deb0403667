/* gstbertinferbatch.c: the batch bert-infer gathers (see gstbertinferbatch.h). */
#include "gstbertinferbatch.h"

#include "gstbertmeta.h"

#include <string.h>

gboolean
gst_bert_infer_tokens_from_meta (GstCustomMeta *meta, GstBertInferTokens *tokens)
{
  guint n_entries = 0;

  tokens->ids = meta ? gst_bert_token_meta_get_ids (meta, &tokens->n_tokens) : NULL;
  if (!tokens->ids || tokens->n_tokens == 0)
    return FALSE;
  tokens->type_ids = gst_bert_token_meta_get_type_ids (meta, &n_entries);
  if (n_entries < tokens->n_tokens)
    tokens->type_ids = NULL;
  tokens->offsets = gst_bert_token_meta_get_offsets (meta, &n_entries);
  if (n_entries < tokens->n_tokens)
    tokens->offsets = NULL;
  tokens->truncated = gst_bert_token_meta_get_truncated (meta);
  tokens->prompt_length = gst_bert_token_meta_get_prompt_length (meta);
  return TRUE;
}

void
gst_bert_infer_tokens_from_encoding (const BertEncoding *encoding, GstBertInferTokens *tokens)
{
  tokens->ids = encoding->ids;
  tokens->type_ids = encoding->type_ids;
  tokens->offsets = encoding->offsets;
  tokens->n_tokens = encoding->n_tokens;
  tokens->truncated = encoding->truncated;
  tokens->prompt_length = 0;
}

GstBertInferBatch *
gst_bert_infer_batch_new (void)
{
  GstBertInferBatch *batch = g_new0 (GstBertInferBatch, 1);

  batch->buffers = g_ptr_array_new ();
  batch->ids = g_array_new (FALSE, FALSE, sizeof (gint32));
  batch->type_ids = g_array_new (FALSE, FALSE, sizeof (gint32));
  batch->spans = g_array_new (FALSE, FALSE, sizeof (guint32));
  batch->seq_offsets = g_array_new (FALSE, TRUE, sizeof (guint32));
  g_array_set_size (batch->seq_offsets, 1);
  batch->truncated = g_array_new (FALSE, FALSE, sizeof (gboolean));
  batch->prompt_lengths = g_array_new (FALSE, FALSE, sizeof (guint32));
  batch->opened_us = g_get_monotonic_time ();
  return batch;
}

void
gst_bert_infer_batch_free (GstBertInferBatch *batch)
{
  for (guint i = 0; i < batch->buffers->len; i++)
    gst_clear_buffer ((GstBuffer **) &batch->buffers->pdata[i]);
  g_ptr_array_free (batch->buffers, TRUE);
  g_array_free (batch->ids, TRUE);
  g_array_free (batch->type_ids, TRUE);
  g_array_free (batch->spans, TRUE);
  g_array_free (batch->seq_offsets, TRUE);
  g_array_free (batch->truncated, TRUE);
  g_array_free (batch->prompt_lengths, TRUE);
  g_free (batch);
}

/* Appends the first n_kept - 1 values of @values and its last one (n_values entries
 * of @width each); NULL values append zeros. */
static void
append_kept (GArray *array, const void *values, guint n_values, guint n_kept, guint width)
{
  guint head = (n_kept - 1) * width, start = array->len;
  guint element_size = g_array_get_element_size (array);

  if (!values) {
    g_array_set_size (array, start + n_kept * width);
    memset (array->data + (gsize) start * element_size, 0, (gsize) n_kept * width * element_size);
    return;
  }
  g_array_append_vals (array, values, head);
  g_array_append_vals (array, (const gchar *) values + (gsize) (n_values - 1) * width * element_size, width);
}

void
gst_bert_infer_batch_append (GstBertInferBatch *batch, GstBuffer *buffer, const GstBertInferTokens *tokens)
{
  gboolean truncated = tokens->truncated || tokens->n_kept < tokens->n_tokens;
  guint32 end;

  g_return_if_fail (tokens->n_kept >= 1 && tokens->n_kept <= tokens->n_tokens);
  g_ptr_array_add (batch->buffers, buffer);
  g_array_append_val (batch->truncated, truncated);
  g_array_append_val (batch->prompt_lengths, tokens->prompt_length);
  append_kept (batch->ids, tokens->ids, tokens->n_tokens, tokens->n_kept, 1);
  append_kept (batch->type_ids, tokens->type_ids, tokens->n_tokens, tokens->n_kept, 1);
  append_kept (batch->spans, tokens->offsets, tokens->n_tokens, tokens->n_kept, 2);
  end = batch->ids->len;
  g_array_append_val (batch->seq_offsets, end);
}

guint
gst_bert_infer_batch_n_buffers (const GstBertInferBatch *batch)
{
  return batch->seq_offsets->len - 1;
}

guint
gst_bert_infer_batch_n_tokens (const GstBertInferBatch *batch)
{
  return batch->ids->len;
}

gboolean
gst_bert_infer_batch_would_overflow (const GstBertInferBatch *batch, guint n_tokens, guint max_tokens)
{
  return max_tokens && batch->ids->len + n_tokens > max_tokens;
}

gboolean
gst_bert_infer_batch_is_full (const GstBertInferBatch *batch, guint max_buffers, guint max_tokens)
{
  return gst_bert_infer_batch_n_buffers (batch) >= max_buffers
      || (max_tokens && batch->ids->len >= max_tokens);
}

const guint32 *
gst_bert_infer_batch_get_spans (const GstBertInferBatch *batch, guint index)
{
  g_return_val_if_fail (index < gst_bert_infer_batch_n_buffers (batch), NULL);
  return &g_array_index (batch->spans, guint32, 2 * g_array_index (batch->seq_offsets, guint32, index));
}

gboolean
gst_bert_infer_batch_get_truncated (const GstBertInferBatch *batch, guint index)
{
  g_return_val_if_fail (index < batch->truncated->len, FALSE);
  return g_array_index (batch->truncated, gboolean, index);
}

void
gst_bert_infer_batch_get_packed (const GstBertInferBatch *batch, BertPackedInput *input)
{
  input->n_sequences = gst_bert_infer_batch_n_buffers (batch);
  input->ids = (const int32_t *) batch->ids->data;
  input->type_ids = (const int32_t *) batch->type_ids->data;
  input->seq_offsets = (const uint32_t *) batch->seq_offsets->data;
  input->prompt_lengths = (const uint32_t *) batch->prompt_lengths->data;
}

GstBuffer *
gst_bert_infer_batch_steal_buffer (GstBertInferBatch *batch, guint index)
{
  g_return_val_if_fail (index < batch->buffers->len, NULL);
  return g_steal_pointer (&batch->buffers->pdata[index]);
}
