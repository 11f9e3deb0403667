/* caption-overlay: the captions of a subtitle file drawn on video, each with the label a
 * classifier gives it ("label1 (0.93)" above the caption).
 *
 *   caption-overlay [--seconds S] [--pattern NAME] [--output frames/%05d.png] \
 *       SUBTITLES MODEL_DIR
 *
 *   filesrc ! subparse ! tokenizer ! bert-infer ! textoverlay.text_sink
 *   videotestsrc ! textoverlay ! videoconvert ! autovideosink
 *                                             (--output: pngenc ! multifilesink)
 *
 * textoverlay draws each text buffer it receives during that buffer's time span. A
 * buffer probe on bert-infer's source pad replaces every caption by a new buffer that
 * holds the label line and then the caption, with the caption's timestamps, so the
 * label shows exactly while its caption does. Each labelled caption is also printed.
 * MODEL_DIR is a sequence classifier (docs/models.md); with another head the label
 * line says so. S seconds of video (default 30, the length of
 * examples/data/captions.srt) are played, or written as PNG frames with --output.
 *
 * From the repository root, after `ninja -C build`:
 *
 *   GST_PLUGIN_PATH=build/plugin build/examples/c/caption-overlay \
 *       examples/data/captions.srt tiny-classifier
 *
 * where tiny-classifier is any sequence classifier folder, for instance one written by
 * `tests/engine/make-test-model.py tiny-classifier --head sequence` (random weights).
 */
#include <gst/gst.h>
#include <stdio.h>
#include <string.h>

#include <gst/bert/gstbertmeta.h>

#define FRAMES_PER_SECOND 10

static gint seconds_option = 30;
static gchar *pattern_option = NULL;
static gchar *output_option = NULL;

static GOptionEntry entries[] = { { "seconds", 0, 0, G_OPTION_ARG_INT, &seconds_option,
                                      "seconds of video (default 30)", "S" },
  { "pattern", 0, 0, G_OPTION_ARG_STRING, &pattern_option,
      "videotestsrc pattern behind the captions (default smpte)", "NAME" },
  { "output", 0, 0, G_OPTION_ARG_FILENAME, &output_option,
      "write PNG frames to this multifilesink location instead of showing them", "PATTERN" },
  { NULL } };

/* "label (probability)", every label over 0.5 for multi-label models, or why there
 * is none; the caller frees it. */
static gchar *
describe_result (GstCustomMeta *meta)
{
  const GValue *labels;
  const gfloat *probs;
  const gchar *label;
  guint n_labels;
  gint index;

  if (!meta)
    return g_strdup ("no result");
  probs = gst_bert_result_meta_get_probs (meta, &n_labels);
  if (!probs)
    return g_strdup ("no label: the model is not a sequence classifier");
  labels = gst_structure_get_value (gst_custom_meta_get_structure (meta), "labels");
  if (labels && GST_VALUE_HOLDS_ARRAY (labels) && gst_value_array_get_size (labels) > 1) {
    GString *names = g_string_new (NULL);

    for (guint i = 0; i < gst_value_array_get_size (labels); i++)
      g_string_append_printf (names, "%s%s", i ? ", " : "",
          g_value_get_string (gst_value_array_get_value (labels, i)));
    return g_string_free (names, FALSE);
  }
  index = gst_bert_result_meta_get_label_index (meta);
  label = gst_bert_result_meta_get_label (meta);
  if (index < 0 || (guint) index >= n_labels)
    return g_strdup ("no label over 0.5");
  return g_strdup_printf ("%s (%.2f)", label ? label : "?", probs[index]);
}

static gboolean
pad_has_markup (GstPad *pad)
{
  GstCaps *caps = gst_pad_get_current_caps (pad);
  gboolean markup = FALSE;

  if (caps) {
    markup = g_strcmp0 (gst_structure_get_string (gst_caps_get_structure (caps, 0), "format"), "pango-markup")
        == 0;
    gst_caps_unref (caps);
  }
  return markup;
}

/* The label line above the caption: in colour where the caption is Pango markup (what
 * subparse gives for SubRip and WebVTT), as plain text otherwise. */
static gchar *
labelled_text (const gchar *label, const gchar *caption, gsize caption_len, gboolean markup)
{
  gchar *escaped, *text;

  if (!markup)
    return g_strdup_printf ("%s\n%.*s", label, (int) caption_len, caption);
  escaped = g_markup_escape_text (label, -1);
  text = g_strdup_printf ("<span foreground=\"yellow\">%s</span>\n%.*s", escaped, (int) caption_len, caption);
  g_free (escaped);
  return text;
}

/* One line per caption on standard output: its time, its label, its text. */
static void
print_caption (GstClockTime pts, const gchar *label, const gchar *caption, gsize caption_len)
{
  gchar *one_line = g_strdelimit (g_strndup (caption, caption_len), "\n", ' ');

  printf ("%" GST_TIME_FORMAT "  %s  %s\n", GST_TIME_ARGS (pts), label, one_line);
  fflush (stdout);
  g_free (one_line);
}

