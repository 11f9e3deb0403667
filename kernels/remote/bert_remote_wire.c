/* bert_remote_wire.c: KServe v2 requests and responses with binary tensors (see the header). */
#include <json-glib/json-glib.h>
#include <string.h>

#include "bert_remote_wire.h"

#if G_BYTE_ORDER != G_LITTLE_ENDIAN
#error "the binary tensor data extension is little-endian; this host is not"
#endif

/* One output the head returns: its name, type and shape, and where its values go. */
typedef struct {
  const char *name;
  const char *datatype;
  gsize element_size;
  gint64 shape[2];
  guint n_dims;
  void *destination;
  gboolean seen;
} WireOutput;

static void
append_input (GString *json, GString *data, const char *name, const int32_t *values, gsize n_values)
{
  g_string_append_printf (json,
      "%s{\"name\":\"%s\",\"datatype\":\"INT32\",\"shape\":[%" G_GSIZE_FORMAT
      "],\"parameters\":{\"binary_data_size\":%" G_GSIZE_FORMAT "}}",
      data->len > 0 ? "," : "", name, n_values, n_values * sizeof (int32_t));
  g_string_append_len (data, (const char *) values, n_values * sizeof (int32_t));
}

#define MAX_HEAD_OUTPUTS 4

static const char *const head_output_names[][MAX_HEAD_OUTPUTS] = {
  [BERT_HEAD_ENCODER] = { "EMBEDDING", NULL },
  [BERT_HEAD_SEQUENCE_CLASSIFIER] = { "LOGITS", "PROBS", "LABELS", "LABEL_APPLIES" },
  [BERT_HEAD_TOKEN_CLASSIFIER] = { "TOKEN_LOGITS", "TOKEN_PROBS", "TOKEN_LABELS", NULL },
};

GBytes *
bert_remote_wire_request (const BertPackedBatch *batch, BertHead head, int pooling, int normalize,
    gsize *header_length)
{
  GString *json = g_string_new ("{\"inputs\":[");
  GString *data = g_string_new (NULL);
  int32_t *lengths = g_new (int32_t, batch->n_sequences);
  int32_t pooling_value = pooling, normalize_value = normalize;

  for (uint32_t i = 0; i < batch->n_sequences; i++)
    lengths[i] = batch->seq_offsets[i + 1] - batch->seq_offsets[i];
  append_input (json, data, "IDS", batch->ids, batch->n_tokens);
  append_input (json, data, "TYPE_IDS", batch->type_ids, batch->n_tokens);
  append_input (json, data, "LENGTHS", lengths, batch->n_sequences);
  append_input (json, data, "POOLING", &pooling_value, 1);
  append_input (json, data, "NORMALIZE", &normalize_value, 1);
  g_string_append (json, "],\"outputs\":[");
  for (guint i = 0; i < MAX_HEAD_OUTPUTS && head_output_names[head][i] != NULL; i++)
    g_string_append_printf (json, "%s{\"name\":\"%s\",\"parameters\":{\"binary_data\":true}}",
        i > 0 ? "," : "", head_output_names[head][i]);
  g_string_append (json, "]}");
  g_free (lengths);
  *header_length = json->len;
  g_string_append_len (json, data->str, data->len);
  g_string_free (data, TRUE);
  return g_string_free_to_bytes (json);
}

static guint
head_outputs (BertHead head, BertBatchOutput *output, WireOutput *outputs)
{
  gint64 n_sequences = output->n_sequences, n_tokens = output->n_tokens;
  gint64 n_labels = output->num_labels;

  switch (head) {
    case BERT_HEAD_ENCODER:
      outputs[0] = (WireOutput){ "EMBEDDING", "FP32", 4, { n_sequences, output->embedding_size }, 2,
        output->embeddings };
      return 1;
    case BERT_HEAD_SEQUENCE_CLASSIFIER:
      outputs[0] = (WireOutput){ "LOGITS", "FP32", 4, { n_sequences, n_labels }, 2, output->logits };
      outputs[1] = (WireOutput){ "PROBS", "FP32", 4, { n_sequences, n_labels }, 2, output->probs };
      outputs[2] = (WireOutput){ "LABELS", "INT32", 4, { n_sequences }, 1, output->labels };
      outputs[3] =
          (WireOutput){ "LABEL_APPLIES", "UINT8", 1, { n_sequences, n_labels }, 2, output->label_applies };
      return 4;
    case BERT_HEAD_TOKEN_CLASSIFIER:
      outputs[0] = (WireOutput){ "TOKEN_LOGITS", "FP32", 4, { n_tokens, n_labels }, 2, output->token_logits };
      outputs[1] = (WireOutput){ "TOKEN_PROBS", "FP32", 4, { n_tokens, n_labels }, 2, output->token_probs };
      outputs[2] = (WireOutput){ "TOKEN_LABELS", "INT32", 4, { n_tokens }, 1, output->token_labels };
      return 3;
  }
  return 0;
}

