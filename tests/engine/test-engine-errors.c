/* test-engine-errors: every way a model folder can be wrong gives a clear GError.
 *
 * Each test writes a small valid model (bert_test_model_write), breaks one thing and checks
 * the error's code and that its message names the file and the field or tensor.
 */
#include <json-glib/json-glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "engine-test-util.h"

/* Loading folder fails with code, and the message holds every one of the fragments. */
static void
assert_load_fails_va (const char *folder, int code, va_list fragments)
{
  GError *error = NULL;
  BertModel *model = bert_model_load (folder, &error);
  const char *fragment;

  g_assert_null (model);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_error (error, BERT_ENGINE_ERROR, code);
  while ((fragment = va_arg (fragments, const char *)) != NULL) {
    if (strstr (error->message, fragment) == NULL)
      g_error ("'%s' is not in the error message: %s", fragment, error->message);
  }
  g_error_free (error);
}

/* The same with the NULL-terminated fragments that follow code. */
static void
assert_load_fails (const char *folder, int code, ...)
{
  va_list fragments;

  va_start (fragments, code);
  assert_load_fails_va (folder, code, fragments);
  va_end (fragments);
}

static BertModel *
assert_load_succeeds (const char *folder)
{
  GError *error = NULL;
  BertModel *model = bert_model_load (folder, &error);

  g_assert_no_error (error);
  g_assert_nonnull (model);
  return model;
}

/* Sets member of tensor's header entry to json_value, or removes the tensor when
 * member is NULL. */
static void
edit_tensor (const char *folder, const char *tensor, const char *member, const char *json_value)
{
  GBytes *data;
  char *header = engine_test_read_header (folder, &data);
  JsonParser *parser = json_parser_new ();
  JsonObject *root;
  char *text;

  g_assert_true (json_parser_load_from_data (parser, header, -1, NULL));
  root = json_node_get_object (json_parser_get_root (parser));
  g_assert_true (json_object_has_member (root, tensor));
  if (member == NULL)
    json_object_remove_member (root, tensor);
  else
    json_object_set_member (json_object_get_object_member (root, tensor), member,
        json_from_string (json_value, NULL));
  text = json_to_string (json_parser_get_root (parser), FALSE);
  engine_test_write_safetensors (folder, text, data);
  g_free (text);
  g_object_unref (parser);
  g_bytes_unref (data);
  g_free (header);
}

/* A copy of data/families/name. */
static char *
copy_family_model (const char *name)
{
  char *source = g_build_filename (ENGINE_TEST_DATA_DIR, "families", name, NULL);
  char *folder = engine_test_copy_model (source);

  g_free (source);
  return folder;
}

/* A copy of data/families/family (NULL: a new test model) with the first from in its file
 * replaced by to: loading it fails with code and the NULL-terminated fragments that follow. */
static void
assert_edit_fails (const char *family, const char *file, const char *from, const char *to, int code, ...)
{
  char *folder = family != NULL ? copy_family_model (family) : engine_test_make_model (NULL);
  va_list fragments;

  engine_test_replace_in_file (folder, file, from, to);
  va_start (fragments, code);
  assert_load_fails_va (folder, code, fragments);
  va_end (fragments);
  g_free (folder);
}

/* The model of a copy of data/families/family (NULL: a new test model) with the first from in
 * its file replaced by to; asserts that it loads. */
static BertModel *
assert_edit_loads (const char *family, const char *file, const char *from, const char *to)
{
  char *folder = family != NULL ? copy_family_model (family) : engine_test_make_model (NULL);
  BertModel *model;

  engine_test_replace_in_file (folder, file, from, to);
  model = assert_load_succeeds (folder);
  g_free (folder);
  return model;
}

static void
remove_file (const char *folder, const char *name)
{
  char *path = g_build_filename (folder, name, NULL);

  g_assert_cmpint (g_unlink (path), ==, 0);
  g_free (path);
}

static void
test_missing_folder (void)
{
  assert_load_fails ("/nonexistent/gst-bert-model", BERT_ENGINE_ERROR_FILE, "config.json", NULL);
}

/* A file the test model cannot load without, and what the error then names. */
typedef struct {
  const char *test_path, *file, *fragment;
} MissingFile;

static const MissingFile missing_files[] = {
  { "/engine/errors/missing-config", "config.json", "config.json" },
  { "/engine/errors/missing-safetensors", "model.safetensors", "model.safetensors" },
  { "/engine/errors/missing-tokenizer", "vocab.txt", "tokenizer" },
};

static void
test_missing_file (gconstpointer data)
{
  const MissingFile *missing = data;
  char *folder = engine_test_make_model (NULL);

  remove_file (folder, missing->file);
  assert_load_fails (folder, BERT_ENGINE_ERROR_FILE, missing->fragment, NULL);
  g_free (folder);
}

static void
truncate_weights (const char *folder, gsize length)
{
  char *contents = engine_test_read_file (folder, "model.safetensors", NULL);

  engine_test_write_file (folder, "model.safetensors", contents, length);
  g_free (contents);
}

static void
test_truncated_file (void)
{
  char *folder = engine_test_make_model (NULL);
  gsize length;

  g_free (engine_test_read_file (folder, "model.safetensors", &length));
  truncate_weights (folder, length - 10);
  assert_load_fails (folder, BERT_ENGINE_ERROR_FILE, "model.safetensors", "truncated", NULL);
  truncate_weights (folder, 100);
  assert_load_fails (folder, BERT_ENGINE_ERROR_FORMAT, "model.safetensors", "header length", NULL);
  truncate_weights (folder, 5);
  assert_load_fails (folder, BERT_ENGINE_ERROR_FILE, "model.safetensors", "truncated", NULL);
  truncate_weights (folder, 0);
  assert_load_fails (folder, BERT_ENGINE_ERROR_FILE, "model.safetensors", "truncated", NULL);
  g_free (folder);
}

static void
test_header_length_out_of_bounds (void)
{
  char *folder = engine_test_make_model (NULL);
  gsize length;
  char *contents = engine_test_read_file (folder, "model.safetensors", &length);
  guint64 huge = GUINT64_TO_LE (G_GUINT64_CONSTANT (1) << 62);

  memcpy (contents, &huge, 8);
  engine_test_write_file (folder, "model.safetensors", contents, length);
  assert_load_fails (folder, BERT_ENGINE_ERROR_FORMAT, "model.safetensors", "header length", NULL);
  g_free (contents);
  g_free (folder);
}

static void
test_offsets_out_of_bounds (void)
{
  char *folder = engine_test_make_model (NULL);

  edit_tensor (folder, "embeddings.LayerNorm.bias", "data_offsets", "[1000000000, 1000000128]");
  assert_load_fails (folder, BERT_ENGINE_ERROR_FILE, "model.safetensors", "embeddings.LayerNorm.bias",
      "past the end", NULL);
  g_free (folder);
}

static void
test_offsets_not_matching_size (void)
{
  char *folder = engine_test_make_model (NULL);

  edit_tensor (folder, "embeddings.LayerNorm.bias", "shape", "[33]");
  assert_load_fails (folder, BERT_ENGINE_ERROR_FORMAT, "embeddings.LayerNorm.bias", "needs 132 bytes", NULL);
  g_free (folder);
}

