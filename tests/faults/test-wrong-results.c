/* test-wrong-results.c: element chains that used to give a wrong result without a word.
 *
 * Each test builds the mistake a user can make (a tokenizer of another model in front
 * of bert-infer) and checks that the result is right or refused, and that the mistake
 * is said on the bus.
 */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <string.h>

#include "gstbertmeta.h"

#define MODEL FAULTS_FIXTURE_DIR
#define TEXT_CAPS "text/x-raw, format=(string)utf8"
#define TEXT "hello world, the cat"

/* Runs TEXT through the description (ending in bert-infer, batch-size=1) and returns
 * the output buffer. */
static GstBuffer *
run_once (const char *description, GstBus *bus)
{
  GstHarness *harness = gst_harness_new_parse (description);
  GstBuffer *out;

  if (bus != NULL)
    gst_element_set_bus (harness->element, bus);
  gst_harness_set_src_caps_str (harness, TEXT_CAPS);
  fail_unless_equals_int (gst_harness_push (harness, gst_buffer_new_memdup (TEXT, strlen (TEXT))),
      GST_FLOW_OK);
  out = gst_harness_pull (harness);
  fail_unless (out != NULL);
  if (bus != NULL)
    gst_element_set_bus (harness->element, NULL);
  gst_harness_teardown (harness);
  return out;
}

static const float *
embedding_of (GstBuffer *buffer, guint *dim)
{
  GstCustomMeta *result = gst_buffer_get_bert_result_meta (buffer);

  fail_unless (result != NULL, "no result");
  return gst_bert_result_meta_get_embedding (result, dim);
}

static guint
count_warnings (GstBus *bus)
{
  GstMessage *message;
  guint n = 0;

  while ((message = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING)) != NULL) {
    GError *error;
    gst_message_parse_warning (message, &error, NULL);
    GST_INFO ("warning: %s", error->message);
    g_error_free (error);
    gst_message_unref (message);
    n++;
  }
  return n;
}

/* tokenizer with a small vocabulary in front of bert-infer with the fixture model: the
 * ids fit the model's vocabulary, so the old elements ran it on them. The result must
 * be that of the model's own tokenizer, and the mismatch warned about. */
GST_START_TEST (test_tokens_of_another_vocabulary_tokenized_again)
{
  GstBus *bus = gst_bus_new ();
  GstBuffer *own = run_once ("bert-infer model=" MODEL " device=cpu batch-size=1", NULL);
  GstBuffer *other =
      run_once ("tokenizer vocab=" OTHER_VOCAB " ! bert-infer model=" MODEL " device=cpu batch-size=1", bus);
  GstBuffer *same =
      run_once ("tokenizer vocab=" MODEL " ! bert-infer model=" MODEL " device=cpu batch-size=1", NULL);
  guint own_dim, other_dim, same_dim;
  const float *own_embedding = embedding_of (own, &own_dim);
  const float *other_embedding = embedding_of (other, &other_dim);
  const float *same_embedding = embedding_of (same, &same_dim);
  GstCustomMeta *tokens_out = gst_buffer_get_bert_token_meta (other);

  fail_unless_equals_int (other_dim, own_dim);
  fail_unless (memcmp (other_embedding, own_embedding, own_dim * sizeof (float)) == 0,
      "tokens of another vocabulary were run as they were");
  fail_unless (memcmp (same_embedding, own_embedding, own_dim * sizeof (float)) == 0);
  fail_unless_equals_int (count_warnings (bus), 1);
  /* The tokens that went out are the model's, and say so. */
  fail_unless_equals_string (gst_bert_token_meta_get_vocabulary (tokens_out),
      gst_bert_token_meta_get_vocabulary (gst_buffer_get_bert_token_meta (own)));
  gst_buffer_unref (own);
  gst_buffer_unref (other);
  gst_buffer_unref (same);
  gst_object_unref (bus);
}
GST_END_TEST;

/* Two bert-infer in a row, the second with another pooling: each result is its own,
 * found by element name, equal to what that bert-infer gives alone. On 3a49a12 the
 * second overwrote the first's fields. */
GST_START_TEST (test_two_bert_infer_in_a_row_keep_both_results)
{
  GstBuffer *mean = run_once ("bert-infer model=" MODEL " device=cpu batch-size=1 pooling=mean", NULL);
  GstBuffer *cls = run_once ("bert-infer model=" MODEL " device=cpu batch-size=1 pooling=cls", NULL);
  GstBuffer *both =
      run_once ("bert-infer name=first model=" MODEL " device=cpu batch-size=1 "
                "pooling=mean ! bert-infer name=second model=" MODEL " device=cpu batch-size=1 pooling=cls",
          NULL);
  GstCustomMeta *first = gst_buffer_get_bert_result_meta_by_name (both, "first");
  GstCustomMeta *second = gst_buffer_get_bert_result_meta_by_name (both, "second");
  gpointer state = NULL;
  guint n_results = 0, dim, both_dim;
  const float *expected, *got;

  fail_unless (first != NULL && second != NULL && first != second,
      "the two bert-infer did not each attach a result");
  while (gst_buffer_iterate_bert_result_metas (both, &state) != NULL)
    n_results++;
  fail_unless_equals_int (n_results, 2);
  fail_unless (gst_buffer_get_bert_result_meta (both) == first, "the first result is not first");
  expected = embedding_of (mean, &dim);
  got = gst_bert_result_meta_get_embedding (first, &both_dim);
  fail_unless (both_dim == dim && memcmp (got, expected, dim * sizeof (float)) == 0,
      "the first result is not the mean-pooled embedding");
  expected = embedding_of (cls, &dim);
  got = gst_bert_result_meta_get_embedding (second, &both_dim);
  fail_unless (both_dim == dim && memcmp (got, expected, dim * sizeof (float)) == 0,
      "the second result is not the CLS-pooled embedding");
  fail_unless_equals_string (gst_bert_result_meta_get_element (second), "second");
  gst_buffer_unref (mean);
  gst_buffer_unref (cls);
  gst_buffer_unref (both);
}
GST_END_TEST;

static Suite *
wrong_results_suite (void)
{
  Suite *suite = suite_create ("wrong-results");
  TCase *chains = tcase_create ("chains");

  suite_add_tcase (suite, chains);
  tcase_add_test (chains, test_tokens_of_another_vocabulary_tokenized_again);
  tcase_add_test (chains, test_two_bert_infer_in_a_row_keep_both_results);
  return suite;
}

GST_CHECK_MAIN (wrong_results);
