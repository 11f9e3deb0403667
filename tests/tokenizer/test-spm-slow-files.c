/* test-spm-slow-files: XLM-R and CamemBERT folders with sentencepiece.bpe.model, and ALBERT
 * ones with spiece.model, no tokenizer.json.
 *
 * For every variant of data/spm-slow/ (made by make-spm-slow-fixtures.py with
 * transformers' AutoTokenizer), builds the folder (the variant's .model as
 * sentencepiece.bpe.model and its config files) and compares ids, type ids and byte offsets
 * with transformers' outputs, for single texts and for pairs. Then what transformers would
 * build otherwise, or could not: other classes and settings, and malformed .model files
 * (hand-made protobuf), refused with the file and the byte offset or the field. And ALBERT
 * folders with spiece.model (data/albert-spiece/, make-albert-spiece-fixtures.py) the same
 * way, for each tokenizer_config.json variant.
 */
#include "bert_tokenizer.h"
#include "slow_folders_support.h"
#include "tokenizer_test_support.h"

#include <glib/gstdio.h>
#include <string.h>

static const char *data_dir;

static const char *variants[] = { "xlmr-config", "xlmr-map", "xlmr-saved-config", "xlmr-no-prefix",
  "camembert-config", "camembert-map" };

static const char *const folder_files[] = { "sentencepiece.bpe.model", "config.json",
  "special_tokens_map.json", "tokenizer_config.json", "added_tokens.json" };

/* A temporary folder of the variant's model as sentencepiece.bpe.model and its config files. */
static char *
make_folder (const char *variant)
{
  char *models_dir = g_build_filename (data_dir, "spm-slow", NULL);
  char *variant_dir = g_build_filename (models_dir, variant, NULL);
  char *model_txt = g_build_filename (variant_dir, "model.txt", NULL);
  char *model_name = g_strstrip (read_file_contents (model_txt, NULL));
  char *dir = scratch_folder_new ("spm-slow-XXXXXX");
  copy_file_if_present (models_dir, model_name, dir, "sentencepiece.bpe.model");
  for (guint i = 1; i < G_N_ELEMENTS (folder_files); i++)
    copy_file_if_present (variant_dir, folder_files[i], dir, folder_files[i]);
  g_free (model_name);
  g_free (models_dir);
  g_free (model_txt);
  g_free (variant_dir);
  return dir;
}

static SlowFolders folders = {
  .fixtures = "spm-slow",
  .texts_file = "spm-slow/texts.txt",
  .more_than = 100,
  .make_folder = make_folder,
  .files = folder_files,
  .n_files = G_N_ELEMENTS (folder_files),
  .refused_variant = "xlmr-map",
};

/* ---- refusals ---- */

static void
expect_model_refused (const GByteArray *model, ...)
{
  va_list needles;
  va_start (needles, model);
  slow_folder_expect_refused_va (&folders, "sentencepiece.bpe.model", (const char *) model->data, model->len,
      BERT_TOKENIZER_ERROR_FORMAT, needles);
  va_end (needles);
}

static void
test_other_classes_are_refused (void)
{
  slow_folder_expect_refused (&folders, "tokenizer_config.json", "{\"tokenizer_class\": \"T5Tokenizer\"}",
      BERT_TOKENIZER_ERROR_UNSUPPORTED, "T5Tokenizer", "sentencepiece.bpe.model", "save_pretrained", NULL);
  slow_folder_expect_refused (&folders, "config.json", "{\"model_type\": \"xlnet\"}",
      BERT_TOKENIZER_ERROR_UNSUPPORTED, "'xlnet'", "save_pretrained", NULL);
  slow_folder_expect_refused (&folders, "config.json",
      "{\"model_type\": \"xlm-roberta\", \"tokenizer_class\": \"AlbertTokenizer\"}",
      BERT_TOKENIZER_ERROR_UNSUPPORTED, "AlbertTokenizer", "config.json", NULL);
  slow_folder_expect_refused (&folders, "config.json", NULL, BERT_TOKENIZER_ERROR_UNSUPPORTED, "model_type",
      "save_pretrained", NULL);
}

