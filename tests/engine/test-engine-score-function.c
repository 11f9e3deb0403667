/* test-engine-score-function.c: what a sequence classifier's probs are, as config.json
 * (and config_sentence_transformers.json) choose them.
 *
 * transformers' text-classification pipeline: the raw logits for problem_type regression,
 * a sigmoid per label for multi_label_classification and for one label, else a softmax.
 * A sentence-transformers CrossEncoder folder names its own activation, which wins:
 * config_sentence_transformers.json's activation_fn (sentence-transformers 6), else
 * config.json's sentence_transformers.activation_fn (4 and 5), else its
 * sbert_ce_default_activation_function (older). Each case loads a generated folder with
 * those fields, checks the chosen function, then runs a batch on the CPU and checks every
 * prob against the function of its logit and which labels apply.
 *
 * A token classifier scores each token by a softmax, as transformers' token-classification
 * pipeline does, whatever activation_fn says; the model then carries a warning naming
 * the file and field (bert_model_get_warning), which bert-infer posts.
 */
#include <math.h>
#include <string.h>

#include "bert_engine.h"
#include "bert_test_model.h"
#include "engine-test-util.h"

#define SIGMOID_PATH "torch.nn.modules.activation.Sigmoid"
#define IDENTITY_PATH "torch.nn.modules.linear.Identity"
#define TANH_PATH "torch.nn.modules.activation.Tanh"

typedef struct {
  const char *name;
  int num_labels;
  const char *config_fields; /* added to config.json, each starting with a comma */
  const char *saved_config;  /* config_sentence_transformers.json, or NULL */
  BertScoreFunction expected;
} ScoreCase;

typedef struct {
  const char *name;
  const char *config_fields; /* added to config.json, each starting with a comma */
  const char *saved_config;  /* config_sentence_transformers.json, or NULL */
  const char *warned_file;   /* the file the warning must name, or NULL: no warning */
  const char *warned_field;
} TokenCase;

static const ScoreCase cases[] = {
  { "softmax", 3, "", NULL, BERT_SCORES_SOFTMAX },
  { "one-label-sigmoid", 1, "", NULL, BERT_SCORES_SIGMOID },
  { "multi-label", 3, ", \"problem_type\": \"multi_label_classification\"", NULL, BERT_SCORES_SIGMOID },
  { "regression", 1, ", \"problem_type\": \"regression\"", NULL, BERT_SCORES_IDENTITY },
  { "regression-three-labels", 3, ", \"problem_type\": \"regression\"", NULL, BERT_SCORES_IDENTITY },
  { "cross-encoder-identity", 1, ", \"sentence_transformers\": {\"activation_fn\": \"" IDENTITY_PATH "\"}",
      NULL, BERT_SCORES_IDENTITY },
  { "cross-encoder-sigmoid-over-regression", 1,
      ", \"problem_type\": \"regression\", \"sentence_transformers\": {\"activation_fn\": "
      "\"torch.nn.Sigmoid\"}",
      NULL, BERT_SCORES_SIGMOID },
  { "cross-encoder-sigmoid-three-labels", 3,
      ", \"sentence_transformers\": {\"activation_fn\": \"" SIGMOID_PATH "\"}", NULL, BERT_SCORES_SIGMOID },
  { "cross-encoder-legacy-tanh", 1, ", \"sbert_ce_default_activation_function\": \"" TANH_PATH "\"", NULL,
      BERT_SCORES_TANH },
  /* sentence-transformers reads the legacy field only where the new one is absent; a null
   * activation_fn means its default, here what the pipeline gives one label. */
  { "cross-encoder-null-over-legacy", 1,
      ", \"sentence_transformers\": {\"activation_fn\": null}, \"sbert_ce_default_activation_function\": "
      "\"" TANH_PATH "\"",
      NULL, BERT_SCORES_SIGMOID },
  { "saved-config-over-config-json", 1,
      ", \"sentence_transformers\": {\"activation_fn\": \"" SIGMOID_PATH "\"}",
      "{\"activation_fn\": \"" IDENTITY_PATH "\", \"model_type\": \"CrossEncoder\"}", BERT_SCORES_IDENTITY },
};

