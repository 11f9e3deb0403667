/* test-cuda-module.c: libgstbert-cuda.so as the engine sees it, on any machine.
 *
 * Opens the module with GModule from GST_BERT_CUDA_MODULE_DIR, looks up its one symbol
 * and drives the backend table on small random in-memory models: bad models are refused
 * with the engine's error domain and a code naming the problem, before any GPU is needed;
 * without a GPU, create fails with BERT_ENGINE_ERROR_DEVICE "no CUDA GPU: ..." (no crash);
 * with one, a batch runs, several jobs can be in flight, and bad input is refused.
 */
#include <gmodule.h>
#include <math.h>
#include <string.h>

#include "bert_backend.h"
#include "bert_cuda_kernels.h"
#include "bert_random_model.h"
#include "config.h"
#include "cuda_test_util.h"

/* The engine's domain, taken the way the module takes it. */
#define ENGINE_ERROR (g_quark_from_static_string ("bert-engine-error-quark"))

static const BertBackend *backend;
static gboolean have_gpu;

static void
open_module (void)
{
  const char *dir = g_getenv ("GST_BERT_CUDA_MODULE_DIR");
  char *path = g_build_filename (dir != NULL ? dir : BERT_CUDA_MODULE_BUILD_DIR, BERT_CUDA_MODULE_NAME, NULL);
  GModule *module = g_module_open (path, G_MODULE_BIND_LOCAL);
  BertBackendGetFunc get = NULL;

  if (module == NULL)
    g_error ("could not open %s: %s", path, g_module_error ());
  if (!g_module_symbol (module, BERT_BACKEND_CUDA_SYMBOL, (gpointer *) &get) || get == NULL)
    g_error ("%s does not export %s: %s", path, BERT_BACKEND_CUDA_SYMBOL, g_module_error ());
  backend = get ();
  g_free (path);
}

static void
test_exports_backend_table (void)
{
  g_assert_nonnull (backend);
  g_assert_cmpstr (backend->name, ==, "cuda");
  g_assert_nonnull (backend->create);
  g_assert_nonnull (backend->destroy);
  g_assert_nonnull (backend->submit);
  g_assert_nonnull (backend->wait);
}

static BertBackendSettings
settings_for (const BertModel *model, BertPrecision precision)
{
  BertBackendSettings settings = { 0 };

  settings.head = model->config.head;
  settings.pooling = model->config.pooling;
  settings.normalize = model->config.normalize;
  settings.precision = precision;
  return settings;
}

static void
test_create_without_gpu_fails_cleanly (void)
{
  BertRandomModelSpec spec;
  BertModel *model;
  BertBackendSettings settings;
  GError *error = NULL;
  gpointer state;

  if (have_gpu) {
    g_test_skip ("a CUDA GPU is present");
    return;
  }
  bert_random_model_spec_init_tiny (&spec);
  model = bert_random_model_new (&spec);
  settings = settings_for (model, BERT_PRECISION_FP16);
  state = backend->create (model, &settings, &error);
  g_assert_null (state);
  g_assert_error (error, ENGINE_ERROR, BERT_ENGINE_ERROR_DEVICE);
  g_assert_true (g_str_has_prefix (error->message, "no CUDA GPU: "));
  g_test_message ("create: %s", error->message);
  g_error_free (error);
  bert_random_model_free (model);
}

static void
assert_create_fails (BertModel *model, BertHead head, GQuark domain, int code, const char *expected_text)
{
  BertBackendSettings settings = settings_for (model, BERT_PRECISION_FP16);
  GError *error = NULL;

  settings.head = head;
  g_assert_null (backend->create (model, &settings, &error));
  g_assert_error (error, domain, code);
  if (strstr (error->message, expected_text) == NULL)
    g_error ("error \"%s\" does not mention \"%s\"", error->message, expected_text);
  g_error_free (error);
}

static void
test_wrong_tensor_shape_is_named (void)
{
  BertRandomModelSpec spec;
  BertModel *model;

  bert_random_model_spec_init_tiny (&spec);
  model = bert_random_model_new (&spec);
  model->weights.layers[1].intermediate_weight.shape[0] -= 1;
  assert_create_fails (model, BERT_HEAD_ENCODER, ENGINE_ERROR, BERT_ENGINE_ERROR_SHAPE,
      "encoder.layer.1.intermediate.dense.weight has shape [127, 64], expected [128, 64]");
  model->weights.layers[1].intermediate_weight.shape[0] += 1;
  model->weights.embeddings_layernorm_bias.data = NULL;
  assert_create_fails (model, BERT_HEAD_ENCODER, ENGINE_ERROR, BERT_ENGINE_ERROR_SHAPE,
      "embeddings.LayerNorm.bias is missing");
  bert_random_model_free (model);
}

