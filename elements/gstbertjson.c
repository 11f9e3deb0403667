/**
 * SECTION:element-bert-json
 * @title: bert-json
 *
 * Writes one JSON object per text buffer, one per line (newline-delimited JSON): the
 * text, its timestamps and every gst-bert meta on the buffer (tokens from `tokenizer`,
 * results from `bert-infer`). The output is valid JSON for any input, including
 * control characters and invalid UTF-8, so it can go straight to a file or a pipe.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 filesrc location=captions.srt ! subparse ! tokenizer vocab=model/ ! bert-json ! fdsink fd=1
 * ]|
 */
#include "config.h"

#include "gstbertjson.h"
#include "gstbertmeta.h"

#include <math.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (gst_bert_json_debug);
#define GST_CAT_DEFAULT gst_bert_json_debug

enum {
  PROP_0,
  PROP_FLOAT_DIGITS,
};

#define DEFAULT_FLOAT_DIGITS 9
#define MAX_FLOAT_DIGITS 9

struct _GstBertJson {
  GstElement parent;

  GstPad *sinkpad;
  GstPad *srcpad;

  guint float_digits; /* under the object lock */

  /* streaming thread: what this stream produced, for the debug log */
  guint64 lines_written;
  guint64 bytes_written;
};

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink", GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("text/x-raw, format = (string) { utf8, pango-markup }"));

