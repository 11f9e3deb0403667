/* bert_json_variants.h: which variant Hugging Face tokenizers (0.23) reads a tokenizer.json
 * object as, and whether it reads it at all, where its "type" is missing, names nothing,
 * or is not looked at.
 *
 * Files written before tokenizers 0.9 have no model.type (bert-base-uncased, gpt2,
 * xlm-roberta-base on the Hub): tokenizers tries BPE, WordPiece, WordLevel and Unigram in
 * that order and keeps the first whose deserializer accepts the object. Normalizers and
 * decoders whose type names none of theirs are tried the same way; post-processors are
 * always chosen by their members (serde does not check their tags), so an old
 * RobertaProcessing without trim_offsets is read as a BertProcessing. These functions only
 * choose; the readers then read the object.
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

/* Whether a model whose "type" is type has the members Hugging Face's deserializer of that
 * type requires (BPE's merges are not checked against its vocabulary). */
gboolean bert_json_model_has_form (JsonObject *model, const char *type, gint64 taken_pieces);

/* The normaliser tokenizers reads: the one its "type" names, where the members fit it
 * (tokenizers' tag for BertNormalizer is "Bert"); where the type names none (missing, not a
 * string, unknown: "BertNormalizer" is one), the first of BertNormalizer, Strip, Sequence,
 * Replace and Prepend whose members the object has (the others need their type). Returns
 * the normaliser's name ("BertNormalizer", "Lowercase", ...), or NULL where tokenizers
 * refuses the object. */
const char *bert_json_normalizer_type (JsonObject *normalizer);

/* For errors: what the normaliser its "type" names needs, or without one, what each variant
 * read by its members needs. Free it. */
char *bert_json_normalizer_expected (JsonObject *normalizer);

/* Whether a ByteLevel or Metaspace pre-tokenizer, or a Sequence of them, has the members
 * tokenizers requires there (the other pre-tokenizers are not checked: the readers refuse
 * them). */
gboolean bert_json_pre_tokenizer_has_form (JsonObject *pre_tokenizer);

/* The decoder tokenizers reads, chosen as normalisers are: by its "type" (BPEDecoder,
 * ByteLevel, WordPiece, Metaspace, CTC, Sequence, Replace, Fuse, Strip, ByteFallback), else
 * the first of BPEDecoder, WordPiece, CTC, Replace and Strip whose members it has; NULL
 * where tokenizers refuses it. */
const char *bert_json_decoder_type (JsonObject *decoder);

/* bert_json_normalizer_expected for decoders. */
char *bert_json_decoder_expected (JsonObject *decoder);

/* The post-processor tokenizers reads: the first of "RobertaProcessing", "BertProcessing",
 * "ByteLevel", "TemplateProcessing" and "Sequence" whose members the object has, whatever
 * its "type" says (only ByteLevel and Sequence need theirs); NULL where none. A template
 * needs "single", "pair" and "special_tokens", as there. */
const char *bert_json_post_processor_type (JsonObject *processor);

/* Whether truncation, padding and an added token have the members tokenizers requires:
 * truncation max_length, strategy and stride (direction may be left out); padding all but
 * pad_to_multiple_of; an added token id, content and its five flags. */
gboolean bert_json_truncation_has_form (JsonObject *truncation);
gboolean bert_json_padding_has_form (JsonObject *padding);
gboolean bert_json_added_token_has_form (JsonObject *token);

G_END_DECLS

#endif
