/* test-legacy-tokenizer-json: tokenizer.json files in the forms older tokenizers wrote.
 *
 * make-legacy-fixtures.py writes every fixture of data/ again without model.type (as
 * tokenizers before 0.9 wrote them) and, where they apply, in the other old forms (merges
 * as strings after a "#version" line, gpt2's empty affixes, Metaspace's add_prefix_space
 * and str_rep, untyped BertNormalizer and BertProcessing, truncation without direction).
 * Each must encode every text of data/parity-texts.txt, alone and in pairs, exactly as its
 * original: ids, type ids and byte offsets. Then small documents for the inference's edge
 * cases, each read here as Hugging Face tokenizers 0.23.3 reads it (its result is in the
 * comment), and the WordPiece fixture against its own expected.txt.
 */
#include "bert_pipeline.h"
#include "bert_tokenizer.h"
#include "bert_tokenizer_private.h"
#include "length_records.h"
#include "tokenizer_test_support.h"
#include "bert_unigram_vocab.h"

#include <stdlib.h>
#include <string.h>

static const char *data_dir, *variants_dir;

/* The variants make-legacy-fixtures.py writes (a missing one fails the test). */
static const char *variants[] = { "bpe-affixes-legacy", "bpe-affixes-untyped", "bpe-roberta-legacy",
  "bpe-roberta-untyped", "unigram-byte-fallback-legacy", "unigram-byte-fallback-untyped",
  "unigram-hf-untyped", "unigram-nmt-nfkc-cf-legacy", "unigram-nmt-nfkc-cf-untyped",
  "unigram-nmt-nfkc-legacy", "unigram-nmt-nfkc-untyped", "wordpiece-bert-legacy", "wordpiece-bert-untyped" };

/* The texts of parity-texts.txt. */
static GPtrArray *
read_parity_texts (GArray *lengths)
{
  char *path = g_build_filename (data_dir, "parity-texts.txt", NULL);
  GPtrArray *texts = length_records_read (path, lengths);
  g_free (path);
  return texts;
}

/* The encodings of text i alone and of the pair (i, i + 1), one line each. */
static char *
encode_both (const BertTokenizer *tokenizer, GPtrArray *texts, GArray *lengths, guint i)
{
  guint j = (i + 1) % texts->len;
  BertEncoding encoding;
  GError *error = NULL;

  bert_encoding_init (&encoding);
  bert_tokenizer_encode (tokenizer, g_ptr_array_index (texts, i), g_array_index (lengths, gsize, i),
      G_MAXUINT, &encoding);
  char *single = encoding_describe (&encoding, FALSE);
  g_assert_true (
      bert_tokenizer_encode_pair (tokenizer, g_ptr_array_index (texts, i), g_array_index (lengths, gsize, i),
          g_ptr_array_index (texts, j), g_array_index (lengths, gsize, j), G_MAXUINT, &encoding, &error));
  g_assert_no_error (error);
  char *pair = encoding_describe (&encoding, FALSE);
  char *both = g_strconcat (single, "\n", pair, NULL);
  bert_encoding_clear (&encoding);
  g_free (single);
  g_free (pair);
  return both;
}

/* ---- the fixtures in legacy forms ---- */

static void
test_variant_encodes_as_its_original (gconstpointer data)
{
  const char *variant = data;
  char *original_name = g_strndup (variant, strrchr (variant, '-') - variant);
  char *original_path = g_build_filename (data_dir, original_name, NULL);
  char *variant_path = g_build_filename (variants_dir, variant, NULL);
  GArray *lengths = g_array_new (FALSE, FALSE, sizeof (gsize));
  GPtrArray *texts = read_parity_texts (lengths);
  BertTokenizer *original = tokenizer_load_path (original_path), *legacy = tokenizer_load_path (variant_path);
  guint n_differ = 0;

  g_assert_cmpuint (texts->len, >, 200);
  for (guint i = 0; i < texts->len; i++) {
    char *expected = encode_both (original, texts, lengths, i);
    char *got = encode_both (legacy, texts, lengths, i);
    if (strcmp (expected, got) != 0 && n_differ++ < 5)
      g_test_message ("%s, text %u:\n  legacy   %s\n  original %s", variant, i, got, expected);
    g_free (expected);
    g_free (got);
  }
  g_assert_cmpuint (n_differ, ==, 0);
  bert_tokenizer_free (original);
  bert_tokenizer_free (legacy);
  g_ptr_array_free (texts, TRUE);
  g_array_free (lengths, TRUE);
  g_free (variant_path);
  g_free (original_path);
  g_free (original_name);
}

