/* test-engine-legacy-names: LayerNorm tensors named gamma and beta, as in the original
 * Google BERT conversions, found as transformers 5 finds them.
 *
 * The folders of data/legacy-names (make-legacy-name-models.py) hold the tensors of
 * committed folders with LayerNorm.weight and .bias named LayerNorm.gamma and .beta, in
 * model.safetensors and in pytorch_model.bin (for BERT also in the legacy .bin format and
 * in shards transformers wrote); they give their sources' outputs bit for bit (their parity with transformers is the engine-legacy-names-* tests). Checkpoint
 * keys get the names transformers' own renaming gives them (renames.json, made by
 * transformers). Two tensors that would load as one name, which transformers settles
 * by sort order without a word, are refused, naming both; a missing LayerNorm tensor is
 * reported under both its names. ELECTRA's embeddings LayerNorm as gamma and beta and its
 * tensors without their prefix load as their usual names do.
 */
#include <json-glib/json-glib.h>
#include <string.h>

#include "bert_tensor_names.h"
#include "engine-test-util.h"

#define LEGACY_DIR ENGINE_TEST_DATA_DIR "/legacy-names"
#define BERT_FIXTURE LEGACY_DIR "/bert-sequence-f16"
#define MLM_GAMMA "cls.predictions.transform.LayerNorm.gamma"

/* The folder NAME of a fixture's safetensors, then NAME-FORM of its other forms. */
static const char *const every_form[] = { "", "-bin", "-bin-legacy", "-sharded", NULL };
static const char *const zip_form[] = { "", "-bin", NULL };

static const struct {
  const char *name, *source;
  const char *const *forms;
} fixtures[] = {
  { "bert-sequence-f16", ENGINE_TEST_DATA_DIR "/pairs/bert-wordpiece", every_form },
  { "distilbert-sequence-f32", ENGINE_TEST_DATA_DIR "/families/distilbert-sequence-f32", zip_form },
  { "roberta-token-bf16", ENGINE_TEST_DATA_DIR "/families/roberta-token-bf16", zip_form },
};

static void
test_renames_as_transformers (void)
{
  JsonParser *parser = json_parser_new ();
  GError *error = NULL;
  JsonArray *pairs;

  json_parser_load_from_file (parser, LEGACY_DIR "/renames.json", &error);
  g_assert_no_error (error);
  pairs = json_node_get_array (json_parser_get_root (parser));
  g_assert_cmpuint (json_array_get_length (pairs), >, 20);
  for (guint i = 0; i < json_array_get_length (pairs); i++) {
    JsonArray *pair = json_array_get_array_element (pairs, i);
    char *renamed = bert_tensor_names_rename (json_array_get_string_element (pair, 0));

    g_assert_cmpstr (renamed, ==, json_array_get_string_element (pair, 1));
    g_free (renamed);
  }
  g_object_unref (parser);
}

static void
assert_same_outputs (const char *source, const char *folder)
{
  GBytes *expected = engine_test_run_outputs (source), *actual = engine_test_run_outputs (folder);

  g_test_message ("%s", folder);
  g_assert_true (g_bytes_equal (expected, actual));
  g_bytes_unref (expected);
  g_bytes_unref (actual);
}

static void
test_outputs_match_original_names (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (fixtures); i++)
    for (const char *const *form = fixtures[i].forms; *form != NULL; form++) {
      char *name = g_strconcat (fixtures[i].name, *form, NULL);
      char *folder = g_build_filename (LEGACY_DIR, name, NULL);

      assert_same_outputs (fixtures[i].source, folder);
      g_free (folder);
      g_free (name);
    }
}

/* Names folder's tensor old_name new_name. */
static void
rename_tensor (const char *folder, const char *old_name, const char *new_name)
{
  char *old_key = g_strdup_printf ("\"%s\"", old_name), *new_key = g_strdup_printf ("\"%s\"", new_name);
  GBytes *data;
  char *header = engine_test_read_header (folder, &data);
  char *at = strstr (header, old_key);
  char *edited;

  g_assert_nonnull (at);
  edited = g_strdup_printf ("%.*s%s%s", (int) (at - header), header, new_key, at + strlen (old_key));
  engine_test_write_safetensors (folder, edited, data);
  g_bytes_unref (data);
  g_free (edited);
  g_free (header);
  g_free (old_key);
  g_free (new_key);
}

