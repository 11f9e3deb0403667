/* test-model-faults.c: the engine and the tokenizer facing broken, hostile or changing files.
 *
 * Every test starts from a scratch copy of the tiny fixture model (tests/data/tiny-model)
 * and breaks one thing. Loading must fail with an error that names the file, never
 * crash, and must refuse absurd sizes before allocating: those tests run under an
 * address-space limit (RLIMIT_AS) so that an allocation sized from the input fails.
 */
#include <gst/check/gstcheck.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "faults-common.h"

static const char *const texts[] = { "hello world", "the quick brown fox jumped over the lazy dog" };

static void
write_file (const char *folder, const char *name, const char *contents, gsize length)
{
  char *path = g_build_filename (folder, name, NULL);

  fail_unless (g_file_set_contents (path, contents, (gssize) length, NULL));
  g_free (path);
}

static char *
read_fixture (const char *name, gsize *size)
{
  char *path = g_build_filename (FAULTS_FIXTURE_DIR, name, NULL);
  char *contents;

  fail_unless (g_file_get_contents (path, &contents, size, NULL), "cannot read %s", path);
  g_free (path);
  return contents;
}

/* The fixture's file name cut to each length in turn: every load must fail naming it. */
static void
assert_truncations_fail (const char *name, const char *contents, const gsize *cuts, guint n_cuts)
{
  char *folder = faults_copy_tiny_model ();

  for (guint i = 0; i < n_cuts; i++) {
    GError *error = NULL;
    BertModel *model;

    write_file (folder, name, contents, cuts[i]);
    model = bert_model_load (folder, &error);
    faults_assert_load_error (model, error, name);
    g_error_free (error);
  }
  faults_delete_model_copy (folder);
}

GST_START_TEST (test_truncated_weights_fail_cleanly)
{
  gsize size, header_end;
  char *weights = read_fixture ("model.safetensors", &size);
  guint64 header_length;

  memcpy (&header_length, weights, 8);
  header_end = 8 + GUINT64_FROM_LE (header_length);
  const gsize cuts[] = { 0, 7, 8, 100, header_end - 1, header_end, header_end + 4, size / 2, size - 1 };

  assert_truncations_fail ("model.safetensors", weights, cuts, G_N_ELEMENTS (cuts));
  g_free (weights);
}
GST_END_TEST;

GST_START_TEST (test_truncated_config_fails_cleanly)
{
  gsize size;
  char *config = read_fixture ("config.json", &size);
  const gsize cuts[] = { 0, 1, size / 2, size - 3 };

  assert_truncations_fail ("config.json", config, cuts, G_N_ELEMENTS (cuts));
  g_free (config);
}
GST_END_TEST;

GST_START_TEST (test_vocab_without_special_tokens_fails_cleanly)
{
  char *folder = faults_copy_tiny_model ();
  GError *error = NULL;
  BertModel *model;

  write_file (folder, "vocab.txt", "hello\nworld\n", strlen ("hello\nworld\n"));
  model = bert_model_load (folder, &error);
  faults_assert_load_error (model, error, "vocab.txt");
  g_error_free (error);
  faults_delete_model_copy (folder);
}
GST_END_TEST;

/* Each loop iteration makes one file of the model unreadable. */
static const char *const model_files[] = { "config.json", "model.safetensors", "vocab.txt" };

/* Runs in a child: root reads any file, so the child becomes nobody first (and the
 * parent, still root, can remove the scratch folder afterwards). */
static int
load_as_nobody (const char *folder, const char *file_name)
{
  GError *error = NULL;
  BertModel *model;

  if (!faults_become_unprivileged ()) {
    g_printerr ("cannot drop root privileges\n");
    return 77;
  }
  model = bert_model_load (folder, &error);
  if (model != NULL || error == NULL || strstr (error->message, file_name) == NULL) {
    g_printerr ("unreadable %s: %s\n", file_name, model ? "loaded" : error ? error->message : "no error");
    return 1;
  }
  g_printerr ("unreadable %s: %s\n", file_name, error->message);
  return 0;
}

