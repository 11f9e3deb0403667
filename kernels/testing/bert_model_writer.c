/* bert_model_writer.c: writes BERT model folders with seeded random weights. */
#include "bert_model_writer.h"
#include "bert_float16.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

void
bert_model_writer_options_init (BertModelWriterOptions *options)
{
  memset (options, 0, sizeof *options);
  options->hidden_size = 32;
  options->num_layers = 2;
  options->num_heads = 4;
  options->intermediate_size = 64;
  options->max_position_embeddings = 64;
  options->type_vocab_size = 2;
  options->vocab_size = 100;
  options->head = BERT_HEAD_ENCODER;
  options->num_labels = 3;
  options->dtype = BERT_DTYPE_F32;
  options->sentence_transformers = TRUE;
  options->pooling = BERT_POOLING_MEAN;
  options->normalize = TRUE;
  options->seed = 1;
  options->weight_scale = 0.2f;
}

typedef enum {
  FILL_RANDOM,
  FILL_AROUND_ONE,   /* LayerNorm weights: 1 + noise */
} TensorFill;

typedef struct {
  char *name;
  int64_t rows, cols;  /* cols 0: a vector */
  TensorFill fill;
} TensorSpec;

static void
add_tensor (GArray *specs, const char *prefix, const char *name, int64_t rows, int64_t cols,
    TensorFill fill)
{
  TensorSpec spec = { g_strconcat (prefix, name, NULL), rows, cols, fill };

  g_array_append_val (specs, spec);
}

/* A Linear layer (cols > 0) or a LayerNorm (cols 0): weight and bias. */
static void
add_linear (GArray *specs, const char *prefix, const char *name, int64_t rows, int64_t cols)
{
  char *weight = g_strconcat (name, ".weight", NULL), *bias = g_strconcat (name, ".bias", NULL);

  add_tensor (specs, prefix, weight, rows, cols, cols ? FILL_RANDOM : FILL_AROUND_ONE);
  add_tensor (specs, prefix, bias, rows, 0, FILL_RANDOM);
  g_free (weight);
  g_free (bias);
}

static GArray *
list_tensors (const BertModelWriterOptions *o)
{
  GArray *specs = g_array_new (FALSE, FALSE, sizeof (TensorSpec));
  const char *prefix = o->bert_prefix ? "bert." : "";
  int64_t hidden = o->hidden_size;

  add_tensor (specs, prefix, "embeddings.word_embeddings.weight", o->vocab_size, hidden, FILL_RANDOM);
  add_tensor (specs, prefix, "embeddings.position_embeddings.weight", o->max_position_embeddings,
      hidden, FILL_RANDOM);
  add_tensor (specs, prefix, "embeddings.token_type_embeddings.weight", o->type_vocab_size, hidden,
      FILL_RANDOM);
  add_linear (specs, prefix, "embeddings.LayerNorm", hidden, 0);
  for (int i = 0; i < o->num_layers; i++) {
    char *layer = g_strdup_printf ("%sencoder.layer.%d.", prefix, i);

    add_linear (specs, layer, "attention.self.query", hidden, hidden);
    add_linear (specs, layer, "attention.self.key", hidden, hidden);
    add_linear (specs, layer, "attention.self.value", hidden, hidden);
    add_linear (specs, layer, "attention.output.dense", hidden, hidden);
    add_linear (specs, layer, "attention.output.LayerNorm", hidden, 0);
    add_linear (specs, layer, "intermediate.dense", o->intermediate_size, hidden);
    add_linear (specs, layer, "output.dense", hidden, o->intermediate_size);
    add_linear (specs, layer, "output.LayerNorm", hidden, 0);
    g_free (layer);
  }
  if (o->head != BERT_HEAD_TOKEN_CLASSIFIER)
    add_linear (specs, prefix, "pooler.dense", hidden, hidden);
  if (o->head != BERT_HEAD_ENCODER)
    add_linear (specs, "", "classifier", o->num_labels, hidden);
  return specs;
}

static gsize
dtype_size (BertDType dtype)
{
  return dtype == BERT_DTYPE_F32 ? 4 : 2;
}

