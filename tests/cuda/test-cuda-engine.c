/* test-cuda-engine.c: the engine's device choice with the CUDA module, on any machine.
 *
 * On a tiny model folder written by bert_test_model_write: without a GPU, device=cuda fails with
 * BERT_ENGINE_ERROR_DEVICE saying "no CUDA GPU" (no crash) and device=auto falls back to the
 * CPU with that reason; with one, both run on "cuda" and a batch comes back.
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
    if (strstr (error->message, "no CUDA GPU") == NULL)
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
    g_assert_nonnull (strstr (reason, "no CUDA GPU"));
  }
  bert_encoder_free (encoder);
  bert_model_unref (model);
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
  status = g_test_run ();
  bert_test_model_remove (model_folder);
  g_free (model_folder);
  return status;
}