static void
test_offsets_overlapping (void)
{
  char *folder = engine_test_make_model (NULL);
  GBytes *data;
  char *header = engine_test_read_header (folder, &data);
  JsonNode *root = json_from_string (header, NULL);
  JsonObject *weight =
      json_object_get_object_member (json_node_get_object (root), "embeddings.LayerNorm.weight");
  char *offsets = json_to_string (json_object_get_member (weight, "data_offsets"), FALSE);

  edit_tensor (folder, "embeddings.LayerNorm.bias", "data_offsets", offsets);
  assert_load_fails (folder, BERT_ENGINE_ERROR_FORMAT, "overlaps", "embeddings.LayerNorm", NULL);
  g_free (offsets);
  json_node_unref (root);
  g_bytes_unref (data);
  g_free (header);
  g_free (folder);
}

static void
test_invalid_config_json (void)
{
  char *folder = engine_test_make_model (NULL);

  engine_test_replace_in_file (folder, "config.json", "\"hidden_size\": 32,", "\"hidden_size\": 32,,");
  assert_load_fails (folder, BERT_ENGINE_ERROR_FORMAT, "config.json", "invalid JSON", NULL);
  engine_test_write_file (folder, "config.json", "", 0);
  assert_load_fails (folder, BERT_ENGINE_ERROR_FORMAT, "config.json", "not a JSON object", NULL);
  engine_test_write_file (folder, "config.json", "[]", -1);
  assert_load_fails (folder, BERT_ENGINE_ERROR_FORMAT, "config.json", "not a JSON object", NULL);
  g_free (folder);
}

static void
test_invalid_header_json (void)
{
  char *folder = engine_test_make_model (NULL);
  GBytes *data;
  char *header = engine_test_read_header (folder, &data);

  header[1] = '#';
  engine_test_write_safetensors (folder, header, data);
  assert_load_fails (folder, BERT_ENGINE_ERROR_FORMAT, "model.safetensors", "not valid JSON", NULL);
  engine_test_write_safetensors (folder, "[1, 2]", data);
  assert_load_fails (folder, BERT_ENGINE_ERROR_FORMAT, "model.safetensors", "not a JSON object", NULL);
  engine_test_write_safetensors (folder, "", data);
  assert_load_fails (folder, BERT_ENGINE_ERROR_FORMAT, "model.safetensors", "not a JSON object", NULL);
  g_bytes_unref (data);
  g_free (header);
  g_free (folder);
}

/* safetensors refuses metadata that is not a map of strings (a loader that read none let
 * such files through: found by hand, issue 15 edges). */
static void
test_metadata_not_strings (void)
{
  char *folder = engine_test_make_model (NULL);
  GBytes *data;
  char *header = engine_test_read_header (folder, &data);
  JsonNode *root = json_from_string (header, NULL);
  const char *metadata[] = { "{\"format\": 5}", "[]", "null" };

  for (guint i = 0; i < G_N_ELEMENTS (metadata); i++) {
    char *text;
    json_object_set_member (json_node_get_object (root), "__metadata__",
        json_from_string (metadata[i], NULL));
    text = json_to_string (root, FALSE);
    engine_test_write_safetensors (folder, text, data);
    g_free (text);
    if (i == 0)
      assert_load_fails (folder, BERT_ENGINE_ERROR_FORMAT, "model.safetensors", "__metadata__ entry 'format'",
          "not a string", NULL);
    else if (i == 1)
      assert_load_fails (folder, BERT_ENGINE_ERROR_FORMAT, "__metadata__ is not an object of strings", NULL);
    else
      bert_model_unref (assert_load_succeeds (folder));
  }
  json_node_unref (root);
  g_bytes_unref (data);
  g_free (header);
  g_free (folder);
}

static void
test_deeply_nested_json (void)
{
  char *folder = engine_test_make_model (NULL);
  GBytes *data;
  char *header = engine_test_read_header (folder, &data);
  /* json-glib recurses: a million brackets would exhaust the stack. */
  char *deep = g_strnfill (1000000, '[');

  engine_test_write_file (folder, "config.json", deep, -1);
  assert_load_fails (folder, BERT_ENGINE_ERROR_FORMAT, "config.json", "nested deeper than", NULL);
  g_free (folder);
  folder = engine_test_make_model (NULL);
  engine_test_write_safetensors (folder, deep, data);
  assert_load_fails (folder, BERT_ENGINE_ERROR_FORMAT, "model.safetensors",
      "the header's line 1: nested deeper than", NULL);
  g_bytes_unref (data);
  g_free (deep);
  g_free (header);
  g_free (folder);
}

/* What json-glib reads otherwise than JSON: "\u0000" cuts a string short ("bert\u0000x"
 * loaded as BERT), 0x.., 0b.., $.. and a leading zero are read as hex, binary and octal
 * (0100 positions as 64), a hex number past 64 bits wraps. Python's json, and so
 * transformers, refuses or keeps them whole. */
static void
test_json_glib_misreadings (void)
{
  const struct {
    const char *from, *to, *fragment;
  } config_cases[] = {
    { "\"model_type\": \"bert\"", "\"model_type\": \"bert\\u0000x\"", "field 'model_type' holds \\u0000" },
    { "\"hidden_act\": \"gelu\"", "\"hidden_act\": \"gelu\\u0000_new\"", "field 'hidden_act' holds \\u0000" },
    { "\"max_position_embeddings\": 64", "\"max_position_embeddings\": 0100", "the number 0100 is not JSON" },
    { "\"max_position_embeddings\": 64", "\"max_position_embeddings\": 0x40", "the number 0x40 is not JSON" },
    { "\"max_position_embeddings\": 64", "\"max_position_embeddings\": 0x10000000000000040",
        "the number 0x10000000000000040 is not JSON" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (config_cases); i++)
    assert_edit_fails (NULL, "config.json", config_cases[i].from, config_cases[i].to,
        BERT_ENGINE_ERROR_FORMAT, "config.json", config_cases[i].fragment, NULL);

  char *folder = engine_test_make_model (NULL);
  GBytes *data;
  char *header = engine_test_read_header (folder, &data);
  char *hex = g_strdup_printf ("{\"__metadata__\": {\"format\": \"pt\"}, \"x\": [0x1], %s", header + 1);
  engine_test_write_safetensors (folder, hex, data);
  assert_load_fails (folder, BERT_ENGINE_ERROR_FORMAT, "model.safetensors", "the number 0x1 is not JSON",
      NULL);
  g_free (hex);
  g_bytes_unref (data);
  g_free (header);
  g_free (folder);
}

static void
test_invalid_pooling_json (void)
{
  char *folder = engine_test_make_model (NULL);

  engine_test_write_file (folder, "1_Pooling/config.json", "{\"pooling_mode_cls_token\": tru", -1);
  assert_load_fails (folder, BERT_ENGINE_ERROR_FORMAT, "1_Pooling/config.json", "invalid JSON", NULL);
  g_free (folder);
}

/* "pooling_mode" lists: sentence-transformers fails on an empty one at its first text, and
 * takes only mode names; lists past BERT_MAX_POOLINGS are not supported. */
static void
test_pooling_mode_lists_refused (void)
{
  char *folder = engine_test_make_model (NULL);

  engine_test_write_file (folder, "1_Pooling/config.json", "{\"pooling_mode\": []}", -1);
  assert_load_fails (folder, BERT_ENGINE_ERROR_FORMAT, "1_Pooling/config.json", "lists 0 modes", NULL);
  engine_test_write_file (folder, "1_Pooling/config.json",
      "{\"pooling_mode\": [\"mean\", \"max\", \"cls\", \"mean\", \"max\", \"cls\", \"mean\", \"max\", "
      "\"cls\"]}",
      -1);
  assert_load_fails (folder, BERT_ENGINE_ERROR_UNSUPPORTED, "1_Pooling/config.json", "lists 9 modes",
      "only 1 to 8", NULL);
  engine_test_write_file (folder, "1_Pooling/config.json", "{\"pooling_mode\": [\"mean\", 3]}", -1);
  assert_load_fails (folder, BERT_ENGINE_ERROR_UNSUPPORTED, "1_Pooling/config.json", "(not a string)", NULL);
  engine_test_write_file (folder, "1_Pooling/config.json", "{\"pooling_mode\": [\"cls\", \"mean_tokens\"]}",
      -1);
  assert_load_fails (folder, BERT_ENGINE_ERROR_UNSUPPORTED, "1_Pooling/config.json",
      "pooling_mode mean_tokens", NULL);
  g_free (folder);
}

/* A Dense module after a concatenating Pooling takes its modes x hidden values: a
 * module saved for another pooling names both numbers. */
static void
test_dense_in_features_not_the_concatenation (void)
{
  char *folder = engine_test_copy_folder (ENGINE_TEST_DATA_DIR "/concat-pooling/max-mean-lasttoken-dense");

  engine_test_replace_in_file (folder, "1_Pooling/config.json", "\"pooling_mode_max_tokens\": true",
      "\"pooling_mode_max_tokens\": false");
  assert_load_fails (folder, BERT_ENGINE_ERROR_SHAPE, "2_Dense/config.json", "in_features is 48",
      "has 32 values", "2 modes of the hidden size 16", NULL);
  g_free (folder);
}

/* bert-infer's pooling names one mode; a Dense module after several takes their
 * concatenation, so the override is refused there (and taken where no Dense follows). */
static void
test_one_mode_override_before_dense (void)
{
  BertModel *model = assert_load_succeeds (ENGINE_TEST_DATA_DIR "/concat-pooling/max-mean-lasttoken-dense");
  BertEncoderOptions options;
  GError *error = NULL;

  bert_encoder_options_init (&options);
  options.device = BERT_DEVICE_CPU;
  options.pooling = BERT_POOLING_MEAN;
  g_assert_null (bert_encoder_new (model, &options, &error));
  g_assert_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_INPUT);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "in_features 48"));
  g_assert_nonnull (strstr (error->message, "the 3 modes"));
  g_clear_error (&error);
  bert_model_unref (model);
}

