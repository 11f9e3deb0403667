/* fuzz-torch-bin.c: loading a pytorch_model.bin of arbitrary bytes.
 *
 * The input becomes the only weights file of a folder holding the tiny fixture's
 * config.json and vocabulary (its model.safetensors removed), so the zip directory or the
 * legacy format's pickles and storage section (seeds legacy-*), the pickles run by the
 * restricted interpreter and the tensors they describe are what varies.
 * A model that loads is run on a two-sequence batch on the CPU, which reads every weight
 * the pickle declared: ASan sees any tensor that lies past the end of the mapped file
 * (fuzz_check_model_folder).
 */
#include "fuzz-checks.h"

static char *model_folder;
static char *weights_path;

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  char *safetensors_path;

  fuzz_init_logging ();
  model_folder = fuzz_copy_fixture_model ();
  safetensors_path = g_build_filename (model_folder, "model.safetensors", NULL);
  fuzz_write_file (safetensors_path, NULL, 0);
  g_free (safetensors_path);
  weights_path = g_build_filename (model_folder, "pytorch_model.bin", NULL);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  fuzz_write_file (weights_path, data, size);
  fuzz_check_model_folder (model_folder);
  return 0;
}
