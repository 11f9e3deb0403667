/* test-subword-tokenizers: the Unigram and byte-level BPE pipelines against Hugging Face.
 *
 * For every fixture folder under data/ (made by make-tokenizer-fixtures.py with tokenizers
 * 0.23.3, sentencepiece and transformers' XLM-R converter), tokenizes each text of
 * data/parity-texts.txt (length-prefixed records) and compares ids, type ids and byte offsets with the folder's
 * expected.txt, the reference's own output. Then the errors and behaviours the fixtures do
 * not show: unsupported types named, invalid UTF-8, truncation. Needs nothing outside the
 * repository.
 */
#include "bert_subword.h"
#include "bert_tokenizer.h"
#include "tokenizer_test_support.h"

#include <stdlib.h>
#include <string.h>

static const char *data_dir;

/* albert-unigram: ALBERT's pipeline (make-albert-fixtures.py): Replace, NFKD,
 * StripAccents, Lowercase; WhitespaceSplit then Metaspace; [CLS] $A [SEP]. */
static const char *fixtures[] = { "unigram-nmt-nfkc", "unigram-nmt-nfkc-cf", "unigram-byte-fallback",
  "unigram-hf", "bpe-roberta", "bpe-affixes", "albert-unigram" };

static BertTokenizer *
load_fixture (const char *name)
{
  char *folder = g_build_filename (data_dir, name, NULL);
  BertTokenizer *tokenizer = tokenizer_load_path (folder);
  g_free (folder);
  return tokenizer;
}

static void
test_fixture_matches_reference (gconstpointer data)
{
  const char *name = data;
  char *texts_path = g_build_filename (data_dir, "parity-texts.txt", NULL);
  char *expected_path = g_build_filename (data_dir, name, "expected.txt", NULL);
  BertTokenizer *tokenizer = load_fixture (name);

  assert_texts_as_expected (tokenizer, texts_path, expected_path, name, 200);
  bert_tokenizer_free (tokenizer);
  g_free (texts_path);
  g_free (expected_path);
}

/* CamemBERT as transformers 5 saved it (data/camembert-t5, made by make-camembert5-fixtures.py):
 * <unk> at two ids, the later one kept for the piece; whitespace runs replaced by Replace's
 * regex "\s{2,}|[\n\r\t]". Its texts are the parity texts and whitespace cases. */
static void
test_camembert_as_transformers5_saved_it (void)
{
  BertTokenizer *tokenizer = load_fixture ("camembert-t5");

  g_assert_cmpint (bert_tokenizer_token_to_id (tokenizer, "<unk>"), ==, 4);
  g_assert_cmpstr (bert_tokenizer_id_to_token (tokenizer, 3), ==, "<unk>");
  bert_tokenizer_free (tokenizer);
  assert_fixture_texts (data_dir, ".", "camembert-t5", "camembert-t5/texts.txt", "expected.txt", 200);
}

/* ---- errors ---- */

/* Loads a copy of a fixture's tokenizer.json with each edits[2i] replaced by edits[2i + 1]
 * (the list ends with NULL); NULL and the error where it is refused. */
static BertTokenizer *
load_with_edits (const char *name, const char *const *edits, GError **error)
{
  char *source = g_build_filename (data_dir, name, "tokenizer.json", NULL);
  char *contents = read_file_contents (source, NULL);
  for (guint i = 0; edits[i] != NULL; i += 2) {
    char *edited = text_with_first_replaced (contents, edits[i], edits[i + 1]);
    g_free (contents);
    contents = edited;
  }
  BertTokenizer *tokenizer = tokenizer_load_json_text (contents, error);
  g_free (contents);
  g_free (source);
  return tokenizer;
}

/* Loads a copy of a fixture's tokenizer.json with one text replaced. */
static BertTokenizer *
load_edited_tokenizer (const char *name, const char *from, const char *to, GError **load_error)
{
  const char *edits[] = { from, to, NULL };
  return load_with_edits (name, edits, load_error);
}

/* The same, refused; returns the error. */
static GError *
load_edited (const char *name, const char *from, const char *to)
{
  GError *error = NULL;
  BertTokenizer *tokenizer = load_edited_tokenizer (name, from, to, &error);
  g_assert_null (tokenizer);
  g_assert_nonnull (error);
  return error;
}

static void
check_refused (const char *name, const char *from, const char *to, const char *message_part)
{
  GError *error = load_edited (name, from, to);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, message_part));
  g_error_free (error);
}

static void
test_word_level_is_refused_naming_the_supported_types (void)
{
  check_refused ("bpe-roberta", "\"type\":\"BPE\"", "\"type\":\"WordLevel\"",
      "model.type is WordLevel; only WordPiece, Unigram or BPE is supported");
}

static void
test_unsupported_normalizer_is_named (void)
{
  check_refused ("unigram-hf", "{\"type\":\"Lowercase\"}", "{\"type\":\"Nmt\"}",
      "normalizer.normalizers[1].type is Nmt");
}

static void
test_unsupported_regex_is_named (void)
{
  check_refused ("unigram-nmt-nfkc", "\"Regex\":\" {2,}\"", "\"Regex\":\"\\\\s+\"", "the regex '\\s+'");
}

/* T5's and mBART's template, "$A </s>" (real files of both were refused as lacking <s>). */
static void
test_template_without_start_token_is_named (void)
{
  check_refused ("unigram-hf", "\"single\":[{\"SpecialToken\":{\"id\":\"<s>\",\"type_id\":0}},",
      "\"single\":[", "its post-processor puts no special token before the text");
}

static void
test_unsupported_pre_tokenizer_is_named (void)
{
  check_refused ("bpe-roberta", "\"type\":\"ByteLevel\",\"add_prefix_space\":true,\"trim",
      "\"type\":\"Whitespace\",\"add_prefix_space\":true,\"trim", "pre_tokenizer.type is Whitespace");
}

static void
test_broken_charsmap_is_refused (void)
{
  check_refused ("unigram-nmt-nfkc", "\"precompiled_charsmap\":\"", "\"precompiled_charsmap\":\"AAAA",
      "is not a sentencepiece charsmap");
}

static void
test_bpe_dropout_is_refused (void)
{
  check_refused ("bpe-roberta", "\"dropout\":null", "\"dropout\":0.1", "model.dropout is set");
}

/* A score beyond a double's range is refused by the reference ("number out of range"); read
 * as infinity it would make its piece always or never chosen. */
static void
test_score_out_of_range_is_refused (void)
{
  check_refused ("unigram-hf", "[\"a\",-4.549023663905009]", "[\"a\",-4.5e309]",
      "model.vocab[5]' must be a [piece, score] pair with a finite score");
  check_refused ("unigram-hf", "[\"a\",-4.549023663905009]", "[\"a\",1e400]",
      "model.vocab[5]' must be a [piece, score] pair with a finite score");
}

/* json-glib reads "\ud800ab" as the bytes ed a0 80 then "b", which loaded as a piece no
 * valid text holds; Hugging Face refuses the file. */
