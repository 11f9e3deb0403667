/* test-normalized-added: added tokens with "normalized": true against Hugging Face.
 *
 * Each folder under data/normalized-added/ (made by make-normalized-added-fixtures.py with
 * tokenizers 0.23.3) is a tokenizer whose added tokens are matched after normalisation:
 * WordPiece, Unigram and byte-level BPE, with lstrip, rstrip and single_word, next to tokens
 * matched in the raw text (some single_word too). A folder holds its tokenizer.json, or variant.json: a fixture of data/ and the
 * added tokens that replace its own. Every text of texts.txt must give the ids, type ids and
 * byte offsets of the folder's expected.txt. Needs nothing outside the repository.
 */
#include "bert_tokenizer_private.h"
#include "tokenizer_test_support.h"

#include <json-glib/json-glib.h>
#include <stdlib.h>
#include <string.h>

static const char *data_dir;

static const char *variants[] = { "xlmr-mask-normalized", "unigram-lowercase-first",
  "unigram-casefold-always", "bpe-roberta-normalized", "wordpiece-uncased", "bpe-roberta-specials",
  "xlmr-mask-only", "unigram-lowercase-sources", "wordpiece-mask-only" };

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

  assert_texts_as_expected (tokenizer, texts_path, expected_path, name, 100);
  bert_tokenizer_free (tokenizer);
  g_free (texts_path);
  g_free (expected_path);
}

/* ---- the characters that may start a pattern (bert_added_triggers.h) ---- */

/* Whether the normalised text holds one of the patterns' first characters. */
static gboolean
holds_first_char (const BertTokenizer *tokenizer, const char *normalized)
{
  const BertAddedTokens *patterns = &tokenizer->normalized_added;
  for (const char *c = normalized; *c; c = g_utf8_next_char (c))
    for (guint i = 0; i < patterns->n_tokens; i++)
      if (g_utf8_get_char (c) == g_utf8_get_char (patterns->tokens[i].text))
        return TRUE;
  return FALSE;
}

/* Every character of the BMP, and every 61st beyond, that the tokenizer's own normaliser
 * makes into text holding a pattern's first character is in the set: a piece skipped for
 * lack of one would lose a match. */
static void
test_triggers_hold_every_source (gconstpointer data)
{
  BertTokenizer *tokenizer = load_variant (data);
  const BertCharSet *triggers = &tokenizer->normalized_triggers;
  guint n_sources = 0;

  for (uint32_t cp = 1; cp < 0x110000; cp += cp < 0x10000 ? 1 : 61) {
    if (cp >= 0xD800 && cp <= 0xDFFF)
      continue;
    char text[16] = { 0 };
    gint length = g_unichar_to_utf8 (cp, text);
    char *normalized = bert_tokenizer_normalize_text (tokenizer, text);
    if (holds_first_char (tokenizer, normalized)) {
      n_sources++;
      if (!bert_char_set_find (triggers, text, 0, length))
        g_error ("%s: U+%04X normalises to '%s', which may start a pattern, but is not in the set",
            (const char *) data, cp, normalized);
    }
    g_free (normalized);
  }
  g_assert_cmpuint (n_sources, >, 0);
  bert_tokenizer_free (tokenizer);
}

typedef struct {
  const char *variant;
  const char *in, *out; /* characters in the set, and some not (so text with them is skipped) */
} TriggerCase;

static const TriggerCase trigger_cases[] = {
  /* roberta-base's specials, no normaliser: their first character alone (the encoder searches
   * such text in place, without the set) */
  { "bpe-roberta-specials", "<", "abc ＜﹤一" },
  /* XLM-R's <mask> under NFKC: `<`, full-width `＜`, small `﹤`; the D of `ǅ` ("Dž") and
   * `Ǆ` ("DŽ"), the ž inside `ǅ`, the i inside `ﬁ` ("fi"), full-width `ｘ`; not `≮` (NFKC
   * keeps it) */
  { "xlmr-mask-only", "<＜﹤DǅǄžﬁixｘ", "ab ≮一y" },
  /* Lowercase: K and the Kelvin sign (U+212A); Replace: the ` of ``; ǆ from Ǆ and ǅ */
  { "unigram-lowercase-sources", "kK\u212A\"`Ǆǅǆ", "ab ｋ" },
  /* BertNormalizer, uncased and stripping accents: [, k, K, the Kelvin sign, e, E, É */
  { "wordpiece-mask-only", "[kK\u212AeEÉ", "ab \t一" },
};

