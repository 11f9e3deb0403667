/* test-bertinfer.c: GstHarness tests of the bert-infer element.
 *
 * They run on the CPU backend with tiny deterministic models (hidden size 32, 2 layers,
 * 64 positions, vocabulary [PAD] [UNK] [CLS] [SEP] [MASK] w5 w6 ...) that main() writes
 * under TEST_MODELS_DIR before the tests start: an "encoder", a "sequence" classifier,
 * a "multilabel" classifier and a "token" classifier, "token-st16", a token classifier
 * whose sentence_bert_config.json says max_seq_length 16, and encoders in two models
 * folders (one as GST_BERT_MODELS_DIR, one under an XDG_DATA_HOME) for the default-model
 * tests. Reference results come from the engine library itself, one sequence at a time.
 * The parity tests run the models of $GST_BERT_SHARED_DIR against their PyTorch
 * references and are left out, with a message, where that folder is absent.
 */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "bert_engine.h"
#include "bert_test_model.h"
#include "gstbertinfer.h"
#include "gstbertmeta.h"

#define UTF8_CAPS "text/x-raw, format=(string)utf8"
/* The generated models' max_position_embeddings. */
#define MODEL_POSITIONS 64
/* The max_seq_length of the "token-st16" model. */
#define ST16_MAX_SEQ_LENGTH 16
/* Where the default-model tests find models: GST_BERT_MODELS_DIR, or XDG_DATA_HOME. */
#define MODELS_DIR TEST_MODELS_DIR "/models-dir"
#define XDG_DATA_HOME_DIR TEST_MODELS_DIR "/xdg-data-home"
#define EMPTY_MODELS_DIR TEST_MODELS_DIR "/empty-models-dir"
#define DEFAULT_MODEL_NAME "all-MiniLM-L6-v2"
#define FETCH_COMMAND "scripts/get-model.sh"
/* Batched and one-at-a-time results agree to this (float sums in another order). */
#define RESULT_TOLERANCE 1e-4
/* Scheduling slack allowed on top of a deadline on a loaded 2-core machine. */
#define SCHEDULING_SLACK (250 * GST_MSECOND)

static gchar *
model_dir (const gchar *head)
{
  return g_build_filename (TEST_MODELS_DIR, head, NULL);
}

/* A bert-infer on the CPU with the model of @head and the given properties. */
static GstElement *
new_bert_infer (const gchar *head, const gchar *first_property, ...)
{
  GstElement *element = gst_element_factory_make ("bert-infer", NULL);
  gchar *dir = model_dir (head);
  va_list properties;

  fail_unless (element != NULL, "no bert-infer element: is GST_PLUGIN_PATH set?");
  g_object_set (element, "model", dir, NULL);
  gst_util_set_object_arg (G_OBJECT (element), "device", "cpu");
  va_start (properties, first_property);
  if (first_property)
    g_object_set_valist (G_OBJECT (element), first_property, properties);
  va_end (properties);
  g_free (dir);
  return element;
}

static GstHarness *
start_harness (GstElement *element)
{
  GstHarness *h = gst_harness_new_with_element (element, "sink", "src");

  gst_object_unref (element);
  gst_harness_set_src_caps_str (h, UTF8_CAPS);
  return h;
}

/* Buffers made by this test and not yet freed, to find buffers the element leaks. */
static gint live_buffers;

static void
buffer_freed (gpointer data, GstMiniObject *buffer)
{
  g_atomic_int_add (&live_buffers, -1);
}

static GstBuffer *
text_buffer (const gchar *text, GstClockTime pts)
{
  gsize len = strlen (text);
  GstBuffer *buffer = len ? gst_buffer_new_memdup (text, len) : gst_buffer_new ();

  GST_BUFFER_PTS (buffer) = pts;
  GST_BUFFER_DURATION (buffer) = 1;
  g_atomic_int_inc (&live_buffers);
  gst_mini_object_weak_ref (GST_MINI_OBJECT (buffer), buffer_freed, NULL);
  return buffer;
}

/* Tears the harness down and checks that every buffer pushed since @live_before was freed. */
static void
teardown_checking_buffers (GstHarness *h, gint live_before)
{
  gst_harness_teardown (h);
  fail_unless_equals_int (g_atomic_int_get (&live_buffers), live_before);
}

/* Words of a model's vocabulary, to build random text that tokenizes to known ids. */
static GPtrArray *
vocabulary_words (const gchar *head)
{
  gchar *dir = model_dir (head);
  GError *error = NULL;
  BertModel *model = bert_model_load (dir, &error);
  const BertTokenizer *tokenizer;
  GPtrArray *words = g_ptr_array_new_with_free_func (g_free);

  fail_unless (model != NULL, "%s", error ? error->message : "");
  tokenizer = bert_model_get_tokenizer (model);
  for (guint id = 0; id < bert_tokenizer_get_vocab_size (tokenizer); id++) {
    const char *token = bert_tokenizer_id_to_token (tokenizer, id);

    if (token && g_ascii_isalpha (token[0]))
      g_ptr_array_add (words, g_strdup (token));
  }
  fail_unless (words->len > 0, "%s has no plain words", dir);
  bert_model_unref (model);
  g_free (dir);
  return words;
}

static gchar *
random_text (GRand *rand, GPtrArray *words, guint max_words)
{
  GString *text = g_string_new (NULL);
  guint n_words = g_rand_int_range (rand, 0, max_words + 1);

  for (guint i = 0; i < n_words; i++)
    g_string_append_printf (text, "%s%s", i ? " " : "",
        (const gchar *) g_ptr_array_index (words, g_rand_int_range (rand, 0, words->len)));
  return g_string_free (text, FALSE);
}

static GstCustomMeta *
result_of (GstBuffer *buffer)
{
  GstCustomMeta *meta = gst_buffer_get_bert_result_meta (buffer);

  fail_unless (meta != NULL, "buffer at %" GST_TIME_FORMAT " has no result",
      GST_TIME_ARGS (GST_BUFFER_PTS (buffer)));
  return meta;
}

static void
assert_embedding_dim (GstBuffer *buffer, guint expected_dim)
{
  guint dim = 0;

  fail_unless (gst_bert_result_meta_get_embedding (result_of (buffer), &dim) != NULL);
  fail_unless_equals_int (dim, expected_dim);
}

/* Pulls @n buffers and checks their pts count up from @first_pts. */
static void
pull_in_order (GstHarness *h, guint n, GstClockTime first_pts, guint hidden_size)
{
  for (guint i = 0; i < n; i++) {
    GstBuffer *buffer = gst_harness_pull (h);

    fail_unless (buffer != NULL, "buffer %u of %u never came", i, n);
    fail_unless_equals_uint64 (GST_BUFFER_PTS (buffer), first_pts + i);
    if (hidden_size)
      assert_embedding_dim (buffer, hidden_size);
    gst_buffer_unref (buffer);
  }
}

/* Pulls events until one of @type. */
static void
pull_event_of_type (GstHarness *h, GstEventType type)
{
  GstEvent *event;

  while ((event = gst_harness_pull_event (h))) {
    gboolean found = GST_EVENT_TYPE (event) == type;

    gst_event_unref (event);
    if (found)
      break;
  }
  fail_unless (event != NULL, "no %s event", gst_event_type_get_name (type));
}

/* Pulls events until one of @type, when every buffer has already been pulled. */
static void
pull_until_event (GstHarness *h, GstEventType type)
{
  pull_event_of_type (h, type);
  fail_unless_equals_int (gst_harness_buffers_in_queue (h), 0);
}

static gint
model_hidden_size (const gchar *head)
{
  gchar *dir = model_dir (head);
  BertModel *model = bert_model_load_shared (dir, NULL);
  gint hidden_size;

  fail_unless (model != NULL);
  hidden_size = model->config.hidden_size;
  bert_model_unref (model);
  g_free (dir);
  return hidden_size;
}

/* Order and completeness ---------------------------------------------------------- */

/* One stream of @n random buffers with random batch limits; all come out, in order. */
static void
run_random_stream (GRand *rand, GPtrArray *words, guint n, gint hidden_size)
{
  guint batch_size = g_rand_int_range (rand, 1, 65);
  guint max_batch_tokens = g_rand_boolean (rand) ? 0 : g_rand_int_range (rand, 8, 400);
  guint64 timeout = g_rand_boolean (rand) ? 0 : g_rand_int_range (rand, 0, 2000) * GST_USECOND;
  guint max_in_flight = g_rand_int_range (rand, 1, 5);
  GstHarness *h = start_harness (new_bert_infer ("encoder", "batch-size", batch_size, "max-batch-tokens",
      max_batch_tokens, "batch-timeout", timeout, "max-in-flight", max_in_flight, NULL));

  GST_INFO ("%u buffers, batch-size %u, max-batch-tokens %u, timeout %" G_GUINT64_FORMAT
            " ns, max-in-flight %u",
      n, batch_size, max_batch_tokens, timeout, max_in_flight);
  for (guint i = 0; i < n; i++) {
    gchar *text = random_text (rand, words, 40);

    fail_unless_equals_int (gst_harness_push (h, text_buffer (text, i)), GST_FLOW_OK);
    g_free (text);
  }
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  pull_in_order (h, n, 0, hidden_size);
  pull_until_event (h, GST_EVENT_EOS);
  gst_harness_teardown (h);
}

GST_START_TEST (test_order_kept_over_many_buffers)
{
  GRand *rand = g_rand_new_with_seed (20240611);
  GPtrArray *words = vocabulary_words ("encoder");
  gint hidden_size = model_hidden_size ("encoder");

  for (guint round = 0; round < 5; round++)
    run_random_stream (rand, words, 2000, hidden_size);
  g_ptr_array_unref (words);
  g_rand_free (rand);
}

GST_END_TEST;

/* Results equal the engine's, one sequence at a time ------------------------------ */

typedef struct {
  BertModel *model;
  BertEncoder *encoder;
} Reference;

static void
reference_init (Reference *reference, const gchar *head)
{
  gchar *dir = model_dir (head);
  BertEncoderOptions options;
  GError *error = NULL;

  reference->model = bert_model_load (dir, &error);
  fail_unless (reference->model != NULL, "%s", error ? error->message : "");
  bert_encoder_options_init (&options);
  options.device = BERT_DEVICE_CPU;
  reference->encoder = bert_encoder_new (reference->model, &options, &error);
  fail_unless (reference->encoder != NULL, "%s", error ? error->message : "");
  g_free (dir);
}

static void
reference_clear (Reference *reference)
{
  bert_encoder_free (reference->encoder);
  bert_model_unref (reference->model);
}

static void
assert_floats_close (const gchar *what, const gfloat *actual, const gfloat *expected, guint n)
{
  for (guint i = 0; i < n; i++)
    fail_unless (fabs (actual[i] - expected[i]) <= RESULT_TOLERANCE * (1.0 + fabs (expected[i])),
        "%s[%u]: %g, alone %g", what, i, actual[i], expected[i]);
}

/* Runs the buffer's tokens alone through the reference encoder and compares. */
static void
assert_result_as_alone (Reference *reference, GstBuffer *buffer)
{
  GstCustomMeta *tokens = gst_buffer_get_bert_token_meta (buffer);
  GstCustomMeta *result = result_of (buffer);
  const BertBatchOutput *expected;
  BertSequence sequence;
  GError *error = NULL;
  BertJob *job;
  guint n = 0;

  fail_unless (tokens != NULL);
  sequence.ids = gst_bert_token_meta_get_ids (tokens, &sequence.n_tokens);
  sequence.type_ids = gst_bert_token_meta_get_type_ids (tokens, &n);
  job = bert_encoder_run (reference->encoder, &sequence, 1, &error);
  fail_unless (job != NULL, "%s", error ? error->message : "");
  expected = bert_job_get_output (job);

  if (expected->embeddings) {
    const gfloat *embedding = gst_bert_result_meta_get_embedding (result, &n);

    fail_unless_equals_int (n, expected->hidden_size);
    assert_floats_close ("embedding", embedding, expected->embeddings, n);
  }
  if (expected->logits) {
    const gfloat *logits = gst_bert_result_meta_get_logits (result, &n);

    fail_unless_equals_int (n, expected->num_labels);
    assert_floats_close ("logits", logits, expected->logits, n);
    assert_floats_close ("probs", gst_bert_result_meta_get_probs (result, &n), expected->probs,
        expected->num_labels);
  }
  if (expected->token_labels) {
    fail_unless_equals_int (gst_bert_result_meta_get_n_token_labels (result), sequence.n_tokens);
    for (guint t = 0; t < sequence.n_tokens; t++)
      fail_unless_equals_string (gst_bert_result_meta_get_token_label (result, t),
          reference->model->config.id2label[expected->token_labels[t]]);
  }
  bert_job_free (job);
}

