/* gstberttokenize.h: the one tokenizing path of the elements.
 *
 * `tokenizer` and `bert-infer` (for buffers that arrive without tokens) both tokenize
 * a buffer's text and attach the result as a #GstBertTokenMeta through this function,
 * so that the two give the same tokens, spans and truncation for the same text.
 */
#ifndef GST_BERT_TOKENIZE_H
#define GST_BERT_TOKENIZE_H

#include <gst/gst.h>

#include "bert_markup.h"
#include "bert_tokenizer.h"

G_BEGIN_DECLS

/* Tokenizes the text of @buffer into @encoding, at most @max_length tokens (0: the
 * tokenizer's model_max_length), and attaches it as a token meta, naming @vocabulary
 * (bert_tokenizer_compute_identity) as the ids' origin. Pango markup
 * (@is_markup) goes through @plain, scratch reused across calls, and its offsets
 * point into the markup. @buffer must be writable. FALSE, with nothing attached, when
 * the buffer cannot be read: the caller says what that means for its stream.
 * A non-empty @prompt (gstbertprompt.h) is put before the text for tokenizing only,
 * within @max_length: the offsets stay those of the buffer's text, and a token of the
 * prompt alone gets [0, 0], the empty span of the special tokens. */
gboolean gst_bert_tokenize_buffer (const BertTokenizer *tokenizer, const gchar *vocabulary,
    const gchar *prompt, BertPlainText *plain, GstBuffer *buffer, gboolean is_markup, guint max_length,
    BertEncoding *encoding);

/* Where the fixed text of the `pair-text` property (tokenizer, bert-infer) goes in each
 * pair: first, as a cross-encoder's query before each caption (rerankers), or second, as
 * an NLI hypothesis after it (zero-shot classification). */
typedef enum {
  GST_BERT_PAIR_TEXT_FIRST,
  GST_BERT_PAIR_TEXT_SECOND
} GstBertPairTextPosition;

#define GST_TYPE_BERT_PAIR_TEXT_POSITION (gst_bert_pair_text_position_get_type ())
GType gst_bert_pair_text_position_get_type (void);

/* Takes at READY the element's copy of its pair-text property, @pair_text (NULL or "": no
 * pairs; freed here), and checks that it can be used: valid UTF-8, the tokenizer has a pair
 * form and no @prompt is set, since a prompt put before the caption of a pair is not what
 * sentence-transformers' CrossEncoder does. @active gets the text to pair with, NULL for
 * none. FALSE with @error saying why. */
gboolean gst_bert_pair_text_take (const BertTokenizer *tokenizer, gchar *pair_text, const gchar *prompt,
    gchar **active, GError **error);

/* As gst_bert_tokenize_buffer, but the buffer's text is paired with @pair_text
 * (bert_tokenizer_encode_pair: truncation longest first to @max_length) on the side
 * @position says. The offsets stay those of the buffer's text: the tokens of @pair_text,
 * like special tokens, get the empty span [0, 0], and their type ids say which text they
 * are of where the model has token types (BERT). */
gboolean gst_bert_tokenize_buffer_pair (const BertTokenizer *tokenizer, const gchar *vocabulary,
    const gchar *pair_text, GstBertPairTextPosition position, BertPlainText *plain, GstBuffer *buffer,
    gboolean is_markup, guint max_length, BertEncoding *encoding);

/* Whether text caps say pango-markup (else plain UTF-8): the @is_markup to tokenize with. */
gboolean gst_bert_tokenize_caps_are_markup (const GstCaps *caps);

/* Posts on @element, unless *@warned says it did this stream, the STREAM/DECODE warning
 * for a buffer whose text held invalid UTF-8 (BertEncoding.repaired_utf8): those bytes
 * were dropped for tokenizing, the text passes unchanged. Sets *@warned; FALSE if it was
 * already set (the caller logs such later ones). */
gboolean gst_bert_tokenize_warn_invalid_utf8_once (GstElement *element, GstBuffer *buffer, gboolean *warned);

/* Posts on @element, unless *@warned says it did this stream, the STREAM/FORMAT warning
 * for a text that @prompt (non-empty) left no token of: @encoding, made by
 * gst_bert_tokenize_buffer, was cut at its max_length before any token of the text, so
 * every such buffer gets the prompt's result. Does nothing for an encoding that keeps
 * some of its text. Sets *@warned; FALSE when nothing was posted. */
gboolean gst_bert_tokenize_warn_prompt_fills_max_length (GstElement *element, GstBuffer *buffer,
    const gchar *prompt, const BertEncoding *encoding, gboolean *warned);

/* Frees the scratch of @plain and @encoding when the last text made them larger than a
 * high-water mark (a caption of megabytes), so that one huge text does not leave its
 * memory held for the life of the element; call once done with @encoding's arrays. */
void gst_bert_tokenize_release_scratch (BertPlainText *plain, BertEncoding *encoding);

G_END_DECLS

#endif