GST_START_TEST (test_unreadable_file_fails_cleanly)
{
  const char *file_name = model_files[__i__];
  char *folder = faults_copy_tiny_model ();
  char *path = g_build_filename (folder, file_name, NULL);
  int status;
  pid_t child;

  fail_unless (g_chmod (path, 0) == 0);
  child = fork ();
  if (child == 0)
    _exit (load_as_nobody (folder, file_name));
  fail_unless (waitpid (child, &status, 0) == child);
  faults_delete_model_copy (folder);
  fail_unless (WIFEXITED (status), "the loader crashed on an unreadable %s (signal %d)", file_name,
      WIFSIGNALED (status) ? WTERMSIG (status) : 0);
  if (WEXITSTATUS (status) == 77)
    GST_WARNING ("skipped: cannot become an unprivileged user");
  else
    fail_unless (WEXITSTATUS (status) == 0, "no clean error for an unreadable %s", file_name);
  g_free (path);
}
GST_END_TEST;

/* Replacing a loaded model file the safe way (a new file renamed over it, or the old
 * one deleted) leaves the running model on the old file's inode: results unchanged. */
GST_START_TEST (test_weights_replaced_while_loaded)
{
  char *folder = faults_copy_tiny_model ();
  char *path = g_build_filename (folder, "model.safetensors", NULL);
  char *replacement = g_build_filename (folder, "model.safetensors.new", NULL);
  GError *error = NULL;
  BertModel *model = bert_model_load (folder, &error), *reloaded;
  BertEncoder *encoder;
  float *before, *after_rename, *after_unlink;
  char *garbage;

  fail_unless (model != NULL, "the fixture model does not load: %s", error ? error->message : "?");
  encoder = faults_new_cpu_encoder (model);
  before = faults_embed (model, encoder, texts, 2);

  garbage = g_malloc (model->weights_bytes);
  memset (garbage, 0x7f, model->weights_bytes);
  fail_unless (g_file_set_contents (replacement, garbage, model->weights_bytes, NULL));
  fail_unless (g_rename (replacement, path) == 0);
  after_rename = faults_embed (model, encoder, texts, 2);
  fail_unless (memcmp (before, after_rename, 2 * model->config.hidden_size * sizeof (float)) == 0,
      "embeddings changed after model.safetensors was replaced by rename");

  /* A new load sees the new (broken) file. */
  reloaded = bert_model_load (folder, &error);
  faults_assert_load_error (reloaded, error, "model.safetensors");
  g_clear_error (&error);

  fail_unless (g_unlink (path) == 0);
  after_unlink = faults_embed (model, encoder, texts, 2);
  fail_unless (memcmp (before, after_unlink, 2 * model->config.hidden_size * sizeof (float)) == 0,
      "embeddings changed after model.safetensors was deleted");

  bert_encoder_free (encoder);
  bert_model_unref (model);
  g_free (before);
  g_free (after_rename);
  g_free (after_unlink);
  g_free (garbage);
  g_free (replacement);
  g_free (path);
  faults_delete_model_copy (folder);
}
GST_END_TEST;

#define EXIT_RESULTS_CHANGED 3

/* Runs in a child: loads, truncates model.safetensors in place to nothing, runs again.
 * Exit 0: same embeddings; EXIT_RESULTS_CHANGED: different embeddings (silently wrong). */
static int
run_across_truncation (const char *folder)
{
  GError *error = NULL;
  BertModel *model = bert_model_load (folder, &error);
  BertEncoder *encoder = faults_new_cpu_encoder (model);
  float *before = faults_embed (model, encoder, texts, 2);
  char *path = g_build_filename (folder, "model.safetensors", NULL);
  float *after;
  int same;

  /* Die of the signal itself, not of a sanitizer's report of it. */
  signal (SIGBUS, SIG_DFL);
  if (truncate (path, 0) != 0)
    return 2;
  after = faults_embed (model, encoder, texts, 2);
  same = memcmp (before, after, 2 * model->config.hidden_size * sizeof (float)) == 0;
  g_printerr ("model.safetensors truncated while loaded: %s\n",
      same ? "results unchanged (weights no longer read from the file)" : "RESULTS CHANGED");
  return same ? 0 : EXIT_RESULTS_CHANGED;
}

/* The documented contract (docs/reliability.md): the weights are mapped, so truncating the
 * file in place while a model is loaded may kill the process with SIGBUS, like truncating
 * a running executable; it must never make the model return different numbers. */