/* @threads: the element's, to check that results do not depend on it. */
static void
assert_results_as_alone (const gchar *head, guint threads)
{
  const guint n = 80;
  GRand *rand = g_rand_new_with_seed (7);
  GPtrArray *words = vocabulary_words (head);
  GstHarness *h = start_harness (new_bert_infer (head, "batch-size", 16, "threads", threads, NULL));
  Reference reference;

  reference_init (&reference, head);
  for (guint i = 0; i < n; i++) {
    gchar *text = random_text (rand, words, 30);

    fail_unless_equals_int (gst_harness_push (h, text_buffer (text, i)), GST_FLOW_OK);
    g_free (text);
  }
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  for (guint i = 0; i < n; i++) {
    GstBuffer *buffer = gst_harness_pull (h);

    assert_result_as_alone (&reference, buffer);
    gst_buffer_unref (buffer);
  }
  reference_clear (&reference);
  gst_harness_teardown (h);
  g_ptr_array_unref (words);
  g_rand_free (rand);
}

GST_START_TEST (test_embeddings_equal_engine_alone)
{
  assert_results_as_alone ("encoder", 0);
}

GST_END_TEST;

GST_START_TEST (test_sequence_labels_equal_engine_alone)
{
  assert_results_as_alone ("sequence", 1);
}

GST_END_TEST;

GST_START_TEST (test_token_labels_equal_engine_alone)
{
  assert_results_as_alone ("token", 2);
}

GST_END_TEST;

/* Result contents per head ------------------------------------------------------- */

static GstBuffer *
push_one_and_drain (GstHarness *h, const gchar *text)
{
  fail_unless_equals_int (gst_harness_push (h, text_buffer (text, 0)), GST_FLOW_OK);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  return gst_harness_pull (h);
}

GST_START_TEST (test_sequence_result_has_argmax_label)
{
  GstHarness *h = start_harness (new_bert_infer ("sequence", NULL));
  GstBuffer *buffer = push_one_and_drain (h, "the quick brown fox");
  GstCustomMeta *result = result_of (buffer);
  guint n_labels = 0;
  const gfloat *probs = gst_bert_result_meta_get_probs (result, &n_labels);
  gint label = gst_bert_result_meta_get_label_index (result);
  gdouble sum = 0.0;

  fail_unless (n_labels >= 2);
  for (guint i = 0; i < n_labels; i++) {
    sum += probs[i];
    fail_unless (probs[i] <= probs[label]);
  }
  fail_unless (fabs (sum - 1.0) < 1e-5, "probabilities sum to %g", sum);
  fail_unless (gst_bert_result_meta_get_label (result) != NULL);
  fail_unless_equals_string (gst_bert_result_meta_get_model (result), "sequence");
  fail_unless (gst_bert_result_meta_get_embedding (result, &n_labels) == NULL);
  gst_buffer_unref (buffer);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_multilabel_result_lists_labels_over_half)
{
  GPtrArray *words = vocabulary_words ("multilabel");
  GRand *rand = g_rand_new_with_seed (3);
  GstHarness *h = start_harness (new_bert_infer ("multilabel", NULL));
  const guint n = 20;

  for (guint i = 0; i < n; i++) {
    gchar *text = random_text (rand, words, 20);

    fail_unless_equals_int (gst_harness_push (h, text_buffer (text, i)), GST_FLOW_OK);
    g_free (text);
  }
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  for (guint i = 0; i < n; i++) {
    GstBuffer *buffer = gst_harness_pull (h);
    GstCustomMeta *result = result_of (buffer);
    const GstStructure *s = gst_custom_meta_get_structure (result);
    const GValue *labels = gst_structure_get_value (s, "labels");
    guint n_labels = 0, n_over = 0;
    const gfloat *probs = gst_bert_result_meta_get_probs (result, &n_labels);
    gint best = gst_bert_result_meta_get_label_index (result);

    fail_unless (labels != NULL && GST_VALUE_HOLDS_ARRAY (labels));
    for (guint l = 0; l < n_labels; l++) {
      if (probs[l] <= 0.5f)
        continue;
      fail_unless (best >= 0 && probs[l] <= probs[best]);
      n_over++;
    }
    fail_unless_equals_int (gst_value_array_get_size (labels), n_over);
    if (n_over == 0)
      fail_unless_equals_int (best, -1);
    gst_buffer_unref (buffer);
  }
  gst_harness_teardown (h);
  g_rand_free (rand);
  g_ptr_array_unref (words);
}

GST_END_TEST;

GST_START_TEST (test_token_spans_follow_token_offsets)
{
  GstHarness *h = start_harness (new_bert_infer ("token", NULL));
  GstBuffer *buffer = push_one_and_drain (h, "the quick brown fox");
  GstCustomMeta *tokens = gst_buffer_get_bert_token_meta (buffer);
  GstCustomMeta *result = result_of (buffer);
  guint n_tokens = 0, n_spans = 0, n_scores = 0;
  const guint32 *offsets = gst_bert_token_meta_get_offsets (tokens, &n_tokens);
  const guint32 *spans = gst_bert_result_meta_get_token_spans (result, &n_spans);
  const gfloat *scores = gst_bert_result_meta_get_token_scores (result, &n_scores);

  fail_unless (n_tokens > 2);
  fail_unless_equals_int (n_spans, n_tokens);
  fail_unless_equals_int (n_scores, n_tokens);
  for (guint t = 0; t < 2 * n_tokens; t++)
    fail_unless_equals_int (spans[t], offsets[t]);
  fail_unless (spans[0] == 0 && spans[1] == 0, "[CLS] has a span");
  for (guint t = 0; t < n_tokens; t++)
    fail_unless (scores[t] > 0.0f && scores[t] <= 1.0f);
  gst_buffer_unref (buffer);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_output_flags_select_results)
{
  GstHarness *h = start_harness (new_bert_infer ("encoder", NULL));
  GstBuffer *buffer;
  guint dim;

  gst_util_set_object_arg (G_OBJECT (h->element), "output", "labels");
  buffer = push_one_and_drain (h, "nothing asked for the head gives");
  fail_unless (gst_bert_result_meta_get_embedding (result_of (buffer), &dim) == NULL);
  fail_unless (gst_bert_result_meta_get_model (result_of (buffer)) != NULL);
  gst_buffer_unref (buffer);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Batching, EOS, events ------------------------------------------------------------ */

GST_START_TEST (test_eos_drains_pending_batch)
{
  GstHarness *h = start_harness (new_bert_infer ("encoder", "batch-size", 100, "batch-timeout",
      G_GUINT64_CONSTANT (60) * GST_SECOND, NULL));

  for (guint i = 0; i < 5; i++)
    fail_unless_equals_int (gst_harness_push (h, text_buffer ("hello", i)), GST_FLOW_OK);
  /* The batch is neither full nor timed out: nothing can have come out. */
  fail_unless (gst_harness_try_pull (h) == NULL);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  pull_in_order (h, 5, 0, model_hidden_size ("encoder"));
  pull_until_event (h, GST_EVENT_EOS);
  fail_unless_equals_int (gst_harness_push (h, text_buffer ("late", 9)), GST_FLOW_EOS);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_full_batch_runs_without_waiting)
{
  GstHarness *h = start_harness (new_bert_infer ("encoder", "batch-size", 2, "batch-timeout",
      G_GUINT64_CONSTANT (60) * GST_SECOND, NULL));

  for (guint i = 0; i < 3; i++)
    fail_unless_equals_int (gst_harness_push (h, text_buffer ("w5 w6", i)), GST_FLOW_OK);
  /* The first two made a full batch; the third waits in the next one. */
  pull_in_order (h, 2, 0, 0);
  g_usleep (50000);
  fail_unless (gst_harness_try_pull (h) == NULL);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_token_limit_closes_batch_before_overflow)
{
  /* "w5 w6 w7 w8" is six tokens with [CLS] and [SEP]: two of them do not fit in ten. */
  GstHarness *h = start_harness (new_bert_infer ("encoder", "batch-size", 100, "max-batch-tokens", 10,
      "batch-timeout", G_GUINT64_CONSTANT (60) * GST_SECOND, NULL));

  fail_unless_equals_int (gst_harness_push (h, text_buffer ("w5 w6 w7 w8", 0)), GST_FLOW_OK);
  fail_unless (gst_harness_try_pull (h) == NULL);
  fail_unless_equals_int (gst_harness_push (h, text_buffer ("w5 w6 w7 w8", 1)), GST_FLOW_OK);
  /* The second buffer closed the first one's batch and waits in its own. */
  pull_in_order (h, 1, 0, 0);
  g_usleep (50000);
  fail_unless (gst_harness_try_pull (h) == NULL);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  pull_in_order (h, 1, 1, 0);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Records what leaves the element, as "pts" for buffers and the name of custom and
 * gap events, so that the order of buffers and events can be checked. */
static GstPadProbeReturn
record_flow (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  GString *flow = user_data;

  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    g_string_append_printf (flow, "%" G_GUINT64_FORMAT " ",
        GST_BUFFER_PTS (GST_PAD_PROBE_INFO_BUFFER (info)));
  } else {
    GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);

    if (GST_EVENT_TYPE (event) == GST_EVENT_CUSTOM_DOWNSTREAM || GST_EVENT_TYPE (event) == GST_EVENT_GAP)
      g_string_append_printf (flow, "%s ", GST_EVENT_TYPE_NAME (event));
  }
  return GST_PAD_PROBE_OK;
}

GST_START_TEST (test_serialized_event_keeps_its_place)
{
  GstHarness *h = start_harness (new_bert_infer ("encoder", "batch-size", 100, "batch-timeout",
      G_GUINT64_CONSTANT (60) * GST_SECOND, NULL));
  GstPad *srcpad = gst_element_get_static_pad (h->element, "src");
  GString *flow = g_string_new (NULL);

  gst_pad_add_probe (srcpad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, record_flow,
      flow, NULL);
  for (guint i = 0; i < 3; i++)
    fail_unless_equals_int (gst_harness_push (h, text_buffer ("before", i)), GST_FLOW_OK);
  fail_unless (gst_harness_push_event (h,
      gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM, gst_structure_new_empty ("marker"))));
  fail_unless_equals_int (gst_harness_push (h, text_buffer ("after", 3)), GST_FLOW_OK);
  fail_unless (gst_harness_push_event (h, gst_event_new_gap (10, 1)));

  pull_in_order (h, 4, 0, 0);
  pull_until_event (h, GST_EVENT_GAP);
  /* Each event closed the batch before it and left after it. */
  fail_unless_equals_string (flow->str, "0 1 2 custom-downstream 3 gap ");
  gst_object_unref (srcpad);
  gst_harness_teardown (h);
  g_string_free (flow, TRUE);
}

GST_END_TEST;