static void
test_lone_surrogate_piece_is_refused (void)
{
  check_refused ("unigram-hf", "[\"a\",-4.549023663905009]", "[\"\\ud800ab\",-4.549023663905009]",
      "model.vocab[5][0]' must be valid UTF-8");
  check_refused ("unigram-hf", "[\"a\",-4.549023663905009]", "[\"a\\udc00bc\",-4.549023663905009]",
      "model.vocab[5][0]' must be valid UTF-8");
}

/* ---- behaviours ---- */

/* Invalid bytes become U+FFFD for the pipeline; offsets still point into the input. */
static void
test_invalid_utf8_keeps_input_offsets (void)
{
  BertTokenizer *tokenizer = load_fixture ("bpe-roberta");
  BertEncoding valid, invalid;
  bert_encoding_init (&valid);
  bert_encoding_init (&invalid);
  bert_tokenizer_encode (tokenizer, "ab \xef\xbf\xbd cd", 9, G_MAXUINT, &valid);
  bert_tokenizer_encode (tokenizer, "ab \xff cd", 7, G_MAXUINT, &invalid);
  g_assert_true (invalid.repaired_utf8);
  g_assert_false (valid.repaired_utf8);
  g_assert_cmpuint (valid.n_tokens, ==, invalid.n_tokens);
  for (uint32_t i = 0; i < valid.n_tokens; i++) {
    g_assert_cmpint (valid.ids[i], ==, invalid.ids[i]);
    /* U+FFFD is 3 bytes where the input had 1: offsets after it are 2 less */
    for (int side = 0; side < 2; side++) {
      uint32_t expected = valid.offsets[2 * i + side];
      if (expected >= 6)
        expected -= 2;
      else if (expected > 3)
        expected = 4;
      g_assert_cmpuint (invalid.offsets[2 * i + side], ==, expected);
    }
  }
  bert_encoding_clear (&valid);
  bert_encoding_clear (&invalid);
  bert_tokenizer_free (tokenizer);
}

/* "3434" "3434" "34" and "34" "3434" "3434" score the same but for the last bits: the
 * reference's scores are read the way serde_json reads them (one in six a unit in the last
 * place off the correctly rounded value), and its tie goes this way (stress corpus finding). */
static void
test_scores_are_read_as_the_reference_reads_them (void)
{
  BertTokenizer *tokenizer = load_fixture ("unigram-nmt-nfkc");
  BertEncoding encoding;
  const int32_t expected[] = { 0, 4, 1529, 1529, 433, 2 };
  bert_encoding_init (&encoding);
  bert_tokenizer_encode (tokenizer, "3434343434", 10, G_MAXUINT, &encoding);
  g_assert_cmpuint (encoding.n_tokens, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    g_assert_cmpint (encoding.ids[i], ==, expected[i]);
  bert_encoding_clear (&encoding);
  bert_tokenizer_free (tokenizer);
}

static void
test_truncation_keeps_start_and_end_tokens (void)
{
  BertTokenizer *tokenizer = load_fixture ("unigram-nmt-nfkc");
  BertEncoding full, cut;
  const char *text = "one two three four five six seven eight nine ten";
  bert_encoding_init (&full);
  bert_encoding_init (&cut);
  bert_tokenizer_encode (tokenizer, text, strlen (text), G_MAXUINT, &full);
  bert_tokenizer_encode (tokenizer, text, strlen (text), 6, &cut);
  g_assert_cmpuint (full.n_tokens, >, 6);
  g_assert_false (full.truncated);
  g_assert_true (cut.truncated);
  g_assert_cmpuint (cut.n_tokens, ==, 6);
  for (uint32_t i = 0; i < 5; i++)
    g_assert_cmpint (cut.ids[i], ==, full.ids[i]);
  g_assert_cmpint (cut.ids[5], ==, full.ids[full.n_tokens - 1]);
  g_assert_cmpint (cut.ids[0], ==, bert_tokenizer_get_cls_id (tokenizer));
  g_assert_cmpint (cut.ids[5], ==, bert_tokenizer_get_sep_id (tokenizer));
  bert_encoding_clear (&full);
  bert_encoding_clear (&cut);
  bert_tokenizer_free (tokenizer);
}

/* Only RobertaProcessing's trim_offsets trims, and then the encoding shows it: the lone "Ġ"
 * of a space before a multi-byte character has an empty span, as in the reference. */
static void
test_trims_offsets_where_roberta_processing_says (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (fixtures); i++) {
    BertTokenizer *tokenizer = load_fixture (fixtures[i]);
    g_assert_cmpint (bert_tokenizer_get_trims_offsets (tokenizer), ==,
        strcmp (fixtures[i], "bpe-roberta") == 0);
    bert_tokenizer_free (tokenizer);
  }
  BertTokenizer *tokenizer = load_fixture ("bpe-roberta");
  BertEncoding encoding;
  const char *text = "x \xe4\xb8\xad";
  bert_encoding_init (&encoding);
  bert_tokenizer_encode (tokenizer, text, strlen (text), G_MAXUINT, &encoding);
  gboolean empty_span = FALSE;
  for (uint32_t i = 1; i + 1 < encoding.n_tokens; i++)
    empty_span |= encoding.offsets[2 * i] == encoding.offsets[2 * i + 1];
  g_assert_true (empty_span);
  bert_encoding_clear (&encoding);
  bert_tokenizer_free (tokenizer);
}

static void
check_encodes_as (BertTokenizer *tokenizer, const char *text, const char *expected)
{
  BertEncoding encoding;
  bert_encoding_init (&encoding);
  bert_tokenizer_encode (tokenizer, text, strlen (text), G_MAXUINT, &encoding);
  char *got = encoding_describe (&encoding, FALSE);
  g_assert_cmpstr (got, ==, expected);
  g_free (got);
  bert_encoding_clear (&encoding);
}

/* trim_offsets reads a token's leading and trailing spaces from a byte per id, and counts
 * them again for tokens of 15 or more: here "Ġ" * 16 (id 1003), beside shorter runs. The
 * expected ids and offsets are Hugging Face's (tokenizers 0.23.3). */
static void
test_trims_long_space_tokens (void)
{
  BertTokenizer *tokenizer = load_fixture ("bpe-roberta");
  check_encodes_as (tokenizer, "a                 b", "0:0:0:0 309:0:0:1 1003:0:17:17 327:0:18:19 2:0:0:0");
  check_encodes_as (tokenizer, "               c                               d",
      "0:0:0:0 794:0:12:12 260:0:14:14 301:0:15:16 1003:0:32:32 794:0:44:44 260:0:46:46 268:0:47:48 "
      "2:0:0:0");
  bert_tokenizer_free (tokenizer);
}

/* Byte-level BPE takes a word's symbols straight from its bytes, except where a byte's
 * character is not a token (here "~": unknown, dropped, without unk_token) or ignore_merges
 * looks words up whole first (here "Ġhey", which no merge makes): then the word goes
 * through its byte-level characters. The expected ids and offsets are Hugging Face's
 * (tokenizers 0.23.3) on the same edited files. */
