/* test-cuda-kernels.c: every CUDA kernel (and the cuBLASLt dense layer) against its CPU
 * twin (cpu-twins.c) on random inputs, in F32, F16 and BF16 storage.
 *
 * Inputs are rounded to the storage dtype first, so the twin sees exactly what the kernel
 * reads; the tolerance is then half an ulp of the output dtype plus fp32 reordering
 * (cuda_test_tolerance). Skips (77) where there is no CUDA GPU.
 */
#include <math.h>
#include <string.h>

#include "bert_cuda_kernels.h"
#include "bert_cuda_matmul.h"
#include "bert_float16.h"
#include "cpu-twins.h"
#include "cuda-test-util.h"

static const BertDType all_dtypes[] = { BERT_DTYPE_F32, BERT_DTYPE_F16, BERT_DTYPE_BF16 };

/* What a check allocates, freed at its end by release_scratch. */
static GPtrArray *host_scratch;
static GPtrArray *device_scratch;

static gpointer
on_host (gpointer pointer)
{
  g_ptr_array_add (host_scratch, pointer);
  return pointer;
}

static gpointer
on_device (gpointer pointer)
{
  g_ptr_array_add (device_scratch, pointer);
  return pointer;
}

static void *
device_alloc (size_t bytes)
{
  void *pointer = NULL;

  CHECK_CUDA (cudaMalloc (&pointer, MAX (bytes, 1)));
  return on_device (pointer);
}

static void *
upload (BertDType dtype, const float *host, size_t n)
{
  return on_device (cuda_test_upload (dtype, host, n));
}

static void *
upload_bytes (const void *host, size_t bytes)
{
  return on_device (cuda_test_upload_bytes (host, bytes));
}

static void
release_scratch (void)
{
  for (guint i = 0; i < device_scratch->len; i++)
    CHECK_CUDA (cudaFree (g_ptr_array_index (device_scratch, i)));
  g_ptr_array_set_size (device_scratch, 0);
  g_ptr_array_set_size (host_scratch, 0);
}

/* Packed offsets for sequences of the given lengths. */
static uint32_t *
offsets_for (const uint32_t *lengths, uint32_t n_sequences, uint32_t *n_tokens, uint32_t *max_len)
{
  uint32_t *offsets = on_host (g_new (uint32_t, n_sequences + 1));

  offsets[0] = 0;
  *max_len = 0;
  for (uint32_t s = 0; s < n_sequences; s++) {
    offsets[s + 1] = offsets[s] + lengths[s];
    *max_len = MAX (*max_len, lengths[s]);
  }
  *n_tokens = offsets[n_sequences];
  return offsets;
}

static float *
random_floats (GRand *rand, size_t n, double low, double high)
{
  return on_host (cuda_test_random (rand, n, low, high));
}

static float *
random_rounded (GRand *rand, BertDType dtype, size_t n, double low, double high)
{
  float *values = random_floats (rand, n, low, high);
  cuda_test_round (dtype, values, n);
  return values;
}

static float *
host_floats (size_t n)
{
  return on_host (g_new (float, n));
}

/* Device f32 -> dtype conversion is bit-exact with the host's round-to-nearest-even. */
static void
test_convert (gconstpointer data)
{
  BertDType dtype = *(const BertDType *) data;
  const float specials[] = { 0.0f, -0.0f, 1.0f, -2.5f, 65504.0f, 65520.0f, 1e6f, -1e6f, 6.1e-5f, 5.96e-8f,
    2.98e-8f, 1e-10f, 3.4e38f, INFINITY, -INFINITY };
  GRand *rand = g_rand_new_with_seed (1);
  size_t n = 4096 + G_N_ELEMENTS (specials);
  float *values = host_floats (n), *back = host_floats (n);
  uint16_t *bits = on_host (g_new (uint16_t, n));
  void *device;

  for (size_t i = 0; i < n; i++)
    values[i] = i < G_N_ELEMENTS (specials)
        ? specials[i]
        : (float) (g_rand_double_range (rand, -1.0, 1.0) * pow (10.0, g_rand_double_range (rand, -9.0, 5.0)));
  device = upload (dtype, values, n);
  if (dtype == BERT_DTYPE_F32) {
    cuda_test_download (back, dtype, device, n);
    g_assert_cmpmem (back, n * sizeof (float), values, n * sizeof (float));
  } else {
    CHECK_CUDA (cudaMemcpy (bits, device, n * sizeof (uint16_t), cudaMemcpyDeviceToHost));
    for (size_t i = 0; i < n; i++) {
      uint16_t want =
          dtype == BERT_DTYPE_F16 ? bert_float_to_half (values[i]) : bert_float_to_bfloat16 (values[i]);
      if (bits[i] != want)
        g_error ("convert to %s: %.9g gave 0x%04x, expected 0x%04x", cuda_test_dtype_name (dtype), values[i],
            bits[i], want);
    }
  }
  release_scratch ();
  g_rand_free (rand);
}

