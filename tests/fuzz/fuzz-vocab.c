/* fuzz-vocab.c: loading a vocab.txt of arbitrary bytes.
 *
 * The input is written to a scratch vocab.txt and loaded with bert-base-uncased's
 * settings; a tokenizer that loads must then encode sample texts within its
 * vocabulary and map every id to a token and back (fuzz_check_tokenizer). It is also the
 * vocab.txt of an MPNet folder (config.json's model_type alone), which builds MPNet's
 * tokenizer from it (bert_mpnet_files.c), checked the same way.
 */
#include "fuzz-checks.h"

static char *vocab_path;
static char *mpnet_folder;
static char *mpnet_vocab_path;

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  static const char mpnet_config[] = "{\"model_type\": \"mpnet\"}";
  char *mpnet_config_path;

  fuzz_init_logging ();
  vocab_path = g_build_filename (fuzz_scratch_dir (), "vocab.txt", NULL);
  mpnet_folder = g_build_filename (fuzz_scratch_dir (), "mpnet", NULL);
  mpnet_vocab_path = g_build_filename (mpnet_folder, "vocab.txt", NULL);
  mpnet_config_path = g_build_filename (mpnet_folder, "config.json", NULL);
  fuzz_write_file (mpnet_config_path, (const uint8_t *) mpnet_config, sizeof mpnet_config - 1);
  g_free (mpnet_config_path);
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
  fuzz_write_file (mpnet_vocab_path, data, size);
  fuzz_check_tokenizer_path (mpnet_folder);
  return 0;
}
