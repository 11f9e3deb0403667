/* bert_bpe.c: the BPE model, merges applied by rank as tokenizers' Word::merge_all.
 *
 * The word's characters become symbols (with continuing_subword_prefix on all but the
 * first and end_of_word_suffix on the last); a min-heap of (rank, position) gives the next
 * merge; entries made stale by an earlier merge are skipped, as in the reference. Short
 * words scan their pairs' ranks instead, and byte-level words take a backtracking encoder
 * where the vocabulary allows it (see below), with the same result.
 */
#include "bert_subword.h"
#include "bert_huge_pages.h"
#include "bert_normalized.h"

#include <stdlib.h>

typedef struct {
  int32_t id;
  int32_t prev, next;     /* symbol indices, -1 at the ends */
  uint32_t start, length; /* bytes of the word; length 0: merged away */
  uint32_t rank;          /* of the merge with next (short words), G_MAXUINT32 if none */
  int32_t new_id;
} Symbol;

typedef struct {
  uint32_t rank, position;
  int32_t new_id;
} Candidate;

static void backtrack_free (BertBpeBacktrack *backtrack);

static inline uint64_t
merge_key (int32_t left, int32_t right)
{
  return ((uint64_t) (uint32_t) left << 32 | (uint32_t) right) + 1;
}

/* The merges sit in buckets of BERT_MERGE_BUCKET slots, one cache line each, probed bucket
 * after bucket from the key's: a lookup reads one bucket and picks the match without a
 * branch per slot (found or not is the coin toss that a branch would mispredict). */
static inline uint32_t
merge_bucket (const BertBpe *bpe, uint64_t key)
{
  return (uint32_t) ((key * 0x9E3779B97F4A7C15ull) >> 40) & bpe->merge_mask;
}

void
bert_bpe_init (BertBpe *bpe, uint32_t n_model_ids, uint32_t n_merges)
{
  uint32_t n_buckets = 4;
  while (n_buckets * BERT_MERGE_BUCKET < 2 * (uint64_t) n_merges + 16)
    n_buckets *= 2;
  memset (bpe, 0, sizeof *bpe);
  bpe->n_model_ids = n_model_ids;
  bpe->merges = bert_huge_pages_alloc0 ((gsize) n_buckets * BERT_MERGE_BUCKET * sizeof (BertMerge));
  bpe->merge_mask = n_buckets - 1;
  bpe->unk_id = -1;
}

void
bert_bpe_add_merge (BertBpe *bpe, int32_t left, int32_t right, uint32_t rank, int32_t new_id)
{
  uint64_t key = merge_key (left, right);
  for (uint32_t bucket = merge_bucket (bpe, key);; bucket = (bucket + 1) & bpe->merge_mask)
    for (guint i = 0; i < BERT_MERGE_BUCKET; i++) {
      BertMerge *slot = &bpe->merges[bucket * BERT_MERGE_BUCKET + i];
      if (slot->key == 0 || slot->key == key) {
        *slot = (BertMerge){ key, rank, new_id };
        return;
      }
    }
}

/* The merge of the pair: its rank (G_MAXUINT32 if none) and new id (-1). */
static inline uint32_t
find_merge (const BertBpe *bpe, int32_t left, int32_t right, int32_t *new_id)
{
  uint64_t key = merge_key (left, right);
  for (uint32_t bucket = merge_bucket (bpe, key);; bucket = (bucket + 1) & bpe->merge_mask) {
    const BertMerge *slots = &bpe->merges[bucket * BERT_MERGE_BUCKET];
    uint32_t rank = G_MAXUINT32;
    int32_t id = -1;
    for (guint i = 0; i < BERT_MERGE_BUCKET; i++) {
      gboolean match = slots[i].key == key;
      rank = match ? slots[i].rank : rank;
      id = match ? slots[i].new_id : id;
    }
    /* A bucket fills in slot order and nothing leaves it: a free last slot ends the probe. */
    if (G_LIKELY (id >= 0 || slots[BERT_MERGE_BUCKET - 1].key == 0)) {
      *new_id = id;
      return rank;
    }
  }
}

/* The rank of the pair's merge, G_MAXUINT32 if none: for the pair checks, which mostly
 * find one, in its bucket's first slots. */
static inline uint32_t
merge_rank (const BertBpe *bpe, int32_t left, int32_t right)
{
  uint64_t key = merge_key (left, right);
  for (uint32_t bucket = merge_bucket (bpe, key);; bucket = (bucket + 1) & bpe->merge_mask) {
    const BertMerge *slots = &bpe->merges[bucket * BERT_MERGE_BUCKET];
    for (guint i = 0; i < BERT_MERGE_BUCKET; i++)
      if (slots[i].key == key)
        return slots[i].rank;
    if (slots[BERT_MERGE_BUCKET - 1].key == 0)
      return G_MAXUINT32;
  }
}