static void
test_bpe_words_outside_the_byte_shortcut (void)
{
  const char *without_tilde[] = { "\"~\":97", "\"<tilde>\":97", NULL };
  const char *hey_whole[] = { "\"!\":4", "\"\xc4\xa0hey\":4", "\"ignore_merges\":false",
    "\"ignore_merges\":true", NULL };
  GError *error = NULL;

  BertTokenizer *tokenizer = load_with_edits ("bpe-roberta", without_tilde, &error);
  g_assert_no_error (error);
  check_encodes_as (tokenizer, "a~b ~~ x~ caf\xc3\xa9~",
      "0:0:0:0 309:0:0:1 69:0:2:3 224:0:4:4 1606:0:7:8 301:0:10:11 68:0:11:12 73:0:12:13 333:0:13:15 "
      "2:0:0:0");
  bert_tokenizer_free (tokenizer);
  tokenizer = load_with_edits ("bpe-roberta", hey_whole, &error);
  g_assert_no_error (error);
  check_encodes_as (tokenizer, "hey, hey you~ hey",
      "0:0:0:0 4:0:0:3 15:0:3:4 4:0:5:8 597:0:9:10 1834:0:10:12 97:0:12:13 4:0:14:17 2:0:0:0");
  bert_tokenizer_free (tokenizer);
}

/* Byte-level words of up to 48 bytes merge in fixed arrays of their own, longer ones
 * through the heap: pre-tokens of 48 (" " and 47 letters), 49, 51 and 89 bytes, as
 * Hugging Face (tokenizers 0.23.3) encodes them. */
static void
test_bpe_words_around_the_short_word_limit (void)
{
  BertTokenizer *tokenizer = load_fixture ("bpe-roberta");
  check_encodes_as (tokenizer, "pneumonoultramicroscopicsilicovolcanoconiosises",
      "0:0:0:0 285:0:0:1 617:0:1:3 412:0:3:5 289:0:5:7 82:0:7:8 428:0:8:10 942:0:10:12 348:0:12:14 "
      "455:0:14:16 353:0:16:18 86:0:18:19 70:0:19:20 622:0:20:22 455:0:22:24 86:0:24:25 318:0:25:27 "
      "455:0:27:29 648:0:29:31 374:0:31:33 70:0:33:34 282:0:34:36 723:0:36:38 289:0:38:40 76:0:40:41 "
      "375:0:41:43 334:0:43:45 288:0:45:47 2:0:0:0");
  check_encodes_as (tokenizer, "pneumonoultramicroscopicsilicovolcanoconiosisess",
      "0:0:0:0 285:0:0:1 617:0:1:3 412:0:3:5 289:0:5:7 82:0:7:8 428:0:8:10 942:0:10:12 348:0:12:14 "
      "455:0:14:16 353:0:16:18 86:0:18:19 70:0:19:20 622:0:20:22 455:0:22:24 86:0:24:25 318:0:25:27 "
      "455:0:27:29 648:0:29:31 374:0:31:33 70:0:33:34 282:0:34:36 723:0:36:38 289:0:38:40 76:0:40:41 "
      "375:0:41:43 334:0:43:45 858:0:45:48 2:0:0:0");
  check_encodes_as (tokenizer, "x pneumonoultramicroscopicsilicovolcanoconiosisesses",
      "0:0:0:0 1606:0:0:1 285:0:2:3 617:0:3:5 412:0:5:7 289:0:7:9 82:0:9:10 428:0:10:12 942:0:12:14 "
      "348:0:14:16 455:0:16:18 353:0:18:20 86:0:20:21 70:0:21:22 622:0:22:24 455:0:24:26 86:0:26:27 "
      "318:0:27:29 455:0:29:31 648:0:31:33 374:0:33:35 70:0:35:36 282:0:36:38 723:0:38:40 289:0:40:42 "
      "76:0:42:43 375:0:43:45 334:0:45:47 858:0:47:50 288:0:50:52 2:0:0:0");
  check_encodes_as (tokenizer,
      "\xd0\xb4\xd0\xbe\xd1\x81\xd1\x82\xd0\xbe\xd0\xbf\xd1\x80\xd0\xb8\xd0\xbc\xd0\xb5\xd1\x87\xd0\xb0"
      "\xd1\x82\xd0\xb5\xd0\xbb\xd1\x8c\xd0\xbd\xd0\xbe\xd1\x81\xd1\x82\xd0\xb5\xd0\xb9"
      "\xd0\xb4\xd0\xbe\xd1\x81\xd1\x82\xd0\xbe\xd0\xbf\xd1\x80\xd0\xb8\xd0\xbc\xd0\xb5\xd1\x87\xd0\xb0"
      "\xd1\x82\xd0\xb5\xd0\xbb\xd1\x8c\xd0\xbd\xd0\xbe\xd1\x81\xd1\x82\xd0\xb5\xd0\xb9",
      "0:0:0:0 424:0:0:2 1348:0:2:8 1244:0:8:12 504:0:12:16 1306:0:16:20 413:0:20:22 432:0:22:26 "
      "920:0:26:30 414:0:30:32 666:0:32:36 419:0:36:40 265:0:40:42 550:0:42:44 352:0:44:46 1348:0:46:52 "
      "1244:0:52:56 504:0:56:60 1306:0:60:64 413:0:64:66 432:0:66:70 920:0:70:74 414:0:74:76 "
      "666:0:76:80 419:0:80:84 265:0:84:86 550:0:86:88 2:0:0:0");
  bert_tokenizer_free (tokenizer);
}

/* NUL is a character (Hugging Face tokenizes it; XLM-R's charsmap drops it): text holding
 * one is valid UTF-8, not repaired. */
static void
test_nul_is_not_invalid_utf8 (void)
{
  static const char text[] = "a\0b \0";
  for (guint i = 0; i < G_N_ELEMENTS (fixtures); i++) {
    BertTokenizer *tokenizer = load_fixture (fixtures[i]);
    BertEncoding encoding;
    bert_encoding_init (&encoding);
    bert_tokenizer_encode (tokenizer, text, sizeof text - 1, G_MAXUINT, &encoding);
    g_assert_false (encoding.repaired_utf8);
    bert_encoding_clear (&encoding);
    bert_tokenizer_free (tokenizer);
  }
}

static char *
describe_text (BertTokenizer *tokenizer, const char *text)
{
  BertEncoding encoding;
  bert_encoding_init (&encoding);
  bert_tokenizer_encode (tokenizer, text, strlen (text), G_MAXUINT, &encoding);
  char *description = encoding_describe (&encoding, FALSE);
  bert_encoding_clear (&encoding);
  return description;
}

/* The XLM-R normaliser's last step, Replace " {2,}" by the replacement, is done by the split
 * Metaspace in passing (every run of spaces becomes one replacement with the span of its
 * last space); a Replace that leaves shorter runs alone (" {3,}") stays a normaliser step:
 * two spaces then tokenize as with no Replace at all, three as with " {2,}". */
