/* test-cuda-jobs.c: batches through libgstbert-cuda.so's backend table on a GPU: several
 * jobs in flight give the same results as one at a time (while the device buffers grow
 * under queued jobs) in FP32, FP16 and BF16; two encoders at once each give their own
 * results; jobs submitted on one thread and waited on another come back right; encoders of
 * one model share one copy of its weights; bad input is refused without spoiling the state. Exits 77 where there is no CUDA GPU. */
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

  /* Fields the test does not set (prompt_lengths) are NULL, not the stack's garbage. */
  memset (test_batch, 0, sizeof *test_batch);
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
  g_assert_cmpfloat (output.enqueue_seconds, >, 0.0);
  return output.embeddings;
}

/* Two runs of the same batch on the same state: the same kernels and algorithms. */
static Tolerance
repeat_tolerance (BertPrecision precision)
{
  return precision == BERT_PRECISION_FP32
      ? (Tolerance){ 1e-6, 1e-6 }
      : cuda_test_tolerance (precision == BERT_PRECISION_FP16 ? BERT_DTYPE_F16 : BERT_DTYPE_BF16);
}

static void
assert_unit_norm (const float *embeddings, uint32_t n_sequences, int hidden)
{
  for (uint32_t s = 0; s < n_sequences; s++) {
    double norm = 0.0;
    for (int i = 0; i < hidden; i++)
      norm += embeddings[(size_t) s * hidden + i] * embeddings[(size_t) s * hidden + i];
    g_assert_cmpfloat_with_epsilon (sqrt (norm), 1.0, 1e-3);
  }
}

static void
test_batches_in_flight_match_one_at_a_time (gconstpointer data)
{
  const BertPrecision precision = GPOINTER_TO_INT (data);
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
  settings = settings_for (model, precision);
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
        (size_t) batches[j].batch.n_sequences * spec.hidden_size, repeat_tolerance (precision));
    assert_unit_norm (alone, batches[j].batch.n_sequences, spec.hidden_size);
    g_free (alone);
    g_free (outputs[j].embeddings);
    test_batch_clear (&batches[j]);
  }
  backend->destroy (state);
  bert_test_model_free (model);
  g_rand_free (rand);
}

/* Two states (two models, two precisions) with jobs interleaved on the device: each job's
 * results are those of its batch run alone on its own state. */
static void
test_two_encoders_at_once (void)
{
  enum {
    N_ROUNDS = 3
  };
  BertTestModelSpec specs[2];
  BertModel *models[2];
  gpointer states[2];
  TestBatch batches[2][N_ROUNDS];
  BertBatchOutput outputs[2][N_ROUNDS] = { { { 0 } } };
  gpointer jobs[2][N_ROUNDS];
  const BertPrecision precisions[2] = { BERT_PRECISION_FP16, BERT_PRECISION_BF16 };
  GRand *rand = g_rand_new_with_seed (5);
  GError *error = NULL;

  for (int e = 0; e < 2; e++) {
    BertBackendSettings settings;
    cuda_test_model_spec_init (&specs[e]);
    specs[e].seed = 11 + e;
    specs[e].hidden_size = e == 0 ? 64 : 96;
    specs[e].num_heads = e == 0 ? 2 : 3;
    models[e] = bert_test_model_new (&specs[e]);
    settings = settings_for (models[e], precisions[e]);
    states[e] = backend->create (models[e], &settings, &error);
    g_assert_no_error (error);
  }
  for (int r = 0; r < N_ROUNDS; r++)
    for (int e = 0; e < 2; e++) {
      test_batch_init (&batches[e][r], rand, 2 + 9 * r + e, specs[e].vocab_size);
      outputs[e][r].embeddings =
          g_new (float, (size_t) batches[e][r].batch.n_sequences *specs[e].hidden_size);
      jobs[e][r] = backend->submit (states[e], &batches[e][r].batch, &outputs[e][r], &error);
      g_assert_no_error (error);
    }
  for (int r = 0; r < N_ROUNDS; r++)
    for (int e = 0; e < 2; e++) {
      float *alone;
      g_assert_true (backend->wait (states[e], jobs[e][r], &error));
      g_assert_no_error (error);
      alone = run_encoder (states[e], &batches[e][r].batch, specs[e].hidden_size);
      cuda_test_assert_close ("two encoders vs alone", outputs[e][r].embeddings, alone,
          (size_t) batches[e][r].batch.n_sequences * specs[e].hidden_size, repeat_tolerance (precisions[e]));
      g_free (alone);
      g_free (outputs[e][r].embeddings);
      test_batch_clear (&batches[e][r]);
    }
  for (int e = 0; e < 2; e++) {
    backend->destroy (states[e]);
    bert_test_model_free (models[e]);
  }
  g_rand_free (rand);
}

