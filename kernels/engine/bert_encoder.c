/* bert_encoder.c: encoders over a backend, batch validation, jobs.
 *
 * The CUDA backend lives in its own module, opened here at run time with GModule, so
 * the engine loads and runs on the CPU where no CUDA runtime is installed.
 */
#include <gmodule.h>
#include <string.h>

#include "bert_backend.h"
#include "bert_cpu_backend.h"
#include "config.h"

struct _BertEncoder {
  BertModel *model;
  const BertBackend *backend;
  gpointer state;
  BertBackendSettings settings;
  char *fallback_reason; /* why device=auto runs on the CPU; NULL otherwise */
  BertPrecision requested_precision;
  char *precision_fallback_reason; /* why settings.precision is not the one asked for */
};

struct _BertJob {
  BertEncoder *encoder;
  gpointer backend_job;
  gboolean waited;
  GError *error;           /* the backend's, once waited */
  BertPackedBatch batch;   /* what the backend reads: the caller's arrays, or these */
  int32_t *ids, *type_ids; /* copies of per-sequence views; zeros for absent type ids */
  uint32_t *seq_offsets;
  BertBatchOutput output;
};

void
bert_encoder_options_init (BertEncoderOptions *options)
{
  options->device = BERT_DEVICE_AUTO;
  options->device_id = 0;
  options->precision = BERT_PRECISION_AUTO;
  options->pooling = -1;
  options->normalize = -1;
  options->n_threads = 0;
}

static char *
cuda_module_path (void)
{
  const char *dir = g_getenv ("GST_BERT_CUDA_MODULE_DIR");
  char *build_path;

  if (dir != NULL && *dir != '\0')
    return g_build_filename (dir, BERT_CUDA_MODULE_NAME, NULL);
  build_path = g_build_filename (BERT_CUDA_MODULE_BUILD_DIR, BERT_CUDA_MODULE_NAME, NULL);
  if (g_file_test (build_path, G_FILE_TEST_EXISTS))
    return build_path;
  g_free (build_path);
  return g_build_filename (BERT_CUDA_MODULE_INSTALL_DIR, BERT_CUDA_MODULE_NAME, NULL);
}

/* Opens the CUDA module and returns its backend table. The module stays loaded for
 * the life of the process: CUDA runtimes do not take well to being unloaded. */
static const BertBackend *
open_cuda_backend (GError **error)
{
  char *path = cuda_module_path ();
  BertBackendGetFunc get_backend = NULL;
  const BertBackend *backend = NULL;
  GModule *module;

  if (!g_file_test (path, G_FILE_TEST_EXISTS)) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_DEVICE,
        "the CUDA backend module %s is not there (gst-bert built without CUDA, or "
        "GST_BERT_CUDA_MODULE_DIR points elsewhere)",
        path);
  } else if ((module = g_module_open (path, G_MODULE_BIND_LAZY | G_MODULE_BIND_LOCAL)) == NULL) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_DEVICE,
        "cannot open the CUDA backend module: %s", g_module_error ());
  } else if (!g_module_symbol (module, BERT_BACKEND_CUDA_SYMBOL, (gpointer *) &get_backend)
      || get_backend == NULL || (backend = get_backend ()) == NULL) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_DEVICE,
        "%s does not provide a CUDA backend (%s)", path, BERT_BACKEND_CUDA_SYMBOL);
    g_module_close (module);
  } else {
    g_module_make_resident (module);
  }
  g_free (path);
  return backend;
}

const char *
bert_precision_get_name (BertPrecision precision)
{
  static const char *names[] = { "fp16", "bf16", "fp32", "int8", "auto" };

  return (guint) precision < G_N_ELEMENTS (names) ? names[precision] : "unknown";
}