/* Without token types (token_types FALSE), the kernel gets no table, as for DistilBERT. */
static void
check_embeddings_layernorm (BertDType dtype, int hidden, uint32_t n_tokens, gboolean token_types)
{
  const int vocab = 50, max_positions = 64, type_vocab = 2;
  const size_t n_out = (size_t) n_tokens * hidden;
  GRand *rand = g_rand_new_with_seed (hidden);
  float *word = random_rounded (rand, dtype, (size_t) vocab * hidden, -1, 1);
  float *position = random_rounded (rand, dtype, (size_t) max_positions * hidden, -1, 1);
  float *token_type = token_types ? random_rounded (rand, dtype, (size_t) type_vocab * hidden, -1, 1) : NULL;
  float *gamma = random_floats (rand, hidden, 0.5, 1.5), *beta = random_floats (rand, hidden, -0.5, 0.5);
  int32_t *ids = on_host (g_new (int32_t, n_tokens)), *type_ids = on_host (g_new (int32_t, n_tokens));
  int32_t *positions = on_host (g_new (int32_t, n_tokens));
  float *want = host_floats (n_out), *got = host_floats (n_out);
  void *out = device_alloc (n_out * bert_cuda_dtype_size (dtype));
  char *what = on_host (g_strdup_printf ("embeddings_layernorm %s hidden %d%s", cuda_test_dtype_name (dtype),
      hidden, token_types ? "" : " without token types"));

  for (uint32_t t = 0; t < n_tokens; t++) {
    ids[t] = g_rand_int_range (rand, 0, vocab);
    type_ids[t] = g_rand_int_range (rand, 0, type_vocab);
    positions[t] = g_rand_int_range (rand, 0, max_positions);
  }
  CHECK_CUDA (bert_cuda_embeddings_layernorm (dtype, out, upload_bytes (ids, n_tokens * sizeof (int32_t)),
      upload_bytes (type_ids, n_tokens * sizeof (int32_t)),
      upload_bytes (positions, n_tokens * sizeof (int32_t)), upload (dtype, word, (size_t) vocab * hidden),
      upload (dtype, position, (size_t) max_positions * hidden),
      token_types ? upload (dtype, token_type, (size_t) type_vocab * hidden) : NULL,
      upload (BERT_DTYPE_F32, gamma, hidden), upload (BERT_DTYPE_F32, beta, hidden), 1e-12f, n_tokens, hidden,
      NULL));
  cuda_test_download (got, dtype, out, n_out);
  cpu_embeddings_layernorm (want, ids, type_ids, positions, word, position, token_type, gamma, beta, 1e-12f,
      n_tokens, hidden);
  cuda_test_assert_close (what, got, want, n_out, cuda_test_tolerance (dtype));
  release_scratch ();
  g_rand_free (rand);
}

static void
test_embeddings_layernorm (gconstpointer data)
{
  BertDType dtype = *(const BertDType *) data;

  check_embeddings_layernorm (dtype, 64, 37, TRUE);
  check_embeddings_layernorm (dtype, 384, 100, TRUE);
  check_embeddings_layernorm (dtype, 1000, 7, TRUE); /* not a multiple of the block */
  check_embeddings_layernorm (dtype, BERT_CUDA_MAX_HIDDEN, 3, TRUE);
  check_embeddings_layernorm (dtype, 384, 20, FALSE);
}

static void
check_residual_layernorm (BertDType dtype, int hidden, uint32_t n_rows)
{
  size_t n = (size_t) n_rows * hidden;
  GRand *rand = g_rand_new_with_seed (hidden + 7);
  /* An offset mean, as after a residual sum, to exercise the two-pass variance. */
  float *input = random_rounded (rand, dtype, n, 2.0, 6.0);
  float *residual = random_rounded (rand, dtype, n, -3.0, 3.0);
  float *gamma = random_floats (rand, hidden, 0.5, 1.5), *beta = random_floats (rand, hidden, -0.5, 0.5);
  float *want = host_floats (n), *got = host_floats (n);
  void *out = device_alloc (n * bert_cuda_dtype_size (dtype));
  char *what =
      on_host (g_strdup_printf ("residual_layernorm %s hidden %d", cuda_test_dtype_name (dtype), hidden));

  CHECK_CUDA (bert_cuda_residual_layernorm (dtype, out, upload (dtype, input, n), upload (dtype, residual, n),
      upload (BERT_DTYPE_F32, gamma, hidden), upload (BERT_DTYPE_F32, beta, hidden), 1e-12f, n_rows, hidden,
      NULL));
  cuda_test_download (got, dtype, out, n);
  cpu_residual_layernorm (want, input, residual, gamma, beta, 1e-12f, n_rows, hidden);
  cuda_test_assert_close (what, got, want, n, cuda_test_tolerance (dtype));
  release_scratch ();
  g_rand_free (rand);
}

