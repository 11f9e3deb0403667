/* test-cuda-graphs.c: small batches run as CUDA graphs (bert_cuda_graph.c) give what the
 * same batches give launch by launch (GST_BERT_CUDA_GRAPHS=0), for every head, in FP32 and
 * FP16: batches of 1 to 32 sequences, padded to their buckets, with results read back from
 * the padded layout; a batch past BERT_CUDA_GRAPH_MAX_TOKENS runs without a graph. In the
 * CPU emulation (tests/cuda/emulator) it also checks that a bucket is captured once, at its
 * second batch, and then replayed, running as many launches as without a graph. Exits 77 where there is no
 * CUDA GPU. */
#include <string.h>

#include "bert_backend.h"
#include "bert_cuda_backend_private.h"
#include "bert_test_model.h"
#include "cuda-test-util.h"

static const BertBackend *backend;

typedef struct {
  BertHead head;
  BertPrecision precision;
} GraphCase;

typedef struct {
  BertPackedBatch batch;
  int32_t *ids;
  int32_t *type_ids;
  uint32_t *offsets;
} TestBatch;

static void
test_batch_init (TestBatch *test_batch, GRand *rand, uint32_t n_sequences, uint32_t min_len, uint32_t max_len,
    int vocab_size)
{
  BertPackedBatch *batch = &test_batch->batch;

  /* Fields the test does not set (prompt_lengths) are NULL, not the stack's garbage. */
  memset (test_batch, 0, sizeof *test_batch);
  test_batch->offsets = g_new (uint32_t, n_sequences + 1);
  test_batch->offsets[0] = 0;
  batch->max_seq_len = 0;
  for (uint32_t s = 0; s < n_sequences; s++) {
    uint32_t length = g_rand_int_range (rand, min_len, max_len + 1);
    test_batch->offsets[s + 1] = test_batch->offsets[s] + length;
    batch->max_seq_len = MAX (batch->max_seq_len, length);
  }
  batch->n_sequences = n_sequences;
  batch->n_tokens = test_batch->offsets[n_sequences];
  test_batch->ids = g_new (int32_t, batch->n_tokens);
  test_batch->type_ids = g_new0 (int32_t, batch->n_tokens);
  for (uint32_t t = 0; t < batch->n_tokens; t++) {
    test_batch->ids[t] = g_rand_int_range (rand, 0, vocab_size);
    test_batch->type_ids[t] = g_rand_int_range (rand, 0, 2);
  }
  batch->ids = test_batch->ids;
  batch->type_ids = test_batch->type_ids;
  batch->seq_offsets = test_batch->offsets;
}

static void
test_batch_clear (TestBatch *test_batch)
{
  g_free (test_batch->ids);
  g_free (test_batch->type_ids);
  g_free (test_batch->offsets);
}

static void
output_init (BertBatchOutput *output, const BertModel *model, BertHead head, const BertPackedBatch *batch)
{
  size_t labels = model->config.num_labels;

  memset (output, 0, sizeof *output);
  output->n_sequences = batch->n_sequences;
  output->n_tokens = batch->n_tokens;
  output->hidden_size = model->config.hidden_size;
  output->num_labels = labels;
  switch (head) {
    case BERT_HEAD_ENCODER:
      output->embeddings = g_new0 (float, (size_t) batch->n_sequences * model->config.hidden_size);
      break;
    case BERT_HEAD_SEQUENCE_CLASSIFIER:
      output->logits = g_new0 (float, batch->n_sequences *labels);
      output->probs = g_new0 (float, batch->n_sequences *labels);
      output->labels = g_new0 (int32_t, batch->n_sequences);
      output->label_applies = g_new0 (uint8_t, batch->n_sequences * labels);
      break;
    case BERT_HEAD_TOKEN_CLASSIFIER:
      output->token_logits = g_new0 (float, batch->n_tokens *labels);
      output->token_probs = g_new0 (float, batch->n_tokens *labels);
      output->token_labels = g_new0 (int32_t, batch->n_tokens);
      output->token_offset = g_new0 (uint32_t, batch->n_sequences + 1);
      break;
  }
}

static void
output_clear (BertBatchOutput *output)
{
  gpointer arrays[] = { output->embeddings, output->logits, output->probs, output->labels,
    output->label_applies, output->token_logits, output->token_probs, output->token_labels,
    output->token_offset };

  for (guint i = 0; i < G_N_ELEMENTS (arrays); i++)
    g_free (arrays[i]);
}

static void
run_batch (gpointer state, const BertPackedBatch *batch, BertBatchOutput *output)
{
  GError *error = NULL;
  gpointer job = backend->submit (state, batch, output, &error);

  g_assert_no_error (error);
  g_assert_true (backend->wait (state, job, &error));
  g_assert_no_error (error);
}

