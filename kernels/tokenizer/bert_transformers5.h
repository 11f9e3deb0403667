/* bert_transformers5.h: where transformers 5 would tokenize a model folder otherwise.
 *
 * gst-bert follows a folder's tokenizer.json, as Hugging Face tokenizers, TEI and
 * transformers 4 do. transformers 5 (checked with 5.25) does too for its generic class, but
 * rebuilds BertTokenizer (and the classes that resolve to it or derive from it:
 * DistilBertTokenizer, ElectraTokenizer...) from tokenizer.json's vocabulary alone: a
 * BertNormalizer from tokenizer_config.json's do_lower_case, strip_accents and
 * tokenize_chinese_chars (defaults true, null, true), the BertPreTokenizer, WordPiece with
 * "##" and 100 characters per word, and BERT's template with its cls_token and sep_token;
 * FunnelTokenizer and MPNetTokenizer likewise, with their own special tokens and
 * post-processors (Funnel's [CLS] of type id 2, MPNet's RobertaProcessing).
 * Likewise XLMRobertaTokenizer and CamembertTokenizer: tokenizer.json's pieces and Precompiled
 * charsmap, then WhitespaceSplit and a split Metaspace, unk_id 3 and the bos A eos template
 * (bos_token and eos_token from special_tokens_map.json, else tokenizer_config.json). And
 * RobertaTokenizer (model_type roberta, bart, longformer...): tokenizer.json's vocabulary and
 * merges, no normaliser, ByteLevel with tokenizer_config.json's add_prefix_space (false
 * where absent) and RobertaProcessing over its cls_token and sep_token.
 * And tokenizer_config.json's normaliser switches, which gst-bert applies over the file's
 * BertNormalizer, are ignored by transformers 4 and 5 for the generic class. Where either
 * gives other token ids, this says so in one sentence, for the loader to pass on as a
 * warning: a user comparing with transformers 5 should not find out by chance. So too for a
 * folder of vocab.txt whose config.json's model_type is a family whose tokenizer does not
 * read vocab.txt as BERT's WordPiece (an ALBERT's reads spiece.model).
 */
#ifndef BERT_TRANSFORMERS5_H
#define BERT_TRANSFORMERS5_H

#include "bert_tokenizer.h"

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* What the folder gave the loader: the special tokens' names (special_tokens_map.json's,
 * else tokenizer_config.json's, else BERT's defaults), special_tokens_map.json (NULL where
 * absent) and the normaliser switches the file's WordPiece had before tokenizer_config.json. */
typedef struct {
  const char *unk, *cls, *sep;
  JsonObject *special_tokens_map;
  BertNormalizerOptions file_options;
} BertFolderSettings;

/* The warning for FOLDER, whose tokenizer.json TOKENIZER was loaded from, or NULL where
 * transformers 5 tokenizes it as gst-bert does (as far as the normaliser, pre-tokenizer,
 * WordPiece or Unigram model and post-processor tell). TOKENIZER_CONFIG is the folder's
 * tokenizer_config.json as the loader parsed it (NULL where absent). FALSE with an error
 * where it or config.json is malformed. */
gboolean bert_transformers5_check (const char *folder, JsonObject *tokenizer_config,
    const BertTokenizer *tokenizer, const BertFolderSettings *settings, char **warning, GError **error);

/* FALSE with an error where the folder, read from its vocab.txt, names (tokenizer_config.json's
 * or config.json's tokenizer_class) a class that transformers builds otherwise than BERT's
 * WordPiece (BertJapaneseTokenizer's MeCab words, MPNetTokenizer's template...). Where it
 * names none, a warning in *WARNING (else NULL) where config.json's model_type is a family whose
 * tokenizer is not BertTokenizer's kin (albert: spiece.model; roberta: vocab.json and
 * merges.txt...): likely the wrong tokenizer, but a custom WordPiece vocabulary on such an
 * encoder is real (rxnmapper's ALBERT). */
gboolean bert_transformers5_check_vocab_txt_class (const char *folder, JsonObject *tokenizer_config,
    char **warning, GError **error);

/* The warning for FOLDER, whose TOKENIZER was read from its tokenizer.json or vocab.txt,
 * where its tokenizer_config.json (added_tokens_decoder, additional_special_tokens,
 * extra_special_tokens) or special_tokens_map.json (additional_special_tokens) name tokens
 * that TOKENIZER does not hold as added tokens: transformers 5.25 adds them, matched even
 * inside words ("xhelloy": x, hello, y), whatever the class. NULL where there are none;
 * either object may be NULL. */
char *bert_transformers5_added_tokens (const char *folder, const BertTokenizer *tokenizer,
    JsonObject *tokenizer_config, JsonObject *special_tokens_map);

G_END_DECLS

#endif