static void
test_residual_layernorm (gconstpointer data)
{
  BertDType dtype = *(const BertDType *) data;

  check_residual_layernorm (dtype, 128, 50);
  check_residual_layernorm (dtype, 768, 33);
  check_residual_layernorm (dtype, BERT_CUDA_MAX_HIDDEN, 5);
}

/* bias_activation, bias_tanh and bias_relu: x = activation (x + bias). */
static void
check_bias (BertDType dtype, const char *name,
    cudaError_t (*kernel) (BertDType, void *, const void *, uint32_t, int, BertActivation, cudaStream_t),
    BertActivation activation, uint32_t n_rows, int n_cols)
{
  size_t n = (size_t) n_rows * n_cols;
  GRand *rand = g_rand_new_with_seed (n_cols);
  float *x = random_rounded (rand, dtype, n, -4, 4);
  float *bias = random_rounded (rand, dtype, n_cols, -1, 1);
  float *got = host_floats (n);
  void *device_x = upload (dtype, x, n), *device_bias = upload (dtype, bias, n_cols);
  char *what = on_host (g_strdup_printf ("%s %d %s", name, activation, cuda_test_dtype_name (dtype)));

  CHECK_CUDA (kernel (dtype, device_x, device_bias, n_rows, n_cols, activation, NULL));
  cuda_test_download (got, dtype, device_x, n);
  cpu_bias_activation (x, bias, n_rows, n_cols, activation);
  cuda_test_assert_close (what, got, x, n, cuda_test_tolerance (dtype));
  release_scratch ();
  g_rand_free (rand);
}

static cudaError_t
bias_tanh (BertDType dtype, void *x, const void *bias, uint32_t n_rows, int n_cols, BertActivation activation,
    cudaStream_t stream)
{
  return bert_cuda_bias_tanh (dtype, x, bias, n_rows, n_cols, stream);
}

static cudaError_t
bias_relu (BertDType dtype, void *x, const void *bias, uint32_t n_rows, int n_cols, BertActivation activation,
    cudaStream_t stream)
{
  return bert_cuda_bias_relu (dtype, x, bias, n_rows, n_cols, stream);
}

/* Every activation, as the FFN's hidden_act. */
static void
test_bias_activation (gconstpointer data)
{
  BertDType dtype = *(const BertDType *) data;
  const BertActivation activations[] = { BERT_ACTIVATION_GELU, BERT_ACTIVATION_GELU_TANH,
    BERT_ACTIVATION_RELU, BERT_ACTIVATION_SILU, BERT_ACTIVATION_QUICK_GELU, BERT_ACTIVATION_TANH,
    BERT_ACTIVATION_SIGMOID, BERT_ACTIVATION_IDENTITY };

  for (guint i = 0; i < G_N_ELEMENTS (activations); i++) {
    check_bias (dtype, "bias_activation", bert_cuda_bias_activation, activations[i], 33, 1536);
    check_bias (dtype, "bias_activation", bert_cuda_bias_activation, activations[i], 1, 7);
  }
}

static void
test_bias_tanh (gconstpointer data)
{
  check_bias (*(const BertDType *) data, "bias_tanh", bias_tanh, BERT_ACTIVATION_TANH, 5, 384);
}

static void
test_bias_relu (gconstpointer data)
{
  check_bias (*(const BertDType *) data, "bias_relu", bias_relu, BERT_ACTIVATION_RELU, 5, 384);
}

/* bias_max_positions 0: no position bias; else a random table of MPNet's relative
 * position biases for sequences up to that many tokens. */
