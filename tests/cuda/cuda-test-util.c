/* cuda-test-util.c: see cuda-test-util.h. */
#include "cuda-test-util.h"

#include <gmodule.h>
#include <math.h>
#include <stdlib.h>

#include "bert_backend.h"
#include "bert_cuda_kernels.h"
#include "config.h"

char *
cuda_test_no_gpu_reason (void)
{
  int n_devices = 0;
  cudaError_t status = cudaGetDeviceCount (&n_devices);

  if (status != cudaSuccess)
    return g_strdup_printf ("cudaGetDeviceCount: %s (%s)", cudaGetErrorString (status),
        cudaGetErrorName (status));
  if (n_devices == 0)
    return g_strdup ("cudaGetDeviceCount: 0 devices");
  return NULL;
}

void
cuda_test_skip_without_gpu (const char *what)
{
  char *reason = cuda_test_no_gpu_reason ();

  if (reason == NULL)
    return;
  g_print ("no CUDA GPU: %s; skipping %s\n", reason, what);
  g_free (reason);
  exit (TEST_SKIP_EXIT_CODE);
}

const BertBackend *
cuda_test_open_backend (void)
{
  const char *dir = g_getenv ("GST_BERT_CUDA_MODULE_DIR");
  char *path = g_build_filename (dir != NULL ? dir : BERT_CUDA_MODULE_BUILD_DIR, BERT_CUDA_MODULE_NAME, NULL);
  GModule *module = g_module_open (path, G_MODULE_BIND_LOCAL);
  BertBackendGetFunc get = NULL;

  if (module == NULL)
    g_error ("could not open %s: %s", path, g_module_error ());
  if (!g_module_symbol (module, BERT_BACKEND_CUDA_SYMBOL, (gpointer *) &get) || get == NULL)
    g_error ("%s does not export %s: %s", path, BERT_BACKEND_CUDA_SYMBOL, g_module_error ());
  g_free (path);
  return get ();
}

void
cuda_test_model_spec_init (BertTestModelSpec *spec)
{
  bert_test_model_spec_init (spec);
  spec->hidden_size = 64;
  spec->num_heads = 2;
  spec->intermediate_size = 128;
  spec->vocab_size = 1000;
  spec->max_position_embeddings = 512;
}

void
cuda_test_check (cudaError_t status, const char *call, const char *file, int line)
{
  if (status != cudaSuccess)
    g_error ("%s:%d: %s failed: %s (%s)", file, line, call, cudaGetErrorString (status),
        cudaGetErrorName (status));
}

void *
cuda_test_upload_bytes (const void *host, size_t bytes)
{
  void *device = NULL;

  CHECK_CUDA (cudaMalloc (&device, MAX (bytes, 1)));
  CHECK_CUDA (cudaMemcpy (device, host, bytes, cudaMemcpyHostToDevice));
  return device;
}

void *
cuda_test_upload (BertDType dtype, const float *host, size_t n)
{
  float *staging = cuda_test_upload_bytes (host, n * sizeof (float));
  void *device = NULL;

  CHECK_CUDA (cudaMalloc (&device, MAX (n * bert_cuda_dtype_size (dtype), 1)));
  CHECK_CUDA (bert_cuda_convert (device, dtype, staging, BERT_DTYPE_F32, n, NULL));
  CHECK_CUDA (cudaDeviceSynchronize ());
  CHECK_CUDA (cudaFree (staging));
  return device;
}

void
cuda_test_download (float *host, BertDType dtype, const void *device, size_t n)
{
  float *staging = NULL;

  CHECK_CUDA (cudaMalloc ((void **) &staging, MAX (n * sizeof (float), 1)));
  CHECK_CUDA (bert_cuda_convert (staging, BERT_DTYPE_F32, device, dtype, n, NULL));
  CHECK_CUDA (cudaMemcpy (host, staging, n * sizeof (float), cudaMemcpyDeviceToHost));
  CHECK_CUDA (cudaFree (staging));
}

void
cuda_test_round (BertDType dtype, float *host, size_t n)
{
  void *device = cuda_test_upload (dtype, host, n);

  cuda_test_download (host, dtype, device, n);
  CHECK_CUDA (cudaFree (device));
}

float *
cuda_test_random (GRand *rand, size_t n, double low, double high)
{
  float *values = g_new (float, n);

  for (size_t i = 0; i < n; i++)
    values[i] = (float) g_rand_double_range (rand, low, high);
  return values;
}

Tolerance
cuda_test_tolerance (BertDType dtype)
{
  switch (dtype) {
    case BERT_DTYPE_F16: return (Tolerance){ 2e-3, 2e-3 };  /* half ulp: 2^-11 relative */
    case BERT_DTYPE_BF16: return (Tolerance){ 1e-2, 1e-2 }; /* half ulp: 2^-8 relative */
    default: return (Tolerance){ 2e-5, 2e-5 };
  }
}

void
cuda_test_assert_close (const char *what, const float *got, const float *want, size_t n, Tolerance tolerance)
{
  double worst = 0.0;

  for (size_t i = 0; i < n; i++) {
    double error = fabs ((double) got[i] - want[i]);
    double allowed = tolerance.absolute + tolerance.relative * fabs (want[i]);
    if (!(error <= allowed))
      g_error ("%s: element %zu is %.8g, its CPU twin %.8g (error %.3g, allowed %.3g)", what, i, got[i],
          want[i], error, allowed);
    worst = MAX (worst, error);
  }
  g_test_message ("%s: %zu values, largest error %.3g", what, n, worst);
}

const char *
cuda_test_dtype_name (BertDType dtype)
{
  return dtype == BERT_DTYPE_F16 ? "f16" : dtype == BERT_DTYPE_BF16 ? "bf16" : "f32";
}
