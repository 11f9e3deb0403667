/* bert_weights_file.c: maps and parses a folder's weights file, or its shards. */
#include "bert_weights_file.h"

#include <string.h>
#include <unistd.h>

#include "bert_engine.h"
#include "bert_model_file.h"
#include "bert_torch_bin.h"
#include "bert_weights_index.h"

void
bert_weights_file_free (BertWeightsFile *weights)
{
  if (weights == NULL)
    return;
  bert_safetensors_free (weights->tensors);
  g_ptr_array_unref (weights->maps);
  g_free (weights->path);
  g_free (weights);
}

static BertWeightsFile *
weights_new (char *path)
{
  BertWeightsFile *weights = g_new0 (BertWeightsFile, 1);

  weights->path = path;
  weights->maps = g_ptr_array_new_with_free_func ((GDestroyNotify) g_mapped_file_unref);
  return weights;
}

/* Maps path into weights->maps and parses it as its name says. */
static BertSafetensors *
map_and_parse (BertWeightsFile *weights, const char *path, GError **error)
{
  GError *local_error = NULL;
  GMappedFile *file = NULL;
  const guint8 *contents;
  gsize length;
  guint64 size;
  int fd = bert_model_file_open (path, G_MAXUINT64, &size, &local_error);

  if (fd >= 0) {
    file = g_mapped_file_new_from_fd (fd, FALSE, &local_error);
    close (fd);
  }
  if (file == NULL) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_FILE, "%s", local_error->message);
    g_error_free (local_error);
    return NULL;
  }
  g_ptr_array_add (weights->maps, file);
  contents = (const guint8 *) g_mapped_file_get_contents (file);
  length = g_mapped_file_get_length (file);
  weights->bytes += length;
  if (g_str_has_suffix (path, ".bin"))
    return bert_torch_bin_parse (contents, length, path, error);
  return bert_safetensors_parse (contents, length, path, error);
}

static BertWeightsFile *
load_single (char *path, GError **error)
{
  BertWeightsFile *weights = weights_new (path);

  weights->tensors = map_and_parse (weights, path, error);
  if (weights->tensors == NULL) {
    bert_weights_file_free (weights);
    return NULL;
  }
  return weights;
}

/* Moves the tensors of shard into weights->tensors, noting in holders (tensor name ->
 * shard name) where each came from. transformers would let a later shard's tensor
 * replace an earlier one's; which of two copies is meant cannot be known, so a tensor in
 * two shards is refused. */
static gboolean
merge_shard (BertWeightsFile *weights, GHashTable *holders, BertSafetensors *shard, const char *shard_name,
    GError **error)
{
  GHashTableIter iter;
  gpointer name, tensor;

  g_hash_table_iter_init (&iter, shard->tensors);
  while (g_hash_table_iter_next (&iter, &name, &tensor)) {
    const char *other = g_hash_table_lookup (holders, name);

    if (other != NULL) {
      g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_FORMAT,
          "%s: tensor '%s' is in two shards, %s and %s", weights->path, (const char *) name, other,
          shard_name);
      return FALSE;
    }
    g_hash_table_iter_steal (&iter);
    g_hash_table_insert (weights->tensors->tensors, name, tensor);
    g_hash_table_insert (holders, name, (gpointer) shard_name);
  }
  return TRUE;
}

static gboolean
load_shard (BertWeightsFile *weights, GHashTable *holders, const char *folder, const char *shard_name,
    GError **error)
{
  char *path = g_build_filename (folder, shard_name, NULL);
  BertSafetensors *shard = NULL;
  gboolean ok;

  if (!bert_model_file_exists (path))
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_FILE, "%s: shard %s is missing", weights->path,
        path);
  else
    shard = map_and_parse (weights, path, error);
  ok = shard != NULL && merge_shard (weights, holders, shard, shard_name, error);
  bert_safetensors_free (shard);
  g_free (path);
  return ok;
}

/* Every tensor must be in the shard the weight map names: a weight map that disagrees
 * with its shards means a shard of another save (a partial download, a copied file),
 * and weights mixed from two saves would give wrong results without a sign. Tensors of
 * a shard that the map leaves out are read, as transformers reads them. */
static gboolean
check_weight_map (const BertWeightsFile *weights, const BertWeightsIndex *index, GHashTable *holders,
    GError **error)
{
  for (guint i = 0; i < index->tensor_names->len; i++) {
    const char *name = g_ptr_array_index (index->tensor_names, i);
    const char *shard = g_ptr_array_index (index->tensor_shards, i);
    const char *holder = g_hash_table_lookup (holders, name);

    if (holder == NULL || strcmp (holder, shard) != 0) {
      g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_FORMAT,
          "%s: weight_map puts tensor '%s' in %s, which does not hold it (%s%s)", weights->path, name, shard,
          holder != NULL ? "it is in " : "no shard does", holder != NULL ? holder : "");
      return FALSE;
    }
  }
  return TRUE;
}

static BertWeightsFile *
load_sharded (const char *folder, char *index_path, const char *shard_suffix, GError **error)
{
  BertWeightsFile *weights = weights_new (index_path);
  BertWeightsIndex *index = bert_weights_index_load (index_path, shard_suffix, error);
  GHashTable *holders = g_hash_table_new (g_str_hash, g_str_equal);
  gboolean ok = index != NULL;

  weights->tensors = g_new0 (BertSafetensors, 1);
  weights->tensors->tensors =
      g_hash_table_new_full (g_str_hash, g_str_equal, NULL, bert_safetensors_tensor_free);
  for (guint i = 0; ok && i < index->shards->len; i++)
    ok = load_shard (weights, holders, folder, g_ptr_array_index (index->shards, i), error);
  ok = ok && check_weight_map (weights, index, holders, error);
  g_hash_table_unref (holders);
  bert_weights_index_free (index);
  if (!ok) {
    bert_weights_file_free (weights);
    return NULL;
  }
  return weights;
}

/* folder/name where the folder has an entry of that name, else NULL. */
static char *
entry_path (const char *folder, const char *name)
{
  char *path = g_build_filename (folder, name, NULL);

  if (bert_model_file_exists (path))
    return path;
  g_free (path);
  return NULL;
}

BertWeightsFile *
bert_weights_file_load (const char *folder, GError **error)
{
  char *path;

  if ((path = entry_path (folder, BERT_WEIGHTS_FILE_SAFETENSORS)) != NULL)
    return load_single (path, error);
  if ((path = entry_path (folder, BERT_WEIGHTS_FILE_SAFETENSORS_INDEX)) != NULL)
    return load_sharded (folder, path, ".safetensors", error);
  if ((path = entry_path (folder, BERT_WEIGHTS_FILE_TORCH)) != NULL)
    return load_single (path, error);
  if ((path = entry_path (folder, BERT_WEIGHTS_FILE_TORCH_INDEX)) != NULL)
    return load_sharded (folder, path, ".bin", error);
  return load_single (g_build_filename (folder, BERT_WEIGHTS_FILE_SAFETENSORS, NULL), error);
}

BertWeightsFile *
bert_weights_file_load_module (const char *folder, GError **error)
{
  char *path = entry_path (folder, BERT_WEIGHTS_FILE_SAFETENSORS);

  if (path == NULL && (path = entry_path (folder, BERT_WEIGHTS_FILE_TORCH)) == NULL)
    path = g_build_filename (folder, BERT_WEIGHTS_FILE_SAFETENSORS, NULL);
  return load_single (path, error);
}
