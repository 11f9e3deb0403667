/* bert_json_strings.c: strings of a JSON text that json-glib would cut at a NUL. */
#include <string.h>

#include "bert_json_depth.h"
#include "bert_json_scan.h"
#include "bert_json_strings.h"

/* An object or array being read, and its member or element being read. */
typedef struct {
  gboolean is_array;
  guint index;
  const char *key;
  gsize key_length;
} Level;

/* Whether the inside of a string in double quotes holds \u0000. */
static gboolean
has_nul_escape (const char *inside, gsize length)
{
  for (gsize i = 0; i + 1 < length; i++) {
    if (inside[i] != '\\')
      continue;
    if (inside[i + 1] == 'u' && i + 5 < length && memcmp (inside + i + 2, "0000", 4) == 0)
      return TRUE;
    i++;
  }
  return FALSE;
}

/* "a.b[2].c": the members and elements of levels, the last member's name key (where not NULL). */
static char *
field_path (const Level *levels, guint depth, const char *key, gsize key_length)
{
  GString *path = g_string_new (NULL);

  for (guint i = 0; i < depth; i++) {
    gboolean last = i + 1 == depth;
    if (levels[i].is_array) {
      g_string_append_printf (path, "[%u]", levels[i].index);
    } else if (levels[i].key != NULL || (last && key != NULL)) {
      if (path->len > 0)
        g_string_append_c (path, '.');
      if (last && key != NULL)
        g_string_append_len (path, key, key_length);
      else
        g_string_append_len (path, levels[i].key, levels[i].key_length);
    }
  }
  if (path->len == 0)
    g_string_append (path, "the top level");
  return g_string_free (path, FALSE);
}

guint
bert_json_find_nul_escape (const char *text, gsize length, char **field)
{
  Level levels[BERT_JSON_MAX_DEPTH];
  guint depth = 0, tracked;
  gboolean expect_key = FALSE;

  for (gsize i = 0; i < length; i++) {
    char c = text[i];
    gsize end = BERT_JSON_MAY_OPEN (c) ? bert_json_skip_comment_or_string (text, length, i) : i;

    tracked = MIN (depth, G_N_ELEMENTS (levels));
    if (end != i && c != '/') {
      const char *inside = text + i + 1;
      gsize inside_length = end > i ? end - i - 1 : 0;
      if (c == '"' && has_nul_escape (inside, inside_length)) {
        *field = field_path (levels, tracked, expect_key ? inside : NULL, inside_length);
        return bert_json_line_at (text, i);
      }
      if (expect_key && tracked == depth && depth > 0) {
        levels[depth - 1].key = inside;
        levels[depth - 1].key_length = inside_length;
      }
      expect_key = FALSE;
    } else if (end == i && (c == '{' || c == '[')) {
      if (depth < G_N_ELEMENTS (levels))
        levels[depth] = (Level){ .is_array = c == '[' };
      depth++;
      expect_key = c == '{';
    } else if (end == i && (c == '}' || c == ']') && depth > 0) {
      depth--;
    } else if (end == i && c == ',' && depth > 0 && tracked == depth) {
      levels[depth - 1].index++;
      expect_key = !levels[depth - 1].is_array;
    }
    i = end;
  }
  return 0;
}
