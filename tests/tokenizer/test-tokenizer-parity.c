/* test-tokenizer-parity: exact agreement with Hugging Face tokenizers on the shared reference.
 *
 * For every $GST_BERT_SHARED_DIR/reference/tokenizer/NAME.jsonl (made with the Rust library:
 * ids, type_ids and code-point offsets per input), loads the folder tokenizers/NAME/ and
 * compares every token, offsets converted to bytes. Then loads the same tokenizer a second
 * way, from its vocab.txt with the options of its tokenizer.json, and checks both agree.
 * Skips (exit 77) when the shared folder is absent.
 */
#include "bert_tokenizer.h"
#include "tokenizer_test_support.h"

#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>

#define SKIP_STATUS 77

static const char *shared_dir;

/* Byte offset of every code-point index of text, and of its end. */
static GArray *
byte_positions (const char *text)
{
  GArray *positions = g_array_new (FALSE, FALSE, sizeof (uint32_t));
  uint32_t at = 0;
  g_array_append_val (positions, at);
  for (const char *c = text; *c; c = g_utf8_next_char (c)) {
    at = (uint32_t) (g_utf8_next_char (c) - text);
    g_array_append_val (positions, at);
  }
  return positions;
}

static int64_t
int_at (JsonArray *array, guint index)
{
  return json_array_get_int_element (array, index);
}

static void
check_reference_line (const BertTokenizer *tokenizer, JsonObject *line, guint line_number,
    BertEncoding *encoding)
{
  const char *text = json_object_get_string_member (line, "text");
  JsonArray *ids = json_object_get_array_member (line, "ids");
  JsonArray *type_ids = json_object_get_array_member (line, "type_ids");
  JsonArray *offsets = json_object_get_array_member (line, "offsets");
  GArray *positions = byte_positions (text);

  bert_tokenizer_encode (tokenizer, text, strlen (text), G_MAXUINT, encoding);
  if (encoding->n_tokens != json_array_get_length (ids)) {
    g_test_fail_printf ("line %u (%s): %u tokens, the reference has %u", line_number, text,
        encoding->n_tokens, json_array_get_length (ids));
    g_array_free (positions, TRUE);
    return;
  }
  for (guint i = 0; i < encoding->n_tokens; i++) {
    JsonArray *span = json_array_get_array_element (offsets, i);
    uint32_t start = g_array_index (positions, uint32_t, int_at (span, 0));
    uint32_t end = g_array_index (positions, uint32_t, int_at (span, 1));
    if (encoding->ids[i] != int_at (ids, i) || encoding->type_ids[i] != int_at (type_ids, i)
        || encoding->offsets[2 * i] != start || encoding->offsets[2 * i + 1] != end)
      g_test_fail_printf ("line %u (%s), token %u: id %d type %d [%u, %u), the reference has id %d type %d "
                          "[%u, %u)",
          line_number, text, i, encoding->ids[i], encoding->type_ids[i], encoding->offsets[2 * i],
          encoding->offsets[2 * i + 1], (int) int_at (ids, i), (int) int_at (type_ids, i), start, end);
  }
  g_array_free (positions, TRUE);
}

static GPtrArray *
read_reference (const char *path)
{
  char *contents;
  GError *error = NULL;
  GPtrArray *lines = g_ptr_array_new_with_free_func (g_object_unref);

  if (!g_file_get_contents (path, &contents, NULL, &error))
    g_error ("%s", error->message);
  char **rows = g_strsplit (contents, "\n", -1);
  for (guint i = 0; rows[i] && rows[i][0]; i++) {
    JsonParser *parser = json_parser_new ();
    if (!json_parser_load_from_data (parser, rows[i], -1, &error))
      g_error ("%s: line %u: %s", path, i + 1, error->message);
    g_ptr_array_add (lines, parser);
  }
  g_strfreev (rows);
  g_free (contents);
  return lines;
}

static JsonObject *
reference_line (GPtrArray *lines, guint i)
{
  return json_node_get_object (json_parser_get_root (g_ptr_array_index (lines, i)));
}

