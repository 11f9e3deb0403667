/* tokenizer_test_support.c: see tokenizer_test_support.h. */
#include "tokenizer_test_support.h"

#include "length_records.h"

#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

char *
read_file_contents (const char *path, gsize *length)
{
  char *contents;
  GError *error = NULL;
  g_file_get_contents (path, &contents, length, &error);
  g_assert_no_error (error);
  return contents;
}

char **
read_file_lines (const char *path)
{
  char *contents = read_file_contents (path, NULL);
  char **lines = g_strsplit (contents, "\n", -1);
  g_free (contents);
  return lines;
}

void
write_file_in (const char *dir, const char *name, const char *contents, gssize length)
{
  GError *error = NULL;
  char *path = g_build_filename (dir, name, NULL);
  g_file_set_contents (path, contents, length, &error);
  g_assert_no_error (error);
  g_free (path);
}

void
copy_file_if_present (const char *from_dir, const char *from_name, const char *to_dir, const char *to_name)
{
  char *from_path = g_build_filename (from_dir, from_name, NULL);
  if (g_file_test (from_path, G_FILE_TEST_EXISTS)) {
    gsize length;
    char *contents = read_file_contents (from_path, &length);
    write_file_in (to_dir, to_name, contents, length);
    g_free (contents);
  }
  g_free (from_path);
}

char *
scratch_folder_new (const char *template)
{
  GError *error = NULL;
  char *dir = g_dir_make_tmp (template, &error);
  g_assert_no_error (error);
  return dir;
}

void
scratch_folder_remove (char *dir, const char *const *names, guint n_names)
{
  for (guint i = 0; i < n_names; i++) {
    char *path = g_build_filename (dir, names[i], NULL);
    g_unlink (path);
    g_free (path);
  }
  g_assert_cmpint (g_rmdir (dir), ==, 0);
  g_free (dir);
}

void
scratch_tree_remove (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL) {
    char *child = g_build_filename (path, name, NULL);
    if (g_file_test (child, G_FILE_TEST_IS_DIR))
      scratch_tree_remove (child);
    else
      g_remove (child);
    g_free (child);
  }
  if (dir != NULL)
    g_dir_close (dir);
  g_rmdir (path);
}

char *
text_with_first_replaced (const char *text, const char *from, const char *to)
{
  const char *at = strstr (text, from);
  g_assert_nonnull (at);
  return g_strdup_printf ("%.*s%s%s", (int) (at - text), text, to, at + strlen (from));
}

BertTokenizer *
tokenizer_load_path (const char *path)
{
  GError *error = NULL;
  BertTokenizer *tokenizer = bert_tokenizer_new_from_path (path, &error);
  g_assert_no_error (error);
  return tokenizer;
}

BertTokenizer *
tokenizer_load_json_text (const char *json, GError **error)
{
  static const char *const names[] = { "tokenizer.json" };
  char *dir = scratch_folder_new ("tokenizer-json-XXXXXX");
  write_file_in (dir, names[0], json, -1);
  BertTokenizer *tokenizer = bert_tokenizer_new_from_path (dir, error);
  scratch_folder_remove (dir, names, G_N_ELEMENTS (names));
  return tokenizer;
}

char *
encoding_describe (const BertEncoding *encoding, gboolean with_sequence)
{
  GString *out = g_string_new (NULL);
  for (uint32_t i = 0; i < encoding->n_tokens; i++) {
    g_string_append_printf (out, "%s%d:%d:", i ? " " : "", encoding->ids[i], encoding->type_ids[i]);
    if (with_sequence)
      g_string_append_printf (out, "%d:", bert_encoding_sequence_id (encoding, i));
    g_string_append_printf (out, "%u:%u", encoding->offsets[2 * i], encoding->offsets[2 * i + 1]);
  }
  return g_string_free (out, FALSE);
}

void
assert_message_holds (const char *message, va_list needles)
{
  const char *needle;
  while ((needle = va_arg (needles, const char *)) != NULL) {
    if (strstr (message, needle) == NULL)
      g_error ("'%s' is not in the error: %s", needle, message);
  }
}

void
assert_folder_refused (const char *dir, const char *name, const char *contents, gssize length, int code,
    va_list needles)
{
  char *path = g_build_filename (dir, name, NULL);
  GError *error = NULL;

  if (contents != NULL)
    write_file_in (dir, name, contents, length);
  else
    g_unlink (path);
  BertTokenizer *tokenizer = bert_tokenizer_new_from_path (dir, &error);
  g_assert_null (tokenizer);
  g_assert_error (error, BERT_TOKENIZER_ERROR, code);
  g_test_message ("%s", error->message);
  assert_message_holds (error->message, needles);
  g_assert_nonnull (strstr (error->message, dir));
  g_error_free (error);
  g_free (path);
}

