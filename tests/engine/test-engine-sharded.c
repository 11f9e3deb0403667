/* test-engine-sharded: folders whose weights are split into shards by an index.
 *
 * A sharded folder gives the outputs of its single-file source, bit for bit: the
 * fixtures of data/sharded (make-sharded-models.py: transformers' own save_pretrained
 * with max_shard_size, and .bin shards as transformers 4 wrote them), and safetensors
 * shards written here from committed folders of each family and dtype. Every shard is
 * mapped, not copied. The folder's files are chosen in transformers' order, and each
 * kind of broken index or shard gives an error naming the file and the cause.
 */
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "bert_engine_private.h"
#include "engine-test-util.h"

#define SHARDED_DIR ENGINE_TEST_DATA_DIR "/sharded"
#define TINY_MODEL BERT_TEST_DATA_DIR "/tiny-model"
#define INDEX "model.safetensors.index.json"

static const char *generated_sources[] = {
  TINY_MODEL,
  ENGINE_TEST_DATA_DIR "/pairs/bert-wordpiece",
  ENGINE_TEST_DATA_DIR "/families/distilbert-sequence-f16",
  ENGINE_TEST_DATA_DIR "/families/roberta-token-bf16",
  ENGINE_TEST_DATA_DIR "/families/xlm-roberta-sequence-f32",
};

static GPtrArray *scratch_folders;

/* A temporary copy of source's files, folders and all, but model.safetensors. */
static void
copy_tree (const char *source, const char *target)
{
  GDir *dir = g_dir_open (source, 0, NULL);
  const char *name;

  g_assert_nonnull (dir);
  g_assert_cmpint (g_mkdir_with_parents (target, 0755), ==, 0);
  while ((name = g_dir_read_name (dir)) != NULL) {
    char *from = g_build_filename (source, name, NULL), *to = g_build_filename (target, name, NULL);
    char *contents;
    gsize length;

    if (g_file_test (from, G_FILE_TEST_IS_DIR))
      copy_tree (from, to);
    else if (strcmp (name, "model.safetensors") != 0) {
      g_assert_true (g_file_get_contents (from, &contents, &length, NULL));
      g_assert_true (g_file_set_contents (to, contents, length, NULL));
      g_free (contents);
    }
    g_free (from);
    g_free (to);
  }
  g_dir_close (dir);
}

/* A new temporary folder, removed at the end. */
static char *
make_scratch (void)
{
  char *folder = g_dir_make_tmp ("gst-bert-sharded-XXXXXX", NULL);

  g_assert_nonnull (folder);
  if (scratch_folders == NULL)
    scratch_folders = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (scratch_folders, g_strdup (folder));
  return folder;
}

static char *
copy_without_weights (const char *source)
{
  char *folder = make_scratch ();

  copy_tree (source, folder);
  return folder;
}

typedef struct {
  GMappedFile *file;
  BertSafetensors *tensors;
} Source;

static Source
source_open (const char *folder)
{
  char *path = g_build_filename (folder, "model.safetensors", NULL);
  GError *error = NULL;
  Source source = { g_mapped_file_new (path, FALSE, &error), NULL };

  g_assert_no_error (error);
  source.tensors = bert_safetensors_parse ((const guint8 *) g_mapped_file_get_contents (source.file),
      g_mapped_file_get_length (source.file), path, &error);
  g_assert_no_error (error);
  g_free (path);
  return source;
}

static void
source_close (Source *source)
{
  bert_safetensors_free (source->tensors);
  g_mapped_file_unref (source->file);
}

static gint
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

static char *
shard_name (int shard, int n_shards)
{
  return g_strdup_printf ("model-%05d-of-%05d.safetensors", shard + 1, n_shards);
}

/* Tensor name -> shard name, the tensors dealt out in name order over n_shards. */
static GHashTable *
deal_tensors (const BertSafetensors *source, int n_shards)
{
  GHashTable *assignment = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  GPtrArray *names = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer name;

  g_hash_table_iter_init (&iter, source->tensors);
  while (g_hash_table_iter_next (&iter, &name, NULL))
    g_ptr_array_add (names, name);
  g_ptr_array_sort (names, compare_strings);
  for (guint i = 0; i < names->len; i++)
    g_hash_table_insert (assignment, g_strdup (g_ptr_array_index (names, i)),
        shard_name (i % n_shards, n_shards));
  g_ptr_array_unref (names);
  return assignment;
}

