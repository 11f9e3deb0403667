/* test-tokenizer-transformers5.c: the tokenizer and bert-infer elements post the loader's
 * warning where transformers 5 would build another tokenizer from their folder
 * (bert_transformers5.h), and nothing where it would build the same.
 *
 * The tokenizer's folders are made here from the tutorial WordPiece fixture
 * (tests/tokenizer/data); bert-infer's from a tiny test model (bert_test_model.h) with a
 * tokenizer.json of its vocabulary, cased or not, under config.json's model_type "bert".
 */
#include <gst/check/gstcheck.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "bert_test_model.h"

#define TUTORIAL_JSON TEST_DATA_DIR "/../tokenizer/data/wordpiece-shapes/tutorial/tokenizer.json"

/* A new temporary folder with the tutorial's tokenizer.json and TOKENIZER_CONFIG. */
static gchar *
make_folder (const gchar *tokenizer_config)
{
  gchar *folder = g_dir_make_tmp ("gst-bert-transformers5-XXXXXX", NULL);
  gchar *json = g_build_filename (folder, "tokenizer.json", NULL);
  gchar *config = g_build_filename (folder, "tokenizer_config.json", NULL);
  gchar *contents = NULL;
  gsize length = 0;

  fail_unless (folder != NULL);
  fail_unless (g_file_get_contents (TUTORIAL_JSON, &contents, &length, NULL));
  fail_unless (g_file_set_contents (json, contents, (gssize) length, NULL));
  fail_unless (g_file_set_contents (config, tokenizer_config, -1, NULL));
  g_free (contents);
  g_free (config);
  g_free (json);
  return folder;
}

static void
remove_folder (gchar *folder)
{
  const gchar *files[] = { "tokenizer.json", "tokenizer_config.json" };

  for (guint i = 0; i < G_N_ELEMENTS (files); i++) {
    gchar *path = g_build_filename (folder, files[i], NULL);
    g_remove (path);
    g_free (path);
  }
  g_rmdir (folder);
  g_free (folder);
}

/* The WARNING messages ELEMENT_NAME posts when it loads FOLDER, its PROPERTY (at READY);
 * the first's debug text in *DEBUG. */
static guint
warnings_at_ready (const gchar *element_name, const gchar *property, const gchar *folder, gchar **debug)
{
  GstElement *element = gst_element_factory_make (element_name, NULL);
  GstBus *bus = gst_bus_new ();
  GstMessage *message;
  guint count = 0;

  fail_unless (element != NULL, "no %s element: is GST_PLUGIN_PATH set?", element_name);
  g_object_set (element, property, folder, NULL);
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (element), "device") != NULL)
    gst_util_set_object_arg (G_OBJECT (element), "device", "cpu");
  gst_element_set_bus (element, bus);
  if (gst_element_set_state (element, GST_STATE_READY) != GST_STATE_CHANGE_SUCCESS) {
    GstMessage *failure = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
    GError *error = NULL;
    gchar *text = NULL;
    if (failure != NULL)
      gst_message_parse_error (failure, &error, &text);
    fail ("%s did not load %s: %s (%s)", element_name, folder, error ? error->message : "no error posted",
        text);
  }
  *debug = NULL;
  while ((message = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING))) {
    GError *error = NULL;
    gchar *text = NULL;
    gst_message_parse_warning (message, &error, &text);
    if (count++ == 0) {
      fail_unless (strstr (error->message, "transformers 5") != NULL, "%s", error->message);
      *debug = text;
    } else {
      g_free (text);
    }
    g_error_free (error);
    gst_message_unref (message);
  }
  gst_element_set_state (element, GST_STATE_NULL);
  gst_element_set_bus (element, NULL);
  gst_object_unref (bus);
  gst_object_unref (element);
  return count;
}

GST_START_TEST (test_bert_tokenizer_class_warns)
{
  gchar *folder = make_folder ("{\"tokenizer_class\": \"BertTokenizer\"}");
  gchar *debug = NULL;

  fail_unless_equals_int (warnings_at_ready ("tokenizer", "vocab", folder, &debug), 1);
  fail_unless (strstr (debug, folder) != NULL, "%s", debug);
  fail_unless (strstr (debug, "BertNormalizer") != NULL, "%s", debug);
  fail_unless (strstr (debug, "Sequence normalizer and Whitespace pre-tokenizer") != NULL, "%s", debug);
  fail_unless (strstr (debug, "PreTrainedTokenizerFast") != NULL, "%s", debug);
  g_free (debug);
  remove_folder (folder);
}

GST_END_TEST;

