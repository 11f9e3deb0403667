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
 * Without a `model`, the element uses the tokenizer of all-MiniLM-L6-v2 in the models
 * folder ($GST_BERT_MODELS_DIR, else $XDG_DATA_HOME/gst-bert/models), the model
 * bert-infer runs by default; `model=NAME` names another model there, as for bert-infer
 * (`vocab` is another name of the same property).
 *
 * A byte stream (filesrc, fdsrc: no caps, a SEGMENT in bytes) is cut wherever a read
 * ended, so it is refused unless split-lines makes lines of it.
 *
 * `prompt` (or `prompt-name`, one of the model folder's prompts in
 * config_sentence_transformers.json, whose default_prompt_name applies when neither is
 * set) puts a text such as "query: " before each buffer's text for tokenizing only: the
 * buffer's text is unchanged and the offsets point into it, the prompt's own tokens
 * having the empty span [0, 0] of the special tokens.
 *
 * `pair-text` pairs every buffer's text with a fixed text, as cross-encoders (rerankers)
 * and NLI models take them: `pair-text-position=first` (the default) puts it first, as a
 * reranker's query, `second` after the caption, as an NLI hypothesis. The pair is
 * tokenized as Hugging Face's tokenizer (a, b, truncation="longest_first") does:
 * `[CLS] A [SEP] B [SEP]` for BERT, `<s> A </s></s> B </s>` for XLM-R and RoBERTa. The
 * offsets stay those of the buffer's text, the fixed text's tokens having [0, 0]; a
 * prompt cannot be combined with it.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 filesrc location=captions.srt ! subparse ! tokenizer ! bert-json ! fdsink fd=1
 * gst-launch-1.0 filesrc location=captions.srt ! subparse ! tokenizer model=model/ ! bert-json ! fdsink fd=1
 * gst-launch-1.0 filesrc location=lines.txt ! tokenizer model=vocab.txt split-lines=true ! bert-json ! fdsink fd=1
 * gst-launch-1.0 filesrc location=captions.srt ! subparse ! tokenizer model=multilingual-e5-small prompt="passage: " ! bert-json ! fdsink fd=1
 * gst-launch-1.0 filesrc location=captions.srt ! subparse ! tokenizer model=ms-marco-MiniLM-L-6-v2 pair-text="a dog in the snow" ! bert-json ! fdsink fd=1
 * ]|
 */
#include "config.h"

#include "gsttokenizer.h"
#include "gstbertmeta.h"
#include "bert_tokenizer.h"
#include "bert_tokenizer_identity.h"
#include "gstberttokenize.h"
#include "gstbertmodeldir.h"
#include "gstbertprompt.h"
#include "gstbertdeferred.h"

#include <string.h>

GST_DEBUG_CATEGORY_STATIC (gst_tokenizer_debug);
#define GST_CAT_DEFAULT gst_tokenizer_debug

enum {
  PROP_0,
  PROP_MODEL,
  PROP_VOCAB,
  PROP_MAX_LENGTH,
  PROP_SPLIT_LINES,
  PROP_MAX_LINE_BYTES,
  PROP_VOCAB_SIZE,
  PROP_MODEL_MAX_LENGTH,
  PROP_PROMPT,
  PROP_PROMPT_NAME,
  PROP_PAIR_TEXT,
  PROP_PAIR_TEXT_POSITION,
};

#define DEFAULT_MODEL NULL
#define DEFAULT_PROMPT NULL
#define DEFAULT_PROMPT_NAME NULL
#define DEFAULT_PAIR_TEXT NULL
#define DEFAULT_PAIR_TEXT_POSITION GST_BERT_PAIR_TEXT_FIRST
#define DEFAULT_MAX_LENGTH 0
#define MAX_MAX_LENGTH 8192
#define DEFAULT_SPLIT_LINES FALSE
/* 8192 tokens, the most max-length allows, never take more than a few hundred KB. */
#define DEFAULT_MAX_LINE_BYTES (1 << 20)
#define MIN_MAX_LINE_BYTES 1024
#define MAX_MAX_LINE_BYTES (256 << 20)

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
  guint max_line_bytes;
  gchar *prompt;
  gchar *prompt_name;
  gchar *pair_text;
  GstBertPairTextPosition pair_text_position;

  /* loaded at NULL -> READY, freed at READY -> NULL; set under the object lock,
   * which the streaming thread needs not take: it runs only in PAUSED and PLAYING */
  BertTokenizer *tokenizer;
  gchar *vocabulary;       /* its identity, carried by every token meta */
  gchar *active_prompt;    /* resolved from prompt, prompt-name and the folder; NULL: none */
  gchar *active_pair_text; /* pair-text at READY; NULL: none */
  GstBertPairTextPosition active_pair_text_position;

  /* streaming thread */
  GstBertPromptLength prompt_length; /* of active_prompt, set on every token meta */
  gboolean split_lines_active;       /* split-lines as it was at READY -> PAUSED */
  guint max_line_bytes_active;       /* max-line-bytes, likewise */
  gboolean is_markup;
  gboolean has_upstream_caps; /* no caps and a SEGMENT in bytes: a byte stream */
  gboolean segment_in_bytes;
  gboolean warned_invalid_utf8;
  gboolean warned_line_cut;
  gboolean warned_pair_over_max_length;
  gboolean warned_prompt_fills_max_length;
  gboolean warned_default_max_length;
  gboolean next_line_discont;
  BertEncoding encoding;
  BertPlainText plain;
  GByteArray *pending_line; /* split-lines: a line still waiting for its newline */
  LineOrigin pending_origin;
  gboolean pending_cut; /* the pending line reached max-line-bytes: the rest is dropped */
  GQueue held_events;   /* serialized events that came during the pending line */
};

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink", GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("text/x-raw, format = (string) { utf8, pango-markup }"));

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src", GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("text/x-raw, format = (string) { utf8, pango-markup }"));

