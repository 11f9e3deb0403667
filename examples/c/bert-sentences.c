/* bert-sentences: an application feeding sentences to gst-bert through appsrc and
 * reading the results from appsink with the public metadata API (gstbertmeta.h).
 *
 *   bert-sentences MODEL_DIR [SENTENCE...]
 *
 * Each sentence becomes a text buffer of
 *
 *   appsrc ! tokenizer vocab=MODEL_DIR ! bert-infer model=MODEL_DIR ! appsink
 *
 * and, per sentence, the program prints what the model's head gives: the label and its
 * probability (sequence classifiers; every label over 0.5 for multi-label ones), each
 * word piece with its label (token classifiers), or the norm of the sentence embedding
 * (sentence encoders), followed for encoders by the cosine similarity of every pair of
 * sentences. Without sentences it uses a few of its own.
 *
 * From the repository root, after `ninja -C build`:
 *
 *   GST_PLUGIN_PATH=build/plugin build/examples/c/bert-sentences \
 *       ~/.local/share/gst-bert/models/all-MiniLM-L6-v2 "A man is playing a guitar." \
 *       "Someone plays an instrument." "The stock market fell today."
 */
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <gst/bert/gstbertmeta.h>

static const gchar *default_sentences[] = {
  "A man is playing a guitar.",
  "Someone is playing an instrument.",
  "A woman is slicing an onion.",
  "The weather is cold and rainy today.",
};

/* The embeddings of the sentences, in input order, for the similarity table. */
typedef struct {
  GPtrArray *embeddings; /* gfloat arrays of dim values, or NULL where none */
  guint dim;
} Embeddings;

static GstElement *
make_pipeline (const gchar *model_dir, GError **error)
{
  GstElement *pipeline, *tokenizer, *infer;

  /* FATAL_ERRORS: without it a missing element (the plugin not found) is a recoverable
   * error, with a pipeline returned that lacks the element. */
  pipeline = gst_parse_launch_full (
      "appsrc name=source format=time "
      "caps=text/x-raw,format=utf8 ! tokenizer name=tokenizer ! bert-infer name=infer ! "
      "appsink name=sink sync=false",
      NULL, GST_PARSE_FLAG_FATAL_ERRORS, error);
  if (!pipeline)
    return NULL;
  /* Set as properties rather than in the description, so that any path works. */
  tokenizer = gst_bin_get_by_name (GST_BIN (pipeline), "tokenizer");
  infer = gst_bin_get_by_name (GST_BIN (pipeline), "infer");
  g_object_set (tokenizer, "vocab", model_dir, NULL);
  g_object_set (infer, "model", model_dir, NULL);
  gst_object_unref (tokenizer);
  gst_object_unref (infer);
  return pipeline;
}

/* One buffer per sentence, a second apart, then end of stream. */
static void
push_sentences (GstElement *pipeline, const gchar *const *sentences, guint n)
{
  GstElement *source = gst_bin_get_by_name (GST_BIN (pipeline), "source");
  guint i;

  for (i = 0; i < n; i++) {
    GstBuffer *buffer = gst_buffer_new_memdup (sentences[i], strlen (sentences[i]));

    GST_BUFFER_PTS (buffer) = i * GST_SECOND;
    GST_BUFFER_DURATION (buffer) = GST_SECOND;
    gst_app_src_push_buffer (GST_APP_SRC (source), buffer);
  }
  gst_app_src_end_of_stream (GST_APP_SRC (source));
  gst_object_unref (source);
}

static void
print_classification (GstCustomMeta *meta)
{
  guint n_labels;
  const gfloat *probs = gst_bert_result_meta_get_probs (meta, &n_labels);
  gint index = gst_bert_result_meta_get_label_index (meta);
  const gchar *label = gst_bert_result_meta_get_label (meta);
  const GValue *labels;

  if (index >= 0 && (guint) index < n_labels)
    printf ("  label %s (%.4f)\n", label ? label : "?", probs[index]);
  else
    printf ("  no label over 0.5\n");
  /* Multi-label models: every label over 0.5, a string list of the meta's structure. */
  labels = gst_structure_get_value (gst_custom_meta_get_structure (meta), "labels");
  if (labels && GST_VALUE_HOLDS_ARRAY (labels) && gst_value_array_get_size (labels) > 1) {
    printf ("  labels");
    for (guint i = 0; i < gst_value_array_get_size (labels); i++)
      printf (" %s", g_value_get_string (gst_value_array_get_value (labels, i)));
    printf ("\n");
  }
}

/* Each word piece of @text (its byte span) with its label; special tokens are left out. */
static void
print_token_labels (GstCustomMeta *meta, const gchar *text)
{
  guint n_tokens = gst_bert_result_meta_get_n_token_labels (meta), n_spans, n_scores;
  const guint32 *spans = gst_bert_result_meta_get_token_spans (meta, &n_spans);
  const gfloat *scores = gst_bert_result_meta_get_token_scores (meta, &n_scores);

  for (guint i = 0; i < n_tokens && i < n_spans && i < n_scores; i++) {
    guint32 start = spans[2 * i], end = spans[2 * i + 1];

    if (end > start)
      printf ("  %.*s\t%s (%.4f)\n", (int) (end - start), text + start,
          gst_bert_result_meta_get_token_label (meta, i), scores[i]);
  }
}

