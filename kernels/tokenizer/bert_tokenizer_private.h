/* bert_tokenizer_private.h: the tokenizer's state, shared by the loaders and the encoder. */
#ifndef BERT_TOKENIZER_PRIVATE_H
#define BERT_TOKENIZER_PRIVATE_H

#include "bert_char_set.h"
#include "bert_tokenizer.h"
#include "bert_vocab.h"

#include <string.h>

/* Special tokens a post-processor template may put on either side of the sequence. */
#define BERT_MAX_TEMPLATE_TOKENS 8

/* An added token as Hugging Face's added vocabulary matches it: [CLS], [SEP], [MASK] and the
 * like ("normalized": false) in the raw text, others ("normalized": true, the default of
 * tokens a user adds) in each normalised piece of text between the former. */
typedef struct {
  char *text; /* what is matched: the content, or for a normalized token the content as the
               * normaliser makes it (BertNormalizer lowercases "[MASK]" to "[mask]") */
  guint length;
  int32_t id;
  gboolean lstrip, rstrip; /* the match takes the White_Space before / after it */
  gboolean single_word;    /* a match touching a word character (\w) on either side is none */
} BertAddedToken;

/* The added tokens matched in one kind of text, in the order added, and a trie of their
 * bytes that finds the longest token at a position in as many steps as it has bytes, however
 * many tokens there are (real tokenizers add tens of thousands). Node 0 is the root; a node's
 * children are in an open-addressing table keyed by (node, byte), the root's in root_child. */
typedef struct {
  BertAddedToken *tokens;
  guint n_tokens, capacity;
  int32_t *node_token; /* per node: the index of the token that ends there, or -1 */
  int32_t *node_long;  /* per node: the first of the tokens longer than the trie's depth
                        * that start with its bytes, or -1; then each one's next_long */
  int32_t *next_long;
  guint n_nodes, node_capacity;
  uint64_t *edge_keys; /* (node << 8 | byte) + 1; 0: a free slot */
  uint32_t *edge_children;
  guint edge_mask, n_edges;
  uint32_t root_child[256]; /* non-zero where a token may start */
  int only_first_byte;      /* the one byte every token starts with; -1: several */
} BertAddedTokens;

/* WordPiece's search for the longest piece starts no further than the longest token that
 * begins with the piece's first character; kept per hash bucket of that character, for
 * word-initial tokens and for continuations (after the subword prefix). */
#define BERT_PIECE_BOUND_BITS 12

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

/* What an ASCII byte is once normalised, for the fast path. */
enum {
  BERT_ASCII_WORD,   /* part of a word (after ascii_map) */
  BERT_ASCII_SPLIT,  /* whitespace: ends the word */
  BERT_ASCII_PUNCT,  /* punctuation: a word of its own */
  BERT_ASCII_REMOVED /* dropped by clean_text */
};

struct _BertTokenizer {
  BertVocab vocab;
  BertNormalizerOptions options;
  int mode; /* 0, or BERT_MAP_STRIP / _LOWER / _STRIP_LOWER */

  char *subword_prefix; /* "##" */
  guint subword_prefix_length;
  uint64_t subword_prefix_hash;
  guint max_input_chars_per_word;
  /* WordPiece's pieces are the ids below this: the model's vocabulary, not the added tokens
   * past it, which Hugging Face matches only as added tokens */
  uint32_t n_model_pieces;

  int32_t unk_id, cls_id, sep_id, pad_id;

  /* post-processor: prefix tokens, the sequence, suffix tokens */
  int32_t prefix_ids[BERT_MAX_TEMPLATE_TOKENS], prefix_type_ids[BERT_MAX_TEMPLATE_TOKENS];
  int32_t suffix_ids[BERT_MAX_TEMPLATE_TOKENS], suffix_type_ids[BERT_MAX_TEMPLATE_TOKENS];
  guint n_prefix, n_suffix;
  int32_t sequence_type_id;
  gboolean without_specials; /* no post-processor: [CLS] and [SEP] are not needed */

  /* the pair template: special tokens before A, between A and B, after B */
  int32_t pair_ids[3][BERT_MAX_TEMPLATE_TOKENS], pair_type_ids[3][BERT_MAX_TEMPLATE_TOKENS];
  guint n_pair[3];
  int32_t pair_sequence_type_ids[2];
  char *pair_unsupported; /* why pairs cannot be encoded exactly; NULL when they can */

  BertAddedTokens added;            /* matched in the raw text */
  BertAddedTokens normalized_added; /* matched in the normalised pieces between those */
  /* the raw characters from which the normaliser may make one of those's first character
   * (bert_added_triggers.h): a piece without any is encoded as if there were none */
  BertCharSet normalized_triggers;

  uint32_t piece_bound[2][1 << BERT_PIECE_BOUND_BITS];

