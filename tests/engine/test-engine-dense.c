/* test-engine-dense: sentence-transformers Dense modules through the engine's C API.
 *
 * On tests/data/st-modules/dense (Pooling, Dense 16 -> 12 Tanh, Dense 12 -> 6 without
 * bias, Normalize; made with sentence-transformers, whose outputs
 * tests/python/test_st_modules.py compares): the embedding is 6 wide and unit length,
 * and a broken module fails the load naming it, with everything freed (the sanitized
 * build's LeakSanitizer checks that).
 */
#include <glib/gstdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bert_engine.h"

#define FIXTURE BERT_TEST_DATA_DIR "/st-modules/dense"

static void
copy_file (const char *from_folder, const char *to_folder, const char *name)
{
  char *from = g_build_filename (from_folder, name, NULL), *to = g_build_filename (to_folder, name, NULL);
  char *dir = g_path_get_dirname (to), *contents;
  gsize length;

  g_assert_true (g_file_get_contents (from, &contents, &length, NULL));
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (to, contents, length, NULL));
  g_free (contents);
  g_free (dir);
  g_free (from);
  g_free (to);
}

/* A copy of the fixture in a new temporary folder, with file name replaced by contents
 * (NULL: removed). */
static char *
broken_copy (const char *name, const char *contents)
{
  static const char *files[] = { "config.json", "model.safetensors", "modules.json", "tokenizer.json",
    "tokenizer_config.json", "sentence_bert_config.json", "1_Pooling/config.json", "2_Dense/config.json",
    "2_Dense/model.safetensors", "3_Dense/config.json", "3_Dense/model.safetensors",
    "4_Normalize/config.json" };
  char *folder = g_dir_make_tmp ("gst-bert-dense-XXXXXX", NULL), *path;

  g_assert_nonnull (folder);
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    copy_file (FIXTURE, folder, files[i]);
  path = g_build_filename (folder, name, NULL);
  if (contents != NULL)
    g_assert_true (g_file_set_contents (path, contents, -1, NULL));
  else
    g_assert_cmpint (g_remove (path), ==, 0);
  g_free (path);
  return folder;
}

static void
remove_copy (char *folder)
{
  char *command = g_strdup_printf ("rm -rf '%s'", folder);

  g_assert_cmpint (system (command), ==, 0);
  g_free (command);
  g_free (folder);
}

static void
test_embedding_is_the_last_modules_width (void)
{
  const int32_t ids[] = { 2, 132, 133, 3 };
  BertSequence sequence = { ids, NULL, G_N_ELEMENTS (ids) };
  GError *error = NULL;
  BertModel *model = bert_model_load (FIXTURE, &error);
  BertEncoderOptions options;
  BertEncoder *encoder;
  BertJob *job;
  const BertBatchOutput *output;
  double norm = 0.0;

  g_assert_no_error (error);
  g_assert_cmpint (model->config.num_dense, ==, 2);
  g_assert_cmpint (bert_config_get_embedding_size (&model->config), ==, 6);
  bert_encoder_options_init (&options);
  options.device = BERT_DEVICE_CPU;
  encoder = bert_encoder_new (model, &options, &error);
  g_assert_no_error (error);
  job = bert_encoder_run (encoder, &sequence, 1, &error);
  g_assert_no_error (error);
  output = bert_job_get_output (job);
  g_assert_cmpint (output->embedding_size, ==, 6);
  g_assert_cmpint (output->hidden_size, ==, 16);
  for (int i = 0; i < output->embedding_size; i++)
    norm += output->embeddings[i] * output->embeddings[i];
  g_assert_cmpfloat_with_epsilon (sqrt (norm), 1.0, 1e-6);
  bert_job_free (job);
  bert_encoder_free (encoder);
  bert_model_unref (model);
}

static void
assert_copy_fails (const char *name, const char *contents, const char *fragment)
{
  char *folder = broken_copy (name, contents);
  GError *error = NULL;
  BertModel *model = bert_model_load (folder, &error);

  g_assert_null (model);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  if (strstr (error->message, fragment) == NULL)
    g_error ("'%s' is not in the error message: %s", fragment, error->message);
  g_error_free (error);
  remove_copy (folder);
}

static void
test_broken_modules_are_refused (void)
{
  assert_copy_fails ("2_Dense/config.json",
      "{\"in_features\": 16, \"out_features\": 12, \"activation_function\": "
      "\"torch.nn.modules.activation.ELU\"}",
      "torch.nn.modules.activation.ELU");
  /* The second module fails after the first was mapped: both are freed. */
  assert_copy_fails ("3_Dense/model.safetensors", NULL, "3_Dense");
  assert_copy_fails ("3_Dense/config.json", "{\"in_features\": 12, \"out_features\": 7, \"bias\": false}",
      "linear.weight");
  /* 2_Dense's file holds linear.bias, which sentence-transformers refuses for a module
   * without bias ("Unexpected key(s) in state_dict"). */
  assert_copy_fails ("2_Dense/config.json", "{\"in_features\": 16, \"out_features\": 12, \"bias\": false}",
      "unexpected tensor 'linear.bias'");
  assert_copy_fails ("1_Pooling/config.json", "{\"pooling_mode\": \"last_token\"}",
      "pooling_mode last_token");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/dense/embedding_is_the_last_modules_width",
      test_embedding_is_the_last_modules_width);
  g_test_add_func ("/engine/dense/broken_modules_are_refused", test_broken_modules_are_refused);
  return g_test_run ();
}