GST_START_TEST (test_batch_timeout_sends_lone_buffer)
{
  GstHarness *h =
      start_harness (new_bert_infer ("encoder", "batch-size", 100, "batch-timeout", 30 * GST_MSECOND, NULL));
  GstBuffer *buffer;

  fail_unless_equals_int (gst_harness_push (h, text_buffer ("alone", 0)), GST_FLOW_OK);
  /* No further buffer or event: the timer alone must send it. */
  buffer = gst_harness_pull (h);
  fail_unless (buffer != NULL);
  gst_buffer_unref (buffer);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Flushing and state changes ------------------------------------------------------ */

static void
flush (GstHarness *h)
{
  GstSegment segment;

  fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
  gst_segment_init (&segment, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (h, gst_event_new_segment (&segment)));
}

GST_START_TEST (test_flush_in_middle_of_batch)
{
  gint live_before = g_atomic_int_get (&live_buffers);
  GstHarness *h = start_harness (new_bert_infer ("encoder", "batch-size", 100, "batch-timeout",
      G_GUINT64_CONSTANT (60) * GST_SECOND, NULL));

  for (guint i = 0; i < 5; i++)
    fail_unless_equals_int (gst_harness_push (h, text_buffer ("dropped", i)), GST_FLOW_OK);
  flush (h);
  for (guint i = 0; i < 2; i++)
    fail_unless_equals_int (gst_harness_push (h, text_buffer ("kept", 100 + i)), GST_FLOW_OK);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  /* Only the buffers after the flush come out. */
  pull_in_order (h, 2, 100, 0);
  pull_until_event (h, GST_EVENT_EOS);
  teardown_checking_buffers (h, live_before);
}

GST_END_TEST;

GST_START_TEST (test_flush_with_batches_in_engine)
{
  gint live_before = g_atomic_int_get (&live_buffers);
  GPtrArray *words = vocabulary_words ("encoder");
  GRand *rand = g_rand_new_with_seed (11);
  GstHarness *h = start_harness (new_bert_infer ("encoder", "batch-size", 2, "max-in-flight", 16,
      "batch-timeout", G_GUINT64_CONSTANT (0), NULL));
  GstClockTime last_pts = 0;
  GstBuffer *buffer;
  guint n_after = 0;

  for (guint i = 1; i <= 60; i++) {
    gchar *text = random_text (rand, words, 60);

    fail_unless_equals_int (gst_harness_push (h, text_buffer (text, i)), GST_FLOW_OK);
    g_free (text);
  }
  flush (h);
  for (guint i = 0; i < 3; i++)
    fail_unless_equals_int (gst_harness_push (h, text_buffer ("after", 1000 + i)), GST_FLOW_OK);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  pull_event_of_type (h, GST_EVENT_EOS);

  /* Whatever got out before the flush is in order; everything after it is there. */
  while ((buffer = gst_harness_try_pull (h))) {
    fail_unless (GST_BUFFER_PTS (buffer) > last_pts || last_pts == 0);
    last_pts = GST_BUFFER_PTS (buffer);
    n_after += last_pts >= 1000;
    gst_buffer_unref (buffer);
  }
  fail_unless_equals_int (n_after, 3);
  fail_unless_equals_uint64 (last_pts, 1002);
  teardown_checking_buffers (h, live_before);
  g_rand_free (rand);
  g_ptr_array_unref (words);
}

GST_END_TEST;

typedef struct {
  GstHarness *h;
  GPtrArray *words;
  GRand *rand;
  GstClockTime next_pts;
  GstFlowReturn last;
} Pusher;

/* Pushes random buffers until the element refuses one. */
static gpointer
push_until_refused (gpointer data)
{
  Pusher *pusher = data;

  do {
    gchar *text = random_text (pusher->rand, pusher->words, 30);

    pusher->last = gst_harness_push (pusher->h, text_buffer (text, pusher->next_pts++));
    g_free (text);
  } while (pusher->last == GST_FLOW_OK && pusher->next_pts % 400 != 0);
  return NULL;
}

static void
restart_stream (GstHarness *h)
{
  fail_unless (gst_harness_push_event (h, gst_event_new_stream_start ("restart")));
  gst_harness_set_src_caps_str (h, UTF8_CAPS);
}

GST_START_TEST (test_state_changes_mid_stream)
{
  gint live_before = g_atomic_int_get (&live_buffers);
  Pusher pusher = { NULL, vocabulary_words ("encoder"), g_rand_new_with_seed (5), 1, GST_FLOW_OK };
  GstHarness *h = start_harness (new_bert_infer ("encoder", "batch-size", 4, "max-in-flight", 1,
      "batch-timeout", 1 * GST_MSECOND, NULL));
  GstClockTime last_pts = 0;
  GstBuffer *buffer;

  pusher.h = h;
  for (guint round = 0; round < 30; round++) {
    GThread *thread = g_thread_new ("pusher", push_until_refused, &pusher);
    GstState target = round % 3 == 2 ? GST_STATE_NULL : round % 3 ? GST_STATE_READY : GST_STATE_PAUSED;

    g_usleep (g_rand_int_range (pusher.rand, 0, 4000));
    fail_unless (gst_element_set_state (h->element, target) != GST_STATE_CHANGE_FAILURE);
    if (target == GST_STATE_PAUSED)
      fail_unless (gst_element_set_state (h->element, GST_STATE_READY) != GST_STATE_CHANGE_FAILURE);
    g_thread_join (thread);
    fail_unless (pusher.last == GST_FLOW_OK || pusher.last == GST_FLOW_FLUSHING, "pusher got %s",
        gst_flow_get_name (pusher.last));
    fail_unless (gst_element_set_state (h->element, GST_STATE_PLAYING) == GST_STATE_CHANGE_SUCCESS);
    restart_stream (h);
  }
  /* What came out did so in order, and the element still works. */
  while ((buffer = gst_harness_try_pull (h))) {
    fail_unless (GST_BUFFER_PTS (buffer) > last_pts);
    last_pts = GST_BUFFER_PTS (buffer);
    gst_buffer_unref (buffer);
  }
  for (guint i = 0; i < 5; i++)
    fail_unless_equals_int (gst_harness_push (h, text_buffer ("still", 100000 + i)), GST_FLOW_OK);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  pull_in_order (h, 5, 100000, 0);
  teardown_checking_buffers (h, live_before);
  g_rand_free (pusher.rand);
  g_ptr_array_unref (pusher.words);
}

GST_END_TEST;

/* Model sharing ------------------------------------------------------------------- */

/* Records, for each bert-infer, the model address it logs when its model is ready
 * ("model PATH (ADDRESS: ...") : the plugin's own copy of the engine is not this
 * test's, and the instance struct is private, so its log is what shows the model. */
static void
record_model_address (GstDebugCategory *category, GstDebugLevel level, const gchar *file,
    const gchar *function, gint line, GObject *object, GstDebugMessage *message, gpointer user_data)
{
  const gchar *text = gst_debug_message_get (message), *open;

  if (!object || g_strcmp0 (gst_debug_category_get_name (category), "bert-infer") != 0
      || !g_str_has_prefix (text, "model ") || !strstr (text, " ready on ") || !(open = strstr (text, " (")))
    return;
  g_hash_table_insert (user_data, object, g_strndup (open + 2, strcspn (open + 2, ":")));
}

GST_START_TEST (test_two_instances_share_model)
{
  GstElement *one = new_bert_infer ("encoder", NULL);
  GstElement *two = new_bert_infer ("encoder", NULL);
  GstElement *other = new_bert_infer ("sequence", NULL);
  GHashTable *models = g_hash_table_new_full (NULL, NULL, NULL, g_free);

  fail_unless_equals_string (G_OBJECT_TYPE_NAME (one), "GstBertInfer");
  gst_debug_set_threshold_for_name ("bert-infer", GST_LEVEL_INFO);
  gst_debug_add_log_function (record_model_address, models, NULL);
  fail_unless (gst_element_set_state (one, GST_STATE_READY) == GST_STATE_CHANGE_SUCCESS);
  fail_unless (gst_element_set_state (two, GST_STATE_READY) == GST_STATE_CHANGE_SUCCESS);
  fail_unless (gst_element_set_state (other, GST_STATE_READY) == GST_STATE_CHANGE_SUCCESS);
  gst_debug_remove_log_function_by_data (models);
  gst_debug_unset_threshold_for_name ("bert-infer");
  fail_unless (g_hash_table_lookup (models, one) != NULL);
  fail_unless_equals_string (g_hash_table_lookup (models, one), g_hash_table_lookup (models, two));
  fail_if (g_strcmp0 (g_hash_table_lookup (models, one), g_hash_table_lookup (models, other)) == 0);
  g_hash_table_unref (models);
  gst_element_set_state (one, GST_STATE_NULL);
  gst_element_set_state (two, GST_STATE_NULL);
  gst_element_set_state (other, GST_STATE_NULL);
  gst_object_unref (one);
  gst_object_unref (two);
  gst_object_unref (other);
}

GST_END_TEST;

GST_START_TEST (test_backend_property_says_what_runs)
{
  GstElement *element = new_bert_infer ("encoder", NULL);
  gchar *backend = NULL;

  g_object_get (element, "backend", &backend, NULL);
  fail_unless (backend == NULL, "backend %s before the model is loaded", backend);
  fail_unless (gst_element_set_state (element, GST_STATE_READY) == GST_STATE_CHANGE_SUCCESS);
  g_object_get (element, "backend", &backend, NULL);
  fail_unless_equals_string (backend, "cpu");
  g_free (backend);
  fail_unless (gst_element_set_state (element, GST_STATE_NULL) == GST_STATE_CHANGE_SUCCESS);
  g_object_get (element, "backend", &backend, NULL);
  fail_unless (backend == NULL, "backend %s after the model is unloaded", backend);
  fail_if (g_object_class_find_property (G_OBJECT_GET_CLASS (element), "backend")->flags & G_PARAM_WRITABLE);
  gst_object_unref (element);
}

GST_END_TEST;

/* Runs one text through bert-infer on the CPU at @precision; returns the result's
 * precision (g_free) and the number of warnings posted in *n_warnings. */
static gchar *
precision_run (const gchar *precision, guint *n_warnings)
{
  GstElement *element = new_bert_infer ("encoder", NULL);
  GstBus *bus = gst_bus_new ();
  GstHarness *h;
  GstBuffer *buffer;
  GstMessage *warning;
  gchar *used;

  gst_util_set_object_arg (G_OBJECT (element), "precision", precision);
  gst_element_set_bus (element, bus);
  h = start_harness (element);
  buffer = push_one_and_drain (h, "the quick brown fox");
  used = g_strdup (gst_bert_result_meta_get_precision (result_of (buffer)));
  gst_buffer_unref (buffer);
  for (*n_warnings = 0; (warning = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING)); ++*n_warnings)
    gst_message_unref (warning);
  gst_harness_teardown (h);
  gst_bus_set_flushing (bus, TRUE);
  gst_object_unref (bus);
  return used;
}

GST_START_TEST (test_precision_property_choices)
{
  GstElement *element = gst_element_factory_make ("bert-infer", NULL);
  GParamSpec *spec = g_object_class_find_property (G_OBJECT_GET_CLASS (element), "precision");
  GEnumClass *choices = G_PARAM_SPEC_ENUM (spec)->enum_class;
  const gchar *nicks[] = { "auto", "fp32", "fp16", "bf16", "int8" };

  for (guint i = 0; i < G_N_ELEMENTS (nicks); i++)
    fail_unless (g_enum_get_value_by_nick (choices, nicks[i]) != NULL, "no choice %s", nicks[i]);
  fail_unless_equals_string (g_enum_get_value (choices, G_PARAM_SPEC_ENUM (spec)->default_value)->value_nick,
      "auto");
  gst_object_unref (element);
}

GST_END_TEST;

/* auto is exact fp32 on the CPU, without a warning; fp16 is CUDA's: one warning, fp32. */
GST_START_TEST (test_result_says_precision)
{
  guint n_warnings;
  gchar *used = precision_run ("auto", &n_warnings);

  fail_unless_equals_string (used, "fp32");
  fail_unless_equals_int (n_warnings, 0);
  g_free (used);
  used = precision_run ("fp16", &n_warnings);
  fail_unless_equals_string (used, "fp32");
  fail_unless_equals_int (n_warnings, 1);
  g_free (used);
}

GST_END_TEST;

/* bf16 and int8 run as asked where the CPU has the instructions, else fp32 with one
 * warning. */