/* Settings with which transformers builds more than these classes' usual tokenizer. */
static void
test_other_settings_are_refused (void)
{
  slow_folder_expect_refused (&folders, "tokenizer_config.json",
      "{\"added_tokens_decoder\": {\"0\": {\"content\": \"<s>\", \"special\": true}}}",
      BERT_TOKENIZER_ERROR_UNSUPPORTED, "added_tokens_decoder", "save_pretrained", NULL);
  slow_folder_expect_refused (&folders, "tokenizer_config.json", "{\"additional_special_tokens\": [\"<x>\"]}",
      BERT_TOKENIZER_ERROR_UNSUPPORTED, "additional_special_tokens", NULL);
  slow_folder_expect_refused (&folders, "special_tokens_map.json",
      "{\"additional_special_tokens\": [\"<x>\"]}", BERT_TOKENIZER_ERROR_UNSUPPORTED,
      "special_tokens_map.json", "additional_special_tokens", NULL);
  slow_folder_expect_refused (&folders, "special_tokens_map.json", "{\"unk_token\": \"<u2>\"}",
      BERT_TOKENIZER_ERROR_UNSUPPORTED, "unk_token", "'<u2>'", NULL);
  slow_folder_expect_refused (&folders, "special_tokens_map.json",
      "{\"cls_token\": {\"content\": \"<s>\", \"lstrip\": true}}", BERT_TOKENIZER_ERROR_UNSUPPORTED,
      "cls_token", NULL);
  slow_folder_expect_refused (&folders, "special_tokens_map.json", "{\"user_token\": \"<user>\"}",
      BERT_TOKENIZER_ERROR_UNSUPPORTED, "user_token", NULL);
  slow_folder_expect_refused (&folders, "special_tokens_map.json", "{\"mask_token\": 3}",
      BERT_TOKENIZER_ERROR_FORMAT, "special_tokens_map.json", "mask_token", NULL);
  slow_folder_expect_refused (&folders, "added_tokens.json", "{\"<user>\": 2001}",
      BERT_TOKENIZER_ERROR_UNSUPPORTED, "added_tokens.json", "save_pretrained", NULL);
}

/* ---- hand-made models ---- */

static void
put_varint (GByteArray *out, guint64 value)
{
  do {
    guint8 byte = (value & 0x7f) | (value > 0x7f ? 0x80 : 0);
    g_byte_array_append (out, &byte, 1);
    value >>= 7;
  } while (value != 0);
}

static void
put_len (GByteArray *out, guint field, const void *data, gsize length)
{
  put_varint (out, field << 3 | 2);
  put_varint (out, length);
  g_byte_array_append (out, data, length);
}

static void
put_piece (GByteArray *out, const char *text, float score, int type)
{
  GByteArray *piece = g_byte_array_new ();
  guint32 bits;
  memcpy (&bits, &score, 4);
  bits = GUINT32_TO_LE (bits);
  put_len (piece, 1, text, strlen (text));
  put_varint (piece, 2 << 3 | 5);
  g_byte_array_append (piece, (const guint8 *) &bits, 4);
  put_varint (piece, 3 << 3 | 0);
  put_varint (piece, type);
  put_len (out, 1, piece->data, piece->len);
  g_byte_array_unref (piece);
}

/* <unk> <s> </s> ▁a a ▁b, with a trainer_spec (unk_id 0) and no charsmap. */
static GByteArray *
small_model (void)
{
  GByteArray *model = g_byte_array_new ();
  /* model_type 1; unk_id 0 (field 40: a two-byte key) */
  static const guint8 trainer_spec[] = { 3 << 3, 1, 0xc0, 0x02, 0 };
  put_piece (model, "<unk>", 0, 2);
  put_piece (model, "<s>", 0, 3);
  put_piece (model, "</s>", 0, 3);
  put_piece (model,
      "\xe2\x96\x81"
      "a",
      -1, 1);
  put_piece (model, "a", -2, 1);
  put_piece (model,
      "\xe2\x96\x81"
      "b",
      -1.5f, 1);
  put_len (model, 2, trainer_spec, sizeof trainer_spec);
  return model;
}

