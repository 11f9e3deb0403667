/* test-normalized-added: added tokens with "normalized": true against Hugging Face.
 *
 * Each folder under data/normalized-added/ (made by make-normalized-added-fixtures.py with
 * tokenizers 0.23.3) is a tokenizer whose added tokens are matched after normalisation:
 * WordPiece, Unigram and byte-level BPE, with lstrip, rstrip and single_word, next to tokens
 * matched in the raw text (some single_word too). A folder holds its tokenizer.json, or variant.json: a fixture of data/ and the
 * added tokens that replace its own. Every text of texts.txt must give the ids, type ids and
 * byte offsets of the folder's expected.txt. Needs nothing outside the repository.
 */
#include "bert_tokenizer.h"
#include "tokenizer_test_support.h"

#include <json-glib/json-glib.h>
#include <stdlib.h>
#include <string.h>

static const char *data_dir;

static const char *variants[] = { "xlmr-mask-normalized", "unigram-lowercase-first",
  "unigram-casefold-always", "bpe-roberta-normalized", "wordpiece-uncased" };

/* The base fixture's tokenizer.json with the variant's added tokens, as JSON text. */
static char *
variant_json (const char *variant_path)
{
  GError *error = NULL;
  JsonParser *variant = json_parser_new (), *base = json_parser_new ();
  json_parser_load_from_file (variant, variant_path, &error);
  g_assert_no_error (error);
  JsonObject *description = json_node_get_object (json_parser_get_root (variant));
  char *base_path = g_build_filename (data_dir, json_object_get_string_member (description, "base"),
      "tokenizer.json", NULL);
  json_parser_load_from_file (base, base_path, &error);
  g_assert_no_error (error);
  JsonObject *root = json_node_get_object (json_parser_get_root (base));
  json_object_set_member (root, "added_tokens",
      json_node_copy (json_object_get_member (description, "added_tokens")));
  char *text = json_to_string (json_parser_get_root (base), FALSE);
  g_object_unref (variant);
  g_object_unref (base);
  g_free (base_path);
  return text;
}

static BertTokenizer *
load_variant (const char *name)
{
  GError *error = NULL;
  BertTokenizer *tokenizer;
  char *folder = g_build_filename (data_dir, "normalized-added", name, NULL);
  char *variant_path = g_build_filename (folder, "variant.json", NULL);
  if (g_file_test (variant_path, G_FILE_TEST_EXISTS)) {
    char *text = variant_json (variant_path);
    tokenizer = tokenizer_load_json_text (text, &error);
    g_free (text);
  } else {
    tokenizer = bert_tokenizer_new_from_path (folder, &error);
  }
  g_assert_no_error (error);
  g_free (variant_path);
  g_free (folder);
  return tokenizer;
}

static void
test_variant_matches_reference (gconstpointer data)
{
  const char *name = data;
  char *texts_path = g_build_filename (data_dir, "normalized-added", "texts.txt", NULL);
  char *expected_path = g_build_filename (data_dir, "normalized-added", name, "expected.txt", NULL);
  BertTokenizer *tokenizer = load_variant (name);
  guint n_texts;

  guint n_differ = texts_unlike_expected (tokenizer, texts_path, expected_path, name, &n_texts);
  g_assert_cmpuint (n_texts, >, 100);
  g_assert_cmpuint (n_differ, ==, 0);
  bert_tokenizer_free (tokenizer);
  g_free (texts_path);
  g_free (expected_path);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (argc < 2) {
    g_printerr ("usage: %s DATA_DIR\n", argv[0]);
    return 1;
  }
  data_dir = argv[1];
  test_add_per_name ("/normalized-added/matches-reference", variants, G_N_ELEMENTS (variants),
      test_variant_matches_reference);
  return g_test_run ();
}
