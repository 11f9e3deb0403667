/* fuzz-vocab.c: loading a vocab.txt of arbitrary bytes.
 *
 * The input is written to a scratch vocab.txt and loaded with bert-base-uncased's
 * settings; a tokenizer that loads must then encode sample texts within its
 * vocabulary and map every id to a token and back (fuzz_check_tokenizer).
 */
#include "fuzz-checks.h"

static char *vocab_path;

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init_logging ();
  vocab_path = g_build_filename (fuzz_scratch_dir (), "vocab.txt", NULL);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const BertNormalizerOptions options = { TRUE, TRUE, TRUE, -1, 512 };
  GError *error = NULL;
  BertTokenizer *tokenizer;

  fuzz_write_file (vocab_path, data, size);
  tokenizer = bert_tokenizer_new_from_vocab_file (vocab_path, &options, &error);
  fuzz_check_load_result (tokenizer, error, vocab_path);
  if (tokenizer != NULL) {
    fuzz_check_tokenizer (tokenizer);
    bert_tokenizer_free (tokenizer);
  }
  g_clear_error (&error);
  return 0;
}
