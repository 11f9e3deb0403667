/* gstbertinferresult.c: bert-infer's results as metadata (see gstbertinferresult.h). */
#include "gstbertinferresult.h"

#include "gstbertmeta.h"

#include <math.h>

GstBertInferOutput
gst_bert_infer_result_head_output (BertHead head)
{
  switch (head) {
    case BERT_HEAD_SEQUENCE_CLASSIFIER: return GST_BERT_INFER_OUTPUT_LABELS;
    case BERT_HEAD_TOKEN_CLASSIFIER: return GST_BERT_INFER_OUTPUT_TOKEN_LABELS;
    case BERT_HEAD_ENCODER:
    default: return GST_BERT_INFER_OUTPUT_EMBEDDING;
  }
}

static const gchar *
label_name (const BertConfig *config, gint index)
{
  if (!config->id2label || index < 0 || index >= config->num_labels)
    return NULL;
  return config->id2label[index];
}

/* A result scored by sigmoid names every label that applies, and its label is the best
 * of those (none when none applies); any other (softmax, or a regression's raw logits)
 * has only its label, the argmax, always named. */
static void
set_classification (GstCustomMeta *meta, const BertConfig *config, const BertBatchOutput *output, guint index)
{
  guint num_labels = output->num_labels;
  const gfloat *logits = output->logits + (gsize) index * num_labels;
  const gfloat *probs = output->probs + (gsize) index * num_labels;
  const guint8 *applies = output->label_applies + (gsize) index * num_labels;
  gint label = applies[output->labels[index]] ? output->labels[index] : -1;
  const gchar **applying = NULL;

  if (config->score_function == BERT_SCORES_SIGMOID) {
    guint n_applying = 0;

    applying = g_newa (const gchar *, num_labels + 1);
    for (guint i = 0; i < num_labels; i++)
      if (applies[i])
        applying[n_applying++] = label_name (config, i);
    applying[n_applying] = NULL;
  }
  gst_bert_result_meta_set_classification (meta, logits, probs, num_labels, label, label_name (config, label),
      applying);
}

static void
set_token_labels (GstCustomMeta *meta, const BertConfig *config, const GstBertInferBatch *batch,
    const BertBatchOutput *output, guint index)
{
  guint start = output->token_offset[index];
  guint n_tokens = output->token_offset[index + 1] - start;
  const gchar **names = g_new (const gchar *, n_tokens + 1);
  gfloat *scores = g_new (gfloat, n_tokens);

  for (guint t = 0; t < n_tokens; t++) {
    gint label = output->token_labels[start + t];

    names[t] = label_name (config, label);
    scores[t] = output->token_probs[(gsize) (start + t) * output->num_labels + label];
  }
  names[n_tokens] = NULL;
  gst_bert_result_meta_set_token_labels (meta, names, scores, gst_bert_infer_batch_get_spans (batch, index),
      n_tokens);
  g_free (names);
  g_free (scores);
}

GstCustomMeta *
gst_bert_infer_result_attach (GstBuffer *buffer, const gchar *element_name, const BertModel *model,
    const GstBertInferBatch *batch, const BertBatchOutput *output, guint index, GstBertInferOutput wanted)
{
  GstCustomMeta *meta = gst_buffer_add_bert_result_meta_for_element (buffer, model->name, element_name,
      (guint64) (output->compute_seconds * GST_SECOND));

  gst_bert_result_meta_set_truncated (meta, gst_bert_infer_batch_get_truncated (batch, index));
  if ((wanted & GST_BERT_INFER_OUTPUT_EMBEDDING) && output->embeddings)
    gst_bert_result_meta_set_embedding (meta, output->embeddings + (gsize) index * output->embedding_size,
        output->embedding_size);
  if ((wanted & GST_BERT_INFER_OUTPUT_LABELS) && output->logits)
    set_classification (meta, &model->config, output, index);
  if ((wanted & GST_BERT_INFER_OUTPUT_TOKEN_LABELS) && output->token_logits)
    set_token_labels (meta, &model->config, batch, output, index);
  return meta;
}

static gboolean
all_finite (const gfloat *values, gsize n)
{
  for (gsize i = 0; i < n; i++)
    if (!isfinite (values[i]))
      return FALSE;
  return TRUE;
}

gboolean
gst_bert_infer_result_is_finite (const BertBatchOutput *output, guint index)
{
  gsize n_labels = output->num_labels;

  if (output->embeddings
      && !all_finite (output->embeddings + (gsize) index * output->embedding_size, output->embedding_size))
    return FALSE;
  if (output->logits
      && !(all_finite (output->logits + index * n_labels, n_labels)
          && all_finite (output->probs + index * n_labels, n_labels)))
    return FALSE;
  if (output->token_logits) {
    gsize start = (gsize) output->token_offset[index] * n_labels;
    gsize n_values = (gsize) (output->token_offset[index + 1] - output->token_offset[index]) * n_labels;

    return all_finite (output->token_logits + start, n_values)
        && all_finite (output->token_probs + start, n_values);
  }
  return TRUE;
}

void
gst_bert_infer_result_post (GstElement *element, GstBuffer *buffer, GstCustomMeta *meta)
{
  GstStructure *structure = gst_structure_copy (gst_custom_meta_get_structure (meta));

  gst_structure_set_name (structure, "bert-result");
  gst_structure_set (structure, "pts", G_TYPE_UINT64, GST_BUFFER_PTS (buffer), NULL);
  gst_element_post_message (element, gst_message_new_element (GST_OBJECT (element), structure));
}
