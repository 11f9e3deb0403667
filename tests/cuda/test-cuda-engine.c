/* test-cuda-engine.c: the engine's device choice with the CUDA module, on any machine.
 *
 * On a tiny model folder written by bert_test_model_write: without a GPU, device=cuda fails with
 * BERT_ENGINE_ERROR_DEVICE saying "no usable CUDA GPU" (no crash) and device=auto falls back to the
 * CPU with that reason; with one, both run on "cuda" and a batch comes back. With one, a
 * model whose hidden and intermediate sizes are not multiples of 8 (GEMM rows without
 * 16-byte alignment) gives the CPU's results in FP32, FP16 and BF16, and so does a
 * sentence-transformers folder with two Dense modules and Normalize (tests/data/st-modules/dense),
 * and one that pools without the prompt's tokens (tests/data/st-modules/prompt-bert), and
 * the folders whose Pooling concatenates modes (tests/engine/data/concat-pooling).
 */
#include <math.h>
#include <string.h>

#include "bert_engine.h"
#include "bert_test_model.h"
#include "cuda-test-util.h"

static gboolean have_gpu;
static char *model_folder;

static BertEncoder *
encoder_on (BertModel *model, BertDevice device, GError **error)
{
  BertEncoderOptions options;

  bert_encoder_options_init (&options);
  options.device = device;
  options.precision = BERT_PRECISION_FP16;
  return bert_encoder_new (model, &options, error);
}

static BertModel *
load_model (void)
{
  GError *error = NULL;
  BertModel *model = bert_model_load (model_folder, &error);

  g_assert_no_error (error);
  return model;
}

/* A batch on a CUDA encoder gives unit-norm embeddings. */
static void
assert_runs (BertEncoder *encoder)
{
  const int32_t ids[] = { 2, 17, 42, 3 };
  BertSequence sequence = { ids, NULL, G_N_ELEMENTS (ids) };
  GError *error = NULL;
  BertJob *job = bert_encoder_run (encoder, &sequence, 1, &error);
  const BertBatchOutput *output;
  double norm = 0.0;

  g_assert_no_error (error);
  output = bert_job_get_output (job);
  for (int i = 0; i < output->hidden_size; i++)
    norm += output->embeddings[i] * output->embeddings[i];
  g_assert_cmpfloat_with_epsilon (sqrt (norm), 1.0, 1e-3);
  bert_job_free (job);
}

static void
test_device_cuda (void)
{
  BertModel *model = load_model ();
  GError *error = NULL;
  BertEncoder *encoder = encoder_on (model, BERT_DEVICE_CUDA, &error);

  if (have_gpu) {
    g_assert_no_error (error);
    g_assert_cmpstr (bert_encoder_get_backend_name (encoder), ==, "cuda");
    assert_runs (encoder);
    bert_encoder_free (encoder);
  } else {
    g_assert_null (encoder);
    g_assert_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_DEVICE);
    if (strstr (error->message, "no usable CUDA GPU") == NULL)
      g_error ("device=cuda failed, but not for want of a GPU: %s", error->message);
    g_test_message ("device=cuda: %s", error->message);
    g_error_free (error);
  }
  bert_model_unref (model);
}

static void
test_device_auto (void)
{
  BertModel *model = load_model ();
  GError *error = NULL;
  BertEncoder *encoder = encoder_on (model, BERT_DEVICE_AUTO, &error);
  const char *reason;

  g_assert_no_error (error);
  reason = bert_encoder_get_fallback_reason (encoder);
  if (have_gpu) {
    g_assert_cmpstr (bert_encoder_get_backend_name (encoder), ==, "cuda");
    g_assert_null (reason);
  } else {
    g_assert_cmpstr (bert_encoder_get_backend_name (encoder), ==, "cpu");
    g_assert_nonnull (reason);
    g_assert_nonnull (strstr (reason, "no usable CUDA GPU"));
  }
  bert_encoder_free (encoder);
  bert_model_unref (model);
}

static double
cosine (const float *a, const float *b, size_t n)
{
  double dot = 0.0, norm_a = 0.0, norm_b = 0.0;

  for (size_t i = 0; i < n; i++) {
    dot += (double) a[i] * b[i];
    norm_a += (double) a[i] * a[i];
    norm_b += (double) b[i] * b[i];
  }
  return dot / sqrt (fmax (norm_a * norm_b, 1e-300));
}

static BertJob *
run_sequences (BertEncoder *encoder, const BertSequence *sequences, uint32_t n_sequences)
{
  GError *error = NULL;
  BertJob *job = bert_encoder_run (encoder, sequences, n_sequences, &error);

  g_assert_no_error (error);
  return job;
}

