/**
 * SECTION:element-bert-infer
 * @title: bert-infer
 *
 * Runs a BERT-family encoder on every text buffer and attaches the result (a sentence
 * embedding, class labels or per-token labels) as a #GstBertResultMeta; the text,
 * timestamps and flags pass through unchanged. Buffers are gathered into batches
 * that an inference thread runs while the next batch fills, and a task on the source
 * pad pushes them out in input order, so the streaming thread never waits for the model.
 * On an asynchronous backend (CUDA, remote) a second thread waits for the batches in
 * the engine, so that the next batch is submitted while one runs.
 *
 * Buffers carrying a token meta (from `tokenizer`) are used as they are, cut to the
 * model's max_seq_length; others are tokenized here with the model's own tokenizer.
 * Without a `model`, the element runs all-MiniLM-L6-v2 from the models folder
 * ($GST_BERT_MODELS_DIR, else $XDG_DATA_HOME/gst-bert/models), where
 * scripts/get-model.sh puts it; `model=NAME` names another model there.
 *
 * `prompt` (or `prompt-name`, one of the folder's config_sentence_transformers.json
 * prompts, whose default_prompt_name applies when neither is set) puts a text such as
 * "query: " before each text this element tokenizes, for tokenizing only.
 *
 * `pair-text` pairs each text this element tokenizes with a fixed text, for cross-encoders
 * (rerankers: the query goes first, `pair-text-position=first`) and NLI models (the
 * hypothesis second, `pair-text-position=second`), tokenized as the tokenizer element's
 * pair-text does; the classifier's logits are the pair's score.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 filesrc location=captions.srt ! subparse ! bert-infer ! bert-json ! fdsink fd=1
 * gst-launch-1.0 filesrc location=captions.srt ! subparse ! tokenizer vocab=/path/to/model ! bert-infer model=/path/to/model ! bert-json ! fdsink fd=1
 * gst-launch-1.0 filesrc location=captions.srt ! subparse ! bert-infer model=ms-marco-MiniLM-L-6-v2 pair-text="a dog in the snow" ! bert-json ! fdsink fd=1
 * ]|
 */
#include "config.h"

#include "gstbertinfer.h"
#include "gstbertinferbatch.h"
#include "gstbertmeta.h"
#include "gstbertmodeldir.h"
#include "gstbertdeferred.h"
#include "gstberttokenize.h"
#include "gstbertprompt.h"
#include "bert_token_cut.h"
#include "bert_tokenizer_identity.h"

#include <math.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (gst_bert_infer_debug);
#define GST_CAT_DEFAULT gst_bert_infer_debug

enum {
  PROP_0,
  PROP_MODEL,
  PROP_DEVICE,
  PROP_DEVICE_ID,
  PROP_PRECISION,
  PROP_THREADS,
  PROP_BATCH_SIZE,
  PROP_MAX_BATCH_TOKENS,
  PROP_BATCH_TIMEOUT,
  PROP_MAX_IN_FLIGHT,
  PROP_POOLING,
  PROP_NORMALIZE,
  PROP_OUTPUT,
  PROP_POST_MESSAGES,
  PROP_MAX_LENGTH,
  PROP_BACKEND,
  PROP_SERVER,
  PROP_REMOTE_MODEL,
  PROP_SERVER_TIMEOUT,
  PROP_RETRIES,
  PROP_PROMPT,
  PROP_PROMPT_NAME,
  PROP_PAIR_TEXT,
  PROP_PAIR_TEXT_POSITION,
};

#define DEFAULT_MODEL NULL
#define DEFAULT_DEVICE BERT_DEVICE_AUTO
#define DEFAULT_DEVICE_ID 0
#define DEFAULT_PRECISION BERT_PRECISION_AUTO
#define DEFAULT_THREADS 0
#define MAX_THREADS 1024
#define DEFAULT_BATCH_SIZE 32
#define MAX_BATCH_SIZE 4096
#define DEFAULT_MAX_BATCH_TOKENS 8192
#define DEFAULT_BATCH_TIMEOUT (20 * GST_MSECOND)
#define DEFAULT_MAX_IN_FLIGHT 2
#define MAX_MAX_IN_FLIGHT 16
#define DEFAULT_POOLING GST_BERT_INFER_POOLING_MODEL
#define DEFAULT_NORMALIZE GST_BERT_INFER_NORMALIZE_MODEL
#define DEFAULT_OUTPUT 0
#define DEFAULT_POST_MESSAGES FALSE
#define DEFAULT_MAX_LENGTH 0
#define DEFAULT_SERVER NULL
#define DEFAULT_REMOTE_MODEL NULL
#define DEFAULT_SERVER_TIMEOUT 10000
#define DEFAULT_RETRIES 3
#define DEFAULT_PROMPT NULL
#define DEFAULT_PROMPT_NAME NULL
#define DEFAULT_PAIR_TEXT NULL
#define DEFAULT_PAIR_TEXT_POSITION GST_BERT_PAIR_TEXT_FIRST

/* A latency message is posted when the batch time estimate moves by more than this. */
#define LATENCY_CHANGE_RATIO 0.2
/* The estimate drops toward a smaller measurement by this fraction of the gap. */
#define LATENCY_DECAY_DIVISOR 16

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink", GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("text/x-raw, format = (string) { utf8, pango-markup }"));

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src", GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("text/x-raw, format = (string) { utf8, pango-markup }"));

struct _GstBertInfer {
  GstElement element;

  GstPad *sinkpad;
  GstPad *srcpad;

  /* Everything below is protected by lock, except where noted. */
  GMutex lock;
  GCond worker_cond;    /* the worker waits: a batch to run, a deadline, stop */
  GCond collector_cond; /* the collector waits: a batch in the engine, stop */
  GCond output_cond;    /* the src task waits: an item ready to push */
  GCond space_cond;     /* the streaming thread waits: a batch slot, a query answer */

  /* Properties. */
  gchar *model_path;
  BertDevice device;
  gint device_id;
  BertPrecision precision;
  guint threads;
  guint batch_size;
  guint max_batch_tokens;
  guint64 batch_timeout;
  guint max_in_flight;
  gint pooling;
  GstBertInferNormalize normalize;
  GstBertInferOutput output;
  gboolean post_messages;
  guint max_length;
  gchar *server;
  gchar *remote_model;
  guint server_timeout;
  guint retries;
  gchar *prompt;
  gchar *prompt_name;
  gchar *pair_text;
  GstBertPairTextPosition pair_text_position;

  /* From NULL->READY to READY->NULL; read without the lock by the threads that run
   * between those transitions. */
  BertModel *model;
  gchar *vocabulary;    /* the identity of the model's tokenizer */
  gchar *active_prompt; /* resolved from prompt, prompt-name and the folder; NULL: none */
  gboolean warned_prompt_not_applied;
  gchar *active_pair_text; /* pair-text at READY; NULL: none */
  GstBertPairTextPosition active_pair_text_position;
  gboolean warned_pair_text_not_applied;
  GstBertPromptLength prompt_length; /* of active_prompt; the streaming thread's */
  gboolean warned_prompt_covers_text;
  BertEncoder *encoder;
  gboolean encoder_is_async;      /* submit several batches before waiting for one */
  const gchar *backend;           /* the encoder's backend name; under the lock */
  GstBertInferOutput head_output; /* what the model's head gives; under the lock */
  gboolean warned_cpu_fallback;
  gboolean warned_precision_fallback;
  gboolean warned_non_finite; /* the source task's */

  /* The streaming thread's scratch and one-time warning, no lock needed. */
  BertEncoding encoding;
  BertEncoding cut;    /* a token meta cut to the model's length, until batched */
  BertPlainText plain; /* pango markup stripped for tokenizing */
  gboolean is_markup;  /* the sink caps' format is pango-markup */
  gboolean has_upstream_caps;
  gboolean segment_in_bytes; /* with no caps: a byte stream (filesrc, fdsrc) */
  gboolean warned_truncation;
  gboolean warned_max_length_past_positions;
  gboolean warned_foreign_tokens;
  gboolean warned_invalid_utf8;
  gboolean warned_prompt_fills_max_length;

  /* Data flow. */
  struct _BertInferItem *pending; /* the batch being filled */
  GQueue items;                   /* closed batches, events and queries, in input order */
  guint n_batches_in_flight;      /* closed batches not yet pushed */
  GQueue submitted;               /* batches in the engine, oldest first */
  GstFlowReturn srcresult;        /* GST_FLOW_FLUSHING while flushing or inactive */
  gboolean eos;                   /* EOS received: refuse more data */
  gpointer last_handled_query;
  GstQuery *query_in_progress; /* taken by the src task, being answered downstream */
  gboolean last_query_result;

  GThread *worker; /* submits batches; on a synchronous backend also waits for them */
  gboolean worker_stopping;
  GThread *collector; /* asynchronous backends: waits for the batches in the engine */
  gboolean collector_stopping;

  /* Latency: a decaying maximum of the engine's time per batch. */
  GstClockTime batch_time_estimate;
  GstClockTime batch_time_posted;
};

#define gst_bert_infer_parent_class parent_class
G_DEFINE_TYPE (GstBertInfer, gst_bert_infer, GST_TYPE_ELEMENT);
GST_ELEMENT_REGISTER_DEFINE (bert_infer, "bert-infer", GST_RANK_NONE, GST_TYPE_BERT_INFER);

/* ------------------------------------------------------------------------- */
/* Property types */

#define GST_TYPE_BERT_INFER_DEVICE (gst_bert_infer_device_get_type ())
static GType
gst_bert_infer_device_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    { BERT_DEVICE_AUTO, "CUDA when a GPU and the CUDA module are there, else the CPU", "auto" },
    { BERT_DEVICE_CPU, "The CPU", "cpu" }, { BERT_DEVICE_CUDA, "A CUDA GPU", "cuda" },
    { BERT_DEVICE_REMOTE, "A Triton Inference Server (server, remote-model)", "remote" }, { 0, NULL, NULL }
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstBertInferDevice", values));
  return type;
}

#define GST_TYPE_BERT_INFER_PRECISION (gst_bert_infer_precision_get_type ())
static GType
gst_bert_infer_precision_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = { { BERT_PRECISION_FP16, "Half precision (FP16) weights and activations",
                                           "fp16" },
    { BERT_PRECISION_BF16, "BFloat16 weights and activations", "bf16" },
    { BERT_PRECISION_FP32, "Single precision (FP32)", "fp32" },
    { BERT_PRECISION_INT8, "8-bit integer weights and activations, int32 sums (CPU)", "int8" },
    { BERT_PRECISION_AUTO, "FP16 on CUDA, exact FP32 on the CPU", "auto" }, { 0, NULL, NULL } };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstBertInferPrecision", values));
  return type;
}

#define GST_TYPE_BERT_INFER_POOLING (gst_bert_infer_pooling_get_type ())
static GType
gst_bert_infer_pooling_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    { GST_BERT_INFER_POOLING_MODEL,
        "The model's (1_Pooling/config.json, else mean; its modes concatenated where it has several)",
        "model" },
    { BERT_POOLING_MEAN, "Mean of the token vectors", "mean" },
    { BERT_POOLING_CLS, "The [CLS] token's vector", "cls" },
    { BERT_POOLING_MAX, "Element-wise maximum of the token vectors", "max" },
    { BERT_POOLING_MEAN_SQRT_LEN, "Sum of the token vectors over the square root of their number",
        "mean-sqrt-len" },
    { BERT_POOLING_WEIGHTED_MEAN, "Mean of the token vectors weighted by position + 1", "weightedmean" },
    { BERT_POOLING_LAST_TOKEN, "The last token's vector", "lasttoken" }, { 0, NULL, NULL }
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstBertInferPooling", values));
  return type;
}

#define GST_TYPE_BERT_INFER_NORMALIZE (gst_bert_infer_normalize_get_type ())
static GType
gst_bert_infer_normalize_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = { { GST_BERT_INFER_NORMALIZE_MODEL,
                                           "As the model says (2_Normalize in modules.json)", "model" },
    { GST_BERT_INFER_NORMALIZE_NO, "Leave the embedding as pooled", "no" },
    { GST_BERT_INFER_NORMALIZE_YES, "Scale the embedding to unit L2 norm", "yes" }, { 0, NULL, NULL } };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstBertInferNormalize", values));
  return type;
}

