/* The length limit of a model folder (bert_max_length.h), read as sentence-transformers 6.3
 * reads it; the cases tests/engine/test-settings-elements.py checks against
 * sentence-transformers itself, here on the reader alone.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "bert_max_length.h"
#include "bert_tokenizer.h"
#include "tokenizer_test_support.h"

static char *scratch_dir;

static const char *bert_config = "{\"model_type\": \"bert\", \"max_position_embeddings\": 24}";
static const char *roberta_config = "{\"model_type\": \"roberta\", \"max_position_embeddings\": 26, "
                                    "\"pad_token_id\": 1}";

/* A folder holding the files given (NULL: absent). */
static char *
folder_new (const char *config, const char *tokenizer_config, const char *sbert)
{
  static int n;
  char *folder = g_strdup_printf ("%s/folder-%d", scratch_dir, n++);
  const char *names[] = { "config.json", "tokenizer_config.json", "sentence_bert_config.json" };
  const char *contents[] = { config, tokenizer_config, sbert };

  g_assert_cmpint (g_mkdir_with_parents (folder, 0700), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++) {
    char *path = g_build_filename (folder, names[i], NULL);

    if (contents[i] != NULL)
      g_assert_true (g_file_set_contents (path, contents[i], -1, NULL));
    g_free (path);
  }
  return folder;
}

