/* slow_folders_support.c: scratch slow folders, loaded and compared with transformers. */
#include "slow_folders_support.h"
#include "tokenizer_test_support.h"

#include <string.h>

/* One test's data: which folders, which variant. */
typedef struct {
  const SlowFolders *folders;
  const char *variant;
} SlowVariant;

void
slow_folder_remove (const SlowFolders *folders, char *dir)
{
  scratch_folder_remove (dir, folders->files, folders->n_files);
}

BertTokenizer *
slow_folder_load (const SlowFolders *folders, const char *variant)
{
  char *dir = folders->make_folder (variant);
  BertTokenizer *tokenizer = tokenizer_load_path (dir);
  slow_folder_remove (folders, dir);
  return tokenizer;
}

static void
test_texts_match_transformers (gconstpointer data)
{
  const SlowVariant *test = data;
  const SlowFolders *folders = test->folders;
  char *texts_path = g_build_filename (folders->data_dir, folders->texts_file, NULL);
  char *expected_path =
      g_build_filename (folders->data_dir, folders->fixtures, test->variant, "expected.txt", NULL);
  BertTokenizer *tokenizer = slow_folder_load (folders, test->variant);

  assert_texts_as_expected (tokenizer, texts_path, expected_path, test->variant, folders->more_than);
  bert_tokenizer_free (tokenizer);
  g_free (expected_path);
  g_free (texts_path);
}

static void
test_pairs_match_transformers (gconstpointer data)
{
  const SlowVariant *test = data;
  const SlowFolders *folders = test->folders;
  char *cases_path = g_build_filename (folders->data_dir, "pairs", "cases.txt", NULL);
  char *expected_path =
      g_build_filename (folders->data_dir, folders->fixtures, test->variant, "expected-pairs.txt", NULL);
  BertTokenizer *tokenizer = slow_folder_load (folders, test->variant);

  assert_pairs_as_expected (tokenizer, cases_path, expected_path, test->variant);
  bert_tokenizer_free (tokenizer);
  g_free (expected_path);
  g_free (cases_path);
}

static void
add_variant_test (const SlowFolders *folders, const char *prefix, const char *variant, GTestDataFunc test)
{
  SlowVariant *data = g_new (SlowVariant, 1);
  char *path = g_strdup_printf ("%s/%s", prefix, variant);

  data->folders = folders;
  data->variant = variant;
  g_test_add_data_func_full (path, data, test, g_free);
  g_free (path);
}

void
slow_folders_add_texts_test (const SlowFolders *folders, const char *texts_prefix, const char *variant)
{
  add_variant_test (folders, texts_prefix, variant, test_texts_match_transformers);
}

void
slow_folders_add_pairs_test (const SlowFolders *folders, const char *pairs_prefix, const char *variant)
{
  add_variant_test (folders, pairs_prefix, variant, test_pairs_match_transformers);
}

void
slow_folders_add_tests (const SlowFolders *folders, const char *texts_prefix, const char *pairs_prefix,
    const char *const *variants, guint n_variants)
{
  for (guint i = 0; i < n_variants; i++)
    slow_folders_add_texts_test (folders, texts_prefix, variants[i]);
  for (guint i = 0; i < n_variants; i++)
    slow_folders_add_pairs_test (folders, pairs_prefix, variants[i]);
}

char *
slow_folder_describe (const SlowFolders *folders, const char *variant, const char *name, const char *contents,
    gssize length, const char *text)
{
  char *dir = folders->make_folder (variant);
  BertEncoding encoding;

  if (name != NULL)
    write_file_in (dir, name, contents, length);
  BertTokenizer *tokenizer = tokenizer_load_path (dir);
  bert_encoding_init (&encoding);
  bert_tokenizer_encode (tokenizer, text, strlen (text), G_MAXUINT, &encoding);
  char *described = encoding_describe (&encoding, FALSE);
  bert_encoding_clear (&encoding);
  bert_tokenizer_free (tokenizer);
  slow_folder_remove (folders, dir);
  return described;
}

void
slow_folder_expect_refused_va (const SlowFolders *folders, const char *name, const char *contents,
    gssize length, int code, va_list needles)
{
  char *dir = folders->make_folder (folders->refused_variant);

  assert_folder_refused (dir, name, contents, length, code, needles);
  slow_folder_remove (folders, dir);
}

void
slow_folder_expect_refused (const SlowFolders *folders, const char *name, const char *contents, int code, ...)
{
  va_list needles;

  va_start (needles, code);
  slow_folder_expect_refused_va (folders, name, contents, -1, code, needles);
  va_end (needles);
}

void
slow_folder_expect_refused_bytes (const SlowFolders *folders, const char *name, const char *contents,
    gssize length, int code, ...)
{
  va_list needles;

  va_start (needles, code);
  slow_folder_expect_refused_va (folders, name, contents, length, code, needles);
  va_end (needles);
}
