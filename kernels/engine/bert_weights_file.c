/* bert_weights_file.c: chooses and parses a folder's weights file. */
#include "bert_weights_file.h"

#include "bert_model_file.h"
#include "bert_torch_bin.h"

char *
bert_weights_file_path (const char *folder)
{
  char *safetensors = g_build_filename (folder, BERT_WEIGHTS_FILE_SAFETENSORS, NULL);
  char *torch;

  if (bert_model_file_exists (safetensors))
    return safetensors;
  torch = g_build_filename (folder, BERT_WEIGHTS_FILE_TORCH, NULL);
  if (bert_model_file_exists (torch)) {
    g_free (safetensors);
    return torch;
  }
  g_free (torch);
  return safetensors;
}

BertSafetensors *
bert_weights_file_parse (const guint8 *buffer, gsize size, const char *path, GError **error)
{
  if (g_str_has_suffix (path, ".bin"))
    return bert_torch_bin_parse (buffer, size, path, error);
  return bert_safetensors_parse (buffer, size, path, error);
}