/* Reads the folder; max_length and whether a warning naming warned comes (NULL: none). */
static void
check_limit (const char *config, const char *tokenizer_config, const char *sbert, guint max_length,
    const char *warned)
{
  char *folder = folder_new (config, tokenizer_config, sbert);
  BertMaxLength length;
  GError *error = NULL;

  g_assert_true (bert_max_length_read (folder, &length, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (length.max_length, ==, max_length);
  if (warned == NULL) {
    g_assert_null (length.warning);
  } else {
    g_assert_nonnull (length.warning);
    g_assert_nonnull (strstr (length.warning, warned));
    g_assert_nonnull (strstr (length.warning, "gst-bert truncates at"));
  }
  bert_max_length_clear (&length);
  g_free (folder);
}

static void
check_error (const char *tokenizer_config, const char *sbert, const char *file, const char *fragment)
{
  char *folder = folder_new (bert_config, tokenizer_config, sbert);
  BertMaxLength length;
  GError *error = NULL;

  g_assert_false (bert_max_length_read (folder, &length, &error));
  g_assert_error (error, BERT_TOKENIZER_ERROR, BERT_TOKENIZER_ERROR_FORMAT);
  if (strstr (error->message, file) == NULL || strstr (error->message, fragment) == NULL)
    g_error ("the error names not %s and %s: %s", file, fragment, error->message);
  g_error_free (error);
  g_free (folder);
}

/* tokenizer_config.json's model_max_length, capped at max_position_embeddings; transformers'
 * "no limit" (absent, null, 1e30, int(1e30) past 64 bits, anything past 1e20) leaves the
 * positions. */
static void
test_model_max_length (void)
{
  check_limit (bert_config, NULL, NULL, 24, NULL);
  check_limit (bert_config, "{\"model_max_length\": null}", NULL, 24, NULL);
  check_limit (bert_config, "{\"model_max_length\": 12}", NULL, 12, NULL);
  check_limit (bert_config, "{\"model_max_length\": 24}", NULL, 24, NULL);
  check_limit (bert_config, "{\"model_max_length\": 40}", NULL, 24, NULL);
  check_limit (bert_config, "{\"model_max_length\": 1e30}", NULL, 24, NULL);
  check_limit (bert_config, "{\"model_max_length\": 1000000000000000019884624838656}", NULL, 24, NULL);
  check_limit (bert_config, "{\"model_max_length\": 1000000000}", NULL, 24, NULL);
  /* a float is capped to the positions' integer by sentence-transformers' min () */
  check_limit (bert_config, "{\"model_max_length\": 40.0}", NULL, 24, NULL);
  /* an old folder's max_len, where model_max_length is absent (transformers 5.25: 16; with
   * model_max_length 20, 20; with model_max_length null, no limit) */
  check_limit (bert_config, "{\"max_len\": 16}", NULL, 16, NULL);
  check_limit (bert_config, "{\"max_len\": 16, \"model_max_length\": 20}", NULL, 20, NULL);
  check_limit (bert_config, "{\"max_len\": 16, \"model_max_length\": null}", NULL, 24, NULL);
  /* without config.json: the folder's own limit, or none */
  check_limit (NULL, "{\"model_max_length\": 300}", NULL, 300, NULL);
  check_limit (NULL, "{\"model_max_length\": 1e30}", NULL, 0, NULL);
  check_limit (NULL, NULL, NULL, 0, NULL);
}

/* sentence_bert_config.json's max_seq_length wins, as it is: sentence-transformers does not
 * cap it; past the positions gst-bert does, and says so. */
static void
test_max_seq_length (void)
{
  check_limit (bert_config, "{\"model_max_length\": 20}", "{\"max_seq_length\": 10}", 10, NULL);
  check_limit (bert_config, "{\"model_max_length\": 10}", "{\"max_seq_length\": 20}", 20, NULL);
  check_limit (bert_config, "{\"model_max_length\": 12}", "{\"max_seq_length\": null}", 12, NULL);
  /* model_max_length is then not read at all */
  check_limit (bert_config, "{\"model_max_length\": \"16\"}", "{\"max_seq_length\": 10}", 10, NULL);
  check_limit (bert_config, NULL, "{\"max_seq_length\": 40}", 24, "max_seq_length 40");
  check_limit (bert_config, "{\"model_max_length\": 12}", "{\"max_seq_length\": 40}", 24,
      "max_seq_length 40");
}

/* RoBERTa's table counts pad_token_id + 1 rows no token uses: sentence-transformers' limit
 * of max_position_embeddings (26) is 2 past the 24 positions. */
static void
test_roberta_offset (void)
{
  check_limit (roberta_config, "{\"model_max_length\": 24}", NULL, 24, NULL);
  check_limit (roberta_config, "{\"model_max_length\": 20}", NULL, 20, NULL);
  check_limit (roberta_config, NULL, NULL, 24, "max_position_embeddings 26");
  check_limit (roberta_config, "{\"model_max_length\": 1e30}", NULL, 24, "max_position_embeddings 26");
  check_limit (roberta_config, "{\"model_max_length\": 25}", NULL, 24, "model_max_length 25");
  check_limit (roberta_config, NULL, "{\"max_seq_length\": 26}", 24, "max_seq_length 26");
}

/* MPNet numbers positions from 2 whatever pad_token_id says: its table (258) has 256
 * positions, the limit where no setting gives a smaller one. */
static void
test_mpnet_offset (void)
{
  const char *mpnet_config = "{\"model_type\": \"mpnet\", \"max_position_embeddings\": 258, "
                             "\"pad_token_id\": 7}";

  check_limit (mpnet_config, NULL, NULL, 256, "max_position_embeddings 258");
  check_limit (mpnet_config, "{\"model_max_length\": 257}", NULL, 256, "model_max_length 257");
  check_limit (mpnet_config, "{\"model_max_length\": 512}", NULL, 256, "max_position_embeddings 258");
  check_limit (mpnet_config, "{\"model_max_length\": 256}", NULL, 256, NULL);
  check_limit (mpnet_config, NULL, "{\"max_seq_length\": 128}", 128, NULL);
}

/* sentence-transformers' older module file names, and the tokenizer kwargs of the module
 * file, which it hands the tokenizer over max_seq_length (tokenizer_args over
 * processor_kwargs), uncapped. */
static void
test_module_file (void)
{
  const struct {
    const char *name, *text;
    guint max_length;
    const char *warned;
  } cases[] = {
    { "sentence_roberta_config.json", "{\"max_seq_length\": 10}", 10, NULL },
    { "sentence_xlm-roberta_config.json", "{\"max_seq_length\": 11}", 11, NULL },
    { "sentence_bert_config.json",
        "{\"max_seq_length\": 20, \"processor_kwargs\": {\"model_max_length\": 10}}", 10, NULL },
    { "sentence_bert_config.json",
        "{\"tokenizer_args\": {\"model_max_length\": 12}, \"processor_kwargs\": {\"model_max_length\": 10}}",
        12, NULL },
    { "sentence_bert_config.json", "{\"max_seq_length\": 20, \"tokenizer_args\": {\"model_max_length\": 40}}",
        24, "tokenizer_args's model_max_length 40" },
    { "sentence_bert_config.json",
        "{\"max_seq_length\": 20, \"tokenizer_args\": {\"model_max_length\": null}}", 24, "sets no limit" },
    { "sentence_bert_config.json", "{\"tokenizer_args\": {\"do_lower_case\": true}, \"max_seq_length\": 9}",
        9, NULL },
    /* tokenizer_args replace processor_kwargs whole */
    { "sentence_bert_config.json",
        "{\"tokenizer_args\": {}, \"processor_kwargs\": {\"model_max_length\": 10}, \"max_seq_length\": 9}",
        9, NULL },
    { "sentence_bert_config.json", "{\"max_seq_length\": 1e30}", 24, "max_seq_length sets no limit" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    char *folder = folder_new (bert_config, "{\"model_max_length\": 16}", NULL);
    char *path = g_build_filename (folder, cases[i].name, NULL);
    BertMaxLength length;
    GError *error = NULL;

    g_assert_true (g_file_set_contents (path, cases[i].text, -1, NULL));
    g_assert_true (bert_max_length_read (folder, &length, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (length.max_length, ==, cases[i].max_length);
    if (cases[i].warned == NULL)
      g_assert_null (length.warning);
    else if (length.warning == NULL || strstr (length.warning, cases[i].warned) == NULL)
      g_error ("case %u: the warning lacks '%s': %s", i, cases[i].warned, length.warning);
    bert_max_length_clear (&length);
    g_free (path);
    g_free (folder);
  }
}

static void
test_malformed (void)
{
  check_error ("{\"model_max_length\": \"16\"}", NULL, "tokenizer_config.json",
      "'model_max_length' is not a number");
  check_error ("{\"model_max_length\": 0}", NULL, "tokenizer_config.json", "'model_max_length' is 0");
  check_error ("{\"model_max_length\": -5}", NULL, "tokenizer_config.json", "'model_max_length' is -5");
  check_error ("{\"model_max_length\": 16.5}", NULL, "tokenizer_config.json",
      "'model_max_length' is 16.5, not an integer");
  check_error ("{\"model_max_length\": 16.0}", NULL, "tokenizer_config.json",
      "'model_max_length' is 16, not an integer");
  check_error (NULL, "{\"max_seq_length\": 40.0}", "sentence_bert_config.json",
      "'max_seq_length' is 40, not an integer");
  check_error ("{\"model_max_length\": [16]}", NULL, "tokenizer_config.json", "is not a number");
  check_error (NULL, "{\"max_seq_length\": \"16\"}", "sentence_bert_config.json",
      "'max_seq_length' is not a number");
  check_error (NULL, "{\"max_seq_length\": 0}", "sentence_bert_config.json", "'max_seq_length' is 0");
  check_error (NULL, "{\"max_seq_length\": 18446744073709551616}", "sentence_bert_config.json",
      "18446744073709551616 does not fit in 64 bits");
  check_error ("{\"model_max_length\": 16,", NULL, "tokenizer_config.json", "invalid JSON");
  char *open = g_strnfill (20000, '['), *close = g_strnfill (20000, ']');
  char *deep = g_strdup_printf ("{\"max_seq_length\": 8, \"x\": %s1%s}", open, close);
  check_error (NULL, deep, "sentence_bert_config.json", "nested deeper than");
  g_free (deep);
  g_free (open);
  g_free (close);
}

/* An integer past 64 bits in another member of the same name (nested elsewhere, or a
 * duplicate that an earlier member gave) does not make the length read "no limit". */
static void
test_oversized_elsewhere (void)
{
  check_limit (bert_config,
      "{\"model_max_length\": 8, \"x\": {\"model_max_length\": 99999999999999999999999}}", NULL, 8, NULL);
  check_limit (bert_config, "{\"model_max_length\": 99999999999999999999999, \"model_max_length\": 8}", NULL,
      8, NULL);
  check_limit (bert_config, NULL,
      "{\"max_seq_length\": 8, \"x\": [{\"max_seq_length\": 99999999999999999999999}]}", 8, NULL);
  check_limit (bert_config, NULL,
      "{\"tokenizer_args\": {\"model_max_length\": 8}, "
      "\"processor_kwargs\": {\"model_max_length\": 99999999999999999999999}}",
      8, NULL);
  /* json-glib also reads C comments and strings in single quotes: a quote or a member
   * in them is not read (a quote in a comment once made the scan read past the text) */
  check_limit (bert_config, "{\"model_max_length\": 8 /* \" */}", NULL, 8, NULL);
  check_limit (bert_config, "{/* \"model_max_length\": 99999999999999999999999, */ \"model_max_length\": 8}",
      NULL, 8, NULL);
  check_limit (bert_config, "{\"x\": 'a\"b', \"model_max_length\": 8}", NULL, 8, NULL);
  check_limit (bert_config, "{'model_max_length': 99999999999999999999999}", NULL, 24, NULL);
  /* where the member itself is past 64 bits, it still is no limit */
  check_limit (bert_config,
      "{\"x\": {\"model_max_length\": 8}, \"model_max_length\": 99999999999999999999999}", NULL, 24, NULL);
}

/* Whether the tokenizer's limit is its default (512, where no file sets one): the tokenizer
 * element warns when that default cuts a text, as transformers would not truncate. */
static void
check_default (const char *config, const char *tokenizer_config, gboolean in_folder, guint max_length,
    gboolean is_default)
{
  char *folder = folder_new (config, tokenizer_config, NULL);
  char *vocab = g_build_filename (folder, "vocab.txt", NULL);
  GError *error = NULL;

  g_assert_true (g_file_set_contents (vocab, "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\n", -1, NULL));
  BertTokenizer *tokenizer = bert_tokenizer_new_from_path (in_folder ? folder : vocab, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (bert_tokenizer_get_options (tokenizer)->model_max_length, ==, max_length);
  g_assert_cmpint (bert_tokenizer_get_options (tokenizer)->max_length_is_default, ==, is_default);
  bert_tokenizer_free (tokenizer);
  g_free (vocab);
  g_free (folder);
}

static void
test_default_limit (void)
{
  check_default (NULL, NULL, TRUE, 512, TRUE);
  check_default (NULL, NULL, FALSE, 512, TRUE);
  check_default (NULL, "{\"model_max_length\": 64}", TRUE, 64, FALSE);
  check_default (NULL, "{\"model_max_length\": 1e30}", TRUE, 512, TRUE);
  check_default (bert_config, NULL, TRUE, 24, FALSE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  scratch_dir = g_dir_make_tmp ("gst-bert-max-length-XXXXXX", NULL);
  g_test_add_func ("/tokenizer/max-length/model-max-length", test_model_max_length);
  g_test_add_func ("/tokenizer/max-length/max-seq-length", test_max_seq_length);
  g_test_add_func ("/tokenizer/max-length/roberta-offset", test_roberta_offset);
  g_test_add_func ("/tokenizer/max-length/mpnet-offset", test_mpnet_offset);
  g_test_add_func ("/tokenizer/max-length/module-file", test_module_file);
  g_test_add_func ("/tokenizer/max-length/malformed", test_malformed);
  g_test_add_func ("/tokenizer/max-length/oversized-elsewhere", test_oversized_elsewhere);
  g_test_add_func ("/tokenizer/max-length/default-limit", test_default_limit);
  int status = g_test_run ();
  scratch_tree_remove (scratch_dir);
  g_free (scratch_dir);
  return status;
}
