/* bert_cuda_graph.c: the forward pass of small batches as CUDA graphs, one per bucket.
 *
 * A small batch is launch-bound: about 50 kernels and GEMMs each cost the host a few
 * microseconds to enqueue, longer than the GPU takes to run them. A graph is enqueued in
 * one call. The kernels take their sizes as launch arguments, which a graph fixes, so a
 * batch is padded to its bucket (bert_cuda_launch_size): tokens and sequences to the
 * matmul buckets (powers of two), the longest sequence too, for the attention grid.
 * Padding tokens (id 0, in no sequence) and padding sequences (empty, starting at the
 * first padding token) only ever fill rows that nobody reads back. What lies in device
 * memory (the ids, the sequence offsets) is the batch's own at every replay.
 *
 * One graph per (tokens, sequences, longest sequence) bucket is captured on the state's
 * stream the second time that bucket comes, then replayed; the first runs launch by
 * launch and so leaves the bucket's GEMM algorithms cached, and no cuBLASLt heuristic
 * runs inside a capture. The upload and download stay outside, around the graph. A graph holds the device buffers' addresses, so the graphs are
 * dropped when the activations grow (bert_cuda_activations_reserve). Off with
 * GST_BERT_CUDA_GRAPHS=0 in the environment when the encoder is created, and with
 * GST_BERT_CUDA_SYNC=1 (a stream cannot be synchronised while it is captured).
 */
#include <string.h>

#include "bert_cuda_backend_private.h"
#include "bert_cuda_check.h"

static uint32_t
bucket_of (uint32_t n)
{
  return bert_cuda_matmul_bucket (n);
}

gboolean
bert_cuda_graphs_wanted (void)
{
  return g_strcmp0 (g_getenv ("GST_BERT_CUDA_GRAPHS"), "0") != 0
      && g_strcmp0 (g_getenv ("GST_BERT_CUDA_SYNC"), "1") != 0;
}

BertCudaLaunchSize
bert_cuda_launch_size (const BertCudaState *state, uint32_t n_tokens, uint32_t n_sequences)
{
  BertCudaLaunchSize size = { n_tokens, n_sequences, FALSE };
  uint32_t sequences = bucket_of (n_sequences);
  /* An empty padding sequence starts at a padding token: pooling reads its first row. */
  uint32_t tokens = bucket_of (n_tokens + (sequences > n_sequences ? 1 : 0));

  if (state->graphs == NULL || tokens > BERT_CUDA_GRAPH_MAX_TOKENS)
    return size;
  size.n_tokens = tokens;
  size.n_sequences = sequences;
  size.padded = TRUE;
  return size;
}

uint32_t
bert_cuda_launch_max_seq_len (const BertCudaLaunchSize *size, uint32_t max_seq_len)
{
  return size->padded ? bucket_of (max_seq_len) : max_seq_len;
}

/* NULL: a bucket met once, not captured yet. */
static void
graph_exec_free (gpointer exec)
{
  if (exec != NULL)
    cudaGraphExecDestroy (exec);
}

GHashTable *
bert_cuda_graphs_new (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free, graph_exec_free);
}

void
bert_cuda_graphs_clear (BertCudaState *state)
{
  if (state->graphs != NULL)
    g_hash_table_remove_all (state->graphs);
}

/* Records the forward pass at these sizes into a new executable graph, or NULL with error
 * set. The stream leaves capture mode whatever happens. */
static cudaGraphExec_t
capture_forward (BertCudaState *state, const BertCudaLaunchSize *size, uint32_t max_seq_len, GError **error)
{
  cudaGraph_t graph = NULL;
  cudaGraphExec_t exec = NULL;
  /* Thread-local: other threads' CUDA calls (a submitter's cudaMallocHost) do not
   * disturb this capture. */
  gboolean ok = cuda_check (cudaStreamBeginCapture (state->stream, cudaStreamCaptureModeThreadLocal), error);
  gboolean recorded = ok && bert_cuda_forward (state, size->n_tokens, size->n_sequences, max_seq_len, error);

  if (ok) {
    cudaError_t status = cudaStreamEndCapture (state->stream, &graph);
    ok = recorded && cuda_check (status, error);
  }
  ok = ok && cuda_check (cudaGraphInstantiate (&exec, graph, 0), error);
  if (graph != NULL)
    cudaGraphDestroy (graph);
  return ok ? exec : NULL;
}

gboolean
bert_cuda_forward_launch (BertCudaState *state, const BertCudaLaunchSize *size, uint32_t max_seq_len,
    GError **error)
{
  char *key;
  gpointer exec = NULL;
  gboolean met;

  if (!size->padded)
    return bert_cuda_forward (state, size->n_tokens, size->n_sequences, max_seq_len, error);
  key = g_strdup_printf ("%u %u %u", size->n_tokens, size->n_sequences, max_seq_len);
  met = g_hash_table_lookup_extended (state->graphs, key, NULL, &exec);
  if (!met) {
    /* The bucket's first batch, or one of too many buckets (never noted, so never
     * captured): the padded sizes, launch by launch. */
    if (g_hash_table_size (state->graphs) < BERT_CUDA_GRAPH_MAX_GRAPHS)
      g_hash_table_insert (state->graphs, g_strdup (key), NULL);
    g_free (key);
    return bert_cuda_forward (state, size->n_tokens, size->n_sequences, max_seq_len, error);
  }
  if (exec == NULL) {
    exec = capture_forward (state, size, max_seq_len, error);
    if (exec == NULL) {
      g_free (key);
      return FALSE;
    }
    g_hash_table_replace (state->graphs, g_strdup (key), exec);
  }
  g_free (key);
  return cuda_check (cudaGraphLaunch (exec, state->stream), error);
}
