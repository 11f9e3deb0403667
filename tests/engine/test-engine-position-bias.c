/* test-engine-position-bias: MPNet's relative position buckets and bias table.
 *
 * The buckets are PyTorch's: transformers 5.25's MPNetEncoder.relative_position_bucket
 * (torch 2.15, CPU) of every relative position in [-600, 600] gave the runs below. The
 * distances 16, 32 and 64 sit on bucket boundaries, where a computation in double or with
 * another rounding would put them one bucket lower.
 */
#include <string.h>

#include "bert_position_bias.h"

/* From each first relative position on, its bucket, up to the next entry. */
static const struct {
  int first, bucket;
} torch_buckets[] = {
  { -600, 15 },
  { -90, 14 },
  { -63, 13 },
  { -45, 12 },
  { -31, 11 },
  { -22, 10 },
  { -15, 9 },
  { -11, 8 },
  { -7, 7 },
  { -6, 6 },
  { -5, 5 },
  { -4, 4 },
  { -3, 3 },
  { -2, 2 },
  { -1, 1 },
  { 0, 0 },
  { 1, 17 },
  { 2, 18 },
  { 3, 19 },
  { 4, 20 },
  { 5, 21 },
  { 6, 22 },
  { 7, 23 },
  { 8, 24 },
  { 12, 25 },
  { 16, 26 },
  { 23, 27 },
  { 32, 28 },
  { 46, 29 },
  { 64, 30 },
  { 91, 31 },
};

static void
test_buckets_as_torch (void)
{
  guint run = 0;

  for (int relative_position = -600; relative_position <= 600; relative_position++) {
    if (run + 1 < G_N_ELEMENTS (torch_buckets) && relative_position == torch_buckets[run + 1].first)
      run++;
    if (bert_relative_position_bucket (relative_position) != torch_buckets[run].bucket)
      g_error ("relative position %d: bucket %d, PyTorch's %d", relative_position,
          bert_relative_position_bucket (relative_position), torch_buckets[run].bucket);
  }
}

/* The table holds, for head h and relative position j - i, the bucket row's value of h;
 * rows past the 32 that MPNet computes are never read. */
static void
test_table_layout (void)
{
  const int num_heads = 3, num_buckets = 40, max_positions = 200;
  float *buckets = g_new (float, num_buckets *num_heads);
  BertTensor tensor = { buckets, BERT_DTYPE_F32, 2, { num_buckets, num_heads } };
  float *table;

  for (int b = 0; b < num_buckets; b++)
    for (int h = 0; h < num_heads; h++)
      buckets[b * num_heads + h] = b < BERT_MPNET_RELATIVE_BUCKETS ? 100 * h + b : -1;
  table = bert_position_bias_table_new (&tensor, num_heads, max_positions);
  for (int h = 0; h < num_heads; h++) {
    const float *row = bert_position_bias_row (table, max_positions, h);

    for (int d = -(max_positions - 1); d <= max_positions - 1; d++)
      g_assert_cmpfloat (row[d], ==, 100 * h + bert_relative_position_bucket (d));
  }
  /* The first and last entries of the table are head 0's -199 and head 2's +199. */
  g_assert_cmpfloat (table[0], ==, 15);
  g_assert_cmpfloat (table[num_heads * (2 * max_positions - 1) - 1], ==, 231);
  g_free (table);
  g_free (buckets);
}

/* F16 and BF16 bucket rows are widened exactly. */
static void
test_table_from_half (void)
{
  /* 1.5 in F16 and BF16, for one head. */
  guint16 f16[BERT_MPNET_RELATIVE_BUCKETS], bf16[BERT_MPNET_RELATIVE_BUCKETS];
  BertTensor f16_tensor = { f16, BERT_DTYPE_F16, 2, { BERT_MPNET_RELATIVE_BUCKETS, 1 } };
  BertTensor bf16_tensor = { bf16, BERT_DTYPE_BF16, 2, { BERT_MPNET_RELATIVE_BUCKETS, 1 } };
  float *from_f16, *from_bf16;

  for (int b = 0; b < BERT_MPNET_RELATIVE_BUCKETS; b++) {
    f16[b] = GUINT16_TO_LE (0x3e00);
    bf16[b] = GUINT16_TO_LE (0x3fc0);
  }
  from_f16 = bert_position_bias_table_new (&f16_tensor, 1, 5);
  from_bf16 = bert_position_bias_table_new (&bf16_tensor, 1, 5);
  for (int k = 0; k < 9; k++) {
    g_assert_cmpfloat (from_f16[k], ==, 1.5f);
    g_assert_cmpfloat (from_bf16[k], ==, 1.5f);
  }
  g_free (from_f16);
  g_free (from_bf16);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/position-bias/buckets-as-torch", test_buckets_as_torch);
  g_test_add_func ("/engine/position-bias/table-layout", test_table_layout);
  g_test_add_func ("/engine/position-bias/table-from-half", test_table_from_half);
  return g_test_run ();
}
