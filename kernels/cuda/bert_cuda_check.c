/* bert_cuda_check.c: CUDA and cuBLASLt status codes to engine errors. */
#include "bert_cuda_check.h"

BertEngineError
bert_cuda_error_code (cudaError_t status)
{
  switch (status) {
    case cudaErrorMemoryAllocation: return BERT_ENGINE_ERROR_OUT_OF_MEMORY;
    case cudaErrorNoDevice:
    case cudaErrorInsufficientDriver:
    case cudaErrorInvalidDevice:
    case cudaErrorDevicesUnavailable:
    case cudaErrorNoKernelImageForDevice:
    case cudaErrorUnsupportedPtxVersion:
    case cudaErrorSystemDriverMismatch:
    case cudaErrorCompatNotSupportedOnDevice:
    case cudaErrorSystemNotReady:
    case cudaErrorInitializationError: return BERT_ENGINE_ERROR_DEVICE;
    default: return BERT_ENGINE_ERROR_COMPUTE;
  }
}

gboolean
bert_cuda_check_runtime (cudaError_t status, const char *call, const char *file, int line, GError **error)
{
  if (status == cudaSuccess)
    return TRUE;
  g_set_error (error, BERT_CUDA_ENGINE_ERROR, bert_cuda_error_code (status), "%s:%d: %s failed: %s (%s)",
      file, line, call, cudaGetErrorString (status), cudaGetErrorName (status));
  return FALSE;
}

static BertEngineError
cublas_error_code (cublasStatus_t status)
{
  switch (status) {
    case CUBLAS_STATUS_ALLOC_FAILED: return BERT_ENGINE_ERROR_OUT_OF_MEMORY;
    case CUBLAS_STATUS_NOT_INITIALIZED:
    case CUBLAS_STATUS_ARCH_MISMATCH: return BERT_ENGINE_ERROR_DEVICE;
    default: return BERT_ENGINE_ERROR_COMPUTE;
  }
}

gboolean
bert_cuda_check_cublas (cublasStatus_t status, const char *call, const char *file, int line, GError **error)
{
  if (status == CUBLAS_STATUS_SUCCESS)
    return TRUE;
  g_set_error (error, BERT_CUDA_ENGINE_ERROR, cublas_error_code (status), "%s:%d: %s failed: %s (%s)", file,
      line, call, cublasLtGetStatusString (status), cublasLtGetStatusName (status));
  return FALSE;
}