int32_t
bert_bpe_lookup (const BertBpe *bpe, const BertVocab *vocab, const char *text, gsize length)
{
  int32_t id = bert_vocab_lookup (vocab, text, length);
  return id >= 0 && (uint32_t) id < bpe->n_model_ids ? id : -1;
}

void
bert_bpe_finish (BertBpe *bpe, const BertVocab *vocab)
{
  for (int byte = 0; byte < 256; byte++) {
    char name[8];
    g_snprintf (name, sizeof name, "<0x%02X>", byte);
    bpe->byte_ids[byte] = bert_bpe_lookup (bpe, vocab, name, strlen (name));
  }
  for (uint32_t cp = 0; cp < BERT_BPE_CHAR_IDS; cp++) {
    char utf8[4];
    bpe->char_ids[cp] = bert_bpe_lookup (bpe, vocab, utf8, bert_utf8_put (cp, utf8));
  }
  GString *name = g_string_new (NULL);
  for (int affixes = 0; affixes < 4; affixes++)
    for (int byte = 0; byte < 256; byte++) {
      char utf8[4];
      uint32_t n = bert_utf8_put (bert_byte_level_char ((unsigned char) byte), utf8);
      g_string_truncate (name, 0);
      if ((affixes & 1) && bpe->prefix)
        g_string_append (name, bpe->prefix);
      g_string_append_len (name, utf8, n);
      if ((affixes & 2) && bpe->suffix)
        g_string_append (name, bpe->suffix);
      bpe->byte_level_ids[affixes][byte] = bert_bpe_lookup (bpe, vocab, name->str, name->len);
    }
  g_string_free (name, TRUE);
}

void
bert_bpe_clear (BertBpe *bpe)
{
  free (bpe->merges);
  backtrack_free (bpe->backtrack);
  g_free (bpe->prefix);
  g_free (bpe->suffix);
  memset (bpe, 0, sizeof *bpe);
}

/* ---- the heap ---- */

static inline gboolean
before (const Candidate *a, const Candidate *b)
{
  return a->rank != b->rank ? a->rank < b->rank : a->position < b->position;
}

static void
heap_push (GArray *heap, Candidate candidate)
{
  g_array_append_val (heap, candidate);
  Candidate *items = (Candidate *) heap->data;
  for (guint i = heap->len - 1; i > 0;) {
    guint parent = (i - 1) / 2;
    if (!before (&items[i], &items[parent]))
      break;
    Candidate swap = items[i];
    items[i] = items[parent];
    items[parent] = swap;
    i = parent;
  }
}

static Candidate
heap_pop (GArray *heap)
{
  Candidate *items = (Candidate *) heap->data;
  Candidate top = items[0];
  items[0] = items[heap->len - 1];
  g_array_set_size (heap, heap->len - 1);
  items = (Candidate *) heap->data;
  for (guint i = 0;;) {
    guint smallest = i, left = 2 * i + 1, right = left + 1;
    if (left < heap->len && before (&items[left], &items[smallest]))
      smallest = left;
    if (right < heap->len && before (&items[right], &items[smallest]))
      smallest = right;
    if (smallest == i)
      break;
    Candidate swap = items[i];
    items[i] = items[smallest];
    items[smallest] = swap;
    i = smallest;
  }
  return top;
}

/* ---- the word's symbols ---- */

/* Symbols' offsets are the running sum of their lengths, as the reference's Word keeps them
 * (so a dropped unknown character shifts the ones after it, as there). */
typedef struct {
  GArray *symbols;
  uint32_t offset;
  int32_t unk_id; /* a pending unk, -1 if none */
  uint32_t unk_length;
} WordBuilder;

static void
add_symbol (WordBuilder *builder, int32_t id, uint32_t length)
{
  Symbol symbol = { id, (int32_t) builder->symbols->len - 1, (int32_t) builder->symbols->len + 1,
    builder->offset, length, G_MAXUINT32, -1 };
  g_array_append_val (builder->symbols, symbol);
  builder->offset += length;
}

static void
flush_unk (WordBuilder *builder)
{
  if (builder->unk_id >= 0)
    add_symbol (builder, builder->unk_id, builder->unk_length);
  builder->unk_id = -1;
}

/* The character with the affixes its place asks for, in buffer. */
static void
affixed (const BertBpe *bpe, const char *text, uint32_t length, gboolean first, gboolean last,
    GString *buffer)
{
  g_string_truncate (buffer, 0);
  if (!first && bpe->prefix)
    g_string_append (buffer, bpe->prefix);
  g_string_append_len (buffer, text, length);
  if (last && bpe->suffix)
    g_string_append (buffer, bpe->suffix);
}