/* Sets the precision backend computes in for the one requested, and why it differs. */
static void
resolve_precision (BertEncoder *encoder, const BertBackend *backend)
{
  BertPrecision requested = encoder->requested_precision;

  g_clear_pointer (&encoder->precision_fallback_reason, g_free);
  if (backend == bert_backend_cpu_get ()) {
    encoder->settings.precision =
        bert_backend_cpu_resolve_precision (requested, &encoder->precision_fallback_reason);
    return;
  }
  if (g_strcmp0 (backend->name, "remote") == 0) {
    /* The server's engine (libgstbert-serve.so) runs the CPU backend at its default. */
    encoder->settings.precision = BERT_PRECISION_FP32;
    if (requested != BERT_PRECISION_AUTO && requested != BERT_PRECISION_FP32)
      encoder->precision_fallback_reason = g_strdup_printf ("the remote backend's server "
                                                            "computes in fp32, not %s",
          bert_precision_get_name (requested));
    return;
  }
  encoder->settings.precision =
      requested == BERT_PRECISION_AUTO || requested == BERT_PRECISION_INT8 ? BERT_PRECISION_FP16 : requested;
  if (requested == BERT_PRECISION_INT8)
    encoder->precision_fallback_reason = g_strdup ("int8 runs on the CPU only: CUDA computes "
                                                   "in fp16");
}

static gboolean
start_backend (BertEncoder *encoder, const BertBackend *backend, GError **error)
{
  resolve_precision (encoder, backend);
  encoder->backend = backend;
  encoder->state = backend->create (encoder->model, &encoder->settings, error);
  return encoder->state != NULL;
}

/* A CUDA failure keeps the module's error code (device, out of memory, shape,
 * unsupported), its message prefixed with the backend's name. */
static gboolean
start_cuda_backend (BertEncoder *encoder, GError **error)
{
  const BertBackend *backend = open_cuda_backend (error);
  GError *create_error = NULL;

  if (backend == NULL)
    return FALSE;
  if (start_backend (encoder, backend, &create_error))
    return TRUE;
  if (create_error == NULL || create_error->domain != BERT_ENGINE_ERROR) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_DEVICE, "CUDA backend: %s",
        create_error ? create_error->message : "unknown error");
    g_clear_error (&create_error);
    return FALSE;
  }
  g_prefix_error (&create_error, "CUDA backend: ");
  g_propagate_error (error, create_error);
  return FALSE;
}

static gboolean
start_device (BertEncoder *encoder, BertDevice device, GError **error)
{
  GError *cuda_error = NULL;

  switch (device) {
    case BERT_DEVICE_CPU: return start_backend (encoder, bert_backend_cpu_get (), error);
    case BERT_DEVICE_CUDA: return start_cuda_backend (encoder, error);
    case BERT_DEVICE_REMOTE:
#if BERT_HAVE_REMOTE
      return start_backend (encoder, bert_backend_remote_get (), error);
#else
      g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_DEVICE,
          "gst-bert was built "
          "without the remote backend (meson option remote; it needs libcurl's -dev package)");
      return FALSE;
#endif
    case BERT_DEVICE_AUTO:
      if (start_cuda_backend (encoder, &cuda_error))
        return TRUE;
      encoder->fallback_reason = g_strdup (cuda_error->message);
      g_error_free (cuda_error);
      return start_backend (encoder, bert_backend_cpu_get (), error);
  }
  g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_DEVICE, "unknown device %d", device);
  return FALSE;
}

static gboolean
check_options (const BertEncoderOptions *options, GError **error)
{
  if (options->pooling < -1 || options->pooling >= BERT_N_POOLINGS || options->normalize < -1
      || options->normalize > 1 || options->n_threads < 0 || options->device_id < 0
      || (guint) options->precision > BERT_PRECISION_AUTO) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_INPUT,
        "invalid encoder options: pooling %d, normalize %d, n_threads %d, device_id %d, "
        "precision %d",
        options->pooling, options->normalize, options->n_threads, options->device_id, options->precision);
    return FALSE;
  }
  return TRUE;
}

/* A Dense module takes the width the model's Pooling gives: one mode in place of a
 * concatenation of several would feed it the wrong number of values. */
static gboolean
check_pooling_override (const BertModel *model, const BertEncoderOptions *options, GError **error)
{
  const BertConfig *config = &model->config;

  if (options->pooling < 0 || config->num_dense == 0 || config->pooling.n_modes == 1)
    return TRUE;
  g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_INPUT,
      "pooling %d (one mode) gives %d values, but %s's first Dense module (%s) takes in_features %d, "
      "the %d modes of its Pooling concatenated: a model with Dense modules keeps its own pooling",
      options->pooling, config->hidden_size, model->name, config->dense[0].path, config->dense[0].in_features,
      config->pooling.n_modes);
  return FALSE;
}