static GstPadProbeReturn
label_caption (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  GstBuffer *caption = GST_PAD_PROBE_INFO_BUFFER (info), *labelled;
  gchar *label = describe_result (gst_buffer_get_bert_result_meta (caption)), *text;
  GstMapInfo map;

  if (!gst_buffer_map (caption, &map, GST_MAP_READ)) {
    g_free (label);
    return GST_PAD_PROBE_OK;
  }
  text = labelled_text (label, (const gchar *) map.data, map.size, pad_has_markup (pad));
  print_caption (GST_BUFFER_PTS (caption), label, (const gchar *) map.data, map.size);
  gst_buffer_unmap (caption, &map);
  g_free (label);

  labelled = gst_buffer_new_wrapped (text, strlen (text));
  gst_buffer_copy_into (labelled, caption, GST_BUFFER_COPY_TIMESTAMPS | GST_BUFFER_COPY_FLAGS, 0, -1);
  gst_buffer_unref (caption);
  GST_PAD_PROBE_INFO_DATA (info) = labelled;
  return GST_PAD_PROBE_OK;
}

/* Sets a property of the element named @name from its string form (as gst-launch-1.0
 * would), so that paths with spaces and enum nicknames both work. */
static void
set_child_property (GstElement *pipeline, const gchar *name, const gchar *property, const gchar *value)
{
  GstElement *child = gst_bin_get_by_name (GST_BIN (pipeline), name);

  gst_util_set_object_arg (G_OBJECT (child), property, value);
  gst_object_unref (child);
}

static GstElement *
make_pipeline (const gchar *captions, const gchar *model_dir, GError **error)
{
  gchar *description = g_strdup_printf (
      "filesrc name=captions ! subparse ! "
      "tokenizer name=tokenizer ! bert-infer name=infer ! overlay.text_sink "
      "videotestsrc name=video ! video/x-raw,width=640,height=360,framerate=%d/1 ! "
      "textoverlay name=overlay valignment=bottom shaded-background=true font-desc=\"Sans 16\" ! "
      "videoconvert ! %s",
      FRAMES_PER_SECOND, output_option ? "pngenc ! multifilesink name=frames sync=false" : "autovideosink");
  /* FATAL_ERRORS: without it a missing element (textoverlay without gstreamer1.0-x) is a
   * recoverable error, with a pipeline returned that lacks the element. */
  GstElement *pipeline = gst_parse_launch_full (description, NULL, GST_PARSE_FLAG_FATAL_ERRORS, error);
  gchar *frames = g_strdup_printf ("%d", seconds_option * FRAMES_PER_SECOND);

  g_free (description);
  if (pipeline) {
    set_child_property (pipeline, "captions", "location", captions);
    set_child_property (pipeline, "tokenizer", "vocab", model_dir);
    set_child_property (pipeline, "infer", "model", model_dir);
    set_child_property (pipeline, "video", "num-buffers", frames);
    set_child_property (pipeline, "video", "pattern", pattern_option ? pattern_option : "smpte");
    if (output_option)
      set_child_property (pipeline, "frames", "location", output_option);
  }
  g_free (frames);
  return pipeline;
}

static void
add_label_probe (GstElement *pipeline)
{
  GstElement *infer = gst_bin_get_by_name (GST_BIN (pipeline), "infer");
  GstPad *pad = gst_element_get_static_pad (infer, "src");

  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, label_caption, NULL, NULL);
  gst_object_unref (pad);
  gst_object_unref (infer);
}

/* Plays to the end of the video; FALSE after an error, which is printed. */
static gboolean
play (GstElement *pipeline)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *message;
  gboolean ok;

  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  message = gst_bus_timed_pop_filtered (bus, GST_CLOCK_TIME_NONE, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  ok = GST_MESSAGE_TYPE (message) == GST_MESSAGE_EOS;
  if (!ok) {
    GError *error = NULL;
    gchar *details = NULL;

    gst_message_parse_error (message, &error, &details);
    fprintf (stderr, "error from %s: %s\n%s\n", GST_OBJECT_NAME (GST_MESSAGE_SRC (message)), error->message,
        details ? details : "");
    g_clear_error (&error);
    g_free (details);
  }
  gst_message_unref (message);
  gst_object_unref (bus);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  return ok;
}

int
main (int argc, char **argv)
{
  GOptionContext *context = g_option_context_new ("SUBTITLES MODEL_DIR");
  GError *error = NULL;
  GstElement *pipeline;
  gboolean ok;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_add_group (context, gst_init_get_option_group ());
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc != 3 || seconds_option <= 0) {
    fprintf (stderr,
        "%s\nusage: %s [--seconds S] [--pattern NAME] [--output PATTERN] "
        "SUBTITLES MODEL_DIR\n",
        error ? error->message : "", argv[0]);
    g_clear_error (&error);
    g_option_context_free (context);
    return 2;
  }
  g_option_context_free (context);

  pipeline = make_pipeline (argv[1], argv[2], &error);
  if (!pipeline) {
    fprintf (stderr, "could not make the pipeline: %s\n", error->message);
    g_error_free (error);
    return 1;
  }
  add_label_probe (pipeline);
  ok = play (pipeline);
  gst_object_unref (pipeline);
  return ok ? 0 : 1;
}
