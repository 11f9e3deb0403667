/* bert_char_set.c: a set of characters, and a scan of UTF-8 text for any of them. */
#include "bert_char_set.h"
#include "bert_unicode.h"

#include <string.h>

#define N_CODE_POINTS 0x110000
#define REPLACEMENT_CHARACTER 0xFFFD

void
bert_char_set_init (BertCharSet *set)
{
  memset (set, 0, sizeof *set);
  set->building = g_new0 (uint64_t, N_CODE_POINTS / 64);
}

void
bert_char_set_add (BertCharSet *set, uint32_t cp)
{
  if (cp < N_CODE_POINTS)
    set->building[cp / 64] |= 1ull << (cp % 64);
}

void
bert_char_set_add_lead (BertCharSet *set, unsigned char byte)
{
  set->lead[byte] = BERT_CHAR_SET_ALL;
}

gboolean
bert_char_set_has (const BertCharSet *set, uint32_t cp)
{
  if (cp >= N_CODE_POINTS)
    return FALSE;
  if ((set->building[cp / 64] >> (cp % 64)) & 1)
    return TRUE;
  uint32_t lead = cp < 0x80 ? cp
      : cp < 0x800          ? 0xC0 | cp >> 6
      : cp < 0x10000        ? 0xE0 | cp >> 12
                            : 0xF0 | cp >> 18;
  return set->lead[lead] == BERT_CHAR_SET_ALL;
}

gboolean
bert_char_set_has_any (const BertCharSet *set, const char *text, gsize length)
{
  const unsigned char *bytes = (const unsigned char *) text;
  for (gsize at = 0; at < length;) {
    uint32_t cp;
    int invalid = 0;
    at += bert_utf8_decode (bytes + at, length - at, &cp, &invalid);
    /* a charsmap's string that is not UTF-8 might make anything */
    if (invalid || bert_char_set_has (set, cp))
      return TRUE;
  }
  return FALSE;
}

/* The members below 0x80 and the lead bytes of the others go into the byte table; the
 * others into the sorted list. */
void
bert_char_set_finish (BertCharSet *set)
{
  GArray *members = g_array_new (FALSE, FALSE, sizeof (uint32_t));
  for (uint32_t cp = 0; cp < N_CODE_POINTS; cp++) {
    if (set->building[cp / 64] == 0) {
      cp |= 63;
      continue;
    }
    if (!((set->building[cp / 64] >> (cp % 64)) & 1))
      continue;
    char utf8[4];
    g_unichar_to_utf8 (cp, utf8);
    unsigned char lead = (unsigned char) utf8[0];
    if (cp < 0x80) {
      set->lead[lead] = BERT_CHAR_SET_ALL;
    } else if (set->lead[lead] != BERT_CHAR_SET_ALL) {
      set->lead[lead] = BERT_CHAR_SET_SOME;
      g_array_append_val (members, cp);
    }
  }
  /* WordPiece reads ill-formed text as U+FFFD: then any byte that is not a character's
   * start may be one */
  if (bert_char_set_has (set, REPLACEMENT_CHARACTER))
    for (guint byte = 0x80; byte < 256; byte++)
      set->lead[byte] = set->lead[byte] == BERT_CHAR_SET_NONE ? BERT_CHAR_SET_SOME : set->lead[byte];
  set->n_members = members->len;
  set->members = (uint32_t *) g_array_free (members, FALSE);
  set->n_scan_bytes = 0;
  for (guint byte = 0; byte < 256; byte++) {
    if (set->lead[byte] == BERT_CHAR_SET_NONE)
      continue;
    if (set->n_scan_bytes < G_N_ELEMENTS (set->scan_lanes))
      memset (&set->scan_lanes[set->n_scan_bytes], (int) byte, sizeof set->scan_lanes[0]);
    set->n_scan_bytes++;
  }
  /* the lanes past the last byte repeat the first: the scan always compares four */
  for (guint i = MAX (set->n_scan_bytes, 1); i < G_N_ELEMENTS (set->scan_lanes); i++)
    set->scan_lanes[i] = set->scan_lanes[0];
  set->n_scan_bytes = MIN (set->n_scan_bytes, G_N_ELEMENTS (set->scan_lanes) + 1);
  g_clear_pointer (&set->building, g_free);
}

void
bert_char_set_clear (BertCharSet *set)
{
  g_free (set->members);
  g_free (set->building);
  memset (set, 0, sizeof *set);
}

static gboolean
is_member (const BertCharSet *set, uint32_t cp)
{
  guint low = 0, high = set->n_members;
  while (low < high) {
    guint middle = (low + high) / 2;
    if (set->members[middle] == cp)
      return TRUE;
    if (set->members[middle] < cp)
      low = middle + 1;
    else
      high = middle;
  }
  return FALSE;
}

/* The first of the sixteen bytes at chunk, from lane skip on, that is one of the scan
 * bytes; 16 if none. Lanes are in memory order (little-endian halves). */
static inline guint
first_wanted (const BertCharSet *set, const unsigned char *chunk, guint skip)
{
  BertBytes16 bytes;
  memcpy (&bytes, chunk, 16);
  BertBytes16 found = (BertBytes16) (bytes == set->scan_lanes[0])
      | (BertBytes16) (bytes == set->scan_lanes[1]) | (BertBytes16) (bytes == set->scan_lanes[2])
      | (BertBytes16) (bytes == set->scan_lanes[3]);
  uint64_t halves[2];
  memcpy (halves, &found, 16);
  if (skip >= 8)
    halves[0] = 0, halves[1] &= ~0ull << (8 * (skip - 8));
  else
    halves[0] &= ~0ull << (8 * skip);
  return halves[0] != 0 ? __builtin_ctzll (halves[0]) / 8
      : halves[1] != 0  ? 8 + __builtin_ctzll (halves[1]) / 8
                        : 16;
}

/* The first byte of text[at, end) that is not BERT_CHAR_SET_NONE, end if none: sixteen
 * bytes at a time where there are few such bytes (XLM-R's <mask>: `<` and the lead byte
 * of `＜`), the last sixteen of the text overlapping those before, so that text without
 * them costs about four compares per sixteen bytes however short its lines. */
static inline gsize
next_candidate (const BertCharSet *set, const unsigned char *text, gsize at, gsize end)
{
  if (set->n_scan_bytes <= G_N_ELEMENTS (set->scan_lanes) && end - at >= 16) {
    for (; at + 16 <= end; at += 16) {
      guint lane = first_wanted (set, text + at, 0);
      if (lane < 16)
        return at + lane;
    }
    if (at == end)
      return end;
    guint lane = first_wanted (set, text + end - 16, (guint) (at - (end - 16)));
    return lane < 16 ? end - 16 + lane : end;
  }
  while (at < end && set->lead[text[at]] == BERT_CHAR_SET_NONE)
    at++;
  return at;
}

gboolean
bert_char_set_find (const BertCharSet *set, const char *text, gsize start, gsize end)
{
  const unsigned char *bytes = (const unsigned char *) text;

  if (set->everything)
    return TRUE;
  for (gsize at = next_candidate (set, bytes, start, end); at < end;
       at = next_candidate (set, bytes, at, end)) {
    if (set->lead[bytes[at]] == BERT_CHAR_SET_ALL)
      return TRUE;
    uint32_t cp;
    int invalid = 0;
    at += bert_utf8_decode (bytes + at, end - at, &cp, &invalid);
    if (invalid || is_member (set, cp))
      return TRUE;
  }
  return FALSE;
}
