/* test-token-cut: an encoding cut to fewer tokens, as its tokenizer truncates.
 *
 * For each variant of make-token-cut-references.py (a fixture tokenizer in a folder with a
 * tokenizer_config.json, written here as the script writes it), every case of
 * data/pairs/cases.txt: its two texts alone and the pair are encoded without a limit, their
 * layout found from the tokens alone (bert_token_layout_find), then cut to the case's
 * max_length (bert_token_cut) and compared with what transformers 5.25 and tokenizers 0.23.3
 * give at that max_length (data/token-cut): ids, type ids, the sequence of each token, byte
 * offsets. The same from an encoding truncated already at a larger max_length, wherever
 * bert_token_cut_recut_is_exact says that gives the same. The variants: WordPiece, Unigram
 * (XLM-R's template) and byte-level BPE (RobertaProcessing, trim_offsets), each truncating on
 * the right and on the left; no post-processor; a pair template of other places and type ids.
 * Then the layouts that cannot be told, and a max_length below the special tokens.
 */
#include "bert_token_cut.h"
#include "bert_tokenizer.h"
#include "length_records.h"
#include "tokenizer_test_support.h"

#include <string.h>

static const char *data_dir;

#define FAST_CLASS "{\"tokenizer_class\": \"PreTrainedTokenizerFast\"}"
#define LEFT_CONFIG "{\"tokenizer_class\": \"PreTrainedTokenizerFast\", \"truncation_side\": \"left\"}"
#define BERT_POST                                                                                            \
  "\"post_processor\":{\"type\":\"BertProcessing\",\"sep\":[\"[SEP]\",3],\"cls\":[\"[CLS]\",2]}"

static const struct {
  const char *name, *fixture, *config, *edit_from, *edit_to;
} variants[] = {
  { "wordpiece-right", "wordpiece-bert", FAST_CLASS, NULL, NULL },
  { "wordpiece-left", "wordpiece-bert", LEFT_CONFIG, NULL, NULL },
  { "unigram-right", "unigram-hf", FAST_CLASS, NULL, NULL },
  { "unigram-left", "unigram-hf", LEFT_CONFIG, NULL, NULL },
  { "bpe-right", "bpe-roberta", FAST_CLASS, NULL, NULL },
  { "bpe-left", "bpe-roberta", LEFT_CONFIG, NULL, NULL },
  { "wordpiece-no-specials-left", "wordpiece-bert", LEFT_CONFIG, BERT_POST, "\"post_processor\":null" },
  { "unigram-pair-template-left", "unigram-hf", LEFT_CONFIG, UNIGRAM_HF_PAIR_FROM, UNIGRAM_HF_PAIR_TO },
};

static const char *const folder_files[] = { "tokenizer.json", "tokenizer_config.json" };

/* The variant's tokenizer, loaded from a scratch folder as the references' script makes it. */
static BertTokenizer *
load_variant (guint v)
{
  char *folder = scratch_folder_new ("token-cut-XXXXXX");
  char *source = g_build_filename (data_dir, variants[v].fixture, "tokenizer.json", NULL);
  char *contents = read_file_contents (source, NULL);
  char *edited = variants[v].edit_from
      ? text_with_first_replaced (contents, variants[v].edit_from, variants[v].edit_to)
      : g_strdup (contents);
  BertTokenizer *tokenizer;

  write_file_in (folder, "tokenizer.json", edited, -1);
  write_file_in (folder, "tokenizer_config.json", variants[v].config, -1);
  tokenizer = tokenizer_load_path (folder);
  scratch_folder_remove (folder, folder_files, G_N_ELEMENTS (folder_files));
  g_free (edited);
  g_free (contents);
  g_free (source);
  return tokenizer;
}

/* The text or pair of a case encoded at max_length (G_MAXUINT: whole). */
static void
encode_case (const BertTokenizer *tokenizer, const PairCase *pair, int which, guint max_length,
    BertEncoding *encoding)
{
  GError *error = NULL;

  if (which < 2) {
    bert_tokenizer_encode (tokenizer, pair->text[which], pair->length[which], max_length, encoding);
    return;
  }
  g_assert_true (bert_tokenizer_encode_pair (tokenizer, pair->text[0], pair->length[0], pair->text[1],
      pair->length[1], max_length, encoding, &error));
  g_assert_no_error (error);
}

typedef struct {
  guint n_cut, n_ambiguous, n_recut, n_below_specials, n_differ;
} CutCounts;

/* Finds the layout of encoding from its tokens alone: the one it has, or none (then FALSE,
 * counted as ambiguous). A pair with an empty second text may be found single where the
 * template gives both as many special tokens: the two cut alike. */
