/* bert_precompiled.c: sentencepiece's charsmap, read as the spm_precompiled crate reads it. */
#include "bert_precompiled.h"
#include "bert_tokenizer.h"
#include "bert_unicode_classes.h"

#include <string.h>

struct _BertPrecompiled {
  uint32_t *units; /* the double array */
  uint32_t n_units;
  char *strings; /* normalised strings, each NUL-terminated */
  uint32_t strings_length;
  /* One bit per code point of the BMP: set when the character alone is in no key's
   * prefix, so that a cluster of just that character stays as it is without a walk. */
  uint64_t kept_alone[0x10000 / 64];
  /* The same for the characters of the BMP that are also plain for grapheme breaking
   * (Other, not Extended_Pictographic, no Indic conjunct class): a grapheme ends before
   * them unless a Prepend precedes, and one of them alone stays. */
  uint64_t plain_kept[0x10000 / 64];
  /* The plain characters of the BMP that alone become one character of their own byte
   * length (case folding, mostly): rewritten in place, each byte keeping its span. */
  uint64_t plain_patched[0x10000 / 64];
  /* Per ASCII byte: kept alone, and not CR (which CR LF, one cluster, may rewrite). */
  gboolean ascii_kept[128];
  /* Per ASCII byte: what it is as a grapheme of its own (a CharKind), and its patch. */
  uint8_t ascii_kind[128];
  char ascii_patch[128];
};

/* What a character is for the scan, before the grapheme it starts is known. */
typedef enum {
  CHAR_OTHER,   /* grapheme rules and the charsmap asked */
  CHAR_KEPT,    /* plain; alone, stays */
  CHAR_PATCHED, /* plain; alone, becomes one character of its byte length */
} CharKind;

/* One new character of the transform, with the reference's change count; or, where cp is
 * KEEP_BYTES, change bytes of the text kept as they are. */
typedef struct {
  uint32_t cp;
  int change;
} Change;

#define KEEP_BYTES UINT32_MAX

static void fill_tables (BertPrecompiled *precompiled);
static gboolean same_shape (const char *old, uint32_t old_length, const char *norm);

/* Graphemes of at least this many bytes are looked up character by character. */
#define WHOLE_GRAPHEME_LIMIT 6

BertPrecompiled *
bert_precompiled_new (const char *base64, const char *file, const char *field, GError **error)
{
  gsize length = 0;
  guchar *blob = g_base64_decode (base64, &length);
  BertPrecompiled *precompiled = g_new0 (BertPrecompiled, 1);

  if (length == 0) {
    g_free (blob);
    return precompiled;
  }
  uint32_t trie_size = length >= 4 ? blob[0] | blob[1] << 8 | blob[2] << 16 | (uint32_t) blob[3] << 24 : 0;
  if (length < 4 || trie_size % 4 != 0 || trie_size == 0 || trie_size > length - 4) {
    g_set_error (error, BERT_TOKENIZER_ERROR, BERT_TOKENIZER_ERROR_FORMAT,
        "%s: field '%s' is not a sentencepiece charsmap (its trie size %u does not fit its %" G_GSIZE_FORMAT
        " bytes)",
        file, field, trie_size, length);
    g_free (blob);
    g_free (precompiled);
    return NULL;
  }
  precompiled->n_units = trie_size / 4;
  precompiled->units = g_new (uint32_t, precompiled->n_units);
  for (uint32_t i = 0; i < precompiled->n_units; i++) {
    const guchar *b = blob + 4 + 4 * (gsize) i;
    precompiled->units[i] = b[0] | b[1] << 8 | b[2] << 16 | (uint32_t) b[3] << 24;
  }
  precompiled->strings_length = length - 4 - trie_size;
  /* one NUL more, so that every string ends inside the buffer */
  precompiled->strings = g_malloc (precompiled->strings_length + 1);
  memcpy (precompiled->strings, blob + 4 + trie_size, precompiled->strings_length);
  precompiled->strings[precompiled->strings_length] = '\0';
  g_free (blob);
  fill_tables (precompiled);
  return precompiled;
}

void
bert_precompiled_free (BertPrecompiled *precompiled)
{
  if (precompiled == NULL)
    return;
  g_free (precompiled->units);
  g_free (precompiled->strings);
  g_free (precompiled);
}

/* ---- the double array (Darts-clone units) ---- */

static inline uint32_t
unit_offset (uint32_t unit)
{
  return (unit >> 10) << ((unit & (1u << 9)) >> 6);
}

