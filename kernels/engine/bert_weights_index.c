/* bert_weights_index.c: reads and checks a sharded checkpoint's index. */
#include "bert_weights_index.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "bert_engine_private.h"

void
bert_weights_index_free (BertWeightsIndex *index)
{
  if (index == NULL)
    return;
  g_ptr_array_unref (index->tensor_names);
  g_ptr_array_unref (index->tensor_shards);
  g_ptr_array_unref (index->shards);
  g_free (index);
}

/* Whether name stays inside the folder: relative, without a ".." component (symbolic
 * links, as in the Hugging Face cache, are the file system's business). */
static gboolean
stays_inside (const char *name)
{
  char **parts;
  gboolean inside = TRUE;

  if (name[0] == '\0' || g_path_is_absolute (name))
    return FALSE;
  parts = g_strsplit (name, G_DIR_SEPARATOR_S, -1);
  for (char **part = parts; *part != NULL; part++)
    inside &= strcmp (*part, "..") != 0;
  g_strfreev (parts);
  return inside;
}

static gboolean
check_shard_name (const char *path, const char *tensor, const char *shard, const char *shard_suffix,
    GError **error)
{
  if (!stays_inside (shard)) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_FORMAT,
        "%s: tensor '%s' is in shard '%s', a path that leaves the model folder", path, tensor, shard);
    return FALSE;
  }
  if (!g_str_has_suffix (shard, shard_suffix)) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_FORMAT,
        "%s: tensor '%s' is in shard '%s', not a %s file as this index's shards must be (mixed formats)",
        path, tensor, shard, shard_suffix);
    return FALSE;
  }
  return TRUE;
}

static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

static gboolean
read_weight_map (BertWeightsIndex *index, JsonObject *weight_map, const char *path, const char *shard_suffix,
    GError **error)
{
  GHashTable *shards = g_hash_table_new (g_str_hash, g_str_equal);
  JsonObjectIter iter;
  const char *tensor;
  JsonNode *node;
  gboolean ok = TRUE;

  json_object_iter_init (&iter, weight_map);
  while (ok && json_object_iter_next (&iter, &tensor, &node)) {
    const char *shard = JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING
        ? json_node_get_string (node)
        : NULL;

    if (shard == NULL) {
      g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_FORMAT,
          "%s: weight_map's entry for tensor '%s' is not a file name", path, tensor);
      ok = FALSE;
    } else if ((ok = check_shard_name (path, tensor, shard, shard_suffix, error))) {
      g_ptr_array_add (index->tensor_names, g_strdup (tensor));
      g_ptr_array_add (index->tensor_shards, g_strdup (shard));
      g_hash_table_add (shards,
          (gpointer) g_ptr_array_index (index->tensor_shards, index->tensor_shards->len - 1));
    }
  }
  if (ok && g_hash_table_size (shards) > BERT_WEIGHTS_INDEX_MAX_SHARDS) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_UNSUPPORTED,
        "%s: weight_map names %u shards, more than the %d supported", path, g_hash_table_size (shards),
        BERT_WEIGHTS_INDEX_MAX_SHARDS);
    ok = FALSE;
  }
  if (ok) {
    GHashTableIter shard_iter;
    gpointer shard;

    g_hash_table_iter_init (&shard_iter, shards);
    while (g_hash_table_iter_next (&shard_iter, &shard, NULL))
      g_ptr_array_add (index->shards, g_strdup (shard));
    /* transformers opens them in this order: sorted(set(weight_map.values())). */
    g_ptr_array_sort (index->shards, compare_names);
  }
  g_hash_table_unref (shards);
  return ok;
}

BertWeightsIndex *
bert_weights_index_load (const char *path, const char *shard_suffix, GError **error)
{
  JsonParser *parser = bert_json_load (path, JSON_NODE_OBJECT, error);
  JsonNode *weight_map;
  BertWeightsIndex *index;

  if (parser == NULL)
    return NULL;
  weight_map = json_object_get_member (json_node_get_object (json_parser_get_root (parser)), "weight_map");
  if (weight_map == NULL || !JSON_NODE_HOLDS_OBJECT (weight_map)) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_FORMAT,
        "%s: 'weight_map' is missing or not an object of tensor names to shard files", path);
    g_object_unref (parser);
    return NULL;
  }
  index = g_new0 (BertWeightsIndex, 1);
  index->tensor_names = g_ptr_array_new_with_free_func (g_free);
  index->tensor_shards = g_ptr_array_new_with_free_func (g_free);
  index->shards = g_ptr_array_new_with_free_func (g_free);
  if (!read_weight_map (index, json_node_get_object (weight_map), path, shard_suffix, error)) {
    bert_weights_index_free (index);
    index = NULL;
  }
  g_object_unref (parser);
  return index;
}
