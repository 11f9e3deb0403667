/* test-engine-prompt-pooling: pooling without the prompt's tokens (1_Pooling's
 * include_prompt false), on the CPU, with the committed folder
 * tests/data/st-modules/prompt-bert (whose embeddings tests/python/test_st_modules.py
 * compares with sentence-transformers'). Checks the rules BertPackedInput states from
 * their consequences: one token left pools alike in every mode, none left gives
 * sentence-transformers' result for an all-zero mask, and a model that pools every
 * token ignores the lengths. The new modes' results against sentence-transformers with a
 * prompt are test_st_modules.py's (prompt-expected.json). */
#include <math.h>
#include <string.h>

#include "bert_engine.h"

#define N_TOKENS 9

static const int32_t ids[N_TOKENS] = { 2, 17, 42, 8, 23, 31, 11, 40, 3 };

/* The embedding of one sequence of ids pooled with @pooling after @prompt_length tokens;
 * normalize off so that zeros stay zeros and -inf stays -inf. */
static float *
embed (BertModel *model, BertPooling pooling, uint32_t prompt_length)
{
  const uint32_t seq_offsets[] = { 0, N_TOKENS };
  BertPackedInput input = { 1, ids, NULL, seq_offsets, &prompt_length };
  BertEncoderOptions options;
  GError *error = NULL;
  BertEncoder *encoder;
  BertJob *job;
  float *embedding;

  bert_encoder_options_init (&options);
  options.device = BERT_DEVICE_CPU;
  options.pooling = pooling;
  options.normalize = 0;
  options.n_threads = 1;
  encoder = bert_encoder_new (model, &options, &error);
  g_assert_no_error (error);
  job = bert_encoder_submit_packed (encoder, &input, &error);
  g_assert_no_error (error);
  g_assert_true (bert_job_wait (job, &error));
  g_assert_cmpint (bert_job_get_output (job)->embedding_size, ==, model->config.hidden_size);
  embedding = g_memdup2 (bert_job_get_output (job)->embeddings, model->config.hidden_size * sizeof (float));
  bert_job_free (job);
  bert_encoder_free (encoder);
  return embedding;
}

static BertModel *
load (const char *name)
{
  char *folder = g_build_filename (BERT_TEST_DATA_DIR, "st-modules", name, NULL);
  GError *error = NULL;
  BertModel *model = bert_model_load (folder, &error);

  g_assert_no_error (error);
  g_free (folder);
  return model;
}

static void
assert_same (const float *a, const float *b, int n)
{
  g_assert_cmpmem (a, n * sizeof (float), b, n * sizeof (float));
}

static void
test_reads_include_prompt (void)
{
  BertModel *without = load ("prompt-bert"), *with = load ("dense");

  g_assert_true (without->config.pooling_excludes_prompt);
  g_assert_false (with->config.pooling_excludes_prompt);
  bert_model_unref (without);
  bert_model_unref (with);
}

/* With one token left, its row is every pooling alike (weightedmean's weight, its
 * position + 1, divides out, to the rounding of one product and one quotient). */
static void
test_one_token_left (void)
{
  BertModel *model = load ("prompt-bert");
  int hidden = model->config.hidden_size;
  float *cls = embed (model, BERT_POOLING_CLS, N_TOKENS - 1);
  float *first = embed (model, BERT_POOLING_CLS, 0);
  float *all = embed (model, BERT_POOLING_MEAN, 0);

  for (BertPooling pooling = BERT_POOLING_MEAN; pooling < BERT_N_POOLINGS; pooling++) {
    float *one = embed (model, pooling, N_TOKENS - 1);

    for (int i = 0; pooling == BERT_POOLING_WEIGHTED_MEAN && i < hidden; i++)
      g_assert_cmpfloat_with_epsilon (one[i], cls[i], 1e-6f * fmaxf (1.0f, fabsf (cls[i])));
    if (pooling != BERT_POOLING_WEIGHTED_MEAN)
      assert_same (one, cls, hidden);
    g_free (one);
  }
  g_assert_true (memcmp (cls, first, hidden * sizeof (float)) != 0);
  g_assert_true (memcmp (cls, all, hidden * sizeof (float)) != 0);
  g_free (cls);
  g_free (first);
  g_free (all);
  bert_model_unref (model);
}

/* None left (the prompt counts as many tokens as the sequence, or more): max is -inf, CLS
 * the first row and every other pooling zeros, as sentence-transformers' Pooling gives
 * them. */
static void
test_no_token_left (void)
{
  BertModel *model = load ("prompt-bert");
  int hidden = model->config.hidden_size;
  float *first = embed (model, BERT_POOLING_CLS, 0);

  for (uint32_t prompt_length = N_TOKENS; prompt_length <= N_TOKENS + 1; prompt_length++) {
    for (BertPooling pooling = BERT_POOLING_MEAN; pooling < BERT_N_POOLINGS; pooling++) {
      float *pooled = embed (model, pooling, prompt_length);

      for (int i = 0; i < hidden; i++) {
        if (pooling == BERT_POOLING_MAX)
          g_assert_true (isinf (pooled[i]) && pooled[i] < 0);
        else if (pooling == BERT_POOLING_CLS)
          g_assert_cmpfloat (pooled[i], ==, first[i]);
        else
          g_assert_cmpfloat (pooled[i], ==, 0.0f);
      }
      g_free (pooled);
    }
  }
  g_free (first);
  bert_model_unref (model);
}

/* include_prompt true: the lengths change nothing. */
static void
test_ignored_where_the_prompt_is_pooled (void)
{
  BertModel *model = load ("prompt-bert");
  int hidden = model->config.hidden_size;

  model->config.pooling_excludes_prompt = FALSE; /* as include_prompt true reads */
  for (BertPooling pooling = BERT_POOLING_MEAN; pooling < BERT_N_POOLINGS; pooling++) {
    float *plain = embed (model, pooling, 0), *prompted = embed (model, pooling, 4);

    assert_same (plain, prompted, hidden);
    g_free (plain);
    g_free (prompted);
  }
  bert_model_unref (model);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/prompt-pooling/reads-include-prompt", test_reads_include_prompt);
  g_test_add_func ("/engine/prompt-pooling/one-token-left", test_one_token_left);
  g_test_add_func ("/engine/prompt-pooling/no-token-left", test_no_token_left);
  g_test_add_func ("/engine/prompt-pooling/ignored-where-the-prompt-is-pooled",
      test_ignored_where_the_prompt_is_pooled);
  return g_test_run ();
}
