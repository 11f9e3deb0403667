/* gstbertmarkup.h: tokenizing text that may be Pango markup (as subparse sends).
 *
 * Tags are removed and entities decoded for tokenization only; the token offsets are
 * mapped back so that they point into the original markup. GLib only, shared by the
 * tokenizer and bert-infer elements.
 */
#ifndef GST_BERT_MARKUP_H
#define GST_BERT_MARKUP_H

#include <glib.h>

#include "bert_tokenizer.h"

G_BEGIN_DECLS

/* Pango markup with tags removed and entities decoded, and for each byte of that
 * text the [start, end) bytes of the markup it came from. */
typedef struct
{
  GByteArray *text;
  GArray *source_start;         /* guint32 per byte of text */
  GArray *source_end;           /* guint32 per byte of text */
} BertPlainText;


void bert_plain_text_init (BertPlainText *plain);
void bert_plain_text_clear (BertPlainText *plain);
void bert_plain_text_strip_markup (BertPlainText *plain, const gchar *markup, gsize len);
void bert_plain_text_map_offsets (const BertPlainText *plain, guint32 *offsets, guint n_tokens);

/* Tokenizes @len bytes of @text into @encoding; when @is_markup, through @plain
 * (scratch space reused across calls) with offsets into the markup. */
void bert_encode_text (const BertTokenizer *tokenizer, BertPlainText *plain, const gchar *text,
    gsize len, gboolean is_markup, guint max_length, BertEncoding *encoding);

G_END_DECLS

#endif
