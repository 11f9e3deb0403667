/* bert_tokenizer.c: Hugging Face's BERT pipeline, one pass over the text.
 *
 * The stages of tokenizers' BertNormalizer (clean_text, handle_chinese_chars, strip_accents,
 * lowercase), BertPreTokenizer (split on whitespace, isolate punctuation), WordPiece and the
 * template post-processor run interleaved, character by character: each character is
 * decoded, normalised through the generated tables, and appended to the current word with
 * the byte span of the input it came from; a finished word goes through WordPiece at once.
 * The spans follow Hugging Face's alignment rules, so offsets match the reference exactly.
 */
#include "bert_added_triggers.h"
#include "bert_normalized.h"
#include "bert_pipeline.h"
#include "bert_tokenizer_private.h"
#include "bert_truncation_side.h"
#include "bert_unicode.h"

#include <string.h>

G_DEFINE_QUARK (bert - tokenizer - error - quark, bert_tokenizer_error)

typedef struct {
  uint32_t start, end;
} Span;

/* A mark of non-zero combining class waiting for canonical reordering (strip_accents). */
typedef struct {
  uint32_t cp;
  uint8_t combining_class;
  uint8_t first; /* first character of its source's decomposition */
  uint8_t kept;  /* not a nonspacing mark, so strip_accents keeps it */
  Span span;     /* the source character's span */
} RunEntry;

#define WORD_STACK_BYTES 512
#define RUN_STACK_ENTRIES 32

typedef struct {
  const BertTokenizer *tokenizer;
  BertEncoding *encoding;
  uint32_t budget; /* sequence tokens allowed before truncation */
  gboolean full;   /* more than budget tokens: the rest of the text is not needed */
  int invalid_utf8;

  /* the word being built: normalised UTF-8 and, per byte, the span of its source */
  char *word;
  uint32_t *word_start, *word_end;
  uint64_t *prefix_hash; /* WordPiece scratch, one per byte + 1 */
  uint32_t word_length, word_capacity, word_chars;
  Span word_span;

  /* a run of combining marks, with the span of the character consumed before it */
  RunEntry *run, *run_sorted;
  uint32_t run_length, run_capacity;
  gboolean run_has_kept;
  Span before_run, last_consumed;

  /* capturing: the normalised characters go to normalized_text (per byte, the span of its
   * source in normalized_spans) instead of the pre-tokenizer, for normalized added tokens;
   * the hot paths take it as a constant argument instead, so that the usual path tests
   * nothing */
  gboolean capturing;
  char *normalized_text;
  Span *normalized_spans;
  uint32_t normalized_length, normalized_capacity;

  char word_stack[WORD_STACK_BYTES];
  uint32_t word_start_stack[WORD_STACK_BYTES], word_end_stack[WORD_STACK_BYTES];
  uint64_t prefix_hash_stack[WORD_STACK_BYTES + 1];
  RunEntry run_stack[2 * RUN_STACK_ENTRIES];
} Encoder;

/* ---- output ---- */

void
bert_encoding_reserve (BertEncoding *encoding, uint32_t n_tokens)
{
  if (n_tokens <= encoding->capacity)
    return;
  uint32_t capacity = MAX (64, encoding->capacity);
  while (capacity < n_tokens)
    capacity *= 2;
  encoding->ids = g_renew (int32_t, encoding->ids, capacity);
  encoding->type_ids = g_renew (int32_t, encoding->type_ids, capacity);
  encoding->offsets = g_renew (uint32_t, encoding->offsets, 2 * (gsize) capacity);
  encoding->capacity = capacity;
}

static inline void
push_token (BertEncoding *encoding, int32_t id, int32_t type_id, uint32_t start, uint32_t end)
{
  if (G_UNLIKELY (encoding->n_tokens == encoding->capacity))
    bert_encoding_reserve (encoding, encoding->n_tokens + 1);
  uint32_t i = encoding->n_tokens++;
  encoding->ids[i] = id;
  encoding->type_ids[i] = type_id;
  encoding->offsets[2 * i] = start;
  encoding->offsets[2 * i + 1] = end;
}

static inline void
push_sequence_token (Encoder *encoder, int32_t id, uint32_t start, uint32_t end)
{
  push_token (encoder->encoding, id, encoder->tokenizer->sequence_type_id, start, end);
}

/* ---- WordPiece ---- */

/* The longest vocabulary entry (with the subword prefix unless start is 0) that the word
 * continues with at start; its end in *end, or -1. */
static int32_t
longest_piece (Encoder *encoder, uint32_t start, uint32_t *end)
{
  const BertTokenizer *tokenizer = encoder->tokenizer;
  const BertWordPieceSearch search = {
    .vocab = &tokenizer->vocab,
    .bounds = (const uint32_t (*)[1 << BERT_PIECE_BOUND_BITS]) tokenizer->piece_bound,
    .prefix = tokenizer->subword_prefix,
    .prefix_length = tokenizer->subword_prefix_length,
    .prefix_hash = tokenizer->subword_prefix_hash,
    .n_model_ids = tokenizer->n_model_pieces,
  };
  return bert_wordpiece_longest_piece (&search, encoder->word, encoder->word_length, start,
      encoder->prefix_hash, end);
}

