/* test-wordpiece-pipeline: WordPiece tokenizers of other shapes than BERT's against Hugging Face.
 *
 * The fixtures of data/wordpiece-shapes (made by make-wordpiece-fixtures.py with tokenizers 0.23.3) are the shapes the
 * tokenizers library's tutorials build: normalisers NFD, Lowercase and StripAccents in a
 * Sequence, or none; the pre-tokenizers Whitespace, WhitespaceSplit, BertPreTokenizer, or none;
 * TemplateProcessing, BertProcessing, RobertaProcessing (MPNet's), or no post-processor. Each
 * encodes data/parity-texts.txt and the pairs of data/pairs/cases.txt as its expected.txt and
 * pairs.txt say; BERT's own stages keep the fused path; what stays unsupported is refused naming the field. The texts
 * of run-edges.txt sit on the edges of the normalisers' and splitters' fast paths.
 */
#include "bert_tokenizer.h"
#include "bert_tokenizer_private.h"
#include "tokenizer_test_support.h"

#include <string.h>

static const char *data_dir;

static const char *fixtures[] = { "tutorial", "cased", "split", "bare", "raw-bert", "bert-whitespace",
  "bert-sequence", "digits", "punctuation", "punct-runs", "punct-removed", "mpnet" };

/* A fixture of data/wordpiece-shapes, or another folder of data/ (with its path there). */
static BertTokenizer *
load_fixture (const char *name)
{
  char *folder = g_build_filename (data_dir, "wordpiece-shapes", name, NULL);
  BertTokenizer *tokenizer = tokenizer_load_path (folder);
  g_free (folder);
  return tokenizer;
}

static void
test_texts_match_reference (gconstpointer name)
{
  assert_fixture_texts (data_dir, "wordpiece-shapes", name, "parity-texts.txt", "expected.txt", 200);
}

/* The fixtures whose normaliser or splitters have fast paths, on the texts at their edges
 * (data/wordpiece-shapes/run-edges.txt, made by make-run-edge-references.py). */
static const char *run_edge_fixtures[] = { "tutorial", "cased", "bert-whitespace", "bert-sequence", "digits",
  "punctuation", "punct-runs" };

static void
test_run_edges_match_reference (gconstpointer name)
{
  assert_fixture_texts (data_dir, "wordpiece-shapes", name, "wordpiece-shapes/run-edges.txt",
      "run-edges-expected.txt", 19);
}

static void
test_pairs_match_reference (gconstpointer name)
{
  /* truncation met (bare makes a text one token, so few pairs are cut) */
  g_assert_cmpuint (assert_fixture_pairs (data_dir, "wordpiece-shapes", name), >, 0);
}

/* BertNormalizer or none, then BertPreTokenizer: the fused path, whatever the post-processor
 * but RobertaProcessing, whose trim_offsets the pipeline applies. */
static void
test_bert_stages_keep_the_fused_path (void)
{
  BertTokenizer *raw = load_fixture ("raw-bert");
  BertTokenizer *bert = load_fixture ("../wordpiece-bert");
  BertTokenizer *tutorial = load_fixture ("tutorial");
  BertTokenizer *mpnet = load_fixture ("mpnet");

  g_assert_null (raw->pipeline);
  g_assert_null (bert->pipeline);
  g_assert_nonnull (tutorial->pipeline);
  g_assert_nonnull (mpnet->pipeline);
  bert_tokenizer_free (mpnet);
  bert_tokenizer_free (raw);
  bert_tokenizer_free (bert);
  bert_tokenizer_free (tutorial);
}

/* A copy of a fixture's tokenizer.json with from replaced by to: refused, the error holding
 * each of the NULL-ended parts. */
static void
check_refused (const char *name, const char *from, const char *to, ...)
{
  char *source = g_build_filename (data_dir, "wordpiece-shapes", name, "tokenizer.json", NULL);
  char *contents = read_file_contents (source, NULL);
  char *edited = text_with_first_replaced (contents, from, to);
  GError *error = NULL;
  va_list needles;

  g_assert_null (tokenizer_load_json_text (edited, &error));
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  va_start (needles, to);
  assert_message_holds (error->message, needles);
  va_end (needles);
  g_error_free (error);
  g_free (edited);
  g_free (contents);
  g_free (source);
}

static void
test_unsupported_pre_tokenizer_is_named (void)
{
  check_refused ("tutorial", "{\"type\":\"Whitespace\"}",
      "{\"type\":\"CharDelimiterSplit\",\"delimiter\":\"x\"}", "pre_tokenizer.type is CharDelimiterSplit",
      "Whitespace, WhitespaceSplit, BertPreTokenizer, Digits, Punctuation, a Sequence of them or null", NULL);
}

/* in a Sequence, named by its place; Punctuation's behaviours that merge are not read */
static void
test_unsupported_splitter_in_sequence_is_named (void)
{
  check_refused ("digits", "{\"type\":\"Digits\",\"individual_digits\":true}",
      "{\"type\":\"Punctuation\",\"behavior\":\"MergedWithPrevious\"}",
      "pre_tokenizer.pretokenizers[1].behavior is MergedWithPrevious", "Isolated, Contiguous or Removed",
      NULL);
  check_refused ("digits", "{\"type\":\"Digits\",\"individual_digits\":true}", "{\"type\":\"Digits\"}",
      "pre_tokenizer.pretokenizers[1].individual_digits", NULL);
}