static void
test_classifier_head_needs_its_weights (void)
{
  BertRandomModelSpec spec;
  BertModel *model;

  bert_random_model_spec_init_tiny (&spec);
  model = bert_random_model_new (&spec);
  model->config.num_labels = 3;
  assert_create_fails (model, BERT_HEAD_SEQUENCE_CLASSIFIER, ENGINE_ERROR, BERT_ENGINE_ERROR_SHAPE,
      "pooler.dense.weight is missing");
  assert_create_fails (model, BERT_HEAD_TOKEN_CLASSIFIER, ENGINE_ERROR, BERT_ENGINE_ERROR_SHAPE,
      "classifier.weight is missing");
  bert_random_model_free (model);
}

static void
test_sizes_beyond_the_kernels_are_unsupported (void)
{
  BertRandomModelSpec spec;
  BertModel *model;

  bert_random_model_spec_init_tiny (&spec);
  spec.hidden_size = 512;
  spec.num_heads = 2;      /* head size 256 */
  spec.num_layers = 0;
  spec.vocab_size = 8;
  spec.max_position_embeddings = 8;
  model = bert_random_model_new (&spec);
  assert_create_fails (model, BERT_HEAD_ENCODER, ENGINE_ERROR, BERT_ENGINE_ERROR_UNSUPPORTED,
      "attention head size 256");
  bert_random_model_free (model);

  spec.hidden_size = BERT_CUDA_MAX_HIDDEN + 64;
  spec.num_heads = spec.hidden_size / 64;
  model = bert_random_model_new (&spec);
  assert_create_fails (model, BERT_HEAD_ENCODER, ENGINE_ERROR, BERT_ENGINE_ERROR_UNSUPPORTED, "hidden_size");
  bert_random_model_free (model);
}

/* ---- With a GPU ---- */

typedef struct {
  BertPackedBatch batch;
  int32_t *ids;
  int32_t *type_ids;
  uint32_t *offsets;
} TestBatch;

static void
test_batch_init (TestBatch *test_batch, GRand *rand, uint32_t n_sequences, int vocab_size)
{
  BertPackedBatch *batch = &test_batch->batch;

  test_batch->offsets = g_new (uint32_t, n_sequences + 1);
  test_batch->offsets[0] = 0;
  for (uint32_t s = 0; s < n_sequences; s++)
    test_batch->offsets[s + 1] = test_batch->offsets[s] + g_rand_int_range (rand, 1, 48);
  batch->n_sequences = n_sequences;
  batch->n_tokens = test_batch->offsets[n_sequences];
  test_batch->ids = g_new (int32_t, batch->n_tokens);
  test_batch->type_ids = g_new0 (int32_t, batch->n_tokens);
  for (uint32_t t = 0; t < batch->n_tokens; t++)
    test_batch->ids[t] = g_rand_int_range (rand, 0, vocab_size);
  batch->ids = test_batch->ids;
  batch->type_ids = test_batch->type_ids;
  batch->seq_offsets = test_batch->offsets;
  batch->max_seq_len = 48;
}

static void
test_batch_clear (TestBatch *test_batch)
{
  g_free (test_batch->ids);
  g_free (test_batch->type_ids);
  g_free (test_batch->offsets);
}