  guint8 ascii_class[128];
  char ascii_map[128];

  /* Unigram, BPE, or a WordPiece the fused path does not take (bert_pipeline.h); NULL: the
   * fused WordPiece path */
  struct _BertPipeline *pipeline;
  /* what the file has that the fused path does not take, for messages ("Sequence normalizer
   * and Whitespace pre-tokenizer", "Unigram model"); NULL on the fused path */
  char *file_stages;
  /* the loader's warning (bert_tokenizer_get_warning), or NULL */
  char *warning;
  /* while loading tokenizer.json: its Unigram vocabulary read from the text
   * (bert_unigram_vocab.h), or NULL where the tree holds it */
  struct _BertUnigramVocab *unigram_vocab;
};

/* The first position in text[at, length) where one of tokens may start, length if none:
 * memchr where they all start with one byte (XLM-R's `<`, BERT's `[`), rare in captions. */
static inline gsize
bert_added_token_candidate (const BertAddedTokens *tokens, const char *text, gsize at, gsize length)
{
  if (tokens->n_tokens == 0)
    return length;
  if (tokens->only_first_byte >= 0) {
    const char *found = memchr (text + at, tokens->only_first_byte, length - at);
    return found != NULL ? (gsize) (found - text) : length;
  }
  while (at < length && !tokens->root_child[(unsigned char) text[at]])
    at++;
  return at;
}

/* A match of an added token: the span it takes, lstrip and rstrip included, and the end of
 * the token's own text, where the search for the next one goes on (as the reference's
 * automaton does, so the next match may start inside this one's rstrip). */
typedef struct {
  gsize start, end, token_end;
  const BertAddedToken *token;
} BertAddedMatch;

/* The leftmost, then longest, of tokens in text[search_from, length), as
 * AddedVocabulary::find_matches takes them: a single_word one touching a word character
 * skipped, lstrip widening the span over White_Space down to strip_from (the end of the
 * previous match's span), rstrip over the White_Space after it; FALSE if none. Text may be
 * invalid UTF-8 (WordPiece's raw text): an ill-formed byte is a U+FFFD there. Searches
 * from candidate, the first position where one may start. */
gboolean bert_added_tokens_find_from (const BertAddedTokens *tokens, const char *text, gsize candidate,
    gsize strip_from, gsize length, BertAddedMatch *match);

/* The same, the common case (no token in the text) without a call. */
static inline gboolean
bert_added_tokens_find (const BertAddedTokens *tokens, const char *text, gsize search_from, gsize strip_from,
    gsize length, BertAddedMatch *match)
{
  gsize candidate = bert_added_token_candidate (tokens, text, search_from, length);
  return candidate < length
      && bert_added_tokens_find_from (tokens, text, candidate, strip_from, length, match);
}

/* Adds a token to match (text non-empty); lstrip and rstrip unset. Where an earlier token
 * has the same text, that one stays the one matched. */
BertAddedToken *bert_added_tokens_add (BertAddedTokens *tokens, const char *text, int32_t id);
/* The token matched for exactly text, or NULL. */
BertAddedToken *bert_added_tokens_lookup (const BertAddedTokens *tokens, const char *text);
void bert_added_tokens_clear (BertAddedTokens *tokens);

/* An empty tokenizer with Hugging Face's defaults (## prefix, 100 characters per word). */
BertTokenizer *bert_tokenizer_alloc (void);
/* Derives the fast-path tables and checks the special tokens exist; names source in errors. */
gboolean bert_tokenizer_finish (BertTokenizer *tokenizer, const char *source, GError **error);
/* Makes room for n_tokens in encoding. */
void bert_encoding_reserve (BertEncoding *encoding, uint32_t n_tokens);
/* Registers a token to match in the raw text. */
void bert_tokenizer_add_special (BertTokenizer *tokenizer, const char *content, int32_t id);
/* The text the pipeline's normaliser makes of text (NUL-terminated), as Hugging Face
 * normalises a normalized added token's content into its pattern. */
char *bert_pipeline_normalize_text (const struct _BertPipeline *pipeline, const char *text);
/* The same for any tokenizer (WordPiece's BertNormalizer once finished). */
char *bert_tokenizer_normalize_text (const BertTokenizer *tokenizer, const char *text);

/* tokenizer.json helpers the Unigram and BPE readers share with WordPiece's. */
typedef struct _JsonArray JsonArray;
typedef struct _JsonObject JsonObject;
gboolean bert_tokenizer_count_added_ids (JsonArray *added, guint n_vocab, const char *file, guint *n_ids,
    GError **error);
gboolean bert_tokenizer_read_vocab_entries (BertTokenizer *tokenizer, JsonObject *vocab, const char *file,
    GError **error);

#endif