GST_START_TEST (test_reduced_precision_runs_or_warns)
{
  const gchar *precisions[] = { "bf16", "int8" };

  for (guint i = 0; i < G_N_ELEMENTS (precisions); i++) {
    guint n_warnings;
    gchar *used = precision_run (precisions[i], &n_warnings);

    if (n_warnings == 0) {
      fail_unless_equals_string (used, precisions[i]);
    } else {
      fail_unless (g_str_equal (used, "fp32") && n_warnings == 1, "%s: ran %s, %u warnings", precisions[i],
          used, n_warnings);
    }
    g_free (used);
  }
}

GST_END_TEST;

/* Latency and live streams -------------------------------------------------------- */

GST_START_TEST (test_latency_query_adds_timeout_and_batch_time)
{
  const GstClockTime upstream = 10 * GST_MSECOND, timeout = 30 * GST_MSECOND;
  GstElement *element = new_bert_infer ("encoder", "batch-size", 8, "batch-timeout", timeout, NULL);
  GstBus *bus = gst_bus_new ();
  GstHarness *h;
  GstClockTime max_inference = 0, latency;
  GstMessage *message;

  gst_element_set_bus (element, bus);
  h = start_harness (element);
  gst_harness_set_upstream_latency (h, upstream);
  /* Before any batch ran, the estimate is empty. */
  fail_unless_equals_uint64 (gst_harness_query_latency (h), upstream + timeout);

  for (guint i = 0; i < 32; i++)
    fail_unless_equals_int (gst_harness_push (h, text_buffer ("a full batch of words", i)), GST_FLOW_OK);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  for (guint i = 0; i < 32; i++) {
    GstBuffer *buffer = gst_harness_pull (h);

    max_inference = MAX (max_inference, gst_bert_result_meta_get_inference_time (result_of (buffer)));
    gst_buffer_unref (buffer);
  }
  message = gst_bus_pop_filtered (bus, GST_MESSAGE_LATENCY);
  fail_unless (message != NULL, "no latency message after the first batch");
  gst_message_unref (message);

  latency = gst_harness_query_latency (h);
  fail_unless (max_inference > 0);
  fail_unless (latency > upstream + timeout, "latency %" GST_TIME_FORMAT " lacks batch time",
      GST_TIME_ARGS (latency));
  fail_unless (latency <= upstream + timeout + max_inference);
  gst_harness_teardown (h);
  gst_bus_set_flushing (bus, TRUE);
  gst_object_unref (bus);
}

GST_END_TEST;

static GstPadProbeReturn
record_arrival (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  GArray *arrivals = user_data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  gint64 now = g_get_monotonic_time ();

  g_array_index (arrivals, gint64, GST_BUFFER_PTS (buffer)) = now;
  return GST_PAD_PROBE_OK;
}

GST_START_TEST (test_live_results_within_deadline)
{
  const guint n = 12;
  const GstClockTime timeout = 40 * GST_MSECOND, interval = 15 * GST_MSECOND;
  GstHarness *h =
      start_harness (new_bert_infer ("encoder", "batch-size", 32, "batch-timeout", timeout, NULL));
  GArray *pushed = g_array_new (FALSE, TRUE, sizeof (gint64));
  GArray *arrived = g_array_new (FALSE, TRUE, sizeof (gint64));
  GstPad *srcpad = gst_element_get_static_pad (h->element, "src");

  g_array_set_size (pushed, n);
  g_array_set_size (arrived, n);
  gst_pad_add_probe (srcpad, GST_PAD_PROBE_TYPE_BUFFER, record_arrival, arrived, NULL);
  for (guint i = 0; i < n; i++) {
    g_array_index (pushed, gint64, i) = g_get_monotonic_time ();
    fail_unless_equals_int (gst_harness_push (h, text_buffer ("a live caption", i)), GST_FLOW_OK);
    g_usleep (interval / GST_USECOND);
  }
  /* No EOS: the last batch goes by its deadline alone. */
  for (guint i = 0; i < n; i++) {
    GstBuffer *buffer = gst_harness_pull (h);
    GstClockTime inference = gst_bert_result_meta_get_inference_time (result_of (buffer));
    GstClockTime waited =
        (g_array_index (arrived, gint64, i) - g_array_index (pushed, gint64, i)) * GST_USECOND;

    fail_unless_equals_uint64 (GST_BUFFER_PTS (buffer), i);
    fail_unless (waited <= timeout + inference + SCHEDULING_SLACK, "buffer %u took %" GST_TIME_FORMAT, i,
        GST_TIME_ARGS (waited));
    /* The first buffer of the stream opens a batch, which waits for its deadline. */
    if (i == 0)
      fail_unless (waited >= timeout, "first buffer out after %" GST_TIME_FORMAT, GST_TIME_ARGS (waited));
    gst_buffer_unref (buffer);
  }
  gst_object_unref (srcpad);
  gst_harness_teardown (h);
  g_array_unref (pushed);
  g_array_unref (arrived);
}

GST_END_TEST;

/* Bad input ----------------------------------------------------------------------- */

GST_START_TEST (test_empty_text_gets_result)
{
  GstHarness *h = start_harness (new_bert_infer ("encoder", NULL));
  GstBuffer *buffer = push_one_and_drain (h, "");
  guint n_tokens = 0;

  gst_bert_token_meta_get_ids (gst_buffer_get_bert_token_meta (buffer), &n_tokens);
  fail_unless_equals_int (n_tokens, 2);
  assert_embedding_dim (buffer, model_hidden_size ("encoder"));
  gst_buffer_unref (buffer);
  gst_harness_teardown (h);
}

GST_END_TEST;

static gchar *
long_text (guint n_words)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < n_words; i++)
    g_string_append (text, i ? " hello" : "hello");
  return g_string_free (text, FALSE);
}

GST_START_TEST (test_text_longer_than_positions_is_truncated)
{
  GstHarness *h = start_harness (new_bert_infer ("token", "max-length", 1000, NULL));
  gchar *text = long_text (500);
  GstBuffer *buffer = push_one_and_drain (h, text);
  GstCustomMeta *tokens = gst_buffer_get_bert_token_meta (buffer);
  guint n_tokens = 0;

  gst_bert_token_meta_get_ids (tokens, &n_tokens);
  fail_unless_equals_int (n_tokens, MODEL_POSITIONS);
  fail_unless (gst_bert_token_meta_get_truncated (tokens));
  fail_unless_equals_int (gst_bert_result_meta_get_n_token_labels (result_of (buffer)), MODEL_POSITIONS);
  gst_buffer_unref (buffer);
  gst_harness_teardown (h);
  g_free (text);
}

GST_END_TEST;

GST_START_TEST (test_max_length_limits_own_tokenization)
{
  GstHarness *h = start_harness (new_bert_infer ("encoder", "max-length", 10, NULL));
  gchar *text = long_text (50);
  GstBuffer *buffer = push_one_and_drain (h, text);
  guint n_tokens = 0;

  gst_bert_token_meta_get_ids (gst_buffer_get_bert_token_meta (buffer), &n_tokens);
  fail_unless_equals_int (n_tokens, 10);
  gst_buffer_unref (buffer);
  gst_harness_teardown (h);
  g_free (text);
}

GST_END_TEST;

/* A buffer carrying a token meta of @n_tokens: [CLS], words, [SEP]. */
static GstBuffer *
buffer_with_tokens (const gchar *head, guint n_tokens, gint32 word_id)
{
  gchar *dir = model_dir (head);
  BertModel *model = bert_model_load_shared (dir, NULL);
  const BertTokenizer *tokenizer = bert_model_get_tokenizer (model);
  gint32 *ids = g_new (gint32, n_tokens), *type_ids = g_new0 (gint32, n_tokens);
  guint32 *offsets = g_new0 (guint32, 2 * n_tokens);
  GstBuffer *buffer = text_buffer ("pre-tokenized", 0);

  for (guint i = 0; i < n_tokens; i++) {
    ids[i] = word_id;
    offsets[2 * i + 1] = 3;
  }
  ids[0] = bert_tokenizer_get_cls_id (tokenizer);
  ids[n_tokens - 1] = bert_tokenizer_get_sep_id (tokenizer);
  offsets[1] = offsets[2 * n_tokens - 1] = 0;
  gst_buffer_add_bert_token_meta (buffer, ids, type_ids, offsets, n_tokens, FALSE);
  bert_model_unref (model);
  g_free (ids);
  g_free (type_ids);
  g_free (offsets);
  g_free (dir);
  return buffer;
}

GST_START_TEST (test_token_meta_with_short_arrays_is_read_within_bounds)
{
  GstHarness *h = start_harness (new_bert_infer ("token", NULL));
  GstBuffer *buffer = buffer_with_tokens ("token", 6, 7), *out;
  GstStructure *s = gst_custom_meta_get_structure (gst_buffer_get_bert_token_meta (buffer));
  GstBuffer *short_array = gst_buffer_new_allocate (NULL, 2 * sizeof (gint32), NULL);
  guint n_spans = 0;
  const guint32 *spans;

  /* A hand-made meta: type ids and offsets shorter than the ids. */
  gst_buffer_memset (short_array, 0, 0, 2 * sizeof (gint32));
  gst_structure_set (s, "type-ids", GST_TYPE_BUFFER, short_array, "offsets", GST_TYPE_BUFFER, short_array,
      NULL);
  gst_buffer_unref (short_array);
  fail_unless_equals_int (gst_harness_push (h, buffer), GST_FLOW_OK);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  out = gst_harness_pull (h);
  spans = gst_bert_result_meta_get_token_spans (result_of (out), &n_spans);
  fail_unless_equals_int (n_spans, 6);
  for (guint i = 0; i < 2 * n_spans; i++)
    fail_unless_equals_int (spans[i], 0);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* The error of the one WARNING on @bus; fails with @missing where there is none, and
 * where there are two. */
static GError *
pop_only_warning (GstBus *bus, const gchar *missing)
{
  GstMessage *warning = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING);
  GError *error = NULL;

  fail_unless (warning != NULL, "%s", missing);
  gst_message_parse_warning (warning, &error, NULL);
  gst_message_unref (warning);
  fail_unless (gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING) == NULL, "warned twice");
  return error;
}

/* Pushes @n_buffers buffers of @text and an EOS through @element, each coming out with
 * its text unchanged and a result, and returns the error of the one warning posted
 * (see pop_only_warning). */
static GError *
warning_of_stream (GstElement *element, const gchar *text, guint n_buffers, const gchar *missing)
{
  GstBus *bus = gst_bus_new ();
  GError *error;
  GstHarness *h;

  gst_element_set_bus (element, bus);
  h = start_harness (element);
  for (guint i = 0; i < n_buffers; i++)
    fail_unless_equals_int (gst_harness_push (h, text_buffer (text, i)), GST_FLOW_OK);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  for (guint i = 0; i < n_buffers; i++) {
    GstBuffer *buffer = gst_harness_pull (h);

    fail_unless (gst_buffer_memcmp (buffer, 0, text, strlen (text)) == 0, "the text changed");
    fail_unless (result_of (buffer) != NULL);
    gst_buffer_unref (buffer);
  }
  error = pop_only_warning (bus, missing);
  gst_harness_teardown (h);
  gst_bus_set_flushing (bus, TRUE);
  gst_object_unref (bus);
  return error;
}

GST_START_TEST (test_token_meta_longer_than_positions_keeps_sep)
{
  GstElement *element = new_bert_infer ("token", NULL);
  GstBus *bus = gst_bus_new ();
  GstHarness *h;
  GstBuffer *buffer;
  GstCustomMeta *result;
  guint n_tokens = 0, n_spans = 0;
  const guint32 *spans;

  gst_element_set_bus (element, bus);
  h = start_harness (element);
  fail_unless_equals_int (gst_harness_push (h, buffer_with_tokens ("token", 100, 7)), GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_push (h, buffer_with_tokens ("token", 90, 7)), GST_FLOW_OK);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));

  for (guint i = 0; i < 2; i++) {
    buffer = gst_harness_pull (h);
    /* The buffer's own tokens are untouched; the result covers what the model took. */
    gst_bert_token_meta_get_ids (gst_buffer_get_bert_token_meta (buffer), &n_tokens);
    fail_unless_equals_int (n_tokens, i ? 90 : 100);
    result = result_of (buffer);
    spans = gst_bert_result_meta_get_token_spans (result, &n_spans);
    fail_unless_equals_int (n_spans, MODEL_POSITIONS);
    fail_unless (spans[2 * MODEL_POSITIONS - 2] == 0 && spans[2 * MODEL_POSITIONS - 1] == 0,
        "the last token kept is not the [SEP]");
    fail_unless_equals_int (spans[2 * MODEL_POSITIONS - 3], 3);
    fail_unless (gst_bert_result_meta_get_truncated (result));
    gst_buffer_unref (buffer);
  }
  g_error_free (pop_only_warning (bus, "no truncation warning"));
  gst_harness_teardown (h);
  gst_bus_set_flushing (bus, TRUE);
  gst_object_unref (bus);
}