static void
check_attention_with (BertDType dtype, int n_heads, int head_dim, const uint32_t *lengths,
    uint32_t n_sequences, int bias_max_positions)
{
  uint32_t n_tokens, max_len;
  uint32_t *offsets = offsets_for (lengths, n_sequences, &n_tokens, &max_len);
  int hidden = n_heads * head_dim;
  size_t n_qkv = (size_t) n_tokens * 3 * hidden, n_out = (size_t) n_tokens * hidden;
  size_t n_bias = (size_t) n_heads * (2 * (size_t) bias_max_positions - 1);
  GRand *rand = g_rand_new_with_seed (n_heads * 1000 + head_dim);
  float *qkv = random_rounded (rand, dtype, n_qkv, -2, 2);
  float *bias = bias_max_positions > 0 ? random_rounded (rand, BERT_DTYPE_F32, n_bias, -3, 3) : NULL;
  float *want = host_floats (n_out), *got = host_floats (n_out);
  void *out = device_alloc (n_out * bert_cuda_dtype_size (dtype));
  char *what = on_host (g_strdup_printf ("attention_varlen %s %d heads of %d, %u sequences up to %u tokens%s",
      cuda_test_dtype_name (dtype), n_heads, head_dim, n_sequences, max_len,
      bias ? ", relative position bias" : ""));

  CHECK_CUDA (bert_cuda_attention_varlen (dtype, out, upload (dtype, qkv, n_qkv),
      upload_bytes (offsets, (n_sequences + 1) * sizeof (uint32_t)), n_sequences, max_len, n_heads, head_dim,
      bias ? upload (BERT_DTYPE_F32, bias, n_bias) : NULL, bias_max_positions, NULL));
  cuda_test_download (got, dtype, out, n_out);
  cpu_attention_varlen (want, qkv, offsets, n_sequences, n_heads, head_dim, bias, bias_max_positions);
  cuda_test_assert_close (what, got, want, n_out, cuda_test_tolerance (dtype));
  release_scratch ();
  g_rand_free (rand);
}

static void
check_attention (BertDType dtype, int n_heads, int head_dim, const uint32_t *lengths, uint32_t n_sequences)
{
  check_attention_with (dtype, n_heads, head_dim, lengths, n_sequences, 0);
}

static void
test_attention_varlen (gconstpointer data)
{
  BertDType dtype = *(const BertDType *) data;
  /* Lengths around the 64-query and 32-key tiles, a single token, and the 512 maximum. */
  const uint32_t mixed[] = { 1, 7, 64, 65, 130, 33, 512, 2 };
  const uint32_t captions[] = { 12, 9, 31, 40, 8, 17, 22, 25, 11, 38 };

  check_attention (dtype, 2, 64, mixed, G_N_ELEMENTS (mixed));
  check_attention (dtype, 12, 32, captions, G_N_ELEMENTS (captions));
  check_attention (dtype, 4, 48, captions, G_N_ELEMENTS (captions)); /* head_dim below its bound */
  check_attention (dtype, 2, 128, mixed, G_N_ELEMENTS (mixed));
  check_attention (dtype, 1, 1, captions, 3);
  /* MPNet's relative position bias: a table for 512 positions, and one for exactly the
   * longest sequence (its first and last entries read). */
  check_attention_with (dtype, 2, 64, mixed, G_N_ELEMENTS (mixed), 512);
  check_attention_with (dtype, 12, 32, captions, G_N_ELEMENTS (captions), 40);
}

/* prompt_lengths: NULL, or one per sequence of lengths. */
static void
check_pool (BertDType dtype, const BertPoolings *pooling, gboolean normalize, const uint32_t *prompt_lengths)
{
  const uint32_t lengths[] = { 1, 5, 40, 128, 3 };
  const int hidden = 384;
  uint32_t n_sequences = G_N_ELEMENTS (lengths), n_tokens, max_len;
  uint32_t *offsets = offsets_for (lengths, n_sequences, &n_tokens, &max_len);
  size_t n_out = (size_t) n_sequences * pooling->n_modes * hidden;
  GRand *rand = g_rand_new_with_seed (pooling->modes[0] * 2 + normalize + 16 * pooling->n_modes);
  float *states = random_rounded (rand, dtype, (size_t) n_tokens * hidden, -3, 3);
  float *want = host_floats (n_out), *got = host_floats (n_out);
  float *pooled = device_alloc (n_out * sizeof (float));
  GString *modes = g_string_new (NULL);

  for (int m = 0; m < pooling->n_modes; m++)
    g_string_append_printf (modes, "%s%d", m > 0 ? "+" : "", pooling->modes[m]);
  char *what = on_host (g_strdup_printf ("pool_normalize %s pooling %s normalize %d%s",
      cuda_test_dtype_name (dtype), modes->str, normalize, prompt_lengths ? " without prompts" : ""));
  g_string_free (modes, TRUE);

  CHECK_CUDA (bert_cuda_pool_normalize (dtype, pooled, upload (dtype, states, (size_t) n_tokens * hidden),
      upload_bytes (offsets, (n_sequences + 1) * sizeof (uint32_t)),
      prompt_lengths ? upload_bytes (prompt_lengths, n_sequences * sizeof (uint32_t)) : NULL, n_sequences,
      hidden, *pooling, normalize, NULL));
  CHECK_CUDA (cudaMemcpy (got, pooled, n_out * sizeof (float), cudaMemcpyDeviceToHost));
  cpu_pool_normalize (want, states, offsets, prompt_lengths, n_sequences, hidden, pooling, normalize);
  /* fp32 output from fp32 sums: the F32 tolerance whatever the storage. */
  cuda_test_assert_close (what, got, want, n_out, cuda_test_tolerance (BERT_DTYPE_F32));
  release_scratch ();
  g_rand_free (rand);
}