void
assert_texts_as_expected (const BertTokenizer *tokenizer, const char *texts_path, const char *expected_path,
    const char *label, guint more_than)
{
  GArray *lengths = g_array_new (FALSE, FALSE, sizeof (gsize));
  GPtrArray *texts = length_records_read (texts_path, lengths);
  char **expected = read_file_lines (expected_path);
  BertEncoding encoding;
  guint n_differ = 0;

  bert_encoding_init (&encoding);
  for (guint i = 0; i < texts->len; i++) {
    const char *text = g_ptr_array_index (texts, i);
    g_assert_nonnull (expected[i]);
    bert_tokenizer_encode (tokenizer, text, g_array_index (lengths, gsize, i), G_MAXUINT, &encoding);
    char *got = encoding_describe (&encoding, FALSE);
    if (strcmp (got, expected[i]) != 0 && n_differ++ < 5)
      g_test_message ("%s, text %u (%s):\n  ours %s\n  hf   %s", label, i, text, got, expected[i]);
    g_free (got);
  }
  g_assert_cmpuint (texts->len, >, more_than);
  g_assert_cmpuint (n_differ, ==, 0);
  bert_encoding_clear (&encoding);
  g_strfreev (expected);
  g_ptr_array_free (texts, TRUE);
  g_array_free (lengths, TRUE);
}

guint
assert_pairs_as_expected (const BertTokenizer *tokenizer, const char *cases_path, const char *expected_path,
    const char *label)
{
  GArray *cases = pair_cases_read (cases_path);
  char **expected = read_file_lines (expected_path);
  BertEncoding encoding;
  GError *error = NULL;
  guint n_differ = 0, n_truncated = 0;

  bert_encoding_init (&encoding);
  for (guint i = 0; i < cases->len; i++) {
    const PairCase *pair = &g_array_index (cases, PairCase, i);
    g_assert_nonnull (expected[i]);
    g_assert_true (bert_tokenizer_encode_pair (tokenizer, pair->text[0], pair->length[0], pair->text[1],
        pair->length[1], pair->max_length, &encoding, &error));
    g_assert_no_error (error);
    n_truncated += encoding.truncated;
    char *got = encoding_describe (&encoding, TRUE);
    if (strcmp (got, expected[i]) != 0 && n_differ++ < 5)
      g_test_message ("%s, pair %u (max_length %u, '%s', '%s'):\n  ours %s\n  hf   %s", label, i,
          pair->max_length, pair->text[0], pair->text[1], got, expected[i]);
    g_free (got);
  }
  g_assert_cmpuint (cases->len, >, 60);
  g_assert_cmpuint (n_differ, ==, 0);
  bert_encoding_clear (&encoding);
  g_strfreev (expected);
  pair_cases_free (cases);
  return n_truncated;
}

void
assert_fixture_texts (const char *data_dir, const char *group, const char *name, const char *texts_file,
    const char *expected_file, guint more_than)
{
  char *folder = g_build_filename (data_dir, group, name, NULL);
  char *texts_path = g_build_filename (data_dir, texts_file, NULL);
  char *expected_path = g_build_filename (folder, expected_file, NULL);
  BertTokenizer *tokenizer = tokenizer_load_path (folder);

  assert_texts_as_expected (tokenizer, texts_path, expected_path, name, more_than);
  bert_tokenizer_free (tokenizer);
  g_free (expected_path);
  g_free (texts_path);
  g_free (folder);
}

guint
assert_fixture_pairs (const char *data_dir, const char *group, const char *name)
{
  char *folder = g_build_filename (data_dir, group, name, NULL);
  char *cases_path = g_build_filename (data_dir, "pairs", "cases.txt", NULL);
  char *expected_path = g_build_filename (folder, "pairs.txt", NULL);
  BertTokenizer *tokenizer = tokenizer_load_path (folder);
  guint truncated = assert_pairs_as_expected (tokenizer, cases_path, expected_path, name);

  bert_tokenizer_free (tokenizer);
  g_free (expected_path);
  g_free (cases_path);
  g_free (folder);
  return truncated;
}

const char *
test_init_with_path (int *argc, char ***argv, const char *path_name)
{
  g_test_init (argc, argv, NULL);
  if (*argc != 2) {
    g_printerr ("usage: %s %s\n", g_get_prgname (), path_name);
    exit (2);
  }
  return (*argv)[1];
}

void
test_add_per_name (const char *prefix, const char *const *names, guint n_names, GTestDataFunc test)
{
  for (guint i = 0; i < n_names; i++) {
    char *path = g_strdup_printf ("%s/%s", prefix, names[i]);
    g_test_add_data_func (path, names[i], test);
    g_free (path);
  }
}