#define gst_tokenizer_parent_class parent_class
G_DEFINE_TYPE (GstTokenizer, gst_tokenizer, GST_TYPE_ELEMENT);
GST_ELEMENT_REGISTER_DEFINE (tokenizer, "tokenizer", GST_RANK_NONE, GST_TYPE_TOKENIZER);

/* Tokenizing ---------------------------------------------------------------------- */

/* A text cut at 512 tokens where no file of the model set a limit (no model_max_length,
 * max_seq_length or tokenizer.json truncation, and no config.json giving the positions):
 * transformers would not truncate it, so the cut is posted, once per stream. */
static void
warn_default_max_length_once (GstTokenizer *self, GstBuffer *buffer, guint max_length)
{
  const BertNormalizerOptions *options = bert_tokenizer_get_options (self->tokenizer);

  if (!self->encoding.truncated || max_length != 0 || !options->max_length_is_default
      || self->warned_default_max_length)
    return;
  self->warned_default_max_length = TRUE;
  GST_OBJECT_LOCK (self);
  gchar *path = g_strdup (self->vocab_path);
  GST_OBJECT_UNLOCK (self);
  GST_ELEMENT_WARNING (self, STREAM, FORMAT,
      ("A text was truncated at %u tokens, a default: the model sets no length limit",
          options->model_max_length),
      ("buffer at %" GST_TIME_FORMAT ": %s sets no model_max_length, max_seq_length or truncation and has no "
       "config.json, so the tokenizer cut the text at %u tokens, BERT's limit, where transformers would not "
       "truncate it. Set max-length to choose the limit. Warned once per stream.",
          GST_TIME_ARGS (GST_BUFFER_PTS (buffer)), path, options->model_max_length));
  g_free (path);
}

static guint
get_max_length (GstTokenizer *self)
{
  guint max_length;

  GST_OBJECT_LOCK (self);
  max_length = self->max_length;
  GST_OBJECT_UNLOCK (self);
  return max_length;
}

/* A max-length below the pair template's special tokens truncates nothing, as in the
 * reference: the buffers then hold more tokens than max-length promises. */
static void
warn_pair_over_max_length_once (GstTokenizer *self, GstBuffer *buffer, guint max_length)
{
  guint limit = max_length ? max_length : bert_tokenizer_get_options (self->tokenizer)->model_max_length;

  if (self->encoding.n_tokens <= limit || self->warned_pair_over_max_length)
    return;
  self->warned_pair_over_max_length = TRUE;
  GST_ELEMENT_WARNING (self, STREAM, FORMAT,
      ("max-length is too small for pair-text: pairs are not truncated"),
      ("buffer at %" GST_TIME_FORMAT ": %u tokens for max-length %u, which leaves no room for the texts next "
       "to the pair's special tokens; as Hugging Face does, the pair is then not truncated at all. Raise "
       "max-length. Warned once per stream.",
          GST_TIME_ARGS (GST_BUFFER_PTS (buffer)), self->encoding.n_tokens, limit));
}