static size_t
device_bytes_used (void)
{
  size_t free_bytes, total_bytes;

  CHECK_CUDA (cudaMemGetInfo (&free_bytes, &total_bytes));
  return total_bytes - free_bytes;
}

/* A second state of the same model adds no weights to the device; a state of another
 * model of the same shape does. Weights of 8 MB in FP16 (word embeddings 30000 x 128) stand
 * out against the rest (workspace, activations) and the allocator's 2 MiB granularity. */
static void
test_encoders_of_one_model_share_its_weights (void)
{
  BertTestModelSpec spec;
  BertModel *model, *other_model;
  BertBackendSettings settings;
  GError *error = NULL;
  gpointer first, second, other;
  TestBatch batch;
  GRand *rand = g_rand_new_with_seed (8);
  float *embeddings;
  size_t before, with_first, with_second, with_other, weight_bytes;
  int64_t second_bytes, other_bytes;

  cuda_test_model_spec_init (&spec);
  spec.vocab_size = 30000;
  spec.hidden_size = 128;
  spec.dtype = BERT_DTYPE_F16;
  model = bert_test_model_new (&spec);
  spec.seed++;
  other_model = bert_test_model_new (&spec);
  weight_bytes = (size_t) spec.vocab_size * spec.hidden_size * 2;
  settings = settings_for (model, BERT_PRECISION_FP16);
  before = device_bytes_used ();
  first = backend->create (model, &settings, &error);
  g_assert_no_error (error);
  with_first = device_bytes_used ();
  second = backend->create (model, &settings, &error);
  g_assert_no_error (error);
  with_second = device_bytes_used ();
  other = backend->create (other_model, &settings, &error);
  g_assert_no_error (error);
  with_other = device_bytes_used ();
  second_bytes = (int64_t) with_second - (int64_t) with_first;
  other_bytes = (int64_t) with_other - (int64_t) with_second;
  g_test_message ("device bytes: first state %zu, second of the same model %" G_GINT64_FORMAT
                  ", another model %" G_GINT64_FORMAT ", its word embeddings %zu",
      with_first - before, second_bytes, other_bytes, weight_bytes);
  g_assert_cmpint (other_bytes - second_bytes, >=, (int64_t) weight_bytes / 2);
  /* The copy outlives the first state while the second uses it. */
  backend->destroy (first);
  test_batch_init (&batch, rand, 4, spec.vocab_size);
  embeddings = run_encoder (second, &batch.batch, spec.hidden_size);
  assert_unit_norm (embeddings, 4, spec.hidden_size);
  g_free (embeddings);
  test_batch_clear (&batch);
  backend->destroy (second);
  backend->destroy (other);
  g_rand_free (rand);
  bert_test_model_free (model);
  bert_test_model_free (other_model);
}

typedef struct {
  gpointer state;
  TestBatch *batches;
  BertBatchOutput *outputs;
  int n_jobs;
  GAsyncQueue *submitted; /* job handles, in order */
} ThreadedJobs;

static gpointer
submit_all (gpointer data)
{
  ThreadedJobs *work = data;
  GError *error = NULL;

  for (int j = 0; j < work->n_jobs; j++) {
    gpointer job = backend->submit (work->state, &work->batches[j].batch, &work->outputs[j], &error);
    g_assert_no_error (error);
    g_async_queue_push (work->submitted, job);
  }
  return NULL;
}

static gpointer
wait_all (gpointer data)
{
  ThreadedJobs *work = data;
  GError *error = NULL;

  for (int j = 0; j < work->n_jobs; j++) {
    gpointer job = g_async_queue_pop (work->submitted);
    g_assert_true (backend->wait (work->state, job, &error));
    g_assert_no_error (error);
  }
  return NULL;
}

/* One thread submits, another waits (as bert-infer's chain function and its src task do):
 * every job's results are those of its batch run alone. */
static void
test_submit_and_wait_on_different_threads (void)
{
  enum {
    N_JOBS = 12
  };
  BertTestModelSpec spec;
  BertModel *model;
  BertBackendSettings settings;
  TestBatch batches[N_JOBS];
  BertBatchOutput outputs[N_JOBS] = { { 0 } };
  GRand *rand = g_rand_new_with_seed (6);
  GError *error = NULL;
  ThreadedJobs work;
  GThread *submitter, *waiter;

  cuda_test_model_spec_init (&spec);
  model = bert_test_model_new (&spec);
  settings = settings_for (model, BERT_PRECISION_FP16);
  work.state = backend->create (model, &settings, &error);
  g_assert_no_error (error);
  for (int j = 0; j < N_JOBS; j++) {
    test_batch_init (&batches[j], rand, 1 + 5 * (j % 4), spec.vocab_size);
    outputs[j].embeddings = g_new (float, (size_t) batches[j].batch.n_sequences *spec.hidden_size);
  }
  work.batches = batches;
  work.outputs = outputs;
  work.n_jobs = N_JOBS;
  work.submitted = g_async_queue_new ();
  waiter = g_thread_new ("wait", wait_all, &work);
  submitter = g_thread_new ("submit", submit_all, &work);
  g_thread_join (submitter);
  g_thread_join (waiter);
  for (int j = 0; j < N_JOBS; j++) {
    float *alone = run_encoder (work.state, &batches[j].batch, spec.hidden_size);
    cuda_test_assert_close ("waited on another thread vs alone", outputs[j].embeddings, alone,
        (size_t) batches[j].batch.n_sequences * spec.hidden_size, repeat_tolerance (BERT_PRECISION_FP16));
    g_free (alone);
    g_free (outputs[j].embeddings);
    test_batch_clear (&batches[j]);
  }
  g_async_queue_unref (work.submitted);
  backend->destroy (work.state);
  bert_test_model_free (model);
  g_rand_free (rand);
}

