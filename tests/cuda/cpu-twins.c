/* cpu-twins.c: plain, obviously correct CPU versions of the CUDA kernels (double math). */
#include "cpu-twins.h"

#include "bert_reference_activation.h"

#include <math.h>

static void
layernorm_row (float *out, const double *row, const float *gamma, const float *beta, float eps, int hidden)
{
  double mean = 0.0, variance = 0.0;

  for (int i = 0; i < hidden; i++)
    mean += row[i];
  mean /= hidden;
  for (int i = 0; i < hidden; i++)
    variance += (row[i] - mean) * (row[i] - mean);
  variance /= hidden;
  for (int i = 0; i < hidden; i++)
    out[i] = (float) ((row[i] - mean) / sqrt (variance + eps) * gamma[i] + beta[i]);
}

void
cpu_embeddings_layernorm (float *out, const int32_t *ids, const int32_t *type_ids, const int32_t *positions,
    const float *word, const float *position, const float *token_type, const float *gamma, const float *beta,
    float eps, uint32_t n_tokens, int hidden)
{
  double *row = g_new (double, hidden);

  for (uint32_t t = 0; t < n_tokens; t++) {
    for (int i = 0; i < hidden; i++)
      row[i] = (double) word[(size_t) ids[t] * hidden + i] + position[(size_t) positions[t] * hidden + i]
          + (token_type ? token_type[(size_t) type_ids[t] * hidden + i] : 0.0);
    layernorm_row (out + (size_t) t * hidden, row, gamma, beta, eps, hidden);
  }
  g_free (row);
}

void
cpu_residual_layernorm (float *out, const float *input, const float *residual, const float *gamma,
    const float *beta, float eps, uint32_t n_rows, int hidden)
{
  double *row = g_new (double, hidden);

  for (uint32_t r = 0; r < n_rows; r++) {
    for (int i = 0; i < hidden; i++)
      row[i] = (double) input[(size_t) r * hidden + i] + residual[(size_t) r * hidden + i];
    layernorm_row (out + (size_t) r * hidden, row, gamma, beta, eps, hidden);
  }
  g_free (row);
}

void
cpu_bias_tanh (float *x, const float *bias, uint32_t n_rows, int n_cols)
{
  for (size_t i = 0; i < (size_t) n_rows * n_cols; i++)
    x[i] = (float) tanh ((double) x[i] + bias[i % n_cols]);
}

void
cpu_bias_relu (float *x, const float *bias, uint32_t n_rows, int n_cols)
{
  for (size_t i = 0; i < (size_t) n_rows * n_cols; i++)
    x[i] = (float) fmax ((double) x[i] + bias[i % n_cols], 0.0);
}

/* softmax (q . K^T / sqrt (d) + bias) V for one query of one head, two passes over the
 * scores; bias: NULL, or the query's relative position biases, bias[k] for key k. */
static void
attention_one_query (float *out, const float *query, const float *keys, const float *values, int seq_len,
    size_t row_stride, int head_dim, const float *bias)
{
  double *scores = g_new (double, seq_len);
  double max_score = -INFINITY, sum = 0.0;

  for (int k = 0; k < seq_len; k++) {
    double dot = 0.0;
    for (int i = 0; i < head_dim; i++)
      dot += (double) query[i] * keys[k * row_stride + i];
    scores[k] = dot / sqrt ((double) head_dim) + (bias ? bias[k] : 0.0);
    max_score = fmax (max_score, scores[k]);
  }
  for (int k = 0; k < seq_len; k++) {
    scores[k] = exp (scores[k] - max_score);
    sum += scores[k];
  }
  for (int i = 0; i < head_dim; i++) {
    double acc = 0.0;
    for (int k = 0; k < seq_len; k++)
      acc += scores[k] * values[k * row_stride + i];
    out[i] = (float) (acc / sum);
  }
  g_free (scores);
}

