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
  return order != 0 ? order : (length_x > length_y) - (length_x < length_y);
}

static uint8_t *subtree_cuts (const BertUnigram *unigram, const BertVocab *vocab, const uint32_t *parents,
    const int32_t *ids, uint32_t n_nodes);

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

/* With cuts (one per node, or NULL), where the bases fit below them: the cuts in the bases'
 * top byte. */
static void
pack_cuts (BertPieceTrie *trie, BertTrieUnit *units, const uint8_t *cuts, const uint32_t *unit_of,
    uint32_t n_nodes, uint32_t n_units)
{
  trie->base_mask = G_MAXUINT32;
  if (cuts == NULL || n_units > BERT_TRIE_BASE_BITS)
    return;
  trie->base_mask = BERT_TRIE_BASE_BITS;
  for (uint32_t node = 0; node < n_nodes; node++)
    units[unit_of[node]].base |= (uint32_t) cuts[node] << 24;
}

static void
place_nodes (BertPieceTrie *trie, const uint8_t *labels, const uint32_t *parents, const int32_t *ids,
    const uint8_t *cuts, uint32_t n_nodes)
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
  pack_cuts (trie, (BertTrieUnit *) units->data, cuts, unit_of, n_nodes, units->len);
  g_free (unit_of);
  /* last, so that the copy's extra memory does not add to the peak of the above */
  trie->n_units = units->len;
  trie->units = move_to_huge_pages ((BertTrieUnit *) g_array_free (units, FALSE),
      trie->n_units * sizeof (BertTrieUnit));
}

/* Level d of the trie is the distinct d-byte prefixes of the sorted pieces, in order: so
 * each level lists the children of the previous one grouped by parent, parents in order. */
static void
build_trie (BertPieceTrie *trie, const BertUnigram *unigram, const BertVocab *vocab)
{
  uint32_t n_pieces = unigram->n_pieces;
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
  uint8_t *cuts = unigram->bounds ? subtree_cuts (unigram, vocab, (const uint32_t *) parents->data,
                      (const int32_t *) ids->data, labels->len)
                                  : NULL;
  place_nodes (trie, (const uint8_t *) labels->data, (const uint32_t *) parents->data,
      (const int32_t *) ids->data, cuts, labels->len);
  g_free (cuts);
  g_array_free (labels, TRUE);
  g_array_free (parents, TRUE);
  g_array_free (ids, TRUE);
  g_array_free (sorted, TRUE);
  g_free (node_of);
}

static inline uint32_t
trie_child (const BertPieceTrie *trie, uint32_t unit, unsigned char byte)
{
  uint32_t child = (trie->units[unit].base & trie->base_mask) + byte;
  return (trie->units[child].piece & ((1u << UNIT_LABEL_BITS) - 1)) == (UNIT_USED | byte) ? child : 0;
}

/* The piece ending at a unit, or -1. */
static inline int32_t
unit_piece (const BertPieceTrie *trie, uint32_t unit)
{
  return (int32_t) (trie->units[unit].piece >> UNIT_LABEL_BITS) - 1;
}

/* ---- Bounds for pruning the search ----
 *
 * Forward Viterbi needs no walk from a position s whose best score plus an upper bound of
 * the rest of the word falls below the score of some whole path: no best path, tied ones
 * included, crosses s, so the chosen path and its ties are unchanged. The bound: the sum of
 * the bytes' potentials from s (a piece scores at most the sum over its bytes), plus the
 * most that a piece starting with s's first two bytes (or unk there) falls short of its
 * bytes' sum. */

/* Scores beyond this are not bounded (potentials times 2^20 then fit 2^36, and their sums
 * over a word of up to PRUNED_MAX_LENGTH bytes are exact in a double). */
#define BOUNDED_MAGNITUDE 65536.0
#define PRUNED_MAX_LENGTH 65536
#define POTENTIAL_UNIT (1.0 / (1 << BERT_UNIGRAM_POTENTIAL_BITS))

/* The piece's text when it is in the trie, else NULL. */
static const char *
trie_piece (const BertUnigram *unigram, const BertVocab *vocab, uint32_t id, uint32_t *length)
{
  const char *text = bert_vocab_token (vocab, (int32_t) id);
  *length = text != NULL ? vocab->token_length[id] : 0;
  return *length > 0 ? text : NULL;
}