/* The vocab.txt of a tokenizer folder; uncased-vocab-cased-rules has none of its own and,
 * as its README says, uses all-MiniLM-L6-v2's. */
static char *
vocab_txt_of (const char *name)
{
  char *path = g_build_filename (shared_dir, "tokenizers", name, "vocab.txt", NULL);
  if (g_file_test (path, G_FILE_TEST_EXISTS))
    return path;
  g_free (path);
  return g_build_filename (shared_dir, "tokenizers", "all-MiniLM-L6-v2", "vocab.txt", NULL);
}

static void
check_same_encoding (const BertTokenizer *a, const BertTokenizer *b, const char *text)
{
  BertEncoding from_a, from_b;
  bert_encoding_init (&from_a);
  bert_encoding_init (&from_b);
  bert_tokenizer_encode (a, text, strlen (text), G_MAXUINT, &from_a);
  bert_tokenizer_encode (b, text, strlen (text), G_MAXUINT, &from_b);
  g_assert_cmpmem (from_a.ids, from_a.n_tokens * 4, from_b.ids, from_b.n_tokens * 4);
  g_assert_cmpmem (from_a.offsets, from_a.n_tokens * 8, from_b.offsets, from_b.n_tokens * 8);
  bert_encoding_clear (&from_a);
  bert_encoding_clear (&from_b);
}

static void
test_reference (gconstpointer data)
{
  const char *name = data;
  char *reference = g_strdup_printf ("%s/reference/tokenizer/%s.jsonl", shared_dir, name);
  char *folder = g_build_filename (shared_dir, "tokenizers", name, NULL);
  char *json_path = g_build_filename (folder, "tokenizer.json", NULL);
  char *vocab_path = vocab_txt_of (name);
  GPtrArray *lines = read_reference (reference);
  BertTokenizer *from_folder = tokenizer_load_path (folder), *from_json = tokenizer_load_path (json_path);
  BertNormalizerOptions options = *bert_tokenizer_get_options (from_json);
  GError *error = NULL;
  BertTokenizer *from_vocab = bert_tokenizer_new_from_vocab_file (vocab_path, &options, &error);
  BertEncoding encoding;

  g_assert_no_error (error);
  g_assert_cmpuint (lines->len, >, 0);
  bert_encoding_init (&encoding);
  for (guint i = 0; i < lines->len; i++) {
    check_reference_line (from_folder, reference_line (lines, i), i + 1, &encoding);
    const char *text = json_object_get_string_member (reference_line (lines, i), "text");
    check_same_encoding (from_json, from_folder, text);
    check_same_encoding (from_vocab, from_folder, text);
  }
  g_test_message ("%s: %u reference lines identical", name, lines->len);
  bert_encoding_clear (&encoding);
  bert_tokenizer_free (from_folder);
  bert_tokenizer_free (from_json);
  bert_tokenizer_free (from_vocab);
  g_ptr_array_unref (lines);
  g_free (reference);
  g_free (folder);
  g_free (json_path);
  g_free (vocab_path);
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  shared_dir = g_getenv ("GST_BERT_SHARED_DIR");
  char *reference_dir = shared_dir ? g_build_filename (shared_dir, "reference", "tokenizer", NULL) : NULL;
  GDir *dir = reference_dir ? g_dir_open (reference_dir, 0, NULL) : NULL;
  if (dir == NULL) {
    printf ("SKIP: %s not found (set GST_BERT_SHARED_DIR to the shared data folder)\n",
        reference_dir ? reference_dir : "$GST_BERT_SHARED_DIR/reference/tokenizer");
    g_free (reference_dir);
    return SKIP_STATUS;
  }

  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  const char *file;
  while ((file = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (file, ".jsonl"))
      g_ptr_array_add (names, g_strndup (file, strlen (file) - strlen (".jsonl")));
  g_dir_close (dir);
  g_ptr_array_sort (names, compare_names);
  test_add_per_name ("/tokenizer/parity", (const char *const *) names->pdata, names->len, test_reference);
  int status = g_test_run ();
  g_ptr_array_unref (names);
  g_free (reference_dir);
  return status;
}
