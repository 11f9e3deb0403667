/* bert_normal_forms.c: NFKD, NFC and NFKC with the reference's alignment rules. */
#include "bert_normal_forms.h"
#include "bert_compositions.h"
#include "bert_unicode.h"

#include <stdlib.h>
#include <string.h>

/* A character of the decomposed (and then recomposed) text and its transform change. */
typedef struct {
  uint32_t cp;
  int change;
} BertPart;

enum {
  HANGUL_L_FIRST = 0x1100,
  HANGUL_L_COUNT = 19,
  HANGUL_V_FIRST = 0x1161,
  HANGUL_V_COUNT = 21,
  HANGUL_T_FIRST = 0x11A7, /* the "no trailing consonant" index: not a jamo that composes */
  HANGUL_T_COUNT = 28,
  HANGUL_COUNT = HANGUL_L_COUNT * HANGUL_V_COUNT * HANGUL_T_COUNT
};

static uint8_t
combining_class (uint32_t cp)
{
  return bert_unicode_lookup (cp)->combining_class;
}

/* cp's canonical, or with compatible its compatibility, decomposition into parts. */
static unsigned
decompose (uint32_t cp, gboolean compatible, uint32_t *parts)
{
  if (compatible) {
    unsigned n = bert_compatibility_decompose (cp, parts);
    if (n > 0)
      return n;
  }
  return bert_unicode_decompose (bert_unicode_lookup (cp), cp, parts);
}

static gint
compare_keys (gconstpointer a, gconstpointer b)
{
  uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
  return x < y ? -1 : x > y;
}

/* A long run (text can hold any number of marks in a row): sorted by keys of combining
 * class and place, so stably, in n log n. */
static void
sort_long_run (BertPart *parts, guint n)
{
  uint64_t *keys = g_new (uint64_t, n);
  BertPart *sorted = g_new (BertPart, n);
  for (guint i = 0; i < n; i++)
    keys[i] = (uint64_t) combining_class (parts[i].cp) << 32 | i;
  qsort (keys, n, sizeof *keys, compare_keys);
  for (guint i = 0; i < n; i++)
    sorted[i] = parts[keys[i] & 0xFFFFFFFFu];
  memcpy (parts, sorted, n * sizeof *parts);
  g_free (sorted);
  g_free (keys);
}

/* Sorts the run of marks out[run, len) by combining class, stably: by insertion where it
 * is short, as runs almost always are. */
static void
sort_marks (GArray *out, guint run)
{
  BertPart *parts = (BertPart *) out->data;
  if (out->len > run + 16) {
    sort_long_run (parts + run, out->len - run);
    return;
  }
  for (guint i = run + 1; i < out->len; i++) {
    BertPart part = parts[i];
    uint8_t part_class = combining_class (part.cp);
    guint j = i;
    while (j > run && combining_class (parts[j - 1].cp) > part_class) {
      parts[j] = parts[j - 1];
      j--;
    }
    parts[j] = part;
  }
}

/* The text decomposed into out, each run of marks in canonical order. */
static void
decompose_text (const BertNormalized *normalized, gboolean compatible, GArray *out)
{
  guint run = 0; /* where the current run of marks starts */
  g_array_set_size (out, 0);
  for (uint32_t at = 0, n; at < normalized->length; at += n) {
    uint32_t parts[MAX (BERT_COMPATIBILITY_MAX_PARTS, BERT_UNICODE_MAX_SEQUENCE)];
    unsigned n_parts = decompose (bert_utf8_get (normalized->text + at, &n), compatible, parts);
    for (unsigned i = 0; i < n_parts; i++) {
      BertPart part = { parts[i], i > 0 };
      if (combining_class (part.cp) == 0) {
        sort_marks (out, run);
        run = out->len + 1;
      }
      g_array_append_val (out, part);
    }
  }
  sort_marks (out, run);
}

static uint32_t
compose (uint32_t first, uint32_t second)
{
  if (first - HANGUL_L_FIRST < HANGUL_L_COUNT && second - HANGUL_V_FIRST < HANGUL_V_COUNT)
    return BERT_HANGUL_FIRST
        + ((first - HANGUL_L_FIRST) * HANGUL_V_COUNT + (second - HANGUL_V_FIRST)) * HANGUL_T_COUNT;
  if (first - BERT_HANGUL_FIRST < HANGUL_COUNT && (first - BERT_HANGUL_FIRST) % HANGUL_T_COUNT == 0
      && second - HANGUL_T_FIRST - 1 < HANGUL_T_COUNT - 1)
    return first + (second - HANGUL_T_FIRST);
  return bert_compose_pair (first, second);
}

/* The reference's recomposition of parts[0, n) into out: each starter (the composee) takes
 * in every following character not blocked from it that composes with it; the blocked
 * marks follow it. */
