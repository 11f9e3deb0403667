/* cuda-test-util.h: what the CUDA tests share: skipping without a GPU, moving float arrays
 * to and from the device in any storage dtype, and comparing results. */
#ifndef CUDA_TEST_UTIL_H
#define CUDA_TEST_UTIL_H

#include <cuda_runtime_api.h>
#include <glib.h>

#include "bert_backend.h"
#include "bert_test_model.h"

/* The engine's error domain, spelled out as the engine's G_DEFINE_QUARK spells it: the
 * tests check that the module, which cannot call the engine, uses the same string. */
#define CUDA_TEST_ENGINE_ERROR (g_quark_from_static_string ("bert-engine-error-quark"))

/* Exit status meson reads as "skipped". */
#define TEST_SKIP_EXIT_CODE 77

/* NULL when a usable CUDA device is present, else why not (to print before skipping). */
char *cuda_test_no_gpu_reason (void);
/* Like cuda_test_no_gpu_reason, but prints the reason and exits with TEST_SKIP_EXIT_CODE. */
void cuda_test_skip_without_gpu (const char *what);

/* The module's backend table, opened with GModule from GST_BERT_CUDA_MODULE_DIR as the
 * engine opens it (else the build folder). Aborts when it cannot. */
const BertBackend *cuda_test_open_backend (void);

/* The tests' model: hidden 64, 2 heads, intermediate 128, vocabulary 1000, 512 positions. */
void cuda_test_model_spec_init (BertTestModelSpec *spec);

#define CHECK_CUDA(call) cuda_test_check ((call), #call, __FILE__, __LINE__)
void cuda_test_check (cudaError_t status, const char *call, const char *file, int line);

/* A device copy of host (floats) stored as dtype. */
void *cuda_test_upload (BertDType dtype, const float *host, size_t n);
void *cuda_test_upload_bytes (const void *host, size_t bytes);
/* host = the n values of device (stored as dtype) as floats. */
void cuda_test_download (float *host, BertDType dtype, const void *device, size_t n);
/* Rounds host to dtype and back, so a CPU twin sees exactly what the kernel reads. */
void cuda_test_round (BertDType dtype, float *host, size_t n);

float *cuda_test_random (GRand *rand, size_t n, double low, double high);

typedef struct {
  double absolute;
  double relative;
} Tolerance;

/* Half an ulp of the output type, and some room for fp32 arithmetic in a different order. */
Tolerance cuda_test_tolerance (BertDType dtype);
/* Fails on the first i with |got - want| > absolute + relative * |want|, naming it. */
void cuda_test_assert_close (const char *what, const float *got, const float *want, size_t n,
    Tolerance tolerance);

const char *cuda_test_dtype_name (BertDType dtype);

#endif