static const char *
dtype_name (BertDType dtype)
{
  return dtype == BERT_DTYPE_F32 ? "F32" : dtype == BERT_DTYPE_F16 ? "F16" : "BF16";
}

static GString *
build_header (GArray *specs, BertDType dtype)
{
  GString *header = g_string_new ("{\"__metadata__\":{\"format\":\"pt\"}");
  guint64 offset = 0;

  for (guint i = 0; i < specs->len; i++) {
    const TensorSpec *spec = &g_array_index (specs, TensorSpec, i);
    guint64 bytes = spec->rows * (spec->cols ? spec->cols : 1) * dtype_size (dtype);

    g_string_append_printf (header, ",\"%s\":{\"dtype\":\"%s\",\"shape\":[%" G_GINT64_FORMAT,
        spec->name, dtype_name (dtype), spec->rows);
    if (spec->cols)
      g_string_append_printf (header, ",%" G_GINT64_FORMAT, spec->cols);
    g_string_append_printf (header, "],\"data_offsets\":[%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT "]}",
        offset, offset + bytes);
    offset += bytes;
  }
  g_string_append_c (header, '}');
  /* Writers pad the header with spaces so that the data starts 8-byte aligned. */
  while (header->len % 8 != 0)
    g_string_append_c (header, ' ');
  return header;
}

/* xorshift32: uniform in [-1, 1). */
static float
next_uniform (guint32 *state)
{
  guint32 x = *state;

  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  *state = x;
  return (x >> 8) * (2.0f / 16777216.0f) - 1.0f;
}

static gboolean
write_tensor (FILE *file, const TensorSpec *spec, const BertModelWriterOptions *o, guint32 *state)
{
  gsize n = spec->rows * (spec->cols ? spec->cols : 1), size = dtype_size (o->dtype);
  guint8 *bytes = g_malloc (n * size);
  gboolean ok;

  for (gsize i = 0; i < n; i++) {
    float value = next_uniform (state) * o->weight_scale;
    uint16_t half;

    if (spec->fill == FILL_AROUND_ONE)
      value += 1.0f;
    if (o->dtype == BERT_DTYPE_F32) {
      memcpy (bytes + 4 * i, &value, 4);
      continue;
    }
    half = GUINT16_TO_LE (o->dtype == BERT_DTYPE_F16 ? bert_float_to_half (value) : bert_float_to_bfloat16 (value));
    memcpy (bytes + 2 * i, &half, 2);
  }
  ok = fwrite (bytes, size, n, file) == n;
  g_free (bytes);
  return ok;
}

static gboolean
write_safetensors (const char *path, const BertModelWriterOptions *o, GError **error)
{
  GArray *specs = list_tensors (o);
  GString *header = build_header (specs, o->dtype);
  guint64 length = GUINT64_TO_LE (header->len);
  guint32 state = o->seed ? o->seed : 1;
  FILE *file = g_fopen (path, "wb");
  gboolean ok = file != NULL && fwrite (&length, 8, 1, file) == 1
      && fwrite (header->str, 1, header->len, file) == header->len;

  for (guint i = 0; ok && i < specs->len; i++)
    ok = write_tensor (file, &g_array_index (specs, TensorSpec, i), o, &state);
  if (file != NULL && fclose (file) != 0)
    ok = FALSE;
  if (!ok)
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_IO, "cannot write %s", path);
  for (guint i = 0; i < specs->len; i++)
    g_free (g_array_index (specs, TensorSpec, i).name);
  g_array_unref (specs);
  g_string_free (header, TRUE);
  return ok;
}