#define GST_TYPE_BERT_INFER_OUTPUT (gst_bert_infer_output_get_type ())
static GType
gst_bert_infer_output_get_type (void)
{
  static gsize type = 0;
  static const GFlagsValue values[] = { { GST_BERT_INFER_OUTPUT_EMBEDDING, "The pooled sentence embedding",
                                            "embedding" },
    { GST_BERT_INFER_OUTPUT_LABELS, "Sequence class logits, probabilities and labels", "labels" },
    { GST_BERT_INFER_OUTPUT_TOKEN_LABELS, "A label, score and byte span per token", "token-labels" },
    { 0, NULL, NULL } };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_flags_register_static ("GstBertInferOutput", values));
  return type;
}

/* ------------------------------------------------------------------------- */
/* Items of the output queue */

typedef enum {
  ITEM_BATCH,
  ITEM_EVENT,
  ITEM_QUERY
} BertInferItemKind;

typedef enum {
  BATCH_FILLING,   /* the pending batch: the streaming thread still adds to it */
  BATCH_QUEUED,    /* closed, waiting for the inference thread */
  BATCH_SUBMITTED, /* in the engine */
  BATCH_DONE,      /* results ready to push */
  BATCH_FAILED     /* the engine failed; error says why */
} BertInferBatchState;

/* A serialized event or query, or a batch on its way through the engine. */
typedef struct _BertInferItem {
  BertInferItemKind kind;
  GstEvent *event;
  GstQuery *query; /* not owned: its sender waits for the answer */

  GstBertInferBatch *batch;
  BertInferBatchState state;
  gboolean abandoned; /* flushed while in the engine: whoever waits for it frees it */
  BertJob *job;
  GError *error;
} BertInferItem;

static BertInferItem *
bert_infer_batch_item_new (void)
{
  BertInferItem *item = g_new0 (BertInferItem, 1);

  item->kind = ITEM_BATCH;
  item->state = BATCH_FILLING;
  item->batch = gst_bert_infer_batch_new ();
  return item;
}

static void
bert_infer_item_free (BertInferItem *item)
{
  if (item->kind == ITEM_BATCH) {
    if (item->job)
      bert_job_free (item->job);
    gst_bert_infer_batch_free (item->batch);
    g_clear_error (&item->error);
  }
  gst_clear_event (&item->event);
  g_free (item);
}

/* ------------------------------------------------------------------------- */
/* Queue handling, all with the lock held */

/* Closes the pending batch and hands it to the inference thread. */
static void
gst_bert_infer_enqueue_batch_locked (GstBertInfer *self)
{
  BertInferItem *batch = self->pending;

  GST_LOG_OBJECT (self, "closing a batch of %u buffers, %u tokens",
      gst_bert_infer_batch_n_buffers (batch->batch), gst_bert_infer_batch_n_tokens (batch->batch));
  batch->state = BATCH_QUEUED;
  g_queue_push_tail (&self->items, batch);
  self->pending = NULL;
  self->n_batches_in_flight++;
  g_cond_signal (&self->worker_cond);
}

/* Closes the pending batch once a slot is free (back-pressure); returns what stopped
 * the wait when flushing or downstream failed. */
static GstFlowReturn
gst_bert_infer_close_batch_locked (GstBertInfer *self)
{
  while (self->pending && self->n_batches_in_flight >= self->max_in_flight && self->srcresult == GST_FLOW_OK)
    g_cond_wait (&self->space_cond, &self->lock);
  if (self->srcresult != GST_FLOW_OK)
    return self->srcresult;
  if (self->pending)
    gst_bert_infer_enqueue_batch_locked (self);
  return GST_FLOW_OK;
}

static void
gst_bert_infer_enqueue_item_locked (GstBertInfer *self, BertInferItem *item)
{
  g_queue_push_tail (&self->items, item);
  g_cond_signal (&self->output_cond);
}

/* Drops the pending batch and every batch not yet pushed. Batches in the engine stay
 * with the inference thread, which frees them when the engine is done. */
static void
gst_bert_infer_drop_batches_locked (GstBertInfer *self)
{
  GList *link = self->items.head;

  g_clear_pointer (&self->pending, bert_infer_item_free);
  while (link) {
    GList *next = link->next;
    BertInferItem *item = link->data;

    if (item->kind == ITEM_BATCH) {
      g_queue_delete_link (&self->items, link);
      if (item->state == BATCH_SUBMITTED)
        item->abandoned = TRUE;
      else
        bert_infer_item_free (item);
    }
    link = next;
  }
  self->n_batches_in_flight = 0;
}

/* Drops everything; sticky events other than segment and EOS are stored on the
 * source pad when @keep_sticky, so that caps and tags survive a flush (as queue does). */
static void
gst_bert_infer_flush_locked (GstBertInfer *self, gboolean keep_sticky)
{
  BertInferItem *item;

  gst_bert_infer_drop_batches_locked (self);
  while ((item = g_queue_pop_head (&self->items))) {
    GstEvent *event = item->event;

    if (keep_sticky && event && GST_EVENT_IS_STICKY (event) && GST_EVENT_TYPE (event) != GST_EVENT_SEGMENT
        && GST_EVENT_TYPE (event) != GST_EVENT_EOS)
      gst_pad_store_sticky_event (self->srcpad, event);
    bert_infer_item_free (item);
  }
  self->last_query_result = FALSE;
  g_cond_signal (&self->space_cond);
}

/* ------------------------------------------------------------------------- */
/* The inference threads: the worker submits closed batches in order and closes the
 * pending batch when its deadline passes; the collector (asynchronous backends only)
 * waits for the batches in the engine. */

static BertInferItem *
gst_bert_infer_next_batch_to_submit_locked (GstBertInfer *self)
{
  if (self->worker_stopping)
    return NULL;
  /* A synchronous backend computes in submit or wait: submitting a second batch
   * before the first is collected would only delay the first. */
  if (!g_queue_is_empty (&self->submitted) && !self->encoder_is_async)
    return NULL;
  for (GList *link = self->items.head; link; link = link->next) {
    BertInferItem *item = link->data;

    if (item->kind == ITEM_BATCH && item->state == BATCH_QUEUED)
      return item;
  }
  return NULL;
}

static void
gst_bert_infer_finish_batch_locked (GstBertInfer *self, BertInferItem *batch, GError *error)
{
  if (batch->abandoned) {
    GST_DEBUG_OBJECT (self, "dropping the results of a flushed batch");
    g_clear_error (&error);
    bert_infer_item_free (batch);
    return;
  }
  batch->error = error;
  batch->state = error ? BATCH_FAILED : BATCH_DONE;
  g_cond_signal (&self->output_cond);
}

static void
gst_bert_infer_submit_locked (GstBertInfer *self, BertInferItem *batch)
{
  GError *error = NULL;
  BertPackedInput input;
  BertJob *job;

  batch->state = BATCH_SUBMITTED;
  g_mutex_unlock (&self->lock);

  /* The engine reads the batch's arrays in place until the job is waited for; until
   * then a flush marks the batch abandoned, never frees it. */
  gst_bert_infer_batch_get_packed (batch->batch, &input);
  job = bert_encoder_submit_packed (self->encoder, &input, &error);

  g_mutex_lock (&self->lock);
  if (job) {
    batch->job = job;
    g_queue_push_tail (&self->submitted, batch);
    g_cond_signal (&self->collector_cond);
    return;
  }
  gst_bert_infer_finish_batch_locked (self, batch, error);
}

/* Folds one batch's time into the estimate; TRUE when it moved enough that the
 * pipeline should query the latency again. */
static gboolean
gst_bert_infer_update_batch_time_locked (GstBertInfer *self, GstClockTime batch_time)
{
  GstClockTime estimate = self->batch_time_estimate, posted = self->batch_time_posted;

  if (batch_time == 0)
    return FALSE;
  if (batch_time >= estimate)
    estimate = batch_time;
  else
    estimate -= (estimate - batch_time) / LATENCY_DECAY_DIVISOR;
  self->batch_time_estimate = estimate;

  if (posted != 0 && fabs ((double) estimate - (double) posted) <= LATENCY_CHANGE_RATIO * posted)
    return FALSE;
  self->batch_time_posted = estimate;
  return TRUE;
}

static void
gst_bert_infer_wait_oldest_locked (GstBertInfer *self)
{
  BertInferItem *batch = g_queue_peek_head (&self->submitted);
  GError *error = NULL;
  gboolean ok, latency_changed = FALSE;

  g_mutex_unlock (&self->lock);
  ok = bert_job_wait (batch->job, &error);
  g_mutex_lock (&self->lock);

  g_queue_pop_head (&self->submitted);
  if (ok) {
    const BertBatchOutput *output = bert_job_get_output (batch->job);

    GST_DEBUG_OBJECT (self, "batch of %u sequences, %u tokens computed in %.3f ms", output->n_sequences,
        output->n_tokens, output->compute_seconds * 1e3);
    latency_changed =
        gst_bert_infer_update_batch_time_locked (self, (GstClockTime) (output->compute_seconds * GST_SECOND));
  }
  gst_bert_infer_finish_batch_locked (self, batch, ok ? NULL : error);

  if (latency_changed) {
    GST_DEBUG_OBJECT (self, "batch time estimate now %" GST_TIME_FORMAT,
        GST_TIME_ARGS (self->batch_time_estimate));
    g_mutex_unlock (&self->lock);
    gst_element_post_message (GST_ELEMENT (self), gst_message_new_latency (GST_OBJECT (self)));
    g_mutex_lock (&self->lock);
  }
}

/* The monotonic time at which the pending batch must be closed, or 0 when no timer
 * applies: no pending batch, timeout 0 (the streaming thread closes at once), no
 * free slot (the streaming thread closes it when one frees) or not streaming. */
static gint64
gst_bert_infer_pending_deadline_locked (GstBertInfer *self)
{
  BertInferItem *pending = self->pending;

  if (!pending || self->batch_timeout == 0 || self->srcresult != GST_FLOW_OK
      || self->n_batches_in_flight >= self->max_in_flight)
    return 0;
  return pending->batch->opened_us + (gint64) (self->batch_timeout / GST_USECOND);
}

static gboolean
gst_bert_infer_close_expired_batch_locked (GstBertInfer *self)
{
  gint64 deadline = gst_bert_infer_pending_deadline_locked (self);

  if (deadline == 0 || g_get_monotonic_time () < deadline)
    return FALSE;
  GST_LOG_OBJECT (self, "batch timeout reached");
  gst_bert_infer_enqueue_batch_locked (self);
  return TRUE;
}

/* Whether the worker waits for the batches it submitted: on a synchronous backend the
 * work happens in submit or wait, so one thread does both; on an asynchronous one the
 * collector waits, and the worker is free to submit the next batch while one runs. */
static gboolean
gst_bert_infer_worker_waits (GstBertInfer *self)
{
  return !self->encoder_is_async;
}

static gpointer
gst_bert_infer_worker_loop (gpointer user_data)
{
  GstBertInfer *self = user_data;
  gboolean waits = gst_bert_infer_worker_waits (self);

  g_mutex_lock (&self->lock);
  /* On stop, batches already in the engine are still collected: their memory
   * belongs to the engine until then. */
  while (!self->worker_stopping || (waits && !g_queue_is_empty (&self->submitted))) {
    BertInferItem *batch = gst_bert_infer_next_batch_to_submit_locked (self);
    gint64 deadline;

    if (batch) {
      gst_bert_infer_submit_locked (self, batch);
    } else if (waits && !g_queue_is_empty (&self->submitted)) {
      gst_bert_infer_wait_oldest_locked (self);
    } else if (!gst_bert_infer_close_expired_batch_locked (self) && !self->worker_stopping) {
      deadline = gst_bert_infer_pending_deadline_locked (self);
      if (deadline)
        g_cond_wait_until (&self->worker_cond, &self->lock, deadline);
      else
        g_cond_wait (&self->worker_cond, &self->lock);
    }
  }
  g_mutex_unlock (&self->lock);
  return NULL;
}

/* Asynchronous backends: waits for the batches in the engine, oldest first, while the
 * worker submits the next ones. Stops once told to and the engine holds none. */
static gpointer
gst_bert_infer_collector_loop (gpointer user_data)
{
  GstBertInfer *self = user_data;

  g_mutex_lock (&self->lock);
  while (!self->collector_stopping || !g_queue_is_empty (&self->submitted)) {
    if (!g_queue_is_empty (&self->submitted))
      gst_bert_infer_wait_oldest_locked (self);
    else
      g_cond_wait (&self->collector_cond, &self->lock);
  }
  g_mutex_unlock (&self->lock);
  return NULL;
}

