/* test-engine-parity: runs a model folder on the inputs of a reference JSONL file and
 * compares the engine's outputs with the reference's.
 *
 * usage: test-engine-parity [--tolerance T] MODEL_DIR REFERENCE.jsonl
 *        test-engine-parity [--tolerance T] --shared NAME   (from $GST_BERT_SHARED_DIR)
 *
 * Each line holds ids, type_ids and the expected outputs of one input, in the format of
 * shared/reference/encoder/NAME.jsonl: embedding, or logits, probs and label, or
 * token_logits and token_labels; and prompt_length where its ids begin with a prompt's
 * (the engine's BertPackedInput.prompt_lengths). Every line is run alone and checked against its
 * reference (embeddings: cosine >= 0.99999 and max abs diff <= T; logits and probs:
 * max abs diff <= T; labels equal unless the reference's own top logits tie within T;
 * T is 1e-4 unless given); for sentence encoders also the last hidden state of the first
 * token, where the line has it (last_hidden_state_first_token; same bounds). Then all lines run as one batch, and in random groups, and must give what each
 * gave alone (|difference| <= 1e-5 * max (1, |value|): GEMM kernels may sum in another
 * order for another number of rows). Exits 0 on success, 1 on failure, 77 to skip.
 */
#include <json-glib/json-glib.h>
#include <glib/gprintf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bert_engine.h"

#define SKIP 77
#define MIN_COSINE 0.99999
#define BATCH_TOLERANCE 1e-5 /* relative to max (1, |value|) */

typedef struct {
  GArray *ids, *type_ids; /* int32_t */
  uint32_t prompt_length; /* the line's prompt_length, else 0 */
  JsonObject *expected;
} Line;

/* What one sequence produced: all its floats (embedding; logits then probs; token
 * logits) and its labels (one per sequence or per token). */
typedef struct {
  GArray *values; /* float */
  GArray *labels; /* int32_t */
} Result;

static int failures;
static double reference_tolerance = 1e-4;

static void G_GNUC_PRINTF (1, 2) fail (const char *format, ...)
{
  va_list args;

  va_start (args, format);
  g_vfprintf (stderr, format, args);
  va_end (args);
  g_printerr ("\n");
  failures++;
}

static GArray *
int_array (JsonObject *object, const char *field)
{
  GArray *values = g_array_new (FALSE, FALSE, sizeof (int32_t));
  JsonArray *array = json_object_get_array_member (object, field);

  for (guint i = 0; i < json_array_get_length (array); i++) {
    int32_t value = json_array_get_int_element (array, i);

    g_array_append_val (values, value);
  }
  return values;
}

static void
line_free (gpointer data)
{
  Line *line = data;

  g_array_unref (line->ids);
  g_array_unref (line->type_ids);
  json_object_unref (line->expected);
  g_free (line);
}

static GPtrArray *
read_lines (const char *path, GError **error)
{
  GPtrArray *lines = g_ptr_array_new_with_free_func (line_free);
  char *contents, **texts;

  if (!g_file_get_contents (path, &contents, NULL, error))
    return NULL;
  texts = g_strsplit (contents, "\n", -1);
  for (int i = 0; texts[i] != NULL; i++) {
    JsonParser *parser = json_parser_new ();
    Line *line;

    if (*g_strstrip (texts[i]) == '\0') {
      g_object_unref (parser);
      continue;
    }
    if (!json_parser_load_from_data (parser, texts[i], -1, error)) {
      g_prefix_error (error, "%s:%d: ", path, i + 1);
      g_object_unref (parser);
      g_ptr_array_unref (lines);
      lines = NULL;
      break;
    }
    line = g_new0 (Line, 1);
    line->expected = json_object_ref (json_node_get_object (json_parser_get_root (parser)));
    line->ids = int_array (line->expected, "ids");
    line->type_ids = int_array (line->expected, "type_ids");
    line->prompt_length = json_object_get_int_member_with_default (line->expected, "prompt_length", 0);
    g_ptr_array_add (lines, line);
    g_object_unref (parser);
  }
  g_strfreev (texts);
  g_free (contents);
  return lines;
}