/* A state created with GST_BERT_CUDA_GRAPHS set to graphs ("1" or "0"). */
static gpointer
state_new (const BertModel *model, BertPrecision precision, const char *graphs)
{
  BertBackendSettings settings = { 0 };
  GError *error = NULL;
  gpointer state;

  settings.head = model->config.head;
  settings.pooling = model->config.pooling;
  settings.normalize = model->config.normalize;
  settings.precision = precision;
  g_setenv ("GST_BERT_CUDA_GRAPHS", graphs, TRUE);
  state = backend->create (model, &settings, &error);
  g_unsetenv ("GST_BERT_CUDA_GRAPHS");
  g_assert_no_error (error);
  return state;
}

/* Results of the same kernels on the same rows: the GEMMs of a padded batch may take
 * their rows in other tiles and sum in another order (in the emulation, up to 1e-6 on
 * token logits of about 1 in FP32), so they agree to within a few roundings. */
static Tolerance
graph_tolerance (BertPrecision precision)
{
  return precision == BERT_PRECISION_FP32 ? (Tolerance){ 1e-5, 1e-5 } : cuda_test_tolerance (BERT_DTYPE_F16);
}

static void
assert_same_outputs (const BertBatchOutput *graph, const BertBatchOutput *launches, BertHead head,
    Tolerance tolerance)
{
  size_t labels = graph->num_labels;

  switch (head) {
    case BERT_HEAD_ENCODER:
      cuda_test_assert_close ("embeddings", graph->embeddings, launches->embeddings,
          (size_t) graph->n_sequences * graph->hidden_size, tolerance);
      return;
    case BERT_HEAD_SEQUENCE_CLASSIFIER:
      cuda_test_assert_close ("logits", graph->logits, launches->logits, graph->n_sequences * labels,
          tolerance);
      cuda_test_assert_close ("probs", graph->probs, launches->probs, graph->n_sequences * labels, tolerance);
      return;
    case BERT_HEAD_TOKEN_CLASSIFIER:
      cuda_test_assert_close ("token logits", graph->token_logits, launches->token_logits,
          graph->n_tokens * labels, tolerance);
      cuda_test_assert_close ("token probs", graph->token_probs, launches->token_probs,
          graph->n_tokens * labels, tolerance);
      g_assert_cmpmem (graph->token_offset, (graph->n_sequences + 1) * sizeof (uint32_t),
          launches->token_offset, (launches->n_sequences + 1) * sizeof (uint32_t));
      return;
  }
}

#ifdef EMULATED_CUDA_RUNTIME_API_H
/* Runs the batch, returning how many graphs were captured and kernels launched. */
static void
count_run (gpointer state, const BertPackedBatch *batch, BertBatchOutput *output, long *graphs,
    long *launches)
{
  long graphs_before = emulated_graph_count (), launches_before = emulated_launch_count ();

  run_batch (state, batch, output);
  *graphs = emulated_graph_count () - graphs_before;
  *launches = emulated_launch_count () - launches_before;
}
#endif

/* Runs batch on both states and compares; in the emulation, also that the graph state
 * captured expected_captures graphs and ran every kernel. */
static void
check_batch (const BertModel *model, const GraphCase *test_case, gpointer with_graphs, gpointer without,
    const BertPackedBatch *batch, long expected_captures)
{
  BertBatchOutput graph_output, launch_output;

  output_init (&graph_output, model, test_case->head, batch);
  output_init (&launch_output, model, test_case->head, batch);
#ifdef EMULATED_CUDA_RUNTIME_API_H
  {
    long captures, graph_launches, unused, launches;
    count_run (with_graphs, batch, &graph_output, &captures, &graph_launches);
    count_run (without, batch, &launch_output, &unused, &launches);
    g_assert_cmpint (captures, ==, expected_captures);
    g_assert_cmpint (unused, ==, 0);
    g_assert_cmpint (graph_launches, ==, launches);
  }
#else
  run_batch (with_graphs, batch, &graph_output);
  run_batch (without, batch, &launch_output);
#endif
  assert_same_outputs (&graph_output, &launch_output, test_case->head,
      graph_tolerance (test_case->precision));
  output_clear (&graph_output);
  output_clear (&launch_output);
}

/* The bucket a batch runs in as docs/cuda.md gives the rule (padded tokens, sequences and
 * longest sequence), as a key; NULL when it is past BERT_CUDA_GRAPH_MAX_TOKENS. */