/* sentence-transformers would read "false" as true, as Python's truth test does. */
static void
test_pooling_flag_not_a_boolean (void)
{
  char *folder = engine_test_make_model (NULL);

  engine_test_replace_in_file (folder, "1_Pooling/config.json", "\"pooling_mode_lasttoken\": false",
      "\"pooling_mode_lasttoken\": \"false\"");
  assert_load_fails (folder, BERT_ENGINE_ERROR_FORMAT, "1_Pooling/config.json", "pooling_mode_lasttoken",
      "not a boolean", NULL);
  engine_test_replace_in_file (folder, "1_Pooling/config.json", "\"pooling_mode_lasttoken\": \"false\"",
      "\"pooling_mode_lasttoken\": null");
  bert_model_unref (assert_load_succeeds (folder));
  g_free (folder);
}

/* A Pooling module saved for another encoder: its width is not the hidden size (the test
 * model's is 32), in either name sentence-transformers gives the field. */
static void
test_pooling_dimension_not_the_hidden_size (void)
{
  char *folder = engine_test_make_model (NULL);

  engine_test_replace_in_file (folder, "1_Pooling/config.json", "\"word_embedding_dimension\": 32",
      "\"word_embedding_dimension\": 384");
  assert_load_fails (folder, BERT_ENGINE_ERROR_SHAPE, "1_Pooling/config.json",
      "word_embedding_dimension is 384", "hidden size is 32", NULL);
  engine_test_replace_in_file (folder, "1_Pooling/config.json", "\"word_embedding_dimension\": 384",
      "\"embedding_dimension\": 31");
  assert_load_fails (folder, BERT_ENGINE_ERROR_SHAPE, "1_Pooling/config.json", "embedding_dimension is 31",
      "hidden size is 32", NULL);
  engine_test_replace_in_file (folder, "1_Pooling/config.json", "\"embedding_dimension\": 31",
      "\"word_embedding_dimension\": \"32\"");
  assert_load_fails (folder, BERT_ENGINE_ERROR_FORMAT, "1_Pooling/config.json", "word_embedding_dimension",
      "not an integer", NULL);
  g_free (folder);
}

/* sentence-transformers runs every Transformer module in turn; the engine one encoder. */
static void
test_second_transformer_module (void)
{
  assert_edit_fails (NULL, "modules.json", "{\"idx\": 1,",
      "{\"idx\": 1, \"name\": \"again\", \"path\": \"0_Again\", "
      "\"type\": \"sentence_transformers.models.Transformer\"},\n  {\"idx\": 2,",
      BERT_ENGINE_ERROR_UNSUPPORTED, "modules.json", "second Transformer module", "0_Again", NULL);
}

/* NoInstruct-small-Embedding-v0's second Pooling module writes "query_embedding". */
static void
test_pooling_output_key (void)
{
  assert_edit_fails (NULL, "1_Pooling/config.json", "\"pooling_mode_mean_sqrt_len_tokens\": false",
      "\"pooling_mode_mean_sqrt_len_tokens\": false, \"output_key\": \"query_embedding\"",
      BERT_ENGINE_ERROR_UNSUPPORTED, "1_Pooling/config.json", "output_key", "query_embedding", NULL);
}

/* A Transformer module's folder must be inside the model folder; the encoder found there is
 * what config.json's errors then name. */
static void
test_transformer_module_path (void)
{
  char *folder = engine_test_make_model (NULL);

  engine_test_replace_in_file (folder, "modules.json", "\"path\": \"\"", "\"path\": \"../elsewhere\"");
  assert_load_fails (folder, BERT_ENGINE_ERROR_UNSUPPORTED, "modules.json", "../elsewhere", NULL);
  engine_test_replace_in_file (folder, "modules.json", "\"path\": \"../elsewhere\"",
      "\"path\": \"0_Transformer\"");
  assert_load_fails (folder, BERT_ENGINE_ERROR_FILE, "0_Transformer/config.json", NULL);
  g_free (folder);
}

static void
test_unsupported_module (void)
{
  assert_edit_fails (NULL, "modules.json", "sentence_transformers.models.Normalize",
      "sentence_transformers.models.WeightedLayerPooling", BERT_ENGINE_ERROR_UNSUPPORTED, "modules.json",
      "sentence_transformers.models.WeightedLayerPooling", NULL);
}

static void
test_missing_tensor (void)
{
  char *folder = engine_test_make_model (NULL);

  edit_tensor (folder, "encoder.layer.1.output.dense.bias", NULL, NULL);
  assert_load_fails (folder, BERT_ENGINE_ERROR_FORMAT, "model.safetensors",
      "encoder.layer.1.output.dense.bias", "missing", NULL);
  g_free (folder);
}

