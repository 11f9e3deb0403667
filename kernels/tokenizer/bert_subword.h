/* bert_subword.h: the Unigram, BPE and WordPiece models of Hugging Face tokenizers, on one
 * pre-token.
 *
 * Each reads the tokenizer's vocabulary (ids below n_model_ids: added tokens past the model's
 * vocabulary are not pieces) and append BertPiece entries whose offsets are bytes of the
 * pre-token they were given.
 */
#ifndef BERT_SUBWORD_H
#define BERT_SUBWORD_H

#include "bert_vocab.h"
#include "bert_wordpiece_search.h"

typedef struct {
  int32_t id;
  uint32_t start, end;
} BertPiece;

/* g_array_set_size for the arrays of these models (no clear function, not zero-terminated)
 * on hot paths: shrinking only sets the length, where GLib's call goes through
 * g_array_remove_range, which costs as much as a short word's whole lookup. */
static inline void
bert_array_resize (GArray *array, guint length)
{
  if (length > array->len)
    g_array_set_size (array, length);
  else
    array->len = length;
}

/* ---- Unigram ---- */

/* The pieces as a trie in a double array: the child of unit s by label c is unit
 * units[s].base + c when that unit is used and labelled c (the root is unit 0). A label is a
 * character's code where it has one, else one of its bytes (see BertPieceTrie), so that a
 * walk takes one step for most characters, not one per byte. No two nodes share a base, so
 * the label alone identifies the parent, as in Darts-clone, and a unit holds all a walk
 * reads of it (8 bytes). A walk from a position meets every piece starting there, as the
 * reference's common-prefix search. */
typedef struct {
  uint32_t base;  /* where the children's units start, less their label */
  uint32_t piece; /* (id + 1) << (label_bits + 1) | 1 << label_bits | label, id -1 where no
                     piece ends; 0: free */
} BertTrieUnit;

#define BERT_TRIE_MAX_PIECES ((1u << 23) - 1) /* ids + 1 fit in 23 bits, leaving 8 for labels */

/* Labels: an ASCII character is its byte; a character of two to four bytes is its code
 * (from 256, the characters of the pieces that weigh most first: a piece weighs the
 * probability its score gives it) while codes are left below 1 << label_bits, the bits the
 * units keep beside the ids (8 to 16); the others are their bytes, one label each. */
typedef struct {
  uint32_t n_units; /* 1 << label_bits past the highest base: no step leaves the array */
  uint32_t label_bits;
  BertTrieUnit *units;
  uint16_t *code_blocks; /* per 256 code points: the index of their table in codes */
  uint16_t *codes;       /* tables of 256 codes, 0 for a character without one; table 0 all 0 */
} BertPieceTrie;

typedef struct {
  double *scores; /* per piece id */
  uint32_t n_pieces;
  int32_t unk_id;
  double unk_score; /* the lowest score minus 10, as the reference */
  gboolean byte_fallback;
  int32_t byte_ids[256]; /* <0xXX> pieces, -1 when absent */
  BertPieceTrie trie;
  uint64_t *whole; /* bit id set where the search of the piece's own text finds that piece
                      alone: a text that is such a piece needs only its first walk */
} BertUnigram;

/* Derives unk_score, byte_ids and the trie once scores are read. */
void bert_unigram_finish (BertUnigram *unigram, const BertVocab *vocab);
/* Viterbi over text[0, length) (valid UTF-8): the best-scoring pieces, unknown characters
 * fused into one unk (or bytes with byte_fallback). */
void bert_unigram_encode (const BertUnigram *unigram, const BertVocab *vocab, const char *text,
    uint32_t length, GArray *pieces, GArray *scratch);
void bert_unigram_clear (BertUnigram *unigram);

/* ---- BPE ---- */

typedef struct {
  uint64_t key; /* left id << 32 | right id; 0 marks an empty slot */
  uint32_t rank;
  int32_t new_id;
} BertMerge;

#define BERT_MERGE_BUCKET 4 /* slots of 16 bytes: a cache line */

#define BERT_BPE_CHAR_IDS 0x800

/* A token of the backtracking encoder (see bert_bpe_prepare_backtracking): its place in
 * the merge order, the merge that makes it, its longest proper prefix that is a token, a
 * filter of the tokens it merges with on its right, and the lowest ranks of its merges on
 * either side, so that a pair check skips lookups that could not find a merge early enough. */
typedef struct {
  uint32_t order;      /* rank of the merge that makes it + 1; 0: a byte's token */
  int32_t left, right; /* that merge's pair */
  int32_t shorter;     /* -1 if none */
  uint64_t right_ids;  /* bit id % 64 set for each token id it merges with */
  uint32_t first_rank_as_left, first_rank_as_right; /* G_MAXUINT32 if none */
} BertBpeToken;

/* A node of the byte trie of the tokens: the child by byte c of unit s is unit
 * units[s].base + c if that unit's parent is s + 1. */
typedef struct {
  uint32_t base, parent; /* parent: its unit + 1; 0: a free unit */
  int32_t id;            /* the token these bytes spell, -1 if none */
} BertBpeTrieUnit;

