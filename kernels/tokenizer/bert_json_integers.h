/* bert_json_integers.h: guards run before json-glib parses a file we do not control.
 *
 * json-glib turns an integer beyond 64 bits into garbage without a word (99999999999999999999
 * reads as -1), so a loader would report a huge size as a negative one. Its scanner also
 * reads numbers that JSON (and Python's json, which wrote the file) has not: 0x1F and $1F as
 * hex, 0b101 as binary and 0512 as octal (330), a hex one past 64 bits wrapped as well. These
 * find such numbers first, so that the error can name the number as written.
 */
#ifndef BERT_JSON_INTEGERS_H
#define BERT_JSON_INTEGERS_H

#include <glib.h>

G_BEGIN_DECLS

/* The line of the first integer (no fraction, no exponent) outside a string that does
 * not fit in a gint64, or 0; *literal (to free) receives its digits. */
guint bert_json_find_oversized_integer (const char *text, gsize length, char **literal);

/* The line of the first number outside a string written in hex, binary or with a leading
 * zero, or 0; *literal (to free) receives it as written. */
guint bert_json_find_non_decimal_number (const char *text, gsize length, char **literal);

G_END_DECLS

#endif