static void
test_pool_normalize (gconstpointer data)
{
  BertDType dtype = *(const BertDType *) data;
  const BertPooling modes[] = { BERT_POOLING_MEAN, BERT_POOLING_CLS, BERT_POOLING_MAX,
    BERT_POOLING_MEAN_SQRT_LEN, BERT_POOLING_WEIGHTED_MEAN, BERT_POOLING_LAST_TOKEN };
  /* Concatenations as sentence-transformers' Pooling makes them: each mode's values
   * after the previous one's, the whole row normalised. */
  const BertPoolings concatenated[] = {
    { 2, { BERT_POOLING_CLS, BERT_POOLING_MEAN } },
    { 3, { BERT_POOLING_MEAN, BERT_POOLING_WEIGHTED_MEAN, BERT_POOLING_LAST_TOKEN } },
    { 6,
        { BERT_POOLING_CLS, BERT_POOLING_MEAN, BERT_POOLING_MEAN_SQRT_LEN, BERT_POOLING_WEIGHTED_MEAN,
            BERT_POOLING_LAST_TOKEN, BERT_POOLING_MEAN } },
  };
  /* max among others, with prompts that leave it a token in every sequence */
  const BertPoolings with_max = { 3, { BERT_POOLING_MEAN, BERT_POOLING_MAX, BERT_POOLING_LAST_TOKEN } };

  /* Prompts of none, some, most and (all but max) all of a sequence's tokens: max over no
   * token is -inf, which the comparison cannot take (the test below checks it). */
  const uint32_t prompt_lengths[] = { 0, 2, 5, 100, 3 }, max_prompt_lengths[] = { 0, 2, 5, 100, 2 };

  for (guint i = 0; i < G_N_ELEMENTS (modes); i++) {
    const uint32_t *prompts = modes[i] == BERT_POOLING_MAX ? max_prompt_lengths : prompt_lengths;
    BertPoolings pooling = bert_poolings_single (modes[i]);

    check_pool (dtype, &pooling, FALSE, NULL);
    check_pool (dtype, &pooling, TRUE, NULL);
    check_pool (dtype, &pooling, FALSE, prompts);
    check_pool (dtype, &pooling, TRUE, prompts);
  }
  for (guint i = 0; i < G_N_ELEMENTS (concatenated); i++) {
    check_pool (dtype, &concatenated[i], FALSE, NULL);
    check_pool (dtype, &concatenated[i], TRUE, prompt_lengths);
  }
  check_pool (dtype, &with_max, TRUE, max_prompt_lengths);
  check_pool (dtype, &with_max, FALSE, NULL);
}

/* sentence-transformers' max over an all-masked sequence: -inf in every column. */
static void
test_pool_max_without_tokens (void)
{
  const uint32_t offsets[] = { 0, 2 }, prompt_lengths[] = { 2 };
  const int hidden = 3;
  float states[6] = { 1, 2, 3, 4, 5, 6 }, got[3];
  float *pooled = device_alloc (sizeof got);

  CHECK_CUDA (bert_cuda_pool_normalize (BERT_DTYPE_F32, pooled, upload (BERT_DTYPE_F32, states, 6),
      upload_bytes (offsets, sizeof offsets), upload_bytes (prompt_lengths, sizeof prompt_lengths), 1, hidden,
      bert_poolings_single (BERT_POOLING_MAX), FALSE, NULL));
  CHECK_CUDA (cudaMemcpy (got, pooled, sizeof got, cudaMemcpyDeviceToHost));
  for (int i = 0; i < hidden; i++)
    g_assert_true (isinf (got[i]) && got[i] < 0);
  release_scratch ();
}

static void
test_gather_first_tokens (gconstpointer data)
{
  BertDType dtype = *(const BertDType *) data;
  const uint32_t lengths[] = { 3, 1, 17, 9 };
  const int hidden = 200;
  uint32_t n_sequences = G_N_ELEMENTS (lengths), n_tokens, max_len;
  uint32_t *offsets = offsets_for (lengths, n_sequences, &n_tokens, &max_len);
  size_t n_out = (size_t) n_sequences * hidden;
  GRand *rand = g_rand_new_with_seed (5);
  float *states = random_rounded (rand, dtype, (size_t) n_tokens * hidden, -1, 1);
  float *want = host_floats (n_out), *got = host_floats (n_out);
  void *out = device_alloc (n_out * bert_cuda_dtype_size (dtype));

  CHECK_CUDA (bert_cuda_gather_first_tokens (dtype, out, upload (dtype, states, (size_t) n_tokens * hidden),
      upload_bytes (offsets, (n_sequences + 1) * sizeof (uint32_t)), n_sequences, hidden, NULL));
  cuda_test_download (got, dtype, out, n_out);
  cpu_gather_first_tokens (want, states, offsets, n_sequences, hidden);
  g_assert_cmpmem (got, n_out * sizeof (float), want, n_out * sizeof (float));
  release_scratch ();
  g_rand_free (rand);
}