static void
gst_bert_infer_start_worker (GstBertInfer *self)
{
  g_mutex_lock (&self->lock);
  self->worker_stopping = FALSE;
  self->collector_stopping = FALSE;
  g_mutex_unlock (&self->lock);
  self->worker = g_thread_new ("bert-infer", gst_bert_infer_worker_loop, self);
  if (!gst_bert_infer_worker_waits (self))
    self->collector = g_thread_new ("bert-infer-wait", gst_bert_infer_collector_loop, self);
}

/* The worker first, so that nothing is submitted once the collector has drained the
 * engine. */
static void
gst_bert_infer_stop_worker (GstBertInfer *self)
{
  if (!self->worker)
    return;
  /* Every batch still in the engine was dropped with the queue: a server that does not
   * answer must not hold the state change for its time-out and retries, or for ever. */
  bert_encoder_cancel (self->encoder);
  g_mutex_lock (&self->lock);
  self->worker_stopping = TRUE;
  g_cond_signal (&self->worker_cond);
  g_mutex_unlock (&self->lock);
  g_thread_join (self->worker);
  self->worker = NULL;
  if (!self->collector)
    return;
  g_mutex_lock (&self->lock);
  self->collector_stopping = TRUE;
  g_cond_signal (&self->collector_cond);
  g_mutex_unlock (&self->lock);
  g_thread_join (self->collector);
  self->collector = NULL;
}

/* ------------------------------------------------------------------------- */
/* The source pad task */

typedef struct {
  GstBertInferOutput output;
  gboolean post_messages;
} BertInferPushSettings;

/* NaN or infinite results are written as null by bert-json and compare as nothing: a
 * model or precision that overflows must not go unnoticed. */
static void
gst_bert_infer_warn_non_finite (GstBertInfer *self, GstBuffer *buffer)
{
  GST_WARNING_OBJECT (self, "buffer at %" GST_TIME_FORMAT ": non-finite results",
      GST_TIME_ARGS (GST_BUFFER_PTS (buffer)));
  if (self->warned_non_finite)
    return;
  self->warned_non_finite = TRUE;
  GST_ELEMENT_WARNING (self, LIBRARY, FAILED,
      ("Model '%s' gave results that are not numbers (NaN or infinity)", self->model->name),
      ("buffer at %" GST_TIME_FORMAT ": its result holds NaN or infinite values, at precision %s on "
       "backend %s: the model's weights (%s) or the precision overflow. Warned once per stream, later "
       "cases are logged.",
          GST_TIME_ARGS (GST_BUFFER_PTS (buffer)),
          bert_precision_get_name (bert_encoder_get_precision (self->encoder)), self->backend,
          self->model->path));
}

static GstFlowReturn
gst_bert_infer_push_batch (GstBertInfer *self, BertInferItem *batch, const BertInferPushSettings *settings)
{
  const BertBatchOutput *output;
  GstFlowReturn ret = GST_FLOW_OK;

  if (batch->state == BATCH_FAILED) {
    GST_ELEMENT_ERROR (self, LIBRARY, FAILED, ("Inference failed with model '%s'", self->model->name),
        ("%s", batch->error->message));
    return GST_FLOW_ERROR;
  }

  output = bert_job_get_output (batch->job);
  for (guint i = 0; i < gst_bert_infer_batch_n_buffers (batch->batch) && ret == GST_FLOW_OK; i++) {
    GstBuffer *buffer = gst_bert_infer_batch_steal_buffer (batch->batch, i);
    GstCustomMeta *meta;

    buffer = gst_buffer_make_writable (buffer);
    meta = gst_bert_infer_result_attach (buffer, GST_ELEMENT_NAME (self), self->model, batch->batch, output,
        i, settings->output);
    gst_structure_set (gst_custom_meta_get_structure (meta), "backend", G_TYPE_STRING, self->backend, NULL);
    gst_bert_result_meta_set_precision (meta,
        bert_precision_get_name (bert_encoder_get_precision (self->encoder)));
    if (!gst_bert_infer_result_is_finite (output, i))
      gst_bert_infer_warn_non_finite (self, buffer);
    if (settings->post_messages)
      gst_bert_infer_result_post (GST_ELEMENT (self), buffer, meta);
    GST_LOG_OBJECT (self, "pushing buffer at %" GST_TIME_FORMAT " with its result",
        GST_TIME_ARGS (GST_BUFFER_PTS (buffer)));
    ret = gst_pad_push (self->srcpad, buffer);
  }
  return ret;
}

static GstFlowReturn
gst_bert_infer_push_item (GstBertInfer *self, BertInferItem *item, const BertInferPushSettings *settings)
{
  GstFlowReturn ret = GST_FLOW_OK;
  gboolean answer;

  switch (item->kind) {
    case ITEM_BATCH: ret = gst_bert_infer_push_batch (self, item, settings); break;
    case ITEM_EVENT:
      if (GST_EVENT_TYPE (item->event) == GST_EVENT_EOS)
        ret = GST_FLOW_EOS; /* pauses the task until a new stream starts */
      /* The results after it are the new stream's: it gets its own warning. */
      if (GST_EVENT_TYPE (item->event) == GST_EVENT_STREAM_START)
        self->warned_non_finite = FALSE;
      gst_pad_push_event (self->srcpad, g_steal_pointer (&item->event));
      break;
    case ITEM_QUERY:
      answer = gst_pad_peer_query (self->srcpad, item->query);
      g_mutex_lock (&self->lock);
      self->last_query_result = answer;
      self->last_handled_query = item->query;
      self->query_in_progress = NULL;
      g_cond_signal (&self->space_cond);
      g_mutex_unlock (&self->lock);
      break;
  }
  bert_infer_item_free (item);
  return ret;
}

static gboolean
bert_infer_item_is_ready (const BertInferItem *item)
{
  return item && (item->kind != ITEM_BATCH || item->state == BATCH_DONE || item->state == BATCH_FAILED);
}

static void
gst_bert_infer_pause_locked (GstBertInfer *self)
{
  GstFlowReturn ret = self->srcresult;
  gboolean eos = self->eos;

  GST_DEBUG_OBJECT (self, "pausing task, reason %s", gst_flow_get_name (ret));
  gst_pad_pause_task (self->srcpad);
  /* After EOS downstream takes no more data, but a new stream's events may follow;
   * not-linked keeps everything for a reconfigure; a flush drops what it must itself. */
  if (ret == GST_FLOW_EOS)
    gst_bert_infer_drop_batches_locked (self);
  else if (ret != GST_FLOW_NOT_LINKED && ret != GST_FLOW_FLUSHING)
    gst_bert_infer_flush_locked (self, FALSE);
  g_cond_signal (&self->space_cond);
  g_mutex_unlock (&self->lock);

  /* Upstream hears of the error from the next chain call; after EOS there is none. */
  if (eos && (ret == GST_FLOW_NOT_LINKED || ret < GST_FLOW_EOS)) {
    GST_ELEMENT_FLOW_ERROR (self, ret);
    gst_pad_push_event (self->srcpad, gst_event_new_eos ());
  }
  g_mutex_lock (&self->lock);
}

static void
gst_bert_infer_loop (GstPad *pad)
{
  GstBertInfer *self = GST_BERT_INFER (GST_PAD_PARENT (pad));
  BertInferPushSettings settings;
  BertInferItem *item;
  GstFlowReturn ret;

  g_mutex_lock (&self->lock);
  while (self->srcresult == GST_FLOW_OK && !bert_infer_item_is_ready (g_queue_peek_head (&self->items)))
    g_cond_wait (&self->output_cond, &self->lock);
  if (self->srcresult != GST_FLOW_OK)
    goto pause;

  item = g_queue_pop_head (&self->items);
  if (item->kind == ITEM_QUERY)
    self->query_in_progress = item->query;
  if (item->kind == ITEM_BATCH) {
    self->n_batches_in_flight--;
    g_cond_signal (&self->space_cond);
    g_cond_signal (&self->worker_cond); /* its deadline timer may run again */
  }
  settings.output = self->output ? self->output : self->head_output;
  settings.post_messages = self->post_messages;
  g_mutex_unlock (&self->lock);

  ret = gst_bert_infer_push_item (self, item, &settings);

  g_mutex_lock (&self->lock);
  /* After EOS only a new stream is queued (see gst_bert_infer_queue_event): when one
   * came before EOS was pushed, it must flow on, not be dropped by the pause. */
  if (ret == GST_FLOW_EOS && !g_queue_is_empty (&self->items)) {
    GST_DEBUG_OBJECT (self, "a new stream follows EOS: going on");
    ret = GST_FLOW_OK;
  }
  if (self->srcresult == GST_FLOW_OK)
    self->srcresult = ret;
  if (self->srcresult != GST_FLOW_OK)
    goto pause;
  g_mutex_unlock (&self->lock);
  return;

pause:
  gst_bert_infer_pause_locked (self);
  g_mutex_unlock (&self->lock);
}

/* Lets data flow again after a flush, a not-linked or an EOS. */
static gboolean
gst_bert_infer_restart_locked (GstBertInfer *self)
{
  self->srcresult = GST_FLOW_OK;
  g_cond_signal (&self->worker_cond); /* a pending batch may be past its deadline */
  return gst_pad_start_task (self->srcpad, (GstTaskFunction) gst_bert_infer_loop, self->srcpad, NULL);
}

/* ------------------------------------------------------------------------- */
/* The streaming thread: tokens, batching, events */

/* The most tokens a sequence is run with, [CLS] and [SEP] included: max-length, else the
 * model's max_seq_length (sentence-transformers' truncation, which is the positions
 * where the folder does not say), never more than its positions nor fewer than 2. */
static guint
gst_bert_infer_max_tokens (GstBertInfer *self)
{
  const BertConfig *config = &self->model->config;
  guint max_tokens;

  g_mutex_lock (&self->lock);
  max_tokens = self->max_length ? self->max_length : (guint) config->max_seq_length;
  g_mutex_unlock (&self->lock);
  /* sentence-transformers run at that max_seq_length fails on a longer input (an index past
   * the position table): not a limit to take silently */
  if (max_tokens > (guint) config->max_position_embeddings && !self->warned_max_length_past_positions) {
    self->warned_max_length_past_positions = TRUE;
    GST_ELEMENT_WARNING (self, LIBRARY, SETTINGS,
        ("max-length %u is more than model '%s' has positions, inputs are cut at %d", max_tokens,
            self->model->name, config->max_position_embeddings),
        ("the model's position table (max_position_embeddings) has %d positions; sentence-transformers "
         "with max_seq_length %u would fail on a longer input, gst-bert cuts it at %d. Warned once per "
         "stream",
            config->max_position_embeddings, max_tokens, config->max_position_embeddings));
  }
  return MIN (MAX (max_tokens, 2), (guint) config->max_position_embeddings);
}

/* Whether the ids of @meta mean to the model what their tokenizer meant: they come from
 * the same vocabulary, or from one that does not say (a meta made by hand). Tokens of
 * another vocabulary would run the model on wrong ids: they are tokenized again, and
 * the first such buffer of a stream is posted as a warning. */
static gboolean
gst_bert_infer_tokens_are_ours (GstBertInfer *self, GstCustomMeta *meta, GstBuffer *buffer)
{
  const gchar *vocabulary = gst_bert_token_meta_get_vocabulary (meta);

  if (vocabulary == NULL || g_strcmp0 (vocabulary, self->vocabulary) == 0)
    return TRUE;
  if (!self->warned_foreign_tokens) {
    self->warned_foreign_tokens = TRUE;
    GST_ELEMENT_WARNING (self, STREAM, FORMAT,
        ("The tokens come from another vocabulary than the model's: tokenized again"),
        ("buffer at %" GST_TIME_FORMAT ": token meta of vocabulary %s, model %s has %s; its "
         "text is tokenized again with the model's own tokenizer (give tokenizer the same "
         "model as bert-infer to avoid this). Warned once per stream.",
            GST_TIME_ARGS (GST_BUFFER_PTS (buffer)), vocabulary, self->model->name, self->vocabulary));
  }
  return FALSE;
}

/* The prompt and pair-text go with texts tokenized here: tokens from upstream were made
 * with whatever prompt or pair that tokenizer had, which this element cannot know. The
 * first buffer of a stream that comes tokenized while the setting is @value is posted as a
 * warning; @subject and @setting name the setting in its text and details, @same says what
 * to give the tokenizer element. */
