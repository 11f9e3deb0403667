/* bert_sentencepiece_model.c: sentencepiece's ModelProto from the protobuf wire format. See
 * bert_sentencepiece_model.h.
 *
 * The wire format: each field is a varint key (field number << 3 | wire type) then its
 * value: a varint (type 0), 8 bytes (1), a varint length and that many bytes (2), or 4
 * bytes (5); groups (3, 4) are not used by sentencepiece and are refused. A known field in
 * another wire type than its own is refused too (protobuf would keep it as an unknown field
 * and leave the known one unset, a different model without a word).
 */
#include "bert_sentencepiece_model.h"

#include "bert_model_file.h"
#include "bert_tokenizer.h"

#include <math.h>
#include <string.h>

/* A model is a few MB (XLM-R's 250,000 pieces: 5 MB); this bounds what is read. */
#define MAX_MODEL_BYTES ((gsize) 256 << 20)

enum {
  WIRE_VARINT = 0,
  WIRE_I64 = 1,
  WIRE_LEN = 2,
  WIRE_I32 = 5
};

/* The bytes of one message: [at, end) of the file's data. */
typedef struct {
  const guint8 *data;
  gsize at, end;
  const char *path;
} Reader;

static gboolean wire_error (GError **error, const Reader *reader, gsize offset, const char *field,
    const char *format, ...) G_GNUC_PRINTF (5, 6);

static gboolean
wire_error (GError **error, const Reader *reader, gsize offset, const char *field, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  char *problem = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, BERT_TOKENIZER_ERROR, BERT_TOKENIZER_ERROR_FORMAT,
      "%s: not a sentencepiece model: at byte %" G_GSIZE_FORMAT ", %s: %s", reader->path, offset, field,
      problem);
  g_free (problem);
  return FALSE;
}

static gboolean
read_varint (Reader *reader, const char *field, guint64 *value, GError **error)
{
  gsize start = reader->at;
  *value = 0;
  for (guint shift = 0; shift < 64; shift += 7) {
    if (reader->at >= reader->end)
      return wire_error (error, reader, start, field, "a varint runs past the end of its message");
    guint8 byte = reader->data[reader->at++];
    *value |= (guint64) (byte & 0x7f) << shift;
    if (!(byte & 0x80))
      return TRUE;
  }
  return wire_error (error, reader, start, field, "a varint longer than 10 bytes");
}

typedef enum {
  KEY_FOUND,
  KEY_END,
  KEY_ERROR
} KeyResult;

/* The next field's key, or the end of the message. */
static KeyResult
read_key (Reader *reader, const char *message, guint32 *number, guint *wire, gsize *offset, GError **error)
{
  guint64 key;
  *offset = reader->at;
  if (reader->at >= reader->end)
    return KEY_END;
  if (!read_varint (reader, message, &key, error))
    return KEY_ERROR;
  *number = (guint32) (key >> 3);
  *wire = key & 7;
  if (key >> 3 == 0 || key >> 3 > 0x1fffffff) {
    wire_error (error, reader, *offset, message, "field number %" G_GUINT64_FORMAT " is invalid", key >> 3);
    return KEY_ERROR;
  }
  return KEY_FOUND;
}

/* A length-delimited value: sub holds its bytes, the reader moves past them. */
static gboolean
read_bytes (Reader *reader, const char *field, Reader *sub, GError **error)
{
  gsize start = reader->at;
  guint64 length;
  if (!read_varint (reader, field, &length, error))
    return FALSE;
  if (length > reader->end - reader->at)
    return wire_error (error, reader, start, field,
        "its length %" G_GUINT64_FORMAT " runs past the end of its message (%" G_GSIZE_FORMAT " bytes left)",
        length, reader->end - reader->at);
  *sub = (Reader){ reader->data, reader->at, reader->at + length, reader->path };
  reader->at += length;
  return TRUE;
}