static gboolean
find_layout (const BertTokenizer *tokenizer, BertEncoding *encoding, gboolean pair, gboolean *is_pair,
    CutCounts *counts)
{
  uint32_t start[2] = { encoding->sequence_start[0], encoding->sequence_start[1] };
  uint32_t length[2] = { encoding->sequence_length[0], encoding->sequence_length[1] };
  GError *error = NULL;

  memset (encoding->sequence_start, 0xff, sizeof encoding->sequence_start);
  if (!bert_token_layout_find (tokenizer, encoding, TRUE, is_pair, &error)) {
    g_test_message ("layout not found: %s", error->message);
    g_error_free (error);
    counts->n_ambiguous++;
    return FALSE;
  }
  if (*is_pair != pair) {
    guint n_prefix = 0, n_suffix = 0;
    g_assert_true (pair && length[1] == 0);
    bert_tokenizer_get_prefix_ids (tokenizer, &n_prefix);
    bert_tokenizer_get_suffix_ids (tokenizer, &n_suffix);
    g_assert_cmpuint (n_prefix + n_suffix, ==, encoding->n_tokens - length[0]);
  }
  g_assert_cmpuint (encoding->sequence_start[0], ==, start[0]);
  g_assert_cmpuint (encoding->sequence_length[0], ==, length[0]);
  if (*is_pair) {
    g_assert_cmpuint (encoding->sequence_start[1], ==, start[1]);
    g_assert_cmpuint (encoding->sequence_length[1], ==, length[1]);
  }
  return TRUE;
}

static void
compare (const BertEncoding *encoding, gboolean pair, const char *expected, const char *label, guint i,
    CutCounts *counts)
{
  char *got = encoding_describe (encoding, pair);

  if (strcmp (got, expected) != 0 && counts->n_differ++ < 5)
    g_test_message ("%s, case %u:\n  cut %s\n  hf  %s", label, i, got, expected);
  g_free (got);
}

/* Case i's text (which 0, 1) or pair (2), encoded at from_length, then cut to the case's
 * max_length, against expected. */
static void
check_cut (const BertTokenizer *tokenizer, const PairCase *pair, int which, guint from_length,
    const char *expected, const char *label, guint i, CutCounts *counts)
{
  const char *texts[2] = { pair->text[which == 1], pair->text[which == 2] };
  guint max_length =
      pair->max_length ? pair->max_length : bert_tokenizer_get_options (tokenizer)->model_max_length;
  gboolean is_pair = FALSE, whole = from_length == G_MAXUINT;
  BertEncoding encoding;
  GError *error = NULL;

  bert_encoding_init (&encoding);
  encode_case (tokenizer, pair, which, from_length, &encoding);
  if (find_layout (tokenizer, &encoding, which == 2, &is_pair, counts)
      && (whole || bert_token_cut_recut_is_exact (&encoding, is_pair, max_length))) {
    guint n_tokens = encoding.n_tokens;
    /* Below the special tokens the reference truncates nothing: refused, left whole. */
    if (!bert_token_cut (tokenizer, &encoding, is_pair, max_length, texts, &error)) {
      g_assert_error (error, BERT_TOKENIZER_ERROR, BERT_TOKENIZER_ERROR_UNSUPPORTED);
      g_clear_error (&error);
      g_assert_cmpuint (encoding.n_tokens, ==, n_tokens);
      counts->n_below_specials++;
    }
    counts->n_cut += encoding.n_tokens < n_tokens && whole;
    counts->n_recut += encoding.n_tokens < n_tokens && !whole;
    compare (&encoding, which == 2, expected, label, i, counts);
  }
  bert_encoding_clear (&encoding);
}

static void
test_variant (gconstpointer data)
{
  const char *name = data;
  guint v = 0;

  while (strcmp (variants[v].name, name) != 0)
    v++;
  BertTokenizer *tokenizer = load_variant (v);
  char *cases_path = g_build_filename (data_dir, "pairs", "cases.txt", NULL);
  GArray *cases = pair_cases_read (cases_path);
  char *single_name = g_strdup_printf ("%s-single.txt", name),
       *pairs_name = g_strdup_printf ("%s-pairs.txt", name);
  char *single_path = g_build_filename (data_dir, "token-cut", single_name, NULL);
  char *pairs_path = g_build_filename (data_dir, "token-cut", pairs_name, NULL);
  char **single = read_file_lines (single_path), **pairs = read_file_lines (pairs_path);
  CutCounts counts = { 0 };

  for (guint i = 0; i < cases->len; i++) {
    const PairCase *pair = &g_array_index (cases, PairCase, i);
    const char *expected[3] = { single[2 * i], single[2 * i + 1], pairs[i] };

    for (int which = 0; which < 3; which++) {
      g_assert_nonnull (expected[which]);
      check_cut (tokenizer, pair, which, G_MAXUINT, expected[which], name, i, &counts);
      /* As from a tokenizer upstream at a larger max_length that truncated too. */
      if (pair->max_length > 0)
        check_cut (tokenizer, pair, which, pair->max_length + 3, expected[which], name, i, &counts);
    }
  }
  g_test_message (
      "%s: %u cut from whole, %u from truncated, %u below the special tokens, %u layouts not told", name,
      counts.n_cut, counts.n_recut, counts.n_below_specials, counts.n_ambiguous);
  g_assert_cmpuint (counts.n_differ, ==, 0);
  g_assert_cmpuint (counts.n_cut, >, 40);
  g_assert_cmpuint (counts.n_recut, >, 20);
  g_assert_cmpuint (counts.n_ambiguous, <, cases->len / 20);
  g_strfreev (single);
  g_strfreev (pairs);
  g_free (single_path);
  g_free (pairs_path);
  g_free (single_name);
  g_free (pairs_name);
  pair_cases_free (cases);
  g_free (cases_path);
  bert_tokenizer_free (tokenizer);
}