GST_START_TEST (test_weights_truncated_in_place_never_give_wrong_results)
{
  char *folder = faults_copy_tiny_model ();
  int status;
  pid_t child = fork ();

  if (child == 0)
    _exit (run_across_truncation (folder));
  fail_unless (waitpid (child, &status, 0) == child);
  faults_delete_model_copy (folder);
  if (WIFSIGNALED (status)) {
    fail_unless (WTERMSIG (status) == SIGBUS, "killed by signal %d, expected SIGBUS", WTERMSIG (status));
    GST_INFO ("truncated in place: SIGBUS, as documented");
  } else {
    fail_unless (WIFEXITED (status));
    fail_if (WEXITSTATUS (status) == EXIT_RESULTS_CHANGED,
        "the model gave different results after its file was truncated");
    fail_unless (WEXITSTATUS (status) == 0, "the child failed with exit status %d", WEXITSTATUS (status));
  }
}
GST_END_TEST;

/* config.json edits (JSON objects whose members replace the fixture's) that describe
 * impossible or absurd models; each must be refused with an error naming config.json
 * or model.safetensors, within 64 MiB of address space. */
static const char *const absurd_edits[] = {
  "{\"hidden_size\": 1073741824}",
  "{\"hidden_size\": -8}",
  "{\"hidden_size\": 7}", /* not a multiple of num_attention_heads */
  "{\"num_attention_heads\": 0}",
  "{\"num_hidden_layers\": 1000000000}",
  "{\"num_hidden_layers\": 0}",
  "{\"intermediate_size\": 1000000000000}",
  "{\"max_position_embeddings\": 2147483647}",
  "{\"vocab_size\": 2147483647}",
  "{\"vocab_size\": 9223372036854775807}",
  "{\"type_vocab_size\": 4294967296}",
  "{\"layer_norm_eps\": -1}",
  "{\"hidden_size\": 8.5}",
  "{\"hidden_size\": \"8\"}",
  "{\"id2label\": {\"1000000000\": \"far\"}}",
  "{\"architectures\": [\"BertForSequenceClassification\"]}",
  /* Every size at the engine's limit: a 40 TB model, refused by its tensors' shapes. */
  "{\"hidden_size\": 16384, \"num_hidden_layers\": 256, \"num_attention_heads\": 16384, "
  "\"intermediate_size\": 65536, \"max_position_embeddings\": 65536, "
  "\"type_vocab_size\": 1024, \"vocab_size\": 10000000}",
};

static void
edit_config (const char *folder, const char *json_edit)
{
  char *path = g_build_filename (folder, "config.json", NULL);
  JsonParser *parser = json_parser_new ();
  JsonNode *edit = json_from_string (json_edit, NULL);
  JsonGenerator *generator = json_generator_new ();
  JsonObject *config;
  JsonObjectIter iter;
  const char *member;
  JsonNode *value;

  fail_unless (edit != NULL && JSON_NODE_HOLDS_OBJECT (edit), "bad test edit %s", json_edit);
  fail_unless (json_parser_load_from_file (parser, path, NULL));
  config = json_node_get_object (json_parser_get_root (parser));
  json_object_iter_init (&iter, json_node_get_object (edit));
  while (json_object_iter_next (&iter, &member, &value))
    json_object_set_member (config, member, json_node_copy (value));
  json_generator_set_root (generator, json_parser_get_root (parser));
  fail_unless (json_generator_to_file (generator, path, NULL));
  json_node_unref (edit);
  g_object_unref (generator);
  g_object_unref (parser);
  g_free (path);
}

GST_START_TEST (test_absurd_config_refused_before_allocating)
{
  const char *edit = absurd_edits[__i__];
  char *folder = faults_copy_tiny_model ();
  GError *error = NULL;
  BertModel *model;

  edit_config (folder, edit);
  faults_limit_address_space (64 << 20);
  model = bert_model_load (folder, &error);
  fail_unless (model == NULL, "config.json edited with %s loaded", edit);
  fail_unless (error != NULL && error->domain == BERT_ENGINE_ERROR);
  fail_unless (strstr (error->message, "config.json") != NULL
          || strstr (error->message, "model.safetensors") != NULL,
      "%s: the error names no file: %s", edit, error->message);
  GST_INFO ("%s: %s", edit, error->message);
  g_error_free (error);
  faults_delete_model_copy (folder);
}
GST_END_TEST;

/* A BERT of one layer over a sparse file: the header and the sizes are consistent, the
 * data is holes, so a model of gigabytes costs a few KB of disk. */
typedef struct {
  int vocab_size;
  int hidden_size;
  const char *dtype;
  int element_size;
} BigModel;

