/* test-tokenizer: the tokenizer's behaviour on a small hand-made vocabulary (data/vocab.txt),
 * each expectation worked out by hand from Hugging Face's BERT rules, and its errors on
 * broken files written at test time. Needs nothing outside the repository.
 *
 * Expectations are written "token@start-end ..." with byte offsets into the input.
 */
#include "bert_tokenizer.h"
#include "tokenizer_test_support.h"

#include <glib/gstdio.h>
#include <string.h>

static char *vocab_path;
static char *scratch_dir;

static const BertNormalizerOptions uncased = { TRUE, TRUE, TRUE, -1, 512 };
static const BertNormalizerOptions cased = { TRUE, TRUE, FALSE, -1, 512 };

static BertTokenizer *
load_vocab (const BertNormalizerOptions *options)
{
  GError *error = NULL;
  BertTokenizer *tokenizer = bert_tokenizer_new_from_vocab_file (vocab_path, options, &error);
  g_assert_no_error (error);
  return tokenizer;
}

static char *
describe (const BertTokenizer *tokenizer, const BertEncoding *encoding)
{
  GString *out = g_string_new (NULL);
  for (uint32_t i = 0; i < encoding->n_tokens; i++)
    g_string_append_printf (out, "%s%s@%u-%u", i ? " " : "",
        bert_tokenizer_id_to_token (tokenizer, encoding->ids[i]), encoding->offsets[2 * i],
        encoding->offsets[2 * i + 1]);
  return g_string_free (out, FALSE);
}

static void
check_bytes (const BertTokenizer *tokenizer, const char *text, gsize length, guint max_length,
    const char *expected)
{
  BertEncoding encoding;
  bert_encoding_init (&encoding);
  bert_tokenizer_encode (tokenizer, text, length, max_length, &encoding);
  char *got = describe (tokenizer, &encoding);
  g_assert_cmpstr (got, ==, expected);
  for (uint32_t i = 0; i < encoding.n_tokens; i++)
    g_assert_cmpint (encoding.type_ids[i], ==, 0);
  g_free (got);
  bert_encoding_clear (&encoding);
}

static void
check (const BertNormalizerOptions *options, const char *text, const char *expected)
{
  BertTokenizer *tokenizer = load_vocab (options);
  check_bytes (tokenizer, text, strlen (text), G_MAXUINT, expected);
  bert_tokenizer_free (tokenizer);
}

/* ---- normalisation ---- */

static void
test_lowercase_strips_accents_by_default (void)
{
  check (&uncased, "Héllo WÖRLD", "[CLS]@0-0 hello@0-6 world@7-13 [SEP]@0-0");
}

static void
test_cased_keeps_case_and_accents (void)
{
  check (&cased, "Héllo Hello héllo", "[CLS]@0-0 [UNK]@0-6 Hello@7-12 héllo@13-19 [SEP]@0-0");
}

static void
test_lowercase_without_strip_keeps_accents (void)
{
  BertNormalizerOptions options = uncased;
  options.strip_accents = 0;
  check (&options, "HÉLLO", "[CLS]@0-0 héllo@0-6 [SEP]@0-0");
}

static void
test_lowercase_of_dotted_capital_i_keeps_its_dot (void)
{
  BertNormalizerOptions options = uncased;
  options.strip_accents = 0;
  /* İ lowercases to i + U+0307; both come from İ's two bytes. */
  check (&options, "İstanbul", "[CLS]@0-0 i̇stanbul@0-9 [SEP]@0-0");
  check (&uncased, "İstanbul", "[CLS]@0-0 istanbul@0-9 [SEP]@0-0");
}

static void
test_capital_sigma_always_becomes_small_sigma (void)
{
  check (&uncased, "Σ", "[CLS]@0-0 σ@0-2 [SEP]@0-0");
}

static void
test_hangul_decomposes_into_jamo_when_stripping (void)
{
  check (&uncased, "한", "[CLS]@0-0 ᄒ@0-3 ##ᅡ@0-3 ##ᆫ@0-3 [SEP]@0-0");
  check (&cased, "한", "[CLS]@0-0 한@0-3 [SEP]@0-0");
}

static void
test_sharp_s_is_not_decomposed (void)
{
  check (&uncased, "Straße", "[CLS]@0-0 straße@0-7 [SEP]@0-0");
}

static void
test_marks_are_reordered_as_nfd_does (void)
{
  /* NFD puts U+0334 (class 1) before U+1D165 (class 216); strip_accents drops U+0334 and the
   * stem keeps, as Hugging Face aligns by position, the span U+0334 had: bytes 5-7. */
  check (&uncased, "a\U0001D165\u0334 a", "[CLS]@0-0 [UNK]@0-7 a@8-9 [SEP]@0-0");
  check (&uncased, "\U0001D165\u0334\U0001D165\u0334x", "[CLS]@0-0 [UNK]@6-13 [SEP]@0-0");
}

static void
test_long_runs_of_marks_are_reordered (void)
{
  GString *text = g_string_new ("a\U0001D165");
  for (int i = 0; i < 40; i++)
    g_string_append (text, "\u0334");
  g_string_append (text, " b");
  /* The stem sorts after the 40 marks and takes the span of the last: it ends at byte 85. */
  check (&uncased, text->str, "[CLS]@0-0 [UNK]@0-85 b@86-87 [SEP]@0-0");
  g_string_free (text, TRUE);
}

static void
test_cjk_ideographs_are_single_words (void)
{
  check (&uncased, "ab中文cd", "[CLS]@0-0 ab@0-2 中@2-5 文@5-8 cd@8-10 [SEP]@0-0");
}

static void
test_cjk_splitting_can_be_turned_off (void)
{
  BertNormalizerOptions options = uncased;
  options.handle_chinese_chars = FALSE;
  check (&options, "ab中", "[CLS]@0-0 [UNK]@0-5 [SEP]@0-0");
}

static void
test_ascii_symbols_split_like_punctuation (void)
{
  check (&uncased, "a$b+c<d=e>f^g`h|i~j",
      "[CLS]@0-0 a@0-1 $@1-2 b@2-3 +@3-4 c@4-5 <@5-6 d@6-7 =@7-8 e@8-9 >@9-10 f@10-11 ^@11-12 "
      "g@12-13 `@13-14 h@14-15 |@15-16 i@16-17 ~@17-18 j@18-19 [SEP]@0-0");
}

static void
test_unicode_punctuation_splits (void)
{
  check (&uncased, "a…b«c»d—e¿f",
      "[CLS]@0-0 a@0-1 …@1-4 b@4-5 «@5-7 c@7-8 »@8-10 d@10-11 —@11-14 e@14-15 ¿@15-17 f@17-18 "
      "[SEP]@0-0");
}

static void
test_clean_text_drops_control_and_format_chars (void)
{
  check (&uncased,
      "a\x01"
      "b\x7f"
      "c\u200b"
      "d",
      "[CLS]@0-0 abcd@0-9 [SEP]@0-0");
  check (&uncased,
      "ab\xef\xbf\xbd"
      "cd",
      "[CLS]@0-0 abcd@0-7 [SEP]@0-0");
}