static const TokenCase token_cases[] = {
  { "no-activation", "", NULL, NULL, NULL },
  { "multi-label-problem-type", ", \"problem_type\": \"multi_label_classification\"", NULL, NULL, NULL },
  { "config-json-sigmoid", ", \"sentence_transformers\": {\"activation_fn\": \"" SIGMOID_PATH "\"}", NULL,
      "config.json", "sentence_transformers.activation_fn \"" SIGMOID_PATH "\"" },
  { "legacy-identity", ", \"sbert_ce_default_activation_function\": \"" IDENTITY_PATH "\"", NULL,
      "config.json", "sbert_ce_default_activation_function \"" IDENTITY_PATH "\"" },
  { "saved-config-tanh", "", "{\"activation_fn\": \"" TANH_PATH "\", \"model_type\": \"CrossEncoder\"}",
      "config_sentence_transformers.json", "activation_fn \"" TANH_PATH "\"" },
  { "null-activation", ", \"sentence_transformers\": {\"activation_fn\": null}", NULL, NULL, NULL },
};

static double
expected_score (const float *logits, int n_labels, int label, BertScoreFunction score_function)
{
  double max = logits[0], sum = 0.0;

  switch (score_function) {
    case BERT_SCORES_SIGMOID: return 1.0 / (1.0 + exp (-(double) logits[label]));
    case BERT_SCORES_TANH: return tanh ((double) logits[label]);
    case BERT_SCORES_IDENTITY: return logits[label];
    case BERT_SCORES_SOFTMAX:
    default:
      for (int i = 1; i < n_labels; i++)
        max = fmax (max, logits[i]);
      for (int i = 0; i < n_labels; i++)
        sum += exp (logits[i] - max);
      return exp (logits[label] - max) / sum;
  }
}

static void
check_outputs (const BertBatchOutput *output, BertScoreFunction score_function)
{
  int n_labels = output->num_labels;

  for (guint s = 0; s < output->n_sequences; s++) {
    const float *logits = output->logits + (gsize) s * n_labels;
    const float *probs = output->probs + (gsize) s * n_labels;
    const uint8_t *applies = output->label_applies + (gsize) s * n_labels;

    for (int l = 0; l < n_labels; l++) {
      g_assert_cmpfloat_with_epsilon (probs[l], expected_score (logits, n_labels, l, score_function), 1e-6);
      if (score_function == BERT_SCORES_SIGMOID)
        g_assert_cmpint (applies[l], ==, probs[l] > BERT_MULTI_LABEL_THRESHOLD);
      else
        g_assert_cmpint (applies[l], ==, l == output->labels[s]);
    }
  }
}

static void
test_score_function (gconstpointer data)
{
  const ScoreCase *score_case = data;
  BertTestModelSpec spec;
  char *folder, *fields;
  BertModel *model;
  BertEncoder *encoder;
  int32_t ids[3][6] = { { 2, 11, 12, 3 }, { 2, 40, 41, 42, 43, 3 }, { 2, 77, 3 } };
  BertSequence batch[3] = { { ids[0], NULL, 4 }, { ids[1], NULL, 6 }, { ids[2], NULL, 3 } };
  GError *error = NULL;
  BertJob *job;

  bert_test_model_spec_init (&spec);
  spec.head = BERT_HEAD_SEQUENCE_CLASSIFIER;
  spec.num_labels = score_case->num_labels;
  spec.weight_scale = 0.3f; /* logits on both sides of 0 */
  folder = engine_test_make_model (&spec);
  fields = g_strconcat ("\"hidden_act\": \"gelu\"", score_case->config_fields, NULL);
  engine_test_replace_in_file (folder, "config.json", "\"hidden_act\": \"gelu\"", fields);
  if (score_case->saved_config != NULL)
    engine_test_write_file (folder, "config_sentence_transformers.json", score_case->saved_config, -1);
  model = engine_test_load_model (folder);
  g_assert_cmpint (model->config.score_function, ==, score_case->expected);
  g_assert_null (bert_model_get_warning (model));

  encoder = engine_test_cpu_encoder (model, -1, -1, 1);
  job = bert_encoder_submit (encoder, batch, 3, &error);
  g_assert_no_error (error);
  g_assert_true (bert_job_wait (job, &error));
  g_assert_no_error (error);
  check_outputs (bert_job_get_output (job), score_case->expected);
  bert_job_free (job);
  bert_encoder_free (encoder);
  bert_model_unref (model);
  g_free (fields);
  g_free (folder);
}