/* The WordPiece fixture (BertWordPieceTokenizer of data/vocab.txt) as tokenizers encodes it. */
static void
test_wordpiece_fixture_matches_reference (void)
{
  char *folder = g_build_filename (data_dir, "wordpiece-bert", NULL);
  char *expected_path = g_build_filename (folder, "expected.txt", NULL);
  GArray *lengths = g_array_new (FALSE, FALSE, sizeof (gsize));
  GPtrArray *texts = read_parity_texts (lengths);
  BertTokenizer *tokenizer = tokenizer_load_path (folder);
  char **expected = read_file_lines (expected_path);
  BertEncoding encoding;

  bert_encoding_init (&encoding);
  for (guint i = 0; i < texts->len; i++) {
    bert_tokenizer_encode (tokenizer, g_ptr_array_index (texts, i), g_array_index (lengths, gsize, i),
        G_MAXUINT, &encoding);
    char *got = encoding_describe (&encoding, FALSE);
    g_assert_nonnull (expected[i]);
    g_assert_cmpstr (got, ==, expected[i]);
    g_free (got);
  }
  bert_encoding_clear (&encoding);
  bert_tokenizer_free (tokenizer);
  g_strfreev (expected);
  g_ptr_array_free (texts, TRUE);
  g_array_free (lengths, TRUE);
  g_free (expected_path);
  g_free (folder);
}

/* ---- small documents ---- */

#define VOCAB                                                                                                \
  "{\"[UNK]\":0,\"a\":1,\"##a\":2,\"##b\":3,\"ab\":4,\"##ab\":5,\"aa\":6,\"b\":7,\"[CLS]\":8,\"[SEP]\":9,"   \
  "\"<s>\":10,\"</s>\":11}"
#define WORDPIECE_MEMBERS                                                                                    \
  "\"unk_token\":\"[UNK]\",\"continuing_subword_prefix\":\"##\",\"max_input_chars_per_word\":100"
#define BERT_PARTS                                                                                           \
  "{\"type\":\"BertNormalizer\",\"clean_text\":true,\"handle_chinese_chars\":true,\"strip_accents\":null,"   \
  "\"lowercase\":true}",                                                                                     \
      "{\"type\":\"BertPreTokenizer\"}"

/* A tokenizer.json of model, normalizer and pre_tokenizer (JSON texts), with an untyped
 * TemplateProcessing (read by its members), loaded; NULL and *error where refused. */
static BertTokenizer *
load_document (const char *model, const char *normalizer, const char *pre_tokenizer, GError **error)
{
  char *json =
      g_strdup_printf ("{\"version\":\"1.0\",\"truncation\":null,\"padding\":null,\"added_tokens\":[],"
                       "\"normalizer\":%s,\"pre_tokenizer\":%s,\"post_processor\":{\"single\":[{\"Sequence\":"
                       "{\"id\":\"A\",\"type_id\":0}}],\"pair\":[{\"Sequence\":{\"id\":\"A\",\"type_id\":0}},"
                       "{\"Sequence\":{\"id\":\"B\",\"type_id\":1}}],\"special_tokens\":{}},"
                       "\"decoder\":null,\"model\":%s}",
          normalizer, pre_tokenizer, model);
  BertTokenizer *tokenizer = tokenizer_load_json_text (json, error);
  g_free (json);
  return tokenizer;
}

/* Encodes "aab" with the document, as "id:start:end ...". */
static void
check_aab (const char *model, const char *normalizer, const char *pre_tokenizer, const char *expected)
{
  GError *error = NULL;
  BertTokenizer *tokenizer = load_document (model, normalizer, pre_tokenizer, &error);
  BertEncoding encoding;
  GString *got = g_string_new (NULL);

  g_assert_no_error (error);
  bert_encoding_init (&encoding);
  bert_tokenizer_encode (tokenizer, "aab", 3, G_MAXUINT, &encoding);
  for (uint32_t i = 0; i < encoding.n_tokens; i++)
    g_string_append_printf (got, "%s%d:%u:%u", i ? " " : "", encoding.ids[i], encoding.offsets[2 * i],
        encoding.offsets[2 * i + 1]);
  g_assert_cmpstr (got->str, ==, expected);
  g_string_free (got, TRUE);
  bert_encoding_clear (&encoding);
  bert_tokenizer_free (tokenizer);
}

