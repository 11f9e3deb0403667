/* fuzz-safetensors.c: loading a model.safetensors of arbitrary bytes.
 *
 * The input becomes the model.safetensors of a folder holding the tiny fixture's
 * config.json and vocabulary, so the header, the tensor table and the offsets are
 * what varies. A model that loads is run on a two-sequence batch on the CPU, which
 * reads every weight the header declared: ASan sees any tensor that lies past the
 * end of the mapped file (fuzz_check_model_folder).
 */
#include "fuzz-checks.h"

static char *model_folder;
static char *weights_path;

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init_logging ();
  model_folder = fuzz_copy_fixture_model ();
  weights_path = g_build_filename (model_folder, "model.safetensors", NULL);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  fuzz_write_file (weights_path, data, size);
  fuzz_check_model_folder (model_folder);
  return 0;
}
