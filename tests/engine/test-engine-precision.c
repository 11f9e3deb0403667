/* test-engine-precision: the CPU's bf16 and int8 encoders against its exact fp32 one.
 *
 * usage: test-engine-precision            generated models (always runs)
 *        test-engine-precision --fallback       as on a CPU without AVX512_BF16/VNNI
 *        test-engine-precision --shared NAME   ../shared's model NAME on the ids of its
 *                                              reference JSONL ($GST_BERT_SHARED_DIR)
 *        test-engine-precision --folder DIR REFERENCE.jsonl [bf16|int8]   the same for
 *                                              any folder; with a precision, that one only
 *
 * Quality bars, per sequence, for the whole input as one packed batch and for each
 * sequence alone: sentence embeddings' cosine to fp32 >= 0.999 (bf16) and >= 0.99
 * (int8); classifier heads give fp32's label wherever fp32's two most probable labels
 * are more than 0.05 apart (per token for token classifiers). Also: the precision in
 * use is reported, the weights shrink with it, and GST_BERT_CPU_GEMM=fp32 (the CPU
 * without AVX512_BF16 and AVX512_VNNI) falls back to fp32 with a reason. Skips (77)
 * where ../shared is absent or the CPU lacks the instructions.
 */
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine-test-util.h"

#define SKIP 77
#define LABEL_MARGIN 0.05
#define N_GENERATED_SEQUENCES 24

typedef struct {
  GPtrArray *ids;    /* GArray of int32_t per sequence */
  GArray *sequences; /* BertSequence */
} Inputs;

static double
min_cosine_of (BertPrecision precision)
{
  return precision == BERT_PRECISION_BF16 ? 0.999 : 0.99;
}

static BertEncoder *
encoder_at (BertModel *model, BertPrecision precision)
{
  BertEncoderOptions options;
  GError *error = NULL;
  BertEncoder *encoder;

  bert_encoder_options_init (&options);
  options.device = BERT_DEVICE_CPU;
  options.precision = precision;
  encoder = bert_encoder_new (model, &options, &error);
  g_assert_no_error (error);
  return encoder;
}

static void
inputs_add (Inputs *inputs, GArray *ids)
{
  BertSequence sequence = { (const int32_t *) ids->data, NULL, ids->len };

  g_ptr_array_add (inputs->ids, ids);
  g_array_append_val (inputs->sequences, sequence);
}

static Inputs *
inputs_new (void)
{
  Inputs *inputs = g_new0 (Inputs, 1);

  inputs->ids = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  inputs->sequences = g_array_new (FALSE, FALSE, sizeof (BertSequence));
  return inputs;
}

static void
inputs_free (Inputs *inputs)
{
  g_ptr_array_unref (inputs->ids);
  g_array_unref (inputs->sequences);
  g_free (inputs);
}

/* Random sequences of 1 to 60 tokens framed by [CLS] (2) and [SEP] (3). */
static Inputs *
random_inputs (int vocab_size, guint32 seed)
{
  GRand *rand = g_rand_new_with_seed (seed);
  Inputs *inputs = inputs_new ();

  for (int s = 0; s < N_GENERATED_SEQUENCES; s++) {
    int n = g_rand_int_range (rand, 1, 61);
    GArray *ids = g_array_sized_new (FALSE, FALSE, sizeof (int32_t), n);

    for (int t = 0; t < n; t++) {
      int32_t id = t == 0 ? 2 : t == n - 1 ? 3 : g_rand_int_range (rand, 5, vocab_size);

      g_array_append_val (ids, id);
    }
    inputs_add (inputs, ids);
  }
  g_rand_free (rand);
  return inputs;
}