static void
append_floats (GArray *values, const float *data, gsize n)
{
  g_array_append_vals (values, data, n);
}

/* Sequence i of a batch's output. */
static Result
result_of (const BertBatchOutput *output, BertHead head, guint i)
{
  Result result = { g_array_new (FALSE, FALSE, sizeof (float)),
    g_array_new (FALSE, FALSE, sizeof (int32_t)) };
  gsize labels = output->num_labels;
  gsize first = output->token_offset[i], n_tokens = output->token_offset[i + 1] - first;

  switch (head) {
    case BERT_HEAD_ENCODER:
      append_floats (result.values, output->embeddings + i * output->embedding_size, output->embedding_size);
      break;
    case BERT_HEAD_SEQUENCE_CLASSIFIER:
      append_floats (result.values, output->logits + i * labels, labels);
      append_floats (result.values, output->probs + i * labels, labels);
      g_array_append_val (result.labels, output->labels[i]);
      break;
    case BERT_HEAD_TOKEN_CLASSIFIER:
      append_floats (result.values, output->token_logits + first * labels, n_tokens * labels);
      g_array_append_vals (result.labels, output->token_labels + first, n_tokens);
      break;
  }
  return result;
}

static void
result_clear (Result *result)
{
  g_array_unref (result->values);
  g_array_unref (result->labels);
}

/* lines[indices[k]] for k < n packed end to end, with their prompt lengths where a line
 * has one (pooling then leaves those tokens out where the model says so). */
static BertJob *
submit_batch (BertEncoder *encoder, GPtrArray *lines, const guint *indices, guint n, GError **error)
{
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (int32_t)),
         *type_ids = g_array_new (FALSE, FALSE, sizeof (int32_t));
  uint32_t *offsets = g_new (uint32_t, n + 1), *prompt_lengths = g_new (uint32_t, n);
  gboolean has_prompts = FALSE;
  BertPackedInput input;
  BertJob *job;

  offsets[0] = 0;
  for (guint k = 0; k < n; k++) {
    const Line *line = g_ptr_array_index (lines, indices[k]);

    g_array_append_vals (ids, line->ids->data, line->ids->len);
    g_array_append_vals (type_ids, line->type_ids->data, line->type_ids->len);
    offsets[k + 1] = ids->len;
    prompt_lengths[k] = line->prompt_length;
    has_prompts |= line->prompt_length > 0;
  }
  input = (BertPackedInput){ n, (const int32_t *) ids->data, (const int32_t *) type_ids->data, offsets,
    has_prompts ? prompt_lengths : NULL };
  job = bert_encoder_submit_packed (encoder, &input, error);
  if (job != NULL && !bert_job_wait (job, error))
    g_clear_pointer (&job, bert_job_free);
  g_array_unref (ids);
  g_array_unref (type_ids);
  g_free (offsets);
  g_free (prompt_lengths);
  return job;
}

/* Runs lines[indices[k]] for k < n as one batch; results[indices[k]] gets each result. */
static gboolean
run_batch (BertEncoder *encoder, GPtrArray *lines, const guint *indices, guint n, Result *results)
{
  GError *error = NULL;
  BertJob *job = submit_batch (encoder, lines, indices, n, &error);

  if (job == NULL) {
    fail ("batch of %u failed: %s", n, error->message);
    g_error_free (error);
    return FALSE;
  }
  for (guint k = 0; k < n; k++)
    results[indices[k]] = result_of (bert_job_get_output (job), bert_encoder_get_head (encoder), k);
  bert_job_free (job);
  return TRUE;
}

static double
max_abs_diff (const float *got, JsonArray *expected, guint offset, guint n)
{
  double worst = 0;

  for (guint i = 0; i < n; i++)
    worst = fmax (worst, fabs (got[i] - json_array_get_double_element (expected, offset + i)));
  return worst;
}