static void
test_space_runs_replace_where_the_pattern_says (void)
{
  GError *error = NULL;
  BertTokenizer *two = load_fixture ("unigram-nmt-nfkc");
  BertTokenizer *three = load_edited_tokenizer ("unigram-nmt-nfkc", "\" {2,}\"", "\" {3,}\"", &error);
  g_assert_no_error (error);
  BertTokenizer *none = load_edited_tokenizer ("unigram-nmt-nfkc", "\" {2,}\"", "\" {99,}\"", &error);
  g_assert_no_error (error);
  char *with_two[3], *with_three[3], *with_none[3];
  const char *texts[] = { "a  b", "a   b", "  a" };
  for (guint i = 0; i < G_N_ELEMENTS (texts); i++) {
    with_two[i] = describe_text (two, texts[i]);
    with_three[i] = describe_text (three, texts[i]);
    with_none[i] = describe_text (none, texts[i]);
  }
  g_assert_cmpstr (with_three[0], ==, with_none[0]);
  g_assert_cmpstr (with_three[0], !=, with_two[0]);
  g_assert_cmpstr (with_three[1], ==, with_two[1]);
  g_assert_cmpstr (with_three[1], !=, with_none[1]);
  g_assert_cmpstr (with_three[2], ==, with_none[2]);
  for (guint i = 0; i < G_N_ELEMENTS (texts); i++) {
    g_free (with_two[i]);
    g_free (with_three[i]);
    g_free (with_none[i]);
  }
  bert_tokenizer_free (two);
  bert_tokenizer_free (three);
  bert_tokenizer_free (none);
}

/* XLM-R's charsmap removes U+0001. Removed at the very start, with no character before it
 * to take the removal, the reference's rewrite runs behind the text from there on (the
 * spans overlap); the Precompiled normaliser copies unchanged text whole only while it
 * does not. Ids and byte offsets from Hugging Face tokenizers 0.23.3. */
static void
test_removal_at_start_aligns_as_the_reference (void)
{
  BertTokenizer *tokenizer = load_fixture ("unigram-nmt-nfkc");
  const char text[] = "\x01\x01"
                      "ab \xe2\x84\xa2"
                      " cd";
  const int32_t ids[] = { 0, 4, 437, 225, 125, 4, 31, 14, 2 };
  const uint32_t offsets[] = { 0, 0, 0, 1, 0, 2, 2, 4, 3, 4, 4, 5, 5, 8, 8, 9, 0, 0 };
  BertEncoding encoding;
  bert_encoding_init (&encoding);
  bert_tokenizer_encode (tokenizer, text, sizeof text - 1, G_MAXUINT, &encoding);
  g_assert_cmpuint (encoding.n_tokens, ==, G_N_ELEMENTS (ids));
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++) {
    g_assert_cmpint (encoding.ids[i], ==, ids[i]);
    g_assert_cmpuint (encoding.offsets[2 * i], ==, offsets[2 * i]);
    g_assert_cmpuint (encoding.offsets[2 * i + 1], ==, offsets[2 * i + 1]);
  }
  bert_encoding_clear (&encoding);
  bert_tokenizer_free (tokenizer);
}

/* Case folding turns most characters into ones of the same UTF-8 length, which the
 * Precompiled normaliser patches over a copy, leaving each character its own bytes' span.
 * Around that path: a Replace before the charsmap (spans stored already), a Replace of
 * space runs after it (the patched copy gets stored spans), and a fullwidth letter, whose
 * replacement is shorter, among folded ones. Ids and byte offsets from Hugging Face
 * tokenizers 0.23.3. */
static void
test_same_length_rewrites_keep_their_spans (void)
{
  GError *error = NULL;
  BertTokenizer *replaced_before =
      load_edited_tokenizer ("unigram-nmt-nfkc-cf", "\"normalizers\":[{\"type\":\"Precompiled\"",
          "\"normalizers\":[{\"type\":\"Replace\",\"pattern\":{\"String\":\"x\"},\"content\":\"yy\"},"
          "{\"type\":\"Precompiled\"",
          &error);
  g_assert_no_error (error);
  BertTokenizer *runs_after = load_edited_tokenizer ("unigram-nmt-nfkc-cf", "\" {2,}\"", "\" {3,}\"", &error);
  g_assert_no_error (error);
  check_encodes_as (replaced_before,
      "xHELLO x\xc3\x89"
      "COLE",
      "0:0:0:0 260:0:0:1 287:0:0:1 287:0:0:1 294:0:1:2 395:0:2:4 334:0:4:6 260:0:6:7 287:0:7:8 "
      "287:0:7:8 346:0:8:10 760:0:10:12 336:0:12:14 2:0:0:0");
  check_encodes_as (replaced_before, "xAB \xef\xbc\xa1\xef\xbc\xa2 Cd",
      "0:0:0:0 260:0:0:1 287:0:0:1 287:0:0:1 493:0:1:3 260:0:3:4 493:0:4:10 260:0:10:11 271:0:11:12 "
      "267:0:12:13 2:0:0:0");
  check_encodes_as (runs_after,
      "\xc3\x80"
      "BC    D\xc3\x89   x  ",
      "0:0:0:0 1144:0:0:2 278:0:2:3 271:0:3:4 913:0:7:11 260:0:13:14 306:0:14:15 2:0:0:0");
  check_encodes_as (runs_after,
      "\xc3\x80"
      "B  \xef\xbc\xa1  ",
      "0:0:0:0 1144:0:0:2 278:0:2:3 260:0:3:4 260:0:4:5 263:0:5:8 2:0:0:0");
  bert_tokenizer_free (replaced_before);
  bert_tokenizer_free (runs_after);
}

/* The pipeline's UTF-8 check agrees with GLib's on every edge of RFC 3629 (boundaries of
 * each length, overlongs, surrogates, past U+10FFFF, cut sequences), wherever the sequence
 * falls against the eight-byte ASCII steps. */
