/* test-mpnet-slow-files: MPNet folders with vocab.txt and no tokenizer.json.
 *
 * For every variant of data/mpnet-slow/ (made by make-mpnet-slow-fixtures.py with
 * transformers' AutoTokenizer, which builds MPNetTokenizer), builds the folder (vocab.txt and
 * the variant's config files) and compares ids, type ids and byte offsets with
 * transformers' outputs, for single texts and for pairs (<s> A </s></s> B </s>). Then
 * vocab.txt as tokenizers reads it (CRLF, whitespace at line ends), and what transformers
 * would build otherwise, or could not: more special tokens, a token listed twice, malformed
 * files, refused with the file and the line.
 */
#include "bert_tokenizer.h"
#include "slow_folders_support.h"
#include "tokenizer_test_support.h"

#include <glib/gstdio.h>
#include <string.h>

static const char *data_dir;

static const char *variants[] = { "all-mpnet", "model-type", "cased", "new-specials", "unknown-members" };

static const char *const config_files[] = { "config.json", "special_tokens_map.json",
  "tokenizer_config.json" };

/* A temporary folder of vocab.txt and the variant's config files. */
static char *
make_folder (const char *variant)
{
  char *base = g_build_filename (data_dir, "mpnet-slow", NULL);
  char *dir = scratch_folder_new ("mpnet-slow-XXXXXX");
  char *variant_dir = g_build_filename (base, variant, NULL);

  copy_file_if_present (base, "vocab.txt", dir, "vocab.txt");
  for (guint i = 0; i < G_N_ELEMENTS (config_files); i++)
    copy_file_if_present (variant_dir, config_files[i], dir, config_files[i]);
  g_free (variant_dir);
  g_free (base);
  return dir;
}

static const char *const folder_files[] = { "vocab.txt", "config.json", "special_tokens_map.json",
  "tokenizer_config.json", "added_tokens.json" };

static SlowFolders folders = {
  .fixtures = "mpnet-slow",
  .texts_file = "mpnet-slow/texts.txt",
  .more_than = 200,
  .make_folder = make_folder,
  .files = folder_files,
  .n_files = G_N_ELEMENTS (folder_files),
  .refused_variant = "all-mpnet",
};

/* Only unknown-members warns: its AddedToken objects' members that transformers ignores
 * are named with their file and token, and ignored as there. */
static void
test_variant_warning (gconstpointer data)
{
  const char *variant = data;
  BertTokenizer *tokenizer = slow_folder_load (&folders, variant);
  const char *warning = bert_tokenizer_get_warning (tokenizer);

  if (strcmp (variant, "unknown-members") != 0) {
    g_assert_null (warning);
  } else {
    g_assert_nonnull (warning);
    g_test_message ("%s", warning);
    g_assert_nonnull (strstr (warning, "tokenizer_config.json: AddedToken objects"));
    g_assert_nonnull (strstr (warning, "'unk_token.foo' ('[UNK]')"));
    g_assert_nonnull (strstr (warning, "special_tokens_map.json: AddedToken objects"));
    g_assert_nonnull (strstr (warning, "'mask_token.singel_word' ('<mask>')"));
    g_assert_null (strstr (warning, "__type"));
  }
  bert_tokenizer_free (tokenizer);
}

/* The all-mpnet folder with vocab.txt replaced by vocab (NULL: kept), encoding text. */
static char *
encode_all_mpnet (const char *vocab, const char *text)
{
  return slow_folder_describe (&folders, "all-mpnet", vocab != NULL ? "vocab.txt" : NULL, vocab, -1, text);
}

/* vocab.txt with every "\n" made "\r\n", spaces, a tab and U+3000 at line ends and no
 * final newline: tokenizers' WordPiece::read_file gives the same tokens (lines less their
 * whitespace at the end), so the same encoding. */