/* A copy of the BERT fixture whose tensor old_name is named new_name. */
static char *
copy_with_renamed_tensor (const char *old_name, const char *new_name)
{
  char *folder = engine_test_copy_model (BERT_FIXTURE);

  rename_tensor (folder, old_name, new_name);
  return folder;
}

/* ELECTRA's names as transformers also loads them: its embeddings' LayerNorm as gamma
 * and beta, and its embeddings projection and a layer's tensors without the electra.
 * prefix, give the same outputs bit for bit. */
static void
test_electra_names (void)
{
  static const char *const renames[][2] = {
    { "electra.embeddings.LayerNorm.weight", "electra.embeddings.LayerNorm.gamma" },
    { "electra.embeddings.LayerNorm.bias", "electra.embeddings.LayerNorm.beta" },
    { "electra.embeddings_project.weight", "embeddings_project.weight" },
    { "electra.embeddings_project.bias", "embeddings_project.bias" },
    { "electra.encoder.layer.1.output.LayerNorm.weight", "encoder.layer.1.output.LayerNorm.gamma" },
  };
  const char *source = ENGINE_TEST_DATA_DIR "/families/electra-small-sequence-f32";
  char *folder = engine_test_copy_model (source);

  for (guint i = 0; i < G_N_ELEMENTS (renames); i++)
    rename_tensor (folder, renames[i][0], renames[i][1]);
  assert_same_outputs (source, folder);
  g_free (folder);
}

static void
assert_load_fails (const char *folder, const char *expected_message)
{
  GError *error = NULL;
  BertModel *model = bert_model_load (folder, &error);

  g_assert_null (model);
  g_assert_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_FORMAT);
  g_assert_cmpstr (error->message, ==, expected_message);
  g_error_free (error);
}

/* The MLM head's LayerNorm gamma, which a classifier does not read, renamed to
 * another name of a tensor it reads. */
static void
assert_ambiguous (const char *new_name, const char *first, const char *second, const char *loaded_as)
{
  char *folder = copy_with_renamed_tensor (MLM_GAMMA, new_name);
  char *message = g_strdup_printf ("%s/model.safetensors: tensors '%s' and '%s' both load as '%s' "
                                   "(transformers keeps one of them without a word); remove one",
      folder, first, second, loaded_as);

  assert_load_fails (folder, message);
  g_free (message);
  g_free (folder);
}

static void
test_ambiguous_names_refused (void)
{
  const char *gamma = "bert.embeddings.LayerNorm.gamma", *loaded_as = "embeddings.LayerNorm.weight";

  assert_ambiguous ("bert.embeddings.LayerNorm.weight", gamma, "bert.embeddings.LayerNorm.weight", loaded_as);
  assert_ambiguous ("bert.embeddings.LayerNorm_gamma", gamma, "bert.embeddings.LayerNorm_gamma", loaded_as);
  assert_ambiguous ("embeddings.LayerNorm.weight", "embeddings.LayerNorm.weight", gamma, loaded_as);
  assert_ambiguous ("embeddings.LayerNorm.gamma", "embeddings.LayerNorm.gamma", gamma, loaded_as);
  assert_ambiguous ("pooler.dense.bias", "pooler.dense.bias", "bert.pooler.dense.bias", "pooler.dense.bias");
}

/* Not followed by a word character: gammas is no legacy name, so the tensor is missing. */
static void
test_missing_layer_norm_names_both (void)
{
  char *folder =
      copy_with_renamed_tensor ("bert.embeddings.LayerNorm.gamma", "bert.embeddings.LayerNorm.gammas");
  char *message =
      g_strdup_printf ("%s/model.safetensors: tensor 'embeddings.LayerNorm.weight' or its legacy name "
                       "'embeddings.LayerNorm.gamma' (either also with the prefix 'bert.') is missing",
          folder);

  assert_load_fails (folder, message);
  g_free (message);
  g_free (folder);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/legacy-names/renames-as-transformers", test_renames_as_transformers);
  g_test_add_func ("/legacy-names/outputs-match-original-names", test_outputs_match_original_names);
  g_test_add_func ("/legacy-names/ambiguous-names-refused", test_ambiguous_names_refused);
  g_test_add_func ("/legacy-names/missing-layer-norm-names-both", test_missing_layer_norm_names_both);
  g_test_add_func ("/legacy-names/electra-names", test_electra_names);
  status = g_test_run ();
  engine_test_cleanup ();
  return status;
}