GST_END_TEST;

GST_START_TEST (test_buffer_without_tokens_is_tokenized_by_model)
{
  GstHarness *h = start_harness (new_bert_infer ("encoder", NULL));
  const gchar *text = "the quick brown fox";
  GstBuffer *buffer = push_one_and_drain (h, text);
  gchar *dir = model_dir ("encoder");
  BertModel *model = bert_model_load_shared (dir, NULL);
  GstCustomMeta *tokens = gst_buffer_get_bert_token_meta (buffer);
  BertEncoding expected;
  guint n_tokens = 0;
  const gint32 *ids;

  fail_unless (tokens != NULL, "the element attached no token meta");
  bert_encoding_init (&expected);
  bert_tokenizer_encode (bert_model_get_tokenizer (model), text, strlen (text), 0, &expected);
  ids = gst_bert_token_meta_get_ids (tokens, &n_tokens);
  fail_unless_equals_int (n_tokens, expected.n_tokens);
  fail_unless (memcmp (ids, expected.ids, n_tokens * sizeof (gint32)) == 0);
  fail_unless (memcmp (gst_bert_token_meta_get_offsets (tokens, &n_tokens), expected.offsets,
                   2 * n_tokens * sizeof (guint32))
      == 0);
  bert_encoding_clear (&expected);
  bert_model_unref (model);
  g_free (dir);
  gst_buffer_unref (buffer);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* A byte stream (no caps, a segment in bytes: filesrc, fdsrc) is cut where reads end,
 * mid-word: bert-infer refuses it as tokenizer does, rather than run the pieces. */
GST_START_TEST (test_byte_stream_refused)
{
  GstElement *element = new_bert_infer ("encoder", "batch-size", 1, NULL);
  GstHarness *h = gst_harness_new_with_element (element, "sink", "src");
  GstBus *bus = gst_bus_new ();
  GstMessage *message;
  GError *error = NULL;
  GstSegment segment;

  gst_element_set_bus (element, bus);
  gst_object_unref (element);
  gst_harness_play (h);
  gst_segment_init (&segment, GST_FORMAT_BYTES);
  gst_harness_push_event (h, gst_event_new_stream_start ("bytes"));
  gst_harness_push_event (h, gst_event_new_segment (&segment));
  fail_unless_equals_int (gst_harness_push (h, text_buffer ("the quick bro", 0)), GST_FLOW_ERROR);
  fail_unless_equals_int (gst_harness_buffers_in_queue (h), 0);
  message = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (message != NULL, "a byte stream was run in read-size pieces");
  gst_message_parse_error (message, &error, NULL);
  fail_unless (strstr (error->message, "split-lines") != NULL, "%s", error->message);
  g_error_free (error);
  gst_message_unref (message);
  gst_harness_teardown (h);
  gst_bus_set_flushing (bus, TRUE);
  gst_object_unref (bus);
}

GST_END_TEST;

/* Pulls the buffers of a stream up to its EOS, and counts the WARNING messages on @bus. */
static guint
drain_stream_counting_warnings (GstHarness *h, GstBus *bus, guint n_buffers)
{
  GstMessage *message;
  guint warnings = 0;

  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  for (guint i = 0; i < n_buffers; i++) {
    GstBuffer *buffer = gst_harness_pull (h);

    fail_unless (result_of (buffer) != NULL);
    gst_buffer_unref (buffer);
  }
  pull_until_event (h, GST_EVENT_EOS);
  while ((message = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING))) {
    warnings++;
    gst_message_unref (message);
  }
  return warnings;
}

/* Pushes two streams (STREAM_START, caps and segment, two buffers of @text, EOS) one
 * after the other through @element, and checks that each got its one warning: "once
 * per stream" means per stream, as a playlist or concat's next input starts a new one. */
static void
assert_warned_once_per_stream (GstElement *element, const gchar *text)
{
  GstBus *bus = gst_bus_new ();
  GstHarness *h;

  gst_element_set_bus (element, bus);
  h = start_harness (element);
  for (guint stream = 0; stream < 2; stream++) {
    if (stream > 0)
      restart_stream (h);
    for (guint i = 0; i < 2; i++)
      fail_unless_equals_int (gst_harness_push (h, text_buffer (text, 2 * stream + i)), GST_FLOW_OK);
    fail_unless_equals_int (drain_stream_counting_warnings (h, bus, 2), 1);
  }
  gst_harness_teardown (h);
  gst_bus_set_flushing (bus, TRUE);
  gst_object_unref (bus);
}

/* bert-infer alone drops invalid UTF-8 for tokenizing as tokenizer does, and says so as
 * tokenizer does: once per stream, the text passing unchanged. */
GST_START_TEST (test_invalid_utf8_tokenized_here_warns_once)
{
  GstElement *element = new_bert_infer ("encoder", "batch-size", 1, NULL);
  GError *error = warning_of_stream (element, "the \xff\xfe quick \xc3", 3, "invalid UTF-8 dropped silently");

  fail_unless (g_error_matches (error, GST_STREAM_ERROR, GST_STREAM_ERROR_DECODE), "%s", error->message);
  g_error_free (error);
}

GST_END_TEST;

/* A prompt that fills max-length leaves no token of the captions it tokenizes: each
 * would get the prompt's embedding. Said once per stream, as the tokenizer says it. */
GST_START_TEST (test_prompt_filling_max_length_warns_once)
{
  GstElement *element =
      new_bert_infer ("encoder", "batch-size", 1, "prompt", "the the the the ", "max-length", 6, NULL);
  GError *error = warning_of_stream (element, "quick", 2, "a caption lost to the prompt without a word");

  fail_unless (g_error_matches (error, GST_STREAM_ERROR, GST_STREAM_ERROR_FORMAT), "%s", error->message);
  fail_unless (strstr (error->message, "The prompt leaves no room for the text") != NULL, "%s",
      error->message);
  g_error_free (error);
}

GST_END_TEST;

GST_START_TEST (test_invalid_utf8_warned_again_in_new_stream)
{
  assert_warned_once_per_stream (new_bert_infer ("encoder", "batch-size", 1, NULL), "the \xff quick");
}

GST_END_TEST;