/* The encoding of text (encoding_describe) by a folder of xlmr-config's files with model as
 * its sentencepiece.bpe.model. Free it. */
static char *
describe_with_model (const GByteArray *model, const char *text)
{
  return slow_folder_describe (&folders, "xlmr-config", "sentencepiece.bpe.model", (const char *) model->data,
      model->len, text);
}

/* The small model loads: no charsmap, so no normaliser; fairseq's ids. */
static void
test_small_model_loads (void)
{
  GByteArray *model = small_model ();
  char *got = describe_with_model (model, "a  b\tc <mask>");

  /* <s> ▁a ▁b <unk> (▁c has no piece) <mask> </s>, as transformers gives for the same model */
  g_assert_cmpstr (got, ==, "0:0:0:0 4:0:0:1 6:0:3:4 3:0:5:6 7:0:7:13 2:0:0:0");
  g_free (got);
  g_byte_array_unref (model);
}

/* Scores are the model's floats as they are: transformers hands them to tokenizers as Python
 * floats, not through JSON, whose serde reading would move -7.5682830810546875 up by one unit
 * in the last place. ▁ab then ties exactly with ▁a + b, and the tie goes to ▁ab, as
 * transformers 5.25's AutoTokenizer gives for the same model; with the score moved, ▁a b won. */
static void
test_scores_tie_as_transformers (void)
{
  GByteArray *model = g_byte_array_new ();

  put_piece (model, "<unk>", 0, 2);
  put_piece (model, "<s>", 0, 3);
  put_piece (model, "</s>", 0, 3);
  put_piece (model,
      "\xe2\x96\x81"
      "ab",
      -7.5682830810546875f, 1);
  put_piece (model,
      "\xe2\x96\x81"
      "a",
      -6.5682830810546875f, 1);
  put_piece (model, "b", -1.0f, 1);
  char *got = describe_with_model (model, "ab");
  g_assert_cmpstr (got, ==, "0:0:0:0 4:0:0:2 2:0:0:0");
  g_free (got);
  g_byte_array_unref (model);
}

