/* bert_sentencepiece_files.h: an XLM-R or CamemBERT tokenizer from the slow tokenizer's
 * sentencepiece.bpe.model.
 *
 * Many XLM-R and CamemBERT fine-tunes on the Hub have no tokenizer.json, only
 * sentencepiece.bpe.model with special_tokens_map.json or tokenizer_config.json.
 * transformers (5.x) builds their fast tokenizer in XLMRobertaTokenizer's or
 * CamembertTokenizer's constructor from the model's pieces and charsmap; this builds the
 * same tokenizer.json document, to be read as any other, but for its vocabulary: that is
 * handed over as bert_unigram_vocab_take hands over a tokenizer.json's (a json-glib tree of
 * XLM-R's 250,000 pairs more than doubled the load's time and peak memory).
 */
#ifndef BERT_SENTENCEPIECE_FILES_H
#define BERT_SENTENCEPIECE_FILES_H

#include "bert_sentencepiece_model.h"
#include "bert_unigram_vocab.h"

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Whether FOLDER holds sentencepiece.bpe.model. */
gboolean bert_sentencepiece_files_exist (const char *folder);

/* The tokenizer.json document transformers builds from FOLDER's files, its model.vocab []
 * and the [piece, score] pairs in *vocab instead, or NULL with an error (and *vocab empty):
 * another tokenizer class (named, with the command that saves a tokenizer.json), settings
 * or a model layout that change what those classes build, or a malformed file (named with
 * the byte offset or the field). TOKENIZER_CONFIG is the folder's tokenizer_config.json,
 * parsed (NULL where it has none). Free with json_node_unref and bert_unigram_vocab_clear. */
JsonNode *bert_sentencepiece_files_to_tokenizer_json (const char *folder, JsonNode *tokenizer_config,
    BertUnigramVocab *vocab, GError **error);

/* Parts of the document that the builders of other sentencepiece folders
 * (bert_albert_spiece_files.h) write the same way. */

/* The Precompiled normaliser of MODEL's charsmap (MODEL has one). */
JsonObject *bert_sentencepiece_files_precompiled (const BertSpmModel *model);

/* WhitespaceSplit then Metaspace ("\u2581", prepend "always", or "never" without
 * ADD_PREFIX_SPACE, split). */
JsonObject *bert_sentencepiece_files_pre_tokenizer (gboolean add_prefix_space);

/* One entry of a TemplateProcessing's single or pair: {KIND: {"id": ID, "type_id": TYPE_ID}},
 * KIND "Sequence" or "SpecialToken". */
JsonObject *bert_sentencepiece_files_template_piece (const char *kind, const char *id, gint64 type_id);

/* A TemplateProcessing's special_tokens entry: CONTENT with its one ID. */
JsonObject *bert_sentencepiece_files_special_entry (const char *content, gint64 id);

/* The model: Unigram with UNK_ID, no byte fallback and model.vocab [] (the pieces are handed
 * over apart, as bert_unigram_vocab_take hands them). */
JsonObject *bert_sentencepiece_files_unigram_model (gint64 unk_id);

G_END_DECLS

#endif