/* Encoder rows by cosine each; token logits as one vector (rows of 5 labels). */
static void
assert_matches_cpu (const BertBatchOutput *cuda, const BertBatchOutput *cpu, BertHead head, double min_cosine,
    const char *what)
{
  if (head == BERT_HEAD_ENCODER) {
    for (uint32_t s = 0; s < cpu->n_sequences; s++) {
      size_t offset = (size_t) s * cpu->embedding_size;
      double value = cosine (cuda->embeddings + offset, cpu->embeddings + offset, cpu->embedding_size);
      if (!(value >= min_cosine))
        g_error ("%s: sequence %u has cosine %.7f to the CPU's, below %g", what, s, value, min_cosine);
    }
  } else {
    double value = cosine (cuda->token_logits, cpu->token_logits, (size_t) cpu->n_tokens * cpu->num_labels);
    if (!(value >= min_cosine))
      g_error ("%s: token logits have cosine %.7f to the CPU's, below %g", what, value, min_cosine);
  }
}

static void
check_odd_shape (BertHead head)
{
  const BertPrecision precisions[] = { BERT_PRECISION_FP32, BERT_PRECISION_FP16, BERT_PRECISION_BF16 };
  const double min_cosines[] = { 0.99999, 0.9995, 0.995 };
  const char *names[] = { "fp32", "fp16", "bf16" };
  BertTestModelSpec options;
  BertSequence sequences[5];
  int32_t ids[5][40];
  char *folder;
  BertModel *model;
  BertEncoder *cpu;
  BertJob *cpu_job;
  GError *error = NULL;

  bert_test_model_spec_init (&options);
  options.hidden_size = 36; /* 3 heads of 12 */
  options.num_heads = 3;
  options.intermediate_size = 100;
  options.head = head;
  options.num_labels = 5;
  folder = g_dir_make_tmp ("gst-bert-cuda-odd-XXXXXX", &error);
  g_assert_no_error (error);
  if (!bert_test_model_write (folder, &options, &error))
    g_error ("writing a model of odd shape: %s", error->message);
  model = bert_model_load (folder, &error);
  g_assert_no_error (error);
  for (int s = 0; s < 5; s++) {
    for (int t = 0; t < 40; t++)
      ids[s][t] = 5 + (s * 37 + t * 11) % (options.vocab_size - 5);
    sequences[s] = (BertSequence){ ids[s], NULL, (uint32_t) (3 + 9 * s) };
  }
  cpu = encoder_on (model, BERT_DEVICE_CPU, &error);
  g_assert_no_error (error);
  cpu_job = run_sequences (cpu, sequences, 5);
  for (guint p = 0; p < G_N_ELEMENTS (precisions); p++) {
    BertEncoderOptions cuda_options;
    BertEncoder *cuda;
    BertJob *cuda_job;
    char *what = g_strdup_printf ("hidden 36, intermediate 100, %s head, %s",
        head == BERT_HEAD_ENCODER ? "encoder" : "token classifier", names[p]);
    bert_encoder_options_init (&cuda_options);
    cuda_options.device = BERT_DEVICE_CUDA;
    cuda_options.precision = precisions[p];
    cuda = bert_encoder_new (model, &cuda_options, &error);
    g_assert_no_error (error);
    cuda_job = run_sequences (cuda, sequences, 5);
    assert_matches_cpu (bert_job_get_output (cuda_job), bert_job_get_output (cpu_job), head, min_cosines[p],
        what);
    g_free (what);
    bert_job_free (cuda_job);
    bert_encoder_free (cuda);
  }
  bert_job_free (cpu_job);
  bert_encoder_free (cpu);
  bert_model_unref (model);
  bert_test_model_remove (folder);
  g_free (folder);
}

/* Pooling, Dense 16 -> 12 (Tanh), Dense 12 -> 6 (no bias) and Normalize, on CUDA as on
 * the CPU (whose results match sentence-transformers: tests/python/test_st_modules.py). */
