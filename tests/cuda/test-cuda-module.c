/* test-cuda-module.c: libgstbert-cuda.so as the engine sees it, on any machine.
 *
 * Opens the module with GModule from GST_BERT_CUDA_MODULE_DIR, looks up its one symbol and
 * drives the backend table on small random in-memory models: bad models are refused with
 * the engine's error domain and a code naming the problem, before any GPU is needed; create
 * fails with BERT_ENGINE_ERROR_DEVICE "no usable CUDA GPU: ..." where there is none (no crash) and
 * succeeds where there is one. Runs everywhere; test-cuda-jobs covers running batches.
 */
#include <string.h>

#include "bert_backend.h"
#include "bert_cuda_kernels.h"
#include "bert_cuda_backend_private.h"
#include "bert_cuda_matmul.h"
#include "bert_test_model.h"
#include "cuda-test-util.h"

static const BertBackend *backend;
static gboolean have_gpu;

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

/* Without a driver the runtime's own text says the driver is too old; the message must
 * say the one true thing, that there is none, and not both. */
static void
assert_driver_text_is_true (const char *message)
{
  int driver_version = -1;

  cudaDriverGetVersion (&driver_version);
  if (driver_version == 0)
    g_assert_cmpstr (message, ==,
        "no usable CUDA GPU: no NVIDIA driver is installed (libcuda.so.1 cannot be loaded)");
  else
    g_assert_null (strstr (message, "no NVIDIA driver"));
}

/* No GPU: a device error saying so. A GPU: a state that destroys cleanly. */
static void
test_create_reports_the_device (void)
{
  BertTestModelSpec spec;
  BertModel *model;
  BertBackendSettings settings;
  GError *error = NULL;
  gpointer state;

  cuda_test_model_spec_init (&spec);
  model = bert_test_model_new (&spec);
  settings = settings_for (model, BERT_PRECISION_FP16);
  state = backend->create (model, &settings, &error);
  if (have_gpu) {
    g_assert_no_error (error);
    g_assert_nonnull (state);
    backend->destroy (state);
  } else {
    g_assert_null (state);
    g_assert_error (error, CUDA_TEST_ENGINE_ERROR, BERT_ENGINE_ERROR_DEVICE);
    g_assert_true (g_str_has_prefix (error->message, "no usable CUDA GPU: "));
    assert_driver_text_is_true (error->message);
    g_test_message ("create: %s", error->message);
    g_error_free (error);
  }
  bert_test_model_free (model);
}

/* A device that does not exist is a device error, GPU or not. */
static void
test_missing_device_is_a_device_error (void)
{
  BertTestModelSpec spec;
  BertModel *model;
  BertBackendSettings settings;
  GError *error = NULL;

  cuda_test_model_spec_init (&spec);
  model = bert_test_model_new (&spec);
  settings = settings_for (model, BERT_PRECISION_FP16);
  settings.device_id = 4096;
  g_assert_null (backend->create (model, &settings, &error));
  g_assert_error (error, CUDA_TEST_ENGINE_ERROR, BERT_ENGINE_ERROR_DEVICE);
  g_error_free (error);
  bert_test_model_free (model);
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
  BertTestModelSpec spec;
  BertModel *model;

  cuda_test_model_spec_init (&spec);
  model = bert_test_model_new (&spec);
  model->weights.layers[1].intermediate_weight.shape[0] -= 1;
  assert_create_fails (model, BERT_HEAD_ENCODER, CUDA_TEST_ENGINE_ERROR, BERT_ENGINE_ERROR_SHAPE,
      "encoder.layer.1.intermediate.dense.weight has shape [127, 64], expected [128, 64]");
  model->weights.layers[1].intermediate_weight.shape[0] += 1;
  model->weights.embeddings_layernorm_bias.data = NULL;
  assert_create_fails (model, BERT_HEAD_ENCODER, CUDA_TEST_ENGINE_ERROR, BERT_ENGINE_ERROR_SHAPE,
      "embeddings.LayerNorm.bias is missing");
  bert_test_model_free (model);
}

static void
test_classifier_head_needs_its_weights (void)
{
  BertTestModelSpec spec;
  BertModel *model;

  cuda_test_model_spec_init (&spec);
  model = bert_test_model_new (&spec);
  model->config.num_labels = 3;
  assert_create_fails (model, BERT_HEAD_SEQUENCE_CLASSIFIER, CUDA_TEST_ENGINE_ERROR, BERT_ENGINE_ERROR_SHAPE,
      "pooler.dense.weight is missing");
  assert_create_fails (model, BERT_HEAD_TOKEN_CLASSIFIER, CUDA_TEST_ENGINE_ERROR, BERT_ENGINE_ERROR_SHAPE,
      "classifier.weight is missing");
  bert_test_model_free (model);
}