/* Pieces scoring above every single-character piece (sentencepiece's control, user-defined
 * and byte pieces score 0, far above the rest) are left out of the potentials, which they
 * would raise for common bytes; the positions up to one's first byte are never pruned. */
static double
highest_kept_score (const BertUnigram *unigram, const BertVocab *vocab)
{
  double highest = -INFINITY;
  uint32_t length;
  for (uint32_t id = 0; id < unigram->n_pieces; id++) {
    const char *text = trie_piece (unigram, vocab, id, &length);
    if (text != NULL && bert_utf8_length ((unsigned char) text[0]) == length)
      highest = MAX (highest, unigram->scores[id]);
  }
  return highest == -INFINITY ? INFINITY : highest;
}

static double
potential_of (const BertUnigramBounds *bounds, unsigned char byte)
{
  return ldexp ((double) bounds->potential[byte], -BERT_UNIGRAM_POTENTIAL_BITS);
}

/* value, raised past any rounding error of the n_terms-term double sum that made it, whose
 * terms have magnitudes summing to magnitude (each addition errs by at most 2^-53 of it). */
static double
above_rounding (double value, double magnitude, uint32_t n_terms)
{
  return value + ldexp (magnitude * (n_terms + 1.0), -50);
}

/* The nearest float not below value. */
static float
float_above (double value)
{
  float rounded = (float) value;
  return (double) rounded < value ? nextafterf (rounded, INFINITY) : rounded;
}

static void
raise_slack (float *slack, double value)
{
  *slack = MAX (*slack, float_above (value));
}

/* Each byte's potential: the most any kept piece holding it scores per byte, rounded up,
 * and no less than a quarter of unk's score (unk covers one character of up to 4 bytes). */
static void
set_potentials (BertUnigramBounds *bounds, const BertUnigram *unigram, const BertVocab *vocab, double highest)
{
  double unk = unigram->unk_score, per_byte[256];
  uint32_t length;

  for (int byte = 0; byte < 256; byte++)
    per_byte[byte] = unk < 0 ? unk / 4 : unk;
  bounds->magnitude = fabs (unk);
  memset (bounds->left_out, 0, sizeof bounds->left_out);
  for (uint32_t id = 0; id < unigram->n_pieces; id++) {
    const char *text = trie_piece (unigram, vocab, id, &length);
    double score = unigram->scores[id];
    if (text == NULL)
      continue;
    if (score > highest) {
      bounds->left_out[(unsigned char) text[0]] = 1;
      continue;
    }
    double share = nextafter (score / length, INFINITY); /* not below score / length */
    for (uint32_t i = 0; i < length; i++)
      per_byte[(unsigned char) text[i]] = MAX (per_byte[(unsigned char) text[i]], share);
    bounds->magnitude = MAX (bounds->magnitude, fabs (score));
  }
  for (int byte = 0; byte < 256; byte++)
    bounds->potential[byte] = (int64_t) ceil (ldexp (per_byte[byte], BERT_UNIGRAM_POTENTIAL_BITS));
}

/* unk's slack at a character starting with first (then second, if it has more bytes):
 * its bytes past the second have potentials of at least lowest. */
static double
unk_slack (const BertUnigramBounds *bounds, double unk, unsigned char first, int second, double lowest)
{
  double first_potential = potential_of (bounds, first);
  uint32_t char_length = bert_utf8_length (first);
  if (char_length == 1 || second < 0)
    return above_rounding (unk - first_potential, fabs (unk) + fabs (first_potential), 1);
  double second_potential = potential_of (bounds, (unsigned char) second);
  double rest = (char_length - 2) * MAX (0.0, -lowest);
  return above_rounding (unk - first_potential - second_potential + rest,
      fabs (unk) + fabs (first_potential) + fabs (second_potential) + rest, 3);
}

