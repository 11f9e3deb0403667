/* test-engine-packed: the packed way into the engine (bert_encoder_submit_packed), the
 * token rule callers share (bert_model_check_tokens), what the heads' outputs hold
 * beyond logits (token probabilities, which labels apply) and the backend's stated
 * capabilities, on the CPU with generated models. */
#include <math.h>
#include <string.h>

#include "engine-test-util.h"

#define VOCAB_SIZE 100
#define MAX_POSITIONS 64

/* Three sequences end to end: 4, 9 and 2 tokens. */
static const uint32_t seq_offsets[] = { 0, 4, 13, 15 };

static int32_t *
make_ids (uint32_t n_tokens)
{
  int32_t *ids = g_new (int32_t, n_tokens);

  for (uint32_t t = 0; t < n_tokens; t++)
    ids[t] = (3 + 7 * t) % VOCAB_SIZE;
  return ids;
}

static BertEncoder *
encoder_for (BertHead head, int num_labels, gboolean multi_label, BertModel **model)
{
  BertTestModelSpec options;
  char *folder;
  BertEncoder *encoder;

  bert_test_model_spec_init (&options);
  options.head = head;
  options.num_labels = num_labels;
  options.multi_label = multi_label;
  options.weight_scale = 0.3f; /* logits on both sides of 0 */
  folder = engine_test_make_model (&options);
  *model = engine_test_load_model (folder);
  encoder = engine_test_cpu_encoder (*model, -1, -1, 2);
  g_free (folder);
  return encoder;
}

static BertJob *
run_packed (BertEncoder *encoder, const int32_t *ids, const int32_t *type_ids)
{
  BertPackedInput input = { 3, ids, type_ids, seq_offsets };
  GError *error = NULL;
  BertJob *job = bert_encoder_submit_packed (encoder, &input, &error);

  g_assert_no_error (error);
  g_assert_true (bert_job_wait (job, &error));
  g_assert_no_error (error);
  return job;
}

static void
test_packed_equals_views (void)
{
  BertModel *model;
  BertEncoder *encoder = encoder_for (BERT_HEAD_ENCODER, 0, FALSE, &model);
  int32_t *ids = make_ids (15), *type_ids = g_new0 (int32_t, 15);
  BertSequence views[3];
  BertJob *packed, *viewed, *zero_types;
  const BertBatchOutput *a, *b, *c;

  for (guint i = 0; i < 3; i++)
    views[i] = (BertSequence){ ids + seq_offsets[i], NULL, seq_offsets[i + 1] - seq_offsets[i] };
  packed = run_packed (encoder, ids, NULL);
  zero_types = run_packed (encoder, ids, type_ids);
  viewed = bert_encoder_run (encoder, views, 3, NULL);
  a = bert_job_get_output (packed);
  b = bert_job_get_output (viewed);
  c = bert_job_get_output (zero_types);
  g_assert_cmpuint (a->n_sequences, ==, 3);
  g_assert_cmpuint (a->n_tokens, ==, 15);
  g_assert_cmpmem (a->token_offset, 4 * sizeof (uint32_t), seq_offsets, sizeof seq_offsets);
  g_assert_cmpmem (a->embeddings, 3 * a->hidden_size * sizeof (float), b->embeddings,
      3 * b->hidden_size * sizeof (float));
  g_assert_cmpmem (a->embeddings, 3 * a->hidden_size * sizeof (float), c->embeddings,
      3 * c->hidden_size * sizeof (float));
  bert_job_free (packed);
  bert_job_free (viewed);
  bert_job_free (zero_types);
  bert_encoder_free (encoder);
  bert_model_unref (model);
  g_free (ids);
  g_free (type_ids);
}

static void
assert_packed_fails (BertEncoder *encoder, const BertPackedInput *input, const char *fragment)
{
  GError *error = NULL;

  g_assert_null (bert_encoder_submit_packed (encoder, input, &error));
  g_assert_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_INPUT);
  if (strstr (error->message, fragment) == NULL)
    g_error ("'%s' is not in: %s", fragment, error->message);
  g_error_free (error);
}

static void
test_packed_bad_input (void)
{
  BertModel *model;
  BertEncoder *encoder = encoder_for (BERT_HEAD_ENCODER, 0, FALSE, &model);
  int32_t *ids = make_ids (MAX_POSITIONS + 1);
  const uint32_t not_from_zero[] = { 1, 4 }, empty_second[] = { 0, 4, 4 };
  const uint32_t too_long[] = { 0, MAX_POSITIONS + 1 };

  assert_packed_fails (encoder, NULL, "empty batch");
  assert_packed_fails (encoder, &(BertPackedInput){ 0, ids, NULL, seq_offsets }, "empty batch");
  assert_packed_fails (encoder, &(BertPackedInput){ 1, ids, NULL, not_from_zero }, "seq_offsets[0]");
  assert_packed_fails (encoder, &(BertPackedInput){ 2, ids, NULL, empty_second }, "sequence 1 has 0 tokens");
  assert_packed_fails (encoder, &(BertPackedInput){ 1, ids, NULL, too_long }, "sequence 0 has 65 tokens");
  assert_packed_fails (encoder, &(BertPackedInput){ 1, NULL, NULL, seq_offsets }, "and no ids");
  ids[5] = VOCAB_SIZE;
  assert_packed_fails (encoder, &(BertPackedInput){ 3, ids, NULL, seq_offsets },
      "sequence 1, token 1: id 100 is outside the vocabulary");
  bert_encoder_free (encoder);
  bert_model_unref (model);
  g_free (ids);
}