/* Skips a field this reader does not use, checking its wire format. */
static gboolean
skip_field (Reader *reader, const char *message, guint wire, gsize offset, GError **error)
{
  guint64 value;
  Reader sub;
  gsize size = wire == WIRE_I64 ? 8 : 4;

  switch (wire) {
    case WIRE_VARINT: return read_varint (reader, message, &value, error);
    case WIRE_LEN: return read_bytes (reader, message, &sub, error);
    case WIRE_I64:
    case WIRE_I32:
      if (size > reader->end - reader->at)
        return wire_error (error, reader, offset, message,
            "a %" G_GSIZE_FORMAT "-byte value runs past the end", size);
      reader->at += size;
      return TRUE;
    default:
      return wire_error (error, reader, offset, message, "wire type %u is not used by sentencepiece", wire);
  }
}

static gboolean
expect_wire (const Reader *reader, guint wire, guint expected, gsize offset, const char *field,
    GError **error)
{
  static const char *const names[] = { "varint", "64-bit", "length-delimited", "group start", "group end",
    "32-bit", "6", "7" };
  return wire == expected
      || wire_error (error, reader, offset, field, "wire type %u (%s), expected %u (%s)", wire,
          names[wire & 7], expected, names[expected]);
}

/* A varint field's value, its wire type checked. */
static gboolean
read_varint_field (Reader *reader, guint wire, gsize offset, const char *field, guint64 *value,
    GError **error)
{
  return expect_wire (reader, wire, WIRE_VARINT, offset, field, error)
      && read_varint (reader, field, value, error);
}

static gboolean
read_bool (Reader *reader, guint wire, gsize offset, const char *field, gboolean *value, GError **error)
{
  guint64 raw;
  if (!read_varint_field (reader, wire, offset, field, &raw, error))
    return FALSE;
  *value = raw != 0;
  return TRUE;
}

/* An int32 field: negative values are sign-extended to 10 bytes on the wire. */
static gboolean
read_int32 (Reader *reader, guint wire, gsize offset, const char *field, int *value, GError **error)
{
  guint64 raw;
  if (!read_varint_field (reader, wire, offset, field, &raw, error))
    return FALSE;
  *value = (int) (gint32) (guint32) raw;
  return TRUE;
}

/* ---- SentencePiece ---- */

static gboolean
read_piece_field (Reader *reader, guint32 number, guint wire, gsize offset, const char *field,
    BertSpmPiece *piece, GError **error)
{
  guint64 type;
  guint32 bits;
  Reader text;

  switch (number) {
    case 1:
      if (!expect_wire (reader, wire, WIRE_LEN, offset, field, error)
          || !read_bytes (reader, field, &text, error))
        return FALSE;
      if (text.end == text.at
          || !g_utf8_validate_len ((const char *) text.data + text.at, text.end - text.at, NULL)
          || memchr (text.data + text.at, '\0', text.end - text.at) != NULL)
        return wire_error (error, reader, offset, field, "the piece is empty, not UTF-8 text or holds a NUL");
      g_free (piece->text);
      piece->text = g_strndup ((const char *) text.data + text.at, text.end - text.at);
      return TRUE;
    case 2:
      if (!expect_wire (reader, wire, WIRE_I32, offset, field, error))
        return FALSE;
      if (reader->end - reader->at < 4)
        return wire_error (error, reader, offset, field, "the score runs past the end of its message");
      memcpy (&bits, reader->data + reader->at, 4);
      bits = GUINT32_FROM_LE (bits);
      memcpy (&piece->score, &bits, 4);
      reader->at += 4;
      return isfinite (piece->score) || wire_error (error, reader, offset, field, "the score is not finite");
    case 3:
      if (!read_varint_field (reader, wire, offset, field, &type, error))
        return FALSE;
      if (type < BERT_SPM_PIECE_NORMAL || type > BERT_SPM_PIECE_BYTE)
        return wire_error (error, reader, offset, field, "type %" G_GUINT64_FORMAT " is not a piece type",
            type);
      piece->type = (BertSpmPieceType) type;
      return TRUE;
    default: return skip_field (reader, field, wire, offset, error);
  }
}

