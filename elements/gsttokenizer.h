/* gsttokenizer.h: the tokenizer element, BERT WordPiece token metadata on text buffers. */
#ifndef GST_TOKENIZER_H
#define GST_TOKENIZER_H

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_TOKENIZER (gst_tokenizer_get_type ())
G_DECLARE_FINAL_TYPE (GstTokenizer, gst_tokenizer, GST, TOKENIZER, GstElement)

GST_ELEMENT_REGISTER_DECLARE (tokenizer);

G_END_DECLS

#endif