/* Attaches the tokens of @buffer's text to it; @buffer must be writable. */
static void
add_token_meta (GstTokenizer *self, GstBuffer *buffer)
{
  BertEncoding *encoding = &self->encoding;
  gsize size = gst_buffer_get_size (buffer);
  guint max_length = get_max_length (self);

  gboolean ok = self->active_pair_text
      ? gst_bert_tokenize_buffer_pair (self->tokenizer, self->vocabulary, self->active_pair_text,
          self->active_pair_text_position, &self->plain, buffer, self->is_markup, max_length, encoding)
      : gst_bert_tokenize_buffer (self->tokenizer, self->vocabulary, self->active_prompt, &self->plain,
          buffer, self->is_markup, max_length, encoding);
  if (!ok) {
    GST_WARNING_OBJECT (self, "could not map a buffer, passing it without tokens");
    return;
  }
  gst_bert_token_meta_set_prompt_length (gst_buffer_get_bert_token_meta (buffer),
      gst_bert_prompt_length_get (&self->prompt_length, self->tokenizer, self->active_prompt, max_length));
  if (encoding->repaired_utf8
      && !gst_bert_tokenize_warn_invalid_utf8_once (GST_ELEMENT (self), buffer, &self->warned_invalid_utf8))
    GST_DEBUG_OBJECT (self, "invalid UTF-8 again, at %" GST_TIME_FORMAT,
        GST_TIME_ARGS (GST_BUFFER_PTS (buffer)));
  gst_bert_tokenize_warn_prompt_fills_max_length (GST_ELEMENT (self), buffer, self->active_prompt, encoding,
      &self->warned_prompt_fills_max_length);
  if (self->active_pair_text)
    warn_pair_over_max_length_once (self, buffer, max_length);
  warn_default_max_length_once (self, buffer, max_length);
  if (encoding->truncated)
    GST_DEBUG_OBJECT (self,
        "text of %" G_GSIZE_FORMAT " bytes at %" GST_TIME_FORMAT " truncated to %u tokens", size,
        GST_TIME_ARGS (GST_BUFFER_PTS (buffer)), encoding->n_tokens);
  GST_LOG_OBJECT (self, "%u tokens%s from %" G_GSIZE_FORMAT " bytes at %" GST_TIME_FORMAT, encoding->n_tokens,
      encoding->truncated ? " (truncated)" : "", size, GST_TIME_ARGS (GST_BUFFER_PTS (buffer)));
  gst_bert_tokenize_release_scratch (&self->plain, encoding);
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

/* A line cut at max-line-bytes: its tokens are flagged truncated, as for max-length,
 * and the stream's first cut is posted as a warning. */
static void
flag_line_cut (GstTokenizer *self, GstBuffer *line)
{
  GstCustomMeta *meta = gst_buffer_get_bert_token_meta (line);

  if (meta != NULL)
    gst_structure_set (gst_custom_meta_get_structure (meta), "truncated", G_TYPE_BOOLEAN, TRUE, NULL);
  if (self->warned_line_cut)
    return;
  self->warned_line_cut = TRUE;
  GST_ELEMENT_WARNING (self, STREAM, TOO_LAZY, ("A line longer than max-line-bytes was cut"),
      ("the line at %" GST_TIME_FORMAT " was cut at %u bytes (max-line-bytes) and its tokens "
       "flagged truncated; the rest of it was dropped. Warned once per stream.",
          GST_TIME_ARGS (GST_BUFFER_PTS (line)), self->max_line_bytes_active));
}

/* Pushes @line (@len bytes of text, no line end) as a buffer of its own. */
static GstFlowReturn
push_line (GstTokenizer *self, GstBuffer *line, gsize len, const LineOrigin *origin, gboolean cut)
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
  if (cut)
    flag_line_cut (self, line);
  return gst_pad_push (self->srcpad, line);
}

static void
set_format_from_caps (GstTokenizer *self, GstCaps *caps)
{
  self->is_markup = gst_bert_tokenize_caps_are_markup (caps);
  GST_DEBUG_OBJECT (self, "input is %s", self->is_markup ? "pango markup" : "plain UTF-8");
}

/* Caps held behind a pending line take effect when they go out: the line before them is
 * tokenized in the format downstream is told it has. */
static void
apply_held_caps (GstTokenizer *self, GstEvent *event)
{
  GstCaps *caps;

  if (GST_EVENT_TYPE (event) != GST_EVENT_CAPS)
    return;
  gst_event_parse_caps (event, &caps);
  set_format_from_caps (self, caps);
}

/* Serialized events that came while a line was pending go out after that line, in
 * their order: a SEGMENT or a custom event must not overtake text that began before it. */
static void
push_held_events (GstTokenizer *self)
{
  GstEvent *event;

  while ((event = g_queue_pop_head (&self->held_events)) != NULL) {
    apply_held_caps (self, event);
    gst_pad_push_event (self->srcpad, event);
  }
}

static void
drop_held_events (GstTokenizer *self)
{
  g_queue_clear_full (&self->held_events, (GDestroyNotify) gst_event_unref);
}

/* A flush drops the pending line, but upstream never sends again the caps and tags held
 * behind it: they are stored on the source pad to go out before the next data, as
 * queue keeps them. A held segment is the flushed stream's own. */
static void
flush_held_events (GstTokenizer *self)
{
  GstEvent *event;

  while ((event = g_queue_pop_head (&self->held_events)) != NULL) {
    apply_held_caps (self, event);
    if (GST_EVENT_IS_STICKY (event) && GST_EVENT_TYPE (event) != GST_EVENT_SEGMENT)
      gst_pad_store_sticky_event (self->srcpad, event);
    gst_event_unref (event);
  }
}