static void
test_malformed_models_are_refused (void)
{
  GByteArray *model = small_model ();
  guint full_length = model->len;

  /* cut inside the fourth piece */
  g_byte_array_set_size (model, 40);
  expect_model_refused (model, "sentencepiece.bpe.model", "at byte", "pieces[", "past the end", NULL);
  g_byte_array_set_size (model, 0);
  expect_model_refused (model, "no pieces", NULL);
  g_byte_array_unref (model);

  /* the first key as a 32-bit field 1 */
  model = small_model ();
  model->data[0] = 1 << 3 | 5;
  expect_model_refused (model, "at byte 0", "wire type 5", "expected 2", NULL);
  /* a group */
  model->data[0] = 1 << 3 | 3;
  expect_model_refused (model, "at byte 0", "wire type 3", NULL);
  /* the first piece's length past the end */
  model->data[0] = 1 << 3 | 2;
  model->data[1] = 0x7f;
  g_byte_array_set_size (model, 60);
  expect_model_refused (model, "at byte 1", "length 127 runs past the end", NULL);
  g_byte_array_unref (model);

  /* an endless varint, the value of an unknown field 15 */
  model = small_model ();
  static const guint8 endless[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01 };
  g_byte_array_append (model, (const guint8 *) "\x78", 1);
  g_byte_array_append (model, endless, sizeof endless);
  expect_model_refused (model, "varint longer than 10 bytes", NULL);
  g_byte_array_unref (model);

  /* a piece of invalid UTF-8, a piece type out of range, a piece twice, a control piece */
  model = small_model ();
  put_piece (model, "\xff", -3, 1);
  expect_model_refused (model, "pieces[6]", "not UTF-8", NULL);
  g_byte_array_set_size (model, full_length);
  put_piece (model, "c", -3, 9);
  expect_model_refused (model, "pieces[6]", "type 9", NULL);
  g_byte_array_set_size (model, full_length);
  put_piece (model, "a", -3, 1);
  expect_model_refused (model, "piece 6 ('a')", "twice", NULL);
  g_byte_array_set_size (model, full_length);
  put_piece (model, "<ctrl>", 0, 3);
  expect_model_refused (model, "piece 6 ('<ctrl>')", "control piece", NULL);
  g_byte_array_unref (model);

  /* not XLM-R's first pieces */
  model = g_byte_array_new ();
  put_piece (model, "<s>", 0, 3);
  put_piece (model, "<unk>", 0, 2);
  put_piece (model, "</s>", 0, 3);
  expect_model_refused (model, "piece 0 is '<s>'", NULL);
  g_byte_array_unref (model);

  /* a trainer_spec field of the wrong wire type, and a charsmap whose double array does
   * not fit */
  model = small_model ();
  /* field 35 (byte_fallback), wire type 2: key 282 */
  static const guint8 bad_spec[] = { 0x9a, 0x02, 0 };
  put_len (model, 2, bad_spec, sizeof bad_spec);
  expect_model_refused (model, "trainer_spec.byte_fallback", "wire type 2", NULL);
  g_byte_array_set_size (model, full_length);
  static const guint8 charsmap[] = { 16, 0, 0, 0, 1, 2, 3, 4 };
  GByteArray *spec = g_byte_array_new ();
  put_len (spec, 2, charsmap, sizeof charsmap);
  put_len (model, 3, spec->data, spec->len);
  expect_model_refused (model, "normalizer_spec.precompiled_charsmap", "not a charsmap", NULL);
  g_byte_array_unref (spec);
  g_byte_array_unref (model);
}

/* The .model file alone is no tokenizer: its class is its folder's. */
static void
test_model_file_alone_is_refused (void)
{
  char *dir = make_folder ("xlmr-config");
  char *path = g_build_filename (dir, "sentencepiece.bpe.model", NULL);
  GError *error = NULL;
  BertTokenizer *tokenizer = bert_tokenizer_new_from_path (path, &error);
  g_assert_null (tokenizer);
  g_assert_error (error, BERT_TOKENIZER_ERROR, BERT_TOKENIZER_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, "give the folder"));
  g_error_free (error);
  g_free (path);
  slow_folder_remove (&folders, dir);
}

/* ALBERT's slow folder (data/albert-unigram without its tokenizer.json) is refused, naming
 * spiece.model and the command that saves transformers' tokenizer.json. */
/* ---- ALBERT's spiece.model ---- */

static const char *albert_variants[] = { "lower", "cased", "lower-accents", "cased-accents", "no-prefix",
  "nmt-nfkc", "nmt-nfkc-accents" };
static const char *const albert_files[] = { "spiece.model", "tokenizer_config.json",
  "special_tokens_map.json" };

/* A temporary folder of the ALBERT variant's tokenizer_config.json (data/albert-spiece/,
 * made by make-albert-spiece-fixtures.py) and spiece.model: data/albert-unigram's, without a
 * charsmap, but for the nmt-nfkc variants, which share data/albert-spiece/nmt-nfkc's, with
 * sentencepiece's nmt_nfkc charsmap. */