/* Greedy longest-match-first; a word with a part matching nothing is one [UNK]. */
static void
wordpiece (Encoder *encoder)
{
  BertEncoding *encoding = encoder->encoding;
  uint32_t first_token = encoding->n_tokens;

  for (uint32_t start = 0, end; start < encoder->word_length; start = end) {
    int32_t id = longest_piece (encoder, start, &end);
    if (id < 0) {
      encoding->n_tokens = first_token;
      push_sequence_token (encoder, encoder->tokenizer->unk_id, encoder->word_span.start,
          encoder->word_span.end);
      return;
    }
    push_sequence_token (encoder, id, encoder->word_start[start], encoder->word_end[end - 1]);
  }
}

/* ---- words ---- */

static void
grow_word (Encoder *encoder, uint32_t needed)
{
  uint32_t capacity = encoder->word_capacity * 2;
  while (capacity < needed)
    capacity *= 2;
  gboolean on_stack = encoder->word == encoder->word_stack;
  char *word = g_malloc (capacity);
  uint32_t *word_start = g_new (uint32_t, capacity), *word_end = g_new (uint32_t, capacity);
  memcpy (word, encoder->word, encoder->word_length);
  memcpy (word_start, encoder->word_start, sizeof (uint32_t) * encoder->word_length);
  memcpy (word_end, encoder->word_end, sizeof (uint32_t) * encoder->word_length);
  if (!on_stack) {
    g_free (encoder->word);
    g_free (encoder->word_start);
    g_free (encoder->word_end);
    g_free (encoder->prefix_hash);
  }
  encoder->word = word;
  encoder->word_start = word_start;
  encoder->word_end = word_end;
  encoder->prefix_hash = g_new (uint64_t, capacity + 1);
  encoder->word_capacity = capacity;
}

/* Words longer than max_input_chars_per_word become [UNK] whatever they hold, so only
 * their span and length are kept. */
static void
append_char (Encoder *encoder, uint32_t cp, Span span)
{
  if (encoder->word_chars++ == 0)
    encoder->word_span.start = span.start;
  encoder->word_span.end = span.end;
  if (encoder->word_chars > encoder->tokenizer->max_input_chars_per_word)
    return;
  if (encoder->word_length + 4 > encoder->word_capacity)
    grow_word (encoder, encoder->word_length + 4);
  unsigned n = bert_utf8_put (cp, encoder->word + encoder->word_length);
  for (unsigned i = 0; i < n; i++) {
    encoder->word_start[encoder->word_length + i] = span.start;
    encoder->word_end[encoder->word_length + i] = span.end;
  }
  encoder->word_length += n;
}

static void
finish_word (Encoder *encoder)
{
  if (encoder->word_chars == 0)
    return;
  if (encoder->word_chars > encoder->tokenizer->max_input_chars_per_word)
    push_sequence_token (encoder, encoder->tokenizer->unk_id, encoder->word_span.start,
        encoder->word_span.end);
  else
    wordpiece (encoder);
  encoder->word_length = 0;
  encoder->word_chars = 0;
  uint32_t n_sequence = encoder->encoding->n_tokens - encoder->tokenizer->n_prefix;
  if (n_sequence > encoder->budget)
    encoder->full = TRUE;
}

static inline void
capture_char (Encoder *encoder, uint32_t cp, Span span)
{
  if (encoder->normalized_length + 4 > encoder->normalized_capacity) {
    encoder->normalized_capacity = MAX (256, 2 * encoder->normalized_capacity);
    encoder->normalized_text = g_realloc (encoder->normalized_text, encoder->normalized_capacity);
    encoder->normalized_spans = g_renew (Span, encoder->normalized_spans, encoder->normalized_capacity);
  }
  uint32_t n = bert_utf8_put (cp, encoder->normalized_text + encoder->normalized_length);
  for (uint32_t i = 0; i < n; i++)
    encoder->normalized_spans[encoder->normalized_length + i] = span;
  encoder->normalized_length += n;
}

/* The pre-tokenizer's view of a normalised character. Inlined, as before capture_char made
 * it look bigger to the compiler. */
__attribute__ ((always_inline)) static inline void
emit_char (Encoder *encoder, uint32_t cp, const BertUnicodeRecord *record, Span span, gboolean capture)
{
  if (capture) {
    capture_char (encoder, cp, span);
  } else if (record->flags & BERT_CHAR_SPLIT_SPACE) {
    finish_word (encoder);
  } else if (record->flags & BERT_CHAR_PUNCT) {
    finish_word (encoder);
    append_char (encoder, cp, span);
    finish_word (encoder);
  } else {
    append_char (encoder, cp, span);
  }
}