static void
test_without_clean_text_controls_stay_in_words (void)
{
  BertNormalizerOptions options = uncased;
  options.clean_text = FALSE;
  check (&options,
      "a\x01"
      "b",
      "[CLS]@0-0 [UNK]@0-3 [SEP]@0-0");
}

static void
test_every_kind_of_whitespace_splits (void)
{
  check (&uncased, "a\tb\nc\u00a0d\u3000e\u2028f\r\ng",
      "[CLS]@0-0 a@0-1 b@2-3 c@4-5 d@7-8 e@11-12 f@15-16 g@18-19 [SEP]@0-0");
}

/* ---- WordPiece ---- */

static void
test_words_split_into_longest_pieces (void)
{
  check (&uncased, "unaffable helloing",
      "[CLS]@0-0 un@0-2 ##aff@2-5 ##able@5-9 hello@10-15 ##ing@15-18 [SEP]@0-0");
}

static void
test_a_word_with_an_unknown_piece_is_one_unk (void)
{
  check (&uncased, "abz cd", "[CLS]@0-0 [UNK]@0-3 cd@4-6 [SEP]@0-0");
}

static void
test_words_over_100_chars_are_unk (void)
{
  char *hundred = g_strnfill (100, 'a'), *over = g_strnfill (101, 'a');
  GString *expected = g_string_new ("[CLS]@0-0 aaaa@0-4");
  for (int i = 1; i < 25; i++)
    g_string_append_printf (expected, " ##aaaa@%d-%d", 4 * i, 4 * i + 4);
  g_string_append (expected, " [SEP]@0-0");

  check (&uncased, hundred, expected->str);
  check (&uncased, over, "[CLS]@0-0 [UNK]@0-101 [SEP]@0-0");
  g_string_free (expected, TRUE);
  g_free (hundred);
  g_free (over);
}

static void
test_special_tokens_in_text_are_kept_whole (void)
{
  check (&uncased, "a[MASK]b [UNK]", "[CLS]@0-0 a@0-1 [MASK]@1-7 b@7-8 [UNK]@9-14 [SEP]@0-0");
}

/* ---- sequences ---- */

static void
test_empty_text_gives_cls_sep (void)
{
  check (&uncased, "", "[CLS]@0-0 [SEP]@0-0");
  check (&uncased, " \t\n ", "[CLS]@0-0 [SEP]@0-0");
}

static void
test_truncation_keeps_sep_last (void)
{
  BertTokenizer *tokenizer = load_vocab (&uncased);
  BertEncoding encoding;
  const char *text = "a b c d e f";

  bert_encoding_init (&encoding);
  bert_tokenizer_encode (tokenizer, text, strlen (text), 5, &encoding);
  char *got = describe (tokenizer, &encoding);
  g_assert_cmpstr (got, ==, "[CLS]@0-0 a@0-1 b@2-3 c@4-5 [SEP]@0-0");
  g_assert_true (encoding.truncated);
  g_free (got);

  bert_tokenizer_encode (tokenizer, text, strlen (text), 8, &encoding);
  g_assert_cmpuint (encoding.n_tokens, ==, 8);
  g_assert_false (encoding.truncated);

  /* Invalid UTF-8 past the truncation point, in the segment where it stopped, still counts. */
  const char invalid_after[] = "a b c d e \xff f";
  bert_tokenizer_encode (tokenizer, invalid_after, strlen (invalid_after), 5, &encoding);
  g_assert_true (encoding.truncated);
  g_assert_true (encoding.repaired_utf8);
  bert_encoding_clear (&encoding);
  bert_tokenizer_free (tokenizer);
}

static void
test_invalid_utf8_is_repaired_and_dropped (void)
{
  BertTokenizer *tokenizer = load_vocab (&uncased);
  BertNormalizerOptions options = uncased;
  const char text[] = "ab\xff"
                      "cd\xe2\x82";
  BertEncoding encoding;

  check_bytes (tokenizer, text, 7, G_MAXUINT, "[CLS]@0-0 abcd@0-5 [SEP]@0-0");
  bert_encoding_init (&encoding);
  bert_tokenizer_encode (tokenizer, text, 7, 0, &encoding);
  g_assert_true (encoding.repaired_utf8);
  bert_tokenizer_encode (tokenizer, "abcd", 4, 0, &encoding);
  g_assert_false (encoding.repaired_utf8);
  bert_encoding_clear (&encoding);
  bert_tokenizer_free (tokenizer);

  /* Without cleaning the replacement characters stay, and the word is unknown. */
  options.clean_text = FALSE;
  tokenizer = load_vocab (&options);
  check_bytes (tokenizer, text, 7, G_MAXUINT, "[CLS]@0-0 [UNK]@0-7 [SEP]@0-0");
  bert_tokenizer_free (tokenizer);
}

static void
test_random_bytes_give_offsets_inside_the_input (void)
{
  BertTokenizer *tokenizer = load_vocab (&uncased);
  BertEncoding encoding;
  GRand *rand = g_rand_new_with_seed (7);
  char text[300];

  bert_encoding_init (&encoding);
  for (int round = 0; round < 3000; round++) {
    gsize length = g_rand_int_range (rand, 0, sizeof text);
    for (gsize i = 0; i < length; i++)
      text[i] = (char) g_rand_int_range (rand, 0, 256);
    bert_tokenizer_encode (tokenizer, text, length, G_MAXUINT, &encoding);
    g_assert_cmpuint (encoding.n_tokens, >=, 2);
    for (uint32_t i = 0; i < encoding.n_tokens; i++) {
      g_assert_cmpuint (encoding.offsets[2 * i], <=, encoding.offsets[2 * i + 1]);
      g_assert_cmpuint (encoding.offsets[2 * i + 1], <=, length);
    }
  }
  g_rand_free (rand);
  bert_encoding_clear (&encoding);
  bert_tokenizer_free (tokenizer);
}

static void
test_one_megabyte_input (void)
{
  BertTokenizer *tokenizer = load_vocab (&uncased);
  BertEncoding encoding;
  const guint n_words = 1 << 17;
  GString *text = g_string_sized_new (n_words * 8);

  for (guint i = 0; i < n_words; i++)
    g_string_append (text, "hello a ");
  bert_encoding_init (&encoding);
  bert_tokenizer_encode (tokenizer, text->str, text->len, G_MAXUINT, &encoding);
  g_assert_cmpuint (encoding.n_tokens, ==, 2 * n_words + 2);
  g_assert_cmpuint (encoding.offsets[2 * (encoding.n_tokens - 2) + 1], ==, text->len - 1);
  g_assert_false (encoding.truncated);

  /* 0 means model_max_length: 512 tokens with [SEP] last. */
  bert_tokenizer_encode (tokenizer, text->str, text->len, 0, &encoding);
  g_assert_cmpuint (encoding.n_tokens, ==, 512);
  g_assert_cmpint (encoding.ids[511], ==, bert_tokenizer_get_sep_id (tokenizer));
  g_assert_true (encoding.truncated);
  bert_encoding_clear (&encoding);
  g_string_free (text, TRUE);
  bert_tokenizer_free (tokenizer);
}