static char *
make_albert_folder (const char *variant)
{
  char *model_dir = g_str_has_prefix (variant, "nmt-nfkc")
      ? g_build_filename (data_dir, "albert-spiece", "nmt-nfkc", NULL)
      : g_build_filename (data_dir, "albert-unigram", NULL);
  char *variant_dir = g_build_filename (data_dir, "albert-spiece", variant, NULL);
  char *dir = scratch_folder_new ("albert-slow-XXXXXX");
  copy_file_if_present (model_dir, "spiece.model", dir, "spiece.model");
  copy_file_if_present (variant_dir, "tokenizer_config.json", dir, "tokenizer_config.json");
  g_free (variant_dir);
  g_free (model_dir);
  return dir;
}

static SlowFolders albert_folders = {
  .fixtures = "albert-spiece",
  .texts_file = "spm-slow/texts.txt",
  .more_than = 100,
  .make_folder = make_albert_folder,
  .files = albert_files,
  .n_files = G_N_ELEMENTS (albert_files),
  .refused_variant = "lower",
};

/* What AlbertTokenizer builds otherwise than these rules (bert_albert_spiece_files.c). The
 * tokenizer_config.json AlbertTokenizer saves lists its control pieces again in
 * extra_special_tokens, which is refused as for XLM-R. */
static void
test_albert_other_settings_are_refused (void)
{
  char *saved = g_build_filename (data_dir, "albert-unigram", "tokenizer_config.json", NULL);
  char *saved_contents = read_file_contents (saved, NULL);

  slow_folder_expect_refused_bytes (&albert_folders, "tokenizer_config.json", saved_contents, -1,
      BERT_TOKENIZER_ERROR_UNSUPPORTED, "extra_special_tokens", "save_pretrained", NULL);
  slow_folder_expect_refused_bytes (&albert_folders, "special_tokens_map.json",
      "{\"mask_token\": {\"content\": \"[MASK]\", \"lstrip\": true}}", -1, BERT_TOKENIZER_ERROR_UNSUPPORTED,
      "mask_token", "save_pretrained", NULL);
  slow_folder_expect_refused_bytes (&albert_folders, "special_tokens_map.json",
      "{\"mask_token\": {\"content\": \"[MASK]\", \"normalized\": true}}", -1, BERT_TOKENIZER_ERROR_FORMAT,
      "[MASK]", "normalized", NULL);
  slow_folder_expect_refused_bytes (&albert_folders, "special_tokens_map.json",
      "{\"mask_token\": \"<mask>\"}", -1, BERT_TOKENIZER_ERROR_UNSUPPORTED, "mask_token", NULL);
  slow_folder_expect_refused_bytes (&albert_folders, "tokenizer_config.json",
      "{\"tokenizer_class\": \"XLNetTokenizer\"}", -1, BERT_TOKENIZER_ERROR_UNSUPPORTED, "XLNetTokenizer",
      "spiece.model", "save_pretrained", NULL);
  g_free (saved_contents);
  g_free (saved);
}

/* A spiece.model whose charsmap's double array does not fit is refused, naming the file,
 * as sentencepiece.bpe.model's is. */
static void
test_albert_bad_charsmap_is_refused (void)
{
  char *path = g_build_filename (data_dir, "albert-unigram", "spiece.model", NULL);
  gsize length;
  char *contents = read_file_contents (path, &length);
  static const guint8 charsmap[] = { 16, 0, 0, 0, 1, 2, 3, 4 };
  GByteArray *model = g_byte_array_new (), *spec = g_byte_array_new ();

  g_byte_array_append (model, (const guint8 *) contents, (guint) length);
  put_len (spec, 2, charsmap, sizeof charsmap);
  put_len (model, 3, spec->data, spec->len);
  slow_folder_expect_refused_bytes (&albert_folders, "spiece.model", (const char *) model->data, model->len,
      BERT_TOKENIZER_ERROR_FORMAT, "spiece.model", "normalizer_spec.precompiled_charsmap", "not a charsmap",
      NULL);
  g_byte_array_unref (spec);
  g_byte_array_unref (model);
  g_free (contents);
  g_free (path);
}

