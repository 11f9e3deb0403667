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

gboolean
gst_bert_tokenize_caps_are_markup (const GstCaps *caps)
{
  return g_strcmp0 (gst_structure_get_string (gst_caps_get_structure (caps, 0), "format"), "pango-markup")
      == 0;
}

gboolean
gst_bert_tokenize_warn_invalid_utf8_once (GstElement *element, GstBuffer *buffer, gboolean *warned)
{
  if (*warned)
    return FALSE;
  *warned = TRUE;
  gst_element_message_full (element, GST_MESSAGE_WARNING, GST_STREAM_ERROR, GST_STREAM_ERROR_DECODE,
      g_strdup ("The text is not valid UTF-8"),
      g_strdup_printf ("Buffer at %" GST_TIME_FORMAT " holds invalid UTF-8: the bytes were dropped for "
                       "tokenization and the text passes unchanged. Warned once per stream.",
          GST_TIME_ARGS (GST_BUFFER_PTS (buffer))),
      __FILE__, GST_FUNCTION, __LINE__);
  return TRUE;
}

/* After the prompt's offsets were moved past it, a token of the text is one whose span
 * ends past the text's start; the prompt's and the special tokens' are [0, 0]. */
static gboolean
keeps_text (const BertEncoding *encoding)
{
  for (guint32 i = 0; i < encoding->n_tokens; i++)
    if (encoding->offsets[2 * i + 1] > 0)
      return TRUE;
  return FALSE;
}

gboolean
gst_bert_tokenize_warn_prompt_fills_max_length (GstElement *element, GstBuffer *buffer, const gchar *prompt,
    const BertEncoding *encoding, gboolean *warned)
{
  if (prompt == NULL || prompt[0] == '\0' || !encoding->truncated || keeps_text (encoding))
    return FALSE;
  GST_DEBUG_OBJECT (element, "buffer at %" GST_TIME_FORMAT ": the prompt left no token of the text",
      GST_TIME_ARGS (GST_BUFFER_PTS (buffer)));
  if (*warned)
    return FALSE;
  *warned = TRUE;
  gst_element_message_full (element, GST_MESSAGE_WARNING, GST_STREAM_ERROR, GST_STREAM_ERROR_FORMAT,
      g_strdup ("The prompt leaves no room for the text"),
      g_strdup_printf ("buffer at %" GST_TIME_FORMAT ": the prompt \"%s\" fills the %u tokens the text is "
                       "cut at, so no token of the text is left and the result is the prompt's alone, the "
                       "same for every such text. Use a shorter prompt or a larger max-length. Warned once "
                       "per stream.",
          GST_TIME_ARGS (GST_BUFFER_PTS (buffer)), prompt, encoding->n_tokens),
      __FILE__, GST_FUNCTION, __LINE__);
  return TRUE;
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
  GstCustomMeta *meta;
  GstMapInfo map;

  if (!gst_buffer_map (buffer, &map, GST_MAP_READ))
    return FALSE;
  if (prompt != NULL && prompt[0] != '\0')
    encode_with_prompt (tokenizer, plain, prompt, (const gchar *) map.data, map.size, is_markup, max_length,
        encoding);
  else
    encode (tokenizer, plain, (const gchar *) map.data, map.size, is_markup, max_length, encoding);
  gst_buffer_unmap (buffer, &map);
  meta = gst_buffer_add_bert_token_meta (buffer, encoding->ids, encoding->type_ids, encoding->offsets,
      encoding->n_tokens, encoding->truncated);
  gst_bert_token_meta_set_vocabulary (meta, vocabulary);
  gst_bert_token_meta_set_prompt (meta, prompt);
  return TRUE;
}

GType
gst_bert_pair_text_position_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    { GST_BERT_PAIR_TEXT_FIRST, "pair-text first, then the buffer's text (a reranker's query)", "first" },
    { GST_BERT_PAIR_TEXT_SECOND, "the buffer's text, then pair-text (an NLI hypothesis)", "second" },
    { 0, NULL, NULL }
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstBertPairTextPosition", values));
  return type;
}