/* The normalised string of the shortest prefix of key[0, length) in the trie, or NULL. */
static const char *
shortest_match (const BertPrecompiled *precompiled, const char *key, uint32_t length)
{
  const uint32_t *units = precompiled->units;
  uint32_t node = 0;

  if (precompiled->n_units == 0)
    return NULL;
  node ^= unit_offset (units[0]);
  for (uint32_t i = 0; i < length; i++) {
    unsigned char c = (unsigned char) key[i];
    if (c == 0)
      return NULL;
    node ^= c;
    if (node >= precompiled->n_units)
      return NULL;
    uint32_t unit = units[node];
    if ((unit & ((1u << 31) | 0xFF)) != c)
      return NULL;
    node ^= unit_offset (unit);
    if (node >= precompiled->n_units)
      return NULL;
    if ((unit >> 8) & 1) {
      uint32_t value = units[node] & ((1u << 31) - 1);
      return value < precompiled->strings_length ? precompiled->strings + value : NULL;
    }
  }
  return NULL;
}

typedef struct {
  const BertPrecompiled *precompiled;
  BertPrecompiledVisit visit;
  gpointer data;
  char key[WHOLE_GRAPHEME_LIMIT - 1];
  guint budget; /* nodes left to visit */
} KeyWalk;

/* The keys below the node whose children are at base ^ byte, key[0, depth) leading there;
 * a key's extensions are never matched (the shortest prefix wins), so not walked. */
static gboolean
walk_keys (KeyWalk *walk, uint32_t base, guint depth)
{
  const BertPrecompiled *precompiled = walk->precompiled;
  for (uint32_t c = 1; c < 256; c++) {
    uint32_t node = base ^ c;
    if (node >= precompiled->n_units || (precompiled->units[node] & ((1u << 31) | 0xFF)) != c)
      continue;
    if (walk->budget-- == 0)
      return FALSE;
    uint32_t unit = precompiled->units[node], child = node ^ unit_offset (unit);
    if (child >= precompiled->n_units)
      continue;
    walk->key[depth] = (char) c;
    if ((unit >> 8) & 1) {
      uint32_t value = precompiled->units[child] & ((1u << 31) - 1);
      if (value < precompiled->strings_length)
        walk->visit (walk->key, depth + 1, precompiled->strings + value, walk->data);
    } else if (depth + 1 < sizeof walk->key && !walk_keys (walk, child, depth + 1)) {
      return FALSE;
    }
  }
  return TRUE;
}

gboolean
bert_precompiled_foreach_key (const BertPrecompiled *precompiled, BertPrecompiledVisit visit, gpointer data)
{
  KeyWalk walk = { precompiled, visit, data, { 0 }, precompiled->n_units };
  return precompiled->n_units == 0 || walk_keys (&walk, unit_offset (precompiled->units[0]), 0);
}

static inline gboolean
kept_alone (const BertPrecompiled *precompiled, uint32_t cp)
{
  return cp < 0x10000 && (precompiled->kept_alone[cp / 64] >> (cp % 64)) & 1;
}

static inline gboolean
plain_kept (const BertPrecompiled *precompiled, uint32_t cp)
{
  return cp < 0x10000 && (precompiled->plain_kept[cp / 64] >> (cp % 64)) & 1;
}

static inline gboolean
plain_patched (const BertPrecompiled *precompiled, uint32_t cp)
{
  return cp < 0x10000 && (precompiled->plain_patched[cp / 64] >> (cp % 64)) & 1;
}

