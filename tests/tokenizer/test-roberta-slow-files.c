/* test-roberta-slow-files: RoBERTa folders with vocab.json and merges.txt, no tokenizer.json.
 *
 * For every variant of data/roberta-slow/ (made by make-roberta-slow-fixtures.py with
 * transformers' AutoTokenizer), builds the folder (vocab.json, merges.txt and the variant's
 * config files) and compares ids, type ids and byte offsets with transformers' outputs, for
 * single texts and for pairs. Then what transformers would build otherwise, or could not:
 * other tokenizer classes and malformed files, refused with the file and the line.
 */
#include "bert_tokenizer.h"
#include "slow_folders_support.h"
#include "tokenizer_test_support.h"

#include <glib/gstdio.h>
#include <string.h>

static const char *data_dir;

static const char *variants[] = { "special-map", "prefix-space", "no-trim", "new-specials", "saved-config" };

static const char *const config_files[] = { "config.json", "special_tokens_map.json",
  "tokenizer_config.json" };

/* A temporary folder of vocab.json, merges.txt and the variant's config files (none when
 * variant is NULL). */
static char *
make_folder (const char *variant)
{
  char *base = g_build_filename (data_dir, "roberta-slow", NULL);
  char *dir = scratch_folder_new ("roberta-slow-XXXXXX");
  copy_file_if_present (base, "vocab.json", dir, "vocab.json");
  copy_file_if_present (base, "merges.txt", dir, "merges.txt");
  if (variant != NULL) {
    char *variant_dir = g_build_filename (base, variant, NULL);
    for (guint i = 0; i < G_N_ELEMENTS (config_files); i++)
      copy_file_if_present (variant_dir, config_files[i], dir, config_files[i]);
    g_free (variant_dir);
  }
  g_free (base);
  return dir;
}

static const char *const folder_files[] = { "vocab.json", "merges.txt", "config.json",
  "special_tokens_map.json", "tokenizer_config.json", "added_tokens.json" };

static SlowFolders folders = {
  .fixtures = "roberta-slow",
  .texts_file = "roberta-slow/texts.txt",
  .more_than = 200,
  .make_folder = make_folder,
  .files = folder_files,
  .n_files = G_N_ELEMENTS (folder_files),
  .refused_variant = "special-map",
};

/* The same ids and offsets as the special-map folder on a few texts. */
static void
assert_same_as_special_map (BertTokenizer *tokenizer)
{
  const char *texts[] = { "Hello world", " a <mask> b", "Grüße, 東京!" };
  BertTokenizer *reference = slow_folder_load (&folders, "special-map");
  BertEncoding got, expected;

  bert_encoding_init (&got);
  bert_encoding_init (&expected);
  for (guint i = 0; i < G_N_ELEMENTS (texts); i++) {
    bert_tokenizer_encode (tokenizer, texts[i], strlen (texts[i]), G_MAXUINT, &got);
    bert_tokenizer_encode (reference, texts[i], strlen (texts[i]), G_MAXUINT, &expected);
    char *got_text = encoding_describe (&got, FALSE), *expected_text = encoding_describe (&expected, FALSE);
    g_assert_cmpstr (got_text, ==, expected_text);
    g_free (got_text);
    g_free (expected_text);
  }
  bert_encoding_clear (&got);
  bert_encoding_clear (&expected);
  bert_tokenizer_free (reference);
}

/* merges.txt as tokenizers reads it: CRLF line ends, "#version" lines anywhere, and no
 * newline at the end. */