/* Writes folder/file_name as a safetensors file of the named tensors of source. */
static void
write_shard (const char *folder, const char *file_name, const BertSafetensors *source, GPtrArray *names)
{
  GString *header = g_string_new ("{\"__metadata__\":{\"format\":\"pt\"}");
  GByteArray *data = g_byte_array_new ();
  GByteArray *file = g_byte_array_new ();
  guint64 header_length;

  for (guint i = 0; i < names->len; i++) {
    const BertSafetensorsTensor *tensor = bert_safetensors_lookup (source, g_ptr_array_index (names, i));
    char *shape = bert_safetensors_describe_shape (tensor->n_dims, tensor->shape);

    g_string_append_printf (header, ",\"%s\":{\"dtype\":\"%s\",\"shape\":%s,\"data_offsets\":[%u,%u]}",
        tensor->name, tensor->dtype, shape, data->len, (guint) (data->len + tensor->end - tensor->begin));
    g_byte_array_append (data, tensor->data, tensor->end - tensor->begin);
    g_free (shape);
  }
  g_string_append_c (header, '}');
  while (header->len % 8 != 0)
    g_string_append_c (header, ' ');
  header_length = GUINT64_TO_LE (header->len);
  g_byte_array_append (file, (const guint8 *) &header_length, 8);
  g_byte_array_append (file, (const guint8 *) header->str, header->len);
  g_byte_array_append (file, data->data, data->len);
  engine_test_write_file (folder, file_name, (const char *) file->data, file->len);
  g_byte_array_unref (file);
  g_byte_array_unref (data);
  g_string_free (header, TRUE);
}

/* Writes each shard of assignment (tensor name -> shard name) with its tensors. */
static void
write_shards (const char *folder, const BertSafetensors *source, GHashTable *assignment)
{
  GHashTable *shards =
      g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) g_ptr_array_unref);
  GHashTableIter iter;
  gpointer name, shard;

  g_hash_table_iter_init (&iter, assignment);
  while (g_hash_table_iter_next (&iter, &name, &shard)) {
    GPtrArray *names = g_hash_table_lookup (shards, shard);

    if (names == NULL)
      g_hash_table_insert (shards, shard, names = g_ptr_array_new ());
    g_ptr_array_add (names, name);
  }
  g_hash_table_iter_init (&iter, shards);
  while (g_hash_table_iter_next (&iter, &shard, &name)) {
    g_ptr_array_sort (name, compare_strings);
    write_shard (folder, shard, source, name);
  }
  g_hash_table_unref (shards);
}

/* Writes folder/index_name with weight_map (tensor name -> shard name), as transformers
 * does: sorted keys, two-space indent. */
static void
write_index (const char *folder, const char *index_name, GHashTable *weight_map)
{
  GString *json = g_string_new ("{\n  \"metadata\": {\n    \"total_size\": 0\n  },\n  \"weight_map\": {");
  GPtrArray *names = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer name;

  g_hash_table_iter_init (&iter, weight_map);
  while (g_hash_table_iter_next (&iter, &name, NULL))
    g_ptr_array_add (names, name);
  g_ptr_array_sort (names, compare_strings);
  for (guint i = 0; i < names->len; i++)
    g_string_append_printf (json, "%s\n    \"%s\": \"%s\"", i ? "," : "",
        (const char *) g_ptr_array_index (names, i),
        (const char *) g_hash_table_lookup (weight_map, g_ptr_array_index (names, i)));
  g_string_append (json, "\n  }\n}\n");
  engine_test_write_file (folder, index_name, json->str, json->len);
  g_ptr_array_unref (names);
  g_string_free (json, TRUE);
}

/* Writes source's tensors into folder as n_shards shards with their index; returns the
 * weight map (free with g_hash_table_unref). */
static GHashTable *
add_shards (const char *folder, const Source *source, int n_shards)
{
  GHashTable *weight_map = deal_tensors (source->tensors, n_shards);

  write_shards (folder, source->tensors, weight_map);
  write_index (folder, INDEX, weight_map);
  return weight_map;
}

