/* bert_pipeline.c: encoding with a Unigram, byte-level BPE or WordPiece pipeline. */
#include "bert_pipeline.h"
#include "bert_huge_pages.h"
#include "bert_normal_forms.h"
#include "bert_tokenizer_private.h"
#include "bert_unicode.h"
#include "bert_unicode_classes.h"
#include "bert_utf8_valid.h"
#include "bert_numeric_chars.h"
#include "bert_word_chars.h"

#include <stdlib.h>
#include <string.h>

/* ByteLevel's "Ġ": the byte-to-character image of the space, which trim_offsets trims. */
#define BYTE_LEVEL_SPACE 0x120

typedef struct {
  const BertTokenizer *tokenizer;
  const BertPipeline *pipeline;
  BertEncoding *encoding;
  uint32_t budget;
  const char *text; /* valid UTF-8 */
  gsize length;
  struct Workspace *work;
  /* the workspace's, for short */
  BertNormalized *normalized;
  GArray *pieces;
} Encoder;

/* What encoding needs besides the tokenizer, kept per thread and reused: nothing is
 * allocated per call once the buffers have grown. */
typedef struct Workspace {
  BertNormalized normalized;
  BertNormalized piece; /* a piece of normalized between normalized added tokens */
  GArray *pieces, *scratch, *precompiled_scratch;
  GArray *hashes; /* WordPiece's prefix hashes */
  BertBpeScratch bpe_scratch;
  GString *mapped;       /* a pre-token in byte-level characters */
  GArray *mapped_source; /* per byte of mapped: the normalised byte it shows */
  struct CacheEntry *cache;
  uint32_t cache_slots, cache_stores; /* stores since the cache was made */
} Workspace;

/* ---- output ---- */

static inline void
push_token (BertEncoding *encoding, int32_t id, int32_t type_id, uint32_t start, uint32_t end)
{
  if (encoding->n_tokens == encoding->capacity) {
    uint32_t capacity = MAX (64, 2 * encoding->capacity);
    encoding->ids = g_renew (int32_t, encoding->ids, capacity);
    encoding->type_ids = g_renew (int32_t, encoding->type_ids, capacity);
    encoding->offsets = g_renew (uint32_t, encoding->offsets, 2 * (gsize) capacity);
    encoding->capacity = capacity;
  }
  uint32_t i = encoding->n_tokens++;
  encoding->ids[i] = id;
  encoding->type_ids[i] = type_id;
  encoding->offsets[2 * i] = start;
  encoding->offsets[2 * i + 1] = end;
}

/* The leading and trailing spaces (Ġ or White_Space) of a token's text: all of its
 * characters are both when it holds nothing else. */
static void
count_spaces (const char *value, gsize value_length, uint32_t *leading, uint32_t *trailing)
{
  uint32_t cp, n;
  gboolean in_lead = TRUE;

  *leading = *trailing = 0;
  for (gsize at = 0; at < value_length; at += n) {
    cp = bert_utf8_get (value + at, &n);
    gboolean space = cp == BYTE_LEVEL_SPACE || bert_is_white_space (cp);
    if (in_lead && space)
      (*leading)++;
    else
      in_lead = FALSE;
    *trailing = space ? *trailing + 1 : 0;
  }
}

void
bert_pipeline_count_token_spaces (BertPipeline *pipeline, const BertVocab *vocab)
{
  g_free (pipeline->token_spaces);
  pipeline->n_token_spaces = vocab->n_ids;
  pipeline->token_spaces = g_new0 (uint8_t, (gsize) vocab->n_ids + 1);
  for (uint32_t id = 0; id < vocab->n_ids; id++) {
    const char *value = bert_vocab_token (vocab, (int32_t) id);
    uint32_t leading, trailing;
    count_spaces (value ? value : "", value ? vocab->token_length[id] : 0, &leading, &trailing);
    pipeline->token_spaces[id] = leading < 15 && trailing < 15 ? (uint8_t) (leading | trailing << 4) : 255;
  }
}

/* RobertaProcessing's process_offsets: spans lose the leading and trailing spaces (Ġ or
 * White_Space) of the token's text, except the one added_prefix_space put on the first. */
static inline void
trim (const Encoder *encoder, uint32_t leading, uint32_t trailing, uint32_t *start, uint32_t *end)
{
  if (leading == 0 && trailing == 0)
    return;
  uint32_t index = encoder->encoding->n_tokens - encoder->tokenizer->n_prefix;
  if (leading > 0 && (index == 0 || *start == 0) && encoder->pipeline->trim_add_prefix_space && leading == 1)
    leading = 0;
  /* The reference trims character offsets (its encodings hold them before this step). */
  uint32_t new_start = *start, new_end = *end;
  for (uint32_t i = 0; i < leading && new_start < *end; i++)
    new_start += bert_utf8_length ((unsigned char) encoder->text[new_start]);
  new_start = MIN (new_start, *end);
  for (uint32_t i = 0; i < trailing && new_end > 0; i++) {
    new_end--;
    while (new_end > 0 && ((unsigned char) encoder->text[new_end] & 0xC0) == 0x80)
      new_end--;
  }
  *start = new_start;
  *end = MAX (new_end, new_start);
}

static void
push_sequence_token (Encoder *encoder, int32_t id, const char *value, gsize value_length, uint32_t start,
    uint32_t end)
{
  if (encoder->pipeline->trim_offsets) {
    uint32_t leading, trailing;
    count_spaces (value, value_length, &leading, &trailing);
    trim (encoder, leading, trailing, &start, &end);
  }
  push_token (encoder->encoding, id, encoder->tokenizer->sequence_type_id, start, end);
}

static void
push_model_token (Encoder *encoder, int32_t id, BertSpan span)
{
  if (!encoder->pipeline->trim_offsets) {
    push_token (encoder->encoding, id, encoder->tokenizer->sequence_type_id, span.start, span.end);
    return;
  }
  const BertPipeline *pipeline = encoder->pipeline;
  const BertVocab *vocab = &encoder->tokenizer->vocab;

  if ((uint32_t) id < pipeline->n_token_spaces) {
    uint8_t spaces = pipeline->token_spaces[id];
    if (spaces != 255) {
      trim (encoder, spaces & 15, spaces >> 4, &span.start, &span.end);
      push_token (encoder->encoding, id, encoder->tokenizer->sequence_type_id, span.start, span.end);
      return;
    }
  }
  const char *value = bert_vocab_token (vocab, id);
  push_sequence_token (encoder, id, value ? value : "", value ? vocab->token_length[id] : 0, span.start,
      span.end);
}

static gboolean
full (const Encoder *encoder)
{
  return encoder->encoding->n_tokens - encoder->tokenizer->n_prefix > encoder->budget;
}

/* ---- model, behind a cache ---- */

/* Words repeat: the model's pieces of short pre-tokens are kept per thread (the tokenizer is
 * shared read-only, as the reference's own cache is), keyed by the pipeline's serial.
 * A thread's cache starts at 32,768 slots (3 MB) and grows once to 262,144 (24 MB) when its
 * slots have been written over, as a stream of many distinct words does (a film's subtitles
 * never do): on the benchmark's 10 MB corpus, with an XLM-R vocabulary, 63% of the lookups
 * then hit instead of 53% (no cache could pass about 67% there: a third of the words occur
 * once). 131,072 slots hit 60% and were about 1.5% slower on first passes. */
