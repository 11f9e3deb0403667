/* bert_mpnet_files.h: an MPNet tokenizer from vocab.txt.
 *
 * MPNet folders saved before tokenizer.json was written (all-mpnet-base-v2's kind, trained
 * by sentence-transformers on microsoft/mpnet-base) may have only vocab.txt,
 * tokenizer_config.json ("tokenizer_class": "MPNetTokenizer") and special_tokens_map.json.
 * transformers (5.x) builds MPNetTokenizer from them: BERT's WordPiece, normaliser and
 * pre-tokenizer with RoBERTa's template, <s> A </s> and <s> A </s></s> B </s>. This builds
 * the same tokenizer.json document, to be read as any other.
 */
#ifndef BERT_MPNET_FILES_H
#define BERT_MPNET_FILES_H

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Whether AutoTokenizer builds MPNetTokenizer (or its Fast twin) for FOLDER, from its
 * TOKENIZER_CONFIG (NULL where absent) and config.json: tokenizer_class, else model_type
 * mpnet. FALSE with an error where a file is malformed. */
gboolean bert_mpnet_files_is_mpnet (const char *folder, JsonNode *tokenizer_config, gboolean *is_mpnet,
    GError **error);

/* The tokenizer.json document MPNetTokenizer builds from FOLDER's vocab.txt and settings,
 * or NULL with an error: settings that change what it builds (added tokens, more special
 * tokens), a duplicate token or malformed files (named with the line). Free with
 * json_node_unref. */
JsonNode *bert_mpnet_files_to_tokenizer_json (const char *folder, JsonNode *tokenizer_config, GError **error);

G_END_DECLS

#endif
