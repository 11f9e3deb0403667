/* bert-tokenize: tokenizes standard input, one sequence per line, for checks against
 * Hugging Face (compare-with-hf.py).
 *
 *   bert-tokenize [--records] [--pairs] [--max-length N] [--normalized] TOKENIZER_PATH < input > output
 *
 * Each input line is the text itself, or with --records each text is its length in bytes
 * on a line of its own, then that many bytes and a newline (so texts may hold any byte).
 * Each output line lists the tokens as id:start:end, byte offsets. With --pairs the texts
 * come two by two, a pair each, truncated longest first, and the tokens are
 * id:type_id:sequence:start:end, sequence -1 for special tokens, offsets into the
 * token's own text. With --normalized each output line is the text's normalised text
 * instead (check-normal-forms.py).
 */
#include "bert_tokenizer.h"
#include "bert_tokenizer_private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
print_encoding (const BertEncoding *encoding, GString *out)
{
  g_string_truncate (out, 0);
  for (uint32_t i = 0; i < encoding->n_tokens; i++)
    g_string_append_printf (out, "%s%d:%u:%u", i ? " " : "", encoding->ids[i], encoding->offsets[2 * i],
        encoding->offsets[2 * i + 1]);
  g_string_append_c (out, '\n');
  fwrite (out->str, 1, out->len, stdout);
}

/* The next text: a line, or with records a length-prefixed record. NULL at the end. */
static char *
read_text (FILE *input, gboolean records, gsize *length)
{
  char *line = NULL;
  size_t capacity = 0;
  ssize_t line_length = getline (&line, &capacity, input);

  if (line_length < 0) {
    free (line);
    return NULL;
  }
  if (line_length > 0 && line[line_length - 1] == '\n')
    line[--line_length] = '\0';
  if (!records) {
    *length = line_length;
    return line;
  }
  *length = strtoul (line, NULL, 10);
  free (line);
  char *text = malloc (*length + 1);
  if (fread (text, 1, *length + 1, input) != *length + 1) {
    fprintf (stderr, "bert-tokenize: a record is cut short\n");
    exit (1);
  }
  return text;
}

static void
print_pair_encoding (const BertEncoding *encoding, GString *out)
{
  g_string_truncate (out, 0);
  for (uint32_t i = 0; i < encoding->n_tokens; i++)
    g_string_append_printf (out, "%s%d:%d:%d:%u:%u", i ? " " : "", encoding->ids[i], encoding->type_ids[i],
        bert_encoding_sequence_id (encoding, i), encoding->offsets[2 * i], encoding->offsets[2 * i + 1]);
  g_string_append_c (out, '\n');
  fwrite (out->str, 1, out->len, stdout);
}

/* Each pair of texts of input, tokenized; FALSE after saying why it cannot be. */
static gboolean
tokenize_pairs (const BertTokenizer *tokenizer, FILE *input, gboolean records, guint max_length)
{
  BertEncoding encoding;
  GString *out = g_string_new (NULL);
  GError *error = NULL;
  gsize length[2];
  char *text[2];
  gboolean ok = TRUE;

  bert_encoding_init (&encoding);
  while (ok && (text[0] = read_text (input, records, &length[0])) != NULL) {
    text[1] = read_text (input, records, &length[1]);
    if (text[1] == NULL) {
      fprintf (stderr, "bert-tokenize: the last pair has no second text\n");
      ok = FALSE;
    } else if (!bert_tokenizer_encode_pair (tokenizer, text[0], length[0], text[1], length[1], max_length,
                   &encoding, &error)) {
      fprintf (stderr, "bert-tokenize: %s\n", error->message);
      g_error_free (error);
      ok = FALSE;
    } else {
      print_pair_encoding (&encoding, out);
    }
    free (text[0]);
    free (text[1]);
  }
  g_string_free (out, TRUE);
  bert_encoding_clear (&encoding);
  return ok;
}

int
main (int argc, char **argv)
{
  gboolean records = FALSE, pairs = FALSE, normalized = FALSE;
  int max_length = G_MAXINT;
  GOptionEntry entries[] = { { "records", 0, 0, G_OPTION_ARG_NONE, &records, "Length-prefixed texts", NULL },
    { "pairs", 0, 0, G_OPTION_ARG_NONE, &pairs, "Texts two by two, as sequence pairs", NULL },
    { "max-length", 0, 0, G_OPTION_ARG_INT, &max_length, "Truncate to N tokens (default: none)", "N" },
    { "normalized", 0, 0, G_OPTION_ARG_NONE, &normalized, "Print the normalised texts", NULL }, { NULL } };
  GOptionContext *context = g_option_context_new ("TOKENIZER_PATH < input");
  GError *error = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc != 2) {
    fprintf (stderr, "%s\n", error ? error->message : "usage: bert-tokenize [--records] PATH");
    g_clear_error (&error);
    g_option_context_free (context);
    return 2;
  }
  BertTokenizer *tokenizer = bert_tokenizer_new_from_path (argv[1], &error);
  if (tokenizer == NULL) { /* freed, so that sanitized runs on refused files report real leaks only */
    fprintf (stderr, "%s\n", error->message);
    g_error_free (error);
    g_option_context_free (context);
    return 1;
  }
  if (bert_tokenizer_get_warning (tokenizer) != NULL)
    fprintf (stderr, "warning: %s\n", bert_tokenizer_get_warning (tokenizer));

  if (pairs) {
    gboolean ok = tokenize_pairs (tokenizer, stdin, records, (guint) max_length);
    bert_tokenizer_free (tokenizer);
    g_option_context_free (context);
    return ok ? 0 : 1;
  }

  BertEncoding encoding;
  GString *out = g_string_new (NULL);
  gsize length;
  char *text;

  bert_encoding_init (&encoding);
  while (normalized && (text = read_text (stdin, records, &length)) != NULL) {
    char *normal = bert_tokenizer_normalize_text (tokenizer, text);
    printf ("%s\n", normal);
    g_free (normal);
    free (text);
  }
  while (!normalized && (text = read_text (stdin, records, &length)) != NULL) {
    bert_tokenizer_encode (tokenizer, text, length, (guint) max_length, &encoding);
    print_encoding (&encoding, out);
    free (text);
  }
  g_string_free (out, TRUE);
  bert_encoding_clear (&encoding);
  bert_tokenizer_free (tokenizer);
  g_option_context_free (context);
  return 0;
}
