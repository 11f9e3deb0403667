/* bert_pipeline.h: the Unigram (SentencePiece), byte-level BPE and other WordPiece tokenizers,
 * stage by stage.
 *
 * Where the BERT WordPiece path (BertNormalizer, BertPreTokenizer) fuses its stages into one
 * pass, these follow Hugging Face tokenizers' structure literally: the text is split on added tokens, each piece between
 * them is normalised (a sequence of steps over a BertNormalized), pre-tokenized (Metaspace,
 * ByteLevel, Whitespace, WhitespaceSplit, BertPreTokenizer), and each pre-token goes through the model; the post-processor's offset
 * trimming (RobertaProcessing's trim_offsets) is applied last. The tokenizer's prefix and
 * suffix ids, truncation and BertEncoding are those of the WordPiece path.
 */
#ifndef BERT_PIPELINE_H
#define BERT_PIPELINE_H

#include "bert_precompiled.h"
#include "bert_tokenizer.h"
#include "bert_subword.h"

#include <json-glib/json-glib.h>

typedef enum {
  BERT_STEP_PRECOMPILED,
  BERT_STEP_STRIP,
  BERT_STEP_REPLACE_STRING,
  BERT_STEP_REPLACE_RUNS,
  BERT_STEP_REPLACE_SPACE_RUNS,
  BERT_STEP_LOWERCASE,
  BERT_STEP_PREPEND,
  BERT_STEP_NFD,
  BERT_STEP_NFKD,
  BERT_STEP_NFC,
  BERT_STEP_NFKC,
  BERT_STEP_STRIP_ACCENTS,
  BERT_STEP_BERT
} BertStepKind;

typedef struct {
  BertStepKind kind;
  BertPrecompiled *precompiled;
  char *pattern, *content; /* Replace (pattern: a string, or one character for runs),
                                * Prepend */
  guint min_count;         /* REPLACE_RUNS */
  gboolean left, right;    /* STRIP */
  gboolean clean_text, handle_chinese_chars, strip_accents, lowercase; /* BERT */
} BertNormalizerStep;

typedef enum {
  BERT_MODEL_UNIGRAM,
  BERT_MODEL_BPE,
  BERT_MODEL_WORDPIECE
} BertModelKind;

typedef enum {
  BERT_PRE_NONE,
  BERT_PRE_METASPACE,
  BERT_PRE_WHITESPACE_METASPACE, /* WhitespaceSplit, then a split Metaspace */
  BERT_PRE_BYTE_LEVEL,
  BERT_PRE_SPLITS /* splitters, one after the other (BertSplitter) */
} BertPreTokenizerKind;

/* The pre-tokenizers that split by character class: each cuts every pre-token of the one
 * before it into runs of one role, drops the removed characters and leaves the lone ones
 * alone. */
typedef enum {
  BERT_SPLIT_WHITESPACE,       /* Whitespace: \w+|[^\w\s]+ */
  BERT_SPLIT_WHITESPACE_SPLIT, /* WhitespaceSplit: on White_Space, removed */
  BERT_SPLIT_BERT,             /* BertPreTokenizer: the same, punctuation alone */
  BERT_SPLIT_DIGITS_ALONE,     /* Digits with individual_digits */
  BERT_SPLIT_DIGITS_RUNS,      /* Digits without */
  BERT_SPLIT_PUNCT_ALONE,      /* Punctuation, Isolated */
  BERT_SPLIT_PUNCT_RUNS,       /* Punctuation, Contiguous */
  BERT_SPLIT_PUNCT_REMOVED     /* Punctuation, Removed */
} BertSplitter;

typedef enum {
  BERT_PREPEND_ALWAYS,
  BERT_PREPEND_FIRST,
  BERT_PREPEND_NEVER
} BertPrependScheme;

typedef struct _BertPipeline {
  uint32_t serial; /* unique per pipeline loaded: keys the pre-token cache */
  BertModelKind model;
  BertUnigram unigram;
  BertBpe bpe;
  BertWordPiece wordpiece;

  BertNormalizerStep *steps;
  guint n_steps;

  BertPreTokenizerKind pre_tokenizer;
  BertSplitter *splitters; /* BERT_PRE_SPLITS */
  guint n_splitters;
  char *replacement; /* Metaspace: "▁" */
  BertPrependScheme prepend_scheme;
  gboolean split;            /* Metaspace: split before each replacement */
  gboolean split_takes_runs; /* Metaspace: does the last normaliser's Replace of space runs */
  gboolean add_prefix_space; /* ByteLevel */
  gboolean use_regex;        /* ByteLevel */

  gboolean trim_offsets; /* RobertaProcessing / ByteLevel post-processor */
  gboolean trim_add_prefix_space;
  /* One per id below n_token_spaces: the leading (low 4 bits) and trailing (high 4 bits)
   * spaces trim_offsets sees in the token's text (255: 15 or more, count them again), so
   * that trimming decodes nothing; a byte per id keeps the table in the first-level cache. */
  uint8_t *token_spaces;
  uint32_t n_token_spaces;
} BertPipeline;

typedef struct _BertTokenizer BertTokenizer;

/* Reads a Unigram or BPE tokenizer.json's model, normalizer and pre_tokenizer into the
 * tokenizer's pipeline (the caller reads the added tokens and the post-processor). */
gboolean bert_pipeline_read (BertTokenizer *tokenizer, JsonObject *root, JsonArray *added, const char *file,
    GError **error);
/* Reads the normalizer and pre_tokenizer of a WordPiece tokenizer.json that the fused path
 * does not take, the model already read into the tokenizer (its vocabulary, unk_id,
 * subword_prefix, max_input_chars_per_word and n_model_pieces). */
gboolean bert_pipeline_read_wordpiece (BertTokenizer *tokenizer, JsonObject *root, const char *file,
    GError **error);
void bert_pipeline_free (BertPipeline *pipeline);
/* Fills token_spaces for the vocabulary's ids (bert_pipeline_read does, at its end). */
void bert_pipeline_count_token_spaces (BertPipeline *pipeline, const BertVocab *vocab);

void bert_pipeline_encode (const BertTokenizer *tokenizer, const char *text, gsize length, guint max_length,
    BertEncoding *encoding);

#endif