static GstFlowReturn
push_pending_line (GstTokenizer *self)
{
  GByteArray *pending = self->pending_line;
  GstFlowReturn ret = GST_FLOW_OK;
  gsize len = line_text_length (pending->data, pending->len);

  if (len > 0)
    ret = push_line (self, gst_buffer_new_memdup (pending->data, len), len, &self->pending_origin,
        self->pending_cut);
  g_byte_array_set_size (pending, 0);
  self->pending_cut = FALSE;
  push_held_events (self);
  return ret;
}

/* Appends @len bytes to the pending line, up to max-line-bytes. */
static void
append_to_pending_line (GstTokenizer *self, const guint8 *data, gsize len)
{
  gsize room = self->max_line_bytes_active - self->pending_line->len;

  if (len > room) {
    len = room;
    self->pending_cut = TRUE;
  }
  g_byte_array_append (self->pending_line, data, len);
}

static gboolean
line_is_pending (GstTokenizer *self)
{
  return self->pending_line->len > 0 || self->pending_cut;
}

/* The line ending at @newline completes the pending one when there is one, else it
 * is a slice of @buffer sharing its memory. */
static GstFlowReturn
push_line_ending_at (GstTokenizer *self, GstBuffer *buffer, const guint8 *data, gsize line_start,
    gsize newline)
{
  LineOrigin origin;
  gboolean cut = FALSE;
  gsize len;

  if (line_is_pending (self)) {
    append_to_pending_line (self, data + line_start, newline - line_start);
    return push_pending_line (self);
  }
  len = line_text_length (data + line_start, newline - line_start);
  if (len == 0)
    return GST_FLOW_OK;
  if (len > self->max_line_bytes_active) {
    len = self->max_line_bytes_active;
    cut = TRUE;
  }
  origin = line_origin_at (buffer, line_start);
  return push_line (self, gst_buffer_copy_region (buffer, GST_BUFFER_COPY_MEMORY, line_start, len), len,
      &origin, cut);
}

static gboolean
is_empty_gap (GstBuffer *buffer)
{
  return GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_GAP) && gst_buffer_get_size (buffer) == 0;
}

/* An empty GAP buffer, which some live sources send instead of a GAP event, makes no line
 * of its own; it says what a GAP event says (see gst_tokenizer_sink_event), so it ends
 * the pending line and goes on as a GAP event for its time. */
static GstFlowReturn
push_gap_for_buffer (GstTokenizer *self, GstBuffer *buffer)
{
  GstFlowReturn ret = line_is_pending (self) ? push_pending_line (self) : GST_FLOW_OK;

  if (GST_BUFFER_PTS_IS_VALID (buffer))
    gst_pad_push_event (self->srcpad,
        gst_event_new_gap (GST_BUFFER_PTS (buffer), GST_BUFFER_DURATION (buffer)));
  gst_buffer_unref (buffer);
  return ret;
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
    if (line_is_pending (self))
      GST_DEBUG_OBJECT (self,
          "discontinuity at %" GST_TIME_FORMAT ": pushing the %u bytes "
          "of the pending line as they are",
          GST_TIME_ARGS (GST_BUFFER_PTS (buffer)), self->pending_line->len);
    ret = push_pending_line (self);
    self->next_line_discont = TRUE;
  }
  if (ret == GST_FLOW_OK && is_empty_gap (buffer))
    return push_gap_for_buffer (self, buffer);
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
    if (!line_is_pending (self))
      self->pending_origin = line_origin_at (buffer, line_start);
    append_to_pending_line (self, map.data + line_start, map.size - line_start);
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

/* A byte stream (no caps, a SEGMENT in bytes: filesrc, fdsrc) is cut where each read
 * ended, mid-word as often as not: only split-lines can make texts of it. */
static GstFlowReturn
refuse_byte_stream (GstTokenizer *self, GstBuffer *buffer)
{
  GST_ELEMENT_ERROR (self, STREAM, FORMAT,
      ("The input is a byte stream (as from filesrc or fdsrc): set split-lines=true"),
      ("its buffers end where a read ended, not where a text ends, so each would be "
       "tokenized cut mid-word. split-lines=true tokenizes it line by line; a parser "
       "(subparse for subtitles) or caps from upstream make it a stream of texts."));
  gst_buffer_unref (buffer);
  return GST_FLOW_ERROR;
}

