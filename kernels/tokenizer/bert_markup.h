/* bert_markup.h: Pango markup (as subparse sends) as a stage before the normalizer.
 *
 * Tags are removed and entities decoded for tokenization only; each byte of the plain
 * text remembers the bytes of markup it came from, so that token offsets map back into
 * the original markup. Linear in the markup's length whatever it holds: a '<' that
 * opens no tag costs no rescan of the rest. GLib only.
 */
#ifndef BERT_MARKUP_H
#define BERT_MARKUP_H

#include <glib.h>

#include "bert_tokenizer.h"

G_BEGIN_DECLS

/* Pango markup with tags removed and entities decoded, and for each byte of that
 * text the [start, end) bytes of the markup it came from. */
typedef struct {
  GByteArray *text;
  GArray *source_start;  /* guint32 per byte of text */
  GArray *source_end;    /* guint32 per byte of text */
  GByteArray *dead_ends; /* scratch: per markup byte, the quoting states from which
                                 * the search for a tag's '>' is known to fail */
  guint64 scan_steps;    /* bytes the last strip examined looking for tags' ends:
                                 * at most 7 per byte of markup (tested) */
} BertPlainText;

void bert_plain_text_init (BertPlainText *plain);
void bert_plain_text_clear (BertPlainText *plain);
void bert_plain_text_strip_markup (BertPlainText *plain, const gchar *markup, gsize len);
/* Token offsets into the plain text -> offsets into the markup; special tokens' [0, 0]
 * stay. */
void bert_plain_text_map_offsets (const BertPlainText *plain, guint32 *offsets, guint n_tokens);

/* bert_tokenizer_encode on @len bytes of Pango @markup, through @plain (scratch space
 * reused across calls), with offsets into the markup. */
void bert_tokenizer_encode_markup (const BertTokenizer *tokenizer, BertPlainText *plain, const gchar *markup,
    gsize len, guint max_length, BertEncoding *encoding);

G_END_DECLS

#endif
