/* bert_json_strings.h: a guard run before json-glib parses a file we do not control.
 *
 * json-glib decodes "\u0000" into a string it then reads up to the NUL: "mpnet\u0000x"
 * loads as "mpnet", a special token "[UNK]\u0000" as "[UNK]". JSON allows the escape and
 * Python keeps the whole string, so transformers sees another name than gst-bert would.
 * This finds such a string first, so that the error can name its field.
 */
#ifndef BERT_JSON_STRINGS_H
#define BERT_JSON_STRINGS_H

#include <glib.h>

G_BEGIN_DECLS

/* The line of the first string in double quotes that holds the escape \u0000, or 0;
 * *field (to free) receives where it is, as "added_tokens[3].content" (the member's name
 * as written where the name itself holds it; "the top level" for a lone string). */
guint bert_json_find_nul_escape (const char *text, gsize length, char **field);

G_END_DECLS

#endif