static void
test_merges_line_ends_are_read (void)
{
  char *dir = make_folder ("special-map");
  char *path = g_build_filename (dir, "merges.txt", NULL);
  char *merges = read_file_contents (path, NULL);
  char **lines = g_strsplit (merges, "\n", -1);
  guint n = g_strv_length (lines);
  g_assert_cmpstr (lines[n - 1], ==, "");
  g_free (lines[n - 1]);
  lines[n - 1] = NULL;
  char *crlf = g_strjoinv ("\r\n", lines);
  char *edited = g_strdup_printf ("#version: 0.2\r\n%s", crlf);
  write_file_in (dir, "merges.txt", edited, -1);
  GError *error = NULL;
  BertTokenizer *tokenizer = bert_tokenizer_new_from_path (dir, &error);
  g_assert_no_error (error);
  assert_same_as_special_map (tokenizer);
  bert_tokenizer_free (tokenizer);
  g_free (edited);
  g_free (crlf);
  g_strfreev (lines);
  g_free (merges);
  g_free (path);
  slow_folder_remove (&folders, dir);
}

/* ---- refusals ---- */

static void
test_other_classes_are_refused (void)
{
  slow_folder_expect_refused (&folders, "tokenizer_config.json", "{\"tokenizer_class\": \"GPT2Tokenizer\"}",
      BERT_TOKENIZER_ERROR_UNSUPPORTED, "GPT2Tokenizer", "save_pretrained", NULL);
  slow_folder_expect_refused (&folders, "config.json", "{\"model_type\": \"bart\"}",
      BERT_TOKENIZER_ERROR_UNSUPPORTED, "'bart'", "save_pretrained", NULL);
  slow_folder_expect_refused (&folders, "config.json",
      "{\"model_type\": \"roberta\", \"tokenizer_class\": \"BartTokenizer\"}",
      BERT_TOKENIZER_ERROR_UNSUPPORTED, "BartTokenizer", "config.json", NULL);
  slow_folder_expect_refused (&folders, "config.json", NULL, BERT_TOKENIZER_ERROR_UNSUPPORTED, "model_type",
      "save_pretrained", NULL);
}

/* Settings with which transformers builds more than RobertaTokenizer's tokenizer. */
static void
test_other_settings_are_refused (void)
{
  slow_folder_expect_refused (&folders, "tokenizer_config.json",
      "{\"added_tokens_decoder\": {\"0\": {\"content\": \"<s>\", \"special\": true}}}",
      BERT_TOKENIZER_ERROR_UNSUPPORTED, "added_tokens_decoder", "save_pretrained", NULL);
  slow_folder_expect_refused (&folders, "tokenizer_config.json", "{\"add_bos_token\": false}",
      BERT_TOKENIZER_ERROR_UNSUPPORTED, "add_bos_token", NULL);
  slow_folder_expect_refused (&folders, "special_tokens_map.json",
      "{\"additional_special_tokens\": [\"<x>\"]}", BERT_TOKENIZER_ERROR_UNSUPPORTED,
      "special_tokens_map.json", "additional_special_tokens", NULL);
  slow_folder_expect_refused (&folders, "special_tokens_map.json", "{\"user_token\": \"<user>\"}",
      BERT_TOKENIZER_ERROR_UNSUPPORTED, "user_token", NULL);
  slow_folder_expect_refused (&folders, "added_tokens.json", "{\"<user>\": 2001}",
      BERT_TOKENIZER_ERROR_UNSUPPORTED, "added_tokens.json", "save_pretrained", NULL);
}