static void
test_dense_modules_match_the_cpu (void)
{
  const BertPrecision precisions[] = { BERT_PRECISION_FP32, BERT_PRECISION_FP16, BERT_PRECISION_BF16 };
  const double min_cosines[] = { 0.99999, 0.9995, 0.995 };
  char *folder = g_build_filename (BERT_TEST_DATA_DIR, "st-modules", "dense", NULL);
  int32_t ids[4][30];
  BertSequence sequences[4];
  GError *error = NULL;
  BertModel *model;
  BertEncoder *cpu;
  BertJob *cpu_job;

  if (!have_gpu) {
    g_test_skip ("no CUDA GPU");
    g_free (folder);
    return;
  }
  model = bert_model_load (folder, &error);
  g_assert_no_error (error);
  for (int s = 0; s < 4; s++) {
    for (int t = 0; t < 30; t++)
      ids[s][t] = 5 + (s * 31 + t * 7) % (model->config.vocab_size - 5);
    sequences[s] = (BertSequence){ ids[s], NULL, (uint32_t) (2 + 9 * s) };
  }
  cpu = encoder_on (model, BERT_DEVICE_CPU, &error);
  g_assert_no_error (error);
  cpu_job = run_sequences (cpu, sequences, 4);
  g_assert_cmpint (bert_job_get_output (cpu_job)->embedding_size, ==, 6);
  for (guint p = 0; p < G_N_ELEMENTS (precisions); p++) {
    BertEncoderOptions options;
    BertEncoder *cuda;
    BertJob *cuda_job;

    bert_encoder_options_init (&options);
    options.device = BERT_DEVICE_CUDA;
    options.precision = precisions[p];
    cuda = bert_encoder_new (model, &options, &error);
    g_assert_no_error (error);
    cuda_job = run_sequences (cuda, sequences, 4);
    g_assert_cmpint (bert_job_get_output (cuda_job)->embedding_size, ==, 6);
    assert_matches_cpu (bert_job_get_output (cuda_job), bert_job_get_output (cpu_job), BERT_HEAD_ENCODER,
        min_cosines[p], "Dense modules");
    bert_job_free (cuda_job);
    bert_encoder_free (cuda);
  }
  bert_job_free (cpu_job);
  bert_encoder_free (cpu);
  bert_model_unref (model);
  g_free (folder);
}

static BertJob *
run_packed (BertEncoder *encoder, const BertPackedInput *input)
{
  GError *error = NULL;
  BertJob *job = bert_encoder_submit_packed (encoder, input, &error);

  g_assert_no_error (error);
  g_assert_true (bert_job_wait (job, &error));
  return job;
}

/* Token ids for a packed batch: spread over the vocabulary past its first 5. */
static void
fill_ids (int32_t *ids, int n, const BertModel *model)
{
  for (int t = 0; t < n; t++)
    ids[t] = 5 + (t * 13) % (model->config.vocab_size - 5);
}

/* An encoder of model on the CPU and one on CUDA in FP32, both pooling with pooling (-1:
 * the model's own). */
static void
new_cpu_and_cuda (BertModel *model, int pooling, BertEncoder **cpu, BertEncoder **cuda)
{
  BertEncoderOptions options;
  GError *error = NULL;

  bert_encoder_options_init (&options);
  options.pooling = pooling;
  options.device = BERT_DEVICE_CPU;
  *cpu = bert_encoder_new (model, &options, &error);
  g_assert_no_error (error);
  options.device = BERT_DEVICE_CUDA;
  options.precision = BERT_PRECISION_FP32;
  *cuda = bert_encoder_new (model, &options, &error);
  g_assert_no_error (error);
}

/* include_prompt false (tests/data/st-modules/prompt-bert): each sequence pooled without
 * its prompt's tokens, in every pooling mode, on CUDA as on the CPU (whose results match
 * sentence-transformers: tests/python/test_st_modules.py). Each sequence keeps a token:
 * max over none is -inf, which a cosine cannot compare (test-cuda-kernels checks it). */
static void
test_prompt_pooling_matches_the_cpu (void)
{
  const uint32_t seq_offsets[] = { 0, 2, 13, 33, 42 }, prompt_lengths[] = { 0, 3, 7, 8 };
  char *folder = g_build_filename (BERT_TEST_DATA_DIR, "st-modules", "prompt-bert", NULL);
  int32_t ids[42];
  BertPackedInput input = { 4, ids, NULL, seq_offsets, prompt_lengths };
  BertPackedInput without_prompts = { 4, ids, NULL, seq_offsets, NULL };
  GError *error = NULL;
  BertModel *model;

  if (!have_gpu) {
    g_test_skip ("no CUDA GPU");
    g_free (folder);
    return;
  }
  model = bert_model_load (folder, &error);
  g_assert_no_error (error);
  fill_ids (ids, 42, model);
  for (BertPooling pooling = BERT_POOLING_MEAN; pooling < BERT_N_POOLINGS; pooling++) {
    BertEncoder *cpu, *cuda;
    BertJob *cpu_job, *cuda_job, *plain_job;

    new_cpu_and_cuda (model, (int) pooling, &cpu, &cuda);
    cpu_job = run_packed (cpu, &input);
    cuda_job = run_packed (cuda, &input);
    plain_job = run_packed (cuda, &without_prompts);
    assert_matches_cpu (bert_job_get_output (cuda_job), bert_job_get_output (cpu_job), BERT_HEAD_ENCODER,
        0.99999, "pooling without the prompt");
    /* The prompt's tokens did leave the pooling of sequence 1 (the last token is pooled
     * alike with or without them). */
    if (pooling != BERT_POOLING_LAST_TOKEN)
      g_assert_cmpfloat (cosine (bert_job_get_output (plain_job)->embeddings + 16,
                             bert_job_get_output (cuda_job)->embeddings + 16, 16),
          <, 0.99999);
    bert_job_free (plain_job);
    bert_job_free (cuda_job);
    bert_job_free (cpu_job);
    bert_encoder_free (cuda);
    bert_encoder_free (cpu);
  }
  bert_model_unref (model);
  g_free (folder);
}