static void
check_document_refused (const char *model, const char *message_part)
{
  GError *error = NULL;
  BertTokenizer *tokenizer = load_document (model, "null", "null", &error);
  g_assert_null (tokenizer);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, message_part));
  g_assert_nonnull (strstr (error->message, "tokenizer.json"));
  g_error_free (error);
}

/* tokenizers: WordLevel (WordPiece needs continuing_subword_prefix and max_input_chars_per_word,
 * and 100.0 is not an integer). */
static void
test_untyped_word_level_is_refused_naming_it (void)
{
  const char *models[] = { "{\"vocab\":" VOCAB ",\"unk_token\":\"[UNK]\"}",
    "{\"vocab\":" VOCAB ",\"unk_token\":\"[UNK]\",\"continuing_subword_prefix\":\"##\","
    "\"max_input_chars_per_word\":100.0}" };
  for (guint i = 0; i < G_N_ELEMENTS (models); i++)
    check_document_refused (models[i], "is WordLevel; only WordPiece, Unigram or BPE is supported");
}

/* tokenizers: BPE ids [1, 5] (a, then ##a ##b merged), where WordPiece would give aa ##b. */
static void
test_vocab_object_with_merges_is_bpe_despite_wordpiece_members (void)
{
  check_aab ("{\"vocab\":" VOCAB ",\"merges\":[[\"a\",\"##b\"],[\"##a\",\"##b\"]]," WORDPIECE_MEMBERS "}",
      "null", "null", "1:0:1 5:1:3");
}

/* tokenizers: WordPiece [6, 3], as the BPE variant fails on a merge of a token not in the
 * vocabulary, and on a dropout past 1. */
static void
test_failed_bpe_falls_back_to_wordpiece (void)
{
  check_aab ("{\"vocab\":" VOCAB ",\"merges\":[[\"a\",\"c\"]]," WORDPIECE_MEMBERS "}", BERT_PARTS,
      "6:0:2 3:2:3");
  check_aab ("{\"vocab\":" VOCAB ",\"merges\":[[\"a\",\"##b\"]],\"dropout\":2," WORDPIECE_MEMBERS "}",
      BERT_PARTS, "6:0:2 3:2:3");
}

/* tokenizers: a dropout of 0, written as an integer, is no dropout; a string is refused. */
static void
test_bpe_dropout_zero_as_integer (void)
{
  check_aab ("{\"vocab\":" VOCAB ",\"merges\":[[\"a\",\"b\"]],\"dropout\":0}", "null", "null", "1:0:1 4:1:3");
  check_document_refused ("{\"type\":\"BPE\",\"vocab\":" VOCAB
                          ",\"merges\":[[\"a\",\"b\"]],\"dropout\":\"0\"}",
      "model.dropout is set");
}

/* tokenizers: BPE [1, 4]; "#version" lines take no rank. */
static void
test_merges_as_strings_skip_version_lines (void)
{
  check_aab ("{\"vocab\":" VOCAB ",\"merges\":[\"#version: 0.2\",\"a b\"]}", "null", "null", "1:0:1 4:1:3");
}

/* tokenizers: Unigram, which this library refuses without unk_id, as it does typed ones. */
static void
test_untyped_unigram_without_unk_id_is_a_unigram (void)
{
  check_document_refused ("{\"vocab\":[[\"a\",-1.0],[\"b\",-2.0],[\"ab\",-1.5]]}", "'model.unk_id'");
}

