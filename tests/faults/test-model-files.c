/* test-model-files.c: a model folder whose files are not plain files, or whose names and
 * numbers the loader cannot print as they are.
 *
 * A named pipe must not block the load, a link to /dev/zero must not be read forever,
 * and every refusal names the file and the real cause in valid UTF-8. Weights that are
 * NaN or infinite are refused too. Each test runs
 * in its own process under a timeout, so a blocking open fails it instead of hanging.
 */
#include <gst/check/gstcheck.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "faults-common.h"

/* Every file the loader reads from the tiny fixture folder. */
static const char *const model_files[] = { "config.json", "model.safetensors", "modules.json", "vocab.txt",
  "tokenizer_config.json", "sentence_bert_config.json", "1_Pooling/config.json" };

typedef void (*ReplaceFile) (const char *path);

static void
replace_by_named_pipe (const char *path)
{
  fail_unless (mkfifo (path, 0644) == 0);
}

static void
replace_by_dev_zero (const char *path)
{
  fail_unless (symlink ("/dev/zero", path) == 0);
}

static void
replace_by_folder (const char *path)
{
  fail_unless (g_mkdir (path, 0755) == 0);
}

static void
replace_by_link_loop (const char *path)
{
  fail_unless (symlink (path, path) == 0);
}

/* Replaces one file of a fresh copy of the fixture, loads the copy and checks that the
 * load fails naming the file and the cause. */
static void
assert_replaced_file_refused (const char *file_name, ReplaceFile replace, const char *cause)
{
  char *folder = faults_copy_tiny_model ();
  char *path = g_build_filename (folder, file_name, NULL);
  GError *error = NULL;
  BertModel *model;

  /* tokenizer.json is not in the fixture: it is added. */
  fail_unless (g_unlink (path) == 0 || errno == ENOENT);
  replace (path);
  faults_limit_address_space (64 << 20);
  model = bert_model_load (folder, &error);
  faults_assert_load_error (model, error, file_name);
  fail_unless (strstr (error->message, cause) != NULL, "%s: the error does not say '%s': %s", file_name,
      cause, error->message);
  g_error_free (error);
  g_free (path);
  faults_delete_model_copy (folder);
}

GST_START_TEST (test_named_pipe_refused_without_blocking)
{
  assert_replaced_file_refused (model_files[__i__], replace_by_named_pipe,
      "a named pipe, not a regular file");
}
GST_END_TEST;

GST_START_TEST (test_link_to_dev_zero_refused_without_reading)
{
  assert_replaced_file_refused (model_files[__i__], replace_by_dev_zero,
      "a character device, not a regular file");
}
GST_END_TEST;

GST_START_TEST (test_folder_instead_of_file_named_as_folder)
{
  assert_replaced_file_refused (model_files[__i__], replace_by_folder, "a folder, not a regular file");
}
GST_END_TEST;

GST_START_TEST (test_link_loop_named_as_loop)
{
  assert_replaced_file_refused (model_files[__i__], replace_by_link_loop, "a loop of symbolic links");
}
GST_END_TEST;

/* tokenizer.json takes precedence over vocab.txt: one that cannot be read is an error,
 * not a reason to fall back silently to vocab.txt. */
GST_START_TEST (test_unreadable_tokenizer_json_not_skipped)
{
  static const ReplaceFile replacements[] = { replace_by_folder, replace_by_link_loop,
    replace_by_named_pipe };
  static const char *const causes[] = { "a folder", "a loop of symbolic links", "a named pipe" };

  assert_replaced_file_refused ("tokenizer.json", replacements[__i__], causes[__i__]);
}
GST_END_TEST;

static void
write_file (const char *folder, const char *name, const char *contents)
{
  char *path = g_build_filename (folder, name, NULL);

  fail_unless (g_file_set_contents (path, contents, -1, NULL));
  g_free (path);
}

/* A folder named in Latin-1, as an old archive or a USB stick may have it. */
GST_START_TEST (test_non_utf8_folder_name_gives_utf8_message)
{
  char *copy = faults_copy_tiny_model ();
  char *folder = g_strconcat (copy, "-caf\xe9", NULL);
  char *missing = g_strconcat (copy, "-absent-\xff", NULL);
  GError *error = NULL;

  fail_unless (g_rename (copy, folder) == 0);
  write_file (folder, "config.json", "{");
  fail_unless (bert_model_load (folder, &error) == NULL);
  fail_unless (g_utf8_validate (error->message, -1, NULL), "not UTF-8: %s", error->message);
  fail_unless (strstr (error->message, "config.json") != NULL, "%s", error->message);
  g_clear_error (&error);

  write_file (folder, "vocab.txt", "");
  fail_unless (bert_tokenizer_new_from_path (folder, &error) == NULL);
  fail_unless (g_utf8_validate (error->message, -1, NULL), "not UTF-8: %s", error->message);
  g_clear_error (&error);

  fail_unless (bert_model_load_shared (missing, &error) == NULL);
  fail_unless (g_utf8_validate (error->message, -1, NULL), "not UTF-8: %s", error->message);
  g_clear_error (&error);

  fail_unless (g_rename (folder, copy) == 0);
  faults_delete_model_copy (copy);
  g_free (folder);
  g_free (missing);
}
GST_END_TEST;