/* The id rule the element applies per buffer is the engine's own, lengths aside. */
static void
test_check_tokens_is_the_engine_rule (void)
{
  BertModel *model;
  BertEncoder *encoder = encoder_for (BERT_HEAD_ENCODER, 0, FALSE, &model);
  int32_t *ids = make_ids (MAX_POSITIONS + 10);
  const int32_t bad_types[] = { 0, 0, 2 };
  GError *error = NULL;

  g_assert_true (bert_model_check_tokens (model, ids, NULL, MAX_POSITIONS + 10, &error));
  g_assert_no_error (error);
  ids[7] = -3;
  g_assert_false (bert_model_check_tokens (model, ids, NULL, 9, &error));
  g_assert_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_INPUT);
  g_assert_cmpstr (error->message, ==, "token 7: id -3 is outside the vocabulary [0, 100)");
  g_clear_error (&error);
  g_assert_false (bert_model_check_tokens (model, ids, bad_types, 3, &error));
  g_assert_nonnull (strstr (error->message, "token 2: token type id 2"));
  g_clear_error (&error);
  bert_encoder_free (encoder);
  bert_model_unref (model);
  g_free (ids);
}

static void
test_token_probs_are_softmax_of_logits (void)
{
  const int n_labels = 5;
  BertModel *model;
  BertEncoder *encoder = encoder_for (BERT_HEAD_TOKEN_CLASSIFIER, n_labels, FALSE, &model);
  int32_t *ids = make_ids (15);
  BertJob *job = run_packed (encoder, ids, NULL);
  const BertBatchOutput *output = bert_job_get_output (job);

  g_assert_nonnull (output->token_probs);
  g_assert_null (output->probs);
  for (uint32_t t = 0; t < output->n_tokens; t++) {
    const float *logits = output->token_logits + t * n_labels;
    const float *probs = output->token_probs + t * n_labels;
    double sum = 0.0;

    for (int l = 0; l < n_labels; l++)
      sum += exp ((double) logits[l] - logits[output->token_labels[t]]);
    for (int l = 0; l < n_labels; l++) {
      g_assert_cmpfloat_with_epsilon (probs[l],
          exp ((double) logits[l] - logits[output->token_labels[t]]) / sum, 1e-6);
      g_assert_cmpfloat (probs[l], <=, probs[output->token_labels[t]]);
    }
  }
  bert_job_free (job);
  bert_encoder_free (encoder);
  bert_model_unref (model);
  g_free (ids);
}

/* Counts the (sequence, label) pairs that apply, checking each against the rule of
 * bert_engine.h for a model that is @multi_label or not. */
static guint
count_applying (const BertBatchOutput *output, gboolean multi_label)
{
  guint n_applying = 0;

  for (uint32_t s = 0; s < output->n_sequences; s++)
    for (int l = 0; l < output->num_labels; l++) {
      size_t i = (size_t) s * output->num_labels + l;
      gboolean expected =
          multi_label ? output->probs[i] > BERT_MULTI_LABEL_THRESHOLD : l == output->labels[s];

      if (output->label_applies[i] != expected)
        g_error ("sequence %u, label %d: applies %d, probability %g, top label %d", s, l,
            output->label_applies[i], output->probs[i], output->labels[s]);
      n_applying += expected;
    }
  return n_applying;
}

static void
test_single_label_applies_only_top_label (void)
{
  BertModel *model;
  BertEncoder *encoder = encoder_for (BERT_HEAD_SEQUENCE_CLASSIFIER, 4, FALSE, &model);
  int32_t *ids = make_ids (15);
  BertJob *job = run_packed (encoder, ids, NULL);

  g_assert_cmpuint (count_applying (bert_job_get_output (job), FALSE), ==, 3);
  bert_job_free (job);
  bert_encoder_free (encoder);
  bert_model_unref (model);
  g_free (ids);
}

static void
test_multi_label_applies_over_threshold (void)
{
  const int n_labels = 8;
  BertModel *model;
  BertEncoder *encoder = encoder_for (BERT_HEAD_SEQUENCE_CLASSIFIER, n_labels, TRUE, &model);
  int32_t *ids = make_ids (15);
  BertJob *job = run_packed (encoder, ids, NULL);
  guint n_applying = count_applying (bert_job_get_output (job), TRUE);

  /* Both sides of the threshold are exercised. */
  g_assert_cmpuint (n_applying, >, 0);
  g_assert_cmpuint (n_applying, <, 3 * n_labels);
  bert_job_free (job);
  bert_encoder_free (encoder);
  bert_model_unref (model);
  g_free (ids);
}

static void
test_cpu_backend_is_synchronous (void)
{
  BertModel *model;
  BertEncoder *encoder = encoder_for (BERT_HEAD_ENCODER, 0, FALSE, &model);

  g_assert_cmpstr (bert_encoder_get_backend_name (encoder), ==, "cpu");
  g_assert_false (bert_encoder_is_asynchronous (encoder));
  bert_encoder_free (encoder);
  bert_model_unref (model);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/packed/equals-views", test_packed_equals_views);
  g_test_add_func ("/engine/packed/bad-input", test_packed_bad_input);
  g_test_add_func ("/engine/packed/check-tokens-is-the-engine-rule", test_check_tokens_is_the_engine_rule);
  g_test_add_func ("/engine/heads/token-probs-are-softmax-of-logits", test_token_probs_are_softmax_of_logits);
  g_test_add_func ("/engine/heads/single-label-applies-only-top-label",
      test_single_label_applies_only_top_label);
  g_test_add_func ("/engine/heads/multi-label-applies-over-threshold",
      test_multi_label_applies_over_threshold);
  g_test_add_func ("/engine/backend/cpu-is-synchronous", test_cpu_backend_is_synchronous);
  status = g_test_run ();
  engine_test_cleanup ();
  return status;
}