static gboolean
add_bytes (const BertBpe *bpe, WordBuilder *builder, const GString *text)
{
  for (gsize i = 0; i < text->len; i++)
    if (bpe->byte_ids[(unsigned char) text->str[i]] < 0)
      return FALSE;
  for (gsize i = 0; i < text->len; i++)
    add_symbol (builder, bpe->byte_ids[(unsigned char) text->str[i]], 1);
  return TRUE;
}

static void
add_unknown (const BertBpe *bpe, WordBuilder *builder, uint32_t length)
{
  if (bpe->unk_id < 0)
    return;
  if (builder->unk_id >= 0 && bpe->fuse_unk) {
    builder->unk_length += length;
    return;
  }
  flush_unk (builder);
  builder->unk_id = bpe->unk_id;
  builder->unk_length = length;
}

static void
split_word (const BertBpe *bpe, const BertVocab *vocab, const char *word, uint32_t length, GArray *symbols,
    GString *buffer)
{
  WordBuilder builder = { symbols, 0, -1, 0 };

  g_array_set_size (symbols, 0);
  for (uint32_t at = 0; at < length;) {
    uint32_t n = bert_utf8_length ((unsigned char) word[at]), cp = G_MAXUINT32;
    if (n <= length - at)
      cp = bert_utf8_get (word + at, &n);
    n = MIN (n, length - at);
    gboolean first = at == 0, last = at + n == length;
    gboolean plain = cp < BERT_BPE_CHAR_IDS && (first || !bpe->prefix) && (!last || !bpe->suffix);
    if (!plain)
      affixed (bpe, word + at, n, first, last, buffer);
    int32_t id = plain ? bpe->char_ids[cp] : bert_bpe_lookup (bpe, vocab, buffer->str, buffer->len);
    if (id >= 0) {
      flush_unk (&builder);
      add_symbol (&builder, id, n);
    } else {
      if (plain)
        affixed (bpe, word + at, n, first, last, buffer);
      if (!(bpe->byte_fallback && add_bytes (bpe, &builder, buffer)))
        add_unknown (bpe, &builder, n);
    }
    at += n;
  }
  flush_unk (&builder);
  if (symbols->len > 0)
    g_array_index (symbols, Symbol, symbols->len - 1).next = -1;
}

static void
push_candidate (const BertBpe *bpe, GArray *heap, const Symbol *symbols, int32_t left)
{
  int32_t right = symbols[left].next;
  if (right < 0)
    return;
  int32_t new_id;
  uint32_t rank = find_merge (bpe, symbols[left].id, symbols[right].id, &new_id);
  if (new_id >= 0)
    heap_push (heap, (Candidate){ rank, (uint32_t) left, new_id });
}

/* Words of at most this many symbols merge by scanning the pairs' ranks instead of
 * through the heap: the same order (lowest rank, then leftmost), since a merge only
 * changes the pairs on either side of it. */
#define SHORT_WORD_SYMBOLS 48

static inline void
rank_pair (const BertBpe *bpe, Symbol *symbols, int32_t left)
{
  int32_t right = symbols[left].next;
  symbols[left].rank = G_MAXUINT32;
  symbols[left].new_id = -1;
  if (right >= 0)
    symbols[left].rank = find_merge (bpe, symbols[left].id, symbols[right].id, &symbols[left].new_id);
}

/* The ranks sit in an array of their own, a merged-away symbol's at G_MAXUINT32: the
 * search for the lowest is a scan in position order instead of a walk of the list. */
static void
merge_short (const BertBpe *bpe, Symbol *symbols, guint n_symbols)
{
  uint32_t ranks[SHORT_WORD_SYMBOLS];

  for (guint i = 0; i < n_symbols; i++) {
    rank_pair (bpe, symbols, (int32_t) i);
    ranks[i] = symbols[i].rank;
  }
  for (;;) {
    int32_t best = -1;
    uint32_t best_rank = G_MAXUINT32;
    for (guint i = 0; i < n_symbols; i++)
      if (ranks[i] < best_rank) {
        best_rank = ranks[i];
        best = (int32_t) i;
      }
    if (best < 0)
      return;
    Symbol *left = &symbols[best], *right = &symbols[left->next];
    ranks[left->next] = G_MAXUINT32;
    left->id = left->new_id;
    left->length += right->length;
    left->next = right->next;
    right->length = 0;
    if (left->next >= 0)
      symbols[left->next].prev = best;
    rank_pair (bpe, symbols, best);
    ranks[best] = left->rank;
    if (left->prev >= 0) {
      rank_pair (bpe, symbols, left->prev);
      ranks[left->prev] = symbols[left->prev].rank;
    }
  }
}

