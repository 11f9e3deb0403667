/* gstbertinfer.h: the bert-infer element, batched asynchronous BERT inference on text buffers. */
#ifndef GST_BERT_INFER_H
#define GST_BERT_INFER_H

#include <gst/gst.h>

#include "bert_engine.h"
#include "gstbertmarkup.h"

G_BEGIN_DECLS

#define GST_TYPE_BERT_INFER (gst_bert_infer_get_type ())
#define GST_BERT_INFER(obj) (G_TYPE_CHECK_INSTANCE_CAST ((obj), GST_TYPE_BERT_INFER, GstBertInfer))

typedef struct _GstBertInfer GstBertInfer;
typedef struct _GstBertInferClass GstBertInferClass;

/* Which results go into the result meta; none set means what the model's head gives. */
typedef enum {
  GST_BERT_INFER_OUTPUT_EMBEDDING = (1 << 0),
  GST_BERT_INFER_OUTPUT_LABELS = (1 << 1),
  GST_BERT_INFER_OUTPUT_TOKEN_LABELS = (1 << 2)
} GstBertInferOutput;

/* How normalisation of the pooled embedding is chosen. */
typedef enum {
  GST_BERT_INFER_NORMALIZE_MODEL = -1,
  GST_BERT_INFER_NORMALIZE_NO = 0,
  GST_BERT_INFER_NORMALIZE_YES = 1
} GstBertInferNormalize;

/* Pooling: the model's own, or a BertPooling. */
#define GST_BERT_INFER_POOLING_MODEL (-1)

/* The instance is public, as queue's is, so that tests can see which model an
 * instance holds; only the element itself touches it. */
struct _GstBertInfer {
  GstElement element;

  GstPad *sinkpad;
  GstPad *srcpad;

  /* Everything below is protected by lock, except where noted. */
  GMutex lock;
  GCond worker_cond;            /* the worker waits: a batch to run, a deadline, stop */
  GCond output_cond;            /* the src task waits: an item ready to push */
  GCond space_cond;             /* the streaming thread waits: a batch slot, a query answer */

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

  /* From NULL->READY to READY->NULL; read without the lock by the threads that run
   * between those transitions. */
  BertModel *model;
  BertEncoder *encoder;
  gboolean encoder_is_async;    /* submit several batches before waiting for one */
  GstBertInferOutput head_output;   /* what the model's head gives; under the lock */
  gboolean warned_cpu_fallback;

  /* The streaming thread's scratch and one-time warning, no lock needed. */
  BertEncoding encoding;
  BertPlainText plain;          /* pango markup stripped for tokenizing */
  gboolean is_markup;           /* the sink caps' format is pango-markup */
  gboolean warned_truncation;

  /* Data flow. */
  struct _BertInferItem *pending;  /* the batch being filled */
  GQueue items;                 /* closed batches, events and queries, in input order */
  guint n_batches_in_flight;    /* closed batches not yet pushed */
  GQueue submitted;             /* batches in the engine, oldest first (the worker's) */
  GstFlowReturn srcresult;      /* GST_FLOW_FLUSHING while flushing or inactive */
  gboolean eos;                 /* EOS received: refuse more data */
  gpointer last_handled_query;
  gboolean last_query_result;

  GThread *worker;
  gboolean worker_stopping;

  /* Latency: a decaying maximum of the engine's time per batch. */
  GstClockTime batch_time_estimate;
  GstClockTime batch_time_posted;
};

struct _GstBertInferClass {
  GstElementClass parent_class;
};

GType gst_bert_infer_get_type (void);

GST_ELEMENT_REGISTER_DECLARE (bert_infer);

G_END_DECLS

#endif
