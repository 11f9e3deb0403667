/* bert_safetensors.c: parses and validates a safetensors buffer. */
#include "bert_safetensors.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "bert_engine.h"
#include "bert_json_guards.h"
#include "bert_json_integers.h"

static const struct {
  const char *name;
  gsize size;
} dtype_sizes[] = {
  { "BOOL", 1 },
  { "U8", 1 },
  { "I8", 1 },
  { "F8_E5M2", 1 },
  { "F8_E4M3", 1 },
  { "I16", 2 },
  { "U16", 2 },
  { "F16", 2 },
  { "BF16", 2 },
  { "I32", 4 },
  { "U32", 4 },
  { "F32", 4 },
  { "I64", 8 },
  { "U64", 8 },
  { "F64", 8 },
};

static gsize
dtype_element_size (const char *dtype)
{
  for (gsize i = 0; i < G_N_ELEMENTS (dtype_sizes); i++)
    if (strcmp (dtype, dtype_sizes[i].name) == 0)
      return dtype_sizes[i].size;
  return 0;
}

void
bert_safetensors_tensor_free (gpointer data)
{
  BertSafetensorsTensor *tensor = data;

  g_free (tensor->name);
  g_free (tensor->dtype);
  g_free (tensor);
}

void
bert_safetensors_free (BertSafetensors *safetensors)
{
  if (safetensors == NULL)
    return;
  g_hash_table_unref (safetensors->tensors);
  g_free (safetensors);
}

const BertSafetensorsTensor *
bert_safetensors_lookup (const BertSafetensors *safetensors, const char *name)
{
  return g_hash_table_lookup (safetensors->tensors, name);
}

/* The string a node holds, or NULL for any other node. */
static const char *
node_get_string (JsonNode *node)
{
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

/* A JSON integer >= 0, or -1 (floats, strings, negative numbers). */
static gint64
node_get_count (JsonNode *node)
{
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return -1;
  return MAX (json_node_get_int (node), -1);
}

char *
bert_safetensors_describe_shape (int n_dims, const int64_t *shape)
{
  GString *text = g_string_new ("[");

  for (int i = 0; i < n_dims; i++)
    g_string_append_printf (text, "%s%" G_GINT64_FORMAT, i ? ", " : "", shape[i]);
  g_string_append_c (text, ']');
  return g_string_free (text, FALSE);
}

static gboolean
parse_shape (BertSafetensorsTensor *tensor, JsonNode *node, const char *file_name, GError **error)
{
  JsonArray *dims;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node)) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_FORMAT,
        "%s: tensor '%s': 'shape' is missing or not an array", file_name, tensor->name);
    return FALSE;
  }
  dims = json_node_get_array (node);
  if (json_array_get_length (dims) > BERT_SAFETENSORS_MAX_DIMS) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_FORMAT,
        "%s: tensor '%s' has %u dimensions, more than the %d supported", file_name, tensor->name,
        json_array_get_length (dims), BERT_SAFETENSORS_MAX_DIMS);
    return FALSE;
  }
  tensor->n_dims = json_array_get_length (dims);
  for (int i = 0; i < tensor->n_dims; i++) {
    tensor->shape[i] = node_get_count (json_array_get_element (dims, i));
    if (tensor->shape[i] < 0) {
      g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_FORMAT,
          "%s: tensor '%s': shape[%d] is not a non-negative integer", file_name, tensor->name, i);
      return FALSE;
    }
  }
  return TRUE;
}

static gboolean
parse_offsets (BertSafetensorsTensor *tensor, JsonNode *node, const char *file_name, GError **error)
{
  JsonArray *offsets;
  gint64 begin, end;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node)
      || json_array_get_length (json_node_get_array (node)) != 2) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_FORMAT,
        "%s: tensor '%s': 'data_offsets' is missing or not an array of two integers", file_name,
        tensor->name);
    return FALSE;
  }
  offsets = json_node_get_array (node);
  begin = node_get_count (json_array_get_element (offsets, 0));
  end = node_get_count (json_array_get_element (offsets, 1));
  if (begin < 0 || end < begin) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_FORMAT,
        "%s: tensor '%s': data_offsets must be two integers 0 <= begin <= end", file_name, tensor->name);
    return FALSE;
  }
  tensor->begin = begin;
  tensor->end = end;
  return TRUE;
}

