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

G_BEGIN_DECLS

/* The prompt for @model_path (a model folder; a file has no prompts): @prompt when set
 * (even ""), else the prompt named @prompt_name, else the folder's default prompt,
 * else none. *@resolved is NULL for none. FALSE with @error naming the file when
 * @prompt_name is not one of the folder's prompts (the error lists them) or the file is
 * not a JSON object of strings. */
gboolean gst_bert_prompt_resolve (const gchar *model_path, const gchar *prompt, const gchar *prompt_name,
    gchar **resolved, GError **error);

G_END_DECLS

#endif
