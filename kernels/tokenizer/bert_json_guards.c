/* bert_json_guards.c: the guards run on a JSON text before json-glib parses it. */
#include "bert_json_guards.h"
#include "bert_json_depth.h"
#include "bert_json_integers.h"
#include "bert_json_strings.h"

char *
bert_json_find_misreading (const char *text, gsize length)
{
  char *found = NULL, *message;
  guint line;

  if ((line = bert_json_find_excess_nesting (text, length)) != 0)
    return g_strdup_printf ("%u: nested deeper than %d levels", line, BERT_JSON_MAX_DEPTH);
  if ((line = bert_json_find_non_decimal_number (text, length, &found)) != 0)
    message = g_strdup_printf ("%u: the number %s is not JSON (json-glib would read it as hex, binary or "
                               "octal, Python's json refuses it)",
        line, found);
  else if ((line = bert_json_find_nul_escape (text, length, &found)) != 0)
    message = g_strdup_printf ("%u: field '%s' holds \\u0000 (a NUL character), where json-glib would cut "
                               "the string short",
        line, found);
  else
    return NULL;
  g_free (found);
  return message;
}