#define CACHE_FIRST_SLOTS 32768
#define CACHE_MOST_SLOTS 262144
#define CACHE_TEXT_BYTES 34
#define CACHE_PIECES 8
#define CACHE_HITS_KEPT 3

typedef struct CacheEntry {
  uint32_t serial;    /* 0: empty */
  uint32_t hash_high; /* the upper half of the text's hash: most misses end on it */
  int32_t ids[CACHE_PIECES];
  uint8_t length, n_pieces;
  uint8_t hits; /* since stored, at most CACHE_HITS_KEPT */
  uint8_t starts[CACHE_PIECES], ends[CACHE_PIECES];
  char text[CACHE_TEXT_BYTES];
} CacheEntry;

/* Two cache lines from any slot: slots start on 32-byte boundaries. */
G_STATIC_ASSERT (sizeof (CacheEntry) == 96);

/* Eight bytes at a time: pre-tokens are hashed once per call, so this shows. */
static uint64_t
cache_hash (const char *text, uint32_t length)
{
  uint64_t hash = BERT_VOCAB_HASH_SEED ^ length;
  uint32_t at = 0;
  for (; at + 8 <= length; at += 8) {
    uint64_t word;
    memcpy (&word, text + at, 8);
    hash = (hash ^ word) * 0x9E3779B97F4A7C15ull;
    hash ^= hash >> 29;
  }
  /* The last 1 to 7 bytes in at most two loads (a copy of a variable length to the stack,
   * then one load, stalls on the store). */
  uint32_t rest = length - at, low = 0, high = 0;
  const unsigned char *tail = (const unsigned char *) text + at;
  if (rest >= 4) {
    memcpy (&low, tail, 4);
    memcpy (&high, tail + rest - 4, 4);
  } else if (rest > 0) {
    low = tail[0] | (uint32_t) tail[rest / 2] << 8 | (uint32_t) tail[rest - 1] << 16;
  }
  hash = (hash ^ (low | (uint64_t) high << 32)) * 0x9E3779B97F4A7C15ull;
  return hash ^ (hash >> 32);
}

/* The slot of a text's hash among slots (a power of two). */
static inline uint32_t
cache_index (uint64_t hash, uint32_t serial, uint32_t slots)
{
  return (uint32_t) ((hash ^ (hash >> 29) ^ serial) & (slots - 1));
}

/* serial: the pipeline's, or another key space of it. */
static CacheEntry *
cache_slot (const Encoder *encoder, uint32_t serial, const char *text, uint32_t length, uint64_t *hash)
{
  const Workspace *work = encoder->work;
  *hash = cache_hash (text, length);
  return &work->cache[cache_index (*hash, serial, work->cache_slots)];
}

static CacheEntry *
cache_entry (const Encoder *encoder, const char *text, uint32_t length, uint64_t *hash)
{
  return cache_slot (encoder, encoder->pipeline->serial, text, length, hash);
}

/* A hit makes the entry harder to evict (see cache_put). */
static gboolean
cache_has (CacheEntry *entry, uint32_t serial, uint64_t hash, const char *text, uint32_t length)
{
  if (entry->serial != serial || entry->hash_high != (uint32_t) (hash >> 32) || entry->length != length
      || memcmp (entry->text, text, length) != 0)
    return FALSE;
  entry->hits += entry->hits < CACHE_HITS_KEPT;
  return TRUE;
}

static gboolean
cache_get (CacheEntry *entry, uint32_t serial, uint64_t hash, const char *text, uint32_t length,
    GArray *pieces)
{
  if (!cache_has (entry, serial, hash, text, length))
    return FALSE;
  bert_array_resize (pieces, entry->n_pieces);
  BertPiece *piece = (BertPiece *) pieces->data;
  for (uint8_t i = 0; i < entry->n_pieces; i++)
    piece[i] = (BertPiece){ entry->ids[i], entry->starts[i], entry->ends[i] };
  return TRUE;
}

static void
cache_put (Workspace *work, CacheEntry *entry, uint32_t serial, uint64_t hash, const char *text,
    uint32_t length, const GArray *pieces)
{
  if (pieces->len > CACHE_PIECES)
    return;
  /* An entry hit since it was stored stays for as many misses of its slot: most words are
   * rare, and would otherwise evict the frequent ones (about 51% of pre-tokens hit on the
   * benchmark's corpus instead of 45%, with 32,768 slots). */
  if (entry->hits > 0) {
    entry->hits--;
    return;
  }
  work->cache_stores++;
  entry->serial = serial;
  entry->hash_high = (uint32_t) (hash >> 32);
  entry->length = (uint8_t) length;
  entry->n_pieces = (uint8_t) pieces->len;
  memcpy (entry->text, text, length);
  for (guint i = 0; i < pieces->len; i++) {
    const BertPiece *piece = &g_array_index (pieces, BertPiece, i);
    entry->ids[i] = piece->id;
    entry->starts[i] = (uint8_t) piece->start;
    entry->ends[i] = (uint8_t) piece->end;
  }
}

static void
run_model_uncached (Encoder *encoder, const char *text, uint32_t length)
{
  const BertPipeline *pipeline = encoder->pipeline;

  bert_array_resize (encoder->pieces, 0);
  if (pipeline->model == BERT_MODEL_UNIGRAM)
    bert_unigram_encode (&pipeline->unigram, &encoder->tokenizer->vocab, text, length, encoder->pieces,
        encoder->work->scratch);
  else if (pipeline->model == BERT_MODEL_WORDPIECE)
    bert_wordpiece_encode (&pipeline->wordpiece, &encoder->tokenizer->vocab, text, length, encoder->pieces,
        encoder->work->hashes);
  else
    bert_bpe_encode (&pipeline->bpe, &encoder->tokenizer->vocab, text, length, encoder->pieces,
        &encoder->work->bpe_scratch);
}

static void
run_model (Encoder *encoder, const char *text, uint32_t length)
{
  const BertPipeline *pipeline = encoder->pipeline;
  CacheEntry *entry = NULL;
  uint64_t hash = 0;

  if (length <= CACHE_TEXT_BYTES) {
    entry = cache_entry (encoder, text, length, &hash);
    bert_array_resize (encoder->pieces, 0);
    if (cache_get (entry, pipeline->serial, hash, text, length, encoder->pieces))
      return;
  }
  run_model_uncached (encoder, text, length);
  if (entry != NULL)
    cache_put (encoder->work, entry, pipeline->serial, hash, text, length, encoder->pieces);
}

/* A pre-token: normalised bytes [start, end). */
static void
encode_pre_token (Encoder *encoder, uint32_t start, uint32_t end)
{
  const BertNormalized *normalized = encoder->normalized;
  if (end <= start)
    return;
  run_model (encoder, normalized->text + start, end - start);
  for (guint i = 0; i < encoder->pieces->len; i++) {
    const BertPiece *piece = &g_array_index (encoder->pieces, BertPiece, i);
    push_model_token (encoder, piece->id,
        bert_normalized_span (normalized, start + piece->start, start + piece->end));
  }
}

/* ---- byte level ---- */

/* Per byte: its byte-level character in UTF-8 (at most 2 bytes) and that length. */
static char byte_level_utf8[256][2];
static uint8_t byte_level_length[256];
/* Per ASCII byte: its class in the GPT-2 pattern, without decoding or the two-level table. */
static uint8_t ascii_byte_level_class[128];