static void
test_wrong_shape (void)
{
  char *folder = engine_test_make_model (NULL);

  /* The same number of bytes, transposed: only the shape check can see it. */
  edit_tensor (folder, "encoder.layer.1.intermediate.dense.weight", "shape", "[32, 64]");
  assert_load_fails (folder, BERT_ENGINE_ERROR_SHAPE, "encoder.layer.1.intermediate.dense.weight",
      "has shape [32, 64], config.json expects [64, 32]", NULL);
  g_free (folder);
}

static void
test_unsupported_model_type (void)
{
  const char *unsupported[] = { "deberta-v2", "modernbert", "ernie", "funnel", "nomic_bert" };

  for (guint i = 0; i < G_N_ELEMENTS (unsupported); i++) {
    char *model_type = g_strdup_printf ("\"model_type\": \"%s\"", unsupported[i]);

    assert_edit_fails (NULL, "config.json", "\"model_type\": \"bert\"", model_type,
        BERT_ENGINE_ERROR_UNSUPPORTED, "config.json", unsupported[i],
        "bert, distilbert, roberta, xlm-roberta, camembert, mpnet, electra, albert", NULL);
    g_free (model_type);
  }
}

static void
test_distilbert_unsupported_activation (void)
{
  assert_edit_fails ("distilbert-sequence-f32", "config.json", "\"activation\": \"gelu\"",
      "\"activation\": \"mish\"", BERT_ENGINE_ERROR_UNSUPPORTED, "config.json", "activation \"mish\"",
      "\"relu\"", NULL);
}

/* A padding_idx past the position table leaves RoBERTa no position to number from. */
static void
test_roberta_pad_token_past_positions (void)
{
  char *folder = copy_family_model ("roberta-encoder-f32");

  engine_test_replace_in_file (folder, "config.json", "\"pad_token_id\": 1", "\"pad_token_id\": 25");
  assert_load_fails (folder, BERT_ENGINE_ERROR_UNSUPPORTED, "config.json", "pad_token_id 25", NULL);
  /* The largest 64-bit id: no overflow computing the first position (run under UBSan). */
  engine_test_replace_in_file (folder, "config.json", "\"pad_token_id\": 25",
      "\"pad_token_id\": 9223372036854775807");
  assert_load_fails (folder, BERT_ENGINE_ERROR_UNSUPPORTED, "config.json", "pad_token_id 9223372036854775807",
      NULL);
  g_free (folder);
}

/* RoBERTa's table has padding_idx + 1 rows more than a sequence can use. */
static void
test_roberta_positions_after_padding_idx (void)
{
  char *folder = copy_family_model ("xlm-roberta-token-f32");
  BertModel *model = assert_load_succeeds (folder);

  g_assert_cmpint (model->config.family, ==, BERT_FAMILY_ROBERTA);
  g_assert_cmpint (model->config.position_offset, ==, 2);
  g_assert_cmpint (model->config.max_position_embeddings, ==, 24);
  g_assert_cmpint (model->weights.position_embeddings.shape[0], ==, 26);
  g_assert_false (model->config.uses_type_ids);
  bert_model_unref (model);
  g_free (folder);
}

/* MPNet numbers positions from 2 whatever pad_token_id says (MPNetEmbeddings' padding_idx
 * is 1), has no token types, and gets its position bias table from the bucket rows. */
static void
test_mpnet_positions_and_bias (void)
{
  BertModel *model =
      assert_edit_loads ("mpnet-sequence-f32", "config.json", "\"pad_token_id\": 1", "\"pad_token_id\": 7");

  g_assert_cmpint (model->config.family, ==, BERT_FAMILY_MPNET);
  g_assert_cmpint (model->config.position_offset, ==, 2);
  g_assert_cmpint (model->config.max_position_embeddings, ==, 256);
  g_assert_cmpint (model->config.type_vocab_size, ==, 0);
  g_assert_null (model->weights.token_type_embeddings.data);
  g_assert_false (model->config.uses_type_ids);
  g_assert_cmpint (model->config.relative_attention_num_buckets, ==, 32);
  g_assert_cmpint (model->weights.relative_position_bias.shape[0], ==, 4);
  g_assert_cmpint (model->weights.relative_position_bias.shape[1], ==, 2 * 256 - 1);
  bert_model_unref (model);
}

/* ALBERT: embedding tables embedding_size wide, always mapped to hidden_size by
 * encoder.embedding_hidden_mapping_in, and layers shared. albert-groups-* run 3 passes
 * through 2 groups of 2 layers: passes 0 and 1 run group 0, pass 2 group 1, so the 6
 * layers run are 0.0 0.1 0.0 0.1 1.0 1.1, the third and fourth sharing the first two's
 * tensors and their prepared weights. */
static void
test_albert_layer_groups (void)
{
  char *folder = copy_family_model ("albert-groups-encoder-f32");
  BertModel *model = assert_load_succeeds (folder);
  BertLayerWeights *layers = model->weights.layers;
  BertEncoder *encoder;
  gsize weights_bytes;
  char *more_passes;

  g_assert_cmpint (model->config.family, ==, BERT_FAMILY_ALBERT);
  g_assert_true (model->config.uses_type_ids);
  g_assert_cmpint (model->config.hidden_act, ==, BERT_ACTIVATION_GELU_TANH);
  g_assert_cmpint (model->config.num_layers, ==, 6);
  g_assert_cmpint (model->config.num_hidden_groups, ==, 2);
  g_assert_cmpint (model->config.inner_group_num, ==, 2);
  g_assert_true (model->config.projects_embeddings);
  g_assert_cmpint (model->weights.embeddings_project_weight.shape[0], ==, 16);
  g_assert_cmpint (model->weights.embeddings_project_weight.shape[1], ==, 16);
  for (int i = 0; i < 6; i++)
    g_assert_cmpint (layers[i].shared, ==, i == 2 || i == 3);
  g_assert_cmpint (layers[2].shared_layer, ==, 0);
  g_assert_cmpint (layers[3].shared_layer, ==, 1);
  g_assert_true (layers[2].query_weight.data == layers[0].query_weight.data);
  g_assert_true (layers[3].output_weight.data == layers[1].output_weight.data);
  g_assert_true (layers[4].query_weight.data != layers[0].query_weight.data);
  g_assert_true (layers[5].query_weight.data != layers[1].query_weight.data);
  /* The CPU keeps the 4 stored layers' weights, however many passes run them. */
  encoder = engine_test_cpu_encoder (model, -1, -1, 1);
  weights_bytes = bert_encoder_get_weights_bytes (encoder);
  bert_encoder_free (encoder);
  bert_model_unref (model);
  more_passes = copy_family_model ("albert-groups-encoder-f32");
  engine_test_replace_in_file (more_passes, "config.json", "\"num_hidden_layers\": 3",
      "\"num_hidden_layers\": 6");
  model = assert_load_succeeds (more_passes);
  g_assert_cmpint (model->config.num_layers, ==, 12);
  encoder = engine_test_cpu_encoder (model, -1, -1, 1);
  g_assert_cmpuint (bert_encoder_get_weights_bytes (encoder), ==, weights_bytes);
  bert_encoder_free (encoder);
  bert_model_unref (model);
  g_free (more_passes);
  /* The mapping is there even where the widths are equal, and required. */
  edit_tensor (folder, "encoder.embedding_hidden_mapping_in.weight", NULL, NULL);
  assert_load_fails (folder, BERT_ENGINE_ERROR_FORMAT, "embedding_hidden_mapping_in.weight", "missing", NULL);
  g_free (folder);

  /* A pass through a group the file lacks. */
  assert_edit_fails ("albert-groups-encoder-f32", "config.json", "\"num_hidden_groups\": 2",
      "\"num_hidden_groups\": 3", BERT_ENGINE_ERROR_FORMAT, "albert_layer_groups.2.albert_layers.0",
      "missing", NULL);
  assert_edit_fails ("albert-groups-encoder-f32", "config.json", "\"inner_group_num\": 2",
      "\"inner_group_num\": 0", BERT_ENGINE_ERROR_UNSUPPORTED, "inner_group_num 0",
      "out of the supported range", NULL);
  /* AlbertForPreTraining names a head the engine does not run: its encoder runs. */
  model = assert_edit_loads ("albert-sequence-f32", "config.json", "\"AlbertForSequenceClassification\"",
      "\"AlbertForPreTraining\"");
  g_assert_cmpint (model->config.head, ==, BERT_HEAD_ENCODER);
  g_assert_null (model->weights.classifier_weight.data);
  bert_model_unref (model);
  /* AlbertConfig's hidden_act default is gelu_new, not BERT's erf GELU. */
  model = assert_edit_loads ("albert-encoder-f32", "config.json", "\"hidden_act\": \"gelu_new\",", "");
  g_assert_cmpint (model->config.hidden_act, ==, BERT_ACTIVATION_GELU_TANH);
  g_assert_cmpint (model->config.num_layers, ==, 3);
  for (int i = 1; i < 3; i++) {
    g_assert_true (model->weights.layers[i].shared);
    g_assert_cmpint (model->weights.layers[i].shared_layer, ==, 0);
  }
  bert_model_unref (model);
}

