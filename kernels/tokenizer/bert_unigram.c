/* bert_unigram.c: the Unigram model's Viterbi search, as tokenizers' encode_optimized.
 *
 * Candidate pieces at a position are found by walking a byte trie of the pieces from
 * there, as the reference walks its trie. Ties keep the first path found, as the
 * reference's strict comparison does.
 */
#include "bert_subword.h"
#include "bert_huge_pages.h"
#include "bert_normalized.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define UNK_PENALTY 10.0

typedef struct {
  double score;  /* of the best path ending here */
  int32_t start; /* where its last piece starts; -1: no path yet */
  int32_t id;
} Node;

/* Piece ids sorted by their bytes, for the trie built level by level. */
static int
compare_pieces (const void *a, const void *b, void *data)
{
  const BertVocab *vocab = data;
  int32_t x = *(const int32_t *) a, y = *(const int32_t *) b;
  uint32_t length_x = vocab->token_length[x], length_y = vocab->token_length[y];
  int order = memcmp (bert_vocab_token (vocab, x), bert_vocab_token (vocab, y), MIN (length_x, length_y));
  if (order != 0)
    return order;
  /* a piece listed twice: the later id last, so that its node keeps it (bert_vocab_repoint) */
  return length_x != length_y ? (length_x > length_y) - (length_x < length_y) : (x > y) - (x < y);
}

#define UNIT_USED (1u << 8)
#define UNIT_LABEL_BITS 9

/* Units grown to size, the new ones free (zero), as the bases in use. */
static void
grow_units (GArray *units, GArray *base_used, GArray *skip, guint size)
{
  guint old = units->len;
  if (size <= old)
    return;
  g_array_set_size (units, size);
  g_array_set_size (base_used, size);
  g_array_set_size (skip, size);
  for (guint i = old; i < size; i++)
    g_array_index (skip, uint32_t, i) = i;
}

static gboolean
unit_is_free (const GArray *units, uint32_t unit)
{
  return unit >= units->len || g_array_index (units, BertTrieUnit, unit).piece == 0;
}

/* The first free unit at or after at: skip[i] points past used units, shortened as it is
 * followed, so that searches do not rescan the full front of the array. */
static uint32_t
next_free (const GArray *units, GArray *skip, uint32_t at)
{
  uint32_t *next = (uint32_t *) skip->data, found = at;
  while (!unit_is_free (units, found))
    found = MAX (next[found], found + 1);
  for (uint32_t i = at; i < found && i < units->len;) {
    uint32_t following = MAX (next[i], i + 1);
    next[i] = found;
    i = following;
  }
  return found;
}

/* Gives each node of the level-by-level trie (children contiguous, sorted, after their
 * parent) a unit: the lowest base not in use where all its children's units are free
 * (a unit's label then names its parent), searched only
 * among the last PLACE_WINDOW units (past that, or after PLACE_TRIES tries, the end of the
 * array), as Darts-clone keeps only its last blocks open. Nodes are placed depth first, so
 * the units of a piece's bytes lie near one another (a walk touches few cache lines and
 * pages of a 250,000-piece trie) and loading stays linear. */
#define PLACE_TRIES 256
#define PLACE_WINDOW 8192

static uint32_t
place_children (GArray *units, const GArray *base_used, GArray *skip, const uint8_t *labels, uint32_t first,
    uint32_t last)
{
  uint32_t window = units->len > PLACE_WINDOW ? units->len - PLACE_WINDOW : 0;
  uint32_t at = next_free (units, skip, MAX (window, labels[first] + 1u)), base;
  for (guint tries = 0;; tries++) {
    if (tries == PLACE_TRIES)
      at = MAX (units->len, labels[first] + 1u);
    base = at - labels[first];
    gboolean fits = base >= base_used->len || !g_array_index (base_used, guint8, base);
    for (uint32_t child = first + 1; child < last && fits; child++)
      fits = unit_is_free (units, base + labels[child]);
    if (fits)
      return base;
    at = next_free (units, skip, at + 1);
  }
}

/* The units, moved to memory that may be backed with 2 MB pages (bert_huge_pages.h). */
static BertTrieUnit *
move_to_huge_pages (BertTrieUnit *data, gsize size)
{
  BertTrieUnit *moved = bert_huge_pages_alloc0 (size);
  memcpy (moved, data, size);
  g_free (data);
  return moved;
}

