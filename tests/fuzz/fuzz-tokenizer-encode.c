/* fuzz-tokenizer-encode.c: bert_tokenizer_encode on arbitrary bytes.
 *
 * Every input is encoded by every tokenizer loaded at start-up (the tiny fixture
 * vocabulary under four normaliser settings; the Unigram and byte-level BPE fixtures of
 * tests/tokenizer/data: Precompiled charsmaps, Metaspace, byte fallback, ByteLevel,
 * RoBERTa's trimming, subword affixes; ALBERT's tokenizer.json and a slow folder of
 * spiece.model with the nmt_nfkc charsmap; an ELECTRA folder's vocab.txt; WordPiece files
 * of the tokenizers library's shapes
 * and NFC/NFKC/NFKD normalisers; five with normalized added tokens, of
 * data/normalized-added; three truncating on the left; and the real Hugging Face tokenizers when
 * $GST_BERT_SHARED_DIR has them), untruncated and truncated to a length taken from the
 * input's size, and each encoding's invariants are checked (fuzz_check_encode: also that
 * bert_token_cut of the whole encoding gives the truncated one). Inputs
 * include invalid UTF-8, NULs and pango markup. The input cut in two (where its first
 * byte says) is also encoded as a sequence pair (fuzz_check_encode_pair).
 */
#include "fuzz-checks.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <stdlib.h>

static GPtrArray *tokenizers;

static void
add_tokenizer (BertTokenizer *tokenizer, GError *error, const char *what)
{
  if (tokenizer == NULL)
    fuzz_fail ("cannot load %s: %s", what, error->message);
  g_ptr_array_add (tokenizers, tokenizer);
}

static void
add_fixture_tokenizers (void)
{
  static const BertNormalizerOptions settings[] = {
    { TRUE, TRUE, TRUE, -1, 512 },  /* bert-base-uncased */
    { TRUE, TRUE, FALSE, -1, 512 }, /* bert-base-cased */
    { FALSE, FALSE, TRUE, 0, 512 }, /* lowercase, accents kept, no cleaning */
    { TRUE, TRUE, FALSE, 1, 512 },  /* accents stripped without lowercasing */
  };
  char *vocab = g_build_filename (FUZZ_FIXTURE_DIR, "vocab.txt", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (settings); i++) {
    GError *error = NULL;
    add_tokenizer (bert_tokenizer_new_from_vocab_file (vocab, &settings[i], &error), error, vocab);
  }
  g_free (vocab);
}

static void
add_subword_tokenizers (void)
{
  /* A few of the WordPiece shapes and of the normal forms: each tokenizer costs every
   * input its encodings. */
  static const char *const fixtures[] = { "unigram-nmt-nfkc", "unigram-nmt-nfkc-cf", "unigram-byte-fallback",
    "unigram-hf", "bpe-roberta", "bpe-affixes", "wordpiece-shapes/tutorial", "wordpiece-shapes/digits",
    "wordpiece-shapes/punct-removed", "normal-forms/wordpiece-nfkd", "normal-forms/bpe-nfc",
    "normal-forms/unigram-nfkc-runs", "albert-unigram", "albert-spiece/nmt-nfkc" };
  GError *error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (fixtures); i++) {
    char *folder = g_build_filename (FUZZ_SUBWORD_DIR, fixtures[i], NULL);
    add_tokenizer (bert_tokenizer_new_from_path (folder, &error), error, folder);
    g_free (folder);
  }
  /* ELECTRA's vocab.txt folder, read as BERT's */
  add_tokenizer (bert_tokenizer_new_from_path (FUZZ_ELECTRA_DIR, &error), error, FUZZ_ELECTRA_DIR);
}

/* The fixture's tokenizer.json in a folder whose tokenizer_config.json says truncation_side
 * "left": the cut that keeps the end (and RoBERTa's untrimmed first token). */
static BertTokenizer *
load_truncating_left (const char *fixture, GError **error)
{
  char *source = g_build_filename (FUZZ_SUBWORD_DIR, fixture, "tokenizer.json", NULL);
  char *dir = g_dir_make_tmp ("fuzz-truncation-left-XXXXXX", NULL);
  char *json = g_build_filename (dir, "tokenizer.json", NULL),
       *config = g_build_filename (dir, "tokenizer_config.json", NULL);
  char *contents = NULL;
  gsize length = 0;
  BertTokenizer *tokenizer;

  if (dir == NULL || !g_file_get_contents (source, &contents, &length, NULL)
      || !g_file_set_contents (json, contents, length, NULL)
      || !g_file_set_contents (config, "{\"truncation_side\": \"left\"}", -1, NULL))
    fuzz_fail ("cannot copy %s to a folder truncating on the left", source);
  tokenizer = bert_tokenizer_new_from_path (dir, error);
  g_remove (json);
  g_remove (config);
  g_rmdir (dir);
  g_free (contents);
  g_free (config);
  g_free (json);
  g_free (dir);
  g_free (source);
  return tokenizer;
}