/* ELECTRA: BERT's type ids and positions, a GELU between its classification head's
 * layers, and embedding tables embedding_size wide, projected to hidden_size by
 * embeddings_project where the two differ (and only there). */
static void
test_electra_embeddings (void)
{
  char *folder = copy_family_model ("electra-small-sequence-f32");
  BertModel *model = assert_load_succeeds (folder);

  g_assert_cmpint (model->config.family, ==, BERT_FAMILY_ELECTRA);
  g_assert_true (model->config.uses_type_ids);
  g_assert_cmpint (model->config.position_offset, ==, 0);
  g_assert_cmpint (model->config.classifier_activation, ==, BERT_ACTIVATION_GELU);
  g_assert_cmpint (model->config.input_embedding_size, ==, 8);
  g_assert_cmpint (model->weights.word_embeddings.shape[1], ==, 8);
  g_assert_cmpint (model->weights.embeddings_project_weight.shape[0], ==, 16);
  g_assert_cmpint (model->weights.embeddings_project_weight.shape[1], ==, 8);
  bert_model_unref (model);
  /* The projection is required where the widths differ. */
  edit_tensor (folder, "electra.embeddings_project.weight", NULL, NULL);
  assert_load_fails (folder, BERT_ENGINE_ERROR_FORMAT, "embeddings_project.weight", "missing", NULL);
  g_free (folder);

  folder = copy_family_model ("electra-encoder-f32");
  model = assert_load_succeeds (folder);
  g_assert_cmpint (model->config.input_embedding_size, ==, 16);
  g_assert_null (model->weights.embeddings_project_weight.data);
  bert_model_unref (model);
  /* Without embedding_size, ElectraConfig's default 128 applies, not hidden_size. */
  engine_test_replace_in_file (folder, "config.json", "\"embedding_size\": 16,", "");
  assert_load_fails (folder, BERT_ENGINE_ERROR_SHAPE, "tensor 'embeddings.word_embeddings.weight'",
      "[40, 128]", NULL);
  engine_test_replace_in_file (folder, "config.json", "\"hidden_act\"",
      "\"embedding_size\": 0, \"hidden_act\"");
  assert_load_fails (folder, BERT_ENGINE_ERROR_UNSUPPORTED, "config.json", "embedding_size 0", NULL);
  g_free (folder);
}

/* ElectraForPreTraining (the discriminator's checkpoint, as google/electra-*-discriminator
 * publish it) and ElectraForMaskedLM name heads the engine does not run: their encoder
 * runs, as for BERT's other task classes. */
static void
test_electra_pretraining_runs_the_encoder (void)
{
  const char *classes[] = { "ElectraForPreTraining", "ElectraForMaskedLM" };

  for (guint i = 0; i < G_N_ELEMENTS (classes); i++) {
    char *architecture = g_strdup_printf ("\"%s\"", classes[i]);
    BertModel *model = assert_edit_loads ("electra-small-sequence-f32", "config.json",
        "\"ElectraForSequenceClassification\"", architecture);

    g_assert_cmpint (model->config.head, ==, BERT_HEAD_ENCODER);
    g_assert_cmpint (model->config.num_labels, ==, 0);
    bert_model_unref (model);
    g_free (architecture);
  }
}

/* MPNet's bucket count: required, at least the 32 MPNet computes, and the table's rows. */
static void
test_mpnet_relative_attention_buckets (void)
{
  assert_edit_fails ("mpnet-encoder-f16", "config.json", "\"relative_attention_num_buckets\": 32,", "",
      BERT_ENGINE_ERROR_FORMAT, "config.json", "'relative_attention_num_buckets' is missing", NULL);
  assert_edit_fails ("mpnet-encoder-f16", "config.json", "\"relative_attention_num_buckets\": 32",
      "\"relative_attention_num_buckets\": 16", BERT_ENGINE_ERROR_UNSUPPORTED, "config.json",
      "relative_attention_num_buckets 16", "below 32", NULL);
  assert_edit_fails ("mpnet-encoder-f16", "config.json", "\"relative_attention_num_buckets\": 32",
      "\"relative_attention_num_buckets\": 40", BERT_ENGINE_ERROR_SHAPE,
      "encoder.relative_attention_bias.weight", "has shape [32, 4], config.json expects [40, 4]", NULL);

  char *folder = copy_family_model ("mpnet-encoder-f16");
  edit_tensor (folder, "encoder.relative_attention_bias.weight", NULL, NULL);
  assert_load_fails (folder, BERT_ENGINE_ERROR_FORMAT, "'encoder.relative_attention_bias.weight'", "missing",
      NULL);
  g_free (folder);
}

/* Without architectures, each family's head tensors name the head. */
static void
test_family_head_from_tensors (void)
{
  const struct {
    const char *name, *architecture;
    BertHead head;
  } cases[] = {
    { "roberta-sequence-f32", "RobertaForSequenceClassification", BERT_HEAD_SEQUENCE_CLASSIFIER },
    { "camembert-token-f32", "CamembertForTokenClassification", BERT_HEAD_TOKEN_CLASSIFIER },
    { "distilbert-sequence-f32", "DistilBertForSequenceClassification", BERT_HEAD_SEQUENCE_CLASSIFIER },
    { "distilbert-token-f32", "DistilBertForTokenClassification", BERT_HEAD_TOKEN_CLASSIFIER },
    { "mpnet-sequence-f32", "MPNetForSequenceClassification", BERT_HEAD_SEQUENCE_CLASSIFIER },
    { "mpnet-token-f32", "MPNetForTokenClassification", BERT_HEAD_TOKEN_CLASSIFIER },
    { "electra-sequence-f32", "ElectraForSequenceClassification", BERT_HEAD_SEQUENCE_CLASSIFIER },
    { "electra-small-token-f32", "ElectraForTokenClassification", BERT_HEAD_TOKEN_CLASSIFIER },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    char *architecture = g_strdup_printf ("\"%s\"", cases[i].architecture);
    BertModel *model = assert_edit_loads (cases[i].name, "config.json", architecture, "\"SomethingElse\"");

    g_assert_cmpint (model->config.head, ==, cases[i].head);
    g_assert_cmpint (model->config.num_labels, ==, cases[i].head == BERT_HEAD_SEQUENCE_CLASSIFIER ? 3 : 5);
    bert_model_unref (model);
    g_free (architecture);
  }
}