static void
place_nodes (BertPieceTrie *trie, const uint8_t *labels, const uint32_t *parents, const int32_t *ids,
    uint32_t n_nodes)
{
  uint32_t *child_start = g_new0 (uint32_t, n_nodes + 1), *unit_of = g_new0 (uint32_t, n_nodes);
  uint32_t *stack = g_new (uint32_t, n_nodes), depth = 0;
  GArray *units = g_array_new (FALSE, TRUE, sizeof (BertTrieUnit));
  GArray *base_used = g_array_new (FALSE, TRUE, sizeof (guint8));
  GArray *skip = g_array_new (FALSE, FALSE, sizeof (uint32_t));

  for (uint32_t node = 1; node < n_nodes; node++)
    child_start[parents[node] + 1]++;
  for (uint32_t node = 0; node < n_nodes; node++)
    child_start[node + 1] += child_start[node];
  grow_units (units, base_used, skip, 256);
  g_array_index (units, BertTrieUnit, 0).piece = UNIT_USED;
  stack[depth++] = 0;
  while (depth > 0) {
    uint32_t node = stack[--depth];
    /* children of node: [1 + child_start[node], 1 + child_start[node + 1]) */
    uint32_t first = 1 + child_start[node], last = 1 + child_start[node + 1];
    if (first == last)
      continue;
    uint32_t base = place_children (units, base_used, skip, labels, first, last);
    grow_units (units, base_used, skip, base + 256);
    g_array_index (units, BertTrieUnit, unit_of[node]).base = base;
    g_array_index (base_used, guint8, base) = TRUE;
    for (uint32_t child = first; child < last; child++) {
      uint32_t unit = base + labels[child];
      g_array_index (units, BertTrieUnit, unit).piece =
          (uint32_t) (ids[child] + 1) << UNIT_LABEL_BITS | UNIT_USED | labels[child];
      unit_of[child] = unit;
    }
    for (uint32_t child = last; child > first; child--) /* the first child on top */
      stack[depth++] = child - 1;
  }
  g_array_free (base_used, TRUE);
  g_array_free (skip, TRUE);
  g_free (stack);
  g_free (child_start);
  g_free (unit_of);
  /* last, so that the copy's extra memory does not add to the peak of the above */
  trie->n_units = units->len;
  trie->units = move_to_huge_pages ((BertTrieUnit *) g_array_free (units, FALSE),
      trie->n_units * sizeof (BertTrieUnit));
}

/* Level d of the trie is the distinct d-byte prefixes of the sorted pieces, in order: so
 * each level lists the children of the previous one grouped by parent, parents in order. */
static void
build_trie (BertPieceTrie *trie, const BertVocab *vocab, uint32_t n_pieces)
{
  GArray *sorted = g_array_new (FALSE, FALSE, sizeof (int32_t));
  for (uint32_t id = 0; id < n_pieces; id++)
    if (bert_vocab_token (vocab, (int32_t) id) != NULL && vocab->token_length[id] > 0)
      g_array_append_val (sorted, id);
  g_array_sort_with_data (sorted, compare_pieces, (gpointer) vocab);
  int32_t *active = (int32_t *) sorted->data;
  guint n_active = sorted->len;
  uint32_t *node_of = g_new0 (uint32_t, MAX (n_active, 1)); /* per active piece: its node so far */
  GArray *labels = g_array_new (FALSE, FALSE, 1), *parents = g_array_new (FALSE, FALSE, sizeof (uint32_t));
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (int32_t));
  uint8_t root_label = 0;
  uint32_t root = 0;
  int32_t none = -1;

  g_array_append_val (labels, root_label);
  g_array_append_val (parents, root);
  g_array_append_val (ids, none);
  for (uint32_t depth = 1; n_active > 0; depth++) {
    guint kept = 0;
    uint32_t last_node = 0, last_parent = 0;
    for (guint i = 0; i < n_active; i++) {
      int32_t id = active[i];
      uint8_t label = (uint8_t) bert_vocab_token (vocab, id)[depth - 1];
      uint32_t parent = node_of[i];
      if (last_node == 0 || last_parent != parent || g_array_index (labels, uint8_t, last_node) != label) {
        last_node = labels->len;
        last_parent = parent;
        g_array_append_val (labels, label);
        g_array_append_val (parents, parent);
        g_array_append_val (ids, none);
      }
      uint32_t node = last_node;
      if (vocab->token_length[id] == depth) {
        g_array_index (ids, int32_t, node) = id;
        continue;
      }
      active[kept] = id;
      node_of[kept++] = node;
    }
    n_active = kept;
  }
  place_nodes (trie, (const uint8_t *) labels->data, (const uint32_t *) parents->data,
      (const int32_t *) ids->data, labels->len);
  g_array_free (labels, TRUE);
  g_array_free (parents, TRUE);
  g_array_free (ids, TRUE);
  g_array_free (sorted, TRUE);
  g_free (node_of);
}

static inline uint32_t
trie_child (const BertPieceTrie *trie, uint32_t unit, unsigned char byte)
{
  uint32_t child = trie->units[unit].base + byte;
  return (trie->units[child].piece & ((1u << UNIT_LABEL_BITS) - 1)) == (UNIT_USED | byte) ? child : 0;
}

