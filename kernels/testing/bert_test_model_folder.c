/* bert_test_model_folder.c: a test model as a model folder (see bert_test_model.h). */
#include "bert_test_model.h"
#include "bert_test_model_tensors.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

static const char *
dtype_name (BertDType dtype)
{
  return dtype == BERT_DTYPE_F32 ? "F32" : dtype == BERT_DTYPE_F16 ? "F16" : "BF16";
}

static GString *
build_header (GArray *tensors, const BertTestModelSpec *spec)
{
  GString *header = g_string_new ("{\"__metadata__\":{\"format\":\"pt\"}");
  guint64 offset = 0;

  for (guint i = 0; i < tensors->len; i++) {
    const TestTensor *tensor = &g_array_index (tensors, TestTensor, i);
    guint64 bytes = test_tensor_elements (tensor) * test_dtype_size (spec->dtype);
    /* transformers never prefixes the classifier. */
    gboolean prefixed = spec->bert_prefix && !g_str_has_prefix (tensor->name, "classifier.");
    g_string_append_printf (header, ",\"%s%s\":{\"dtype\":\"%s\",\"shape\":[%" G_GINT64_FORMAT,
        prefixed ? "bert." : "", tensor->name, dtype_name (spec->dtype), tensor->rows);
    if (tensor->cols)
      g_string_append_printf (header, ",%" G_GINT64_FORMAT, tensor->cols);
    g_string_append_printf (header, "],\"data_offsets\":[%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT "]}",
        offset, offset + bytes);
    offset += bytes;
  }
  g_string_append_c (header, '}');
  /* Writers pad the header with spaces so that the data starts 8-byte aligned. */
  while (header->len % 8 != 0)
    g_string_append_c (header, ' ');
  return header;
}

/* The tensors' values follow the header in list order (little-endian hosts). */
static gboolean
write_tensors (FILE *file, GArray *tensors, const BertTestModelSpec *spec)
{
  guint32 state = test_tensors_seed (spec);
  gboolean ok = TRUE;

  for (guint i = 0; ok && i < tensors->len; i++) {
    const TestTensor *tensor = &g_array_index (tensors, TestTensor, i);
    gsize n = test_tensor_elements (tensor);
    guint8 *values = test_tensor_values (tensor, spec, &state);

    ok = fwrite (values, test_dtype_size (spec->dtype), n, file) == n;
    g_free (values);
  }
  return ok;
}

static gboolean
write_safetensors (const char *path, const BertTestModelSpec *spec, GError **error)
{
  BertWeights weights = { .layers = g_new0 (BertLayerWeights, spec->num_layers) };
  GArray *tensors = test_tensors_list (spec, &weights);
  GString *header = build_header (tensors, spec);
  guint64 length = GUINT64_TO_LE (header->len);
  FILE *file = g_fopen (path, "wb");
  gboolean ok = file != NULL && fwrite (&length, 8, 1, file) == 1
      && fwrite (header->str, 1, header->len, file) == header->len && write_tensors (file, tensors, spec);

  if (file != NULL && fclose (file) != 0)
    ok = FALSE;
  if (!ok)
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_IO, "cannot write %s", path);
  test_tensors_free (tensors);
  g_free (weights.layers);
  g_string_free (header, TRUE);
  return ok;
}

static char *
config_json (const BertTestModelSpec *spec)
{
  static const char *architectures[] = { "BertModel", "BertForSequenceClassification",
    "BertForTokenClassification" };
  GString *json = g_string_new ("{\n");

  g_string_append_printf (json,
      "  \"architectures\": [\"%s\"],\n  \"model_type\": \"bert\",\n"
      "  \"hidden_size\": %d,\n  \"num_hidden_layers\": %d,\n  \"num_attention_heads\": %d,\n"
      "  \"intermediate_size\": %d,\n  \"hidden_act\": \"gelu\",\n  \"layer_norm_eps\": 1e-12,\n"
      "  \"max_position_embeddings\": %d,\n  \"type_vocab_size\": %d,\n  \"vocab_size\": %d",
      architectures[spec->head], spec->hidden_size, spec->num_layers, spec->num_heads,
      spec->intermediate_size, spec->max_position_embeddings, spec->type_vocab_size, spec->vocab_size);
  if (spec->head != BERT_HEAD_ENCODER) {
    g_string_append (json, ",\n  \"id2label\": {");
    for (int i = 0; i < spec->num_labels; i++)
      g_string_append_printf (json, "%s\"%d\": \"label%d\"", i ? ", " : "", i, i);
    g_string_append (json, "}");
    if (spec->multi_label)
      g_string_append (json, ",\n  \"problem_type\": \"multi_label_classification\"");
  }
  g_string_append (json, "\n}\n");
  return g_string_free (json, FALSE);
}