/* The ids of every line of a reference JSONL file. */
static Inputs *
reference_inputs (const char *path)
{
  Inputs *inputs = inputs_new ();
  char *contents, **lines;
  GError *error = NULL;

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  lines = g_strsplit (contents, "\n", -1);
  for (int i = 0; lines[i] != NULL; i++) {
    JsonParser *parser = json_parser_new ();
    JsonArray *array;
    GArray *ids;

    if (*g_strstrip (lines[i]) != '\0') {
      json_parser_load_from_data (parser, lines[i], -1, &error);
      g_assert_no_error (error);
      array = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "ids");
      ids = g_array_new (FALSE, FALSE, sizeof (int32_t));
      for (guint t = 0; t < json_array_get_length (array); t++) {
        int32_t id = json_array_get_int_element (array, t);

        g_array_append_val (ids, id);
      }
      inputs_add (inputs, ids);
    }
    g_object_unref (parser);
  }
  g_strfreev (lines);
  g_free (contents);
  return inputs;
}

static BertJob *
run (BertEncoder *encoder, const BertSequence *sequences, guint n)
{
  GError *error = NULL;
  BertJob *job = bert_encoder_run (encoder, sequences, n, &error);

  g_assert_no_error (error);
  return job;
}

static double
cosine (const float *a, const float *b, int n)
{
  double dot = 0, norm_a = 0, norm_b = 0;

  for (int i = 0; i < n; i++) {
    dot += (double) a[i] * b[i];
    norm_a += (double) a[i] * a[i];
    norm_b += (double) b[i] * b[i];
  }
  return dot / sqrt (norm_a * norm_b);
}

/* Whether probs' two largest of n values are more than LABEL_MARGIN apart. */
static gboolean
clear_winner (const double *probs, int n)
{
  double first = -1, second = -1;

  for (int i = 0; i < n; i++) {
    if (probs[i] > first) {
      second = first;
      first = probs[i];
    } else if (probs[i] > second) {
      second = probs[i];
    }
  }
  return n < 2 || first - second > LABEL_MARGIN;
}

/* softmax (or sigmoid) of one row of logits in double, as the reference would. */
static void
probabilities (const float *logits, int n, gboolean multi_label, double *probs)
{
  double max = logits[0], sum = 0;

  for (int i = 1; i < n; i++)
    max = fmax (max, logits[i]);
  for (int i = 0; i < n; i++) {
    probs[i] = multi_label ? 1.0 / (1.0 + exp (-logits[i])) : exp (logits[i] - max);
    sum += probs[i];
  }
  if (!multi_label)
    for (int i = 0; i < n; i++)
      probs[i] /= sum;
}

/* Sequence `index` of got (offset in got's batch: got_index) against fp32's. Returns the
 * number of failures, each printed. */
static int
compare_sequence (const BertModel *model, BertHead head, const BertBatchOutput *fp32, guint index,
    const BertBatchOutput *got, guint got_index, BertPrecision precision, const char *what,
    double *worst_cosine, guint *labels_checked)
{
  int hidden = fp32->hidden_size, n_labels = fp32->num_labels, failures = 0;
  double *probs = g_new (double, MAX (n_labels, 1));

  if (head == BERT_HEAD_ENCODER) {
    double c = cosine (fp32->embeddings + (gsize) index * hidden,
        got->embeddings + (gsize) got_index * hidden, hidden);

    *worst_cosine = fmin (*worst_cosine, c);
    if (!(c >= min_cosine_of (precision))) {
      g_printerr ("%s %s line %u: cosine to fp32 %.6f < %.3f\n", what, bert_precision_get_name (precision),
          index + 1, c, min_cosine_of (precision));
      failures++;
    }
  } else if (head == BERT_HEAD_SEQUENCE_CLASSIFIER) {
    probabilities (fp32->logits + (gsize) index * n_labels, n_labels,
        model->config.score_function == BERT_SCORES_SIGMOID, probs);
    if (clear_winner (probs, n_labels)) {
      ++*labels_checked;
      if (fp32->labels[index] != got->labels[got_index]) {
        g_printerr ("%s %s line %u: label %d, fp32 %d\n", what, bert_precision_get_name (precision),
            index + 1, got->labels[got_index], fp32->labels[index]);
        failures++;
      }
    }
  } else {
    uint32_t first = fp32->token_offset[index], got_first = got->token_offset[got_index];

    for (uint32_t t = 0; t < fp32->token_offset[index + 1] - first; t++) {
      probabilities (fp32->token_logits + (gsize) (first + t) * n_labels, n_labels, FALSE, probs);
      if (!clear_winner (probs, n_labels))
        continue;
      ++*labels_checked;
      if (fp32->token_labels[first + t] != got->token_labels[got_first + t]) {
        g_printerr ("%s %s line %u token %u: label %d, fp32 %d\n", what, bert_precision_get_name (precision),
            index + 1, t, got->token_labels[got_first + t], fp32->token_labels[first + t]);
        failures++;
      }
    }
  }
  g_free (probs);
  return failures;
}

