/* test-truncation-side: truncation on the left, as transformers' truncation_side "left".
 *
 * For each variant of make-truncation-side-references.py (a fixture tokenizer in a folder
 * with a tokenizer_config.json, written here as the script writes it), every case of
 * data/pairs/cases.txt: its two texts alone (bert_tokenizer_encode) and the pair
 * (bert_tokenizer_encode_pair) at the case's max_length, against what transformers 5.25 and
 * tokenizers 0.23.3 give for the same folder (data/truncation-side): ids, type ids, the
 * sequence of each token and byte offsets. The variants: truncation_side "left" for
 * WordPiece, Unigram and byte-level BPE tokenizer.json files and for a vocab.txt;
 * tokenizer.json's truncation direction "Left" alone, and overridden by truncation_side
 * "right". Then a truncation_side other than "left" or "right" is refused.
 */
#include "bert_tokenizer.h"
#include "length_records.h"
#include "tokenizer_test_support.h"

#include <string.h>

static const char *data_dir;

#define JSON_TRUNCATION_FROM "\"truncation\":null"
#define JSON_TRUNCATION_TO                                                                                   \
  "\"truncation\":{\"max_length\":512,\"strategy\":\"LongestFirst\",\"stride\":0,\"direction\":\"Left\"}"
#define FAST_CLASS "\"tokenizer_class\": \"PreTrainedTokenizerFast\""

static const struct {
  const char *name, *fixture, *config;
  gboolean json_left;
} variants[] = {
  { "wordpiece-left", "wordpiece-bert", "{" FAST_CLASS ", \"truncation_side\": \"left\"}", FALSE },
  { "unigram-left", "unigram-hf", "{" FAST_CLASS ", \"truncation_side\": \"left\"}", FALSE },
  { "bpe-left", "bpe-roberta", "{" FAST_CLASS ", \"truncation_side\": \"left\"}", FALSE },
  { "vocab-left", "vocab.txt", "{\"tokenizer_class\": \"BertTokenizer\", \"truncation_side\": \"left\"}",
      FALSE },
  { "json-left", "wordpiece-bert", "{" FAST_CLASS "}", TRUE },
  { "json-left-config-right", "wordpiece-bert", "{" FAST_CLASS ", \"truncation_side\": \"right\"}", TRUE },
};

static const char *const folder_files[] = { "tokenizer.json", "vocab.txt", "tokenizer_config.json" };

/* A scratch folder with the fixture's tokenizer file and config as tokenizer_config.json. */
static char *
make_folder (const char *fixture, const char *config, gboolean json_left)
{
  char *folder = scratch_folder_new ("truncation-side-XXXXXX");

  if (strcmp (fixture, "vocab.txt") == 0) {
    copy_file_if_present (data_dir, "vocab.txt", folder, "vocab.txt");
  } else {
    char *source = g_build_filename (data_dir, fixture, "tokenizer.json", NULL);
    char *contents = read_file_contents (source, NULL);
    char *edited = json_left ? text_with_first_replaced (contents, JSON_TRUNCATION_FROM, JSON_TRUNCATION_TO)
                             : g_strdup (contents);

    write_file_in (folder, "tokenizer.json", edited, -1);
    g_free (edited);
    g_free (contents);
    g_free (source);
  }
  write_file_in (folder, "tokenizer_config.json", config, -1);
  return folder;
}

