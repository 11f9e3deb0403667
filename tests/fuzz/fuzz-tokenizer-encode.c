/* fuzz-tokenizer-encode.c: bert_tokenizer_encode on arbitrary bytes.
 *
 * Every input is encoded by every tokenizer loaded at start-up (the tiny fixture
 * vocabulary under four normaliser settings; the Unigram and byte-level BPE fixtures of
 * tests/tokenizer/data: Precompiled charsmaps, Metaspace, byte fallback, ByteLevel,
 * RoBERTa's trimming, subword affixes; and the real Hugging Face tokenizers when
 * $GST_BERT_SHARED_DIR has them), untruncated and truncated to a length taken from the
 * input's size, and each encoding's invariants are checked (fuzz_check_encode). Inputs
 * include invalid UTF-8, NULs and pango markup. The input cut in two (where its first
 * byte says) is also encoded as a sequence pair (fuzz_check_encode_pair).
 */
#include "fuzz-checks.h"

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
  static const char *const fixtures[] = { "unigram-nmt-nfkc", "unigram-nmt-nfkc-cf", "unigram-byte-fallback",
    "unigram-hf", "bpe-roberta", "bpe-affixes" };

  for (guint i = 0; i < G_N_ELEMENTS (fixtures); i++) {
    char *folder = g_build_filename (FUZZ_SUBWORD_DIR, fixtures[i], NULL);
    GError *error = NULL;
    add_tokenizer (bert_tokenizer_new_from_path (folder, &error), error, folder);
    g_free (folder);
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
