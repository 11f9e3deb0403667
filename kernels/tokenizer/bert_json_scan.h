/* bert_json_scan.h: a JSON text as json-glib's scanner reads it, for the guards run before
 * it parses (bert_json_depth.h, bert_json_integers.h, bert_json_strings.h).
 *
 * json-glib reads more than JSON: C comments between tokens and strings in single quotes
 * (without escapes). A guard that took a quote inside a comment (between slash-star and
 * star-slash) for a string would take what follows for the string's inside: 100,000
 * brackets there would reach json-glib's recursion unseen.
 */
#ifndef BERT_JSON_SCAN_H
#define BERT_JSON_SCAN_H

#include <glib.h>

G_BEGIN_DECLS

/* Whether a comment or string may start with c: the scans call the function below only
 * then, as most characters of a large tokenizer.json start neither. */
#define BERT_JSON_MAY_OPEN(c) ((c) == '"' || (c) == '\'' || (c) == '/')

/* The index of the last character of the comment or string that starts at text[at] (its
 * closing quote or slash, or length - 1 where it is not closed); at itself where none
 * starts there. */
gsize bert_json_skip_comment_or_string (const char *text, gsize length, gsize at);

/* The line, from 1, of text[at]. */
guint bert_json_line_at (const char *text, gsize at);

G_END_DECLS

#endif
