/* bert_combining_marks.h: the marks Hugging Face tokenizers' StripAccents removes. */
#ifndef BERT_COMBINING_MARKS_H
#define BERT_COMBINING_MARKS_H

#include <glib.h>
#include <stdint.h>

/* General category M (Mn, Mc, Me) in the Unicode version of the reference's
 * unicode-normalization-alignments crate. */
gboolean bert_is_combining_mark (uint32_t cp);

#endif
