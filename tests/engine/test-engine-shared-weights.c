/* test-engine-shared-weights: CPU encoders of one model share one copy of the prepared
 * weights, give the same results running side by side, and the copy goes with the last. */
#include <string.h>

#include "bert_cpu_backend.h"
#include "engine-test-util.h"

#define N_SEQUENCES 8
#define MAX_TOKENS 60
#define VOCAB_SIZE 100
#define RUNS_PER_THREAD 20

static char *
make_model (BertHead head, BertDType dtype)
{
  BertTestModelSpec options;

  bert_test_model_spec_init (&options);
  options.head = head;
  options.dtype = dtype;
  return engine_test_make_model (&options);
}

/* A batch large enough for the row-split phases and a single short sequence for the
 * column-split ones. */
typedef struct {
  int32_t ids[N_SEQUENCES][MAX_TOKENS];
  BertSequence sequences[N_SEQUENCES];
} Batch;

static void
batch_init (Batch *batch)
{
  for (int s = 0; s < N_SEQUENCES; s++) {
    for (int t = 0; t < MAX_TOKENS; t++)
      batch->ids[s][t] = (s * 13 + t * 7 + 1) % VOCAB_SIZE;
    batch->sequences[s] = (BertSequence){ batch->ids[s], NULL, MAX_TOKENS - 6 * s };
  }
}

static void
append_floats (GByteArray *bytes, const float *values, gsize n)
{
  if (values != NULL)
    g_byte_array_append (bytes, (const guint8 *) values, n * sizeof *values);
}

static void
append_ints (GByteArray *bytes, const int32_t *values, gsize n)
{
  if (values != NULL)
    g_byte_array_append (bytes, (const guint8 *) values, n * sizeof *values);
}

/* Every output array of a run, byte for byte, so that runs compare exactly. */
static GBytes *
run_outputs (BertEncoder *encoder, const BertSequence *sequences, uint32_t n_sequences)
{
  GError *error = NULL;
  BertJob *job = bert_encoder_run (encoder, sequences, n_sequences, &error);
  const BertBatchOutput *output;
  GByteArray *bytes = g_byte_array_new ();

  g_assert_no_error (error);
  output = bert_job_get_output (job);
  append_floats (bytes, output->embeddings, (gsize) output->n_sequences * output->hidden_size);
  append_floats (bytes, output->logits, (gsize) output->n_sequences * output->num_labels);
  append_floats (bytes, output->probs, (gsize) output->n_sequences * output->num_labels);
  append_ints (bytes, output->labels, output->n_sequences);
  append_floats (bytes, output->token_logits, (gsize) output->n_tokens * output->num_labels);
  append_ints (bytes, output->token_labels, output->n_tokens);
  g_assert_cmpuint (bytes->len, >, 0);
  bert_job_free (job);
  return g_byte_array_free_to_bytes (bytes);
}

static void
test_encoders_share_weights (void)
{
  char *folder = make_model (BERT_HEAD_ENCODER, BERT_DTYPE_F16);
  BertModel *model = engine_test_load_model (folder), *other_load = engine_test_load_model (folder);
  BertEncoder *first, *second, *other;

  g_assert_cmpint (bert_backend_cpu_prepared_weights_users (model), ==, 0);
  first = engine_test_cpu_encoder (model, -1, -1, 1);
  g_assert_cmpint (bert_backend_cpu_prepared_weights_users (model), ==, 1);
  /* Pooling and threads are per encoder: the weights are still shared. */
  second = engine_test_cpu_encoder (model, BERT_POOLING_MAX, -1, 2);
  g_assert_cmpint (bert_backend_cpu_prepared_weights_users (model), ==, 2);
  g_assert_cmpint (bert_backend_cpu_prepared_weights_count (), ==, 1);
  /* A second load of the folder is another model, with its own copy. */
  other = engine_test_cpu_encoder (other_load, -1, -1, 1);
  g_assert_cmpint (bert_backend_cpu_prepared_weights_users (other_load), ==, 1);
  g_assert_cmpint (bert_backend_cpu_prepared_weights_users (model), ==, 2);
  g_assert_cmpint (bert_backend_cpu_prepared_weights_count (), ==, 2);
  bert_encoder_free (first);
  g_assert_cmpint (bert_backend_cpu_prepared_weights_users (model), ==, 1);
  bert_encoder_free (second);
  g_assert_cmpint (bert_backend_cpu_prepared_weights_users (model), ==, 0);
  bert_encoder_free (other);
  g_assert_cmpint (bert_backend_cpu_prepared_weights_users (other_load), ==, 0);
  g_assert_cmpint (bert_backend_cpu_prepared_weights_count (), ==, 0);
  bert_model_unref (other_load);
  bert_model_unref (model);
  g_free (folder);
}

