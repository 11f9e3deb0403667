/* gstbertmeta.c: the token and result metas, GstCustomMeta structures with typed
 * accessors. See gstbertmeta.h for the fields.
 *
 * Numeric arrays live in GstBuffer fields holding one system memory, so the C getters
 * hand out pointers into that memory without copying (system memory stays mapped at
 * the same address after unmapping), and Python reads them as Gst.Buffer.
 */
#include "gstbertmeta.h"

static gboolean
covers_whole_buffer (GstBuffer *buffer, const GstMetaTransformCopy *copy)
{
  if (!copy->region)
    return TRUE;
  return copy->offset == 0 && (copy->size == (gsize) -1 || copy->size == gst_buffer_get_size (buffer));
}

static gboolean
copy_field (GQuark field, const GValue *value, gpointer user_data)
{
  gst_structure_id_set_value (user_data, field, value);
  return TRUE;
}

/* Token offsets and results describe the whole text of the buffer, so they follow
 * whole-buffer copies only; a copy of part of the text drops them rather than
 * carrying spans that point outside it. */
static GstCustomMeta *find_result_meta (GstBuffer *buffer, const gchar *model_name,
    const gchar *element_name);

static gboolean
transform_whole_buffer_only (GstBuffer *transbuf, GstCustomMeta *meta, GstBuffer *buffer, GQuark type,
    gpointer data, gpointer user_data)
{
  GstCustomMeta *copy_meta;
  GstStructure *structure;
  const gchar *name;

  if (!GST_META_TRANSFORM_IS_COPY (type))
    return FALSE;
  if (!covers_whole_buffer (buffer, data))
    return TRUE;

  structure = gst_custom_meta_get_structure (meta);
  name = gst_structure_get_name (structure);
  /* A buffer has one token meta, and one result meta per bert-infer. */
  copy_meta = g_strcmp0 (name, GST_BERT_RESULT_META_NAME) == 0
      ? find_result_meta (transbuf, gst_structure_get_string (structure, "model"),
          gst_structure_get_string (structure, "element"))
      : gst_buffer_get_custom_meta (transbuf, name);
  if (copy_meta)
    gst_structure_remove_all_fields (gst_custom_meta_get_structure (copy_meta));
  else
    copy_meta = gst_buffer_add_custom_meta (transbuf, name);
  gst_structure_foreach (structure, copy_field, gst_custom_meta_get_structure (copy_meta));
  return TRUE;
}

/* Tests and examples link this code statically beside the plugin, which holds its
 * own copy, so registration goes by name and not by a static flag alone. */
static void
register_custom_meta (const gchar *name)
{
  static const gchar *no_tags[] = { NULL };

  if (gst_meta_get_info (name))
    return;
  gst_meta_register_custom (name, no_tags, transform_whole_buffer_only, NULL, NULL);
}

void
gst_bert_meta_register (void)
{
  static gsize registered = 0;

  if (!g_once_init_enter (&registered))
    return;
  register_custom_meta (GST_BERT_TOKEN_META_NAME);
  register_custom_meta (GST_BERT_RESULT_META_NAME);
  g_once_init_leave (&registered, 1);
}

static GstCustomMeta *
get_or_add_custom_meta (GstBuffer *buffer, const gchar *name)
{
  GstCustomMeta *meta;

  gst_bert_meta_register ();
  meta = gst_buffer_get_custom_meta (buffer, name);
  if (!meta)
    meta = gst_buffer_add_custom_meta (buffer, name);
  return meta;
}

static GstBuffer *
buffer_new_from_array (gconstpointer data, gsize size)
{
  if (size == 0)
    return gst_buffer_new ();
  return gst_buffer_new_memdup (data, size);
}

/* Stores @n elements of @element_size bytes as a GstBuffer field. */
static void
set_array_field (GstStructure *s, const gchar *field, gconstpointer data, gsize n, gsize element_size)
{
  GValue array = G_VALUE_INIT;

  g_value_init (&array, GST_TYPE_BUFFER);
  g_value_take_boxed (&array, buffer_new_from_array (data, n * element_size));
  gst_structure_take_value (s, field, &array);
}

/* Optional arrays: NULL data removes the field, so calling a setter again never
 * leaves a stale array behind. */