/* The folders of tests/engine/data/concat-pooling (whose CPU results match
 * sentence-transformers: engine-concat-pooling-*): Pooling modes concatenated, one folder
 * without the prompt's tokens, one with a Dense module after; CUDA gives the CPU's
 * embeddings, as wide. */
static void
test_concatenated_pooling_matches_the_cpu (void)
{
  const char *names[] = { "cls-mean", "mean-max-prompt", "max-mean-lasttoken-dense" };
  const uint32_t seq_offsets[] = { 0, 2, 13, 33, 42 }, prompt_lengths[] = { 0, 3, 7, 8 };
  int32_t ids[42];
  BertPackedInput input = { 4, ids, NULL, seq_offsets, prompt_lengths };

  if (!have_gpu) {
    g_test_skip ("no CUDA GPU");
    return;
  }
  for (guint i = 0; i < G_N_ELEMENTS (names); i++) {
    char *folder =
        g_build_filename (BERT_TEST_DATA_DIR, "..", "engine", "data", "concat-pooling", names[i], NULL);
    GError *error = NULL;
    BertModel *model = bert_model_load (folder, &error);
    BertEncoder *cpu, *cuda;
    BertJob *cpu_job, *cuda_job;

    g_assert_no_error (error);
    fill_ids (ids, 42, model);
    new_cpu_and_cuda (model, -1, &cpu, &cuda);
    cpu_job = run_packed (cpu, &input);
    cuda_job = run_packed (cuda, &input);
    g_assert_cmpint (bert_job_get_output (cuda_job)->embedding_size, ==,
        bert_config_get_embedding_size (&model->config));
    assert_matches_cpu (bert_job_get_output (cuda_job), bert_job_get_output (cpu_job), BERT_HEAD_ENCODER,
        0.99999, names[i]);
    bert_job_free (cuda_job);
    bert_job_free (cpu_job);
    bert_encoder_free (cuda);
    bert_encoder_free (cpu);
    bert_model_unref (model);
    g_free (folder);
  }
}

static void
test_odd_shapes_match_the_cpu (void)
{
  if (!have_gpu) {
    g_test_skip ("no CUDA GPU");
    return;
  }
  check_odd_shape (BERT_HEAD_ENCODER);
  check_odd_shape (BERT_HEAD_TOKEN_CLASSIFIER);
}

int
main (int argc, char **argv)
{
  char *no_gpu = cuda_test_no_gpu_reason ();
  BertTestModelSpec options;
  GError *error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  have_gpu = no_gpu == NULL;
  g_test_message ("%s", have_gpu ? "a CUDA GPU is present" : no_gpu);
  g_free (no_gpu);
  model_folder = g_dir_make_tmp ("gst-bert-cuda-engine-XXXXXX", &error);
  g_assert_no_error (error);
  bert_test_model_spec_init (&options);
  if (!bert_test_model_write (model_folder, &options, &error))
    g_error ("writing a test model: %s", error->message);
  g_test_add_func ("/cuda/engine/device_cuda", test_device_cuda);
  g_test_add_func ("/cuda/engine/device_auto", test_device_auto);
  g_test_add_func ("/cuda/engine/odd_shapes_match_the_cpu", test_odd_shapes_match_the_cpu);
  g_test_add_func ("/cuda/engine/dense_modules_match_the_cpu", test_dense_modules_match_the_cpu);
  g_test_add_func ("/cuda/engine/prompt_pooling_matches_the_cpu", test_prompt_pooling_matches_the_cpu);
  g_test_add_func ("/cuda/engine/concatenated_pooling_matches_the_cpu",
      test_concatenated_pooling_matches_the_cpu);
  status = g_test_run ();
  bert_test_model_remove (model_folder);
  g_free (model_folder);
  return status;
}
