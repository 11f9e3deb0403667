/* gstbertinfer.h: the bert-infer element, batched asynchronous BERT inference on text buffers. */
#ifndef GST_BERT_INFER_H
#define GST_BERT_INFER_H

#include <gst/gst.h>

#include "gstbertinferresult.h"

G_BEGIN_DECLS

#define GST_TYPE_BERT_INFER (gst_bert_infer_get_type ())
G_DECLARE_FINAL_TYPE (GstBertInfer, gst_bert_infer, GST, BERT_INFER, GstElement);

/* How normalisation of the pooled embedding is chosen. */
typedef enum {
  GST_BERT_INFER_NORMALIZE_MODEL = -1,
  GST_BERT_INFER_NORMALIZE_NO = 0,
  GST_BERT_INFER_NORMALIZE_YES = 1
} GstBertInferNormalize;

/* Pooling: the model's own (one mode, or several concatenated), or one BertPooling. */
#define GST_BERT_INFER_POOLING_MODEL (-1)

GST_ELEMENT_REGISTER_DECLARE (bert_infer);

G_END_DECLS

#endif
