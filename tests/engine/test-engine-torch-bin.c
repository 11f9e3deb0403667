/* test-engine-torch-bin: folders whose weights are only in pytorch_model.bin.
 *
 * The fixtures of data/torch-bin (make-torch-bin-models.py: torch.save of the tensors of
 * committed safetensors folders) give the same tensors, bit for bit, and the same
 * outputs as their sources, for BERT, DistilBERT and RoBERTa in F32, F16 and BF16 and a
 * folder with Dense modules. The fixtures of data/torch-bin-legacy hold some of the same
 * state dicts in the format torch.save wrote before PyTorch 1.6, and give the same
 * tensors and outputs again. Hostile files are in test-engine-torch-bin-errors.
 */
#include <glib/gstdio.h>
#include <string.h>

#include "bert_torch_bin.h"
#include "engine-test-util.h"

#define TORCH_BIN_DIR ENGINE_TEST_DATA_DIR "/torch-bin"
#define LEGACY_DIR ENGINE_TEST_DATA_DIR "/torch-bin-legacy"

static const struct {
  const char *name, *source;
} fixtures[] = {
  { "bert-f32", BERT_TEST_DATA_DIR "/tiny-model" },
  { "bert-f16", ENGINE_TEST_DATA_DIR "/pairs/bert-wordpiece" },
  { "bert-bf16", TORCH_BIN_DIR "/bert-bf16" },
  { "distilbert-f32", ENGINE_TEST_DATA_DIR "/families/distilbert-sequence-f32" },
  { "distilbert-f16", ENGINE_TEST_DATA_DIR "/families/distilbert-sequence-f16" },
  { "distilbert-bf16", ENGINE_TEST_DATA_DIR "/families/distilbert-sequence-bf16" },
  { "roberta-f32", ENGINE_TEST_DATA_DIR "/families/roberta-token-f32" },
  { "roberta-f16", ENGINE_TEST_DATA_DIR "/families/roberta-token-f16" },
  { "roberta-bf16", ENGINE_TEST_DATA_DIR "/families/roberta-token-bf16" },
  { "dense", BERT_TEST_DATA_DIR "/st-modules/dense" },
};

/* The first fixtures, also in the legacy format: every dtype, and shared storages. */
#define N_LEGACY_FIXTURES 4

typedef struct {
  GMappedFile *file;
  BertSafetensors *tensors;
} ParsedFile;

static ParsedFile
parse_file (const char *path)
{
  GError *error = NULL;
  ParsedFile parsed = { g_mapped_file_new (path, FALSE, &error), NULL };
  const guint8 *bytes;
  gsize size;

  g_assert_no_error (error);
  bytes = (const guint8 *) g_mapped_file_get_contents (parsed.file);
  size = g_mapped_file_get_length (parsed.file);
  parsed.tensors = g_str_has_suffix (path, ".bin") ? bert_torch_bin_parse (bytes, size, path, &error)
                                                   : bert_safetensors_parse (bytes, size, path, &error);
  g_assert_no_error (error);
  return parsed;
}

static void
parsed_file_clear (ParsedFile *parsed)
{
  bert_safetensors_free (parsed->tensors);
  g_mapped_file_unref (parsed->file);
}

/* Every tensor of the safetensors file is in the pickle with the same dtype, shape and
 * bytes. */
static void
assert_same_tensors (const char *safetensors_path, const char *bin_path)
{
  ParsedFile expected = parse_file (safetensors_path), actual = parse_file (bin_path);
  GHashTableIter iter;
  gpointer value;

  g_assert_cmpuint (g_hash_table_size (expected.tensors->tensors), >, 0);
  g_hash_table_iter_init (&iter, expected.tensors->tensors);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    const BertSafetensorsTensor *want = value;
    const BertSafetensorsTensor *got = bert_safetensors_lookup (actual.tensors, want->name);

    g_assert_nonnull (got);
    g_assert_cmpstr (got->dtype, ==, want->dtype);
    g_assert_cmpint (got->n_dims, ==, want->n_dims);
    g_assert_cmpmem (got->shape, got->n_dims * sizeof (int64_t), want->shape,
        want->n_dims * sizeof (int64_t));
    g_assert_cmpmem (got->data, got->end - got->begin, want->data, want->end - want->begin);
  }
  parsed_file_clear (&expected);
  parsed_file_clear (&actual);
}

static void
test_tensors_match_safetensors (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (fixtures); i++) {
    const char *dense_parts[] = { "", "2_Dense", "3_Dense" };

    for (gsize part = 0; part < (strcmp (fixtures[i].name, "dense") == 0 ? 3 : 1); part++) {
      char *safetensors = g_build_filename (fixtures[i].source, dense_parts[part], "model.safetensors", NULL);
      char *bin =
          g_build_filename (TORCH_BIN_DIR, fixtures[i].name, dense_parts[part], "pytorch_model.bin", NULL);

      g_test_message ("%s", bin);
      assert_same_tensors (safetensors, bin);
      g_free (safetensors);
      g_free (bin);
    }
  }
}