/* json-glib reads 99999999999999999999 as -1: the error must show the number written.
 * (tokenizer_config.json is not checked: Hugging Face writes 10^30 there for "no limit",
 * which the tokenizer reads so.)
 * Each edit replaces one member of the fixture's file, the rest staying valid. */
static const char *const huge_integer_edits[][3] = {
  { "config.json", "\"vocab_size\": 167", "\"vocab_size\": 99999999999999999999" },
  { "sentence_bert_config.json", "\"max_seq_length\": 24", "\"max_seq_length\": 18446744073709551616" },
  { "config.json", "\"num_hidden_layers\": 1", "\"num_hidden_layers\": -9223372036854775809" },
};

static void
edit_file (const char *folder, const char *name, const char *old_text, const char *new_text)
{
  char *path = g_build_filename (folder, name, NULL), *contents, **parts, *edited;

  fail_unless (g_file_get_contents (path, &contents, NULL, NULL));
  parts = g_strsplit (contents, old_text, 2);
  fail_unless (g_strv_length (parts) == 2, "%s has no %s", name, old_text);
  edited = g_strjoin (new_text, parts[0], parts[1], NULL);
  fail_unless (g_file_set_contents (path, edited, -1, NULL));
  g_strfreev (parts);
  g_free (edited);
  g_free (contents);
  g_free (path);
}

GST_START_TEST (test_huge_integer_named_as_written)
{
  const char *file_name = huge_integer_edits[__i__][0], *new_text = huge_integer_edits[__i__][2];
  const char *number = strchr (new_text, ':') + 2;
  char *folder = faults_copy_tiny_model ();
  char *literal = g_strndup (number, strcspn (number, ","));
  GError *error = NULL;
  BertModel *model;

  edit_file (folder, file_name, huge_integer_edits[__i__][1], new_text);
  model = bert_model_load (folder, &error);
  faults_assert_load_error (model, error, file_name);
  fail_unless (strstr (error->message, literal) != NULL, "%s: the error does not show %s: %s", file_name,
      literal, error->message);
  g_error_free (error);
  g_free (literal);
  faults_delete_model_copy (folder);
}
GST_END_TEST;

/* Overwrites the first value of a tensor of the fixture's (F32) model.safetensors. */
static void
poison_tensor (const char *folder, const char *tensor, guint32 bits)
{
  char *path = g_build_filename (folder, "model.safetensors", NULL), *contents;
  JsonParser *parser = json_parser_new ();
  guint64 header_length;
  gsize size;
  JsonArray *offsets;

  fail_unless (g_file_get_contents (path, &contents, &size, NULL));
  memcpy (&header_length, contents, 8);
  header_length = GUINT64_FROM_LE (header_length);
  fail_unless (json_parser_load_from_data (parser, contents + 8, header_length, NULL));
  offsets = json_object_get_array_member (json_object_get_object_member (json_node_get_object (
                                                                             json_parser_get_root (parser)),
                                              tensor),
      "data_offsets");
  memcpy (contents + 8 + header_length + json_array_get_int_element (offsets, 0), &bits, 4);
  fail_unless (g_file_set_contents (path, contents, size, NULL));
  g_object_unref (parser);
  g_free (contents);
  g_free (path);
}

static const guint32 non_finite_floats[] = { 0x7fc00000u /* NaN */, 0x7f800000u /* +inf */,
  0xff800000u /* -inf */ };

/* A NaN weight turns every embedding into NaN: refused at load, naming the tensor. */
GST_START_TEST (test_non_finite_weight_refused)
{
  const char *tensor = "encoder.layer.0.intermediate.dense.weight";
  char *folder = faults_copy_tiny_model ();
  GError *error = NULL;
  BertModel *model;

  poison_tensor (folder, tensor, non_finite_floats[__i__]);
  model = bert_model_load (folder, &error);
  faults_assert_load_error (model, error, "model.safetensors");
  fail_unless (strstr (error->message, tensor) != NULL && strstr (error->message, "NaN or infinite"),
      "the error does not name the tensor and the cause: %s", error->message);
  g_error_free (error);
  faults_delete_model_copy (folder);
}
GST_END_TEST;

static Suite *
model_files_suite (void)
{
  Suite *suite = suite_create ("model-files");
  TCase *special = tcase_create ("special-files");
  TCase *messages = tcase_create ("messages");
  const int n_files = G_N_ELEMENTS (model_files);

  suite_add_tcase (suite, special);
  /* A blocking open is a hang: fail it within seconds. */
  tcase_set_timeout (special, 20);
  tcase_add_loop_test (special, test_named_pipe_refused_without_blocking, 0, n_files);
  tcase_add_loop_test (special, test_link_to_dev_zero_refused_without_reading, 0, n_files);
  tcase_add_loop_test (special, test_folder_instead_of_file_named_as_folder, 0, n_files);
  tcase_add_loop_test (special, test_link_loop_named_as_loop, 0, n_files);
  tcase_add_loop_test (special, test_unreadable_tokenizer_json_not_skipped, 0, 3);

  suite_add_tcase (suite, messages);
  tcase_add_test (messages, test_non_utf8_folder_name_gives_utf8_message);
  tcase_add_loop_test (messages, test_huge_integer_named_as_written, 0, G_N_ELEMENTS (huge_integer_edits));
  tcase_add_loop_test (messages, test_non_finite_weight_refused, 0, G_N_ELEMENTS (non_finite_floats));
  return suite;
}

GST_CHECK_MAIN (model_files);
