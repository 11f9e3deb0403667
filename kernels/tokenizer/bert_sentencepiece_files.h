/* bert_sentencepiece_files.h: an XLM-R or CamemBERT tokenizer from the slow tokenizer's
 * sentencepiece.bpe.model.
 *
 * Many XLM-R and CamemBERT fine-tunes on the Hub have no tokenizer.json, only
 * sentencepiece.bpe.model with special_tokens_map.json or tokenizer_config.json.
 * transformers (5.x) builds their fast tokenizer in XLMRobertaTokenizer's or
 * CamembertTokenizer's constructor from the model's pieces and charsmap; this builds the
 * same tokenizer.json document, to be read as any other.
 */
#ifndef BERT_SENTENCEPIECE_FILES_H
#define BERT_SENTENCEPIECE_FILES_H

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Whether FOLDER holds sentencepiece.bpe.model. */
gboolean bert_sentencepiece_files_exist (const char *folder);

/* The tokenizer.json document transformers builds from FOLDER's files, or NULL with an
 * error: another tokenizer class (named, with the command that saves a tokenizer.json),
 * settings or a model layout that change what those classes build, or a malformed file
 * (named with the byte offset or the field). Free with json_node_unref. */
JsonNode *bert_sentencepiece_files_to_tokenizer_json (const char *folder, GError **error);

G_END_DECLS

#endif
