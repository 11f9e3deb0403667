/* bert_added_token_members.h: AddedToken objects' members that Hugging Face ignores.
 *
 * An AddedToken has content, single_word, lstrip, rstrip, normalized and special (and, in
 * tokenizer.json's added_tokens, id); transformers also writes "__type". tokenizers 0.23.3
 * drops any other member: silently in tokenizer.json (serde), and with "Ignored unknown kwarg
 * option lstirp" where transformers 5.25 builds an AddedToken from tokenizer_config.json or
 * special_tokens_map.json. gst-bert reads such a file as they do, with a warning, since a
 * misspelt flag ("lstirp") is lost here as there.
 */
#ifndef BERT_ADDED_TOKEN_MEMBERS_H
#define BERT_ADDED_TOKEN_MEMBERS_H

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* NULL, or a warning naming FILE and, for each unknown member of ROOT's AddedToken objects,
 * the token and the member. In a tokenizer.json (TOKENIZER_JSON) those are added_tokens[];
 * in a tokenizer_config.json or special_tokens_map.json the "..._token" members,
 * added_tokens_decoder's values and additional_special_tokens' and extra_special_tokens'
 * objects. */
char *bert_added_token_members_warning (JsonObject *root, const char *file, gboolean tokenizer_json);

G_END_DECLS

#endif
