/* test-unigram-vocab: a Unigram vocabulary read from tokenizer.json's text, as json-glib reads it.
 *
 * bert_unigram_vocab_take must give exactly the pieces and numbers of json-glib's tree and
 * leave the rest of the document as it was, or leave the text untouched (json-glib and the
 * tree's reader then do what they did), also where json-glib reads more than JSON ('strings',
 * comments). Needs nothing outside the repository.
 */
#include "bert_tokenizer.h"
#include "bert_unigram_vocab.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

static const char *data_dir;

static JsonNode *
parse (const char *text)
{
  JsonParser *parser = json_parser_new ();
  GError *error = NULL;
  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  JsonNode *root = json_node_copy (json_parser_get_root (parser));
  g_object_unref (parser);
  return root;
}

static JsonObject *
model_of (JsonNode *root)
{
  return json_object_get_object_member (json_node_get_object (root), "model");
}

/* The text's vocabulary is taken, equal to json-glib's, and what is left is the same
 * document with an empty vocabulary. */
static void
assert_taken_as_json_glib (const char *original)
{
  char *text = g_strdup (original);
  gsize length = strlen (text);
  BertUnigramVocab vocab;
  JsonNode *root = parse (original);
  JsonArray *pairs = json_object_get_array_member (model_of (root), "vocab");

  g_assert_true (bert_unigram_vocab_take (text, &length, &vocab));
  text[length] = '\0';
  g_assert_cmpuint (vocab.n, ==, json_array_get_length (pairs));
  for (guint i = 0; i < vocab.n; i++) {
    JsonArray *pair = json_array_get_array_element (pairs, i);
    const char *piece = json_array_get_string_element (pair, 0);
    JsonNode *score = json_array_get_element (pair, 1);
    gboolean integral = json_node_get_value_type (score) == G_TYPE_INT64;
    double number = integral ? (double) json_node_get_int (score) : json_node_get_double (score);
    g_assert_cmpmem (vocab.text + vocab.starts[i], vocab.starts[i + 1] - vocab.starts[i], piece,
        strlen (piece));
    g_assert_cmpint (vocab.integral[i], ==, integral);
    g_assert_cmpmem (&vocab.numbers[i], sizeof (double), &number, sizeof number);
  }

  JsonNode *emptied = parse (text);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (model_of (emptied), "vocab")), ==,
      0);
  json_object_set_array_member (model_of (root), "vocab", json_array_new ());
  char *expected = json_to_string (root, FALSE), *found = json_to_string (emptied, FALSE);
  g_assert_cmpstr (found, ==, expected);
  g_free (expected);
  g_free (found);
  json_node_unref (emptied);
  json_node_unref (root);
  bert_unigram_vocab_clear (&vocab);
  g_free (text);
}

static char *
read_fixture (const char *name)
{
  char *path = g_build_filename (data_dir, name, "tokenizer.json", NULL), *text;
  GError *error = NULL;
  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  g_free (path);
  return text;
}

/* The sentencepiece models as transformers converts them; unigram-hf's vocabulary holds \u
 * escapes, so json-glib reads it. */
static void
test_fixtures_read_as_json_glib (void)
{
  static const char *names[] = { "unigram-nmt-nfkc", "unigram-nmt-nfkc-cf", "unigram-byte-fallback" };
  for (guint i = 0; i < G_N_ELEMENTS (names); i++) {
    char *text = read_fixture (names[i]);
    assert_taken_as_json_glib (text);
    g_free (text);
  }
  char *text = read_fixture ("unigram-hf"), *copy = g_strdup (text);
  gsize length = strlen (copy);
  BertUnigramVocab vocab;
  g_assert_false (bert_unigram_vocab_take (copy, &length, &vocab));
  g_assert_cmpstr (copy, ==, text);
  g_free (copy);
  g_free (text);
}

static void
test_plain_forms_read_as_json_glib (void)
{
  assert_taken_as_json_glib (
      "{\"added_tokens\": [{\"model\": 1, \"x\": \"\\\"model\\\"\"}],\n"
      " \"model\": {\"unk_id\": 0, \"vocab\": [\n"
      "  [\"<unk>\", 0], [\"a\\\"b\", -1], [\"\\\\\", -0], [\"\\/\\b\\f\\n\\r\\t\", 5],\n"
      "  [\"\xc3\xa9\xe2\x96\x81\", 1e2], [ \"x\" ,\t-1.5E-3 ] , [\"y\", 123456789012345678],\n"
      "  [\"z\", 0.1], [\"w\", -17.372573852539062], [\"v\", -0.0], [\"u\", 2.5e-400]\n"
      " ], \"type\": \"Unigram\", \"byte_fallback\": false}, \"normalizer\": null}\n");
}

