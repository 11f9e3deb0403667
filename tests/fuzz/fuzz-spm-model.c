/* fuzz-spm-model.c: loading an XLM-R folder whose sentencepiece.bpe.model is arbitrary
 * bytes.
 *
 * The input is written as the sentencepiece.bpe.model of a folder whose config.json names
 * xlm-roberta (no tokenizer.json), so that the hand-written protobuf reader, the layout and
 * charsmap checks and the tokenizer.json it builds are all exercised. A tokenizer that
 * loads must pass fuzz_check_tokenizer.
 */
#include "fuzz-checks.h"

static char *folder_path;
static char *model_path;

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  static const char config[] = "{\"model_type\": \"xlm-roberta\"}";
  fuzz_init_logging ();
  folder_path = g_build_filename (fuzz_scratch_dir (), "xlmr", NULL);
  model_path = g_build_filename (folder_path, "sentencepiece.bpe.model", NULL);
  char *config_path = g_build_filename (folder_path, "config.json", NULL);
  fuzz_write_file (config_path, (const uint8_t *) config, sizeof config - 1);
  g_free (config_path);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  fuzz_write_file (model_path, data, size);
  fuzz_check_tokenizer_path (folder_path);
  return 0;
}