static void
test_utf8_validity_agrees_with_glib (void)
{
  static const char *sequences[] = { "\xc2\x80", "\xdf\xbf", "\xe0\xa0\x80", "\xed\x9f\xbf", "\xee\x80\x80",
    "\xef\xbf\xbf", "\xf0\x90\x80\x80", "\xf4\x8f\xbf\xbf", "\xc0\x80", "\xc1\xbf", "\xe0\x9f\xbf",
    "\xed\xa0\x80", "\xf0\x8f\xbf\xbf", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xff", "\x80", "\xc2",
    "\xe2\x82", "\xf0\x9f\x98",
    "\xe2\x82"
    "a",
    "\xc2\xc2\x80" };
  BertTokenizer *tokenizer = load_fixture ("unigram-nmt-nfkc");
  BertEncoding encoding;
  bert_encoding_init (&encoding);
  for (guint i = 0; i < G_N_ELEMENTS (sequences); i++) {
    for (guint before = 0; before < 10; before++) {
      for (guint after = 0; after < 10; after += 9) {
        char *text = g_strdup_printf ("%.*s%s%.*s", before, "abcdefghij", sequences[i], after, "klmnopqrst");
        gboolean valid = g_utf8_validate (text, -1, NULL);
        bert_tokenizer_encode (tokenizer, text, strlen (text), G_MAXUINT, &encoding);
        if (encoding.repaired_utf8 == valid)
          g_error ("sequence %u after %u ASCII bytes: GLib says %s", i, before, valid ? "valid" : "invalid");
        g_free (text);
      }
    }
  }
  /* random strings of lead, continuation and ASCII bytes (no NUL, where GLib stops) */
  static const unsigned char interesting[] = { 'a', ' ', 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1,
    0xC2, 0xDF, 0xE0, 0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF };
  GRand *rand = g_rand_new_with_seed (1207);
  for (guint i = 0; i < 20000; i++) {
    char text[24];
    guint length = (guint) g_rand_int_range (rand, 1, (gint32) sizeof text);
    for (guint at = 0; at < length; at++)
      text[at] = (char) interesting[g_rand_int_range (rand, 0, G_N_ELEMENTS (interesting))];
    gboolean valid = g_utf8_validate_len (text, length, NULL);
    bert_tokenizer_encode (tokenizer, text, length, G_MAXUINT, &encoding);
    if (encoding.repaired_utf8 == valid)
      g_error ("random string %u: GLib says %s", i, valid ? "valid" : "invalid");
  }
  g_rand_free (rand);
  bert_encoding_clear (&encoding);
  bert_tokenizer_free (tokenizer);
}

/* Each letter x has one two-byte piece, "xx": the nodes' child labels are disjoint, so
 * their units could share a base, where a unit's label would no longer name its parent
 * (the trie would find "xy" through y's child). Every pair must be one piece exactly when
 * it is in the vocabulary. */
static void
test_unigram_trie_finds_only_its_pieces (void)
{
  enum {
    LETTERS = 64
  };
  BertVocab vocab;
  BertUnigram unigram = { .n_pieces = 1 + 2 * LETTERS, .unk_id = 0 };
  GArray *pieces = g_array_new (FALSE, FALSE, sizeof (BertPiece)), *scratch = g_array_new (FALSE, FALSE, 1);

  bert_vocab_init (&vocab, unigram.n_pieces, NULL, 0);
  unigram.scores = g_new0 (double, unigram.n_pieces);
  bert_vocab_insert (&vocab, 0, "<unk>", 5);
  for (int i = 0; i < LETTERS; i++) {
    char letter[2] = { (char) ('0' + i), (char) ('0' + i) };
    bert_vocab_insert (&vocab, 1 + i, letter, 1);
    bert_vocab_insert (&vocab, 1 + LETTERS + i, letter, 2);
    unigram.scores[1 + i] = -10.0;
    unigram.scores[1 + LETTERS + i] = -1.0;
  }
  bert_unigram_finish (&unigram, &vocab);
  for (int i = 0; i < LETTERS; i++) {
    for (int j = 0; j < LETTERS; j++) {
      char text[2] = { (char) ('0' + i), (char) ('0' + j) };
      g_array_set_size (pieces, 0);
      bert_unigram_encode (&unigram, &vocab, text, 2, pieces, scratch);
      g_assert_cmpuint (pieces->len, ==, i == j ? 1 : 2);
      g_assert_cmpint (g_array_index (pieces, BertPiece, 0).id, ==, i == j ? 1 + LETTERS + i : 1 + i);
    }
  }
  bert_unigram_clear (&unigram);
  bert_vocab_clear (&vocab);
  g_array_free (pieces, TRUE);
  g_array_free (scratch, TRUE);
}

/* A piece whose own text the search splits ("ab": a + b scores higher) must not be taken
 * whole, one it keeps whole ("ba", "abab") must be marked, and texts that only begin with a
 * marked piece must be searched in full. */
static void
test_unigram_whole_pieces_are_the_search_s_own (void)
{
  static const struct {
    const char *text;
    double score;
    gboolean whole;
  } pieces[] = {
    { "<unk>", 0.0, FALSE }, /* unk is never marked */
    { "a", -1.0, TRUE },
    { "b", -1.0, TRUE },
    { "ab", -5.0, FALSE },
    { "ba", -1.5, TRUE },
    { "abab", -3.0, TRUE },
    { "cd", -2.0, TRUE }, /* ties with c + d: the first path found, the whole piece, stays */
    { "c", -1.0, TRUE },
    { "d", -1.0, TRUE },
  };
  static const struct {
    const char *text;
    int32_t ids[4];
  } texts[] = {
    { "ab", { 1, 2, -1 } },
    { "ba", { 4, -1 } },
    { "abab", { 5, -1 } },
    { "abba", { 1, 2, 4, -1 } },
    { "baab", { 4, 1, 2, -1 } },
    { "cd", { 6, -1 } },
    { "cdx", { 6, 0, -1 } },
  };
  enum {
    N_PIECES = G_N_ELEMENTS (pieces)
  };
  BertVocab vocab;
  BertUnigram unigram = { .n_pieces = N_PIECES, .unk_id = 0 };
  GArray *found = g_array_new (FALSE, FALSE, sizeof (BertPiece)), *scratch = g_array_new (FALSE, FALSE, 1);

  bert_vocab_init (&vocab, N_PIECES, NULL, 0);
  unigram.scores = g_new0 (double, N_PIECES);
  for (int id = 0; id < N_PIECES; id++) {
    bert_vocab_insert (&vocab, id, pieces[id].text, strlen (pieces[id].text));
    unigram.scores[id] = pieces[id].score;
  }
  bert_unigram_finish (&unigram, &vocab);
  for (int id = 0; id < N_PIECES; id++)
    g_assert_cmpint (unigram.whole[0] >> id & 1, ==, pieces[id].whole);
  for (guint t = 0; t < G_N_ELEMENTS (texts); t++) {
    g_array_set_size (found, 0);
    bert_unigram_encode (&unigram, &vocab, texts[t].text, strlen (texts[t].text), found, scratch);
    guint n = 0;
    while (texts[t].ids[n] >= 0)
      n++;
    g_assert_cmpuint (found->len, ==, n);
    for (guint i = 0; i < n; i++)
      g_assert_cmpint (g_array_index (found, BertPiece, i).id, ==, texts[t].ids[i]);
  }
  bert_unigram_clear (&unigram);
  bert_vocab_clear (&vocab);
  g_array_free (found, TRUE);
  g_array_free (scratch, TRUE);
}

/* A piece of 400 letters: its search may take 80,200 steps, more than marking may spend on
 * three pieces (32 a piece and 65,536), so it stays unmarked, though the search keeps it
 * whole; "a" is marked. Both still encode as the full search does. */