static void
fill_tables (BertPrecompiled *precompiled)
{
  for (uint32_t cp = 0; cp < 0x10000; cp++) {
    char utf8[4];
    uint32_t n = bert_utf8_put (cp, utf8);
    if ((cp < 0xD800 || cp > 0xDFFF) && shortest_match (precompiled, utf8, n) == NULL)
      precompiled->kept_alone[cp / 64] |= 1ull << (cp % 64);
  }
  for (uint32_t cp = 0; cp < 0x10000; cp++) {
    uint16_t classes = bert_unicode_class (cp);
    gboolean plain = (classes & BERT_CLASS_GCB_MASK) == BERT_GCB_OTHER && !(classes & BERT_CLASS_EXT_PICT)
        && ((classes >> BERT_CLASS_INCB_SHIFT) & 3) == BERT_INCB_NONE;
    if (plain && kept_alone (precompiled, cp))
      precompiled->plain_kept[cp / 64] |= 1ull << (cp % 64);
    char utf8[4];
    uint32_t n = bert_utf8_put (cp, utf8);
    const char *norm = plain && !kept_alone (precompiled, cp) ? shortest_match (precompiled, utf8, n) : NULL;
    if (norm != NULL && same_shape (utf8, n, norm))
      precompiled->plain_patched[cp / 64] |= 1ull << (cp % 64);
  }
  for (uint32_t cp = 0; cp < 128; cp++) {
    precompiled->ascii_kept[cp] = cp != '\r' && kept_alone (precompiled, cp);
    precompiled->ascii_kind[cp] = plain_kept (precompiled, cp) ? CHAR_KEPT
        : plain_patched (precompiled, cp)                      ? CHAR_PATCHED
                                                               : CHAR_OTHER;
    char byte = (char) cp;
    const char *norm = shortest_match (precompiled, &byte, 1);
    precompiled->ascii_patch[cp] = precompiled->ascii_kind[cp] == CHAR_PATCHED ? norm[0] : byte;
  }
}

/* ---- extended grapheme clusters (UAX #29, as unicode-segmentation applies it) ---- */

/* GB9c: where the characters just before stand in InCB=Consonant [Extend Linker]* Linker
 * [Extend Linker]*, after which another consonant does not break. */
typedef enum {
  CONJUNCT_NONE,
  CONJUNCT_CONSONANT, /* a consonant, then only InCB=Extend */
  CONJUNCT_LINKED     /* a consonant, then at least one linker */
} ConjunctState;

typedef struct {
  BertGraphemeBreak previous;
  gboolean pictographic_run; /* ExtPict Extend* so far */
  gboolean pictographic_zwj; /* ... followed by ZWJ just before */
  guint regional_count;      /* Regional_Indicators just before, in a row */
  ConjunctState conjunct;
} GraphemeState;

static gboolean
breaks_before (GraphemeState *state, uint32_t cp)
{
  uint16_t classes = bert_unicode_class (cp);
  BertGraphemeBreak previous = state->previous, current = classes & BERT_CLASS_GCB_MASK;
  BertIndicConjunctBreak conjunct = (classes >> BERT_CLASS_INCB_SHIFT) & 3;
  gboolean pictographic = (classes & BERT_CLASS_EXT_PICT) != 0;
  gboolean result;

  if (previous == BERT_GCB_CR && current == BERT_GCB_LF)
    result = FALSE;
  else if (previous == BERT_GCB_CONTROL || previous == BERT_GCB_CR || previous == BERT_GCB_LF
      || current == BERT_GCB_CONTROL || current == BERT_GCB_CR || current == BERT_GCB_LF)
    result = TRUE;
  else if (previous == BERT_GCB_L
      && (current == BERT_GCB_L || current == BERT_GCB_V || current == BERT_GCB_LV
          || current == BERT_GCB_LVT))
    result = FALSE;
  else if ((previous == BERT_GCB_LV || previous == BERT_GCB_V)
      && (current == BERT_GCB_V || current == BERT_GCB_T))
    result = FALSE;
  else if ((previous == BERT_GCB_LVT || previous == BERT_GCB_T) && current == BERT_GCB_T)
    result = FALSE;
  else if (current == BERT_GCB_EXTEND || current == BERT_GCB_ZWJ || current == BERT_GCB_SPACING_MARK
      || previous == BERT_GCB_PREPEND)
    result = FALSE;
  else if (conjunct == BERT_INCB_CONSONANT && state->conjunct == CONJUNCT_LINKED)
    result = FALSE;
  else if (state->pictographic_zwj && pictographic)
    result = FALSE;
  else if (current == BERT_GCB_REGIONAL_INDICATOR && state->regional_count % 2 == 1)
    result = FALSE;
  else
    result = TRUE;

  state->pictographic_zwj = state->pictographic_run && current == BERT_GCB_ZWJ;
  state->pictographic_run = pictographic || (state->pictographic_run && current == BERT_GCB_EXTEND);
  state->regional_count = current == BERT_GCB_REGIONAL_INDICATOR ? state->regional_count + 1 : 0;
  state->previous = current;
  if (conjunct == BERT_INCB_CONSONANT)
    state->conjunct = CONJUNCT_CONSONANT;
  else if (conjunct == BERT_INCB_LINKER)
    state->conjunct = state->conjunct == CONJUNCT_NONE ? CONJUNCT_NONE : CONJUNCT_LINKED;
  else if (conjunct != BERT_INCB_EXTEND)
    state->conjunct = CONJUNCT_NONE;
  return result;
}