void
cpu_attention_varlen (float *context, const float *query_key_value, const uint32_t *seq_offsets,
    uint32_t n_sequences, int n_heads, int head_dim, const float *position_bias, int bias_max_positions)
{
  int hidden = n_heads * head_dim;
  size_t row_stride = 3 * (size_t) hidden;

  for (uint32_t s = 0; s < n_sequences; s++) {
    int seq_len = (int) (seq_offsets[s + 1] - seq_offsets[s]);
    const float *first_row = query_key_value + seq_offsets[s] * row_stride;
    for (int h = 0; h < n_heads; h++)
      for (int q = 0; q < seq_len; q++)
        attention_one_query (context + (seq_offsets[s] + q) * (size_t) hidden + h * head_dim,
            first_row + q * row_stride + h * head_dim, first_row + hidden + h * head_dim,
            first_row + 2 * hidden + h * head_dim, seq_len, row_stride, head_dim,
            position_bias ? bert_position_bias_row (position_bias, bias_max_positions, h) - q : NULL);
  }
}

/* One mode of sentence-transformers' Pooling over sequence s, with the prompt's positions
 * of the attention mask zeroed: over none left, the means and the last token are zeros,
 * max -inf and CLS the sequence's first row; weightedmean weighs position p by p + 1, the
 * prompt's counted. */
static void
pool_one_mode (double *out, const float *hidden_states, uint32_t first, uint32_t start, uint32_t end,
    int hidden, BertPooling pooling)
{
  gboolean sums =
      pooling != BERT_POOLING_CLS && pooling != BERT_POOLING_MAX && pooling != BERT_POOLING_LAST_TOKEN;

  for (int i = 0; i < hidden; i++) {
    double value = pooling == BERT_POOLING_MAX ? -INFINITY : 0.0, weights = 0.0;
    if (pooling == BERT_POOLING_CLS)
      value = hidden_states[(size_t) (start < end ? start : first) * hidden + i];
    if (pooling == BERT_POOLING_LAST_TOKEN && start < end)
      value = hidden_states[(size_t) (end - 1) * hidden + i];
    for (uint32_t t = start; pooling == BERT_POOLING_MAX && t < end; t++)
      value = fmax (value, hidden_states[(size_t) t * hidden + i]);
    for (uint32_t t = start; sums && t < end; t++) {
      double weight = pooling == BERT_POOLING_WEIGHTED_MEAN ? t - first + 1.0 : 1.0;
      value += weight * hidden_states[(size_t) t * hidden + i];
      weights += weight;
    }
    if (sums && end > start)
      value /= pooling == BERT_POOLING_MEAN_SQRT_LEN ? sqrt (weights) : weights;
    out[i] = value;
  }
}

/* Each mode of pooling over each sequence, concatenated in pooling's order, the row then
 * L2-normalised as a whole when normalize (sentence-transformers' Pooling, then Normalize). */
void
cpu_pool_normalize (float *pooled, const float *hidden_states, const uint32_t *seq_offsets,
    const uint32_t *prompt_lengths, uint32_t n_sequences, int hidden, const BertPoolings *pooling,
    gboolean normalize)
{
  size_t width = (size_t) pooling->n_modes * hidden;
  double *row = g_new (double, width);

  for (uint32_t s = 0; s < n_sequences; s++) {
    uint32_t skip = prompt_lengths ? MIN (prompt_lengths[s], seq_offsets[s + 1] - seq_offsets[s]) : 0;
    float *out = pooled + s * width;
    double squares = 0.0;

    for (int m = 0; m < pooling->n_modes; m++)
      pool_one_mode (row + (size_t) m * hidden, hidden_states, seq_offsets[s], seq_offsets[s] + skip,
          seq_offsets[s + 1], hidden, pooling->modes[m]);
    for (size_t i = 0; i < width; i++)
      squares += row[i] * row[i];
    for (size_t i = 0; i < width; i++)
      out[i] = (float) (normalize ? row[i] / fmax (sqrt (squares), 1e-12) : row[i]);
  }
  g_free (row);
}