static void
set_optional_array_field (GstStructure *s, const gchar *field, gconstpointer data, gsize n,
    gsize element_size)
{
  if (data)
    set_array_field (s, field, data, n, element_size);
  else
    gst_structure_remove_field (s, field);
}

static gconstpointer
get_array_field (GstCustomMeta *meta, const gchar *field, gsize element_size, guint *n)
{
  const GValue *value;
  GstBuffer *array;
  GstMapInfo map;
  gconstpointer data = NULL;
  gsize count = 0;

  if (n)
    *n = 0;
  g_return_val_if_fail (meta != NULL, NULL);

  value = gst_structure_get_value (gst_custom_meta_get_structure (meta), field);
  if (value && G_VALUE_HOLDS (value, GST_TYPE_BUFFER)) {
    array = gst_value_get_buffer (value);
    if (gst_buffer_n_memory (array) == 1 && gst_buffer_map (array, &map, GST_MAP_READ)) {
      data = map.data;
      count = map.size / element_size;
      gst_buffer_unmap (array, &map);
    }
  }
  if (n)
    *n = count;
  return data;
}

static void
set_string_list_field (GstStructure *s, const gchar *field, const gchar *const *strings, gsize n)
{
  GValue list = G_VALUE_INIT;
  GValue item = G_VALUE_INIT;
  gsize i;

  gst_value_array_init (&list, n);
  g_value_init (&item, G_TYPE_STRING);
  for (i = 0; i < n; i++) {
    g_value_set_string (&item, strings[i] ? strings[i] : "");
    gst_value_array_append_value (&list, &item);
  }
  g_value_unset (&item);
  gst_structure_take_value (s, field, &list);
}

GstCustomMeta *
gst_buffer_add_bert_token_meta (GstBuffer *buffer, const gint32 *ids, const gint32 *type_ids,
    const guint32 *offsets, guint n_tokens, gboolean truncated)
{
  GstCustomMeta *meta;
  GstStructure *s;

  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);
  g_return_val_if_fail (gst_buffer_is_writable (buffer), NULL);
  g_return_val_if_fail (n_tokens == 0 || (ids && type_ids && offsets), NULL);

  meta = get_or_add_custom_meta (buffer, GST_BERT_TOKEN_META_NAME);
  s = gst_custom_meta_get_structure (meta);
  set_array_field (s, "ids", ids, n_tokens, sizeof (gint32));
  set_array_field (s, "type-ids", type_ids, n_tokens, sizeof (gint32));
  set_array_field (s, "offsets", offsets, 2 * (gsize) n_tokens, sizeof (guint32));
  gst_structure_set (s, "n-tokens", G_TYPE_UINT, n_tokens, "truncated", G_TYPE_BOOLEAN, truncated, NULL);
  /* Replaced tokens may come from another tokenizer than the old ones. */
  gst_structure_remove_field (s, "vocabulary");
  gst_structure_remove_field (s, "prompt-length");
  gst_structure_remove_field (s, "prompt");
  return meta;
}

GstCustomMeta *
gst_buffer_get_bert_token_meta (GstBuffer *buffer)
{
  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);

  gst_bert_meta_register ();
  return gst_buffer_get_custom_meta (buffer, GST_BERT_TOKEN_META_NAME);
}

void
gst_bert_token_meta_set_vocabulary (GstCustomMeta *meta, const gchar *vocabulary)
{
  GstStructure *s;

  g_return_if_fail (meta != NULL);
  s = gst_custom_meta_get_structure (meta);
  if (vocabulary != NULL)
    gst_structure_set (s, "vocabulary", G_TYPE_STRING, vocabulary, NULL);
  else
    gst_structure_remove_field (s, "vocabulary");
}

const gchar *
gst_bert_token_meta_get_vocabulary (GstCustomMeta *meta)
{
  g_return_val_if_fail (meta != NULL, NULL);
  return gst_structure_get_string (gst_custom_meta_get_structure (meta), "vocabulary");
}

void
gst_bert_token_meta_set_prompt_length (GstCustomMeta *meta, guint prompt_length)
{
  GstStructure *s;

  g_return_if_fail (meta != NULL);
  s = gst_custom_meta_get_structure (meta);
  if (prompt_length > 0)
    gst_structure_set (s, "prompt-length", G_TYPE_UINT, prompt_length, NULL);
  else
    gst_structure_remove_field (s, "prompt-length");
}