/* ---- the normaliser ---- */

/* Hugging Face's replace(): the new characters replace the old ones in order; extra ones
 * are insertions, and fewer make the last new one (or the previous grapheme's last)
 * remove the rest. */
static void
push_replacement (GArray *changes, const char *old_part, uint32_t old_length, const char *norm)
{
  long old_count = g_utf8_strlen (old_part, old_length);
  long new_count = 0;

  for (const char *c = norm; *c;) {
    uint32_t n;
    Change change = { bert_utf8_get (c, &n), 0 };
    g_array_append_val (changes, change);
    c += n;
    new_count++;
  }
  long diff = new_count - old_count;
  if (diff > 0) {
    for (long i = 0; i < diff; i++)
      g_array_index (changes, Change, changes->len - 1 - i).change = 1;
  } else if (diff < 0 && changes->len > 0) {
    g_array_index (changes, Change, changes->len - 1).change += (int) diff;
  }
}

/* The part of a grapheme at at that the reference looks up, *n bytes, and its replacement
 * (NULL where it stays): the whole grapheme where it is under WHOLE_GRAPHEME_LIMIT bytes
 * and in the charsmap, else the character at at. */
static inline const char *
grapheme_part (const BertPrecompiled *precompiled, const char *grapheme, uint32_t length, uint32_t at,
    uint32_t *n)
{
  const char *norm;

  if (at == 0 && length < WHOLE_GRAPHEME_LIMIT && (norm = shortest_match (precompiled, grapheme, length))) {
    *n = length;
    return norm;
  }
  *n = bert_utf8_length ((unsigned char) grapheme[at]);
  return shortest_match (precompiled, grapheme + at, *n);
}

static void
normalize_grapheme (const BertPrecompiled *precompiled, const char *grapheme, uint32_t length,
    GArray *changes)
{
  uint32_t n;
  uint32_t cp = bert_utf8_get (grapheme, &n);

  if (n == length && kept_alone (precompiled, cp)) {
    Change change = { cp, 0 };
    g_array_append_val (changes, change);
    return;
  }
  for (uint32_t at = 0; at < length; at += n) {
    const char *norm = grapheme_part (precompiled, grapheme, length, at, &n);
    if (norm != NULL) {
      push_replacement (changes, grapheme + at, n, norm);
    } else {
      Change change = { bert_utf8_get (grapheme + at, &n), 0 };
      g_array_append_val (changes, change);
    }
  }
}

/* Whether normalize_grapheme would rewrite the grapheme, without listing its characters. */
static gboolean
grapheme_changes (const BertPrecompiled *precompiled, const char *grapheme, uint32_t length)
{
  uint32_t n;
  uint32_t cp = bert_utf8_get (grapheme, &n);

  if (n == length && kept_alone (precompiled, cp))
    return FALSE;
  for (uint32_t at = 0; at < length; at += n)
    if (grapheme_part (precompiled, grapheme, length, at, &n) != NULL)
      return TRUE;
  return FALSE;
}

/* The start of the character that ends before at (at > 0). */
static uint32_t
previous_char (const char *text, uint32_t at)
{
  do
    at--;
  while (at > 0 && ((unsigned char) text[at] & 0xC0) == 0x80);
  return at;
}

/* Lists the unchanged graphemes text[from, to): their bytes kept as they are while the
 * transform's cursor follows the text, each character otherwise; the last character
 * always alone, as a grapheme replaced by nothing after it changes that one. */
static void
list_unchanged (GArray *changes, const char *text, uint32_t from, uint32_t to, gboolean keeping)
{
  uint32_t n;
  if (from == to)
    return;
  uint32_t last = previous_char (text, to);
  if (keeping && last > from) {
    Change keep = { KEEP_BYTES, (int) (last - from) };
    g_array_append_val (changes, keep);
  }
  for (uint32_t at = keeping ? last : from; at < to; at += n) {
    Change change = { bert_utf8_get (text + at, &n), 0 };
    g_array_append_val (changes, change);
  }
}

/* ---- the scan ---- */

/* Walks the text grapheme by grapheme; a character is read one step ahead, as where a
 * grapheme ends is only known at the next one's first character. */
