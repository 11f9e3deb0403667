/* test-tokenizer-pairs: sequence pairs against Hugging Face tokenizers.
 *
 * For every tokenizer with a reference in data/pairs/ (made by make-pair-references.py with
 * tokenizers 0.23.3: encode (a, b) with truncation longest_first), encodes each pair of
 * data/pairs/cases.txt with bert_tokenizer_encode_pair and compares ids, type ids, the
 * sequence of each token and byte offsets. The fixtures of data/ run everywhere; the shared
 * tokenizers ($GST_BERT_SHARED_DIR/tokenizers/NAME) are skipped when that folder is absent.
 * Then what the references do not show: a pair template that cannot be followed is refused
 * with its reason, and single texts say where their sequence lies.
 */
#include "bert_tokenizer.h"
#include "tokenizer_test_support.h"

#include <stdlib.h>
#include <string.h>

static const char *data_dir;

/* The fixture with an unusual pair template, as make-pair-references.py edits it. */
#define PAIR_VARIANT "unigram-hf-pair-template"
/* $B before $A: no exact pair form. */
#define PAIR_REVERSED                                                                                        \
  "\"pair\":[{\"Sequence\":{\"id\":\"B\",\"type_id\":0}},{\"Sequence\":{\"id\":\"A\",\"type_id\":0}}]"
/* $B twice: once the template is known unsupported, a later $B must not be stored (it was,
 * past the end of the per-sequence type ids: found by fuzz-tokenizer-json). */
#define PAIR_B_TWICE                                                                                         \
  "\"pair\":[{\"Sequence\":{\"id\":\"B\",\"type_id\":0}},{\"Sequence\":{\"id\":\"B\",\"type_id\":1}}]"

static const char *local_tokenizers[] = { "unigram-nmt-nfkc", "unigram-nmt-nfkc-cf", "unigram-byte-fallback",
  "unigram-hf", "bpe-roberta", "bpe-affixes", PAIR_VARIANT, "vocab" };
static const char *shared_tokenizers[] = { "all-MiniLM-L6-v2", "bert-base-cased", "bert-base-chinese",
  "bert-base-multilingual-cased", "uncased-vocab-cased-rules" };

/* A copy of a fixture's tokenizer.json with from replaced by to, loaded; the error if not. */
static BertTokenizer *
load_edited (const char *name, const char *from, const char *to, GError **error)
{
  char *source = g_build_filename (data_dir, name, "tokenizer.json", NULL);
  char *contents = read_file_contents (source, NULL);
  char *edited = text_with_first_replaced (contents, from, to);
  BertTokenizer *tokenizer = tokenizer_load_json_text (edited, error);
  g_free (edited);
  g_free (contents);
  g_free (source);
  return tokenizer;
}

/* NULL (the test skipped) when a shared tokenizer is absent. */
static BertTokenizer *
load_tokenizer (const char *name)
{
  GError *error = NULL;
  BertTokenizer *tokenizer;
  char *path;

  if (strcmp (name, PAIR_VARIANT) == 0)
    tokenizer = load_edited ("unigram-hf", UNIGRAM_HF_PAIR_FROM, UNIGRAM_HF_PAIR_TO, &error);
  else if (strcmp (name, "vocab") == 0) {
    path = g_build_filename (data_dir, "vocab.txt", NULL);
    tokenizer = bert_tokenizer_new_from_path (path, &error);
    g_free (path);
  } else if (g_file_test ((path = g_build_filename (data_dir, name, NULL)), G_FILE_TEST_IS_DIR)) {
    tokenizer = bert_tokenizer_new_from_path (path, &error);
    g_free (path);
  } else {
    const char *shared = g_getenv ("GST_BERT_SHARED_DIR");
    g_free (path);
    path = shared ? g_build_filename (shared, "tokenizers", name, NULL) : NULL;
    if (path == NULL || !g_file_test (path, G_FILE_TEST_IS_DIR)) {
      char *message = g_strdup_printf ("%s not found (set GST_BERT_SHARED_DIR to the shared data folder)",
          path ? path : "$GST_BERT_SHARED_DIR/tokenizers");
      g_test_skip (message);
      g_free (message);
      g_free (path);
      return NULL;
    }
    tokenizer = bert_tokenizer_new_from_path (path, &error);
    g_free (path);
  }
  g_assert_no_error (error);
  return tokenizer;
}