void
cpu_gather_first_tokens (float *out, const float *hidden_states, const uint32_t *seq_offsets,
    uint32_t n_sequences, int hidden)
{
  for (uint32_t s = 0; s < n_sequences; s++)
    for (int i = 0; i < hidden; i++)
      out[(size_t) s * hidden + i] = hidden_states[(size_t) seq_offsets[s] * hidden + i];
}

/* A logit's score in double; max_logit and sum (of exp (logit - max_logit)) for softmax. */
static double
score (float logit, float max_logit, double sum, BertScoreFunction score_function)
{
  switch (score_function) {
    case BERT_SCORES_SIGMOID: return 1.0 / (1.0 + exp (-(double) logit));
    case BERT_SCORES_TANH: return tanh ((double) logit);
    case BERT_SCORES_IDENTITY: return logit;
    case BERT_SCORES_SOFTMAX:
    default: return exp ((double) logit - max_logit) / sum;
  }
}

void
cpu_logits_probs_argmax (float *logits_out, float *probs_out, int32_t *labels, uint8_t *applies_out,
    const float *logits, uint32_t n_rows, int n_labels, BertScoreFunction score_function)
{
  for (uint32_t r = 0; r < n_rows; r++) {
    const float *in = logits + (size_t) r * n_labels;
    double sum = 0.0;
    labels[r] = 0;
    for (int l = 0; l < n_labels; l++) {
      logits_out[(size_t) r * n_labels + l] = in[l];
      if (in[l] > in[labels[r]])
        labels[r] = l;
    }
    for (int l = 0; probs_out != NULL && l < n_labels; l++)
      sum += exp ((double) in[l] - in[labels[r]]);
    for (int l = 0; probs_out != NULL && l < n_labels; l++)
      probs_out[(size_t) r * n_labels + l] = (float) score (in[l], in[labels[r]], sum, score_function);
    for (int l = 0; applies_out != NULL && l < n_labels; l++)
      applies_out[(size_t) r * n_labels + l] = score_function == BERT_SCORES_SIGMOID
          ? probs_out[(size_t) r * n_labels + l] > BERT_MULTI_LABEL_THRESHOLD
          : l == labels[r];
  }
}

void
cpu_linear (float *out, const float *input, const float *weight, const float *bias, uint32_t rows,
    int in_features, int out_features)
{
  for (uint32_t r = 0; r < rows; r++)
    for (int o = 0; o < out_features; o++) {
      double acc = bias != NULL ? bias[o] : 0.0;
      for (int i = 0; i < in_features; i++)
        acc += (double) input[(size_t) r * in_features + i] * weight[(size_t) o * in_features + i];
      out[(size_t) r * out_features + o] = (float) acc;
    }
}

void
cpu_bias_activation (float *x, const float *bias, uint32_t n_rows, int n_cols, BertActivation activation)
{
  for (size_t i = 0; i < (size_t) n_rows * n_cols; i++)
    x[i] = (float) bert_reference_activation (activation, (double) x[i] + bias[i % n_cols]);
}

void
cpu_dense_activation (float *y, const float *x, const float *weight, const float *bias, uint32_t n_rows,
    int in_features, int out_features, BertActivation activation)
{
  cpu_linear (y, x, weight, bias, n_rows, in_features, out_features);
  for (size_t i = 0; i < (size_t) n_rows * out_features; i++)
    y[i] = (float) bert_reference_activation (activation, y[i]);
}

void
cpu_normalize_rows (float *x, uint32_t n_rows, int n_cols)
{
  for (uint32_t r = 0; r < n_rows; r++) {
    float *row = x + (size_t) r * n_cols;
    double squares = 0.0;

    for (int i = 0; i < n_cols; i++)
      squares += (double) row[i] * row[i];
    for (int i = 0; i < n_cols; i++)
      row[i] = (float) (row[i] / fmax (sqrt (squares), 1e-12));
  }
}