/* Runs inputs as one batch and each alone at precision, against fp32 as one batch. */
static int
check_precision (BertModel *model, const Inputs *inputs, BertPrecision precision, const char *what)
{
  BertEncoder *fp32 = encoder_at (model, BERT_PRECISION_FP32), *low = encoder_at (model, precision);
  const BertSequence *sequences = (const BertSequence *) inputs->sequences->data;
  guint n = inputs->sequences->len, labels_checked = 0;
  BertJob *expected = run (fp32, sequences, n), *batch = run (low, sequences, n);
  BertHead head = bert_encoder_get_head (fp32);
  double worst_cosine = 1;
  int failures = 0;

  g_assert_cmpint (bert_encoder_get_precision (low), ==, precision);
  g_assert_null (bert_encoder_get_precision_fallback_reason (low));
  for (guint i = 0; i < n; i++) {
    BertJob *alone = run (low, sequences + i, 1);

    failures += compare_sequence (model, head, bert_job_get_output (expected), i, bert_job_get_output (batch),
        i, precision, what, &worst_cosine, &labels_checked);
    failures += compare_sequence (model, head, bert_job_get_output (expected), i, bert_job_get_output (alone),
        0, precision, what, &worst_cosine, &labels_checked);
    bert_job_free (alone);
  }
  g_print ("%s %s: %u sequences, worst cosine to fp32 %.6f, %u labels checked, %d failures; "
           "weights %.2f MB (fp32 %.2f MB)\n",
      what, bert_precision_get_name (precision), n, worst_cosine, labels_checked / 2, failures,
      bert_encoder_get_weights_bytes (low) / 1e6, bert_encoder_get_weights_bytes (fp32) / 1e6);
  g_assert_cmpuint (bert_encoder_get_weights_bytes (low), <, bert_encoder_get_weights_bytes (fp32));
  bert_job_free (batch);
  bert_job_free (expected);
  bert_encoder_free (low);
  bert_encoder_free (fp32);
  return failures;
}

/* Whether this CPU runs precision; if not, the test is skipped with why. */
static gboolean
cpu_runs (BertModel *model, BertPrecision precision)
{
  BertEncoder *encoder = encoder_at (model, precision);
  gboolean runs = bert_encoder_get_precision (encoder) == precision;

  if (!runs)
    g_test_skip (bert_encoder_get_precision_fallback_reason (encoder));
  bert_encoder_free (encoder);
  return runs;
}

static void
check_generated (BertHead head, gboolean multi_label, BertDType dtype, BertPrecision precision)
{
  BertTestModelSpec options;
  BertModel *model;
  Inputs *inputs;
  char *folder, *what;

  bert_test_model_spec_init (&options);
  options.head = head;
  options.multi_label = multi_label;
  options.num_labels = head == BERT_HEAD_ENCODER ? 0 : 5;
  options.dtype = dtype;
  options.hidden_size = 64;
  options.intermediate_size = 256;
  options.num_layers = 3;
  options.seed = 7 + head;
  folder = engine_test_make_model (&options);
  model = engine_test_load_model (folder);
  if (cpu_runs (model, precision)) {
    inputs = random_inputs (options.vocab_size, 11);
    what = g_strdup_printf ("generated %s", folder);
    g_assert_cmpint (check_precision (model, inputs, precision, what), ==, 0);
    g_free (what);
    inputs_free (inputs);
  }
  bert_model_unref (model);
  g_free (folder);
}