/* The piece ending at a unit, or -1. */
static inline int32_t
unit_piece (const BertPieceTrie *trie, uint32_t unit)
{
  return (int32_t) (trie->units[unit].piece >> UNIT_LABEL_BITS) - 1;
}

void
bert_unigram_finish (BertUnigram *unigram, const BertVocab *vocab)
{
  double lowest = INFINITY;

  build_trie (&unigram->trie, vocab, unigram->n_pieces);
  for (uint32_t id = 0; id < unigram->n_pieces; id++)
    lowest = MIN (lowest, unigram->scores[id]);
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
  free (unigram->trie.units);
  unigram->scores = NULL;
  memset (&unigram->trie, 0, sizeof unigram->trie);
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
offer_pieces (const BertUnigram *unigram, const char *text, uint32_t length, uint32_t start,
    uint32_t char_length, Node *nodes)
{
  const BertPieceTrie *trie = &unigram->trie;
  double base = nodes[start].score;
  gboolean single = FALSE;
  uint32_t node = trie_child (trie, 0, (unsigned char) text[start]);

  /* Pieces are whole characters of valid UTF-8, so every piece found ends on a character
   * boundary of the text. */
  for (uint32_t end = start + 1; node != 0; end++) {
    int32_t id = unit_piece (trie, node);
    if (id >= 0) {
      offer (&nodes[end], base + unigram->scores[id], (int32_t) start, id);
      single |= end - start == char_length;
    }
    if (end == length)
      break;
    node = trie_child (trie, node, (unsigned char) text[end]);
  }
  return single;
}

/* out: the next free piece (the caller has made room for one piece per byte). */
static void
push_piece (BertPiece **out, int32_t id, uint32_t start, uint32_t end)
{
  *(*out)++ = (BertPiece){ id, start, end };
}

/* A run of unknown characters: its piece if the vocabulary has the text, else bytes with
 * byte_fallback, else unk. */
static void
push_unknown (const BertUnigram *unigram, const BertVocab *vocab, const char *text, uint32_t start,
    uint32_t end, BertPiece **out)
{
  int32_t id = bert_vocab_lookup (vocab, text + start, end - start);
  if (id >= 0 && (uint32_t) id < unigram->n_pieces) {
    push_piece (out, id, start, end);
    return;
  }
  if (unigram->byte_fallback) {
    gboolean all = TRUE;
    for (uint32_t i = start; i < end && all; i++)
      all = unigram->byte_ids[(unsigned char) text[i]] >= 0;
    if (all) {
      for (uint32_t i = start; i < end; i++)
        push_piece (out, unigram->byte_ids[(unsigned char) text[i]], start, end);
      return;
    }
  }
  push_piece (out, unigram->unk_id, start, end);
}

void
bert_unigram_encode (const BertUnigram *unigram, const BertVocab *vocab, const char *text, uint32_t length,
    GArray *pieces, GArray *scratch)
{
  if (length == 0)
    return;
  /* the nodes, then the ends of the best path's pieces */
  gsize needed = (length + 1) * sizeof (Node) + length * sizeof (uint32_t);
  if (scratch->len < needed)
    g_array_set_size (scratch, needed);
  Node *nodes = (Node *) scratch->data;
  uint32_t *path = (uint32_t *) (nodes + length + 1);
  for (uint32_t i = 0; i <= length; i++)
    nodes[i] = (Node){ 0.0, -1, 0 };

  for (uint32_t start = 0; start < length;) {
    uint32_t char_length = MIN (bert_utf8_length ((unsigned char) text[start]), length - start);
    if (!offer_pieces (unigram, text, length, start, char_length, nodes))
      offer (&nodes[start + char_length], nodes[start].score + unigram->unk_score, (int32_t) start,
          unigram->unk_id);
    start += char_length;
  }

  /* The best path, back from the end, then its pieces in order: runs of unknown pieces
   * are fused. */
  uint32_t n_path = 0;
  for (uint32_t end = length; end > 0; end = (uint32_t) nodes[end].start)
    path[n_path++] = end;
  guint first = pieces->len;
  g_array_set_size (pieces, first + length); /* room for the most pieces: one per byte */
  BertPiece *all = &g_array_index (pieces, BertPiece, first), *out = all;
  for (uint32_t k = n_path, start = 0; k > 0;) {
    uint32_t end = path[--k];
    int32_t id = nodes[end].id;
    if (id != unigram->unk_id) {
      push_piece (&out, id, start, end);
    } else {
      while (k > 0 && nodes[path[k - 1]].id == unigram->unk_id)
        end = path[--k];
      push_unknown (unigram, vocab, text, start, end, &out);
    }
    start = end;
  }
  g_array_set_size (pieces, first + (guint) (out - all));
}