static GstStaticPadTemplate src_template =
    GST_STATIC_PAD_TEMPLATE ("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS ("application/x-ndjson"));

#define gst_bert_json_parent_class parent_class
G_DEFINE_TYPE (GstBertJson, gst_bert_json, GST_TYPE_ELEMENT);
GST_ELEMENT_REGISTER_DEFINE (bert_json, "bert-json", GST_RANK_NONE, GST_TYPE_BERT_JSON);

/* A JSON string of @len bytes of @text. Control characters become escapes and each
 * invalid UTF-8 byte becomes U+FFFD, so the line stays valid JSON whatever the
 * buffer held. */
static void
append_json_string (GString *out, const gchar *text, gsize len)
{
  const gchar *p = text, *end = text + len;

  g_string_append_c (out, '"');
  while (p < end) {
    guchar c = *p;

    if (c >= 0x80) {
      gunichar ch = g_utf8_get_char_validated (p, end - p);

      if (ch == (gunichar) -1 || ch == (gunichar) -2) {
        g_string_append (out, "\\ufffd");
        p++;
      } else {
        const gchar *next = g_utf8_next_char (p);

        g_string_append_len (out, p, next - p);
        p = next;
      }
      continue;
    }
    switch (c) {
      case '"': g_string_append (out, "\\\""); break;
      case '\\': g_string_append (out, "\\\\"); break;
      case '\n': g_string_append (out, "\\n"); break;
      case '\r': g_string_append (out, "\\r"); break;
      case '\t': g_string_append (out, "\\t"); break;
      case '\b': g_string_append (out, "\\b"); break;
      case '\f': g_string_append (out, "\\f"); break;
      default:
        if (c < 0x20)
          g_string_append_printf (out, "\\u%04x", c);
        else
          g_string_append_c (out, c);
    }
    p++;
  }
  g_string_append_c (out, '"');
}

/* NULL is written as "", for names a meta may lack. */
static void
append_json_cstring (GString *out, const gchar *text)
{
  append_json_string (out, text ? text : "", text ? strlen (text) : 0);
}

static void
append_key (GString *out, const gchar *key)
{
  g_string_append (out, ",\"");
  g_string_append (out, key);
  g_string_append (out, "\":");
}

/* printf is most of bert-json's time when it formats every id and offset. */
static void
append_uint (GString *out, guint64 value)
{
  gchar digits[20];
  gsize start = sizeof (digits);

  do {
    digits[--start] = '0' + value % 10;
    value /= 10;
  } while (value);
  g_string_append_len (out, digits + start, sizeof (digits) - start);
}

static void
append_int (GString *out, gint64 value)
{
  if (value < 0) {
    g_string_append_c (out, '-');
    append_uint (out, -(guint64) value);
  } else {
    append_uint (out, value);
  }
}

/* Locale-independent; JSON has no NaN or infinity, so those are null. */
static void
append_float (GString *out, gfloat value, const gchar *float_format)
{
  gchar buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (!isfinite (value))
    g_string_append (out, "null");
  else
    g_string_append (out, g_ascii_formatd (buf, sizeof (buf), float_format, value));
}

static void
append_float_array (GString *out, const gfloat *values, guint n, const gchar *float_format)
{
  guint i;

  g_string_append_c (out, '[');
  for (i = 0; i < n; i++) {
    if (i > 0)
      g_string_append_c (out, ',');
    append_float (out, values[i], float_format);
  }
  g_string_append_c (out, ']');
}

static void
append_int_array (GString *out, const gint32 *values, guint n)
{
  guint i;

  g_string_append_c (out, '[');
  for (i = 0; i < n; i++) {
    if (i > 0)
      g_string_append_c (out, ',');
    append_int (out, values[i]);
  }
  g_string_append_c (out, ']');
}

/* [[start,end],...] as in the Hugging Face reference files. */
static void
append_span_array (GString *out, const guint32 *spans, guint n)
{
  guint i;

  g_string_append_c (out, '[');
  for (i = 0; i < n; i++) {
    g_string_append (out, i > 0 ? ",[" : "[");
    append_uint (out, spans[2 * i]);
    g_string_append_c (out, ',');
    append_uint (out, spans[2 * i + 1]);
    g_string_append_c (out, ']');
  }
  g_string_append_c (out, ']');
}

static void
append_time (GString *out, GstClockTime time)
{
  if (GST_CLOCK_TIME_IS_VALID (time))
    append_uint (out, time);
  else
    g_string_append (out, "null");
}

static void
append_bool (GString *out, gboolean value)
{
  g_string_append (out, value ? "true" : "false");
}

static void
append_tokens (GString *out, GstCustomMeta *meta)
{
  const gint32 *ids, *type_ids;
  const guint32 *offsets;
  guint n_ids, n_type_ids, n_offsets;

  ids = gst_bert_token_meta_get_ids (meta, &n_ids);
  type_ids = gst_bert_token_meta_get_type_ids (meta, &n_type_ids);
  offsets = gst_bert_token_meta_get_offsets (meta, &n_offsets);

  g_string_append (out, "{\"ids\":");
  append_int_array (out, ids, n_ids);
  append_key (out, "type_ids");
  append_int_array (out, type_ids, n_type_ids);
  append_key (out, "offsets");
  append_span_array (out, offsets, n_offsets);
  append_key (out, "truncated");
  append_bool (out, gst_bert_token_meta_get_truncated (meta));
  g_string_append_c (out, '}');
}

static void
append_string_list (GString *out, const GValue *list)
{
  guint i;

  g_string_append_c (out, '[');
  for (i = 0; i < gst_value_array_get_size (list); i++) {
    const GValue *item = gst_value_array_get_value (list, i);
    const gchar *name = G_VALUE_HOLDS_STRING (item) ? g_value_get_string (item) : NULL;

    if (i > 0)
      g_string_append_c (out, ',');
    append_json_cstring (out, name);
  }
  g_string_append_c (out, ']');
}

static void
append_classification (GString *out, GstCustomMeta *meta, const gchar *float_format)
{
  const gfloat *logits, *probs;
  const gchar *label;
  const GValue *labels;
  guint n_logits, n_probs;

  logits = gst_bert_result_meta_get_logits (meta, &n_logits);
  probs = gst_bert_result_meta_get_probs (meta, &n_probs);
  if (!logits && !probs)
    return;
  if (logits) {
    append_key (out, "logits");
    append_float_array (out, logits, n_logits, float_format);
  }
  if (probs) {
    append_key (out, "probs");
    append_float_array (out, probs, n_probs, float_format);
  }
  append_key (out, "label_index");
  append_int (out, gst_bert_result_meta_get_label_index (meta));
  label = gst_bert_result_meta_get_label (meta);
  if (label) {
    append_key (out, "label");
    append_json_cstring (out, label);
  }
  /* The API has no getter for the multi-label list; it is a documented field. */
  labels = gst_structure_get_value (gst_custom_meta_get_structure (meta), "labels");
  if (labels && GST_VALUE_HOLDS_ARRAY (labels)) {
    append_key (out, "labels");
    append_string_list (out, labels);
  }
}

/* [{"label":"B-PER","start":0,"end":4,"score":0.98},...]: one object per token,
 * spans and scores where the meta has them. */
static void
append_token_labels (GString *out, GstCustomMeta *meta, const gchar *float_format)
{
  guint i, n_labels, n_scores, n_spans;
  const gfloat *scores;
  const guint32 *spans;

  n_labels = gst_bert_result_meta_get_n_token_labels (meta);
  if (n_labels == 0)
    return;
  scores = gst_bert_result_meta_get_token_scores (meta, &n_scores);
  spans = gst_bert_result_meta_get_token_spans (meta, &n_spans);

  append_key (out, "token_labels");
  g_string_append_c (out, '[');
  for (i = 0; i < n_labels; i++) {
    const gchar *label = gst_bert_result_meta_get_token_label (meta, i);

    g_string_append (out, i > 0 ? ",{\"label\":" : "{\"label\":");
    append_json_cstring (out, label);
    if (spans && i < n_spans) {
      append_key (out, "start");
      append_uint (out, spans[2 * i]);
      append_key (out, "end");
      append_uint (out, spans[2 * i + 1]);
    }
    if (scores && i < n_scores) {
      append_key (out, "score");
      append_float (out, scores[i], float_format);
    }
    g_string_append_c (out, '}');
  }
  g_string_append_c (out, ']');
}

static void
append_result (GString *out, GstCustomMeta *meta, const gchar *float_format)
{
  const gchar *model = gst_bert_result_meta_get_model (meta);
  const gfloat *embedding;
  guint dim;

  g_string_append (out, "{\"model\":");
  append_json_cstring (out, model);
  if (gst_bert_result_meta_get_element (meta) != NULL) {
    append_key (out, "element");
    append_json_cstring (out, gst_bert_result_meta_get_element (meta));
  }
  append_key (out, "inference_time");
  append_uint (out, gst_bert_result_meta_get_inference_time (meta));
  append_key (out, "truncated");
  append_bool (out, gst_bert_result_meta_get_truncated (meta));
  if (gst_bert_result_meta_get_precision (meta)) {
    append_key (out, "precision");
    append_json_cstring (out, gst_bert_result_meta_get_precision (meta));
  }
  embedding = gst_bert_result_meta_get_embedding (meta, &dim);
  if (embedding) {
    append_key (out, "embedding");
    append_float_array (out, embedding, dim, float_format);
  }
  append_classification (out, meta, float_format);
  append_token_labels (out, meta, float_format);
  g_string_append_c (out, '}');
}

/* After two bert-infer or more, "results" lists every result in the order they were
 * made ("result" stays the first, for readers of one model). */
static void
append_every_result (GString *out, GstBuffer *buffer, const gchar *float_format)
{
  gpointer state = NULL;
  GstCustomMeta *meta;
  guint n = 0;

  while (gst_buffer_iterate_bert_result_metas (buffer, &state) != NULL)
    n++;
  if (n < 2)
    return;
  append_key (out, "results");
  g_string_append_c (out, '[');
  state = NULL;
  for (guint i = 0; (meta = gst_buffer_iterate_bert_result_metas (buffer, &state)) != NULL; i++) {
    if (i > 0)
      g_string_append_c (out, ',');
    append_result (out, meta, float_format);
  }
  g_string_append_c (out, ']');
}

static GString *
buffer_to_json_line (GstBuffer *buffer, const GstMapInfo *text, const gchar *float_format)
{
  GString *out = g_string_sized_new (text->size + 256);
  GstCustomMeta *meta;

  g_string_append (out, "{\"text\":");
  append_json_string (out, (const gchar *) text->data, text->size);
  append_key (out, "pts");
  append_time (out, GST_BUFFER_PTS (buffer));
  append_key (out, "duration");
  append_time (out, GST_BUFFER_DURATION (buffer));
  meta = gst_buffer_get_bert_token_meta (buffer);
  if (meta) {
    append_key (out, "tokens");
    append_tokens (out, meta);
  }
  meta = gst_buffer_get_bert_result_meta (buffer);
  if (meta) {
    append_key (out, "result");
    append_result (out, meta, float_format);
  }
  append_every_result (out, buffer, float_format);
  g_string_append (out, "}\n");
  return out;
}

/* Which gst-bert metas a buffer carries, for the debug log. */
static const gchar *
describe_metas (GstBuffer *buffer)
{
  gboolean tokens = gst_buffer_get_bert_token_meta (buffer) != NULL;
  gboolean result = gst_buffer_get_bert_result_meta (buffer) != NULL;

  if (tokens && result)
    return "tokens and result";
  if (tokens || result)
    return tokens ? "tokens" : "result";
  return "no gst-bert meta";
}

/* filesrc and fdsrc send no caps; downstream still gets ours, before the segment. */
static void
ensure_src_caps (GstBertJson *self)
{
  GstCaps *caps;

  if (gst_pad_has_current_caps (self->srcpad))
    return;
  caps = gst_pad_get_pad_template_caps (self->srcpad);
  gst_pad_push_event (self->srcpad, gst_event_new_caps (caps));
  gst_caps_unref (caps);
}

/* The line stands for its text buffer: it keeps its times and every flag (DISCONT,
 * GAP, DELTA_UNIT, DROPPABLE, ...), as a converter in GStreamer keeps them
 * (GstBaseTransform copies both). Not the byte offsets: those count the input's
 * bytes, not the JSON's. */
static void
copy_timing_and_flags (GstBuffer *line, GstBuffer *text)
{
  gst_buffer_copy_into (line, text, GST_BUFFER_COPY_FLAGS | GST_BUFFER_COPY_TIMESTAMPS, 0, -1);
  GST_BUFFER_OFFSET (line) = GST_BUFFER_OFFSET_NONE;
  GST_BUFFER_OFFSET_END (line) = GST_BUFFER_OFFSET_NONE;
}

static GstFlowReturn
gst_bert_json_chain (GstPad *pad, GstObject *parent, GstBuffer *buffer)
{
  GstBertJson *self = GST_BERT_JSON (parent);
  gchar float_format[8];
  GstMapInfo text;
  const gchar *metas_described;
  GstBuffer *line_buffer;
  GString *line;
  gsize line_len;

  if (!gst_buffer_map (buffer, &text, GST_MAP_READ)) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED, ("Could not read a text buffer"),
        ("buffer %" GST_PTR_FORMAT " cannot be mapped", buffer));
    gst_buffer_unref (buffer);
    return GST_FLOW_ERROR;
  }
  GST_OBJECT_LOCK (self);
  g_snprintf (float_format, sizeof (float_format), "%%.%ug", self->float_digits);
  GST_OBJECT_UNLOCK (self);

  line = buffer_to_json_line (buffer, &text, float_format);
  gst_buffer_unmap (buffer, &text);
  metas_described = describe_metas (buffer);

  line_len = line->len;
  line_buffer = gst_buffer_new_wrapped (g_string_free (line, FALSE), line_len);
  copy_timing_and_flags (line_buffer, buffer);
  gst_buffer_unref (buffer);

  self->lines_written++;
  self->bytes_written += line_len;
  GST_LOG_OBJECT (self, "%" G_GSIZE_FORMAT " bytes of JSON for the buffer at %" GST_TIME_FORMAT " (%s)",
      line_len, GST_TIME_ARGS (GST_BUFFER_PTS (line_buffer)), metas_described);
  return gst_pad_push (self->srcpad, line_buffer);
}