static void
init_byte_level_chars (void)
{
  static gsize done = 0;
  if (g_once_init_enter (&done)) {
    uint32_t n = 0;
    for (uint32_t b = 0; b < 256; b++) {
      gboolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
      char utf8[4];
      byte_level_length[b] = (uint8_t) bert_utf8_put (printable ? b : 256 + n++, utf8);
      memcpy (byte_level_utf8[b], utf8, 2);
    }
    for (uint32_t b = 0; b < 128; b++)
      ascii_byte_level_class[b] = (uint8_t) bert_byte_level_class (b);
    g_once_init_leave (&done, 1);
  }
}

/* A byte-level pre-token, normalised bytes [start, end), with its cache slot (NULL: too
 * long for the cache), found and fetched one pre-token ahead so that the slot's cache miss
 * overlaps the work on the one before. */
typedef struct {
  uint32_t start, end;
  uint64_t hash;
  CacheEntry *entry;
} PreToken;

static PreToken
pre_token_ahead (const Encoder *encoder, uint32_t start, uint32_t end)
{
  PreToken pre_token = { start, end, 0, NULL };
  if (end - start <= CACHE_TEXT_BYTES) {
    pre_token.entry = cache_entry (encoder, encoder->normalized->text + start, end - start, &pre_token.hash);
    __builtin_prefetch (pre_token.entry);
    __builtin_prefetch ((const char *) pre_token.entry + sizeof (CacheEntry) - 1);
  }
  return pre_token;
}

/* The pieces of a pre-token the cache does not hold, in its own bytes: the model runs on
 * its byte-level characters. The mapping is one to one per byte, so the cache is keyed by
 * the bytes themselves and holds the pieces in their offsets: a hit maps nothing. */
static void
byte_level_pieces (Encoder *encoder, const PreToken *pre_token)
{
  const char *text = encoder->normalized->text + pre_token->start;
  uint32_t length = pre_token->end - pre_token->start;
  GString *mapped = encoder->work->mapped;
  GArray *mapped_source = encoder->work->mapped_source;
  CacheEntry *entry = pre_token->entry;
  uint64_t hash = pre_token->hash;

  bert_array_resize (encoder->pieces, 0);
  if (encoder->pipeline->model == BERT_MODEL_BPE
      && bert_bpe_encode_byte_level (&encoder->pipeline->bpe, text, length, encoder->pieces,
          &encoder->work->bpe_scratch)) {
    if (entry != NULL)
      cache_put (encoder->work, entry, encoder->pipeline->serial, hash, text, length, encoder->pieces);
    return;
  }
  g_string_set_size (mapped, 2 * (gsize) length);
  g_array_set_size (mapped_source, 2 * length);
  uint32_t *source = (uint32_t *) mapped_source->data;
  gsize mapped_length = 0;
  for (uint32_t at = 0; at < length; at++) {
    unsigned char byte = (unsigned char) text[at];
    memcpy (mapped->str + mapped_length, byte_level_utf8[byte], 2);
    source[mapped_length] = source[mapped_length + 1] = at;
    mapped_length += byte_level_length[byte];
  }
  g_string_truncate (mapped, mapped_length);
  run_model_uncached (encoder, mapped->str, mapped->len);
  for (guint i = 0; i < encoder->pieces->len; i++) {
    BertPiece *piece = &g_array_index (encoder->pieces, BertPiece, i);
    if (piece->end > piece->start && piece->end <= mapped->len) {
      piece->start = source[piece->start];
      piece->end = source[piece->end - 1] + 1;
    } else {
      piece->start = piece->end = 0;
    }
  }
  if (entry != NULL)
    cache_put (encoder->work, entry, encoder->pipeline->serial, hash, text, length, encoder->pieces);
}

/* A piece of the pre-token at normalised byte start, its span from the bytes it shows, into
 * room the caller made: push_model_token's table of spaces read here, as a call per token
 * (push_model_token, then push_token's check for room) was 5% of the time. */
static inline void
push_byte_level_piece (Encoder *encoder, uint32_t start, int32_t id, uint32_t piece_start, uint32_t piece_end)
{
  const BertNormalized *normalized = encoder->normalized;
  const BertPipeline *pipeline = encoder->pipeline;
  BertSpan span;
  if (piece_end > piece_start)
    span = bert_normalized_span (normalized, start + piece_start, start + piece_end);
  else
    span.start = span.end = bert_normalized_at (normalized, 0).start;
  if (pipeline->trim_offsets) {
    if ((uint32_t) id >= pipeline->n_token_spaces) {
      push_model_token (encoder, id, span);
      return;
    }
    uint8_t spaces = pipeline->token_spaces[id];
    if (spaces == 255) {
      push_model_token (encoder, id, span);
      return;
    }
    trim (encoder, spaces & 15, spaces >> 4, &span.start, &span.end);
  }
  BertEncoding *encoding = encoder->encoding;
  uint32_t i = encoding->n_tokens++;
  encoding->ids[i] = id;
  encoding->type_ids[i] = encoder->tokenizer->sequence_type_id;
  encoding->offsets[2 * i] = span.start;
  encoding->offsets[2 * i + 1] = span.end;
}

static inline void
reserve_tokens (BertEncoding *encoding, uint32_t n_tokens)
{
  if (encoding->n_tokens + n_tokens > encoding->capacity)
    bert_encoding_reserve (encoding, encoding->n_tokens + n_tokens);
}

/* The pre-token through the model: a cache hit's pieces go out as they are read. */
static void
encode_byte_level_pre_token (Encoder *encoder, const PreToken *pre_token)
{
  uint32_t start = pre_token->start;
  CacheEntry *entry = pre_token->entry;

  if (entry != NULL
      && cache_has (entry, encoder->pipeline->serial, pre_token->hash, encoder->normalized->text + start,
          pre_token->end - start)) {
    reserve_tokens (encoder->encoding, entry->n_pieces);
    for (uint8_t i = 0; i < entry->n_pieces; i++)
      push_byte_level_piece (encoder, start, entry->ids[i], entry->starts[i], entry->ends[i]);
    return;
  }
  byte_level_pieces (encoder, pre_token);
  reserve_tokens (encoder->encoding, encoder->pieces->len);
  for (guint i = 0; i < encoder->pieces->len; i++) {
    const BertPiece *piece = &g_array_index (encoder->pieces, BertPiece, i);
    push_byte_level_piece (encoder, start, piece->id, piece->start, piece->end);
  }
}

static inline BertByteLevelClass
char_class (const char *text, uint32_t *n)
{
  unsigned char byte = (unsigned char) text[0];
  if (byte < 0x80) {
    *n = 1;
    return (BertByteLevelClass) ascii_byte_level_class[byte];
  }
  return bert_byte_level_class (bert_utf8_get (text, n));
}

static uint32_t
class_run (const char *text, uint32_t length, uint32_t at, BertByteLevelClass wanted)
{
  uint32_t n;
  while (at < length && char_class (text + at, &n) == wanted)
    at += n;
  return at;
}

/* The end of the GPT-2 pattern's match at at: 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+|
 * ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+ (leftmost alternative first, as a backtracking engine). */