guint
gst_bert_token_meta_get_prompt_length (GstCustomMeta *meta)
{
  guint prompt_length = 0;

  g_return_val_if_fail (meta != NULL, 0);
  gst_structure_get_uint (gst_custom_meta_get_structure (meta), "prompt-length", &prompt_length);
  return prompt_length;
}

void
gst_bert_token_meta_set_prompt (GstCustomMeta *meta, const gchar *prompt)
{
  GstStructure *s;

  g_return_if_fail (meta != NULL);
  s = gst_custom_meta_get_structure (meta);
  if (prompt != NULL && prompt[0] != '\0')
    gst_structure_set (s, "prompt", G_TYPE_STRING, prompt, NULL);
  else
    gst_structure_remove_field (s, "prompt");
}

const gchar *
gst_bert_token_meta_get_prompt (GstCustomMeta *meta)
{
  g_return_val_if_fail (meta != NULL, NULL);
  return gst_structure_get_string (gst_custom_meta_get_structure (meta), "prompt");
}

const gint32 *
gst_bert_token_meta_get_ids (GstCustomMeta *meta, guint *n_tokens)
{
  return get_array_field (meta, "ids", sizeof (gint32), n_tokens);
}

const gint32 *
gst_bert_token_meta_get_type_ids (GstCustomMeta *meta, guint *n_tokens)
{
  return get_array_field (meta, "type-ids", sizeof (gint32), n_tokens);
}

/* A field of [start, end) byte spans, one pair per token. */
static const guint32 *
get_span_field (GstCustomMeta *meta, const gchar *name, guint *n_tokens)
{
  guint n_values = 0;
  const guint32 *spans = get_array_field (meta, name, sizeof (guint32), &n_values);

  if (n_tokens)
    *n_tokens = n_values / 2;
  return spans;
}

const guint32 *
gst_bert_token_meta_get_offsets (GstCustomMeta *meta, guint *n_tokens)
{
  return get_span_field (meta, "offsets", n_tokens);
}

/* An absent field reads as FALSE. */
static gboolean
get_boolean_field (GstCustomMeta *meta, const gchar *field)
{
  gboolean value = FALSE;

  g_return_val_if_fail (meta != NULL, FALSE);

  gst_structure_get_boolean (gst_custom_meta_get_structure (meta), field, &value);
  return value;
}

gboolean
gst_bert_token_meta_get_truncated (GstCustomMeta *meta)
{
  return get_boolean_field (meta, "truncated");
}

GstCustomMeta *
gst_buffer_iterate_bert_result_metas (GstBuffer *buffer, gpointer *state)
{
  GstMeta *meta;

  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);
  g_return_val_if_fail (state != NULL, NULL);

  while ((meta = gst_buffer_iterate_meta (buffer, state)) != NULL)
    if (gst_meta_info_is_custom (meta->info)
        && gst_custom_meta_has_name ((GstCustomMeta *) meta, GST_BERT_RESULT_META_NAME))
      return (GstCustomMeta *) meta;
  return NULL;
}

/* The result meta of @buffer made by @element_name (NULL: by no named element) with
 * @model_name, or NULL. */
static GstCustomMeta *
find_result_meta (GstBuffer *buffer, const gchar *model_name, const gchar *element_name)
{
  gpointer state = NULL;
  GstCustomMeta *meta;

  while ((meta = gst_buffer_iterate_bert_result_metas (buffer, &state)) != NULL)
    if (g_strcmp0 (gst_bert_result_meta_get_model (meta), model_name) == 0
        && g_strcmp0 (gst_bert_result_meta_get_element (meta), element_name) == 0)
      return meta;
  return NULL;
}

