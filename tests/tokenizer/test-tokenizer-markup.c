/* test-tokenizer-markup: the Pango markup stage before the normalizer (kernels/tokenizer/bert_markup.c):
 * tags removed, entities decoded, each plain byte mapped back to the markup it came from,
 * token spans pointing into the markup, and work linear in the markup's length on
 * hostile input (a '<' that opens no tag once rescanned the rest of the text). Uses the
 * small vocabulary data/vocab.txt given as the first argument.
 */
#include "bert_markup.h"

#include <string.h>

/* Bytes examined per byte of markup while looking for tags' ends, at most. */
#define MAX_SCAN_STEPS_PER_BYTE 7

static char *vocab_path;

static const BertNormalizerOptions uncased = { TRUE, TRUE, TRUE, -1, 512 };

static char *
plain_text_of (const char *markup)
{
  BertPlainText plain;
  char *text;

  bert_plain_text_init (&plain);
  bert_plain_text_strip_markup (&plain, markup, strlen (markup));
  text = g_strndup ((const char *) plain.text->data, plain.text->len);
  bert_plain_text_clear (&plain);
  return text;
}

static void
check_plain (const char *markup, const char *expected)
{
  char *text = plain_text_of (markup);

  g_assert_cmpstr (text, ==, expected);
  g_free (text);
}

static void
test_tags_are_removed (void)
{
  check_plain ("<i>hello</i> <b>world</b>", "hello world");
  check_plain ("<span foreground=\"red\">a</span>", "a");
  check_plain ("<!-- c -->a<?pi?>", "a");
}

static void
test_entities_are_decoded (void)
{
  check_plain ("a &amp; b &lt;c&gt; &quot;&apos;", "a & b <c> \"'");
  check_plain ("&#233;&#xE9;&#XE9;", "ééé");
}

static void
test_what_is_no_markup_stays_text (void)
{
  check_plain ("a < b", "a < b");
  check_plain ("a <", "a <");
  check_plain ("&unknown; &#; &#x; &#-1; &#x110000; &amp", "&unknown; &#; &#x; &#-1; &#x110000; &amp");
  check_plain ("<a", "<a");
  check_plain ("<a \"b>\" c", "<a \"b>\" c");
}

static void
test_quoted_gt_does_not_close_tag (void)
{
  check_plain ("<span title=\"a>b\">x</span>", "x");
  check_plain ("<span title='a>b'>x</span>", "x");
  check_plain ("<span title='a\"b'>x</span>", "x");
}

static void
test_each_plain_byte_maps_to_its_markup (void)
{
  const char *markup = "<b>a</b>&amp;&#233;";
  BertPlainText plain;
  static const guint32 start[] = { 3, 8, 13, 13 }, end[] = { 4, 13, 19, 19 };

  bert_plain_text_init (&plain);
  bert_plain_text_strip_markup (&plain, markup, strlen (markup));
  g_assert_cmpuint (plain.text->len, ==, 4); /* "a", "&", and é's two bytes */
  for (guint i = 0; i < 4; i++) {
    g_assert_cmpuint (g_array_index (plain.source_start, guint32, i), ==, start[i]);
    g_assert_cmpuint (g_array_index (plain.source_end, guint32, i), ==, end[i]);
  }
  bert_plain_text_clear (&plain);
}

static void
test_token_spans_point_into_markup (void)
{
  GError *error = NULL;
  BertTokenizer *tokenizer = bert_tokenizer_new_from_vocab_file (vocab_path, &uncased, &error);
  const char *markup = "<i>hello</i> &lt;world";
  static const guint32 expected[] = { 0, 0, 3, 8, 13, 17, 17, 22, 0, 0 };
  BertPlainText plain;
  BertEncoding encoding;

  g_assert_no_error (error);
  bert_plain_text_init (&plain);
  bert_encoding_init (&encoding);
  bert_tokenizer_encode_markup (tokenizer, &plain, markup, strlen (markup), 0, &encoding);
  /* [CLS] hello < world [SEP] */
  g_assert_cmpuint (encoding.n_tokens, ==, 5);
  g_assert_cmpint (encoding.ids[2], ==, bert_tokenizer_token_to_id (tokenizer, "<"));
  for (guint i = 0; i < 10; i++)
    g_assert_cmpuint (encoding.offsets[i], ==, expected[i]);
  bert_encoding_clear (&encoding);
  bert_plain_text_clear (&plain);
  bert_tokenizer_free (tokenizer);
}

/* ---- the same results as the plain quadratic search ---- */

/* The search bert_markup.c made before it became linear: from each '<', walk to the
 * first '>' outside quotes or to the end. */
static gsize
reference_tag_end (const char *markup, gsize len, gsize at)
{
  char quote = 0;

  if (at + 1 >= len
      || !(g_ascii_isalpha (markup[at + 1]) || markup[at + 1] == '/' || markup[at + 1] == '!'
          || markup[at + 1] == '?'))
    return 0;
  for (gsize i = at + 1; i < len; i++) {
    if (quote) {
      if (markup[i] == quote)
        quote = 0;
    } else if (markup[i] == '"' || markup[i] == '\'') {
      quote = markup[i];
    } else if (markup[i] == '>') {
      return i + 1;
    }
  }
  return 0;
}

/* The markup with its tags removed the reference way (entities left as they are). */
static GString *
reference_without_tags (const char *markup, gsize len)
{
  GString *out = g_string_new (NULL);
  gsize i = 0, end;

  while (i < len) {
    if (markup[i] == '<' && (end = reference_tag_end (markup, len, i)) > 0) {
      i = end;
      continue;
    }
    g_string_append_c (out, markup[i++]);
  }
  return out;
}

