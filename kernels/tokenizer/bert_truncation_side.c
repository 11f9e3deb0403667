/* bert_truncation_side.c: which end of a long text truncation keeps. */
#include "bert_truncation_side.h"

#include <string.h>

#include "bert_json_fields.h"
#include "bert_normalized.h"
#include "bert_pipeline.h"
#include "bert_tokenizer_private.h"
#include "bert_unicode_classes.h"

/* ByteLevel's image of the space, which trim_offsets counts as a space. */
#define BYTE_LEVEL_SPACE 0x120

gboolean
bert_truncation_side_read (JsonObject *config, const char *file, gboolean *keep_end, GError **error)
{
  const char *side = NULL;

  if (!bert_json_get_string (config, "truncation_side", file, "truncation_side", &side, error))
    return FALSE;
  if (side == NULL)
    return TRUE;
  /* transformers raises a ValueError on any other value: no silent default. */
  if (strcmp (side, "left") != 0 && strcmp (side, "right") != 0)
    return bert_json_field_error (error, file, "truncation_side", "\"right\" or \"left\"");
  *keep_end = strcmp (side, "left") == 0;
  return TRUE;
}

void
bert_truncation_direction_read (JsonObject *truncation, gboolean *keep_end)
{
  JsonNode *direction = bert_json_member (truncation, "direction");

  if (truncation != NULL)
    *keep_end = direction != NULL && json_node_get_value_type (direction) == G_TYPE_STRING
        && strcmp (json_node_get_string (direction), "Left") == 0;
}

/* The characters at the start of a token's text that trim_offsets counts as spaces;
 * *only_spaces says whether there is nothing else. */
static uint32_t
count_leading_spaces (const char *value, uint32_t value_length, gboolean *only_spaces)
{
  uint32_t n = 0, at, length;

  for (at = 0; at < value_length; at += length) {
    uint32_t cp = bert_utf8_get (value + at, &length);
    if (cp != BYTE_LEVEL_SPACE && !bert_is_white_space (cp))
      break;
    n++;
  }
  *only_spaces = at >= value_length;
  return n;
}

void
bert_truncation_untrim_first (const BertTokenizer *tokenizer, BertEncoding *encoding, uint32_t token,
    const char *text)
{
  const BertPipeline *pipeline = tokenizer->pipeline;
  uint32_t *start = &encoding->offsets[2 * token], *end = &encoding->offsets[2 * token + 1];
  const char *value;
  gboolean only_spaces;

  if (pipeline == NULL || !pipeline->trim_offsets || !pipeline->trim_add_prefix_space || *start == 0)
    return;
  value = bert_vocab_token (&tokenizer->vocab, encoding->ids[token]);
  if (value == NULL
      || count_leading_spaces (value, tokenizer->vocab.token_length[encoding->ids[token]], &only_spaces) != 1)
    return;
  /* Trimmed (a later token starting past 0): one character of text was skipped. */
  do
    (*start)--;
  while (*start > 0 && ((unsigned char) text[*start] & 0xC0) == 0x80);
  /* A lone space loses it at its end instead: the reference's span is empty there. */
  if (only_spaces)
    *end = *start;
}

void
bert_encoding_drop_tokens (BertEncoding *encoding, uint32_t at, uint32_t n)
{
  uint32_t n_after = encoding->n_tokens - at - n;

  memmove (encoding->ids + at, encoding->ids + at + n, n_after * sizeof (int32_t));
  memmove (encoding->type_ids + at, encoding->type_ids + at + n, n_after * sizeof (int32_t));
  memmove (encoding->offsets + 2 * at, encoding->offsets + 2 * (at + n), 2 * n_after * sizeof (uint32_t));
  encoding->n_tokens -= n;
}
