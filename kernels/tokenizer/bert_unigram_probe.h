/* bert_unigram_probe.h: the pieces starting at a position found by hashed probes, for large
 * Unigram vocabularies.
 *
 * A trie walk is a chain of dependent loads, each a likely cache miss in a trie of several
 * megabytes. Here, as WordPiece looks its prefixes up, the text from the position is hashed
 * byte by byte (bert_vocab.h's FNV-1a); at each character boundary one load from a filter
 * says whether some piece begins with that prefix (else the search stops) and whether one
 * may be it; the vocabulary's slots of the latter are prefetched, then probed in order of
 * length, so that their misses overlap.
 */
#ifndef BERT_UNIGRAM_PROBE_H
#define BERT_UNIGRAM_PROBE_H

#include "bert_vocab.h"

/* Per filter bucket 2 bits: PREFIX where some piece begins with a text of this hash (the
 * piece itself included), PIECE where some piece is one. */
#define BERT_PROBE_PREFIX 1u
#define BERT_PROBE_PIECE 2u

typedef struct {
  uint64_t *filter; /* NULL: not built, the trie is used */
  uint32_t bucket_mask;
  int timing_only, no_prefix, block;
  BertVocabSlot *hot_slots; /* the pieces of the lowest ids (highest scores) */
  uint32_t hot_mask;
  uint32_t max_chars;       /* characters of the longest piece: the most candidates a search finds */
  uint32_t max_length[256]; /* bytes of the longest piece per first byte */
} BertPieceProbe;

/* Builds the filter for pieces 0 .. n_pieces - 1 of vocab; FALSE (nothing built) when one
 * is not valid UTF-8, as pieces must then be found where the trie finds them. */
gboolean bert_piece_probe_build (BertPieceProbe *probe, const BertVocab *vocab, uint32_t n_pieces);
void bert_piece_probe_clear (BertPieceProbe *probe);

#define BERT_PROBE_HOT_BIT 0x80000000u

static inline uint32_t
bert_piece_probe_slot (uint32_t mask, uint64_t hash)
{
  return (uint32_t) ((hash * 0x9E3779B97F4A7C15ull) >> 32) & mask;
}

static inline unsigned
bert_piece_probe_bits (const BertPieceProbe *probe, uint64_t hash)
{
  uint32_t bucket = (uint32_t) (hash >> 32) & probe->bucket_mask;
  return (unsigned) (probe->filter[bucket >> 5] >> (2 * (bucket & 31))) & 3u;
}

/* The character boundaries e in (start, length] where text[start, e) may be a piece, in
 * increasing order, with their hashes; their slots prefetched. Returns how many (at most
 * max_chars). */
static inline uint32_t
bert_piece_probe_candidates (const BertPieceProbe *probe, const BertVocab *vocab, const char *text,
    uint32_t length, uint32_t start, uint32_t *ends, uint64_t *hashes)
{
  uint32_t limit = probe->max_length[(unsigned char) text[start]];
  limit = limit < length - start ? start + limit : length;
  uint64_t hash = BERT_VOCAB_HASH_SEED;
  uint32_t n = 0;
  for (uint32_t at = start; at < limit;) {
    hash = (hash ^ (unsigned char) text[at++]) * 0x100000001b3ull;
    if (at < length && ((unsigned char) text[at] & 0xC0) == 0x80)
      continue;
    unsigned bits = bert_piece_probe_bits (probe, hash);
    if (bits < 2 && probe->no_prefix)
      continue;
    if (bits == 0)
      break;
    if (bits == 2) {
      __builtin_prefetch (&probe->hot_slots[bert_piece_probe_slot (probe->hot_mask, hash)]);
      ends[n] = at | BERT_PROBE_HOT_BIT;
      hashes[n++] = hash;
    } else if (bits == 3) {
      bert_vocab_prefetch (vocab, hash);
      ends[n] = at;
      hashes[n++] = hash;
    }
  }
  return n;
}

/* The id of text[start, end) given its hash, or -1 (an id past the pieces is an added
 * token's, for the caller to refuse). first8 holds text[start, start + 8), or the text
 * to its end, little-endian. */
static inline int32_t
bert_piece_probe_id (const BertVocab *vocab, const BertVocabSlot *slots, uint32_t mask, uint64_t hash,
    uint64_t first8, const char *text, uint32_t start, uint32_t end)
{
  uint32_t length = end - start, tag = (uint32_t) hash;
  uint64_t head = bert_vocab_head (first8, length);
  for (uint32_t slot = bert_piece_probe_slot (mask, hash);; slot = (slot + 1) & mask) {
    const BertVocabSlot *entry = &slots[slot];
    if (entry->id < 0)
      return -1;
    if (entry->tag != tag || entry->head != head)
      continue;
    if (length <= BERT_VOCAB_HEAD_BYTES)
      return entry->id;
    if (vocab->token_length[entry->id] == length
        && memcmp (vocab->arena + vocab->token_offset[entry->id], text + start, length) == 0)
      return entry->id;
  }
}

#endif