/* ---- loading ---- */

static char *
write_file (const char *name, const char *contents, gssize length)
{
  char *path = g_build_filename (scratch_dir, name, NULL);
  GError *error = NULL;
  g_file_set_contents (path, contents, length, &error);
  g_assert_no_error (error);
  return path;
}

static void
append_json_string (GString *json, const char *text)
{
  g_string_append_c (json, '"');
  for (const char *c = text; *c; c++) {
    if (*c == '"' || *c == '\\')
      g_string_append_printf (json, "\\%c", *c);
    else if ((unsigned char) *c < 0x20)
      g_string_append_printf (json, "\\u%04x", *c);
    else
      g_string_append_c (json, *c);
  }
  g_string_append_c (json, '"');
}

/* A new folder scratch_dir/name holding a copy of data/vocab.txt (g_free the path). */
static char *
vocab_folder_new (const char *name)
{
  char *folder = g_build_filename (scratch_dir, name, NULL);
  char *vocab = g_build_filename (folder, "vocab.txt", NULL);
  char *contents = read_file_contents (vocab_path, NULL);

  g_assert_cmpint (g_mkdir_with_parents (folder, 0700), ==, 0);
  g_assert_true (g_file_set_contents (vocab, contents, -1, NULL));
  g_free (contents);
  g_free (vocab);
  return folder;
}

/* A tokenizer.json for data/vocab.txt in the layout Hugging Face writes. */
static char *
fixture_tokenizer_json (void)
{
  char *contents;
  g_file_get_contents (vocab_path, &contents, NULL, NULL);
  char **lines = g_strsplit (contents, "\n", -1);
  GString *json = g_string_new ("{\n  \"version\": \"1.0\",\n  \"truncation\": null,\n"
                                "  \"padding\": null,\n  \"added_tokens\": [\n");
  const char *specials[] = { "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]" };
  for (int i = 0; i < 5; i++)
    g_string_append_printf (json,
        "    {\"id\": %d, \"content\": \"%s\", \"single_word\": false, "
        "\"lstrip\": false, \"rstrip\": false, \"normalized\": false, \"special\": true}%s\n",
        i, specials[i], i < 4 ? "," : "");
  g_string_append (json,
      "  ],\n  \"normalizer\": {\"type\": \"BertNormalizer\", "
      "\"clean_text\": true, \"handle_chinese_chars\": true, \"strip_accents\": null, "
      "\"lowercase\": true},\n  \"pre_tokenizer\": {\"type\": \"BertPreTokenizer\"},\n"
      "  \"post_processor\": {\"type\": \"TemplateProcessing\", \"single\": ["
      "{\"SpecialToken\": {\"id\": \"[CLS]\", \"type_id\": 0}}, "
      "{\"Sequence\": {\"id\": \"A\", \"type_id\": 0}}, "
      "{\"SpecialToken\": {\"id\": \"[SEP]\", \"type_id\": 0}}], \"pair\": ["
      "{\"SpecialToken\": {\"id\": \"[CLS]\", \"type_id\": 0}}, {\"Sequence\": {\"id\": \"A\", \"type_id\": "
      "0}}, "
      "{\"SpecialToken\": {\"id\": \"[SEP]\", \"type_id\": 0}}, {\"Sequence\": {\"id\": \"B\", \"type_id\": "
      "1}}, "
      "{\"SpecialToken\": {\"id\": \"[SEP]\", \"type_id\": 1}}], \"special_tokens\": {"
      "\"[CLS]\": {\"id\": \"[CLS]\", \"ids\": [2], \"tokens\": [\"[CLS]\"]}, "
      "\"[SEP]\": {\"id\": \"[SEP]\", \"ids\": [3], \"tokens\": [\"[SEP]\"]}}},\n"
      "  \"model\": {\"type\": \"WordPiece\", \"unk_token\": \"[UNK]\", "
      "\"continuing_subword_prefix\": \"##\", \"max_input_chars_per_word\": 100, \"vocab\": {\n");
  for (int i = 0; lines[i] && lines[i][0]; i++) {
    g_string_append (json, i ? ",\n    " : "    ");
    append_json_string (json, lines[i]);
    g_string_append_printf (json, ": %d", i);
  }
  g_string_append (json, "\n  }}\n}\n");
  g_strfreev (lines);
  g_free (contents);
  return g_string_free (json, FALSE);
}

/* The fixture with one piece of text replaced. */
static char *
fixture_with (const char *from, const char *to)
{
  char *json = fixture_tokenizer_json ();
  char **parts = g_strsplit (json, from, 2);
  g_assert_nonnull (parts[1]);
  char *changed = g_strjoin (to, parts[0], parts[1], NULL);
  g_strfreev (parts);
  g_free (json);
  return changed;
}

/* Added tokens that start with different bytes are each found (one first byte takes memchr). */
static void
test_added_tokens_with_different_first_bytes (void)
{
  char *json = fixture_with ("\"[MASK]\", \"single_word\": false, \"lstrip\": false, \"rstrip\": false, "
                             "\"normalized\": false, \"special\": true}",
      "\"[MASK]\", \"single_word\": false, \"lstrip\": false, \"rstrip\": false, "
      "\"normalized\": false, \"special\": true},\n    {\"id\": 29, \"content\": \"abcd\", "
      "\"single_word\": false, \"lstrip\": false, \"rstrip\": false, \"normalized\": false, "
      "\"special\": false}");
  char *path = write_file ("added-first-bytes.json", json, -1);
  GError *error = NULL;
  BertTokenizer *tokenizer = bert_tokenizer_new_from_path (path, &error);

  g_assert_no_error (error);
  check_bytes (tokenizer, "xabcdx [MASK]", 13, G_MAXUINT,
      "[CLS]@0-0 x@0-1 abcd@1-5 x@5-6 [MASK]@7-13 [SEP]@0-0");
  bert_tokenizer_free (tokenizer);
  g_free (path);
  g_free (json);
}

static void
test_words_longer_than_the_stack_buffer (void)
{
  char *json = fixture_with ("\"max_input_chars_per_word\": 100", "\"max_input_chars_per_word\": 1000");
  char *path = write_file ("long-words.json", json, -1);
  GError *error = NULL;
  BertTokenizer *tokenizer = bert_tokenizer_new_from_path (path, &error);
  char *word = g_strnfill (600, 'a');
  GString *expected = g_string_new ("[CLS]@0-0 aaaa@0-4");

  g_assert_no_error (error);
  for (int i = 1; i < 150; i++)
    g_string_append_printf (expected, " ##aaaa@%d-%d", 4 * i, 4 * i + 4);
  g_string_append (expected, " [SEP]@0-0");
  check_bytes (tokenizer, word, 600, G_MAXUINT, expected->str);
  g_string_free (expected, TRUE);
  g_free (word);
  bert_tokenizer_free (tokenizer);
  g_free (path);
  g_free (json);
}

