/* bert_wordpiece_search.h: WordPiece's longest-piece search, shared by the fused BERT path
 * and the pipeline's WordPiece model.
 *
 * The search hashes every candidate end of the piece at once and starts loading the
 * vocabulary slots of those the filter lets through, so that the cache misses of the
 * probes, longest first, overlap instead of following one another. It starts no further
 * than the longest token beginning with the piece's first character.
 */
#ifndef BERT_WORDPIECE_SEARCH_H
#define BERT_WORDPIECE_SEARCH_H

#include "bert_vocab.h"

/* The longest token that begins with a character, kept per hash bucket of that character,
 * for word-initial tokens ([0]) and for continuations after the subword prefix ([1]). */
#define BERT_PIECE_BOUND_BITS 12

typedef uint32_t BertPieceBounds[2][1 << BERT_PIECE_BOUND_BITS];

static inline uint32_t
bert_piece_bound_bucket (const char *piece)
{
  static const uint8_t utf8_length[16] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4 };
  const unsigned char *bytes = (const unsigned char *) piece;
  uint32_t key = 0;
  for (unsigned i = 0; i < utf8_length[bytes[0] >> 4]; i++)
    key = (key << 8) | bytes[i];
  return (key * 2654435761u) >> (32 - BERT_PIECE_BOUND_BITS);
}

/* Fills bounds from the tokens of ids below n_model_ids. */
void bert_piece_bounds_derive (BertPieceBounds bounds, const BertVocab *vocab, uint32_t n_model_ids,
    const char *prefix, uint32_t prefix_length);

/* What the search reads: the vocabulary, its pieces (ids below n_model_ids: added tokens
 * past the model's vocabulary are not pieces) and the subword prefix. */
typedef struct {
  const BertVocab *vocab;
  const uint32_t (*bounds)[1 << BERT_PIECE_BOUND_BITS];
  const char *prefix;
  uint32_t prefix_length;
  uint64_t prefix_hash;
  uint32_t n_model_ids;
} BertWordPieceSearch;

static inline gboolean
bert_wordpiece_char_boundary (const char *word, uint32_t length, uint32_t at)
{
  return at == length || ((unsigned char) word[at] & 0xC0) != 0x80;
}

/* The longest piece (with the prefix unless start is 0) that word[0, length) (valid UTF-8)
 * continues with at start; its end in *end, or -1. hash: scratch of length + 1 entries. */
static inline int32_t
bert_wordpiece_longest_piece (const BertWordPieceSearch *search, const char *word, uint32_t length,
    uint32_t start, uint64_t *hash, uint32_t *end)
{
  const BertVocab *vocab = search->vocab;
  const char *prefix = start > 0 ? search->prefix : "";
  uint32_t prefix_length = start > 0 ? search->prefix_length : 0;
  uint32_t bound = search->bounds[start > 0][bert_piece_bound_bucket (word + start)];
  uint32_t limit = MIN (length, start + bound);

  hash[start] = start > 0 ? search->prefix_hash : BERT_VOCAB_HASH_SEED;
  for (uint32_t i = start; i < limit; i++) {
    hash[i + 1] = bert_vocab_hash_extend (hash[i], word + i, 1);
    if (bert_wordpiece_char_boundary (word, length, i + 1) && bert_vocab_may_hold (vocab, hash[i + 1]))
      bert_vocab_prefetch (vocab, hash[i + 1]);
  }

  const char *piece = word + start;
  uint64_t first7 = bert_vocab_first7 (prefix, prefix_length, piece, limit - start);
  uint32_t n_model_ids = search->n_model_ids;
  for (uint32_t stop = limit; stop > start; stop--) {
    if (!bert_wordpiece_char_boundary (word, length, stop))
      continue;
    gsize piece_length = prefix_length + stop - start;
    int32_t id = bert_vocab_find (vocab, hash[stop], bert_vocab_head (first7, piece_length), prefix,
        prefix_length, piece, stop - start);
    if ((uint32_t) id < n_model_ids) { /* -1, not found, is above any count */
      *end = stop;
      return id;
    }
  }
  return -1;
}

#endif
