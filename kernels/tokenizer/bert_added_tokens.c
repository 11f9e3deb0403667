/* bert_added_tokens.c: finding added tokens in text, as Hugging Face's AddedVocabulary does. */
#include "bert_normalized.h"
#include "bert_tokenizer_private.h"
#include "bert_unicode.h"
#include "bert_unicode_classes.h"
#include "bert_word_chars.h"

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
  tokens->tokens[i] = (BertAddedToken){ g_strdup (text), length, id, FALSE, FALSE, FALSE };
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

/* The character before text[at] (at > 0), its first byte in *start. */
static uint32_t
char_before (const char *text, gsize at, gsize *start)
{
  gsize before = at - 1;
  while (before > 0 && at - before < 4 && ((unsigned char) text[before] & 0xC0) == 0x80)
    before--;
  uint32_t cp;
  int invalid = 0;
  if (bert_utf8_decode ((const unsigned char *) text + before, at - before, &cp, &invalid) != at - before) {
    before = at - 1;
    cp = 0xFFFD;
  }
  *start = before;
  return cp;
}

static uint32_t
char_at (const char *text, gsize at, gsize length, unsigned *n)
{
  uint32_t cp;
  int invalid = 0;
  *n = bert_utf8_decode ((const unsigned char *) text + at, length - at, &cp, &invalid);
  return cp;
}

/* lstrip: the start of the White_Space run that ends at start, not before limit. */
static gsize
strip_left (const char *text, gsize limit, gsize start)
{
  while (start > limit) {
    gsize before;
    if (!bert_is_white_space (char_before (text, start, &before)) || before < limit)
      break;
    start = before;
  }
  return start;
}

static gsize
strip_right (const char *text, gsize end, gsize length)
{
  unsigned n;
  while (end < length && bert_is_white_space (char_at (text, end, length, &n)))
    end += n;
  return end;
}

/* single_word: whether text[start, end) has no word character right before or after it. */
static gboolean
is_single_word (const char *text, gsize start, gsize end, gsize length)
{
  gsize before;
  unsigned n;
  if (start > 0 && bert_is_word_char (char_before (text, start, &before)))
    return FALSE;
  return end == length || !bert_is_word_char (char_at (text, end, length, &n));
}

/* The longest token at at, or NULL. */
static const BertAddedToken *
longest_at (const BertAddedTokens *tokens, const char *text, gsize at, gsize length)
{
  for (guint i = 0; i < tokens->n_tokens; i++) {
    const BertAddedToken *token = &tokens->tokens[i];
    if (token->text[0] == text[at] && token->length <= length - at
        && memcmp (text + at, token->text, token->length) == 0)
      return token;
  }
  return NULL;
}

gboolean
bert_added_tokens_find_from (const BertAddedTokens *tokens, const char *text, gsize candidate,
    gsize strip_from, gsize length, BertAddedMatch *match)
{
  for (gsize at = candidate; at < length;) {
    const BertAddedToken *token = longest_at (tokens, text, at, length);
    if (token == NULL) {
      at = bert_added_token_candidate (tokens, text, at + 1, length);
      continue;
    }
    gsize token_end = at + token->length;
    /* A single_word match refused still consumes its text: the automaton goes on after it. */
    if (token->single_word && !is_single_word (text, at, token_end, length)) {
      at = bert_added_token_candidate (tokens, text, token_end, length);
      continue;
    }
    match->start = at;
    if (token->lstrip)
      match->start = MAX (strip_left (text, MIN (strip_from, at), at), strip_from);
    match->end = token->rstrip ? strip_right (text, token_end, length) : token_end;
    match->token_end = token_end;
    match->token = token;
    return TRUE;
  }
  return FALSE;
}