/* A kernel that faults is named, with its layer, when GST_BERT_CUDA_SYNC=1; without it,
 * the wait reports the fault. Needs the CPU emulation, which can make a launch fault
 * (EMULATED_FAULT_AT_LAUNCH, tests/cuda/emulator); skipped on a GPU. */
static void
check_fault (gboolean sync_each_step, const char *expected_text)
{
  BertTestModelSpec spec;
  BertModel *model;
  BertBackendSettings settings;
  BertBatchOutput output = { 0 };
  TestBatch test_batch;
  GRand *rand = g_rand_new_with_seed (7);
  GError *error = NULL;
  gpointer state, job;

  if (sync_each_step)
    g_setenv ("GST_BERT_CUDA_SYNC", "1", TRUE);
  cuda_test_model_spec_init (&spec);
  model = bert_test_model_new (&spec);
  settings = settings_for (model, BERT_PRECISION_FP16);
  state = backend->create (model, &settings, &error);
  g_assert_no_error (error);
  g_unsetenv ("GST_BERT_CUDA_SYNC");
  test_batch_init (&test_batch, rand, 3, spec.vocab_size);
  output.embeddings = g_new (float, 3 * spec.hidden_size);
  /* Launches: 1 embeddings_layernorm, then per layer attention_varlen, residual_layernorm,
   * bias_activation, residual_layernorm: the 6th is layer 1's attention. */
  g_setenv ("EMULATED_FAULT_AT_LAUNCH", "6", TRUE);
  job = backend->submit (state, &test_batch.batch, &output, &error);
  g_unsetenv ("EMULATED_FAULT_AT_LAUNCH");
  if (job != NULL)
    g_assert_false (backend->wait (state, job, &error));
  g_assert_error (error, CUDA_TEST_ENGINE_ERROR, BERT_ENGINE_ERROR_COMPUTE);
  if (strstr (error->message, expected_text) == NULL)
    g_error ("fault reported as \"%s\", not naming \"%s\"", error->message, expected_text);
  g_clear_error (&error);
  g_free (output.embeddings);
  test_batch_clear (&test_batch);
  backend->destroy (state);
  bert_test_model_free (model);
  g_rand_free (rand);
}

static void
test_faulting_kernel_is_named_with_sync (void)
{
  struct cudaDeviceProp properties;

  CHECK_CUDA (cudaGetDeviceProperties (&properties, 0));
  if (strcmp (properties.name, "CPU emulation") != 0) {
    g_test_skip ("making a kernel fault needs the CPU emulation");
    return;
  }
  check_fault (TRUE, "attention_varlen in layer 1 failed on the device");
  check_fault (FALSE, "cudaEventSynchronize");
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
  g_test_add_data_func ("/cuda/jobs/batches_in_flight_match_one_at_a_time/fp32",
      GINT_TO_POINTER (BERT_PRECISION_FP32), test_batches_in_flight_match_one_at_a_time);
  g_test_add_data_func ("/cuda/jobs/batches_in_flight_match_one_at_a_time/fp16",
      GINT_TO_POINTER (BERT_PRECISION_FP16), test_batches_in_flight_match_one_at_a_time);
  g_test_add_data_func ("/cuda/jobs/batches_in_flight_match_one_at_a_time/bf16",
      GINT_TO_POINTER (BERT_PRECISION_BF16), test_batches_in_flight_match_one_at_a_time);
  g_test_add_func ("/cuda/jobs/two_encoders_at_once", test_two_encoders_at_once);
  g_test_add_func ("/cuda/jobs/submit_and_wait_on_different_threads",
      test_submit_and_wait_on_different_threads);
  g_test_add_func ("/cuda/jobs/faulting_kernel_is_named_with_sync", test_faulting_kernel_is_named_with_sync);
  g_test_add_func ("/cuda/jobs/encoders_of_one_model_share_its_weights",
      test_encoders_of_one_model_share_its_weights);
  g_test_add_func ("/cuda/jobs/bad_input_is_refused", test_bad_input_is_refused);
  return g_test_run ();
}
