/* engine-test-util.c: model folders for the engine's C tests. */
#include "engine-test-util.h"

#include "bert_torch_bin.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

static GPtrArray *made_folders;

char *
engine_test_make_model (const BertTestModelSpec *spec)
{
  BertTestModelSpec defaults;
  GError *error = NULL;
  char *folder = g_dir_make_tmp ("gst-bert-engine-test-XXXXXX", &error);

  g_assert_no_error (error);
  if (spec == NULL) {
    bert_test_model_spec_init (&defaults);
    spec = &defaults;
  }
  bert_test_model_write (folder, spec, &error);
  g_assert_no_error (error);
  if (made_folders == NULL)
    made_folders = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (made_folders, g_strdup (folder));
  return folder;
}

char *
engine_test_copy_model (const char *source)
{
  GError *error = NULL;
  char *folder = g_dir_make_tmp ("gst-bert-engine-test-XXXXXX", &error);
  const char *names[] = { "config.json", "model.safetensors", "vocab.txt" };

  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++) {
    char *from = g_build_filename (source, names[i], NULL), *contents;
    gsize length;

    g_assert_true (g_file_get_contents (from, &contents, &length, NULL));
    engine_test_write_file (folder, names[i], contents, length);
    g_free (contents);
    g_free (from);
  }
  if (made_folders == NULL)
    made_folders = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (made_folders, g_strdup (folder));
  return folder;
}

static void
copy_tree (const char *source, const char *target, gboolean with_safetensors)
{
  GDir *dir = g_dir_open (source, 0, NULL);
  const char *name;

  g_assert_nonnull (dir);
  g_assert_cmpint (g_mkdir_with_parents (target, 0755), ==, 0);
  while ((name = g_dir_read_name (dir)) != NULL) {
    char *from = g_build_filename (source, name, NULL), *to = g_build_filename (target, name, NULL);
    char *contents;
    gsize length;

    if (g_file_test (from, G_FILE_TEST_IS_DIR))
      copy_tree (from, to, with_safetensors);
    else if (with_safetensors || strcmp (name, "model.safetensors") != 0) {
      g_assert_true (g_file_get_contents (from, &contents, &length, NULL));
      g_assert_true (g_file_set_contents (to, contents, length, NULL));
      g_free (contents);
    }
    g_free (from);
    g_free (to);
  }
  g_dir_close (dir);
}

void
engine_test_copy_without_safetensors (const char *source, const char *target)
{
  copy_tree (source, target, FALSE);
}

char *
engine_test_copy_folder (const char *source)
{
  GError *error = NULL;
  char *folder = g_dir_make_tmp ("gst-bert-engine-test-XXXXXX", &error);

  g_assert_no_error (error);
  copy_tree (source, folder, TRUE);
  if (made_folders == NULL)
    made_folders = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (made_folders, g_strdup (folder));
  return folder;
}

void
engine_test_cleanup (void)
{
  if (made_folders == NULL)
    return;
  for (guint i = 0; i < made_folders->len; i++)
    bert_test_model_remove (g_ptr_array_index (made_folders, i));
  g_ptr_array_unref (made_folders);
  made_folders = NULL;
}

char *
engine_test_read_file (const char *folder, const char *name, gsize *length)
{
  char *path = g_build_filename (folder, name, NULL);
  GError *error = NULL;
  char *contents;

  g_file_get_contents (path, &contents, length, &error);
  g_assert_no_error (error);
  g_free (path);
  return contents;
}

void
engine_test_write_file (const char *folder, const char *name, const char *contents, gssize length)
{
  char *path = g_build_filename (folder, name, NULL);
  /* Not g_file_set_contents: its fsync is slow for the fuzz test's thousands of files. */
  FILE *file = g_fopen (path, "wb");

  g_assert_nonnull (file);
  if (length < 0)
    length = strlen (contents);
  g_assert_cmpuint (fwrite (contents, 1, length, file), ==, (gsize) length);
  g_assert_cmpint (fclose (file), ==, 0);
  g_free (path);
}

void
engine_test_replace_in_file (const char *folder, const char *name, const char *old_text, const char *new_text)
{
  char *contents = engine_test_read_file (folder, name, NULL);
  char *at = strstr (contents, old_text);
  GString *edited;

  g_assert_nonnull (at);
  edited = g_string_new_len (contents, at - contents);
  g_string_append (edited, new_text);
  g_string_append (edited, at + strlen (old_text));
  engine_test_write_file (folder, name, edited->str, edited->len);
  g_string_free (edited, TRUE);
  g_free (contents);
}