/* A copy of source_folder with its model.safetensors split into n_shards shards. The
 * source and the weight map are returned where asked for. */
static char *
make_sharded (const char *source_folder, int n_shards, Source *source_out, GHashTable **weight_map)
{
  char *folder = copy_without_weights (source_folder);
  Source source = source_open (source_folder);
  GHashTable *map = add_shards (folder, &source, n_shards);

  if (weight_map != NULL)
    *weight_map = map;
  else
    g_hash_table_unref (map);
  if (source_out != NULL)
    *source_out = source;
  else
    source_close (&source);
  return folder;
}

static GBytes *
run_model (const char *folder)
{
  BertModel *model = engine_test_load_model (folder);
  BertEncoder *encoder = engine_test_cpu_encoder (model, -1, -1, 1);
  int32_t ids[3][12];
  BertSequence sequences[3];
  GError *error = NULL;
  BertJob *job;
  const BertBatchOutput *output;
  GByteArray *bytes = g_byte_array_new ();

  for (int s = 0; s < 3; s++) {
    for (int t = 0; t < 12; t++)
      ids[s][t] = 2 + (s * 11 + t * 7) % 30;
    sequences[s] = (BertSequence){ ids[s], NULL, 12 - 4 * s };
  }
  job = bert_encoder_run (encoder, sequences, 3, &error);
  g_assert_no_error (error);
  output = bert_job_get_output (job);
  if (output->embeddings != NULL)
    g_byte_array_append (bytes, (const guint8 *) output->embeddings,
        output->n_sequences * output->embedding_size * sizeof (float));
  if (output->logits != NULL)
    g_byte_array_append (bytes, (const guint8 *) output->logits,
        output->n_sequences * output->num_labels * sizeof (float));
  if (output->token_logits != NULL)
    g_byte_array_append (bytes, (const guint8 *) output->token_logits,
        output->n_tokens * output->num_labels * sizeof (float));
  g_assert_cmpuint (bytes->len, >, 0);
  bert_job_free (job);
  bert_encoder_free (encoder);
  bert_model_unref (model);
  return g_byte_array_free_to_bytes (bytes);
}

static void
assert_same_outputs (const char *expected_folder, const char *actual_folder)
{
  GBytes *expected = run_model (expected_folder), *actual = run_model (actual_folder);

  g_assert_true (g_bytes_equal (expected, actual));
  g_bytes_unref (expected);
  g_bytes_unref (actual);
}

/* Whether data lies inside one of the model's mapped files. */
static gboolean
is_mapped (const BertModel *model, const void *data, gsize bytes)
{
  const GPtrArray *maps = BERT_MODEL_PRIVATE (model)->weights_file->maps;

  for (guint i = 0; i < maps->len; i++) {
    GMappedFile *file = g_ptr_array_index (maps, i);
    const guint8 *begin = (const guint8 *) g_mapped_file_get_contents (file);

    if ((const guint8 *) data >= begin
        && (const guint8 *) data + bytes <= begin + g_mapped_file_get_length (file))
      return TRUE;
  }
  return FALSE;
}

/* Every tensor of every shard points into its shard's map, bit for bit the source's. */
static void
assert_tensors_mapped (const char *folder, const Source *source, guint n_files)
{
  BertModel *model = engine_test_load_model (folder);
  const BertWeightsFile *weights = BERT_MODEL_PRIVATE (model)->weights_file;
  GHashTableIter iter;
  gpointer value;

  g_assert_true (g_str_has_suffix (weights->path, INDEX));
  g_assert_cmpuint (weights->maps->len, ==, n_files);
  g_assert_cmpuint (g_hash_table_size (weights->tensors->tensors), ==,
      g_hash_table_size (source->tensors->tensors));
  g_hash_table_iter_init (&iter, source->tensors->tensors);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    const BertSafetensorsTensor *want = value;
    const BertSafetensorsTensor *got = bert_safetensors_lookup (weights->tensors, want->name);

    g_assert_nonnull (got);
    g_assert_true (is_mapped (model, got->data, got->end - got->begin));
    g_assert_cmpmem (got->data, got->end - got->begin, want->data, want->end - want->begin);
  }
  g_assert_true (is_mapped (model, model->weights.word_embeddings.data, 4));
  bert_model_unref (model);
}