static void
test_vocab_line_ends_are_read (void)
{
  const char *text = "Hello <mask> world, naïve 東京!";
  char *path = g_build_filename (data_dir, "mpnet-slow", "vocab.txt", NULL);
  char *vocab = read_file_contents (path, NULL);
  char **lines = g_strsplit (vocab, "\n", -1);
  guint n = g_strv_length (lines);

  g_assert_cmpstr (lines[n - 1], ==, "");
  g_free (lines[n - 1]);
  lines[n - 1] = NULL;
  for (guint i = 0; i < n - 1; i += 3) {
    char *padded = g_strconcat (lines[i], i % 2 ? " \t" : "\xe3\x80\x80 ", NULL);
    g_free (lines[i]);
    lines[i] = padded;
  }
  char *edited = g_strjoinv ("\r\n", lines);
  char *expected = encode_all_mpnet (NULL, text), *got = encode_all_mpnet (edited, text);
  g_assert_cmpstr (got, ==, expected);
  g_free (got);
  g_free (expected);
  g_free (edited);
  g_strfreev (lines);
  g_free (vocab);
  g_free (path);
}

/* A BOM before vocab.txt's first line stays in token 0 ("\xef\xbb\xbf<s>"), as tokenizers
 * 0.23.3's WordPiece::read_file and transformers' own load_vocab keep it: transformers 5.25
 * then adds <s> as token 1500 + 1 and encodes "a <s> b" as 1501 40 1501 41 2. */
static void
test_vocab_bom_stays_in_the_first_token (void)
{
  char *path = g_build_filename (data_dir, "mpnet-slow", "vocab.txt", NULL);
  char *vocab = read_file_contents (path, NULL);
  char *with_bom = g_strconcat ("\xef\xbb\xbf", vocab, NULL);
  char *got = encode_all_mpnet (with_bom, "a <s> b");

  g_assert_cmpstr (got, ==, "1501:0:0:0 40:0:0:1 1501:0:2:5 41:0:6:7 2:0:0:0");
  g_free (got);
  g_free (with_bom);
  g_free (vocab);
  g_free (path);
}

/* ---- refusals ---- */

/* Settings with which transformers builds more than MPNetTokenizer's tokenizer. */
static void
test_other_settings_are_refused (void)
{
  slow_folder_expect_refused (&folders, "tokenizer_config.json",
      "{\"tokenizer_class\": \"MPNetTokenizer\", \"added_tokens_decoder\": {\"0\": {\"content\": \"<s>\"}}}",
      BERT_TOKENIZER_ERROR_UNSUPPORTED, "added_tokens_decoder", "save_pretrained", NULL);
  slow_folder_expect_refused (&folders, "special_tokens_map.json",
      "{\"additional_special_tokens\": [\"<x>\"]}", BERT_TOKENIZER_ERROR_UNSUPPORTED,
      "special_tokens_map.json", "additional_special_tokens", NULL);
  slow_folder_expect_refused (&folders, "added_tokens.json", "{\"<user>\": 1501}",
      BERT_TOKENIZER_ERROR_UNSUPPORTED, "added_tokens.json", "save_pretrained", NULL);
  slow_folder_expect_refused (&folders, "tokenizer_config.json",
      "{\"tokenizer_class\": \"MPNetTokenizer\", \"auto_map\": {\"AutoTokenizer\": [\"x.T\", null]}}",
      BERT_TOKENIZER_ERROR_UNSUPPORTED, "auto_map", NULL);
}

