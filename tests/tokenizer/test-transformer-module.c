/* A sentence-transformers folder's tokenizer is its Transformer module's
 * (bert_transformer_module.h): folders saved before sentence-transformers 2.0 keep it in
 * the subfolder modules.json names ("0_Transformer"), with its sentence_bert_config.json.
 * Loading the folder must give the subfolder's tokenizer and max_seq_length, and a
 * modules.json that is malformed or points outside the folder must be refused naming it.
 *
 * Usage: test-transformer-module VOCAB_TXT
 */
#include "bert_tokenizer.h"
#include "tokenizer_test_support.h"

#include <glib/gstdio.h>
#include <string.h>

#define TEXT "hello world unaffable a b"
#define MAX_SEQ_LENGTH 5

static const char *vocab_txt;
static char *scratch_dir;

static void
write_file (const char *folder, const char *name, const char *text)
{
  char *path = g_build_filename (folder, name, NULL);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  g_free (path);
}

static void
copy_vocab (const char *folder)
{
  char *text = NULL;
  g_assert_true (g_file_get_contents (vocab_txt, &text, NULL, NULL));
  write_file (folder, "vocab.txt", text);
  g_free (text);
}

/* Folder NAME of the scratch folder with MODULES_JSON as modules.json and the usual
 * 0_Transformer/ (vocab.txt and a sentence_bert_config.json cutting at MAX_SEQ_LENGTH),
 * nothing else. */
static char *
make_folder (const char *name, const char *modules_json)
{
  char *folder = g_build_filename (scratch_dir, name, NULL);
  char *transformer = g_build_filename (folder, "0_Transformer", NULL);

  g_assert_cmpint (g_mkdir_with_parents (transformer, 0700), ==, 0);
  write_file (folder, "modules.json", modules_json);
  write_file (folder, "config.json", "{\"__version__\": \"0.3.9\"}");
  copy_vocab (transformer);
  write_file (transformer, "sentence_bert_config.json",
      "{\"max_seq_length\": " G_STRINGIFY (MAX_SEQ_LENGTH) ", \"do_lower_case\": false}");
  g_free (transformer);
  return folder;
}

static const char *OLD_LAYOUT_MODULES =
    "[{\"idx\": 0, \"name\": \"0\", \"path\": \"0_Transformer\", \"type\": "
    "\"sentence_transformers.models.Transformer\"},"
    " {\"idx\": 1, \"name\": \"1\", \"path\": \"1_Pooling\", \"type\": "
    "\"sentence_transformers.models.Pooling\"}]";

static GArray *
ids_of (const BertTokenizer *tokenizer)
{
  BertEncoding encoding;
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (int32_t));

  bert_encoding_init (&encoding);
  bert_tokenizer_encode (tokenizer, TEXT, strlen (TEXT), 0, &encoding);
  g_array_append_vals (ids, encoding.ids, encoding.n_tokens);
  bert_encoding_clear (&encoding);
  return ids;
}

static BertTokenizer *
load (const char *folder)
{
  GError *error = NULL;
  BertTokenizer *tokenizer = bert_tokenizer_new_from_path (folder, &error);
  g_assert_no_error (error);
  return tokenizer;
}

static void
test_old_layout_reads_the_subfolder (void)
{
  char *folder = make_folder ("old-layout", OLD_LAYOUT_MODULES);
  char *transformer = g_build_filename (folder, "0_Transformer", NULL);
  BertTokenizer *from_folder = load (folder), *from_subfolder = load (transformer);
  GArray *ids = ids_of (from_folder), *subfolder_ids = ids_of (from_subfolder);

  /* [CLS] hello world un ##aff ##able a b [SEP], cut at max_seq_length 5 */
  g_assert_cmpuint (bert_tokenizer_get_options (from_folder)->model_max_length, ==, MAX_SEQ_LENGTH);
  g_assert_cmpuint (ids->len, ==, MAX_SEQ_LENGTH);
  g_assert_cmpmem (ids->data, ids->len * sizeof (int32_t), subfolder_ids->data,
      subfolder_ids->len * sizeof (int32_t));
  g_array_unref (ids);
  g_array_unref (subfolder_ids);
  bert_tokenizer_free (from_folder);
  bert_tokenizer_free (from_subfolder);
  g_free (transformer);
  g_free (folder);
}

