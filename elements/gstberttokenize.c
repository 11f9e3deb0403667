/* gstberttokenize.c: the one tokenizing path of the elements (see gstberttokenize.h). */
#include "gstberttokenize.h"

#include "gstbertmeta.h"

/* Beyond this, scratch sized for one text is given back after it: real captions and
 * sentences are far smaller, so everyday texts never pay for the reallocation. */
#define SCRATCH_HIGH_WATER_BYTES (1 << 20)
#define SCRATCH_HIGH_WATER_TOKENS (64 * 1024)

void
gst_bert_tokenize_release_scratch (BertPlainText *plain, BertEncoding *encoding)
{
  if (plain->text != NULL && plain->text->len > SCRATCH_HIGH_WATER_BYTES) {
    bert_plain_text_clear (plain);
    bert_plain_text_init (plain);
  }
  if (encoding->capacity > SCRATCH_HIGH_WATER_TOKENS) {
    bert_encoding_clear (encoding);
    bert_encoding_init (encoding);
  }
}

gboolean
gst_bert_tokenize_buffer (const BertTokenizer *tokenizer, const gchar *vocabulary, BertPlainText *plain,
    GstBuffer *buffer, gboolean is_markup, guint max_length, BertEncoding *encoding)
{
  GstMapInfo map;

  if (!gst_buffer_map (buffer, &map, GST_MAP_READ))
    return FALSE;
  if (is_markup)
    bert_tokenizer_encode_markup (tokenizer, plain, (const gchar *) map.data, map.size, max_length, encoding);
  else
    bert_tokenizer_encode (tokenizer, (const gchar *) map.data, map.size, max_length, encoding);
  gst_buffer_unmap (buffer, &map);
  gst_bert_token_meta_set_vocabulary (gst_buffer_add_bert_token_meta (buffer, encoding->ids,
                                          encoding->type_ids, encoding->offsets, encoding->n_tokens,
                                          encoding->truncated),
      vocabulary);
  return TRUE;
}