static gboolean
read_piece (Reader *reader, guint index, BertSpmPiece *piece, GError **error)
{
  char field[32];
  gsize start = reader->at, offset;
  guint32 number;
  guint wire;
  KeyResult key = KEY_END;

  g_snprintf (field, sizeof field, "pieces[%u]", index);
  piece->type = BERT_SPM_PIECE_NORMAL;
  while ((key = read_key (reader, field, &number, &wire, &offset, error)) == KEY_FOUND)
    if (!read_piece_field (reader, number, wire, offset, field, piece, error)) {
      key = KEY_ERROR;
      break;
    }
  if (key == KEY_END && piece->text == NULL) {
    wire_error (error, reader, start, field, "the piece has no text");
    key = KEY_ERROR;
  }
  return key == KEY_END;
}

/* ---- TrainerSpec and NormalizerSpec ---- */

static gboolean
read_trainer_spec (Reader *reader, BertSpmModel *model, GError **error)
{
  gsize offset;
  guint32 number;
  guint wire;
  KeyResult key = KEY_END;
  gboolean ok = TRUE;

  while (ok && (key = read_key (reader, "trainer_spec", &number, &wire, &offset, error)) == KEY_FOUND) {
    if (number == 3)
      ok = read_int32 (reader, wire, offset, "trainer_spec.model_type", &model->model_type, error);
    else if (number == 35)
      ok = read_bool (reader, wire, offset, "trainer_spec.byte_fallback", &model->byte_fallback, error);
    else if (number == 40)
      ok = read_int32 (reader, wire, offset, "trainer_spec.unk_id", &model->unk_id, error);
    else
      ok = skip_field (reader, "trainer_spec", wire, offset, error);
  }
  return ok && key == KEY_END;
}

static gboolean
read_normalizer_spec (Reader *reader, BertSpmModel *model, GError **error)
{
  gsize offset;
  guint32 number;
  guint wire;
  KeyResult key = KEY_END;
  gboolean ok = TRUE;
  Reader value;

  while (ok && (key = read_key (reader, "normalizer_spec", &number, &wire, &offset, error)) == KEY_FOUND) {
    if (number == 2) {
      ok = expect_wire (reader, wire, WIRE_LEN, offset, "normalizer_spec.precompiled_charsmap", error)
          && read_bytes (reader, "normalizer_spec.precompiled_charsmap", &value, error);
      if (ok) {
        g_clear_pointer (&model->charsmap, g_free);
        model->charsmap_length = value.end - value.at;
        model->charsmap =
            model->charsmap_length ? g_memdup2 (value.data + value.at, model->charsmap_length) : NULL;
      }
    } else if (number == 3) {
      ok = read_bool (reader, wire, offset, "normalizer_spec.add_dummy_prefix", &model->add_dummy_prefix,
          error);
    } else if (number == 4) {
      ok = read_bool (reader, wire, offset, "normalizer_spec.remove_extra_whitespaces",
          &model->remove_extra_whitespaces, error);
    } else {
      ok = skip_field (reader, "normalizer_spec", wire, offset, error);
    }
  }
  return ok && key == KEY_END;
}

/* ---- ModelProto ---- */