GST_START_TEST (test_pango_markup_is_stripped_when_tokenizing)
{
  GstElement *element = new_bert_infer ("encoder", NULL);
  GstHarness *h = gst_harness_new_with_element (element, "sink", "src");
  const gchar *markup = "<i>the</i> quick &amp; brown";
  const gchar *plain = "the quick & brown";
  gchar *dir = model_dir ("encoder");
  BertModel *model = bert_model_load_shared (dir, NULL);
  BertEncoding expected;
  GstBuffer *buffer;
  GstCustomMeta *tokens;
  const gint32 *ids;
  const guint32 *offsets;
  guint n_tokens = 0;

  gst_object_unref (element);
  gst_harness_set_src_caps_str (h, "text/x-raw, format=(string)pango-markup");
  buffer = push_one_and_drain (h, markup);
  tokens = gst_buffer_get_bert_token_meta (buffer);
  fail_unless (tokens != NULL, "the element attached no token meta");
  bert_encoding_init (&expected);
  bert_tokenizer_encode (bert_model_get_tokenizer (model), plain, strlen (plain), 0, &expected);
  ids = gst_bert_token_meta_get_ids (tokens, &n_tokens);
  fail_unless_equals_int (n_tokens, expected.n_tokens);
  fail_unless (memcmp (ids, expected.ids, n_tokens * sizeof (gint32)) == 0,
      "tags or entities were tokenized");
  /* "the" is bytes 3..6 of the markup, inside <i>...</i> */
  offsets = gst_bert_token_meta_get_offsets (tokens, &n_tokens);
  fail_unless_equals_int (offsets[2], 3);
  fail_unless_equals_int (offsets[3], 6);
  fail_unless (result_of (buffer) != NULL);
  bert_encoding_clear (&expected);
  bert_model_unref (model);
  g_free (dir);
  gst_buffer_unref (buffer);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Pushes @good (unless NULL), then @bad through @element, which must refuse @bad with a
 * flow error; returns the details of the error posted, after checking that its message
 * holds @fragment. */
static gchar *
push_expecting_error (GstElement *element, GstBuffer *good, GstBuffer *bad, const gchar *fragment)
{
  GstBus *bus = gst_bus_new ();
  GstHarness *h;
  GstMessage *message;
  GError *error = NULL;
  gchar *debug = NULL;

  gst_element_set_bus (element, bus);
  h = start_harness (element);
  if (good)
    fail_unless_equals_int (gst_harness_push (h, good), GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_push (h, bad), GST_FLOW_ERROR);
  message = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (message != NULL);
  gst_message_parse_error (message, &error, &debug);
  fail_unless (strstr (error->message, fragment) != NULL, "message '%s'", error->message);
  g_error_free (error);
  gst_message_unref (message);
  gst_harness_teardown (h);
  gst_bus_set_flushing (bus, TRUE);
  gst_object_unref (bus);
  return debug;
}

/* The engine runs sequences of at least one token: text that gives none (a tokenizer
 * whose template adds no [CLS] or [SEP]) is an error naming the buffer, not a crash. */
GST_START_TEST (test_text_without_tokens_is_error)
{
  gchar *debug = push_expecting_error (new_bert_infer ("no-template", NULL), text_buffer ("w5 w6", 0),
      text_buffer ("", GST_SECOND), "no tokens");

  fail_unless (strstr (debug, "0:00:01") != NULL, "details '%s' lack the buffer's time", debug);
  g_free (debug);
}

GST_END_TEST;

GST_START_TEST (test_token_id_outside_vocabulary_is_error)
{
  gchar *debug = push_expecting_error (new_bert_infer ("encoder", NULL), NULL,
      buffer_with_tokens ("encoder", 5, 1 << 30), "do not fit");

  fail_unless (strstr (debug, "1073741824") != NULL, "details '%s' lack the bad id", debug);
  fail_unless (strstr (debug, "encoder") != NULL, "details '%s' lack the model", debug);
  g_free (debug);
}

GST_END_TEST;

/* Takes @element to READY, expects a RESOURCE error whose details hold @detail, and
 * returns its message for further checks. */
static gchar *
assert_ready_fails (GstElement *element, const gchar *detail)
{
  GstBus *bus = gst_bus_new ();
  GstMessage *message;
  GError *error = NULL;
  gchar *debug = NULL, *text;

  gst_element_set_bus (element, bus);
  fail_unless_equals_int (gst_element_set_state (element, GST_STATE_READY), GST_STATE_CHANGE_FAILURE);
  message = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (message != NULL, "no error message");
  gst_message_parse_error (message, &error, &debug);
  fail_unless (error->domain == GST_RESOURCE_ERROR, "not a resource error: %s", error->message);
  fail_unless (debug && strstr (debug, detail) != NULL, "details '%s' lack '%s'", debug, detail);
  text = g_strdup (error->message);
  g_error_free (error);
  g_free (debug);
  gst_message_unref (message);
  gst_element_set_state (element, GST_STATE_NULL);
  gst_element_set_bus (element, NULL);
  gst_object_unref (bus);
  return text;
}

GST_START_TEST (test_missing_model_fails_naming_it)
{
  GstElement *element = gst_element_factory_make ("bert-infer", NULL);
  const gchar *path = "/nonexistent/gst-bert/model";
  gchar *message;

  g_object_set (element, "model", path, NULL);
  message = assert_ready_fails (element, path);
  fail_unless (strstr (message, path) != NULL, "'%s' lacks the path", message);
  fail_unless (strstr (message, FETCH_COMMAND) == NULL, "a path is not a model to fetch: '%s'", message);
  g_free (message);
  gst_object_unref (element);
}

GST_END_TEST;

/* bert-infer, one text a batch, on a model written to dir whose finite weights are so
 * large that the layers overflow: every result is NaN. */
static GstElement *
overflowing_bert_infer (const gchar *dir)
{
  BertTestModelSpec options;
  GstElement *element = gst_element_factory_make ("bert-infer", NULL);

  bert_test_model_spec_init (&options);
  options.weight_scale = 1e30f;
  fail_unless (bert_test_model_write (dir, &options, NULL));
  g_object_set (element, "model", dir, "batch-size", 1, NULL);
  return element;
}

/* Finite weights so large that the layers overflow: every result is NaN, which bert-json
 * would write as null without a word. The buffers pass, and a warning says so once. */
GST_START_TEST (test_non_finite_results_warn_once)
{
  gchar *dir = model_dir ("overflowing");
  GError *error =
      warning_of_stream (overflowing_bert_infer (dir), "w5 w6 w7", 3, "NaN results went unnoticed");

  fail_unless (strstr (error->message, "NaN") != NULL, "%s", error->message);
  g_error_free (error);
  bert_test_model_remove (dir);
  g_free (dir);
}

GST_END_TEST;

/* The non-finite warning is the source task's: it is reset when the new stream's
 * STREAM_START goes out, behind the old stream's results. */
GST_START_TEST (test_non_finite_results_warned_again_in_new_stream)
{
  gchar *dir = model_dir ("overflowing-streams");
  GstElement *element = overflowing_bert_infer (dir);

  assert_warned_once_per_stream (element, "w5 w6 w7");
  bert_test_model_remove (dir);
  g_free (dir);
}

GST_END_TEST;

/* A BERT model with one token type (type_vocab_size 1) has no row for the pair's second
 * type: Hugging Face's BertModel fails on such a pair (index out of range), so pair-text
 * is refused at READY, naming the property and type_vocab_size, rather than failing
 * each buffer. (RoBERTa and XLM-R, whose type ids are ignored, run their pairs:
 * engine/engine-pair-elements checks an XLM-R cross-encoder against PyTorch.) */
GST_START_TEST (test_pair_text_on_one_token_type_bert_fails_at_ready)
{
  gchar *dir = model_dir ("one-token-type");
  BertTestModelSpec options;
  GstElement *element = gst_element_factory_make ("bert-infer", NULL);
  gchar *message;

  bert_test_model_spec_init (&options);
  options.type_vocab_size = 1;
  fail_unless (bert_test_model_write (dir, &options, NULL));
  g_object_set (element, "model", dir, "pair-text", "w5 w6", NULL);
  message = assert_ready_fails (element, "type_vocab_size 1");
  fail_unless (strstr (message, "pair-text") != NULL, "'%s' does not name pair-text", message);
  g_free (message);

  g_object_set (element, "pair-text", NULL, NULL);
  fail_unless_equals_int (gst_element_set_state (element, GST_STATE_READY), GST_STATE_CHANGE_SUCCESS);
  gst_element_set_state (element, GST_STATE_NULL);
  gst_object_unref (element);
  bert_test_model_remove (dir);
  g_free (dir);
}

GST_END_TEST;

GST_START_TEST (test_malformed_config_fails_naming_file)
{
  gchar *dir = model_dir ("malformed");
  gchar *config = g_build_filename (dir, "config.json", NULL);
  BertTestModelSpec options;
  GstElement *element = gst_element_factory_make ("bert-infer", NULL);

  bert_test_model_spec_init (&options);
  fail_unless (bert_test_model_write (dir, &options, NULL));
  fail_unless (g_file_set_contents (config, "{ \"hidden_size\": ", -1, NULL));
  g_object_set (element, "model", dir, NULL);
  g_free (assert_ready_fails (element, "config.json"));
  gst_object_unref (element);
  g_free (config);
  g_free (dir);
}

GST_END_TEST;

/* The details of the one warning of a stream of two buffers of @n_tokens tokens each, more
 * than the model takes, ending with the [SEP] as the tokenizer ends them or with a word. */
static gchar *
cut_warning_details (guint n_tokens, gboolean ends_with_sep)
{
  GstElement *element = new_bert_infer ("token", NULL);
  GstBus *bus = gst_bus_new ();
  GstMessage *warning;
  gchar *details = NULL;
  GstHarness *h;

  gst_element_set_bus (element, bus);
  h = start_harness (element);
  for (guint i = 0; i < 2; i++) {
    GstBuffer *buffer = buffer_with_tokens ("token", n_tokens, 7);
    GstStructure *s = gst_custom_meta_get_structure (gst_buffer_get_bert_token_meta (buffer));
    GstBuffer *ids = gst_value_get_buffer (gst_structure_get_value (s, "ids"));
    gint32 word = 7;

    if (!ends_with_sep)
      gst_buffer_fill (ids, (n_tokens - 1) * sizeof (gint32), &word, sizeof word);
    fail_unless_equals_int (gst_harness_push (h, buffer), GST_FLOW_OK);
  }
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  for (guint i = 0; i < 2; i++) {
    GstBuffer *out = gst_harness_pull (h);
    guint n_spans = 0;
    gst_bert_result_meta_get_token_spans (result_of (out), &n_spans);
    fail_unless_equals_int (n_spans, MODEL_POSITIONS);
    fail_unless (gst_bert_result_meta_get_truncated (result_of (out)));
    gst_buffer_unref (out);
  }
  warning = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING);
  fail_unless (warning != NULL, "no truncation warning");
  gst_message_parse_warning (warning, NULL, &details);
  gst_message_unref (warning);
  fail_unless (gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING) == NULL, "warned twice");
  gst_harness_teardown (h);
  gst_bus_set_flushing (bus, TRUE);
  gst_object_unref (bus);
  return details;
}

/* Tokens in the tokenizer's template are cut as it truncates; others keep their first
 * tokens and the last, and the warning says that this may not be the tokenizer's. */
GST_START_TEST (test_token_meta_cut_says_how)
{
  gchar *details = cut_warning_details (100, TRUE);

  fail_unless (strstr (details,
                   "cut as the model's tokenizer truncates at that length: the text losing its last "
                   "tokens")
          != NULL,
      "%s", details);
  fail_unless (strstr (details, "does not name its tokenizer") != NULL, "%s", details);
  g_free (details);
  details = cut_warning_details (100, FALSE);
  fail_unless (strstr (details,
                   "cannot be cut as the model's tokenizer truncates (the 100 tokens fit neither")
          != NULL,
      "%s", details);
  fail_unless (strstr (details, "kept the first 63 and the last") != NULL, "%s", details);
  g_free (details);
}

GST_END_TEST;

/* Truncation at max_seq_length ----------------------------------------------------- */

/* Checks that @buffer's token results cover @n_run tokens ending with the [SEP], and its
 * result's truncated flag. */
static void
assert_token_result (GstBuffer *buffer, guint n_run, gboolean truncated)
{
  GstCustomMeta *result = result_of (buffer);
  guint n_spans = 0;
  const guint32 *spans = gst_bert_result_meta_get_token_spans (result, &n_spans);

  fail_unless_equals_int (n_spans, n_run);
  fail_unless (spans[2 * n_run - 2] == 0 && spans[2 * n_run - 1] == 0, "the last token run is not the [SEP]");
  fail_unless_equals_int (gst_bert_result_meta_get_truncated (result), truncated);
}

static guint
token_meta_length (GstBuffer *buffer)
{
  guint n_tokens = 0;

  gst_bert_token_meta_get_ids (gst_buffer_get_bert_token_meta (buffer), &n_tokens);
  return n_tokens;
}

GST_START_TEST (test_token_meta_cut_at_max_seq_length)
{
  GstHarness *h = start_harness (new_bert_infer ("token-st16", NULL));
  GstBuffer *out;

  fail_unless_equals_int (gst_harness_push (h, buffer_with_tokens ("token-st16", 40, 7)), GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_push (h, buffer_with_tokens ("token-st16", ST16_MAX_SEQ_LENGTH, 7)),
      GST_FLOW_OK);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));

  /* The buffer's own tokens pass whole and unflagged; the result says what was run. */
  out = gst_harness_pull (h);
  fail_unless_equals_int (token_meta_length (out), 40);
  fail_if (gst_bert_token_meta_get_truncated (gst_buffer_get_bert_token_meta (out)));
  assert_token_result (out, ST16_MAX_SEQ_LENGTH, TRUE);
  gst_buffer_unref (out);
  out = gst_harness_pull (h);
  assert_token_result (out, ST16_MAX_SEQ_LENGTH, FALSE);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_max_length_overrides_max_seq_length)
{
  GstHarness *h = start_harness (new_bert_infer ("token-st16", "max-length", 24, NULL));
  GstBuffer *out;

  fail_unless_equals_int (gst_harness_push (h, buffer_with_tokens ("token-st16", 40, 7)), GST_FLOW_OK);
  g_object_set (h->element, "max-length", 1000, NULL);
  fail_unless_equals_int (gst_harness_push (h, buffer_with_tokens ("token-st16", 100, 7)), GST_FLOW_OK);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  out = gst_harness_pull (h);
  assert_token_result (out, 24, TRUE);
  gst_buffer_unref (out);
  /* Never more than the positions. */
  out = gst_harness_pull (h);
  assert_token_result (out, MODEL_POSITIONS, TRUE);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_own_tokenization_cut_at_max_seq_length)
{
  GstHarness *h = start_harness (new_bert_infer ("token-st16", NULL));
  gchar *text = long_text (50);
  GstBuffer *out = push_one_and_drain (h, text);

  fail_unless_equals_int (token_meta_length (out), ST16_MAX_SEQ_LENGTH);
  fail_unless (gst_bert_token_meta_get_truncated (gst_buffer_get_bert_token_meta (out)));
  assert_token_result (out, ST16_MAX_SEQ_LENGTH, TRUE);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
  g_free (text);
}

GST_END_TEST;