static void
merge_all (const BertBpe *bpe, GArray *symbol_array, GArray *heap)
{
  Symbol *symbols = (Symbol *) symbol_array->data;

  if (symbol_array->len <= SHORT_WORD_SYMBOLS) {
    if (symbol_array->len > 1)
      merge_short (bpe, symbols, symbol_array->len);
    return;
  }
  g_array_set_size (heap, 0);
  for (guint i = 0; i + 1 < symbol_array->len; i++)
    push_candidate (bpe, heap, symbols, (int32_t) i);
  while (heap->len > 0) {
    Candidate top = heap_pop (heap);
    Symbol *left = &symbols[top.position];
    if (left->length == 0 || left->next < 0)
      continue;
    Symbol *right = &symbols[left->next];
    int32_t new_id;
    find_merge (bpe, left->id, right->id, &new_id);
    if (new_id != top.new_id)
      continue;
    left->id = top.new_id;
    left->length += right->length;
    left->next = right->next;
    right->length = 0;
    if (left->next >= 0)
      symbols[left->next].prev = (int32_t) top.position;
    if (left->prev >= 0)
      push_candidate (bpe, heap, symbols, left->prev);
    push_candidate (bpe, heap, symbols, (int32_t) top.position);
  }
}

/* One symbol per byte, each the byte's byte-level character with the affixes of its place. */
static gboolean
split_bytes (const BertBpe *bpe, const char *word, uint32_t length, GArray *symbol_array)
{
  bert_array_resize (symbol_array, length);
  Symbol *symbols = (Symbol *) symbol_array->data;
  for (uint32_t at = 0; at < length; at++) {
    int affixes = (at > 0 ? 1 : 0) | (at + 1 == length ? 2 : 0);
    int32_t id = bpe->byte_level_ids[affixes][(unsigned char) word[at]];
    if (id < 0)
      return FALSE;
    symbols[at] = (Symbol){ id, (int32_t) at - 1, (int32_t) at + 1, at, 1, G_MAXUINT32, -1 };
  }
  symbols[length - 1].next = -1;
  return TRUE;
}

static void
append_pieces (const GArray *symbol_array, GArray *pieces)
{
  const Symbol *symbols = (const Symbol *) symbol_array->data;
  guint n = pieces->len;
  bert_array_resize (pieces, n + symbol_array->len);
  BertPiece *out = (BertPiece *) pieces->data;
  for (guint i = 0; i < symbol_array->len; i++)
    if (symbols[i].length > 0)
      out[n++] = (BertPiece){ symbols[i].id, symbols[i].start, symbols[i].start + symbols[i].length };
  bert_array_resize (pieces, n);
}

void
bert_bpe_scratch_init (BertBpeScratch *scratch)
{
  scratch->symbols = g_array_new (FALSE, FALSE, sizeof (Symbol));
  scratch->heap = g_array_new (FALSE, FALSE, sizeof (Candidate));
  scratch->buffer = g_string_new (NULL);
}

void
bert_bpe_scratch_clear (BertBpeScratch *scratch)
{
  g_array_free (scratch->symbols, TRUE);
  g_array_free (scratch->heap, TRUE);
  g_string_free (scratch->buffer, TRUE);
}

void
bert_bpe_encode (const BertBpe *bpe, const BertVocab *vocab, const char *word, uint32_t length,
    GArray *pieces, BertBpeScratch *scratch)
{
  if (length == 0)
    return;
  if (bpe->ignore_merges) {
    int32_t id = bert_bpe_lookup (bpe, vocab, word, length);
    if (id >= 0) {
      BertPiece piece = { id, 0, length };
      g_array_append_val (pieces, piece);
      return;
    }
  }
  split_word (bpe, vocab, word, length, scratch->symbols, scratch->buffer);
  merge_all (bpe, scratch->symbols, scratch->heap);
  append_pieces (scratch->symbols, pieces);
}

/* A short word's byte-level merges in arrays indexed by byte position: a symbol starts
 * at its first byte and ends where the next one starts, so no spans, lengths or links
 * back are kept, and the pieces come out by following next from byte 0. */
