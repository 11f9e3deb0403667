/* fuzz-config.c: loading a config.json of arbitrary bytes.
 *
 * The input becomes the config.json of a folder holding the tiny fixture's weights
 * and vocabulary: sizes, head, labels and activation vary while the tensors stay put,
 * so most inputs must be refused with a shape error, never read past a tensor. An input
 * that names MPNet is also loaded beside an MPNet model's weights and vocab.txt, so that its
 * relative position bias, position offset and vocab.txt tokenizer are reached.
 */
#include <string.h>

#include "fuzz-checks.h"

static char *model_folder;
static char *config_path;
static char *mpnet_folder;
static char *mpnet_config_path;

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init_logging ();
  model_folder = fuzz_copy_fixture_model ();
  config_path = g_build_filename (model_folder, "config.json", NULL);
  mpnet_folder = fuzz_copy_mpnet_model ();
  mpnet_config_path = g_build_filename (mpnet_folder, "config.json", NULL);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  fuzz_write_file (config_path, data, size);
  fuzz_check_model_folder (model_folder);
  if (memmem (data, size, "mpnet", 5) != NULL) {
    fuzz_write_file (mpnet_config_path, data, size);
    fuzz_check_model_folder (mpnet_folder);
  }
  return 0;
}