/* Each legacy fixture holds the tensors of its zip twin, no more, bit for bit. */
static void
test_legacy_tensors_match_zip (void)
{
  for (gsize i = 0; i < N_LEGACY_FIXTURES; i++) {
    char *zip = g_build_filename (TORCH_BIN_DIR, fixtures[i].name, "pytorch_model.bin", NULL);
    char *legacy = g_build_filename (LEGACY_DIR, fixtures[i].name, "pytorch_model.bin", NULL);
    char *safetensors = g_build_filename (fixtures[i].source, "model.safetensors", NULL);
    ParsedFile from_zip = parse_file (zip), from_legacy = parse_file (legacy);

    g_test_message ("%s", legacy);
    assert_same_tensors (zip, legacy);
    assert_same_tensors (safetensors, legacy);
    g_assert_cmpuint (g_hash_table_size (from_legacy.tensors->tensors), ==,
        g_hash_table_size (from_zip.tensors->tensors));
    parsed_file_clear (&from_zip);
    parsed_file_clear (&from_legacy);
    g_free (zip);
    g_free (legacy);
    g_free (safetensors);
  }
}

/* distilbert-f32 holds the word embeddings twice more: the same storage, whole and
 * from its row 2. */
static void
assert_tied_tensors_share_their_storage (const char *path)
{
  ParsedFile parsed = parse_file (path);
  const BertSafetensorsTensor *words =
      bert_safetensors_lookup (parsed.tensors, "distilbert.embeddings.word_embeddings.weight");
  const BertSafetensorsTensor *tied = bert_safetensors_lookup (parsed.tensors, "tied.word_embeddings");
  const BertSafetensorsTensor *row = bert_safetensors_lookup (parsed.tensors, "tied.row");

  g_assert_nonnull (words);
  g_assert_nonnull (tied);
  g_assert_nonnull (row);
  g_assert_true (tied->data == words->data);
  g_assert_cmpint (row->n_dims, ==, 1);
  g_assert_cmpint (row->shape[0], ==, words->shape[1]);
  g_assert_true (row->data == words->data + 2 * words->shape[1] * 4);
  parsed_file_clear (&parsed);
}

static void
test_tied_tensors_share_their_storage (void)
{
  assert_tied_tensors_share_their_storage (TORCH_BIN_DIR "/distilbert-f32/pytorch_model.bin");
  assert_tied_tensors_share_their_storage (LEGACY_DIR "/distilbert-f32/pytorch_model.bin");
}

/* Copies the files of source into target, folders and all, but model.safetensors. */
static void
copy_without_safetensors (const char *source, const char *target)
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
      copy_without_safetensors (from, to);
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

static void
remove_tree (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL) {
    char *child = g_build_filename (path, name, NULL);

    remove_tree (child);
    g_free (child);
  }
  if (dir != NULL)
    g_dir_close (dir);
  g_assert_cmpint (g_remove (path), ==, 0);
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
copy_bins (const char *bins_dir, const char *name, const char *target)
{
  const char *parts[] = { "", "2_Dense", "3_Dense" };

  for (gsize i = 0; i < G_N_ELEMENTS (parts); i++) {
    char *from = g_build_filename (bins_dir, name, parts[i], "pytorch_model.bin", NULL);
    char *to = g_build_filename (target, parts[i], "pytorch_model.bin", NULL);
    char *contents;
    gsize length;

    if (g_file_get_contents (from, &contents, &length, NULL)) {
      g_assert_true (g_file_set_contents (to, contents, length, NULL));
      g_free (contents);
    }
    g_free (from);
    g_free (to);
  }
}

/* The first n_fixtures of fixtures, their weights only in bins_dir's pytorch_model.bin,
 * give the outputs of their sources. */
static void
assert_outputs_match_safetensors (const char *bins_dir, gsize n_fixtures)
{
  char *scratch = g_dir_make_tmp ("torch-bin-XXXXXX", NULL);

  for (gsize i = 0; i < n_fixtures; i++) {
    char *folder = g_build_filename (scratch, fixtures[i].name, NULL);
    char *safetensors = g_build_filename (folder, "model.safetensors", NULL);
    GBytes *expected, *actual;

    copy_without_safetensors (fixtures[i].source, folder);
    copy_bins (bins_dir, fixtures[i].name, folder);
    g_assert_false (g_file_test (safetensors, G_FILE_TEST_EXISTS));
    g_test_message ("%s", folder);
    expected = run_model (fixtures[i].source);
    actual = run_model (folder);
    g_assert_true (g_bytes_equal (expected, actual));
    g_bytes_unref (expected);
    g_bytes_unref (actual);
    g_free (safetensors);
    g_free (folder);
  }
  remove_tree (scratch);
  g_free (scratch);
}

static void
test_outputs_match_safetensors (void)
{
  assert_outputs_match_safetensors (TORCH_BIN_DIR, G_N_ELEMENTS (fixtures));
}

static void
test_legacy_outputs_match_safetensors (void)
{
  assert_outputs_match_safetensors (LEGACY_DIR, N_LEGACY_FIXTURES);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/torch-bin/tensors-match-safetensors", test_tensors_match_safetensors);
  g_test_add_func ("/torch-bin/tied-tensors-share-their-storage", test_tied_tensors_share_their_storage);
  g_test_add_func ("/torch-bin/outputs-match-safetensors", test_outputs_match_safetensors);
  g_test_add_func ("/torch-bin/legacy-tensors-match-zip", test_legacy_tensors_match_zip);
  g_test_add_func ("/torch-bin/legacy-outputs-match-safetensors", test_legacy_outputs_match_safetensors);
  return g_test_run ();
}