static const char *const score_function_names[] = {
  [BERT_SCORES_SOFTMAX] = "softmax",
  [BERT_SCORES_SIGMOID] = "sigmoid",
  [BERT_SCORES_IDENTITY] = "identity",
  [BERT_SCORES_TANH] = "tanh",
};

/* Rows of stride entries of which the first n_labels are logits (the rest is padding). */
static void
check_logits (BertDType dtype, BertScoreFunction score_function, gboolean with_probs, uint32_t n_rows,
    int n_labels, int stride)
{
  size_t n = (size_t) n_rows * n_labels;
  GRand *rand = g_rand_new_with_seed (n_labels);
  float *padded = random_rounded (rand, dtype, (size_t) n_rows * stride, -6, 6);
  float *logits = host_floats (n), *want_logits = host_floats (n), *want_probs = host_floats (n);
  float *got_logits = host_floats (n), *got_probs = host_floats (n);
  int32_t *want_labels = on_host (g_new (int32_t, n_rows)), *got_labels = on_host (g_new (int32_t, n_rows));
  uint8_t *want_applies = on_host (g_new (uint8_t, n)), *got_applies = on_host (g_new (uint8_t, n));
  float *device_logits = device_alloc (n * sizeof (float));
  float *device_probs = with_probs ? device_alloc (n * sizeof (float)) : NULL;
  uint8_t *device_applies = with_probs ? device_alloc (n) : NULL;
  int32_t *device_labels = device_alloc (n_rows * sizeof (int32_t));
  char *what = on_host (g_strdup_printf ("logits_probs_argmax %s %s", cuda_test_dtype_name (dtype),
      score_function_names[score_function]));

  for (uint32_t r = 0; r < n_rows; r++)
    memcpy (logits + (size_t) r * n_labels, padded + (size_t) r * stride, n_labels * sizeof (float));
  CHECK_CUDA (
      bert_cuda_logits_probs_argmax (dtype, device_logits, device_probs, device_labels, device_applies,
          upload (dtype, padded, (size_t) n_rows * stride), n_rows, n_labels, stride, score_function, NULL));
  CHECK_CUDA (cudaMemcpy (got_logits, device_logits, n * sizeof (float), cudaMemcpyDeviceToHost));
  CHECK_CUDA (cudaMemcpy (got_labels, device_labels, n_rows * sizeof (int32_t), cudaMemcpyDeviceToHost));
  cpu_logits_probs_argmax (want_logits, with_probs ? want_probs : NULL, want_labels,
      with_probs ? want_applies : NULL, logits, n_rows, n_labels, score_function);
  g_assert_cmpmem (got_logits, n * sizeof (float), want_logits, n * sizeof (float));
  g_assert_cmpmem (got_labels, n_rows * sizeof (int32_t), want_labels, n_rows * sizeof (int32_t));
  if (with_probs) {
    CHECK_CUDA (cudaMemcpy (got_probs, device_probs, n * sizeof (float), cudaMemcpyDeviceToHost));
    cuda_test_assert_close (what, got_probs, want_probs, n, (Tolerance){ 1e-6, 1e-5 });
    CHECK_CUDA (cudaMemcpy (got_applies, device_applies, n, cudaMemcpyDeviceToHost));
    /* Probabilities within the tolerance of the threshold may fall either side of it. */
    for (size_t i = 0; i < n; i++)
      if (fabsf (want_probs[i] - BERT_MULTI_LABEL_THRESHOLD) > 1e-5f && got_applies[i] != want_applies[i])
        g_error ("%s: label %zu of row %zu applies %d, CPU twin %d (probability %g)", what, i % n_labels,
            i / n_labels, got_applies[i], want_applies[i], want_probs[i]);
  }
  release_scratch ();
  g_rand_free (rand);
}

static void
test_logits_probs_argmax (gconstpointer data)
{
  BertDType dtype = *(const BertDType *) data;

  check_logits (dtype, BERT_SCORES_SOFTMAX, TRUE, 300, 2, 8); /* as the padded classifier GEMM leaves them */
  check_logits (dtype, BERT_SCORES_SIGMOID, TRUE, 17, 4, 4);
  check_logits (dtype, BERT_SCORES_SOFTMAX, TRUE, 1000, 9, 16);  /* token classifier: softmax per token */
  check_logits (dtype, BERT_SCORES_SOFTMAX, FALSE, 1000, 9, 16); /* labels only */
  check_logits (dtype, BERT_SCORES_SOFTMAX, TRUE, 3, 1, 1);
  check_logits (dtype, BERT_SCORES_IDENTITY, TRUE, 40, 1, 8); /* regression: the raw logit */
  check_logits (dtype, BERT_SCORES_IDENTITY, TRUE, 40, 3, 8);
  check_logits (dtype, BERT_SCORES_TANH, TRUE, 40, 2, 8); /* a CrossEncoder's Tanh */
}