static uint32_t
byte_level_match (const char *text, uint32_t length, uint32_t at)
{
  static const char *contractions[] = { "'s", "'t", "'re", "'ve", "'m", "'ll", "'d" };
  uint32_t n;

  if (text[at] == '\'')
    for (guint i = 0; i < G_N_ELEMENTS (contractions); i++) {
      uint32_t size = strlen (contractions[i]);
      if (at + size <= length && memcmp (text + at, contractions[i], size) == 0)
        return at + size;
    }
  if (text[at] == ' ' && at + 1 < length) {
    BertByteLevelClass next = char_class (text + at + 1, &n);
    if (next != BERT_BYTE_LEVEL_SPACE)
      return class_run (text, length, at + 1, next);
  }
  BertByteLevelClass current = char_class (text + at, &n);
  if (current != BERT_BYTE_LEVEL_SPACE)
    return class_run (text, length, at, current);
  uint32_t end = class_run (text, length, at, BERT_BYTE_LEVEL_SPACE);
  if (end == length || end == at + n)
    return end;
  uint32_t last = end - 1;
  while (((unsigned char) text[last] & 0xC0) == 0x80)
    last--;
  return last;
}

static void
pre_tokenize_byte_level (Encoder *encoder)
{
  BertNormalized *normalized = encoder->normalized;
  const BertPipeline *pipeline = encoder->pipeline;

  if (pipeline->add_prefix_space && (normalized->length == 0 || normalized->text[0] != ' '))
    bert_normalized_prepend (normalized, " ");
  if (normalized->length == 0)
    return;
  if (!pipeline->use_regex) {
    PreToken whole = pre_token_ahead (encoder, 0, normalized->length);
    encode_byte_level_pre_token (encoder, &whole);
    return;
  }
  PreToken current = pre_token_ahead (encoder, 0, byte_level_match (normalized->text, normalized->length, 0));
  while (!full (encoder)) {
    uint32_t at = current.end;
    PreToken next = current;
    if (at < normalized->length)
      next = pre_token_ahead (encoder, at, byte_level_match (normalized->text, normalized->length, at));
    encode_byte_level_pre_token (encoder, &current);
    if (at == normalized->length)
      return;
    current = next;
  }
}

/* ---- metaspace ---- */

/* "first" means: where the normalised segment starts at the input's first byte. The
 * reference asks the segment's slice, cut after normalisation, so text that a normaliser
 * removed from the start (Strip) moves that start. */
static gboolean
metaspace_prepends (const Encoder *encoder, gboolean at_input_start)
{
  BertPrependScheme scheme = encoder->pipeline->prepend_scheme;
  return scheme == BERT_PREPEND_ALWAYS || (scheme == BERT_PREPEND_FIRST && at_input_start);
}

static void
pre_tokenize_metaspace_unsplit (Encoder *encoder)
{
  BertNormalized *normalized = encoder->normalized;
  const char *replacement = encoder->pipeline->replacement;
  uint32_t replacement_length = strlen (replacement);

  gboolean at_input_start = normalized->length > 0 && bert_normalized_at (normalized, 0).start == 0;
  bert_normalized_replace_string (normalized, " ", replacement);
  gboolean starts_with = normalized->length >= replacement_length
      && memcmp (normalized->text, replacement, replacement_length) == 0;
  if (!starts_with && metaspace_prepends (encoder, at_input_start))
    bert_normalized_prepend (normalized, replacement);
  encode_pre_token (encoder, 0, normalized->length);
}

/* A pre-token of the split Metaspace: the replacement standing for a space (prefix bytes
 * of it, with the span of that space) then normalised bytes [start, end). Cached by those
 * bytes, in a key space of its own when prefixed, so that a hit joins nothing. */
typedef struct {
  uint32_t prefix; /* 0, or the replacement's length */
  BertSpan space_span;
  uint32_t start, end;
  CacheEntry *entry; /* NULL: too long to cache */
  uint32_t serial;
  uint64_t hash;
} MetaspaceWord;

#define PREFIXED_KEYS 0x80000000u

/* Finds the word's cache slot and starts loading it: the cache outgrows the CPU's own
 * caches, so the slot of the next word is fetched while this one is encoded. */
static void
locate_metaspace_word (const Encoder *encoder, MetaspaceWord *word)
{
  uint32_t length = word->end - word->start;
  word->entry = NULL;
  if (length > CACHE_TEXT_BYTES)
    return;
  word->serial = encoder->pipeline->serial ^ (word->prefix > 0 ? PREFIXED_KEYS : 0);
  word->entry =
      cache_slot (encoder, word->serial, encoder->normalized->text + word->start, length, &word->hash);
  __builtin_prefetch (word->entry);
  __builtin_prefetch ((const char *) word->entry + sizeof (CacheEntry) - 1);
}

static inline void
push_metaspace_piece (Encoder *encoder, const MetaspaceWord *word, int32_t id, uint32_t piece_start,
    uint32_t piece_end)
{
  const BertNormalized *normalized = encoder->normalized;
  uint32_t prefix = word->prefix;
  BertSpan span;
  if (normalized->align == NULL) {
    /* Spans not stored: pieces are whole characters, so the input bytes are the text's own. */
    uint32_t origin = normalized->view_start + word->start - prefix;
    span.start = piece_start < prefix ? word->space_span.start : origin + piece_start;
    span.end = piece_end <= prefix ? word->space_span.end : origin + piece_end;
  } else {
    span.start = piece_start < prefix
        ? word->space_span.start
        : bert_normalized_at (normalized, word->start + piece_start - prefix).start;
    span.end = piece_end <= prefix
        ? word->space_span.end
        : bert_normalized_at (normalized, word->start + piece_end - 1 - prefix).end;
  }
  /* without trim_offsets (XLM-R's template has none) a piece is pushed as it stands */
  if (encoder->pipeline->trim_offsets)
    push_model_token (encoder, id, span);
  else
    push_token (encoder->encoding, id, encoder->tokenizer->sequence_type_id, span.start, span.end);
}

/* The word through the model, or its pieces straight from the cache. Inlined into the
 * split loop, its one hot caller (about 5% of Unigram's time when it was not). */
__attribute__ ((always_inline)) static inline void
encode_metaspace_word (Encoder *encoder, const MetaspaceWord *word)
{
  const char *text = encoder->normalized->text + word->start;
  uint32_t length = word->end - word->start, prefix = word->prefix;
  CacheEntry *entry = word->entry;
  char buffer[256];

  if (prefix + length == 0)
    return;
  if (entry != NULL && cache_has (entry, word->serial, word->hash, text, length)) {
    for (uint8_t i = 0; i < entry->n_pieces; i++)
      push_metaspace_piece (encoder, word, entry->ids[i], entry->starts[i], entry->ends[i]);
    return;
  }
  if (prefix > 0) {
    char *joined = prefix + length <= sizeof buffer ? buffer : g_malloc (prefix + length);
    memcpy (joined, encoder->pipeline->replacement, prefix);
    memcpy (joined + prefix, text, length);
    run_model_uncached (encoder, joined, prefix + length);
    if (joined != buffer)
      g_free (joined);
  } else {
    run_model_uncached (encoder, text, length);
  }
  if (word->entry != NULL)
    cache_put (encoder->work, word->entry, word->serial, word->hash, text, length, encoder->pieces);
  for (guint i = 0; i < encoder->pieces->len; i++) {
    const BertPiece *piece = &g_array_index (encoder->pieces, BertPiece, i);
    push_metaspace_piece (encoder, word, piece->id, piece->start, piece->end);
  }
}

