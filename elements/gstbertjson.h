/* gstbertjson.h: the bert-json element, one JSON line per text buffer. */
#ifndef GST_BERT_JSON_H
#define GST_BERT_JSON_H

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_BERT_JSON (gst_bert_json_get_type ())
G_DECLARE_FINAL_TYPE (GstBertJson, gst_bert_json, GST, BERT_JSON, GstElement)

GST_ELEMENT_REGISTER_DECLARE (bert_json);

G_END_DECLS

#endif
