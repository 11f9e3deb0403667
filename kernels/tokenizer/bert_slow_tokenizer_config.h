/* bert_slow_tokenizer_config.h: the settings a slow tokenizer's folder gives transformers.
 *
 * A folder with only a slow tokenizer's files (no tokenizer.json) may also hold
 * tokenizer_config.json, special_tokens_map.json and config.json. transformers (5.x) picks
 * the tokenizer class from them as AutoTokenizer does and hands their special tokens to the
 * class's constructor. This reads them for a family of classes described as data (RoBERTa's;
 * XLM-R's and CamemBERT's), and refuses the settings with which transformers would build
 * something else than the family's usual tokenizer, naming the command that saves
 * transformers' own tokenizer.json instead.
 */
#ifndef BERT_SLOW_TOKENIZER_CONFIG_H
#define BERT_SLOW_TOKENIZER_CONFIG_H

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* transformers' SPECIAL_TOKENS_ATTRIBUTES, in its order. */
typedef enum {
  BERT_SPECIAL_BOS,
  BERT_SPECIAL_EOS,
  BERT_SPECIAL_UNK,
  BERT_SPECIAL_SEP,
  BERT_SPECIAL_PAD,
  BERT_SPECIAL_CLS,
  BERT_SPECIAL_MASK,
  BERT_N_SPECIAL
} BertSpecialKey;

/* A special token as transformers' AddedToken holds it. */
typedef struct {
  const char *content;
  gboolean single_word, lstrip, rstrip, normalized;
} BertSpecialToken;

/* One tokenizer class: its name (its "Fast" twin is the same), the model_type that picks it
 * where no class is named, and its constructor's special tokens, whose flags a token named
 * by a string alone takes too. */
typedef struct {
  const char *name;
  const char *model_type;
  BertSpecialToken defaults[BERT_N_SPECIAL];
  gboolean ignores_map_additional_special_tokens;
} BertSlowTokenizerClass;

/* The classes built from one kind of slow tokenizer files, and what they accept. */
typedef struct {
  const char *files; /* the files, as errors name them: "vocab.json and merges.txt" */
  const char *built; /* "only RobertaTokenizer is built from these files" */
  const BertSlowTokenizerClass *classes;
  guint n_classes;
  gboolean fixed_texts; /* the special tokens must keep their defaults' texts */
  guint plain_tokens;   /* bits (1 << key) of tokens that may not set single_word, lstrip, rstrip */
} BertSlowTokenizerFamily;

/* The folder's settings; the tokens' texts point into the JSON files held here. */
typedef struct {
  const char *folder;
  const BertSlowTokenizerFamily *family;
  const BertSlowTokenizerClass *class;
  JsonNode *tokenizer_config, *config, *special_map;
  BertSpecialToken special[BERT_N_SPECIAL];
} BertSlowTokenizerConfig;

/* What names the class AutoTokenizer builds from FOLDER's TOKENIZER_CONFIG and MODEL_CONFIG
 * (either NULL where absent): tokenizer_config.json's tokenizer_class, else config.json's, in
 * *NAME with the file's name in *SOURCE; else NULL there and config.json's model_type in
 * *MODEL_TYPE (or NULL). FALSE with an error where one is not a string. */
gboolean bert_tokenizer_class_read (JsonObject *tokenizer_config, JsonObject *model_config,
    const char *folder, const char **name, const char **source, const char **model_type, GError **error);

/* Takes FOLDER's tokenizer_config.json as the loader parsed it (TOKENIZER_CONFIG, NULL where
 * absent; CONFIG holds a reference), reads its config.json and special_tokens_map.json (each
 * optional), finds the class as AutoTokenizer does and its special tokens:
 * tokenizer_config.json's, then special_tokens_map.json's over them, else the class's
 * defaults. FALSE with an error for another class, an added_tokens.json, settings that
 * change what the class builds or a malformed file; clear CONFIG in both cases. */
gboolean bert_slow_tokenizer_config_read (BertSlowTokenizerConfig *config, const char *folder,
    JsonNode *tokenizer_config, const BertSlowTokenizerFamily *family, GError **error);
void bert_slow_tokenizer_config_clear (BertSlowTokenizerConfig *config);

/* tokenizer_config.json's boolean setting KEY (add_prefix_space...) into VALUE, left as it
 * is where unset; FALSE with an error where it is not a boolean. */
gboolean bert_slow_tokenizer_config_get_bool (const BertSlowTokenizerConfig *config, const char *key,
    gboolean *value, GError **error);

/* FALSE, with an error naming FILE and the field, where special_tokens_map.json (MAP) gives
 * a special token as null: transformers then has no such token, where tokenizer_config.json's
 * or the class's would stand here. */
gboolean bert_special_tokens_map_check_nulls (JsonObject *map, const char *file, GError **error);

/* The entry of tokenizer.json's added_tokens for TOKEN with ID. */
JsonObject *bert_special_token_to_added_token (const BertSpecialToken *token, gint64 id);

/* tokenizer.json's added_tokens for SPECIAL (BERT_N_SPECIAL tokens) as transformers 5 adds
 * them: in the order bos, eos, unk, sep, pad, cls, mask, each keeping its VOCAB id or
 * taking the next id past the vocabulary; where two name the same text, the later one's
 * flags (lstrip, rstrip, ...) stand. NORMALIZER: the tokenizer has a normaliser, so each
 * token's normalized flag stays as read. The ids of cls and sep in *CLS_ID and *SEP_ID. */
JsonArray *bert_slow_tokenizer_added_tokens (const BertSpecialToken *special, JsonObject *vocab,
    gboolean normalizer, gint64 *cls_id, gint64 *sep_id);

/* tokenizer.json's RobertaProcessing post-processor (`<s> A </s>`, pairs
 * `<s> A </s></s> B </s>`) with SPECIAL's cls and sep at CLS_ID and SEP_ID. */
JsonObject *bert_slow_tokenizer_roberta_processing (const BertSpecialToken *special, gint64 cls_id,
    gint64 sep_id, gboolean trim_offsets, gboolean add_prefix_space);

/* One line of a text file (its bytes, without the line end), numbered from 1. */
typedef gboolean (
    *BertSlowTokenizerLineFunc) (const char *line, gsize length, guint number, gpointer data, GError **error);

/* The lines of the text file at PATH as Rust's BufRead::lines gives them ("\n" or "\r\n"
 * ends a line, and a final line needs no end), each checked to be UTF-8 without NUL (an
 * error names the file and line) and handed to READ_LINE until one returns FALSE. The
 * number of lines read in *N_LINES. */
gboolean bert_slow_tokenizer_read_lines (const char *path, BertSlowTokenizerLineFunc read_line, gpointer data,
    guint *n_lines, GError **error);

/* The top-level object of the JSON file at PATH, or NULL with an error naming the line. */
JsonNode *bert_slow_tokenizer_read_json_object (const char *path, GError **error);

/* FOLDER's file NAME as in bert_slow_tokenizer_read_json_object, in *ROOT; NULL there and
 * no error where it is absent. FALSE where it is there but not a JSON object. */
gboolean bert_slow_tokenizer_read_optional_json (const char *folder, const char *name, JsonNode **root,
    GError **error);

/* A BERT_TOKENIZER_ERROR_FORMAT error in one of the files; FALSE. */
gboolean bert_slow_tokenizer_format_error (GError **error, const char *format, ...) G_GNUC_PRINTF (2, 3);

G_END_DECLS

#endif