static char *
bucket_key (const BertPackedBatch *batch)
{
  uint32_t sequences = bert_cuda_matmul_bucket (batch->n_sequences);
  uint32_t tokens = bert_cuda_matmul_bucket (batch->n_tokens + (sequences > batch->n_sequences));

  if (tokens > BERT_CUDA_GRAPH_MAX_TOKENS)
    return NULL;
  return g_strdup_printf ("%u %u %u", tokens, sequences, bert_cuda_matmul_bucket (batch->max_seq_len));
}

static void
test_graphs_match_launches (gconstpointer data)
{
  const GraphCase *test_case = data;
  /* Sequences and their lengths, from one caption to 32 (the CPU emulation is slow). */
  static const struct {
    uint32_t n_sequences, min_len, max_len;
  } batches[] = { { 1, 1, 8 }, { 3, 1, 20 }, { 16, 1, 16 }, { 17, 1, 16 }, { 32, 4, 20 } };
  BertTestModelSpec spec;
  BertModel *model;
  gpointer with_graphs, without;
  GRand *rand = g_rand_new_with_seed (17);
  GHashTable *seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  cuda_test_model_spec_init (&spec);
  spec.head = test_case->head;
  spec.num_labels = 5;
  model = bert_test_model_new (&spec);
  with_graphs = state_new (model, test_case->precision, "1");
  without = state_new (model, test_case->precision, "0");
  for (guint i = 0; i < G_N_ELEMENTS (batches); i++) {
    TestBatch batch;
    char *key;
    test_batch_init (&batch, rand, batches[i].n_sequences, batches[i].min_len, batches[i].max_len,
        spec.vocab_size);
    key = bucket_key (&batch.batch);
    g_test_message ("batch of %u sequences, %u tokens: bucket %s", batch.batch.n_sequences,
        batch.batch.n_tokens, key ? key : "none (too many tokens)");
    /* A bucket's first batch runs launch by launch, its second is captured, later ones
     * replay: each batch runs three times. */
    for (int run = 0; run < 3; run++) {
      guint met = key ? GPOINTER_TO_UINT (g_hash_table_lookup (seen, key)) : 0;
      check_batch (model, test_case, with_graphs, without, &batch.batch, key != NULL && met == 1);
      if (key != NULL)
        g_hash_table_replace (seen, g_strdup (key), GUINT_TO_POINTER (met + 1));
    }
    g_free (key);
    test_batch_clear (&batch);
  }
  g_hash_table_unref (seen);
  backend->destroy (with_graphs);
  backend->destroy (without);
  bert_test_model_free (model);
  g_rand_free (rand);
}

/* A batch past BERT_CUDA_GRAPH_MAX_TOKENS runs launch by launch, unpadded. */
static void
test_large_batch_runs_without_graph (void)
{
  static const GraphCase test_case = { BERT_HEAD_ENCODER, BERT_PRECISION_FP32 };
  BertTestModelSpec spec;
  BertModel *model;
  gpointer with_graphs, without;
  GRand *rand = g_rand_new_with_seed (19);
  TestBatch batch;

  cuda_test_model_spec_init (&spec);
  model = bert_test_model_new (&spec);
  with_graphs = state_new (model, test_case.precision, "1");
  without = state_new (model, test_case.precision, "0");
  test_batch_init (&batch, rand, 70, 30, 30, spec.vocab_size);
  g_assert_null (bucket_key (&batch.batch));
  check_batch (model, &test_case, with_graphs, without, &batch.batch, 0);
  test_batch_clear (&batch);
  backend->destroy (with_graphs);
  backend->destroy (without);
  bert_test_model_free (model);
  g_rand_free (rand);
}

int
main (int argc, char **argv)
{
  static const GraphCase cases[] = {
    { BERT_HEAD_ENCODER, BERT_PRECISION_FP32 },
    { BERT_HEAD_ENCODER, BERT_PRECISION_FP16 },
    { BERT_HEAD_SEQUENCE_CLASSIFIER, BERT_PRECISION_FP32 },
    { BERT_HEAD_TOKEN_CLASSIFIER, BERT_PRECISION_FP32 },
  };
  static const char *names[] = { "encoder/fp32", "encoder/fp16", "sequence_classifier/fp32",
    "token_classifier/fp32" };

  cuda_test_skip_without_gpu ("the graph tests");
  g_test_init (&argc, &argv, NULL);
  backend = cuda_test_open_backend ();
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    char *path = g_strdup_printf ("/cuda/graphs/match_launches/%s", names[i]);
    g_test_add_data_func (path, &cases[i], test_graphs_match_launches);
    g_free (path);
  }
  g_test_add_func ("/cuda/graphs/large_batch_runs_without_graph", test_large_batch_runs_without_graph);
  return g_test_run ();
}