/* tokenizers: "data did not match any variant of untagged enum ModelUntagged". */
static void
test_model_of_no_variant_is_refused (void)
{
  const char *models[] = {
    "{\"foo\":1}",
    "{\"vocab\":\"x\",\"merges\":[]}",
    "{\"vocab\":" VOCAB ",\"merges\":[[\"a\",\"c\"]]}",               /* a merge out of the vocabulary */
    "{\"vocab\":" VOCAB ",\"merges\":[[\"a\",\"##b\"],\"##a ##b\"]}", /* merges of both forms */
    "{\"vocab\":" VOCAB ",\"merges\":[[\"#version:\",\"0.2\"]]}",     /* only a string line is skipped */
    "{\"vocab\":[[\"a\",-1.0]],\"unk_id\":5}",                        /* unk_id past the vocabulary */
    "{\"vocab\":[[\"<unk>\",0.0],[\"a\",-1.0]],\"unk_id\":0,\"byte_fallback\":null}",
    "{\"vocab\":[[\"a\",-1.0,0]]}",
  };
  for (guint i = 0; i < G_N_ELEMENTS (models); i++)
    check_document_refused (models[i], "field 'model' has no \"type\" and is none of the models");
  /* a type that is there but not a model's name is not inferred */
  check_document_refused ("{\"type\":null,\"vocab\":" VOCAB ",\"merges\":[]}", "model.type is missing");
}

/* tokenizers panics on a merge whose right part is shorter than the prefix. */
static void
test_merge_shorter_than_the_prefix_is_refused (void)
{
  check_document_refused ("{\"vocab\":" VOCAB ",\"merges\":[[\"a\",\"b\"]]," WORDPIECE_MEMBERS "}",
      "'model.merges[0]' must be a merge whose right part is as long as model.continuing_subword_prefix");
}

/* xlm-roberta-base's 250,002 pieces have no model.type: they are read from the text too,
 * not through json-glib's tree (a model without a type whose vocab is an array is a
 * Unigram or nothing); a typed BPE's is not. */
static void
test_untyped_unigram_vocabulary_is_read_from_the_text (void)
{
  const char *untyped = "{\"model\": {\"unk_id\": 0, \"vocab\": [[\"<unk>\", 0.0], [\"a\", -1.5]]}}";
  const char *bpe = "{\"model\": {\"type\": \"BPE\", \"vocab\": [[\"<unk>\", 0.0], [\"a\", -1.5]]}}";
  char *text = g_strdup (untyped);
  gsize length = strlen (text);
  BertUnigramVocab vocab;

  g_assert_true (bert_unigram_vocab_take (text, &length, &vocab));
  g_assert_cmpuint (vocab.n, ==, 2);
  char *left = g_strndup (text, length);
  g_assert_cmpstr (left, ==, "{\"model\": {\"unk_id\": 0, \"vocab\": []}}");
  bert_unigram_vocab_clear (&vocab);
  g_free (left);
  g_free (text);
  text = g_strdup (bpe);
  length = strlen (text);
  g_assert_false (bert_unigram_vocab_take (text, &length, &vocab));
  g_free (text);
}

/* ---- post-processors and Metaspace in their old forms ---- */

/* Loads data/NAME/tokenizer.json with one text replaced. */
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

static void
check_edited_encodes (const char *name, const char *from, const char *to, const char *single_expected,
    const char *pair_expected)
{
  GError *error = NULL;
  BertTokenizer *tokenizer = load_edited (name, from, to, &error);
  BertEncoding encoding;

  g_assert_no_error (error);
  bert_encoding_init (&encoding);
  bert_tokenizer_encode (tokenizer, " Hello world", 12, G_MAXUINT, &encoding);
  char *got = encoding_describe (&encoding, FALSE);
  g_assert_cmpstr (got, ==, single_expected);
  g_free (got);
  g_assert_true (
      bert_tokenizer_encode_pair (tokenizer, "Hello", 5, "world", 5, G_MAXUINT, &encoding, &error));
  got = encoding_describe (&encoding, FALSE);
  g_assert_cmpstr (got, ==, pair_expected);
  g_free (got);
  bert_encoding_clear (&encoding);
  bert_tokenizer_free (tokenizer);
}

#define ROBERTA_TRIM ",\"trim_offsets\":true,\"add_prefix_space\":true}"

/* tokenizers reads a post-processor by its members: a RobertaProcessing written before
 * trim_offsets existed is a BertProcessing (no trimming; B and its </s> of type 1), and a
 * "BertProcessing" with trim_offsets a RobertaProcessing. Outputs of tokenizers 0.23.3. */