static void
test_tokenizer_json_and_vocab_txt_agree (void)
{
  char *json = fixture_tokenizer_json ();
  char *path = write_file ("tokenizer.json", json, -1);
  GError *error = NULL;
  BertTokenizer *from_json = bert_tokenizer_new_from_path (path, &error);
  g_assert_no_error (error);
  BertTokenizer *from_vocab = load_vocab (&uncased);
  const char *texts[] = { "Héllo WÖRLD", "unaffable [MASK] 中文", "a$b…c", "abz", "" };

  g_assert_cmpuint (bert_tokenizer_get_vocab_size (from_json), ==, 67);
  for (guint i = 0; i < G_N_ELEMENTS (texts); i++) {
    BertEncoding a, b;
    bert_encoding_init (&a);
    bert_encoding_init (&b);
    bert_tokenizer_encode (from_json, texts[i], strlen (texts[i]), 0, &a);
    bert_tokenizer_encode (from_vocab, texts[i], strlen (texts[i]), 0, &b);
    g_assert_cmpmem (a.ids, a.n_tokens * 4, b.ids, b.n_tokens * 4);
    g_assert_cmpmem (a.offsets, a.n_tokens * 8, b.offsets, b.n_tokens * 8);
    bert_encoding_clear (&a);
    bert_encoding_clear (&b);
  }
  bert_tokenizer_free (from_json);
  bert_tokenizer_free (from_vocab);
  g_free (path);
  g_free (json);
}

static void
test_folder_reads_tokenizer_config (void)
{
  char *folder = vocab_folder_new ("model");
  char *config = g_build_filename (folder, "tokenizer_config.json", NULL);
  GError *error = NULL;

  g_file_set_contents (config,
      "{\"do_lower_case\": false, \"tokenize_chinese_chars\": true, "
      "\"model_max_length\": 1000000000000000019884624838656}",
      -1, NULL);
  BertTokenizer *tokenizer = bert_tokenizer_new_from_path (folder, &error);
  g_assert_no_error (error);
  g_assert_false (bert_tokenizer_get_options (tokenizer)->lowercase);
  g_assert_cmpuint (bert_tokenizer_get_options (tokenizer)->model_max_length, ==, 512);
  g_assert_cmpint (bert_tokenizer_get_cls_id (tokenizer), ==, 2);
  g_assert_cmpint (bert_tokenizer_get_sep_id (tokenizer), ==, 3);
  g_assert_cmpint (bert_tokenizer_get_pad_id (tokenizer), ==, 0);
  g_assert_cmpint (bert_tokenizer_get_unk_id (tokenizer), ==, 1);
  g_assert_cmpstr (bert_tokenizer_id_to_token (tokenizer, 5), ==, "hello");
  g_assert_null (bert_tokenizer_id_to_token (tokenizer, 67));
  g_assert_cmpint (bert_tokenizer_token_to_id (tokenizer, "##able"), ==, 9);
  g_assert_cmpint (bert_tokenizer_token_to_id (tokenizer, "zzz"), ==, -1);
  bert_tokenizer_free (tokenizer);
  g_free (config);
  g_free (folder);
}

/* Loads path and checks the error's code and that its message holds every fragment. */
static void
expect_error (const char *path, int code, const char *fragment, const char *fragment2)
{
  GError *error = NULL;
  BertTokenizer *tokenizer = bert_tokenizer_new_from_path (path, &error);
  g_assert_null (tokenizer);
  g_assert_error (error, BERT_TOKENIZER_ERROR, code);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, fragment));
  if (fragment2)
    g_assert_nonnull (strstr (error->message, fragment2));
  g_error_free (error);
}

static void
expect_file_error (const char *name, const char *contents, int code, const char *fragment)
{
  char *path = write_file (name, contents, -1);
  expect_error (path, code, path, fragment);
  g_free (path);
}

/* special_tokens_map.json names the special tokens over tokenizer_config.json, as
 * transformers 5.25 hands them to BertTokenizer (checked there: [CLS] and [UNK] renamed to
 * [MASK] and [PAD] give 4 ... and 0 for unknown words); a malformed one is refused. */
static void
test_folder_reads_special_tokens_map (void)
{
  char *folder = vocab_folder_new ("model-with-map");
  char *config = g_build_filename (folder, "tokenizer_config.json", NULL);
  char *map = g_build_filename (folder, "special_tokens_map.json", NULL);
  GError *error = NULL;

  g_file_set_contents (config, "{\"cls_token\": \"[SEP]\"}", -1, NULL);
  g_file_set_contents (map, "{\"cls_token\": \"[MASK]\", \"unk_token\": {\"content\": \"[PAD]\"}}", -1, NULL);
  BertTokenizer *tokenizer = bert_tokenizer_new_from_path (folder, &error);
  g_assert_no_error (error);
  g_assert_cmpint (bert_tokenizer_get_cls_id (tokenizer), ==, 4);
  g_assert_cmpint (bert_tokenizer_get_unk_id (tokenizer), ==, 0);
  g_assert_cmpint (bert_tokenizer_get_sep_id (tokenizer), ==, 3);
  bert_tokenizer_free (tokenizer);
  g_file_set_contents (map, "{\"cls_token\": 7}", -1, NULL);
  expect_error (folder, BERT_TOKENIZER_ERROR_FORMAT, "special_tokens_map.json", "cls_token");
  g_file_set_contents (map, "{\"unk_token\": \"[NOPE]\"}", -1, NULL);
  expect_error (folder, BERT_TOKENIZER_ERROR_FORMAT, "'[NOPE]'", "special_tokens_map.json's");
  /* a null takes the token away in transformers 5.25 (BertTokenizer then fails on a word
   * outside the vocabulary: "Missing [UNK] token"); gst-bert kept tokenizer_config.json's */
  g_file_set_contents (map, "{\"unk_token\": null}", -1, NULL);
  expect_error (folder, BERT_TOKENIZER_ERROR_FORMAT, "special_tokens_map.json", "field 'unk_token' is null");
  /* an AddedToken member transformers ignores, such as a misspelt flag: ignored, with a
   * warning naming the file, the token and the member */
  g_file_set_contents (map, "{\"unk_token\": {\"content\": \"[UNK]\", \"rstirp\": true}}", -1, NULL);
  tokenizer = bert_tokenizer_new_from_path (folder, &error);
  g_assert_no_error (error);
  g_assert_cmpint (bert_tokenizer_get_unk_id (tokenizer), ==, 1);
  g_assert_nonnull (strstr (bert_tokenizer_get_warning (tokenizer), "special_tokens_map.json: AddedToken"));
  g_assert_nonnull (strstr (bert_tokenizer_get_warning (tokenizer), "'unk_token.rstirp' ('[UNK]')"));
  bert_tokenizer_free (tokenizer);
  g_file_set_contents (map,
      "{\"unk_token\": {\"content\": \"[UNK]\", \"rstrip\": false, \"special\": true, \"__type\": "
      "\"AddedToken\"}}",
      -1, NULL);
  tokenizer = bert_tokenizer_new_from_path (folder, &error);
  g_assert_no_error (error);
  bert_tokenizer_free (tokenizer);
  g_free (config);
  g_free (map);
  g_free (folder);
}