static gboolean
encode_bytes_short (const BertBpe *bpe, const char *word, uint32_t length, GArray *pieces)
{
  int32_t ids[SHORT_WORD_SYMBOLS], new_ids[SHORT_WORD_SYMBOLS];
  uint32_t ranks[SHORT_WORD_SYMBOLS];
  uint8_t next[SHORT_WORD_SYMBOLS], prev[SHORT_WORD_SYMBOLS];

  for (uint32_t at = 0; at < length; at++) {
    int affixes = (at > 0 ? 1 : 0) | (at + 1 == length ? 2 : 0);
    ids[at] = bpe->byte_level_ids[affixes][(unsigned char) word[at]];
    if (ids[at] < 0)
      return FALSE;
    next[at] = (uint8_t) (at + 1);
    prev[at] = (uint8_t) (at - 1);
  }
  for (uint32_t at = 0; at + 1 < length; at++)
    ranks[at] = find_merge (bpe, ids[at], ids[at + 1], &new_ids[at]);
  ranks[length - 1] = G_MAXUINT32;
  for (;;) {
    uint32_t best = 0, best_rank = G_MAXUINT32;
    for (uint32_t i = 0; i < length; i++)
      if (ranks[i] < best_rank) {
        best_rank = ranks[i];
        best = i;
      }
    if (best_rank == G_MAXUINT32)
      break;
    uint32_t right = next[best];
    ranks[right] = G_MAXUINT32;
    ids[best] = new_ids[best];
    next[best] = next[right];
    ranks[best] = G_MAXUINT32;
    if (next[best] < length) {
      prev[next[best]] = (uint8_t) best;
      ranks[best] = find_merge (bpe, ids[best], ids[next[best]], &new_ids[best]);
    }
    /* The first symbol starts at byte 0, so any other has one before it. */
    if (best > 0)
      ranks[prev[best]] = find_merge (bpe, ids[prev[best]], ids[best], &new_ids[prev[best]]);
  }
  guint n = pieces->len;
  bert_array_resize (pieces, n + length);
  BertPiece *out = (BertPiece *) pieces->data;
  for (uint32_t at = 0; at < length; at = next[at])
    out[n++] = (BertPiece){ ids[at], at, next[at] };
  bert_array_resize (pieces, n);
  return TRUE;
}

/* ---- the backtracking encoder ---- */

/* For a vocabulary whose every token is made by one merge, after the merges that make its
 * parts, and encodes to itself, the BPE encoding of a word is the sequence of tokens
 * covering it in which every two neighbours are a valid pair: what BPE makes of their
 * bytes together is those two tokens (the encoder of GitHub's rust-gems bpe crate). It is
 * found from the left by taking the longest token that fits, then shorter ones where the
 * pair with the previous token is not valid, and backing up where none fits. Each step is
 * a few independent loads, where the merge loop waits on a lookup after every merge. */

/* The longest token that text[0, length) starts with (every byte is one). */
static inline int32_t
longest_token (const BertBpeBacktrack *backtrack, const char *text, uint32_t length)
{
  const BertBpeTrieUnit *units = backtrack->units;
  uint32_t unit = 0;
  int32_t longest = -1;
  for (uint32_t i = 0; i < length; i++) {
    uint32_t child = units[unit].base + (unsigned char) text[i];
    if (units[child].parent != unit + 1)
      break;
    unit = child;
    longest = units[unit].id >= 0 ? units[unit].id : longest;
  }
  return longest;
}

/* Whether BPE on the bytes of left and right gives left, right. Their merges are undone
 * latest first (of the token undone, the part facing the other stays); at each step a
 * merge of the two parts facing each other must not come before the merge just undone,
 * nor, where that one made the right token, be that very merge (leftmost goes first).
 * Returns the steps taken, negated where the pair is not valid. */
static int32_t
valid_pair (const BertBpe *bpe, int32_t left, int32_t right)
{
  const BertBpeToken *tokens = bpe->backtrack->tokens;
  uint32_t limit = G_MAXUINT32;
  for (int32_t steps = 1;; steps++) {
    /* Most pairs met here do not merge, or not before limit: the filter and the two tokens'
     * lowest ranks skip their lookups. */
    if ((tokens[left].right_ids >> (right & 63) & 1)
        && MAX (tokens[left].first_rank_as_left, tokens[right].first_rank_as_right) < limit - 1) {
      if (merge_rank (bpe, left, right) < limit - 1)
        return -steps;
    }
    if (tokens[left].order > tokens[right].order) {
      limit = tokens[left].order;
      left = tokens[left].right;
    } else {
      if (tokens[right].order == 0)
        return steps;
      limit = tokens[right].order + 1;
      right = tokens[right].left;
    }
  }
}

/* Words of up to this many bytes take the backtracking encoder (token lengths are bytes). */
#define BACKTRACK_BYTES 255

/* Steps a word may take (tokens tried and pair-check steps), per byte and at least: real
 * text takes about 4 per byte, but a crafted vocabulary can make every token a position
 * starts with fail its check (quadratic in the word, up to cubic in theory); past this the
 * merge loop answers, so that no word is slow. */
#define BACKTRACK_STEPS_PER_BYTE 16
#define BACKTRACK_MIN_STEPS 256