/* The byte size its shape and dtype give must be the size its offsets span. */
static gboolean
check_byte_size (const BertSafetensorsTensor *tensor, const char *file_name, GError **error)
{
  guint64 bytes = tensor->element_size;
  gboolean overflow = FALSE;
  char *shape, *needed;

  for (int i = 0; i < tensor->n_dims && !overflow; i++)
    overflow = !g_uint64_checked_mul (&bytes, bytes, tensor->shape[i]);
  if (!overflow && bytes == tensor->end - tensor->begin)
    return TRUE;
  shape = bert_safetensors_describe_shape (tensor->n_dims, tensor->shape);
  needed = overflow ? g_strdup ("more than 2^64") : g_strdup_printf ("%" G_GUINT64_FORMAT, bytes);
  g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_FORMAT,
      "%s: tensor '%s': shape %s of %s needs %s bytes but data_offsets [%" G_GUINT64_FORMAT
      ", %" G_GUINT64_FORMAT "] span %" G_GUINT64_FORMAT,
      file_name, tensor->name, shape, tensor->dtype, needed, tensor->begin, tensor->end,
      tensor->end - tensor->begin);
  g_free (needed);
  g_free (shape);
  return FALSE;
}

static BertSafetensorsTensor *
parse_tensor (const char *name, JsonNode *node, const char *file_name, GError **error)
{
  BertSafetensorsTensor *tensor = g_new0 (BertSafetensorsTensor, 1);
  JsonObject *fields;
  const char *dtype;

  tensor->name = g_strdup (name);
  if (!JSON_NODE_HOLDS_OBJECT (node)) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_FORMAT, "%s: tensor '%s' is not a JSON object",
        file_name, name);
    goto fail;
  }
  fields = json_node_get_object (node);
  dtype = node_get_string (json_object_get_member (fields, "dtype"));
  if (dtype == NULL) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_FORMAT,
        "%s: tensor '%s': 'dtype' is missing or not a string", file_name, name);
    goto fail;
  }
  tensor->dtype = g_strdup (dtype);
  tensor->element_size = dtype_element_size (dtype);
  if (tensor->element_size == 0) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_UNSUPPORTED,
        "%s: unsupported dtype %s for tensor '%s'", file_name, dtype, name);
    goto fail;
  }
  if (!parse_shape (tensor, json_object_get_member (fields, "shape"), file_name, error)
      || !parse_offsets (tensor, json_object_get_member (fields, "data_offsets"), file_name, error)
      || !check_byte_size (tensor, file_name, error))
    goto fail;
  return tensor;

fail:
  bert_safetensors_tensor_free (tensor);
  return NULL;
}

static int
compare_begin (gconstpointer a, gconstpointer b)
{
  const BertSafetensorsTensor *x = *(BertSafetensorsTensor *const *) a;
  const BertSafetensorsTensor *y = *(BertSafetensorsTensor *const *) b;

  return x->begin < y->begin ? -1 : x->begin > y->begin;
}

/* Every tensor lies inside the data section and no two share a byte. */
static gboolean
check_layout (BertSafetensors *safetensors, const char *file_name, GError **error)
{
  GPtrArray *sorted = g_ptr_array_new ();
  const BertSafetensorsTensor *previous = NULL;
  gboolean ok = TRUE;
  GHashTableIter iter;
  gpointer tensor;

  g_hash_table_iter_init (&iter, safetensors->tensors);
  while (g_hash_table_iter_next (&iter, NULL, &tensor))
    g_ptr_array_add (sorted, tensor);
  g_ptr_array_sort (sorted, compare_begin);
  for (guint i = 0; i < sorted->len && ok; i++) {
    BertSafetensorsTensor *tensor = g_ptr_array_index (sorted, i);

    if (tensor->end > safetensors->data_size) {
      g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_FILE,
          "%s: tensor '%s': data_offsets [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT
          "] run past the end of the data (%" G_GSIZE_FORMAT " bytes): the file is truncated or corrupt",
          file_name, tensor->name, tensor->begin, tensor->end, safetensors->data_size);
      ok = FALSE;
    } else if (previous != NULL && tensor->begin < previous->end && tensor->begin < tensor->end) {
      g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_FORMAT,
          "%s: tensor '%s' (data_offsets [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT
          "]) overlaps tensor '%s' ([%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT "])",
          file_name, tensor->name, tensor->begin, tensor->end, previous->name, previous->begin,
          previous->end);
      ok = FALSE;
    }
    tensor->data = safetensors->data + tensor->begin;
    if (tensor->begin < tensor->end)
      previous = tensor;
  }
  g_ptr_array_unref (sorted);
  return ok;
}