static void
test_post_processor_is_read_by_its_members (void)
{
  check_edited_encodes ("bpe-roberta", ROBERTA_TRIM, "}",
      "0:0:0:0 444:0:0:2 299:0:2:4 514:0:4:6 488:0:6:8 294:0:8:10 972:0:10:12 2:0:0:0",
      "0:0:0:0 444:0:0:1 299:0:1:3 514:0:3:5 2:0:0:0 488:1:0:1 294:1:1:3 972:1:3:5 2:1:0:0");
  check_edited_encodes ("bpe-roberta", "\"type\":\"RobertaProcessing\"", "\"type\":\"BertProcessing\"",
      "0:0:0:0 444:0:0:2 299:0:2:4 514:0:4:6 488:0:7:8 294:0:8:10 972:0:10:12 2:0:0:0",
      "0:0:0:0 444:0:0:1 299:0:1:3 514:0:3:5 2:0:0:0 2:0:0:0 488:0:0:1 294:0:1:3 972:0:3:5 2:0:0:0");
}

#define METASPACE "\"prepend_scheme\":\"always\",\"split\":true}"

/* Metaspace's old add_prefix_space: false means "never" and tokenizers refuses it beside
 * any other prepend_scheme (also the default "always"); replacement is required. */
static void
test_metaspace_add_prefix_space_as_the_reference (void)
{
  const char *never[] = { "\"prepend_scheme\":\"never\",\"split\":true}",
    "\"add_prefix_space\":false,\"prepend_scheme\":\"never\",\"split\":true}" };
  const char *refused[][2] = {
    { "\"add_prefix_space\":false,\"split\":true}", "'pre_tokenizer.add_prefix_space'" },
    { "\"add_prefix_space\":false,\"prepend_scheme\":\"first\"}", "'pre_tokenizer.add_prefix_space'" },
  };
  BertEncoding first, second;
  GError *error = NULL;

  bert_encoding_init (&first);
  bert_encoding_init (&second);
  BertTokenizer *a = load_edited ("unigram-nmt-nfkc", METASPACE, never[0], &error);
  g_assert_no_error (error);
  BertTokenizer *b = load_edited ("unigram-nmt-nfkc", METASPACE, never[1], &error);
  g_assert_no_error (error);
  bert_tokenizer_encode (a, "Hello world", 11, G_MAXUINT, &first);
  bert_tokenizer_encode (b, "Hello world", 11, G_MAXUINT, &second);
  char *first_text = encoding_describe (&first, FALSE), *second_text = encoding_describe (&second, FALSE);
  g_assert_cmpstr (first_text, ==, second_text);
  for (guint i = 0; i < G_N_ELEMENTS (refused); i++) {
    g_assert_null (load_edited ("unigram-nmt-nfkc", METASPACE, refused[i][0], &error));
    g_assert_nonnull (strstr (error->message, refused[i][1]));
    g_clear_error (&error);
  }
  g_assert_null (load_edited ("unigram-nmt-nfkc", "\"replacement\":\"\u2581\",\"prepend_scheme\"",
      "\"prepend_scheme\"", &error));
  g_assert_nonnull (strstr (error->message, "'pre_tokenizer.replacement'"));
  g_clear_error (&error);
  g_free (first_text);
  g_free (second_text);
  bert_encoding_clear (&first);
  bert_encoding_clear (&second);
  bert_tokenizer_free (a);
  bert_tokenizer_free (b);
}

/* ---- what tokenizers 0.23.3 refuses (found by tokenizer-json-differential.py) ---- */

#define WORDPIECE_DECODER "\"decoder\":{\"type\":\"WordPiece\",\"prefix\":\"##\",\"cleanup\":true}"
#define BERT_NORMALIZER                                                                                      \
  "\"normalizer\":{\"type\":\"BertNormalizer\",\"clean_text\":true,\"handle_chinese_chars\":true,"           \
  "\"strip_accents\":null,\"lowercase\":true}"

/* data/wordpiece-bert with from replaced by to: refused with an error holding refusal, or,
 * where refusal is NULL, loaded and encoding as the original. */
