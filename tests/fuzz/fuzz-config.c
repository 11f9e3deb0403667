/* fuzz-config.c: loading a config.json of arbitrary bytes.
 *
 * The input becomes the config.json of a folder holding the tiny fixture's weights
 * and vocabulary: sizes, head, labels and activation vary while the tensors stay put,
 * so most inputs must be refused with a shape error, never read past a tensor. An input
 * that names MPNet is also loaded beside an MPNet model's weights and vocab.txt, so that its
 * relative position bias, position offset and vocab.txt tokenizer are reached; one that
 * names ELECTRA beside an ELECTRA sequence classifier whose embeddings are narrower than
 * its hidden size, so that embedding_size and the embeddings projection are reached.
 */
#include <string.h>

#include "fuzz-checks.h"

/* A family's folder, loaded with the input as its config.json when the input names it. */
typedef struct {
  const char *model_type, *source_dir, *name;
  char *folder, *config_path;
} FamilyFolder;

static char *model_folder;
static char *config_path;
static FamilyFolder family_folders[] = {
  { "mpnet", FUZZ_MPNET_DIR, "mpnet-model", NULL, NULL },
  { "electra", FUZZ_ELECTRA_DIR, "electra-model", NULL, NULL },
};

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init_logging ();
  model_folder = fuzz_copy_fixture_model ();
  config_path = g_build_filename (model_folder, "config.json", NULL);
  for (guint i = 0; i < G_N_ELEMENTS (family_folders); i++) {
    FamilyFolder *family = &family_folders[i];

    family->folder = fuzz_copy_family_model (family->source_dir, family->name);
    family->config_path = g_build_filename (family->folder, "config.json", NULL);
  }
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  fuzz_write_file (config_path, data, size);
  fuzz_check_model_folder (model_folder);
  for (guint i = 0; i < G_N_ELEMENTS (family_folders); i++) {
    const FamilyFolder *family = &family_folders[i];

    if (memmem (data, size, family->model_type, strlen (family->model_type)) != NULL) {
      fuzz_write_file (family->config_path, data, size);
      fuzz_check_model_folder (family->folder);
    }
  }
  return 0;
}
