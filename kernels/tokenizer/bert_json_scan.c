/* bert_json_scan.c: comments and strings as json-glib's scanner reads them. */
#include <string.h>

#include "bert_json_scan.h"

gsize
bert_json_skip_comment_or_string (const char *text, gsize length, gsize at)
{
  char c = text[at];
  gsize i;

  if (c == '/' && at + 1 < length && text[at + 1] == '*') {
    for (i = at + 2; i + 1 < length; i++)
      if (text[i] == '*' && text[i + 1] == '/')
        return i + 1;
    return length - 1;
  }
  if (c == '\'') {
    const char *close = memchr (text + at + 1, '\'', length - at - 1);
    return close != NULL ? (gsize) (close - text) : length - 1;
  }
  if (c != '"')
    return at;
  for (i = at + 1; i < length; i++) {
    if (text[i] == '\\')
      i++;
    else if (text[i] == '"')
      return i;
  }
  return length - 1;
}

guint
bert_json_line_at (const char *text, gsize at)
{
  guint line = 1;
  for (gsize i = 0; i < at; i++)
    line += text[i] == '\n';
  return line;
}
