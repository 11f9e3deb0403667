/* bert_cuda_backend.c: the CUDA backend table, exported by libgstbert-cuda.so.
 *
 * The engine opens this module at run time (GModule) and calls bert_backend_cuda_get, so
 * nothing of CUDA is needed where the module is not used. The module reads the BertModel
 * struct and calls nothing of the engine.
 *
 * Asynchronous: submit stages a batch in the job's pinned host buffers and enqueues, on the
 * state's stream, the upload, the forward pass between two events (a small batch's as one
 * CUDA graph, padded to its bucket: bert_cuda_graph.c), the download and a last event,
 * then returns;
 * wait blocks on the event (without spinning) and copies the results out. Each job owns its
 * pinned buffers, so several jobs can be in flight; device buffers are shared because the
 * stream runs jobs one after another.
 */
#include <gmodule.h>
#include <string.h>

#include "bert_cuda_backend_private.h"
#include "bert_cuda_check.h"
#include "bert_cuda_kernels.h"

typedef struct {
  BertBatchOutput *output;
  uint32_t n_tokens;
  uint32_t n_sequences;
  BertCudaLaunchSize launch; /* the sizes of the staged inputs and of the results */
  void *host_inputs;         /* pinned, BertCudaInputLayout */
  size_t host_inputs_bytes;
  void *host_outputs; /* pinned, BertCudaOutputLayout */
  size_t host_outputs_bytes;
  cudaEvent_t started;    /* before the forward pass (after the upload) */
  cudaEvent_t computed;   /* after the forward pass (before the download) */
  cudaEvent_t finished;   /* after the download */
  double enqueue_seconds; /* host time spent in enqueue_job */
} BertCudaJob;

/* ---- Device selection ---- */

/* cudaErrorInsufficientDriver: no driver at all, or one older than the runtime. The
 * runtime's own text ("CUDA driver version is insufficient") says the second even for
 * the first, so it is not repeated: the driver version tells them apart (0: none). */
static gboolean
describe_driver_mismatch (GError **error)
{
  int driver_version = 0, runtime_version = 0;

  cudaDriverGetVersion (&driver_version);
  cudaRuntimeGetVersion (&runtime_version);
  if (driver_version == 0)
    g_set_error (error, BERT_CUDA_ENGINE_ERROR, BERT_ENGINE_ERROR_DEVICE,
        "no usable CUDA GPU: no NVIDIA driver is installed (libcuda.so.1 cannot be loaded)");
  else
    g_set_error (error, BERT_CUDA_ENGINE_ERROR, BERT_ENGINE_ERROR_DEVICE,
        "no usable CUDA GPU: the NVIDIA driver supports CUDA up to %d.%d, this module needs %d.%d",
        driver_version / 1000, driver_version % 1000 / 10, runtime_version / 1000,
        runtime_version % 1000 / 10);
  return FALSE;
}

static gboolean
select_device (int device_id, GError **error)
{
  struct cudaDeviceProp properties;
  int n_devices = 0;
  cudaError_t status = cudaGetDeviceCount (&n_devices);

  if (status == cudaErrorInsufficientDriver)
    return describe_driver_mismatch (error);
  if (status != cudaSuccess || n_devices == 0) {
    g_set_error (error, BERT_CUDA_ENGINE_ERROR, BERT_ENGINE_ERROR_DEVICE, "no usable CUDA GPU: %s (%s)",
        status != cudaSuccess ? cudaGetErrorString (status) : "the driver reports no device",
        status != cudaSuccess ? cudaGetErrorName (status) : "0 devices");
    return FALSE;
  }
  if (device_id < 0 || device_id >= n_devices) {
    g_set_error (error, BERT_CUDA_ENGINE_ERROR, BERT_ENGINE_ERROR_DEVICE,
        "no CUDA device %d: %d device(s) present", device_id, n_devices);
    return FALSE;
  }
  if (!cuda_check (cudaSetDevice (device_id), error)
      || !cuda_check (cudaGetDeviceProperties (&properties, device_id), error))
    return FALSE;
  if (properties.major < 8) {
    g_set_error (error, BERT_CUDA_ENGINE_ERROR, BERT_ENGINE_ERROR_DEVICE,
        "CUDA device %d (%s) has compute capability %d.%d; the CUDA backend needs 8.0 or newer", device_id,
        properties.name, properties.major, properties.minor);
    return FALSE;
  }
  return TRUE;
}

/* ---- Jobs ---- */

