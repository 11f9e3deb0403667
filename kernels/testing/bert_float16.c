/* bert_float16.c: float32 to IEEE half and bfloat16, rounding to nearest even. */
#include "bert_float16.h"

#include <string.h>

uint16_t
bert_float_to_bfloat16 (float value)
{
  uint32_t bits;

  memcpy (&bits, &value, sizeof bits);
  if ((bits & 0x7fffffffu) > 0x7f800000u)
    return (uint16_t) ((bits >> 16) | 0x40); /* NaN stays a (quiet) NaN */
  bits += 0x7fffu + ((bits >> 16) & 1u);
  return (uint16_t) (bits >> 16);
}

/* A float too small for a normal half: the half subnormal m * 2^-24, rounded. */
static uint16_t
half_subnormal (uint32_t sign, int32_t exponent, uint32_t mantissa)
{
  uint32_t full = mantissa | 0x800000u;
  uint32_t shift = (uint32_t) (14 - exponent);
  uint32_t half, remainder, halfway;

  if (shift > 24)
    return (uint16_t) sign;
  half = full >> shift;
  remainder = full & ((1u << shift) - 1u);
  halfway = 1u << (shift - 1u);
  if (remainder > halfway || (remainder == halfway && (half & 1u)))
    half++;
  return (uint16_t) (sign | half);
}

uint16_t
bert_float_to_half (float value)
{
  uint32_t bits, sign, mantissa, half, remainder;
  int32_t exponent;

  memcpy (&bits, &value, sizeof bits);
  sign = (bits >> 16) & 0x8000u;
  mantissa = bits & 0x7fffffu;
  if (((bits >> 23) & 0xffu) == 0xffu)
    return (uint16_t) (sign | 0x7c00u | (mantissa != 0 ? 0x200u : 0u));
  exponent = (int32_t) ((bits >> 23) & 0xffu) - 127 + 15;
  if (exponent >= 31)
    return (uint16_t) (sign | 0x7c00u);
  if (exponent <= 0)
    return half_subnormal (sign, exponent, mantissa);
  half = sign | ((uint32_t) exponent << 10) | (mantissa >> 13);
  remainder = mantissa & 0x1fffu;
  /* A carry out of the mantissa correctly bumps the exponent (up to infinity). */
  if (remainder > 0x1000u || (remainder == 0x1000u && (half & 1u)))
    half++;
  return (uint16_t) half;
}
