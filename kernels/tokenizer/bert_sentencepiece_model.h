/* bert_sentencepiece_model.h: a sentencepiece model file (.model) read without protobuf.
 *
 * The file is a serialised sentencepiece.ModelProto (sentencepiece_model.proto): its
 * pieces (text, score, type), its TrainerSpec and its NormalizerSpec, whose
 * precompiled_charsmap is the normaliser that transformers' converters carry into
 * tokenizer.json. Every field is read by hand from the protobuf wire format, each length
 * checked against the bytes left before it is used; the fields read are the ones
 * transformers' converters read (XLM-R's and CamemBERT's in transformers 5 use only the
 * pieces and the charsmap), every other field is checked for its wire format and skipped.
 */
#ifndef BERT_SENTENCEPIECE_MODEL_H
#define BERT_SENTENCEPIECE_MODEL_H

#include <glib.h>

G_BEGIN_DECLS

/* sentencepiece's ModelProto.SentencePiece.Type. */
typedef enum {
  BERT_SPM_PIECE_NORMAL = 1,
  BERT_SPM_PIECE_UNKNOWN = 2,
  BERT_SPM_PIECE_CONTROL = 3,
  BERT_SPM_PIECE_USER_DEFINED = 4,
  BERT_SPM_PIECE_UNUSED = 5,
  BERT_SPM_PIECE_BYTE = 6
} BertSpmPieceType;

typedef struct {
  char *text; /* valid UTF-8, not empty */
  float score;
  BertSpmPieceType type;
} BertSpmPiece;

typedef struct {
  BertSpmPiece *pieces;
  guint n_pieces;
  /* TrainerSpec, with the proto's defaults where absent */
  int model_type; /* 1 unigram, 2 BPE, 3 word, 4 char */
  gboolean byte_fallback;
  int unk_id;
  /* NormalizerSpec */
  guint8 *charsmap; /* precompiled_charsmap: NULL when absent or empty */
  gsize charsmap_length;
  gboolean add_dummy_prefix, remove_extra_whitespaces;
} BertSpmModel;

/* Parses the length bytes of a .model file; path names it in errors, which give the byte
 * offset and the field (BERT_TOKENIZER_ERROR_FORMAT). */
BertSpmModel *bert_spm_model_parse (const guint8 *data, gsize length, const char *path, GError **error);

/* Reads and parses the file at path. */
BertSpmModel *bert_spm_model_read (const char *path, GError **error);

void bert_spm_model_free (BertSpmModel *model);

/* FALSE, with an error naming PATH, where MODEL's precompiled_charsmap is not laid out as
 * sentencepiece writes one (a little-endian uint32 size of a double array, that many bytes
 * of units, then NUL-terminated strings); TRUE where it is, or where there is none. */
gboolean bert_spm_model_check_charsmap (const BertSpmModel *model, const char *path, GError **error);

G_END_DECLS

#endif