/* How far the piece's score falls short of its bytes' potentials, rounded up. */
static double
piece_slack (const BertUnigramBounds *bounds, const char *text, uint32_t length, double score)
{
  double sum = 0.0, magnitude = fabs (score);
  for (uint32_t i = 0; i < length; i++) {
    sum += potential_of (bounds, (unsigned char) text[i]);
    magnitude += fabs (potential_of (bounds, (unsigned char) text[i]));
  }
  return above_rounding (score - sum, magnitude, length + 1);
}

static void
set_slacks (BertUnigramBounds *bounds, const BertUnigram *unigram, const BertVocab *vocab, double highest)
{
  double unk = unigram->unk_score, lowest = INFINITY;
  uint32_t length;

  for (int byte = 0; byte < 256; byte++)
    lowest = MIN (lowest, potential_of (bounds, (unsigned char) byte));
  for (int first = 0; first < 256; first++) {
    bounds->last_slack[first] = float_above (unk_slack (bounds, unk, (unsigned char) first, -1, lowest));
    for (int second = 0; second < 256; second++)
      bounds->pair_slack[first << 8 | second] =
          float_above (unk_slack (bounds, unk, (unsigned char) first, second, lowest));
  }
  for (uint32_t id = 0; id < unigram->n_pieces; id++) {
    const char *text = trie_piece (unigram, vocab, id, &length);
    if (text == NULL || unigram->scores[id] > highest)
      continue;
    double slack = piece_slack (bounds, text, length, unigram->scores[id]);
    unsigned char first = (unsigned char) text[0];
    if (length > 1) {
      raise_slack (&bounds->pair_slack[first << 8 | (unsigned char) text[1]], slack);
      continue;
    }
    raise_slack (&bounds->last_slack[first], slack);
    for (int second = 0; second < 256; second++)
      raise_slack (&bounds->pair_slack[first << 8 | second], slack);
  }
  bounds->slack_magnitude = 0.0;
  for (int i = 0; i < 256 * 256; i++)
    bounds->slack_magnitude = MAX (bounds->slack_magnitude, fabs (bounds->pair_slack[i]));
  for (int i = 0; i < 256; i++)
    bounds->slack_magnitude = MAX (bounds->slack_magnitude, fabs (bounds->last_slack[i]));
}

/* Per trie node (levels in order, children after their parent): its cut, the most that a
 * piece below it falls short of its bytes' potentials, as a count of quarters it falls
 * short by at least (0 to 255): a walk at the node needs to go on only where the
 * position's best score plus the potentials' sum less that many quarters reaches the
 * floor. Pieces left out of the bounds count as not short at all. */
static uint8_t *
subtree_cuts (const BertUnigram *unigram, const BertVocab *vocab, const uint32_t *parents, const int32_t *ids,
    uint32_t n_nodes)
{
  double *below = g_new (double, n_nodes), highest = highest_kept_score (unigram, vocab);
  uint8_t *cuts = g_new (uint8_t, n_nodes);
  uint32_t length;

  for (uint32_t node = 0; node < n_nodes; node++)
    below[node] = -INFINITY;
  for (uint32_t node = n_nodes - 1; node > 0; node--) {
    double slack = below[node];
    if (ids[node] >= 0) {
      const char *text = trie_piece (unigram, vocab, (uint32_t) ids[node], &length);
      double score = unigram->scores[ids[node]];
      slack = MAX (slack, score > highest ? 0.0 : piece_slack (unigram->bounds, text, length, score));
    }
    below[parents[node]] = MAX (below[parents[node]], slack);
  }
  for (uint32_t node = 0; node < n_nodes; node++)
    cuts[node] = below[node] >= 0.0 ? 0 : (uint8_t) MIN (255.0, floor (-below[node] * 4.0));
  g_free (below);
  return cuts;
}

/* NULL where some score lies beyond BOUNDED_MAGNITUDE. */
static BertUnigramBounds *
build_bounds (const BertUnigram *unigram, const BertVocab *vocab)
{
  BertUnigramBounds *bounds = g_new (BertUnigramBounds, 1);
  double highest = highest_kept_score (unigram, vocab);

  set_potentials (bounds, unigram, vocab, highest);
  if (!(bounds->magnitude < BOUNDED_MAGNITUDE)) {
    g_free (bounds);
    return NULL;
  }
  set_slacks (bounds, unigram, vocab, highest);
  return bounds;
}