gboolean
bert_bpe_encode_backtracking (const BertBpe *bpe, const char *word, uint32_t length, GArray *pieces)
{
  const BertBpeBacktrack *backtrack = bpe->backtrack;
  int32_t tokens[BACKTRACK_BYTES];
  uint8_t starts[BACKTRACK_BYTES];
  uint64_t dead[4] = { 0 }; /* positions from which no valid pair sequence covers the rest */
  uint32_t depth = 0, at = 0;
  int32_t budget = BACKTRACK_MIN_STEPS + BACKTRACK_STEPS_PER_BYTE * (int32_t) length;
  int32_t token = longest_token (backtrack, word, length);

  while (at < length) {
    uint32_t end = at + backtrack->lengths[token];
    if (--budget < 0)
      return FALSE;
    gboolean valid = !(dead[end / 64] >> end % 64 & 1);
    if (valid && depth > 0) {
      int32_t steps = valid_pair (bpe, tokens[depth - 1], token);
      budget -= ABS (steps);
      valid = steps > 0;
    }
    if (valid) {
      tokens[depth] = token;
      starts[depth++] = (uint8_t) at;
      at = end;
      if (at < length)
        token = longest_token (backtrack, word + at, length - at);
    } else if (backtrack->tokens[token].shorter >= 0) {
      token = backtrack->tokens[token].shorter;
    } else {
      /* Cannot happen under the load-time conditions; the merge loop answers then. */
      if (depth == 0)
        return FALSE;
      dead[at / 64] |= 1ull << at % 64;
      token = tokens[--depth];
      at = starts[depth];
    }
  }
  guint n = pieces->len;
  bert_array_resize (pieces, n + depth);
  BertPiece *out = (BertPiece *) pieces->data + n;
  for (uint32_t i = 0; i < depth; i++)
    out[i] = (BertPiece){ tokens[i], starts[i], i + 1 < depth ? starts[i + 1] : length };
  return TRUE;
}

static int
compare_merge_ranks (const void *a, const void *b)
{
  const BertMerge *x = a, *y = b;
  return x->rank < y->rank ? -1 : x->rank > y->rank;
}

/* Each token's order and pair from the merges, the tokens made appended to made in order:
 * FALSE unless every token is made by one merge, after the merges that make its parts
 * (tokens that no merge of made tokens reaches stay at order G_MAXUINT32). */
static gboolean
order_tokens (const BertBpe *bpe, BertBpeToken *tokens, GArray *made)
{
  guint n_slots = (bpe->merge_mask + 1) * BERT_MERGE_BUCKET, n_merges = 0;
  BertMerge *merges = g_new (BertMerge, n_slots);
  gboolean ok = TRUE;

  for (guint i = 0; i < n_slots; i++)
    if (bpe->merges[i].key != 0)
      merges[n_merges++] = bpe->merges[i];
  qsort (merges, n_merges, sizeof *merges, compare_merge_ranks);
  for (guint pass = 0; ok && pass < 2; pass++)
    for (guint i = 0; ok && i < n_merges; i++) {
      int32_t left = (int32_t) ((merges[i].key - 1) >> 32), right = (int32_t) (uint32_t) (merges[i].key - 1);
      int32_t id = merges[i].new_id;
      uint32_t order = merges[i].rank + 1;
      gboolean reached = tokens[left].order != G_MAXUINT32 && tokens[right].order != G_MAXUINT32;
      if (pass == 1) {
        /* Now reached but not in the first pass: its parts are made by later merges. */
        ok = !reached || (tokens[id].order == order && tokens[id].left == left && tokens[id].right == right);
      } else if (reached) {
        ok = tokens[id].order == G_MAXUINT32 && tokens[left].order < order && tokens[right].order < order;
        tokens[id] = (BertBpeToken){ order, left, right, -1, 0, G_MAXUINT32, G_MAXUINT32 };
        tokens[left].right_ids |= 1ull << (right & 63);
        /* The merges come in rank order: the first one met is the lowest. */
        tokens[left].first_rank_as_left = MIN (tokens[left].first_rank_as_left, merges[i].rank);
        tokens[right].first_rank_as_right = MIN (tokens[right].first_rank_as_right, merges[i].rank);
        g_array_append_val (made, id);
      }
    }
  g_free (merges);
  return ok;
}

/* Each made token's bytes where at most BACKTRACK_BYTES (longer ones never fit a word the
 * encoder takes): its parts' bytes, which come before it in made. */
static void
spell_tokens (BertBpeBacktrack *backtrack, const GArray *made, GString *bytes, uint32_t *bytes_at)
{
  const int32_t *ids = (const int32_t *) made->data;
  for (guint i = 0; i < made->len; i++) {
    const BertBpeToken *token = &backtrack->tokens[ids[i]];
    uint32_t left_length = backtrack->lengths[token->left], right_length = backtrack->lengths[token->right];
    if (token->order == 0 || left_length == 0 || right_length == 0
        || left_length + right_length > BACKTRACK_BYTES)
      continue;
    bytes_at[ids[i]] = (uint32_t) bytes->len;
    backtrack->lengths[ids[i]] = (uint8_t) (left_length + right_length);
    g_string_append_len (bytes, bytes->str + bytes_at[token->left], left_length);
    g_string_append_len (bytes, bytes->str + bytes_at[token->right], right_length);
  }
}

/* Token ids sorted by their bytes, for the trie. */
typedef struct {
  const char *bytes;
  const uint32_t *bytes_at;
  const uint8_t *lengths;
} Spellings;

