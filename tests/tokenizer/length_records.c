/* length_records.c: see length_records.h. */
#include "length_records.h"

#include <stdlib.h>

char *
length_record_next (const char *contents, gsize size, gsize *at, gsize *length)
{
  char *end;
  *length = strtoul (contents + *at, &end, 10);
  g_assert_true (*end == '\n' && (gsize) (end + 1 - contents) + *length < size);
  char *text = g_memdup2 (end + 1, *length + 1);
  text[*length] = '\0';
  *at = end + 1 - contents + *length + 1;
  return text;
}

GPtrArray *
length_records_read (const char *path, GArray *lengths)
{
  char *contents;
  gsize size;
  GError *error = NULL;
  GPtrArray *texts = g_ptr_array_new_with_free_func (g_free);
  g_file_get_contents (path, &contents, &size, &error);
  g_assert_no_error (error);
  for (gsize at = 0; at < size;) {
    gsize length;
    g_ptr_array_add (texts, length_record_next (contents, size, &at, &length));
    g_array_append_val (lengths, length);
  }
  g_free (contents);
  return texts;
}

GArray *
pair_cases_read (const char *path)
{
  GArray *cases = g_array_new (FALSE, FALSE, sizeof (PairCase));
  GError *error = NULL;
  char *contents;
  gsize size;

  g_file_get_contents (path, &contents, &size, &error);
  g_assert_no_error (error);
  for (gsize at = 0; at < size;) {
    PairCase pair;
    char *end;
    pair.max_length = strtoul (contents + at, &end, 10);
    g_assert_true (*end == '\n');
    at = end + 1 - contents;
    for (int s = 0; s < 2; s++)
      pair.text[s] = length_record_next (contents, size, &at, &pair.length[s]);
    g_array_append_val (cases, pair);
  }
  g_free (contents);
  return cases;
}

void
pair_cases_free (GArray *cases)
{
  for (guint i = 0; i < cases->len; i++) {
    g_free (g_array_index (cases, PairCase, i).text[0]);
    g_free (g_array_index (cases, PairCase, i).text[1]);
  }
  g_array_free (cases, TRUE);
}
