/* CPU emulation of CUDA (tests/cuda/emulator): the device-side built-ins the kernels use.
 * Kernels compile as ordinary C++ functions; emulated_launch runs one block at a time,
 * each thread a fiber (see ../emulator.cc). __shared__ becomes static, which is right
 * exactly because only one block runs at a time. */
#ifndef EMULATED_CUDA_RUNTIME_H
#define EMULATED_CUDA_RUNTIME_H

#include <math.h>

#include <functional>

#include "cuda_runtime_api.h"

struct dim3 {
  unsigned int x, y, z;
  dim3 (unsigned int x_ = 1, unsigned int y_ = 1, unsigned int z_ = 1) : x (x_), y (y_), z (z_)
  {
  }
};

struct __attribute__ ((aligned (16))) float4 {
  float x, y, z, w;
};

extern dim3 threadIdx, blockIdx, blockDim, gridDim;

#define __global__
#define __host__
#define __device__
#define __align__(n) __attribute__ ((aligned (n)))
#define __forceinline__ inline
#define __shared__ static
#define __launch_bounds__(threads)

void __syncthreads (void);
float __shfl_xor_sync (unsigned int mask, float value, int lane_mask);

static inline int
min (int a, int b)
{
  return a < b ? a : b;
}
static inline float
rsqrtf (float x)
{
  return 1.0f / sqrtf (x);
}

/* What kernel<<<grid, block, 0, stream>>> (args) becomes (launches_to_calls.py). */
void emulated_launch (dim3 grid, dim3 block, const std::function<void ()> &kernel);

#endif
