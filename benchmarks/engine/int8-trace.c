/* int8-trace: one sequence through the CPU encoder's layers, every step's activations
 * written out, to compare the engine's int8 (or bf16) with an emulation of its scheme
 * step by step (benchmarks/engine/int8-trace.py reads what this writes).
 *
 * usage: int8-trace MODEL_DIR REFERENCE.jsonl LINE OUT_DIR [int8|bf16|fp32]
 *
 * The layers are run here, in order on one thread, with the engine's own pieces: its
 * Linear layers (bert_linear_init_low / bert_linear_forward: the same packing,
 * quantization and kernels), LayerNorm, attention with MPNet's position bias, the FFN
 * activation and residuals, in the formats the CPU backend gives each product at that
 * precision (bert_cpu_backend.c, layer_format). The sequence is then run by a real CPU
 * encoder too, and both embeddings are written: equal embeddings show that what is
 * written is what the engine computes. Sentence encoders with mean pooling only (the
 * traced embedding is the mean of the last hidden states, normalized), every token of
 * type 0, no embeddings projection (ELECTRA's, ALBERT's).
 *
 * OUT_DIR gets raw little-endian float32 files, NAME.f32, and index.txt, one line per
 * file: NAME ROWS COLUMNS. Per layer L (two digits): LL.in (the layer's input hidden
 * states), LL.qkv, LL.context, LL.attention_output (the product, bias included, before
 * the residual), LL.attention_layernorm, LL.intermediate (the product, before the
 * activation), LL.activation (after it), LL.output (the product, before the residual), LL.out (after the last
 * LayerNorm); then embedding (traced) and engine_embedding. Per product, formats.txt
 * says which format ran. Not a test: a program to read numbers with.
 */
#include <errno.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bert_cpu_gemm.h"
#include "bert_cpu_kernels.h"
#include "bert_engine.h"
#include "bert_position_bias.h"

typedef struct {
  const char *folder;
  FILE *index;
} Dump;

static void
dump (Dump *dump, const char *name, const float *values, int rows, int columns)
{
  char *file_name = g_strdup_printf ("%s.f32", name);
  char *path = g_build_filename (dump->folder, file_name, NULL);
  FILE *file = fopen (path, "wb");

  if (file == NULL
      || fwrite (values, sizeof (float), (size_t) rows * columns, file) != (size_t) rows * columns
      || fclose (file) != 0) {
    g_printerr ("int8-trace: cannot write %s: %s\n", path, g_strerror (errno));
    exit (1);
  }
  fprintf (dump->index, "%s %d %d\n", name, rows, columns);
  g_free (path);
  g_free (file_name);
}

static void
dump_layer (Dump *d, int layer, const char *what, const float *values, int rows, int columns)
{
  char *name = g_strdup_printf ("%02d.%s", layer, what);

  dump (d, name, values, rows, columns);
  g_free (name);
}

/* The ids of line `line` (1-based) of a reference JSONL file. */
static GArray *
read_ids (const char *path, int line)
{
  char *contents, **lines;
  GError *error = NULL;
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (int32_t));
  JsonParser *parser = json_parser_new ();
  JsonArray *array;
  int n_lines;

  if (!g_file_get_contents (path, &contents, NULL, &error)) {
    g_printerr ("int8-trace: %s\n", error->message);
    exit (1);
  }
  lines = g_strsplit (contents, "\n", -1);
  n_lines = g_strv_length (lines);
  if (line < 1 || line > n_lines || !json_parser_load_from_data (parser, lines[line - 1], -1, &error)) {
    g_printerr ("int8-trace: %s has no JSON line %d%s%s\n", path, line, error ? ": " : "",
        error ? error->message : "");
    exit (1);
  }
  array = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "ids");
  for (guint t = 0; t < json_array_get_length (array); t++) {
    int32_t id = json_array_get_int_element (array, t);

    g_array_append_val (ids, id);
  }
  g_object_unref (parser);
  g_strfreev (lines);
  g_free (contents);
  return ids;
}

static BertPrecision
precision_named (const char *name)
{
  const BertPrecision precisions[] = { BERT_PRECISION_INT8, BERT_PRECISION_BF16, BERT_PRECISION_FP32 };

  for (guint i = 0; i < G_N_ELEMENTS (precisions); i++)
    if (strcmp (name, bert_precision_get_name (precisions[i])) == 0)
      return precisions[i];
  g_printerr ("int8-trace: precision '%s' is not int8, bf16 or fp32\n", name);
  exit (2);
}