/* A vocab.txt folder whose tokenizer_config.json or special_tokens_map.json adds tokens:
 * transformers 5.25 matches them even inside words ("xhelloy" gave x, hello, y; an
 * added_tokens_decoder "newtok" got id 67), gst-bert does not, so the loader warns, naming
 * them; the five special tokens listed there (as transformers 4 saves them) are silent
 * (bert_transformers5_added_tokens). */
static void
test_folder_added_tokens_warn (void)
{
  char *folder = vocab_folder_new ("model-with-added");
  char *config = g_build_filename (folder, "tokenizer_config.json", NULL);
  char *map = g_build_filename (folder, "special_tokens_map.json", NULL);
  GError *error = NULL;

  g_file_set_contents (config,
      "{\"added_tokens_decoder\": {\"0\": {\"content\": \"[PAD]\"}, \"1\": {\"content\": \"[UNK]\"}, "
      "\"4\": {\"content\": \"[MASK]\"}}}",
      -1, NULL);
  BertTokenizer *tokenizer = bert_tokenizer_new_from_path (folder, &error);
  g_assert_no_error (error);
  g_assert_null (bert_tokenizer_get_warning (tokenizer));
  bert_tokenizer_free (tokenizer);
  g_file_set_contents (config,
      "{\"added_tokens_decoder\": {\"0\": {\"content\": \"[PAD]\"}, \"70\": {\"content\": \"newtok\"}}}", -1,
      NULL);
  g_file_set_contents (map, "{\"additional_special_tokens\": [\"hello\"]}", -1, NULL);
  tokenizer = bert_tokenizer_new_from_path (folder, &error);
  g_assert_no_error (error);
  g_assert_nonnull (bert_tokenizer_get_warning (tokenizer));
  g_assert_nonnull (strstr (bert_tokenizer_get_warning (tokenizer), "'newtok', 'hello'"));
  g_assert_nonnull (strstr (bert_tokenizer_get_warning (tokenizer), "inside words"));
  g_assert_null (strstr (bert_tokenizer_get_warning (tokenizer), "[PAD]"));
  bert_tokenizer_free (tokenizer);
  g_free (config);
  g_free (map);
  g_free (folder);
}

/* The warning of a vocab.txt folder written with contents (a copy of data/vocab.txt less
 * the line drop, after prefix): NULL where there is none. */
static char *
vocab_folder_warning (const char *prefix, const char *drop)
{
  char *folder = vocab_folder_new ("model-without-specials");
  char *path = g_build_filename (folder, "vocab.txt", NULL);
  char *contents = read_file_contents (vocab_path, NULL);
  char **lines = g_strsplit (contents, "\n", -1);
  GString *edited = g_string_new (prefix);
  GError *error = NULL;

  for (guint i = 0; lines[i] != NULL && lines[i][0] != '\0'; i++)
    if (strcmp (lines[i], drop) != 0)
      g_string_append_printf (edited, "%s\n", lines[i]);
  g_assert_true (g_file_set_contents (path, edited->str, -1, NULL));
  BertTokenizer *tokenizer = bert_tokenizer_new_from_path (folder, &error);
  g_assert_no_error (error);
  char *warning = g_strdup (bert_tokenizer_get_warning (tokenizer));
  bert_tokenizer_free (tokenizer);
  g_string_free (edited, TRUE);
  g_strfreev (lines);
  g_free (contents);
  g_free (path);
  g_free (folder);
  return warning;
}

/* A vocab.txt without its folder's pad_token or mask_token: transformers 5.25 adds the token
 * at the vocabulary's size and finds it in texts ("a [MASK] b": 2 9 66 10 3 with [MASK]'s
 * line removed; [PAD] got 67 after a BOM before the first line, which left "\ufeff[PAD]"),
 * gst-bert splits it ([, MASK, ]), so it warns. */
static void
test_folder_missing_pad_or_mask_warns (void)
{
  char *warning = vocab_folder_warning ("", "[MASK]");
  g_assert_nonnull (warning);
  g_assert_nonnull (strstr (warning, "has no token '[MASK]' (the folder's mask_token)"));
  g_free (warning);
  warning = vocab_folder_warning ("\xef\xbb\xbf", "");
  g_assert_nonnull (warning);
  g_assert_nonnull (strstr (warning, "'[PAD]' (the folder's pad_token)"));
  g_assert_nonnull (strstr (warning, "byte order mark"));
  g_free (warning);
  g_assert_null (vocab_folder_warning ("", ""));
}

/* A template may leave out [CLS] (or add more): the encoding follows it, as Hugging Face's
 * does, and truncation leaves room for exactly its special tokens. */
static void
test_template_without_cls_is_followed (void)
{
  char *json = fixture_with ("{\"SpecialToken\": {\"id\": \"[CLS]\", \"type_id\": 0}}, ", "");
  char *path = write_file ("no-cls.json", json, -1);
  GError *error = NULL;
  BertTokenizer *tokenizer = bert_tokenizer_new_from_path (path, &error);
  guint n_prefix, n_suffix;

  g_assert_no_error (error);
  bert_tokenizer_get_prefix_ids (tokenizer, &n_prefix);
  g_assert_cmpint (bert_tokenizer_get_suffix_ids (tokenizer, &n_suffix)[0], ==, 3);
  g_assert_cmpuint (n_prefix, ==, 0);
  g_assert_cmpuint (n_suffix, ==, 1);
  check_bytes (tokenizer, "hello world", 11, G_MAXUINT, "hello@0-5 world@6-11 [SEP]@0-0");
  check_bytes (tokenizer, "hello world", 11, 2, "hello@0-5 [SEP]@0-0");
  check_bytes (tokenizer, "", 0, G_MAXUINT, "[SEP]@0-0");
  bert_tokenizer_free (tokenizer);
  g_free (path);
  g_free (json);
}

/* BertProcessing names its ids directly; one outside the vocabulary is refused. */
static void
test_bert_processing_ids_must_be_in_the_vocabulary (void)
{
  const char *template = "{\"type\": \"TemplateProcessing\", \"single\": [";
  char *json = fixture_with (template,
      "{\"type\": \"BertProcessing\", \"cls\": [\"[CLS]\", 2], "
      "\"sep\": [\"[SEP]\", 3], \"single\": [");
  char *out_of_range = fixture_with (template,
      "{\"type\": \"BertProcessing\", "
      "\"cls\": [\"[CLS]\", 2], \"sep\": [\"[SEP]\", 67], \"single\": [");
  char *path = write_file ("bert-processing.json", json, -1);
  GError *error = NULL;
  BertTokenizer *tokenizer = bert_tokenizer_new_from_path (path, &error);

  g_assert_no_error (error);
  check_bytes (tokenizer, "hello", 5, G_MAXUINT, "[CLS]@0-0 hello@0-5 [SEP]@0-0");
  expect_file_error ("bert-processing-67.json", out_of_range, BERT_TOKENIZER_ERROR_FORMAT,
      "'post_processor.sep'");
  bert_tokenizer_free (tokenizer);
  g_free (path);
  g_free (out_of_range);
  g_free (json);
}