__attribute__ ((always_inline)) static inline void
emit_mapped (Encoder *encoder, int map, uint32_t cp, const BertUnicodeRecord *record, Span span,
    gboolean capture)
{
  uint32_t out[BERT_UNICODE_MAX_SEQUENCE];
  int32_t mapping = record->map[map];

  if (mapping == 0) {
    emit_char (encoder, cp, record, span, capture);
    return;
  }
  unsigned n = bert_unicode_apply (mapping, cp, out);
  for (unsigned i = 0; i < n; i++)
    emit_char (encoder, out[i], out[i] == cp ? record : bert_unicode_lookup (out[i]), span, capture);
}

/* A character that survived NFD and strip_accents still has to be lowercased. */
static void
emit_after_strip (Encoder *encoder, uint32_t cp, const BertUnicodeRecord *record, Span span)
{
  if (encoder->tokenizer->mode == BERT_MAP_STRIP_LOWER)
    emit_mapped (encoder, BERT_MAP_LOWER, cp, record, span, encoder->capturing);
  else
    emit_char (encoder, cp, record, span, encoder->capturing);
}

/* ---- canonical reordering (strip_accents only) ---- */

/* NFD sorts each run of marks by combining class (stably). Hugging Face then hands out the
 * sources' spans by position, not by character: the i-th mark that starts a decomposition in
 * sorted order takes the span of the i-th such mark in text order, and a mark continuing a
 * decomposition takes the span of the last one handed out. Only marks that strip_accents
 * keeps can show this, so runs of nonspacing marks alone are simply dropped. */
static void
flush_run (Encoder *encoder)
{
  uint32_t n = encoder->run_length;
  encoder->run_length = 0;
  if (!encoder->run_has_kept)
    return;
  encoder->run_has_kept = FALSE;

  uint32_t count[257] = { 0 };
  for (uint32_t i = 0; i < n; i++)
    count[encoder->run[i].combining_class + 1]++;
  for (int c = 1; c <= 256; c++)
    count[c] += count[c - 1];
  for (uint32_t i = 0; i < n; i++)
    encoder->run_sorted[count[encoder->run[i].combining_class]++] = encoder->run[i];

  Span previous = encoder->before_run;
  uint32_t next_first = 0;
  for (uint32_t i = 0; i < n; i++) {
    const RunEntry *entry = &encoder->run_sorted[i];
    if (entry->first) {
      while (!encoder->run[next_first].first)
        next_first++;
      previous = encoder->run[next_first++].span;
    }
    if (entry->kept)
      emit_after_strip (encoder, entry->cp, bert_unicode_lookup (entry->cp), previous);
  }
}

static void
push_run (Encoder *encoder, const RunEntry *entry)
{
  if (encoder->run_length == encoder->run_capacity) {
    uint32_t capacity = encoder->run_capacity * 2;
    RunEntry *run = g_new (RunEntry, 2 * (gsize) capacity);
    memcpy (run, encoder->run, sizeof (RunEntry) * encoder->run_length);
    if (encoder->run != encoder->run_stack)
      g_free (encoder->run);
    encoder->run = run;
    encoder->run_sorted = run + capacity;
    encoder->run_capacity = capacity;
  }
  encoder->run[encoder->run_length++] = *entry;
  encoder->run_has_kept |= entry->kept;
}

/* Decomposes a character whose NFD holds marks, queueing the marks for reordering. */
static void
decompose (Encoder *encoder, uint32_t cp, const BertUnicodeRecord *record, Span span)
{
  uint32_t nfd[BERT_UNICODE_MAX_SEQUENCE];
  unsigned n = bert_unicode_decompose (record, cp, nfd);

  for (unsigned i = 0; i < n; i++) {
    const BertUnicodeRecord *part = bert_unicode_lookup (nfd[i]);
    if (part->combining_class == 0) {
      if (encoder->run_length > 0)
        flush_run (encoder);
      if (!(part->flags & BERT_CHAR_NONSPACING))
        emit_after_strip (encoder, nfd[i], part, span);
      continue;
    }
    if (encoder->run_length == 0)
      encoder->before_run = i == 0 ? encoder->last_consumed : span;
    RunEntry entry = { nfd[i], part->combining_class, i == 0, !(part->flags & BERT_CHAR_NONSPACING), span };
    push_run (encoder, &entry);
  }
}

/* ---- characters ---- */

static void
close_word (Encoder *encoder)
{
  if (encoder->run_length > 0)
    flush_run (encoder);
  finish_word (encoder);
}

/* handle_chinese_chars: a word boundary, which the normalised text shows as a space with
 * the ideograph's span. */
static void
isolate (Encoder *encoder, Span span, gboolean capture)
{
  close_word (encoder);
  if (capture)
    capture_char (encoder, ' ', span);
}

/* Inlined into process_segment as when it had no other caller: a call per non-ASCII
 * character costs 1%. */
