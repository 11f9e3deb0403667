/* bert_unigram.c: the Unigram model's Viterbi search, as tokenizers' encode_optimized.
 *
 * Candidate pieces at a position are found by hashing the text's prefixes there, one byte
 * at a time, up to the longest piece that starts with that character, and probing the
 * vocabulary at each character boundary (the reference walks a trie; the pieces are the
 * same). Ties keep the first path found, as the reference's strict comparison does.
 */
#include "bert_subword.h"
#include "bert_normalized.h"

#include <math.h>

#define UNK_PENALTY 10.0

typedef struct {
  double score;  /* of the best path ending here */
  int32_t start; /* where its last piece starts; -1: no path yet */
  int32_t id;
} Node;

static inline uint32_t
bound_bucket (const char *text, uint32_t length)
{
  uint32_t n = MIN (bert_utf8_length ((unsigned char) text[0]), length);
  uint32_t key = 0;
  for (uint32_t i = 0; i < n; i++)
    key = (key << 8) | (unsigned char) text[i];
  return (key * 2654435761u) >> (32 - BERT_UNIGRAM_BOUND_BITS);
}

static inline uint32_t
prefix_bit (const BertUnigram *unigram, uint64_t hash)
{
  return (uint32_t) (hash >> 20) & unigram->prefix_filter_mask;
}

static inline gboolean
may_be_prefix (const BertUnigram *unigram, uint64_t hash)
{
  uint32_t bit = prefix_bit (unigram, hash);
  return (unigram->prefix_filter[bit >> 6] >> (bit & 63)) & 1;
}

static void
fill_prefix_filter (BertUnigram *unigram, const BertVocab *vocab)
{
  uint64_t total = 0;
  for (uint32_t id = 0; id < unigram->n_pieces; id++)
    total += vocab->token_offset[id] == G_MAXUINT32 ? 0 : vocab->token_length[id];
  uint32_t bits = 1 << 12;
  while (bits < 8 * total && bits < (1u << 30))
    bits *= 2;
  unigram->prefix_filter = g_new0 (uint64_t, bits / 64);
  unigram->prefix_filter_mask = bits - 1;
  for (uint32_t id = 0; id < unigram->n_pieces; id++) {
    const char *piece = bert_vocab_token (vocab, (int32_t) id);
    uint64_t hash = BERT_VOCAB_HASH_SEED;
    for (uint32_t i = 0; piece && i < vocab->token_length[id]; i++) {
      hash = bert_vocab_hash_extend (hash, piece + i, 1);
      uint32_t bit = prefix_bit (unigram, hash);
      unigram->prefix_filter[bit >> 6] |= 1ull << (bit & 63);
    }
  }
}

void
bert_unigram_finish (BertUnigram *unigram, const BertVocab *vocab)
{
  double lowest = INFINITY;

  fill_prefix_filter (unigram, vocab);

  memset (unigram->bound, 0, sizeof unigram->bound);
  for (uint32_t id = 0; id < unigram->n_pieces; id++) {
    lowest = MIN (lowest, unigram->scores[id]);
    const char *piece = bert_vocab_token (vocab, (int32_t) id);
    uint32_t length = vocab->token_length[id];
    if (piece == NULL || length == 0)
      continue;
    uint32_t *bound = &unigram->bound[bound_bucket (piece, length)];
    *bound = MAX (*bound, length);
  }
  unigram->unk_score = lowest - UNK_PENALTY;
  for (int byte = 0; byte < 256; byte++) {
    char name[8];
    g_snprintf (name, sizeof name, "<0x%02X>", byte);
    int32_t id = bert_vocab_lookup (vocab, name, strlen (name));
    unigram->byte_ids[byte] = id >= 0 && (uint32_t) id < unigram->n_pieces ? id : -1;
  }
}

void
bert_unigram_clear (BertUnigram *unigram)
{
  g_free (unigram->scores);
  g_free (unigram->prefix_filter);
  unigram->scores = NULL;
  unigram->prefix_filter = NULL;
}

static inline void
offer (Node *node, double score, int32_t start, int32_t id)
{
  if (node->start < 0 || score > node->score) {
    node->score = score;
    node->start = start;
    node->id = id;
  }
}

/* Every piece starting at start, offered to the node where it ends; TRUE when one of them
 * is the single character there. */