static void
test_vocab_txt_errors_name_file_and_line (void)
{
  expect_file_error ("dup.txt", "[UNK]\n[CLS]\n[SEP]\na\nb\na\n", BERT_TOKENIZER_ERROR_FORMAT,
      "line 6: duplicate token 'a' (first on line 4)");
  expect_file_error ("empty.txt", "", BERT_TOKENIZER_ERROR_FORMAT, "empty");
  expect_file_error ("utf8.txt", "[UNK]\n\xff\xfe\n", BERT_TOKENIZER_ERROR_FORMAT, "line 2: invalid UTF-8");
  expect_file_error ("nounk.txt", "[CLS]\n[SEP]\na\n", BERT_TOKENIZER_ERROR_FORMAT, "[UNK]");
}

static void
test_missing_file_is_a_file_error (void)
{
  char *path = g_build_filename (scratch_dir, "absent", "vocab.txt", NULL);
  expect_error (path, BERT_TOKENIZER_ERROR_FILE, path, NULL);
  char *empty = g_build_filename (scratch_dir, "empty-folder", NULL);
  g_mkdir_with_parents (empty, 0700);
  expect_error (empty, BERT_TOKENIZER_ERROR_FILE, "neither tokenizer.json nor vocab.txt", NULL);
  g_free (empty);
  g_free (path);
}

static void
test_tokenizer_json_errors_name_field (void)
{
  struct {
    const char *from, *to, *fragment;
    int code;
  } cases[] = {
    { "\"WordPiece\", \"unk_token\"", "\"WordLevel\", \"unk_token\"", "model.type is WordLevel",
        BERT_TOKENIZER_ERROR_UNSUPPORTED },
    { "\"BertNormalizer\"", "\"Nmt\"", "normalizer.type is Nmt", BERT_TOKENIZER_ERROR_UNSUPPORTED },
    { "\"BertPreTokenizer\"", "\"CharDelimiterSplit\"", "pre_tokenizer.type is CharDelimiterSplit",
        BERT_TOKENIZER_ERROR_UNSUPPORTED },
    { "\"hello\": 5", "\"hello\": \"five\"", "'model.vocab': the id of 'hello'",
        BERT_TOKENIZER_ERROR_FORMAT },
    { "\"hello\": 5", "\"hello\": 6", "'model.vocab': id 6", BERT_TOKENIZER_ERROR_FORMAT },
    { "\"lowercase\": true", "\"lowercase\": 1", "'normalizer.lowercase'", BERT_TOKENIZER_ERROR_FORMAT },
    { "\"unk_token\": \"[UNK]\"", "\"unk_token\": \"<unk>\"", "'model.unk_token'",
        BERT_TOKENIZER_ERROR_FORMAT },
    { "\"max_input_chars_per_word\": 100", "\"max_input_chars_per_word\": -3",
        "'model.max_input_chars_per_word'", BERT_TOKENIZER_ERROR_FORMAT },
    { "\"ids\": [2]", "\"ids\": [99999]", "'post_processor.special_tokens'", BERT_TOKENIZER_ERROR_FORMAT },
    { "\"content\": \"[MASK]\"", "\"content\": \"[MASQ]\"",
        "'added_tokens[4]': id 4 is '[MASK]' in the vocabulary, not '[MASQ]'", BERT_TOKENIZER_ERROR_FORMAT },
    { "{\"id\": 4, ", "{\"id\": 400, ", "'added_tokens[4].id' must be an integer from 0 to 71",
        BERT_TOKENIZER_ERROR_FORMAT },
    { "  \"model\": {", "  \"model\": {{", ":15:12: Parse error", BERT_TOKENIZER_ERROR_FORMAT },
    /* json-glib reads 0x4 as 4 and cuts "[MASK]\u0000x" to "[MASK]"; JSON has no hex numbers */
    { "{\"id\": 4, ", "{\"id\": 0x4, ", "the number 0x4 is not JSON", BERT_TOKENIZER_ERROR_FORMAT },
    { "\"content\": \"[MASK]\"", "\"content\": \"[MASK]\\u0000x\"",
        "field 'added_tokens[4].content' holds \\u0000", BERT_TOKENIZER_ERROR_FORMAT },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    char *json = fixture_with (cases[i].from, cases[i].to);
    expect_file_error ("broken.json", json, cases[i].code, cases[i].fragment);
    g_free (json);
  }
  /* a Keras Tokenizer's tokenizer.json, as real repositories commit them */
  expect_file_error ("keras.json", "{\"class_name\": \"Tokenizer\", \"config\": {\"num_words\": 10}}",
      BERT_TOKENIZER_ERROR_FORMAT, "no field 'model': not a Hugging Face tokenizers file");
}

static void
test_tokenizer_config_errors_name_field (void)
{
  char *folder = g_build_filename (scratch_dir, "badconfig", NULL);
  char *config = g_build_filename (folder, "tokenizer_config.json", NULL);
  char *vocab = g_build_filename (folder, "vocab.txt", NULL);

  g_mkdir_with_parents (folder, 0700);
  g_file_set_contents (vocab, "[UNK]\n[CLS]\n[SEP]\n", -1, NULL);
  g_file_set_contents (config, "{\"do_lower_case\": \"yes\"}", -1, NULL);
  expect_error (folder, BERT_TOKENIZER_ERROR_FORMAT, config, "'do_lower_case'");
  g_file_set_contents (config, "{\"model_max_length\": -5}", -1, NULL);
  expect_error (folder, BERT_TOKENIZER_ERROR_FORMAT, config, "'model_max_length'");
  g_file_set_contents (config, "[1, 2]", -1, NULL);
  expect_error (folder, BERT_TOKENIZER_ERROR_FORMAT, config, "not a JSON object");
  /* json-glib would read 0x10 as 16, 010 as 8 and the class as BertJapaneseTokenizer */
  g_file_set_contents (config, "{\"model_max_length\": 0x10}", -1, NULL);
  expect_error (folder, BERT_TOKENIZER_ERROR_FORMAT, config, "the number 0x10 is not JSON");
  g_file_set_contents (config, "{\"model_max_length\": 010}", -1, NULL);
  expect_error (folder, BERT_TOKENIZER_ERROR_FORMAT, config, "the number 010 is not JSON");
  g_file_set_contents (config, "{\"tokenizer_class\": \"BertJapaneseTokenizer\\u0000Fast\"}", -1, NULL);
  expect_error (folder, BERT_TOKENIZER_ERROR_FORMAT, config, "field 'tokenizer_class' holds \\u0000");
  /* a real folder's unk_token, an added token that vocab.txt lacks */
  g_file_set_contents (config, "{\"unk_token\": \"<|endoftext|>\"}", -1, NULL);
  expect_error (folder, BERT_TOKENIZER_ERROR_FORMAT, vocab,
      "no token '<|endoftext|>', the folder's unk_token");
  g_file_set_contents (config, "{\"cls_token\": \"<s>\"}", -1, NULL);
  expect_error (folder, BERT_TOKENIZER_ERROR_FORMAT, vocab, "no token '<s>', the folder's cls_token");
  /* a class that transformers builds otherwise (a real bert-base-japanese folder's: MeCab words) */
  g_file_set_contents (config, "{\"tokenizer_class\": \"BertJapaneseTokenizer\"}", -1, NULL);
  expect_error (folder, BERT_TOKENIZER_ERROR_UNSUPPORTED,
      "tokenizer_config.json's tokenizer_class is BertJapaneseTokenizer", "vocab.txt");
  g_file_set_contents (config, "{\"tokenizer_class\": \"DistilBertTokenizerFast\"}", -1, NULL);
  BertTokenizer *distil = bert_tokenizer_new_from_path (folder, NULL);
  g_assert_nonnull (distil);
  bert_tokenizer_free (distil);
  g_free (config);
  g_free (vocab);
  g_free (folder);
}

