/* test-engine-api: the encoder API beyond numerics: input checks, jobs, devices, options,
 * the shared model cache. */
#include <glib/gstdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine-test-util.h"

#define MAX_POSITIONS 64
#define VOCAB_SIZE 100

/* n_tokens ids counting up from first, wrapping inside the vocabulary. */
static int32_t *
make_ids (uint32_t n_tokens, int first)
{
  int32_t *ids = g_new (int32_t, n_tokens);

  for (uint32_t t = 0; t < n_tokens; t++)
    ids[t] = (first + 7 * t) % VOCAB_SIZE;
  return ids;
}

static void
assert_submit_fails (BertEncoder *encoder, const BertSequence *sequences, uint32_t n, const char *fragment)
{
  GError *error = NULL;
  BertJob *job = bert_encoder_submit (encoder, sequences, n, &error);

  g_assert_null (job);
  g_assert_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_INPUT);
  g_test_message ("%s", error->message);
  if (strstr (error->message, fragment) == NULL)
    g_error ("'%s' is not in: %s", fragment, error->message);
  g_error_free (error);
}

static void
test_bad_input (void)
{
  char *folder = engine_test_make_model (NULL);
  BertModel *model = engine_test_load_model (folder);
  BertEncoder *encoder = engine_test_cpu_encoder (model, -1, -1, 1);
  int32_t *ids = make_ids (MAX_POSITIONS + 1, 0);
  int32_t bad_ids[3] = { 2, VOCAB_SIZE, 3 }, negative_ids[2] = { 2, -1 }, bad_types[3] = { 0, 0, 2 };
  BertSequence good = { ids, NULL, 4 };
  BertSequence batch[2] = { good, { bad_ids, NULL, 3 } };

  assert_submit_fails (encoder, batch, 2, "sequence 1, token 1: id 100 is outside the vocabulary");
  batch[1] = (BertSequence){ negative_ids, NULL, 2 };
  assert_submit_fails (encoder, batch, 2, "id -1");
  batch[1] = (BertSequence){ ids, bad_types, 3 };
  assert_submit_fails (encoder, batch, 2, "sequence 1, token 2: token type id 2");
  batch[1] = (BertSequence){ ids, NULL, 0 };
  assert_submit_fails (encoder, batch, 2, "sequence 1 has 0 tokens");
  batch[1] = (BertSequence){ ids, NULL, MAX_POSITIONS + 1 };
  assert_submit_fails (encoder, batch, 2, "sequence 1 has 65 tokens");
  assert_submit_fails (encoder, batch, 0, "empty batch");
  batch[1] = (BertSequence){ ids, NULL, MAX_POSITIONS };
  bert_job_free (bert_encoder_run (encoder, batch, 2, NULL));
  bert_encoder_free (encoder);
  bert_model_unref (model);
  g_free (ids);
  g_free (folder);
}

static const float *
embedding_of (BertJob *job, guint i)
{
  const BertBatchOutput *output = bert_job_get_output (job);

  return output->embeddings + i * output->hidden_size;
}

static double
max_difference (const float *a, const float *b, int n)
{
  double worst = 0;

  for (int i = 0; i < n; i++)
    worst = fmax (worst, fabs (a[i] - b[i]));
  return worst;
}

/* Jobs submitted back to back complete in order, each with its own outputs. */
static void
test_jobs_in_order (void)
{
  char *folder = engine_test_make_model (NULL);
  BertModel *model = engine_test_load_model (folder);
  BertEncoder *encoder = engine_test_cpu_encoder (model, -1, -1, 2);
  BertJob *jobs[3], *alone;
  int32_t *ids[3];

  for (int i = 0; i < 3; i++) {
    BertSequence sequence = { ids[i] = make_ids (5 + 9 * i, i), NULL, 5 + 9 * i };

    jobs[i] = bert_encoder_submit (encoder, &sequence, 1, NULL);
    g_assert_nonnull (jobs[i]);
  }
  for (int i = 0; i < 3; i++) {
    BertSequence sequence = { ids[i], NULL, 5 + 9 * i };

    g_assert_true (bert_job_wait (jobs[i], NULL));
    alone = bert_encoder_run (encoder, &sequence, 1, NULL);
    g_assert_cmpfloat (max_difference (embedding_of (jobs[i], 0), embedding_of (alone, 0), 32), <=, 1e-6);
    g_assert_cmpuint (bert_job_get_output (jobs[i])->n_tokens, ==, 5 + 9 * i);
    bert_job_free (alone);
    g_free (ids[i]);
  }
  /* A job freed without waiting for it. */
  bert_job_free (jobs[0]);
  jobs[0] = bert_encoder_submit (encoder, &(BertSequence){ (int32_t[]){ 2, 3 }, NULL, 2 }, 1, NULL);
  bert_job_free (jobs[0]);
  bert_job_free (jobs[1]);
  bert_job_free (jobs[2]);
  bert_encoder_free (encoder);
  bert_model_unref (model);
  g_free (folder);
}