static void
test_generated_shards_match_single_file (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (generated_sources); i++) {
    Source source;
    char *folder = make_sharded (generated_sources[i], 3, &source, NULL);

    g_test_message ("%s", generated_sources[i]);
    assert_same_outputs (generated_sources[i], folder);
    assert_tensors_mapped (folder, &source, 3);
    source_close (&source);
    g_free (folder);
  }
}

/* The fixture's index and shards in a copy of tiny-model. */
static char *
copy_fixture (const char *name)
{
  char *folder = copy_without_weights (TINY_MODEL);
  char *fixture = g_build_filename (SHARDED_DIR, name, NULL);

  copy_tree (fixture, folder);
  g_free (fixture);
  return folder;
}

static void
test_transformers_safetensors_shards (void)
{
  char *folder = copy_fixture ("safetensors");

  assert_same_outputs (TINY_MODEL, folder);
  g_free (folder);
}

static void
test_torch_bin_shards (void)
{
  char *folder = copy_fixture ("torch-bin");
  BertModel *model = engine_test_load_model (folder);

  g_assert_true (
      g_str_has_suffix (BERT_MODEL_PRIVATE (model)->weights_file->path, "pytorch_model.bin.index.json"));
  g_assert_cmpuint (BERT_MODEL_PRIVATE (model)->weights_file->maps->len, ==, 3);
  bert_model_unref (model);
  assert_same_outputs (TINY_MODEL, folder);
  g_free (folder);
}

static void
write_text (const char *folder, const char *name, const char *text)
{
  engine_test_write_file (folder, name, text, -1);
}

static const char *
loaded_weights_name (const char *folder)
{
  BertModel *model = engine_test_load_model (folder);
  static char name[64];

  g_strlcpy (name, strrchr (BERT_MODEL_PRIVATE (model)->weights_file->path, '/') + 1, sizeof name);
  bert_model_unref (model);
  return name;
}

static void
copy_file (const char *from, const char *folder, const char *name)
{
  char *contents;
  gsize length;

  g_assert_true (g_file_get_contents (from, &contents, &length, NULL));
  engine_test_write_file (folder, name, contents, length);
  g_free (contents);
}

/* transformers' order: model.safetensors, its index, pytorch_model.bin, its index. Each
 * step adds the next file up and breaks the one read before, which must not be read. */
static void
test_files_are_chosen_in_transformers_order (void)
{
  char *folder = copy_fixture ("torch-bin");
  Source source = source_open (TINY_MODEL);

  g_assert_cmpstr (loaded_weights_name (folder), ==, "pytorch_model.bin.index.json");
  copy_file (ENGINE_TEST_DATA_DIR "/torch-bin/bert-f32/pytorch_model.bin", folder, "pytorch_model.bin");
  write_text (folder, "pytorch_model.bin.index.json", "not JSON");
  g_assert_cmpstr (loaded_weights_name (folder), ==, "pytorch_model.bin");
  g_hash_table_unref (add_shards (folder, &source, 2));
  write_text (folder, "pytorch_model.bin", "not a zip");
  g_assert_cmpstr (loaded_weights_name (folder), ==, INDEX);
  copy_file (TINY_MODEL "/model.safetensors", folder, "model.safetensors");
  write_text (folder, INDEX, "not JSON");
  g_assert_cmpstr (loaded_weights_name (folder), ==, "model.safetensors");
  assert_same_outputs (TINY_MODEL, folder);
  source_close (&source);
  g_free (folder);
}

/* Loading folder fails with a message that holds each of the texts (NULL-ended). */
static void
assert_load_fails (const char *folder, ...)
{
  GError *error = NULL;
  BertModel *model = bert_model_load (folder, &error);
  const char *text;
  va_list texts;

  g_assert_null (model);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  va_start (texts, folder);
  while ((text = va_arg (texts, const char *)) != NULL)
    if (strstr (error->message, text) == NULL)
      g_error ("'%s' is not in the message '%s'", text, error->message);
  va_end (texts);
  g_error_free (error);
}