static gboolean
read_model_field (Reader *reader, guint32 number, guint wire, gsize offset, BertSpmModel *model,
    GArray *pieces, GError **error)
{
  Reader sub;
  char field[32];

  switch (number) {
    case 1:
      g_snprintf (field, sizeof field, "pieces[%u]", pieces->len);
      if (!expect_wire (reader, wire, WIRE_LEN, offset, field, error)
          || !read_bytes (reader, field, &sub, error))
        return FALSE;
      g_array_set_size (pieces, pieces->len + 1);
      return read_piece (&sub, pieces->len - 1, &g_array_index (pieces, BertSpmPiece, pieces->len - 1),
          error);
    case 2:
      return expect_wire (reader, wire, WIRE_LEN, offset, "trainer_spec", error)
          && read_bytes (reader, "trainer_spec", &sub, error) && read_trainer_spec (&sub, model, error);
    case 3:
      return expect_wire (reader, wire, WIRE_LEN, offset, "normalizer_spec", error)
          && read_bytes (reader, "normalizer_spec", &sub, error) && read_normalizer_spec (&sub, model, error);
    default: return skip_field (reader, "the model", wire, offset, error);
  }
}

static void
clear_piece (gpointer data)
{
  g_free (((BertSpmPiece *) data)->text);
}

BertSpmModel *
bert_spm_model_parse (const guint8 *data, gsize length, const char *path, GError **error)
{
  Reader reader = { data, 0, length, path };
  BertSpmModel *model = g_new0 (BertSpmModel, 1);
  GArray *pieces = g_array_new (FALSE, TRUE, sizeof (BertSpmPiece));
  gsize offset;
  guint32 number;
  guint wire;
  KeyResult key = KEY_END;
  gboolean ok = TRUE;

  g_array_set_clear_func (pieces, clear_piece);
  model->model_type = 1;
  model->add_dummy_prefix = model->remove_extra_whitespaces = TRUE;
  while (ok && (key = read_key (&reader, "the model", &number, &wire, &offset, error)) == KEY_FOUND)
    ok = read_model_field (&reader, number, wire, offset, model, pieces, error);
  ok = ok && key == KEY_END;
  if (ok && pieces->len == 0)
    ok = wire_error (error, &reader, length, "pieces", "the model has no pieces");
  if (!ok) {
    g_array_free (pieces, TRUE);
    bert_spm_model_free (model);
    return NULL;
  }
  model->n_pieces = pieces->len;
  g_array_set_clear_func (pieces, NULL);
  model->pieces = (BertSpmPiece *) (void *) g_array_free (pieces, FALSE);
  return model;
}

BertSpmModel *
bert_spm_model_read (const char *path, GError **error)
{
  GError *local_error = NULL;
  char *data = NULL;
  gsize length = 0;

  if (!bert_model_file_read (path, MAX_MODEL_BYTES, &data, &length, &local_error)) {
    g_set_error_literal (error, BERT_TOKENIZER_ERROR, BERT_TOKENIZER_ERROR_FILE, local_error->message);
    g_error_free (local_error);
    return NULL;
  }
  BertSpmModel *model = bert_spm_model_parse ((const guint8 *) data, length, path, error);
  g_free (data);
  return model;
}

void
bert_spm_model_free (BertSpmModel *model)
{
  if (model == NULL)
    return;
  for (guint i = 0; i < model->n_pieces; i++)
    g_free (model->pieces[i].text);
  g_free (model->pieces);
  g_free (model->charsmap);
  g_free (model);
}

gboolean
bert_spm_model_check_charsmap (const BertSpmModel *model, const char *path, GError **error)
{
  const guint8 *blob = model->charsmap;
  gsize length = model->charsmap_length;
  guint32 trie_size = length >= 4 ? blob[0] | blob[1] << 8 | blob[2] << 16 | (guint32) blob[3] << 24 : 0;

  if (length == 0)
    return TRUE;
  if (length < 4 || trie_size == 0 || trie_size % 4 != 0 || trie_size > length - 4
      || (length > 4 + trie_size && blob[length - 1] != '\0')) {
    g_set_error (error, BERT_TOKENIZER_ERROR, BERT_TOKENIZER_ERROR_FORMAT,
        "%s: normalizer_spec.precompiled_charsmap is not a charsmap: its double array of %u bytes does not "
        "fit its %" G_GSIZE_FORMAT " bytes, or its strings do not end with a NUL",
        path, trie_size, length);
    return FALSE;
  }
  return TRUE;
}