/* The module's folder wins over tokenizer files at the top, as in sentence-transformers. */
static void
test_subfolder_wins_over_top_files (void)
{
  char *folder = make_folder ("top-files", OLD_LAYOUT_MODULES);
  BertTokenizer *tokenizer;

  copy_vocab (folder);
  tokenizer = load (folder);
  g_assert_cmpuint (bert_tokenizer_get_options (tokenizer)->model_max_length, ==, MAX_SEQ_LENGTH);
  bert_tokenizer_free (tokenizer);
  g_free (folder);
}

/* modules.json without a Transformer module (or with path ""): the folder itself. */
static void
test_no_transformer_module_reads_the_folder (void)
{
  const char *cases[] = {
    "[{\"idx\": 0, \"name\": \"0\", \"path\": \"1_Pooling\", \"type\": "
    "\"sentence_transformers.models.Pooling\"}]",
    "[{\"idx\": 0, \"name\": \"0\", \"path\": \"\", \"type\": \"sentence_transformers.models.Transformer\"}]",
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    char *name = g_strdup_printf ("top-%u", i);
    char *folder = make_folder (name, cases[i]);
    BertTokenizer *tokenizer;

    copy_vocab (folder);
    tokenizer = load (folder);
    g_assert_cmpuint (bert_tokenizer_get_options (tokenizer)->model_max_length, ==, 512);
    bert_tokenizer_free (tokenizer);
    g_free (folder);
    g_free (name);
  }
}

static void
assert_refused (const char *name, const char *modules_json, int code, const char *detail)
{
  char *folder = make_folder (name, modules_json);
  GError *error = NULL;

  g_assert_null (bert_tokenizer_new_from_path (folder, &error));
  g_assert_error (error, BERT_TOKENIZER_ERROR, code);
  g_assert_nonnull (strstr (error->message, "modules.json"));
  g_assert_nonnull (strstr (error->message, detail));
  g_error_free (error);
  g_free (folder);
}

static void
test_bad_modules_refused (void)
{
  assert_refused ("absolute",
      "[{\"path\": \"/etc\", \"type\": \"sentence_transformers.models.Transformer\"}]",
      BERT_TOKENIZER_ERROR_UNSUPPORTED, "'/etc' is not a folder inside the model folder");
  assert_refused ("outside",
      "[{\"path\": \"../0_Transformer\", \"type\": \"sentence_transformers.models.Transformer\"}]",
      BERT_TOKENIZER_ERROR_UNSUPPORTED, "not a folder inside the model folder");
  assert_refused ("path-type", "[{\"path\": 0, \"type\": \"sentence_transformers.models.Transformer\"}]",
      BERT_TOKENIZER_ERROR_FORMAT, "[0].path");
  assert_refused ("not-an-array", "{\"path\": \"0_Transformer\"}", BERT_TOKENIZER_ERROR_FORMAT,
      "not a JSON array");
  assert_refused ("truncated", "[{\"path\": ", BERT_TOKENIZER_ERROR_FORMAT, "not a JSON array");
}

int
main (int argc, char **argv)
{
  vocab_txt = test_init_with_path (&argc, &argv, "VOCAB_TXT");
  scratch_dir = g_dir_make_tmp ("test-transformer-module-XXXXXX", NULL);
  g_assert_nonnull (scratch_dir);
  g_test_add_func ("/transformer-module/old-layout-reads-the-subfolder", test_old_layout_reads_the_subfolder);
  g_test_add_func ("/transformer-module/subfolder-wins-over-top-files", test_subfolder_wins_over_top_files);
  g_test_add_func ("/transformer-module/no-transformer-module-reads-the-folder",
      test_no_transformer_module_reads_the_folder);
  g_test_add_func ("/transformer-module/bad-modules-refused", test_bad_modules_refused);
  int status = g_test_run ();
  scratch_tree_remove (scratch_dir);
  g_free (scratch_dir);
  return status;
}