static char *
config_json (const BertModelWriterOptions *o)
{
  static const char *architectures[] = { "BertModel", "BertForSequenceClassification",
      "BertForTokenClassification" };
  GString *json = g_string_new ("{\n");

  g_string_append_printf (json, "  \"architectures\": [\"%s\"],\n  \"model_type\": \"bert\",\n"
      "  \"hidden_size\": %d,\n  \"num_hidden_layers\": %d,\n  \"num_attention_heads\": %d,\n"
      "  \"intermediate_size\": %d,\n  \"hidden_act\": \"gelu\",\n  \"layer_norm_eps\": 1e-12,\n"
      "  \"max_position_embeddings\": %d,\n  \"type_vocab_size\": %d,\n  \"vocab_size\": %d",
      architectures[o->head], o->hidden_size, o->num_layers, o->num_heads, o->intermediate_size,
      o->max_position_embeddings, o->type_vocab_size, o->vocab_size);
  if (o->head != BERT_HEAD_ENCODER) {
    g_string_append (json, ",\n  \"id2label\": {");
    for (int i = 0; i < o->num_labels; i++)
      g_string_append_printf (json, "%s\"%d\": \"label%d\"", i ? ", " : "", i, i);
    g_string_append (json, "}");
    if (o->multi_label)
      g_string_append (json, ",\n  \"problem_type\": \"multi_label_classification\"");
  }
  g_string_append (json, "\n}\n");
  return g_string_free (json, FALSE);
}

static char *
vocab_txt (int vocab_size)
{
  GString *vocab = g_string_new ("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n");

  for (int i = 5; i < vocab_size; i++)
    g_string_append_printf (vocab, "w%d\n", i);
  return g_string_free (vocab, FALSE);
}

static char *
pooling_json (const BertModelWriterOptions *o)
{
  return g_strdup_printf ("{\n  \"word_embedding_dimension\": %d,\n"
      "  \"pooling_mode_cls_token\": %s,\n  \"pooling_mode_mean_tokens\": %s,\n"
      "  \"pooling_mode_max_tokens\": %s,\n  \"pooling_mode_mean_sqrt_len_tokens\": false\n}\n",
      o->hidden_size, o->pooling == BERT_POOLING_CLS ? "true" : "false",
      o->pooling == BERT_POOLING_MEAN ? "true" : "false",
      o->pooling == BERT_POOLING_MAX ? "true" : "false");
}

static char *
modules_json (const BertModelWriterOptions *o)
{
  return g_strdup_printf ("[\n"
      "  {\"idx\": 0, \"name\": \"0\", \"path\": \"\", \"type\": \"sentence_transformers.models.Transformer\"},\n"
      "  {\"idx\": 1, \"name\": \"1\", \"path\": \"1_Pooling\", \"type\": \"sentence_transformers.models.Pooling\"}%s\n]\n",
      o->normalize ? ",\n  {\"idx\": 2, \"name\": \"2\", \"path\": \"2_Normalize\", "
      "\"type\": \"sentence_transformers.models.Normalize\"}" : "");
}

/* Writes contents (taken) to folder/name. */
static gboolean
write_text (const char *folder, const char *name, char *contents, GError **error)
{
  char *path = g_build_filename (folder, name, NULL);
  gboolean ok = g_file_set_contents (path, contents, -1, error);

  g_free (path);
  g_free (contents);
  return ok;
}

gboolean
bert_model_writer_write (const char *folder, const BertModelWriterOptions *options, GError **error)
{
  char *pooling_folder = g_build_filename (folder, "1_Pooling", NULL);
  char *weights_path = g_build_filename (folder, "model.safetensors", NULL);
  gboolean ok;

  if (g_mkdir_with_parents (pooling_folder, 0755) != 0) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_IO, "cannot create %s", pooling_folder);
    ok = FALSE;
  } else {
    ok = write_text (folder, "config.json", config_json (options), error)
        && write_text (folder, "vocab.txt", vocab_txt (options->vocab_size), error)
        && write_safetensors (weights_path, options, error);
    if (ok && options->sentence_transformers)
      ok = write_text (folder, "modules.json", modules_json (options), error)
          && write_text (folder, "1_Pooling/config.json", pooling_json (options), error);
    else if (ok)
      g_rmdir (pooling_folder);
  }
  g_free (pooling_folder);
  g_free (weights_path);
  return ok;
}

void
bert_model_writer_remove (const char *folder)
{
  GDir *dir = g_dir_open (folder, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL) {
    char *child = g_build_filename (folder, name, NULL);

    if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
      bert_model_writer_remove (child);
    else
      g_unlink (child);
    g_free (child);
  }
  if (dir != NULL)
    g_dir_close (dir);
  g_rmdir (folder);
}