static void
job_free (BertCudaJob *job)
{
  if (job->host_inputs != NULL)
    cudaFreeHost (job->host_inputs);
  if (job->host_outputs != NULL)
    cudaFreeHost (job->host_outputs);
  if (job->started != NULL)
    cudaEventDestroy (job->started);
  if (job->computed != NULL)
    cudaEventDestroy (job->computed);
  if (job->finished != NULL)
    cudaEventDestroy (job->finished);
  g_free (job);
}

static BertCudaJob *
job_new (GError **error)
{
  BertCudaJob *job = g_new0 (BertCudaJob, 1);

  /* finished blocks the waiting thread instead of spinning; all three keep timing. */
  if (!cuda_check (cudaEventCreate (&job->started), error)
      || !cuda_check (cudaEventCreate (&job->computed), error)
      || !cuda_check (cudaEventCreateWithFlags (&job->finished, cudaEventBlockingSync), error)) {
    job_free (job);
    return NULL;
  }
  return job;
}

/* Grows a pinned buffer to the size class of bytes; its previous job has been waited, so
 * nothing uses it. Called without the state's lock: allocating and freeing pinned memory
 * can wait for the device, which must not stall other submitters. */
static gboolean
pinned_reserve (void **buffer, size_t *capacity, size_t bytes, GError **error)
{
  if (bytes <= *capacity)
    return TRUE;
  bytes = bert_cuda_pinned_size_class (bytes);
  if (*buffer != NULL)
    cudaFreeHost (*buffer);
  *buffer = NULL;
  *capacity = 0;
  if (!cuda_check (cudaMallocHost (buffer, bytes), error))
    return FALSE;
  *capacity = bytes;
  return TRUE;
}

/* Called with the state's lock held. */
static BertCudaJob *
take_job (BertCudaState *state, GError **error)
{
  BertCudaJob *job;

  if (state->free_jobs->len > 0)
    return g_ptr_array_steal_index_fast (state->free_jobs, state->free_jobs->len - 1);
  job = job_new (error);
  if (job != NULL)
    g_ptr_array_add (state->all_jobs, job);
  return job;
}

static void
release_job (BertCudaState *state, BertCudaJob *job)
{
  g_mutex_lock (&state->lock);
  job->output = NULL;
  g_ptr_array_add (state->free_jobs, job);
  g_mutex_unlock (&state->lock);
}

/* ---- Create and destroy ---- */

static BertDType
compute_dtype (BertPrecision precision)
{
  switch (precision) {
    case BERT_PRECISION_BF16: return BERT_DTYPE_BF16;
    case BERT_PRECISION_FP32: return BERT_DTYPE_F32;
    default: return BERT_DTYPE_F16;
  }
}

static BertCudaShape
shape_from_config (const BertConfig *config, const BertBackendSettings *settings)
{
  BertCudaShape shape;

  shape.hidden = config->hidden_size;
  shape.n_heads = config->num_heads;
  shape.head_dim = config->hidden_size / config->num_heads;
  shape.n_layers = config->num_layers;
  shape.intermediate = config->intermediate_size;
  shape.n_labels = settings->head == BERT_HEAD_ENCODER ? 0 : config->num_labels;
  shape.padded_labels = (shape.n_labels + 7) / 8 * 8;
  shape.score_function = config->score_function;
  shape.layer_norm_eps = config->layer_norm_eps;
  shape.hidden_act = config->hidden_act;
  shape.vocab_size = config->vocab_size;
  shape.type_vocab_size = config->type_vocab_size;
  shape.uses_type_ids = config->uses_type_ids;
  shape.max_positions = config->max_position_embeddings;
  shape.input_embedding_size = config->input_embedding_size;
  shape.embedding_size = bert_config_get_pooled_embedding_size (config, &settings->pooling);
  shape.position_offset = config->position_offset;
  shape.classifier_activation = config->classifier_activation;
  return shape;
}

static void
cuda_destroy (gpointer state_pointer)
{
  BertCudaState *state = state_pointer;

  if (state == NULL)
    return;
  cudaSetDevice (state->settings.device_id);
  if (state->stream != NULL)
    cudaStreamSynchronize (state->stream);
  if (state->all_jobs != NULL)
    g_ptr_array_unref (state->all_jobs);
  if (state->graphs != NULL)
    g_hash_table_unref (state->graphs);
  if (state->free_jobs != NULL)
    g_ptr_array_unref (state->free_jobs);
  bert_cuda_activations_clear (&state->activations);
  bert_cuda_dense_free (state->dense);
  if (state->weights != NULL)
    bert_cuda_weights_release (state->weights);
  bert_cuda_matmul_free (state->matmul);
  if (state->stream != NULL)
    cudaStreamDestroy (state->stream);
  g_mutex_clear (&state->lock);
  g_free (state);
}