/* Every name of transformers' ACT2FN the engine runs, in hidden_act and in DistilBERT's
 * activation, and absent: transformers' default, the erf GELU. */
static void
test_hidden_act_names (void)
{
  const struct {
    const char *name;
    BertActivation activation;
  } cases[] = {
    { "gelu", BERT_ACTIVATION_GELU },
    { "gelu_python", BERT_ACTIVATION_GELU },
    { "gelu_new", BERT_ACTIVATION_GELU_TANH },
    { "gelu_pytorch_tanh", BERT_ACTIVATION_GELU_TANH },
    { "gelu_python_tanh", BERT_ACTIVATION_GELU_TANH },
    { "gelu_fast", BERT_ACTIVATION_GELU_TANH },
    { "gelu_accurate", BERT_ACTIVATION_GELU_TANH },
    { "relu", BERT_ACTIVATION_RELU },
    { "silu", BERT_ACTIVATION_SILU },
    { "swish", BERT_ACTIVATION_SILU },
    { "quick_gelu", BERT_ACTIVATION_QUICK_GELU },
  };
  const struct {
    const char *folder, *field;
  } places[] = {
    { NULL, "\"hidden_act\": " },
    { "distilbert-encoder-f32", "\"activation\": " },
  };

  for (guint p = 0; p < G_N_ELEMENTS (places); p++) {
    for (guint i = 0; i <= G_N_ELEMENTS (cases); i++) {
      char *gelu = g_strconcat (places[p].field, "\"gelu\",", NULL);
      /* Past the last case: the field left out. */
      char *field = i < G_N_ELEMENTS (cases) ? g_strdup_printf ("%s\"%s\",", places[p].field, cases[i].name)
                                             : g_strdup ("");
      BertModel *model = assert_edit_loads (places[p].folder, "config.json", gelu, field);

      g_assert_cmpint (model->config.hidden_act, ==,
          i < G_N_ELEMENTS (cases) ? cases[i].activation : BERT_ACTIVATION_GELU);
      bert_model_unref (model);
      g_free (field);
      g_free (gelu);
    }
  }
}

/* Activations the engine does not compute: PReLU's learnt slope, the clipped GELU, Mish.
 * The message names the value and lists the names that run. */
static void
test_unsupported_hidden_act (void)
{
  const char *names[] = { "prelu", "gelu_10", "mish", "GELU" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++) {
    char *field = g_strdup_printf ("\"hidden_act\": \"%s\"", names[i]);
    char *named = g_strdup_printf ("hidden_act \"%s\" is not supported", names[i]);

    assert_edit_fails (NULL, "config.json", "\"hidden_act\": \"gelu\"", field, BERT_ENGINE_ERROR_UNSUPPORTED,
        "config.json", named, "\"gelu_new\"", "\"quick_gelu\"", NULL);
    g_free (named);
    g_free (field);
  }
}

/* A CrossEncoder activation the engine does not have, in each place
 * sentence-transformers reads one (a class outside torch is one it would not load). */
static void
test_cross_encoder_activation (void)
{
  char *folder = engine_test_make_model (NULL);
  char *copy = engine_test_copy_model (folder);

  engine_test_replace_in_file (folder, "config.json", "\"hidden_act\": \"gelu\"",
      "\"hidden_act\": \"gelu\", \"sentence_transformers\": {\"activation_fn\": "
      "\"torch.nn.modules.activation.Softplus\"}");
  assert_load_fails (folder, BERT_ENGINE_ERROR_UNSUPPORTED, "config.json",
      "sentence_transformers.activation_fn", "\"torch.nn.modules.activation.Softplus\"", NULL);
  engine_test_replace_in_file (copy, "config.json", "\"hidden_act\": \"gelu\"",
      "\"hidden_act\": \"gelu\", \"sbert_ce_default_activation_function\": \"my_module.Sigmoid\"");
  assert_load_fails (copy, BERT_ENGINE_ERROR_UNSUPPORTED, "config.json",
      "sbert_ce_default_activation_function", "\"my_module.Sigmoid\"", NULL);
  g_free (copy);
  copy = engine_test_copy_model (folder);
  engine_test_replace_in_file (copy, "config.json", "\"torch.nn.modules.activation.Softplus\"", "7");
  assert_load_fails (copy, BERT_ENGINE_ERROR_FORMAT, "config.json", "'activation_fn' is not a string", NULL);
  g_free (copy);
  copy = engine_test_make_model (NULL);
  engine_test_write_file (copy, "config_sentence_transformers.json", "{\"activation_fn\": \"torch.nn.ReLU\"}",
      -1);
  assert_load_fails (copy, BERT_ENGINE_ERROR_UNSUPPORTED, "config_sentence_transformers.json",
      "activation_fn", "\"torch.nn.ReLU\"", NULL);
  g_free (copy);
  g_free (folder);
}

static void
test_unknown_problem_type (void)
{
  assert_edit_fails (NULL, "config.json", "\"hidden_act\": \"gelu\"",
      "\"hidden_act\": \"gelu\", \"problem_type\": \"multi_label\"", BERT_ENGINE_ERROR_FORMAT, "config.json",
      "problem_type", "\"multi_label\"", NULL);
}

static void
test_decoder (void)
{
  assert_edit_fails (NULL, "config.json", "\"hidden_act\": \"gelu\"",
      "\"hidden_act\": \"gelu\", \"is_decoder\": true", BERT_ENGINE_ERROR_UNSUPPORTED, "config.json",
      "is_decoder", NULL);
}

/* RoBERTa's code (XLM-R's and CamemBERT's too) makes its attention causal for a decoder,
 * as BERT's; MPNet and DistilBERT ignore the flag (data/real-configs: mpnet-is-decoder and
 * distilbert-is-decoder). */
static void
test_roberta_family_decoder (void)
{
  const char *families[] = { "roberta", "xlm-roberta", "camembert", "electra" };

  for (guint i = 0; i < G_N_ELEMENTS (families); i++) {
    char *family = g_strdup_printf ("%s-encoder-f32", families[i]);

    assert_edit_fails (family, "config.json", "\"is_decoder\": false", "\"is_decoder\": true",
        BERT_ENGINE_ERROR_UNSUPPORTED, "config.json", "is_decoder", NULL);
    g_free (family);
  }
}

static void
test_unsupported_dtype (void)
{
  char *folder = engine_test_make_model (NULL);

  /* 128 bytes as I8: a valid safetensors entry of a dtype BERT weights cannot have. */
  edit_tensor (folder, "embeddings.LayerNorm.bias", "dtype", "\"I8\"");
  edit_tensor (folder, "embeddings.LayerNorm.bias", "shape", "[128]");
  assert_load_fails (folder, BERT_ENGINE_ERROR_UNSUPPORTED,
      "unsupported dtype I8 for tensor 'embeddings.LayerNorm.bias'", NULL);
  edit_tensor (folder, "embeddings.LayerNorm.bias", "dtype", "\"Q4\"");
  assert_load_fails (folder, BERT_ENGINE_ERROR_UNSUPPORTED,
      "unsupported dtype Q4 for tensor 'embeddings.LayerNorm.bias'", NULL);
  g_free (folder);
}

