/* bert_normalized.c: NormalizedString's rewrites, with the reference's alignment rules. */
#include "bert_normalized.h"
#include "bert_combining_marks.h"
#include "bert_unicode.h"
#include "bert_unicode_classes.h"

#include <string.h>

void
bert_normalized_init (BertNormalized *normalized)
{
  memset (normalized, 0, sizeof *normalized);
  normalized->match_starts = g_array_new (FALSE, FALSE, sizeof (uint32_t));
  normalized->match_ends = g_array_new (FALSE, FALSE, sizeof (uint32_t));
  normalized->marks = g_array_new (FALSE, FALSE, sizeof (uint64_t));
}

void
bert_normalized_clear (BertNormalized *normalized)
{
  if (normalized->match_starts != NULL) {
    g_array_free (normalized->match_starts, TRUE);
    g_array_free (normalized->match_ends, TRUE);
    g_array_free (normalized->marks, TRUE);
  }
  g_free (normalized->owned_text);
  g_free (normalized->owned_align);
  g_free (normalized->next_text);
  g_free (normalized->next_align);
  memset (normalized, 0, sizeof *normalized);
}

static void
reserve (char **text, BertSpan **align, uint32_t *capacity, uint32_t needed)
{
  if (needed <= *capacity)
    return;
  uint32_t grown = MAX (64, *capacity);
  while (grown < needed)
    grown *= 2;
  *text = g_realloc (*text, grown);
  *align = g_renew (BertSpan, *align, grown);
  *capacity = grown;
}

/* Each character of the owned text aligned to its own bytes, from input offset origin. */
static void
align_identity (BertNormalized *normalized, uint32_t origin)
{
  const unsigned char *text = (const unsigned char *) normalized->owned_text;
  for (uint32_t at = 0; at < normalized->length;) {
    uint32_t n = bert_utf8_length (text[at]);
    BertSpan span = { origin + at, origin + at + n };
    for (uint32_t i = 0; i < n; i++)
      normalized->owned_align[at + i] = span;
    at += n;
  }
}

void
bert_normalized_set (BertNormalized *normalized, const char *text, uint32_t start, uint32_t end)
{
  uint32_t length = end - start;
  reserve (&normalized->owned_text, &normalized->owned_align, &normalized->capacity, length);
  if (length > 0)
    memcpy (normalized->owned_text, text + start, length);
  normalized->text = normalized->owned_text;
  normalized->align = normalized->owned_align;
  normalized->length = length;
  align_identity (normalized, start);
}

void
bert_normalized_view (BertNormalized *normalized, const char *text, uint32_t start, uint32_t end)
{
  normalized->text = text + start;
  normalized->align = NULL;
  normalized->view_start = start;
  normalized->length = end - start;
}

void
bert_normalized_slice (BertNormalized *slice, const BertNormalized *normalized, uint32_t start, uint32_t end)
{
  uint32_t length = end - start;
  if (normalized->align == NULL) {
    slice->text = normalized->text + start;
    slice->align = NULL;
    slice->view_start = normalized->view_start + start;
    slice->length = length;
    return;
  }
  reserve (&slice->owned_text, &slice->owned_align, &slice->capacity, length);
  memcpy (slice->owned_text, normalized->text + start, length);
  memcpy (slice->owned_align, normalized->align + start, sizeof (BertSpan) * length);
  slice->text = slice->owned_text;
  slice->align = slice->owned_align;
  slice->length = length;
}

/* The next buffers become the string's own and its own the next ones; text follows. */
static void
swap_buffers (BertNormalized *normalized)
{
  char *text = normalized->owned_text;
  BertSpan *align = normalized->owned_align;
  uint32_t capacity = normalized->capacity;
  normalized->owned_text = normalized->next_text;
  normalized->owned_align = normalized->next_align;
  normalized->capacity = normalized->next_capacity;
  normalized->text = normalized->owned_text;
  normalized->next_text = text;
  normalized->next_align = align;
  normalized->next_capacity = capacity;
}

char *
bert_normalized_patch_begin (BertNormalized *normalized)
{
  reserve (&normalized->next_text, &normalized->next_align, &normalized->next_capacity, normalized->length);
  memcpy (normalized->next_text, normalized->text, normalized->length);
  return normalized->next_text;
}

