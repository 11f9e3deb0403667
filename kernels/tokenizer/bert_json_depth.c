/* bert_json_depth.c: nesting depth of a JSON text, counted without recursion. */
#include "bert_json_depth.h"
#include "bert_json_scan.h"

guint
bert_json_find_excess_nesting (const char *text, gsize length)
{
  guint depth = 0;

  for (gsize i = 0; i < length; i++) {
    char c = text[i];
    gsize end = BERT_JSON_MAY_OPEN (c) ? bert_json_skip_comment_or_string (text, length, i) : i;
    if (end != i) {
      i = end;
    } else if (c == '[' || c == '{') {
      if (++depth > BERT_JSON_MAX_DEPTH)
        return bert_json_line_at (text, i);
    } else if ((c == ']' || c == '}') && depth > 0) {
      depth--;
    }
  }
  return 0;
}
