/* gstbertmeta.h: the metadata gst-bert attaches to text buffers, as a public C API.
 *
 * Both metas are GstCustomMeta (a GstStructure on the buffer), so they are readable
 * from Python without custom bindings:
 *
 *   meta = buf.get_custom_meta ("GstBertTokenMeta")
 *   s = meta.get_structure ()
 *   b = s.get_value ("ids")                       # a Gst.Buffer holding the array
 *   ids = numpy.frombuffer (b.extract_dup (0, b.get_size ()), dtype=numpy.int32)
 *   ok, labels = s.get_array ("token-labels")     # string lists: GValueArray
 *
 * Numeric arrays are GstBuffer fields (one system memory, native endianness), which
 * C reads without copying and PyGObject turns into bytes; string lists are
 * GstValueArray fields, which PyGObject reads with Gst.Structure.get_array.
 *
 * Token meta structure "GstBertTokenMeta", fields:
 *   ids        GstBuffer int32[n-tokens]      token ids, [CLS] and [SEP] included
 *   type-ids   GstBuffer int32[n-tokens]      token type ids
 *   offsets    GstBuffer uint32[2*n-tokens]   [start, end) byte offsets into the buffer's text
 *   n-tokens   guint
 *   truncated  gboolean                     tokens were dropped at max-length
 *   vocabulary gchararray                   identity of the tokenizer that made the ids (a
 *                                           hash of its vocabulary and options); absent when
 *                                           unknown. bert-infer re-tokenizes tokens of
 *                                           another vocabulary than its model's
 *   prompt-length guint                     the leading tokens a prompt gave, as
 *                                           sentence-transformers counts them; absent: no
 *                                           prompt. bert-infer pools without them where the
 *                                           model's pooling has include_prompt false
 *   prompt     gchararray                   the prompt the text was tokenized after;
 *                                           absent: none
 *
 * Result meta structure "GstBertResultMeta", one per bert-infer the buffer went through,
 * in that order, fields (present according to the head):
 *   model            gchararray  the model's name (its folder's base name)
 *   element          gchararray  the name of the bert-infer element that made it
 *   inference-time   guint64     nanoseconds the batch holding this buffer took
 *   backend          gchararray  what computed it: "cpu", "cuda" or "remote" (set by bert-infer)
 *   truncated        gboolean    the tokens run were cut: by the tokenizer (the token
 *                                meta's flag) or by bert-infer at the model's max_seq_length
 *   precision        gchararray  the arithmetic that ran: fp32, fp16, bf16 or int8
 *   embedding        GstBuffer     float32[dim] pooled (and normalised) sentence embedding
 *   logits, probs    GstBuffer     float32[num-labels]
 *   label-index      gint        argmax (or -1 for multi-label with no label over 0.5)
 *   label            gchararray  its name from id2label
 *   labels           GstValueArray multi-label: the names of all labels with prob > 0.5
 *   token-labels     GstValueArray one label name per token (token classifier)
 *   token-scores     GstBuffer     float32[n-tokens]: probability of each token's label
 *   token-spans      GstBuffer     uint32[2*n-tokens]: byte spans of the tokens
 */
#ifndef GST_BERT_META_H
#define GST_BERT_META_H

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_BERT_TOKEN_META_NAME "GstBertTokenMeta"
#define GST_BERT_RESULT_META_NAME "GstBertResultMeta"

/* Registers both metas; called by the plugin, idempotent. */
void gst_bert_meta_register (void);

/**
 * gst_buffer_add_bert_token_meta:
 * Attaches (or replaces) the token meta of @buffer. The arrays are copied.
 * Returns: (transfer none): the meta.
 */
GstCustomMeta *gst_buffer_add_bert_token_meta (GstBuffer *buffer, const gint32 *ids, const gint32 *type_ids,
    const guint32 *offsets, guint n_tokens, gboolean truncated);

/* Returns: (transfer none) (nullable): the token meta of @buffer. */
GstCustomMeta *gst_buffer_get_bert_token_meta (GstBuffer *buffer);

/* Accessors: pointers into the meta, valid while the meta lives. */
const gint32 *gst_bert_token_meta_get_ids (GstCustomMeta *meta, guint *n_tokens);
const gint32 *gst_bert_token_meta_get_type_ids (GstCustomMeta *meta, guint *n_tokens);
const guint32 *gst_bert_token_meta_get_offsets (GstCustomMeta *meta, guint *n_tokens);
gboolean gst_bert_token_meta_get_truncated (GstCustomMeta *meta);

/* The identity of the vocabulary the ids come from; gst_buffer_add_bert_token_meta
 * clears it, the tokenizer element sets it. NULL when unknown. */