static gpointer
cuda_create (const BertModel *model, const BertBackendSettings *settings, GError **error)
{
  BertCudaState *state;

  /* The model is checked first: its errors do not depend on having a GPU. */
  if (!bert_cuda_model_check (model, settings, error) || !select_device (settings->device_id, error))
    return NULL;
  state = g_new0 (BertCudaState, 1);
  g_mutex_init (&state->lock);
  state->settings = *settings;
  state->shape = shape_from_config (&model->config, settings);
  state->dtype = compute_dtype (settings->precision);
  state->sync_each_step = g_strcmp0 (g_getenv ("GST_BERT_CUDA_SYNC"), "1") == 0;
  state->graphs = bert_cuda_graphs_wanted () ? bert_cuda_graphs_new () : NULL;
  state->free_jobs = g_ptr_array_new ();
  state->all_jobs = g_ptr_array_new_with_free_func ((GDestroyNotify) job_free);
  if (!cuda_check (cudaStreamCreateWithFlags (&state->stream, cudaStreamNonBlocking), error)
      || (state->weights = bert_cuda_weights_acquire (model, settings->device_id, settings->head,
              state->shape.padded_labels, state->dtype, error))
          == NULL
      || (state->matmul = bert_cuda_matmul_new (state->dtype, error)) == NULL
      || (settings->head == BERT_HEAD_ENCODER && model->config.num_dense > 0
          && (state->dense = bert_cuda_dense_new (model, state->stream, error)) == NULL)) {
    cuda_destroy (state);
    return NULL;
  }
  return state;
}

/* ---- Submit ---- */

/* Fills the padding of a graph's launch size: tokens with id 0 in no sequence, and empty
 * sequences after the last one. */
static void
stage_padding (const BertCudaJob *job, const BertCudaInputLayout *layout)
{
  int32_t *inputs = job->host_inputs;
  uint32_t *seq_offsets = (uint32_t *) (inputs + layout->seq_offsets);
  uint32_t *prompt_lengths = (uint32_t *) (inputs + layout->prompt_lengths);

  for (uint32_t t = job->n_tokens; t < job->launch.n_tokens; t++)
    inputs[layout->ids + t] = inputs[layout->type_ids + t] = inputs[layout->positions + t] = 0;
  for (uint32_t s = job->n_sequences + 1; s <= job->launch.n_sequences; s++)
    seq_offsets[s] = job->n_tokens;
  for (uint32_t s = job->n_sequences; s < job->launch.n_sequences; s++)
    prompt_lengths[s] = 0;
}

/* Copies the batch into the job's pinned inputs with each token's position in its
 * sequence, checking what would make the kernels read out of bounds. Returns the
 * longest sequence, or 0 with error set. */
static uint32_t
stage_inputs (const BertCudaState *state, BertCudaJob *job, const BertPackedBatch *batch, GError **error)
{
  const BertCudaInputLayout layout = bert_cuda_input_layout (job->launch.n_tokens, job->launch.n_sequences);
  int32_t *inputs = job->host_inputs;
  uint32_t *seq_offsets = (uint32_t *) (inputs + layout.seq_offsets);
  uint32_t *prompt_lengths = (uint32_t *) (inputs + layout.prompt_lengths);
  uint32_t max_seq_len = 0;

  for (uint32_t s = 0; s < batch->n_sequences; s++) {
    uint32_t start = batch->seq_offsets[s], end = batch->seq_offsets[s + 1];
    if (end <= start || end > batch->n_tokens || end - start > (uint32_t) state->shape.max_positions) {
      g_set_error (error, BERT_CUDA_ENGINE_ERROR, BERT_ENGINE_ERROR_INPUT,
          "CUDA backend: sequence %u spans tokens [%u, %u) of %u, at most %d long", s, start, end,
          batch->n_tokens, state->shape.max_positions);
      return 0;
    }
    for (uint32_t t = start; t < end; t++) {
      int32_t type_id = batch->type_ids != NULL && state->shape.uses_type_ids ? batch->type_ids[t] : 0;
      if (batch->ids[t] < 0 || batch->ids[t] >= state->shape.vocab_size || type_id < 0
          || (state->shape.uses_type_ids && type_id >= state->shape.type_vocab_size)) {
        g_set_error (error, BERT_CUDA_ENGINE_ERROR, BERT_ENGINE_ERROR_INPUT,
            "CUDA backend: sequence %u token %u: id %d or type id %d outside the vocabulary (%d, %d)", s,
            t - start, batch->ids[t], type_id, state->shape.vocab_size, state->shape.type_vocab_size);
        return 0;
      }
      inputs[layout.ids + t] = batch->ids[t];
      inputs[layout.type_ids + t] = type_id;
    }
    bert_position_ids (state->shape.position_offset, batch->ids + start, end - start,
        inputs + layout.positions + start);
    seq_offsets[s] = start;
    prompt_lengths[s] = batch->prompt_lengths != NULL ? batch->prompt_lengths[s] : 0;
    max_seq_len = MAX (max_seq_len, end - start);
  }
  seq_offsets[batch->n_sequences] = batch->n_tokens;
  if (batch->seq_offsets[0] != 0 || batch->seq_offsets[batch->n_sequences] != batch->n_tokens) {
    g_set_error (error, BERT_CUDA_ENGINE_ERROR, BERT_ENGINE_ERROR_INPUT,
        "CUDA backend: the sequences cover tokens [%u, %u), the batch has %u", batch->seq_offsets[0],
        batch->seq_offsets[batch->n_sequences], batch->n_tokens);
    return 0;
  }
  stage_padding (job, &layout);
  return max_seq_len;
}

