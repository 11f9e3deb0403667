/* bert_vocab.h: a WordPiece vocabulary, token text <-> id, in one arena and one
 * open-addressing hash table keyed by the token's bytes.
 *
 * Lookups take a hash the caller may have built incrementally (bert_vocab_hash_*), so that
 * WordPiece can hash every prefix of a word in one pass and probe them longest first.
 */
#ifndef BERT_VOCAB_H
#define BERT_VOCAB_H

#include <glib.h>
#include <stdint.h>
#include <string.h>

/* 16 bytes: the id, a hash tag and the token's first bytes, so that most lookups settle
 * without touching the arena. */
typedef struct {
  uint32_t tag;  /* low bits of the key's hash */
  int32_t id;    /* -1: empty slot */
  uint64_t head; /* see bert_vocab_head */
} BertVocabSlot;

typedef struct {
  char *arena; /* token texts, each NUL-terminated */
  gsize arena_length;
  gsize arena_capacity;
  uint32_t *token_offset; /* per id: offset of its text in the arena; G_MAXUINT32 for no token */
  uint32_t *token_length; /* per id: bytes, without the NUL */
  uint32_t n_ids;         /* ids are 0 .. n_ids - 1 */
  BertVocabSlot *slots;
  uint32_t slot_mask;
  /* One bit per hash bucket, set where some token hashes: most failed lookups (WordPiece
   * tries many) stop here, in a table small enough to stay in cache. */
  uint64_t *filter;
  uint32_t filter_mask;
} BertVocab;

/* FNV-1a, 64 bits: cheap to extend one byte at a time. */
#define BERT_VOCAB_HASH_SEED 0xcbf29ce484222325ull

static inline uint64_t
bert_vocab_hash_extend (uint64_t hash, const char *bytes, gsize length)
{
  for (gsize i = 0; i < length; i++)
    hash = (hash ^ (unsigned char) bytes[i]) * 0x100000001b3ull;
  return hash;
}

/* Sizes the id space and the hash table for n_ids tokens. The arena is given (then owned:
 * vocab.txt's own contents) or NULL to grow as tokens are added. */
void bert_vocab_init (BertVocab *vocab, uint32_t n_ids, char *arena, gsize arena_length);
void bert_vocab_clear (BertVocab *vocab);

/* Gives id the text at arena[offset], length bytes, NUL-terminated. Returns -1, or the id
 * that already has this text (then nothing is added). */
int32_t bert_vocab_insert_arena (BertVocab *vocab, int32_t id, uint32_t offset, uint32_t length);
/* Copies text into the arena first. */
int32_t bert_vocab_insert (BertVocab *vocab, int32_t id, const char *text, gsize length);

/* Gives id the text of holder (an id that has one) and makes the text look up as id; holder
 * keeps its text: a piece listed twice, whose later id the reference's map keeps. */
void bert_vocab_repoint (BertVocab *vocab, int32_t holder, int32_t id);

/* Tokens are short: a loop beats a call to memcmp. */
static inline gboolean
bert_vocab_equal (const char *a, const char *b, gsize length)
{
  for (gsize i = 0; i < length; i++)
    if (a[i] != b[i])
      return FALSE;
  return TRUE;
}

/* A token's head: its length in bytes (255 for 255 or more) in the low byte, then its first
 * 7 bytes (zero-padded). first7 holds the first 7 bytes of a text at least that long, or
 * of the whole text, little-endian. */
#define BERT_VOCAB_HEAD_BYTES 7

static inline uint64_t
bert_vocab_head (uint64_t first7, gsize length)
{
  gsize n = MIN (length, BERT_VOCAB_HEAD_BYTES);
  uint64_t mask = n == 0 ? 0 : ~0ull >> (64 - 8 * n);
  return MIN (length, 255) | ((first7 & mask) << 8);
}

/* Up to 7 bytes of first || second, little-endian. */
static inline uint64_t
bert_vocab_first7 (const char *first, gsize first_length, const char *second, gsize second_length)
{
  uint64_t bytes = 0;
  gsize n = 0;
  for (gsize i = 0; i < first_length && n < BERT_VOCAB_HEAD_BYTES; i++, n++)
    bytes |= (uint64_t) (unsigned char) first[i] << (8 * n);
  for (gsize i = 0; i < second_length && n < BERT_VOCAB_HEAD_BYTES; i++, n++)
    bytes |= (uint64_t) (unsigned char) second[i] << (8 * n);
  return bytes;
}

static inline uint32_t
bert_vocab_slot (const BertVocab *vocab, uint64_t hash)
{
  return (uint32_t) ((hash * 0x9E3779B97F4A7C15ull) >> 32) & vocab->slot_mask;
}

static inline uint32_t
bert_vocab_filter_bit (const BertVocab *vocab, uint64_t hash)
{
  return (uint32_t) (hash >> 32) & vocab->filter_mask;
}

/* FALSE when no token has this hash; TRUE when one may. */
static inline gboolean
bert_vocab_may_hold (const BertVocab *vocab, uint64_t hash)
{
  uint32_t bit = bert_vocab_filter_bit (vocab, hash);
  return (vocab->filter[bit >> 6] >> (bit & 63)) & 1;
}

/* Starts loading the slot a later bert_vocab_find with this hash reads first. */
static inline void
bert_vocab_prefetch (const BertVocab *vocab, uint64_t hash)
{
  __builtin_prefetch (&vocab->slots[bert_vocab_slot (vocab, hash)]);
}

/* The id of the text first || second (second may be empty), given its hash and head. */
static inline int32_t
bert_vocab_find (const BertVocab *vocab, uint64_t hash, uint64_t head, const char *first, gsize first_length,
    const char *second, gsize second_length)
{
  uint32_t tag = (uint32_t) hash;
  gsize length = first_length + second_length;

  if (!bert_vocab_may_hold (vocab, hash))
    return -1;
  for (uint32_t slot = bert_vocab_slot (vocab, hash);; slot = (slot + 1) & vocab->slot_mask) {
    const BertVocabSlot *entry = &vocab->slots[slot];
    if (entry->id < 0)
      return -1;
    if (entry->tag != tag || entry->head != head)
      continue;
    if (length <= BERT_VOCAB_HEAD_BYTES)
      return entry->id;
    const char *text = vocab->arena + vocab->token_offset[entry->id];
    if (vocab->token_length[entry->id] == length && bert_vocab_equal (text, first, first_length)
        && bert_vocab_equal (text + first_length, second, second_length))
      return entry->id;
  }
}

static inline int32_t
bert_vocab_lookup (const BertVocab *vocab, const char *text, gsize length)
{
  uint64_t hash = bert_vocab_hash_extend (BERT_VOCAB_HASH_SEED, text, length);
  uint64_t head = bert_vocab_head (bert_vocab_first7 (text, length, "", 0), length);
  return bert_vocab_find (vocab, hash, head, text, length, "", 0);
}

static inline const char *
bert_vocab_token (const BertVocab *vocab, int32_t id)
{
  if (id < 0 || (uint32_t) id >= vocab->n_ids || vocab->token_offset[id] == G_MAXUINT32)
    return NULL;
  return vocab->arena + vocab->token_offset[id];
}

/* Reads a vocab.txt: one token per line, split on '\n' only (a trailing '\r' is dropped, as
 * Rust's lines() does); the id is the line number from 0. Errors name the file and line. */
gboolean bert_vocab_load_txt (BertVocab *vocab, const char *path, GError **error);

#endif