/* The layout of text's (pair: with b) encoding found from its tokens, with or without their
 * offsets; FALSE with the error's message in *message where it cannot be told. */
static gboolean
layout_of (const BertTokenizer *tokenizer, const char *text, const char *b, gboolean has_offsets,
    gboolean *is_pair, char **message)
{
  BertEncoding encoding;
  GError *error = NULL;
  gboolean found;

  bert_encoding_init (&encoding);
  if (b != NULL)
    g_assert_true (bert_tokenizer_encode_pair (tokenizer, text, strlen (text), b, strlen (b), G_MAXUINT,
        &encoding, NULL));
  else
    bert_tokenizer_encode (tokenizer, text, strlen (text), G_MAXUINT, &encoding);
  found = bert_token_layout_find (tokenizer, &encoding, has_offsets, is_pair, &error);
  *message = found ? NULL : g_strdup (error->message);
  g_clear_error (&error);
  bert_encoding_clear (&encoding);
  return found;
}

/* RoBERTa's pair <s> A </s></s> B </s> is also a single text holding "</s></s>": the
 * template's empty spans tell the two apart, without offsets nothing does. */
static void
test_layouts_told_by_spans (void)
{
  BertTokenizer *tokenizer = load_variant (4);
  gboolean is_pair = FALSE;
  char *message = NULL;

  g_assert_true (layout_of (tokenizer, "a dog", "a cat", TRUE, &is_pair, &message));
  g_assert_true (is_pair);
  g_assert_true (layout_of (tokenizer, "a dog</s></s> a cat", NULL, TRUE, &is_pair, &message));
  g_assert_false (is_pair);
  g_assert_false (layout_of (tokenizer, "a dog</s></s> a cat", NULL, FALSE, &is_pair, &message));
  g_free (message);
  g_assert_false (layout_of (tokenizer, "a dog", "a cat", FALSE, &is_pair, &message));
  g_assert_nonnull (strstr (message, "fit both the single and the pair form"));
  g_free (message);
  g_assert_true (layout_of (tokenizer, "a dog", NULL, FALSE, &is_pair, &message));
  g_assert_false (is_pair);
  bert_tokenizer_free (tokenizer);
}

/* Tokens without the template's special tokens (from another tokenizer, or made by hand)
 * are not cut as if they had them. */
static void
test_tokens_outside_template (void)
{
  BertTokenizer *tokenizer = load_variant (0);
  BertEncoding encoding;
  gboolean is_pair = FALSE;
  GError *error = NULL;

  bert_encoding_init (&encoding);
  bert_tokenizer_encode (tokenizer, "hello world", 11, G_MAXUINT, &encoding);
  encoding.ids[encoding.n_tokens - 1] = encoding.ids[1];
  g_assert_false (bert_token_layout_find (tokenizer, &encoding, TRUE, &is_pair, &error));
  g_assert_error (error, BERT_TOKENIZER_ERROR, BERT_TOKENIZER_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, "fit neither the single nor the pair form"));
  g_error_free (error);
  bert_encoding_clear (&encoding);
  bert_tokenizer_free (tokenizer);
}

int
main (int argc, char **argv)
{
  const char *names[G_N_ELEMENTS (variants)];

  data_dir = test_init_with_path (&argc, &argv, "DATA_DIR");
  for (guint i = 0; i < G_N_ELEMENTS (variants); i++)
    names[i] = variants[i].name;
  test_add_per_name ("/token-cut", names, G_N_ELEMENTS (names), test_variant);
  g_test_add_func ("/token-cut/layouts-told-by-spans", test_layouts_told_by_spans);
  g_test_add_func ("/token-cut/tokens-outside-template", test_tokens_outside_template);
  return g_test_run ();
}