static void
test_pairs_match_reference (gconstpointer data)
{
  const char *name = data;
  BertTokenizer *tokenizer = load_tokenizer (name);
  if (tokenizer == NULL)
    return;
  char *expected_path = g_strdup_printf ("%s/pairs/%s.txt", data_dir, name);
  char *cases_path = g_build_filename (data_dir, "pairs", "cases.txt", NULL);
  guint n_truncated = assert_pairs_as_expected (tokenizer, cases_path, expected_path, name);

  g_assert_cmpuint (n_truncated, >, 20);
  bert_tokenizer_free (tokenizer);
  g_free (cases_path);
  g_free (expected_path);
}

static void
check_pair_template_is_refused (const char *template)
{
  GError *error = NULL;
  BertTokenizer *tokenizer = load_edited ("unigram-hf", UNIGRAM_HF_PAIR_FROM, template, &error);
  BertEncoding encoding;

  /* Single texts still work: only pairs are refused, saying why. */
  g_assert_no_error (error);
  g_assert_false (bert_tokenizer_supports_pairs (tokenizer, &error));
  g_assert_error (error, BERT_TOKENIZER_ERROR, BERT_TOKENIZER_ERROR_UNSUPPORTED);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "post_processor.pair is not special tokens around $A then $B"));
  g_clear_error (&error);
  bert_encoding_init (&encoding);
  bert_tokenizer_encode (tokenizer, "a b", 3, 0, &encoding);
  g_assert_cmpuint (encoding.n_tokens, >, 2);
  g_assert_false (bert_tokenizer_encode_pair (tokenizer, "a", 1, "b", 1, 0, &encoding, &error));
  g_assert_error (error, BERT_TOKENIZER_ERROR, BERT_TOKENIZER_ERROR_UNSUPPORTED);
  g_assert_cmpuint (encoding.n_tokens, ==, 0);
  g_clear_error (&error);
  bert_encoding_clear (&encoding);
  bert_tokenizer_free (tokenizer);
}

static void
test_reversed_pair_template_is_refused (void)
{
  check_pair_template_is_refused (PAIR_REVERSED);
}

static void
test_pair_template_with_b_twice_is_refused (void)
{
  check_pair_template_is_refused (PAIR_B_TWICE);
}

/* A single text's tokens are sequence 0, the special tokens around them -1. */
static void
test_single_text_marks_its_sequence (void)
{
  BertTokenizer *tokenizer = load_tokenizer ("bpe-roberta");
  BertEncoding encoding;
  bert_encoding_init (&encoding);
  bert_tokenizer_encode (tokenizer, "hello world", 11, 0, &encoding);
  g_assert_cmpuint (encoding.n_tokens, >, 3);
  g_assert_cmpint (bert_encoding_sequence_id (&encoding, 0), ==, -1);
  for (uint32_t i = 1; i + 1 < encoding.n_tokens; i++)
    g_assert_cmpint (bert_encoding_sequence_id (&encoding, i), ==, 0);
  g_assert_cmpint (bert_encoding_sequence_id (&encoding, encoding.n_tokens - 1), ==, -1);
  bert_encoding_clear (&encoding);
  bert_tokenizer_free (tokenizer);
}

/* Invalid UTF-8 in either text is reported, and offsets stay in the text's own bytes. */
static void
test_invalid_utf8_in_a_pair_is_reported (void)
{
  BertTokenizer *tokenizer = load_tokenizer ("vocab");
  BertEncoding encoding;
  GError *error = NULL;
  bert_encoding_init (&encoding);
  g_assert_true (bert_tokenizer_encode_pair (tokenizer, "hello", 5, "a \xff b", 5, 0, &encoding, &error));
  g_assert_true (encoding.repaired_utf8);
  g_assert_true (bert_tokenizer_encode_pair (tokenizer, "hello", 5, "a b", 3, 0, &encoding, &error));
  g_assert_false (encoding.repaired_utf8);
  bert_encoding_clear (&encoding);
  bert_tokenizer_free (tokenizer);
}

int
main (int argc, char **argv)
{
  data_dir = test_init_with_path (&argc, &argv, "DATA_DIR");
  test_add_per_name ("/pairs/reference", local_tokenizers, G_N_ELEMENTS (local_tokenizers),
      test_pairs_match_reference);
  test_add_per_name ("/pairs/reference/shared", shared_tokenizers, G_N_ELEMENTS (shared_tokenizers),
      test_pairs_match_reference);
  g_test_add_func ("/pairs/reversed-template-refused", test_reversed_pair_template_is_refused);
  g_test_add_func ("/pairs/b-twice-template-refused", test_pair_template_with_b_twice_is_refused);
  g_test_add_func ("/pairs/single-text-sequence", test_single_text_marks_its_sequence);
  g_test_add_func ("/pairs/invalid-utf8", test_invalid_utf8_in_a_pair_is_reported);
  return g_test_run ();
}
