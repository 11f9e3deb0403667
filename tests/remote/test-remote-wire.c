/* test-remote-wire.c: the remote backend's KServe v2 messages, without a server.
 *
 * A request carries the packed batch as IDS, TYPE_IDS, LENGTHS (no padding), POOLING and
 * NORMALIZE; a response is read only when every output has the batch's name, type, shape
 * and size, and anything else (a shape for another batch, a short or long binary part, a
 * header longer than the body, bad JSON, an output twice or missing) is refused with a
 * message saying what, the output arrays untouched past their size.
 */
#include <string.h>

#include "bert_remote_wire.h"

/* A 2-sequence, 5-token batch and an encoder output of hidden size 3 (with a guard). */
static const int32_t ids[] = { 101, 7, 102, 101, 102 }, type_ids[] = { 0, 0, 0, 0, 1 };
static const uint32_t seq_offsets[] = { 0, 3, 5 };
static const BertPackedBatch batch = { 2, 5, ids, type_ids, seq_offsets, 3 };

static void
init_output (BertBatchOutput *output, float *embeddings)
{
  memset (output, 0, sizeof *output);
  output->n_sequences = 2;
  output->n_tokens = 5;
  output->hidden_size = 3;
  output->embedding_size = 3;
  output->num_labels = 2;
  output->embeddings = embeddings;
}

static GByteArray *
response (const char *header, gsize n_floats)
{
  GByteArray *body = g_byte_array_new ();

  g_byte_array_append (body, (const guint8 *) header, strlen (header));
  for (gsize i = 0; i < n_floats; i++) {
    float value = i + 0.5f;

    g_byte_array_append (body, (const guint8 *) &value, sizeof value);
  }
  return body;
}

#define EMBEDDING_HEADER(shape, size)                                                                        \
  "{\"model_name\":\"m\",\"outputs\":[{\"name\":\"EMBEDDING\",\"datatype\":\"FP32\","                        \
  "\"shape\":" shape ",\"parameters\":{\"binary_data_size\":" size "}}]}"

/* Reads header + n_floats values; returns the error message or NULL, and checks that
 * nothing was written past the 6 floats of the output (a guard value after them). */
static char *
read_response (const char *header, gsize n_floats, gssize header_length)
{
  float embeddings[7];
  BertBatchOutput output;
  GByteArray *body = response (header, n_floats);
  GError *error = NULL;
  char *message = NULL;

  embeddings[6] = -42.0f;
  init_output (&output, embeddings);
  if (!bert_remote_wire_read_response (body->data, body->len,
          header_length == -2 ? (gssize) strlen (header) : header_length, BERT_HEAD_ENCODER, &output,
          &error)) {
    message = g_strdup (error->message);
    g_error_free (error);
  } else {
    for (int i = 0; i < 6; i++)
      g_assert_cmpfloat (embeddings[i], ==, i + 0.5f);
  }
  g_assert_cmpfloat (embeddings[6], ==, -42.0f);
  g_byte_array_unref (body);
  return message;
}

static void
assert_refused (const char *header, gsize n_floats, gssize header_length, const char *expected)
{
  char *message = read_response (header, n_floats, header_length);

  g_assert_nonnull (message);
  if (strstr (message, expected) == NULL)
    g_error ("'%s' does not say '%s'", message, expected);
  g_free (message);
}

static void
test_request_is_the_packed_batch (void)
{
  gsize header_length, length;
  GBytes *request = bert_remote_wire_request (&batch, BERT_HEAD_ENCODER, 1, 0, &header_length);
  const char *data = g_bytes_get_data (request, &length);
  const int32_t *binary = (const int32_t *) (data + header_length);
  char *header = g_strndup (data, header_length);
  const int32_t expected[] = { 101, 7, 102, 101, 102, 0, 0, 0, 0, 1, 3, 2, 1, 0 };

  g_assert_cmpuint (length, ==, header_length + sizeof expected);
  g_assert_cmpmem (binary, sizeof expected, expected, sizeof expected);
  g_assert_nonnull (strstr (header,
      "{\"name\":\"IDS\",\"datatype\":\"INT32\",\"shape\":[5],"
      "\"parameters\":{\"binary_data_size\":20}}"));
  g_assert_nonnull (strstr (header, "\"name\":\"LENGTHS\",\"datatype\":\"INT32\",\"shape\":[2]"));
  g_assert_nonnull (strstr (header,
      "\"outputs\":[{\"name\":\"EMBEDDING\",\"parameters\":"
      "{\"binary_data\":true}}]"));
  g_free (header);
  g_bytes_unref (request);
}

static void
test_matching_response_is_read (void)
{
  g_assert_null (read_response (EMBEDDING_HEADER ("[2,3]", "24"), 6, -2));
}

