/* bert_bpe_files.h: a RoBERTa tokenizer from the slow tokenizer's files.
 *
 * Many RoBERTa folders on the Hub have no tokenizer.json, only vocab.json, merges.txt,
 * special_tokens_map.json and maybe tokenizer_config.json. transformers (5.x) loads them by
 * building the fast tokenizer in RobertaTokenizer's constructor; this builds the same
 * tokenizer.json document, to be read as any other.
 */
#ifndef BERT_BPE_FILES_H
#define BERT_BPE_FILES_H

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Whether FOLDER holds both vocab.json and merges.txt. */
gboolean bert_bpe_files_exist (const char *folder);

/* The tokenizer.json document transformers' RobertaTokenizer builds from FOLDER's files, or
 * NULL with an error: another tokenizer class (whose own construction is not reproduced
 * here), settings that change what RobertaTokenizer builds, or malformed files (named with
 * the line). TOKENIZER_CONFIG is the folder's tokenizer_config.json, parsed (NULL where it
 * has none). Free with json_node_unref. */
JsonNode *bert_bpe_files_to_tokenizer_json (const char *folder, JsonNode *tokenizer_config, GError **error);

G_END_DECLS

#endif