BertEncoder *
bert_encoder_new (BertModel *model, const BertEncoderOptions *options, GError **error)
{
  BertEncoderOptions defaults;
  BertEncoder *encoder;

  g_return_val_if_fail (model != NULL, NULL);
  if (options == NULL) {
    bert_encoder_options_init (&defaults);
    options = &defaults;
  }
  if (!check_options (options, error) || !check_pooling_override (model, options, error))
    return NULL;
  encoder = g_new0 (BertEncoder, 1);
  encoder->model = bert_model_ref (model);
  encoder->settings.head = model->config.head;
  encoder->settings.pooling =
      options->pooling >= 0 ? bert_poolings_single ((BertPooling) options->pooling) : model->config.pooling;
  encoder->settings.normalize = options->normalize >= 0 ? options->normalize : model->config.normalize;
  encoder->requested_precision = options->precision;
  encoder->settings.device_id = options->device_id;
  encoder->settings.n_threads = options->n_threads;
  encoder->settings.remote = &options->remote;
  if (!start_device (encoder, options->device, error)) {
    encoder->state = NULL;
    bert_encoder_free (encoder);
    return NULL;
  }
  encoder->settings.remote = NULL; /* the options are the caller's */
  return encoder;
}

void
bert_encoder_cancel (BertEncoder *encoder)
{
  if (encoder->backend->cancel != NULL)
    encoder->backend->cancel (encoder->state);
}

void
bert_encoder_free (BertEncoder *encoder)
{
  if (encoder == NULL)
    return;
  if (encoder->state != NULL)
    encoder->backend->destroy (encoder->state);
  bert_model_unref (encoder->model);
  g_free (encoder->fallback_reason);
  g_free (encoder->precision_fallback_reason);
  g_free (encoder);
}

const char *
bert_encoder_get_backend_name (const BertEncoder *encoder)
{
  return encoder->backend->name;
}

gboolean
bert_encoder_is_asynchronous (const BertEncoder *encoder)
{
  return encoder->backend->asynchronous;
}

const char *
bert_encoder_get_fallback_reason (const BertEncoder *encoder)
{
  return encoder->fallback_reason;
}

BertPrecision
bert_encoder_get_precision (const BertEncoder *encoder)
{
  return encoder->settings.precision;
}

const char *
bert_encoder_get_precision_fallback_reason (const BertEncoder *encoder)
{
  return encoder->precision_fallback_reason;
}

gsize
bert_encoder_get_weights_bytes (const BertEncoder *encoder)
{
  return encoder->backend == bert_backend_cpu_get () ? bert_backend_cpu_weights_bytes (encoder->state) : 0;
}

BertHead
bert_encoder_get_head (const BertEncoder *encoder)
{
  return encoder->settings.head;
}

const BertPoolings *
bert_encoder_get_pooling (const BertEncoder *encoder)
{
  return &encoder->settings.pooling;
}

gboolean
bert_encoder_get_normalize (const BertEncoder *encoder)
{
  return encoder->settings.normalize;
}

/* The engine's one rule for token ids, shared with callers that check a sequence
 * before they batch it (bert-infer, to fail on the buffer that holds it). */
gboolean
bert_model_check_tokens (const BertModel *model, const int32_t *ids, const int32_t *type_ids,
    uint32_t n_tokens, GError **error)
{
  const BertConfig *config = &model->config;

  for (uint32_t t = 0; t < n_tokens; t++) {
    int32_t id = ids[t], type_id = type_ids ? type_ids[t] : 0;

    if (id < 0 || id >= config->vocab_size) {
      g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_INPUT,
          "token %u: id %d is outside the vocabulary [0, %d)", t, id, config->vocab_size);
      return FALSE;
    }
    /* DistilBERT and RoBERTa ignore type ids, as their tokenizers never pass them. */
    if (config->uses_type_ids && (type_id < 0 || type_id >= config->type_vocab_size)) {
      g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_INPUT,
          "token %u: token type id %d is outside [0, %d) (type_vocab_size)", t, type_id,
          config->type_vocab_size);
      return FALSE;
    }
  }
  return TRUE;
}

