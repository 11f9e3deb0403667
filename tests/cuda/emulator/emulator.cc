// emulator.cc: runs CUDA kernels on the CPU, for checking kernel logic where there is no GPU.
//
// One block at a time; each thread of the block is a ucontext fiber. __syncthreads and
// __shfl_xor_sync are cooperative barriers: a fiber that reaches one yields to the scheduler,
// which resumes the others until every thread of the block (or of the warp) is waiting, then
// releases them. A barrier that cannot complete (some threads returned, or wait elsewhere)
// aborts with the block's coordinates: on a GPU that would be undefined behaviour or a hang.
// The runtime API is synchronous host code. See README.md for what this can and cannot show.
#include <cublasLt.h>
#include <cuda_runtime.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <ucontext.h>

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <vector>

dim3 threadIdx, blockIdx, blockDim, gridDim;

namespace {

enum FiberState { READY, AT_BLOCK_BARRIER, AT_WARP_BARRIER, FINISHED };

struct Fiber {
  ucontext_t context;
  FiberState state;
  std::vector<char> stack;
};

const size_t FIBER_STACK_BYTES = 256 * 1024;
const int WARP = 32;

std::vector<Fiber> fibers;
ucontext_t scheduler;
int current_thread;
const std::function<void ()> *current_kernel;
std::vector<unsigned int> warp_generation;
// Per warp, two generations of 32 shuffle slots: a lane may write its next value before
// a slower lane has read the previous one.
std::vector<float> shuffle_slots;
cudaError_t last_error = cudaSuccess;
// Device allocations and their sizes, for cudaMemGetInfo.
std::map<void *, size_t> device_allocations;
size_t device_bytes_in_use = 0;
const size_t EMULATED_DEVICE_BYTES = (size_t) 80 << 30;
// A fault a kernel left for the next synchronisation to report, as a GPU does.
cudaError_t pending_fault = cudaSuccess;
// EMULATED_FAULT_AT_LAUNCH=N: the Nth launch after the variable takes that value faults
// (cudaErrorIllegalAddress, reported by the next synchronisation, once) instead of running.
std::string fault_setting;
long launches_since_setting = 0;

[[noreturn]] void
fail (const char *what)
{
  fprintf (stderr, "emulator: %s in block (%u, %u, %u) of (%u, %u, %u), %u threads\n", what, blockIdx.x,
      blockIdx.y, blockIdx.z, gridDim.x, gridDim.y, gridDim.z, blockDim.x);
  abort ();
}

void
run_current_thread ()
{
  (*current_kernel) ();
  fibers[current_thread].state = FINISHED;
}

void
wait_at (FiberState barrier)
{
  fibers[current_thread].state = barrier;
  swapcontext (&fibers[current_thread].context, &scheduler);
}

// Releases the warps whose 32 lanes all wait at a shuffle; true if any.
bool
release_warps (int n_threads)
{
  bool released = false;

  for (int warp = 0; warp * WARP < n_threads; warp++) {
    int first = warp * WARP, waiting = 0;
    for (int lane = 0; lane < WARP && first + lane < n_threads; lane++)
      waiting += fibers[first + lane].state == AT_WARP_BARRIER;
    if (waiting == 0 || waiting < WARP)
      continue;
    for (int lane = 0; lane < WARP; lane++)
      fibers[first + lane].state = READY;
    warp_generation[warp]++;
    released = true;
  }
  return released;
}

// Called when no fiber is READY. Returns false when the block has finished.
bool
release_barrier (int n_threads)
{
  int at_block = 0, at_warp = 0, finished = 0;

  for (int i = 0; i < n_threads; i++) {
    at_block += fibers[i].state == AT_BLOCK_BARRIER;
    at_warp += fibers[i].state == AT_WARP_BARRIER;
    finished += fibers[i].state == FINISHED;
  }
  if (finished == n_threads)
    return false;
  if (release_warps (n_threads))
    return true;
  if (at_block == n_threads) {
    for (int i = 0; i < n_threads; i++)
      fibers[i].state = READY;
    return true;
  }
  fail (at_warp > 0 ? "a warp shuffle not reached by all 32 lanes"
      : "__syncthreads not reached by every thread of the block");
}

void
run_block (int n_threads)
{
  for (int i = 0; i < n_threads; i++) {
    Fiber &fiber = fibers[i];
    getcontext (&fiber.context);
    fiber.context.uc_stack.ss_sp = fiber.stack.data ();
    fiber.context.uc_stack.ss_size = fiber.stack.size ();
    fiber.context.uc_link = &scheduler;
    makecontext (&fiber.context, run_current_thread, 0);
    fiber.state = READY;
  }
  do {
    for (int i = 0; i < n_threads; i++) {
      if (fibers[i].state != READY)
        continue;
      current_thread = i;
      threadIdx = dim3 (i);
      swapcontext (&scheduler, &fibers[i].context);
    }
  } while (release_barrier (n_threads));
}

bool
launch_faults ()
{
  const char *setting = getenv ("EMULATED_FAULT_AT_LAUNCH");

  if (setting == NULL) {
    fault_setting.clear ();
    return false;
  }
  if (fault_setting != setting) {
    fault_setting = setting;
    launches_since_setting = 0;
  }
  return ++launches_since_setting == atol (setting);
}

cudaError_t
take_pending_fault ()
{
  cudaError_t fault = pending_fault;
  pending_fault = cudaSuccess;
  return fault;
}

// A captured graph: its steps (launches, GEMMs, copies) with their arguments, by value.
struct Graph {
  std::vector<std::function<void ()>> steps;
  bool invalidated = false;
};

// The graph this thread records into, and the stream it captures; CUDA's thread-local
// capture mode, the one the backend uses.
thread_local Graph *capture = nullptr;
thread_local cudaStream_t capture_stream = nullptr;
std::atomic<long> launch_count (0);
std::atomic<long> graph_count (0);

bool
capturing (cudaStream_t stream)
{
  return capture != nullptr && capture_stream == stream;
}

double
now_seconds ()
{
  struct timespec time;
  clock_gettime (CLOCK_MONOTONIC, &time);
  return time.tv_sec + time.tv_nsec * 1e-9;
}

}  // namespace