/* More than one chunk of tokens (4096) in a batch: the same as each sequence alone. */
static void
test_large_batch (void)
{
  char *folder = engine_test_make_model (NULL);
  BertModel *model = engine_test_load_model (folder);
  BertEncoder *encoder = engine_test_cpu_encoder (model, -1, -1, 2);
  const guint n = 80;
  BertSequence *sequences = g_new (BertSequence, n);
  BertJob *batch;

  for (guint i = 0; i < n; i++)
    sequences[i] = (BertSequence){ make_ids (MAX_POSITIONS - i % 5, i), NULL, MAX_POSITIONS - i % 5 };
  batch = bert_encoder_run (encoder, sequences, n, NULL);
  g_assert_nonnull (batch);
  g_assert_cmpuint (bert_job_get_output (batch)->n_tokens, >, 4096);
  for (guint i = 0; i < n; i += 13) {
    BertJob *alone = bert_encoder_run (encoder, &sequences[i], 1, NULL);

    g_assert_cmpfloat (max_difference (embedding_of (batch, i), embedding_of (alone, 0), 32), <=, 1e-5);
    bert_job_free (alone);
  }
  for (guint i = 0; i < n; i++)
    g_free ((gpointer) sequences[i].ids);
  g_free (sequences);
  bert_job_free (batch);
  bert_encoder_free (encoder);
  bert_model_unref (model);
  g_free (folder);
}

static float *
embed (BertModel *model, int pooling, int normalize, int n_threads, const BertSequence *sequence)
{
  BertEncoder *encoder = engine_test_cpu_encoder (model, pooling, normalize, n_threads);
  BertJob *job = bert_encoder_run (encoder, sequence, 1, NULL);
  float *embedding = g_memdup2 (embedding_of (job, 0), 32 * sizeof (float));

  g_assert_cmpint (bert_encoder_get_pooling (encoder)->n_modes, ==, 1);
  g_assert_cmpint (bert_encoder_get_pooling (encoder)->modes[0], ==, pooling);
  g_assert_cmpint (bert_encoder_get_normalize (encoder), ==, normalize);
  bert_job_free (job);
  bert_encoder_free (encoder);
  return embedding;
}

static double
norm (const float *x, int n)
{
  double sum = 0;

  for (int i = 0; i < n; i++)
    sum += (double) x[i] * x[i];
  return sqrt (sum);
}

/* Options override the model's pooling and normalisation: max >= mean >= min per
 * dimension, normalised vectors have norm 1, and thread counts agree. */
static void
test_pooling_options (void)
{
  char *folder = engine_test_make_model (NULL);
  BertModel *model = engine_test_load_model (folder);
  int32_t *ids = make_ids (20, 3);
  BertSequence sequence = { ids, NULL, 20 };
  float *mean = embed (model, BERT_POOLING_MEAN, 0, 1, &sequence);
  float *max = embed (model, BERT_POOLING_MAX, 0, 1, &sequence);
  float *cls = embed (model, BERT_POOLING_CLS, 0, 1, &sequence);
  float *normalized = embed (model, BERT_POOLING_MEAN, 1, 2, &sequence);

  for (int i = 0; i < 32; i++) {
    g_assert_cmpfloat (max[i], >=, mean[i]);
    g_assert_cmpfloat (max[i], >=, cls[i]);
    g_assert_cmpfloat (fabs (normalized[i] * norm (mean, 32) - mean[i]), <=, 1e-5);
  }
  g_assert_cmpfloat (fabs (norm (normalized, 32) - 1), <=, 1e-6);
  g_assert_cmpfloat (fabs (norm (mean, 32) - 1), >, 1e-3);
  g_assert_cmpfloat (max_difference (mean, cls, 32), >, 1e-3);
  g_free (mean);
  g_free (max);
  g_free (cls);
  g_free (normalized);
  g_free (ids);
  bert_model_unref (model);
  g_free (folder);
}