static void
gst_bert_infer_warn_not_applied (GstBertInfer *self, GstBuffer *buffer, const gchar *subject,
    const gchar *setting, const gchar *same, const gchar *value, gboolean *warned)
{
  if (value == NULL || value[0] == '\0' || *warned)
    return;
  *warned = TRUE;
  GST_ELEMENT_WARNING (self, STREAM, FORMAT,
      ("%s applies only to texts bert-infer tokenizes itself: these came tokenized", subject),
      ("buffer at %" GST_TIME_FORMAT ": its tokens are used as they are, without %s \"%s\"; give the "
       "tokenizer element the same %s. Warned once per stream.",
          GST_TIME_ARGS (GST_BUFFER_PTS (buffer)), setting, value, same));
}

/* Tokens from upstream made after the same prompt as this element's (the folder's
 * default prompt, which both elements apply, or the same property) have it already;
 * tokens made without it, or after another prompt, are warned about once per stream. */
static void
gst_bert_infer_warn_prompt_not_applied (GstBertInfer *self, GstBuffer *buffer, const gchar *tokens_prompt)
{
  if (self->active_prompt == NULL || self->active_prompt[0] == '\0'
      || g_strcmp0 (tokens_prompt, self->active_prompt) == 0)
    return;
  if (tokens_prompt == NULL) {
    gst_bert_infer_warn_not_applied (self, buffer, "The prompt", "the prompt", "prompt or prompt-name",
        self->active_prompt, &self->warned_prompt_not_applied);
    return;
  }
  if (self->warned_prompt_not_applied)
    return;
  self->warned_prompt_not_applied = TRUE;
  GST_ELEMENT_WARNING (self, STREAM, FORMAT,
      ("The tokens came after the prompt \"%s\", not bert-infer's \"%s\"", tokens_prompt,
          self->active_prompt),
      ("buffer at %" GST_TIME_FORMAT ": its tokens are used as they are; give the tokenizer element and "
       "bert-infer the same prompt or prompt-name. Warned once per stream.",
          GST_TIME_ARGS (GST_BUFFER_PTS (buffer))));
}

/* Tokenizes the buffer's text alone, after the prompt, or paired with pair-text. */
static gboolean
gst_bert_infer_tokenize (GstBertInfer *self, GstBuffer *buffer, guint max_tokens)
{
  const BertTokenizer *tokenizer = bert_model_get_tokenizer (self->model);

  if (self->active_pair_text != NULL)
    return gst_bert_tokenize_buffer_pair (tokenizer, self->vocabulary, self->active_pair_text,
        self->active_pair_text_position, &self->plain, buffer, self->is_markup, max_tokens, &self->encoding);
  return gst_bert_tokenize_buffer (tokenizer, self->vocabulary, self->active_prompt, &self->plain, buffer,
      self->is_markup, max_tokens, &self->encoding);
}

/* Points @tokens at the buffer's token meta, tokenizing the text first (and attaching
 * the meta) when there is none. Returns the buffer, which may have been made writable,
 * or NULL (the buffer dropped) when it cannot be read. */
static GstBuffer *
gst_bert_infer_ensure_tokens (GstBertInfer *self, GstBuffer *buffer, GstBertInferTokens *tokens)
{
  GstCustomMeta *meta = gst_buffer_get_bert_token_meta (buffer);
  const BertTokenizer *tokenizer = bert_model_get_tokenizer (self->model);
  guint max_tokens;

  if (meta != NULL && !gst_bert_infer_tokens_are_ours (self, meta, buffer))
    meta = NULL;
  if (gst_bert_infer_tokens_from_meta (meta, tokens)) {
    gst_bert_infer_warn_prompt_not_applied (self, buffer, gst_bert_token_meta_get_prompt (meta));
    gst_bert_infer_warn_not_applied (self, buffer, "pair-text", "the pair text", "pair-text",
        self->active_pair_text, &self->warned_pair_text_not_applied);
    GST_LOG_OBJECT (self, "buffer at %" GST_TIME_FORMAT ": %u tokens from its token meta",
        GST_TIME_ARGS (GST_BUFFER_PTS (buffer)), tokens->n_tokens);
    return buffer;
  }

  if (!self->has_upstream_caps && self->segment_in_bytes) {
    GST_ELEMENT_ERROR (self, STREAM, FORMAT,
        ("The input is a byte stream (as from filesrc or fdsrc): put tokenizer split-lines=true before "
         "bert-infer"),
        ("its buffers end where a read ended, not where a text ends, so each would be run cut "
         "mid-word. tokenizer split-lines=true makes one text of each line; a parser (subparse for "
         "subtitles) or caps from upstream make it a stream of texts."));
    gst_buffer_unref (buffer);
    return NULL;
  }
  buffer = gst_buffer_make_writable (buffer);
  max_tokens = gst_bert_infer_max_tokens (self);
  if (!gst_bert_infer_tokenize (self, buffer, max_tokens)) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED, ("Could not read a text buffer"),
        ("buffer %" GST_PTR_FORMAT " cannot be mapped", buffer));
    gst_buffer_unref (buffer);
    return NULL;
  }
  /* Invalid UTF-8 was dropped for tokenizing here, as `tokenizer` drops it, and is said
   * as `tokenizer` says it. */
  if (self->encoding.repaired_utf8
      && !gst_bert_tokenize_warn_invalid_utf8_once (GST_ELEMENT (self), buffer, &self->warned_invalid_utf8))
    GST_DEBUG_OBJECT (self, "invalid UTF-8 again, at %" GST_TIME_FORMAT,
        GST_TIME_ARGS (GST_BUFFER_PTS (buffer)));
  gst_bert_tokenize_warn_prompt_fills_max_length (GST_ELEMENT (self), buffer, self->active_prompt,
      &self->encoding, &self->warned_prompt_fills_max_length);
  gst_bert_infer_tokens_from_encoding (&self->encoding, tokens);
  tokens->prompt_length =
      gst_bert_prompt_length_get (&self->prompt_length, tokenizer, self->active_prompt, max_tokens);
  gst_bert_token_meta_set_prompt_length (gst_buffer_get_bert_token_meta (buffer), tokens->prompt_length);
  GST_LOG_OBJECT (self, "buffer at %" GST_TIME_FORMAT ": tokenized here into %u tokens",
      GST_TIME_ARGS (GST_BUFFER_PTS (buffer)), tokens->n_tokens);
  return buffer;
}

/* Pooling without the prompt's tokens (include_prompt false) has nothing left to pool
 * when the prompt is all the sequence holds, once cut to max-length (or when the
 * prompt alone counts more tokens than in front of the text): the embedding is then
 * sentence-transformers' for an empty mask (zeros for mean, the first token for CLS,
 * -inf for max), which no caption should get unnoticed. */
static void
gst_bert_infer_warn_prompt_covers_text (GstBertInfer *self, GstBuffer *buffer,
    const GstBertInferTokens *tokens)
{
  if (!self->model->config.pooling_excludes_prompt || self->model->config.head != BERT_HEAD_ENCODER
      || tokens->prompt_length < tokens->n_kept)
    return;
  GST_WARNING_OBJECT (self, "buffer at %" GST_TIME_FORMAT ": the prompt's %u tokens cover all %u",
      GST_TIME_ARGS (GST_BUFFER_PTS (buffer)), tokens->prompt_length, tokens->n_kept);
  if (self->warned_prompt_covers_text)
    return;
  self->warned_prompt_covers_text = TRUE;
  GST_ELEMENT_WARNING (self, STREAM, FORMAT,
      ("The prompt leaves no token of the text to pool for model '%s'", self->model->name),
      ("buffer at %" GST_TIME_FORMAT ": the prompt counts %u tokens, the sequence run has %u, and %s "
       "pools without the prompt's tokens (include_prompt false): its embedding is that of no token, "
       "as sentence-transformers gives it (zeros for the means and lasttoken, the first token for CLS, "
       "-inf for max, NaN once normalised). Use a shorter prompt or a larger max-length. Warned once "
       "per stream, later cases are logged.",
          GST_TIME_ARGS (GST_BUFFER_PTS (buffer)), tokens->prompt_length, tokens->n_kept, self->model->path));
}

/* A copy of @tokens in @encoding, zeros for the type ids or offsets it lacks. */
static void
gst_bert_infer_copy_tokens (const GstBertInferTokens *tokens, BertEncoding *encoding)
{
  guint n = tokens->n_tokens;

  encoding->ids = g_renew (gint32, encoding->ids, n);
  encoding->type_ids = g_renew (gint32, encoding->type_ids, n);
  encoding->offsets = g_renew (guint32, encoding->offsets, 2 * (gsize) n);
  encoding->capacity = encoding->n_tokens = n;
  memcpy (encoding->ids, tokens->ids, n * sizeof (gint32));
  if (tokens->type_ids)
    memcpy (encoding->type_ids, tokens->type_ids, n * sizeof (gint32));
  else
    memset (encoding->type_ids, 0, n * sizeof (gint32));
  if (tokens->offsets)
    memcpy (encoding->offsets, tokens->offsets, 2 * (gsize) n * sizeof (guint32));
  else
    memset (encoding->offsets, 0, 2 * (gsize) n * sizeof (guint32));
  encoding->truncated = tokens->truncated;
}

/* bert_token_cut on self->cut, with the buffer's text for the offsets given back after a
 * cut on the left where every offset lies within it (a meta made by hand may not). */
static gboolean
gst_bert_infer_cut_as_tokenizer (GstBertInfer *self, GstBuffer *buffer, gboolean is_pair, guint max_tokens,
    GError **error)
{
  const char *texts[2] = { NULL, NULL };
  gboolean mapped, ok;
  GstMapInfo map;

  mapped = gst_buffer_map (buffer, &map, GST_MAP_READ);
  if (mapped) {
    gboolean within = TRUE;
    for (guint i = 0; i < 2 * self->cut.n_tokens && within; i++)
      within = self->cut.offsets[i] <= map.size;
    if (within)
      texts[0] = texts[1] = (const char *) map.data;
  }
  ok = bert_token_cut (bert_model_get_tokenizer (self->model), &self->cut, is_pair, max_tokens, texts, error);
  if (mapped)
    gst_buffer_unmap (buffer, &map);
  return ok;
}

/* What the cut of @tokens to @max_tokens did, for the warning: NULL where it could not be
 * made as the tokenizer truncates, @error saying why. */
static gchar *
gst_bert_infer_cut_tokens_as_tokenizer (GstBertInfer *self, GstBuffer *buffer, GstBertInferTokens *tokens,
    guint max_tokens, GError **error)
{
  const BertTokenizer *tokenizer = bert_model_get_tokenizer (self->model);
  GstCustomMeta *meta = gst_buffer_get_bert_token_meta (buffer);
  gboolean is_pair = FALSE, exact, keep_end = bert_tokenizer_get_options (tokenizer)->truncate_left;
  const gchar *side = keep_end ? "first" : "last";

  gst_bert_infer_copy_tokens (tokens, &self->cut);
  if (!bert_token_layout_find (tokenizer, &self->cut, tokens->offsets != NULL, &is_pair, error))
    return NULL;
  exact = !tokens->truncated || bert_token_cut_recut_is_exact (&self->cut, is_pair, max_tokens);
  if (!gst_bert_infer_cut_as_tokenizer (self, buffer, is_pair, max_tokens, error))
    return NULL;
  tokens->ids = self->cut.ids;
  tokens->type_ids = self->cut.type_ids;
  tokens->offsets = tokens->offsets ? self->cut.offsets : NULL;
  tokens->n_tokens = tokens->n_kept = self->cut.n_tokens;
  tokens->truncated = TRUE;
  return g_strdup_printf ("cut as the model's tokenizer truncates at that length: %s its %s tokens%s%s%s",
      is_pair ? "the pair, longest first, each text losing" : "the text losing", side,
      keep_end ? " (truncation_side left)" : "",
      exact ? ""
            : ". The tokenizer upstream had cut the pair to texts of "
              "as many tokens: which of them keeps the odd token now cannot be told, so one token may differ "
              "from what "
              "the model's tokenizer gives at this length",
      meta && gst_bert_token_meta_get_vocabulary (meta)
          ? ""
          : ". The token meta does not name its "
            "tokenizer: its tokens were taken for the model's tokenizer's");
}

