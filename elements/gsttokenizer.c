/**
 * SECTION:element-tokenizer
 * @title: tokenizer
 *
 * Tokenizes each text buffer with a BERT WordPiece vocabulary, exactly as Hugging Face
 * tokenizers does, and attaches the token ids, type ids and byte offsets as a
 * GstBertTokenMeta; the text itself passes unchanged. With split-lines, each line of a
 * plain-text stream becomes a buffer of its own.
 *
 * Pango markup (from subparse) is stripped of tags and its entities decoded for
 * tokenization only; token offsets still point into the original markup.
 *
 * Without a `vocab`, the element uses the tokenizer of all-MiniLM-L6-v2 in the models
 * folder ($GST_BERT_MODELS_DIR, else $XDG_DATA_HOME/gst-bert/models), the model
 * bert-infer runs by default; `vocab=NAME` names another model there.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 filesrc location=captions.srt ! subparse ! tokenizer ! bert-json ! fdsink fd=1
 * gst-launch-1.0 filesrc location=captions.srt ! subparse ! tokenizer vocab=model/ ! bert-json ! fdsink fd=1
 * gst-launch-1.0 filesrc location=lines.txt ! tokenizer vocab=vocab.txt split-lines=true ! bert-json ! fdsink fd=1
 * ]|
 */
#include "config.h"

#include "gsttokenizer.h"
#include "gstbertmeta.h"
#include "bert_tokenizer.h"
#include "gstberttokenize.h"
#include "gstbertmodeldir.h"

#include <string.h>

GST_DEBUG_CATEGORY_STATIC (gst_tokenizer_debug);
#define GST_CAT_DEFAULT gst_tokenizer_debug

enum {
  PROP_0,
  PROP_VOCAB,
  PROP_MAX_LENGTH,
  PROP_SPLIT_LINES,
  PROP_VOCAB_SIZE,
  PROP_MODEL_MAX_LENGTH,
};

#define DEFAULT_VOCAB NULL
#define DEFAULT_MAX_LENGTH 0
#define MAX_MAX_LENGTH 8192
#define DEFAULT_SPLIT_LINES FALSE

/* Where a line of split-lines mode came from: the input buffer holding its first byte. */
typedef struct {
  GstClockTime pts;
  GstClockTime dts;
  GstClockTime duration;
  guint64 offset; /* stream byte offset of the line, or GST_BUFFER_OFFSET_NONE */
} LineOrigin;

struct _GstTokenizer {
  GstElement parent;

  GstPad *sinkpad;
  GstPad *srcpad;

  /* properties, under the object lock */
  gchar *vocab_path;
  guint max_length;
  gboolean split_lines;

  /* loaded at NULL -> READY, freed at READY -> NULL; set under the object lock,
   * which the streaming thread needs not take: it runs only in PAUSED and PLAYING */
  BertTokenizer *tokenizer;

  /* streaming thread */
  gboolean split_lines_active; /* split-lines as it was at READY -> PAUSED */
  gboolean is_markup;
  gboolean warned_invalid_utf8;
  gboolean next_line_discont;
  BertEncoding encoding;
  BertPlainText plain;
  GByteArray *pending_line; /* split-lines: a line still waiting for its newline */
  LineOrigin pending_origin;
};

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink", GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("text/x-raw, format = (string) { utf8, pango-markup }"));

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src", GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("text/x-raw, format = (string) { utf8, pango-markup }"));

#define gst_tokenizer_parent_class parent_class
G_DEFINE_TYPE (GstTokenizer, gst_tokenizer, GST_TYPE_ELEMENT);
GST_ELEMENT_REGISTER_DEFINE (tokenizer, "tokenizer", GST_RANK_NONE, GST_TYPE_TOKENIZER);

/* Tokenizing ---------------------------------------------------------------------- */

static guint
get_max_length (GstTokenizer *self)
{
  guint max_length;

  GST_OBJECT_LOCK (self);
  max_length = self->max_length;
  GST_OBJECT_UNLOCK (self);
  return max_length;
}

