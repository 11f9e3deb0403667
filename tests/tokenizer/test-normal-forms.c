/* test-normal-forms: the NFC, NFKC and NFKD normalisers against Hugging Face.
 *
 * The fixtures of data/normal-forms (made by make-normal-form-fixtures.py with tokenizers
 * 0.23.3) are WordPiece, byte-level BPE and Unigram tokenizers trained with these
 * normalisers, alone or in a Sequence with Lowercase or Replace, three of them with
 * normalized added tokens that the normal form makes from other characters. Each encodes data/normal-forms/
 * texts.txt (the parity texts, then texts full of ligatures, full-width forms, squared units,
 * Hangul, and marks in every order) and the pairs of data/pairs/cases.txt as its
 * expected.txt and pairs.txt say; the normalised text itself is checked too.
 */
#include "bert_tokenizer.h"
#include "bert_tokenizer_private.h"
#include "tokenizer_test_support.h"

#include <string.h>

static const char *data_dir;

static const char *fixtures[] = { "wordpiece-nfkc", "wordpiece-nfkc-lower", "wordpiece-nfc", "wordpiece-nfkd",
  "bpe-nfkc", "bpe-nfc", "unigram-nfkc", "unigram-nfkc-runs" };

static BertTokenizer *
load_fixture (const char *name)
{
  char *folder = g_build_filename (data_dir, "normal-forms", name, NULL);
  BertTokenizer *tokenizer = tokenizer_load_path (folder);
  g_free (folder);
  return tokenizer;
}

static void
test_texts_match_reference (gconstpointer name)
{
  assert_fixture_texts (data_dir, "normal-forms", name, "normal-forms/texts.txt", "expected.txt", 200);
}

static void
test_pairs_match_reference (gconstpointer name)
{
  g_assert_cmpuint (assert_fixture_pairs (data_dir, "normal-forms", name), >, 0);
}

/* The normalised text, as tokenizers 0.23.3's normalize_str gives it: the ligature and the
 * squared unit taken apart by compatibility, the jamo composed into a syllable, the marks
 * ordered and the cedilla composed, the Angstrom sign replaced by its singleton, U+0344
 * (excluded from composition) left decomposed. */
static void
test_normalised_text (void)
{
  const char *text = "\ufb01 5\u339e \uff21\u00b2 \u1100\u1161\u11a8 e\u0327\u0301 \u212b \u0344";
  const struct {
    const char *type, *expected;
  } cases[] = {
    { "NFC", "\ufb01 5\u339e \uff21\u00b2 \uac01 \u0229\u0301 \u00c5 \u0308\u0301" },
    { "NFKC", "fi 5km A2 \uac01 \u0229\u0301 \u00c5 \u0308\u0301" },
    { "NFKD", "fi 5km A2 \u1100\u1161\u11a8 e\u0327\u0301 A\u030a \u0308\u0301" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    char *json =
        g_strdup_printf ("{\"version\":\"1.0\",\"truncation\":null,\"padding\":null,\"added_tokens\":[],"
                         "\"normalizer\":{\"type\":\"%s\"},\"pre_tokenizer\":null,"
                         "\"post_processor\":null,\"decoder\":null,\"model\":{\"type\":\"WordPiece\","
                         "\"unk_token\":\"[UNK]\",\"continuing_subword_prefix\":\"##\","
                         "\"max_input_chars_per_word\":100,\"vocab\":{\"[UNK]\":0,\"a\":1}}}",
            cases[i].type);
    GError *error = NULL;
    BertTokenizer *tokenizer = tokenizer_load_json_text (json, &error);
    g_assert_no_error (error);
    char *normalized = bert_tokenizer_normalize_text (tokenizer, text);
    g_assert_cmpstr (normalized, ==, cases[i].expected);
    g_free (normalized);
    bert_tokenizer_free (tokenizer);
    g_free (json);
  }
}

/* A normalized added token made only from characters that are not its own: "km" from the
 * squared unit and the full-width letters (NFKC), "été" from e and combining accents (NFC). */
static void
check_added_token_made (const char *name, const char *content, const char *text)
{
  BertTokenizer *tokenizer = load_fixture (name);
  BertEncoding encoding;
  int id = bert_tokenizer_token_to_id (tokenizer, content);
  gboolean found = FALSE;

  g_assert_cmpint (id, >=, 0);
  bert_encoding_init (&encoding);
  bert_tokenizer_encode (tokenizer, text, strlen (text), 0, &encoding);
  for (guint i = 0; i < encoding.n_tokens; i++)
    found = found || encoding.ids[i] == id;
  g_assert_true (found);
  bert_encoding_clear (&encoding);
  bert_tokenizer_free (tokenizer);
}

static void
test_added_tokens_made_by_the_normal_form (void)
{
  check_added_token_made ("wordpiece-nfkc", "km", "10\u339e");
  check_added_token_made ("wordpiece-nfkc", "km", "\uff4b\uff4d!");
  check_added_token_made ("bpe-nfc", "\u00e9t\u00e9", "d\u00e9j\u00e0 e\u0301te\u0301");
  /* where the encoder first scans the raw text for characters that may start one */
  check_added_token_made ("unigram-nfkc-runs", "km", "10\u339e");
  check_added_token_made ("unigram-nfkc-runs", "km", "\uff4b\uff4d!");
  check_added_token_made ("unigram-nfkc-runs", "\u00e9t\u00e9", "d\u00e9j\u00e0 e\u0301te\u0301");
}

int
main (int argc, char **argv)
{
  data_dir = test_init_with_path (&argc, &argv, "DATA_DIR");
  test_add_per_name ("/normal-forms/texts", fixtures, G_N_ELEMENTS (fixtures), test_texts_match_reference);
  test_add_per_name ("/normal-forms/pairs", fixtures, G_N_ELEMENTS (fixtures), test_pairs_match_reference);
  g_test_add_func ("/normal-forms/normalised-text", test_normalised_text);
  g_test_add_func ("/normal-forms/added-tokens", test_added_tokens_made_by_the_normal_form);
  return g_test_run ();
}
