/* fuzz-bpe-files.c: loading a RoBERTa folder of a slow tokenizer's files of arbitrary bytes.
 *
 * The input is three files, each but the last after a 16-bit little-endian length (cut to
 * what the input holds): vocab.json, merges.txt, tokenizer_config.json. They are written to
 * a scratch folder (tokenizer_config.json only where its part is not empty) next to a
 * config.json of model_type roberta (without it the folder is refused before the files are
 * read) and loaded as a model folder; a tokenizer that loads must pass fuzz_check_tokenizer.
 */
#include "fuzz-checks.h"

#include <glib/gstdio.h>

static char *folder_path;
static char *vocab_path;
static char *merges_path;
static char *config_path;

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init_logging ();
  folder_path = g_build_filename (fuzz_scratch_dir (), "bpe-files", NULL);
  vocab_path = g_build_filename (folder_path, "vocab.json", NULL);
  merges_path = g_build_filename (folder_path, "merges.txt", NULL);
  config_path = g_build_filename (folder_path, "tokenizer_config.json", NULL);
  char *model_config_path = g_build_filename (folder_path, "config.json", NULL);
  static const char model_config[] = "{\"model_type\": \"roberta\"}";
  fuzz_write_file (model_config_path, (const uint8_t *) model_config, sizeof model_config - 1);
  g_free (model_config_path);
  return 0;
}

/* The next part of the input: length-prefixed, or the rest where last. */
static size_t
next_part (const uint8_t **data, size_t *size, gboolean last, const uint8_t **part)
{
  size_t length = *size;
  if (!last) {
    length = *size >= 2 ? (size_t) ((*data)[0] | (*data)[1] << 8) : 0;
    *data += MIN (*size, 2);
    *size -= MIN (*size, 2);
    length = MIN (length, *size);
  }
  *part = *data;
  *data += length;
  *size -= length;
  return length;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const uint8_t *part;
  size_t length;

  length = next_part (&data, &size, FALSE, &part);
  fuzz_write_file (vocab_path, part, length);
  length = next_part (&data, &size, FALSE, &part);
  fuzz_write_file (merges_path, part, length);
  length = next_part (&data, &size, TRUE, &part);
  if (length > 0)
    fuzz_write_file (config_path, part, length);
  else
    g_unlink (config_path);
  fuzz_check_tokenizer_path (folder_path);
  return 0;
}