static void
check_wordpiece_edit (const char *from, const char *to, const char *refusal)
{
  GError *error = NULL;
  BertTokenizer *original = load_edited ("wordpiece-bert", from, from, &error);
  BertTokenizer *edited = load_edited ("wordpiece-bert", from, to, &error);
  BertEncoding encoding;

  g_assert_no_error (original ? NULL : error);
  if (refusal != NULL) {
    g_assert_null (edited);
    g_assert_nonnull (error);
    g_test_message ("%s -> %s: %s", from, to, error->message);
    g_assert_nonnull (strstr (error->message, refusal));
    g_error_free (error);
    bert_tokenizer_free (original);
    return;
  }
  g_assert_no_error (error);
  bert_encoding_init (&encoding);
  bert_tokenizer_encode (original, "Hello unaffable world", 21, G_MAXUINT, &encoding);
  char *expected = encoding_describe (&encoding, FALSE);
  bert_tokenizer_encode (edited, "Hello unaffable world", 21, G_MAXUINT, &encoding);
  char *got = encoding_describe (&encoding, FALSE);
  g_assert_cmpstr (got, ==, expected);
  g_free (got);
  g_free (expected);
  bert_encoding_clear (&encoding);
  bert_tokenizer_free (edited);
  bert_tokenizer_free (original);
}

/* "Unknown tokenizer version '2.0'"; a version that is not a string is refused too. */
static void
test_version_as_the_reference (void)
{
  check_wordpiece_edit ("\"version\":\"1.0\",", "", NULL);
  check_wordpiece_edit ("\"version\":\"1.0\"", "\"version\":\"2.0\"", "unknown tokenizer version '2.0'");
  check_wordpiece_edit ("\"version\":\"1.0\"", "\"version\":\"1\"", "unknown tokenizer version '1'");
  check_wordpiece_edit ("\"version\":\"1.0\"", "\"version\":1.0", "'version'");
  check_wordpiece_edit ("\"version\":\"1.0\"", "\"version\":null", "'version'");
}

/* The decoder is not used here, but tokenizers refuses the file where it refuses the
 * decoder: by its type where that names one (ByteLevel and Metaspace need theirs), else the
 * first of BPEDecoder, WordPiece, CTC, Replace and Strip whose members it has. */
static void
test_decoders_as_the_reference (void)
{
  const char *accepted[] = {
    "null", "{\"type\":\"Foo\",\"prefix\":\"##\",\"cleanup\":true}", "{\"prefix\":\"##\",\"cleanup\":true}",
    "{\"type\":\"ByteLevel\",\"add_prefix_space\":true,\"trim_offsets\":true}",
    "{\"type\":\"Metaspace\",\"replacement\":\"\u2581\"}",
    "{\"type\":\"Metaspace\",\"replacement\":\"\u2581\",\"add_prefix_space\":false,\"prepend_scheme\":"
    "\"never\"}",
    "{\"type\":\"BPEDecoder\",\"suffix\":\"</w>\"}", "{\"suffix\":\"</w>\"}",
    "{\"pad_token\":\"<pad>\",\"word_delimiter_token\":\"|\",\"cleanup\":true}",
    "{\"type\":\"Replace\",\"pattern\":{\"Regex\":\"\u2581+\"},\"content\":\" \"}",
    "{\"pattern\":{\"String\":\"\u2581\"},\"content\":\" \"}", "{\"type\":\"ByteFallback\"}",
    "{\"type\":\"Fuse\"}", "{\"content\":\" \",\"start\":1,\"stop\":0}",
    "{\"type\":\"Sequence\",\"decoders\":[]}",
    "{\"type\":\"Sequence\",\"decoders\":[{\"type\":\"ByteFallback\"},{\"prefix\":\"##\",\"cleanup\":true}]}"
  };
  const char *refused[] = { "{}", "[]",
    "{\"add_prefix_space\":true,\"trim_offsets\":true,\"use_regex\":true}",
    "{\"type\":\"ByteLevel\",\"add_prefix_space\":true}",
    "{\"replacement\":\"\u2581\",\"prepend_scheme\":\"always\"}",
    "{\"type\":\"Metaspace\",\"replacement\":\"ab\"}",
    "{\"type\":\"Metaspace\",\"replacement\":\"\u2581\",\"prepend_scheme\":\"sometimes\"}",
    "{\"type\":\"Metaspace\",\"replacement\":\"\u2581\",\"add_prefix_space\":false}",
    "{\"type\":\"WordPiece\"}", "{\"type\":\"WordPiece\",\"prefix\":1,\"cleanup\":true}",
    "{\"type\":\"Foo\"}", "{\"type\":\"BPEDecoder\"}",
    "{\"type\":\"Replace\",\"pattern\":{\"Regex\":\"(\"},\"content\":\" \"}",
    "{\"type\":\"Strip\",\"content\":\"ab\",\"start\":1,\"stop\":0}",
    "{\"type\":\"Strip\",\"content\":\" \",\"start\":1.0,\"stop\":0}", "{\"type\":\"Sequence\"}",
    "{\"decoders\":[]}", "{\"type\":\"Sequence\",\"decoders\":[{\"type\":\"Foo\"}]}" };

  for (guint i = 0; i < G_N_ELEMENTS (accepted); i++) {
    char *decoder = g_strconcat ("\"decoder\":", accepted[i], NULL);
    check_wordpiece_edit (WORDPIECE_DECODER, decoder, NULL);
    g_free (decoder);
  }
  for (guint i = 0; i < G_N_ELEMENTS (refused); i++) {
    char *decoder = g_strconcat ("\"decoder\":", refused[i], NULL);
    check_wordpiece_edit (WORDPIECE_DECODER, decoder,
        "field 'decoder' is refused by Hugging Face tokenizers");
    g_free (decoder);
  }
}