static gboolean
check_length (const BertConfig *config, uint32_t n_tokens, gboolean has_ids, uint32_t index, GError **error)
{
  if (n_tokens == 0 || !has_ids || n_tokens > (uint32_t) config->max_position_embeddings) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_INPUT,
        "sequence %u has %u tokens%s; the model takes 1 to %d (max_position_embeddings)", index, n_tokens,
        has_ids ? "" : " and no ids", config->max_position_embeddings);
    return FALSE;
  }
  return TRUE;
}

/* Checks every sequence of a packed batch: the engine's per-batch error. */
static gboolean
check_packed (const BertModel *model, const BertPackedInput *input, GError **error)
{
  if (input == NULL || input->n_sequences == 0 || input->seq_offsets == NULL) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_INPUT, "empty batch: no sequences");
    return FALSE;
  }
  if (input->seq_offsets[0] != 0) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_INPUT,
        "packed batch: seq_offsets[0] is %u, not 0", input->seq_offsets[0]);
    return FALSE;
  }
  for (uint32_t i = 0; i < input->n_sequences; i++) {
    uint32_t first = input->seq_offsets[i], end = input->seq_offsets[i + 1];
    uint32_t n_tokens = end >= first ? end - first : 0;

    if (!check_length (&model->config, n_tokens, input->ids != NULL, i, error))
      return FALSE;
    if (!bert_model_check_tokens (model, input->ids + first, input->type_ids ? input->type_ids + first : NULL,
            n_tokens, error)) {
      g_prefix_error (error, "sequence %u, ", i);
      return FALSE;
    }
  }
  if (input->seq_offsets[input->n_sequences] > G_MAXINT32) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_INPUT,
        "batch of %u sequences has more than %d tokens", input->n_sequences, G_MAXINT32);
    return FALSE;
  }
  return TRUE;
}

/* The input's prompt lengths where pooling leaves prompts out and some sequence has one,
 * else NULL: a backend then pools every token. */
static const uint32_t *
pooled_prompt_lengths (const BertEncoder *encoder, const BertPackedInput *input)
{
  if (input->prompt_lengths == NULL || encoder->settings.head != BERT_HEAD_ENCODER
      || !encoder->model->config.pooling_excludes_prompt)
    return NULL;
  for (uint32_t i = 0; i < input->n_sequences; i++)
    if (input->prompt_lengths[i] > 0)
      return input->prompt_lengths;
  return NULL;
}

/* A backend that pools elsewhere (the remote one, on its server) cannot leave the prompt
 * out: an error, as its embeddings would differ from the model's. */
static gboolean
check_prompt_pooling (const BertEncoder *encoder, const BertPackedBatch *batch, GError **error)
{
  if (batch->prompt_lengths == NULL || encoder->backend->pools_without_prompt)
    return TRUE;
  g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_UNSUPPORTED,
      "the %s backend cannot pool without the prompt's tokens, as %s's 1_Pooling/config.json asks "
      "(include_prompt false); run it on the CPU or CUDA, or without a prompt",
      encoder->backend->name, encoder->model->path);
  return FALSE;
}

/* What the backend reads: the input's arrays in place, zeros for absent type ids. */
static gboolean
bind_batch (BertJob *job, const BertPackedInput *input)
{
  BertPackedBatch *batch = &job->batch;

  batch->n_sequences = input->n_sequences;
  batch->n_tokens = input->seq_offsets[input->n_sequences];
  batch->ids = input->ids;
  batch->seq_offsets = input->seq_offsets;
  batch->type_ids = input->type_ids;
  if (batch->type_ids == NULL) {
    job->type_ids = g_try_new0 (int32_t, MAX (batch->n_tokens, 1));
    if (job->type_ids == NULL)
      return FALSE;
    batch->type_ids = job->type_ids;
  }
  batch->prompt_lengths = pooled_prompt_lengths (job->encoder, input);
  batch->max_seq_len = 0;
  for (uint32_t i = 0; i < input->n_sequences; i++)
    batch->max_seq_len = MAX (batch->max_seq_len, input->seq_offsets[i + 1] - input->seq_offsets[i]);
  return TRUE;
}