__attribute__ ((always_inline)) static inline void
process_char (Encoder *encoder, uint32_t cp, Span span, gboolean capture)
{
  const BertTokenizer *tokenizer = encoder->tokenizer;
  const BertUnicodeRecord *record = bert_unicode_lookup (cp);

  if (tokenizer->options.clean_text) {
    if (record->flags & BERT_CHAR_REMOVED)
      return;
    if (record->flags & BERT_CHAR_CLEAN_SPACE) {
      cp = ' ';
      record = bert_unicode_lookup (cp);
    }
  }
  /* handle_chinese_chars: spaces around the ideograph */
  gboolean isolated = tokenizer->options.handle_chinese_chars && record->flags & BERT_CHAR_CJK;
  if (isolated)
    isolate (encoder, span, capture);
  if (tokenizer->mode & BERT_MAP_STRIP && record->flags & (BERT_CHAR_REORDERS | BERT_CHAR_HANGUL)) {
    decompose (encoder, cp, record, span);
  } else {
    if (encoder->run_length > 0)
      flush_run (encoder);
    if (tokenizer->mode == 0)
      emit_char (encoder, cp, record, span, capture);
    else
      emit_mapped (encoder, tokenizer->mode, cp, record, span, capture);
  }
  if (isolated)
    isolate (encoder, span, capture);
  encoder->last_consumed = span;
}

/* The fast path: an ASCII character, normalised through the tokenizer's own tables (no
 * combining marks are pending, so no reordering can involve it). */
static inline void
process_ascii (Encoder *encoder, unsigned char c, gsize at)
{
  const BertTokenizer *tokenizer = encoder->tokenizer;
  Span span = { (uint32_t) at, (uint32_t) at + 1 };

  switch (tokenizer->ascii_class[c]) {
    case BERT_ASCII_WORD: append_char (encoder, (unsigned char) tokenizer->ascii_map[c], span); break;
    case BERT_ASCII_SPLIT: finish_word (encoder); break;
    case BERT_ASCII_PUNCT:
      finish_word (encoder);
      append_char (encoder, (unsigned char) tokenizer->ascii_map[c], span);
      finish_word (encoder);
      break;
    default: return;
  }
  encoder->last_consumed = span;
}

/* Normalises, pre-tokenizes and WordPiece-encodes text[start, end), which holds no added
 * token, as Hugging Face does for each piece of text between added tokens. */
static void
process_segment (Encoder *encoder, const char *text, gsize start, gsize end)
{
  const unsigned char *bytes = (const unsigned char *) text;

  for (gsize at = start; at < end && !encoder->full;) {
    if (bytes[at] < 0x80 && encoder->run_length == 0) {
      process_ascii (encoder, bytes[at], at);
      at++;
      continue;
    }
    uint32_t cp;
    unsigned length = bert_utf8_decode (bytes + at, end - at, &cp, &encoder->invalid_utf8);
    Span span = { (uint32_t) at, (uint32_t) (at + length) };
    process_char (encoder, cp, span, FALSE);
    at += length;
  }
  close_word (encoder);
}

/* ---- the encoder ---- */

static void
encoder_init (Encoder *encoder, const BertTokenizer *tokenizer, BertEncoding *encoding, guint max_length)
{
  memset (encoder, 0, offsetof (Encoder, word_stack));
  encoder->tokenizer = tokenizer;
  encoder->encoding = encoding;
  guint n_special = tokenizer->n_prefix + tokenizer->n_suffix;
  encoder->budget = max_length > n_special ? max_length - n_special : 0;
  encoder->word = encoder->word_stack;
  encoder->word_start = encoder->word_start_stack;
  encoder->word_end = encoder->word_end_stack;
  encoder->prefix_hash = encoder->prefix_hash_stack;
  encoder->word_capacity = WORD_STACK_BYTES;
  encoder->run = encoder->run_stack;
  encoder->run_sorted = encoder->run_stack + RUN_STACK_ENTRIES;
  encoder->run_capacity = RUN_STACK_ENTRIES;
}

static void
encoder_clear (Encoder *encoder)
{
  if (encoder->word != encoder->word_stack) {
    g_free (encoder->word);
    g_free (encoder->word_start);
    g_free (encoder->word_end);
    g_free (encoder->prefix_hash);
  }
  if (encoder->run != encoder->run_stack)
    g_free (encoder->run);
  g_free (encoder->normalized_text);
  g_free (encoder->normalized_spans);
}

/* ---- normalized added tokens ---- */

/* BertNormalizer's text of text[start, end) into normalized_text and normalized_spans, ASCII
 * (outside runs of marks) through the tokenizer's own tables as in process_segment. */
static void
capture_normalized (Encoder *encoder, const char *text, gsize start, gsize end)
{
  const BertTokenizer *tokenizer = encoder->tokenizer;
  const unsigned char *bytes = (const unsigned char *) text;

  encoder->normalized_length = 0;
  encoder->capturing = TRUE;
  for (gsize at = start; at < end;) {
    Span span = { (uint32_t) at, (uint32_t) at + 1 };
    if (bytes[at] < 0x80 && encoder->run_length == 0) {
      int class = tokenizer->ascii_class[bytes[at]];
      if (class != BERT_ASCII_REMOVED) {
        /* clean_text makes every whitespace it keeps a space */
        gboolean space = class == BERT_ASCII_SPLIT && tokenizer->options.clean_text;
        capture_char (encoder, space ? ' ' : (unsigned char) tokenizer->ascii_map[bytes[at]], span);
        encoder->last_consumed = span;
      }
      at++;
      continue;
    }
    uint32_t cp;
    unsigned length = bert_utf8_decode (bytes + at, end - at, &cp, &encoder->invalid_utf8);
    span.end = (uint32_t) (at + length);
    process_char (encoder, cp, span, TRUE);
    at += length;
  }
  close_word (encoder);
  encoder->capturing = FALSE;
}