static void
test_random_markup_strips_as_the_reference (void)
{
  static const char alphabet[] = "<>\"'/ab ";
  GRand *rand = g_rand_new_with_seed (17);
  BertPlainText plain;
  char markup[64];

  bert_plain_text_init (&plain);
  for (guint round = 0; round < 20000; round++) {
    gsize len = g_rand_int_range (rand, 0, sizeof markup);
    GString *expected;

    for (gsize i = 0; i < len; i++)
      markup[i] = alphabet[g_rand_int_range (rand, 0, sizeof alphabet - 1)];
    expected = reference_without_tags (markup, len);
    bert_plain_text_strip_markup (&plain, markup, len);
    g_assert_cmpmem (plain.text->data, plain.text->len, expected->str, expected->len);
    g_string_free (expected, TRUE);
  }
  bert_plain_text_clear (&plain);
  g_rand_free (rand);
}

/* ---- hostile input: linear work ---- */

static GString *
repeat (const char *unit, gsize total)
{
  GString *out = g_string_sized_new (total + strlen (unit));

  while (out->len < total)
    g_string_append (out, unit);
  return out;
}

/* Each of these made every '<' search to the end of the text: quadratic. */
static const char *const hostile_units[] = {
  "<a",         /* unclosed tags */
  "<a \"",      /* each opens a quote the next one closes */
  "<a '\"",     /* quotes of both kinds */
  "<a\"'<b'",   /* searches that start in different quoting states */
  "<a \"x>\" ", /* a '>' only inside quotes */
};

static void
test_hostile_markup_takes_linear_work (void)
{
  BertPlainText plain;

  bert_plain_text_init (&plain);
  for (guint u = 0; u < G_N_ELEMENTS (hostile_units); u++) {
    GString *markup = repeat (hostile_units[u], 1 << 16);

    bert_plain_text_strip_markup (&plain, markup->str, markup->len);
    if (plain.scan_steps > (guint64) MAX_SCAN_STEPS_PER_BYTE * markup->len)
      g_error ("'%s' repeated: %" G_GUINT64_FORMAT " bytes examined for %" G_GSIZE_FORMAT " bytes of markup",
          hostile_units[u], plain.scan_steps, markup->len);
    g_string_free (markup, TRUE);
  }
  bert_plain_text_clear (&plain);
}

static void
test_random_markup_takes_linear_work (void)
{
  static const char alphabet[] = "<>\"'ab";
  GRand *rand = g_rand_new_with_seed (23);
  BertPlainText plain;
  char markup[4096];

  bert_plain_text_init (&plain);
  for (guint round = 0; round < 500; round++) {
    gsize len = g_rand_int_range (rand, 0, sizeof markup);

    for (gsize i = 0; i < len; i++)
      markup[i] = alphabet[g_rand_int_range (rand, 0, sizeof alphabet - 1)];
    bert_plain_text_strip_markup (&plain, markup, len);
    g_assert_cmpuint (plain.scan_steps, <=, (guint64) MAX_SCAN_STEPS_PER_BYTE * len);
  }
  bert_plain_text_clear (&plain);
  g_rand_free (rand);
}

/* Two megabytes of unclosed tags through the whole path, stripping and tokenizing: the
 * quadratic search did not finish this in two minutes, a linear one takes well under
 * a second; the suite's timeout is the limit. */
static void
test_two_megabytes_of_unclosed_tags_tokenize (void)
{
  GError *error = NULL;
  BertTokenizer *tokenizer = bert_tokenizer_new_from_vocab_file (vocab_path, &uncased, &error);
  GString *markup = repeat ("<a ", 2 << 20);
  BertPlainText plain;
  BertEncoding encoding;

  g_assert_no_error (error);
  bert_plain_text_init (&plain);
  bert_encoding_init (&encoding);
  bert_tokenizer_encode_markup (tokenizer, &plain, markup->str, markup->len, 0, &encoding);
  g_assert_cmpuint (plain.text->len, ==, markup->len);
  g_assert_cmpuint (encoding.n_tokens, ==, 512);
  g_assert_true (encoding.truncated);
  g_assert_cmpuint (plain.scan_steps, <=, (guint64) MAX_SCAN_STEPS_PER_BYTE * markup->len);
  bert_encoding_clear (&encoding);
  bert_plain_text_clear (&plain);
  g_string_free (markup, TRUE);
  bert_tokenizer_free (tokenizer);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (argc < 2)
    g_error ("usage: %s VOCAB.txt", argv[0]);
  vocab_path = argv[1];

  g_test_add_func ("/markup/tags-are-removed", test_tags_are_removed);
  g_test_add_func ("/markup/entities-are-decoded", test_entities_are_decoded);
  g_test_add_func ("/markup/what-is-no-markup-stays-text", test_what_is_no_markup_stays_text);
  g_test_add_func ("/markup/quoted-gt-does-not-close-tag", test_quoted_gt_does_not_close_tag);
  g_test_add_func ("/markup/each-plain-byte-maps-to-its-markup", test_each_plain_byte_maps_to_its_markup);
  g_test_add_func ("/markup/token-spans-point-into-markup", test_token_spans_point_into_markup);
  g_test_add_func ("/markup/random-markup-strips-as-the-reference",
      test_random_markup_strips_as_the_reference);
  g_test_add_func ("/markup/hostile-markup-takes-linear-work", test_hostile_markup_takes_linear_work);
  g_test_add_func ("/markup/random-markup-takes-linear-work", test_random_markup_takes_linear_work);
  g_test_add_func ("/markup/two-megabytes-of-unclosed-tags-tokenize",
      test_two_megabytes_of_unclosed_tags_tokenize);
  return g_test_run ();
}