static void
warn_invalid_utf8_once (GstTokenizer *self, GstBuffer *buffer)
{
  if (self->warned_invalid_utf8) {
    GST_DEBUG_OBJECT (self, "invalid UTF-8 again, at %" GST_TIME_FORMAT,
        GST_TIME_ARGS (GST_BUFFER_PTS (buffer)));
    return;
  }
  self->warned_invalid_utf8 = TRUE;
  GST_ELEMENT_WARNING (self, STREAM, DECODE, ("The text is not valid UTF-8"),
      ("Buffer at %" GST_TIME_FORMAT " holds invalid UTF-8: the bytes were dropped for "
       "tokenization and the text passes unchanged. Warned once per stream.",
          GST_TIME_ARGS (GST_BUFFER_PTS (buffer))));
}

/* Attaches the tokens of @buffer's text to it; @buffer must be writable. */
static void
add_token_meta (GstTokenizer *self, GstBuffer *buffer)
{
  BertEncoding *encoding = &self->encoding;
  gsize size = gst_buffer_get_size (buffer);

  if (!gst_bert_tokenize_buffer (self->tokenizer, &self->plain, buffer, self->is_markup,
          get_max_length (self), encoding)) {
    GST_WARNING_OBJECT (self, "could not map a buffer, passing it without tokens");
    return;
  }
  if (encoding->repaired_utf8)
    warn_invalid_utf8_once (self, buffer);
  if (encoding->truncated)
    GST_DEBUG_OBJECT (self,
        "text of %" G_GSIZE_FORMAT " bytes at %" GST_TIME_FORMAT " truncated to %u tokens", size,
        GST_TIME_ARGS (GST_BUFFER_PTS (buffer)), encoding->n_tokens);
  GST_LOG_OBJECT (self, "%u tokens%s from %" G_GSIZE_FORMAT " bytes at %" GST_TIME_FORMAT, encoding->n_tokens,
      encoding->truncated ? " (truncated)" : "", size, GST_TIME_ARGS (GST_BUFFER_PTS (buffer)));
}

/* Line splitting ------------------------------------------------------------------ */

static gboolean
is_blank (const gchar *text, gsize len)
{
  gsize i;

  for (i = 0; i < len; i++)
    if (!g_ascii_isspace (text[i]))
      return FALSE;
  return TRUE;
}

static LineOrigin
line_origin_at (GstBuffer *buffer, gsize position)
{
  LineOrigin origin = { GST_BUFFER_PTS (buffer), GST_BUFFER_DTS (buffer), GST_BUFFER_DURATION (buffer),
    GST_BUFFER_OFFSET_NONE };

  if (GST_BUFFER_OFFSET_IS_VALID (buffer))
    origin.offset = GST_BUFFER_OFFSET (buffer) + position;
  return origin;
}

/* The length of a line without its '\r', or 0 when the line is blank: blank lines
 * carry nothing to encode and are dropped. */
static gsize
line_text_length (const guint8 *line, gsize len)
{
  if (len > 0 && line[len - 1] == '\r')
    len--;
  return is_blank ((const gchar *) line, len) ? 0 : len;
}

/* Pushes @line (@len bytes of text, no line end) as a buffer of its own. */
static GstFlowReturn
push_line (GstTokenizer *self, GstBuffer *line, gsize len, const LineOrigin *origin)
{
  GST_BUFFER_PTS (line) = origin->pts;
  GST_BUFFER_DTS (line) = origin->dts;
  GST_BUFFER_DURATION (line) = origin->duration;
  GST_BUFFER_OFFSET (line) = origin->offset;
  GST_BUFFER_OFFSET_END (line) =
      origin->offset == GST_BUFFER_OFFSET_NONE ? GST_BUFFER_OFFSET_NONE : origin->offset + len;
  if (self->next_line_discont) {
    GST_BUFFER_FLAG_SET (line, GST_BUFFER_FLAG_DISCONT);
    self->next_line_discont = FALSE;
  }
  add_token_meta (self, line);
  return gst_pad_push (self->srcpad, line);
}