static void
note_stream_event (GstBertJson *self, GstEvent *event)
{
  GstCaps *caps;

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_STREAM_START:
      self->lines_written = 0;
      self->bytes_written = 0;
      break;
    case GST_EVENT_CAPS:
      gst_event_parse_caps (event, &caps);
      GST_DEBUG_OBJECT (self, "input caps %" GST_PTR_FORMAT, caps);
      break;
    case GST_EVENT_EOS:
      GST_DEBUG_OBJECT (self,
          "end of stream after %" G_GUINT64_FORMAT " lines, %" G_GUINT64_FORMAT " bytes of JSON",
          self->lines_written, self->bytes_written);
      break;
    default: break;
  }
}

static gboolean
gst_bert_json_sink_event (GstPad *pad, GstObject *parent, GstEvent *event)
{
  GstBertJson *self = GST_BERT_JSON (parent);

  /* Sticky events after caps (segment, tags) must find caps on the src pad. */
  if (GST_EVENT_IS_STICKY (event) && GST_EVENT_TYPE (event) > GST_EVENT_CAPS)
    ensure_src_caps (self);
  note_stream_event (self, event);
  if (GST_EVENT_TYPE (event) == GST_EVENT_CAPS) {
    GstCaps *caps = gst_pad_get_pad_template_caps (self->srcpad);
    gboolean ok = gst_pad_push_event (self->srcpad, gst_event_new_caps (caps));

    gst_caps_unref (caps);
    gst_event_unref (event);
    return ok;
  }
  return gst_pad_event_default (pad, parent, event);
}