static void
test_invalid_options (void)
{
  char *folder = engine_test_make_model (NULL);
  BertModel *model = engine_test_load_model (folder);
  BertEncoderOptions options;
  GError *error = NULL;

  bert_encoder_options_init (&options);
  options.pooling = 7;
  g_assert_null (bert_encoder_new (model, &options, &error));
  g_assert_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_INPUT);
  g_clear_error (&error);
  bert_model_unref (model);
  g_free (folder);
}

/* Points the engine at dir for the CUDA module, then asks for CUDA and for auto. */
static void
check_cuda_unavailable (BertModel *model, const char *dir, const char *fragment)
{
  BertEncoderOptions options;
  GError *error = NULL;
  BertEncoder *encoder;

  g_setenv ("GST_BERT_CUDA_MODULE_DIR", dir, TRUE);
  bert_encoder_options_init (&options);
  options.device = BERT_DEVICE_CUDA;
  g_assert_null (bert_encoder_new (model, &options, &error));
  g_assert_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_DEVICE);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, fragment));
  g_clear_error (&error);

  options.device = BERT_DEVICE_AUTO;
  encoder = bert_encoder_new (model, &options, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (bert_encoder_get_backend_name (encoder), ==, "cpu");
  g_assert_nonnull (strstr (bert_encoder_get_fallback_reason (encoder), fragment));
  bert_encoder_free (encoder);
}

/* The fake modules are built beside this test. */
static char *test_dir;

static void
install_fake_module (const char *module_dir, const char *name)
{
  char *source = g_build_filename (test_dir, name, NULL);
  char *target = g_build_filename (module_dir, "libgstbert-cuda.so", NULL);

  g_unlink (target);
  g_assert_true (g_file_test (source, G_FILE_TEST_EXISTS));
  g_assert_cmpint (symlink (source, target), ==, 0);
  g_free (source);
  g_free (target);
}

static void
test_cuda_unavailable (void)
{
  char *folder = engine_test_make_model (NULL);
  BertModel *model = engine_test_load_model (folder);
  char *module_dir = g_build_filename (folder, "modules", NULL);
  char *saved = g_strdup (g_getenv ("GST_BERT_CUDA_MODULE_DIR"));
  BertEncoder *cpu = engine_test_cpu_encoder (model, -1, -1, 1);

  g_assert_null (bert_encoder_get_fallback_reason (cpu));
  bert_encoder_free (cpu);
  g_mkdir (module_dir, 0755);
  check_cuda_unavailable (model, module_dir, "is not there");
  engine_test_write_file (module_dir, "libgstbert-cuda.so", "not a shared object", -1);
  check_cuda_unavailable (model, module_dir, "cannot open");
  install_fake_module (module_dir, "libfake-cuda-empty.so");
  check_cuda_unavailable (model, module_dir, "does not provide");
  install_fake_module (module_dir, "libfake-cuda-backend.so");
  check_cuda_unavailable (model, module_dir, "CUDA backend: no CUDA device found (fake module)");
  if (saved)
    g_setenv ("GST_BERT_CUDA_MODULE_DIR", saved, TRUE);
  else
    g_unsetenv ("GST_BERT_CUDA_MODULE_DIR");
  g_free (saved);
  g_free (module_dir);
  bert_model_unref (model);
  g_free (folder);
}

static void
test_shared_cache (void)
{
  char *folder = engine_test_make_model (NULL);
  char *link = g_strconcat (folder, "-link", NULL);
  BertModel *a = bert_model_load_shared (folder, NULL);
  BertModel *b, *c, *d;

  g_assert_cmpint (symlink (folder, link), ==, 0);
  b = bert_model_load_shared (link, NULL);
  c = bert_model_load (folder, NULL);
  g_assert_nonnull (a);
  g_assert_true (a == b);
  g_assert_true (c != a);
  g_assert_nonnull (bert_model_get_tokenizer (a));
  g_assert_null (bert_model_load_shared ("/nonexistent/model", NULL));
  bert_model_unref (b);
  bert_model_unref (c);
  d = bert_model_load_shared (folder, NULL);
  g_assert_true (d == a);
  bert_model_unref (d);
  bert_model_unref (a);
  /* The last unref removed it: a new load is a new model, which an encoder can use. */
  a = bert_model_load_shared (folder, NULL);
  bert_encoder_free (engine_test_cpu_encoder (a, -1, -1, 1));
  bert_model_unref (a);
  g_unlink (link);
  g_free (link);
  g_free (folder);
}