static gboolean
check_pair_text (const BertTokenizer *tokenizer, const gchar *pair_text, const gchar *prompt, GError **error)
{
  const gchar *invalid;

  /* A property set from C may hold any bytes; tokenizing would drop the invalid ones and
   * the invalid-UTF-8 warning would blame the buffers' text. */
  if (!g_utf8_validate (pair_text, -1, &invalid)) {
    g_set_error (error, BERT_TOKENIZER_ERROR, BERT_TOKENIZER_ERROR_UNSUPPORTED,
        "pair-text is not valid UTF-8: byte %" G_GSIZE_FORMAT " (0x%02x)", (gsize) (invalid - pair_text),
        (guint) (guchar) *invalid);
    return FALSE;
  }
  if (prompt != NULL && prompt[0] != '\0') {
    g_set_error (error, BERT_TOKENIZER_ERROR, BERT_TOKENIZER_ERROR_UNSUPPORTED,
        "pair-text cannot be combined with the prompt \"%s\" (set prompt=\"\" to turn a model's default "
        "prompt off, or write the prompt into pair-text)",
        prompt);
    return FALSE;
  }
  return bert_tokenizer_supports_pairs (tokenizer, error);
}

gboolean
gst_bert_pair_text_take (const BertTokenizer *tokenizer, gchar *pair_text, const gchar *prompt,
    gchar **active, GError **error)
{
  *active = NULL;
  if (pair_text == NULL || pair_text[0] == '\0') {
    g_free (pair_text);
    return TRUE;
  }
  if (!check_pair_text (tokenizer, pair_text, prompt, error)) {
    g_free (pair_text);
    return FALSE;
  }
  *active = pair_text;
  return TRUE;
}

/* The tokens of the fixed text cover none of the buffer's text. */
static void
clear_offsets (BertEncoding *encoding, int sequence)
{
  uint32_t start = encoding->sequence_start[sequence];
  memset (encoding->offsets + 2 * start, 0, 2 * sizeof (uint32_t) * encoding->sequence_length[sequence]);
}

gboolean
gst_bert_tokenize_buffer_pair (const BertTokenizer *tokenizer, const gchar *vocabulary,
    const gchar *pair_text, GstBertPairTextPosition position, BertPlainText *plain, GstBuffer *buffer,
    gboolean is_markup, guint max_length, BertEncoding *encoding)
{
  int caption = position == GST_BERT_PAIR_TEXT_FIRST ? 1 : 0;
  const gchar *texts[2];
  gsize sizes[2];
  GstMapInfo map;
  gboolean ok;

  if (!gst_buffer_map (buffer, &map, GST_MAP_READ))
    return FALSE;
  texts[caption] = (const gchar *) map.data;
  sizes[caption] = map.size;
  if (is_markup) {
    bert_plain_text_strip_markup (plain, (const gchar *) map.data, map.size);
    texts[caption] = (const gchar *) plain->text->data;
    sizes[caption] = plain->text->len;
  }
  texts[1 - caption] = pair_text;
  sizes[1 - caption] = strlen (pair_text);
  ok = bert_tokenizer_encode_pair (tokenizer, texts[0], sizes[0], texts[1], sizes[1], max_length, encoding,
      NULL);
  gst_buffer_unmap (buffer, &map);
  if (!ok)
    return FALSE;
  if (is_markup)
    bert_plain_text_map_offsets (plain, encoding->offsets + 2 * encoding->sequence_start[caption],
        encoding->sequence_length[caption]);
  clear_offsets (encoding, 1 - caption);
  gst_bert_token_meta_set_vocabulary (gst_buffer_add_bert_token_meta (buffer, encoding->ids,
                                          encoding->type_ids, encoding->offsets, encoding->n_tokens,
                                          encoding->truncated),
      vocabulary);
  return TRUE;
}
