/* bert_unigram.c: the Unigram model's Viterbi search, as tokenizers' encode_optimized.
 *
 * Candidate pieces at a position are found by walking a trie of the pieces from there, a
 * character a step (bert_subword.h), as the reference walks its byte trie. Ties keep the
 * first path found, as the reference's strict comparison does.
 */
#include "bert_subword.h"
#include "bert_huge_pages.h"
#include "bert_normalized.h"
#include "bert_unicode.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define UNK_PENALTY 10.0

typedef struct {
  double score;  /* of the best path ending here */
  int32_t start; /* where its last piece starts; -1: no path yet */
  int32_t id;
} Node;

/* ---- character codes ---- */

/* A character's label where it has no code: its bytes are its labels. */
#define LABEL_BYTES UINT32_MAX
#define FIRST_CODE 256u
#define CODE_BLOCKS (0x110000u >> 8)

typedef struct {
  uint32_t cp;
  double weight;
} CodedChar;

static gint
compare_by_weight (gconstpointer a, gconstpointer b)
{
  const CodedChar *x = a, *y = b;
  if (x->weight != y->weight)
    return x->weight > y->weight ? -1 : 1;
  return (x->cp > y->cp) - (x->cp < y->cp);
}

/* The label of code point cp, a character of two bytes or more: its code, or LABEL_BYTES. */
static inline uint32_t
code_label (const BertPieceTrie *trie, uint32_t cp)
{
  uint32_t code = trie->codes[(uint32_t) trie->code_blocks[cp >> 8] << 8 | (cp & 0xFF)];
  return code != 0 ? code : LABEL_BYTES;
}

/* The label of the character of length bytes at s (valid UTF-8): its byte if ASCII, else
 * code_label's. */
static inline uint32_t
char_label (const BertPieceTrie *trie, const char *s, uint32_t length)
{
  if (length == 1)
    return (unsigned char) s[0];
  uint32_t n, cp = bert_utf8_get (s, &n);
  return n == length && cp < 0x110000 ? code_label (trie, cp) : LABEL_BYTES;
}

/* The character of a piece at s (at most avail bytes), valid UTF-8 or not: its length and
 * *cp; an invalid sequence is one byte (*cp U+FFFD), which is then its own label. */
static uint32_t
piece_char (const char *s, uint32_t avail, uint32_t *cp)
{
  int invalid = 0;
  uint32_t length = bert_utf8_decode ((const unsigned char *) s, avail, cp, &invalid);
  return invalid ? 1 : length;
}

/* Gives codes to the characters of two bytes or more in the pieces, those that weigh most
 * first (ties by code point), while codes stay below 1 << label_bits. */
static void
assign_codes (BertPieceTrie *trie, const BertUnigram *unigram, const BertVocab *vocab,
    uint32_t most_label_bits)
{
  uint32_t n_codes = (1u << most_label_bits) - FIRST_CODE;
  double top = -INFINITY;
  for (uint32_t id = 0; id < unigram->n_pieces; id++)
    top = MAX (top, unigram->scores[id]);
  GHashTable *index_of = g_hash_table_new (g_direct_hash, g_direct_equal);
  GArray *chars = g_array_new (FALSE, FALSE, sizeof (CodedChar));
  for (uint32_t id = 0; id < unigram->n_pieces && n_codes > 0; id++) {
    const char *text = bert_vocab_token (vocab, (int32_t) id);
    uint32_t length = text != NULL ? vocab->token_length[id] : 0;
    double weight = exp (unigram->scores[id] - top);
    if (!(weight > 0.0)) /* NaN or nothing */
      weight = 0.0;
    for (uint32_t at = 0; at < length;) {
      uint32_t cp, n = piece_char (text + at, length - at, &cp);
      if (n > 1) {
        gpointer found;
        if (g_hash_table_lookup_extended (index_of, GUINT_TO_POINTER (cp), NULL, &found)) {
          g_array_index (chars, CodedChar, GPOINTER_TO_UINT (found)).weight += weight;
        } else {
          g_hash_table_insert (index_of, GUINT_TO_POINTER (cp), GUINT_TO_POINTER (chars->len));
          CodedChar coded = { cp, weight };
          g_array_append_val (chars, coded);
        }
      }
      at += n;
    }
  }
  g_hash_table_destroy (index_of);
  g_array_sort (chars, compare_by_weight);
  /* as few label bits as the codes need: a node's children can lie as far apart as the
   * labels, and the array is kept 1 << label_bits past its highest base */
  n_codes = MIN (n_codes, chars->len);
  trie->label_bits = n_codes > 0 ? g_bit_storage (FIRST_CODE + n_codes - 1) : 8;

  /* tables of 256 codes, allocated per block of code points as it is first met */
  trie->code_blocks = g_new0 (uint16_t, CODE_BLOCKS);
  GArray *codes = g_array_new (FALSE, TRUE, sizeof (uint16_t));
  g_array_set_size (codes, 256); /* table 0: no codes */
  for (guint rank = 0; rank < n_codes; rank++) {
    uint32_t cp = g_array_index (chars, CodedChar, rank).cp;
    if (trie->code_blocks[cp >> 8] == 0) {
      trie->code_blocks[cp >> 8] = (uint16_t) (codes->len >> 8);
      g_array_set_size (codes, codes->len + 256);
    }
    g_array_index (codes, uint16_t, (uint32_t) trie->code_blocks[cp >> 8] << 8 | (cp & 0xFF)) =
        (uint16_t) (FIRST_CODE + rank);
  }
  trie->codes = (uint16_t *) g_array_free (codes, FALSE);
  g_array_free (chars, TRUE);
}