static int
compare_spellings (const void *a, const void *b, void *data)
{
  const Spellings *spellings = data;
  int32_t x = *(const int32_t *) a, y = *(const int32_t *) b;
  uint32_t length_x = spellings->lengths[x], length_y = spellings->lengths[y];
  int order = memcmp (spellings->bytes + spellings->bytes_at[x], spellings->bytes + spellings->bytes_at[y],
      MIN (length_x, length_y));
  return order != 0 ? order : (length_x > length_y) - (length_x < length_y);
}

#define PLACE_TRIES 512

/* The first base from which every child's unit is free (among PLACE_TRIES, else past the
 * end); units grow to 256 past it. */
static uint32_t
place_children (GArray *units, uint32_t *first_free, const uint8_t *labels, guint n_labels)
{
  while (*first_free < units->len && g_array_index (units, BertBpeTrieUnit, *first_free).parent != 0)
    (*first_free)++;
  uint32_t base = MAX (*first_free, labels[0] + 1u) - labels[0];
  for (guint tries = 0;; tries++, base++) {
    if (tries == PLACE_TRIES)
      base = units->len;
    if (base + 256 > units->len) {
      guint old = units->len;
      g_array_set_size (units, base + 256);
      for (guint i = old; i < units->len; i++)
        g_array_index (units, BertBpeTrieUnit, i) = (BertBpeTrieUnit){ 0, 0, -1 };
    }
    gboolean fits = TRUE;
    for (guint i = 0; i < n_labels && fits; i++)
      fits = g_array_index (units, BertBpeTrieUnit, base + labels[i]).parent == 0;
    if (fits)
      return base;
  }
}

/* The byte at depth of the sorted tokens' i-th. */
static inline uint8_t
label_at (const Spellings *spellings, const int32_t *sorted, uint32_t i, uint32_t depth)
{
  return (uint8_t) spellings->bytes[spellings->bytes_at[sorted[i]] + depth];
}

/* Places the node at unit for the sorted tokens [first, last), which share their first
 * depth bytes, and its subtree (tokens of up to 255 bytes: the frames stay small). */
static void
place_node (GArray *units, uint32_t *first_free, const Spellings *spellings, const int32_t *sorted,
    uint32_t first, uint32_t last, uint32_t depth, uint32_t unit)
{
  uint8_t labels[256];
  guint n_labels = 0;

  if (first < last && spellings->lengths[sorted[first]] == depth)
    g_array_index (units, BertBpeTrieUnit, unit).id = sorted[first++];
  for (uint32_t i = first; i < last; i++) {
    uint8_t label = label_at (spellings, sorted, i, depth);
    if (n_labels == 0 || labels[n_labels - 1] != label)
      labels[n_labels++] = label;
  }
  if (n_labels == 0)
    return;
  uint32_t base = place_children (units, first_free, labels, n_labels);
  g_array_index (units, BertBpeTrieUnit, unit).base = base;
  for (guint i = 0; i < n_labels; i++)
    g_array_index (units, BertBpeTrieUnit, base + labels[i]).parent = unit + 1;
  for (uint32_t start = first; start < last;) {
    uint8_t label = label_at (spellings, sorted, start, depth);
    uint32_t end = start + 1;
    while (end < last && label_at (spellings, sorted, end, depth) == label)
      end++;
    place_node (units, first_free, spellings, sorted, start, end, depth + 1, base + label);
    start = end;
  }
}

static void
build_trie (BertBpeBacktrack *backtrack, const Spellings *spellings, const GArray *made)
{
  int32_t *sorted = g_new (int32_t, made->len);
  uint32_t n = 0, first_free = 1;
  for (guint i = 0; i < made->len; i++)
    if (backtrack->lengths[g_array_index (made, int32_t, i)] > 0)
      sorted[n++] = g_array_index (made, int32_t, i);
  g_qsort_with_data (sorted, (gint) n, sizeof *sorted, compare_spellings, (gpointer) spellings);
  GArray *units = g_array_new (FALSE, FALSE, sizeof (BertBpeTrieUnit));
  g_array_set_size (units, 256);
  for (guint i = 0; i < units->len; i++)
    g_array_index (units, BertBpeTrieUnit, i) = (BertBpeTrieUnit){ 0, 0, -1 };
  g_array_index (units, BertBpeTrieUnit, 0).parent = G_MAXUINT32; /* the root, not free */
  place_node (units, &first_free, spellings, sorted, 0, n, 0, 0);
  backtrack->units = bert_huge_pages_alloc0 (units->len * sizeof (BertBpeTrieUnit));
  memcpy (backtrack->units, units->data, units->len * sizeof (BertBpeTrieUnit));
  g_array_free (units, TRUE);
  g_free (sorted);
}