/* A model folder holding @tokenizer_file (tokenizer.json or vocab.txt, with @contents),
 * a tokenizer_config.json saying 512 and a sentence_bert_config.json of @sbert_config. */
static char *
write_sentence_transformers_folder (const char *name, const char *tokenizer_file, const char *contents,
    const char *sbert_config)
{
  char *folder = g_build_filename (scratch_dir, name, NULL);
  char *tokenizer = g_build_filename (folder, tokenizer_file, NULL);
  char *config = g_build_filename (folder, "tokenizer_config.json", NULL);
  char *sbert = g_build_filename (folder, "sentence_bert_config.json", NULL);

  g_mkdir_with_parents (folder, 0700);
  g_assert_true (g_file_set_contents (tokenizer, contents, -1, NULL));
  g_assert_true (g_file_set_contents (config,
      "{\"do_lower_case\": true, "
      "\"model_max_length\": 512}",
      -1, NULL));
  g_assert_true (g_file_set_contents (sbert, sbert_config, -1, NULL));
  g_free (sbert);
  g_free (config);
  g_free (tokenizer);
  return folder;
}

/* sentence-transformers truncates at sentence_bert_config.json's max_seq_length, ahead of
 * tokenizer_config.json's model_max_length, whichever file holds the vocabulary. */
static void
test_folder_reads_sentence_bert_max_seq_length (void)
{
  char *json = fixture_tokenizer_json ();
  char *vocab;
  g_file_get_contents (vocab_path, &vocab, NULL, NULL);
  char *folders[] = {
    write_sentence_transformers_folder ("st-json", "tokenizer.json", json,
        "{\"max_seq_length\": 4, \"do_lower_case\": false}"),
    write_sentence_transformers_folder ("st-vocab", "vocab.txt", vocab,
        "{\"max_seq_length\": 4, \"do_lower_case\": true}"),
    write_sentence_transformers_folder ("st-null", "vocab.txt", vocab, "{\"max_seq_length\": null}"),
  };

  for (guint i = 0; i < G_N_ELEMENTS (folders); i++) {
    GError *error = NULL;
    BertTokenizer *tokenizer = bert_tokenizer_new_from_path (folders[i], &error);
    guint expected = i < 2 ? 4 : 512;

    g_assert_no_error (error);
    g_assert_cmpuint (bert_tokenizer_get_options (tokenizer)->model_max_length, ==, expected);
    if (expected == 4)
      check_bytes (tokenizer, "hello world the", 15, 0, "[CLS]@0-0 hello@0-5 world@6-11 [SEP]@0-0");
    bert_tokenizer_free (tokenizer);
    g_free (folders[i]);
  }
  g_free (vocab);
  g_free (json);
}

