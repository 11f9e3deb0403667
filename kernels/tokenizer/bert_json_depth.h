/* bert_json_depth.h: a guard run before json-glib parses a file we do not control.
 *
 * json-glib parses recursively, so a document of a million '[' exhausts the stack.
 * Real tokenizer, config and safetensors header files nest fewer than 10 levels.
 */
#ifndef BERT_JSON_DEPTH_H
#define BERT_JSON_DEPTH_H

#include <glib.h>

G_BEGIN_DECLS

#define BERT_JSON_MAX_DEPTH 64

/* The line of the first bracket nested past BERT_JSON_MAX_DEPTH levels, or 0. */
guint bert_json_find_excess_nesting (const char *text, gsize length);

G_END_DECLS

#endif