static void
test_generated_bf16 (void)
{
  check_generated (BERT_HEAD_ENCODER, FALSE, BERT_DTYPE_F32, BERT_PRECISION_BF16);
  check_generated (BERT_HEAD_SEQUENCE_CLASSIFIER, FALSE, BERT_DTYPE_F16, BERT_PRECISION_BF16);
  check_generated (BERT_HEAD_SEQUENCE_CLASSIFIER, TRUE, BERT_DTYPE_BF16, BERT_PRECISION_BF16);
  check_generated (BERT_HEAD_TOKEN_CLASSIFIER, FALSE, BERT_DTYPE_F32, BERT_PRECISION_BF16);
}

static void
test_generated_int8 (void)
{
  check_generated (BERT_HEAD_ENCODER, FALSE, BERT_DTYPE_BF16, BERT_PRECISION_INT8);
  check_generated (BERT_HEAD_SEQUENCE_CLASSIFIER, FALSE, BERT_DTYPE_F32, BERT_PRECISION_INT8);
  check_generated (BERT_HEAD_SEQUENCE_CLASSIFIER, TRUE, BERT_DTYPE_F16, BERT_PRECISION_INT8);
  check_generated (BERT_HEAD_TOKEN_CLASSIFIER, FALSE, BERT_DTYPE_F32, BERT_PRECISION_INT8);
}

/* auto is exact fp32 on the CPU; fp16 is CUDA's and falls back to fp32 with a reason. */
static void
test_auto_and_fp16 (void)
{
  BertEncoderOptions options;
  char *folder = engine_test_make_model (NULL);
  BertModel *model = engine_test_load_model (folder);
  BertEncoder *encoder;

  bert_encoder_options_init (&options);
  g_assert_cmpint (options.precision, ==, BERT_PRECISION_AUTO);
  encoder = encoder_at (model, BERT_PRECISION_AUTO);
  g_assert_cmpint (bert_encoder_get_precision (encoder), ==, BERT_PRECISION_FP32);
  g_assert_null (bert_encoder_get_precision_fallback_reason (encoder));
  bert_encoder_free (encoder);
  encoder = encoder_at (model, BERT_PRECISION_FP16);
  g_assert_cmpint (bert_encoder_get_precision (encoder), ==, BERT_PRECISION_FP32);
  g_assert_nonnull (strstr (bert_encoder_get_precision_fallback_reason (encoder), "fp16"));
  bert_encoder_free (encoder);
  bert_model_unref (model);
  g_free (folder);
}

/* With --fallback (GST_BERT_CPU_GEMM=fp32, set before any thread starts), as on a CPU
 * without the instructions: fp32, a reason naming the instruction, and the fp32 results. */
static void
test_fallback (void)
{
  char *folder = engine_test_make_model (NULL);
  BertModel *model = engine_test_load_model (folder);
  int32_t ids[] = { 2, 17, 42, 9, 3 };
  BertSequence sequence = { ids, NULL, G_N_ELEMENTS (ids) };
  BertEncoder *fp32 = encoder_at (model, BERT_PRECISION_FP32);
  BertJob *expected = run (fp32, &sequence, 1);
  const struct {
    BertPrecision precision;
    const char *instruction;
  } cases[] = { { BERT_PRECISION_BF16, "AVX512_BF16" }, { BERT_PRECISION_INT8, "AVX512_VNNI" } };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    BertEncoder *encoder = encoder_at (model, cases[i].precision);
    BertJob *job = run (encoder, &sequence, 1);
    const BertBatchOutput *got = bert_job_get_output (job), *want = bert_job_get_output (expected);

    g_assert_cmpint (bert_encoder_get_precision (encoder), ==, BERT_PRECISION_FP32);
    g_assert_nonnull (strstr (bert_encoder_get_precision_fallback_reason (encoder), cases[i].instruction));
    g_assert_cmpmem (got->embeddings, got->hidden_size * sizeof (float), want->embeddings,
        want->hidden_size * sizeof (float));
    bert_job_free (job);
    bert_encoder_free (encoder);
  }
  bert_job_free (expected);
  bert_encoder_free (fp32);
  bert_model_unref (model);
  g_free (folder);
}