/* Checks the views enough to pack them (the packed check says the rest) and counts
 * the batch's tokens. */
static gboolean
check_views (const BertConfig *config, const BertSequence *sequences, uint32_t n_sequences,
    uint32_t *n_tokens, GError **error)
{
  guint64 total = 0;

  if (n_sequences == 0 || sequences == NULL) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_INPUT, "empty batch: no sequences");
    return FALSE;
  }
  for (uint32_t i = 0; i < n_sequences; i++) {
    if (!check_length (config, sequences[i].n_tokens, sequences[i].ids != NULL, i, error))
      return FALSE;
    total += sequences[i].n_tokens;
    if (total > G_MAXINT32) {
      g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_INPUT,
          "batch of %u sequences has more than %d tokens", n_sequences, G_MAXINT32);
      return FALSE;
    }
  }
  *n_tokens = total;
  return TRUE;
}

/* Copies the views end to end into the job's own arrays; FALSE when memory is short. */
static gboolean
pack_views (BertJob *job, const BertSequence *sequences, uint32_t n_sequences, uint32_t n_tokens,
    BertPackedInput *input)
{
  job->ids = g_try_new (int32_t, n_tokens);
  job->type_ids = g_try_new0 (int32_t, n_tokens);
  job->seq_offsets = g_try_new (uint32_t, n_sequences + 1);
  if (job->ids == NULL || job->type_ids == NULL || job->seq_offsets == NULL)
    return FALSE;
  job->seq_offsets[0] = 0;
  for (uint32_t i = 0; i < n_sequences; i++) {
    const BertSequence *sequence = &sequences[i];
    uint32_t first = job->seq_offsets[i];

    memcpy (job->ids + first, sequence->ids, sequence->n_tokens * sizeof (int32_t));
    if (sequence->type_ids != NULL)
      memcpy (job->type_ids + first, sequence->type_ids, sequence->n_tokens * sizeof (int32_t));
    job->seq_offsets[i + 1] = first + sequence->n_tokens;
  }
  input->n_sequences = n_sequences;
  input->ids = job->ids;
  input->type_ids = job->type_ids;
  input->seq_offsets = job->seq_offsets;
  input->prompt_lengths = NULL;
  return TRUE;
}

/* The head's output arrays, zeroed; FALSE when memory is short. */
static gboolean
allocate_output (BertJob *job, const BertEncoder *encoder)
{
  const BertConfig *config = &encoder->model->config;
  BertBatchOutput *output = &job->output;
  gsize n_sequences = job->batch.n_sequences, n_tokens = job->batch.n_tokens;
  gsize n_labels = config->num_labels;

  output->n_sequences = n_sequences;
  output->n_tokens = n_tokens;
  output->hidden_size = config->hidden_size;
  output->embedding_size = bert_config_get_pooled_embedding_size (config, &encoder->settings.pooling);
  output->num_labels = config->num_labels;
  output->token_offset = g_memdup2 (job->batch.seq_offsets, (n_sequences + 1) * sizeof (uint32_t));
  switch (encoder->settings.head) {
    case BERT_HEAD_ENCODER:
      output->embeddings = g_try_new0 (float, n_sequences * output->embedding_size);
      return output->embeddings != NULL;
    case BERT_HEAD_SEQUENCE_CLASSIFIER:
      output->logits = g_try_new0 (float, n_sequences *n_labels);
      output->probs = g_try_new0 (float, n_sequences *n_labels);
      output->labels = g_try_new0 (int32_t, n_sequences);
      output->label_applies = g_try_new0 (uint8_t, n_sequences * n_labels);
      return output->logits && output->probs && output->labels && output->label_applies;
    case BERT_HEAD_TOKEN_CLASSIFIER:
      output->token_logits = g_try_new0 (float, n_tokens *n_labels);
      output->token_probs = g_try_new0 (float, n_tokens *n_labels);
      output->token_labels = g_try_new0 (int32_t, n_tokens);
      return output->token_logits && output->token_probs && output->token_labels;
  }
  return FALSE;
}