/* ---- building the trie ---- */

/* Each piece's labels: those of piece id are labels[starts[id], starts[id + 1]). */
typedef struct {
  uint32_t *starts;
  uint16_t *labels;
} PieceLabels;

static void
label_pieces (PieceLabels *out, const BertPieceTrie *trie, const BertVocab *vocab, uint32_t n_pieces)
{
  gsize total = 0;
  for (uint32_t id = 0; id < n_pieces; id++)
    total += bert_vocab_token (vocab, (int32_t) id) != NULL ? vocab->token_length[id] : 0;
  out->starts = g_new (uint32_t, n_pieces + 1);
  out->labels = g_new (uint16_t, MAX (total, 1));
  uint32_t n = 0;
  for (uint32_t id = 0; id < n_pieces; id++) {
    const char *text = bert_vocab_token (vocab, (int32_t) id);
    uint32_t length = text != NULL ? vocab->token_length[id] : 0;
    out->starts[id] = n;
    for (uint32_t at = 0; at < length;) {
      uint32_t cp, char_length = piece_char (text + at, length - at, &cp);
      uint32_t label = char_length == 1 ? (unsigned char) text[at] : code_label (trie, cp);
      if (label != LABEL_BYTES) {
        out->labels[n++] = (uint16_t) label;
      } else {
        for (uint32_t i = 0; i < char_length; i++)
          out->labels[n++] = (unsigned char) text[at + i];
      }
      at += char_length;
    }
  }
  out->starts[n_pieces] = n;
}

/* Piece ids sorted by their labels, for the trie built level by level. */
static int
compare_pieces (const void *a, const void *b, void *data)
{
  const PieceLabels *labels = data;
  int32_t x = *(const int32_t *) a, y = *(const int32_t *) b;
  const uint16_t *label_x = labels->labels + labels->starts[x], *label_y = labels->labels + labels->starts[y];
  uint32_t length_x = labels->starts[x + 1] - labels->starts[x],
           length_y = labels->starts[y + 1] - labels->starts[y];
  for (uint32_t i = 0; i < MIN (length_x, length_y); i++)
    if (label_x[i] != label_y[i])
      return label_x[i] < label_y[i] ? -1 : 1;
  /* a piece listed twice: the later id last, so that its node keeps it (bert_vocab_repoint) */
  return length_x != length_y ? (length_x > length_y) - (length_x < length_y) : (x > y) - (x < y);
}

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
 * among the last PLACE_WINDOW units, or the last n_labels where labels are wider (past
 * that, or after PLACE_TRIES tries, the end of the array), as Darts-clone keeps only its
 * last blocks open. The array runs n_labels past its highest base, so a window narrower
 * than that would leave the free tail unused and grow the array by nearly n_labels units
 * a node: 5 GB for 40,000 pieces over 20,000 characters of 15-bit labels. Nodes are placed
 * depth first, so the units of a piece's labels lie near one another (a walk touches few
 * cache lines and pages of a 250,000-piece trie) and loading stays linear. */
#define PLACE_TRIES 256
#define PLACE_WINDOW 8192