/* Where the split Metaspace cuts a normalised segment. */
typedef struct {
  const char *text;
  uint32_t length;
  const char *replacement;
  uint32_t replacement_length;
  gboolean fuse_runs;
} MetaspaceSplits;

/* Per byte of word, its top bit set where the byte is 0: exact for the lowest such byte
 * (a borrow may mark bytes above it). */
static inline uint64_t
zero_bytes (uint64_t word)
{
  return (word - 0x0101010101010101ull) & ~word & 0x8080808080808080ull;
}

/* The next split at or after at: a space (a run of them when runs are fused: the
 * normaliser's Replace of " {2,}" would have made it one replacement, aligned to its last
 * space), or the replacement character itself; the length when none. */
static uint32_t
next_metaspace_split (const MetaspaceSplits *splits, uint32_t at, uint32_t *split_end, gboolean *is_space)
{
  const char *text = splits->text;
  uint32_t length = splits->length;
  char first = splits->replacement[0];
  uint64_t spaces = 0x0101010101010101ull * ' ', firsts = 0x0101010101010101ull * (unsigned char) first;

  while (at < length) {
    /* eight bytes at a time to the first space or first byte of the replacement */
    if (at + 8 <= length) {
      uint64_t word;
      memcpy (&word, text + at, 8);
      uint64_t found = zero_bytes (word ^ spaces) | zero_bytes (word ^ firsts);
      if (found == 0) {
        at += 8;
        continue;
      }
      at += __builtin_ctzll (found) / 8;
    } else if (text[at] != ' ' && text[at] != first) {
      at++;
      continue;
    }
    if (text[at] == ' ') {
      uint32_t end = at + 1;
      while (splits->fuse_runs && end < length && text[end] == ' ')
        end++;
      *split_end = end;
      *is_space = TRUE;
      return at;
    }
    if (at + splits->replacement_length <= length
        && memcmp (text + at, splits->replacement, splits->replacement_length) == 0) {
      *split_end = at + splits->replacement_length;
      *is_space = FALSE;
      return at;
    }
    at++;
  }
  *split_end = length;
  *is_space = FALSE;
  return length;
}

/* The split Metaspace's words of a range, read ahead of the one being encoded. */
typedef struct {
  MetaspaceSplits splits;
  uint32_t split_end, last_end; /* the last split found, the end of the last word */
  gboolean is_space;            /* that split is a space */
  uint32_t prepended;           /* the range's first word: the replacement's length if prepended */
} MetaspaceCursor;

/* The word after the last one found (the first: at the range's start, after the replacement
 * where it is prepended), located in the cache; FALSE after the range's last. */
static gboolean
next_metaspace_word (const Encoder *encoder, MetaspaceCursor *cursor, MetaspaceWord *word)
{
  if (cursor->last_end == cursor->splits.length)
    return FALSE;
  *word =
      (MetaspaceWord){ .prefix = cursor->is_space ? cursor->splits.replacement_length : cursor->prepended };
  word->start = cursor->is_space ? cursor->split_end : cursor->last_end;
  if (word->prefix > 0) /* the space the replacement stands for, or the range's first character */
    word->space_span =
        bert_normalized_at (encoder->normalized, cursor->is_space ? cursor->split_end - 1 : word->start);
  word->end =
      next_metaspace_split (&cursor->splits, cursor->split_end, &cursor->split_end, &cursor->is_space);
  cursor->last_end = word->end;
  cursor->prepended = 0;
  locate_metaspace_word (encoder, word);
  return TRUE;
}

/* How many words are split and their cache slots fetched ahead of the one encoded: a hit
 * takes less time than a slot's load from memory, so one word ahead left most of it to wait
 * (at 24 MB the grown cache is the CPU's third level at best). */
#define WORDS_AHEAD 4

/* Metaspace's replace, prepend and split of normalised bytes [from, to) without rewriting
 * the string: each pre-token is the replacement (for a space) and the normalised bytes up to
 * the next split. */
static void
metaspace_range (Encoder *encoder, uint32_t from, uint32_t to, gboolean fuse_runs)
{
  BertNormalized *normalized = encoder->normalized;
  const char *replacement = encoder->pipeline->replacement;
  MetaspaceCursor cursor = {
    .splits = { normalized->text, to, replacement, strlen (replacement), fuse_runs },
    .split_end = from,
    .last_end = from,
  };
  MetaspaceWord ahead[WORDS_AHEAD];

  if (from >= to)
    return;
  gboolean starts_with = cursor.splits.text[from] == ' '
      || (to - from >= cursor.splits.replacement_length
          && memcmp (cursor.splits.text + from, replacement, cursor.splits.replacement_length) == 0);
  if (!starts_with && metaspace_prepends (encoder, bert_normalized_at (normalized, from).start == 0))
    cursor.prepended = cursor.splits.replacement_length;
  uint32_t next = 0, n_ahead = 0;
  while (n_ahead < WORDS_AHEAD && next_metaspace_word (encoder, &cursor, &ahead[n_ahead]))
    n_ahead++;
  while (n_ahead > 0 && !full (encoder)) {
    encode_metaspace_word (encoder, &ahead[next]);
    /* the ring stays full until the words run out: the word after the last takes this slot */
    if (!next_metaspace_word (encoder, &cursor, &ahead[next]))
      n_ahead--;
    next = (next + 1) % WORDS_AHEAD;
  }
}

static void
pre_tokenize_metaspace (Encoder *encoder, gboolean fuse_runs)
{
  if (!encoder->pipeline->split)
    pre_tokenize_metaspace_unsplit (encoder);
  else
    metaspace_range (encoder, 0, encoder->normalized->length, fuse_runs);
}

/* The length of the character at text (valid UTF-8) if Rust's char::is_whitespace holds
 * for it (White_Space: the ASCII ones, U+0085, U+00A0, U+1680, U+2000 to U+200A, U+2028,
 * U+2029, U+202F, U+205F, U+3000), else 0. */
static inline uint32_t
whitespace_length (const unsigned char *text, uint32_t left)
{
  if (text[0] < 0x80)
    return text[0] == ' ' || (text[0] >= '\t' && text[0] <= '\r');
  if (text[0] == 0xc2 && left >= 2)
    return text[1] == 0x85 || text[1] == 0xa0 ? 2 : 0;
  if (left < 3)
    return 0;
  if (text[0] == 0xe1)
    return text[1] == 0x9a && text[2] == 0x80 ? 3 : 0;
  if (text[0] == 0xe2 && text[1] == 0x80)
    return text[2] <= 0x8a || text[2] == 0xa8 || text[2] == 0xa9 || text[2] == 0xaf ? 3 : 0;
  if (text[0] == 0xe2 && text[1] == 0x81)
    return text[2] == 0x9f ? 3 : 0;
  return text[0] == 0xe3 && text[1] == 0x80 && text[2] == 0x80 ? 3 : 0;
}

/* WhitespaceSplit (whitespace removed), then the split Metaspace on each word. */
static void
pre_tokenize_whitespace_metaspace (Encoder *encoder)
{
  const unsigned char *text = (const unsigned char *) encoder->normalized->text;
  uint32_t length = encoder->normalized->length, at = 0;

  while (at < length && !full (encoder)) {
    uint32_t space;
    while (at < length && (space = whitespace_length (text + at, length - at)) > 0)
      at += space;
    uint32_t end = at;
    while (end < length && whitespace_length (text + end, length - end) == 0)
      end++;
    metaspace_range (encoder, at, end, FALSE);
    at = end;
  }
}

