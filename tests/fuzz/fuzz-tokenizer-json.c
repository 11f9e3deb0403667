/* fuzz-tokenizer-json.c: loading tokenizer.json, tokenizer_config.json and
 * sentence_bert_config.json of arbitrary bytes.
 *
 * Each input is loaded three times: as a tokenizer.json file, as the
 * tokenizer_config.json of a folder whose vocab.txt is the fixture's, and as the
 * sentence_bert_config.json of another such folder (all are JSON that sets options of
 * the tokenizer). A tokenizer that loads must pass fuzz_check_tokenizer.
 */
#include "fuzz-checks.h"

static char *json_path;
static char *folder_path;
static char *config_path;
static char *sbert_folder_path;
static char *sbert_path;

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init_logging ();
  json_path = g_build_filename (fuzz_scratch_dir (), "json", "tokenizer.json", NULL);
  folder_path = g_build_filename (fuzz_scratch_dir (), "folder", NULL);
  config_path = g_build_filename (folder_path, "tokenizer_config.json", NULL);
  fuzz_copy_fixture ("vocab.txt", folder_path);
  sbert_folder_path = g_build_filename (fuzz_scratch_dir (), "sbert-folder", NULL);
  sbert_path = g_build_filename (sbert_folder_path, "sentence_bert_config.json", NULL);
  fuzz_copy_fixture ("vocab.txt", sbert_folder_path);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  fuzz_write_file (json_path, data, size);
  fuzz_check_tokenizer_path (json_path);
  fuzz_write_file (config_path, data, size);
  fuzz_check_tokenizer_path (folder_path);
  fuzz_write_file (sbert_path, data, size);
  fuzz_check_tokenizer_path (sbert_folder_path);
  return 0;
}