/* The set is exactly as wide as the tests above need: a piece without those characters
 * takes the path of a tokenizer without normalized tokens. */
static void
test_triggers_are_narrow (gconstpointer data)
{
  const TriggerCase *test = data;
  BertTokenizer *tokenizer = load_variant (test->variant);
  const BertCharSet *triggers = &tokenizer->normalized_triggers;

  g_assert_false (triggers->everything);
  for (const char *c = test->in; *c; c = g_utf8_next_char (c))
    g_assert_true (bert_char_set_find (triggers, c, 0, g_utf8_next_char (c) - c));
  for (const char *c = test->out; *c; c = g_utf8_next_char (c))
    g_assert_false (bert_char_set_find (triggers, c, 0, g_utf8_next_char (c) - c));
  bert_tokenizer_free (tokenizer);
}

/* Whether the set finds its members '<' and U+FF1C at every position of texts of every
 * length (sixteen bytes at a time, then the last sixteen overlapping; or byte by byte),
 * and nothing in texts without one, with only its lead byte's other characters. */
static void
check_scan_every_position (const BertCharSet *set)
{
  for (guint length = 0; length < 50; length++) {
    GString *text = g_string_new (NULL);
    for (guint i = 0; i < length; i++)
      g_string_append (text, i % 7 == 3 ? "，" : "a");
    g_assert_false (bert_char_set_find (set, text->str, 0, text->len));
    for (guint at = 0; at <= text->len;
         at = at < text->len ? g_utf8_next_char (text->str + at) - text->str : at + 1) {
      for (guint wide = 0; wide < 2; wide++) {
        GString *with = g_string_new_len (text->str, at);
        g_string_append (with, wide ? "＜" : "<");
        g_string_append (with, text->str + at);
        g_assert_true (bert_char_set_find (set, with->str, 0, with->len));
        g_assert_false (bert_char_set_find (set, with->str, 0, at));
        g_string_free (with, TRUE);
      }
    }
    g_string_free (text, TRUE);
  }
}

static void
test_triggers_scan_every_position (void)
{
  /* two bytes to look for, sixteen at a time; then eight, byte by byte */
  for (guint extra = 0; extra < 2; extra++) {
    BertCharSet set;
    bert_char_set_init (&set);
    bert_char_set_add (&set, '<');
    bert_char_set_add (&set, 0xFF1C);
    for (const char *c = extra ? "bcdefg" : ""; *c; c++)
      bert_char_set_add (&set, (guchar) *c);
    bert_char_set_finish (&set);
    g_assert_cmpuint (set.n_scan_bytes, ==, extra ? 5 : 2);
    check_scan_every_position (&set);
    bert_char_set_clear (&set);
  }
}

int
main (int argc, char **argv)
{
  data_dir = test_init_with_path (&argc, &argv, "DATA_DIR");
  test_add_per_name ("/normalized-added/matches-reference", variants, G_N_ELEMENTS (variants),
      test_variant_matches_reference);
  test_add_per_name ("/normalized-added/triggers-hold-every-source", variants, G_N_ELEMENTS (variants),
      test_triggers_hold_every_source);
  for (guint i = 0; i < G_N_ELEMENTS (trigger_cases); i++) {
    char *name = g_strdup_printf ("/normalized-added/triggers-are-narrow/%s", trigger_cases[i].variant);
    g_test_add_data_func (name, &trigger_cases[i], test_triggers_are_narrow);
    g_free (name);
  }
  g_test_add_func ("/normalized-added/triggers-scan-every-position", test_triggers_scan_every_position);
  return g_test_run ();
}