static void
append_tensor (GString *header, guint64 *offset, const BigModel *big, const char *name, guint64 rows,
    guint64 cols)
{
  guint64 bytes = rows * (cols ? cols : 1) * big->element_size;

  g_string_append_printf (header, "%s\"%s\":{\"dtype\":\"%s\",\"shape\":[%" G_GUINT64_FORMAT,
      *offset ? "," : "", name, big->dtype, rows);
  if (cols)
    g_string_append_printf (header, ",%" G_GUINT64_FORMAT, cols);
  g_string_append_printf (header, "],\"data_offsets\":[%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT "]}",
      *offset, *offset + bytes);
  *offset += bytes;
}

static void
write_sparse_big_model (const char *folder, const BigModel *big)
{
  static const char *const square[] = { "attention.self.query", "attention.self.key", "attention.self.value",
    "attention.output.dense" };
  static const char *const norms[] = { "embeddings.LayerNorm", "encoder.layer.0.attention.output.LayerNorm",
    "encoder.layer.0.output.LayerNorm" };
  guint64 hidden = big->hidden_size, intermediate = 4 * hidden, offset = 0, header_length;
  char *path = g_build_filename (folder, "model.safetensors", NULL);
  GString *header = g_string_new ("{");
  char *name, *edit;
  FILE *file;

  append_tensor (header, &offset, big, "embeddings.word_embeddings.weight", big->vocab_size, hidden);
  append_tensor (header, &offset, big, "embeddings.position_embeddings.weight", 32, hidden);
  append_tensor (header, &offset, big, "embeddings.token_type_embeddings.weight", 2, hidden);
  for (guint i = 0; i < G_N_ELEMENTS (norms); i++) {
    for (guint j = 0; j < 2; j++) {
      name = g_strdup_printf ("%s.%s", norms[i], j ? "bias" : "weight");
      append_tensor (header, &offset, big, name, hidden, 0);
      g_free (name);
    }
  }
  for (guint i = 0; i < G_N_ELEMENTS (square); i++) {
    for (guint j = 0; j < 2; j++) {
      name = g_strdup_printf ("encoder.layer.0.%s.%s", square[i], j ? "bias" : "weight");
      append_tensor (header, &offset, big, name, hidden, j ? 0 : hidden);
      g_free (name);
    }
  }
  append_tensor (header, &offset, big, "encoder.layer.0.intermediate.dense.weight", intermediate, hidden);
  append_tensor (header, &offset, big, "encoder.layer.0.intermediate.dense.bias", intermediate, 0);
  append_tensor (header, &offset, big, "encoder.layer.0.output.dense.weight", hidden, intermediate);
  append_tensor (header, &offset, big, "encoder.layer.0.output.dense.bias", hidden, 0);
  g_string_append_c (header, '}');

  header_length = GUINT64_TO_LE ((guint64) header->len);
  file = fopen (path, "wb");
  fail_unless (file != NULL);
  fail_unless (fwrite (&header_length, 8, 1, file) == 1);
  fail_unless (fwrite (header->str, 1, header->len, file) == header->len);
  fail_unless (ftruncate (fileno (file), 8 + header->len + offset) == 0);
  fclose (file);

  edit = g_strdup_printf ("{\"vocab_size\": %d, \"hidden_size\": %d, \"intermediate_size\": %d, "
                          "\"num_hidden_layers\": 1}",
      big->vocab_size, big->hidden_size, 4 * big->hidden_size);
  edit_config (folder, edit);
  g_free (edit);
  g_string_free (header, TRUE);
  g_free (path);
}

/* Each model needs more than the 1 GiB of address space the test allows: 8 GiB of F32
 * weights do not map; 512 MiB of F16 weights map but their F32 copies do not fit. */
static const BigModel big_models[] = {
  { 1 << 20, 2048, "F32", 4 },
  { 1 << 18, 1024, "F16", 2 },
};

