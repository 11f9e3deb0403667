/* bert_utf8_valid.h: whether a text is well-formed UTF-8 (RFC 3629: no overlong forms, no
 * surrogates, nothing past U+10FFFF), where NUL is a character like any other
 * (g_utf8_validate_len stops there). */
#ifndef BERT_UTF8_VALID_H
#define BERT_UTF8_VALID_H

#include <glib.h>

/* The fastest of the paths below that this CPU has. */
gboolean bert_utf8_is_valid (const char *text, gsize length);

/* The ways to check, each giving the same answer: a DFA in portable C; 32 bytes a step
 * with AVX2; the same with AVX-512's masked loads for the last bytes. */
typedef enum {
  BERT_UTF8_PORTABLE = 1,
  BERT_UTF8_AVX2,
  BERT_UTF8_AVX512
} BertUtf8Path;

/* The fastest path this CPU has; every path before it in the list above also runs. */
BertUtf8Path bert_utf8_fastest_path (void);

/* The check by one path (the tests compare them); one the CPU lacks must not be asked. */
gboolean bert_utf8_is_valid_on (BertUtf8Path path, const char *text, gsize length);

#endif