static void
gst_bert_json_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstBertJson *self = GST_BERT_JSON (object);

  switch (prop_id) {
    case PROP_FLOAT_DIGITS:
      GST_OBJECT_LOCK (self);
      self->float_digits = g_value_get_uint (value);
      GST_OBJECT_UNLOCK (self);
      break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec); break;
  }
}

static void
gst_bert_json_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstBertJson *self = GST_BERT_JSON (object);

  switch (prop_id) {
    case PROP_FLOAT_DIGITS:
      GST_OBJECT_LOCK (self);
      g_value_set_uint (value, self->float_digits);
      GST_OBJECT_UNLOCK (self);
      break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec); break;
  }
}

static void
gst_bert_json_class_init (GstBertJsonClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  gobject_class->set_property = gst_bert_json_set_property;
  gobject_class->get_property = gst_bert_json_get_property;

  g_object_class_install_property (gobject_class, PROP_FLOAT_DIGITS,
      g_param_spec_uint ("float-digits", "Float digits",
          "Significant digits written for floating-point numbers (embedding, logits, "
          "probabilities, scores); 9 reads back as exactly the same float32",
          1, MAX_FLOAT_DIGITS, DEFAULT_FLOAT_DIGITS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "BERT metadata to JSON", "Formatter/Text",
      "Writes each text buffer and its gst-bert metadata (tokens, embeddings, labels) "
      "as one line of JSON",
      "gst-bert developers");

  GST_DEBUG_CATEGORY_INIT (gst_bert_json_debug, "bert-json", 0,
      "gst-bert JSON writer");
}

static void
gst_bert_json_init (GstBertJson *self)
{
  self->sinkpad = gst_pad_new_from_static_template (&sink_template, "sink");
  gst_pad_set_chain_function (self->sinkpad, GST_DEBUG_FUNCPTR (gst_bert_json_chain));
  gst_pad_set_event_function (self->sinkpad, GST_DEBUG_FUNCPTR (gst_bert_json_sink_event));
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);

  self->srcpad = gst_pad_new_from_static_template (&src_template, "src");
  gst_pad_use_fixed_caps (self->srcpad);
  gst_element_add_pad (GST_ELEMENT (self), self->srcpad);

  self->float_digits = DEFAULT_FLOAT_DIGITS;
}