/* FALSE unless each spelt token encodes to itself by the merges; then the trie, and each
 * token's longest proper prefix that is a token. */
static gboolean
index_tokens (const BertBpe *bpe, BertBpeBacktrack *backtrack, const Spellings *spellings, const GArray *made)
{
  const int32_t *ids = (const int32_t *) made->data;
  GArray *pieces = g_array_new (FALSE, FALSE, sizeof (BertPiece));
  BertBpeScratch scratch;
  gboolean ok = TRUE;

  /* bpe->backtrack is not set yet: the merges encode. */
  bert_bpe_scratch_init (&scratch);
  for (guint i = 0; ok && i < made->len; i++) {
    uint32_t length = backtrack->lengths[ids[i]];
    const char *text = spellings->bytes + spellings->bytes_at[ids[i]];
    g_array_set_size (pieces, 0);
    ok = length == 0
        || (bert_bpe_encode_byte_level (bpe, text, length, pieces, &scratch) && pieces->len == 1
            && g_array_index (pieces, BertPiece, 0).id == ids[i]);
  }
  bert_bpe_scratch_clear (&scratch);
  g_array_free (pieces, TRUE);
  if (!ok)
    return FALSE;
  build_trie (backtrack, spellings, made);
  for (guint i = 0; i < made->len; i++) {
    uint32_t length = backtrack->lengths[ids[i]];
    if (length > 1)
      backtrack->tokens[ids[i]].shorter =
          longest_token (backtrack, spellings->bytes + spellings->bytes_at[ids[i]], length - 1);
  }
  return TRUE;
}

static void
backtrack_free (BertBpeBacktrack *backtrack)
{
  if (backtrack == NULL)
    return;
  free (backtrack->tokens);
  g_free (backtrack->lengths);
  free (backtrack->units);
  g_free (backtrack);
}

void
bert_bpe_prepare_backtracking (BertBpe *bpe)
{
  uint32_t n_ids = bpe->n_model_ids;

  backtrack_free (bpe->backtrack);
  bpe->backtrack = NULL;
  /* Affixes make a byte's token depend on its place in the word. */
  if (bpe->prefix != NULL || bpe->suffix != NULL || bpe->ignore_merges)
    return;
  for (int byte = 0; byte < 256; byte++)
    if (bpe->byte_level_ids[0][byte] < 0)
      return;
  BertBpeBacktrack *backtrack = g_new0 (BertBpeBacktrack, 1);
  backtrack->tokens = bert_huge_pages_alloc0 (n_ids * sizeof (BertBpeToken));
  backtrack->lengths = g_new0 (uint8_t, n_ids);
  uint32_t *bytes_at = g_new0 (uint32_t, n_ids);
  GArray *made = g_array_new (FALSE, FALSE, sizeof (int32_t));
  GString *bytes = g_string_new (NULL);
  for (uint32_t id = 0; id < n_ids; id++)
    backtrack->tokens[id] = (BertBpeToken){ G_MAXUINT32, -1, -1, -1, 0, G_MAXUINT32, G_MAXUINT32 };
  for (int byte = 0; byte < 256; byte++) {
    int32_t id = bpe->byte_level_ids[0][byte];
    backtrack->tokens[id] = (BertBpeToken){ 0, id, id, -1, 0, G_MAXUINT32, G_MAXUINT32 };
    backtrack->lengths[id] = 1;
    bytes_at[id] = (uint32_t) bytes->len;
    g_string_append_c (bytes, (char) byte);
    g_array_append_val (made, id);
  }
  gboolean ok = order_tokens (bpe, backtrack->tokens, made);
  if (ok) {
    spell_tokens (backtrack, made, bytes, bytes_at);
    Spellings spellings = { bytes->str, bytes_at, backtrack->lengths };
    ok = index_tokens (bpe, backtrack, &spellings, made);
  }
  g_string_free (bytes, TRUE);
  g_free (bytes_at);
  g_array_free (made, TRUE);
  if (ok)
    bpe->backtrack = backtrack;
  else
    backtrack_free (backtrack);
}

gboolean
bert_bpe_encode_byte_level (const BertBpe *bpe, const char *word, uint32_t length, GArray *pieces,
    BertBpeScratch *scratch)
{
  if (length == 0)
    return TRUE;
  if (bpe->ignore_merges)
    return FALSE;
  if (bpe->backtrack != NULL && length <= BACKTRACK_BYTES
      && bert_bpe_encode_backtracking (bpe, word, length, pieces))
    return TRUE;
  if (length <= SHORT_WORD_SYMBOLS)
    return encode_bytes_short (bpe, word, length, pieces);
  if (!split_bytes (bpe, word, length, scratch->symbols))
    return FALSE;
  merge_all (bpe, scratch->symbols, scratch->heap);
  append_pieces (scratch->symbols, pieces);
  return TRUE;
}