/* The pre-tokenizer and WordPiece over normalised bytes [start, end). */
static void
replay_normalized (Encoder *encoder, uint32_t start, uint32_t end)
{
  const char *text = encoder->normalized_text;
  const Span *spans = encoder->normalized_spans;

  for (uint32_t at = start, n; at < end && !encoder->full; at += n) {
    uint32_t cp =
        (unsigned char) text[at] < 0x80 ? (n = 1, (unsigned char) text[at]) : bert_utf8_get (text + at, &n);
    emit_char (encoder, cp, bert_unicode_lookup (cp), spans[at], FALSE);
  }
  finish_word (encoder);
}

/* As Hugging Face's extract_and_normalize: the segment normalised, then split on the
 * normalized added tokens, each piece pre-tokenized on its own. */
static void
process_normalized_segment (Encoder *encoder, const char *text, gsize start, gsize end)
{
  const BertTokenizer *tokenizer = encoder->tokenizer;
  gsize at = 0, search_at = 0;
  BertAddedMatch match;

  capture_normalized (encoder, text, start, end);
  const char *normalized = encoder->normalized_text;
  gsize length = encoder->normalized_length;
  while (!encoder->full) {
    gboolean found = search_at < length
        && bert_added_tokens_find (&tokenizer->normalized_added, normalized, search_at, at, length, &match);
    gsize piece_end = found ? match.start : length;
    if (piece_end > at)
      replay_normalized (encoder, (uint32_t) at, (uint32_t) piece_end);
    if (!found || encoder->full)
      return;
    const Span *spans = encoder->normalized_spans;
    push_sequence_token (encoder, match.token->id, spans[match.start].start, spans[match.end - 1].end);
    if (encoder->encoding->n_tokens - tokenizer->n_prefix > encoder->budget)
      encoder->full = TRUE;
    at = match.end;
    search_at = match.token_end;
  }
}

/* Normalises text as BertNormalizer does (the tokenizer's mode set). */
static char *
normalize_wordpiece_text (const BertTokenizer *tokenizer, const char *text)
{
  Encoder encoder;
  BertEncoding unused;

  bert_encoding_init (&unused);
  encoder_init (&encoder, tokenizer, &unused, 1);
  capture_normalized (&encoder, text, 0, strlen (text));
  char *normalized =
      g_strndup (encoder.normalized_length > 0 ? encoder.normalized_text : "", encoder.normalized_length);
  encoder_clear (&encoder);
  return normalized;
}

char *
bert_tokenizer_normalize_text (const BertTokenizer *tokenizer, const char *text)
{
  return tokenizer->pipeline ? bert_pipeline_normalize_text (tokenizer->pipeline, text)
                             : normalize_wordpiece_text (tokenizer, text);
}

/* The loader's content of the normalized added token with id (error messages only). */
static const char *
content_of (const BertAddedTokens *contents, int32_t id)
{
  for (guint i = 0; i < contents->n_tokens; i++)
    if (contents->tokens[i].id == id)
      return contents->tokens[i].text;
  return "?";
}

/* Hugging Face matches an empty pattern at every byte (splitting ASCII text into bytes and
 * panicking on the first character of several bytes), and of two tokens with one pattern
 * either, at random from run to run: both are refused rather than made up. */
static gboolean
check_pattern (const BertTokenizer *tokenizer, const BertAddedTokens *contents, const BertAddedToken *token,
    const char *pattern, const char *source, GError **error)
{
  const BertAddedToken *earlier = bert_added_tokens_lookup (&tokenizer->normalized_added, pattern);
  if (pattern[0] == '\0')
    g_set_error (error, BERT_TOKENIZER_ERROR, BERT_TOKENIZER_ERROR_FORMAT,
        "%s: the normalized added token '%s' (id %d) normalises to nothing, which Hugging Face "
        "tokenizers matches between every two bytes of a text (and fails on non-ASCII text); "
        "remove it or make it \"normalized\": false",
        source, token->text, (int) token->id);
  else if (earlier != NULL && earlier->id != token->id)
    g_set_error (error, BERT_TOKENIZER_ERROR, BERT_TOKENIZER_ERROR_FORMAT,
        "%s: the normalized added tokens '%s' (id %d) and '%s' (id %d) both normalise to '%s', "
        "and Hugging Face tokenizers matches either of them at random; remove one",
        source, content_of (contents, earlier->id), (int) earlier->id, token->text, (int) token->id, pattern);
  else
    return TRUE;
  return FALSE;
}

/* Replaces the contents the loader gave the normalized added tokens with their normalised
 * text, as refresh_added_tokens does. */