GST_START_TEST (test_model_bigger_than_memory_fails_cleanly)
{
  const BigModel *big = &big_models[__i__];
  char *folder = faults_copy_tiny_model ();
  GError *error = NULL;
  BertModel *model;

  write_sparse_big_model (folder, big);
  if (!faults_limit_address_space (1u << 30)) {
    GST_WARNING ("skipped under AddressSanitizer: the limit is what this test is about");
    faults_delete_model_copy (folder);
    return;
  }
  model = bert_model_load (folder, &error);
  if (model != NULL) {
    BertEncoderOptions options;
    BertEncoder *encoder;

    bert_encoder_options_init (&options);
    options.device = BERT_DEVICE_CPU;
    encoder = bert_encoder_new (model, &options, &error);
    fail_unless (encoder == NULL, "a %s model of %d x %d made an encoder within 1 GiB", big->dtype,
        big->vocab_size, big->hidden_size);
    bert_model_unref (model);
  }
  fail_unless (error != NULL && error->domain == BERT_ENGINE_ERROR, "no engine error");
  GST_INFO ("%s model, %d x %d, in 1 GiB of address space: %s", big->dtype, big->vocab_size, big->hidden_size,
      error->message);
  g_error_free (error);
  faults_delete_model_copy (folder);
}
GST_END_TEST;

#define TEN_MILLION 10000000

static char *
write_ten_million_line_vocab (void)
{
  char *path = g_build_filename (g_get_tmp_dir (), "gst-bert-faults-vocab-XXXXXX", NULL);
  int fd = g_mkstemp (path);
  FILE *file = fdopen (fd, "w");
  const char *const specials[] = { "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]" };

  fail_unless (file != NULL);
  for (guint i = 0; i < G_N_ELEMENTS (specials); i++)
    fprintf (file, "%s\n", specials[i]);
  for (guint i = G_N_ELEMENTS (specials); i < TEN_MILLION; i++)
    fprintf (file, "w%u\n", i);
  fail_unless (fclose (file) == 0);
  return path;
}

/* Ten million entries (the engine's BERT_MAX_VOCAB): loads within 3 GiB of address
 * space and tokenizes with its last entries, or fails with an error naming the file. */
GST_START_TEST (test_ten_million_line_vocab)
{
  const BertNormalizerOptions options = { TRUE, TRUE, TRUE, -1, 512 };
  char *path = write_ten_million_line_vocab ();
  GError *error = NULL;
  BertTokenizer *tokenizer;
  gint64 start = g_get_monotonic_time ();

  faults_limit_address_space (3u << 30);
  tokenizer = bert_tokenizer_new_from_vocab_file (path, &options, &error);
  g_printerr ("10-million-line vocab: %s in %.1f s, peak RSS %.0f MiB\n",
      tokenizer ? "loaded" : error->message, (g_get_monotonic_time () - start) / 1e6, faults_peak_rss_mib ());
  if (tokenizer != NULL) {
    BertEncoding encoding;
    char text[32];

    fail_unless_equals_int (bert_tokenizer_get_vocab_size (tokenizer), TEN_MILLION);
    g_snprintf (text, sizeof text, "w%u w5", TEN_MILLION - 1);
    bert_encoding_init (&encoding);
    bert_tokenizer_encode (tokenizer, text, strlen (text), 0, &encoding);
    fail_unless_equals_int (encoding.n_tokens, 4);
    fail_unless_equals_int (encoding.ids[1], TEN_MILLION - 1);
    fail_unless_equals_int (encoding.ids[2], 5);
    bert_encoding_clear (&encoding);
    bert_tokenizer_free (tokenizer);
  } else {
    faults_assert_load_error (tokenizer, error, path);
    g_error_free (error);
  }
  g_unlink (path);
  g_free (path);
}
GST_END_TEST;

static Suite *
model_faults_suite (void)
{
  Suite *suite = suite_create ("model-faults");
  TCase *files = tcase_create ("files");
  TCase *sizes = tcase_create ("sizes");

  suite_add_tcase (suite, files);
  tcase_add_test (files, test_truncated_weights_fail_cleanly);
  tcase_add_test (files, test_truncated_config_fails_cleanly);
  tcase_add_test (files, test_vocab_without_special_tokens_fails_cleanly);
  tcase_add_loop_test (files, test_unreadable_file_fails_cleanly, 0, G_N_ELEMENTS (model_files));
  tcase_add_test (files, test_weights_replaced_while_loaded);
  tcase_add_test (files, test_weights_truncated_in_place_never_give_wrong_results);

  suite_add_tcase (suite, sizes);
  tcase_set_timeout (sizes, 120);
  tcase_add_loop_test (sizes, test_absurd_config_refused_before_allocating, 0, G_N_ELEMENTS (absurd_edits));
  tcase_add_loop_test (sizes, test_model_bigger_than_memory_fails_cleanly, 0, G_N_ELEMENTS (big_models));
  tcase_add_test (sizes, test_ten_million_line_vocab);
  return suite;
}

GST_CHECK_MAIN (model_faults);