typedef struct {
  const BertPrecompiled *precompiled;
  const char *text;
  uint32_t length;
  GraphemeState state;
  uint32_t at;         /* the next grapheme's first character, already read */
  uint32_t next_bytes; /* its length */
  CharKind next_kind;
} GraphemeWalk;

/* Reads the character at at into the walk's state: its kind, and whether a grapheme
 * breaks before it. */
static inline gboolean
read_char (GraphemeWalk *walk, uint32_t at, uint32_t *n, CharKind *kind)
{
  static const GraphemeState after_plain = { BERT_GCB_OTHER, FALSE, FALSE, 0, CONJUNCT_NONE };
  const BertPrecompiled *precompiled = walk->precompiled;
  unsigned char first = (unsigned char) walk->text[at];
  uint32_t cp;

  if (first < 0x80) {
    cp = first;
    *n = 1;
    *kind = (CharKind) precompiled->ascii_kind[first];
  } else {
    cp = bert_utf8_get (walk->text + at, n);
    *kind = plain_kept (precompiled, cp)  ? CHAR_KEPT
        : plain_patched (precompiled, cp) ? CHAR_PATCHED
                                          : CHAR_OTHER;
  }
  /* a plain character breaks before unless after a Prepend, and leaves the same state */
  if (*kind != CHAR_OTHER && walk->state.previous != BERT_GCB_PREPEND) {
    walk->state = after_plain;
    return TRUE;
  }
  *kind = CHAR_OTHER;
  return breaks_before (&walk->state, cp);
}

/* Starts at from, a grapheme boundary after which the rules look back at nothing before
 * (the text's start, or an ASCII character after one that is not CR). */
static void
walk_init (GraphemeWalk *walk, const BertPrecompiled *precompiled, const BertNormalized *normalized,
    uint32_t from)
{
  walk->precompiled = precompiled;
  walk->text = normalized->text;
  walk->length = normalized->length;
  walk->state = (GraphemeState){ BERT_GCB_CONTROL, FALSE, FALSE, 0, CONJUNCT_NONE };
  walk->at = from;
  if (from < walk->length)
    read_char (walk, from, &walk->next_bytes, &walk->next_kind);
}

/* From a kept character at at: a kept character followed by another is a grapheme that
 * stays (and the state after it is the same), so the run is passed over to its last. */
static inline uint32_t
skip_kept (GraphemeWalk *walk, uint32_t at)
{
  const BertPrecompiled *precompiled = walk->precompiled;
  const unsigned char *text = (const unsigned char *) walk->text;
  uint32_t n = walk->next_bytes, next_n;

  for (uint32_t next = at + n; next < walk->length; next = at + n) {
    if (text[next] < 0x80) {
      if (precompiled->ascii_kind[text[next]] != CHAR_KEPT)
        break;
      next_n = 1;
    } else if (!plain_kept (precompiled, bert_utf8_get (walk->text + next, &next_n))) {
      break;
    }
    at = next;
    n = next_n;
  }
  walk->next_bytes = n;
  return at;
}

/* The next grapheme [*start, *end); *kind is its single character's, or CHAR_OTHER for
 * several. FALSE at the end. */
static inline gboolean
next_grapheme (GraphemeWalk *walk, uint32_t *start, uint32_t *end, CharKind *kind)
{
  uint32_t at = walk->at, n;
  CharKind next_kind;

  if (at >= walk->length)
    return FALSE;
  if (walk->next_kind == CHAR_KEPT)
    at = skip_kept (walk, at);
  *start = at;
  *kind = walk->next_kind;
  at += walk->next_bytes;
  while (at < walk->length && !read_char (walk, at, &n, &next_kind)) {
    *kind = CHAR_OTHER;
    at += n;
  }
  if (at < walk->length) {
    walk->next_bytes = n;
    walk->next_kind = next_kind;
  }
  walk->at = *end = at;
  return TRUE;
}

/* The leading ASCII characters kept alone are so many graphemes that stay; the walk starts
 * at the last of them, which may start a grapheme with what follows. */
static uint32_t
walk_start (const BertPrecompiled *precompiled, const BertNormalized *normalized)
{
  const unsigned char *text = (const unsigned char *) normalized->text;
  uint32_t kept = 0;
  while (kept < normalized->length && text[kept] < 0x80 && precompiled->ascii_kept[text[kept]])
    kept++;
  return kept == normalized->length ? kept : kept > 0 ? kept - 1 : 0;
}