static GstFlowReturn
gst_tokenizer_chain (GstPad *pad, GstObject *parent, GstBuffer *buffer)
{
  GstTokenizer *self = GST_TOKENIZER (parent);

  if (self->split_lines_active)
    return split_lines (self, buffer);
  if (!self->has_upstream_caps && self->segment_in_bytes)
    return refuse_byte_stream (self, buffer);

  buffer = gst_buffer_make_writable (buffer);
  add_token_meta (self, buffer);
  return gst_pad_push (self->srcpad, buffer);
}

/* Warnings given once per stream: a new stream (concat's next file, a playlist's next
 * item, a stream started again after EOS) gets its own. */
static void
reset_stream_warnings (GstTokenizer *self)
{
  self->warned_invalid_utf8 = FALSE;
  self->warned_line_cut = FALSE;
  self->warned_pair_over_max_length = FALSE;
  self->warned_prompt_fills_max_length = FALSE;
  self->warned_default_max_length = FALSE;
}

/* A serialized event that comes while a line is pending (a SEGMENT, a custom event)
 * goes out after that line; the ends of a stream and flushes do not wait, and a GAP
 * ends the line first (gst_tokenizer_sink_event). */
static gboolean
must_follow_pending_line (GstTokenizer *self, GstEvent *event)
{
  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_FLUSH_STOP:
    case GST_EVENT_STREAM_START:
    case GST_EVENT_EOS: return FALSE;
    default: return GST_EVENT_IS_SERIALIZED (event) && self->split_lines_active && line_is_pending (self);
  }
}

static gboolean
gst_tokenizer_sink_event (GstPad *pad, GstObject *parent, GstEvent *event)
{
  GstTokenizer *self = GST_TOKENIZER (parent);
  const GstSegment *segment;
  GstCaps *caps;

  /* Sticky events after caps (segment, tags) must find caps on the src pad. */
  if (GST_EVENT_IS_STICKY (event) && GST_EVENT_TYPE (event) > GST_EVENT_CAPS)
    ensure_src_caps (self);
  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_CAPS:
      self->has_upstream_caps = TRUE;
      if (!must_follow_pending_line (self, event)) {
        gst_event_parse_caps (event, &caps);
        set_format_from_caps (self, caps);
      }
      break;
    case GST_EVENT_SEGMENT:
      gst_event_parse_segment (event, &segment);
      self->segment_in_bytes = segment->format == GST_FORMAT_BYTES;
      break;
    case GST_EVENT_FLUSH_STOP:
      if (line_is_pending (self))
        GST_DEBUG_OBJECT (self, "flush: dropping a partial line of %u bytes", self->pending_line->len);
      g_byte_array_set_size (self->pending_line, 0);
      self->pending_cut = FALSE;
      flush_held_events (self);
      break;
    case GST_EVENT_GAP:
      /* No text comes in the gap's time: the pending line, which began before it, is
       * all there is, and downstream must hear of the gap now, not after the next
       * newline (a live muxer or overlay waits on it). */
      if (self->split_lines_active && line_is_pending (self)) {
        GST_DEBUG_OBJECT (self, "gap: pushing the pending line (%u bytes, no newline) before it",
            self->pending_line->len);
        push_pending_line (self);
      }
      break;
    case GST_EVENT_STREAM_START:
    case GST_EVENT_EOS:
      /* The stream ends: a last line without a newline is still a line. */
      if (self->split_lines_active && line_is_pending (self)) {
        GST_DEBUG_OBJECT (self, "end of stream: pushing the last line (%u bytes, no newline)",
            self->pending_line->len);
        push_pending_line (self);
      }
      if (GST_EVENT_TYPE (event) == GST_EVENT_STREAM_START)
        reset_stream_warnings (self);
      break;
    default: break;
  }
  if (must_follow_pending_line (self, event)) {
    GST_DEBUG_OBJECT (self, "holding %" GST_PTR_FORMAT " until the pending line ends", event);
    g_queue_push_tail (&self->held_events, event);
    return TRUE;
  }
  return gst_pad_event_default (pad, parent, event);
}

/* State --------------------------------------------------------------------------- */

static void
post_vocab_error (GstTokenizer *self, const gchar *path, const GError *error)
{
  gint code =
      g_file_test (path, G_FILE_TEST_EXISTS) ? GST_RESOURCE_ERROR_OPEN_READ : GST_RESOURCE_ERROR_NOT_FOUND;
  gchar *display = g_filename_display_name (path);

  gst_element_message_full (GST_ELEMENT (self), GST_MESSAGE_ERROR, GST_RESOURCE_ERROR, code,
      g_strdup_printf ("Could not load the tokenizer of \"%s\"", display), g_strdup (error->message),
      __FILE__, GST_FUNCTION, __LINE__);
  g_free (display);
}

