/* length_records.h: the tokenizer tests' text files of length-prefixed records.
 *
 * A record is its text's length in bytes in decimal, a newline, the text (which may hold
 * newlines), and a newline: the form parity-texts.txt and the pair cases are written in.
 * A pair case (pairs/cases.txt) is its max_length in decimal, a newline, and two records.
 */
#ifndef LENGTH_RECORDS_H
#define LENGTH_RECORDS_H

#include <glib.h>

/* The record at *at in contents[0, size): its text, NUL-terminated (g_free it), and its
 * length; *at moves past it. Asserts that the record is whole. */
char *length_record_next (const char *contents, gsize size, gsize *at, gsize *length);
/* Every record of the file at path: the texts (freed with the array), their lengths
 * appended to lengths. */
GPtrArray *length_records_read (const char *path, GArray *lengths);

typedef struct {
  guint max_length;
  char *text[2];
  gsize length[2];
} PairCase;

/* Every pair case of the file at path, as PairCase (freed with pair_cases_free). */
GArray *pair_cases_read (const char *path);
void pair_cases_free (GArray *cases);

#endif