void
bert_normalized_patch_end (BertNormalized *normalized)
{
  if (normalized->align != NULL) {
    memcpy (normalized->owned_text, normalized->next_text, normalized->length);
    return;
  }
  swap_buffers (normalized);
}

/* ---- building the next string ---- */

static void
next_start (BertNormalized *normalized)
{
  normalized->next_length = 0;
}

static void
next_push (BertNormalized *normalized, uint32_t cp, BertSpan span)
{
  reserve (&normalized->next_text, &normalized->next_align, &normalized->next_capacity,
      normalized->next_length + 4);
  uint32_t n = bert_utf8_put (cp, normalized->next_text + normalized->next_length);
  for (uint32_t i = 0; i < n; i++)
    normalized->next_align[normalized->next_length + i] = span;
  normalized->next_length += n;
}

static void
next_copy (BertNormalized *normalized, uint32_t start, uint32_t end)
{
  uint32_t n = end - start;
  if (n == 0)
    return; /* text is NULL while empty, and NULL + 0 is undefined in C */
  reserve (&normalized->next_text, &normalized->next_align, &normalized->next_capacity,
      normalized->next_length + n);
  memcpy (normalized->next_text + normalized->next_length, normalized->text + start, n);
  if (normalized->align != NULL) {
    memcpy (normalized->next_align + normalized->next_length, normalized->align + start,
        n * sizeof (BertSpan));
  } else {
    /* spans not stored: each character's own bytes, read where they lie */
    for (uint32_t at = start; at < end;) {
      uint32_t char_length = bert_utf8_length ((unsigned char) normalized->text[at]);
      BertSpan span = { normalized->view_start + at, normalized->view_start + at + char_length };
      for (uint32_t i = 0; i < char_length; i++)
        normalized->next_align[normalized->next_length + at - start + i] = span;
      at += char_length;
    }
  }
  normalized->next_length += n;
}

static void
next_swap (BertNormalized *normalized)
{
  swap_buffers (normalized);
  normalized->align = normalized->owned_align;
  normalized->length = normalized->next_length;
  normalized->next_length = 0;
}

/* ---- transform ---- */

static void
skip_chars (BertNormalized *normalized, uint32_t count)
{
  for (uint32_t i = 0; i < count && normalized->cursor < normalized->length; i++)
    normalized->cursor += bert_utf8_length ((unsigned char) normalized->text[normalized->cursor]);
}

void
bert_normalized_begin (BertNormalized *normalized, uint32_t initial_removed_chars)
{
  next_start (normalized);
  normalized->cursor = 0;
  skip_chars (normalized, initial_removed_chars);
}

void
bert_normalized_keep (BertNormalized *normalized, uint32_t bytes)
{
  uint32_t end = MIN (normalized->cursor + bytes, normalized->length);
  next_copy (normalized, normalized->cursor, end);
  normalized->cursor = end;
}

/* An inserted character shares the alignment of the byte before the cursor; any other
 * takes that of the character it replaces. */
void
bert_normalized_add (BertNormalized *normalized, uint32_t cp, int change)
{
  static const BertSpan nowhere = { 0, 0 };
  uint32_t at = normalized->cursor;
  BertSpan span;

  if (change > 0) {
    span = at < 1 ? nowhere : bert_normalized_at (normalized, MIN (at, normalized->length) - 1);
  } else {
    span = at < normalized->length ? bert_normalized_at (normalized, at)
        : normalized->length > 0   ? bert_normalized_at (normalized, normalized->length - 1)
                                   : nowhere;
    skip_chars (normalized, 1 + (uint32_t) -change);
  }
  next_push (normalized, cp, span);
}

void
bert_normalized_end (BertNormalized *normalized)
{
  next_swap (normalized);
}

/* ---- replace, prepend, append ---- */

void
bert_normalized_replace_ranges (BertNormalized *normalized, const uint32_t *starts, const uint32_t *ends,
    guint n_matches, const char *content)
{
  uint32_t last_end = 0;

  next_start (normalized);
  for (guint m = 0; m < n_matches; m++) {
    next_copy (normalized, last_end, starts[m]);
    BertSpan span = bert_normalized_at (normalized, ends[m] - 1);
    for (const char *c = content; *c;) {
      uint32_t n;
      uint32_t cp = bert_utf8_get (c, &n);
      next_push (normalized, cp, span);
      c += n;
    }
    last_end = ends[m];
  }
  next_copy (normalized, last_end, normalized->length);
  next_swap (normalized);
}