static gsize
wire_output_bytes (const WireOutput *wire)
{
  gsize n = 1;

  for (guint d = 0; d < wire->n_dims; d++)
    n *= wire->shape[d];
  return n * wire->element_size;
}

static char *
shape_text (JsonArray *shape)
{
  GString *text = g_string_new ("[");

  for (guint d = 0; shape != NULL && d < json_array_get_length (shape); d++) {
    JsonNode *node = json_array_get_element (shape, d);

    if (json_node_get_value_type (node) == G_TYPE_INT64)
      g_string_append_printf (text, "%s%" G_GINT64_FORMAT, d ? "," : "", json_node_get_int (node));
    else
      g_string_append_printf (text, "%s?", d ? "," : "");
  }
  g_string_append_c (text, ']');
  return g_string_free (text, FALSE);
}

static gboolean
shape_matches (JsonArray *shape, const WireOutput *wire)
{
  if (shape == NULL || json_array_get_length (shape) != wire->n_dims)
    return FALSE;
  for (guint d = 0; d < wire->n_dims; d++) {
    JsonNode *node = json_array_get_element (shape, d);

    if (json_node_get_value_type (node) != G_TYPE_INT64 || json_node_get_int (node) != wire->shape[d])
      return FALSE;
  }
  return TRUE;
}

static WireOutput *
find_output (WireOutput *outputs, guint n_outputs, const char *name)
{
  for (guint i = 0; i < n_outputs; i++)
    if (g_strcmp0 (outputs[i].name, name) == 0)
      return &outputs[i];
  return NULL;
}

static JsonArray *
member_array (JsonObject *object, const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

/* The binary size an output declares, or -1. */
static gint64
binary_data_size (JsonObject *object)
{
  JsonNode *node = json_object_get_member (object, "parameters"), *size;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return -1;
  size = json_object_get_member (json_node_get_object (node), "binary_data_size");
  if (size == NULL || json_node_get_value_type (size) != G_TYPE_INT64)
    return -1;
  return json_node_get_int (size);
}

/* Checks one output of the JSON header against what the batch expects. */
static WireOutput *
check_output (JsonNode *node, WireOutput *outputs, guint n_outputs, GError **error)
{
  JsonObject *object = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
  const char *name = object ? json_object_get_string_member_with_default (object, "name", NULL) : NULL;
  WireOutput *wire = name ? find_output (outputs, n_outputs, name) : NULL;
  JsonArray *shape;
  char *got, expected[24];

  if (wire == NULL || wire->seen) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_FORMAT, "malformed response: output '%s' %s",
        name ? name : "(no name)", wire ? "appears twice" : "was not asked for");
    return NULL;
  }
  if (g_strcmp0 (json_object_get_string_member_with_default (object, "datatype", ""), wire->datatype) != 0) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_FORMAT,
        "malformed response: output %s is %s, expected %s", name,
        json_object_get_string_member_with_default (object, "datatype", "(no datatype)"), wire->datatype);
    return NULL;
  }
  shape = member_array (object, "shape");
  g_snprintf (expected, sizeof expected, "%" G_GINT64_FORMAT, wire->shape[1]);
  if (!shape_matches (shape, wire)) {
    got = shape_text (shape);
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_SHAPE,
        "response output %s has shape %s; the batch needs [%" G_GINT64_FORMAT "%s%s]", name, got,
        wire->shape[0], wire->n_dims > 1 ? "," : "", wire->n_dims > 1 ? expected : "");
    g_free (got);
    return NULL;
  }
  if (binary_data_size (object) != (gint64) wire_output_bytes (wire)) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_FORMAT,
        "malformed response: output %s declares %" G_GINT64_FORMAT " binary bytes, its shape "
        "needs %" G_GSIZE_FORMAT,
        name, binary_data_size (object), wire_output_bytes (wire));
    return NULL;
  }
  wire->seen = TRUE;
  return wire;
}