static gsize
dtype_bytes (BertDType dtype)
{
  return dtype == BERT_DTYPE_F32 ? 4 : 2;
}

static float *
to_f32 (const BertTensor *tensor, gsize n)
{
  float *values = g_new (float, n);

  bert_cpu_convert_to_f32 (tensor->data, tensor->dtype, values, n);
  return values;
}

/* A Linear layer of n_parts tensors stacked along the output features, in format. */
static void
linear_new (BertLinear *linear, const BertTensor *const *weights, const BertTensor *const *biases,
    int n_parts, BertGemmFormat format)
{
  int k = weights[0]->shape[1], n = 0, done = 0;
  float *weight, *bias;

  for (int i = 0; i < n_parts; i++)
    n += weights[i]->shape[0];
  weight = g_new (float, (gsize) n *k);
  bias = g_new (float, n);
  for (int i = 0; i < n_parts; i++) {
    int part = weights[i]->shape[0];

    bert_cpu_convert_to_f32 (weights[i]->data, weights[i]->dtype, weight + (gsize) done * k,
        (gsize) part * k);
    bert_cpu_convert_to_f32 (biases[i]->data, biases[i]->dtype, bias + done, part);
    done += part;
  }
  if (format == BERT_GEMM_F32 ? !bert_linear_init (linear, weight, bias, n, k, TRUE)
                              : !bert_linear_init_low (linear, format, weight, bias, n, k)) {
    g_printerr ("int8-trace: no memory for a Linear layer\n");
    exit (1);
  }
  /* The packed copies replace weight and bias; the fp32 path keeps pointers to them. */
  if (format != BERT_GEMM_F32) {
    g_free (weight);
    g_free (bias);
  }
}

/* As bert_cpu_backend.c's layer_format: with int8, Q/K/V, attention output and
 * intermediate run in bf16 in the last third of the layers (rounded up); the output
 * product in int8 everywhere. The engine embedding written beside the traced one
 * checks that this is still the backend's rule. */
static BertGemmFormat
product_format (BertPrecision precision, int layer, int n_layers, gboolean output_product)
{
  switch (precision) {
    case BERT_PRECISION_BF16: return BERT_GEMM_BF16;
    case BERT_PRECISION_INT8:
      return output_product || layer < n_layers - (n_layers + 2) / 3 ? BERT_GEMM_INT8 : BERT_GEMM_BF16;
    default: return BERT_GEMM_F32;
  }
}

typedef struct {
  const BertConfig *config;
  BertPrecision precision;
  int n; /* tokens */
  float *hidden, *qkv, *context, *sum, *intermediate, *scratch;
  const float *position_bias; /* the table, or NULL */
  FILE *formats;
} Trace;

/* y = the product of x (rows rows) with the n_parts weights side by side, in format. */
static void
run_product (const BertTensor *const *weights, const BertTensor *const *biases, int n_parts,
    BertGemmFormat format, const float *x, int rows, float *y)
{
  BertLinear linear;

  linear_new (&linear, weights, biases, n_parts, format);
  bert_linear_forward (&linear, x, rows, linear.k, 0, linear.n, y, linear.n);
  bert_linear_clear (&linear);
}

/* t->hidden = LayerNorm (t->sum + t->hidden) per row, with the layer's weight and bias. */
static void
add_and_normalize (Trace *t, const BertTensor *weight, const BertTensor *bias)
{
  int hidden = t->config->hidden_size;
  float *ln_weight = to_f32 (weight, hidden), *ln_bias = to_f32 (bias, hidden);

  bert_cpu_add_residual (t->sum, t->n, hidden, hidden, t->hidden);
  for (int i = 0; i < t->n; i++)
    bert_cpu_layernorm (t->sum + (gsize) i * hidden, t->hidden + (gsize) i * hidden, hidden, ln_weight,
        ln_bias, t->config->layer_norm_eps);
  g_free (ln_weight);
  g_free (ln_bias);
}