static void
test_other_shapes_are_refused (void)
{
  assert_refused (EMBEDDING_HEADER ("[3,3]", "36"), 9, -2,
      "output EMBEDDING has shape [3,3]; the batch needs [2,3]");
  assert_refused (EMBEDDING_HEADER ("[6]", "24"), 6, -2, "has shape [6]; the batch needs [2,3]");
  assert_refused (EMBEDDING_HEADER ("[2,\"3\"]", "24"), 6, -2, "has shape [2,?]");
}

static void
test_sizes_that_do_not_add_up_are_refused (void)
{
  assert_refused (EMBEDDING_HEADER ("[2,3]", "20"), 5, -2, "declares 20 binary bytes");
  assert_refused (EMBEDDING_HEADER ("[2,3]", "24"), 5, -2, "needs 24 bytes at offset 0");
  assert_refused (EMBEDDING_HEADER ("[2,3]", "24"), 7, -2, "4 bytes after the outputs");
  assert_refused (EMBEDDING_HEADER ("[2,3]", "24"), 6, 100000, "JSON header in a");
}

static void
test_malformed_headers_are_refused (void)
{
  assert_refused ("{\"outputs\":[", 6, -2, "does not parse");
  assert_refused ("{\"error\":\"x\"}", 0, -2, "no \"outputs\" array");
  assert_refused ("{\"outputs\":[]}", 0, -2, "output EMBEDDING is missing");
  assert_refused ("{\"outputs\":[{\"name\":\"LOGITS\"}]}", 0, -2, "'LOGITS' was not asked for");
  assert_refused ("{\"outputs\":[{\"name\":\"EMBEDDING\",\"datatype\":\"FP16\"}]}", 0, -2,
      "is FP16, expected FP32");
  assert_refused ("{\"outputs\":["
                  "{\"name\":\"EMBEDDING\",\"datatype\":\"FP32\",\"shape\":[2,3],"
                  "\"parameters\":{\"binary_data_size\":24}},{\"name\":\"EMBEDDING\"}]}",
      6, -2, "appears twice");
  /* No Inference-Header-Content-Length: all JSON, no binary data asked for. */
  assert_refused ("{\"outputs\":[{\"name\":\"EMBEDDING\",\"datatype\":\"FP32\",\"shape\":[2,3],"
                  "\"data\":[1,2,3,4,5,6]}]}",
      0, -1, "declares -1 binary bytes");
}

/* A sequence classifier's four outputs for the batch, LABEL_APPLIES one byte per label. */
static const char classifier_header[] =
    "{\"outputs\":["
    "{\"name\":\"LOGITS\",\"datatype\":\"FP32\",\"shape\":[2,2],\"parameters\":{\"binary_data_size\":16}},"
    "{\"name\":\"PROBS\",\"datatype\":\"FP32\",\"shape\":[2,2],\"parameters\":{\"binary_data_size\":16}},"
    "{\"name\":\"LABELS\",\"datatype\":\"INT32\",\"shape\":[2],\"parameters\":{\"binary_data_size\":8}},"
    "{\"name\":\"LABEL_APPLIES\",\"datatype\":\"UINT8\",\"shape\":[2,2],\"parameters\":{\"binary_data_"
    "size\":4}}]}";

static BertBatchOutput
classifier_output (float *logits, float *probs, int32_t *labels, uint8_t *applies)
{
  BertBatchOutput output = { .n_sequences = 2,
    .n_tokens = 5,
    .hidden_size = 3,
    .num_labels = 2,
    .logits = logits,
    .probs = probs,
    .labels = labels,
    .label_applies = applies };
  return output;
}

