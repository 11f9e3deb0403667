/* fuzz-st-files.c: loading the sentence-transformers files of arbitrary bytes.
 *
 * An input holds up to three files separated by a "\n--8<--\n" line: modules.json,
 * 1_Pooling/config.json and sentence_bert_config.json, in that order; a file the
 * input does not reach is removed, so absent files are fuzzed too. The rest of the
 * folder is the tiny fixture model.
 */
#include "fuzz-checks.h"

#include <string.h>

#define SEPARATOR "\n--8<--\n"

static const char *const st_files[] = {
  "modules.json",
  "1_Pooling/config.json",
  "sentence_bert_config.json",
};
static char *model_folder;

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init_logging ();
  model_folder = fuzz_copy_fixture_model ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const uint8_t *part = data;
  size_t left = size;

  for (guint i = 0; i < G_N_ELEMENTS (st_files); i++) {
    char *path = g_build_filename (model_folder, st_files[i], NULL);
    const uint8_t *end = part != NULL ? memmem (part, left, SEPARATOR, strlen (SEPARATOR)) : NULL;
    size_t part_size = end != NULL ? (size_t) (end - part) : left;

    fuzz_write_file (path, part, part_size);
    g_free (path);
    if (end == NULL) {
      part = NULL;
      left = 0;
    } else {
      left -= part_size + strlen (SEPARATOR);
      part = end + strlen (SEPARATOR);
    }
  }
  fuzz_check_model_folder (model_folder);
  return 0;
}
