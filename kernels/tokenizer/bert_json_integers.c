/* bert_json_integers.c: numbers of a JSON text that json-glib would misread: integers that
 * do not fit in 64 bits, and numbers in the forms its scanner takes besides JSON's. */
#include <string.h>

#include "bert_json_integers.h"
#include "bert_json_scan.h"

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

/* Whether a number, after its sign, starting at text[at] is in one of json-glib's forms
 * that JSON lacks: hex (0x1F, $1F), binary (0b101) or a leading zero (0512, which json-glib
 * reads as octal: 330). */
static gboolean
is_non_decimal (const char *text, gsize length, gsize at)
{
  if (text[at] == '$')
    return TRUE;
  return text[at] == '0' && at + 1 < length && strchr ("xXbB0123456789", text[at + 1]) != NULL
      && text[at + 1] != '\0';
}

/* The end of the number (JSON's or json-glib's) starting at text[at]: past its sign, digits,
 * letters (of hex or an exponent), points and exponent signs. */
static gsize
number_end (const char *text, gsize length, gsize at)
{
  gsize end = at + 1;
  if (text[at] == '-' && end < length && text[end] == '$')
    end++;
  while (end < length
      && (g_ascii_isalnum (text[end]) || text[end] == '.'
          || ((text[end] == '+' || text[end] == '-') && (text[end - 1] == 'e' || text[end - 1] == 'E'))))
    end++;
  return end;
}

guint
bert_json_find_oversized_integer (const char *text, gsize length, char **literal)
{
  for (gsize i = 0; i < length; i++) {
    gsize end = BERT_JSON_MAY_OPEN (text[i]) ? bert_json_skip_comment_or_string (text, length, i) : i;
    if (end != i) {
      i = end;
    } else if (text[i] == '-' || g_ascii_isdigit (text[i])) {
      gsize start = i;
      if (!number_fits (text, length, &i)) {
        *literal = g_strndup (text + start, i + 1 - start);
        return bert_json_line_at (text, start);
      }
      /* Skip the rest whole (a fraction, an exponent, hex digits): their digits are no integer. */
      i = number_end (text, length, i) - 1;
    }
  }
  return 0;
}

guint
bert_json_find_non_decimal_number (const char *text, gsize length, char **literal)
{
  for (gsize i = 0; i < length; i++) {
    gsize end = BERT_JSON_MAY_OPEN (text[i]) ? bert_json_skip_comment_or_string (text, length, i) : i;
    if (end != i) {
      i = end;
    } else if (text[i] == '-' || text[i] == '$' || g_ascii_isdigit (text[i])) {
      gsize start = i, sign = text[i] == '-';
      end = number_end (text, length, i);
      if (start + sign < length && is_non_decimal (text, length, start + sign)) {
        *literal = g_strndup (text + start, end - start);
        return bert_json_line_at (text, start);
      }
      i = end - 1;
    }
  }
  return 0;
}