/* compute_seconds is the time between started and computed: the forward pass on the GPU,
 * without the copies. Where the GPU outruns the host's enqueueing (small batches, one at a
 * time) it also holds the GPU's waits for the next launch; enqueue_seconds says how long
 * the host took, so a reader can tell. */
static gboolean
enqueue_job (BertCudaState *state, BertCudaJob *job, size_t input_bytes, size_t output_bytes,
    uint32_t max_seq_len, GError **error)
{
  gint64 start = g_get_monotonic_time ();
  gboolean ok = cuda_check (cudaMemcpyAsync (state->activations.inputs, job->host_inputs, input_bytes,
                                cudaMemcpyHostToDevice, state->stream),
                    error)
      && cuda_check (cudaEventRecord (job->started, state->stream), error)
      && bert_cuda_forward_launch (state, &job->launch,
          bert_cuda_launch_max_seq_len (&job->launch, max_seq_len), error)
      && cuda_check (cudaEventRecord (job->computed, state->stream), error)
      && cuda_check (cudaMemcpyAsync (job->host_outputs, state->activations.outputs, output_bytes,
                         cudaMemcpyDeviceToHost, state->stream),
          error)
      && cuda_check (cudaEventRecord (job->finished, state->stream), error);

  job->enqueue_seconds = (g_get_monotonic_time () - start) / 1e6;
  return ok;
}

/* Outside the lock: the job is the caller's until it is enqueued. Returns the longest
 * sequence, or 0 with error set. */
static uint32_t
prepare_job (BertCudaState *state, BertCudaJob *job, const BertPackedBatch *batch, GError **error)
{
  const BertCudaLaunchSize launch = bert_cuda_launch_size (state, batch->n_tokens, batch->n_sequences);
  size_t input_bytes = bert_cuda_input_layout (launch.n_tokens, launch.n_sequences).n_elements * 4;
  size_t output_bytes = bert_cuda_output_layout (state, launch.n_tokens, launch.n_sequences).n_elements * 4;

  job->n_tokens = batch->n_tokens;
  job->n_sequences = batch->n_sequences;
  job->launch = launch;
  if (!pinned_reserve (&job->host_inputs, &job->host_inputs_bytes, input_bytes, error)
      || !pinned_reserve (&job->host_outputs, &job->host_outputs_bytes, output_bytes, error))
    return 0;
  return stage_inputs (state, job, batch, error);
}

/* Called with the state's lock held: the device buffers and the stream are shared. */
static gboolean
enqueue_locked (BertCudaState *state, BertCudaJob *job, uint32_t max_seq_len, GError **error)
{
  const BertCudaLaunchSize *launch = &job->launch;
  size_t input_bytes = bert_cuda_input_layout (launch->n_tokens, launch->n_sequences).n_elements * 4;
  size_t output_bytes = bert_cuda_output_layout (state, launch->n_tokens, launch->n_sequences).n_elements * 4;

  if (!bert_cuda_activations_reserve (state, launch->n_tokens, launch->n_sequences, error))
    return FALSE;
  if (enqueue_job (state, job, input_bytes, output_bytes, max_seq_len, error))
    return TRUE;
  /* Part of the job may be queued: let it drain before its buffers are reused. */
  cudaStreamSynchronize (state->stream);
  return FALSE;
}