static void
check_embedding (guint line_no, const Result *result, JsonArray *expected, double *min_cosine, double *worst)
{
  const float *got = (const float *) result->values->data;
  double dot = 0, got_norm = 0, expected_norm = 0, cosine, diff;

  if (json_array_get_length (expected) != result->values->len) {
    fail ("line %u: embedding has %u values, reference %u", line_no, result->values->len,
        json_array_get_length (expected));
    return;
  }
  for (guint i = 0; i < result->values->len; i++) {
    double e = json_array_get_double_element (expected, i);

    dot += got[i] * e;
    got_norm += (double) got[i] * got[i];
    expected_norm += e * e;
  }
  cosine = dot / sqrt (got_norm * expected_norm);
  diff = max_abs_diff (got, expected, 0, result->values->len);
  *min_cosine = fmin (*min_cosine, cosine);
  *worst = fmax (*worst, diff);
  if (!(cosine >= MIN_COSINE) || !(diff <= reference_tolerance))
    fail ("line %u: embedding cosine %.7f, max abs diff %.3g", line_no, cosine, diff);
}

/* The encoder's last hidden state of a sequence's first token, where the reference has it
 * (sentence encoders): CLS pooling without normalisation returns exactly that, unless
 * Dense modules map it further (then the embeddings' check covers the encoder). */
static void
check_first_token_states (BertModel *model, GPtrArray *lines)
{
  BertEncoderOptions options;
  BertEncoder *encoder;
  GError *error = NULL;
  double min_cosine = 1, worst = 0;
  guint checked = 0;
  Result *results = g_new0 (Result, lines->len);

  bert_encoder_options_init (&options);
  options.device = BERT_DEVICE_CPU;
  options.pooling = BERT_POOLING_CLS;
  options.normalize = 0;
  encoder = bert_encoder_new (model, &options, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < lines->len; i++) {
    JsonObject *expected = ((Line *) g_ptr_array_index (lines, i))->expected;

    if (!json_object_has_member (expected, "last_hidden_state_first_token"))
      continue;
    if (!run_batch (encoder, lines, &i, 1, results))
      break;
    check_embedding (i + 1, &results[i],
        json_object_get_array_member (expected, "last_hidden_state_first_token"), &min_cosine, &worst);
    result_clear (&results[i]);
    checked++;
  }
  g_free (results);
  if (checked > 0)
    g_print ("%u lines' first-token hidden states: min cosine %.8f, max abs diff %.3g\n", checked, min_cosine,
        worst);
  bert_encoder_free (encoder);
}

/* A label matches when equal, or when the reference's logits of both tie within tolerance. */
static void
check_label (guint line_no, const char *what, char **id2label, int32_t got, const char *expected,
    JsonArray *expected_logits, guint logits_offset)
{
  int expected_id = -1;

  for (int i = 0; id2label[i] != NULL; i++)
    if (strcmp (id2label[i], expected) == 0)
      expected_id = i;
  if (expected_id == got)
    return;
  if (expected_id >= 0
      && fabs (json_array_get_double_element (expected_logits, logits_offset + got)
             - json_array_get_double_element (expected_logits, logits_offset + expected_id))
          <= reference_tolerance)
    return;
  fail ("line %u: %s is %s, reference %s", line_no, what, id2label[got], expected);
}

static void
check_sequence_classifier (guint line_no, const BertModel *model, const Result *result, JsonObject *expected,
    double *worst)
{
  guint n = model->config.num_labels;
  JsonArray *logits = json_object_get_array_member (expected, "logits");
  JsonArray *probs = json_object_get_array_member (expected, "probs");
  const float *got = (const float *) result->values->data;
  double diff;

  if (json_array_get_length (logits) != n || json_array_get_length (probs) != n) {
    fail ("line %u: the reference has %u logits, the model %u labels", line_no,
        json_array_get_length (logits), n);
    return;
  }
  diff = fmax (max_abs_diff (got, logits, 0, n), max_abs_diff (got + n, probs, 0, n));
  *worst = fmax (*worst, diff);
  if (!(diff <= reference_tolerance))
    fail ("line %u: logits/probs max abs diff %.3g", line_no, diff);
  check_label (line_no, "label", model->config.id2label, g_array_index (result->labels, int32_t, 0),
      json_object_get_string_member (expected, "label"), logits, 0);
}