/* Each splitter is a level of recursion: a Sequence of 35 is refused, not a stack overflow. */
static void
test_long_sequence_is_refused (void)
{
  GString *many = g_string_new ("[");
  for (guint i = 0; i < 33; i++)
    g_string_append (many, i ? ",{\"type\":\"WhitespaceSplit\"}" : "{\"type\":\"WhitespaceSplit\"}");
  check_refused ("punctuation", "[{\"type\":\"WhitespaceSplit\"}", many->str, "pre_tokenizer.pretokenizers",
      "up to 32", NULL);
  g_string_free (many, TRUE);
}

static void
test_unsupported_normalizer_is_named (void)
{
  check_refused ("tutorial", "{\"type\":\"StripAccents\"}", "{\"type\":\"Nmt\"}",
      "normalizer.normalizers[2].type is Nmt", "NFKC, StripAccents", NULL);
}

/* The unk token must be in the vocabulary, as for BERT's shape. */
static void
test_missing_unk_is_refused (void)
{
  check_refused ("bare", "\"unk_token\":\"[UNK]\"", "\"unk_token\":\"[NOPE]\"", "model.unk_token", "[NOPE]",
      NULL);
}

/* NFD's reordering hands spans out by position (see docs/tokenizer.md, Canonical
 * reordering): U+0F74 U+0F73 decomposes to U+0F74 U+0F71 U+0F72, sorted by combining class
 * to U+0F71 U+0F72 U+0F74, and the reference gives U+0F71 U+0F72 the span of U+0F74 (bytes
 * 1-4), U+0F74 that of U+0F73 (bytes 4-7), as tokenizers 0.23.3 does with this file. */
static void
test_nfd_reorders_as_the_reference (void)
{
  const char *json = "{\"version\":\"1.0\",\"truncation\":null,\"padding\":null,\"added_tokens\":[],"
                     "\"normalizer\":{\"type\":\"NFD\"},\"pre_tokenizer\":null,\"post_processor\":null,"
                     "\"decoder\":null,\"model\":{\"type\":\"WordPiece\",\"unk_token\":\"[UNK]\","
                     "\"continuing_subword_prefix\":\"##\",\"max_input_chars_per_word\":100,\"vocab\":{"
                     "\"[UNK]\":0,\"a\":1,\"##\u0f71\u0f72\":2,\"##\u0f74\":3,\"##\u0f71\":4}}}";
  GError *error = NULL;
  BertTokenizer *tokenizer = tokenizer_load_json_text (json, &error);
  BertEncoding encoding;
  const char *texts[] = { "a\u0f74\u0f73", "a\u0f73\u0f74" };
  const char *expected[] = { "1:0:0:1 2:0:1:4 3:0:4:7", "1:0:0:1 2:0:1:4 3:0:4:7" };

  g_assert_no_error (error);
  bert_encoding_init (&encoding);
  for (guint i = 0; i < G_N_ELEMENTS (texts); i++) {
    bert_tokenizer_encode (tokenizer, texts[i], strlen (texts[i]), 0, &encoding);
    char *described = encoding_describe (&encoding, FALSE);
    g_assert_cmpstr (described, ==, expected[i]);
    g_free (described);
  }
  bert_encoding_clear (&encoding);
  bert_tokenizer_free (tokenizer);
}

int
main (int argc, char **argv)
{
  data_dir = test_init_with_path (&argc, &argv, "DATA_DIR");
  test_add_per_name ("/wordpiece-pipeline/texts", fixtures, G_N_ELEMENTS (fixtures),
      test_texts_match_reference);
  test_add_per_name ("/wordpiece-pipeline/run-edges", run_edge_fixtures, G_N_ELEMENTS (run_edge_fixtures),
      test_run_edges_match_reference);
  test_add_per_name ("/wordpiece-pipeline/pairs", fixtures, G_N_ELEMENTS (fixtures),
      test_pairs_match_reference);
  g_test_add_func ("/wordpiece-pipeline/bert-stages-fused", test_bert_stages_keep_the_fused_path);
  g_test_add_func ("/wordpiece-pipeline/errors/unsupported-pre-tokenizer",
      test_unsupported_pre_tokenizer_is_named);
  g_test_add_func ("/wordpiece-pipeline/errors/unsupported-splitter-in-sequence",
      test_unsupported_splitter_in_sequence_is_named);
  g_test_add_func ("/wordpiece-pipeline/errors/long-sequence", test_long_sequence_is_refused);
  g_test_add_func ("/wordpiece-pipeline/errors/unsupported-normalizer", test_unsupported_normalizer_is_named);
  g_test_add_func ("/wordpiece-pipeline/errors/missing-unk", test_missing_unk_is_refused);
  g_test_add_func ("/wordpiece-pipeline/nfd-reorders", test_nfd_reorders_as_the_reference);
  return g_test_run ();
}