/* The path the model property names (see gstbertmodeldir.h), or NULL after posting an
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
  if (gst_bert_model_location_describe_missing (&location, "model", &message, &details)) {
    gst_element_message_full (GST_ELEMENT (self), GST_MESSAGE_ERROR, GST_RESOURCE_ERROR,
        GST_RESOURCE_ERROR_NOT_FOUND, message, details, __FILE__, GST_FUNCTION, __LINE__);
    gst_bert_model_location_clear (&location);
    return NULL;
  }
  path = g_steal_pointer (&location.path);
  gst_bert_model_location_clear (&location);
  return path;
}

/* The prompt of the properties and the folder at @path, or FALSE after posting why
 * there is none (an unknown prompt-name). */
static gboolean
resolve_prompt (GstTokenizer *self, const gchar *path, gchar **resolved)
{
  GError *error = NULL;
  gchar *prompt, *prompt_name;
  gboolean ok;

  GST_OBJECT_LOCK (self);
  prompt = g_strdup (self->prompt);
  prompt_name = g_strdup (self->prompt_name);
  GST_OBJECT_UNLOCK (self);
  ok = gst_bert_prompt_resolve (path, prompt, prompt_name, resolved, &error);
  if (!ok) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("Could not find the prompt to use"),
        ("%s", error->message));
    g_error_free (error);
  } else if (*resolved != NULL) {
    GST_INFO_OBJECT (self, "texts are tokenized after the prompt \"%s\"", *resolved);
  }
  g_free (prompt);
  g_free (prompt_name);
  return ok;
}

static gboolean
load_vocab (GstTokenizer *self)
{
  BertTokenizer *tokenizer;
  GError *error = NULL;
  gint64 start_us;
  gchar *path = find_vocab (self);
  gchar *active_prompt;

  if (!path)
    return FALSE;
  if (!resolve_prompt (self, path, &active_prompt)) {
    g_free (path);
    return FALSE;
  }
  start_us = g_get_monotonic_time ();
  tokenizer = bert_tokenizer_new_from_path (path, &error);
  if (!tokenizer) {
    post_vocab_error (self, path, error);
    g_error_free (error);
    g_free (path);
    g_free (active_prompt);
    return FALSE;
  }
  GST_INFO_OBJECT (self, "loaded vocabulary %s: %u entries, model_max_length %u, in %.1f ms", path,
      bert_tokenizer_get_vocab_size (tokenizer), bert_tokenizer_get_options (tokenizer)->model_max_length,
      (g_get_monotonic_time () - start_us) / 1000.0);
  if (bert_tokenizer_get_warning (tokenizer) != NULL)
    GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS,
        ("transformers 5 or sentence-transformers would give other results for %s", path),
        ("%s", bert_tokenizer_get_warning (tokenizer)));
  g_free (path);

  GST_OBJECT_LOCK (self);
  self->tokenizer = tokenizer;
  self->vocabulary = bert_tokenizer_compute_identity (tokenizer);
  self->active_prompt = active_prompt;
  GST_OBJECT_UNLOCK (self);
  return TRUE;
}

static void
unload_vocab (GstTokenizer *self)
{
  BertTokenizer *tokenizer;

  GST_OBJECT_LOCK (self);
  tokenizer = g_steal_pointer (&self->tokenizer);
  g_clear_pointer (&self->vocabulary, g_free);
  g_clear_pointer (&self->active_prompt, g_free);
  g_clear_pointer (&self->active_pair_text, g_free);
  self->prompt_length = (GstBertPromptLength){ 0 };
  GST_OBJECT_UNLOCK (self);
  g_clear_pointer (&tokenizer, bert_tokenizer_free);
}

/* pair-text as it is at READY, once the tokenizer and the prompt are known; FALSE after
 * posting why it cannot be used. */
static gboolean
take_pair_text (GstTokenizer *self)
{
  GError *error = NULL;
  gchar *pair_text, *active;

  GST_OBJECT_LOCK (self);
  pair_text = g_strdup (self->pair_text);
  self->active_pair_text_position = self->pair_text_position;
  GST_OBJECT_UNLOCK (self);
  if (!gst_bert_pair_text_take (self->tokenizer, pair_text, self->active_prompt, &active, &error)) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("Could not use pair-text"), ("%s", error->message));
    g_error_free (error);
    return FALSE;
  }
  GST_OBJECT_LOCK (self);
  self->active_pair_text = active;
  GST_OBJECT_UNLOCK (self);
  return TRUE;
}