/* tokenizers' tag for BertNormalizer is "Bert"; a type naming no normaliser ("Foo", and
 * "BertNormalizer" itself) is read by the members, so BertNormalizer's name on Strip's
 * members makes a Strip there. */
static void
test_normalizer_type_naming_none_is_read_by_its_members (void)
{
  check_wordpiece_edit ("\"type\":\"BertNormalizer\"", "\"type\":\"Bert\"", NULL);
  check_wordpiece_edit ("\"type\":\"BertNormalizer\"", "\"type\":\"Foo\"", NULL);
  check_wordpiece_edit ("\"type\":\"BertNormalizer\"", "\"type\":1", NULL);
  /* a Strip, then: the stage-by-stage pipeline takes it (its HF parity: test-wordpiece-pipeline) */
  GError *error = NULL;
  BertTokenizer *strip = load_edited ("wordpiece-bert", BERT_NORMALIZER,
      "\"normalizer\":{\"type\":\"BertNormalizer\",\"strip_left\":true,\"strip_right\":true}", &error);
  g_assert_no_error (error);
  g_assert_nonnull (strip->pipeline);
  g_assert_cmpuint (strip->pipeline->n_steps, ==, 1);
  g_assert_cmpint (strip->pipeline->steps[0].kind, ==, BERT_STEP_STRIP);
  bert_tokenizer_free (strip);
  check_wordpiece_edit (",\"lowercase\":true}", "}",
      "field 'normalizer' is refused by Hugging Face tokenizers");
  check_wordpiece_edit ("\"lowercase\":true", "\"lowercase\":1", "'normalizer.lowercase'");
  check_wordpiece_edit (BERT_NORMALIZER, "\"normalizer\":{\"type\":\"Foo\"}",
      "field 'normalizer' is refused by Hugging Face tokenizers");
}

/* TemplateProcessingDeserializer requires pair. */
static void
test_template_without_pair_is_refused (void)
{
  const char *bert = "{\"type\":\"BertProcessing\",\"sep\":[\"[SEP]\",3],\"cls\":[\"[CLS]\",2]}";
  const char *template = "{\"type\":\"TemplateProcessing\",\"single\":[{\"Sequence\":{\"id\":\"A\","
                         "\"type_id\":0}}],\"special_tokens\":{}}";
  check_wordpiece_edit (bert, template, "field 'post_processor' is none of the post-processors");
}

/* TruncationParams needs max_length, strategy and stride; PaddingParams all but
 * pad_to_multiple_of; an added token its five flags; a typed model its members. */