static GstFlowReturn
push_pending_line (GstTokenizer *self)
{
  GByteArray *pending = self->pending_line;
  GstFlowReturn ret = GST_FLOW_OK;
  gsize len = line_text_length (pending->data, pending->len);

  if (len > 0)
    ret = push_line (self, gst_buffer_new_memdup (pending->data, len), len, &self->pending_origin);
  g_byte_array_set_size (pending, 0);
  return ret;
}

/* The line ending at @newline completes the pending one when there is one, else it
 * is a slice of @buffer sharing its memory. */
static GstFlowReturn
push_line_ending_at (GstTokenizer *self, GstBuffer *buffer, const guint8 *data, gsize line_start,
    gsize newline)
{
  LineOrigin origin;
  gsize len;

  if (self->pending_line->len > 0) {
    g_byte_array_append (self->pending_line, data + line_start, newline - line_start);
    return push_pending_line (self);
  }
  len = line_text_length (data + line_start, newline - line_start);
  if (len == 0)
    return GST_FLOW_OK;
  origin = line_origin_at (buffer, line_start);
  return push_line (self, gst_buffer_copy_region (buffer, GST_BUFFER_COPY_MEMORY, line_start, len), len,
      &origin);
}

static GstFlowReturn
split_lines (GstTokenizer *self, GstBuffer *buffer)
{
  GstFlowReturn ret = GST_FLOW_OK;
  const guint8 *newline;
  GstMapInfo map;
  gsize line_start = 0;

  /* Data was lost before this buffer: the pending line cannot continue here. */
  if (GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DISCONT)) {
    if (self->pending_line->len > 0)
      GST_DEBUG_OBJECT (self,
          "discontinuity at %" GST_TIME_FORMAT ": pushing the %u bytes "
          "of the pending line as they are",
          GST_TIME_ARGS (GST_BUFFER_PTS (buffer)), self->pending_line->len);
    ret = push_pending_line (self);
    self->next_line_discont = TRUE;
  }
  if (!gst_buffer_map (buffer, &map, GST_MAP_READ)) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED, ("Could not read a text buffer"),
        ("buffer %" GST_PTR_FORMAT " cannot be mapped", buffer));
    gst_buffer_unref (buffer);
    return GST_FLOW_ERROR;
  }
  /* An empty buffer maps to NULL data: no pointer arithmetic on it. */
  while (ret == GST_FLOW_OK && line_start < map.size
      && (newline = memchr (map.data + line_start, '\n', map.size - line_start))) {
    ret = push_line_ending_at (self, buffer, map.data, line_start, newline - map.data);
    line_start = newline - map.data + 1;
  }
  if (ret == GST_FLOW_OK && line_start < map.size) {
    if (self->pending_line->len == 0)
      self->pending_origin = line_origin_at (buffer, line_start);
    g_byte_array_append (self->pending_line, map.data + line_start, map.size - line_start);
  }
  gst_buffer_unmap (buffer, &map);
  gst_buffer_unref (buffer);
  return ret;
}

/* Pads ---------------------------------------------------------------------------- */

/* filesrc and fdsrc send no caps: their bytes are taken as UTF-8 text, and
 * downstream is told so before the segment. */
static void
ensure_src_caps (GstTokenizer *self)
{
  GstCaps *caps;

  if (gst_pad_has_current_caps (self->srcpad))
    return;
  caps = gst_caps_new_simple ("text/x-raw", "format", G_TYPE_STRING, "utf8", NULL);
  gst_pad_push_event (self->srcpad, gst_event_new_caps (caps));
  gst_caps_unref (caps);
}

static GstFlowReturn
gst_tokenizer_chain (GstPad *pad, GstObject *parent, GstBuffer *buffer)
{
  GstTokenizer *self = GST_TOKENIZER (parent);

  if (self->split_lines_active)
    return split_lines (self, buffer);

  buffer = gst_buffer_make_writable (buffer);
  add_token_meta (self, buffer);
  return gst_pad_push (self->srcpad, buffer);
}

