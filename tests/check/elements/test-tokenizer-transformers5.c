/* test-tokenizer-transformers5.c: the tokenizer element posts the loader's warning where
 * transformers 5 would build another tokenizer from its folder (bert_transformers5.h), and
 * nothing where it would build the same.
 *
 * The folders are made here from the tutorial WordPiece fixture (tests/tokenizer/data).
 */
#include <gst/check/gstcheck.h>
#include <glib/gstdio.h>
#include <string.h>

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

/* The WARNING messages the tokenizer posts when it loads FOLDER (at READY); the first's
 * debug text in *DEBUG. */
static guint
warnings_at_ready (const gchar *folder, gchar **debug)
{
  GstElement *element = gst_element_factory_make ("tokenizer", NULL);
  GstBus *bus = gst_bus_new ();
  GstMessage *message;
  guint count = 0;

  fail_unless (element != NULL, "no tokenizer element: is GST_PLUGIN_PATH set?");
  g_object_set (element, "vocab", folder, NULL);
  gst_element_set_bus (element, bus);
  fail_unless_equals_int (gst_element_set_state (element, GST_STATE_READY), GST_STATE_CHANGE_SUCCESS);
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

  fail_unless_equals_int (warnings_at_ready (folder, &debug), 1);
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

  fail_unless_equals_int (warnings_at_ready (folder, &debug), 0);
  remove_folder (folder);
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
  return suite;
}

GST_CHECK_MAIN (tokenizer_transformers5);
