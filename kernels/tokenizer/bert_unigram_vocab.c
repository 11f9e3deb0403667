/* bert_unigram_vocab.c: a Unigram model's vocabulary read straight from tokenizer.json's text.
 *
 * The document around the vocabulary is only skipped (strings, brackets), not checked:
 * json-glib checks it afterwards. That is safe because the cut-out array is strictly valid
 * JSON and this skipping gives up where json-glib would read the text otherwise (its
 * 'strings' and comments): if json-glib then reads the rest without an error, it saw the
 * members seen here, and the original text holds the same document with the array.
 */
#include "bert_unigram_vocab.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  const char *at, *end;
} Cursor;

/* JSON's whitespace, which is all json-glib skips. */
static void
skip_space (Cursor *cursor)
{
  while (cursor->at < cursor->end
      && (*cursor->at == ' ' || *cursor->at == '\n' || *cursor->at == '\r' || *cursor->at == '\t'))
    cursor->at++;
}

static gboolean
take_char (Cursor *cursor, char c)
{
  skip_space (cursor);
  if (cursor->at == cursor->end || *cursor->at != c)
    return FALSE;
  cursor->at++;
  return TRUE;
}

/* Past a string starting at the cursor; its contents in [*start, *stop), *escaped when they
 * hold a backslash. */
static gboolean
skip_string (Cursor *cursor, const char **start, const char **stop, gboolean *escaped)
{
  if (!take_char (cursor, '"'))
    return FALSE;
  *start = cursor->at;
  *escaped = FALSE;
  for (; cursor->at < cursor->end; cursor->at++) {
    if (*cursor->at == '\\') {
      *escaped = TRUE;
      if (++cursor->at == cursor->end)
        return FALSE;
    } else if (*cursor->at == '"') {
      *stop = cursor->at++;
      return TRUE;
    }
  }
  return FALSE;
}

/* Past one value: a string, brackets to their match (strings skipped), or a bare word
 * (true, a number, ...). FALSE at what json-glib reads but JSON has not (a 'string' or a
 * comment), so that this skipping never sees other members than json-glib does. */
static gboolean
skip_value (Cursor *cursor)
{
  const char *start, *stop;
  gboolean escaped;
  guint depth = 0;

  skip_space (cursor);
  if (cursor->at == cursor->end)
    return FALSE;
  if (*cursor->at == '"')
    return skip_string (cursor, &start, &stop, &escaped);
  if (*cursor->at != '[' && *cursor->at != '{') {
    const char *word = cursor->at;
    while (cursor->at < cursor->end
        && (g_ascii_isalnum (*cursor->at) || *cursor->at == '+' || *cursor->at == '-' || *cursor->at == '.'))
      cursor->at++;
    return cursor->at > word;
  }
  while (cursor->at < cursor->end) {
    char c = *cursor->at;
    if (c == '"') {
      if (!skip_string (cursor, &start, &stop, &escaped))
        return FALSE;
      continue;
    }
    if (c == '\'' || c == '/')
      return FALSE;
    cursor->at++;
    if (c == '[' || c == '{')
      depth++;
    else if ((c == ']' || c == '}') && --depth == 0)
      return TRUE;
  }
  return FALSE;
}

static gboolean
key_is (const char *start, const char *stop, const char *name)
{
  return (gsize) (stop - start) == strlen (name) && memcmp (start, name, stop - start) == 0;
}

/* The members of the object at the cursor named in names (each must appear at most once,
 * and no key may hold an escape, which could spell one of them): where each value starts,
 * or NULL. The cursor ends past the object. */
static gboolean
find_members (Cursor *cursor, const char *const *names, guint n_names, const char **values)
{
  const char *start, *stop;
  gboolean escaped;

  memset (values, 0, n_names * sizeof *values);
  if (!take_char (cursor, '{'))
    return FALSE;
  if (take_char (cursor, '}'))
    return TRUE;
  do {
    if (!skip_string (cursor, &start, &stop, &escaped) || escaped || !take_char (cursor, ':'))
      return FALSE;
    skip_space (cursor);
    for (guint i = 0; i < n_names; i++) {
      if (key_is (start, stop, names[i])) {
        if (values[i] != NULL)
          return FALSE;
        values[i] = cursor->at;
      }
    }
    if (!skip_value (cursor))
      return FALSE;
  } while (take_char (cursor, ','));
  return take_char (cursor, '}');
}

/* A piece's contents, unescaped onto pieces; FALSE for what is left to json-glib. */
static gboolean
append_piece (GString *pieces, const char *start, const char *stop)
{
  static const char escapes[] = "\"\"\\\\//b\bf\fn\nr\rt\t";
  if (!g_utf8_validate_len (start, stop - start, NULL))
    return FALSE;
  for (const char *c = start; c < stop; c++) {
    if ((unsigned char) *c < 0x20)
      return FALSE;
    if (*c != '\\') {
      g_string_append_c (pieces, *c);
      continue;
    }
    const char *escape = ++c < stop ? strchr (escapes, *c) : NULL;
    if (*c == '\0' || escape == NULL || (escape - escapes) % 2 != 0)
      return FALSE;
    g_string_append_c (pieces, escape[1]);
  }
  return TRUE;
}

