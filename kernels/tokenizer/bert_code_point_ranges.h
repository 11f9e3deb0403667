/* bert_code_point_ranges.h: whether a code point lies in a sorted table of runs, the form
 * of the character tables generated from Hugging Face tokenizers (code_point_ranges.py). */
#ifndef BERT_CODE_POINT_RANGES_H
#define BERT_CODE_POINT_RANGES_H

#include <glib.h>
#include <stdint.h>

/* ranges: n_ranges runs, each its first and last code point, in order, apart. */
static inline gboolean
bert_code_point_in_ranges (const uint32_t (*ranges)[2], guint n_ranges, uint32_t cp)
{
  guint low = 0, high = n_ranges;
  if (n_ranges == 0 || cp < ranges[0][0]) /* ASCII, for most tables */
    return FALSE;
  while (low < high) {
    guint middle = (low + high) / 2;
    if (cp < ranges[middle][0])
      high = middle;
    else if (cp > ranges[middle][1])
      low = middle + 1;
    else
      return TRUE;
  }
  return FALSE;
}

#endif