static void
test_unigram_marking_keeps_to_its_budget (void)
{
  enum {
    LONG = 400
  };
  char text[LONG];
  BertVocab vocab;
  BertUnigram unigram = { .n_pieces = 3, .unk_id = 0 };
  GArray *found = g_array_new (FALSE, FALSE, sizeof (BertPiece)), *scratch = g_array_new (FALSE, FALSE, 1);

  memset (text, 'a', LONG);
  bert_vocab_init (&vocab, 3, NULL, 0);
  unigram.scores = g_new0 (double, 3);
  bert_vocab_insert (&vocab, 0, "<unk>", 5);
  bert_vocab_insert (&vocab, 1, "a", 1);
  bert_vocab_insert (&vocab, 2, text, LONG);
  unigram.scores[1] = unigram.scores[2] = -1.0;
  bert_unigram_finish (&unigram, &vocab);
  g_assert_cmpint (unigram.whole[0], ==, 1 << 1);
  for (uint32_t length = 1; length <= LONG; length += LONG - 1) {
    g_array_set_size (found, 0);
    bert_unigram_encode (&unigram, &vocab, text, length, found, scratch);
    g_assert_cmpuint (found->len, ==, 1);
    g_assert_cmpint (g_array_index (found, BertPiece, 0).id, ==, length == 1 ? 1 : 2);
  }
  bert_unigram_clear (&unigram);
  bert_vocab_clear (&vocab);
  g_array_free (found, TRUE);
  g_array_free (scratch, TRUE);
}

/* 140,608 three-letter pieces: a trie of more than 1 MB of units, which loading moves to
 * memory for 2 MB pages; every piece must still be found whole. */
static void
test_unigram_large_trie_finds_its_pieces (void)
{
  static const char letters[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  enum {
    N_LETTERS = sizeof letters - 1,
    N_WORDS = N_LETTERS * N_LETTERS * N_LETTERS
  };
  BertVocab vocab;
  BertUnigram unigram = { .n_pieces = 1 + N_WORDS, .unk_id = 0 };
  GArray *pieces = g_array_new (FALSE, FALSE, sizeof (BertPiece)), *scratch = g_array_new (FALSE, FALSE, 1);

  bert_vocab_init (&vocab, unigram.n_pieces, NULL, 0);
  unigram.scores = g_new0 (double, unigram.n_pieces);
  bert_vocab_insert (&vocab, 0, "<unk>", 5);
  for (int word = 0; word < N_WORDS; word++) {
    char text[3] = { letters[word / (N_LETTERS * N_LETTERS)], letters[word / N_LETTERS % N_LETTERS],
      letters[word % N_LETTERS] };
    bert_vocab_insert (&vocab, 1 + word, text, 3);
    unigram.scores[1 + word] = -1.0 - word % 5;
  }
  bert_unigram_finish (&unigram, &vocab);
  g_assert_cmpuint (unigram.trie.n_units * sizeof (BertTrieUnit), >, 1u << 20);
  for (int word = 0; word < N_WORDS; word++) {
    char text[3] = { letters[word / (N_LETTERS * N_LETTERS)], letters[word / N_LETTERS % N_LETTERS],
      letters[word % N_LETTERS] };
    g_array_set_size (pieces, 0);
    bert_unigram_encode (&unigram, &vocab, text, 3, pieces, scratch);
    g_assert_cmpuint (pieces->len, ==, 1);
    g_assert_cmpint (g_array_index (pieces, BertPiece, 0).id, ==, 1 + word);
  }
  bert_unigram_clear (&unigram);
  bert_vocab_clear (&vocab);
  g_array_free (pieces, TRUE);
  g_array_free (scratch, TRUE);
}

/* Appends code point cp as UTF-8. */
static void
append_utf8 (GString *out, uint32_t cp)
{
  char bytes[8];
  g_string_append_len (out, bytes, g_unichar_to_utf8 (cp, bytes));
}

/* Viterbi as the reference states it, without a trie: every vocabulary piece that starts at
 * a character, by hash lookups of each run of characters, offered in the search's order
 * (starts, then ends, increasing; strict improvement), unk for a character no piece holds
 * alone, the best path's unknown runs fused. The pieces' ids, or unk. */
static GArray *
reference_viterbi (const BertUnigram *unigram, const BertVocab *vocab, const char *text, uint32_t length,
    uint32_t longest_piece)
{
  GArray *starts = g_array_new (FALSE, FALSE, sizeof (uint32_t)),
         *out = g_array_new (FALSE, FALSE, sizeof (int32_t));
  for (uint32_t at = 0; at < length; at = (uint32_t) (g_utf8_next_char (text + at) - text))
    g_array_append_val (starts, at);
  g_array_append_val (starts, length);
  uint32_t n_chars = starts->len - 1, *start = (uint32_t *) starts->data;
  double *best = g_new0 (double, n_chars + 1);
  int32_t *from = g_new (int32_t, n_chars + 1), *id_at = g_new (int32_t, n_chars + 1);
  for (uint32_t k = 0; k <= n_chars; k++)
    from[k] = -1;
  for (uint32_t k = 0; k < n_chars; k++) {
    gboolean single = FALSE;
    for (uint32_t end = k + 1; end <= n_chars && end - k <= longest_piece; end++) {
      int32_t id = bert_vocab_lookup (vocab, text + start[k], start[end] - start[k]);
      if (id < 0 || (uint32_t) id >= unigram->n_pieces)
        continue;
      double score = best[k] + unigram->scores[id];
      if (from[end] < 0 || score > best[end])
        best[end] = score, from[end] = (int32_t) k, id_at[end] = id;
      single |= end == k + 1;
    }
    if (!single && (from[k + 1] < 0 || best[k] + unigram->unk_score > best[k + 1]))
      best[k + 1] = best[k] + unigram->unk_score, from[k + 1] = (int32_t) k, id_at[k + 1] = unigram->unk_id;
  }
  GArray *path = g_array_new (FALSE, FALSE, sizeof (uint32_t));
  for (uint32_t end = n_chars; end > 0; end = (uint32_t) from[end])
    g_array_prepend_val (path, end);
  for (guint i = 0, begin = 0; i < path->len;) {
    uint32_t end = g_array_index (path, uint32_t, i);
    int32_t id = id_at[end];
    if (id == unigram->unk_id) {
      while (i + 1 < path->len && id_at[g_array_index (path, uint32_t, i + 1)] == unigram->unk_id)
        end = g_array_index (path, uint32_t, ++i);
      int32_t whole = bert_vocab_lookup (vocab, text + start[begin], start[end] - start[begin]);
      id = whole >= 0 && (uint32_t) whole < unigram->n_pieces ? whole : unigram->unk_id;
    }
    g_array_append_val (out, id);
    begin = end;
    i++;
  }
  g_array_free (path, TRUE);
  g_array_free (starts, TRUE);
  g_free (best);
  g_free (from);
  g_free (id_at);
  return out;
}

/* ---- the per-thread pre-token cache ---- */

typedef struct {
  BertTokenizer *unigram, *bpe;
  GPtrArray *lines;
  guint n_checked; /* the first lines, encoded again at the end and kept */
  gboolean fill;   /* encode every line first, with both tokenizers */
  GArray *kept;    /* ids, then offsets, of each checked line */
} CacheRun;

static void
keep_encoding (GArray *kept, const BertEncoding *encoding)
{
  g_array_append_val (kept, encoding->n_tokens);
  g_array_append_vals (kept, encoding->ids, encoding->n_tokens);
  for (guint i = 0; i < 2 * encoding->n_tokens; i++)
    g_array_append_val (kept, encoding->offsets[i]);
}

static gpointer
run_cache (gpointer data)
{
  CacheRun *run = data;
  BertEncoding encoding;
  bert_encoding_init (&encoding);
  for (guint i = 0; run->fill && i < run->lines->len; i++) {
    const char *line = g_ptr_array_index (run->lines, i);
    bert_tokenizer_encode (run->unigram, line, strlen (line), G_MAXUINT, &encoding);
    if (i % 3 == 0) /* a second pipeline, keyed apart, in the same cache */
      bert_tokenizer_encode (run->bpe, line, strlen (line), G_MAXUINT, &encoding);
  }
  for (guint i = 0; i < run->n_checked; i++) {
    const char *line = g_ptr_array_index (run->lines, i);
    bert_tokenizer_encode (i % 2 ? run->bpe : run->unigram, line, strlen (line), G_MAXUINT, &encoding);
    keep_encoding (run->kept, &encoding);
  }
  bert_encoding_clear (&encoding);
  return NULL;
}

/* A thread's cache that has taken 160,000 distinct words (so it has grown, and been
 * written over since) from two tokenizers gives the encodings a new thread's empty cache
 * gives. */
static void
test_cache_after_many_words_encodes_as_an_empty_one (void)
{
  enum {
    N_LINES = 20000,
    WORDS_PER_LINE = 8
  };
  GRand *rand = g_rand_new_with_seed (7);
  GPtrArray *lines = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < N_LINES; i++) {
    GString *line = g_string_new (NULL);
    for (guint w = 0; w < WORDS_PER_LINE; w++) {
      guint n = i * WORDS_PER_LINE + w; /* distinct: its digits in letters, after a random stem */
      if (w > 0)
        g_string_append_c (line, ' ');
      for (gint32 k = g_rand_int_range (rand, 0, 6); k > 0; k--)
        g_string_append_c (line, (char) ('a' + g_rand_int_range (rand, 0, 26)));
      do {
        g_string_append_c (line, (char) ('a' + n % 26));
        n /= 26;
      } while (n > 0);
    }
    g_ptr_array_add (lines, g_string_free (line, FALSE));
  }
  CacheRun used = { load_fixture ("unigram-hf"), load_fixture ("bpe-roberta"), lines, 3000, TRUE,
    g_array_new (FALSE, FALSE, sizeof (uint32_t)) };
  CacheRun fresh = used;
  fresh.fill = FALSE;
  fresh.kept = g_array_new (FALSE, FALSE, sizeof (uint32_t));

  g_thread_join (g_thread_new ("used", run_cache, &used));
  g_thread_join (g_thread_new ("fresh", run_cache, &fresh));
  g_assert_cmpuint (used.kept->len, ==, fresh.kept->len);
  g_assert_cmpmem (used.kept->data, used.kept->len * 4, fresh.kept->data, fresh.kept->len * 4);

  g_array_free (used.kept, TRUE);
  g_array_free (fresh.kept, TRUE);
  bert_tokenizer_free (used.unigram);
  bert_tokenizer_free (used.bpe);
  g_ptr_array_free (lines, TRUE);
  g_rand_free (rand);
}