void
bert_unigram_finish (BertUnigram *unigram, const BertVocab *vocab)
{
  double lowest = INFINITY;

  for (uint32_t id = 0; id < unigram->n_pieces; id++)
    lowest = MIN (lowest, unigram->scores[id]);
  unigram->unk_score = lowest - UNK_PENALTY;
  unigram->bounds = build_bounds (unigram, vocab);
  build_trie (&unigram->trie, unigram, vocab);
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
  g_free (unigram->bounds);
  free (unigram->trie.units);
  unigram->scores = NULL;
  unigram->bounds = NULL;
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

/* Every piece starting at start, offered to the node where it ends, but past the first
 * character none below a node whose cut is cut or more (NO_CUT: all); TRUE when one of them
 * is the single character there. */
#define NO_CUT 256u

static gboolean
offer_pieces (const BertUnigram *unigram, const char *text, uint32_t length, uint32_t start,
    uint32_t char_length, uint32_t cut, Node *nodes)
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
    if (end == length || (end - start >= char_length && trie->units[node].base >> 24 >= cut))
      break;
    node = trie_child (trie, node, (unsigned char) text[end]);
  }
  return single;
}

/* The pieces from start, or unk where none is the single character there. */
static void
offer_from (const BertUnigram *unigram, const char *text, uint32_t length, uint32_t start,
    uint32_t char_length, uint32_t cut, Node *nodes)
{
  if (!offer_pieces (unigram, text, length, start, char_length, cut, nodes))
    offer (&nodes[start + char_length], nodes[start].score + unigram->unk_score, (int32_t) start,
        unigram->unk_id);
}

/* Per position of a pruned search: the potentials' sum over the text from there, the piece
 * a longest-match walk found ending there (-1: none), and where the longest piece of the
 * walk from there ends (0: no such walk). */
typedef struct {
  int64_t rest;
  int32_t found;
  uint32_t walk_end;
} Mark;

/* Sets the marks' sums and clears the rest; returns the position of the last first byte of a
 * piece left out of the bounds (0 if none): no position up to it is pruned. */
static uint32_t
sum_potentials (const BertUnigramBounds *bounds, const char *text, uint32_t length, Mark *marks)
{
  uint32_t guard = 0;
  marks[length] = (Mark){ 0, -1, 0 };
  for (uint32_t i = length; i > 0; i--) {
    unsigned char byte = (unsigned char) text[i - 1];
    marks[i - 1] = (Mark){ marks[i].rest + bounds->potential[byte], -1, 0 };
    guard = MAX (guard, bounds->left_out[byte] ? i - 1 : 0);
  }
  return guard;
}

/* The longest-match path's walks, their pieces kept in the marks for the search to reuse;
 * returns its score summed forward as the search sums a path's: at most the best path's
 * score, in floating point too (rounding never lowers a sum whose term grew). */
static double
walk_longest_matches (const BertUnigram *unigram, const char *text, uint32_t length, Mark *marks)
{
  const BertPieceTrie *trie = &unigram->trie;
  double total = 0.0;

  for (uint32_t start = 0; start < length;) {
    uint32_t node = trie_child (trie, 0, (unsigned char) text[start]);
    uint32_t end = start + MIN (bert_utf8_length ((unsigned char) text[start]), length - start);
    int32_t longest = -1;
    for (uint32_t at = start + 1; node != 0; at++) {
      int32_t id = unit_piece (trie, node);
      if (id >= 0) {
        marks[at].found = longest = id;
        end = at;
      }
      if (at == length)
        break;
      node = trie_child (trie, node, (unsigned char) text[at]);
    }
    marks[start].walk_end = end;
    total += longest >= 0 ? unigram->scores[longest] : unigram->unk_score;
    start = end;
  }
  return total;
}

/* offer_from at a position that the longest-match walks walked from, from what they found
 * there (the pieces in the same order). */