static void
test_malformed_files_are_refused (void)
{
  slow_folder_expect_refused (&folders, "vocab.txt", "<s>\n<pad>\nhello\n</s>\nhello \n",
      BERT_TOKENIZER_ERROR_FORMAT, "vocab.txt:5: duplicate token 'hello' (first on line 3)", NULL);
  slow_folder_expect_refused (&folders, "vocab.txt", "<s>\n</s>\n\xff\n", BERT_TOKENIZER_ERROR_FORMAT,
      "vocab.txt:3: not a line of UTF-8", NULL);
  slow_folder_expect_refused (&folders, "vocab.txt", "", BERT_TOKENIZER_ERROR_FORMAT,
      "vocab.txt: the file is empty", NULL);
  slow_folder_expect_refused (&folders, "tokenizer_config.json",
      "{\"tokenizer_class\": \"MPNetTokenizer\", \"strip_accents\": 1}", BERT_TOKENIZER_ERROR_FORMAT,
      "tokenizer_config.json", "strip_accents", NULL);
  slow_folder_expect_refused (&folders, "special_tokens_map.json", "{\"mask_token\": 3}",
      BERT_TOKENIZER_ERROR_FORMAT, "special_tokens_map.json", "mask_token", NULL);
  /* an AddedToken object's bad member is named, not only its token */
  slow_folder_expect_refused (&folders, "special_tokens_map.json",
      "{\"mask_token\": {\"content\": \"<mask>\", \"lstrip\": \"yes\"}}", BERT_TOKENIZER_ERROR_FORMAT,
      "special_tokens_map.json", "'mask_token.lstrip' must be true or false", NULL);
  slow_folder_expect_refused (&folders, "special_tokens_map.json", "{\"unk_token\": {\"content\": 7}}",
      BERT_TOKENIZER_ERROR_FORMAT, "special_tokens_map.json", "'unk_token.content' must be a string", NULL);
  /* transformers 5.25 then has no [UNK] ("Missing [UNK] token" on a word outside the
   * vocabulary) and no <mask> token ("<mask>" became <, ma, ##sk, >); gst-bert kept them */
  slow_folder_expect_refused (&folders, "special_tokens_map.json", "{\"unk_token\": null}",
      BERT_TOKENIZER_ERROR_FORMAT, "special_tokens_map.json", "field 'unk_token' is null", NULL);
  slow_folder_expect_refused (&folders, "special_tokens_map.json",
      "{\"unk_token\": \"[UNK]\", \"mask_token\": null}", BERT_TOKENIZER_ERROR_FORMAT,
      "special_tokens_map.json", "field 'mask_token' is null", NULL);
}

/* A BERT folder's vocab.txt is still BERT's: the class decides, not the file. */
static void
test_bert_class_keeps_bert_template (void)
{
  const char *text = "hello";
  char *dir = make_folder ("all-mpnet");
  GError *error = NULL;
  BertEncoding encoding;

  write_file_in (dir, "tokenizer_config.json",
      "{\"tokenizer_class\": \"BertTokenizer\", \"cls_token\": \"<s>\", \"sep_token\": \"</s>\", "
      "\"unk_token\": \"[UNK]\"}",
      -1);
  write_file_in (dir, "config.json", "{\"model_type\": \"bert\"}", -1);
  char *map_path = g_build_filename (dir, "special_tokens_map.json", NULL);
  g_unlink (map_path);
  g_free (map_path);
  BertTokenizer *tokenizer = bert_tokenizer_new_from_path (dir, &error);
  g_assert_no_error (error);
  bert_encoding_init (&encoding);
  g_assert_true (
      bert_tokenizer_encode_pair (tokenizer, text, strlen (text), text, strlen (text), 0, &encoding, &error));
  g_assert_no_error (error);
  /* BERT's pair: <s> A </s> B </s>, B and its </s> of type 1; MPNet's would be
   * <s> A </s></s> B </s>, all of type 0 */
  g_assert_cmpint (encoding.type_ids[encoding.n_tokens - 1], ==, 1);
  bert_encoding_clear (&encoding);
  bert_tokenizer_free (tokenizer);
  slow_folder_remove (&folders, dir);
}

int
main (int argc, char **argv)
{
  data_dir = folders.data_dir = test_init_with_path (&argc, &argv, "DATA_DIR");
  slow_folders_add_tests (&folders, "/mpnet-slow/texts", "/mpnet-slow/pairs", variants,
      G_N_ELEMENTS (variants));
  test_add_per_name ("/mpnet-slow/warning", variants, G_N_ELEMENTS (variants), test_variant_warning);
  g_test_add_func ("/mpnet-slow/vocab-line-ends", test_vocab_line_ends_are_read);
  g_test_add_func ("/mpnet-slow/other-settings-refused", test_other_settings_are_refused);
  g_test_add_func ("/mpnet-slow/vocab-bom-stays-in-the-first-token", test_vocab_bom_stays_in_the_first_token);
  g_test_add_func ("/mpnet-slow/malformed-files-refused", test_malformed_files_are_refused);
  g_test_add_func ("/mpnet-slow/bert-class-keeps-bert-template", test_bert_class_keeps_bert_template);
  return g_test_run ();
}
