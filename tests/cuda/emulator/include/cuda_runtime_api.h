/* CPU emulation of CUDA (tests/cuda/emulator): the part of the runtime API that the CUDA
 * backend and its tests use. "Device" memory is host memory; streams and events are
 * synchronous. Not the real header: see ../README.md. */
#ifndef EMULATED_CUDA_RUNTIME_API_H
#define EMULATED_CUDA_RUNTIME_API_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The real values, so that logs read the same. */
typedef enum {
  cudaSuccess = 0,
  cudaErrorInvalidValue = 1,
  cudaErrorMemoryAllocation = 2,
  cudaErrorInitializationError = 3,
  cudaErrorInvalidConfiguration = 9,
  cudaErrorInsufficientDriver = 35,
  cudaErrorDevicesUnavailable = 46,
  cudaErrorNoDevice = 100,
  cudaErrorInvalidDevice = 101,
  cudaErrorNoKernelImageForDevice = 209,
  cudaErrorUnsupportedPtxVersion = 222,
  cudaErrorIllegalAddress = 700,
  cudaErrorSystemNotReady = 802,
  cudaErrorSystemDriverMismatch = 803,
  cudaErrorCompatNotSupportedOnDevice = 804
} cudaError_t;

typedef struct EmulatedStream *cudaStream_t;
typedef struct EmulatedEvent *cudaEvent_t;
enum cudaMemcpyKind {
  cudaMemcpyHostToDevice = 1,
  cudaMemcpyDeviceToHost = 2
};
#define cudaStreamNonBlocking 1
#define cudaEventBlockingSync 1

struct cudaDeviceProp {
  char name[256];
  int major, minor;
  int multiProcessorCount;
};

cudaError_t cudaMalloc (void **pointer, size_t bytes);
cudaError_t cudaFree (void *pointer);
/* Counts what cudaMalloc holds, of a pretended 80 GiB. */
cudaError_t cudaMemGetInfo (size_t *free_bytes, size_t *total_bytes);
cudaError_t cudaMallocHost (void **pointer, size_t bytes);
cudaError_t cudaFreeHost (void *pointer);
cudaError_t cudaMemcpy (void *destination, const void *source, size_t bytes, enum cudaMemcpyKind kind);
cudaError_t cudaMemcpyAsync (void *destination, const void *source, size_t bytes, enum cudaMemcpyKind kind,
    cudaStream_t stream);
cudaError_t cudaMemsetAsync (void *destination, int value, size_t bytes, cudaStream_t stream);
cudaError_t cudaStreamCreateWithFlags (cudaStream_t *stream, unsigned int flags);
cudaError_t cudaStreamSynchronize (cudaStream_t stream);
cudaError_t cudaStreamDestroy (cudaStream_t stream);
cudaError_t cudaEventCreate (cudaEvent_t *event);
cudaError_t cudaEventCreateWithFlags (cudaEvent_t *event, unsigned int flags);
cudaError_t cudaEventRecord (cudaEvent_t event, cudaStream_t stream);
cudaError_t cudaEventSynchronize (cudaEvent_t event);
cudaError_t cudaEventElapsedTime (float *milliseconds, cudaEvent_t start, cudaEvent_t end);
cudaError_t cudaEventDestroy (cudaEvent_t event);
cudaError_t cudaSetDevice (int device);
cudaError_t cudaGetDeviceCount (int *count);
cudaError_t cudaGetDeviceProperties (struct cudaDeviceProp *properties, int device);
cudaError_t cudaDeviceSynchronize (void);
cudaError_t cudaGetLastError (void);
cudaError_t cudaDriverGetVersion (int *version);
cudaError_t cudaRuntimeGetVersion (int *version);
const char *cudaGetErrorString (cudaError_t error);
const char *cudaGetErrorName (cudaError_t error);

#ifdef __cplusplus
}
#endif

#endif
