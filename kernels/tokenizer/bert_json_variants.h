/* bert_json_variants.h: which variant Hugging Face tokenizers (0.23) reads a tokenizer.json
 * object as where its "type" is missing, or where it does not look at the type at all.
 *
 * Files written before tokenizers 0.9 have no model.type (bert-base-uncased, gpt2,
 * xlm-roberta-base on the Hub): tokenizers tries BPE, WordPiece, WordLevel and Unigram in
 * that order and keeps the first whose deserializer accepts the object. Normalizers without
 * a type are tried the same way; post-processors are always chosen by their members
 * (serde does not check their tags), so an old RobertaProcessing without trim_offsets is
 * read as a BertProcessing. These functions only choose; the readers then read the object.
 */
#ifndef BERT_JSON_VARIANTS_H
#define BERT_JSON_VARIANTS_H

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* model's "type" where it has one (NULL where that is not a string), otherwise "BPE",
 * "WordPiece", "WordLevel" or "Unigram" as tokenizers infers it, or NULL where no variant
 * accepts the object. *inferred says which. taken_pieces: -1, or the number of pieces
 * bert_unigram_vocab_take read out of the text (the tree's vocab is then []). */
const char *bert_json_model_type (JsonObject *model, gint64 taken_pieces, gboolean *inferred);

/* normalizer's "type" where it has one, otherwise "BertNormalizer", "Strip", "Sequence",
 * "Replace" or "Prepend" as tokenizers infers it (the other normalizers need their type),
 * or NULL. */
const char *bert_json_normalizer_type (JsonObject *normalizer);

/* The post-processor tokenizers reads: the first of "RobertaProcessing", "BertProcessing",
 * "ByteLevel", "TemplateProcessing" and "Sequence" whose members the object has, whatever
 * its "type" says (only ByteLevel and Sequence need theirs); NULL where none. A template
 * without "pair", which the reference refuses, is taken as TemplateProcessing. */
const char *bert_json_post_processor_type (JsonObject *processor);

G_END_DECLS

#endif