static char *
vocab_txt (int vocab_size)
{
  GString *vocab = g_string_new ("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n");

  for (int i = 5; i < vocab_size; i++)
    g_string_append_printf (vocab, "w%d\n", i);
  return g_string_free (vocab, FALSE);
}

/* sentence-transformers' flags before its version 6, one per BertPooling. */
static char *
pooling_json (const BertTestModelSpec *spec)
{
  static const char *flags[BERT_N_POOLINGS] = {
    [BERT_POOLING_MEAN] = "pooling_mode_mean_tokens",
    [BERT_POOLING_CLS] = "pooling_mode_cls_token",
    [BERT_POOLING_MAX] = "pooling_mode_max_tokens",
    [BERT_POOLING_MEAN_SQRT_LEN] = "pooling_mode_mean_sqrt_len_tokens",
    [BERT_POOLING_WEIGHTED_MEAN] = "pooling_mode_weightedmean_tokens",
    [BERT_POOLING_LAST_TOKEN] = "pooling_mode_lasttoken",
  };
  GString *json = g_string_new (NULL);

  g_string_append_printf (json, "{\n  \"word_embedding_dimension\": %d", spec->hidden_size);
  for (int pooling = 0; pooling < BERT_N_POOLINGS; pooling++)
    g_string_append_printf (json, ",\n  \"%s\": %s", flags[pooling],
        pooling == (int) spec->pooling ? "true" : "false");
  g_string_append (json, "\n}\n");
  return g_string_free (json, FALSE);
}

static char *
modules_json (const BertTestModelSpec *spec)
{
  return g_strdup_printf ("[\n"
                          "  {\"idx\": 0, \"name\": \"0\", \"path\": \"\", \"type\": "
                          "\"sentence_transformers.models.Transformer\"},\n"
                          "  {\"idx\": 1, \"name\": \"1\", \"path\": \"1_Pooling\", \"type\": "
                          "\"sentence_transformers.models.Pooling\"}%s\n]\n",
      spec->normalize ? ",\n  {\"idx\": 2, \"name\": \"2\", \"path\": \"2_Normalize\", "
                        "\"type\": \"sentence_transformers.models.Normalize\"}"
                      : "");
}

/* Writes contents (taken) to folder/name. */
static gboolean
write_text (const char *folder, const char *name, char *contents, GError **error)
{
  char *path = g_build_filename (folder, name, NULL);
  gboolean ok = g_file_set_contents (path, contents, -1, error);

  g_free (path);
  g_free (contents);
  return ok;
}

gboolean
bert_test_model_write (const char *folder, const BertTestModelSpec *spec, GError **error)
{
  char *pooling_folder = g_build_filename (folder, "1_Pooling", NULL);
  char *weights_path = g_build_filename (folder, "model.safetensors", NULL);
  gboolean ok;

  if (g_mkdir_with_parents (pooling_folder, 0755) != 0) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_IO, "cannot create %s", pooling_folder);
    ok = FALSE;
  } else {
    ok = write_text (folder, "config.json", config_json (spec), error)
        && write_text (folder, "vocab.txt", vocab_txt (spec->vocab_size), error)
        && write_safetensors (weights_path, spec, error);
    if (ok && spec->sentence_transformers)
      ok = write_text (folder, "modules.json", modules_json (spec), error)
          && write_text (folder, "1_Pooling/config.json", pooling_json (spec), error);
    else if (ok)
      g_rmdir (pooling_folder);
  }
  g_free (pooling_folder);
  g_free (weights_path);
  return ok;
}

void
bert_test_model_remove (const char *folder)
{
  GDir *dir = g_dir_open (folder, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL) {
    char *child = g_build_filename (folder, name, NULL);

    if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
      bert_test_model_remove (child);
    else
      g_unlink (child);
    g_free (child);
  }
  if (dir != NULL)
    g_dir_close (dir);
  g_rmdir (folder);
}