static void
check_token_classifier (guint line_no, const BertModel *model, const Result *result, JsonObject *expected,
    double *worst)
{
  guint n = model->config.num_labels;
  JsonArray *token_logits = json_object_get_array_member (expected, "token_logits");
  JsonArray *token_labels = json_object_get_array_member (expected, "token_labels");
  const float *got = (const float *) result->values->data;

  if (json_array_get_length (token_logits) != result->labels->len) {
    fail ("line %u: the reference has %u tokens, the output %u", line_no,
        json_array_get_length (token_logits), result->labels->len);
    return;
  }
  for (guint t = 0; t < result->labels->len; t++) {
    JsonArray *row = json_array_get_array_element (token_logits, t);
    double diff = max_abs_diff (got + t * n, row, 0, n);

    *worst = fmax (*worst, diff);
    if (!(diff <= reference_tolerance))
      fail ("line %u, token %u: token logits max abs diff %.3g", line_no, t, diff);
    check_label (line_no, "token label", model->config.id2label, g_array_index (result->labels, int32_t, t),
        json_array_get_string_element (token_labels, t), row, 0);
  }
}

static void
check_against_reference (const BertModel *model, GPtrArray *lines, const Result *results)
{
  double min_cosine = 1, worst = 0;

  for (guint i = 0; i < lines->len; i++) {
    JsonObject *expected = ((Line *) g_ptr_array_index (lines, i))->expected;

    switch (model->config.head) {
      case BERT_HEAD_ENCODER:
        check_embedding (i + 1, &results[i], json_object_get_array_member (expected, "embedding"),
            &min_cosine, &worst);
        break;
      case BERT_HEAD_SEQUENCE_CLASSIFIER:
        check_sequence_classifier (i + 1, model, &results[i], expected, &worst);
        break;
      case BERT_HEAD_TOKEN_CLASSIFIER:
        check_token_classifier (i + 1, model, &results[i], expected, &worst);
        break;
    }
  }
  if (model->config.head == BERT_HEAD_ENCODER)
    g_print ("%u lines alone: min cosine %.8f, ", lines->len, min_cosine);
  else
    g_print ("%u lines alone: ", lines->len);
  g_print ("max abs diff %.3g\n", worst);
}

static void
check_same (const char *what, guint n, const Result *alone, const Result *batched)
{
  double worst = 0;

  for (guint i = 0; i < n; i++) {
    const float *a = (const float *) alone[i].values->data, *b = (const float *) batched[i].values->data;

    gboolean same_labels = alone[i].labels->len == batched[i].labels->len;

    for (guint k = 0; same_labels && k < alone[i].labels->len; k++)
      same_labels =
          g_array_index (alone[i].labels, int32_t, k) == g_array_index (batched[i].labels, int32_t, k);
    if (alone[i].values->len != batched[i].values->len || !same_labels) {
      fail ("%s: line %u: output shape or labels differ from running it alone", what, i + 1);
      continue;
    }
    for (guint k = 0; k < alone[i].values->len; k++)
      worst = fmax (worst, fabs (a[k] - b[k]) / fmax (1.0, fabs (a[k])));
  }
  g_print ("%s: max relative diff to alone %.3g\n", what, worst);
  if (!(worst <= BATCH_TOLERANCE))
    fail ("%s: max relative diff to running alone %.3g > %g", what, worst, BATCH_TOLERANCE);
}