/* ---- Whitespace, WhitespaceSplit, BertPreTokenizer, Digits, Punctuation ---- */

/* What a splitter makes of a character: nothing (removed), a part of a run of its role, or
 * a pre-token alone. */
typedef enum {
  CHAR_REMOVED,
  CHAR_RUN_WORD,
  CHAR_RUN_OTHER,
  CHAR_ALONE
} CharRole;

static inline gboolean
is_ascii_space (unsigned char c)
{
  return c == ' ' || (c >= '\t' && c <= '\r');
}

static inline gboolean
is_punctuation (uint32_t cp)
{
  return (bert_unicode_lookup (cp)->flags & BERT_CHAR_PUNCT) != 0;
}

/* A matched character (digit, punctuation) as the behaviour says; the others make runs. */
static inline CharRole
matched_role (gboolean matched, CharRole role)
{
  return matched ? role : CHAR_RUN_WORD;
}

static CharRole
char_role (BertSplitter splitter, uint32_t cp)
{
  switch (splitter) {
    case BERT_SPLIT_BERT: {
      const BertUnicodeRecord *record = bert_unicode_lookup (cp);
      return record->flags & BERT_CHAR_SPLIT_SPACE ? CHAR_REMOVED
          : record->flags & BERT_CHAR_PUNCT        ? CHAR_ALONE
                                                   : CHAR_RUN_WORD;
    }
    case BERT_SPLIT_WHITESPACE_SPLIT:
      return (cp < 0x80 ? is_ascii_space (cp) : bert_is_white_space (cp)) ? CHAR_REMOVED : CHAR_RUN_WORD;
    case BERT_SPLIT_WHITESPACE:
      /* \w+|[^\w\s]+: its regex engine's \w is the one of single_word, its \s White_Space */
      if (cp < 0x80)
        return is_ascii_space (cp)              ? CHAR_REMOVED
            : g_ascii_isalnum (cp) || cp == '_' ? CHAR_RUN_WORD
                                                : CHAR_RUN_OTHER;
      return bert_is_white_space (cp) ? CHAR_REMOVED
          : bert_is_word_char (cp)    ? CHAR_RUN_WORD
                                      : CHAR_RUN_OTHER;
    case BERT_SPLIT_DIGITS_ALONE: return matched_role (bert_is_numeric_char (cp), CHAR_ALONE);
    case BERT_SPLIT_DIGITS_RUNS: return matched_role (bert_is_numeric_char (cp), CHAR_RUN_OTHER);
    case BERT_SPLIT_PUNCT_ALONE: return matched_role (is_punctuation (cp), CHAR_ALONE);
    case BERT_SPLIT_PUNCT_RUNS: return matched_role (is_punctuation (cp), CHAR_RUN_OTHER);
    case BERT_SPLIT_PUNCT_REMOVED: return matched_role (is_punctuation (cp), CHAR_REMOVED);
  }
  return CHAR_RUN_WORD;
}

/* Each splitter's roles of the BMP's characters, two bits each, made on first use: the
 * classes behind them are binary searches over ranges, which cost more than the rest of the
 * split. */
#define N_SPLITTERS (BERT_SPLIT_PUNCT_REMOVED + 1)
#define BMP_CHARS 0x10000
static uint8_t bmp_roles[N_SPLITTERS][BMP_CHARS / 4];
static gsize bmp_roles_made[N_SPLITTERS];

static void
make_bmp_roles (BertSplitter splitter)
{
  if (g_once_init_enter (&bmp_roles_made[splitter])) {
    for (uint32_t cp = 0; cp < BMP_CHARS; cp++)
      bmp_roles[splitter][cp >> 2] |= (uint8_t) (char_role (splitter, cp) << ((cp & 3) * 2));
    g_once_init_leave (&bmp_roles_made[splitter], 1);
  }
}

static void
make_pipeline_roles (const BertPipeline *pipeline)
{
  for (guint i = 0; i < pipeline->n_splitters; i++)
    make_bmp_roles (pipeline->splitters[i]);
}

/* The role of the character at text (its length in *n), from the tables made. */
static inline CharRole
role_at (BertSplitter splitter, const char *text, uint32_t *n)
{
  unsigned char first = (unsigned char) *text;
  uint32_t cp = first;
  if (first < 0x80)
    *n = 1;
  else
    cp = bert_utf8_get (text, n);
  if (cp >= BMP_CHARS)
    return char_role (splitter, cp);
  return (CharRole) ((bmp_roles[splitter][cp >> 2] >> ((cp & 3) * 2)) & 3);
}

/* A pre-token whose cache slot was fetched ahead (pre_token_ahead): a hit's pieces go
 * straight from the entry to the encoding. */
static void
encode_fetched_pre_token (Encoder *encoder, const PreToken *pre_token)
{
  const BertNormalized *normalized = encoder->normalized;
  uint32_t start = pre_token->start, length = pre_token->end - start, serial = encoder->pipeline->serial;
  const char *text = normalized->text + start;
  CacheEntry *entry = pre_token->entry;

  if (entry != NULL && cache_has (entry, serial, pre_token->hash, text, length)) {
    for (uint8_t i = 0; i < entry->n_pieces; i++)
      push_model_token (encoder, entry->ids[i],
          bert_normalized_span (normalized, start + entry->starts[i], start + entry->ends[i]));
    return;
  }
  run_model_uncached (encoder, text, length);
  if (entry != NULL)
    cache_put (encoder->work, entry, serial, pre_token->hash, text, length, encoder->pieces);
  for (guint i = 0; i < encoder->pieces->len; i++) {
    const BertPiece *piece = &g_array_index (encoder->pieces, BertPiece, i);
    push_model_token (encoder, piece->id,
        bert_normalized_span (normalized, start + piece->start, start + piece->end));
  }
}

/* The last splitter: each run a pre-token, encoded once the next one is found and its
 * cache slot fetched, so that the slot's cache miss overlaps the work on the one before. */
static void
split_into_pre_tokens (Encoder *encoder, BertSplitter splitter, uint32_t start, uint32_t end)
{
  const char *text = encoder->normalized->text;
  uint32_t run_start = start, n;
  CharRole run = CHAR_REMOVED;
  PreToken pending = { 0, 0, 0, NULL };

  for (uint32_t at = start; at < end && !full (encoder); at += n) {
    CharRole role = role_at (splitter, text + at, &n);
    if (role == run && role != CHAR_ALONE)
      continue;
    if (run != CHAR_REMOVED) {
      PreToken next = pre_token_ahead (encoder, run_start, at);
      if (pending.end > pending.start)
        encode_fetched_pre_token (encoder, &pending);
      pending = next;
    }
    run_start = at;
    run = role;
  }
  if (pending.end > pending.start && !full (encoder))
    encode_fetched_pre_token (encoder, &pending);
  if (run != CHAR_REMOVED && !full (encoder)) {
    PreToken last = pre_token_ahead (encoder, run_start, end);
    encode_fetched_pre_token (encoder, &last);
  }
}

/* Normalised bytes [start, end) through the splitters from the index-th on: each run of
 * characters of one role (each CHAR_ALONE one alone) goes to the next, the removed ones
 * dropped; past the last, each is a pre-token. */
