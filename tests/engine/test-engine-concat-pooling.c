/* test-engine-concat-pooling: Pooling modules that concatenate several modes, read from
 * either config.json form, on the CPU.
 *
 * On the generated test model (hidden 32): the flags form concatenates in
 * sentence-transformers' fixed order whatever the file's order, the pooling_mode list in
 * its own order (a mode may repeat); the embedding is modes x 32 wide, each slice what
 * that mode alone gives, and Normalize scales the whole concatenation. The results
 * against sentence-transformers are the parity tests on data/concat-pooling.
 */
#include <math.h>
#include <string.h>

#include "engine-test-util.h"

#define HIDDEN 32
#define N_TOKENS 11

static const int32_t ids[N_TOKENS] = { 2, 17, 42, 8, 23, 31, 11, 40, 9, 12, 3 };

/* One sequence's embedding under the model's pooling or the one mode pooling names (-1:
 * the model's); *width gets its size. */
static float *
embed (BertModel *model, int pooling, int normalize, int *width)
{
  BertEncoder *encoder = engine_test_cpu_encoder (model, pooling, normalize, 1);
  BertSequence sequence = { ids, NULL, N_TOKENS };
  GError *error = NULL;
  BertJob *job = bert_encoder_run (encoder, &sequence, 1, &error);
  float *embedding;

  g_assert_no_error (error);
  *width = bert_job_get_output (job)->embedding_size;
  embedding = g_memdup2 (bert_job_get_output (job)->embeddings, *width * sizeof (float));
  bert_job_free (job);
  bert_encoder_free (encoder);
  return embedding;
}

/* The model pools with modes, in that order: each slice of its embedding is what that
 * mode alone gives, and normalised the whole has norm 1. */
static void
assert_concatenates (BertModel *model, const BertPooling *modes, int n_modes)
{
  int width, one_width;
  float *joined = embed (model, -1, 0, &width), *normalized;
  double norm = 0.0;

  g_assert_cmpint (model->config.pooling.n_modes, ==, n_modes);
  for (int m = 0; m < n_modes; m++)
    g_assert_cmpint (model->config.pooling.modes[m], ==, modes[m]);
  g_assert_cmpint (width, ==, n_modes * HIDDEN);
  g_assert_cmpint (bert_config_get_embedding_size (&model->config), ==, n_modes * HIDDEN);
  for (int m = 0; m < n_modes; m++) {
    float *alone = embed (model, modes[m], 0, &one_width);

    g_assert_cmpint (one_width, ==, HIDDEN);
    for (int i = 0; i < HIDDEN; i++)
      g_assert_cmpfloat (fabsf (joined[m * HIDDEN + i] - alone[i]), <=, 1e-6f);
    g_free (alone);
  }
  for (int i = 0; i < width; i++)
    norm += (double) joined[i] * joined[i];
  norm = sqrt (norm);
  normalized = embed (model, -1, 1, &width);
  for (int i = 0; i < width; i++)
    g_assert_cmpfloat (fabs (normalized[i] - joined[i] / norm), <=, 1e-6);
  g_free (normalized);
  g_free (joined);
}

static void
test_flags_concatenate_in_sentence_transformers_order (void)
{
  char *folder = engine_test_make_model (NULL);
  const BertPooling modes[] = { BERT_POOLING_CLS, BERT_POOLING_MEAN, BERT_POOLING_LAST_TOKEN };
  BertModel *model;

  engine_test_replace_in_file (folder, "1_Pooling/config.json", "\"pooling_mode_lasttoken\": false",
      "\"pooling_mode_lasttoken\": true");
  engine_test_replace_in_file (folder, "1_Pooling/config.json", "\"pooling_mode_cls_token\": false",
      "\"pooling_mode_cls_token\": true");
  model = engine_test_load_model (folder);
  assert_concatenates (model, modes, G_N_ELEMENTS (modes));
  bert_model_unref (model);
  g_free (folder);
}

static void
test_list_concatenates_in_its_order (void)
{
  char *folder = engine_test_make_model (NULL);
  const BertPooling modes[] = { BERT_POOLING_LAST_TOKEN, BERT_POOLING_MAX, BERT_POOLING_WEIGHTED_MEAN,
    BERT_POOLING_LAST_TOKEN };
  BertModel *model;

  engine_test_write_file (folder, "1_Pooling/config.json",
      "{\"embedding_dimension\": 32, \"pooling_mode\": [\"lasttoken\", \"max\", \"weightedmean\", "
      "\"lasttoken\"]}",
      -1);
  model = engine_test_load_model (folder);
  assert_concatenates (model, modes, G_N_ELEMENTS (modes));
  bert_model_unref (model);
  g_free (folder);
}

/* sentence-transformers reads a list of one as that mode, and "pooling_mode" over the flags. */
static void
test_list_of_one_and_mode_over_flags (void)
{
  char *folder = engine_test_make_model (NULL);
  const BertPooling sqrt_len[] = { BERT_POOLING_MEAN_SQRT_LEN };
  BertModel *model;

  engine_test_write_file (folder, "1_Pooling/config.json",
      "{\"pooling_mode_cls_token\": true, \"pooling_mode_mean_tokens\": true, "
      "\"pooling_mode\": [\"mean_sqrt_len_tokens\"]}",
      -1);
  model = engine_test_load_model (folder);
  assert_concatenates (model, sqrt_len, 1);
  bert_model_unref (model);
  g_free (folder);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/concat-pooling/flags-concatenate-in-sentence-transformers-order",
      test_flags_concatenate_in_sentence_transformers_order);
  g_test_add_func ("/engine/concat-pooling/list-concatenates-in-its-order",
      test_list_concatenates_in_its_order);
  g_test_add_func ("/engine/concat-pooling/list-of-one-and-mode-over-flags",
      test_list_of_one_and_mode_over_flags);
  status = g_test_run ();
  engine_test_cleanup ();
  return status;
}
