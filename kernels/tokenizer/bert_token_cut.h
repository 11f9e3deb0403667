/* bert_token_cut.h: an encoding cut to fewer tokens, as its tokenizer truncates.
 *
 * A tokenizer upstream may have encoded a text for a larger max_length than the model it
 * feeds takes. Cutting such an encoding to the model's length must give what the tokenizer
 * gives at that length: Hugging Face truncates the texts' own tokens, not the special ones,
 * on the side its truncation_side says (bert_truncation_side.h), a pair longest first, then
 * the post-processor adds its special tokens again. This finds where the texts lie among the
 * tokens (the post-processor's template, single or pair) and cuts them so.
 */
#ifndef BERT_TOKEN_CUT_H
#define BERT_TOKEN_CUT_H

#include "bert_tokenizer.h"

G_BEGIN_DECLS

/* Finds where the text or texts of @encoding lie among its tokens, as the tokenizer's
 * post-processor put its special tokens (same ids and type ids) around them, and sets
 * sequence_start and sequence_length; *is_pair says whether the tokens are a pair. With
 * @has_offsets, a special token of the template must have the empty span [0, 0] that the
 * post-processor gives it: an added token matched in a text ("</s>" typed in a caption) has a
 * span of its own, which tells the two apart. FALSE, with @error saying why, when the tokens
 * fit no form of the template, or more than one (a pair's middle special tokens inside a
 * text of [0, 0] spans, or offsets unknown). */
gboolean bert_token_layout_find (const BertTokenizer *tokenizer, BertEncoding *encoding, gboolean has_offsets,
    gboolean *is_pair, GError **error);

/* Cuts @encoding, whose sequence_start and sequence_length say where its texts lie, to at
 * most @max_length tokens as @tokenizer truncates: a single text keeps its first tokens (its
 * last, where the tokenizer truncates on the left), a pair loses them longest first, and the
 * special tokens stay. After a cut on the left, the first token kept of text s gets back the
 * space RobertaProcessing's trim_offsets spares a text's first token, read from texts[s]
 * (the text the offsets point into, NUL-terminated or longer than every offset; NULL: left
 * as it is). An encoding within @max_length is left as it is. FALSE, the encoding untouched,
 * where the special tokens alone are more than @max_length: the tokenizer then truncates
 * nothing. */
gboolean bert_token_cut (const BertTokenizer *tokenizer, BertEncoding *encoding, gboolean is_pair,
    guint max_length, const char *const texts[2], GError **error);

/* Whether bert_token_cut of an encoding its tokenizer had truncated already (to a larger
 * max_length) gives what the tokenizer gives from the whole texts at @max_length. Not where
 * the special tokens alone are more than @max_length (the tokenizer then keeps every token
 * of the texts); else always for a single text, and not for a pair whose texts both kept as many tokens and must both lose more
 * to an odd budget: longest first gives the odd token to the text that was longer, which such
 * an encoding no longer tells. */
gboolean bert_token_cut_recut_is_exact (const BertEncoding *encoding, gboolean is_pair, guint max_length);

G_END_DECLS

#endif