static void
split_range (Encoder *encoder, guint index, uint32_t start, uint32_t end)
{
  const BertPipeline *pipeline = encoder->pipeline;
  if (index == pipeline->n_splitters) {
    encode_pre_token (encoder, start, end);
    return;
  }
  BertSplitter splitter = pipeline->splitters[index];
  if (index + 1 == pipeline->n_splitters) {
    split_into_pre_tokens (encoder, splitter, start, end);
    return;
  }
  const char *text = encoder->normalized->text;
  uint32_t run_start = start, n;
  CharRole run = CHAR_REMOVED;

  for (uint32_t at = start; at < end && !full (encoder); at += n) {
    CharRole role = role_at (splitter, text + at, &n);
    if (role == run && role != CHAR_ALONE)
      continue;
    if (run != CHAR_REMOVED)
      split_range (encoder, index + 1, run_start, at);
    run_start = at;
    run = role;
  }
  if (run != CHAR_REMOVED && !full (encoder))
    split_range (encoder, index + 1, run_start, end);
}

/* ---- segments between added tokens ---- */

/* Inlined into encode_segment as it was before bert_pipeline_normalize_text shared it. */
__attribute__ ((always_inline)) static inline void
normalize (const BertPipeline *pipeline, BertNormalized *normalized, GArray *precompiled_scratch,
    guint n_steps)
{
  for (guint i = 0; i < n_steps; i++) {
    const BertNormalizerStep *step = &pipeline->steps[i];
    switch (step->kind) {
      case BERT_STEP_PRECOMPILED:
        bert_precompiled_normalize (step->precompiled, normalized, precompiled_scratch);
        break;
      case BERT_STEP_STRIP: bert_normalized_strip (normalized, step->left, step->right); break;
      case BERT_STEP_REPLACE_STRING:
        bert_normalized_replace_string (normalized, step->pattern, step->content);
        break;
      case BERT_STEP_REPLACE_RUNS:
        bert_normalized_replace_runs (normalized, step->pattern[0], step->min_count, step->content);
        break;
      case BERT_STEP_REPLACE_SPACE_RUNS:
        bert_normalized_replace_space_runs (normalized, step->content);
        break;
      case BERT_STEP_LOWERCASE: bert_normalized_lowercase (normalized); break;
      case BERT_STEP_PREPEND: bert_normalized_prepend (normalized, step->content); break;
      case BERT_STEP_NFD: bert_normalized_nfd (normalized); break;
      case BERT_STEP_NFKD: bert_normalized_nfkd (normalized); break;
      case BERT_STEP_NFC: bert_normalized_nfc (normalized); break;
      case BERT_STEP_NFKC: bert_normalized_nfkc (normalized); break;
      case BERT_STEP_STRIP_ACCENTS: bert_normalized_strip_accents (normalized); break;
      case BERT_STEP_BERT:
        bert_normalized_bert (normalized, step->clean_text, step->handle_chinese_chars, step->strip_accents,
            step->lowercase);
        break;
    }
  }
}

char *
bert_pipeline_normalize_text (const BertPipeline *pipeline, const char *text)
{
  BertNormalized normalized;
  GArray *scratch = g_array_new (FALSE, FALSE, 8);

  bert_normalized_init (&normalized);
  bert_normalized_set (&normalized, text, 0, strlen (text));
  normalize (pipeline, &normalized, scratch, pipeline->n_steps);
  /* an empty result may have no text at all */
  char *result = g_strndup (normalized.length > 0 ? normalized.text : "", normalized.length);
  bert_normalized_clear (&normalized);
  g_array_free (scratch, TRUE);
  return result;
}

static void
pre_tokenize (Encoder *encoder, gboolean fuse_runs)
{
  switch (encoder->pipeline->pre_tokenizer) {
    case BERT_PRE_METASPACE: pre_tokenize_metaspace (encoder, fuse_runs); break;
    case BERT_PRE_WHITESPACE_METASPACE: pre_tokenize_whitespace_metaspace (encoder); break;
    case BERT_PRE_BYTE_LEVEL: pre_tokenize_byte_level (encoder); break;
    case BERT_PRE_NONE: encode_pre_token (encoder, 0, encoder->normalized->length); break;
    case BERT_PRE_SPLITS: split_range (encoder, 0, 0, encoder->normalized->length); break;
  }
}

/* The segment normalised, then split on the normalized added tokens, as the second pass
 * of extract_and_normalize does: each piece between them pre-tokenized on its own. Without
 * such tokens, or where the raw segment holds no character from which the normaliser could
 * make one's first character, the whole segment is the one piece: one call site of
 * pre_tokenize keeps the pre-tokenizers inlined here. */
static void
encode_segment (Encoder *encoder, uint32_t start, uint32_t end)
{
  const BertPipeline *pipeline = encoder->pipeline;
  const BertAddedTokens *tokens = &encoder->tokenizer->normalized_added;
  /* The scan pays where a segment without a match is then cheaper: Metaspace's split
   * taking the normaliser's last Replace of space runs. Elsewhere the normalised text
   * (without a normaliser, the raw text where it lies) is searched as cheaply as the raw
   * text would be scanned. */
  gboolean may_match = tokens->n_tokens > 0
      && (!pipeline->split_takes_runs
          || bert_char_set_find (&encoder->tokenizer->normalized_triggers, encoder->text, start, end));
  /* the last Replace of runs is left to Metaspace's split, unless the fully normalised
   * text has to be searched for added tokens */
  gboolean fuse_runs = pipeline->split_takes_runs && !may_match;
  BertNormalized *whole = encoder->normalized;
  gsize at = 0, search_at = 0;
  BertAddedMatch match;

  if (pipeline->pre_tokenizer == BERT_PRE_NONE)
    bert_normalized_set (whole, encoder->text, start, end);
  else
    bert_normalized_view (whole, encoder->text, start, end);
  normalize (pipeline, whole, encoder->work->precompiled_scratch,
      fuse_runs ? pipeline->n_steps - 1 : pipeline->n_steps);
  for (;;) {
    gboolean found = may_match && search_at < whole->length
        && bert_added_tokens_find (tokens, whole->text, search_at, at, whole->length, &match);
    gsize piece_end = found ? match.start : whole->length;
    if (piece_end > at) {
      if (at > 0 || piece_end < whole->length) {
        bert_normalized_slice (&encoder->work->piece, whole, (uint32_t) at, (uint32_t) piece_end);
        encoder->normalized = &encoder->work->piece;
      }
      pre_tokenize (encoder, fuse_runs);
      encoder->normalized = whole;
    }
    if (!found || full (encoder))
      return;
    BertSpan span = bert_normalized_span (whole, (uint32_t) match.start, (uint32_t) match.end);
    push_sequence_token (encoder, match.token->id, whole->text + match.start, match.end - match.start,
        span.start, span.end);
    at = match.end;
    search_at = match.token_end;
  }
}

/* The text split on the added tokens matched in it raw, as the first pass of
 * extract_and_normalize does. */
static void
encode_text (Encoder *encoder)
{
  const BertAddedTokens *added = &encoder->tokenizer->added;
  gsize at = 0, search_at = 0;
  BertAddedMatch match;

  while (!full (encoder)) {
    gboolean found = search_at < encoder->length
        && bert_added_tokens_find (added, encoder->text, search_at, at, encoder->length, &match);
    gsize segment_end = found ? match.start : encoder->length;
    if (segment_end > at)
      encode_segment (encoder, (uint32_t) at, (uint32_t) segment_end);
    if (!found || full (encoder))
      return;
    push_sequence_token (encoder, match.token->id, encoder->text + match.start, match.end - match.start,
        (uint32_t) match.start, (uint32_t) match.end);
    at = match.end;
    search_at = match.token_end;
  }
}

