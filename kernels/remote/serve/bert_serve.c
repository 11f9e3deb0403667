/* bert_serve.c: the engine for Triton's Python backend (see bert_serve.h).
 *
 * One BertServe per Triton model instance; Triton runs each instance in its own stub
 * process and calls it from one thread at a time. An encoder is made per pooling and
 * normalize pair the requests ask for, on first use, so that a client's pooling=cls gets
 * what it would get from the local CPU backend.
 */
#include <string.h>

#include "bert_serve.h"
#include "bert_engine.h"

#define N_POOLINGS (BERT_N_POOLINGS + 1) /* -1 (the model's) and each BertPooling */

struct _BertServe {
  BertModel *model;
  int n_threads;
  BertEncoder *encoders[N_POOLINGS][3]; /* [pooling + 1][normalize + 1] */
};

static void
set_error (char *error, size_t error_size, const char *message)
{
  if (error != NULL && error_size > 0)
    g_strlcpy (error, message, error_size);
}

BertServe *
bert_serve_open (const char *folder, int n_threads, char *error, size_t error_size)
{
  GError *load_error = NULL;
  BertServe *serve;
  BertModel *model = bert_model_load (folder, &load_error);

  if (model == NULL) {
    set_error (error, error_size, load_error->message);
    g_error_free (load_error);
    return NULL;
  }
  serve = g_new0 (BertServe, 1);
  serve->model = model;
  serve->n_threads = MAX (n_threads, 0);
  return serve;
}

void
bert_serve_close (BertServe *serve)
{
  if (serve == NULL)
    return;
  for (int p = 0; p < N_POOLINGS; p++)
    for (int n = 0; n < 3; n++)
      bert_encoder_free (serve->encoders[p][n]);
  bert_model_unref (serve->model);
  g_free (serve);
}

int
bert_serve_head (const BertServe *serve)
{
  return serve->model->config.head;
}

int
bert_serve_hidden_size (const BertServe *serve)
{
  return bert_config_get_embedding_size (&serve->model->config);
}

int
bert_serve_embedding_size (const BertServe *serve, int pooling)
{
  BertPoolings single;

  if (pooling < 0 || pooling >= BERT_N_POOLINGS)
    return bert_config_get_embedding_size (&serve->model->config);
  single = bert_poolings_single ((BertPooling) pooling);
  return bert_config_get_pooled_embedding_size (&serve->model->config, &single);
}

int
bert_serve_num_labels (const BertServe *serve)
{
  return serve->model->config.num_labels;
}

static BertEncoder *
get_encoder (BertServe *serve, int pooling, int normalize, GError **error)
{
  BertEncoderOptions options;
  BertEncoder **slot;

  if (pooling < -1 || pooling >= BERT_N_POOLINGS || normalize < -1 || normalize > 1) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_INPUT,
        "POOLING %d or NORMALIZE %d out of range (-1 to %d, -1 to 1)", pooling, normalize,
        BERT_N_POOLINGS - 1);
    return NULL;
  }
  slot = &serve->encoders[pooling + 1][normalize + 1];
  if (*slot == NULL) {
    bert_encoder_options_init (&options);
    options.device = BERT_DEVICE_CPU;
    options.pooling = pooling;
    options.normalize = normalize;
    options.n_threads = serve->n_threads;
    *slot = bert_encoder_new (serve->model, &options, error);
  }
  return *slot;
}

/* The batch's sequences over the packed arrays; NULL when the lengths do not add up. */
static BertSequence *
unpack_sequences (const int32_t *ids, const int32_t *type_ids, const int32_t *lengths, uint32_t n_sequences,
    uint32_t n_tokens, GError **error)
{
  BertSequence *sequences = g_new (BertSequence, MAX (n_sequences, 1));
  guint64 offset = 0;

  for (uint32_t i = 0; i < n_sequences; i++) {
    if (lengths[i] <= 0 || offset + lengths[i] > n_tokens) {
      g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_INPUT,
          "LENGTHS[%u] is %d: the lengths must be positive and add up to IDS' %u tokens", i, lengths[i],
          n_tokens);
      g_free (sequences);
      return NULL;
    }
    sequences[i].ids = ids + offset;
    sequences[i].type_ids = type_ids + offset;
    sequences[i].n_tokens = lengths[i];
    offset += lengths[i];
  }
  if (offset != n_tokens) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_INPUT,
        "LENGTHS add up to %" G_GUINT64_FORMAT " tokens, IDS has %u", offset, n_tokens);
    g_free (sequences);
    return NULL;
  }
  return sequences;
}

static void
copy_output (const BertBatchOutput *output, float *embeddings, float *logits, float *probs, int32_t *labels,
    uint8_t *label_applies, float *token_logits, float *token_probs, int32_t *token_labels)
{
  gsize n_sequences = output->n_sequences, n_tokens = output->n_tokens;
  gsize n_labels = output->num_labels;

  if (output->embeddings && embeddings)
    memcpy (embeddings, output->embeddings, n_sequences * output->embedding_size * sizeof (float));
  if (output->logits && logits)
    memcpy (logits, output->logits, n_sequences * n_labels * sizeof (float));
  if (output->probs && probs)
    memcpy (probs, output->probs, n_sequences * n_labels * sizeof (float));
  if (output->labels && labels)
    memcpy (labels, output->labels, n_sequences * sizeof (int32_t));
  if (output->label_applies && label_applies)
    memcpy (label_applies, output->label_applies, n_sequences * n_labels);
  if (output->token_logits && token_logits)
    memcpy (token_logits, output->token_logits, n_tokens * n_labels * sizeof (float));
  if (output->token_probs && token_probs)
    memcpy (token_probs, output->token_probs, n_tokens * n_labels * sizeof (float));
  if (output->token_labels && token_labels)
    memcpy (token_labels, output->token_labels, n_tokens * sizeof (int32_t));
}

int
bert_serve_run (BertServe *serve, int pooling, int normalize, const int32_t *ids, const int32_t *type_ids,
    const int32_t *lengths, uint32_t n_sequences, uint32_t n_tokens, float *embeddings, float *logits,
    float *probs, int32_t *labels, uint8_t *label_applies, float *token_logits, float *token_probs,
    int32_t *token_labels, char *error, size_t error_size)
{
  GError *run_error = NULL;
  BertSequence *sequences = NULL;
  BertEncoder *encoder;
  BertJob *job = NULL;

  encoder = get_encoder (serve, pooling, normalize, &run_error);
  if (encoder != NULL)
    sequences = unpack_sequences (ids, type_ids, lengths, n_sequences, n_tokens, &run_error);
  if (sequences != NULL)
    job = bert_encoder_run (encoder, sequences, n_sequences, &run_error);
  if (job != NULL)
    copy_output (bert_job_get_output (job), embeddings, logits, probs, labels, label_applies, token_logits,
        token_probs, token_labels);
  else
    set_error (error, error_size, run_error->message);
  g_clear_error (&run_error);
  bert_job_free (job);
  g_free (sequences);
  return job != NULL ? 0 : -1;
}