static void
add_left_truncating_tokenizers (void)
{
  static const char *const fixtures[] = { "wordpiece-bert", "unigram-hf", "bpe-roberta" };

  for (guint i = 0; i < G_N_ELEMENTS (fixtures); i++) {
    GError *error = NULL;
    add_tokenizer (load_truncating_left (fixtures[i], &error), error, fixtures[i]);
  }
}

/* A variant of data/normalized-added: its tokenizer.json, or its base fixture's with the
 * added tokens of its variant.json, written to a temporary folder to be loaded. */
static BertTokenizer *
load_normalized_added (const char *variant, GError **error)
{
  char *folder = g_build_filename (FUZZ_SUBWORD_DIR, "normalized-added", variant, NULL);
  char *variant_path = g_build_filename (folder, "variant.json", NULL);
  BertTokenizer *tokenizer;

  if (!g_file_test (variant_path, G_FILE_TEST_EXISTS)) {
    tokenizer = bert_tokenizer_new_from_path (folder, error);
  } else {
    JsonParser *description = json_parser_new (), *base = json_parser_new ();
    if (!json_parser_load_from_file (description, variant_path, error))
      fuzz_fail ("cannot read %s: %s", variant_path, (*error)->message);
    JsonObject *object = json_node_get_object (json_parser_get_root (description));
    char *base_path = g_build_filename (FUZZ_SUBWORD_DIR, json_object_get_string_member (object, "base"),
        "tokenizer.json", NULL);
    if (!json_parser_load_from_file (base, base_path, error))
      fuzz_fail ("cannot read %s: %s", base_path, (*error)->message);
    json_object_set_member (json_node_get_object (json_parser_get_root (base)), "added_tokens",
        json_node_copy (json_object_get_member (object, "added_tokens")));
    char *text = json_to_string (json_parser_get_root (base), FALSE);
    char *dir = g_dir_make_tmp ("fuzz-normalized-added-XXXXXX", NULL);
    char *path = g_build_filename (dir, "tokenizer.json", NULL);
    if (dir == NULL || !g_file_set_contents (path, text, -1, NULL))
      fuzz_fail ("cannot write %s", path);
    tokenizer = bert_tokenizer_new_from_path (dir, error);
    g_remove (path);
    g_rmdir (dir);
    g_free (path);
    g_free (dir);
    g_free (text);
    g_free (base_path);
    g_object_unref (description);
    g_object_unref (base);
  }
  g_free (variant_path);
  g_free (folder);
  return tokenizer;
}

/* Normalized added tokens, and the text where none can start that skips normalising for
 * them: real files' specials (roberta-base's, XLM-R's <mask>), tokens NFKC and Lowercase
 * make from other characters, BertNormalizer's. */
static void
add_normalized_added_tokenizers (void)
{
  static const char *const variants[] = { "bpe-roberta-specials", "xlmr-mask-only",
    "unigram-lowercase-sources", "wordpiece-mask-only", "wordpiece-uncased" };

  for (guint i = 0; i < G_N_ELEMENTS (variants); i++) {
    GError *error = NULL;
    add_tokenizer (load_normalized_added (variants[i], &error), error, variants[i]);
  }
}

static void
add_shared_tokenizers (void)
{
  static const char *const paths[] = {
    "tokenizers/all-MiniLM-L6-v2",
    "tokenizers/bert-base-multilingual-cased/tokenizer.json",
    "tokenizers/bert-base-chinese/vocab.txt",
  };
  const char *shared = g_getenv ("GST_BERT_SHARED_DIR");

  if (shared == NULL || !g_file_test (shared, G_FILE_TEST_IS_DIR))
    return;
  for (guint i = 0; i < G_N_ELEMENTS (paths); i++) {
    char *path = g_build_filename (shared, paths[i], NULL);
    GError *error = NULL;

    if (g_file_test (path, G_FILE_TEST_EXISTS))
      add_tokenizer (bert_tokenizer_new_from_path (path, &error), error, path);
    g_free (path);
  }
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init_logging ();
  tokenizers = g_ptr_array_new ();
  add_fixture_tokenizers ();
  add_subword_tokenizers ();
  add_normalized_added_tokenizers ();
  add_left_truncating_tokenizers ();
  add_shared_tokenizers ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  /* Lengths 2 to 17: short enough that most inputs get truncated somewhere. */
  guint max_length = 2 + size % 16;

  size_t split = size > 0 ? data[0] % (size + 1) : 0;

  for (guint i = 0; i < tokenizers->len; i++) {
    const BertTokenizer *tokenizer = g_ptr_array_index (tokenizers, i);
    fuzz_check_encode (tokenizer, (const char *) data, size, max_length);
    fuzz_check_encode_pair (tokenizer, (const char *) data, split, (const char *) data + split, size - split,
        max_length);
  }
  return 0;
}
