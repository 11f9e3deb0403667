/* bert_wordpiece.c: WordPiece on one pre-token, for the stage-by-stage pipeline. */
#include "bert_normalized.h"
#include "bert_subword.h"

#include <string.h>

void
bert_wordpiece_finish (BertWordPiece *wordpiece, const BertVocab *vocab)
{
  wordpiece->prefix_length = strlen (wordpiece->prefix);
  wordpiece->prefix_hash =
      bert_vocab_hash_extend (BERT_VOCAB_HASH_SEED, wordpiece->prefix, wordpiece->prefix_length);
  wordpiece->longest = 0;
  for (uint32_t id = 0; id < MIN (vocab->n_ids, wordpiece->n_model_ids); id++)
    if (bert_vocab_token (vocab, (int32_t) id) != NULL)
      wordpiece->longest = MAX (wordpiece->longest, vocab->token_length[id]);
}

static void
push_piece (GArray *pieces, int32_t id, uint32_t start, uint32_t end)
{
  BertPiece piece = { id, start, end };
  g_array_append_val (pieces, piece);
}

static gboolean
is_char_boundary (const char *word, uint32_t length, uint32_t at)
{
  return at == length || ((unsigned char) word[at] & 0xC0) != 0x80;
}

/* The longest piece the word continues with at start (with the prefix unless start is 0),
 * its end in *end; -1 if none. A piece no longer than the longest token is looked up
 * (a longer one is in no vocabulary), so a long word costs its length times that. */
static int32_t
longest_piece (const BertWordPiece *wordpiece, const BertVocab *vocab, const char *word, uint32_t length,
    uint32_t start, uint32_t *end, GArray *hashes)
{
  const char *prefix = start > 0 ? wordpiece->prefix : "";
  uint32_t prefix_length = start > 0 ? wordpiece->prefix_length : 0;
  if (prefix_length >= wordpiece->longest)
    return -1;
  uint32_t limit = MIN (length, start + wordpiece->longest - prefix_length);
  g_array_set_size (hashes, limit - start + 1);
  uint64_t *hash = (uint64_t *) hashes->data;
  hash[0] = start > 0 ? wordpiece->prefix_hash : BERT_VOCAB_HASH_SEED;
  for (uint32_t i = start; i < limit; i++)
    hash[i - start + 1] = bert_vocab_hash_extend (hash[i - start], word + i, 1);
  uint64_t first7 = bert_vocab_first7 (prefix, prefix_length, word + start, limit - start);
  for (uint32_t stop = limit; stop > start; stop--) {
    if (!is_char_boundary (word, length, stop))
      continue;
    int32_t id =
        bert_vocab_find (vocab, hash[stop - start], bert_vocab_head (first7, prefix_length + stop - start),
            prefix, prefix_length, word + start, stop - start);
    if (id >= 0 && (uint32_t) id < wordpiece->n_model_ids) {
      *end = stop;
      return id;
    }
  }
  return -1;
}

void
bert_wordpiece_encode (const BertWordPiece *wordpiece, const BertVocab *vocab, const char *word,
    uint32_t length, GArray *pieces, GArray *hashes)
{
  guint first = pieces->len;
  uint32_t n_chars = 0;

  for (uint32_t at = 0; at < length && n_chars <= wordpiece->max_chars;
       at += bert_utf8_length ((unsigned char) word[at]))
    n_chars++;
  if (n_chars > wordpiece->max_chars) {
    push_piece (pieces, wordpiece->unk_id, 0, length);
    return;
  }
  for (uint32_t start = 0, end = 0; start < length; start = end) {
    int32_t id = longest_piece (wordpiece, vocab, word, length, start, &end, hashes);
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
  memset (wordpiece, 0, sizeof *wordpiece);
}
