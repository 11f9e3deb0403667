/* bert_huge_pages.c: see bert_huge_pages.h. */
#include "bert_huge_pages.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define HUGE_PAGE (2u << 20)

void *
bert_huge_pages_alloc0 (gsize size)
{
  gboolean huge = size >= HUGE_PAGE / 2;
  gsize rounded = huge ? (size + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE : MAX (size, 64);
  void *data;
  if (posix_memalign (&data, huge ? HUGE_PAGE : 64, rounded) != 0)
    g_error ("%s: out of memory for %" G_GSIZE_FORMAT " bytes", G_STRLOC, size);
#ifdef MADV_HUGEPAGE
  if (huge)
    madvise (data, rounded, MADV_HUGEPAGE); /* a hint: nothing to do if refused */
#endif
  memset (data, 0, size);
  return data;
}
