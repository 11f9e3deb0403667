/* bert_tokenizer.h: Hugging Face-exact BERT WordPiece tokenization, free of GStreamer.
 *
 * The pipeline is that of Hugging Face tokenizers' BertNormalizer, BertPreTokenizer,
 * WordPiece model and the [CLS] A [SEP] (B [SEP]) post-processor. Every output token
 * carries the byte span of the input text it came from, so spans survive normalisation.
 */
#ifndef BERT_TOKENIZER_H
#define BERT_TOKENIZER_H

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

#define BERT_TOKENIZER_ERROR (bert_tokenizer_error_quark ())
GQuark bert_tokenizer_error_quark (void);

typedef enum {
  BERT_TOKENIZER_ERROR_FILE,       /* a file is missing or unreadable */
  BERT_TOKENIZER_ERROR_FORMAT,     /* a file is malformed: the message names file and line or field */
  BERT_TOKENIZER_ERROR_UNSUPPORTED /* a valid file describing something other than BERT WordPiece */
} BertTokenizerError;

/* Normalisation settings, as in tokenizer_config.json / tokenizer.json's BertNormalizer. */
typedef struct {
  gboolean clean_text;           /* drop control chars and U+FFFD, map whitespace to ' ' */
  gboolean handle_chinese_chars; /* put spaces around CJK ideographs */
  gboolean lowercase;
  int strip_accents;              /* -1: unset (follows lowercase), 0: no, 1: yes */
  guint model_max_length;         /* a folder's sentence_bert_config.json max_seq_length,
                                      * else tokenizer_config.json's; 512 when absent */
  gboolean truncate_left;         /* truncation keeps the end of a text, as transformers'
                           * truncation_side "left" (bert_truncation_side.h) */
  gboolean max_length_is_default; /* no file set a limit: model_max_length is 512, BERT's,
                                   * where transformers would not truncate at all */
} BertNormalizerOptions;

typedef struct _BertTokenizer BertTokenizer;

/* Loads from a vocab.txt file, a tokenizer.json file, or a model folder (tokenizer.json
 * preferred, else vocab.txt, with tokenizer_config.json read for the options). */
BertTokenizer *bert_tokenizer_new_from_path (const char *path, GError **error);

/* Loads a vocab.txt with explicit options. */
BertTokenizer *bert_tokenizer_new_from_vocab_file (const char *vocab_path,
    const BertNormalizerOptions *options, GError **error);

void bert_tokenizer_free (BertTokenizer *tokenizer);

/* Why the folder it was loaded from may be tokenized otherwise elsewhere (transformers 5:
 * bert_transformers5.h), one sentence naming the folder, for the caller to show as a
 * warning; NULL where there is none. */
const char *bert_tokenizer_get_warning (const BertTokenizer *tokenizer);

const BertNormalizerOptions *bert_tokenizer_get_options (const BertTokenizer *tokenizer);
guint bert_tokenizer_get_vocab_size (const BertTokenizer *tokenizer);
/* The token text of an id, or NULL when out of range. */
const char *bert_tokenizer_id_to_token (const BertTokenizer *tokenizer, int32_t id);
/* The id of a token text, or -1. */
int32_t bert_tokenizer_token_to_id (const BertTokenizer *tokenizer, const char *token);
int32_t bert_tokenizer_get_cls_id (const BertTokenizer *tokenizer);
int32_t bert_tokenizer_get_sep_id (const BertTokenizer *tokenizer);
int32_t bert_tokenizer_get_pad_id (const BertTokenizer *tokenizer);
int32_t bert_tokenizer_get_unk_id (const BertTokenizer *tokenizer);
/* The special tokens the post-processor puts before and after a sequence: [CLS] and [SEP]
 * for BERT, whatever tokenizer.json's template says otherwise (possibly none). */
const int32_t *bert_tokenizer_get_prefix_ids (const BertTokenizer *tokenizer, guint *n_ids);
const int32_t *bert_tokenizer_get_suffix_ids (const BertTokenizer *tokenizer, guint *n_ids);
/* TRUE when spans are trimmed as RobertaProcessing's trim_offsets does: then, as in
 * Hugging Face's, a span may be empty (a lone "Ġ") and may start before the previous
 * token's (the pieces of a character after a trimmed space); ends stay in order. */
gboolean bert_tokenizer_get_trims_offsets (const BertTokenizer *tokenizer);

/* One tokenized sequence or pair. Offsets are byte offsets into the text the token came
 * from, as [start, end) pairs; special tokens have [0, 0]. Every token is attended to (the
 * attention mask is n_tokens ones: there is no padding). */
typedef struct {
  int32_t *ids;
  int32_t *type_ids;
  uint32_t *offsets; /* 2 * n_tokens entries */
  uint32_t n_tokens;
  uint32_t capacity;
  /* tokens [sequence_start[s], sequence_start[s] + sequence_length[s]) came from text s
   * (0: the single text or the pair's first, 1: the pair's second); the others are the
   * post-processor's special tokens (bert_encoding_sequence_id) */
  uint32_t sequence_start[2], sequence_length[2];
  gboolean truncated;     /* tokens were dropped to respect max_length */
  gboolean repaired_utf8; /* the input had invalid UTF-8, replaced by U+FFFD then dropped */
} BertEncoding;

void bert_encoding_init (BertEncoding *encoding);
void bert_encoding_clear (BertEncoding *encoding);

/* Tokenizes text (len bytes, need not be NUL-terminated or valid UTF-8) into
 * encoding, adding [CLS] and [SEP]. max_length counts the special tokens; 0 means
 * the tokenizer's model_max_length. Truncation drops word pieces from the end (from the
 * start where options.truncate_left), as Hugging Face's longest-first truncation does for
 * a single sequence; as there, a max_length smaller than the special tokens truncates
 * nothing. */
void bert_tokenizer_encode (const BertTokenizer *tokenizer, const char *text, gsize len, guint max_length,
    BertEncoding *encoding);

/* TRUE when the tokenizer's post-processor has a pair form this library follows exactly:
 * BertProcessing ([CLS] A [SEP] B [SEP], B and its [SEP] of type 1), RobertaProcessing
 * (<s> A </s></s> B </s>, all of type 0) or a TemplateProcessing pair template with its
 * special tokens before, between and after $A and $B in that order. Else FALSE, with an
 * error saying why. */
gboolean bert_tokenizer_supports_pairs (const BertTokenizer *tokenizer, GError **error);

/* Tokenizes the pair (a, b) as Hugging Face's tokenizer.encode (a, b) does with truncation
 * longest_first to max_length (0: model_max_length): each text is tokenized alone, the
 * longer loses tokens from its end first (from its start where options.truncate_left),
 * then the pair template adds its special tokens.
 * As in the reference, a max_length smaller than the template's special tokens truncates
 * nothing. Offsets of a's tokens point into a, of b's into b: bert_encoding_sequence_id
 * tells which. FALSE, with an empty encoding, when the tokenizer has no pair form
 * (bert_tokenizer_supports_pairs). */
gboolean bert_tokenizer_encode_pair (const BertTokenizer *tokenizer, const char *a, gsize a_len,
    const char *b, gsize b_len, guint max_length, BertEncoding *encoding, GError **error);

/* The text token came from, as Hugging Face's sequence_ids: 0 or 1, or -1 for a special
 * token. */
int bert_encoding_sequence_id (const BertEncoding *encoding, uint32_t token);

G_END_DECLS

#endif