GST_START_TEST (test_generic_class_silent)
{
  gchar *folder = make_folder ("{\"tokenizer_class\": \"PreTrainedTokenizerFast\"}");
  gchar *debug = NULL;

  fail_unless_equals_int (warnings_at_ready ("tokenizer", "vocab", folder, &debug), 0);
  remove_folder (folder);
}

GST_END_TEST;

/* A tiny encoder (config.json's model_type "bert") with a tokenizer.json of its vocabulary:
 * a BertNormalizer with LOWERCASE, the BertPreTokenizer, BertProcessing. */
static gchar *
make_model (gboolean lowercase)
{
  gchar *folder = g_dir_make_tmp ("gst-bert-transformers5-model-XXXXXX", NULL);
  gchar *vocab_path = g_build_filename (folder, "vocab.txt", NULL);
  gchar *json_path = g_build_filename (folder, "tokenizer.json", NULL);
  BertTestModelSpec spec;
  GError *error = NULL;
  gchar *text = NULL;

  bert_test_model_spec_init (&spec);
  fail_unless (bert_test_model_write (folder, &spec, &error), "%s", error ? error->message : "");
  fail_unless (g_file_get_contents (vocab_path, &text, NULL, NULL));
  gchar **tokens = g_strsplit (text, "\n", -1);
  JsonBuilder *builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "model");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, "WordPiece");
  json_builder_set_member_name (builder, "unk_token");
  json_builder_add_string_value (builder, "[UNK]");
  json_builder_set_member_name (builder, "continuing_subword_prefix");
  json_builder_add_string_value (builder, "##");
  json_builder_set_member_name (builder, "max_input_chars_per_word");
  json_builder_add_int_value (builder, 100);
  json_builder_set_member_name (builder, "vocab");
  json_builder_begin_object (builder);
  for (guint i = 0; tokens[i] != NULL && tokens[i][0] != '\0'; i++) {
    json_builder_set_member_name (builder, tokens[i]);
    json_builder_add_int_value (builder, i);
  }
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "normalizer");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, "BertNormalizer");
  json_builder_set_member_name (builder, "clean_text");
  json_builder_add_boolean_value (builder, TRUE);
  json_builder_set_member_name (builder, "handle_chinese_chars");
  json_builder_add_boolean_value (builder, TRUE);
  json_builder_set_member_name (builder, "strip_accents");
  json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "lowercase");
  json_builder_add_boolean_value (builder, lowercase);
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "pre_tokenizer");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, "BertPreTokenizer");
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "post_processor");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, "BertProcessing");
  json_builder_set_member_name (builder, "cls");
  json_builder_begin_array (builder);
  json_builder_add_string_value (builder, "[CLS]");
  json_builder_add_int_value (builder, 2);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "sep");
  json_builder_begin_array (builder);
  json_builder_add_string_value (builder, "[SEP]");
  json_builder_add_int_value (builder, 3);
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  JsonGenerator *generator = json_generator_new ();
  JsonNode *root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  fail_unless (json_generator_to_file (generator, json_path, NULL));
  json_node_unref (root);
  g_object_unref (generator);
  g_object_unref (builder);
  g_strfreev (tokens);
  g_free (text);
  g_free (json_path);
  g_free (vocab_path);
  return folder;
}

GST_START_TEST (test_bert_infer_cased_file_warns)
{
  gchar *cased = make_model (FALSE), *uncased = make_model (TRUE);
  gchar *debug = NULL;

  fail_unless_equals_int (warnings_at_ready ("bert-infer", "model", cased, &debug), 1);
  fail_unless (strstr (debug, cased) != NULL, "%s", debug);
  fail_unless (strstr (debug, "config.json's model_type \"bert\"") != NULL, "%s", debug);
  fail_unless (strstr (debug, "lowercase=true from BertTokenizer's default do_lower_case") != NULL, "%s",
      debug);
  g_free (debug);
  fail_unless_equals_int (warnings_at_ready ("bert-infer", "model", uncased, &debug), 0);
  bert_test_model_remove (cased);
  bert_test_model_remove (uncased);
  g_free (cased);
  g_free (uncased);
}

GST_END_TEST;

static Suite *
tokenizer_transformers5_suite (void)
{
  Suite *suite = suite_create ("tokenizer-transformers5");
  TCase *load = tcase_create ("load");

  suite_add_tcase (suite, load);
  tcase_add_test (load, test_bert_tokenizer_class_warns);
  tcase_add_test (load, test_generic_class_silent);
  tcase_add_test (load, test_bert_infer_cased_file_warns);
  return suite;
}

GST_CHECK_MAIN (tokenizer_transformers5);