static void
test_malformed_files_are_refused (void)
{
  slow_folder_expect_refused (&folders, "merges.txt", "#version: 0.2\n\xc4\xa0 \xc4\xa0\n\nt h\n",
      BERT_TOKENIZER_ERROR_FORMAT, "merges.txt:3: a merge must be two tokens", NULL);
  slow_folder_expect_refused (&folders, "merges.txt", "\xc4\xa0 \xc4\xa0\nt h e\n",
      BERT_TOKENIZER_ERROR_FORMAT, "merges.txt:2:", NULL);
  slow_folder_expect_refused (&folders, "merges.txt", "\xc4\xa0 \xc4\xa0\nzzz qqq\n",
      BERT_TOKENIZER_ERROR_FORMAT, "merges.txt:2: 'zzz' is not in vocab.json", NULL);
  slow_folder_expect_refused (&folders, "merges.txt", "\xc4\xa0 \xff\n", BERT_TOKENIZER_ERROR_FORMAT,
      "merges.txt:1: not a line of UTF-8", NULL);
  slow_folder_expect_refused (&folders, "vocab.json", "{\"a\": 0,\n \"b\": 1,,\n}",
      BERT_TOKENIZER_ERROR_FORMAT, "vocab.json:2:", NULL);
  slow_folder_expect_refused (&folders, "vocab.json", "{\"a\": 0, \"b\": \"one\"}",
      BERT_TOKENIZER_ERROR_FORMAT, "vocab.json", "'b'", NULL);
  slow_folder_expect_refused (&folders, "vocab.json", "{\"a\": 0, \"b\": 0}", BERT_TOKENIZER_ERROR_FORMAT,
      "vocab.json", "'a'", "'b'", NULL);
  slow_folder_expect_refused (&folders, "vocab.json", "[\"a\"]", BERT_TOKENIZER_ERROR_FORMAT, "vocab.json",
      "not a JSON object", NULL);
  /* json-glib keeps the later of two equal keys: the error says why an id is out of range */
  slow_folder_expect_refused (&folders, "vocab.json", "{\"a\": 0, \"b\": 1, \"a\": 2}",
      BERT_TOKENIZER_ERROR_FORMAT, "the id of 'a' must be an integer from 0 to 1",
      "a token listed twice counts once", NULL);
  slow_folder_expect_refused (&folders, "special_tokens_map.json", "{\"mask_token\": 3}",
      BERT_TOKENIZER_ERROR_FORMAT, "special_tokens_map.json", "mask_token", NULL);
}

/* Without the token in special_tokens_map.json the class's default stands (<mask> here,
 * found in the text with its lstrip). Set to null there, transformers 5.25 has no mask token
 * ("<mask>" in the text became Ġ<, m, as, k, >), which gst-bert refuses. */
static void
test_null_special_token_is_refused (void)
{
  const char *text = "Hello <mask> world, and again<mask>.";
  char *without = slow_folder_describe (&folders, "special-map", "special_tokens_map.json", "{}", -1, text);
  g_assert_nonnull (strstr (without, " 2000:0:6:12 ")); /* transformers 5.25's answer */
  g_free (without);
  slow_folder_expect_refused (&folders, "special_tokens_map.json", "{\"mask_token\": null}",
      BERT_TOKENIZER_ERROR_FORMAT, "special_tokens_map.json", "field 'mask_token' is null", NULL);
}

/* Without merges.txt the folder is no RoBERTa folder: the usual message, naming all three. */
static void
test_vocab_json_alone_is_not_a_tokenizer (void)
{
  slow_folder_expect_refused (&folders, "merges.txt", NULL, BERT_TOKENIZER_ERROR_FILE,
      "neither tokenizer.json nor vocab.txt", "vocab.json and merges.txt", NULL);
}

int
main (int argc, char **argv)
{
  data_dir = folders.data_dir = test_init_with_path (&argc, &argv, "DATA_DIR");
  slow_folders_add_tests (&folders, "/roberta-slow/texts", "/roberta-slow/pairs", variants,
      G_N_ELEMENTS (variants));
  g_test_add_func ("/roberta-slow/merges-line-ends", test_merges_line_ends_are_read);
  g_test_add_func ("/roberta-slow/other-classes-refused", test_other_classes_are_refused);
  g_test_add_func ("/roberta-slow/other-settings-refused", test_other_settings_are_refused);
  g_test_add_func ("/roberta-slow/malformed-files-refused", test_malformed_files_are_refused);
  g_test_add_func ("/roberta-slow/vocab-json-alone", test_vocab_json_alone_is_not_a_tokenizer);
  g_test_add_func ("/roberta-slow/null-special-token-refused", test_null_special_token_is_refused);
  return g_test_run ();
}