/* 2^18 pieces over 9,000 characters of two to four bytes and the ASCII letters: the units
 * keep 12 bits for labels beside the ids (19), so 3,840 characters get codes and the others are
 * walked byte by byte. Random words (pieces, their characters, characters no piece holds)
 * must give the pieces of a search without a trie, ties included (scores take 8 values). */
static void
test_unigram_search_by_characters_matches_a_search_without_trie (void)
{
  enum {
    N_PIECES = 1 << 18,
    N_CHARS = 9000,
    N_WORDS = 20000
  };
  GRand *rand = g_rand_new_with_seed (20261207);
  uint32_t *alphabet = g_new (uint32_t, N_CHARS);
  for (int i = 0; i < N_CHARS; i++) /* Greek to Cyrillic, CJK, then four bytes */
    alphabet[i] = i < 600 ? 0x391 + i : i < 8500 ? 0x4E00 + (i - 600) : 0x20000 + (i - 8500);
  BertVocab vocab;
  BertUnigram unigram = { .n_pieces = N_PIECES, .unk_id = 0 };
  bert_vocab_init (&vocab, N_PIECES, NULL, 0);
  unigram.scores = g_new0 (double, N_PIECES);
  bert_vocab_insert (&vocab, 0, "<unk>", 5);
  GString *text = g_string_new (NULL);
  int32_t id = 1;
  for (uint32_t cp = 'a'; cp <= 'z'; cp++, id++) {
    g_string_assign (text, "");
    append_utf8 (text, cp);
    bert_vocab_insert (&vocab, id, text->str, text->len);
  }
  for (int i = 0; i < N_CHARS - 50; i++, id++) { /* the last 50 characters have no piece alone */
    g_string_assign (text, "");
    append_utf8 (text, alphabet[i]);
    bert_vocab_insert (&vocab, id, text->str, text->len);
  }
  while (id < N_PIECES) { /* runs of 2 to 5 characters, the frequent ones more often */
    g_string_assign (text, "");
    for (int n = g_rand_int_range (rand, 2, 6); n > 0; n--) {
      int which = g_rand_int_range (rand, 0, 4) == 0 ? g_rand_int_range (rand, 0, N_CHARS)
                                                     : g_rand_int_range (rand, 0, 300) * 30;
      append_utf8 (text,
          g_rand_int_range (rand, 0, 5) == 0 ? (uint32_t) ('a' + which % 26) : alphabet[which]);
    }
    if (bert_vocab_lookup (&vocab, text->str, text->len) < 0)
      bert_vocab_insert (&vocab, id++, text->str, text->len);
  }
  for (int i = 1; i < N_PIECES; i++)
    unigram.scores[i] = -0.5 * g_rand_int_range (rand, 1, 9);
  bert_unigram_finish (&unigram, &vocab);
  g_assert_cmpuint (unigram.trie.label_bits, ==, 12);

  GArray *pieces = g_array_new (FALSE, FALSE, sizeof (BertPiece)), *scratch = g_array_new (FALSE, FALSE, 1);
  for (int word = 0; word < N_WORDS; word++) {
    g_string_assign (text, "");
    for (int n = g_rand_int_range (rand, 1, 5); n > 0; n--) {
      int32_t piece = g_rand_int_range (rand, 1, N_PIECES);
      if (g_rand_int_range (rand, 0, 3) == 0)
        append_utf8 (text, alphabet[g_rand_int_range (rand, 0, N_CHARS)]);
      else
        g_string_append_len (text, bert_vocab_token (&vocab, piece), vocab.token_length[piece]);
    }
    g_array_set_size (pieces, 0);
    bert_unigram_encode (&unigram, &vocab, text->str, (uint32_t) text->len, pieces, scratch);
    GArray *expected = reference_viterbi (&unigram, &vocab, text->str, (uint32_t) text->len, 5);
    g_assert_cmpuint (pieces->len, ==, expected->len);
    for (guint i = 0; i < pieces->len; i++)
      g_assert_cmpint (g_array_index (pieces, BertPiece, i).id, ==, g_array_index (expected, int32_t, i));
    g_array_free (expected, TRUE);
  }
  bert_unigram_clear (&unigram);
  bert_vocab_clear (&vocab);
  g_array_free (pieces, TRUE);
  g_array_free (scratch, TRUE);
  g_string_free (text, TRUE);
  g_free (alphabet);
  g_rand_free (rand);
}

