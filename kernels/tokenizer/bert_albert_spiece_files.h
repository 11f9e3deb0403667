/* bert_albert_spiece_files.h: the tokenizer.json document of an ALBERT folder that has only
 * spiece.model, as transformers 5's AlbertTokenizer builds it.
 *
 * transformers 5.25 reads the model's pieces and scores in their order (ids as in the
 * model) and hands them to AlbertTokenizer, which builds Unigram with unk_id 1, normalisers
 * Replace ``->" and ''->", NFKD and StripAccents unless keep_accents, Lowercase if
 * do_lower_case (the default), then Precompiled with the model's charsmap where it has one;
 * pre-tokenizers WhitespaceSplit then Metaspace (prepend "always", "never" where
 * add_prefix_space is false); post-processor [CLS] $A [SEP], pairs [CLS] $A [SEP] $B:1
 * [SEP]:1. Only the layouts checked against transformers are built (see the .c file); others
 * are refused with the command that saves transformers' own tokenizer.json.
 */
#ifndef BERT_ALBERT_SPIECE_FILES_H
#define BERT_ALBERT_SPIECE_FILES_H

#include "bert_unigram_vocab.h"

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Whether FOLDER holds spiece.model. */
gboolean bert_albert_spiece_files_exist (const char *folder);

/* As bert_sentencepiece_files_to_tokenizer_json (bert_sentencepiece_files.h), for
 * AlbertTokenizer and spiece.model. */
JsonNode *bert_albert_spiece_files_to_tokenizer_json (const char *folder, JsonNode *tokenizer_config,
    BertUnigramVocab *vocab, GError **error);

G_END_DECLS

#endif