static BertJob *
job_new (BertEncoder *encoder)
{
  BertJob *job = g_new0 (BertJob, 1);

  job->encoder = encoder;
  job->waited = TRUE; /* until the backend has it */
  return job;
}

/* Checks @input, binds it and hands it to the backend; frees @job on failure. */
static BertJob *
start_job (BertEncoder *encoder, BertJob *job, const BertPackedInput *input, GError **error)
{
  if (!check_packed (encoder->model, input, error)) {
    bert_job_free (job);
    return NULL;
  }
  if (!bind_batch (job, input) || !allocate_output (job, encoder)) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_OUT_OF_MEMORY,
        "no memory for a batch of %u sequences, %u tokens", input->n_sequences,
        input->seq_offsets[input->n_sequences]);
    bert_job_free (job);
    return NULL;
  }
  if (!check_prompt_pooling (encoder, &job->batch, error)) {
    bert_job_free (job);
    return NULL;
  }
  job->waited = FALSE;
  job->backend_job = encoder->backend->submit (encoder->state, &job->batch, &job->output, error);
  if (job->backend_job == NULL) {
    job->waited = TRUE;
    bert_job_free (job);
    return NULL;
  }
  return job;
}

BertJob *
bert_encoder_submit_packed (BertEncoder *encoder, const BertPackedInput *input, GError **error)
{
  g_return_val_if_fail (encoder != NULL, NULL);
  return start_job (encoder, job_new (encoder), input, error);
}

BertJob *
bert_encoder_submit (BertEncoder *encoder, const BertSequence *sequences, uint32_t n_sequences,
    GError **error)
{
  BertPackedInput input;
  uint32_t n_tokens;
  BertJob *job;

  g_return_val_if_fail (encoder != NULL, NULL);
  if (!check_views (&encoder->model->config, sequences, n_sequences, &n_tokens, error))
    return NULL;
  job = job_new (encoder);
  if (!pack_views (job, sequences, n_sequences, n_tokens, &input)) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_OUT_OF_MEMORY,
        "no memory for a batch of %u sequences, %u tokens", n_sequences, n_tokens);
    bert_job_free (job);
    return NULL;
  }
  return start_job (encoder, job, &input, error);
}

gboolean
bert_job_wait (BertJob *job, GError **error)
{
  g_return_val_if_fail (job != NULL, FALSE);
  if (!job->waited) {
    if (!job->encoder->backend->wait (job->encoder->state, job->backend_job, &job->error)
        && job->error == NULL)
      g_set_error (&job->error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_COMPUTE,
          "the %s backend failed without saying why", job->encoder->backend->name);
    job->backend_job = NULL;
    job->waited = TRUE;
  }
  if (job->error != NULL) {
    g_propagate_error (error, g_error_copy (job->error));
    return FALSE;
  }
  return TRUE;
}

const BertBatchOutput *
bert_job_get_output (const BertJob *job)
{
  return &job->output;
}

/* The job's own arrays: its outputs and its copies of the input. */
static void
free_job_arrays (BertJob *job)
{
  BertBatchOutput *output = &job->output;
  gpointer arrays[] = { output->embeddings, output->logits, output->probs, output->labels,
    output->label_applies, output->token_logits, output->token_probs, output->token_labels,
    output->token_offset, job->ids, job->type_ids, job->seq_offsets };

  for (guint i = 0; i < G_N_ELEMENTS (arrays); i++)
    g_free (arrays[i]);
}

void
bert_job_free (BertJob *job)
{
  if (job == NULL)
    return;
  /* The backend's handle is only released by wait. */
  if (!job->waited)
    bert_job_wait (job, NULL);
  free_job_arrays (job);
  g_clear_error (&job->error);
  g_free (job);
}

BertJob *
bert_encoder_run (BertEncoder *encoder, const BertSequence *sequences, uint32_t n_sequences, GError **error)
{
  BertJob *job = bert_encoder_submit (encoder, sequences, n_sequences, error);

  if (job != NULL && !bert_job_wait (job, error)) {
    bert_job_free (job);
    return NULL;
  }
  return job;
}
