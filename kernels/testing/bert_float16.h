/* bert_float16.h: float32 to the 16-bit storage types of safetensors files, for the
 * generators of test models (the loaders convert the other way). */
#ifndef BERT_FLOAT16_H
#define BERT_FLOAT16_H

#include <stdint.h>

/* Round to nearest even; overflow gives infinity, NaN stays NaN. */
uint16_t bert_float_to_half (float value);
uint16_t bert_float_to_bfloat16 (float value);

#endif