/* Cuts a token list longer than the model takes (from a tokenizer with a larger max-length
 * upstream, or a meta made by hand) to @max_tokens, as the model's tokenizer would have
 * truncated the text (bert_token_cut.h); where that cannot be told, the batch keeps its
 * first max_tokens - 1 tokens and its last one (n_kept). The first of a stream is posted as
 * a warning saying which, later ones are logged. */
static void
gst_bert_infer_cut_tokens (GstBertInfer *self, GstBuffer *buffer, GstBertInferTokens *tokens,
    guint max_tokens)
{
  const BertConfig *config = &self->model->config;
  guint n_tokens = tokens->n_tokens;
  GError *error = NULL;
  gchar *how = gst_bert_infer_cut_tokens_as_tokenizer (self, buffer, tokens, max_tokens, &error);

  if (how == NULL) {
    tokens->n_kept = max_tokens;
    how = g_strdup_printf ("they cannot be cut as the model's tokenizer truncates (%s): kept the first %u "
                           "and the last, which may differ from what the tokenizer gives at that length",
        error->message, max_tokens - 1);
    g_error_free (error);
  }
  GST_WARNING_OBJECT (self, "buffer at %" GST_TIME_FORMAT " has %u tokens, %s",
      GST_TIME_ARGS (GST_BUFFER_PTS (buffer)), n_tokens, how);
  if (!self->warned_truncation) {
    self->warned_truncation = TRUE;
    GST_ELEMENT_WARNING (self, STREAM, FORMAT, ("Text too long for model '%s', truncated", self->model->name),
        ("buffer at %" GST_TIME_FORMAT ": a token meta has %u tokens, the model takes %u "
         "(max-length, else max_seq_length %d, at most max_position_embeddings %d); %s "
         "(later cases are only logged)",
            GST_TIME_ARGS (GST_BUFFER_PTS (buffer)), n_tokens, max_tokens, config->max_seq_length,
            config->max_position_embeddings, how));
  }
  g_free (how);
}

/* Checks ids against the model and cuts sequences longer than it takes (max-length,
 * else max_seq_length), as sentence-transformers truncates every input to its
 * max_seq_length. An id outside the vocabulary means the tokens came from another
 * tokenizer: an error, as results would be meaningless. */
static gboolean
gst_bert_infer_check_tokens (GstBertInfer *self, GstBuffer *buffer, GstBertInferTokens *tokens)
{
  GError *error = NULL;
  guint max_tokens;

  if (tokens->n_tokens == 0) {
    GST_ELEMENT_ERROR (self, STREAM, FORMAT, ("Text gives no tokens for model '%s'", self->model->name),
        ("buffer at %" GST_TIME_FORMAT ": the tokenizer of %s adds no "
         "[CLS] or [SEP] and the text has no words; the model runs 1 token or more",
            GST_TIME_ARGS (GST_BUFFER_PTS (buffer)), self->model->path));
    return FALSE;
  }
  /* The engine's own rule, on the whole sequence: the error names this buffer. */
  if (!bert_model_check_tokens (self->model, tokens->ids, tokens->type_ids, tokens->n_tokens, &error)) {
    GST_ELEMENT_ERROR (self, STREAM, FORMAT, ("Token ids do not fit model '%s'", self->model->name),
        ("buffer at %" GST_TIME_FORMAT ": %s of %s (was it tokenized "
         "for another model?)",
            GST_TIME_ARGS (GST_BUFFER_PTS (buffer)), error->message, self->model->path));
    g_error_free (error);
    return FALSE;
  }

  max_tokens = gst_bert_infer_max_tokens (self);
  tokens->n_kept = tokens->n_tokens;
  if (tokens->n_tokens > max_tokens)
    gst_bert_infer_cut_tokens (self, buffer, tokens, max_tokens);
  gst_bert_infer_warn_prompt_covers_text (self, buffer, tokens);
  return TRUE;
}

static GstFlowReturn
gst_bert_infer_add_to_batch_locked (GstBertInfer *self, GstBuffer *buffer, const GstBertInferTokens *tokens)
{
  GstBertInferBatch *pending;
  GstFlowReturn ret;

  /* A flush may have come while the buffer was tokenized. */
  if (self->srcresult != GST_FLOW_OK) {
    gst_buffer_unref (buffer);
    return self->srcresult;
  }
  if (self->pending
      && gst_bert_infer_batch_would_overflow (self->pending->batch, tokens->n_kept, self->max_batch_tokens)) {
    ret = gst_bert_infer_close_batch_locked (self);
    if (ret != GST_FLOW_OK) {
      gst_buffer_unref (buffer);
      return ret;
    }
  }
  if (!self->pending) {
    self->pending = bert_infer_batch_item_new ();
    g_cond_signal (&self->worker_cond); /* a new deadline */
  }
  pending = self->pending->batch;
  gst_bert_infer_batch_append (pending, buffer, tokens);

  if (self->batch_timeout == 0
      || gst_bert_infer_batch_is_full (pending, self->batch_size, self->max_batch_tokens))
    return gst_bert_infer_close_batch_locked (self);
  return GST_FLOW_OK;
}

static GstFlowReturn
gst_bert_infer_accepting_locked (GstBertInfer *self)
{
  if (self->srcresult != GST_FLOW_OK)
    return self->srcresult;
  return self->eos ? GST_FLOW_EOS : GST_FLOW_OK;
}

static GstFlowReturn
gst_bert_infer_chain (GstPad *pad, GstObject *parent, GstBuffer *buffer)
{
  GstBertInfer *self = GST_BERT_INFER (parent);
  GstBertInferTokens tokens;
  GstFlowReturn ret;

  g_mutex_lock (&self->lock);
  ret = gst_bert_infer_accepting_locked (self);
  g_mutex_unlock (&self->lock);
  if (ret != GST_FLOW_OK) {
    GST_LOG_OBJECT (self, "refusing buffer: %s", gst_flow_get_name (ret));
    gst_buffer_unref (buffer);
    return ret;
  }

  buffer = gst_bert_infer_ensure_tokens (self, buffer, &tokens);
  if (!buffer)
    return GST_FLOW_ERROR;
  if (!gst_bert_infer_check_tokens (self, buffer, &tokens)) {
    gst_buffer_unref (buffer);
    return GST_FLOW_ERROR;
  }

  g_mutex_lock (&self->lock);
  ret = gst_bert_infer_add_to_batch_locked (self, buffer, &tokens);
  g_mutex_unlock (&self->lock);
  /* The batch holds its own copy of the tokens by now. */
  gst_bert_tokenize_release_scratch (&self->plain, &self->encoding);
  bert_encoding_clear (&self->cut);
  return ret;
}

/* The streaming thread's warnings given once per stream: a new stream (concat's next
 * file, a playlist's next item, a stream started again after EOS) gets its own. The
 * source task resets its own (non-finite results) when the STREAM_START goes out. */
static void
gst_bert_infer_reset_input_warnings (GstBertInfer *self)
{
  self->warned_truncation = FALSE;
  self->warned_max_length_past_positions = FALSE;
  self->warned_foreign_tokens = FALSE;
  self->warned_invalid_utf8 = FALSE;
  self->warned_prompt_fills_max_length = FALSE;
  self->warned_prompt_not_applied = FALSE;
  self->warned_pair_text_not_applied = FALSE;
  self->warned_prompt_covers_text = FALSE;
}

/* Queues a serialized event behind the buffers before it, closing the pending batch. */
static GstFlowReturn
gst_bert_infer_queue_event (GstBertInfer *self, GstEvent *event)
{
  GstEventType type = GST_EVENT_TYPE (event);
  gboolean starts_stream = type == GST_EVENT_STREAM_START || type == GST_EVENT_SEGMENT;
  GstFlowReturn ret;

  g_mutex_lock (&self->lock);
  if (starts_stream)
    self->eos = FALSE;
  /* Downstream said EOS: a new stream, or upstream's own EOS, may be pushed again. */
  if (self->srcresult == GST_FLOW_EOS && (starts_stream || (type == GST_EVENT_EOS && !self->eos)))
    gst_bert_infer_restart_locked (self);

  ret = self->eos ? GST_FLOW_EOS : gst_bert_infer_close_batch_locked (self);
  if (ret == GST_FLOW_OK) {
    BertInferItem *item = g_new0 (BertInferItem, 1);

    item->kind = ITEM_EVENT;
    item->event = event;
    gst_bert_infer_enqueue_item_locked (self, item);
    self->eos = type == GST_EVENT_EOS;
    g_mutex_unlock (&self->lock);
    return GST_FLOW_OK;
  }
  g_mutex_unlock (&self->lock);

  GST_LOG_OBJECT (self, "not queueing %" GST_PTR_FORMAT ": %s", event, gst_flow_get_name (ret));
  if (type == GST_EVENT_EOS && (ret == GST_FLOW_NOT_LINKED || ret < GST_FLOW_EOS))
    GST_ELEMENT_FLOW_ERROR (self, ret);
  /* Sticky events still reach downstream before the next data, as through queue. */
  if (GST_EVENT_IS_STICKY (event) && type != GST_EVENT_EOS) {
    gst_pad_store_sticky_event (self->srcpad, event);
    ret = GST_FLOW_OK;
  }
  gst_event_unref (event);
  return ret;
}

static GstFlowReturn
gst_bert_infer_sink_event (GstPad *pad, GstObject *parent, GstEvent *event)
{
  GstBertInfer *self = GST_BERT_INFER (parent);
  gboolean forwarded;

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_FLUSH_START:
      forwarded = gst_pad_push_event (self->srcpad, event);
      g_mutex_lock (&self->lock);
      self->srcresult = GST_FLOW_FLUSHING;
      /* The batch in the engine (if any) runs to its end; its results are dropped. */
      gst_bert_infer_drop_batches_locked (self);
      g_cond_signal (&self->output_cond);
      g_cond_signal (&self->space_cond);
      g_mutex_unlock (&self->lock);
      /* Every batch in the engine was just dropped: a remote request need not hold the
       * batches after the flush, which the engine completes in order behind it. */
      bert_encoder_cancel (self->encoder);
      gst_pad_pause_task (self->srcpad);
      break;
    case GST_EVENT_FLUSH_STOP:
      forwarded = gst_pad_push_event (self->srcpad, event);
      g_mutex_lock (&self->lock);
      gst_bert_infer_flush_locked (self, TRUE);
      self->eos = FALSE;
      if (gst_pad_is_active (self->srcpad))
        gst_bert_infer_restart_locked (self);
      g_mutex_unlock (&self->lock);
      break;
    case GST_EVENT_CAPS: {
      GstCaps *caps;

      gst_event_parse_caps (event, &caps);
      self->is_markup = gst_bert_tokenize_caps_are_markup (caps);
      self->has_upstream_caps = TRUE;
      return gst_bert_infer_queue_event (self, event);
    }
    case GST_EVENT_STREAM_START:
      gst_bert_infer_reset_input_warnings (self);
      return gst_bert_infer_queue_event (self, event);
    case GST_EVENT_SEGMENT: {
      const GstSegment *segment;

      gst_event_parse_segment (event, &segment);
      self->segment_in_bytes = segment->format == GST_FORMAT_BYTES;
      return gst_bert_infer_queue_event (self, event);
    }
    default:
      if (GST_EVENT_IS_SERIALIZED (event))
        return gst_bert_infer_queue_event (self, event);
      forwarded = gst_pad_push_event (self->srcpad, event);
      break;
  }
  return forwarded ? GST_FLOW_OK : GST_FLOW_ERROR;
}

/* A serialized query (allocation, drain) is answered downstream after the buffers
 * before it, so it waits in the queue like an event. */
static gboolean
gst_bert_infer_queue_query (GstBertInfer *self, GstQuery *query)
{
  BertInferItem *item;
  gboolean answer;

  g_mutex_lock (&self->lock);
  if (self->srcresult != GST_FLOW_OK || gst_bert_infer_close_batch_locked (self) != GST_FLOW_OK) {
    g_mutex_unlock (&self->lock);
    return FALSE;
  }
  item = g_new0 (BertInferItem, 1);
  item->kind = ITEM_QUERY;
  item->query = query;
  gst_bert_infer_enqueue_item_locked (self, item);
  /* A flush stops the wait, but not while the task still has the query downstream:
   * our caller frees the query when we return. */
  while (self->last_handled_query != query
      && (self->srcresult == GST_FLOW_OK || self->query_in_progress == query))
    g_cond_wait (&self->space_cond, &self->lock);
  answer = self->last_handled_query == query && self->last_query_result;
  self->last_handled_query = NULL;
  /* Unanswered (flushing, not linked): the query must not outlive this call in the queue. */
  for (GList *link = self->items.head; !answer && link; link = link->next) {
    if (((BertInferItem *) link->data)->query == query) {
      bert_infer_item_free (link->data);
      g_queue_delete_link (&self->items, link);
      break;
    }
  }
  g_mutex_unlock (&self->lock);
  return answer;
}