static gboolean
offer_pieces (const BertUnigram *unigram, const BertVocab *vocab, const char *text, uint32_t length,
    uint32_t start, uint32_t char_length, Node *nodes)
{
  uint32_t limit = MIN (length, start + unigram->bound[bound_bucket (text + start, length - start)]);
  uint64_t hash = BERT_VOCAB_HASH_SEED;
  double base = nodes[start].score;
  gboolean single = FALSE;

  for (uint32_t end = start + 1; end <= limit; end++) {
    hash = bert_vocab_hash_extend (hash, text + end - 1, 1);
    if (!may_be_prefix (unigram, hash))
      break;
    if (end < length && ((unsigned char) text[end] & 0xC0) == 0x80)
      continue;
    uint32_t piece_length = end - start;
    uint64_t head = bert_vocab_head (bert_vocab_first7 (text + start, piece_length, "", 0), piece_length);
    int32_t id = bert_vocab_find (vocab, hash, head, text + start, piece_length, "", 0);
    if (id < 0 || (uint32_t) id >= unigram->n_pieces)
      continue;
    offer (&nodes[end], base + unigram->scores[id], (int32_t) start, id);
    single |= piece_length == char_length;
  }
  return single;
}

static void
push_piece (GArray *pieces, int32_t id, uint32_t start, uint32_t end)
{
  BertPiece piece = { id, start, end };
  g_array_append_val (pieces, piece);
}

/* A run of unknown characters: its piece if the vocabulary has the text, else bytes with
 * byte_fallback, else unk. */
static void
push_unknown (const BertUnigram *unigram, const BertVocab *vocab, const char *text, uint32_t start,
    uint32_t end, GArray *pieces)
{
  int32_t id = bert_vocab_lookup (vocab, text + start, end - start);
  if (id >= 0 && (uint32_t) id < unigram->n_pieces) {
    push_piece (pieces, id, start, end);
    return;
  }
  if (unigram->byte_fallback) {
    gboolean all = TRUE;
    for (uint32_t i = start; i < end && all; i++)
      all = unigram->byte_ids[(unsigned char) text[i]] >= 0;
    if (all) {
      for (uint32_t i = start; i < end; i++)
        push_piece (pieces, unigram->byte_ids[(unsigned char) text[i]], start, end);
      return;
    }
  }
  push_piece (pieces, unigram->unk_id, start, end);
}

void
bert_unigram_encode (const BertUnigram *unigram, const BertVocab *vocab, const char *text, uint32_t length,
    GArray *pieces, GArray *scratch)
{
  if (length == 0)
    return;
  g_array_set_size (scratch, (length + 1) * sizeof (Node));
  Node *nodes = (Node *) scratch->data;
  for (uint32_t i = 0; i <= length; i++)
    nodes[i] = (Node){ 0.0, -1, 0 };

  for (uint32_t start = 0; start < length;) {
    uint32_t char_length = MIN (bert_utf8_length ((unsigned char) text[start]), length - start);
    if (!offer_pieces (unigram, vocab, text, length, start, char_length, nodes))
      offer (&nodes[start + char_length], nodes[start].score + unigram->unk_score, (int32_t) start,
          unigram->unk_id);
    start += char_length;
  }

  /* Back from the end; the pieces come out reversed, then are put in order. */
  guint first = pieces->len;
  uint32_t unknown_end = 0;
  gboolean in_unknown = FALSE;
  for (uint32_t end = length; end > 0;) {
    const Node *node = &nodes[end];
    uint32_t start = (uint32_t) node->start;
    if (node->id == unigram->unk_id) {
      if (!in_unknown)
        unknown_end = end;
      in_unknown = TRUE;
    } else {
      if (in_unknown)
        push_unknown (unigram, vocab, text, end, unknown_end, pieces);
      in_unknown = FALSE;
      push_piece (pieces, node->id, start, end);
    }
    end = start;
  }
  if (in_unknown)
    push_unknown (unigram, vocab, text, 0, unknown_end, pieces);

  /* Byte pieces of one run were pushed in order: reverse runs of equal spans back after
   * reversing everything. */
  BertPiece *all = &g_array_index (pieces, BertPiece, first);
  guint n = pieces->len - first;
  for (guint i = 0; i < n / 2; i++) {
    BertPiece swap = all[i];
    all[i] = all[n - 1 - i];
    all[n - 1 - i] = swap;
  }
  for (guint i = 0; i < n;) {
    guint j = i + 1;
    while (j < n && all[j].start == all[i].start && all[j].end == all[i].end)
      j++;
    for (guint a = i, b = j - 1; a < b; a++, b--) {
      BertPiece swap = all[a];
      all[a] = all[b];
      all[b] = swap;
    }
    i = j;
  }
}