/* Tensors the model does not use (PyTorch's I64 position_ids) may have any dtype. */
static void
test_unused_tensor_of_other_dtype (void)
{
  char *folder = engine_test_make_model (NULL);
  GBytes *data;
  char *header = engine_test_read_header (folder, &data);
  gsize data_size = g_bytes_get_size (data);
  char *edited = g_strdup_printf ("{\"embeddings.position_ids\":{\"dtype\":\"I64\",\"shape\":[1,0],"
                                  "\"data_offsets\":[%" G_GSIZE_FORMAT ",%" G_GSIZE_FORMAT "]},%s",
      data_size, data_size, header + 1);
  BertModel *model;

  engine_test_write_safetensors (folder, edited, data);
  model = assert_load_succeeds (folder);
  bert_model_unref (model);
  g_free (edited);
  g_bytes_unref (data);
  g_free (header);
  g_free (folder);
}

/* The test model with the first old_text of config.json replaced by new_text fails to load
 * with code, naming config.json and fragment. */
static void
check_config_refused (const char *old_text, const char *new_text, int code, const char *fragment)
{
  assert_edit_fails (NULL, "config.json", old_text, new_text, code, "config.json", fragment, NULL);
}

/* The weights file is a few KB: these fail on config.json's numbers before any
 * allocation sized from them. */
static void
test_absurd_sizes (void)
{
  check_config_refused ("\"hidden_size\": 32", "\"hidden_size\": 1000000000", BERT_ENGINE_ERROR_UNSUPPORTED,
      "hidden_size 1000000000");
  check_config_refused ("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 100000",
      BERT_ENGINE_ERROR_UNSUPPORTED, "num_hidden_layers");
  check_config_refused ("\"vocab_size\": 100", "\"vocab_size\": 1099511627776", BERT_ENGINE_ERROR_UNSUPPORTED,
      "vocab_size");
  check_config_refused ("\"intermediate_size\": 64", "\"intermediate_size\": 4294967296",
      BERT_ENGINE_ERROR_UNSUPPORTED, "intermediate_size");
  check_config_refused ("\"max_position_embeddings\": 64", "\"max_position_embeddings\": 0",
      BERT_ENGINE_ERROR_UNSUPPORTED, "max_position_embeddings");
  check_config_refused ("\"num_attention_heads\": 4", "\"num_attention_heads\": 5", BERT_ENGINE_ERROR_FORMAT,
      "does not divide");
  check_config_refused ("\"hidden_size\": 32", "\"hidden_size\": -32", BERT_ENGINE_ERROR_UNSUPPORTED,
      "hidden_size");
  check_config_refused ("\"hidden_size\": 32", "\"hidden_size\": 32.5", BERT_ENGINE_ERROR_FORMAT,
      "not an integer");
  check_config_refused ("\"layer_norm_eps\": 1e-12", "\"layer_norm_eps\": -1", BERT_ENGINE_ERROR_UNSUPPORTED,
      "layer_norm_eps");
  check_config_refused ("\"type_vocab_size\": 2,", "", BERT_ENGINE_ERROR_FORMAT,
      "'type_vocab_size' is missing");
}

static void
test_tokenizer_larger_than_vocab (void)
{
  char *folder = engine_test_make_model (NULL), *vocab, *longer;

  vocab = engine_test_read_file (folder, "vocab.txt", NULL);
  longer = g_strconcat (vocab, "extra\n", NULL);
  engine_test_write_file (folder, "vocab.txt", longer, -1);
  assert_load_fails (folder, BERT_ENGINE_ERROR_SHAPE, "101 tokens", "vocab_size is 100", NULL);
  g_free (longer);
  g_free (vocab);
  g_free (folder);
}

/* Without architectures, a classifier and a pooler make a sequence classifier, and
 * without id2label the labels are named as transformers names them. */
static void
test_head_from_tensors (void)
{
  BertTestModelSpec options;
  BertModel *model;
  char *folder;

  bert_test_model_spec_init (&options);
  options.head = BERT_HEAD_SEQUENCE_CLASSIFIER;
  options.num_labels = 2;
  folder = engine_test_make_model (&options);
  engine_test_replace_in_file (folder, "config.json",
      "\"architectures\": [\"BertForSequenceClassification\"],", "");
  engine_test_replace_in_file (folder, "config.json", "\"id2label\": {\"0\": \"label0\", \"1\": \"label1\"}",
      "\"pad_token_id\": 0");
  model = assert_load_succeeds (folder);
  g_assert_cmpint (model->config.head, ==, BERT_HEAD_SEQUENCE_CLASSIFIER);
  g_assert_cmpint (model->config.num_labels, ==, 2);
  g_assert_cmpstr (model->config.id2label[1], ==, "LABEL_1");
  bert_model_unref (model);
  g_free (folder);
}

/* architectures naming another task's class (multiple choice: a pooler and a one-row
 * classifier) runs the encoder, as sentence-transformers would, rather than reading its
 * classifier as a one-label sequence classifier. */
static void
test_other_task_class_runs_the_encoder (void)
{
  BertTestModelSpec options;
  BertModel *model;
  char *folder;

  bert_test_model_spec_init (&options);
  options.head = BERT_HEAD_SEQUENCE_CLASSIFIER;
  options.num_labels = 1;
  folder = engine_test_make_model (&options);
  engine_test_replace_in_file (folder, "config.json", "BertForSequenceClassification",
      "BertForMultipleChoice");
  model = assert_load_succeeds (folder);
  g_assert_cmpint (model->config.head, ==, BERT_HEAD_ENCODER);
  bert_model_unref (model);
  /* Listed beside a classifier's class, the classifier is the head. */
  engine_test_replace_in_file (folder, "config.json", "\"BertForMultipleChoice\"",
      "\"BertForSequenceClassification\", \"BertForMultipleChoice\"");
  model = assert_load_succeeds (folder);
  g_assert_cmpint (model->config.head, ==, BERT_HEAD_SEQUENCE_CLASSIFIER);
  bert_model_unref (model);
  g_free (folder);
}

static void
test_id2label_with_gap (void)
{
  BertTestModelSpec options;
  char *folder;

  bert_test_model_spec_init (&options);
  options.head = BERT_HEAD_TOKEN_CLASSIFIER;
  options.num_labels = 3;
  folder = engine_test_make_model (&options);
  engine_test_replace_in_file (folder, "config.json", "\"2\": \"label2\"", "\"7\": \"label2\"");
  assert_load_fails (folder, BERT_ENGINE_ERROR_FORMAT, "config.json", "id2label entry \"7\"", NULL);
  /* A label set after a hole, then an error: nothing may leak (run under ASan). */
  engine_test_replace_in_file (folder, "config.json",
      "\"0\": \"label0\", \"1\": \"label1\", \"7\": \"label2\"",
      "\"1\": \"label1\", \"0\": 7, \"2\": \"label2\"");
  assert_load_fails (folder, BERT_ENGINE_ERROR_FORMAT, "config.json", "id2label entry \"0\"", NULL);
  g_free (folder);
}