static void
set_format_from_caps (GstTokenizer *self, GstCaps *caps)
{
  const gchar *format = gst_structure_get_string (gst_caps_get_structure (caps, 0), "format");

  self->is_markup = g_strcmp0 (format, "pango-markup") == 0;
  GST_DEBUG_OBJECT (self, "input is %s", self->is_markup ? "pango markup" : "plain UTF-8");
}

static gboolean
gst_tokenizer_sink_event (GstPad *pad, GstObject *parent, GstEvent *event)
{
  GstTokenizer *self = GST_TOKENIZER (parent);
  GstCaps *caps;

  /* Sticky events after caps (segment, tags) must find caps on the src pad. */
  if (GST_EVENT_IS_STICKY (event) && GST_EVENT_TYPE (event) > GST_EVENT_CAPS)
    ensure_src_caps (self);
  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_CAPS:
      gst_event_parse_caps (event, &caps);
      set_format_from_caps (self, caps);
      break;
    case GST_EVENT_STREAM_START: self->warned_invalid_utf8 = FALSE; break;
    case GST_EVENT_FLUSH_STOP:
      if (self->pending_line->len > 0)
        GST_DEBUG_OBJECT (self, "flush: dropping a partial line of %u bytes", self->pending_line->len);
      g_byte_array_set_size (self->pending_line, 0);
      break;
    case GST_EVENT_EOS:
      /* A last line without a newline is still a line. */
      if (self->split_lines_active && self->pending_line->len > 0) {
        GST_DEBUG_OBJECT (self, "end of stream: pushing the last line (%u bytes, no newline)",
            self->pending_line->len);
        push_pending_line (self);
      }
      break;
    default: break;
  }
  return gst_pad_event_default (pad, parent, event);
}

/* State --------------------------------------------------------------------------- */

static void
post_vocab_error (GstTokenizer *self, const gchar *path, const GError *error)
{
  gint code =
      g_file_test (path, G_FILE_TEST_EXISTS) ? GST_RESOURCE_ERROR_OPEN_READ : GST_RESOURCE_ERROR_NOT_FOUND;

  gst_element_message_full (GST_ELEMENT (self), GST_MESSAGE_ERROR, GST_RESOURCE_ERROR, code,
      g_strdup_printf ("Could not load the vocabulary \"%s\"", path), g_strdup (error->message), __FILE__,
      GST_FUNCTION, __LINE__);
}

/* The path the vocab property names (see gstbertmodeldir.h), or NULL after posting an
 * error that says which command fetches a model missing from the models folder. */
static gchar *
find_vocab (GstTokenizer *self)
{
  GstBertModelLocation location;
  gchar *value, *message, *details, *path;

  GST_OBJECT_LOCK (self);
  value = g_strdup (self->vocab_path);
  GST_OBJECT_UNLOCK (self);
  gst_bert_model_location_resolve (&location, value);
  g_free (value);
  if (gst_bert_model_location_describe_missing (&location, "vocab", &message, &details)) {
    gst_element_message_full (GST_ELEMENT (self), GST_MESSAGE_ERROR, GST_RESOURCE_ERROR,
        GST_RESOURCE_ERROR_NOT_FOUND, message, details, __FILE__, GST_FUNCTION, __LINE__);
    gst_bert_model_location_clear (&location);
    return NULL;
  }
  path = g_steal_pointer (&location.path);
  gst_bert_model_location_clear (&location);
  return path;
}

static gboolean
load_vocab (GstTokenizer *self)
{
  BertTokenizer *tokenizer;
  GError *error = NULL;
  gint64 start_us;
  gchar *path = find_vocab (self);

  if (!path)
    return FALSE;
  start_us = g_get_monotonic_time ();
  tokenizer = bert_tokenizer_new_from_path (path, &error);
  if (!tokenizer) {
    post_vocab_error (self, path, error);
    g_error_free (error);
    g_free (path);
    return FALSE;
  }
  GST_INFO_OBJECT (self, "loaded vocabulary %s: %u entries, model_max_length %u, in %.1f ms", path,
      bert_tokenizer_get_vocab_size (tokenizer), bert_tokenizer_get_options (tokenizer)->model_max_length,
      (g_get_monotonic_time () - start_us) / 1000.0);
  g_free (path);

  GST_OBJECT_LOCK (self);
  self->tokenizer = tokenizer;
  GST_OBJECT_UNLOCK (self);
  return TRUE;
}

