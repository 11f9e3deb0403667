/* bert_wordpiece.c: WordPiece on one pre-token, for the stage-by-stage pipeline, and the
 * piece bounds of the search it shares with the fused path. */
#include "bert_normalized.h"
#include "bert_subword.h"

#include <string.h>

void
bert_piece_bounds_derive (BertPieceBounds bounds, const BertVocab *vocab, uint32_t n_model_ids,
    const char *prefix, uint32_t prefix_length)
{
  memset (bounds, 0, sizeof (BertPieceBounds));
  for (uint32_t id = 0; id < MIN (vocab->n_ids, n_model_ids); id++) {
    const char *token = bert_vocab_token (vocab, (int32_t) id);
    uint32_t length = vocab->token_length[id];
    if (token == NULL || length == 0)
      continue;
    uint32_t *bound = &bounds[0][bert_piece_bound_bucket (token)];
    *bound = MAX (*bound, length);
    if (length > prefix_length && strncmp (token, prefix, prefix_length) == 0) {
      bound = &bounds[1][bert_piece_bound_bucket (token + prefix_length)];
      *bound = MAX (*bound, length - prefix_length);
    }
  }
}

void
bert_wordpiece_finish (BertWordPiece *wordpiece, const BertVocab *vocab)
{
  wordpiece->prefix_length = strlen (wordpiece->prefix);
  wordpiece->prefix_hash =
      bert_vocab_hash_extend (BERT_VOCAB_HASH_SEED, wordpiece->prefix, wordpiece->prefix_length);
  g_free (wordpiece->bounds);
  wordpiece->bounds = g_new (BertPieceBounds, 1);
  bert_piece_bounds_derive (*wordpiece->bounds, vocab, wordpiece->n_model_ids, wordpiece->prefix,
      wordpiece->prefix_length);
}

static void
push_piece (GArray *pieces, int32_t id, uint32_t start, uint32_t end)
{
  BertPiece piece = { id, start, end };
  g_array_append_val (pieces, piece);
}

/* Whether the word has more than max_chars characters: only a word of more bytes may. */
static gboolean
too_long (const BertWordPiece *wordpiece, const char *word, uint32_t length)
{
  uint32_t n_chars = 0;
  if (length <= wordpiece->max_chars)
    return FALSE;
  for (uint32_t at = 0; at < length && n_chars <= wordpiece->max_chars;
       at += bert_utf8_length ((unsigned char) word[at]))
    n_chars++;
  return n_chars > wordpiece->max_chars;
}

void
bert_wordpiece_encode (const BertWordPiece *wordpiece, const BertVocab *vocab, const char *word,
    uint32_t length, GArray *pieces, GArray *hashes)
{
  guint first = pieces->len;
  const BertWordPieceSearch search = {
    .vocab = vocab,
    .bounds = (const uint32_t (*)[1 << BERT_PIECE_BOUND_BITS]) * wordpiece->bounds,
    .prefix = wordpiece->prefix,
    .prefix_length = wordpiece->prefix_length,
    .prefix_hash = wordpiece->prefix_hash,
    .n_model_ids = wordpiece->n_model_ids,
  };

  if (too_long (wordpiece, word, length)) {
    push_piece (pieces, wordpiece->unk_id, 0, length);
    return;
  }
  bert_array_resize (hashes, length + 1);
  for (uint32_t start = 0, end = 0; start < length; start = end) {
    int32_t id = bert_wordpiece_longest_piece (&search, word, length, start, (uint64_t *) hashes->data, &end);
    if (id < 0) {
      bert_array_resize (pieces, first);
      push_piece (pieces, wordpiece->unk_id, 0, length);
      return;
    }
    push_piece (pieces, id, start, end);
  }
}

void
bert_wordpiece_clear (BertWordPiece *wordpiece)
{
  g_free (wordpiece->prefix);
  g_free (wordpiece->bounds);
  memset (wordpiece, 0, sizeof *wordpiece);
}
