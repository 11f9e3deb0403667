/* fuzz-spm-model.c: loading XLM-R and ALBERT folders whose sentencepiece model is arbitrary
 * bytes.
 *
 * Each input is written twice: as the sentencepiece.bpe.model of a folder whose config.json
 * names xlm-roberta, and as the spiece.model of a folder whose config.json names albert
 * (neither with a tokenizer.json), so that the hand-written protobuf reader, each family's
 * layout and charsmap checks and the tokenizer.json each builds are all exercised. A
 * tokenizer that loads must pass fuzz_check_tokenizer.
 */
#include "fuzz-checks.h"

#include <string.h>

typedef struct {
  const char *name;
  const char *model_file;
  const char *config;
  char *folder_path;
  char *model_path;
} SpmFolder;

static SpmFolder folders[] = {
  { "xlmr", "sentencepiece.bpe.model", "{\"model_type\": \"xlm-roberta\"}", NULL, NULL },
  { "albert", "spiece.model", "{\"model_type\": \"albert\"}", NULL, NULL },
};

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init_logging ();
  for (guint i = 0; i < G_N_ELEMENTS (folders); i++) {
    SpmFolder *folder = &folders[i];
    folder->folder_path = g_build_filename (fuzz_scratch_dir (), folder->name, NULL);
    folder->model_path = g_build_filename (folder->folder_path, folder->model_file, NULL);
    char *config_path = g_build_filename (folder->folder_path, "config.json", NULL);
    fuzz_write_file (config_path, (const uint8_t *) folder->config, strlen (folder->config));
    g_free (config_path);
  }
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  for (guint i = 0; i < G_N_ELEMENTS (folders); i++) {
    fuzz_write_file (folders[i].model_path, data, size);
    fuzz_check_tokenizer_path (folders[i].folder_path);
  }
  return 0;
}
