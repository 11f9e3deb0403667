/* bert_json_guards.h: the guards a loader runs on a JSON file's text before json-glib parses
 * it, as one call: nesting past BERT_JSON_MAX_DEPTH (bert_json_depth.h), numbers in forms
 * JSON lacks (bert_json_integers.h) and strings with \u0000 (bert_json_strings.h).
 *
 * Integers past 64 bits are left to the loader: tokenizer_config.json holds transformers'
 * int(1e30) as model_max_length, which bert_max_length.c reads as "no limit".
 */
#ifndef BERT_JSON_GUARDS_H
#define BERT_JSON_GUARDS_H

#include <glib.h>

G_BEGIN_DECLS

/* The first thing in text that json-glib would choke on or misread: a message (to free)
 * that starts with its line, as "3: nested deeper than 64 levels", for the loader to put
 * after the file's path and a colon; NULL where there is none. */
char *bert_json_find_misreading (const char *text, gsize length);

G_END_DECLS

#endif
