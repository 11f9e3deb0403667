/* bert_cuda_check.h: every CUDA runtime and cuBLASLt call of the module goes through
 * cuda_check or cublas_check, which turn a failure into a GError naming the file, the
 * line, the call and the library's own error string (llm.c's cudaCheck and cublasCheck,
 * returning an error instead of exiting).
 *
 *   if (!cuda_check (cudaMalloc (&buffer, bytes), error))
 *     return FALSE;
 */
#ifndef BERT_CUDA_CHECK_H
#define BERT_CUDA_CHECK_H

#include <cublasLt.h>
#include <cuda_runtime_api.h>
#include <glib.h>

#include "bert_engine.h"

G_BEGIN_DECLS

/* The engine's error domain. The module calls nothing of the engine, so it takes the
 * quark from the same string as the engine's G_DEFINE_QUARK (bert-engine-error-quark, ...). */
#define BERT_CUDA_ENGINE_ERROR_QUARK_STRING "bert-engine-error-quark"
#define BERT_CUDA_ENGINE_ERROR (g_quark_from_static_string (BERT_CUDA_ENGINE_ERROR_QUARK_STRING))

#define cuda_check(call, error) bert_cuda_check_runtime ((call), #call, __FILE__, __LINE__, (error))
#define cublas_check(call, error) bert_cuda_check_cublas ((call), #call, __FILE__, __LINE__, (error))

gboolean bert_cuda_check_runtime (cudaError_t status, const char *call, const char *file, int line,
    GError **error);
gboolean bert_cuda_check_cublas (cublasStatus_t status, const char *call, const char *file, int line,
    GError **error);

/* The engine error code for a CUDA runtime failure: DEVICE for a missing or unusable GPU
 * or driver, OUT_OF_MEMORY, else COMPUTE. */
BertEngineError bert_cuda_error_code (cudaError_t status);

G_END_DECLS

#endif