/* Each text of each case alone, against the lines of expected_path (two per case). */
static void
assert_singles_as_expected (const BertTokenizer *tokenizer, GArray *cases, const char *expected_path,
    const char *label)
{
  char **expected = read_file_lines (expected_path);
  BertEncoding encoding;
  guint n_differ = 0, n_truncated = 0;

  bert_encoding_init (&encoding);
  for (guint i = 0; i < cases->len; i++) {
    const PairCase *pair = &g_array_index (cases, PairCase, i);

    for (int s = 0; s < 2; s++) {
      g_assert_nonnull (expected[2 * i + s]);
      bert_tokenizer_encode (tokenizer, pair->text[s], pair->length[s], pair->max_length, &encoding);
      n_truncated += encoding.truncated;
      char *got = encoding_describe (&encoding, FALSE);
      if (strcmp (got, expected[2 * i + s]) != 0 && n_differ++ < 5)
        g_test_message ("%s, text %u.%d (max_length %u, '%s'):\n  ours %s\n  hf   %s", label, i, s,
            pair->max_length, pair->text[s], got, expected[2 * i + s]);
      g_free (got);
    }
  }
  g_assert_cmpuint (n_differ, ==, 0);
  g_assert_cmpuint (n_truncated, >, 20);
  bert_encoding_clear (&encoding);
  g_strfreev (expected);
}

static void
test_variant (gconstpointer data)
{
  const char *name = data;
  guint v = 0;

  while (strcmp (variants[v].name, name) != 0)
    v++;
  char *folder = make_folder (variants[v].fixture, variants[v].config, variants[v].json_left);
  BertTokenizer *tokenizer = tokenizer_load_path (folder);
  char *cases_path = g_build_filename (data_dir, "pairs", "cases.txt", NULL);
  GArray *cases = pair_cases_read (cases_path);
  char *single_name = g_strdup_printf ("%s-single.txt", name),
       *pairs_name = g_strdup_printf ("%s-pairs.txt", name);
  char *single_path = g_build_filename (data_dir, "truncation-side", single_name, NULL);
  char *pairs_path = g_build_filename (data_dir, "truncation-side", pairs_name, NULL);

  assert_singles_as_expected (tokenizer, cases, single_path, name);
  g_assert_cmpuint (assert_pairs_as_expected (tokenizer, cases_path, pairs_path, name), >, 20);
  g_free (single_path);
  g_free (pairs_path);
  g_free (single_name);
  g_free (pairs_name);
  pair_cases_free (cases);
  g_free (cases_path);
  bert_tokenizer_free (tokenizer);
  scratch_folder_remove (folder, folder_files, G_N_ELEMENTS (folder_files));
}

/* transformers raises a ValueError for any side but "right" and "left". */
static void
assert_config_refused (const char *config, const char *expected)
{
  char *folder = make_folder ("wordpiece-bert", config, FALSE);
  char *message =
      g_strdup_printf ("%s/tokenizer_config.json: field 'truncation_side' must be %s", folder, expected);
  GError *error = NULL;
  BertTokenizer *tokenizer = bert_tokenizer_new_from_path (folder, &error);

  g_assert_null (tokenizer);
  g_assert_error (error, BERT_TOKENIZER_ERROR, BERT_TOKENIZER_ERROR_FORMAT);
  g_assert_cmpstr (error->message, ==, message);
  g_error_free (error);
  g_free (message);
  scratch_folder_remove (folder, folder_files, G_N_ELEMENTS (folder_files));
}

static void
test_other_sides_refused (void)
{
  assert_config_refused ("{\"truncation_side\": \"Left\"}", "\"right\" or \"left\"");
  assert_config_refused ("{\"truncation_side\": \"both\"}", "\"right\" or \"left\"");
  assert_config_refused ("{\"truncation_side\": \"\"}", "\"right\" or \"left\"");
  assert_config_refused ("{\"truncation_side\": 1}", "a string");
}

int
main (int argc, char **argv)
{
  const char *names[G_N_ELEMENTS (variants)];

  data_dir = test_init_with_path (&argc, &argv, "DATA_DIR");
  for (guint i = 0; i < G_N_ELEMENTS (variants); i++)
    names[i] = variants[i].name;
  test_add_per_name ("/truncation-side", names, G_N_ELEMENTS (names), test_variant);
  g_test_add_func ("/truncation-side/other-sides-refused", test_other_sides_refused);
  return g_test_run ();
}