/* Random groups of 1 to 16 lines, in shuffled order. */
static void
run_random_groups (BertEncoder *encoder, GPtrArray *lines, Result *results)
{
  GRand *rand = g_rand_new_with_seed (7);
  guint *order = g_new (guint, lines->len);

  for (guint i = 0; i < lines->len; i++)
    order[i] = i;
  for (guint i = lines->len; i > 1; i--) {
    guint j = g_rand_int_range (rand, 0, i), t = order[i - 1];

    order[i - 1] = order[j];
    order[j] = t;
  }
  for (guint first = 0, size; first < lines->len; first += size) {
    size = g_rand_int_range (rand, 1, 17);
    size = MIN (size, lines->len - first);
    run_batch (encoder, lines, order + first, size, results);
  }
  g_free (order);
  g_rand_free (rand);
}

static int
run_parity (const char *model_dir, const char *reference_path)
{
  GError *error = NULL;
  BertEncoderOptions options;
  BertModel *model;
  BertEncoder *encoder;
  GPtrArray *lines;
  Result *alone, *together, *grouped;
  guint *all;

  model = bert_model_load (model_dir, &error);
  lines = model ? read_lines (reference_path, &error) : NULL;
  if (lines == NULL) {
    g_printerr ("FAIL: %s\n", error->message);
    return 1;
  }
  bert_encoder_options_init (&options);
  options.device = BERT_DEVICE_CPU;
  encoder = bert_encoder_new (model, &options, &error);
  g_assert_no_error (error);
  alone = g_new0 (Result, lines->len);
  together = g_new0 (Result, lines->len);
  grouped = g_new0 (Result, lines->len);
  all = g_new (guint, lines->len);
  for (guint i = 0; i < lines->len; i++) {
    all[i] = i;
    if (!run_batch (encoder, lines, &i, 1, alone))
      return 1;
  }
  check_against_reference (model, lines, alone);
  if (model->config.head == BERT_HEAD_ENCODER && model->config.num_dense == 0)
    check_first_token_states (model, lines);
  if (run_batch (encoder, lines, all, lines->len, together))
    check_same ("all lines in one batch", lines->len, alone, together);
  run_random_groups (encoder, lines, grouped);
  check_same ("random groups", lines->len, alone, grouped);
  for (guint i = 0; i < lines->len; i++) {
    result_clear (&alone[i]);
    if (together[i].values)
      result_clear (&together[i]);
    if (grouped[i].values)
      result_clear (&grouped[i]);
  }
  g_free (alone);
  g_free (together);
  g_free (grouped);
  g_free (all);
  g_ptr_array_unref (lines);
  bert_encoder_free (encoder);
  bert_model_unref (model);
  return failures ? 1 : 0;
}

int
main (int argc, char **argv)
{
  char *model_dir, *reference_path;
  const char *shared;
  int status;

  if (argc >= 3 && strcmp (argv[1], "--tolerance") == 0) {
    reference_tolerance = g_ascii_strtod (argv[2], NULL);
    argc -= 2;
    argv += 2;
  }
  if (argc == 3 && strcmp (argv[1], "--shared") == 0) {
    shared = g_getenv ("GST_BERT_SHARED_DIR");
    model_dir = g_build_filename (shared ? shared : "", "models", argv[2], NULL);
    reference_path = g_strdup_printf ("%s/reference/encoder/%s.jsonl", shared ? shared : "", argv[2]);
    if (shared == NULL || !g_file_test (model_dir, G_FILE_TEST_IS_DIR)
        || !g_file_test (reference_path, G_FILE_TEST_EXISTS)) {
      g_print ("SKIP: %s or %s is absent (set GST_BERT_SHARED_DIR to the shared data)\n", model_dir,
          reference_path);
      g_free (model_dir);
      g_free (reference_path);
      return SKIP;
    }
  } else if (argc == 3) {
    model_dir = g_strdup (argv[1]);
    reference_path = g_strdup (argv[2]);
  } else {
    g_printerr ("usage: test-engine-parity [--tolerance T] MODEL_DIR REFERENCE.jsonl | --shared NAME\n");
    return 2;
  }
  status = run_parity (model_dir, reference_path);
  g_print ("%s: %s\n", model_dir, status ? "FAIL" : "ok");
  g_free (model_dir);
  g_free (reference_path);
  return status;
}
