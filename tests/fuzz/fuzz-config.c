/* fuzz-config.c: loading a config.json of arbitrary bytes.
 *
 * The input becomes the config.json of a folder holding the tiny fixture's weights
 * and vocabulary: sizes, head, labels and activation vary while the tensors stay put,
 * so most inputs must be refused with a shape error, never read past a tensor.
 */
#include "fuzz-checks.h"

static char *model_folder;
static char *config_path;

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init_logging ();
  model_folder = fuzz_copy_fixture_model ();
  config_path = g_build_filename (model_folder, "config.json", NULL);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  fuzz_write_file (config_path, data, size);
  fuzz_check_model_folder (model_folder);
  return 0;
}
