/* CPU emulation of CUDA (tests/cuda/emulator): __half as its 16 bits, converted exactly. */
#ifndef EMULATED_CUDA_FP16_H
#define EMULATED_CUDA_FP16_H

#include <math.h>
#include <stdint.h>
#include <string.h>

/* kernels/testing/bert_float16.c: round to nearest even. */
extern "C" uint16_t bert_float_to_half (float value);

struct __half {
  uint16_t bits;
};

static inline float
__half2float (__half half)
{
  uint32_t exponent = (half.bits >> 10) & 0x1fu, mantissa = half.bits & 0x3ffu;
  float magnitude = exponent == 0 ? ldexpf ((float) mantissa, -24)
      : exponent == 31            ? (mantissa != 0 ? NAN : INFINITY)
                                  : ldexpf ((float) (mantissa | 0x400u), (int) exponent - 25);
  return (half.bits & 0x8000u) ? -magnitude : magnitude;
}

static inline __half
__float2half_rn (float value)
{
  __half half;
  half.bits = bert_float_to_half (value);
  return half;
}

#endif
