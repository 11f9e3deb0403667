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
  cudaErrorStreamCaptureUnsupported = 900,
  cudaErrorStreamCaptureInvalidated = 901,
  cudaErrorSystemNotReady = 802,
  cudaErrorSystemDriverMismatch = 803,
  cudaErrorCompatNotSupportedOnDevice = 804
} cudaError_t;

typedef struct EmulatedStream *cudaStream_t;
typedef struct EmulatedEvent *cudaEvent_t;
typedef struct EmulatedGraph *cudaGraph_t;
typedef struct EmulatedGraph *cudaGraphExec_t;
enum cudaStreamCaptureMode {
  cudaStreamCaptureModeGlobal = 0,
  cudaStreamCaptureModeThreadLocal = 1,
  cudaStreamCaptureModeRelaxed = 2
};
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
/* Graphs: while a stream is captured (by this thread), launches and emulated GEMMs are
 * recorded with their arguments instead of run; a launched graph runs them in order.
 * Synchronising a captured stream fails, as on a GPU. */
cudaError_t cudaStreamBeginCapture (cudaStream_t stream, enum cudaStreamCaptureMode mode);
cudaError_t cudaStreamEndCapture (cudaStream_t stream, cudaGraph_t *graph);
cudaError_t cudaGraphInstantiate (cudaGraphExec_t *exec, cudaGraph_t graph, unsigned long long flags);
cudaError_t cudaGraphLaunch (cudaGraphExec_t exec, cudaStream_t stream);
cudaError_t cudaGraphDestroy (cudaGraph_t graph);
cudaError_t cudaGraphExecDestroy (cudaGraphExec_t exec);
/* The emulator's own: whether this thread captures, and recording a host function (an
 * emulated GEMM) into the capture; destroy frees data with the graph. */
int emulated_capturing (void);
void emulated_record (void (*run) (void *data), void *data, void (*destroy) (void *data));
/* How many launches and GEMMs ran since the process started (replays included), and how
 * many graphs were captured: tests check that graphs are captured once and replayed. */
long emulated_launch_count (void);
long emulated_graph_count (void);
const char *cudaGetErrorString (cudaError_t error);
const char *cudaGetErrorName (cudaError_t error);

#ifdef __cplusplus
}
#endif

#endif