static void
test_sizes_beyond_the_kernels_are_unsupported (void)
{
  BertTestModelSpec spec;
  BertModel *model;

  cuda_test_model_spec_init (&spec);
  spec.hidden_size = 512;
  spec.num_heads = 2; /* head size 256 */
  spec.num_layers = 0;
  spec.vocab_size = 8;
  spec.max_position_embeddings = 8;
  model = bert_test_model_new (&spec);
  assert_create_fails (model, BERT_HEAD_ENCODER, CUDA_TEST_ENGINE_ERROR, BERT_ENGINE_ERROR_UNSUPPORTED,
      "attention head size 256");
  bert_test_model_free (model);

  spec.hidden_size = BERT_CUDA_MAX_HIDDEN + 64;
  spec.num_heads = spec.hidden_size / 64;
  model = bert_test_model_new (&spec);
  assert_create_fails (model, BERT_HEAD_ENCODER, CUDA_TEST_ENGINE_ERROR, BERT_ENGINE_ERROR_UNSUPPORTED,
      "hidden_size");
  bert_test_model_free (model);
}

/* F32 weights beyond FP16's range would become inf under precision fp16: refused, naming
 * the tensor; BF16 (range of F32) takes the same model. */
static void
test_weights_beyond_f16_are_refused_in_fp16 (void)
{
  BertTestModelSpec spec;
  BertModel *model;
  BertBackendSettings settings;
  GError *error = NULL;
  gpointer state;

  cuda_test_model_spec_init (&spec);
  spec.dtype = BERT_DTYPE_F32;
  model = bert_test_model_new (&spec);
  ((float *) model->weights.layers[1].intermediate_weight.data)[5] = -70000.0f;
  assert_create_fails (model, BERT_HEAD_ENCODER, CUDA_TEST_ENGINE_ERROR, BERT_ENGINE_ERROR_UNSUPPORTED,
      "encoder.layer.1.intermediate.dense.weight holds -70000");
  settings = settings_for (model, BERT_PRECISION_BF16);
  state = backend->create (model, &settings, &error);
  if (have_gpu) {
    g_assert_no_error (error);
    backend->destroy (state);
  } else {
    g_assert_error (error, CUDA_TEST_ENGINE_ERROR, BERT_ENGINE_ERROR_DEVICE);
    g_error_free (error);
  }
  bert_test_model_free (model);
}

/* Row counts share an algorithm per power-of-two bucket, at least BERT_CUDA_MATMUL_MIN_BUCKET. */
static void
test_matmul_buckets_are_powers_of_two (void)
{
  g_assert_cmpuint (bert_cuda_matmul_bucket (1), ==, BERT_CUDA_MATMUL_MIN_BUCKET);
  g_assert_cmpuint (bert_cuda_matmul_bucket (16), ==, 16);
  g_assert_cmpuint (bert_cuda_matmul_bucket (17), ==, 32);
  g_assert_cmpuint (bert_cuda_matmul_bucket (1000), ==, 1024);
  g_assert_cmpuint (bert_cuda_matmul_bucket (1024), ==, 1024);
  g_assert_cmpuint (bert_cuda_matmul_bucket (G_MAXUINT32), ==, G_MAXUINT32);
}

/* Pinned buffers grow by powers of two from 64 KiB. */
static void
test_pinned_buffers_come_in_size_classes (void)
{
  g_assert_cmpuint (bert_cuda_pinned_size_class (1), ==, BERT_CUDA_PINNED_MIN_BYTES);
  g_assert_cmpuint (bert_cuda_pinned_size_class (BERT_CUDA_PINNED_MIN_BYTES + 1), ==,
      2 * BERT_CUDA_PINNED_MIN_BYTES);
  g_assert_cmpuint (bert_cuda_pinned_size_class (3 << 20), ==, 4 << 20);
  g_assert_cmpuint (bert_cuda_pinned_size_class (G_MAXSIZE), ==, G_MAXSIZE);
}

int
main (int argc, char **argv)
{
  char *no_gpu = cuda_test_no_gpu_reason ();

  g_test_init (&argc, &argv, NULL);
  have_gpu = no_gpu == NULL;
  g_test_message ("%s", have_gpu ? "a CUDA GPU is present" : no_gpu);
  g_free (no_gpu);
  backend = cuda_test_open_backend ();
  g_test_add_func ("/cuda/module/exports_backend_table", test_exports_backend_table);
  g_test_add_func ("/cuda/module/create_reports_the_device", test_create_reports_the_device);
  g_test_add_func ("/cuda/module/missing_device_is_a_device_error", test_missing_device_is_a_device_error);
  g_test_add_func ("/cuda/module/wrong_tensor_shape_is_named", test_wrong_tensor_shape_is_named);
  g_test_add_func ("/cuda/module/classifier_head_needs_its_weights", test_classifier_head_needs_its_weights);
  g_test_add_func ("/cuda/module/sizes_beyond_the_kernels_are_unsupported",
      test_sizes_beyond_the_kernels_are_unsupported);
  g_test_add_func ("/cuda/module/weights_beyond_f16_are_refused_in_fp16",
      test_weights_beyond_f16_are_refused_in_fp16);
  g_test_add_func ("/cuda/module/matmul_buckets_are_powers_of_two", test_matmul_buckets_are_powers_of_two);
  g_test_add_func ("/cuda/module/pinned_buffers_come_in_size_classes",
      test_pinned_buffers_come_in_size_classes);
  return g_test_run ();
}