/* Documents whose vocabulary is left to json-glib: untouched. */
static void
test_others_left_to_json_glib (void)
{
  static const char *documents[] = {
    "{\"model\": {\"type\": \"Unigram\", \"vocab\": [[\"\\u0041\", -1]]}}", /* \u escapes */
    "{\"model\": {\"type\": \"Unigram\", \"vocab\": [[\"a\", -1]]}, \"model\": {}}",
    "{\"mod\\u0065l\": {}, \"model\": {\"type\": \"Unigram\", \"vocab\": [[\"a\", -1]]}}",
    "{\"model\": {\"type\": \"Unigram\", \"vocab\": [[\"a\", -1]], \"vocab\": []}}",
    "{\"model\": {\"type\": \"BPE\", \"vocab\": [[\"a\", -1]]}}",
    "{\"model\": {\"type\": \"Unigr\\u0061m\", \"vocab\": [[\"a\", -1]]}}",
    "{\"model\": {\"type\": \"Unigram\", \"vocab\": []}}",
    "{\"model\": {\"type\": \"Unigram\", \"vocab\": {\"a\": 1}}}",
    "{\"model\": {\"type\": \"Unigram\", \"vocab\": [[\"a\", 1234567890123456789]]}}", /* 19 digits */
    "{\"model\": {\"type\": \"Unigram\", \"vocab\": [[\"a\", 01]]}}",
    "{\"model\": {\"type\": \"Unigram\", \"vocab\": [[\"a\", 1.]]}}",
    "{\"model\": {\"type\": \"Unigram\", \"vocab\": [[\"a\", - 1]]}}",
    "{\"model\": {\"type\": \"Unigram\", \"vocab\": [[\"a\", 1e400]]}}",
    "{\"model\": {\"type\": \"Unigram\", \"vocab\": [[\"a\", -1],]}}",
    "{\"model\": {\"type\": \"Unigram\", \"vocab\": [[\"a\", -1, 2]]}}",
    "{\"model\": {\"type\": \"Unigram\", \"vocab\": [[\"a\", \"-1\"]]}}",
    "{\"model\": {\"type\": \"Unigram\", \"vocab\": [[\"a\tb\", -1]]}}", /* a raw tab */
    "{\"model\": {\"type\": \"Unigram\", \"vocab\": [[\"\xff\", -1]]}}",
    "{\"model\": {\"type\": \"Unigram\", \"vocab\": [[\"a\", -1]\f]}}",
    "\xef\xbb\xbf{\"model\": {\"type\": \"Unigram\", \"vocab\": [[\"a\", -1]]}}",
    "[{\"model\": {\"type\": \"Unigram\", \"vocab\": [[\"a\", -1]]}}]",
    "{\"model\": {\"type\": \"Unigram\", \"vocab\": [[\"a\", -1]]",
    "{\"model\": {\"type\": \"Unigram\", \"vocab\": [[\"a\\",
    /* json-glib's comments and 'strings', which would hide a member from JSON's reading:
     * json-glib reads the first as {"x": [0]} */
    "{\"x\": [0/*], \"model\": {\"type\": \"Unigram\", \"vocab\": [[\"a\", -1]]}, \"y\": [*/]}",
    "{\"x\": ['a\"'], \"model\": {\"type\": \"Unigram\", \"vocab\": [[\"a\", -1]]}, \"y\": ['\"b']}",
    "{\"a\": 'x', \"model\": {\"type\": \"Unigram\", \"vocab\": [[\"a\", -1]]}}",
  };
  for (guint i = 0; i < G_N_ELEMENTS (documents); i++) {
    char *text = g_strdup (documents[i]);
    gsize length = strlen (text);
    BertUnigramVocab vocab;
    g_assert_false (bert_unigram_vocab_take (text, &length, &vocab));
    g_assert_cmpuint (length, ==, strlen (documents[i]));
    g_assert_cmpstr (text, ==, documents[i]);
    g_assert_cmpuint (vocab.n, ==, 0);
    g_free (text);
  }
}

/* A syntax error past a vocabulary read from the text is reported where the original
 * text has it (the text without the vocabulary has fewer lines). */
static void
test_later_error_placed_in_the_original (void)
{
  const char *text = "{\"added_tokens\": [], \"model\": {\"type\": \"Unigram\", \"unk_id\": 0,\n"
                     "  \"vocab\": [\n    [\"<unk>\", 0],\n    [\"\xc3\xa9\xc3\xa9\", -1]\n  ]},\n"
                     "  \"normalizer\": nul}\n";
  char *dir = g_dir_make_tmp ("test-unigram-vocab-XXXXXX", NULL);
  char *path = g_build_filename (dir, "tokenizer.json", NULL);
  JsonParser *parser = json_parser_new ();
  GError *error = NULL, *expected = NULL;

  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  g_assert_false (json_parser_load_from_data (parser, text, -1, &expected));
  g_assert_null (bert_tokenizer_new_from_path (path, &error));
  char *message = g_strconcat (path, expected->message + strlen ("<data>"), NULL);
  g_assert_cmpstr (error->message, ==, message);
  g_free (message);
  g_error_free (error);
  g_error_free (expected);
  g_object_unref (parser);
  g_unlink (path);
  g_rmdir (dir);
  g_free (path);
  g_free (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (argc < 2)
    g_error ("usage: %s DATA_DIR", argv[0]);
  data_dir = argv[1];
  g_test_add_func ("/unigram-vocab/fixtures-read-as-json-glib", test_fixtures_read_as_json_glib);
  g_test_add_func ("/unigram-vocab/plain-forms-read-as-json-glib", test_plain_forms_read_as_json_glib);
  g_test_add_func ("/unigram-vocab/others-left-to-json-glib", test_others_left_to_json_glib);
  g_test_add_func ("/unigram-vocab/later-error-placed-in-the-original",
      test_later_error_placed_in_the_original);
  return g_test_run ();
}