static uint32_t
place_children (GArray *units, const GArray *base_used, GArray *skip, const uint16_t *labels, uint32_t first,
    uint32_t last, uint32_t n_labels)
{
  uint32_t window_size = MAX (PLACE_WINDOW, n_labels);
  uint32_t window = units->len > window_size ? units->len - window_size : 0;
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
place_nodes (BertPieceTrie *trie, const uint16_t *labels, const uint32_t *parents, const int32_t *ids,
    uint32_t n_nodes)
{
  uint32_t *child_start = g_new0 (uint32_t, n_nodes + 1), *unit_of = g_new0 (uint32_t, n_nodes);
  uint32_t *stack = g_new (uint32_t, n_nodes), depth = 0, n_labels = 1u << trie->label_bits;
  GArray *units = g_array_new (FALSE, TRUE, sizeof (BertTrieUnit));
  GArray *base_used = g_array_new (FALSE, TRUE, sizeof (guint8));
  GArray *skip = g_array_new (FALSE, FALSE, sizeof (uint32_t));

  for (uint32_t node = 1; node < n_nodes; node++)
    child_start[parents[node] + 1]++;
  for (uint32_t node = 0; node < n_nodes; node++)
    child_start[node + 1] += child_start[node];
  grow_units (units, base_used, skip, n_labels);
  g_array_index (units, BertTrieUnit, 0).piece = n_labels; /* used, label 0 */
  stack[depth++] = 0;
  while (depth > 0) {
    uint32_t node = stack[--depth];
    /* children of node: [1 + child_start[node], 1 + child_start[node + 1]) */
    uint32_t first = 1 + child_start[node], last = 1 + child_start[node + 1];
    if (first == last)
      continue;
    uint32_t base = place_children (units, base_used, skip, labels, first, last, n_labels);
    grow_units (units, base_used, skip, base + n_labels);
    g_array_index (units, BertTrieUnit, unit_of[node]).base = base;
    g_array_index (base_used, guint8, base) = TRUE;
    for (uint32_t child = first; child < last; child++) {
      uint32_t unit = base + labels[child];
      g_array_index (units, BertTrieUnit, unit).piece =
          (uint32_t) (ids[child] + 1) << (trie->label_bits + 1) | n_labels | labels[child];
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

/* Level d of the trie is the distinct d-label prefixes of the sorted pieces, in order: so
 * each level lists the children of the previous one grouped by parent, parents in order. */
static void
build_trie (BertPieceTrie *trie, const BertUnigram *unigram, const BertVocab *vocab)
{
  uint32_t n_pieces = unigram->n_pieces;
  /* the ids (+ 1) take g_bit_storage (n_pieces) bits of a unit's 31 beside the used bit */
  assign_codes (trie, unigram, vocab, CLAMP (31 - g_bit_storage (n_pieces), 8, 16));
  PieceLabels piece_labels;
  label_pieces (&piece_labels, trie, vocab, n_pieces);

  GArray *sorted = g_array_new (FALSE, FALSE, sizeof (int32_t));
  for (uint32_t id = 0; id < n_pieces; id++)
    if (piece_labels.starts[id + 1] > piece_labels.starts[id])
      g_array_append_val (sorted, id);
  g_array_sort_with_data (sorted, compare_pieces, &piece_labels);
  int32_t *active = (int32_t *) sorted->data;
  guint n_active = sorted->len;
  uint32_t *node_of = g_new0 (uint32_t, MAX (n_active, 1)); /* per active piece: its node so far */
  GArray *labels = g_array_new (FALSE, FALSE, sizeof (uint16_t));
  GArray *parents = g_array_new (FALSE, FALSE, sizeof (uint32_t));
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (int32_t));
  uint16_t root_label = 0;
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
      uint16_t label = piece_labels.labels[piece_labels.starts[id] + depth - 1];
      uint32_t parent = node_of[i];
      if (last_node == 0 || last_parent != parent || g_array_index (labels, uint16_t, last_node) != label) {
        last_node = labels->len;
        last_parent = parent;
        g_array_append_val (labels, label);
        g_array_append_val (parents, parent);
        g_array_append_val (ids, none);
      }
      uint32_t node = last_node;
      if (piece_labels.starts[id + 1] - piece_labels.starts[id] == depth) {
        g_array_index (ids, int32_t, node) = id;
        continue;
      }
      active[kept] = id;
      node_of[kept++] = node;
    }
    n_active = kept;
  }
  g_free (piece_labels.starts);
  g_free (piece_labels.labels);
  g_array_free (sorted, TRUE);
  g_free (node_of);
  place_nodes (trie, (const uint16_t *) labels->data, (const uint32_t *) parents->data,
      (const int32_t *) ids->data, labels->len);
  g_array_free (labels, TRUE);
  g_array_free (parents, TRUE);
  g_array_free (ids, TRUE);
}

/* ---- the search ---- */

/* A trie's units and the bits of their labels, held in locals by the walk (the nodes' stores
 * could otherwise make the compiler reload them). */
typedef struct {
  const BertTrieUnit *units;
  uint32_t label_bits, used;
} Walker;

static inline uint32_t
walker_child (Walker walker, uint32_t unit, uint32_t label)
{
  uint32_t child = walker.units[unit].base + label;
  return (walker.units[child].piece & ((walker.used << 1) - 1)) == (walker.used | label) ? child : 0;
}

/* The piece ending at a unit, or -1. */
static inline int32_t
walker_piece (Walker walker, uint32_t unit)
{
  return (int32_t) (walker.units[unit].piece >> (walker.label_bits + 1)) - 1;
}

static void mark_whole_pieces (BertUnigram *unigram, const BertVocab *vocab);

void
bert_unigram_finish (BertUnigram *unigram, const BertVocab *vocab)
{
  double lowest = INFINITY;

  build_trie (&unigram->trie, unigram, vocab);
  for (uint32_t id = 0; id < unigram->n_pieces; id++)
    lowest = MIN (lowest, unigram->scores[id]);
  unigram->unk_score = lowest - UNK_PENALTY;
  for (int byte = 0; byte < 256; byte++) {
    char name[8];
    g_snprintf (name, sizeof name, "<0x%02X>", byte);
    int32_t id = bert_vocab_lookup (vocab, name, strlen (name));
    unigram->byte_ids[byte] = id >= 0 && (uint32_t) id < unigram->n_pieces ? id : -1;
  }
  mark_whole_pieces (unigram, vocab);
}

void
bert_unigram_clear (BertUnigram *unigram)
{
  g_free (unigram->scores);
  g_free (unigram->whole);
  free (unigram->trie.units);
  g_free (unigram->trie.code_blocks);
  g_free (unigram->trie.codes);
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

/* A character of the text being searched: where it starts, and its label. */
typedef struct {
  uint32_t start, label;
} Char;

/* The node after character c (LABEL_BYTES: its bytes, up to the next character's start). */
static inline uint32_t
walker_step (Walker walker, uint32_t unit, const char *text, const Char *c)
{
  if (G_LIKELY (c->label != LABEL_BYTES))
    return walker_child (walker, unit, c->label);
  /* unit 0 is the root before the first byte, then "none" */
  for (uint32_t at = c->start; at < c[1].start; at++)
    if ((unit = walker_child (walker, unit, (unsigned char) text[at])) == 0)
      break;
  return unit;
}

/* Every piece starting at character first, offered to the node of the character after it
 * (nodes are numbered by characters); TRUE when one of them is that character alone. */
static gboolean
offer_pieces (const BertUnigram *unigram, const char *text, const Char *chars, uint32_t n_chars,
    uint32_t first, Node *nodes)
{
  const BertPieceTrie *trie = &unigram->trie;
  Walker walker = { trie->units, trie->label_bits, 1u << trie->label_bits };
  const double *scores = unigram->scores;
  double base = nodes[first].score;
  uint32_t node = walker_step (walker, 0, text, &chars[first]);
  if (node == 0)
    return FALSE;
  int32_t id = walker_piece (walker, node);
  gboolean single = id >= 0;
  if (single)
    offer (&nodes[first + 1], base + scores[id], (int32_t) first, id);
  for (uint32_t k = first + 1; k < n_chars; k++) {
    node = walker_step (walker, node, text, &chars[k]);
    if (node == 0)
      break;
    id = walker_piece (walker, node);
    if (id >= 0)
      offer (&nodes[k + 1], base + scores[id], (int32_t) first, id);
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

/* The search's arrays, per character of the text and one past the last. */
typedef struct {
  Node *nodes;
  uint32_t *path; /* the ends of the best path's pieces */
  Char *chars;
  uint32_t n_chars;
} Lattice;

static inline gboolean
is_whole (const BertUnigram *unigram, int32_t id)
{
  return unigram->whole != NULL && id != unigram->unk_id
      && (unigram->whole[(uint32_t) id / 64] >> ((uint32_t) id % 64) & 1);
}

/* Viterbi over text[0, length) (not empty) in scratch: each node then holds the best path's
 * last piece up to its character. A text that is a whole piece (see mark_whole_pieces) stops
 * after the first walk, which has offered it to the last node: the full search would keep
 * it there. */
static Lattice
search (const BertUnigram *unigram, const char *text, uint32_t length, GArray *scratch)
{
  gsize needed = (length + 1) * (sizeof (Node) + sizeof (uint32_t) + sizeof (Char));
  if (scratch->len < needed)
    g_array_set_size (scratch, needed);
  Lattice lattice = { .nodes = (Node *) scratch->data };
  Node *nodes = lattice.nodes;
  lattice.path = (uint32_t *) (nodes + length + 1);
  Char *chars = lattice.chars = (Char *) (lattice.path + length + 1);

  uint32_t n_chars = 0;
  for (uint32_t at = 0; at < length; n_chars++) {
    uint32_t char_length = MIN (bert_utf8_length ((unsigned char) text[at]), length - at);
    chars[n_chars] = (Char){ at, char_label (&unigram->trie, text + at, char_length) };
    at += char_length;
  }
  chars[n_chars] = (Char){ length, 0 };
  lattice.n_chars = n_chars;
  for (uint32_t k = 0; k <= n_chars; k++)
    nodes[k] = (Node){ 0.0, -1, 0 };
  for (uint32_t k = 0; k < n_chars; k++) {
    if (!offer_pieces (unigram, text, chars, n_chars, k, nodes))
      offer (&nodes[k + 1], nodes[k].score + unigram->unk_score, (int32_t) k, unigram->unk_id);
    if (k == 0 && nodes[n_chars].start == 0 && is_whole (unigram, nodes[n_chars].id))
      break;
  }
  return lattice;
}

/* Marks the pieces whose own text the search finds as that piece alone. Searched before
 * any is marked, so each is the full search's result. The searches may take at most
 * MARK_STEPS_PER_PIECE steps a piece on average (XLM-R's 250,002 pieces need at most 5.5 M,
 * 22 a piece): a piece past what is left stays unmarked and is searched in full, so that a
 * file of many long pieces cannot make loading quadratic in their length. */
#define MARK_STEPS_PER_PIECE 32
#define MARK_STEPS_MORE 65536

static void
mark_whole_pieces (BertUnigram *unigram, const BertVocab *vocab)
{
  uint64_t *whole = g_new0 (uint64_t, unigram->n_pieces / 64 + 1);
  uint64_t budget = (uint64_t) MARK_STEPS_PER_PIECE * unigram->n_pieces + MARK_STEPS_MORE;
  GArray *scratch = g_array_new (FALSE, FALSE, 1);

  g_free (unigram->whole);
  unigram->whole = NULL;
  for (uint32_t id = 0; id < unigram->n_pieces; id++) {
    const char *text = bert_vocab_token (vocab, (int32_t) id);
    uint32_t length = text != NULL ? vocab->token_length[id] : 0;
    /* the search takes valid UTF-8 (pieces that g_utf8_validate refuses, those holding a
     * NUL among them, stay unmarked and are searched in full) */
    if (length == 0 || (int32_t) id == unigram->unk_id || !g_utf8_validate (text, length, NULL))
      continue;
    /* at most a walk from each character to the end */
    uint64_t n_chars = (uint64_t) g_utf8_strlen (text, length), steps = n_chars * (n_chars + 1) / 2;
    if (steps > budget)
      continue;
    budget -= steps;
    Lattice lattice = search (unigram, text, length, scratch);
    const Node *last = &lattice.nodes[lattice.n_chars];
    if (last->start == 0 && last->id == (int32_t) id)
      whole[id / 64] |= 1ull << (id % 64);
  }
  g_array_free (scratch, TRUE);
  unigram->whole = whole;
}

void
bert_unigram_encode (const BertUnigram *unigram, const BertVocab *vocab, const char *text, uint32_t length,
    GArray *pieces, GArray *scratch)
{
  if (length == 0)
    return;
  Lattice lattice = search (unigram, text, length, scratch);
  const Node *nodes = lattice.nodes;
  uint32_t *path = lattice.path, n_chars = lattice.n_chars;
  const Char *chars = lattice.chars;

  /* The best path, back from the end, then its pieces in order: runs of unknown pieces
   * are fused. */
  uint32_t n_path = 0;
  for (uint32_t end = n_chars; end > 0; end = (uint32_t) nodes[end].start)
    path[n_path++] = end;
  guint first = pieces->len;
  bert_array_resize (pieces, first + length); /* room for the most pieces: one per byte */
  BertPiece *all = &g_array_index (pieces, BertPiece, first), *out = all;
  for (uint32_t k = n_path, start = 0; k > 0;) {
    uint32_t end = path[--k];
    int32_t id = nodes[end].id;
    if (id != unigram->unk_id) {
      push_piece (&out, id, chars[start].start, chars[end].start);
    } else {
      while (k > 0 && nodes[path[k - 1]].id == unigram->unk_id)
        end = path[--k];
      push_unknown (unigram, vocab, text, chars[start].start, chars[end].start, &out);
    }
    start = end;
  }
  bert_array_resize (pieces, first + (guint) (out - all));
}
