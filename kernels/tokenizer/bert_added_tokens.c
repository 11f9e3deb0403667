/* bert_added_tokens.c: finding added tokens in text, as Hugging Face's AddedVocabulary does. */
#include "bert_normalized.h"
#include "bert_tokenizer_private.h"
#include "bert_unicode_classes.h"

BertAddedToken *
bert_added_tokens_add (BertAddedTokens *tokens, const char *text, int32_t id)
{
  guint length = strlen (text);
  guint i = tokens->n_tokens;

  tokens->tokens = g_renew (BertAddedToken, tokens->tokens, i + 1);
  while (i > 0 && tokens->tokens[i - 1].length < length) {
    tokens->tokens[i] = tokens->tokens[i - 1];
    i--;
  }
  tokens->tokens[i] = (BertAddedToken){ g_strdup (text), length, id, FALSE, FALSE };
  tokens->first_byte[(unsigned char) text[0]] = 1;
  tokens->only_first_byte = tokens->n_tokens == 0 || tokens->only_first_byte == (unsigned char) text[0]
      ? (unsigned char) text[0]
      : -1;
  tokens->n_tokens++;
  return &tokens->tokens[i];
}

void
bert_added_tokens_clear (BertAddedTokens *tokens)
{
  for (guint i = 0; i < tokens->n_tokens; i++)
    g_free (tokens->tokens[i].text);
  g_free (tokens->tokens);
  memset (tokens, 0, sizeof *tokens);
}

/* lstrip: the start of the White_Space run that ends at start, not before from. */
static gsize
strip_left (const char *text, gsize from, gsize start)
{
  while (start > from) {
    gsize before = start - 1;
    while (before > from && ((unsigned char) text[before] & 0xC0) == 0x80)
      before--;
    uint32_t n;
    if (!bert_is_white_space (bert_utf8_get (text + before, &n)))
      break;
    start = before;
  }
  return start;
}

static gsize
strip_right (const char *text, gsize end, gsize length)
{
  uint32_t n;
  while (end < length && bert_is_white_space (bert_utf8_get (text + end, &n)))
    end += n;
  return end;
}

gboolean
bert_added_tokens_find (const BertAddedTokens *tokens, const char *text, gsize from, gsize length,
    gsize *start, gsize *end, const BertAddedToken **match)
{
  for (gsize at = from; at < length; at++) {
    at = bert_added_token_candidate (tokens, text, at, length);
    if (at == length)
      break;
    for (guint i = 0; i < tokens->n_tokens; i++) {
      const BertAddedToken *token = &tokens->tokens[i];
      if (token->length > length - at || memcmp (text + at, token->text, token->length) != 0)
        continue;
      *start = token->lstrip ? strip_left (text, from, at) : at;
      *end = token->rstrip ? strip_right (text, at + token->length, length) : at + token->length;
      *match = token;
      return TRUE;
    }
  }
  return FALSE;
}