static JsonParser *
parse_header_json (const guint8 *header, gsize length, const char *file_name, GError **error)
{
  JsonParser *parser;
  GError *json_error = NULL;
  char *literal;
  guint line;

  /* the guards, nesting first, before the integer scan, as config.json's (bert_config.c) */
  if ((literal = bert_json_find_misreading ((const char *) header, length)) != NULL) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_FORMAT, "%s: the header's line %s", file_name,
        literal);
    g_free (literal);
    return NULL;
  }
  if ((line = bert_json_find_oversized_integer ((const char *) header, length, &literal)) != 0) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_FORMAT,
        "%s: the header's line %u has the integer %s, beyond 64 bits", file_name, line, literal);
    g_free (literal);
    return NULL;
  }
  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, (const char *) header, length, &json_error)) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_FORMAT, "%s: the header is not valid JSON: %s",
        file_name, json_error->message);
    g_error_free (json_error);
    g_object_unref (parser);
    return NULL;
  }
  /* An empty document parses, to no root at all. */
  if (json_parser_get_root (parser) == NULL || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser))) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_FORMAT, "%s: the header is not a JSON object",
        file_name);
    g_object_unref (parser);
    return NULL;
  }
  return parser;
}

/* safetensors reads __metadata__ as a map of strings, or null, and refuses the file
 * otherwise: so does this, though it reads no metadata. */
static gboolean
check_metadata (JsonNode *metadata, const char *file_name, GError **error)
{
  JsonObjectIter iter;
  const char *key;
  JsonNode *value;

  if (JSON_NODE_HOLDS_NULL (metadata))
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (metadata)) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_FORMAT,
        "%s: __metadata__ is not an object of strings (safetensors refuses the file)", file_name);
    return FALSE;
  }
  json_object_iter_init (&iter, json_node_get_object (metadata));
  while (json_object_iter_next (&iter, &key, &value)) {
    if (!JSON_NODE_HOLDS_VALUE (value) || json_node_get_value_type (value) != G_TYPE_STRING) {
      g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_FORMAT,
          "%s: __metadata__ entry '%s' is not a string (safetensors refuses the file)", file_name, key);
      return FALSE;
    }
  }
  return TRUE;
}

static gboolean
parse_tensors (BertSafetensors *safetensors, JsonObject *header, const char *file_name, GError **error)
{
  JsonObjectIter iter;
  const char *name;
  JsonNode *node;

  json_object_iter_init (&iter, header);
  while (json_object_iter_next (&iter, &name, &node)) {
    BertSafetensorsTensor *tensor;

    if (strcmp (name, "__metadata__") == 0) {
      if (!check_metadata (node, file_name, error))
        return FALSE;
      continue;
    }
    tensor = parse_tensor (name, node, file_name, error);
    if (tensor == NULL)
      return FALSE;
    g_hash_table_replace (safetensors->tensors, tensor->name, tensor);
  }
  return TRUE;
}

BertSafetensors *
bert_safetensors_parse (const guint8 *buffer, gsize size, const char *file_name, GError **error)
{
  BertSafetensors *safetensors;
  JsonParser *parser;
  guint64 header_length;
  gboolean ok;

  if (size < 8) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_FILE,
        "%s: truncated: %" G_GSIZE_FORMAT " bytes, too short for the 8-byte header length", file_name, size);
    return NULL;
  }
  memcpy (&header_length, buffer, 8);
  header_length = GUINT64_FROM_LE (header_length);
  if (header_length > size - 8 || header_length > BERT_SAFETENSORS_MAX_HEADER_BYTES) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_FORMAT,
        "%s: header length %" G_GUINT64_FORMAT " is out of bounds (file size %" G_GSIZE_FORMAT ", limit %u)",
        file_name, header_length, size, BERT_SAFETENSORS_MAX_HEADER_BYTES);
    return NULL;
  }
  parser = parse_header_json (buffer + 8, header_length, file_name, error);
  if (parser == NULL)
    return NULL;

  safetensors = g_new0 (BertSafetensors, 1);
  safetensors->tensors = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, bert_safetensors_tensor_free);
  safetensors->data = buffer + 8 + header_length;
  safetensors->data_size = size - 8 - header_length;
  ok = parse_tensors (safetensors, json_node_get_object (json_parser_get_root (parser)), file_name, error)
      && check_layout (safetensors, file_name, error);
  g_object_unref (parser);
  if (!ok) {
    bert_safetensors_free (safetensors);
    return NULL;
  }
  return safetensors;
}