/* A sequence classifier's four outputs, LABEL_APPLIES one byte per label. */
static void
test_classifier_outputs_are_read (void)
{
  const float logits[4] = { 1, 2, 3, 4 }, probs[4] = { 0.25f, 0.75f, 0.5f, 0.5f };
  const int32_t labels[2] = { 1, 0 };
  const uint8_t applies[4] = { 0, 1, 1, 0 };
  float got_logits[4], got_probs[4];
  int32_t got_labels[2];
  uint8_t got_applies[4];
  BertBatchOutput output = classifier_output (got_logits, got_probs, got_labels, got_applies);
  GByteArray *body = g_byte_array_new ();
  GError *error = NULL;

  g_byte_array_append (body, (const guint8 *) classifier_header, strlen (classifier_header));
  g_byte_array_append (body, (const guint8 *) logits, sizeof logits);
  g_byte_array_append (body, (const guint8 *) probs, sizeof probs);
  g_byte_array_append (body, (const guint8 *) labels, sizeof labels);
  g_byte_array_append (body, applies, sizeof applies);
  g_assert_true (bert_remote_wire_read_response (body->data, body->len, strlen (classifier_header),
      BERT_HEAD_SEQUENCE_CLASSIFIER, &output, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (got_logits, sizeof got_logits, logits, sizeof logits);
  g_assert_cmpmem (got_probs, sizeof got_probs, probs, sizeof probs);
  g_assert_cmpmem (got_labels, sizeof got_labels, labels, sizeof labels);
  g_assert_cmpmem (got_applies, sizeof got_applies, applies, sizeof applies);
  /* Without LABEL_APPLIES the response is incomplete. */
  g_assert_false (bert_remote_wire_read_response (body->data, body->len - 4, strlen (classifier_header),
      BERT_HEAD_SEQUENCE_CLASSIFIER, &output, &error));
  g_assert_nonnull (strstr (error->message, "LABEL_APPLIES needs 4 bytes"));
  g_error_free (error);
  g_byte_array_unref (body);
}

static void
test_error_text_is_the_servers (void)
{
  const char json[] = "{\"error\":\"Request for unknown model\"}", plain[] = "Bad Gateway";
  char *text = bert_remote_wire_error_text ((const guint8 *) json, strlen (json));

  g_assert_cmpstr (text, ==, "Request for unknown model");
  g_free (text);
  text = bert_remote_wire_error_text ((const guint8 *) plain, strlen (plain));
  g_assert_cmpstr (text, ==, "Bad Gateway");
  g_free (text);
}

/* A 200 with no body at all (a proxy's, a server that died) is refused, not parsed. */
static void
test_empty_response_is_refused (void)
{
  GByteArray *empty = g_byte_array_new ();
  float embeddings[6];
  BertBatchOutput output;
  GError *error = NULL;

  init_output (&output, embeddings);
  g_assert_false (
      bert_remote_wire_read_response (empty->data, empty->len, -1, BERT_HEAD_ENCODER, &output, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "empty"));
  g_error_free (error);
  g_byte_array_unref (empty);
}

/* Label indices index the label arrays: one outside [0, num_labels) is refused rather
 * than read past them. */
static void
test_label_outside_the_labels_is_refused (void)
{
  const float values[8] = { 0 };
  const uint8_t applies[4] = { 0, 1, 1, 0 };
  const int32_t bad_labels[][2] = { { 1, 2 }, { -1, 0 }, { 0, 1000000 } };
  float got_logits[4], got_probs[4];
  int32_t got_labels[2];
  uint8_t got_applies[4];
  BertBatchOutput output = classifier_output (got_logits, got_probs, got_labels, got_applies);

  for (guint i = 0; i < G_N_ELEMENTS (bad_labels); i++) {
    GByteArray *body = g_byte_array_new ();
    GError *error = NULL;

    g_byte_array_append (body, (const guint8 *) classifier_header, strlen (classifier_header));
    g_byte_array_append (body, (const guint8 *) values, sizeof values);
    g_byte_array_append (body, (const guint8 *) bad_labels[i], sizeof bad_labels[i]);
    g_byte_array_append (body, applies, sizeof applies);
    g_assert_false (bert_remote_wire_read_response (body->data, body->len, strlen (classifier_header),
        BERT_HEAD_SEQUENCE_CLASSIFIER, &output, &error));
    g_assert_nonnull (error);
    if (strstr (error->message, "outside [0, 2)") == NULL)
      g_error ("'%s' does not name the range", error->message);
    g_error_free (error);
    g_byte_array_unref (body);
  }
}

/* A 404 or a 502 with no body (a proxy's) is still described, without a GLib critical. */
static void
test_error_without_body_is_described (void)
{
  GByteArray *empty = g_byte_array_new ();
  char *text = bert_remote_wire_error_text (empty->data, empty->len);

  g_assert_cmpstr (text, ==, "(no body)");
  g_free (text);
  g_byte_array_unref (empty);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/remote-wire/request-is-the-packed-batch", test_request_is_the_packed_batch);
  g_test_add_func ("/remote-wire/matching-response-is-read", test_matching_response_is_read);
  g_test_add_func ("/remote-wire/other-shapes-are-refused", test_other_shapes_are_refused);
  g_test_add_func ("/remote-wire/sizes-that-do-not-add-up-are-refused",
      test_sizes_that_do_not_add_up_are_refused);
  g_test_add_func ("/remote-wire/malformed-headers-are-refused", test_malformed_headers_are_refused);
  g_test_add_func ("/remote-wire/classifier-outputs-are-read", test_classifier_outputs_are_read);
  g_test_add_func ("/remote-wire/error-text-is-the-servers", test_error_text_is_the_servers);
  g_test_add_func ("/remote-wire/error-without-body-is-described", test_error_without_body_is_described);
  g_test_add_func ("/remote-wire/empty-response-is-refused", test_empty_response_is_refused);
  g_test_add_func ("/remote-wire/label-outside-the-labels-is-refused",
      test_label_outside_the_labels_is_refused);
  return g_test_run ();
}
