/* CPU emulation of CUDA (tests/cuda/emulator): __nv_bfloat16 as its 16 bits. */
#ifndef EMULATED_CUDA_BF16_H
#define EMULATED_CUDA_BF16_H

#include <stdint.h>
#include <string.h>

/* kernels/testing/bert_float16.c: round to nearest even. */
extern "C" uint16_t bert_float_to_bfloat16 (float value);

struct __nv_bfloat16 {
  uint16_t bits;
};

static inline float
__bfloat162float (__nv_bfloat16 value)
{
  uint32_t bits = (uint32_t) value.bits << 16;
  float result;
  memcpy (&result, &bits, sizeof result);
  return result;
}

static inline __nv_bfloat16
__float2bfloat16_rn (float value)
{
  __nv_bfloat16 result;
  result.bits = bert_float_to_bfloat16 (value);
  return result;
}

#endif
