/* gstbertinferbatch.h: the batch bert-infer gathers, in the packed layout the engine runs.
 *
 * A batch holds its buffers and a copy of their tokens end to end (so that truncation
 * never touches a buffer's own token meta): ids, type ids, byte spans, where each
 * sequence starts and whether it lost tokens on the way. It is the counterpart of
 * queue's item store, and knows nothing of threads: bert-infer appends to it under its
 * lock and reads it back when the results come.
 */
#ifndef GST_BERT_INFER_BATCH_H
#define GST_BERT_INFER_BATCH_H

#include <gst/gst.h>

#include "bert_engine.h"
#include "bert_tokenizer.h"

G_BEGIN_DECLS

/* A view of one buffer's tokens, in its token meta or in a scratch encoding. */
typedef struct {
  const gint32 *ids;
  const gint32 *type_ids; /* NULL: all zero */
  const guint32 *offsets; /* NULL: all zero; else a [start, end) pair per token */
  guint n_tokens;
  guint n_kept;       /* n_tokens, or fewer: the most the model takes */
  gboolean truncated; /* the tokenizer already cut the text */
  /* leading tokens a prompt gave (gstbertprompt.h); 0: none */
  guint prompt_length;
} GstBertInferTokens;

/* Points @tokens at a token meta's arrays, with its prompt length; FALSE when it holds
 * no tokens (an empty meta cannot be run: the engine needs [CLS] and [SEP]). A meta made
 * by hand may hold shorter type id or offset arrays: those count as absent (zeros).
 * n_kept is left. */
gboolean gst_bert_infer_tokens_from_meta (GstCustomMeta *meta, GstBertInferTokens *tokens);
/* Points @tokens at @encoding's arrays, with no prompt length. n_kept is left. */
void gst_bert_infer_tokens_from_encoding (const BertEncoding *encoding, GstBertInferTokens *tokens);

typedef struct {
  GPtrArray *buffers;  /* owned; NULL once stolen */
  GArray *ids;         /* gint32: every sequence's tokens, end to end */
  GArray *type_ids;    /* gint32 */
  GArray *spans;       /* guint32 pairs: byte spans of those tokens */
  GArray *seq_offsets; /* guint32, one more than sequences: sequence i's tokens are
                                 * ids[seq_offsets[i]] up to ids[seq_offsets[i + 1]] */
  GArray *truncated;   /* gboolean: each sequence lost tokens on the way here */
  gint64 opened_us;    /* monotonic time it was created */
  /* guint32: each sequence's GstBertInferTokens.prompt_length */
  GArray *prompt_lengths;
} GstBertInferBatch;

GstBertInferBatch *gst_bert_infer_batch_new (void);
void gst_bert_infer_batch_free (GstBertInferBatch *batch);

/* Takes @buffer and appends a copy of its tokens; a sequence longer than n_kept keeps
 * its first n_kept - 1 tokens and its last one, the [SEP], and is flagged truncated (what
 * bert-infer runs where it cannot cut the tokens as their tokenizer would: bert_token_cut.h).
 * n_kept must be at least 1 and at most n_tokens. */
void gst_bert_infer_batch_append (GstBertInferBatch *batch, GstBuffer *buffer,
    const GstBertInferTokens *tokens);

guint gst_bert_infer_batch_n_buffers (const GstBertInferBatch *batch);
guint gst_bert_infer_batch_n_tokens (const GstBertInferBatch *batch);

/* Whether appending @n_tokens more would take the batch over @max_tokens (0 = no limit). */
gboolean gst_bert_infer_batch_would_overflow (const GstBertInferBatch *batch, guint n_tokens,
    guint max_tokens);
/* Whether the batch should run now: @max_buffers buffers, or @max_tokens tokens (0 = no limit). */
gboolean gst_bert_infer_batch_is_full (const GstBertInferBatch *batch, guint max_buffers, guint max_tokens);

/* The byte spans of sequence @index's tokens (a pair per token), and its truncation flag. */
const guint32 *gst_bert_infer_batch_get_spans (const GstBertInferBatch *batch, guint index);
gboolean gst_bert_infer_batch_get_truncated (const GstBertInferBatch *batch, guint index);

/* Points @input at the batch's arrays, read in place: the batch must not change while
 * the engine has them. */
void gst_bert_infer_batch_get_packed (const GstBertInferBatch *batch, BertPackedInput *input);

/* Hands over buffer @index (each once); the batch keeps its tokens. */
GstBuffer *gst_bert_infer_batch_steal_buffer (GstBertInferBatch *batch, guint index);

G_END_DECLS

#endif