/* A broken index is reported, not passed over for a later kind of file. */
static void
test_broken_index_is_not_passed_over (void)
{
  char *folder = copy_fixture ("torch-bin");

  write_text (folder, INDEX, "not JSON");
  assert_load_fails (folder, INDEX, "invalid JSON", NULL);
  g_free (folder);
}

static void
test_index_must_have_a_weight_map (void)
{
  char *folder = make_sharded (TINY_MODEL, 2, NULL, NULL);

  write_text (folder, INDEX, "{\"metadata\": {\"total_size\": 0}}");
  assert_load_fails (folder, INDEX, "'weight_map' is missing", NULL);
  write_text (folder, INDEX, "{\"weight_map\": [\"model-00001-of-00002.safetensors\"]}");
  assert_load_fails (folder, INDEX, "'weight_map' is missing or not an object", NULL);
  write_text (folder, INDEX, "{\"weight_map\": {\"embeddings.LayerNorm.bias\": 1}}");
  assert_load_fails (folder, INDEX, "'embeddings.LayerNorm.bias' is not a file name", NULL);
  write_text (folder, INDEX, "[]");
  assert_load_fails (folder, INDEX, "not a JSON object", NULL);
  g_free (folder);
}

static void
test_missing_shard_is_named (void)
{
  char *folder = make_sharded (TINY_MODEL, 3, NULL, NULL);
  char *shard = g_build_filename (folder, "model-00002-of-00003.safetensors", NULL);

  g_assert_cmpint (g_unlink (shard), ==, 0);
  assert_load_fails (folder, INDEX, shard, "is missing", NULL);
  g_free (shard);
  g_free (folder);
}

static void
test_shard_paths_must_stay_in_the_folder (void)
{
  const char *escapes[] = { "../model-00001-of-00002.safetensors", "/tmp/model-00001-of-00002.safetensors",
    "sub/../../model-00001-of-00002.safetensors" };

  for (gsize i = 0; i < G_N_ELEMENTS (escapes); i++) {
    GHashTable *weight_map;
    char *folder = make_sharded (TINY_MODEL, 2, NULL, &weight_map);

    g_hash_table_replace (weight_map, g_strdup ("embeddings.LayerNorm.bias"), g_strdup (escapes[i]));
    write_index (folder, INDEX, weight_map);
    assert_load_fails (folder, INDEX, escapes[i], "leaves the model folder", NULL);
    g_hash_table_unref (weight_map);
    g_free (folder);
  }
}

/* The Hugging Face cache's snapshot folders hold symbolic links into its blobs folder,
 * outside the snapshot; transformers also reads shards in subfolders. */
static void
test_linked_and_nested_shards_are_read (void)
{
  GHashTable *weight_map;
  char *folder = make_sharded (TINY_MODEL, 2, NULL, &weight_map);
  char *blobs = make_scratch ();
  char *subfolder = g_build_filename (folder, "shards", NULL);
  char *first = g_build_filename (folder, "model-00001-of-00002.safetensors", NULL);
  char *blob = g_build_filename (blobs, "model-00001-of-00002.safetensors", NULL);
  char *nested = g_build_filename (folder, "shards", "model-00002-of-00002.safetensors", NULL);
  char *second = g_build_filename (folder, "model-00002-of-00002.safetensors", NULL);
  GHashTableIter iter;
  gpointer shard;

  g_assert_cmpint (g_rename (first, blob), ==, 0);
  g_assert_cmpint (symlink (blob, first), ==, 0);
  g_assert_cmpint (g_mkdir (subfolder, 0755), ==, 0);
  g_assert_cmpint (g_rename (second, nested), ==, 0);
  g_hash_table_iter_init (&iter, weight_map);
  while (g_hash_table_iter_next (&iter, NULL, &shard))
    if (strcmp (shard, "model-00002-of-00002.safetensors") == 0)
      g_hash_table_iter_replace (&iter, g_strdup ("shards/model-00002-of-00002.safetensors"));
  write_index (folder, INDEX, weight_map);
  assert_same_outputs (TINY_MODEL, folder);
  g_hash_table_unref (weight_map);
  g_free (second);
  g_free (nested);
  g_free (blob);
  g_free (first);
  g_free (subfolder);
  g_free (blobs);
  g_free (folder);
}

