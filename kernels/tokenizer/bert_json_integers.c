/* bert_json_integers.c: integers of a JSON text that do not fit in 64 bits. */
#include <string.h>

#include "bert_json_integers.h"

#define INT64_MAX_DIGITS "9223372036854775807"
#define INT64_MIN_DIGITS "9223372036854775808"

static gboolean
digits_fit (const char *digits, gsize n_digits, gboolean negative)
{
  const char *limit = negative ? INT64_MIN_DIGITS : INT64_MAX_DIGITS;

  while (n_digits > 1 && *digits == '0') {
    digits++;
    n_digits--;
  }
  if (n_digits != strlen (limit))
    return n_digits < strlen (limit);
  return memcmp (digits, limit, n_digits) <= 0;
}

/* The number starting at text[*i] (a '-' or a digit); leaves *i on its last character. */
static gboolean
number_fits (const char *text, gsize length, gsize *i)
{
  gboolean negative = text[*i] == '-';
  gsize start = *i + negative, end = start;

  while (end < length && g_ascii_isdigit (text[end]))
    end++;
  *i = end > 0 ? end - 1 : 0;
  if (end < length && (text[end] == '.' || text[end] == 'e' || text[end] == 'E'))
    return TRUE; /* a float: json-glib reads it as a double */
  return digits_fit (text + start, end - start, negative);
}

guint
bert_json_find_oversized_integer (const char *text, gsize length, char **literal)
{
  guint line = 1;
  gboolean in_string = FALSE;

  for (gsize i = 0; i < length; i++) {
    char c = text[i];
    if (c == '\n')
      line++;
    if (in_string) {
      if (c == '\\')
        i++;
      else if (c == '"')
        in_string = FALSE;
    } else if (c == '"') {
      in_string = TRUE;
    } else if (c == '-' || g_ascii_isdigit (c)) {
      gsize start = i;
      if (!number_fits (text, length, &i)) {
        *literal = g_strndup (text + start, i + 1 - start);
        return line;
      }
      /* Skip a fraction or an exponent whole: their digits are no integer. */
      while (i + 1 < length && strchr ("0123456789.eE+-", text[i + 1]) != NULL)
        i++;
    }
  }
  return 0;
}