GstCustomMeta *
gst_buffer_add_bert_result_meta_for_element (GstBuffer *buffer, const gchar *model_name,
    const gchar *element_name, guint64 inference_time_ns)
{
  GstCustomMeta *meta;
  GstStructure *s;

  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);
  g_return_val_if_fail (gst_buffer_is_writable (buffer), NULL);

  gst_bert_meta_register ();
  model_name = model_name ? model_name : "";
  meta = find_result_meta (buffer, model_name, element_name);
  if (meta == NULL)
    meta = gst_buffer_add_custom_meta (buffer, GST_BERT_RESULT_META_NAME);
  s = gst_custom_meta_get_structure (meta);
  gst_structure_set (s, "model", G_TYPE_STRING, model_name, "inference-time", G_TYPE_UINT64,
      inference_time_ns, NULL);
  if (element_name != NULL)
    gst_structure_set (s, "element", G_TYPE_STRING, element_name, NULL);
  return meta;
}

GstCustomMeta *
gst_buffer_add_bert_result_meta (GstBuffer *buffer, const gchar *model_name, guint64 inference_time_ns)
{
  return gst_buffer_add_bert_result_meta_for_element (buffer, model_name, NULL, inference_time_ns);
}

GstCustomMeta *
gst_buffer_get_bert_result_meta (GstBuffer *buffer)
{
  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);

  gst_bert_meta_register ();
  return gst_buffer_get_custom_meta (buffer, GST_BERT_RESULT_META_NAME);
}

GstCustomMeta *
gst_buffer_get_bert_result_meta_by_name (GstBuffer *buffer, const gchar *name)
{
  gpointer state = NULL;
  GstCustomMeta *meta;

  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  gst_bert_meta_register ();
  while ((meta = gst_buffer_iterate_bert_result_metas (buffer, &state)) != NULL)
    if (g_strcmp0 (gst_bert_result_meta_get_element (meta), name) == 0)
      return meta;
  state = NULL;
  while ((meta = gst_buffer_iterate_bert_result_metas (buffer, &state)) != NULL)
    if (g_strcmp0 (gst_bert_result_meta_get_model (meta), name) == 0)
      return meta;
  return NULL;
}

const gchar *
gst_bert_result_meta_get_element (GstCustomMeta *meta)
{
  g_return_val_if_fail (meta != NULL, NULL);
  return gst_structure_get_string (gst_custom_meta_get_structure (meta), "element");
}

void
gst_bert_result_meta_set_truncated (GstCustomMeta *meta, gboolean truncated)
{
  g_return_if_fail (meta != NULL);

  gst_structure_set (gst_custom_meta_get_structure (meta), "truncated", G_TYPE_BOOLEAN, truncated, NULL);
}

void
gst_bert_result_meta_set_precision (GstCustomMeta *meta, const gchar *precision)
{
  g_return_if_fail (meta != NULL && precision != NULL);

  gst_structure_set (gst_custom_meta_get_structure (meta), "precision", G_TYPE_STRING, precision, NULL);
}

void
gst_bert_result_meta_set_embedding (GstCustomMeta *meta, const gfloat *embedding, guint dim)
{
  g_return_if_fail (meta != NULL);
  g_return_if_fail (embedding != NULL || dim == 0);

  set_array_field (gst_custom_meta_get_structure (meta), "embedding", embedding, dim, sizeof (gfloat));
}

/* @logits and @probs may each be NULL (the field is then absent); @label and
 * @labels_over_threshold (NULL-terminated) likewise. */
void
gst_bert_result_meta_set_classification (GstCustomMeta *meta, const gfloat *logits, const gfloat *probs,
    guint num_labels, gint label_index, const gchar *label, const gchar *const *labels_over_threshold)
{
  GstStructure *s;

  g_return_if_fail (meta != NULL);

  s = gst_custom_meta_get_structure (meta);
  set_optional_array_field (s, "logits", logits, num_labels, sizeof (gfloat));
  set_optional_array_field (s, "probs", probs, num_labels, sizeof (gfloat));
  gst_structure_set (s, "label-index", G_TYPE_INT, label_index, NULL);
  if (label)
    gst_structure_set (s, "label", G_TYPE_STRING, label, NULL);
  else
    gst_structure_remove_field (s, "label");
  if (labels_over_threshold)
    set_string_list_field (s, "labels", labels_over_threshold,
        g_strv_length ((gchar **) labels_over_threshold));
  else
    gst_structure_remove_field (s, "labels");
}

/* @token_labels holds @n_tokens names (a NULL entry is stored as ""); @token_scores
 * and @token_spans may be NULL. */
