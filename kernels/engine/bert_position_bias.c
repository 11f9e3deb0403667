/* bert_position_bias.c: MPNet's relative position bias table. */
#include "bert_position_bias.h"

#include <math.h>
#include <stdlib.h>

#include "bert_cpu_kernels.h"

/* As MPNetEncoder.relative_position_bucket: keys before the query take the first half
 * of the buckets, keys after it the second; within a half, distances below max_exact
 * have a bucket each, then log (n / max_exact) / log (max_distance / max_exact) *
 * (half - max_exact), truncated, up to the half's last bucket. Every step is a float32
 * operation, as in PyTorch (the divisor a Python float that PyTorch rounds to float32),
 * so that a distance on a boundary (16, 32, 64) lands where PyTorch puts it. */
int
bert_relative_position_bucket (int relative_position)
{
  const int half = BERT_MPNET_RELATIVE_BUCKETS / 2, max_exact = half / 2;
  const float log_ratio = (float) log ((double) BERT_MPNET_MAX_DISTANCE / max_exact);
  int distance = abs (relative_position), base = relative_position > 0 ? half : 0;
  float large;

  if (distance < max_exact)
    return base + distance;
  large = logf ((float) distance / (float) max_exact) / log_ratio * (float) (half - max_exact);
  return base + MIN (max_exact + (int) large, half - 1);
}

float *
bert_position_bias_table_new (const BertTensor *relative_attention_bias, int num_heads, int max_positions)
{
  gsize width = 2 * (gsize) max_positions - 1;
  float *buckets, *table = g_try_new (float, width *num_heads);

  if (table == NULL)
    return NULL;
  buckets = g_new (float, (gsize) BERT_MPNET_RELATIVE_BUCKETS *num_heads);
  /* The bucket rows are [bucket][head]; only the first BERT_MPNET_RELATIVE_BUCKETS are read. */
  bert_cpu_convert_to_f32 (relative_attention_bias->data, relative_attention_bias->dtype, buckets,
      (gsize) BERT_MPNET_RELATIVE_BUCKETS * num_heads);
  for (gsize k = 0; k < width; k++) {
    int bucket = bert_relative_position_bucket ((int) k - (max_positions - 1));

    for (int head = 0; head < num_heads; head++)
      table[head * width + k] = buckets[bucket * num_heads + head];
  }
  g_free (buckets);
  return table;
}