/* Whether norm has as many characters as old, each as long in UTF-8 as the one it
 * replaces: then the reference's rewrite gives each new character the old one's span. */
static gboolean
same_shape (const char *old, uint32_t old_length, const char *norm)
{
  uint32_t at = 0;
  while (at < old_length) {
    uint32_t n = bert_utf8_length ((unsigned char) old[at]);
    if (bert_utf8_length ((unsigned char) norm[at]) != n)
      return FALSE;
    for (uint32_t i = 0; i < n; i++)
      if (norm[at + i] == '\0')
        return FALSE;
    at += n;
  }
  return norm[at] == '\0';
}

/* Writes the changed grapheme's replacement over its copy at out, if it has the same
 * shape (per character looked up, for graphemes looked up so); FALSE otherwise. */
static gboolean
patch_grapheme (const BertPrecompiled *precompiled, const char *grapheme, uint32_t length, char *out)
{
  for (uint32_t at = 0, n; at < length; at += n) {
    const char *norm = grapheme_part (precompiled, grapheme, length, at, &n);
    if (norm != NULL) {
      if (!same_shape (grapheme + at, n, norm))
        return FALSE;
      memcpy (out + at, norm, n);
    }
  }
  return TRUE;
}

/* Most rewrites keep every character's length (case folding): the changed graphemes are
 * patched over a copy, and the spans stay implicit. FALSE where one does not (nothing
 * kept then). */
static gboolean
normalize_in_place (const BertPrecompiled *precompiled, BertNormalized *normalized, uint32_t from)
{
  GraphemeWalk walk;
  uint32_t start, end;
  CharKind kind;
  char *out = NULL;

  walk_init (&walk, precompiled, normalized, from);
  while (next_grapheme (&walk, &start, &end, &kind)) {
    if (kind == CHAR_KEPT)
      continue;
    if (kind == CHAR_OTHER && !grapheme_changes (precompiled, normalized->text + start, end - start))
      continue;
    if (out == NULL)
      out = bert_normalized_patch_begin (normalized);
    unsigned char first = (unsigned char) normalized->text[start];
    if (kind == CHAR_PATCHED && first < 0x80)
      out[start] = precompiled->ascii_patch[first];
    else if (!patch_grapheme (precompiled, normalized->text + start, end - start, out + start))
      return FALSE;
  }
  if (out != NULL)
    bert_normalized_patch_end (normalized);
  return TRUE;
}

/* The general rewrite: the graphemes are only tested until one changes, then the changes
 * listed from there, the unchanged graphemes around copied whole. */
static void
normalize_listed (const BertPrecompiled *precompiled, BertNormalized *normalized, uint32_t from,
    GArray *scratch)
{
  const char *text = normalized->text;
  GraphemeWalk walk;
  uint32_t start, end, unlisted = 0;
  CharKind kind;
  gboolean keeping = TRUE; /* the transform's cursor follows the text */

  g_array_set_size (scratch, 0);
  walk_init (&walk, precompiled, normalized, from);
  while (next_grapheme (&walk, &start, &end, &kind)) {
    if (kind == CHAR_KEPT
        || (kind == CHAR_OTHER && !grapheme_changes (precompiled, text + start, end - start)))
      continue;
    list_unchanged (scratch, text, unlisted, start, keeping);
    normalize_grapheme (precompiled, text + start, end - start, scratch);
    /* replaced by nothing with nothing listed before: the reference's cursor stays behind */
    keeping &= scratch->len > 0;
    unlisted = end;
  }
  list_unchanged (scratch, text, unlisted, normalized->length, keeping);
  bert_normalized_begin (normalized, 0);
  for (guint i = 0; i < scratch->len; i++) {
    const Change *change = &g_array_index (scratch, Change, i);
    if (change->cp == KEEP_BYTES)
      bert_normalized_keep (normalized, (uint32_t) change->change);
    else
      bert_normalized_add (normalized, change->cp, change->change);
  }
  bert_normalized_end (normalized);
}

void
bert_precompiled_normalize (const BertPrecompiled *precompiled, BertNormalized *normalized, GArray *scratch)
{
  if (precompiled->n_units == 0 || normalized->length == 0)
    return;
  uint32_t from = walk_start (precompiled, normalized);
  if (from == normalized->length)
    return;
  if (!normalize_in_place (precompiled, normalized, from))
    normalize_listed (precompiled, normalized, from, scratch);
}