/* A number as JSON writes it: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, read as
 * json-glib does (integers as 64-bit integers, others with g_ascii_strtod). */
static gboolean
take_number (Cursor *cursor, double *number, guint8 *integral)
{
  skip_space (cursor);
  const char *start = cursor->at, *c = start, *end = cursor->end;
  c += c < end && *c == '-';
  const char *digits = c;
  if (c < end && *c == '0')
    c++;
  else
    while (c < end && g_ascii_isdigit (*c))
      c++;
  gsize n_digits = c - digits;
  if (n_digits == 0)
    return FALSE;
  *integral = TRUE;
  if (c < end && *c == '.') {
    const char *fraction = ++c;
    while (c < end && g_ascii_isdigit (*c))
      c++;
    if (c == fraction)
      return FALSE;
    *integral = FALSE;
  }
  if (c < end && (*c == 'e' || *c == 'E')) {
    c++;
    c += c < end && (*c == '+' || *c == '-');
    const char *exponent = c;
    while (c < end && g_ascii_isdigit (*c))
      c++;
    if (c == exponent)
      return FALSE;
    *integral = FALSE;
  }
  char copy[64];
  if ((gsize) (c - start) >= sizeof copy || (*integral && n_digits > 18))
    return FALSE;
  memcpy (copy, start, c - start);
  copy[c - start] = '\0';
  *number = *integral ? (double) g_ascii_strtoll (copy, NULL, 10) : g_ascii_strtod (copy, NULL);
  cursor->at = c;
  return isfinite (*number);
}

static gboolean
read_pairs (Cursor *cursor, GString *pieces, GArray *starts, GArray *numbers, GArray *integral)
{
  if (!take_char (cursor, '['))
    return FALSE;
  do {
    const char *start, *stop;
    gboolean escaped;
    double number;
    guint8 whole;
    guint32 offset = (guint32) pieces->len;
    if (!take_char (cursor, '[') || !skip_string (cursor, &start, &stop, &escaped)
        || !append_piece (pieces, start, stop) || !take_char (cursor, ',')
        || !take_number (cursor, &number, &whole) || !take_char (cursor, ']')
        || pieces->len > G_MAXUINT32 / 2)
      return FALSE;
    g_array_append_val (starts, offset);
    g_array_append_val (numbers, number);
    g_array_append_val (integral, whole);
  } while (take_char (cursor, ','));
  return take_char (cursor, ']');
}

/* Where the model's vocabulary array starts in text, or NULL. */
static const char *
find_vocab (const char *text, gsize length)
{
  static const char *const root_names[] = { "model" }, *const model_names[] = { "type", "vocab" };
  const char *model, *members[2], *start, *stop;
  gboolean escaped;
  Cursor cursor = { text, text + length };

  if (!find_members (&cursor, root_names, 1, &model) || model == NULL)
    return NULL;
  cursor.at = model;
  if (!find_members (&cursor, model_names, 2, members) || members[1] == NULL)
    return NULL;
  /* Without a type (files of tokenizers before 0.9), a model whose vocab is an array can
   * only be read as a Unigram: the other models' vocab is an object. */
  cursor.at = members[0];
  if (members[0] != NULL
      && (!skip_string (&cursor, &start, &stop, &escaped) || escaped || !key_is (start, stop, "Unigram")))
    return NULL;
  return *members[1] == '[' ? members[1] : NULL;
}

gboolean
bert_unigram_vocab_take (char *text, gsize *length, BertUnigramVocab *vocab)
{
  const char *array = find_vocab (text, *length);
  GString *pieces = g_string_new (NULL);
  GArray *starts = g_array_new (FALSE, FALSE, sizeof (guint32));
  GArray *numbers = g_array_new (FALSE, FALSE, sizeof (double));
  GArray *integral = g_array_new (FALSE, FALSE, sizeof (guint8));
  Cursor cursor = { array, text + *length };
  gboolean ok = array != NULL && read_pairs (&cursor, pieces, starts, numbers, integral);

  memset (vocab, 0, sizeof *vocab);
  if (ok) {
    guint32 end = (guint32) pieces->len;
    vocab->n = numbers->len;
    g_array_append_val (starts, end);
    /* "[]" in place of the array: not blanks, which json-glib would skip one by one */
    gsize first = array - text, last = cursor.at - text;
    text[first + 1] = ']';
    memmove (text + first + 2, text + last, *length - last);
    *length -= last - first - 2;
  }
  vocab->text = g_string_free (pieces, !ok);
  vocab->starts = (guint32 *) g_array_free (starts, !ok);
  vocab->numbers = (double *) g_array_free (numbers, !ok);
  vocab->integral = (guint8 *) g_array_free (integral, !ok);
  return ok;
}

void
bert_unigram_vocab_clear (BertUnigramVocab *vocab)
{
  g_free (vocab->text);
  g_free (vocab->starts);
  g_free (vocab->numbers);
  g_free (vocab->integral);
  memset (vocab, 0, sizeof *vocab);
}