static gboolean
normalize_added_tokens (BertTokenizer *tokenizer, const char *source, GError **error)
{
  BertAddedTokens contents = tokenizer->normalized_added;
  gboolean ok = TRUE;

  memset (&tokenizer->normalized_added, 0, sizeof tokenizer->normalized_added);
  for (guint i = 0; i < contents.n_tokens && ok; i++) {
    const BertAddedToken *token = &contents.tokens[i];
    char *pattern = bert_tokenizer_normalize_text (tokenizer, token->text);
    ok = check_pattern (tokenizer, &contents, token, pattern, source, error);
    if (ok) {
      BertAddedToken *added = bert_added_tokens_add (&tokenizer->normalized_added, pattern, token->id);
      added->lstrip = token->lstrip;
      added->rstrip = token->rstrip;
      added->single_word = token->single_word;
    }
    g_free (pattern);
  }
  bert_added_tokens_clear (&contents);
  bert_char_set_clear (&tokenizer->normalized_triggers);
  if (ok && tokenizer->normalized_added.n_tokens > 0)
    bert_added_triggers_derive (tokenizer, &tokenizer->normalized_triggers);
  return ok;
}

/* ---- encode ---- */

/* After an early stop the rest of the text is not tokenized, but repaired_utf8 still has
 * to say whether it was valid. */
static int
has_invalid_utf8 (const char *text, gsize from, gsize length)
{
  const unsigned char *bytes = (const unsigned char *) text;
  int invalid = 0;
  uint32_t cp;
  for (gsize at = from; at < length && !invalid;)
    at += bytes[at] < 0x80 ? 1 : bert_utf8_decode (bytes + at, length - at, &cp, &invalid);
  return invalid;
}

/* A segment without a character from which BertNormalizer could make a normalized token's
 * first character holds no match once normalised: it takes the fused path. */
static void
process_any_segment (Encoder *encoder, const char *text, gsize start, gsize end)
{
  const BertTokenizer *tokenizer = encoder->tokenizer;
  if (tokenizer->normalized_added.n_tokens > 0
      && bert_char_set_find (&tokenizer->normalized_triggers, text, start, end))
    process_normalized_segment (encoder, text, start, end);
  else
    process_segment (encoder, text, start, end);
}

/* The text split on the added tokens matched in it raw, as the first pass of
 * extract_and_normalize does; returns where it stopped. */
static gsize
encode_sequence (Encoder *encoder, const char *text, gsize length)
{
  const BertTokenizer *tokenizer = encoder->tokenizer;
  gsize at = 0, search_at = 0;
  BertAddedMatch match;

  while (!encoder->full) {
    gboolean found =
        search_at < length && bert_added_tokens_find (&tokenizer->added, text, search_at, at, length, &match);
    gsize segment_end = found ? match.start : length;
    if (segment_end > at)
      process_any_segment (encoder, text, at, segment_end);
    /* Full somewhere inside the segment: the rest is scanned from its start. */
    if (encoder->full)
      return at;
    if (!found)
      return length;
    push_sequence_token (encoder, match.token->id, (uint32_t) match.start, (uint32_t) match.end);
    at = match.end;
    search_at = match.token_end;
    if (encoder->encoding->n_tokens - tokenizer->n_prefix > encoder->budget)
      encoder->full = TRUE;
  }
  return at;
}

/* The text's tokens lie between the template's prefix and suffix. */
static void
mark_single_sequence (const BertTokenizer *tokenizer, BertEncoding *encoding)
{
  encoding->sequence_start[0] = tokenizer->n_prefix;
  encoding->sequence_length[0] = encoding->n_tokens - tokenizer->n_prefix - tokenizer->n_suffix;
  encoding->sequence_start[1] = encoding->sequence_length[1] = 0;
}

/* Truncation that keeps the start: the text is read no further than max_length needs. */
static void
encode_keeping_start (const BertTokenizer *tokenizer, const char *text, gsize len, guint max_length,
    BertEncoding *encoding)
{
  Encoder encoder;
  /* Offsets are 32-bit: longer input is cut at 4 GiB. */
  gsize length = MIN (len, (gsize) G_MAXUINT32);

  if (tokenizer->pipeline != NULL) {
    bert_pipeline_encode (tokenizer, text, len, max_length, encoding);
    mark_single_sequence (tokenizer, encoding);
    return;
  }
  encoder_init (&encoder, tokenizer, encoding, max_length ? max_length : tokenizer->options.model_max_length);
  encoding->n_tokens = 0;
  encoding->truncated = FALSE;
  for (guint i = 0; i < tokenizer->n_prefix; i++)
    push_token (encoding, tokenizer->prefix_ids[i], tokenizer->prefix_type_ids[i], 0, 0);

  gsize stopped_at = encode_sequence (&encoder, text, length);

  uint32_t n_sequence = encoding->n_tokens - tokenizer->n_prefix;
  if (n_sequence > encoder.budget) {
    encoding->n_tokens = tokenizer->n_prefix + encoder.budget;
    encoding->truncated = TRUE;
  }
  for (guint i = 0; i < tokenizer->n_suffix; i++)
    push_token (encoding, tokenizer->suffix_ids[i], tokenizer->suffix_type_ids[i], 0, 0);
  if (!encoder.invalid_utf8 && stopped_at < length)
    encoder.invalid_utf8 = has_invalid_utf8 (text, stopped_at, length);
  encoding->repaired_utf8 = encoder.invalid_utf8 != 0;
  encoder_clear (&encoder);
  mark_single_sequence (tokenizer, encoding);
}