/* An index that sends a tensor to a shard that lacks it: the tensor in another shard
 * (moved), or in none. */
static void
test_weight_map_must_agree_with_the_shards (void)
{
  GHashTable *weight_map;
  char *folder = make_sharded (TINY_MODEL, 2, NULL, &weight_map);
  const char *name = "embeddings.LayerNorm.bias";
  char *home = g_strdup (g_hash_table_lookup (weight_map, name));
  const char *other = strcmp (home, "model-00001-of-00002.safetensors") == 0
      ? "model-00002-of-00002.safetensors"
      : "model-00001-of-00002.safetensors";

  g_hash_table_replace (weight_map, g_strdup (name), g_strdup (other));
  write_index (folder, INDEX, weight_map);
  assert_load_fails (folder, INDEX, name, other, "does not hold it (it is in", home, NULL);
  g_hash_table_replace (weight_map, g_strdup (name), g_strdup (home));
  g_hash_table_replace (weight_map, g_strdup ("ghost.weight"), g_strdup (other));
  write_index (folder, INDEX, weight_map);
  assert_load_fails (folder, INDEX, "'ghost.weight'", "no shard does", NULL);
  g_hash_table_unref (weight_map);
  g_free (home);
  g_free (folder);
}

/* transformers reads every tensor of the shards it opens, listed or not. */
static void
test_unlisted_tensor_of_a_shard_is_read (void)
{
  GHashTable *weight_map;
  char *folder = make_sharded (TINY_MODEL, 2, NULL, &weight_map);

  g_assert_true (g_hash_table_remove (weight_map, "embeddings.word_embeddings.weight"));
  write_index (folder, INDEX, weight_map);
  assert_same_outputs (TINY_MODEL, folder);
  g_hash_table_unref (weight_map);
  g_free (folder);
}

static void
test_tensor_in_two_shards_is_refused (void)
{
  GHashTable *weight_map;
  Source source;
  char *folder = make_sharded (TINY_MODEL, 2, &source, &weight_map);
  GPtrArray *names = g_ptr_array_new ();
  const char *name = "embeddings.LayerNorm.bias";

  /* A third shard with a copy of a tensor still in its first shard. */
  g_ptr_array_add (names, (gpointer) name);
  write_shard (folder, "model-00003-of-00003.safetensors", source.tensors, names);
  g_hash_table_replace (weight_map, g_strdup (name), g_strdup ("model-00003-of-00003.safetensors"));
  write_index (folder, INDEX, weight_map);
  assert_load_fails (folder, INDEX, name, "is in two shards", "model-00003-of-00003.safetensors", NULL);
  g_ptr_array_unref (names);
  g_hash_table_unref (weight_map);
  source_close (&source);
  g_free (folder);
}

static void
test_mixed_formats_are_refused (void)
{
  GHashTable *weight_map;
  char *folder = make_sharded (TINY_MODEL, 2, NULL, &weight_map);
  char *bin_folder = copy_fixture ("torch-bin");

  g_hash_table_replace (weight_map, g_strdup ("embeddings.LayerNorm.bias"), g_strdup ("pytorch_model.bin"));
  write_index (folder, INDEX, weight_map);
  assert_load_fails (folder, INDEX, "'pytorch_model.bin'", "not a .safetensors file", "mixed formats", NULL);
  write_index (bin_folder, "pytorch_model.bin.index.json", weight_map);
  assert_load_fails (bin_folder, "pytorch_model.bin.index.json", "model-0000", "not a .bin file", NULL);
  g_hash_table_unref (weight_map);
  g_free (bin_folder);
  g_free (folder);
}