void
__syncthreads (void)
{
  wait_at (AT_BLOCK_BARRIER);
}

float
__shfl_xor_sync (unsigned int mask, float value, int lane_mask)
{
  int warp = current_thread / WARP, lane = current_thread % WARP;
  float *slots = &shuffle_slots[(warp * 2 + warp_generation[warp] % 2) * WARP];

  if (mask != 0xffffffffu)
    fail ("a shuffle with a partial mask (not emulated)");
  slots[lane] = value;
  wait_at (AT_WARP_BARRIER);
  return slots[lane ^ lane_mask];
}

// The limits a real launch checks.
void
run_launch (dim3 grid, dim3 block, const std::function<void ()> &kernel)
{
  int n_threads = block.x;

  if (block.x == 0 || block.x > 1024 || block.y != 1 || block.z != 1 || grid.x == 0 || grid.y == 0
      || grid.z == 0 || grid.y > 65535 || grid.z > 65535) {
    last_error = cudaErrorInvalidConfiguration;
    return;
  }
  launch_count++;
  if (launch_faults ()) {
    pending_fault = cudaErrorIllegalAddress;
    return;
  }
  if ((int) fibers.size () < n_threads) {
    fibers.resize (n_threads);
    for (Fiber &fiber : fibers)
      fiber.stack.resize (FIBER_STACK_BYTES);
  }
  warp_generation.assign ((n_threads + WARP - 1) / WARP, 0);
  shuffle_slots.assign (warp_generation.size () * 2 * WARP, 0.0f);
  current_kernel = &kernel;
  gridDim = grid;
  blockDim = block;
  for (unsigned int z = 0; z < grid.z; z++)
    for (unsigned int y = 0; y < grid.y; y++)
      for (unsigned int x = 0; x < grid.x; x++) {
        blockIdx = dim3 (x, y, z);
        run_block (n_threads);
      }
}