static void
check_token_softmax (const BertBatchOutput *output)
{
  int n_labels = output->num_labels;

  g_assert_nonnull (output->token_probs);
  for (guint t = 0; t < output->n_tokens; t++) {
    const float *logits = output->token_logits + (gsize) t * n_labels;

    for (int l = 0; l < n_labels; l++)
      g_assert_cmpfloat_with_epsilon (output->token_probs[(gsize) t * n_labels + l],
          expected_score (logits, n_labels, l, BERT_SCORES_SOFTMAX), 1e-6);
  }
}

static void
test_token_classifier_activation (gconstpointer data)
{
  const TokenCase *token_case = data;
  BertTestModelSpec spec;
  char *folder, *fields;
  BertModel *model;
  BertEncoder *encoder;
  int32_t ids[2][5] = { { 2, 11, 12, 13, 3 }, { 2, 77, 3 } };
  BertSequence batch[2] = { { ids[0], NULL, 5 }, { ids[1], NULL, 3 } };
  GError *error = NULL;
  const char *warning;
  BertJob *job;

  bert_test_model_spec_init (&spec);
  spec.head = BERT_HEAD_TOKEN_CLASSIFIER;
  spec.num_labels = 3;
  spec.weight_scale = 0.3f;
  folder = engine_test_make_model (&spec);
  fields = g_strconcat ("\"hidden_act\": \"gelu\"", token_case->config_fields, NULL);
  engine_test_replace_in_file (folder, "config.json", "\"hidden_act\": \"gelu\"", fields);
  if (token_case->saved_config != NULL)
    engine_test_write_file (folder, "config_sentence_transformers.json", token_case->saved_config, -1);
  model = engine_test_load_model (folder);
  g_assert_cmpint (model->config.head, ==, BERT_HEAD_TOKEN_CLASSIFIER);
  warning = bert_model_get_warning (model);
  if (token_case->warned_file == NULL) {
    g_assert_null (warning);
  } else {
    char *file = g_build_filename (folder, token_case->warned_file, NULL);
    char *source = g_strdup_printf ("%s: %s", file, token_case->warned_field);

    g_assert_nonnull (warning);
    g_assert_true (g_str_has_prefix (warning, source));
    g_assert_nonnull (strstr (warning, "softmax"));
    g_free (source);
    g_free (file);
  }

  encoder = engine_test_cpu_encoder (model, -1, -1, 1);
  job = bert_encoder_submit (encoder, batch, 2, &error);
  g_assert_no_error (error);
  g_assert_true (bert_job_wait (job, &error));
  g_assert_no_error (error);
  check_token_softmax (bert_job_get_output (job));
  bert_job_free (job);
  bert_encoder_free (encoder);
  bert_model_unref (model);
  g_free (fields);
  g_free (folder);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    char *path = g_strdup_printf ("/engine/score-function/%s", cases[i].name);

    g_test_add_data_func (path, &cases[i], test_score_function);
    g_free (path);
  }
  for (guint i = 0; i < G_N_ELEMENTS (token_cases); i++) {
    char *path = g_strdup_printf ("/engine/score-function/token-classifier/%s", token_cases[i].name);

    g_test_add_data_func (path, &token_cases[i], test_token_classifier_activation);
    g_free (path);
  }
  status = g_test_run ();
  engine_test_cleanup ();
  return status;
}