static void
test_sentence_bert_config_errors_name_field (void)
{
  const char *cased = "{\"do_lower_case\": false}";
  char *vocab;
  g_file_get_contents (vocab_path, &vocab, NULL, NULL);
  const struct {
    const char *contents;
    int code;
    const char *fragment;
  } cases[] = {
    { "{\"max_seq_length\": \"256\"}", BERT_TOKENIZER_ERROR_FORMAT, "'max_seq_length'" },
    { "{\"max_seq_length\": 0}", BERT_TOKENIZER_ERROR_FORMAT, "'max_seq_length'" },
    { "{\"max_seq_length\": 2.5}", BERT_TOKENIZER_ERROR_FORMAT, "'max_seq_length'" },
    { "{\"max_seq_length\": 256, \"do_lower_case\": 1}", BERT_TOKENIZER_ERROR_FORMAT, "'do_lower_case'" },
    { "{\"max_seq_length\": 256,", BERT_TOKENIZER_ERROR_FORMAT, "sentence_bert_config.json:" },
    { "[256]", BERT_TOKENIZER_ERROR_FORMAT, "not a JSON object" },
    /* keyword arguments sentence-transformers 6.3 fails on */
    { "{\"max_seq_length\": 256, \"tokenizer_args\": [[\"model_max_length\", 8]]}",
        BERT_TOKENIZER_ERROR_FORMAT, "field 'tokenizer_args' is not an object" },
    { "{\"max_seq_length\": 256, \"tokenizer_args\": null}", BERT_TOKENIZER_ERROR_FORMAT,
        "field 'tokenizer_args' is not an object" },
    { "{\"max_seq_length\": 256, \"processor_kwargs\": \"x\"}", BERT_TOKENIZER_ERROR_FORMAT,
        "field 'processor_kwargs' is not an object" },
    { "{\"max_seq_length\": 256, \"tokenizer_args\": {}, \"processor_kwargs\": 5}",
        BERT_TOKENIZER_ERROR_FORMAT, "field 'processor_kwargs' is not an object" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    char *folder = write_sentence_transformers_folder ("st-bad", "vocab.txt", vocab, cases[i].contents);
    char *sbert = g_build_filename (folder, "sentence_bert_config.json", NULL);
    expect_error (folder, cases[i].code, sbert, cases[i].fragment);
    g_free (sbert);
    g_free (folder);
  }

  /* Lowercasing the text before a cased tokenizer would give other tokens. */
  char *folder = write_sentence_transformers_folder ("st-cased", "vocab.txt", vocab,
      "{\"max_seq_length\": 256, \"do_lower_case\": true}");
  char *config = g_build_filename (folder, "tokenizer_config.json", NULL);
  g_assert_true (g_file_set_contents (config, cased, -1, NULL));
  expect_error (folder, BERT_TOKENIZER_ERROR_UNSUPPORTED, "sentence_bert_config.json", "do_lower_case");
  g_free (config);
  g_free (folder);
  g_free (vocab);
}

static void
test_junk_files_fail_cleanly (void)
{
  GRand *rand = g_rand_new_with_seed (11);
  const char *names[] = { "junk.txt", "junk.json" };
  char junk[2000];

  for (int round = 0; round < 200; round++) {
    gsize length = g_rand_int_range (rand, 1, sizeof junk);
    for (gsize i = 0; i < length; i++)
      junk[i] = (char) g_rand_int_range (rand, round % 2 ? 0 : 32, round % 4 < 2 ? 256 : 128);
    char *path = write_file (names[round % 2], junk, length);
    GError *error = NULL;
    BertTokenizer *tokenizer = bert_tokenizer_new_from_path (path, &error);
    g_assert_true ((tokenizer == NULL) == (error != NULL));
    g_clear_error (&error);
    bert_tokenizer_free (tokenizer);
    g_free (path);
  }
  g_rand_free (rand);

  /* json-glib recurses: nesting this deep would exhaust the stack. */
  char *deep = g_strnfill (100000, '[');
  expect_file_error ("deep.json", deep, BERT_TOKENIZER_ERROR_FORMAT, ":1: nested deeper than");
  /* also after a quote inside a comment (json-glib skips comments) */
  char *hidden = g_strconcat ("{\"a\": /* \" */ ", deep, NULL);
  expect_file_error ("deep.json", hidden, BERT_TOKENIZER_ERROR_FORMAT, ":1: nested deeper than");
  g_free (hidden);
  g_free (deep);
  /* An empty document parses to no root at all. */
  expect_file_error ("empty.json", "", BERT_TOKENIZER_ERROR_FORMAT, "not a JSON object");
}

static void
test_large_vocabulary_loads (void)
{
  const guint n_lines = 1000000;
  GString *contents = g_string_sized_new (n_lines * 10);
  g_string_append (contents, "[PAD]\n[UNK]\n[CLS]\n[SEP]\n");
  for (guint i = 4; i < n_lines; i++)
    g_string_append_printf (contents, "w%u\n", i);
  char *path = write_file ("large.txt", contents->str, contents->len);
  GError *error = NULL;
  BertTokenizer *tokenizer = bert_tokenizer_new_from_path (path, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (bert_tokenizer_get_vocab_size (tokenizer), ==, n_lines);
  g_assert_cmpint (bert_tokenizer_token_to_id (tokenizer, "w999999"), ==, 999999);
  g_assert_cmpint (bert_tokenizer_token_to_id (tokenizer, "w4"), ==, 4);
  bert_tokenizer_free (tokenizer);
  g_free (path);
  g_string_free (contents, TRUE);
}

/* Usage: test-tokenizer PATH/TO/tests/tokenizer/data/vocab.txt */
int
main (int argc, char **argv)
{
  vocab_path = g_strdup (test_init_with_path (&argc, &argv, "DATA/vocab.txt"));
  scratch_dir = g_dir_make_tmp ("test-tokenizer-XXXXXX", NULL);

  g_test_add_func ("/tokenizer/normalize/lowercase-strips-accents-by-default",
      test_lowercase_strips_accents_by_default);
  g_test_add_func ("/tokenizer/normalize/cased-keeps-case-and-accents", test_cased_keeps_case_and_accents);
  g_test_add_func ("/tokenizer/normalize/lowercase-without-strip-keeps-accents",
      test_lowercase_without_strip_keeps_accents);
  g_test_add_func ("/tokenizer/normalize/dotted-capital-i", test_lowercase_of_dotted_capital_i_keeps_its_dot);
  g_test_add_func ("/tokenizer/normalize/capital-sigma", test_capital_sigma_always_becomes_small_sigma);
  g_test_add_func ("/tokenizer/normalize/hangul-jamo", test_hangul_decomposes_into_jamo_when_stripping);
  g_test_add_func ("/tokenizer/normalize/sharp-s", test_sharp_s_is_not_decomposed);
  g_test_add_func ("/tokenizer/normalize/mark-reordering", test_marks_are_reordered_as_nfd_does);
  g_test_add_func ("/tokenizer/normalize/long-mark-runs", test_long_runs_of_marks_are_reordered);
  g_test_add_func ("/tokenizer/normalize/cjk", test_cjk_ideographs_are_single_words);
  g_test_add_func ("/tokenizer/normalize/cjk-off", test_cjk_splitting_can_be_turned_off);
  g_test_add_func ("/tokenizer/normalize/control-chars", test_clean_text_drops_control_and_format_chars);
  g_test_add_func ("/tokenizer/normalize/no-clean-text", test_without_clean_text_controls_stay_in_words);
  g_test_add_func ("/tokenizer/pretokenize/ascii-symbols", test_ascii_symbols_split_like_punctuation);
  g_test_add_func ("/tokenizer/pretokenize/unicode-punctuation", test_unicode_punctuation_splits);
  g_test_add_func ("/tokenizer/pretokenize/whitespace", test_every_kind_of_whitespace_splits);
  g_test_add_func ("/tokenizer/wordpiece/longest-pieces", test_words_split_into_longest_pieces);
  g_test_add_func ("/tokenizer/wordpiece/unknown-piece", test_a_word_with_an_unknown_piece_is_one_unk);
  g_test_add_func ("/tokenizer/wordpiece/long-words", test_words_over_100_chars_are_unk);
  g_test_add_func ("/tokenizer/wordpiece/longer-than-stack", test_words_longer_than_the_stack_buffer);
  g_test_add_func ("/tokenizer/added/special-tokens-in-text", test_special_tokens_in_text_are_kept_whole);
  g_test_add_func ("/tokenizer/added/different-first-bytes", test_added_tokens_with_different_first_bytes);
  g_test_add_func ("/tokenizer/encode/empty", test_empty_text_gives_cls_sep);
  g_test_add_func ("/tokenizer/encode/truncation", test_truncation_keeps_sep_last);
  g_test_add_func ("/tokenizer/encode/invalid-utf8", test_invalid_utf8_is_repaired_and_dropped);
  g_test_add_func ("/tokenizer/encode/random-bytes", test_random_bytes_give_offsets_inside_the_input);
  g_test_add_func ("/tokenizer/encode/one-megabyte", test_one_megabyte_input);
  g_test_add_func ("/tokenizer/load/json-and-vocab-agree", test_tokenizer_json_and_vocab_txt_agree);
  g_test_add_func ("/tokenizer/load/folder-config", test_folder_reads_tokenizer_config);
  g_test_add_func ("/tokenizer/load/folder-special-tokens-map", test_folder_reads_special_tokens_map);
  g_test_add_func ("/tokenizer/load/folder-added-tokens-warn", test_folder_added_tokens_warn);
  g_test_add_func ("/tokenizer/load/template-without-cls", test_template_without_cls_is_followed);
  g_test_add_func ("/tokenizer/load/bert-processing-ids", test_bert_processing_ids_must_be_in_the_vocabulary);
  g_test_add_func ("/tokenizer/load/vocab-errors", test_vocab_txt_errors_name_file_and_line);
  g_test_add_func ("/tokenizer/load/missing-file", test_missing_file_is_a_file_error);
  g_test_add_func ("/tokenizer/load/tokenizer-json-errors", test_tokenizer_json_errors_name_field);
  g_test_add_func ("/tokenizer/load/tokenizer-config-errors", test_tokenizer_config_errors_name_field);
  g_test_add_func ("/tokenizer/load/sentence-bert-max-seq-length",
      test_folder_reads_sentence_bert_max_seq_length);
  g_test_add_func ("/tokenizer/load/sentence-bert-config-errors",
      test_sentence_bert_config_errors_name_field);
  g_test_add_func ("/tokenizer/load/junk", test_junk_files_fail_cleanly);
  g_test_add_func ("/tokenizer/load/folder-missing-pad-or-mask-warns", test_folder_missing_pad_or_mask_warns);
  g_test_add_func ("/tokenizer/load/large-vocabulary", test_large_vocabulary_loads);

  int status = g_test_run ();
  scratch_tree_remove (scratch_dir);
  g_free (scratch_dir);
  g_free (vocab_path);
  return status;
}