static gpointer
cuda_submit (gpointer state_pointer, const BertPackedBatch *batch, BertBatchOutput *output, GError **error)
{
  BertCudaState *state = state_pointer;
  BertCudaJob *job;
  uint32_t max_seq_len;
  gboolean ok;

  if (batch->n_sequences == 0 || batch->n_tokens == 0) {
    g_set_error (error, BERT_CUDA_ENGINE_ERROR, BERT_ENGINE_ERROR_INPUT, "CUDA backend: empty batch");
    return NULL;
  }
  if (!cuda_check (cudaSetDevice (state->settings.device_id), error))
    return NULL;
  g_mutex_lock (&state->lock);
  job = take_job (state, error);
  g_mutex_unlock (&state->lock);
  if (job == NULL)
    return NULL;
  max_seq_len = prepare_job (state, job, batch, error);
  ok = max_seq_len > 0;
  if (ok) {
    g_mutex_lock (&state->lock);
    ok = enqueue_locked (state, job, max_seq_len, error);
    g_mutex_unlock (&state->lock);
  }
  if (!ok) {
    release_job (state, job);
    return NULL;
  }
  job->output = output;
  return job;
}

/* ---- Wait ---- */

static void
copy_if_wanted (void *destination, const void *source, size_t bytes)
{
  if (destination != NULL)
    memcpy (destination, source, bytes);
}

static void
copy_outputs (const BertCudaState *state, const BertCudaJob *job)
{
  /* The results lie where the launch size puts them; only the batch's own rows are read. */
  const BertCudaOutputLayout layout =
      bert_cuda_output_layout (state, job->launch.n_tokens, job->launch.n_sequences);
  const float *results = job->host_outputs;
  BertBatchOutput *output = job->output;
  size_t n_labels = state->shape.n_labels;
  size_t rows = state->settings.head == BERT_HEAD_TOKEN_CLASSIFIER ? job->n_tokens : job->n_sequences;

  /* The engine allocates the arrays of the head in use; anything else stays NULL. */
  switch (state->settings.head) {
    case BERT_HEAD_ENCODER:
      copy_if_wanted (output->embeddings, results + layout.embeddings,
          (size_t) job->n_sequences * state->shape.embedding_size * sizeof (float));
      return;
    case BERT_HEAD_SEQUENCE_CLASSIFIER:
      copy_if_wanted (output->logits, results + layout.logits, rows * n_labels * sizeof (float));
      copy_if_wanted (output->probs, results + layout.probs, rows * n_labels * sizeof (float));
      copy_if_wanted (output->labels, results + layout.labels, rows * sizeof (int32_t));
      copy_if_wanted (output->label_applies, results + layout.applies, rows * n_labels);
      return;
    case BERT_HEAD_TOKEN_CLASSIFIER:
      copy_if_wanted (output->token_logits, results + layout.logits, rows * n_labels * sizeof (float));
      copy_if_wanted (output->token_probs, results + layout.probs, rows * n_labels * sizeof (float));
      copy_if_wanted (output->token_labels, results + layout.labels, rows * sizeof (int32_t));
      copy_if_wanted (output->token_offset,
          (const int32_t *) job->host_inputs
              + bert_cuda_input_layout (job->launch.n_tokens, job->launch.n_sequences).seq_offsets,
          ((size_t) job->n_sequences + 1) * sizeof (uint32_t));
      return;
  }
}

static gboolean
cuda_wait (gpointer state_pointer, gpointer job_pointer, GError **error)
{
  BertCudaState *state = state_pointer;
  BertCudaJob *job = job_pointer;
  float milliseconds = 0.0f;
  gboolean ok = cuda_check (cudaSetDevice (state->settings.device_id), error)
      && cuda_check (cudaEventSynchronize (job->finished), error)
      && cuda_check (cudaEventElapsedTime (&milliseconds, job->started, job->computed), error);

  if (ok) {
    copy_outputs (state, job);
    job->output->compute_seconds = milliseconds / 1000.0;
    job->output->enqueue_seconds = job->enqueue_seconds;
  }
  release_job (state, job);
  return ok;
}

static const BertBackend cuda_backend = {
  .name = "cuda",
  .asynchronous = TRUE,
  .pools_without_prompt = TRUE,
  .create = cuda_create,
  .destroy = cuda_destroy,
  .submit = cuda_submit,
  .wait = cuda_wait,
};

G_MODULE_EXPORT const BertBackend *bert_backend_cuda_get (void);

const BertBackend *
bert_backend_cuda_get (void)
{
  return &cuda_backend;
}