static void
replace_found (BertNormalized *normalized, const char *content)
{
  GArray *starts = normalized->match_starts, *ends = normalized->match_ends;
  if (starts->len > 0)
    bert_normalized_replace_ranges (normalized, (const uint32_t *) starts->data,
        (const uint32_t *) ends->data, starts->len, content);
}

void
bert_normalized_replace_string (BertNormalized *normalized, const char *pattern, const char *content)
{
  GArray *starts = normalized->match_starts, *ends = normalized->match_ends;
  uint32_t pattern_length = strlen (pattern);

  g_array_set_size (starts, 0);
  g_array_set_size (ends, 0);
  for (uint32_t at = 0; pattern_length > 0 && at + pattern_length <= normalized->length;) {
    const char *next = memchr (normalized->text + at, pattern[0], normalized->length - at);
    if (next == NULL)
      break;
    at = next - normalized->text;
    if (at + pattern_length <= normalized->length
        && memcmp (normalized->text + at, pattern, pattern_length) == 0) {
      uint32_t end = at + pattern_length;
      g_array_append_val (starts, at);
      g_array_append_val (ends, end);
      at = end;
    } else {
      at++;
    }
  }
  replace_found (normalized, content);
}

void
bert_normalized_replace_runs (BertNormalized *normalized, char c, guint min_count, const char *content)
{
  GArray *starts = normalized->match_starts, *ends = normalized->match_ends;

  g_array_set_size (starts, 0);
  g_array_set_size (ends, 0);
  for (uint32_t at = 0; at < normalized->length;) {
    const char *next = memchr (normalized->text + at, c, normalized->length - at);
    if (next == NULL)
      break;
    at = next - normalized->text;
    uint32_t end = at;
    while (end < normalized->length && normalized->text[end] == c)
      end++;
    if (end - at >= min_count) {
      g_array_append_val (starts, at);
      g_array_append_val (ends, end);
    }
    at = end > at ? end : at + 1;
  }
  replace_found (normalized, content);
}

void
bert_normalized_replace_space_runs (BertNormalized *normalized, const char *content)
{
  GArray *starts = normalized->match_starts, *ends = normalized->match_ends;
  uint32_t n;

  g_array_set_size (starts, 0);
  g_array_set_size (ends, 0);
  for (uint32_t at = 0; at < normalized->length;) {
    uint32_t cp = bert_utf8_get (normalized->text + at, &n);
    if (!bert_is_white_space (cp)) {
      at += n;
      continue;
    }
    uint32_t end = at + n, count = 1;
    while (end < normalized->length && bert_is_white_space (bert_utf8_get (normalized->text + end, &n))) {
      end += n;
      count++;
    }
    if (count >= 2 || cp == '\t' || cp == '\n' || cp == '\r') {
      g_array_append_val (starts, at);
      g_array_append_val (ends, end);
    }
    at = end;
  }
  replace_found (normalized, content);
}

void
bert_normalized_prepend (BertNormalized *normalized, const char *prefix)
{
  if (normalized->length == 0)
    return;
  BertSpan span = bert_normalized_at (normalized, 0);
  next_start (normalized);
  for (const char *c = prefix; *c;) {
    uint32_t n;
    uint32_t cp = bert_utf8_get (c, &n);
    next_push (normalized, cp, span);
    c += n;
  }
  next_copy (normalized, 0, normalized->length);
  next_swap (normalized);
}

/* ---- strip, lowercase ---- */

/* The reference removes the stripped characters and keeps every other alignment. */
void
bert_normalized_strip (BertNormalized *normalized, gboolean left, gboolean right)
{
  uint32_t start = 0, end = normalized->length, n;

  while (left && start < end && bert_is_white_space (bert_utf8_get (normalized->text + start, &n)))
    start += n;
  while (right && end > start) {
    uint32_t last = end - 1;
    while (last > start && ((unsigned char) normalized->text[last] & 0xC0) == 0x80)
      last--;
    if (!bert_is_white_space (bert_utf8_get (normalized->text + last, &n)))
      break;
    end = last;
  }
  if (start == 0 && end == normalized->length)
    return;
  if (normalized->align == NULL) {
    normalized->text += start;
    normalized->view_start += start;
    normalized->length = end - start;
    return;
  }
  next_start (normalized);
  next_copy (normalized, start, end);
  next_swap (normalized);
}