static gboolean
gst_bert_infer_sink_query (GstPad *pad, GstObject *parent, GstQuery *query)
{
  if (GST_QUERY_IS_SERIALIZED (query))
    return gst_bert_infer_queue_query (GST_BERT_INFER (parent), query);
  return gst_pad_query_default (pad, parent, query);
}

/* ------------------------------------------------------------------------- */
/* The source pad */

/* a + b, or the largest valid clock time where that would wrap (a batch-timeout of
 * years plus the upstream latency) or reach GST_CLOCK_TIME_NONE. */
static GstClockTime
clock_time_add_saturating (GstClockTime a, GstClockTime b)
{
  const GstClockTime largest = GST_CLOCK_TIME_NONE - 1;

  return a > largest - MIN (b, largest) ? largest : a + b;
}

static gboolean
gst_bert_infer_src_query (GstPad *pad, GstObject *parent, GstQuery *query)
{
  GstBertInfer *self = GST_BERT_INFER (parent);
  GstClockTime min, max, added;
  gboolean live;

  switch (GST_QUERY_TYPE (query)) {
    case GST_QUERY_SCHEDULING: gst_query_add_scheduling_mode (query, GST_PAD_MODE_PUSH); return TRUE;
    case GST_QUERY_LATENCY:
      if (!gst_pad_query_default (pad, parent, query))
        return FALSE;
      gst_query_parse_latency (query, &live, &min, &max);
      /* A buffer waits for its batch to close, then for the batch to run. */
      g_mutex_lock (&self->lock);
      added = clock_time_add_saturating (self->batch_timeout, self->batch_time_estimate);
      g_mutex_unlock (&self->lock);
      GST_DEBUG_OBJECT (self, "adding %" GST_TIME_FORMAT " to upstream latency", GST_TIME_ARGS (added));
      gst_query_set_latency (query, live, clock_time_add_saturating (min, added),
          GST_CLOCK_TIME_IS_VALID (max) ? clock_time_add_saturating (max, added) : max);
      return TRUE;
    default: return gst_pad_query_default (pad, parent, query);
  }
}

static gboolean
gst_bert_infer_src_event (GstPad *pad, GstObject *parent, GstEvent *event)
{
  GstBertInfer *self = GST_BERT_INFER (parent);

  if (GST_EVENT_TYPE (event) == GST_EVENT_RECONFIGURE) {
    g_mutex_lock (&self->lock);
    /* Downstream may be linked now: try pushing again, as queue does. */
    if (self->srcresult == GST_FLOW_NOT_LINKED)
      gst_bert_infer_restart_locked (self);
    g_mutex_unlock (&self->lock);
  }
  return gst_pad_event_default (pad, parent, event);
}

static gboolean
gst_bert_infer_sink_activate_mode (GstPad *pad, GstObject *parent, GstPadMode mode, gboolean active)
{
  GstBertInfer *self = GST_BERT_INFER (parent);

  if (mode != GST_PAD_MODE_PUSH)
    return FALSE;
  g_mutex_lock (&self->lock);
  if (active) {
    self->srcresult = GST_FLOW_OK;
    self->eos = FALSE;
    g_mutex_unlock (&self->lock);
    return TRUE;
  }
  self->srcresult = GST_FLOW_FLUSHING;
  g_cond_signal (&self->space_cond);
  g_mutex_unlock (&self->lock);

  /* Wait until the streaming thread has left the chain function. */
  GST_PAD_STREAM_LOCK (pad);
  g_mutex_lock (&self->lock);
  gst_bert_infer_flush_locked (self, FALSE);
  g_mutex_unlock (&self->lock);
  GST_PAD_STREAM_UNLOCK (pad);
  return TRUE;
}

static gboolean
gst_bert_infer_src_activate_mode (GstPad *pad, GstObject *parent, GstPadMode mode, gboolean active)
{
  GstBertInfer *self = GST_BERT_INFER (parent);
  gboolean result;

  if (mode != GST_PAD_MODE_PUSH)
    return FALSE;
  g_mutex_lock (&self->lock);
  if (active) {
    self->eos = FALSE;
    result = gst_bert_infer_restart_locked (self);
    g_mutex_unlock (&self->lock);
    return result;
  }
  self->srcresult = GST_FLOW_FLUSHING;
  g_cond_signal (&self->output_cond);
  g_cond_signal (&self->space_cond);
  g_mutex_unlock (&self->lock);

  result = gst_pad_stop_task (pad);
  g_mutex_lock (&self->lock);
  gst_bert_infer_flush_locked (self, FALSE);
  g_mutex_unlock (&self->lock);
  return result;
}

/* ------------------------------------------------------------------------- */
/* Model and encoder, NULL <-> READY */

/* An output= the model's head cannot give would be dropped from every result: an error
 * at READY, naming what the head gives. */
static gboolean
gst_bert_infer_check_output (GstBertInfer *self)
{
  GstBertInferOutput given = gst_bert_infer_result_head_output (bert_encoder_get_head (self->encoder));
  GstBertInferOutput asked;
  gchar *asked_names, *given_names;

  g_mutex_lock (&self->lock);
  asked = self->output;
  g_mutex_unlock (&self->lock);
  if ((asked & ~given) == 0)
    return TRUE;
  asked_names = g_flags_to_string (GST_TYPE_BERT_INFER_OUTPUT, asked);
  given_names = g_flags_to_string (GST_TYPE_BERT_INFER_OUTPUT, given);
  GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
      ("Model '%s' cannot give output=%s: it gives %s", self->model->name, asked_names, given_names),
      ("the model's head gives %s only; set output=%s or leave output unset", given_names, given_names));
  g_free (asked_names);
  g_free (given_names);
  return FALSE;
}

/* An encoder of the loaded model with the properties' options. */
static BertEncoder *
gst_bert_infer_create_encoder (GstBertInfer *self, GError **error)
{
  BertEncoderOptions options;
  BertEncoder *encoder;
  const char *fallback_reason;
  gchar *server, *remote_model;

  bert_encoder_options_init (&options);
  g_mutex_lock (&self->lock);
  options.device = self->device;
  options.device_id = self->device_id;
  options.precision = self->precision;
  options.n_threads = self->threads;
  options.pooling = self->pooling;
  options.normalize = self->normalize;
  server = g_strdup (self->server);
  /* The server knows the model by its folder's name unless remote-model says otherwise
   * (as scripts/serve-triton.sh names it). */
  remote_model = g_strdup (self->remote_model ? self->remote_model : self->model->name);
  options.remote.timeout_ms = self->server_timeout;
  options.remote.retries = self->retries;
  options.remote.max_in_flight = self->max_in_flight;
  g_mutex_unlock (&self->lock);

  /* server=URL alone selects the remote backend. */
  if (server != NULL && options.device == BERT_DEVICE_AUTO)
    options.device = BERT_DEVICE_REMOTE;
  options.remote.server_url = server;
  options.remote.model_name = remote_model;
  encoder = bert_encoder_new (self->model, &options, error);
  g_free (server);
  g_free (remote_model);
  fallback_reason = encoder ? bert_encoder_get_fallback_reason (encoder) : NULL;
  /* device=auto falls back as asked whatever kept CUDA out (no GPU or driver, no module, a
   * model the kernels refuse): news, not a warning, with the engine's reason, which names
   * it (device=cuda failing is an error: the encoder is not made). */
  if (fallback_reason && !self->warned_cpu_fallback) {
    self->warned_cpu_fallback = TRUE;
    GST_INFO_OBJECT (self, "device=auto: running on the CPU: %s", fallback_reason);
    GST_ELEMENT_INFO (self, RESOURCE, SETTINGS, ("device=auto: running on the CPU"), ("%s", fallback_reason));
  }
  if (encoder && bert_encoder_get_precision_fallback_reason (encoder) && !self->warned_precision_fallback) {
    self->warned_precision_fallback = TRUE;
    GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS,
        ("Precision %s is not available, running in %s", bert_precision_get_name (options.precision),
            bert_precision_get_name (bert_encoder_get_precision (encoder))),
        ("%s", bert_encoder_get_precision_fallback_reason (encoder)));
  }
  return encoder;
}

/* The folder the model property names (see gstbertmodeldir.h), or NULL after posting
 * an error that says which command fetches a model missing from the models folder. */
static gchar *
gst_bert_infer_find_model (GstBertInfer *self, const gchar *value)
{
  GstBertModelLocation location;
  gchar *message, *details, *path;

  gst_bert_model_location_resolve (&location, value);
  if (gst_bert_model_location_describe_missing (&location, "model", &message, &details)) {
    gst_element_message_full (GST_ELEMENT (self), GST_MESSAGE_ERROR, GST_RESOURCE_ERROR,
        GST_RESOURCE_ERROR_NOT_FOUND, message, details, __FILE__, GST_FUNCTION, __LINE__);
    gst_bert_model_location_clear (&location);
    return NULL;
  }
  if (location.name)
    GST_DEBUG_OBJECT (self, "model %s%s is %s", location.name, location.is_default ? " (the default)" : "",
        location.path);
  path = g_steal_pointer (&location.path);
  gst_bert_model_location_clear (&location);
  return path;
}

/* The prompt of the properties and the model folder, or FALSE after posting why there
 * is none (an unknown prompt-name). */
static gboolean
gst_bert_infer_resolve_prompt (GstBertInfer *self, const gchar *path)
{
  GError *error = NULL;
  gchar *prompt, *prompt_name;
  gboolean ok;

  g_mutex_lock (&self->lock);
  prompt = g_strdup (self->prompt);
  prompt_name = g_strdup (self->prompt_name);
  g_mutex_unlock (&self->lock);
  ok = gst_bert_prompt_resolve (path, prompt, prompt_name, &self->active_prompt, &error);
  if (!ok) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("Could not find the prompt to use"),
        ("%s", error->message));
    g_error_free (error);
  }
  g_free (prompt);
  g_free (prompt_name);
  return ok;
}

/* The type ids of the pair template must be the model's: a BERT model with one token
 * type (type_vocab_size 1) has no row for the second text's type 1, and Hugging Face's
 * BertModel fails on such a pair too (index out of range). RoBERTa and its kin ignore
 * type ids (their tokenizers pass none, so every token takes row 0: HF runs their pairs
 * so, and the engine does the same), so they pass. The pair text paired with itself
 * shows every type id the template gives. */
static gboolean
gst_bert_infer_check_pair_type_ids (GstBertInfer *self, GError **error)
{
  const gchar *text = self->active_pair_text;
  BertEncoding encoding;
  GError *check_error = NULL;
  gboolean ok;

  bert_encoding_init (&encoding);
  ok = bert_tokenizer_encode_pair (bert_model_get_tokenizer (self->model), text, strlen (text), text,
           strlen (text), 0, &encoding, error)
      && bert_model_check_tokens (self->model, encoding.ids, encoding.type_ids, encoding.n_tokens,
          &check_error);
  if (check_error) {
    g_set_error (error, check_error->domain, check_error->code,
        "model '%s' has one token type (type_vocab_size %d in %s/config.json), but its tokenizer's pair "
        "template gives the second text another (%s): this BERT model cannot score pairs (Hugging Face's "
        "BertModel fails on them too). Unset pair-text, or use a cross-encoder with type_vocab_size 2",
        self->model->name, self->model->config.type_vocab_size, self->model->path, check_error->message);
    g_error_free (check_error);
  }
  bert_encoding_clear (&encoding);
  return ok;
}

/* pair-text as it is at READY, once the model and the prompt are known; FALSE after
 * posting why it cannot be used. */