static gfloat *
print_embedding (GstCustomMeta *meta, guint *dim)
{
  const gfloat *embedding = gst_bert_result_meta_get_embedding (meta, dim);
  gdouble sum = 0.0;

  for (guint i = 0; i < *dim; i++)
    sum += (gdouble) embedding[i] * embedding[i];
  printf ("  embedding of %u values, norm %.4f\n", *dim, sqrt (sum));
  return g_memdup2 (embedding, *dim * sizeof (gfloat));
}

/* Prints the result of one sentence; keeps its embedding, if any, in @embeddings. */
static void
print_result (GstBuffer *buffer, Embeddings *embeddings)
{
  GstCustomMeta *meta = gst_buffer_get_bert_result_meta (buffer);
  gfloat *embedding = NULL;
  GstMapInfo text;

  gst_buffer_map (buffer, &text, GST_MAP_READ);
  printf ("[%u] %.*s\n", embeddings->embeddings->len, (int) text.size, (const gchar *) text.data);
  if (!meta) {
    printf ("  no result\n");
  } else {
    if (gst_bert_result_meta_get_embedding (meta, NULL))
      embedding = print_embedding (meta, &embeddings->dim);
    if (gst_bert_result_meta_get_probs (meta, NULL))
      print_classification (meta);
    if (gst_bert_result_meta_get_n_token_labels (meta) > 0)
      print_token_labels (meta, (const gchar *) text.data);
  }
  gst_buffer_unmap (buffer, &text);
  g_ptr_array_add (embeddings->embeddings, embedding);
}

static gdouble
cosine_similarity (const gfloat *a, const gfloat *b, guint dim)
{
  gdouble dot = 0.0, norm_a = 0.0, norm_b = 0.0;

  for (guint i = 0; i < dim; i++) {
    dot += (gdouble) a[i] * b[i];
    norm_a += (gdouble) a[i] * a[i];
    norm_b += (gdouble) b[i] * b[i];
  }
  return norm_a > 0.0 && norm_b > 0.0 ? dot / sqrt (norm_a * norm_b) : 0.0;
}

static void
print_similarities (const Embeddings *embeddings)
{
  GPtrArray *e = embeddings->embeddings;

  if (e->len < 2 || !e->pdata[0])
    return;
  printf ("cosine similarity\n");
  for (guint i = 0; i < e->len; i++) {
    printf ("  [%u]", i);
    for (guint j = 0; j < e->len; j++)
      printf (" %7.4f", cosine_similarity (e->pdata[i], e->pdata[j], embeddings->dim));
    printf ("\n");
  }
}

static gboolean
report_bus_error (GstElement *pipeline)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *message = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  GError *error = NULL;
  gchar *details = NULL;

  gst_object_unref (bus);
  if (!message)
    return FALSE;
  gst_message_parse_error (message, &error, &details);
  fprintf (stderr, "error from %s: %s\n%s\n", GST_OBJECT_NAME (GST_MESSAGE_SRC (message)), error->message,
      details ? details : "");
  g_clear_error (&error);
  g_free (details);
  gst_message_unref (message);
  return TRUE;
}

/* Pulls results until end of stream; FALSE when the pipeline posted an error instead
 * (appsink would then wait for ever, so the bus is checked between short waits). */
static gboolean
pull_results (GstElement *pipeline, Embeddings *embeddings)
{
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  gboolean ok = TRUE;

  while (ok && !gst_app_sink_is_eos (GST_APP_SINK (sink))) {
    GstSample *sample = gst_app_sink_try_pull_sample (GST_APP_SINK (sink), 100 * GST_MSECOND);

    if (sample) {
      print_result (gst_sample_get_buffer (sample), embeddings);
      gst_sample_unref (sample);
    } else {
      ok = !report_bus_error (pipeline);
    }
  }
  gst_object_unref (sink);
  return ok;
}

static gboolean
run (const gchar *model_dir, const gchar *const *sentences, guint n)
{
  Embeddings embeddings = { g_ptr_array_new_with_free_func (g_free), 0 };
  GError *error = NULL;
  GstElement *pipeline;
  gboolean ok;

  pipeline = make_pipeline (model_dir, &error);
  if (!pipeline) {
    fprintf (stderr, "could not make the pipeline: %s\n", error->message);
    g_error_free (error);
    return FALSE;
  }
  /* The model loads here: a bad folder fails the state change with a bus error. */
  ok = gst_element_set_state (pipeline, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE;
  if (ok) {
    push_sentences (pipeline, sentences, n);
    ok = pull_results (pipeline, &embeddings);
  } else {
    report_bus_error (pipeline);
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
  if (ok)
    print_similarities (&embeddings);
  g_ptr_array_unref (embeddings.embeddings);
  return ok;
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  if (argc < 2) {
    fprintf (stderr, "usage: %s MODEL_DIR [SENTENCE...]\n", argv[0]);
    return 2;
  }
  if (argc > 2)
    return run (argv[1], (const gchar *const *) argv + 2, argc - 2) ? 0 : 1;
  return run (argv[1], default_sentences, G_N_ELEMENTS (default_sentences)) ? 0 : 1;
}