/* Tokens the tokenizer already cut make a truncated result, though bert-infer cuts none. */
GST_START_TEST (test_truncated_token_meta_makes_truncated_result)
{
  GstHarness *h = start_harness (new_bert_infer ("token-st16", NULL));
  GstBuffer *in = buffer_with_tokens ("token-st16", 8, 7), *out;

  gst_structure_set (gst_custom_meta_get_structure (gst_buffer_get_bert_token_meta (in)), "truncated",
      G_TYPE_BOOLEAN, TRUE, NULL);
  fail_unless_equals_int (gst_harness_push (h, in), GST_FLOW_OK);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  out = gst_harness_pull (h);
  assert_token_result (out, 8, TRUE);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* The "result" object of the next line bert-json wrote. */
static JsonObject *
pull_json_result (GstHarness *h)
{
  GstBuffer *line = gst_harness_pull (h);
  GstMapInfo map;
  JsonNode *node;
  JsonObject *result;

  fail_unless (line != NULL && gst_buffer_map (line, &map, GST_MAP_READ));
  node = json_from_string ((const gchar *) map.data, NULL);
  fail_unless (node != NULL, "not JSON: %.*s", (int) map.size, map.data);
  result = json_object_ref (json_object_get_object_member (json_node_get_object (node), "result"));
  gst_buffer_unmap (line, &map);
  gst_buffer_unref (line);
  json_node_unref (node);
  return result;
}

GST_START_TEST (test_bert_json_writes_result_truncation)
{
  gchar *dir = model_dir ("token-st16");
  gchar *launch = g_strdup_printf ("bert-infer model=%s device=cpu ! bert-json", dir);
  GstHarness *h = gst_harness_new_parse (launch);
  gchar *text = long_text (50);
  JsonObject *result;

  gst_harness_set_src_caps_str (h, UTF8_CAPS);
  fail_unless_equals_int (gst_harness_push (h, text_buffer (text, 0)), GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_push (h, text_buffer ("hello", 1)), GST_FLOW_OK);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  result = pull_json_result (h);
  fail_unless (json_object_get_boolean_member (result, "truncated"));
  json_object_unref (result);
  result = pull_json_result (h);
  fail_if (json_object_get_boolean_member (result, "truncated"));
  json_object_unref (result);
  gst_harness_teardown (h);
  g_free (text);
  g_free (launch);
  g_free (dir);
}

GST_END_TEST;

/* The default model and model names ------------------------------------------------ */

static gchar *saved_models_dir, *saved_xdg_data_home;

static void
set_or_unset_env (const gchar *variable, const gchar *value)
{
  if (value)
    g_setenv (variable, value, TRUE);
  else
    g_unsetenv (variable);
}

/* Where the elements look for models: @models_dir as GST_BERT_MODELS_DIR, @xdg_data_home
 * as XDG_DATA_HOME (NULL: unset). */
static void
set_models_env (const gchar *models_dir, const gchar *xdg_data_home)
{
  set_or_unset_env ("GST_BERT_MODELS_DIR", models_dir);
  set_or_unset_env ("XDG_DATA_HOME", xdg_data_home);
}

/* Tests run in a process of their own unless CK_FORK=no: put the environment back. */
static void
restore_models_env (void)
{
  set_models_env (saved_models_dir, saved_xdg_data_home);
}

/* Runs one text through @element (taken) and returns the name of the model it ran. */
static gchar *
model_run_by (GstElement *element)
{
  GstHarness *h;
  GstBuffer *buffer;
  gchar *name;

  gst_util_set_object_arg (G_OBJECT (element), "device", "cpu");
  h = start_harness (element);
  buffer = push_one_and_drain (h, "hello");
  name = g_strdup (gst_bert_result_meta_get_model (result_of (buffer)));
  gst_buffer_unref (buffer);
  gst_harness_teardown (h);
  return name;
}

GST_START_TEST (test_default_model_from_models_dir)
{
  gchar *name;

  set_models_env (MODELS_DIR, "/nonexistent");
  name = model_run_by (gst_element_factory_make ("bert-infer", NULL));
  fail_unless_equals_string (name, DEFAULT_MODEL_NAME);
  g_free (name);
  restore_models_env ();
}

GST_END_TEST;

GST_START_TEST (test_models_dir_defaults_to_xdg_data_home)
{
  gchar *name;

  set_models_env (NULL, XDG_DATA_HOME_DIR);
  name = model_run_by (gst_element_factory_make ("bert-infer", NULL));
  fail_unless_equals_string (name, DEFAULT_MODEL_NAME);
  g_free (name);
  restore_models_env ();
}

GST_END_TEST;

GST_START_TEST (test_model_name_found_in_models_dir)
{
  GstElement *element = gst_element_factory_make ("bert-infer", NULL);
  gchar *name;

  set_models_env (MODELS_DIR, NULL);
  g_object_set (element, "model", "named-model", NULL);
  name = model_run_by (element);
  fail_unless_equals_string (name, "named-model");
  g_free (name);
  restore_models_env ();
}

GST_END_TEST;

/* Expects READY to fail naming the folder looked for and the command that fetches it. */
static void
assert_fetch_command_named (GstElement *element, const gchar *model_name)
{
  gchar *folder = g_build_filename (EMPTY_MODELS_DIR, model_name, NULL);
  gchar *command = g_strdup_printf (FETCH_COMMAND " %s", model_name);
  gchar *message = assert_ready_fails (element, "GST_BERT_MODELS_DIR");

  fail_unless (strstr (message, folder) != NULL, "'%s' lacks %s", message, folder);
  fail_unless (strstr (message, command) != NULL, "'%s' lacks %s", message, command);
  g_free (message);
  g_free (command);
  g_free (folder);
}

GST_START_TEST (test_missing_default_model_names_fetch_command)
{
  GstElement *element = gst_element_factory_make ("bert-infer", NULL);

  set_models_env (EMPTY_MODELS_DIR, NULL);
  assert_fetch_command_named (element, DEFAULT_MODEL_NAME);
  gst_object_unref (element);
  restore_models_env ();
}

GST_END_TEST;

GST_START_TEST (test_missing_named_model_names_fetch_command)
{
  GstElement *element = gst_element_factory_make ("bert-infer", NULL);

  set_models_env (EMPTY_MODELS_DIR, NULL);
  g_object_set (element, "model", "no-such-model", NULL);
  assert_fetch_command_named (element, "no-such-model");
  gst_object_unref (element);
  restore_models_env ();
}

GST_END_TEST;

/* Downstream ---------------------------------------------------------------------- */

static GstFlowReturn
refuse_buffer (GstPad *pad, GstObject *parent, GstBuffer *buffer)
{
  gst_buffer_unref (buffer);
  return GST_FLOW_ERROR;
}

GST_START_TEST (test_downstream_error_reaches_upstream)
{
  gint live_before = g_atomic_int_get (&live_buffers);
  GstHarness *h = start_harness (new_bert_infer ("encoder", "batch-size", 1, NULL));
  GstFlowReturn ret = GST_FLOW_OK;

  gst_pad_set_chain_function (h->sinkpad, refuse_buffer);
  /* The first push only queues; the error of its push downstream comes back on a later one. */
  for (guint i = 0; i < 200 && ret == GST_FLOW_OK; i++) {
    ret = gst_harness_push (h, text_buffer ("refused", i));
    g_usleep (1000);
  }
  fail_unless_equals_int (ret, GST_FLOW_ERROR);
  teardown_checking_buffers (h, live_before);
}

GST_END_TEST;

static GstFlowReturn
end_stream_on_buffer (GstPad *pad, GstObject *parent, GstBuffer *buffer)
{
  gst_buffer_unref (buffer);
  return GST_FLOW_EOS;
}

GST_START_TEST (test_downstream_eos_still_gets_upstream_eos)
{
  GstHarness *h = start_harness (new_bert_infer ("encoder", "batch-size", 1, NULL));
  GstFlowReturn ret = GST_FLOW_OK;

  gst_pad_set_chain_function (h->sinkpad, end_stream_on_buffer);
  for (guint i = 0; i < 200 && ret == GST_FLOW_OK; i++) {
    ret = gst_harness_push (h, text_buffer ("no more", i));
    g_usleep (1000);
  }
  fail_unless_equals_int (ret, GST_FLOW_EOS);
  /* Upstream's EOS still reaches downstream, so that a pipeline can finish. */
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  pull_event_of_type (h, GST_EVENT_EOS);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_post_messages_carry_results)
{
  GstElement *element = new_bert_infer ("encoder", "post-messages", TRUE, NULL);
  GstBus *bus = gst_bus_new ();
  GstHarness *h;

  gst_element_set_bus (element, bus);
  h = start_harness (element);
  for (guint i = 0; i < 3; i++)
    fail_unless_equals_int (gst_harness_push (h, text_buffer ("tell the bus", 10 + i)), GST_FLOW_OK);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  pull_in_order (h, 3, 10, 0);
  for (guint i = 0; i < 3; i++) {
    GstMessage *message = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT);
    const GstStructure *s;
    guint64 pts = 0;

    fail_unless (message != NULL, "message %u missing", i);
    s = gst_message_get_structure (message);
    fail_unless (gst_structure_has_name (s, "bert-result"));
    fail_unless (gst_structure_get_uint64 (s, "pts", &pts));
    fail_unless_equals_uint64 (pts, 10 + i);
    fail_unless (gst_structure_has_field (s, "embedding"));
    fail_unless_equals_string (gst_structure_get_string (s, "model"), "encoder");
    gst_message_unref (message);
  }
  gst_harness_teardown (h);
  gst_bus_set_flushing (bus, TRUE);
  gst_object_unref (bus);
}

GST_END_TEST;

/* Parity with the shared PyTorch references ------------------------------------- */

/* Reference outputs are float64 from fp32 PyTorch; the CPU engine computes in fp32 too. */
#define REFERENCE_TOLERANCE 2e-4

static const gchar *const shared_models[] = {
  "all-MiniLM-L6-v2",
  "bert-tiny-random",
  "bert-tiny-random-cls-bf16",
  "bert-tiny-random-sentiment",
  "bert-tiny-random-topics-multilabel",
  "bert-tiny-random-ner",
};

static gchar *
shared_path (const gchar *first, ...)
{
  const gchar *shared = g_getenv ("GST_BERT_SHARED_DIR");
  gchar *path, *tail;
  va_list parts;

  va_start (parts, first);
  tail = g_build_filename_valist (first, &parts);
  va_end (parts);
  path = g_build_filename (shared ? shared : "../shared", tail, NULL);
  g_free (tail);
  return path;
}

static gint32 *
json_ints (JsonArray *array)
{
  gint32 *values = g_new (gint32, json_array_get_length (array));

  for (guint i = 0; i < json_array_get_length (array); i++)
    values[i] = json_array_get_int_element (array, i);
  return values;
}

static void
assert_close_to_json (const gchar *where, const gchar *what, const gfloat *actual, guint n,
    JsonArray *expected)
{
  fail_unless (n == json_array_get_length (expected), "%s: %u %s, reference %u", where, n, what,
      json_array_get_length (expected));
  for (guint i = 0; i < n; i++) {
    gdouble value = json_array_get_double_element (expected, i);

    fail_unless (fabs (actual[i] - value) <= REFERENCE_TOLERANCE * (1.0 + fabs (value)),
        "%s: %s[%u] is %g, reference %g", where, what, i, actual[i], value);
  }
}

/* A buffer carrying the reference line's tokens (pairs and 512-token lines included). */
static GstBuffer *
reference_buffer (JsonObject *line, GstClockTime pts)
{
  JsonArray *ids = json_object_get_array_member (line, "ids");
  guint n = json_array_get_length (ids);
  gint32 *id_values = json_ints (ids);
  gint32 *type_ids = json_ints (json_object_get_array_member (line, "type_ids"));
  guint32 *offsets = g_new0 (guint32, 2 * n);
  GstBuffer *buffer = text_buffer (json_object_get_string_member (line, "text"), pts);

  gst_buffer_add_bert_token_meta (buffer, id_values, type_ids, offsets, n, FALSE);
  g_free (id_values);
  g_free (type_ids);
  g_free (offsets);
  return buffer;
}

static void
assert_result_as_reference (GstBuffer *buffer, JsonObject *line, const gchar *where)
{
  GstCustomMeta *result = result_of (buffer);
  guint n = 0;

  if (json_object_has_member (line, "embedding")) {
    const gfloat *embedding = gst_bert_result_meta_get_embedding (result, &n);

    assert_close_to_json (where, "embedding", embedding, n, json_object_get_array_member (line, "embedding"));
  }
  if (json_object_has_member (line, "logits")) {
    const gfloat *logits = gst_bert_result_meta_get_logits (result, &n);
    const gfloat *probs;

    assert_close_to_json (where, "logits", logits, n, json_object_get_array_member (line, "logits"));
    probs = gst_bert_result_meta_get_probs (result, &n);
    assert_close_to_json (where, "probs", probs, n, json_object_get_array_member (line, "probs"));
    /* Multi-label results name no label when none is over 0.5; the reference names the argmax. */
    if (gst_bert_result_meta_get_label_index (result) >= 0)
      fail_unless_equals_string (gst_bert_result_meta_get_label (result),
          json_object_get_string_member (line, "label"));
  }
  if (json_object_has_member (line, "token_labels")) {
    JsonArray *labels = json_object_get_array_member (line, "token_labels");

    fail_unless_equals_int (gst_bert_result_meta_get_n_token_labels (result), json_array_get_length (labels));
    for (guint t = 0; t < json_array_get_length (labels); t++)
      fail_unless_equals_string (gst_bert_result_meta_get_token_label (result, t),
          json_array_get_string_element (labels, t));
  }
}