static void
check_linear (BertCudaMatmul *matmul, BertDType dtype, uint32_t rows, int in_features, int out_features,
    gboolean with_bias)
{
  size_t n_in = (size_t) rows * in_features, n_weight = (size_t) out_features * in_features;
  size_t n_out = (size_t) rows * out_features;
  double weight_range = sqrt (3.0 / in_features);
  GRand *rand = g_rand_new_with_seed (rows + in_features);
  float *input = random_rounded (rand, dtype, n_in, -1, 1);
  float *weight = random_rounded (rand, dtype, n_weight, -weight_range, weight_range);
  float *bias = random_rounded (rand, dtype, out_features, -1, 1);
  float *want = host_floats (n_out), *got = host_floats (n_out);
  void *out = device_alloc (n_out * bert_cuda_dtype_size (dtype));
  char *what = on_host (g_strdup_printf ("linear %s [%u, %d] x [%d, %d]^T%s", cuda_test_dtype_name (dtype),
      rows, in_features, out_features, in_features, with_bias ? " + bias" : ""));
  GError *error = NULL;

  if (!bert_cuda_linear (matmul, out, upload (dtype, input, n_in), upload (dtype, weight, n_weight),
          with_bias ? upload (dtype, bias, out_features) : NULL, rows, in_features, out_features, NULL,
          &error))
    g_error ("%s: %s", what, error->message);
  cuda_test_download (got, dtype, out, n_out);
  cpu_linear (want, input, weight, with_bias ? bias : NULL, rows, in_features, out_features);
  cuda_test_assert_close (what, got, want, n_out, cuda_test_tolerance (dtype));
  release_scratch ();
  g_rand_free (rand);
}

static void
test_linear (gconstpointer data)
{
  BertDType dtype = *(const BertDType *) data;
  GError *error = NULL;
  BertCudaMatmul *matmul = bert_cuda_matmul_new (dtype, &error);

  g_assert_no_error (error);
  check_linear (matmul, dtype, 37, 384, 1152, TRUE); /* fused QKV of MiniLM */
  check_linear (matmul, dtype, 300, 1536, 384, TRUE);
  check_linear (matmul, dtype, 64, 384, 1536, FALSE); /* FFN up-projection: bias goes to bias_activation */
  check_linear (matmul, dtype, 1, 128, 8, TRUE);      /* a classifier, 3 labels padded to 8, one sequence */
  check_linear (matmul, dtype, 300, 128, 16, TRUE);   /* token classifier, 9 labels padded to 16 */
  check_linear (matmul, dtype, 37, 384, 1152, TRUE);  /* again, from the algorithm cache */
  bert_cuda_matmul_free (matmul);
}

/* Launchers refuse shapes their kernels cannot take, before launching anything. */
/* The Dense modules' kernels are fp32 whatever the encoder's storage: one run each. */
static void
check_dense (BertActivation activation, gboolean with_bias, int in_features, int out_features)
{
  const uint32_t n_rows = 5;
  GRand *rand = g_rand_new_with_seed (activation * 2 + with_bias);
  float *x = random_floats (rand, (size_t) n_rows * in_features, -2, 2);
  float *weight = random_floats (rand, (size_t) out_features * in_features, -0.2, 0.2);
  float *bias = with_bias ? random_floats (rand, out_features, -1, 1) : NULL;
  size_t n_out = (size_t) n_rows * out_features;
  float *want = host_floats (n_out), *got = host_floats (n_out);
  float *y = device_alloc (n_out * sizeof (float));
  char *what = on_host (g_strdup_printf ("dense_activation %d bias %d %dx%d", activation, with_bias,
      out_features, in_features));

  CHECK_CUDA (bert_cuda_dense_activation (y, upload (BERT_DTYPE_F32, x, (size_t) n_rows * in_features),
      upload (BERT_DTYPE_F32, weight, (size_t) out_features * in_features),
      bias ? upload (BERT_DTYPE_F32, bias, out_features) : NULL, n_rows, in_features, out_features,
      activation, NULL));
  CHECK_CUDA (cudaMemcpy (got, y, n_out * sizeof (float), cudaMemcpyDeviceToHost));
  cpu_dense_activation (want, x, weight, bias, n_rows, in_features, out_features, activation);
  cuda_test_assert_close (what, got, want, n_out, cuda_test_tolerance (BERT_DTYPE_F32));

  CHECK_CUDA (bert_cuda_normalize_rows (y, n_rows, out_features, NULL));
  CHECK_CUDA (cudaMemcpy (got, y, n_out * sizeof (float), cudaMemcpyDeviceToHost));
  cpu_normalize_rows (want, n_rows, out_features);
  cuda_test_assert_close ("normalize_rows", got, want, n_out, cuda_test_tolerance (BERT_DTYPE_F32));
  release_scratch ();
  g_rand_free (rand);
}

