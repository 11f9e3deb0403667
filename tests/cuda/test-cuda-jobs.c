/* test-cuda-jobs.c: batches through libgstbert-cuda.so's backend table on a GPU: several
 * jobs in flight give the same results as one at a time (while the device buffers grow
 * under queued jobs), and bad input is refused without spoiling the state. Exits 77 where
 * there is no CUDA GPU. */
#include <math.h>
#include <string.h>

#include "bert_backend.h"
#include "bert_test_model.h"
#include "cuda-test-util.h"

static const BertBackend *backend;

static BertBackendSettings
settings_for (const BertModel *model, BertPrecision precision)
{
  BertBackendSettings settings = { 0 };

  settings.head = model->config.head;
  settings.pooling = model->config.pooling;
  settings.normalize = model->config.normalize;
  settings.precision = precision;
  return settings;
}

typedef struct {
  BertPackedBatch batch;
  int32_t *ids;
  int32_t *type_ids;
  uint32_t *offsets;
} TestBatch;

static void
test_batch_init (TestBatch *test_batch, GRand *rand, uint32_t n_sequences, int vocab_size)
{
  BertPackedBatch *batch = &test_batch->batch;

  test_batch->offsets = g_new (uint32_t, n_sequences + 1);
  test_batch->offsets[0] = 0;
  for (uint32_t s = 0; s < n_sequences; s++)
    test_batch->offsets[s + 1] = test_batch->offsets[s] + g_rand_int_range (rand, 1, 48);
  batch->n_sequences = n_sequences;
  batch->n_tokens = test_batch->offsets[n_sequences];
  test_batch->ids = g_new (int32_t, batch->n_tokens);
  test_batch->type_ids = g_new0 (int32_t, batch->n_tokens);
  for (uint32_t t = 0; t < batch->n_tokens; t++)
    test_batch->ids[t] = g_rand_int_range (rand, 0, vocab_size);
  batch->ids = test_batch->ids;
  batch->type_ids = test_batch->type_ids;
  batch->seq_offsets = test_batch->offsets;
  batch->max_seq_len = 48;
}

static void
test_batch_clear (TestBatch *test_batch)
{
  g_free (test_batch->ids);
  g_free (test_batch->type_ids);
  g_free (test_batch->offsets);
}

static float *
run_encoder (gpointer state, const BertPackedBatch *batch, int hidden)
{
  BertBatchOutput output = { 0 };
  GError *error = NULL;
  gpointer job;

  output.n_sequences = batch->n_sequences;
  output.n_tokens = batch->n_tokens;
  output.hidden_size = hidden;
  output.embeddings = g_new (float, (size_t) batch->n_sequences *hidden);
  job = backend->submit (state, batch, &output, &error);
  g_assert_no_error (error);
  g_assert_true (backend->wait (state, job, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (output.compute_seconds, >, 0.0);
  return output.embeddings;
}

static void
test_batches_in_flight_match_one_at_a_time (void)
{
  enum {
    N_JOBS = 4
  };
  BertTestModelSpec spec;
  BertModel *model;
  BertBackendSettings settings;
  TestBatch batches[N_JOBS];
  BertBatchOutput outputs[N_JOBS] = { { 0 } };
  gpointer jobs[N_JOBS];
  GRand *rand = g_rand_new_with_seed (3);
  GError *error = NULL;
  gpointer state;

  cuda_test_model_spec_init (&spec);
  model = bert_test_model_new (&spec);
  settings = settings_for (model, BERT_PRECISION_FP32);
  state = backend->create (model, &settings, &error);
  g_assert_no_error (error);
  for (int j = 0; j < N_JOBS; j++) {
    /* Growing batches make the device buffers grow while earlier jobs are queued. */
    test_batch_init (&batches[j], rand, 3 + 40 * j, spec.vocab_size);
    outputs[j].embeddings = g_new (float, (size_t) batches[j].batch.n_sequences *spec.hidden_size);
    jobs[j] = backend->submit (state, &batches[j].batch, &outputs[j], &error);
    g_assert_no_error (error);
  }
  for (int j = 0; j < N_JOBS; j++) {
    float *alone;
    g_assert_true (backend->wait (state, jobs[j], &error));
    g_assert_no_error (error);
    alone = run_encoder (state, &batches[j].batch, spec.hidden_size);
    cuda_test_assert_close ("in flight vs alone", outputs[j].embeddings, alone,
        (size_t) batches[j].batch.n_sequences * spec.hidden_size, (Tolerance){ 1e-6, 1e-6 });
    for (uint32_t s = 0; s < batches[j].batch.n_sequences; s++) {
      double norm = 0.0;
      for (int i = 0; i < spec.hidden_size; i++)
        norm += alone[(size_t) s * spec.hidden_size + i] * alone[(size_t) s * spec.hidden_size + i];
      g_assert_cmpfloat_with_epsilon (sqrt (norm), 1.0, 1e-5);
    }
    g_free (alone);
    g_free (outputs[j].embeddings);
    test_batch_clear (&batches[j]);
  }
  backend->destroy (state);
  bert_test_model_free (model);
  g_rand_free (rand);
}

static void
test_bad_input_is_refused (void)
{
  BertTestModelSpec spec;
  BertModel *model;
  BertBackendSettings settings;
  BertBatchOutput output = { 0 };
  TestBatch test_batch;
  GRand *rand = g_rand_new_with_seed (4);
  GError *error = NULL;
  gpointer state;
  float *after;

  cuda_test_model_spec_init (&spec);
  model = bert_test_model_new (&spec);
  settings = settings_for (model, BERT_PRECISION_FP16);
  state = backend->create (model, &settings, &error);
  g_assert_no_error (error);
  test_batch_init (&test_batch, rand, 5, spec.vocab_size);
  output.embeddings = g_new (float, 5 * spec.hidden_size);
  test_batch.ids[3] = spec.vocab_size;
  g_assert_null (backend->submit (state, &test_batch.batch, &output, &error));
  g_assert_error (error, CUDA_TEST_ENGINE_ERROR, BERT_ENGINE_ERROR_INPUT);
  g_clear_error (&error);
  /* The state is still usable afterwards. */
  test_batch.ids[3] = 0;
  after = run_encoder (state, &test_batch.batch, spec.hidden_size);
  g_assert_true (isfinite (after[0]));
  g_free (after);
  g_free (output.embeddings);
  test_batch_clear (&test_batch);
  backend->destroy (state);
  bert_test_model_free (model);
  g_rand_free (rand);
}

int
main (int argc, char **argv)
{
  cuda_test_skip_without_gpu ("the job tests");
  g_test_init (&argc, &argv, NULL);
  backend = cuda_test_open_backend ();
  g_test_add_func ("/cuda/jobs/batches_in_flight_match_one_at_a_time",
      test_batches_in_flight_match_one_at_a_time);
  g_test_add_func ("/cuda/jobs/bad_input_is_refused", test_bad_input_is_refused);
  return g_test_run ();
}