static void
trace_layer (Trace *t, Dump *d, const BertLayerWeights *w, int l)
{
  const BertConfig *c = t->config;
  int hidden = c->hidden_size, head_dim = hidden / c->num_heads, n = t->n;
  const BertTensor *qkv_weights[3] = { &w->query_weight, &w->key_weight, &w->value_weight };
  const BertTensor *qkv_biases[3] = { &w->query_bias, &w->key_bias, &w->value_bias };
  const BertTensor *ao_weight = &w->attention_output_weight, *ao_bias = &w->attention_output_bias;
  const BertTensor *mid_weight = &w->intermediate_weight, *mid_bias = &w->intermediate_bias;
  const BertTensor *out_weight = &w->output_weight, *out_bias = &w->output_bias;
  BertGemmFormat format = product_format (t->precision, l, c->num_layers, FALSE);
  BertGemmFormat output_format = product_format (t->precision, l, c->num_layers, TRUE);

  fprintf (t->formats, "%02d qkv %s\n%02d attention_output %s\n%02d intermediate %s\n%02d output %s\n", l,
      bert_gemm_format_name (format), l, bert_gemm_format_name (format), l, bert_gemm_format_name (format), l,
      bert_gemm_format_name (output_format));
  dump_layer (d, l, "in", t->hidden, n, hidden);

  run_product (qkv_weights, qkv_biases, 3, format, t->hidden, n, t->qkv);
  dump_layer (d, l, "qkv", t->qkv, n, 3 * hidden);
  for (int head = 0; head < c->num_heads; head++) {
    const float *q = t->qkv + head * head_dim;

    bert_cpu_attention_head (q, q + hidden, q + 2 * hidden, 3 * hidden, t->context + head * head_dim, hidden,
        n, head_dim, bert_position_bias_row (t->position_bias, c->max_position_embeddings, head), t->scratch);
  }
  dump_layer (d, l, "context", t->context, n, hidden);

  run_product (&ao_weight, &ao_bias, 1, format, t->context, n, t->sum);
  dump_layer (d, l, "attention_output", t->sum, n, hidden);
  add_and_normalize (t, &w->attention_layernorm_weight, &w->attention_layernorm_bias);
  dump_layer (d, l, "attention_layernorm", t->hidden, n, hidden);

  run_product (&mid_weight, &mid_bias, 1, format, t->hidden, n, t->intermediate);
  dump_layer (d, l, "intermediate", t->intermediate, n, c->intermediate_size);
  bert_cpu_activation (c->hidden_act, t->intermediate, n, c->intermediate_size, c->intermediate_size);
  dump_layer (d, l, "activation", t->intermediate, n, c->intermediate_size);

  run_product (&out_weight, &out_bias, 1, output_format, t->intermediate, n, t->sum);
  dump_layer (d, l, "output", t->sum, n, hidden);
  add_and_normalize (t, &w->output_layernorm_weight, &w->output_layernorm_bias);
  dump_layer (d, l, "out", t->hidden, n, hidden);
}

/* word + token type 0 + position, then the embeddings' LayerNorm, as the backend's
 * embed_rows (no embeddings projection: refused in main). */
static void
embed (const BertModel *model, const int32_t *ids, int n, float *hidden)
{
  const BertConfig *c = &model->config;
  const BertWeights *w = &model->weights;
  int width = c->hidden_size;
  float *word = g_new (float, width), *position = g_new (float, width), *type = g_new0 (float, width);
  float *ln_weight = to_f32 (&w->embeddings_layernorm_weight, width);
  float *ln_bias = to_f32 (&w->embeddings_layernorm_bias, width);
  int32_t *positions = g_new (int32_t, n);
  gsize word_bytes = dtype_bytes (w->word_embeddings.dtype) * width;
  gsize position_bytes = dtype_bytes (w->position_embeddings.dtype) * width;

  bert_position_ids (c->position_offset, ids, n, positions);
  if (w->token_type_embeddings.data != NULL)
    bert_cpu_convert_to_f32 (w->token_type_embeddings.data, w->token_type_embeddings.dtype, type, width);
  for (int t = 0; t < n; t++) {
    float *row = hidden + (gsize) t * width;

    bert_cpu_convert_to_f32 ((const char *) w->word_embeddings.data + ids[t] * word_bytes,
        w->word_embeddings.dtype, word, width);
    bert_cpu_convert_to_f32 ((const char *) w->position_embeddings.data + positions[t] * position_bytes,
        w->position_embeddings.dtype, position, width);
    for (int i = 0; i < width; i++)
      row[i] = word[i] + type[i] + position[i];
    bert_cpu_layernorm (row, row, width, ln_weight, ln_bias, c->layer_norm_eps);
  }
  g_free (positions);
  g_free (ln_bias);
  g_free (ln_weight);
  g_free (type);
  g_free (position);
  g_free (word);
}