/* 20,000 CJK characters, each a piece, and 1,000 of them followed by "a": the labels take
 * 15 bits, so the array runs 32,768 units past its highest base. Placing a node only in the
 * array's last 8,192 units skipped that free tail and grew the array by some 24,000 units
 * for each node with children (a 40,000-piece file of this shape took 8 GB to load); the
 * units must stay near the count of nodes plus the labels' span, and the pieces be found. */
static void
test_unigram_wide_labels_keep_the_trie_small (void)
{
  enum {
    N_CHARS = 20000,
    N_PARENTS = 1000
  };
  BertVocab vocab;
  BertUnigram unigram = { .n_pieces = 1 + N_CHARS + N_PARENTS, .unk_id = 0 };
  bert_vocab_init (&vocab, unigram.n_pieces, NULL, 0);
  unigram.scores = g_new0 (double, unigram.n_pieces);
  bert_vocab_insert (&vocab, 0, "<unk>", 5);
  GString *text = g_string_new (NULL);
  for (int i = 0; i < N_CHARS; i++) {
    g_string_assign (text, "");
    append_utf8 (text, 0x4E00 + i);
    bert_vocab_insert (&vocab, 1 + i, text->str, text->len);
    unigram.scores[1 + i] = -5.0 - i % 7;
    if (i < N_PARENTS) {
      g_string_append_c (text, 'a');
      bert_vocab_insert (&vocab, 1 + N_CHARS + i, text->str, text->len);
      unigram.scores[1 + N_CHARS + i] = -1.0;
    }
  }
  bert_unigram_finish (&unigram, &vocab);
  g_assert_cmpuint (unigram.trie.label_bits, ==, 15);
  g_assert_cmpuint (unigram.trie.n_units, <, 4 * (1u << 15));

  GArray *pieces = g_array_new (FALSE, FALSE, sizeof (BertPiece)), *scratch = g_array_new (FALSE, FALSE, 1);
  for (int i = 0; i < N_CHARS; i += 7) {
    g_string_assign (text, "");
    append_utf8 (text, 0x4E00 + i);
    g_string_append_c (text, 'a');
    g_array_set_size (pieces, 0);
    bert_unigram_encode (&unigram, &vocab, text->str, (uint32_t) text->len, pieces, scratch);
    g_assert_cmpuint (pieces->len, ==, i < N_PARENTS ? 1 : 2);
    g_assert_cmpint (g_array_index (pieces, BertPiece, 0).id, ==, i < N_PARENTS ? 1 + N_CHARS + i : 1 + i);
  }
  bert_unigram_clear (&unigram);
  bert_vocab_clear (&vocab);
  g_array_free (pieces, TRUE);
  g_array_free (scratch, TRUE);
  g_string_free (text, TRUE);
}

int
main (int argc, char **argv)
{
  data_dir = test_init_with_path (&argc, &argv, "DATA_DIR");
  test_add_per_name ("/subword/parity", fixtures, G_N_ELEMENTS (fixtures), test_fixture_matches_reference);
  g_test_add_func ("/subword/camembert-transformers5", test_camembert_as_transformers5_saved_it);
  g_test_add_func ("/subword/unigram-wide-labels-keep-the-trie-small",
      test_unigram_wide_labels_keep_the_trie_small);
  g_test_add_func ("/subword/errors/word-level-refused",
      test_word_level_is_refused_naming_the_supported_types);
  g_test_add_func ("/subword/errors/unsupported-normalizer", test_unsupported_normalizer_is_named);
  g_test_add_func ("/subword/errors/unsupported-regex", test_unsupported_regex_is_named);
  g_test_add_func ("/subword/errors/unsupported-pre-tokenizer", test_unsupported_pre_tokenizer_is_named);
  g_test_add_func ("/subword/errors/template-without-start", test_template_without_start_token_is_named);
  g_test_add_func ("/subword/errors/broken-charsmap", test_broken_charsmap_is_refused);
  g_test_add_func ("/subword/errors/bpe-dropout", test_bpe_dropout_is_refused);
  g_test_add_func ("/subword/errors/score-out-of-range", test_score_out_of_range_is_refused);
  g_test_add_func ("/subword/errors/lone-surrogate-piece", test_lone_surrogate_piece_is_refused);
  g_test_add_func ("/subword/invalid-utf8-offsets", test_invalid_utf8_keeps_input_offsets);
  g_test_add_func ("/subword/truncation", test_truncation_keeps_start_and_end_tokens);
  g_test_add_func ("/subword/unigram-scores-as-serde", test_scores_are_read_as_the_reference_reads_them);
  g_test_add_func ("/subword/trims-offsets", test_trims_offsets_where_roberta_processing_says);
  g_test_add_func ("/subword/trims-long-space-tokens", test_trims_long_space_tokens);
  g_test_add_func ("/subword/nul-is-valid-utf8", test_nul_is_not_invalid_utf8);
  g_test_add_func ("/subword/utf8-validity", test_utf8_validity_agrees_with_glib);
  g_test_add_func ("/subword/space-runs", test_space_runs_replace_where_the_pattern_says);
  g_test_add_func ("/subword/removal-at-start", test_removal_at_start_aligns_as_the_reference);
  g_test_add_func ("/subword/same-length-rewrites", test_same_length_rewrites_keep_their_spans);
  g_test_add_func ("/subword/bpe-outside-byte-shortcut", test_bpe_words_outside_the_byte_shortcut);
  g_test_add_func ("/subword/unigram-trie-finds-only-its-pieces", test_unigram_trie_finds_only_its_pieces);
  g_test_add_func ("/subword/unigram-large-trie", test_unigram_large_trie_finds_its_pieces);
  g_test_add_func ("/subword/unigram-whole-pieces", test_unigram_whole_pieces_are_the_search_s_own);
  g_test_add_func ("/subword/unigram-marking-budget", test_unigram_marking_keeps_to_its_budget);
  g_test_add_func ("/subword/cache-after-many-words", test_cache_after_many_words_encodes_as_an_empty_one);
  g_test_add_func ("/subword/unigram-search-by-characters",
      test_unigram_search_by_characters_matches_a_search_without_trie);
  g_test_add_func ("/subword/bpe-short-word-limit", test_bpe_words_around_the_short_word_limit);
  return g_test_run ();
}