// Launches go to this thread's capture when there is one (the launchers pass their
// stream, which the rewrite drops: a thread captures one stream at a time here).
void
emulated_launch (dim3 grid, dim3 block, const std::function<void ()> &kernel)
{
  if (capture == nullptr) {
    run_launch (grid, block, kernel);
    return;
  }
  std::function<void ()> copy = kernel;
  capture->steps.push_back ([grid, block, copy] { run_launch (grid, block, copy); });
}

struct EmulatedStream {
  int unused;
};

struct EmulatedGraph {
  Graph graph;
};

struct EmulatedEvent {
  double seconds;
};

extern "C" {

cudaError_t
cudaMallocHost (void **pointer, size_t bytes)
{
  // cudaMalloc's alignment, which cuBLASLt and the kernels' vector loads rely on.
  *pointer = aligned_alloc (256, (bytes + 255) / 256 * 256);
  return *pointer != NULL ? cudaSuccess : cudaErrorMemoryAllocation;
}

cudaError_t cudaFreeHost (void *pointer) { free (pointer); return cudaSuccess; }

cudaError_t
cudaMalloc (void **pointer, size_t bytes)
{
  cudaError_t status = cudaMallocHost (pointer, bytes);

  if (status == cudaSuccess) {
    device_allocations[*pointer] = bytes;
    device_bytes_in_use += bytes;
  }
  return status;
}

cudaError_t
cudaFree (void *pointer)
{
  auto allocation = device_allocations.find (pointer);

  if (allocation != device_allocations.end ()) {
    device_bytes_in_use -= allocation->second;
    device_allocations.erase (allocation);
  }
  free (pointer);
  return cudaSuccess;
}

cudaError_t
cudaMemGetInfo (size_t *free_bytes, size_t *total_bytes)
{
  *total_bytes = EMULATED_DEVICE_BYTES;
  *free_bytes = EMULATED_DEVICE_BYTES - device_bytes_in_use;
  return cudaSuccess;
}

cudaError_t
cudaMemcpy (void *destination, const void *source, size_t bytes, enum cudaMemcpyKind)
{
  memcpy (destination, source, bytes);
  return cudaSuccess;
}

cudaError_t
cudaMemcpyAsync (void *destination, const void *source, size_t bytes, enum cudaMemcpyKind kind,
    cudaStream_t stream)
{
  if (capturing (stream))
    capture->steps.push_back ([=] { memcpy (destination, source, bytes); });
  else
    memcpy (destination, source, bytes);
  return cudaSuccess;
}

cudaError_t
cudaMemsetAsync (void *destination, int value, size_t bytes, cudaStream_t stream)
{
  if (capturing (stream))
    capture->steps.push_back ([=] { memset (destination, value, bytes); });
  else
    memset (destination, value, bytes);
  return cudaSuccess;
}

// A synchronisation inside a capture invalidates it, as on a GPU.
cudaError_t
synchronize_stream (cudaStream_t stream)
{
  if (capture != nullptr && (stream == nullptr || stream == capture_stream)) {
    capture->invalidated = true;
    return cudaErrorStreamCaptureUnsupported;
  }
  return take_pending_fault ();
}

cudaError_t
cudaStreamBeginCapture (cudaStream_t stream, enum cudaStreamCaptureMode mode)
{
  if (capture != nullptr || mode != cudaStreamCaptureModeThreadLocal)
    return cudaErrorInvalidValue;
  capture = new Graph ();
  capture_stream = stream;
  return cudaSuccess;
}

cudaError_t
cudaStreamEndCapture (cudaStream_t stream, cudaGraph_t *graph)
{
  Graph *captured = capture;

  if (!capturing (stream))
    return cudaErrorInvalidValue;
  capture = nullptr;
  capture_stream = nullptr;
  *graph = nullptr;
  if (captured->invalidated) {
    delete captured;
    return cudaErrorStreamCaptureInvalidated;
  }
  *graph = new EmulatedGraph { std::move (*captured) };
  delete captured;
  graph_count++;
  return cudaSuccess;
}

cudaError_t
cudaGraphInstantiate (cudaGraphExec_t *exec, cudaGraph_t graph, unsigned long long)
{
  *exec = new EmulatedGraph (*graph);
  return cudaSuccess;
}

cudaError_t
cudaGraphLaunch (cudaGraphExec_t exec, cudaStream_t stream)
{
  if (capture != nullptr)
    return cudaErrorStreamCaptureUnsupported;
  for (const std::function<void ()> &step : exec->graph.steps)
    step ();
  return cudaSuccess;
}

cudaError_t cudaGraphDestroy (cudaGraph_t graph) { delete graph; return cudaSuccess; }
cudaError_t cudaGraphExecDestroy (cudaGraphExec_t exec) { delete exec; return cudaSuccess; }

int emulated_capturing (void) { return capture != nullptr; }

void
emulated_record (void (*run) (void *data), void *data, void (*destroy) (void *data))
{
  std::shared_ptr<void> owned (data, destroy);
  capture->steps.push_back ([run, owned] { run (owned.get ()); });
}

long emulated_launch_count (void) { return launch_count; }
long emulated_graph_count (void) { return graph_count; }

cudaError_t
cudaStreamCreateWithFlags (cudaStream_t *stream, unsigned int)
{
  *stream = new EmulatedStream ();
  return cudaSuccess;
}

cudaError_t cudaStreamSynchronize (cudaStream_t stream) { return synchronize_stream (stream); }
cudaError_t cudaStreamDestroy (cudaStream_t stream) { delete stream; return cudaSuccess; }
cudaError_t cudaEventCreate (cudaEvent_t *event) { *event = new EmulatedEvent (); return cudaSuccess; }
cudaError_t cudaEventCreateWithFlags (cudaEvent_t *event, unsigned int) { return cudaEventCreate (event); }
cudaError_t
cudaEventRecord (cudaEvent_t event, cudaStream_t stream)
{
  if (capturing (stream))
    capture->steps.push_back ([event] { event->seconds = now_seconds (); });
  else
    event->seconds = now_seconds ();
  return cudaSuccess;
}

cudaError_t cudaEventSynchronize (cudaEvent_t) { return take_pending_fault (); }
cudaError_t cudaEventDestroy (cudaEvent_t event) { delete event; return cudaSuccess; }

cudaError_t
cudaEventElapsedTime (float *milliseconds, cudaEvent_t start, cudaEvent_t end)
{
  *milliseconds = (float) ((end->seconds - start->seconds) * 1000.0);
  return cudaSuccess;
}

cudaError_t cudaSetDevice (int device) { return device == 0 ? cudaSuccess : cudaErrorInvalidDevice; }

// One emulated device; EMULATED_NO_GPU=1 plays a machine without one.
cudaError_t
cudaGetDeviceCount (int *count)
{
  bool none = getenv ("EMULATED_NO_GPU") != NULL;
  *count = none ? 0 : 1;
  return none ? cudaErrorNoDevice : cudaSuccess;
}

cudaError_t
cudaGetDeviceProperties (struct cudaDeviceProp *properties, int)
{
  strcpy (properties->name, "CPU emulation");
  properties->major = 8;
  properties->minor = 0;
  properties->multiProcessorCount = 1;
  return cudaSuccess;
}

cudaError_t cudaDeviceSynchronize (void) { return synchronize_stream (nullptr); }
cudaError_t cudaDriverGetVersion (int *version) { *version = 13000; return cudaSuccess; }
cudaError_t cudaRuntimeGetVersion (int *version) { *version = 13000; return cudaSuccess; }

cudaError_t
cudaGetLastError (void)
{
  cudaError_t error = last_error;
  last_error = cudaSuccess;
  return error;
}

const char *cudaGetErrorString (cudaError_t error) { return error == cudaSuccess ? "no error" : "emulated error"; }

const char *
cudaGetErrorName (cudaError_t error)
{
  static char name[32];
  snprintf (name, sizeof name, "cudaError %d", (int) error);
  return name;
}

const char *cublasLtGetStatusString (cublasStatus_t) { return "emulated cuBLASLt status"; }
const char *cublasLtGetStatusName (cublasStatus_t) { return "CUBLAS_STATUS"; }

}  // extern "C"