/* A checkpoint with more layers than config.json says runs the config's layers, as
 * transformers does, under a warning naming the first unused tensor; a matching one
 * warns of nothing. */
static void
test_layers_past_config_warn (void)
{
  const char *families[] = { "mpnet-encoder-f32", "distilbert-token-f32" };
  const char *counts[][2] = { { "\"num_hidden_layers\": 2", "\"num_hidden_layers\": 1" },
    { "\"n_layers\": 2", "\"n_layers\": 1" } };
  const char *tensors[] = { "encoder.layer.1.attention.attn.q.weight",
    "distilbert.transformer.layer.1.attention.q_lin.weight" };
  const char *fields[] = { "num_hidden_layers 1", "n_layers 1" };

  for (guint i = 0; i < G_N_ELEMENTS (families); i++) {
    char *folder = copy_family_model (families[i]);
    BertModel *model = assert_load_succeeds (folder);

    g_assert_null (bert_model_get_warning (model));
    bert_model_unref (model);
    engine_test_replace_in_file (folder, "config.json", counts[i][0], counts[i][1]);
    model = assert_load_succeeds (folder);
    g_assert_nonnull (bert_model_get_warning (model));
    g_test_message ("%s", bert_model_get_warning (model));
    g_assert_nonnull (strstr (bert_model_get_warning (model), tensors[i]));
    g_assert_nonnull (strstr (bert_model_get_warning (model), fields[i]));
    bert_model_unref (model);
    g_free (folder);
  }
}

/* An empty id2label names no label: the classifier's rows give them, as without one, and
 * nothing leaks (run under ASan). */
static void
test_id2label_empty (void)
{
  BertTestModelSpec options;
  BertModel *model;
  char *folder;

  bert_test_model_spec_init (&options);
  options.head = BERT_HEAD_SEQUENCE_CLASSIFIER;
  options.num_labels = 2;
  folder = engine_test_make_model (&options);
  engine_test_replace_in_file (folder, "config.json", "\"id2label\": {\"0\": \"label0\", \"1\": \"label1\"}",
      "\"id2label\": {}");
  model = assert_load_succeeds (folder);
  g_assert_cmpint (model->config.num_labels, ==, 2);
  g_assert_cmpstr (model->config.id2label[1], ==, "LABEL_1");
  bert_model_unref (model);
  g_free (folder);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/errors/missing-folder", test_missing_folder);
  for (guint i = 0; i < G_N_ELEMENTS (missing_files); i++)
    g_test_add_data_func (missing_files[i].test_path, &missing_files[i], test_missing_file);
  g_test_add_func ("/engine/errors/truncated-file", test_truncated_file);
  g_test_add_func ("/engine/errors/header-length-out-of-bounds", test_header_length_out_of_bounds);
  g_test_add_func ("/engine/errors/offsets-out-of-bounds", test_offsets_out_of_bounds);
  g_test_add_func ("/engine/errors/offsets-not-matching-size", test_offsets_not_matching_size);
  g_test_add_func ("/engine/errors/offsets-overlapping", test_offsets_overlapping);
  g_test_add_func ("/engine/errors/invalid-config-json", test_invalid_config_json);
  g_test_add_func ("/engine/errors/invalid-header-json", test_invalid_header_json);
  g_test_add_func ("/engine/errors/metadata-not-strings", test_metadata_not_strings);
  g_test_add_func ("/engine/errors/invalid-pooling-json", test_invalid_pooling_json);
  g_test_add_func ("/engine/errors/deeply-nested-json", test_deeply_nested_json);
  g_test_add_func ("/engine/errors/json-glib-misreadings", test_json_glib_misreadings);
  g_test_add_func ("/engine/errors/pooling-mode-lists-refused", test_pooling_mode_lists_refused);
  g_test_add_func ("/engine/errors/dense-in-features-not-the-concatenation",
      test_dense_in_features_not_the_concatenation);
  g_test_add_func ("/engine/errors/one-mode-override-before-dense", test_one_mode_override_before_dense);
  g_test_add_func ("/engine/errors/pooling-dimension-not-the-hidden-size",
      test_pooling_dimension_not_the_hidden_size);
  g_test_add_func ("/engine/errors/second-transformer-module", test_second_transformer_module);
  g_test_add_func ("/engine/errors/pooling-flag-not-a-boolean", test_pooling_flag_not_a_boolean);
  g_test_add_func ("/engine/errors/unsupported-module", test_unsupported_module);
  g_test_add_func ("/engine/errors/missing-tensor", test_missing_tensor);
  g_test_add_func ("/engine/errors/wrong-shape", test_wrong_shape);
  g_test_add_func ("/engine/errors/unsupported-model-type", test_unsupported_model_type);
  g_test_add_func ("/engine/errors/hidden-act-names", test_hidden_act_names);
  g_test_add_func ("/engine/errors/unsupported-hidden-act", test_unsupported_hidden_act);
  g_test_add_func ("/engine/errors/pooling-output-key", test_pooling_output_key);
  g_test_add_func ("/engine/errors/transformer-module-path", test_transformer_module_path);
  g_test_add_func ("/engine/errors/cross-encoder-activation", test_cross_encoder_activation);
  g_test_add_func ("/engine/errors/unknown-problem-type", test_unknown_problem_type);
  g_test_add_func ("/engine/errors/decoder", test_decoder);
  g_test_add_func ("/engine/errors/roberta-family-decoder", test_roberta_family_decoder);
  g_test_add_func ("/engine/errors/distilbert-unsupported-activation",
      test_distilbert_unsupported_activation);
  g_test_add_func ("/engine/errors/roberta-pad-token-past-positions", test_roberta_pad_token_past_positions);
  g_test_add_func ("/engine/errors/roberta-positions-after-padding-idx",
      test_roberta_positions_after_padding_idx);
  g_test_add_func ("/engine/errors/family-head-from-tensors", test_family_head_from_tensors);
  g_test_add_func ("/engine/errors/mpnet-positions-and-bias", test_mpnet_positions_and_bias);
  g_test_add_func ("/engine/errors/mpnet-relative-attention-buckets", test_mpnet_relative_attention_buckets);
  g_test_add_func ("/engine/errors/electra-embeddings", test_electra_embeddings);
  g_test_add_func ("/engine/errors/albert-layer-groups", test_albert_layer_groups);
  g_test_add_func ("/engine/errors/electra-pretraining-runs-the-encoder",
      test_electra_pretraining_runs_the_encoder);
  g_test_add_func ("/engine/errors/unsupported-dtype", test_unsupported_dtype);
  g_test_add_func ("/engine/errors/unused-tensor-of-other-dtype", test_unused_tensor_of_other_dtype);
  g_test_add_func ("/engine/errors/absurd-sizes", test_absurd_sizes);
  g_test_add_func ("/engine/errors/tokenizer-larger-than-vocab", test_tokenizer_larger_than_vocab);
  g_test_add_func ("/engine/errors/head-from-tensors", test_head_from_tensors);
  g_test_add_func ("/engine/errors/other-task-class-runs-the-encoder",
      test_other_task_class_runs_the_encoder);
  g_test_add_func ("/engine/errors/id2label-with-gap", test_id2label_with_gap);
  g_test_add_func ("/engine/errors/id2label-empty", test_id2label_empty);
  g_test_add_func ("/engine/errors/layers-past-config-warn", test_layers_past_config_warn);
  status = g_test_run ();
  engine_test_cleanup ();
  return status;
}