void
gst_bert_result_meta_set_token_labels (GstCustomMeta *meta, const gchar *const *token_labels,
    const gfloat *token_scores, const guint32 *token_spans, guint n_tokens)
{
  GstStructure *s;

  g_return_if_fail (meta != NULL);
  g_return_if_fail (token_labels != NULL || n_tokens == 0);

  s = gst_custom_meta_get_structure (meta);
  set_string_list_field (s, "token-labels", token_labels, n_tokens);
  set_optional_array_field (s, "token-scores", token_scores, n_tokens, sizeof (gfloat));
  set_optional_array_field (s, "token-spans", token_spans, 2 * (gsize) n_tokens, sizeof (guint32));
}

const gchar *
gst_bert_result_meta_get_model (GstCustomMeta *meta)
{
  g_return_val_if_fail (meta != NULL, NULL);

  return gst_structure_get_string (gst_custom_meta_get_structure (meta), "model");
}

guint64
gst_bert_result_meta_get_inference_time (GstCustomMeta *meta)
{
  guint64 time_ns = 0;

  g_return_val_if_fail (meta != NULL, 0);

  gst_structure_get_uint64 (gst_custom_meta_get_structure (meta), "inference-time", &time_ns);
  return time_ns;
}

gboolean
gst_bert_result_meta_get_truncated (GstCustomMeta *meta)
{
  return get_boolean_field (meta, "truncated");
}

const gchar *
gst_bert_result_meta_get_precision (GstCustomMeta *meta)
{
  g_return_val_if_fail (meta != NULL, NULL);

  return gst_structure_get_string (gst_custom_meta_get_structure (meta), "precision");
}

const gfloat *
gst_bert_result_meta_get_embedding (GstCustomMeta *meta, guint *dim)
{
  return get_array_field (meta, "embedding", sizeof (gfloat), dim);
}

const gfloat *
gst_bert_result_meta_get_logits (GstCustomMeta *meta, guint *num_labels)
{
  return get_array_field (meta, "logits", sizeof (gfloat), num_labels);
}

const gfloat *
gst_bert_result_meta_get_probs (GstCustomMeta *meta, guint *num_labels)
{
  return get_array_field (meta, "probs", sizeof (gfloat), num_labels);
}

gint
gst_bert_result_meta_get_label_index (GstCustomMeta *meta)
{
  gint label_index = -1;

  g_return_val_if_fail (meta != NULL, -1);

  gst_structure_get_int (gst_custom_meta_get_structure (meta), "label-index", &label_index);
  return label_index;
}

const gchar *
gst_bert_result_meta_get_label (GstCustomMeta *meta)
{
  g_return_val_if_fail (meta != NULL, NULL);

  return gst_structure_get_string (gst_custom_meta_get_structure (meta), "label");
}

static const GValue *
get_string_list_field (GstCustomMeta *meta, const gchar *field)
{
  const GValue *list;

  list = gst_structure_get_value (gst_custom_meta_get_structure (meta), field);
  if (!list || !GST_VALUE_HOLDS_ARRAY (list))
    return NULL;
  return list;
}

guint
gst_bert_result_meta_get_n_token_labels (GstCustomMeta *meta)
{
  const GValue *list;

  g_return_val_if_fail (meta != NULL, 0);

  list = get_string_list_field (meta, "token-labels");
  return list ? gst_value_array_get_size (list) : 0;
}

const gchar *
gst_bert_result_meta_get_token_label (GstCustomMeta *meta, guint index)
{
  const GValue *list, *item;

  g_return_val_if_fail (meta != NULL, NULL);

  list = get_string_list_field (meta, "token-labels");
  if (!list || index >= gst_value_array_get_size (list))
    return NULL;
  item = gst_value_array_get_value (list, index);
  return G_VALUE_HOLDS_STRING (item) ? g_value_get_string (item) : NULL;
}

const gfloat *
gst_bert_result_meta_get_token_scores (GstCustomMeta *meta, guint *n_tokens)
{
  return get_array_field (meta, "token-scores", sizeof (gfloat), n_tokens);
}

const guint32 *
gst_bert_result_meta_get_token_spans (GstCustomMeta *meta, guint *n_tokens)
{
  return get_span_field (meta, "token-spans", n_tokens);
}
