/* bench-sentences.c: the sentences a benchmark runs on, read from a file. */
#include "bench-sentences.h"

static void
add_line (GPtrArray *sentences, char *line, gboolean sts)
{
  if (sts) {
    char **columns = g_strsplit (line, "\t", -1);

    if (g_strv_length (columns) >= 7) {
      g_ptr_array_add (sentences, g_strdup (columns[5]));
      g_ptr_array_add (sentences, g_strdup (columns[6]));
    }
    g_strfreev (columns);
  } else if (*g_strstrip (line) != '\0') {
    g_ptr_array_add (sentences, g_strdup (line));
  }
}

GPtrArray *
bench_read_sentences (const char *path, GError **error)
{
  gboolean sts = g_str_has_suffix (path, ".csv");
  GPtrArray *sentences;
  char *contents, **lines;

  if (!g_file_get_contents (path, &contents, NULL, error))
    return NULL;
  sentences = g_ptr_array_new_with_free_func (g_free);
  lines = g_strsplit (contents, "\n", -1);
  for (int i = 0; lines[i] != NULL; i++)
    add_line (sentences, lines[i], sts);
  g_strfreev (lines);
  g_free (contents);
  return sentences;
}

char *
bench_sts_test_path (void)
{
  const char *shared = g_getenv ("GST_BERT_SHARED_DIR");

  return g_build_filename (shared ? shared : "../shared", "eval", "stsbenchmark", "sts-test.csv", NULL);
}
