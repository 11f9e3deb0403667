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
  /* Per ASCII byte: kept alone, and not CR (which CR LF, one cluster, may rewrite). */
  gboolean ascii_kept[128];
};

/* One new character of the transform, with the reference's change count; or, where cp is
 * KEEP_BYTES, change bytes of the text kept as they are. */
typedef struct {
  uint32_t cp;
  int change;
} Change;

#define KEEP_BYTES UINT32_MAX

static void fill_kept_alone (BertPrecompiled *precompiled);
static inline gboolean kept_alone (const BertPrecompiled *precompiled, uint32_t cp);

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
  fill_kept_alone (precompiled);
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

static void
fill_kept_alone (BertPrecompiled *precompiled)
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
  }
  for (uint32_t cp = 0; cp < 128; cp++)
    precompiled->ascii_kept[cp] = cp != '\r' && kept_alone (precompiled, cp);
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

static void
normalize_grapheme (const BertPrecompiled *precompiled, const char *grapheme, uint32_t length,
    GArray *changes)
{
  const char *norm;
  uint32_t n;
  uint32_t cp = bert_utf8_get (grapheme, &n);

  if (n == length && kept_alone (precompiled, cp)) {
    Change change = { cp, 0 };
    g_array_append_val (changes, change);
    return;
  }
  if (length < WHOLE_GRAPHEME_LIMIT && (norm = shortest_match (precompiled, grapheme, length))) {
    push_replacement (changes, grapheme, length, norm);
    return;
  }
  for (uint32_t at = 0; at < length; at += n) {
    cp = bert_utf8_get (grapheme + at, &n);
    if ((norm = shortest_match (precompiled, grapheme + at, n))) {
      push_replacement (changes, grapheme + at, n, norm);
    } else {
      Change change = { cp, 0 };
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
  if (length < WHOLE_GRAPHEME_LIMIT && shortest_match (precompiled, grapheme, length))
    return TRUE;
  for (uint32_t at = 0; at < length; at += n) {
    bert_utf8_get (grapheme + at, &n);
    if (shortest_match (precompiled, grapheme + at, n))
      return TRUE;
  }
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

/* Most text has nothing to rewrite: graphemes are only tested, and the changes listed from
 * the first one that changes; the unchanged ones around are copied whole. */
void
bert_precompiled_normalize (const BertPrecompiled *precompiled, BertNormalized *normalized, GArray *scratch)
{
  GraphemeState state = { BERT_GCB_CONTROL, FALSE, FALSE, 0, CONJUNCT_NONE };
  const GraphemeState after_plain = { BERT_GCB_OTHER, FALSE, FALSE, 0, CONJUNCT_NONE };
  const char *text = normalized->text;
  uint32_t length = normalized->length, start = 0, unlisted = 0;
  gboolean listing = FALSE;
  gboolean keeping = TRUE;       /* the transform's cursor follows the text */
  gboolean single_plain = FALSE; /* [start, at) is one plain character kept alone */

  if (precompiled->n_units == 0 || length == 0)
    return;
  /* A run of ASCII characters kept alone is so many clusters that stay; the last of them
   * may start a cluster with what follows, so the clusters are walked from there (the
   * state after an ASCII character does not depend on those before). */
  uint32_t kept = 0;
  while (kept < length && (unsigned char) text[kept] < 0x80
      && precompiled->ascii_kept[(unsigned char) text[kept]])
    kept++;
  if (kept == length)
    return;
  start = kept > 0 ? kept - 1 : 0;
  for (uint32_t at = start, n; at <= length; at += n) {
    gboolean plain = FALSE;
    n = 1;
    if (at < length) {
      uint32_t cp = bert_utf8_get (text + at, &n);
      plain = state.previous != BERT_GCB_PREPEND && plain_kept (precompiled, cp);
      gboolean breaks = plain ? (state = after_plain, TRUE) : breaks_before (&state, cp);
      if (!breaks || at == start) {
        single_plain = plain && at == start;
        continue;
      }
    }
    /* [start, at) is a whole grapheme */
    if (single_plain || !grapheme_changes (precompiled, text + start, at - start)) {
      start = at;
      single_plain = plain;
      continue;
    }
    if (!listing)
      g_array_set_size (scratch, 0);
    listing = TRUE;
    list_unchanged (scratch, text, unlisted, start, keeping);
    normalize_grapheme (precompiled, text + start, at - start, scratch);
    /* replaced by nothing with nothing listed before: the reference's cursor stays behind */
    keeping &= scratch->len > 0;
    start = unlisted = at;
  }
  if (!listing)
    return;
  list_unchanged (scratch, text, unlisted, length, keeping);
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
