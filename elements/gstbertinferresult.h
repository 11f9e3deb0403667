/* gstbertinferresult.h: bert-infer's results as metadata (gst-nvinfer's *_meta_utils).
 *
 * Turns one sequence of the engine's batch output into a #GstBertResultMeta on its
 * buffer, and into an element message when asked. It only reads the engine's output
 * and the batch; the threads live in gstbertinfer.c.
 */
#ifndef GST_BERT_INFER_RESULT_H
#define GST_BERT_INFER_RESULT_H

#include <gst/gst.h>

#include "bert_engine.h"
#include "gstbertinferbatch.h"

G_BEGIN_DECLS

/* Which results go into the result meta; none set means what the model's head gives. */
typedef enum {
  GST_BERT_INFER_OUTPUT_EMBEDDING = (1 << 0),
  GST_BERT_INFER_OUTPUT_LABELS = (1 << 1),
  GST_BERT_INFER_OUTPUT_TOKEN_LABELS = (1 << 2)
} GstBertInferOutput;

/* What a model with @head gives when the output property is unset. */
GstBertInferOutput gst_bert_infer_result_head_output (BertHead head);

/* Adds the result of sequence @index of @output (computed from @batch) to @buffer, as
 * the result meta of @element_name and the model: the @wanted parts the output holds,
 * the truncation flag and the names. */
GstCustomMeta *gst_bert_infer_result_attach (GstBuffer *buffer, const gchar *element_name,
    const BertModel *model, const GstBertInferBatch *batch, const BertBatchOutput *output, guint index,
    GstBertInferOutput wanted);

/* Whether every number the model computed for sequence @index of @output (embedding,
 * logits, probabilities, token scores) is finite: NaN and infinities come from weights
 * or a precision that overflow, and would pass as null in JSON. */
gboolean gst_bert_infer_result_is_finite (const BertBatchOutput *output, guint index);

/* Posts @meta's fields and the buffer's pts as a "bert-result" element message. */
void gst_bert_infer_result_post (GstElement *element, GstBuffer *buffer, GstCustomMeta *meta);

G_END_DECLS

#endif