char *
engine_test_read_header (const char *folder, GBytes **data)
{
  gsize length;
  char *contents = engine_test_read_file (folder, "model.safetensors", &length);
  guint64 header_length;
  char *header;

  memcpy (&header_length, contents, 8);
  header_length = GUINT64_FROM_LE (header_length);
  g_assert_cmpuint (header_length + 8, <=, length);
  header = g_strndup (contents + 8, header_length);
  *data = g_bytes_new (contents + 8 + header_length, length - 8 - header_length);
  g_free (contents);
  return header;
}

void
engine_test_write_safetensors (const char *folder, const char *header, GBytes *data)
{
  GByteArray *file = g_byte_array_new ();
  guint64 header_length = GUINT64_TO_LE (strlen (header));
  gsize data_length;
  const guint8 *data_bytes = g_bytes_get_data (data, &data_length);

  g_byte_array_append (file, (const guint8 *) &header_length, 8);
  g_byte_array_append (file, (const guint8 *) header, strlen (header));
  g_byte_array_append (file, data_bytes, data_length);
  engine_test_write_file (folder, "model.safetensors", (const char *) file->data, file->len);
  g_byte_array_unref (file);
}

BertEncoder *
engine_test_cpu_encoder (BertModel *model, int pooling, int normalize, int n_threads)
{
  BertEncoderOptions options;
  GError *error = NULL;
  BertEncoder *encoder;

  bert_encoder_options_init (&options);
  options.device = BERT_DEVICE_CPU;
  options.pooling = pooling;
  options.normalize = normalize;
  options.n_threads = n_threads;
  encoder = bert_encoder_new (model, &options, &error);
  g_assert_no_error (error);
  return encoder;
}

BertModel *
engine_test_load_model (const char *folder)
{
  GError *error = NULL;
  BertModel *model = bert_model_load (folder, &error);

  g_assert_no_error (error);
  return model;
}

GBytes *
engine_test_run_outputs (const char *folder)
{
  BertModel *model = engine_test_load_model (folder);
  BertEncoder *encoder = engine_test_cpu_encoder (model, -1, -1, 1);
  int32_t ids[3][12];
  BertSequence sequences[3];
  GError *error = NULL;
  BertJob *job;
  const BertBatchOutput *output;
  GByteArray *bytes = g_byte_array_new ();

  for (int s = 0; s < 3; s++) {
    for (int t = 0; t < 12; t++)
      ids[s][t] = 2 + (s * 11 + t * 7) % 30;
    sequences[s] = (BertSequence){ ids[s], NULL, 12 - 4 * s };
  }
  job = bert_encoder_run (encoder, sequences, 3, &error);
  g_assert_no_error (error);
  output = bert_job_get_output (job);
  if (output->embeddings != NULL)
    g_byte_array_append (bytes, (const guint8 *) output->embeddings,
        output->n_sequences * output->embedding_size * sizeof (float));
  if (output->logits != NULL)
    g_byte_array_append (bytes, (const guint8 *) output->logits,
        output->n_sequences * output->num_labels * sizeof (float));
  if (output->token_logits != NULL)
    g_byte_array_append (bytes, (const guint8 *) output->token_logits,
        output->n_tokens * output->num_labels * sizeof (float));
  g_assert_cmpuint (bytes->len, >, 0);
  bert_job_free (job);
  bert_encoder_free (encoder);
  bert_model_unref (model);
  return g_byte_array_free_to_bytes (bytes);
}

EngineTestWeights
engine_test_parse_weights (const char *path)
{
  GError *error = NULL;
  EngineTestWeights weights = { g_mapped_file_new (path, FALSE, &error), NULL };
  const guint8 *bytes;
  gsize size;

  g_assert_no_error (error);
  bytes = (const guint8 *) g_mapped_file_get_contents (weights.file);
  size = g_mapped_file_get_length (weights.file);
  weights.tensors = g_str_has_suffix (path, ".bin") ? bert_torch_bin_parse (bytes, size, path, &error)
                                                    : bert_safetensors_parse (bytes, size, path, &error);
  g_assert_no_error (error);
  return weights;
}

void
engine_test_weights_clear (EngineTestWeights *weights)
{
  bert_safetensors_free (weights->tensors);
  g_mapped_file_unref (weights->file);
}