static void
unload_vocab (GstTokenizer *self)
{
  BertTokenizer *tokenizer;

  GST_OBJECT_LOCK (self);
  tokenizer = g_steal_pointer (&self->tokenizer);
  GST_OBJECT_UNLOCK (self);
  g_clear_pointer (&tokenizer, bert_tokenizer_free);
}

static void
reset_stream (GstTokenizer *self)
{
  guint max_length;

  GST_OBJECT_LOCK (self);
  self->split_lines_active = self->split_lines;
  max_length = self->max_length;
  GST_OBJECT_UNLOCK (self);
  GST_DEBUG_OBJECT (self, "starting: split-lines %s, max-length %u%s",
      self->split_lines_active ? "on" : "off",
      max_length ? max_length : bert_tokenizer_get_options (self->tokenizer)->model_max_length,
      max_length ? "" : " (the tokenizer's model_max_length)");
  self->is_markup = FALSE;
  self->warned_invalid_utf8 = FALSE;
  self->next_line_discont = FALSE;
  g_byte_array_set_size (self->pending_line, 0);
}

static GstStateChangeReturn
gst_tokenizer_change_state (GstElement *element, GstStateChange transition)
{
  GstTokenizer *self = GST_TOKENIZER (element);
  GstStateChangeReturn ret;

  switch (transition) {
    case GST_STATE_CHANGE_NULL_TO_READY:
      if (!load_vocab (self))
        return GST_STATE_CHANGE_FAILURE;
      break;
    case GST_STATE_CHANGE_READY_TO_PAUSED: reset_stream (self); break;
    default: break;
  }

  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);

  switch (transition) {
    case GST_STATE_CHANGE_PAUSED_TO_READY: g_byte_array_set_size (self->pending_line, 0); break;
    case GST_STATE_CHANGE_READY_TO_NULL: unload_vocab (self); break;
    default: break;
  }
  return ret;
}

/* GObject ------------------------------------------------------------------------- */

static void
set_max_length (GstTokenizer *self, guint max_length)
{
  if (max_length == 1) {
    GST_WARNING_OBJECT (self, "max-length 1 leaves no room for [CLS] and [SEP]; using 2");
    max_length = 2;
  }
  GST_OBJECT_LOCK (self);
  self->max_length = max_length;
  GST_OBJECT_UNLOCK (self);
}

static void
gst_tokenizer_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstTokenizer *self = GST_TOKENIZER (object);

  switch (prop_id) {
    case PROP_VOCAB:
      GST_OBJECT_LOCK (self);
      g_free (self->vocab_path);
      self->vocab_path = g_value_dup_string (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_MAX_LENGTH: set_max_length (self, g_value_get_uint (value)); break;
    case PROP_SPLIT_LINES:
      GST_OBJECT_LOCK (self);
      self->split_lines = g_value_get_boolean (value);
      GST_OBJECT_UNLOCK (self);
      break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec); break;
  }
}