static void
reset_stream (GstTokenizer *self)
{
  guint max_length;

  GST_OBJECT_LOCK (self);
  self->split_lines_active = self->split_lines;
  self->max_line_bytes_active = self->max_line_bytes;
  max_length = self->max_length;
  GST_OBJECT_UNLOCK (self);
  GST_DEBUG_OBJECT (self, "starting: split-lines %s, max-length %u%s",
      self->split_lines_active ? "on" : "off",
      max_length ? max_length : bert_tokenizer_get_options (self->tokenizer)->model_max_length,
      max_length ? "" : " (the tokenizer's model_max_length)");
  self->is_markup = FALSE;
  self->has_upstream_caps = FALSE;
  self->segment_in_bytes = FALSE;
  reset_stream_warnings (self);
  self->next_line_discont = FALSE;
  g_byte_array_set_size (self->pending_line, 0);
  self->pending_cut = FALSE;
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
      if (!take_pair_text (self)) {
        unload_vocab (self);
        return GST_STATE_CHANGE_FAILURE;
      }
      break;
    case GST_STATE_CHANGE_READY_TO_PAUSED: reset_stream (self); break;
    default: break;
  }

  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);

  switch (transition) {
    case GST_STATE_CHANGE_PAUSED_TO_READY:
      g_byte_array_set_size (self->pending_line, 0);
      drop_held_events (self);
      break;
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

/* The tokenizer is loaded at NULL -> READY: a change after that would read back a
 * model that does not run. Refused with a warning, as filesrc refuses a new location. */
static void
set_model (GstTokenizer *self, const gchar *property, const gchar *model)
{
  GST_OBJECT_LOCK (self);
  if (GST_STATE (self) > GST_STATE_NULL || GST_STATE_PENDING (self) > GST_STATE_NULL) {
    GST_OBJECT_UNLOCK (self);
    GST_ELEMENT_WARNING (self, CORE, STATE_CHANGE,
        ("The %s property cannot change once the element is READY: ignored", property),
        ("%s stays \"%s\"; set it in the NULL state", property,
            self->vocab_path ? self->vocab_path : "(the default model)"));
    return;
  }
  g_free (self->vocab_path);
  self->vocab_path = g_strdup (model);
  GST_OBJECT_UNLOCK (self);
}

/* The state change that reads a property, or GST_STATE_VOID_PENDING for those read at
 * each buffer (and the model, refused rather than deferred). */
static GstState
read_at (guint prop_id)
{
  switch (prop_id) {
    case PROP_PROMPT:
    case PROP_PROMPT_NAME:
    case PROP_PAIR_TEXT:
    case PROP_PAIR_TEXT_POSITION: return GST_STATE_READY;
    case PROP_SPLIT_LINES:
    case PROP_MAX_LINE_BYTES: return GST_STATE_PAUSED;
    default: return GST_STATE_VOID_PENDING;
  }
}

static void
gst_tokenizer_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstTokenizer *self = GST_TOKENIZER (object);

  if (read_at (prop_id) != GST_STATE_VOID_PENDING)
    gst_bert_warn_deferred_change (GST_ELEMENT (self), pspec, value, read_at (prop_id));
  switch (prop_id) {
    case PROP_MODEL:
    case PROP_VOCAB: set_model (self, pspec->name, g_value_get_string (value)); break;
    case PROP_MAX_LINE_BYTES:
      GST_OBJECT_LOCK (self);
      self->max_line_bytes = g_value_get_uint (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_MAX_LENGTH: set_max_length (self, g_value_get_uint (value)); break;
    case PROP_SPLIT_LINES:
      GST_OBJECT_LOCK (self);
      self->split_lines = g_value_get_boolean (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_PROMPT:
      GST_OBJECT_LOCK (self);
      g_free (self->prompt);
      self->prompt = g_value_dup_string (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_PROMPT_NAME:
      GST_OBJECT_LOCK (self);
      g_free (self->prompt_name);
      self->prompt_name = g_value_dup_string (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_PAIR_TEXT:
      GST_OBJECT_LOCK (self);
      g_free (self->pair_text);
      self->pair_text = g_value_dup_string (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_PAIR_TEXT_POSITION:
      GST_OBJECT_LOCK (self);
      self->pair_text_position = g_value_get_enum (value);
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
    case PROP_MODEL:
    case PROP_VOCAB: g_value_set_string (value, self->vocab_path); break;
    case PROP_MAX_LINE_BYTES: g_value_set_uint (value, self->max_line_bytes); break;
    case PROP_MAX_LENGTH: g_value_set_uint (value, self->max_length); break;
    case PROP_SPLIT_LINES: g_value_set_boolean (value, self->split_lines); break;
    case PROP_PROMPT: g_value_set_string (value, self->prompt); break;
    case PROP_PROMPT_NAME: g_value_set_string (value, self->prompt_name); break;
    case PROP_PAIR_TEXT: g_value_set_string (value, self->pair_text); break;
    case PROP_PAIR_TEXT_POSITION: g_value_set_enum (value, self->pair_text_position); break;
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
  g_free (self->vocabulary);
  g_free (self->active_prompt);
  g_free (self->prompt);
  g_free (self->prompt_name);
  g_free (self->pair_text);
  g_free (self->active_pair_text);
  bert_encoding_clear (&self->encoding);
  bert_plain_text_clear (&self->plain);
  g_byte_array_unref (self->pending_line);
  drop_held_events (self);

  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
install_properties (GObjectClass *gobject_class)
{
  g_object_class_install_property (gobject_class, PROP_MODEL,
      g_param_spec_string ("model", "Model",
          "The model whose tokenizer to use, as bert-infer's model property names it: a "
          "model folder (its tokenizer.json, else its vocab.txt, else a RoBERTa's vocab.json and "
          "merges.txt, else an XLM-R's or CamemBERT's sentencepiece.bpe.model, with "
          "tokenizer_config.json and sentence_bert_config.json; in a sentence-transformers "
          "folder, those of the folder modules.json gives its Transformer module, such as "
          "0_Transformer), a vocab.txt or a "
          "tokenizer.json, or the name of a "
          "model in the models folder ($GST_BERT_MODELS_DIR, else "
          "$XDG_DATA_HOME/gst-bert/models); unset: " GST_BERT_DEFAULT_MODEL " there, as "
          "bert-infer. Loaded when the element goes to READY; a change after that is "
          "refused with a warning",
          DEFAULT_MODEL, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_VOCAB,
      g_param_spec_string ("vocab", "Vocabulary (alias of model)",
          "Another name of the model property, kept for existing pipelines", DEFAULT_MODEL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));
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
          "newline is pushed at EOS. Needed for a byte stream (no caps, a SEGMENT in bytes), "
          "which is refused without it: its buffers end mid-word",
          DEFAULT_SPLIT_LINES, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_MAX_LINE_BYTES,
      g_param_spec_uint ("max-line-bytes", "Maximum line bytes",
          "split-lines: the longest line kept, in bytes; a longer line is cut there, its "
          "tokens flagged truncated, the rest dropped, and the first cut of a stream posted "
          "as a warning. Bounds the memory a line without newline takes",
          MIN_MAX_LINE_BYTES, MAX_MAX_LINE_BYTES, DEFAULT_MAX_LINE_BYTES,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_VOCAB_SIZE,
      g_param_spec_uint ("vocab-size", "Vocabulary size", "Entries in the loaded vocabulary (0 before READY)",
          0, G_MAXUINT, 0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_MODEL_MAX_LENGTH,
      g_param_spec_uint ("model-max-length", "Model maximum length",
          "The loaded tokenizer's model_max_length, used when max-length is 0 "
          "(0 before READY)",
          0, G_MAXUINT, 0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_PROMPT,
      g_param_spec_string ("prompt", "Prompt",
          "A text put before each buffer's text for tokenizing only, as sentence-transformers' "
          "encode(prompt=...) does (\"query: \" for multilingual-e5); the buffer's text and the "
          "token offsets stay the caption's, the prompt's own tokens having the empty span "
          "[0, 0]. Takes precedence over prompt-name; \"\" turns the model's default prompt "
          "off. Read when the element goes to READY",
          DEFAULT_PROMPT, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_PROMPT_NAME,
      g_param_spec_string ("prompt-name", "Prompt name",
          "One of the prompts of the model folder's config_sentence_transformers.json (e.g. "
          "\"query\"), used as prompt; an unknown name is an error listing the folder's. "
          "Unset, with prompt unset: the folder's default_prompt_name, if any. Read when the "
          "element goes to READY",
          DEFAULT_PROMPT_NAME, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_PAIR_TEXT,
      g_param_spec_string ("pair-text", "Pair text",
          "A fixed text paired with each buffer's text, for cross-encoders (a reranker's query) "
          "and NLI models (a hypothesis): tokenized as Hugging Face's tokenizer (a, b, "
          "truncation=\"longest_first\", max_length=max-length) does, the offsets staying the "
          "buffer text's ([0, 0] for the pair text's tokens). NULL or \"\": single texts. Not "
          "with a prompt. Read at NULL -> READY only",
          DEFAULT_PAIR_TEXT, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_PAIR_TEXT_POSITION,
      g_param_spec_enum ("pair-text-position", "Pair text position",
          "Where pair-text goes in each pair: first (a reranker's query, then the buffer's "
          "text) or second (the buffer's text, then an NLI hypothesis). Read at NULL -> READY "
          "only",
          GST_TYPE_BERT_PAIR_TEXT_POSITION, DEFAULT_PAIR_TEXT_POSITION,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
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

  self->vocab_path = g_strdup (DEFAULT_MODEL);
  self->max_line_bytes = DEFAULT_MAX_LINE_BYTES;
  g_queue_init (&self->held_events);
  self->max_length = DEFAULT_MAX_LENGTH;
  self->split_lines = DEFAULT_SPLIT_LINES;
  self->pair_text_position = DEFAULT_PAIR_TEXT_POSITION;
  bert_encoding_init (&self->encoding);
  bert_plain_text_init (&self->plain);
  self->pending_line = g_byte_array_new ();
}