/* Truncation that keeps the end (truncation_side "left"): the whole text is tokenized, then
 * its first tokens dropped. */
static void
encode_keeping_end (const BertTokenizer *tokenizer, const char *text, gsize len, guint max_length,
    BertEncoding *encoding)
{
  guint n_special = tokenizer->n_prefix + tokenizer->n_suffix;
  uint32_t budget = max_length > n_special ? max_length - n_special : 0;

  encode_keeping_start (tokenizer, text, len, G_MAXUINT, encoding);
  if (encoding->sequence_length[0] <= budget)
    return;
  bert_encoding_drop_tokens (encoding, tokenizer->n_prefix, encoding->sequence_length[0] - budget);
  encoding->truncated = TRUE;
  mark_single_sequence (tokenizer, encoding);
  if (budget > 0)
    bert_truncation_untrim_first (tokenizer, encoding, tokenizer->n_prefix, text);
}

void
bert_tokenizer_encode (const BertTokenizer *tokenizer, const char *text, gsize len, guint max_length,
    BertEncoding *encoding)
{
  if (max_length == 0)
    max_length = tokenizer->options.model_max_length;
  /* As for pairs, the reference truncates nothing when the special tokens alone exceed
   * max_length (tokenizers 0.23.3: "a b c" at max_length 1 keeps a, b and c). */
  if (max_length < tokenizer->n_prefix + tokenizer->n_suffix)
    max_length = G_MAXUINT;
  if (tokenizer->options.truncate_left)
    encode_keeping_end (tokenizer, text, len, max_length, encoding);
  else
    encode_keeping_start (tokenizer, text, len, max_length, encoding);
}

/* ---- encodings ---- */

void
bert_encoding_init (BertEncoding *encoding)
{
  memset (encoding, 0, sizeof *encoding);
}

void
bert_encoding_clear (BertEncoding *encoding)
{
  g_free (encoding->ids);
  g_free (encoding->type_ids);
  g_free (encoding->offsets);
  memset (encoding, 0, sizeof *encoding);
}

/* ---- the tokenizer object ---- */

BertTokenizer *
bert_tokenizer_alloc (void)
{
  BertTokenizer *tokenizer = g_new0 (BertTokenizer, 1);
  tokenizer->subword_prefix = g_strdup ("##");
  tokenizer->max_input_chars_per_word = 100;
  tokenizer->n_model_pieces = G_MAXUINT32;
  tokenizer->unk_id = tokenizer->cls_id = tokenizer->sep_id = tokenizer->pad_id = -1;
  tokenizer->options.clean_text = TRUE;
  tokenizer->options.handle_chinese_chars = TRUE;
  tokenizer->options.lowercase = TRUE;
  tokenizer->options.strip_accents = -1;
  tokenizer->options.model_max_length = 512;
  tokenizer->options.max_length_is_default = TRUE;
  tokenizer->pair_unsupported = g_strdup ("its post-processor has no pair form");
  return tokenizer;
}

void
bert_tokenizer_add_special (BertTokenizer *tokenizer, const char *content, int32_t id)
{
  if (content[0] != '\0')
    bert_added_tokens_add (&tokenizer->added, content, id);
}

static void
derive_ascii_tables (BertTokenizer *tokenizer)
{
  for (uint32_t c = 0; c < 128; c++) {
    const BertUnicodeRecord *record = bert_unicode_lookup (c);
    uint32_t mapped = c;
    if (tokenizer->mode != 0)
      bert_unicode_apply (record->map[tokenizer->mode], c, &mapped);
    tokenizer->ascii_map[c] = (char) mapped;
    const BertUnicodeRecord *normalised = bert_unicode_lookup (mapped);
    if (tokenizer->options.clean_text && record->flags & BERT_CHAR_REMOVED)
      tokenizer->ascii_class[c] = BERT_ASCII_REMOVED;
    else if (normalised->flags & BERT_CHAR_SPLIT_SPACE
        || (tokenizer->options.clean_text && record->flags & BERT_CHAR_CLEAN_SPACE))
      tokenizer->ascii_class[c] = BERT_ASCII_SPLIT;
    else if (normalised->flags & BERT_CHAR_PUNCT)
      tokenizer->ascii_class[c] = BERT_ASCII_PUNCT;
    else
      tokenizer->ascii_class[c] = BERT_ASCII_WORD;
  }
}

static gboolean
require_token (int32_t id, const char *what, const char *source, GError **error)
{
  if (id >= 0)
    return TRUE;
  g_set_error (error, BERT_TOKENIZER_ERROR, BERT_TOKENIZER_ERROR_FORMAT, "%s: the vocabulary has no %s token",
      source, what);
  return FALSE;
}

/* A template with no token before the text (T5's and mBART's "$A </s>") has no start token to
 * look up: say so rather than that the vocabulary lacks one. */