static const BertPrecision both_precisions[] = { BERT_PRECISION_BF16, BERT_PRECISION_INT8,
  BERT_PRECISION_AUTO };

static BertPrecision
precision_named (const char *name)
{
  if (strcmp (name, "bf16") == 0)
    return BERT_PRECISION_BF16;
  if (strcmp (name, "int8") == 0)
    return BERT_PRECISION_INT8;
  g_printerr ("test-engine-precision: unknown precision '%s' (bf16 or int8)\n", name);
  exit (2);
}

/* The model of folder on the ids of its reference JSONL in each of precisions (ending
 * with BERT_PRECISION_AUTO); skips where the CPU lacks the instructions. */
static int
run_folder (const char *folder, const char *reference, const char *name, const BertPrecision *precisions)
{
  int failures = 0;
  BertModel *model;
  GError *error = NULL;
  Inputs *inputs;

  model = bert_model_load (folder, &error);
  g_assert_no_error (error);
  inputs = reference_inputs (reference);
  for (const BertPrecision *p = precisions; *p != BERT_PRECISION_AUTO; p++) {
    BertEncoder *encoder = encoder_at (model, *p);

    if (bert_encoder_get_precision (encoder) != *p) {
      g_print ("SKIP: %s\n", bert_encoder_get_precision_fallback_reason (encoder));
      bert_encoder_free (encoder);
      failures = -1;
      break;
    }
    bert_encoder_free (encoder);
    failures += check_precision (model, inputs, *p, name);
  }
  inputs_free (inputs);
  bert_model_unref (model);
  return failures < 0 ? SKIP : failures > 0;
}

static int
run_shared (const char *name)
{
  const char *shared = g_getenv ("GST_BERT_SHARED_DIR");
  char *folder, *reference;
  int status = SKIP;

  if (shared == NULL) {
    g_print ("SKIP: GST_BERT_SHARED_DIR is not set (the shared models)\n");
    return SKIP;
  }
  folder = g_build_filename (shared, "models", name, NULL);
  reference = g_strdup_printf ("%s/reference/encoder/%s.jsonl", shared, name);
  if (!g_file_test (folder, G_FILE_TEST_IS_DIR) || !g_file_test (reference, G_FILE_TEST_EXISTS))
    g_print ("SKIP: %s or %s is absent (set GST_BERT_SHARED_DIR to the shared data)\n", folder, reference);
  else
    status = run_folder (folder, reference, name, both_precisions);
  g_free (folder);
  g_free (reference);
  return status;
}

int
main (int argc, char **argv)
{
  int status;

  if (argc == 3 && strcmp (argv[1], "--shared") == 0)
    return run_shared (argv[2]);
  if (argc == 4 && strcmp (argv[1], "--folder") == 0)
    return run_folder (argv[2], argv[3], argv[2], both_precisions);
  if (argc == 5 && strcmp (argv[1], "--folder") == 0) {
    const BertPrecision one[] = { precision_named (argv[4]), BERT_PRECISION_AUTO };

    return run_folder (argv[2], argv[3], argv[2], one);
  }
  if (argc == 2 && strcmp (argv[1], "--fallback") == 0) {
    g_setenv ("GST_BERT_CPU_GEMM", "fp32", TRUE);
    argc = 1;
    g_test_init (&argc, &argv, NULL);
    g_test_add_func ("/precision/fallback", test_fallback);
    status = g_test_run ();
    engine_test_cleanup ();
    return status;
  }
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/precision/auto-and-fp16", test_auto_and_fp16);
  g_test_add_func ("/precision/generated-bf16", test_generated_bf16);
  g_test_add_func ("/precision/generated-int8", test_generated_int8);
  status = g_test_run ();
  engine_test_cleanup ();
  return status;
}