static void
recompose (const BertPart *parts, guint n, GArray *out, GArray *blocked)
{
  BertPart composee = { 0, 0 };
  gboolean has_composee = FALSE;
  int last_class = -1; /* of the last blocked mark, -1 while none */

  g_array_set_size (out, 0);
  g_array_set_size (blocked, 0);
  for (guint i = 0; i < n; i++) {
    BertPart part = parts[i];
    int part_class = combining_class (part.cp);
    if (!has_composee) {
      if (part_class != 0) {
        g_array_append_val (out, part);
      } else {
        composee = part;
        has_composee = TRUE;
      }
      continue;
    }
    uint32_t composite = last_class < 0 || last_class < part_class ? compose (composee.cp, part.cp) : 0;
    if (composite != 0) {
      composee.cp = composite;
      composee.change += part.change - 1;
    } else if (part_class == 0) {
      g_array_append_val (out, composee);
      g_array_append_vals (out, blocked->data, blocked->len);
      g_array_set_size (blocked, 0);
      composee = part;
      last_class = -1;
    } else {
      g_array_append_val (blocked, part);
      last_class = part_class;
    }
  }
  if (has_composee)
    g_array_append_val (out, composee);
  g_array_append_vals (out, blocked->data, blocked->len);
}

/* Whether the form leaves the text as it is, as most text is: no character decomposes,
 * and composed, none is a mark or may come second in a composition (Hangul's vowels and
 * trailing consonants included); decomposed, every run of marks is in order already. */
static gboolean
form_keeps (const BertNormalized *normalized, gboolean compatible, gboolean composed)
{
  uint8_t previous_class = 0;
  for (uint32_t at = 0, n; at < normalized->length; at += n) {
    if ((unsigned char) normalized->text[at] < 0x80) {
      n = 1;
      previous_class = 0;
      continue;
    }
    uint32_t cp = bert_utf8_get (normalized->text + at, &n);
    uint32_t parts[MAX (BERT_COMPATIBILITY_MAX_PARTS, BERT_UNICODE_MAX_SEQUENCE)];
    if (decompose (cp, compatible, parts) != 1 || parts[0] != cp)
      return FALSE;
    uint8_t cp_class = combining_class (cp);
    if (composed
        && (cp_class != 0 || cp - HANGUL_V_FIRST < HANGUL_V_COUNT
            || cp - HANGUL_T_FIRST - 1 < HANGUL_T_COUNT - 1 || bert_is_composition_second (cp)))
      return FALSE;
    if (cp_class != 0 && cp_class < previous_class)
      return FALSE;
    previous_class = cp_class;
  }
  return TRUE;
}

static void
apply_parts (BertNormalized *normalized, const BertPart *parts, guint n)
{
  bert_normalized_begin (normalized, 0);
  for (guint i = 0; i < n; i++)
    bert_normalized_add (normalized, parts[i].cp, parts[i].change);
  bert_normalized_end (normalized);
}

static void
normal_form (BertNormalized *normalized, gboolean compatible, gboolean composed)
{
  if (form_keeps (normalized, compatible, composed))
    return;
  GArray *decomposed = g_array_new (FALSE, FALSE, sizeof (BertPart));
  decompose_text (normalized, compatible, decomposed);
  if (composed) {
    GArray *recomposed = g_array_new (FALSE, FALSE, sizeof (BertPart));
    GArray *blocked = g_array_new (FALSE, FALSE, sizeof (BertPart));
    recompose ((const BertPart *) decomposed->data, decomposed->len, recomposed, blocked);
    apply_parts (normalized, (const BertPart *) recomposed->data, recomposed->len);
    g_array_free (recomposed, TRUE);
    g_array_free (blocked, TRUE);
  } else {
    apply_parts (normalized, (const BertPart *) decomposed->data, decomposed->len);
  }
  g_array_free (decomposed, TRUE);
}

void
bert_normalized_nfkd (BertNormalized *normalized)
{
  normal_form (normalized, TRUE, FALSE);
}

void
bert_normalized_nfc (BertNormalized *normalized)
{
  normal_form (normalized, FALSE, TRUE);
}

void
bert_normalized_nfkc (BertNormalized *normalized)
{
  normal_form (normalized, TRUE, TRUE);
}

/* ---- normalized added tokens ---- */

static void
set_bit (uint64_t *bits, uint32_t cp)
{
  bits[cp >> 6] |= (uint64_t) 1 << (cp & 63);
}

static gboolean
any_bit (const uint64_t *bits, const uint32_t *cps, unsigned n)
{
  for (unsigned i = 0; i < n; i++)
    if (bits[cps[i] >> 6] >> (cps[i] & 63) & 1)
      return TRUE;
  return FALSE;
}

static gboolean
is_code_point (uint32_t cp)
{
  return cp < 0xD800 || (cp > 0xDFFF && cp < BERT_CODE_POINTS);
}

void
bert_normal_form_add_sources (BertCharSet *triggers, gboolean compatible, gboolean composed)
{
  uint64_t *wanted = g_new0 (uint64_t, BERT_CODE_POINTS / 64);
  uint32_t parts[MAX (BERT_COMPATIBILITY_MAX_PARTS, BERT_UNICODE_MAX_SEQUENCE)];

  for (uint32_t cp = 0; cp < BERT_CODE_POINTS; cp++) {
    if (!is_code_point (cp) || !bert_char_set_has (triggers, cp))
      continue;
    unsigned n = composed ? decompose (cp, FALSE, parts) : 0;
    set_bit (wanted, cp);
    for (unsigned i = 0; i < n; i++)
      set_bit (wanted, parts[i]);
  }
  for (uint32_t cp = 0; cp < BERT_CODE_POINTS; cp++)
    if (is_code_point (cp) && any_bit (wanted, parts, decompose (cp, compatible, parts)))
      bert_char_set_add (triggers, cp);
  g_free (wanted);
}