static void
test_dense_activation (void)
{
  const BertActivation activations[] = { BERT_ACTIVATION_IDENTITY, BERT_ACTIVATION_TANH, BERT_ACTIVATION_RELU,
    BERT_ACTIVATION_SIGMOID, BERT_ACTIVATION_GELU, BERT_ACTIVATION_GELU_TANH, BERT_ACTIVATION_SILU,
    BERT_ACTIVATION_QUICK_GELU };

  for (guint i = 0; i < G_N_ELEMENTS (activations); i++) {
    check_dense (activations[i], TRUE, 384, 768);
    check_dense (activations[i], FALSE, 300, 7);
  }
}

static void
test_launchers_refuse_bad_shapes (void)
{
  g_assert_cmpint (bert_cuda_residual_layernorm (BERT_DTYPE_F16, NULL, NULL, NULL, NULL, NULL, 1e-12f, 1,
                       BERT_CUDA_MAX_HIDDEN + 1, NULL),
      ==, cudaErrorInvalidValue);
  g_assert_cmpint (bert_cuda_attention_varlen (BERT_DTYPE_F16, NULL, NULL, NULL, 1, 8, 1,
                       BERT_CUDA_MAX_HEAD_DIM + 1, NULL, 0, NULL),
      ==, cudaErrorInvalidValue);
  /* A position bias table for no position. */
  g_assert_cmpint (bert_cuda_attention_varlen (BERT_DTYPE_F16, NULL, NULL, NULL, 1, 8, 1, 64,
                       (const float *) 4, 0, NULL),
      ==, cudaErrorInvalidValue);
  g_assert_cmpint (bert_cuda_logits_probs_argmax (BERT_DTYPE_F32, NULL, NULL, NULL, NULL, NULL, 1, 0, 0,
                       BERT_SCORES_SOFTMAX, NULL),
      ==, cudaErrorInvalidValue);
  g_assert_cmpint (bert_cuda_logits_probs_argmax (BERT_DTYPE_F32, NULL, NULL, NULL, NULL, NULL, 1, 4, 3,
                       BERT_SCORES_SOFTMAX, NULL),
      ==, cudaErrorInvalidValue);
  /* Which labels apply is read from the probabilities. */
  g_assert_cmpint (bert_cuda_logits_probs_argmax (BERT_DTYPE_F32, NULL, NULL, NULL, (uint8_t *) 1, NULL, 1, 4,
                       4, BERT_SCORES_SOFTMAX, NULL),
      ==, cudaErrorInvalidValue);
}

static void
add_for_each_dtype (const char *name, GTestDataFunc test)
{
  for (guint i = 0; i < G_N_ELEMENTS (all_dtypes); i++) {
    char *path = g_strdup_printf ("/cuda/kernels/%s/%s", name, cuda_test_dtype_name (all_dtypes[i]));
    g_test_add_data_func (path, &all_dtypes[i], test);
    g_free (path);
  }
}

int
main (int argc, char **argv)
{
  cuda_test_skip_without_gpu ("the kernel tests");
  g_test_init (&argc, &argv, NULL);
  host_scratch = g_ptr_array_new_with_free_func (g_free);
  device_scratch = g_ptr_array_new ();
  add_for_each_dtype ("convert", test_convert);
  add_for_each_dtype ("embeddings_layernorm", test_embeddings_layernorm);
  add_for_each_dtype ("residual_layernorm", test_residual_layernorm);
  add_for_each_dtype ("bias_activation", test_bias_activation);
  add_for_each_dtype ("bias_tanh", test_bias_tanh);
  add_for_each_dtype ("bias_relu", test_bias_relu);
  add_for_each_dtype ("attention_varlen", test_attention_varlen);
  add_for_each_dtype ("pool_normalize", test_pool_normalize);
  g_test_add_func ("/cuda/kernels/pool_max_without_tokens", test_pool_max_without_tokens);
  add_for_each_dtype ("gather_first_tokens", test_gather_first_tokens);
  add_for_each_dtype ("logits_probs_argmax", test_logits_probs_argmax);
  add_for_each_dtype ("linear", test_linear);
  g_test_add_func ("/cuda/kernels/dense_activation", test_dense_activation);
  g_test_add_func ("/cuda/kernels/launchers_refuse_bad_shapes", test_launchers_refuse_bad_shapes);
  return g_test_run ();
}
