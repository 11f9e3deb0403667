/* gstbertprompt.h: the prompt a model folder's texts get before tokenizing.
 *
 * sentence-transformers models trained with instructions (multilingual-e5: "query: "
 * and "passage: ") expect each text prefixed with one; config_sentence_transformers.json
 * names them in "prompts" and may choose one in "default_prompt_name". `tokenizer` and
 * `bert-infer` resolve their `prompt` and `prompt-name` properties against it here, as
 * SentenceTransformer.encode resolves its prompt and prompt_name arguments.
 */
#ifndef GST_BERT_PROMPT_H
#define GST_BERT_PROMPT_H

#include <glib.h>

#include "bert_tokenizer.h"

G_BEGIN_DECLS

/* The prompt for @model_path (a model folder; a file has no prompts): @prompt when set
 * (even ""), else the prompt named @prompt_name, else the folder's default prompt,
 * else none. *@resolved is NULL for none. A prompt whose text is null in the file is
 * "", as sentence-transformers reads it. FALSE (and *@resolved NULL) with @error naming
 * the file when @prompt_name is not one of the folder's prompts (the error lists them),
 * when the file is not a JSON object, its "prompts" not an object, its
 * "default_prompt_name" neither a string nor null, or the prompt chosen not a string;
 * and when the prompt is not valid UTF-8. */
gboolean gst_bert_prompt_resolve (const gchar *model_path, const gchar *prompt, const gchar *prompt_name,
    gchar **resolved, GError **error);

/* sentence-transformers' prompt_length: how many leading tokens of a text tokenized after
 * @prompt are the prompt's, which pooling leaves out where 1_Pooling/config.json says
 * include_prompt false. As SentenceTransformer.encode counts it: the prompt tokenized
 * alone (special tokens included, cut at @max_length), less its last token when that one
 * is special (the [SEP] or </s> the post-processor adds). So it may differ from the
 * prompt's tokens in front of a text ("query:" + "x" may join into other tokens than
 * "query:" alone): that is the reference's own count. 0 for no prompt (NULL or ""). */
guint gst_bert_prompt_count_tokens (const BertTokenizer *tokenizer, const gchar *prompt, guint max_length);

/* A prompt's count for the max_length it was made at, so that a stream counts it once. */
typedef struct {
  gboolean counted;
  guint max_length;
  guint n_tokens;
} GstBertPromptLength;

/* The count of @prompt at @max_length, from @cache when it was made at that length.
 * Clear the cache (zero it) when the prompt or the tokenizer changes. */
guint gst_bert_prompt_length_get (GstBertPromptLength *cache, const BertTokenizer *tokenizer,
    const gchar *prompt, guint max_length);

G_END_DECLS

#endif