static void
test_members_the_reference_requires (void)
{
  const char *truncated = "\"truncation\":{\"max_length\":100,\"strategy\":\"LongestFirst\",\"stride\":0}";
  const char *padded = "\"padding\":{\"strategy\":{\"Fixed\":16},\"direction\":\"Right\",\"pad_id\":0,"
                       "\"pad_type_id\":0,\"pad_token\":\"[PAD]\"}";
  check_wordpiece_edit ("\"truncation\":null", truncated, NULL);
  check_wordpiece_edit ("\"truncation\":null", "\"truncation\":{\"max_length\":100}", "field 'truncation'");
  check_wordpiece_edit ("\"truncation\":null",
      "\"truncation\":{\"max_length\":100,\"strategy\":\"LongestFirst\",\"stride\":0,\"direction\":\"Up\"}",
      "field 'truncation'");
  check_wordpiece_edit ("\"padding\":null", padded, NULL);
  check_wordpiece_edit ("\"padding\":null", "\"padding\":{\"pad_id\":0}", "field 'padding'");
  check_wordpiece_edit (",\"special\":true}", "}", "field 'added_tokens[0]'");
  check_wordpiece_edit ("\"unk_token\":\"[UNK]\",", "", "field 'model' is refused");
  check_wordpiece_edit ("\"max_input_chars_per_word\":100", "\"max_input_chars_per_word\":null",
      "field 'model' is refused");
}

/* A ByteLevel pre-tokenizer needs trim_offsets; a charsmap must be standard base64. */
static void
test_pre_tokenizer_and_charsmap_forms (void)
{
  GError *error = NULL;

  g_assert_null (load_edited ("bpe-roberta", "\"trim_offsets\":true,\"use_regex\"", "\"use_regex\"", &error));
  g_assert_nonnull (strstr (error->message, "field 'pre_tokenizer' is refused"));
  g_clear_error (&error);
  g_assert_null (load_edited ("unigram-nmt-nfkc", "\"precompiled_charsmap\":\"",
      "\"precompiled_charsmap\":\"-", &error));
  g_assert_nonnull (strstr (error->message, "standard base64"));
  g_clear_error (&error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (argc < 3) {
    g_printerr ("usage: test-legacy-tokenizer-json DATA_DIR VARIANTS_DIR\n");
    return 2;
  }
  data_dir = argv[1];
  variants_dir = argv[2];
  test_add_per_name ("/legacy-json/encodes-as-original", variants, G_N_ELEMENTS (variants),
      test_variant_encodes_as_its_original);
  g_test_add_func ("/legacy-json/wordpiece-fixture", test_wordpiece_fixture_matches_reference);
  g_test_add_func ("/legacy-json/word-level-refused", test_untyped_word_level_is_refused_naming_it);
  g_test_add_func ("/legacy-json/bpe-before-wordpiece",
      test_vocab_object_with_merges_is_bpe_despite_wordpiece_members);
  g_test_add_func ("/legacy-json/failed-bpe-is-wordpiece", test_failed_bpe_falls_back_to_wordpiece);
  g_test_add_func ("/legacy-json/bpe-dropout-zero", test_bpe_dropout_zero_as_integer);
  g_test_add_func ("/legacy-json/merges-version-line", test_merges_as_strings_skip_version_lines);
  g_test_add_func ("/legacy-json/unigram-without-unk-id", test_untyped_unigram_without_unk_id_is_a_unigram);
  g_test_add_func ("/legacy-json/no-variant-refused", test_model_of_no_variant_is_refused);
  g_test_add_func ("/legacy-json/untyped-unigram-vocab-from-text",
      test_untyped_unigram_vocabulary_is_read_from_the_text);
  g_test_add_func ("/legacy-json/merge-shorter-than-prefix", test_merge_shorter_than_the_prefix_is_refused);
  g_test_add_func ("/legacy-json/post-processor-by-members", test_post_processor_is_read_by_its_members);
  g_test_add_func ("/legacy-json/version", test_version_as_the_reference);
  g_test_add_func ("/legacy-json/decoders", test_decoders_as_the_reference);
  g_test_add_func ("/legacy-json/normalizer-read-by-members",
      test_normalizer_type_naming_none_is_read_by_its_members);
  g_test_add_func ("/legacy-json/template-without-pair", test_template_without_pair_is_refused);
  g_test_add_func ("/legacy-json/required-members", test_members_the_reference_requires);
  g_test_add_func ("/legacy-json/pre-tokenizer-and-charsmap", test_pre_tokenizer_and_charsmap_forms);
  g_test_add_func ("/legacy-json/metaspace-add-prefix-space",
      test_metaspace_add_prefix_space_as_the_reference);
  return g_test_run ();
}
