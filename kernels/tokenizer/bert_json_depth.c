/* bert_json_depth.c: nesting depth of a JSON text, counted without recursion. */
#include "bert_json_depth.h"

guint
bert_json_find_excess_nesting (const char *text, gsize length)
{
  guint depth = 0, line = 1;
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
    } else if (c == '[' || c == '{') {
      if (++depth > BERT_JSON_MAX_DEPTH)
        return line;
    } else if ((c == ']' || c == '}') && depth > 0) {
      depth--;
    }
  }
  return 0;
}