static void
offer_found (const BertUnigram *unigram, const Mark *marks, uint32_t start, uint32_t char_length, Node *nodes)
{
  double base = nodes[start].score;
  for (uint32_t end = start + 1; end <= marks[start].walk_end; end++) {
    int32_t id = marks[end].found;
    if (id >= 0)
      offer (&nodes[end], base + unigram->scores[id], (int32_t) start, id);
  }
  if (marks[start + char_length].found < 0)
    offer (&nodes[start + char_length], base + unigram->unk_score, (int32_t) start, unigram->unk_id);
}

/* The least cut of the nodes below which no piece can reach the floor, from a position
 * whose best score plus potentials' sum is reach above it. */
static inline uint32_t
cut_at (double reach)
{
  double quarters = reach * 4.0;
  return quarters >= 255.0 ? NO_CUT : quarters < 0.0 ? 0 : (uint32_t) quarters + 1;
}

/* Forward Viterbi, walking only from the positions that a best path may cross.
 *
 * Why the margin suffices: in exact arithmetic the best score of the rest of the word from
 * s is at most rest plus the slack read there (every piece's slack is at most 0, the
 * first's at most the table's, both rounded up; rest is exact). The floating-point sums
 * differ from exact ones by at most 2^-53 of a partial sum per addition: the path's own
 * (up to length additions, partial sums of at most length * magnitude) and the test's two;
 * together under 2^-51 ((length + 2)^2 magnitude + slack_magnitude), so 2^-44 of it leaves
 * a factor of 128. The floor starts at a real path's score and rises to the best complete
 * path found so far, both summed as the search sums them, so it is never above the best
 * path's computed score. So no position on a best path (ties included) is skipped, its
 * score and first best offer are those of the full search, and a position that no walk
 * reached is skipped as unreachable. */
static void
search_pruned (const BertUnigram *unigram, const char *text, uint32_t length, Node *nodes, Mark *marks)
{
  const BertUnigramBounds *bounds = unigram->bounds;
  double size = (double) length + 2.0;
  double margin = ldexp (size * size * bounds->magnitude + bounds->slack_magnitude, -44);
  uint32_t guard = sum_potentials (bounds, text, length, marks);
  double floor = walk_longest_matches (unigram, text, length, marks) - margin;
  gboolean cuts = unigram->trie.base_mask == BERT_TRIE_BASE_BITS;

  for (uint32_t start = 0; start < length;) {
    uint32_t char_length = MIN (bert_utf8_length ((unsigned char) text[start]), length - start);
    unsigned char first = (unsigned char) text[start];
    float slack = start + 1 < length ? bounds->pair_slack[first << 8 | (unsigned char) text[start + 1]]
                                     : bounds->last_slack[first];
    double reach = nodes[start].score + (double) marks[start].rest * POTENTIAL_UNIT - floor;
    if (start <= guard || (nodes[start].start >= 0 && !(reach + slack < 0.0))) {
      if (marks[start].walk_end != 0)
        offer_found (unigram, marks, start, char_length, nodes);
      else
        offer_from (unigram, text, length, start, char_length,
            start <= guard || !cuts ? NO_CUT : cut_at (reach), nodes);
      if (nodes[length].start >= 0)
        floor = MAX (floor, nodes[length].score - margin);
    }
    start += char_length;
  }
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
  /* the nodes, the pruned search's marks, then the ends of the best path's pieces */
  gsize needed = (length + 1) * (sizeof (Node) + sizeof (Mark)) + length * sizeof (uint32_t);
  if (scratch->len < needed)
    g_array_set_size (scratch, needed);
  Node *nodes = (Node *) scratch->data;
  Mark *marks = (Mark *) (nodes + length + 1);
  uint32_t *path = (uint32_t *) (marks + length + 1);
  for (uint32_t i = 0; i <= length; i++)
    nodes[i] = (Node){ 0.0, -1, 0 };

  if (unigram->bounds != NULL && length <= PRUNED_MAX_LENGTH) {
    search_pruned (unigram, text, length, nodes, marks);
  } else {
    for (uint32_t start = 0; start < length;) {
      uint32_t char_length = MIN (bert_utf8_length ((unsigned char) text[start]), length - start);
      offer_from (unigram, text, length, start, char_length, NO_CUT, nodes);
      start += char_length;
    }
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