static uint32_t
utf8_length_of (uint32_t cp)
{
  return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

/* Most characters lower to one of their own UTF-8 length (or stay): patched in place,
 * spans kept. FALSE at the first that does not (the text then as it was). */
static gboolean
lowercase_in_place (BertNormalized *normalized)
{
  const char *text = normalized->text;
  char *out = NULL;

  for (uint32_t at = 0, n; at < normalized->length; at += n) {
    unsigned char first = (unsigned char) text[at];
    if (first < 0x80) {
      n = 1;
      if ((uint32_t) first - 'A' < 26) {
        out = out != NULL ? out : bert_normalized_patch_begin (normalized);
        out[at] = (char) (first + ('a' - 'A'));
      }
      continue;
    }
    uint32_t cp = bert_utf8_get (text + at, &n);
    int32_t mapping = bert_unicode_lookup (cp)->map[BERT_MAP_LOWER];
    if (mapping == 0)
      continue;
    uint32_t lower = (uint32_t) ((int32_t) cp + (mapping >> 1));
    if ((mapping & 1) || utf8_length_of (lower) != n)
      return FALSE;
    out = out != NULL ? out : bert_normalized_patch_begin (normalized);
    bert_utf8_put (lower, out + at);
  }
  if (out != NULL)
    bert_normalized_patch_end (normalized);
  return TRUE;
}

void
bert_normalized_lowercase (BertNormalized *normalized)
{
  if (lowercase_in_place (normalized))
    return;
  next_start (normalized);
  for (uint32_t at = 0, n; at < normalized->length; at += n) {
    uint32_t cp = bert_utf8_get (normalized->text + at, &n);
    uint32_t lower[BERT_UNICODE_MAX_SEQUENCE];
    unsigned count = bert_unicode_apply (bert_unicode_lookup (cp)->map[BERT_MAP_LOWER], cp, lower);
    for (unsigned i = 0; i < count; i++)
      next_push (normalized, lower[i], bert_normalized_at (normalized, at));
  }
  next_swap (normalized);
}

/* ---- NFD, StripAccents ---- */

/* Where NFD's work starts from at: the start of the cluster (the last starter, or at) of
 * the first character that decomposes or is a mark out of order of combining class; the
 * length if none. What lies before it NFD leaves as it is. */
static uint32_t
nfd_kept_run_end (const BertNormalized *normalized, uint32_t at)
{
  uint8_t previous_class = 0;
  uint32_t cluster = at;
  for (uint32_t n; at < normalized->length; at += n) {
    if ((unsigned char) normalized->text[at] < 0x80) {
      n = 1;
      previous_class = 0;
      cluster = at;
      continue;
    }
    const BertUnicodeRecord *record = bert_unicode_lookup (bert_utf8_get (normalized->text + at, &n));
    if (record->map[BERT_MAP_NFD] != 0 || record->flags & BERT_CHAR_HANGUL
        || (record->combining_class != 0 && record->combining_class < previous_class))
      return cluster;
    previous_class = record->combining_class;
    if (previous_class == 0)
      cluster = at;
  }
  return normalized->length;
}

/* A pending mark: combining class, then its place in the run (so that sorting the keys
 * is stable), the change (1: inserted) and the code point. */
static uint64_t
mark_key (uint8_t combining_class, uint32_t order, int change, uint32_t cp)
{
  return (uint64_t) combining_class << 56 | (uint64_t) order << 22 | (uint64_t) (change > 0) << 21 | cp;
}

static gint
compare_keys (gconstpointer a, gconstpointer b)
{
  uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
  return x < y ? -1 : x > y;
}

/* The run of marks, sorted by class, into the transform. */
static void
flush_marks (BertNormalized *normalized)
{
  GArray *marks = normalized->marks;
  g_array_sort (marks, compare_keys);
  for (guint i = 0; i < marks->len; i++) {
    uint64_t key = g_array_index (marks, uint64_t, i);
    bert_normalized_add (normalized, (uint32_t) (key & 0x1FFFFF), (key >> 21) & 1);
  }
  g_array_set_size (marks, 0);
}

/* A character NFD leaves as it is and before which no mark waits: a starter that does
 * not decompose. */
static gboolean
nfd_plain_starter (const BertNormalized *normalized, uint32_t at)
{
  if ((unsigned char) normalized->text[at] < 0x80)
    return TRUE;
  uint32_t n;
  const BertUnicodeRecord *record = bert_unicode_lookup (bert_utf8_get (normalized->text + at, &n));
  return record->map[BERT_MAP_NFD] == 0 && !(record->flags & BERT_CHAR_HANGUL)
      && record->combining_class == 0;
}

/* From the cluster at on, until a plain starter (with no mark pending) or the end: each
 * character's parts, marks gathered and sorted by class. Returns where it stopped. */
static uint32_t
nfd_rewrite_clusters (BertNormalized *normalized, uint32_t at)
{
  GArray *marks = normalized->marks;
  uint32_t n;
  for (gboolean first = TRUE; at < normalized->length; at += n, first = FALSE) {
    if (!first && nfd_plain_starter (normalized, at))
      break;
    uint32_t parts[BERT_UNICODE_MAX_SEQUENCE];
    uint32_t cp = bert_utf8_get (normalized->text + at, &n);
    unsigned n_parts = bert_unicode_decompose (bert_unicode_lookup (cp), cp, parts);
    for (unsigned i = 0; i < n_parts; i++) {
      uint8_t combining_class = bert_unicode_lookup (parts[i])->combining_class;
      if (combining_class != 0) {
        uint64_t key = mark_key (combining_class, marks->len, i > 0, parts[i]);
        g_array_append_val (marks, key);
        continue;
      }
      flush_marks (normalized);
      bert_normalized_add (normalized, parts[i], i > 0);
    }
  }
  flush_marks (normalized);
  return at;
}

/* The runs NFD leaves as they are are copied whole (their characters keep their spans);
 * the clusters between them rewritten. FALSE where it leaves the whole text. */
static gboolean
nfd (BertNormalized *normalized)
{
  uint32_t at = nfd_kept_run_end (normalized, 0);
  if (at == normalized->length)
    return FALSE;
  g_array_set_size (normalized->marks, 0);
  bert_normalized_begin (normalized, 0);
  while (at < normalized->length) {
    bert_normalized_keep (normalized, at - normalized->cursor);
    at = nfd_rewrite_clusters (normalized, at);
    if (at < normalized->length)
      at = nfd_kept_run_end (normalized, at);
  }
  bert_normalized_keep (normalized, normalized->length - normalized->cursor);
  bert_normalized_end (normalized);
  return TRUE;
}

void
bert_normalized_nfd (BertNormalized *normalized)
{
  nfd (normalized);
}

/* The reference's filter: every kept character keeps its span, each run of removed ones
 * going with the kept character before it (the leading ones with none). A kept character
 * so keeps its bytes and their spans, so the runs of kept ones are copied whole. ASCII is
 * not looked at unless ascii_removable (clean_text's controls). */
static void
remove_chars (BertNormalized *normalized, gboolean (*removed) (uint32_t cp), gboolean ascii_removable)
{
  const char *text = normalized->text;
  uint32_t at = 0, n, kept_from = 0;
  gboolean any = FALSE;

  for (; at < normalized->length; at += n) {
    if ((unsigned char) text[at] < 0x80 && !ascii_removable) {
      n = 1;
      continue;
    }
    if (!removed (bert_utf8_get (text + at, &n)))
      continue;
    if (!any)
      next_start (normalized);
    any = TRUE;
    next_copy (normalized, kept_from, at);
    kept_from = at + n;
  }
  if (!any)
    return;
  next_copy (normalized, kept_from, normalized->length);
  next_swap (normalized);
}

/* The BMP's marks as a bitmap, made on first use: the generated table is a binary search
 * over ranges, which StripAccents would pay on every character past ASCII. */
#define BMP_CHARS 0x10000
static uint64_t bmp_marks[BMP_CHARS / 64];
static gsize bmp_marks_made;

static void
make_bmp_marks (void)
{
  if (g_once_init_enter (&bmp_marks_made)) {
    for (uint32_t cp = 0; cp < BMP_CHARS; cp++)
      bmp_marks[cp >> 6] |= (uint64_t) bert_is_combining_mark (cp) << (cp & 63);
    g_once_init_leave (&bmp_marks_made, 1);
  }
}

static gboolean
is_combining_mark (uint32_t cp)
{
  if (cp >= BMP_CHARS)
    return bert_is_combining_mark (cp);
  return (bmp_marks[cp >> 6] >> (cp & 63)) & 1;
}

void
bert_normalized_strip_accents (BertNormalized *normalized)
{
  make_bmp_marks ();
  remove_chars (normalized, is_combining_mark, FALSE);
}

/* ---- BertNormalizer ---- */

static gboolean
is_cleaned_away (uint32_t cp)
{
  return (bert_unicode_lookup (cp)->flags & BERT_CHAR_REMOVED) != 0;
}

static gboolean
is_nonspacing (uint32_t cp)
{
  return (bert_unicode_lookup (cp)->flags & BERT_CHAR_NONSPACING) != 0;
}

/* Each character with one of flags becomes what make gives (change 0) and inserts, or
 * stays: the runs that stay are copied whole, with any character that make gives back as
 * it is (same, clean_text's space: every space would copy the text). */
static inline gboolean
is_rewritten (uint32_t cp, uint8_t flags, uint32_t same)
{
  return cp != same && (bert_unicode_lookup (cp)->flags & flags);
}

static void
rewrite_flagged (BertNormalized *normalized, uint8_t flags, uint32_t same,
    void (*make) (BertNormalized *, uint32_t))
{
  uint32_t at = 0, n;
  while (at < normalized->length && !is_rewritten (bert_utf8_get (normalized->text + at, &n), flags, same))
    at += n;
  if (at == normalized->length)
    return;
  bert_normalized_begin (normalized, 0);
  for (; at < normalized->length; at += n) {
    uint32_t cp = bert_utf8_get (normalized->text + at, &n);
    if (!is_rewritten (cp, flags, same))
      continue;
    bert_normalized_keep (normalized, at - normalized->cursor);
    make (normalized, cp);
  }
  bert_normalized_keep (normalized, normalized->length - normalized->cursor);
  bert_normalized_end (normalized);
}

static void
make_space (BertNormalized *normalized, uint32_t cp)
{
  (void) cp;
  bert_normalized_add (normalized, ' ', 0);
}

/* handle_chinese_chars: the character between two spaces, all with its span. */
static void
make_spaced (BertNormalized *normalized, uint32_t cp)
{
  bert_normalized_add (normalized, ' ', 0);
  bert_normalized_add (normalized, cp, 1);
  bert_normalized_add (normalized, ' ', 1);
}

/* The flags of the text's characters, in one scan: a step whose flag none has is skipped
 * (a step removes or makes spaces, which adds no other flag; NFD, which may add marks,
 * says so). Printable ASCII has none of
 * those of the steps; the other ASCII characters stand for clean_text's two. */
static uint8_t
flags_present (const BertNormalized *normalized)
{
  uint8_t present = 0;
  for (uint32_t at = 0, n; at < normalized->length; at += n) {
    unsigned char first = (unsigned char) normalized->text[at];
    if (first < 0x80) {
      n = 1;
      if (first < 0x20 || first == 0x7F)
        present |= BERT_CHAR_REMOVED | BERT_CHAR_CLEAN_SPACE;
      continue;
    }
    present |= bert_unicode_lookup (bert_utf8_get (normalized->text + at, &n))->flags;
  }
  return present;
}

void
bert_normalized_bert (BertNormalized *normalized, gboolean clean_text, gboolean handle_chinese_chars,
    gboolean strip_accents, gboolean lowercase)
{
  uint8_t present = clean_text || handle_chinese_chars || strip_accents ? flags_present (normalized) : 0;
  if (clean_text && (present & BERT_CHAR_REMOVED))
    remove_chars (normalized, is_cleaned_away, TRUE);
  if (clean_text && (present & BERT_CHAR_CLEAN_SPACE))
    rewrite_flagged (normalized, BERT_CHAR_CLEAN_SPACE, ' ', make_space);
  if (handle_chinese_chars && (present & BERT_CHAR_CJK))
    rewrite_flagged (normalized, BERT_CHAR_CJK, G_MAXUINT32, make_spaced);
  /* the marks to strip are those NFD makes or those there already (the steps before add
   * only spaces) */
  if (strip_accents && (nfd (normalized) || (present & BERT_CHAR_NONSPACING)))
    remove_chars (normalized, is_nonspacing, FALSE);
  if (lowercase)
    bert_normalized_lowercase (normalized);
}