static gboolean
gst_bert_infer_take_pair_text (GstBertInfer *self)
{
  GError *error = NULL;
  gchar *pair_text;

  g_mutex_lock (&self->lock);
  pair_text = g_strdup (self->pair_text);
  self->active_pair_text_position = self->pair_text_position;
  g_mutex_unlock (&self->lock);
  if (!gst_bert_pair_text_take (bert_model_get_tokenizer (self->model), pair_text, self->active_prompt,
          &self->active_pair_text, &error)
      || (self->active_pair_text && !gst_bert_infer_check_pair_type_ids (self, &error))) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("Could not use pair-text"), ("%s", error->message));
    g_error_free (error);
    g_clear_pointer (&self->active_pair_text, g_free);
    return FALSE;
  }
  return TRUE;
}

static gboolean
gst_bert_infer_open (GstBertInfer *self)
{
  GError *error = NULL;
  gint64 load_start;
  gchar *value, *path, *display;

  g_mutex_lock (&self->lock);
  value = g_strdup (self->model_path);
  g_mutex_unlock (&self->lock);

  path = gst_bert_infer_find_model (self, value);
  g_free (value);
  if (!path)
    return FALSE;
  load_start = g_get_monotonic_time ();
  /* Messages carry the path as UTF-8 whatever the folder's name is in. */
  display = g_filename_display_name (path);
  self->model = bert_model_load_shared (path, &error);
  if (!self->model) {
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ, ("Could not load model '%s'", display),
        ("%s", error->message));
    goto failed;
  }
  self->encoder = gst_bert_infer_create_encoder (self, &error);
  if (!self->encoder) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("Could not prepare model '%s' to run", display),
        ("%s", error->message));
    g_clear_pointer (&self->model, bert_model_unref);
    goto failed;
  }
  if (!gst_bert_infer_check_output (self) || !gst_bert_infer_resolve_prompt (self, path)
      || !gst_bert_infer_take_pair_text (self)) {
    g_clear_pointer (&self->encoder, bert_encoder_free);
    g_clear_pointer (&self->model, bert_model_unref);
    goto failed;
  }
  self->encoder_is_async = bert_encoder_is_asynchronous (self->encoder);
  self->vocabulary = bert_tokenizer_compute_identity (bert_model_get_tokenizer (self->model));
  if (bert_model_get_warning (self->model) != NULL)
    GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS,
        ("Model '%s' asks for what gst-bert does otherwise", display),
        ("%s", bert_model_get_warning (self->model)));
  if (bert_tokenizer_get_warning (bert_model_get_tokenizer (self->model)) != NULL)
    GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS,
        ("transformers 5 or sentence-transformers would give other results for %s", display),
        ("%s", bert_tokenizer_get_warning (bert_model_get_tokenizer (self->model))));
  g_mutex_lock (&self->lock);
  self->head_output = gst_bert_infer_result_head_output (bert_encoder_get_head (self->encoder));
  self->backend = bert_encoder_get_backend_name (self->encoder);
  g_mutex_unlock (&self->lock);
  GST_INFO_OBJECT (self,
      "model %s (%p: %d layers, hidden %d, %" G_GSIZE_FORMAT " bytes of "
      "weights) ready on %s in %.1f ms",
      path, self->model, self->model->config.num_layers, self->model->config.hidden_size,
      self->model->weights_bytes, bert_encoder_get_backend_name (self->encoder),
      (g_get_monotonic_time () - load_start) / 1000.0);
  g_free (display);
  g_free (path);
  return TRUE;

failed:
  g_clear_error (&error);
  g_free (display);
  g_free (path);
  return FALSE;
}

static void
gst_bert_infer_close (GstBertInfer *self)
{
  g_mutex_lock (&self->lock);
  self->backend = NULL;
  g_mutex_unlock (&self->lock);
  g_clear_pointer (&self->encoder, bert_encoder_free);
  g_clear_pointer (&self->model, bert_model_unref);
  g_clear_pointer (&self->vocabulary, g_free);
  g_clear_pointer (&self->active_prompt, g_free);
  g_clear_pointer (&self->active_pair_text, g_free);
  self->prompt_length = (GstBertPromptLength){ 0 };
}

static GstStateChangeReturn
gst_bert_infer_change_state (GstElement *element, GstStateChange transition)
{
  GstBertInfer *self = GST_BERT_INFER (element);
  GstStateChangeReturn ret;

  switch (transition) {
    case GST_STATE_CHANGE_NULL_TO_READY:
      if (!gst_bert_infer_open (self))
        return GST_STATE_CHANGE_FAILURE;
      break;
    case GST_STATE_CHANGE_READY_TO_PAUSED:
      gst_bert_infer_reset_input_warnings (self);
      self->warned_non_finite = FALSE;
      self->is_markup = FALSE;
      self->has_upstream_caps = FALSE;
      self->segment_in_bytes = FALSE;
      gst_bert_infer_start_worker (self);
      break;
    default: break;
  }

  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);

  switch (transition) {
    case GST_STATE_CHANGE_READY_TO_PAUSED:
      if (ret == GST_STATE_CHANGE_FAILURE)
        gst_bert_infer_stop_worker (self);
      break;
    case GST_STATE_CHANGE_PAUSED_TO_READY: gst_bert_infer_stop_worker (self); break;
    case GST_STATE_CHANGE_READY_TO_NULL: gst_bert_infer_close (self); break;
    case GST_STATE_CHANGE_NULL_TO_READY:
      if (ret == GST_STATE_CHANGE_FAILURE)
        gst_bert_infer_close (self);
      break;
    default: break;
  }
  return ret;
}

/* ------------------------------------------------------------------------- */
/* GObject */

/* The model is loaded at NULL -> READY: a new value after that would be read back
 * while the old model runs. Refused with a warning, as filesrc refuses a new location
 * once open. */
static gboolean
gst_bert_infer_model_is_mutable (GstBertInfer *self)
{
  GstState state, pending;
  gchar *kept;

  GST_OBJECT_LOCK (self);
  state = GST_STATE (self);
  pending = GST_STATE_PENDING (self);
  GST_OBJECT_UNLOCK (self);
  if (state == GST_STATE_NULL && pending <= GST_STATE_NULL)
    return TRUE;
  g_mutex_lock (&self->lock);
  kept = g_strdup (self->model_path ? self->model_path : "(the default model)");
  g_mutex_unlock (&self->lock);
  GST_ELEMENT_WARNING (self, CORE, STATE_CHANGE,
      ("The model property cannot change once the element is READY: ignored"),
      ("model stays \"%s\"; set it in the NULL state", kept));
  g_free (kept);
  return FALSE;
}

static void
gst_bert_infer_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstBertInfer *self = GST_BERT_INFER (object);

  if (prop_id == PROP_MODEL && !gst_bert_infer_model_is_mutable (self))
    return;
  /* The settings flagged mutable in READY are those NULL -> READY reads. */
  if (prop_id != PROP_MODEL && (pspec->flags & GST_PARAM_MUTABLE_READY))
    gst_bert_warn_deferred_change (GST_ELEMENT (self), pspec, value, GST_STATE_READY);
  g_mutex_lock (&self->lock);
  switch (prop_id) {
    case PROP_MODEL:
      g_free (self->model_path);
      self->model_path = g_value_dup_string (value);
      break;
    case PROP_DEVICE: self->device = g_value_get_enum (value); break;
    case PROP_DEVICE_ID: self->device_id = g_value_get_int (value); break;
    case PROP_PRECISION: self->precision = g_value_get_enum (value); break;
    case PROP_THREADS: self->threads = g_value_get_uint (value); break;
    case PROP_BATCH_SIZE: self->batch_size = g_value_get_uint (value); break;
    case PROP_MAX_BATCH_TOKENS: self->max_batch_tokens = g_value_get_uint (value); break;
    case PROP_BATCH_TIMEOUT: self->batch_timeout = g_value_get_uint64 (value); break;
    case PROP_MAX_IN_FLIGHT: self->max_in_flight = g_value_get_uint (value); break;
    case PROP_POOLING: self->pooling = g_value_get_enum (value); break;
    case PROP_NORMALIZE: self->normalize = g_value_get_enum (value); break;
    case PROP_OUTPUT: self->output = g_value_get_flags (value); break;
    case PROP_POST_MESSAGES: self->post_messages = g_value_get_boolean (value); break;
    case PROP_MAX_LENGTH: self->max_length = g_value_get_uint (value); break;
    case PROP_SERVER:
      g_free (self->server);
      self->server = g_value_dup_string (value);
      break;
    case PROP_REMOTE_MODEL:
      g_free (self->remote_model);
      self->remote_model = g_value_dup_string (value);
      break;
    case PROP_SERVER_TIMEOUT: self->server_timeout = g_value_get_uint (value); break;
    case PROP_RETRIES: self->retries = g_value_get_uint (value); break;
    case PROP_PROMPT:
      g_free (self->prompt);
      self->prompt = g_value_dup_string (value);
      break;
    case PROP_PROMPT_NAME:
      g_free (self->prompt_name);
      self->prompt_name = g_value_dup_string (value);
      break;
    case PROP_PAIR_TEXT:
      g_free (self->pair_text);
      self->pair_text = g_value_dup_string (value);
      break;
    case PROP_PAIR_TEXT_POSITION: self->pair_text_position = g_value_get_enum (value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec); break;
  }
  /* New limits may free a slot or move the deadline. */
  g_cond_signal (&self->space_cond);
  g_cond_signal (&self->worker_cond);
  g_mutex_unlock (&self->lock);
}

static void
gst_bert_infer_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstBertInfer *self = GST_BERT_INFER (object);

  g_mutex_lock (&self->lock);
  switch (prop_id) {
    case PROP_MODEL: g_value_set_string (value, self->model_path); break;
    case PROP_DEVICE: g_value_set_enum (value, self->device); break;
    case PROP_DEVICE_ID: g_value_set_int (value, self->device_id); break;
    case PROP_PRECISION: g_value_set_enum (value, self->precision); break;
    case PROP_THREADS: g_value_set_uint (value, self->threads); break;
    case PROP_BATCH_SIZE: g_value_set_uint (value, self->batch_size); break;
    case PROP_MAX_BATCH_TOKENS: g_value_set_uint (value, self->max_batch_tokens); break;
    case PROP_BATCH_TIMEOUT: g_value_set_uint64 (value, self->batch_timeout); break;
    case PROP_MAX_IN_FLIGHT: g_value_set_uint (value, self->max_in_flight); break;
    case PROP_POOLING: g_value_set_enum (value, self->pooling); break;
    case PROP_NORMALIZE: g_value_set_enum (value, self->normalize); break;
    case PROP_OUTPUT: g_value_set_flags (value, self->output); break;
    case PROP_POST_MESSAGES: g_value_set_boolean (value, self->post_messages); break;
    case PROP_MAX_LENGTH: g_value_set_uint (value, self->max_length); break;
    case PROP_BACKEND: g_value_set_string (value, self->backend); break;
    case PROP_SERVER: g_value_set_string (value, self->server); break;
    case PROP_REMOTE_MODEL: g_value_set_string (value, self->remote_model); break;
    case PROP_SERVER_TIMEOUT: g_value_set_uint (value, self->server_timeout); break;
    case PROP_RETRIES: g_value_set_uint (value, self->retries); break;
    case PROP_PROMPT: g_value_set_string (value, self->prompt); break;
    case PROP_PROMPT_NAME: g_value_set_string (value, self->prompt_name); break;
    case PROP_PAIR_TEXT: g_value_set_string (value, self->pair_text); break;
    case PROP_PAIR_TEXT_POSITION: g_value_set_enum (value, self->pair_text_position); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec); break;
  }
  g_mutex_unlock (&self->lock);
}