static float *
run_encoder (gpointer state, const BertPackedBatch *batch, int hidden)
{
  BertBatchOutput output = { 0 };
  GError *error = NULL;
  gpointer job;

  output.n_sequences = batch->n_sequences;
  output.n_tokens = batch->n_tokens;
  output.hidden_size = hidden;
  output.embeddings = g_new (float, (size_t) batch->n_sequences * hidden);
  job = backend->submit (state, batch, &output, &error);
  g_assert_no_error (error);
  g_assert_true (backend->wait (state, job, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (output.compute_seconds, >, 0.0);
  return output.embeddings;
}

static void
test_batches_in_flight_match_one_at_a_time (void)
{
  enum { N_JOBS = 4 };
  BertRandomModelSpec spec;
  BertModel *model;
  BertBackendSettings settings;
  TestBatch batches[N_JOBS];
  BertBatchOutput outputs[N_JOBS] = { { 0 } };
  gpointer jobs[N_JOBS];
  GRand *rand = g_rand_new_with_seed (3);
  GError *error = NULL;
  gpointer state;

  if (!have_gpu) {
    g_test_skip ("no CUDA GPU");
    return;
  }
  bert_random_model_spec_init_tiny (&spec);
  model = bert_random_model_new (&spec);
  settings = settings_for (model, BERT_PRECISION_FP32);
  state = backend->create (model, &settings, &error);
  g_assert_no_error (error);
  for (int j = 0; j < N_JOBS; j++) {
    /* Growing batches make the device buffers grow while earlier jobs are queued. */
    test_batch_init (&batches[j], rand, 3 + 40 * j, spec.vocab_size);
    outputs[j].embeddings = g_new (float, (size_t) batches[j].batch.n_sequences * spec.hidden_size);
    jobs[j] = backend->submit (state, &batches[j].batch, &outputs[j], &error);
    g_assert_no_error (error);
  }
  for (int j = 0; j < N_JOBS; j++) {
    float *alone;
    g_assert_true (backend->wait (state, jobs[j], &error));
    g_assert_no_error (error);
    alone = run_encoder (state, &batches[j].batch, spec.hidden_size);
    cuda_test_assert_close ("in flight vs alone", outputs[j].embeddings, alone,
        (size_t) batches[j].batch.n_sequences * spec.hidden_size, (Tolerance) { 1e-6, 1e-6 });
    for (uint32_t s = 0; s < batches[j].batch.n_sequences; s++) {
      double norm = 0.0;
      for (int i = 0; i < spec.hidden_size; i++)
        norm += alone[(size_t) s * spec.hidden_size + i] * alone[(size_t) s * spec.hidden_size + i];
      g_assert_cmpfloat_with_epsilon (sqrt (norm), 1.0, 1e-5);
    }
    g_free (alone);
    g_free (outputs[j].embeddings);
    test_batch_clear (&batches[j]);
  }
  backend->destroy (state);
  bert_random_model_free (model);
  g_rand_free (rand);
}

static void
test_bad_input_is_refused (void)
{
  BertRandomModelSpec spec;
  BertModel *model;
  BertBackendSettings settings;
  BertBatchOutput output = { 0 };
  TestBatch test_batch;
  GRand *rand = g_rand_new_with_seed (4);
  GError *error = NULL;
  gpointer state;
  float *after;

  if (!have_gpu) {
    g_test_skip ("no CUDA GPU");
    return;
  }
  bert_random_model_spec_init_tiny (&spec);
  model = bert_random_model_new (&spec);
  settings = settings_for (model, BERT_PRECISION_FP16);
  state = backend->create (model, &settings, &error);
  g_assert_no_error (error);
  test_batch_init (&test_batch, rand, 5, spec.vocab_size);
  output.embeddings = g_new (float, 5 * spec.hidden_size);
  test_batch.ids[3] = spec.vocab_size;
  g_assert_null (backend->submit (state, &test_batch.batch, &output, &error));
  g_assert_error (error, ENGINE_ERROR, BERT_ENGINE_ERROR_INPUT);
  g_clear_error (&error);
  /* The state is still usable afterwards. */
  test_batch.ids[3] = 0;
  after = run_encoder (state, &test_batch.batch, spec.hidden_size);
  g_assert_true (isfinite (after[0]));
  g_free (after);
  g_free (output.embeddings);
  test_batch_clear (&test_batch);
  backend->destroy (state);
  bert_random_model_free (model);
  g_rand_free (rand);
}

int
main (int argc, char **argv)
{
  char *no_gpu = cuda_test_no_gpu_reason ();

  g_test_init (&argc, &argv, NULL);
  have_gpu = no_gpu == NULL;
  if (!have_gpu)
    g_test_message ("no CUDA GPU: %s; the GPU cases are skipped", no_gpu);
  g_free (no_gpu);
  open_module ();
  g_test_add_func ("/cuda/module/exports_backend_table", test_exports_backend_table);
  g_test_add_func ("/cuda/module/create_without_gpu_fails_cleanly", test_create_without_gpu_fails_cleanly);
  g_test_add_func ("/cuda/module/wrong_tensor_shape_is_named", test_wrong_tensor_shape_is_named);
  g_test_add_func ("/cuda/module/classifier_head_needs_its_weights", test_classifier_head_needs_its_weights);
  g_test_add_func ("/cuda/module/sizes_beyond_the_kernels_are_unsupported",
      test_sizes_beyond_the_kernels_are_unsupported);
  g_test_add_func ("/cuda/module/batches_in_flight_match_one_at_a_time",
      test_batches_in_flight_match_one_at_a_time);
  g_test_add_func ("/cuda/module/bad_input_is_refused", test_bad_input_is_refused);
  return g_test_run ();
}