static gboolean
require_start_token (const BertTokenizer *tokenizer, const char *source, GError **error)
{
  if (tokenizer->cls_id >= 0)
    return TRUE;
  if (tokenizer->n_prefix == 0) {
    g_set_error (error, BERT_TOKENIZER_ERROR, BERT_TOKENIZER_ERROR_UNSUPPORTED,
        "%s: its post-processor puts no special token before the text (as T5's and mBART's \"$A </s>\"); "
        "the encoders gst-bert runs (BERT, RoBERTa, XLM-R and their kin) start with one, such as <s> or "
        "[CLS]",
        source);
    return FALSE;
  }
  return require_token (tokenizer->cls_id, "start (<s>)", source, error);
}

gboolean
bert_tokenizer_finish (BertTokenizer *tokenizer, const char *source, GError **error)
{
  BertNormalizerOptions *options = &tokenizer->options;
  gboolean strip = options->strip_accents < 0 ? options->lowercase : options->strip_accents;

  if (tokenizer->pipeline != NULL)
    return normalize_added_tokens (tokenizer, source, error)
        && (tokenizer->without_specials || require_start_token (tokenizer, source, error))
        && (tokenizer->without_specials || require_token (tokenizer->sep_id, "end (</s>)", source, error));

  tokenizer->mode = (strip ? BERT_MAP_STRIP : 0) | (options->lowercase ? BERT_MAP_LOWER : 0);
  tokenizer->subword_prefix_length = strlen (tokenizer->subword_prefix);
  tokenizer->subword_prefix_hash = bert_vocab_hash_extend (BERT_VOCAB_HASH_SEED, tokenizer->subword_prefix,
      tokenizer->subword_prefix_length);
  if (tokenizer->max_input_chars_per_word == 0)
    tokenizer->max_input_chars_per_word = 1;
  derive_ascii_tables (tokenizer);
  bert_piece_bounds_derive (tokenizer->piece_bound, &tokenizer->vocab, tokenizer->n_model_pieces,
      tokenizer->subword_prefix, tokenizer->subword_prefix_length);
  return normalize_added_tokens (tokenizer, source, error)
      && require_token (tokenizer->unk_id, "unknown ([UNK])", source, error)
      && (tokenizer->without_specials
          || (require_token (tokenizer->cls_id, "classifier ([CLS])", source, error)
              && require_token (tokenizer->sep_id, "separator ([SEP])", source, error)));
}

void
bert_tokenizer_free (BertTokenizer *tokenizer)
{
  if (tokenizer == NULL)
    return;
  bert_vocab_clear (&tokenizer->vocab);
  bert_pipeline_free (tokenizer->pipeline);
  bert_added_tokens_clear (&tokenizer->added);
  bert_added_tokens_clear (&tokenizer->normalized_added);
  bert_char_set_clear (&tokenizer->normalized_triggers);
  g_free (tokenizer->subword_prefix);
  g_free (tokenizer->pair_unsupported);
  g_free (tokenizer->file_stages);
  g_free (tokenizer->warning);
  g_free (tokenizer);
}

const char *
bert_tokenizer_get_warning (const BertTokenizer *tokenizer)
{
  return tokenizer->warning;
}

const BertNormalizerOptions *
bert_tokenizer_get_options (const BertTokenizer *tokenizer)
{
  return &tokenizer->options;
}

guint
bert_tokenizer_get_vocab_size (const BertTokenizer *tokenizer)
{
  return tokenizer->vocab.n_ids;
}

const char *
bert_tokenizer_id_to_token (const BertTokenizer *tokenizer, int32_t id)
{
  return bert_vocab_token (&tokenizer->vocab, id);
}

int32_t
bert_tokenizer_token_to_id (const BertTokenizer *tokenizer, const char *token)
{
  return bert_vocab_lookup (&tokenizer->vocab, token, strlen (token));
}

int32_t
bert_tokenizer_get_cls_id (const BertTokenizer *tokenizer)
{
  return tokenizer->cls_id;
}

int32_t
bert_tokenizer_get_sep_id (const BertTokenizer *tokenizer)
{
  return tokenizer->sep_id;
}

const int32_t *
bert_tokenizer_get_prefix_ids (const BertTokenizer *tokenizer, guint *n_ids)
{
  *n_ids = tokenizer->n_prefix;
  return tokenizer->prefix_ids;
}

const int32_t *
bert_tokenizer_get_suffix_ids (const BertTokenizer *tokenizer, guint *n_ids)
{
  *n_ids = tokenizer->n_suffix;
  return tokenizer->suffix_ids;
}

gboolean
bert_tokenizer_get_trims_offsets (const BertTokenizer *tokenizer)
{
  return tokenizer->pipeline != NULL && tokenizer->pipeline->trim_offsets;
}

int32_t
bert_tokenizer_get_pad_id (const BertTokenizer *tokenizer)
{
  return tokenizer->pad_id;
}

int32_t
bert_tokenizer_get_unk_id (const BertTokenizer *tokenizer)
{
  return tokenizer->unk_id;
}