static void
gst_bert_infer_finalize (GObject *object)
{
  GstBertInfer *self = GST_BERT_INFER (object);

  g_free (self->model_path);
  g_free (self->server);
  g_free (self->remote_model);
  g_free (self->prompt);
  g_free (self->prompt_name);
  g_free (self->pair_text);
  bert_encoding_clear (&self->encoding);
  bert_encoding_clear (&self->cut);
  bert_plain_text_clear (&self->plain);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->worker_cond);
  g_cond_clear (&self->collector_cond);
  g_cond_clear (&self->output_cond);
  g_cond_clear (&self->space_cond);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_bert_infer_install_properties (GObjectClass *gobject_class)
{
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;
  const GParamFlags at_load = rw | GST_PARAM_MUTABLE_READY;
  const GParamFlags live = rw | GST_PARAM_MUTABLE_PLAYING;

  g_object_class_install_property (gobject_class, PROP_MODEL,
      g_param_spec_string ("model", "Model",
          "Hugging Face BERT model folder (config.json, "
          "model.safetensors, tokenizer files), or the name of one in the models folder "
          "($GST_BERT_MODELS_DIR, else $XDG_DATA_HOME/gst-bert/models); unset: " GST_BERT_DEFAULT_MODEL
          " there (fetch it with " BERT_FETCH_COMMAND " " GST_BERT_DEFAULT_MODEL ", installed with the "
          "plugin; " GST_BERT_FETCH_SCRIPT " in the sources). Loaded once and shared by every instance",
          DEFAULT_MODEL, at_load));
  g_object_class_install_property (gobject_class, PROP_PROMPT,
      g_param_spec_string ("prompt", "Prompt",
          "A text put before each buffer's text for tokenizing only, as sentence-transformers' "
          "encode(prompt=...) does (\"query: \" for multilingual-e5); the buffer's text and the "
          "token offsets stay the caption's, the prompt's own tokens having the empty span "
          "[0, 0]. Applies to buffers tokenized here, not to those that come with tokens (a "
          "warning says so). Takes precedence over prompt-name; \"\" turns the model's default "
          "prompt off",
          DEFAULT_PROMPT, at_load));
  g_object_class_install_property (gobject_class, PROP_PROMPT_NAME,
      g_param_spec_string ("prompt-name", "Prompt name",
          "One of the prompts of the model folder's config_sentence_transformers.json (e.g. "
          "\"query\"), used as prompt; an unknown name is an error listing the folder's. "
          "Unset, with prompt unset: the folder's default_prompt_name, if any",
          DEFAULT_PROMPT_NAME, at_load));
  g_object_class_install_property (gobject_class, PROP_PAIR_TEXT,
      g_param_spec_string ("pair-text", "Pair text",
          "A fixed text paired with each text tokenized here, for cross-encoders (a reranker's "
          "query) and NLI models (a hypothesis): tokenized as Hugging Face's tokenizer (a, b, "
          "truncation=\"longest_first\", max_length=max-length or max_seq_length) does, the "
          "offsets staying the buffer text's ([0, 0] for the pair text's tokens). NULL or \"\": "
          "single texts. Not with a prompt; buffers that come with tokens are used as they are "
          "(a warning says so)",
          DEFAULT_PAIR_TEXT, at_load));
  g_object_class_install_property (gobject_class, PROP_PAIR_TEXT_POSITION,
      g_param_spec_enum ("pair-text-position", "Pair text position",
          "Where pair-text goes in each pair: first (a reranker's query, then the buffer's "
          "text) or second (the buffer's text, then an NLI hypothesis)",
          GST_TYPE_BERT_PAIR_TEXT_POSITION, DEFAULT_PAIR_TEXT_POSITION, at_load));
  g_object_class_install_property (gobject_class, PROP_DEVICE,
      g_param_spec_enum ("device", "Device", "Where the model runs", GST_TYPE_BERT_INFER_DEVICE,
          DEFAULT_DEVICE, at_load));
  g_object_class_install_property (gobject_class, PROP_DEVICE_ID,
      g_param_spec_int ("device-id", "Device ID", "Index of the CUDA device", 0, G_MAXINT, DEFAULT_DEVICE_ID,
          at_load));
  g_object_class_install_property (gobject_class, PROP_PRECISION,
      g_param_spec_enum ("precision", "Precision",
          "Arithmetic: CUDA runs fp16, bf16 or fp32, "
          "the CPU fp32, bf16 or int8 (bf16 and int8 where it has AVX512_BF16 / AVX512_VNNI); "
          "another is a warning and the backend's fallback (the result meta says which ran)",
          GST_TYPE_BERT_INFER_PRECISION, DEFAULT_PRECISION, at_load));
  g_object_class_install_property (gobject_class, PROP_THREADS,
      g_param_spec_uint ("threads", "Threads",
          "CPU threads computing a batch (0 = one per "
          "core); fewer leave cores to the rest of the pipeline and to other instances",
          0, MAX_THREADS, DEFAULT_THREADS, at_load));
  g_object_class_install_property (gobject_class, PROP_BATCH_SIZE,
      g_param_spec_uint ("batch-size", "Batch size",
          "A batch runs once it holds this many "
          "buffers",
          1, MAX_BATCH_SIZE, DEFAULT_BATCH_SIZE, live));
  g_object_class_install_property (gobject_class, PROP_MAX_BATCH_TOKENS,
      g_param_spec_uint ("max-batch-tokens", "Max batch tokens",
          "A batch runs before a buffer "
          "would take it over this many tokens (0 = no limit)",
          0, G_MAXUINT, DEFAULT_MAX_BATCH_TOKENS, live));
  g_object_class_install_property (gobject_class, PROP_BATCH_TIMEOUT,
      g_param_spec_uint64 ("batch-timeout", "Batch timeout",
          "A batch runs at the latest this "
          "long (ns) after its first buffer arrived (0 = every buffer at once)",
          0, G_MAXUINT64, DEFAULT_BATCH_TIMEOUT, live));
  g_object_class_install_property (gobject_class, PROP_MAX_IN_FLIGHT,
      g_param_spec_uint ("max-in-flight", "Max in flight",
          "Batches closed but not yet pushed "
          "before the streaming thread waits",
          1, MAX_MAX_IN_FLIGHT, DEFAULT_MAX_IN_FLIGHT, live));
  g_object_class_install_property (gobject_class, PROP_POOLING,
      g_param_spec_enum ("pooling", "Pooling", "How token vectors become one sentence embedding",
          GST_TYPE_BERT_INFER_POOLING, DEFAULT_POOLING, at_load));
  g_object_class_install_property (gobject_class, PROP_NORMALIZE,
      g_param_spec_enum ("normalize", "Normalize",
          "Whether the embedding is scaled to unit "
          "length",
          GST_TYPE_BERT_INFER_NORMALIZE, DEFAULT_NORMALIZE, at_load));
  g_object_class_install_property (gobject_class, PROP_OUTPUT,
      g_param_spec_flags ("output", "Output",
          "Results to attach (none set: what the model's "
          "head gives)",
          GST_TYPE_BERT_INFER_OUTPUT, DEFAULT_OUTPUT, live));
  g_object_class_install_property (gobject_class, PROP_POST_MESSAGES,
      g_param_spec_boolean ("post-messages", "Post messages",
          "Also post each result as a "
          "\"bert-result\" element message (the meta's fields plus pts)",
          DEFAULT_POST_MESSAGES, live));
  g_object_class_install_property (gobject_class, PROP_MAX_LENGTH,
      g_param_spec_uint ("max-length", "Max length",
          "Most tokens a text is run with, [CLS] "
          "and [SEP] included; longer ones keep their first tokens and the [SEP] and are "
          "flagged truncated (0 = the model's max_seq_length, as sentence-transformers; never "
          "more than its positions)",
          0, G_MAXUINT, DEFAULT_MAX_LENGTH, live));
  g_object_class_install_property (gobject_class, PROP_BACKEND,
      g_param_spec_string ("backend", "Backend",
          "Where the model runs once loaded (READY and "
          "up): \"cpu\", \"cuda\" or \"remote\", so device=auto tells what it chose; NULL "
          "before",
          NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_SERVER,
      g_param_spec_string ("server", "Server",
          "URL of a Triton Inference Server that runs the "
          "model (http://host:port, KServe v2); setting it with device=auto selects the remote "
          "backend (docs/remote.md)",
          DEFAULT_SERVER, at_load));
  g_object_class_install_property (gobject_class, PROP_REMOTE_MODEL,
      g_param_spec_string ("remote-model", "Remote model",
          "The model's name on the server "
          "(NULL: the model folder's name, as scripts/serve-triton.sh names it)",
          DEFAULT_REMOTE_MODEL, at_load));
  g_object_class_install_property (gobject_class, PROP_SERVER_TIMEOUT,
      g_param_spec_uint ("server-timeout", "Server timeout",
          "Milliseconds one request to the "
          "server may take, connection included (0 = no limit)",
          0, G_MAXUINT, DEFAULT_SERVER_TIMEOUT, at_load));
  g_object_class_install_property (gobject_class, PROP_RETRIES,
      g_param_spec_uint ("retries", "Retries",
          "Times a request to the server is sent again "
          "after a refused connection, a time-out, a broken transfer or an HTTP 5xx, waiting "
          "0.1 s, then twice as long each time up to 2 s; 0: the first failure is an error",
          0, G_MAXUINT, DEFAULT_RETRIES, at_load));
}

static void
gst_bert_infer_class_init (GstBertInferClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  gobject_class->set_property = gst_bert_infer_set_property;
  gobject_class->get_property = gst_bert_infer_get_property;
  gobject_class->finalize = gst_bert_infer_finalize;
  gst_bert_infer_install_properties (gobject_class);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "BERT inference", "Filter/Analyzer/Text",
      "Runs a BERT-family encoder on text buffers in batches and attaches embeddings or "
      "labels as metadata",
      "gst-bert developers");
  element_class->change_state = GST_DEBUG_FUNCPTR (gst_bert_infer_change_state);

  gst_type_mark_as_plugin_api (GST_TYPE_BERT_INFER_DEVICE, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_BERT_INFER_PRECISION, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_BERT_INFER_POOLING, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_BERT_INFER_NORMALIZE, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_BERT_INFER_OUTPUT, 0);
  GST_DEBUG_CATEGORY_INIT (gst_bert_infer_debug, "bert-infer", 0, "BERT inference element");
}

static void
gst_bert_infer_init (GstBertInfer *self)
{
  self->sinkpad = gst_pad_new_from_static_template (&sink_template, "sink");
  gst_pad_set_chain_function (self->sinkpad, GST_DEBUG_FUNCPTR (gst_bert_infer_chain));
  gst_pad_set_event_full_function (self->sinkpad, GST_DEBUG_FUNCPTR (gst_bert_infer_sink_event));
  gst_pad_set_query_function (self->sinkpad, GST_DEBUG_FUNCPTR (gst_bert_infer_sink_query));
  gst_pad_set_activatemode_function (self->sinkpad, GST_DEBUG_FUNCPTR (gst_bert_infer_sink_activate_mode));
  GST_PAD_SET_PROXY_CAPS (self->sinkpad);
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);

  self->srcpad = gst_pad_new_from_static_template (&src_template, "src");
  gst_pad_set_event_function (self->srcpad, GST_DEBUG_FUNCPTR (gst_bert_infer_src_event));
  gst_pad_set_query_function (self->srcpad, GST_DEBUG_FUNCPTR (gst_bert_infer_src_query));
  gst_pad_set_activatemode_function (self->srcpad, GST_DEBUG_FUNCPTR (gst_bert_infer_src_activate_mode));
  GST_PAD_SET_PROXY_CAPS (self->srcpad);
  gst_element_add_pad (GST_ELEMENT (self), self->srcpad);

  g_mutex_init (&self->lock);
  g_cond_init (&self->worker_cond);
  g_cond_init (&self->collector_cond);
  g_cond_init (&self->output_cond);
  g_cond_init (&self->space_cond);
  g_queue_init (&self->items);
  g_queue_init (&self->submitted);
  bert_encoding_init (&self->encoding);
  bert_plain_text_init (&self->plain);

  self->model_path = g_strdup (DEFAULT_MODEL);
  self->device = DEFAULT_DEVICE;
  self->device_id = DEFAULT_DEVICE_ID;
  self->precision = DEFAULT_PRECISION;
  self->threads = DEFAULT_THREADS;
  self->batch_size = DEFAULT_BATCH_SIZE;
  self->max_batch_tokens = DEFAULT_MAX_BATCH_TOKENS;
  self->batch_timeout = DEFAULT_BATCH_TIMEOUT;
  self->max_in_flight = DEFAULT_MAX_IN_FLIGHT;
  self->pooling = DEFAULT_POOLING;
  self->normalize = DEFAULT_NORMALIZE;
  self->output = DEFAULT_OUTPUT;
  self->post_messages = DEFAULT_POST_MESSAGES;
  self->max_length = DEFAULT_MAX_LENGTH;
  self->server = g_strdup (DEFAULT_SERVER);
  self->remote_model = g_strdup (DEFAULT_REMOTE_MODEL);
  self->server_timeout = DEFAULT_SERVER_TIMEOUT;
  self->retries = DEFAULT_RETRIES;
  self->pair_text_position = DEFAULT_PAIR_TEXT_POSITION;
  self->srcresult = GST_FLOW_FLUSHING;
}
