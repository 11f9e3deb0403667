/* gstberttokenize.c: the one tokenizing path of the elements (see gstberttokenize.h). */
#include "gstberttokenize.h"

#include "gstbertmeta.h"

#include <string.h>

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

/* Offsets into prefix + text become offsets into text: a token of the prefix alone
 * gets [0, 0], as special tokens have, since it covers none of the text; one that
 * runs into the text starts at 0. */
static void
shift_offsets_past_prefix (BertEncoding *encoding, guint32 prefix_len)
{
  for (guint32 i = 0; i < 2 * encoding->n_tokens; i++)
    encoding->offsets[i] = encoding->offsets[i] > prefix_len ? encoding->offsets[i] - prefix_len : 0;
}

static void
encode (const BertTokenizer *tokenizer, BertPlainText *plain, const gchar *text, gsize size,
    gboolean is_markup, guint max_length, BertEncoding *encoding)
{
  if (is_markup)
    bert_tokenizer_encode_markup (tokenizer, plain, text, size, max_length, encoding);
  else
    bert_tokenizer_encode (tokenizer, text, size, max_length, encoding);
}

/* Tokenizes prompt + text; markup gets the prompt escaped, so that it stays text. */
static void
encode_with_prompt (const BertTokenizer *tokenizer, BertPlainText *plain, const gchar *prompt,
    const gchar *text, gsize size, gboolean is_markup, guint max_length, BertEncoding *encoding)
{
  gchar *prefix = is_markup ? g_markup_escape_text (prompt, -1) : g_strdup (prompt);
  gsize prefix_len = strlen (prefix);
  gchar *joined = g_malloc (prefix_len + size);

  memcpy (joined, prefix, prefix_len);
  if (size > 0) /* an empty buffer maps to NULL, which memcpy may not take */
    memcpy (joined + prefix_len, text, size);
  encode (tokenizer, plain, joined, prefix_len + size, is_markup, max_length, encoding);
  shift_offsets_past_prefix (encoding, prefix_len);
  g_free (joined);
  g_free (prefix);
}

gboolean
gst_bert_tokenize_buffer (const BertTokenizer *tokenizer, const gchar *vocabulary, const gchar *prompt,
    BertPlainText *plain, GstBuffer *buffer, gboolean is_markup, guint max_length, BertEncoding *encoding)
{
  GstMapInfo map;

  if (!gst_buffer_map (buffer, &map, GST_MAP_READ))
    return FALSE;
  if (prompt != NULL && prompt[0] != '\0')
    encode_with_prompt (tokenizer, plain, prompt, (const gchar *) map.data, map.size, is_markup, max_length,
        encoding);
  else
    encode (tokenizer, plain, (const gchar *) map.data, map.size, is_markup, max_length, encoding);
  gst_buffer_unmap (buffer, &map);
  gst_bert_token_meta_set_vocabulary (gst_buffer_add_bert_token_meta (buffer, encoding->ids,
                                          encoding->type_ids, encoding->offsets, encoding->n_tokens,
                                          encoding->truncated),
      vocabulary);
  return TRUE;
}