typedef struct {
  BertEncoder *encoder;
  const Batch *batch;
  GBytes *expected_batch, *expected_single;
  int mismatches;
} Runner;

static gpointer
run_repeatedly (gpointer data)
{
  Runner *runner = data;

  for (int i = 0; i < RUNS_PER_THREAD; i++) {
    GBytes *batch = run_outputs (runner->encoder, runner->batch->sequences, N_SEQUENCES);
    GBytes *single = run_outputs (runner->encoder, runner->batch->sequences, 1);

    runner->mismatches += !g_bytes_equal (batch, runner->expected_batch);
    runner->mismatches += !g_bytes_equal (single, runner->expected_single);
    g_bytes_unref (batch);
    g_bytes_unref (single);
  }
  return NULL;
}

/* Two encoders on one model, each in its own thread, give what one gave alone. */
static void
check_concurrent_results (BertHead head, BertDType dtype)
{
  char *folder = make_model (head, dtype);
  BertModel *model = engine_test_load_model (folder);
  BertEncoder *alone = engine_test_cpu_encoder (model, -1, -1, 2);
  Batch batch;
  Runner runners[2];
  GThread *threads[2];
  GBytes *expected_batch, *expected_single;

  batch_init (&batch);
  expected_batch = run_outputs (alone, batch.sequences, N_SEQUENCES);
  expected_single = run_outputs (alone, batch.sequences, 1);
  bert_encoder_free (alone);
  g_assert_cmpint (bert_backend_cpu_prepared_weights_users (model), ==, 0);
  for (int i = 0; i < 2; i++)
    runners[i] =
        (Runner){ engine_test_cpu_encoder (model, -1, -1, 2), &batch, expected_batch, expected_single, 0 };
  g_assert_cmpint (bert_backend_cpu_prepared_weights_users (model), ==, 2);
  for (int i = 0; i < 2; i++)
    threads[i] = g_thread_new ("encoder", run_repeatedly, &runners[i]);
  for (int i = 0; i < 2; i++) {
    g_thread_join (threads[i]);
    g_assert_cmpint (runners[i].mismatches, ==, 0);
    bert_encoder_free (runners[i].encoder);
  }
  g_assert_cmpint (bert_backend_cpu_prepared_weights_count (), ==, 0);
  g_bytes_unref (expected_batch);
  g_bytes_unref (expected_single);
  bert_model_unref (model);
  g_free (folder);
}

static void
test_concurrent_encoder (void)
{
  check_concurrent_results (BERT_HEAD_ENCODER, BERT_DTYPE_F16);
}

static void
test_concurrent_sequence_classifier (void)
{
  check_concurrent_results (BERT_HEAD_SEQUENCE_CLASSIFIER, BERT_DTYPE_BF16);
}

static void
test_concurrent_token_classifier (void)
{
  check_concurrent_results (BERT_HEAD_TOKEN_CLASSIFIER, BERT_DTYPE_F32);
}

/* Encoders made and freed from several threads at once on one model, so the weights
 * are prepared and freed again while others look them up: the cache ends empty. */
static gpointer
create_and_free_repeatedly (gpointer data)
{
  BertModel *model = data;

  for (int i = 0; i < 50; i++)
    bert_encoder_free (engine_test_cpu_encoder (model, -1, -1, 1));
  return NULL;
}

static void
test_create_free_threads (void)
{
  char *folder = make_model (BERT_HEAD_ENCODER, BERT_DTYPE_BF16);
  BertModel *model = engine_test_load_model (folder);
  GThread *threads[4];

  for (int i = 0; i < 4; i++)
    threads[i] = g_thread_new ("creator", create_and_free_repeatedly, model);
  for (int i = 0; i < 4; i++)
    g_thread_join (threads[i]);
  g_assert_cmpint (bert_backend_cpu_prepared_weights_count (), ==, 0);
  bert_model_unref (model);
  g_free (folder);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/shared-weights/encoders-share", test_encoders_share_weights);
  g_test_add_func ("/engine/shared-weights/concurrent-encoder", test_concurrent_encoder);
  g_test_add_func ("/engine/shared-weights/concurrent-sequence-classifier",
      test_concurrent_sequence_classifier);
  g_test_add_func ("/engine/shared-weights/concurrent-token-classifier", test_concurrent_token_classifier);
  g_test_add_func ("/engine/shared-weights/create-free-threads", test_create_free_threads);
  status = g_test_run ();
  engine_test_cleanup ();
  return status;
}
