/* bert_huge_pages.h: memory for the large lookup tables the tokenizers read all over. */
#ifndef BERT_HUGE_PAGES_H
#define BERT_HUGE_PAGES_H

#include <glib.h>

/* Zeroed memory, cache-line aligned, and from 1 MB on in memory the kernel may back with
 * 2 MB pages: a Unigram trie, a merge table or a backtracking encoder's arrays are read all
 * over, and with 4 kB pages many of those reads would also miss the TLB (a page walk,
 * nested in a virtual machine). Aborts when out of memory, as g_malloc does. Freed with
 * free (). */
void *bert_huge_pages_alloc0 (gsize size);

/* size bytes of address space, on 2 MB boundaries and hinted for 2 MB pages as above, that
 * read as zeros and take memory only where written: the kernel's fresh pages, not cleared
 * again, and not touched until used. Aborts when out of address space. Released with
 * bert_huge_pages_release (data, size). */
void *bert_huge_pages_reserve (gsize size);
void bert_huge_pages_release (void *data, gsize size);

#endif