static void
assert_model_as_reference (const gchar *name)
{
  gchar *model = shared_path ("models", name, NULL);
  gchar *reference = shared_path ("reference", "encoder", name, NULL);
  gchar *jsonl = g_strconcat (reference, ".jsonl", NULL);
  gchar *contents = NULL;
  gchar **lines;
  GstElement *element = gst_element_factory_make ("bert-infer", NULL);
  GstHarness *h;
  guint n_lines = 0;

  fail_unless (g_file_get_contents (jsonl, &contents, NULL, NULL), "cannot read %s", jsonl);
  lines = g_strsplit (contents, "\n", -1);
  g_object_set (element, "model", model, "batch-size", 8, NULL);
  gst_util_set_object_arg (G_OBJECT (element), "device", "cpu");
  h = start_harness (element);

  for (; lines[n_lines] && *lines[n_lines]; n_lines++) {
    JsonNode *node = json_from_string (lines[n_lines], NULL);

    fail_unless (node != NULL, "%s:%u is not JSON", jsonl, n_lines + 1);
    fail_unless_equals_int (gst_harness_push (h, reference_buffer (json_node_get_object (node), n_lines)),
        GST_FLOW_OK);
    json_node_unref (node);
  }
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  for (guint i = 0; i < n_lines; i++) {
    JsonNode *node = json_from_string (lines[i], NULL);
    GstBuffer *buffer = gst_harness_pull (h);
    gchar *where = g_strdup_printf ("%s:%u", jsonl, i + 1);

    fail_unless_equals_uint64 (GST_BUFFER_PTS (buffer), i);
    assert_result_as_reference (buffer, json_node_get_object (node), where);
    g_free (where);
    gst_buffer_unref (buffer);
    json_node_unref (node);
  }
  GST_INFO ("%s: %u lines as the reference", name, n_lines);
  gst_harness_teardown (h);
  g_strfreev (lines);
  g_free (contents);
  g_free (jsonl);
  g_free (reference);
  g_free (model);
}

GST_START_TEST (test_shared_models_match_reference)
{
  for (guint i = 0; i < G_N_ELEMENTS (shared_models); i++)
    assert_model_as_reference (shared_models[i]);
}

GST_END_TEST;

static Suite *
bertinfer_suite (void)
{
  Suite *s = suite_create ("bertinfer");
  TCase *flow = tcase_create ("flow");
  TCase *results = tcase_create ("results");
  TCase *control = tcase_create ("control");
  TCase *input = tcase_create ("bad-input");
  TCase *truncation = tcase_create ("truncation");
  TCase *models_dir = tcase_create ("models-dir");
  gchar *reference_dir = shared_path ("reference", "encoder", NULL);

  suite_add_tcase (s, flow);
  tcase_add_test (flow, test_order_kept_over_many_buffers);
  tcase_add_test (flow, test_eos_drains_pending_batch);
  tcase_add_test (flow, test_full_batch_runs_without_waiting);
  tcase_add_test (flow, test_token_limit_closes_batch_before_overflow);
  tcase_add_test (flow, test_serialized_event_keeps_its_place);
  tcase_add_test (flow, test_batch_timeout_sends_lone_buffer);
  tcase_add_test (flow, test_live_results_within_deadline);
  tcase_add_test (flow, test_downstream_error_reaches_upstream);
  tcase_add_test (flow, test_downstream_eos_still_gets_upstream_eos);

  suite_add_tcase (s, results);
  tcase_add_test (results, test_embeddings_equal_engine_alone);
  tcase_add_test (results, test_sequence_labels_equal_engine_alone);
  tcase_add_test (results, test_token_labels_equal_engine_alone);
  tcase_add_test (results, test_sequence_result_has_argmax_label);
  tcase_add_test (results, test_multilabel_result_lists_labels_over_half);
  tcase_add_test (results, test_token_spans_follow_token_offsets);
  tcase_add_test (results, test_output_flags_select_results);
  tcase_add_test (results, test_post_messages_carry_results);

  suite_add_tcase (s, control);
  tcase_add_test (control, test_flush_in_middle_of_batch);
  tcase_add_test (control, test_flush_with_batches_in_engine);
  tcase_add_test (control, test_state_changes_mid_stream);
  tcase_add_test (control, test_two_instances_share_model);
  tcase_add_test (control, test_backend_property_says_what_runs);
  tcase_add_test (control, test_precision_property_choices);
  tcase_add_test (control, test_result_says_precision);
  tcase_add_test (control, test_reduced_precision_runs_or_warns);
  tcase_add_test (control, test_latency_query_adds_timeout_and_batch_time);

  suite_add_tcase (s, input);
  tcase_add_test (input, test_empty_text_gets_result);
  tcase_add_test (input, test_text_longer_than_positions_is_truncated);
  tcase_add_test (input, test_max_length_limits_own_tokenization);
  tcase_add_test (input, test_token_meta_longer_than_positions_keeps_sep);
  tcase_add_test (input, test_token_meta_with_short_arrays_is_read_within_bounds);
  tcase_add_test (input, test_buffer_without_tokens_is_tokenized_by_model);
  tcase_add_test (input, test_pango_markup_is_stripped_when_tokenizing);
  tcase_add_test (input, test_invalid_utf8_tokenized_here_warns_once);
  tcase_add_test (input, test_byte_stream_refused);
  tcase_add_test (input, test_non_finite_results_warn_once);
  tcase_add_test (input, test_non_finite_results_warned_again_in_new_stream);
  tcase_add_test (input, test_invalid_utf8_warned_again_in_new_stream);
  tcase_add_test (input, test_prompt_filling_max_length_warns_once);
  tcase_add_test (input, test_pair_text_on_one_token_type_bert_fails_at_ready);
  tcase_add_test (input, test_token_id_outside_vocabulary_is_error);
  tcase_add_test (input, test_text_without_tokens_is_error);
  tcase_add_test (input, test_missing_model_fails_naming_it);
  tcase_add_test (input, test_malformed_config_fails_naming_file);

  suite_add_tcase (s, truncation);
  tcase_add_test (truncation, test_token_meta_cut_at_max_seq_length);
  tcase_add_test (truncation, test_token_meta_cut_says_how);
  tcase_add_test (truncation, test_max_length_overrides_max_seq_length);
  tcase_add_test (truncation, test_own_tokenization_cut_at_max_seq_length);
  tcase_add_test (truncation, test_truncated_token_meta_makes_truncated_result);
  tcase_add_test (truncation, test_bert_json_writes_result_truncation);

  suite_add_tcase (s, models_dir);
  tcase_add_test (models_dir, test_default_model_from_models_dir);
  tcase_add_test (models_dir, test_models_dir_defaults_to_xdg_data_home);
  tcase_add_test (models_dir, test_model_name_found_in_models_dir);
  tcase_add_test (models_dir, test_missing_default_model_names_fetch_command);
  tcase_add_test (models_dir, test_missing_named_model_names_fetch_command);

  if (g_file_test (reference_dir, G_FILE_TEST_IS_DIR)) {
    TCase *parity = tcase_create ("reference-parity");

    suite_add_tcase (s, parity);
    tcase_add_test (parity, test_shared_models_match_reference);
  } else {
    g_print ("SKIP test_shared_models_match_reference: %s not found (set GST_BERT_SHARED_DIR)\n",
        reference_dir);
  }
  g_free (reference_dir);
  return s;
}

/* A tokenizer.json for the model of @head whose template adds no special tokens, so
 * that empty text gives no tokens at all. */
static void
write_tokenizer_without_template (const gchar *head)
{
  gchar *dir = model_dir (head), *vocab = g_build_filename (dir, "vocab.txt", NULL);
  gchar *path = g_build_filename (dir, "tokenizer.json", NULL), *contents = NULL;
  GString *json =
      g_string_new ("{\"version\": \"1.0\", \"truncation\": null, "
                    "\"padding\": null, \"added_tokens\": [], \"normalizer\": {\"type\": "
                    "\"BertNormalizer\", \"clean_text\": true, \"handle_chinese_chars\": true, "
                    "\"strip_accents\": null, \"lowercase\": true}, \"pre_tokenizer\": {\"type\": "
                    "\"BertPreTokenizer\"}, \"post_processor\": {\"type\": \"TemplateProcessing\", "
                    "\"single\": [{\"Sequence\": {\"id\": \"A\", \"type_id\": 0}}], "
                    "\"pair\": [{\"Sequence\": {\"id\": \"A\", \"type_id\": 0}}, "
                    "{\"Sequence\": {\"id\": \"B\", \"type_id\": 1}}], "
                    "\"special_tokens\": {}}, \"model\": {\"type\": \"WordPiece\", \"unk_token\": "
                    "\"[UNK]\", \"continuing_subword_prefix\": \"##\", \"max_input_chars_per_word\": 100, "
                    "\"vocab\": {");
  gchar **lines;

  if (!g_file_get_contents (vocab, &contents, NULL, NULL))
    g_error ("could not read %s", vocab);
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] && lines[i][0]; i++)
    g_string_append_printf (json, "%s\"%s\": %u", i ? ", " : "", lines[i], i);
  g_string_append (json, "}}}");
  if (!g_file_set_contents (path, json->str, -1, NULL))
    g_error ("could not write %s", path);
  g_strfreev (lines);
  g_string_free (json, TRUE);
  g_free (contents);
  g_free (path);
  g_free (vocab);
  g_free (dir);
}

static void
write_test_models (void)
{
  static const struct {
    const gchar *name;
    BertHead head;
    gboolean multi_label;
  } models[] = {
    { "encoder", BERT_HEAD_ENCODER, FALSE },
    { "sequence", BERT_HEAD_SEQUENCE_CLASSIFIER, FALSE },
    { "multilabel", BERT_HEAD_SEQUENCE_CLASSIFIER, TRUE },
    { "token", BERT_HEAD_TOKEN_CLASSIFIER, FALSE },
    { "token-st16", BERT_HEAD_TOKEN_CLASSIFIER, FALSE },
    { "no-template", BERT_HEAD_ENCODER, FALSE },
    { "models-dir/" DEFAULT_MODEL_NAME, BERT_HEAD_ENCODER, FALSE },
    { "models-dir/named-model", BERT_HEAD_ENCODER, FALSE },
    { "xdg-data-home/gst-bert/models/" DEFAULT_MODEL_NAME, BERT_HEAD_ENCODER, FALSE },
  };
  gchar *st16_config = g_build_filename (TEST_MODELS_DIR, "token-st16", "sentence_bert_config.json", NULL);
  gchar *max_seq_length = g_strdup_printf ("{\"max_seq_length\": %d}", ST16_MAX_SEQ_LENGTH);

  for (guint i = 0; i < G_N_ELEMENTS (models); i++) {
    BertTestModelSpec options;
    gchar *dir = model_dir (models[i].name);
    GError *error = NULL;

    bert_test_model_spec_init (&options);
    options.head = models[i].head;
    options.multi_label = models[i].multi_label;
    options.num_labels = models[i].multi_label ? 6 : 3;
    options.sentence_transformers = models[i].head == BERT_HEAD_ENCODER;
    options.seed = 100 + i;
    g_assert (options.max_position_embeddings == MODEL_POSITIONS);
    if (!bert_test_model_write (dir, &options, &error))
      g_error ("could not write test model %s: %s", dir, error->message);
    g_free (dir);
  }
  if (!g_file_set_contents (st16_config, max_seq_length, -1, NULL)
      || g_mkdir_with_parents (EMPTY_MODELS_DIR, 0755) != 0)
    g_error ("could not write %s or %s", st16_config, EMPTY_MODELS_DIR);
  write_tokenizer_without_template ("no-template");
  g_free (max_seq_length);
  g_free (st16_config);
}

int
main (int argc, char **argv)
{
  gst_check_init (&argc, &argv);
  saved_models_dir = g_strdup (g_getenv ("GST_BERT_MODELS_DIR"));
  saved_xdg_data_home = g_strdup (g_getenv ("XDG_DATA_HOME"));
  write_test_models ();
  return gst_check_run_suite (bertinfer_suite (), "bertinfer", __FILE__);
}