static void
gst_tokenizer_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstTokenizer *self = GST_TOKENIZER (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_VOCAB: g_value_set_string (value, self->vocab_path); break;
    case PROP_MAX_LENGTH: g_value_set_uint (value, self->max_length); break;
    case PROP_SPLIT_LINES: g_value_set_boolean (value, self->split_lines); break;
    case PROP_VOCAB_SIZE:
      g_value_set_uint (value, self->tokenizer ? bert_tokenizer_get_vocab_size (self->tokenizer) : 0);
      break;
    case PROP_MODEL_MAX_LENGTH:
      g_value_set_uint (value,
          self->tokenizer ? bert_tokenizer_get_options (self->tokenizer)->model_max_length : 0);
      break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec); break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_tokenizer_finalize (GObject *object)
{
  GstTokenizer *self = GST_TOKENIZER (object);

  g_free (self->vocab_path);
  g_clear_pointer (&self->tokenizer, bert_tokenizer_free);
  bert_encoding_clear (&self->encoding);
  bert_plain_text_clear (&self->plain);
  g_byte_array_unref (self->pending_line);

  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
install_properties (GObjectClass *gobject_class)
{
  g_object_class_install_property (gobject_class, PROP_VOCAB,
      g_param_spec_string ("vocab", "Vocabulary",
          "A vocab.txt, a tokenizer.json or a model folder (its tokenizer.json, else its "
          "vocab.txt, with tokenizer_config.json and sentence_bert_config.json), or the name "
          "of a model in the models folder ($GST_BERT_MODELS_DIR, else "
          "$XDG_DATA_HOME/gst-bert/models); unset: " GST_BERT_DEFAULT_MODEL " there, as "
          "bert-infer. Loaded when the element goes to READY",
          DEFAULT_VOCAB, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_MAX_LENGTH,
      g_param_spec_uint ("max-length", "Maximum length",
          "Most tokens per buffer, [CLS] and [SEP] included; longer texts are truncated and "
          "flagged. 0: the tokenizer's model_max_length (see model-max-length: a model "
          "folder's sentence_bert_config.json max_seq_length, else its tokenizer files'); "
          "1 is raised to 2",
          0, MAX_MAX_LENGTH, DEFAULT_MAX_LENGTH,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_SPLIT_LINES,
      g_param_spec_boolean ("split-lines", "Split lines",
          "Push each line of the input as a buffer of its own, with the timestamps of the "
          "buffer it began in, for plain-text streams (filesrc, fdsrc). LF or CRLF ends a "
          "line and is not part of it; blank lines are dropped; a last line without "
          "newline is pushed at EOS",
          DEFAULT_SPLIT_LINES, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_VOCAB_SIZE,
      g_param_spec_uint ("vocab-size", "Vocabulary size", "Entries in the loaded vocabulary (0 before READY)",
          0, G_MAXUINT, 0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_MODEL_MAX_LENGTH,
      g_param_spec_uint ("model-max-length", "Model maximum length",
          "The loaded tokenizer's model_max_length, used when max-length is 0 "
          "(0 before READY)",
          0, G_MAXUINT, 0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
}

static void
gst_tokenizer_class_init (GstTokenizerClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  gobject_class->set_property = gst_tokenizer_set_property;
  gobject_class->get_property = gst_tokenizer_get_property;
  gobject_class->finalize = gst_tokenizer_finalize;
  install_properties (gobject_class);

  element_class->change_state = GST_DEBUG_FUNCPTR (gst_tokenizer_change_state);
  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "BERT tokenizer", "Filter/Text",
      "Tokenizes text buffers with a BERT WordPiece vocabulary and attaches the tokens "
      "as metadata",
      "gst-bert developers");

  GST_DEBUG_CATEGORY_INIT (gst_tokenizer_debug, "tokenizer", 0, "gst-bert tokenizer element");
}

static void
gst_tokenizer_init (GstTokenizer *self)
{
  self->sinkpad = gst_pad_new_from_static_template (&sink_template, "sink");
  gst_pad_set_chain_function (self->sinkpad, GST_DEBUG_FUNCPTR (gst_tokenizer_chain));
  gst_pad_set_event_function (self->sinkpad, GST_DEBUG_FUNCPTR (gst_tokenizer_sink_event));
  GST_PAD_SET_PROXY_CAPS (self->sinkpad);
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);

  self->srcpad = gst_pad_new_from_static_template (&src_template, "src");
  GST_PAD_SET_PROXY_CAPS (self->srcpad);
  gst_element_add_pad (GST_ELEMENT (self), self->srcpad);

  self->vocab_path = g_strdup (DEFAULT_VOCAB);
  self->max_length = DEFAULT_MAX_LENGTH;
  self->split_lines = DEFAULT_SPLIT_LINES;
  bert_encoding_init (&self->encoding);
  bert_plain_text_init (&self->plain);
  self->pending_line = g_byte_array_new ();
}