/* ---- invalid UTF-8 ---- */

/* The text with each ill-formed subpart replaced by U+FFFD, and per byte of it the span of
 * the input it stands for. NULL when the text is valid. */
static char *
repair_utf8 (const char *text, gsize length, gsize *repaired_length, BertSpan **sources)
{
  if (bert_utf8_is_valid (text, length))
    return NULL;
  GString *repaired = g_string_sized_new (length + 16);
  GArray *spans = g_array_sized_new (FALSE, FALSE, sizeof (BertSpan), length + 16);
  int invalid = 0;
  for (gsize at = 0; at < length;) {
    uint32_t cp;
    unsigned n = bert_utf8_decode ((const unsigned char *) text + at, length - at, &cp, &invalid);
    char utf8[4];
    uint32_t size = bert_utf8_put (cp, utf8);
    g_string_append_len (repaired, utf8, size);
    BertSpan span = { (uint32_t) at, (uint32_t) (at + n) };
    for (uint32_t i = 0; i < size; i++)
      g_array_append_val (spans, span);
    at += n;
  }
  *repaired_length = repaired->len;
  *sources = (BertSpan *) g_array_free (spans, FALSE);
  return g_string_free (repaired, FALSE);
}

static void
map_offsets_back (BertEncoding *encoding, const BertSpan *sources, gsize repaired_length, gsize length,
    guint first, guint last)
{
  for (guint i = first; i < last; i++) {
    uint32_t start = encoding->offsets[2 * i], end = encoding->offsets[2 * i + 1];
    uint32_t new_start = start < repaired_length ? sources[start].start : (uint32_t) length;
    uint32_t new_end = end > start ? sources[end - 1].end : new_start;
    encoding->offsets[2 * i] = new_start;
    encoding->offsets[2 * i + 1] = new_end;
  }
}

/* ---- encode ---- */

static void
workspace_free (gpointer data)
{
  Workspace *work = data;
  bert_normalized_clear (&work->normalized);
  bert_normalized_clear (&work->piece);
  g_array_free (work->pieces, TRUE);
  g_array_free (work->scratch, TRUE);
  bert_bpe_scratch_clear (&work->bpe_scratch);
  g_array_free (work->precompiled_scratch, TRUE);
  g_array_free (work->hashes, TRUE);
  g_string_free (work->mapped, TRUE);
  g_array_free (work->mapped_source, TRUE);
  bert_huge_pages_release (work->cache, CACHE_MOST_SLOTS * sizeof (CacheEntry));
  g_free (work);
}

static GPrivate workspace_key = G_PRIVATE_INIT (workspace_free);

/* An empty cache for the workspace: room for the most slots, of which the first
 * CACHE_FIRST_SLOTS are used. Only the slots written take memory (the grown cache's 24 MB are
 * address space until then), and none is cleared but by the kernel. */
static void
make_cache (Workspace *work)
{
  work->cache_slots = CACHE_FIRST_SLOTS;
  work->cache_stores = 0;
  work->cache = bert_huge_pages_reserve (CACHE_MOST_SLOTS * sizeof (CacheEntry));
}

static Workspace *
thread_workspace (void)
{
  Workspace *work = g_private_get (&workspace_key);
  if (work != NULL)
    return work;
  work = g_new0 (Workspace, 1);
  bert_normalized_init (&work->normalized);
  bert_normalized_init (&work->piece);
  work->pieces = g_array_new (FALSE, FALSE, sizeof (BertPiece));
  work->scratch = g_array_new (FALSE, FALSE, 1);
  bert_bpe_scratch_init (&work->bpe_scratch);
  work->precompiled_scratch = g_array_new (FALSE, FALSE, 8);
  work->hashes = g_array_new (FALSE, FALSE, sizeof (uint64_t));
  work->mapped = g_string_new (NULL);
  work->mapped_source = g_array_new (FALSE, FALSE, sizeof (uint32_t));
  make_cache (work);
  g_private_set (&workspace_key, work);
  return work;
}

/* All the slots once the first ones have been written over (as many stores as slots),
 * between calls, so that no entry is held. The entries move in place: the low bits of a
 * slot's new index are its old one, so each moves to a slot past the first ones, still
 * empty, and the words learnt so far still hit (on the benchmark's first pass, 2.4% more of
 * the lookups than with an empty cache grown at twice as many stores). */
static void
grow_cache (Workspace *work)
{
  if (work->cache_slots >= CACHE_MOST_SLOTS || work->cache_stores < work->cache_slots)
    return;
  CacheEntry *cache = work->cache;
  uint32_t n_first = work->cache_slots;
  work->cache_slots = CACHE_MOST_SLOTS;
  for (uint32_t i = 0; i < n_first; i++) {
    if (cache[i].serial == 0)
      continue;
    uint32_t slot =
        cache_index (cache_hash (cache[i].text, cache[i].length), cache[i].serial, CACHE_MOST_SLOTS);
    if (slot != i) {
      cache[slot] = cache[i];
      memset (&cache[i], 0, sizeof cache[i]);
    }
  }
}

void
bert_pipeline_encode (const BertTokenizer *tokenizer, const char *text, gsize len, guint max_length,
    BertEncoding *encoding)
{
  gsize length = MIN (len, (gsize) G_MAXUINT32 / 2), repaired_length = 0;
  BertSpan *sources = NULL;
  char *repaired = repair_utf8 (text, length, &repaired_length, &sources);
  guint n_special = tokenizer->n_prefix + tokenizer->n_suffix;
  Encoder encoder = {
    .tokenizer = tokenizer,
    .pipeline = tokenizer->pipeline,
    .encoding = encoding,
    .text = repaired ? repaired : text,
    .length = repaired ? repaired_length : length,
    .work = thread_workspace (),
  };
  if (max_length == 0)
    max_length = tokenizer->options.model_max_length;
  encoder.budget = max_length > n_special ? max_length - n_special : 0;
  init_byte_level_chars ();
  make_pipeline_roles (encoder.pipeline);
  grow_cache (encoder.work);
  encoder.normalized = &encoder.work->normalized;
  encoder.pieces = encoder.work->pieces;

  encoding->n_tokens = 0;
  encoding->truncated = FALSE;
  for (guint i = 0; i < tokenizer->n_prefix; i++)
    push_token (encoding, tokenizer->prefix_ids[i], tokenizer->prefix_type_ids[i], 0, 0);
  encode_text (&encoder);
  if (encoding->n_tokens - tokenizer->n_prefix > encoder.budget) {
    encoding->n_tokens = tokenizer->n_prefix + encoder.budget;
    encoding->truncated = TRUE;
  }
  if (repaired)
    map_offsets_back (encoding, sources, repaired_length, length, tokenizer->n_prefix, encoding->n_tokens);
  for (guint i = 0; i < tokenizer->n_suffix; i++)
    push_token (encoding, tokenizer->suffix_ids[i], tokenizer->suffix_type_ids[i], 0, 0);
  encoding->repaired_utf8 = repaired != NULL;

  g_free (repaired);
  g_free (sources);
}