static gboolean
read_outputs (JsonArray *array, const guint8 *data, gsize data_length, WireOutput *outputs, guint n_outputs,
    GError **error)
{
  gsize offset = 0;

  for (guint i = 0; i < json_array_get_length (array); i++) {
    WireOutput *wire = check_output (json_array_get_element (array, i), outputs, n_outputs, error);
    gsize size;

    if (wire == NULL)
      return FALSE;
    size = wire_output_bytes (wire);
    if (size > data_length - offset) {
      g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_FORMAT,
          "malformed response: output %s needs %" G_GSIZE_FORMAT " bytes at offset %" G_GSIZE_FORMAT
          ", the body's binary part has %" G_GSIZE_FORMAT,
          wire->name, size, offset, data_length);
      return FALSE;
    }
    memcpy (wire->destination, data + offset, size);
    offset += size;
  }
  for (guint i = 0; i < n_outputs; i++) {
    if (!outputs[i].seen) {
      g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_FORMAT,
          "malformed response: output %s is missing", outputs[i].name);
      return FALSE;
    }
  }
  if (offset != data_length) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_FORMAT,
        "malformed response: %" G_GSIZE_FORMAT " bytes after the outputs", data_length - offset);
    return FALSE;
  }
  return TRUE;
}

/* Label indices index the label arrays of the result (its label name, probability and
 * whether it applies): one outside [0, num_labels) is refused, not read past them. */
static gboolean
check_label_indices (const int32_t *labels, gsize n, int num_labels, const char *name, GError **error)
{
  for (gsize i = 0; i < n; i++) {
    if (labels[i] < 0 || labels[i] >= num_labels) {
      g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_FORMAT,
          "malformed response: output %s[%" G_GSIZE_FORMAT "] is %d, outside [0, %d) (the model's labels)",
          name, i, labels[i], num_labels);
      return FALSE;
    }
  }
  return TRUE;
}

static gboolean
check_labels (BertHead head, const BertBatchOutput *output, GError **error)
{
  if (head == BERT_HEAD_SEQUENCE_CLASSIFIER)
    return check_label_indices (output->labels, output->n_sequences, output->num_labels, "LABELS", error);
  if (head == BERT_HEAD_TOKEN_CLASSIFIER)
    return check_label_indices (output->token_labels, output->n_tokens, output->num_labels, "TOKEN_LABELS",
        error);
  return TRUE;
}

gboolean
bert_remote_wire_read_response (const guint8 *body, gsize body_length, gssize header_length, BertHead head,
    BertBatchOutput *output, GError **error)
{
  WireOutput outputs[MAX_HEAD_OUTPUTS];
  guint n_outputs = head_outputs (head, output, outputs);
  JsonParser *parser;
  JsonNode *root;
  JsonArray *array;
  GError *parse_error = NULL;
  gsize json_length = header_length < 0 ? body_length : (gsize) header_length;
  gboolean ok = FALSE;

  if (body_length == 0) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_FORMAT, "malformed response: an empty body");
    return FALSE;
  }
  if (json_length > body_length) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_FORMAT,
        "malformed response: a %" G_GSIZE_FORMAT "-byte JSON header in a %" G_GSIZE_FORMAT "-byte body",
        json_length, body_length);
    return FALSE;
  }
  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, (const char *) body, json_length, &parse_error)) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_FORMAT,
        "malformed response: its JSON header does not parse: %s", parse_error->message);
    g_error_free (parse_error);
  } else if ((root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root)
      || (array = member_array (json_node_get_object (root), "outputs")) == NULL) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_FORMAT,
        "malformed response: no \"outputs\" array in its JSON header");
  } else {
    ok = read_outputs (array, body + json_length, body_length - json_length, outputs, n_outputs, error)
        && check_labels (head, output, error);
  }
  g_object_unref (parser);
  return ok;
}

char *
bert_remote_wire_error_text (const guint8 *body, gsize body_length)
{
  JsonParser *parser;
  JsonNode *root;
  char *text = NULL;

  /* A proxy or a load balancer may answer an error status with no body at all. */
  if (body_length == 0)
    return g_strdup ("(no body)");
  parser = json_parser_new_immutable ();
  if (json_parser_load_from_data (parser, (const char *) body, body_length, NULL)
      && (root = json_parser_get_root (parser)) != NULL && JSON_NODE_HOLDS_OBJECT (root))
    text = g_strdup (json_object_get_string_member_with_default (json_node_get_object (root), "error", NULL));
  g_object_unref (parser);
  if (text == NULL)
    text = g_utf8_make_valid ((const char *) body, MIN (body_length, 200));
  return text;
}
