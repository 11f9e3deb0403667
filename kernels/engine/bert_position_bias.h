/* bert_position_bias.h: MPNet's relative position bias (engine-private).
 *
 * MPNet adds to the attention score of query i and key j a learned value per head,
 * looked up by a bucket of the relative position j - i: T5's bidirectional buckets,
 * exact up to a distance of 8, then logarithmic up to 128, beyond which all distances
 * share a bucket. transformers' MPNetEncoder always computes 32 buckets (it calls
 * compute_position_bias without the config's relative_attention_num_buckets), so that
 * is what is computed here whatever the config says; the table's further rows are never
 * read. The bias depends only on positions, so one table serves every sequence and
 * every layer.
 */
#ifndef BERT_POSITION_BIAS_H
#define BERT_POSITION_BIAS_H

#include "bert_model.h"

G_BEGIN_DECLS

/* The number of buckets and the distance past which they stop growing, as transformers'
 * MPNet computes them. */
#define BERT_MPNET_RELATIVE_BUCKETS 32
#define BERT_MPNET_MAX_DISTANCE 128

/* MPNetEncoder.relative_position_bucket of j - i, in [0, BERT_MPNET_RELATIVE_BUCKETS),
 * computed in float32 as PyTorch computes it. */
int bert_relative_position_bucket (int relative_position);

/* The F32 table [num_heads, 2 * max_positions - 1] of bert_model.h's
 * relative_position_bias from relative_attention_bias [>= BERT_MPNET_RELATIVE_BUCKETS,
 * num_heads]; free it with g_free. NULL when memory is short. */
float *bert_position_bias_table_new (const BertTensor *relative_attention_bias, int num_heads,
    int max_positions);

G_END_DECLS

#endif