static void
engine_embedding (BertModel *model, BertPrecision precision, const GArray *ids, float *embedding)
{
  BertEncoderOptions options;
  BertSequence sequence = { (const int32_t *) ids->data, NULL, ids->len };
  GError *error = NULL;
  BertEncoder *encoder;
  BertJob *job;

  bert_encoder_options_init (&options);
  options.device = BERT_DEVICE_CPU;
  options.precision = precision;
  options.n_threads = 1;
  encoder = bert_encoder_new (model, &options, &error);
  if (encoder == NULL || bert_encoder_get_precision (encoder) != precision) {
    g_printerr ("int8-trace: the CPU encoder does not run %s here: %s\n", bert_precision_get_name (precision),
        error ? error->message : bert_encoder_get_precision_fallback_reason (encoder));
    exit (77);
  }
  job = bert_encoder_run (encoder, &sequence, 1, &error);
  if (job == NULL) {
    g_printerr ("int8-trace: %s\n", error->message);
    exit (1);
  }
  memcpy (embedding, bert_job_get_output (job)->embeddings, model->config.hidden_size * sizeof (float));
  bert_job_free (job);
  bert_encoder_free (encoder);
}

int
main (int argc, char **argv)
{
  GError *error = NULL;
  BertModel *model;
  const BertConfig *c;
  GArray *ids;
  Trace t = { 0 };
  Dump d;
  char *path;
  float *embedding, *engine;
  double norm = 0;
  int n;

  if (argc < 5 || argc > 6) {
    g_printerr ("usage: int8-trace MODEL_DIR REFERENCE.jsonl LINE OUT_DIR [int8|bf16|fp32]\n");
    return 2;
  }
  t.precision = argc == 6 ? precision_named (argv[5]) : BERT_PRECISION_INT8;
  model = bert_model_load (argv[1], &error);
  if (model == NULL) {
    g_printerr ("int8-trace: %s\n", error->message);
    return 1;
  }
  c = &model->config;
  if (c->head != BERT_HEAD_ENCODER || c->projects_embeddings || c->num_dense > 0 || c->pooling.n_modes != 1
      || c->pooling.modes[0] != BERT_POOLING_MEAN || c->pooling_excludes_prompt) {
    g_printerr ("int8-trace: %s is not an encoder with mean pooling and no embeddings projection\n", argv[1]);
    return 2;
  }
  ids = read_ids (argv[2], atoi (argv[3]));
  n = ids->len;
  if (g_mkdir_with_parents (argv[4], 0755) != 0) {
    g_printerr ("int8-trace: cannot make %s: %s\n", argv[4], g_strerror (errno));
    return 1;
  }
  d.folder = argv[4];
  path = g_build_filename (argv[4], "index.txt", NULL);
  d.index = fopen (path, "w");
  g_free (path);
  path = g_build_filename (argv[4], "formats.txt", NULL);
  t.formats = fopen (path, "w");
  g_free (path);
  if (d.index == NULL || t.formats == NULL) {
    g_printerr ("int8-trace: cannot write into %s\n", argv[4]);
    return 1;
  }

  t.config = c;
  t.n = n;
  t.hidden = g_new (float, (gsize) n * c->hidden_size);
  t.qkv = g_new (float, (gsize) n * 3 * c->hidden_size);
  t.context = g_new (float, (gsize) n * c->hidden_size);
  t.sum = g_new (float, (gsize) n * c->hidden_size);
  t.intermediate = g_new (float, (gsize) n * c->intermediate_size);
  t.scratch = g_new (float, bert_cpu_attention_scratch_size (n, c->hidden_size / c->num_heads));
  t.position_bias = model->weights.relative_position_bias.data;
  embed (model, (const int32_t *) ids->data, n, t.hidden);
  for (int l = 0; l < c->num_layers; l++)
    trace_layer (&t, &d, &model->weights.layers[l], l);

  embedding = g_new0 (float, c->hidden_size);
  for (int i = 0; i < n; i++)
    for (int j = 0; j < c->hidden_size; j++)
      embedding[j] += t.hidden[(gsize) i * c->hidden_size + j];
  for (int j = 0; j < c->hidden_size; j++) {
    embedding[j] /= n;
    norm += (double) embedding[j] * embedding[j];
  }
  for (int j = 0; j < c->hidden_size; j++)
    embedding[j] /= fmax (sqrt (norm), 1e-12);
  dump (&d, "embedding", embedding, 1, c->hidden_size);
  engine = g_new (float, c->hidden_size);
  engine_embedding (model, t.precision, ids, engine);
  dump (&d, "engine_embedding", engine, 1, c->hidden_size);
  fclose (d.index);
  fclose (t.formats);
  g_print ("int8-trace: %d tokens, %d layers, %s, written to %s\n", n, c->num_layers,
      bert_precision_get_name (t.precision), argv[4]);
  return 0;
}