void gst_bert_token_meta_set_vocabulary (GstCustomMeta *meta, const gchar *vocabulary);
/* Returns: (transfer none) (nullable): the identity, or NULL when unknown. */
const gchar *gst_bert_token_meta_get_vocabulary (GstCustomMeta *meta);

/* How many leading tokens the prompt gave, as sentence-transformers counts them
 * (gstbertprompt.h); gst_buffer_add_bert_token_meta clears it, the tokenizer sets it
 * when it has a prompt. 0 when there was none or the producer did not say. */
void gst_bert_token_meta_set_prompt_length (GstCustomMeta *meta, guint prompt_length);
guint gst_bert_token_meta_get_prompt_length (GstCustomMeta *meta);

/* The prompt the text was tokenized after (the `prompt` of tokenizer or bert-infer, or
 * the model folder's default); gst_buffer_add_bert_token_meta clears it, the elements
 * set it when they have a prompt. bert-infer warns when tokens came with another prompt
 * than its own. "" or NULL: none. */
void gst_bert_token_meta_set_prompt (GstCustomMeta *meta, const gchar *prompt);
/* Returns: (transfer none) (nullable): the prompt, or NULL when there was none. */
const gchar *gst_bert_token_meta_get_prompt (GstCustomMeta *meta);

/* Returns: (transfer none): the result meta of @buffer for @model_name made by
 * @element_name, created empty if absent (a result of another model or element is
 * left alone: each bert-infer keeps its own); fill it with the setters below. */
GstCustomMeta *gst_buffer_add_bert_result_meta_for_element (GstBuffer *buffer, const gchar *model_name,
    const gchar *element_name, guint64 inference_time_ns);
/* As above, for no element name. */
GstCustomMeta *gst_buffer_add_bert_result_meta (GstBuffer *buffer, const gchar *model_name,
    guint64 inference_time_ns);
/* Returns: (transfer none) (nullable): the first result meta of @buffer. */
GstCustomMeta *gst_buffer_get_bert_result_meta (GstBuffer *buffer);
/* Returns: (transfer none) (nullable): the result meta made by the element named @name,
 * else the first one of the model named @name. */
GstCustomMeta *gst_buffer_get_bert_result_meta_by_name (GstBuffer *buffer, const gchar *name);
/* Every result meta in turn: start with *@state NULL; NULL after the last.
 * Returns: (transfer none) (nullable). */
GstCustomMeta *gst_buffer_iterate_bert_result_metas (GstBuffer *buffer, gpointer *state);
/* Returns: (transfer none) (nullable): the element that made the result, or NULL. */
const gchar *gst_bert_result_meta_get_element (GstCustomMeta *meta);

void gst_bert_result_meta_set_truncated (GstCustomMeta *meta, gboolean truncated);
void gst_bert_result_meta_set_precision (GstCustomMeta *meta, const gchar *precision);
void gst_bert_result_meta_set_embedding (GstCustomMeta *meta, const gfloat *embedding, guint dim);
void gst_bert_result_meta_set_classification (GstCustomMeta *meta, const gfloat *logits, const gfloat *probs,
    guint num_labels, gint label_index, const gchar *label, const gchar *const *labels_over_threshold);
void gst_bert_result_meta_set_token_labels (GstCustomMeta *meta, const gchar *const *token_labels,
    const gfloat *token_scores, const guint32 *token_spans, guint n_tokens);

const gchar *gst_bert_result_meta_get_model (GstCustomMeta *meta);
guint64 gst_bert_result_meta_get_inference_time (GstCustomMeta *meta);
/* FALSE when the field is absent. */
gboolean gst_bert_result_meta_get_truncated (GstCustomMeta *meta);
/* NULL where the producer did not say. */
const gchar *gst_bert_result_meta_get_precision (GstCustomMeta *meta);
const gfloat *gst_bert_result_meta_get_embedding (GstCustomMeta *meta, guint *dim);
const gfloat *gst_bert_result_meta_get_logits (GstCustomMeta *meta, guint *num_labels);
const gfloat *gst_bert_result_meta_get_probs (GstCustomMeta *meta, guint *num_labels);
gint gst_bert_result_meta_get_label_index (GstCustomMeta *meta);
const gchar *gst_bert_result_meta_get_label (GstCustomMeta *meta);
guint gst_bert_result_meta_get_n_token_labels (GstCustomMeta *meta);
/* Returns: (transfer none) (nullable): the label name of token @index. */
const gchar *gst_bert_result_meta_get_token_label (GstCustomMeta *meta, guint index);
const gfloat *gst_bert_result_meta_get_token_scores (GstCustomMeta *meta, guint *n_tokens);
const guint32 *gst_bert_result_meta_get_token_spans (GstCustomMeta *meta, guint *n_tokens);

G_END_DECLS

#endif
