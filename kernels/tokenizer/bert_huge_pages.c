/* bert_huge_pages.c: see bert_huge_pages.h. */
#include "bert_huge_pages.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define HUGE_PAGE (2u << 20)

/* size, or an address, rounded up to a whole number of 2 MB pages. */
static inline gsize
round_to_huge_pages (gsize size)
{
  return (size + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
}

void *
bert_huge_pages_alloc0 (gsize size)
{
  gboolean huge = size >= HUGE_PAGE / 2;
  gsize rounded = huge ? round_to_huge_pages (size) : MAX (size, 64);
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

void *
bert_huge_pages_reserve (gsize size)
{
  gsize rounded = round_to_huge_pages (size);
  /* a page more, so that a 2 MB boundary falls inside; the ends outside it go back */
  char *mapped = mmap (NULL, rounded + HUGE_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mapped == MAP_FAILED)
    g_error ("%s: out of address space for %" G_GSIZE_FORMAT " bytes", G_STRLOC, size);
  char *data = (char *) round_to_huge_pages ((guintptr) mapped);
  if (data > mapped)
    munmap (mapped, data - mapped);
  munmap (data + rounded, mapped + HUGE_PAGE - data);
#ifdef MADV_HUGEPAGE
  madvise (data, rounded, MADV_HUGEPAGE);
#endif
  return data;
}

void
bert_huge_pages_release (void *data, gsize size)
{
  if (data != NULL)
    munmap (data, round_to_huge_pages (size));
}