typedef struct {
  BertBpeToken *tokens;   /* per model id */
  uint8_t *lengths;       /* per model id: its bytes, 0 if not in the trie */
  BertBpeTrieUnit *units; /* 256 past the highest base: no step leaves the array */
} BertBpeBacktrack;

typedef struct {
  uint32_t n_model_ids;
  BertMerge *merges; /* merge_mask + 1 buckets of BERT_MERGE_BUCKET */
  uint32_t merge_mask;
  char *prefix, *suffix; /* continuing_subword_prefix, end_of_word_suffix, or NULL */
  int32_t unk_id;        /* -1: none, unknown characters are dropped */
  gboolean fuse_unk, byte_fallback, ignore_merges;
  int32_t byte_ids[256];
  /* The id of each character below BERT_BPE_CHAR_IDS alone (no affix), or -1: the
   * byte-level alphabet lies there, so words split without a lookup per character. */
  int32_t char_ids[BERT_BPE_CHAR_IDS];
  /* The id of each byte's byte-level character as a symbol of a word: alone, with the
   * prefix (not first), with the suffix (last), with both; -1 if not in the vocabulary. */
  int32_t byte_level_ids[4][256];
  /* NULL where the vocabulary does not meet the backtracking encoder's conditions. */
  BertBpeBacktrack *backtrack;
} BertBpe;

/* ByteLevel's byte-to-character map: printable bytes stand for themselves, the others
 * (controls, space, DEL to NBSP, soft hyphen) for U+0100 on, in byte order. */
static inline uint32_t
bert_byte_level_char (unsigned char byte)
{
  if (byte <= ' ')
    return 0x100 + byte;
  if (byte >= 0x7F && byte <= 0xA0)
    return 0x100 + 33 + (byte - 0x7F);
  return byte == 0xAD ? 0x100 + 67 : byte;
}

void bert_bpe_init (BertBpe *bpe, uint32_t n_model_ids, uint32_t n_merges);
/* Adds a merge; later duplicates replace earlier ones, as in the reference's map. */
void bert_bpe_add_merge (BertBpe *bpe, int32_t left, int32_t right, uint32_t rank, int32_t new_id);
void bert_bpe_finish (BertBpe *bpe, const BertVocab *vocab);
/* The id of a model token, or -1. */
int32_t bert_bpe_lookup (const BertBpe *bpe, const BertVocab *vocab, const char *text, gsize length);
/* Working memory of bert_bpe_encode, kept across calls. */
typedef struct {
  GArray *symbols, *heap;
  GString *buffer;
} BertBpeScratch;

void bert_bpe_scratch_init (BertBpeScratch *scratch);
void bert_bpe_scratch_clear (BertBpeScratch *scratch);
void bert_bpe_encode (const BertBpe *bpe, const BertVocab *vocab, const char *word, uint32_t length,
    GArray *pieces, BertBpeScratch *scratch);
/* bert_bpe_encode of the word's byte-level characters, straight from its bytes: the pieces'
 * offsets are bytes of word. FALSE (pieces untouched) where this shortcut does not apply
 * (ignore_merges, or a byte whose character is not a token): map the word and call
 * bert_bpe_encode instead. */
gboolean bert_bpe_encode_byte_level (const BertBpe *bpe, const char *word, uint32_t length, GArray *pieces,
    BertBpeScratch *scratch);
/* The backtracking encoder alone (bpe->backtrack set, length up to 255): FALSE (pieces
 * untouched) where the word needs more pair-check steps than its budget, or the
 * conditions fail; bert_bpe_encode_byte_level then takes the merge loop. */
gboolean bert_bpe_encode_backtracking (const BertBpe *bpe, const char *word, uint32_t length, GArray *pieces);
/* Once the merges are read: sets up the backtracking encoder for short byte-level words
 * where the vocabulary allows it (bpe->backtrack stays NULL otherwise). */
void bert_bpe_prepare_backtracking (BertBpe *bpe);
void bert_bpe_clear (BertBpe *bpe);

/* ---- WordPiece ---- */

/* The pipeline's WordPiece, for the files the fused BERT path does not take (another
 * normaliser or pre-tokenizer): the same vocabulary, searched per pre-token. */
typedef struct {
  char *prefix; /* continuing_subword_prefix */
  uint32_t prefix_length;
  uint64_t prefix_hash;
  uint32_t max_chars;      /* max_input_chars_per_word */
  uint32_t n_model_ids;    /* pieces are the ids below it (added tokens past it are not) */
  BertPieceBounds *bounds; /* no longer candidate is looked up (bert_wordpiece_search.h) */
  int32_t unk_id;
} BertWordPiece;

/* Derives bounds from the vocabulary (prefix, max_chars, n_model_ids and unk_id set). */
void bert_wordpiece_finish (BertWordPiece *wordpiece, const BertVocab *vocab);
/* Greedy longest-match-first over word[0, length) (valid UTF-8), as the reference's
 * WordPiece::tokenize: a word of more than max_chars characters, or with a part matching
 * no piece, is one unk spanning it. hashes: scratch of uint64_t. */
void bert_wordpiece_encode (const BertWordPiece *wordpiece, const BertVocab *vocab, const char *word,
    uint32_t length, GArray *pieces, GArray *hashes);
void bert_wordpiece_clear (BertWordPiece *wordpiece);

#endif