/* Of the Sequences of pre-tokenizers, only [WhitespaceSplit, split Metaspace] is read;
 * another is refused, naming the field, rather than tokenized otherwise. */
static void
expect_pre_tokenizer_refused (const char *pretokenizers, const char *needle)
{
  GError *error = NULL;
  char *json = g_strdup_printf ("{\"version\": \"1.0\", \"added_tokens\": [], \"normalizer\": null, "
                                "\"pre_tokenizer\": {\"type\": \"Sequence\", \"pretokenizers\": %s}, "
                                "\"model\": {\"type\": \"Unigram\", \"unk_id\": 0, "
                                "\"vocab\": [[\"<unk>\", 0.0], [\"a\", -1.0]]}}",
      pretokenizers);
  BertTokenizer *tokenizer = tokenizer_load_json_text (json, &error);
  g_assert_null (tokenizer);
  g_assert_error (error, BERT_TOKENIZER_ERROR, BERT_TOKENIZER_ERROR_UNSUPPORTED);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, needle));
  g_error_free (error);
  g_free (json);
}

static void
test_other_pre_tokenizer_sequences_are_refused (void)
{
  static const char metaspace[] = "{\"type\": \"Metaspace\", \"replacement\": \"\\u2581\"}";
  char *punctuation = g_strdup_printf ("[{\"type\": \"Punctuation\"}, %s]", metaspace);
  char *reversed = g_strdup_printf ("[%s, {\"type\": \"WhitespaceSplit\"}]", metaspace);
  expect_pre_tokenizer_refused (punctuation, "pre_tokenizer.pretokenizers is another Sequence");
  expect_pre_tokenizer_refused (reversed, "[WhitespaceSplit, Metaspace]");
  expect_pre_tokenizer_refused (
      "[{\"type\": \"WhitespaceSplit\"}, {\"type\": \"Metaspace\", \"replacement\": "
      "\"\\u2581\", \"split\": false}]",
      "pretokenizers[1].split is false");
  expect_pre_tokenizer_refused ("[]", "another Sequence");
  g_free (punctuation);
  g_free (reversed);
}

int
main (int argc, char **argv)
{
  data_dir = folders.data_dir = albert_folders.data_dir = test_init_with_path (&argc, &argv, "DATA_DIR");
  for (guint i = 0; i < G_N_ELEMENTS (variants); i++) {
    slow_folders_add_texts_test (&folders, "/spm-slow/texts", variants[i]);
    char *pairs = g_build_filename (data_dir, "spm-slow", variants[i], "expected-pairs.txt", NULL);
    if (g_file_test (pairs, G_FILE_TEST_EXISTS))
      slow_folders_add_pairs_test (&folders, "/spm-slow/pairs", variants[i]);
    g_free (pairs);
  }
  g_test_add_func ("/spm-slow/small-model", test_small_model_loads);
  g_test_add_func ("/spm-slow/scores-tie-as-transformers", test_scores_tie_as_transformers);
  g_test_add_func ("/spm-slow/other-classes-refused", test_other_classes_are_refused);
  g_test_add_func ("/spm-slow/other-settings-refused", test_other_settings_are_refused);
  g_test_add_func ("/spm-slow/malformed-models-refused", test_malformed_models_are_refused);
  g_test_add_func ("/spm-slow/model-file-alone-refused", test_model_file_alone_is_refused);
  slow_folders_add_tests (&albert_folders, "/spm-slow/albert-texts", "/spm-slow/albert-pairs",
      albert_variants, G_N_ELEMENTS (albert_variants));
  g_test_add_func ("/spm-slow/albert-other-settings-refused", test_albert_other_settings_are_refused);
  g_test_add_func ("/spm-slow/albert-bad-charsmap-refused", test_albert_bad_charsmap_is_refused);
  g_test_add_func ("/spm-slow/other-pre-tokenizer-sequences-refused",
      test_other_pre_tokenizer_sequences_are_refused);
  return g_test_run ();
}