static gpointer
load_and_unref_repeatedly (gpointer folder)
{
  for (int i = 0; i < 40; i++) {
    BertModel *model = bert_model_load_shared (folder, NULL);

    g_assert_nonnull (model);
    g_assert_cmpint (model->config.hidden_size, ==, 32);
    bert_model_ref (model);
    bert_model_unref (model);
    bert_model_unref (model);
  }
  return NULL;
}

static void
test_shared_cache_threads (void)
{
  char *folder = engine_test_make_model (NULL);
  GThread *threads[4];

  for (int i = 0; i < 4; i++)
    threads[i] = g_thread_new ("loader", load_and_unref_repeatedly, folder);
  for (int i = 0; i < 4; i++)
    g_thread_join (threads[i]);
  g_free (folder);
}

/* The token classifier's outputs: per token, offsets per sequence. */
static void
test_token_classifier_layout (void)
{
  BertTestModelSpec options;
  char *folder;
  BertModel *model;
  BertEncoder *encoder;
  int32_t *ids = make_ids (9, 1);
  BertSequence sequences[2] = { { ids, NULL, 4 }, { ids, NULL, 9 } };
  const BertBatchOutput *output;
  BertJob *job;

  bert_test_model_spec_init (&options);
  options.head = BERT_HEAD_TOKEN_CLASSIFIER;
  options.num_labels = 5;
  folder = engine_test_make_model (&options);
  model = engine_test_load_model (folder);
  encoder = engine_test_cpu_encoder (model, -1, -1, 2);
  g_assert_cmpint (bert_encoder_get_head (encoder), ==, BERT_HEAD_TOKEN_CLASSIFIER);
  job = bert_encoder_run (encoder, sequences, 2, NULL);
  output = bert_job_get_output (job);
  g_assert_cmpint (output->num_labels, ==, 5);
  g_assert_cmpuint (output->n_tokens, ==, 13);
  g_assert_cmpuint (output->token_offset[1], ==, 4);
  g_assert_cmpuint (output->token_offset[2], ==, 13);
  g_assert_null (output->embeddings);
  for (guint t = 0; t < output->n_tokens; t++) {
    const float *logits = output->token_logits + t * 5;

    for (int l = 0; l < 5; l++)
      g_assert_cmpfloat (logits[l], <=, logits[output->token_labels[t]]);
  }
  bert_job_free (job);
  bert_encoder_free (encoder);
  bert_model_unref (model);
  g_free (ids);
  g_free (folder);
}

/* sentence_bert_config.json's max_seq_length caps max_seq_length at the position table;
 * null (sentence-transformers' "not set") and a missing file leave the table's size. */
static void
test_max_seq_length (void)
{
  char *folder = engine_test_make_model (NULL);
  const char *cases[][2] = {
    { "{\"max_seq_length\": 16}", "16" },
    { "{\"max_seq_length\": 4096}", G_STRINGIFY (MAX_POSITIONS) },
    { "{\"max_seq_length\": null, \"do_lower_case\": false}", G_STRINGIFY (MAX_POSITIONS) },
  };
  BertModel *model = engine_test_load_model (folder);

  g_assert_cmpint (model->config.max_seq_length, ==, MAX_POSITIONS);
  bert_model_unref (model);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    engine_test_write_file (folder, "sentence_bert_config.json", cases[i][0], -1);
    model = engine_test_load_model (folder);
    g_assert_cmpint (model->config.max_seq_length, ==, atoi (cases[i][1]));
    bert_model_unref (model);
  }
  g_free (folder);
}

int
main (int argc, char **argv)
{
  char *dir;
  int status;

  g_test_init (&argc, &argv, NULL);
  dir = g_path_get_dirname (argv[0]);
  test_dir = g_canonicalize_filename (dir, NULL);
  g_free (dir);
  g_test_add_func ("/engine/api/bad-input", test_bad_input);
  g_test_add_func ("/engine/api/jobs-in-order", test_jobs_in_order);
  g_test_add_func ("/engine/api/large-batch", test_large_batch);
  g_test_add_func ("/engine/api/pooling-options", test_pooling_options);
  g_test_add_func ("/engine/api/invalid-options", test_invalid_options);
  g_test_add_func ("/engine/api/cuda-unavailable", test_cuda_unavailable);
  g_test_add_func ("/engine/api/shared-cache", test_shared_cache);
  g_test_add_func ("/engine/api/shared-cache-threads", test_shared_cache_threads);
  g_test_add_func ("/engine/api/token-classifier-layout", test_token_classifier_layout);
  g_test_add_func ("/engine/api/max-seq-length", test_max_seq_length);
  status = g_test_run ();
  engine_test_cleanup ();
  g_free (test_dir);
  return status;
}
