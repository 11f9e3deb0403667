/* gstberttokenize.c: the one tokenizing path of the elements (see gstberttokenize.h). */
#include "gstberttokenize.h"

#include "gstbertmeta.h"

gboolean
gst_bert_tokenize_buffer (const BertTokenizer *tokenizer, BertPlainText *plain, GstBuffer *buffer,
    gboolean is_markup, guint max_length, BertEncoding *encoding)
{
  GstMapInfo map;

  if (!gst_buffer_map (buffer, &map, GST_MAP_READ))
    return FALSE;
  if (is_markup)
    bert_tokenizer_encode_markup (tokenizer, plain, (const gchar *) map.data, map.size, max_length, encoding);
  else
    bert_tokenizer_encode (tokenizer, (const gchar *) map.data, map.size, max_length, encoding);
  gst_buffer_unmap (buffer, &map);
  gst_buffer_add_bert_token_meta (buffer, encoding->ids, encoding->type_ids, encoding->offsets,
      encoding->n_tokens, encoding->truncated);
  return TRUE;
}
