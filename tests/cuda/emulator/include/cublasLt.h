/* CPU emulation of CUDA (tests/cuda/emulator): the cuBLASLt status type for the error
 * checks; the dense layers themselves are ../emulated_matmul.c. */
#ifndef EMULATED_CUBLASLT_H
#define EMULATED_CUBLASLT_H

typedef enum {
  CUBLAS_STATUS_SUCCESS = 0,
  CUBLAS_STATUS_NOT_INITIALIZED = 1,
  CUBLAS_STATUS_ALLOC_FAILED = 3,
  CUBLAS_STATUS_ARCH_MISMATCH = 8
} cublasStatus_t;

#ifdef __cplusplus
extern "C" {
#endif

const char *cublasLtGetStatusString (cublasStatus_t status);
const char *cublasLtGetStatusName (cublasStatus_t status);

#ifdef __cplusplus
}
#endif

#endif