/* A tensor the model needs that no shard has: the usual error, naming the index. */
static void
test_missing_tensor_names_the_index (void)
{
  GHashTable *weight_map;
  Source source;
  char *folder = make_sharded (TINY_MODEL, 2, &source, &weight_map);
  char *index = g_build_filename (folder, INDEX, NULL);
  char *expected = g_strdup_printf ("%s: tensor 'encoder.layer.0.output.dense.bias' (or "
                                    "'bert.encoder.layer.0.output.dense.bias') is missing",
      index);

  g_assert_true (g_hash_table_remove (weight_map, "encoder.layer.0.output.dense.bias"));
  write_shards (folder, source.tensors, weight_map);
  write_index (folder, INDEX, weight_map);
  assert_load_fails (folder, expected, NULL);
  g_hash_table_unref (weight_map);
  source_close (&source);
  g_free (expected);
  g_free (index);
  g_free (folder);
}

/* A broken shard is reported by its own name, as a single file would be. */
static void
test_broken_shard_is_named (void)
{
  char *folder = make_sharded (TINY_MODEL, 2, NULL, NULL);
  char *shard = g_build_filename (folder, "model-00002-of-00002.safetensors", NULL);

  write_text (folder, "model-00002-of-00002.safetensors", "short");
  assert_load_fails (folder, shard, "truncated", NULL);
  g_free (shard);
  g_free (folder);
}

/* sentence-transformers neither writes nor reads a Dense module's weights in shards. */
static void
test_dense_module_is_not_sharded (void)
{
  char *folder = copy_without_weights (BERT_TEST_DATA_DIR "/st-modules/dense");
  char *dense = g_build_filename (folder, "2_Dense", NULL);
  char *expected = g_build_filename (dense, "model.safetensors", NULL);
  Source source = source_open (BERT_TEST_DATA_DIR "/st-modules/dense/2_Dense");
  GHashTable *assignment = deal_tensors (source.tensors, 1);

  copy_file (BERT_TEST_DATA_DIR "/st-modules/dense/model.safetensors", folder, "model.safetensors");
  write_shards (dense, source.tensors, assignment);
  write_index (dense, INDEX, assignment);
  assert_load_fails (folder, expected, NULL);
  g_hash_table_unref (assignment);
  source_close (&source);
  g_free (expected);
  g_free (dense);
  g_free (folder);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/sharded/generated-shards-match-single-file",
      test_generated_shards_match_single_file);
  g_test_add_func ("/engine/sharded/transformers-safetensors-shards", test_transformers_safetensors_shards);
  g_test_add_func ("/engine/sharded/torch-bin-shards", test_torch_bin_shards);
  g_test_add_func ("/engine/sharded/files-are-chosen-in-transformers-order",
      test_files_are_chosen_in_transformers_order);
  g_test_add_func ("/engine/sharded/broken-index-is-not-passed-over", test_broken_index_is_not_passed_over);
  g_test_add_func ("/engine/sharded/index-must-have-a-weight-map", test_index_must_have_a_weight_map);
  g_test_add_func ("/engine/sharded/missing-shard-is-named", test_missing_shard_is_named);
  g_test_add_func ("/engine/sharded/shard-paths-must-stay-in-the-folder",
      test_shard_paths_must_stay_in_the_folder);
  g_test_add_func ("/engine/sharded/linked-and-nested-shards-are-read",
      test_linked_and_nested_shards_are_read);
  g_test_add_func ("/engine/sharded/weight-map-must-agree-with-the-shards",
      test_weight_map_must_agree_with_the_shards);
  g_test_add_func ("/engine/sharded/unlisted-tensor-of-a-shard-is-read",
      test_unlisted_tensor_of_a_shard_is_read);
  g_test_add_func ("/engine/sharded/tensor-in-two-shards-is-refused", test_tensor_in_two_shards_is_refused);
  g_test_add_func ("/engine/sharded/mixed-formats-are-refused", test_mixed_formats_are_refused);
  g_test_add_func ("/engine/sharded/missing-tensor-names-the-index", test_missing_tensor_names_the_index);
  g_test_add_func ("/engine/sharded/broken-shard-is-named", test_broken_shard_is_named);
  g_test_add_func ("/engine/sharded/dense-module-is-not-sharded", test_dense_module_is_not_sharded);
  status = g_test_run ();
  for (guint i = 0; scratch_folders != NULL && i < scratch_folders->len; i++)
    bert_test_model_remove (g_ptr_array_index (scratch_folders, i));
  g_clear_pointer (&scratch_folders, g_ptr_array_unref);
  return status;
}
