/* test-cuda-parity.c: the CUDA backend through the engine API, against the CPU backend.
 *
 * On every model of $GST_BERT_SHARED_DIR/models (sentence encoders with mean and CLS
 * pooling, F32/F16/BF16 storage, softmax and sigmoid classifiers, a token classifier,
 * and the real all-MiniLM-L6-v2), random batches of mixed lengths (captions of 8 to 40
 * tokens with a few long sequences up to the model's limit) run on both devices:
 * cosine of each sequence's embedding (of the batch's logits, for classifiers, whose rows
 * have only a few labels) >= 0.99999 in FP32, >= 0.9995 in FP16, >= 0.995 in BF16 (8
 * significant bits), and the same labels wherever the CPU's two best logits are clearly apart.
 *
 * Also the DistilBERT, RoBERTa, XLM-R, CamemBERT, MPNet, ELECTRA and ALBERT folders of
 * tests/engine/data/families (F32 storage, every head; MPNet's with its relative position
 * bias, on sequences up to its 256 positions; ELECTRA's with and without the projection of
 * its embeddings, and its GELU classification head; ALBERT's layers shared in groups),
 * the classifiers of
 * tests/engine/data/real-configs whose probs are not a softmax (a regression head's raw
 * logits, a CrossEncoder's Tanh), and the folders of tests/engine/data/activations (FFN
 * activations other than the erf GELU), which need no shared folder. A sequence
 * classifier's probs are compared as its logits are.
 *
 * Exits 77 where there is no CUDA GPU; without the shared folder only the family folders
 * run; a model missing from the shared folder (all-MiniLM-L6-v2 is large to carry to a GPU
 * machine) skips its case.
 */
#include <math.h>
#include <string.h>

#include "bert_engine.h"
#include "cuda-test-util.h"

static const char *shared_dir;

static const char *model_names[] = {
  "bert-tiny-random",
  "bert-tiny-random-cls-bf16",
  "bert-tiny-random-sentiment",
  "bert-tiny-random-topics-multilabel",
  "bert-tiny-random-ner",
  "all-MiniLM-L6-v2",
};

static const char *family_models[] = {
  "distilbert-encoder-f32",
  "distilbert-sequence-f32",
  "distilbert-token-f32",
  "roberta-encoder-f32",
  "roberta-sequence-f32",
  "roberta-token-f32",
  "xlm-roberta-encoder-f32",
  "xlm-roberta-sequence-f32",
  "xlm-roberta-token-f32",
  "camembert-encoder-f32",
  "camembert-sequence-f32",
  "camembert-token-f32",
  "mpnet-encoder-f32",
  "mpnet-sequence-f32",
  "mpnet-token-f32",
  "electra-encoder-f32",
  "electra-sequence-f32",
  "electra-token-f32",
  "electra-small-encoder-f32",
  "electra-small-sequence-f32",
  "electra-small-token-f32",
  "albert-encoder-f32",
  "albert-sequence-f32",
  "albert-token-f32",
  "albert-groups-encoder-f32",
  "albert-groups-sequence-f32",
  "albert-groups-token-f32",
};

static const char *real_config_models[] = {
  "regression",
  "cross-encoder-tanh",
};

static const char *activation_models[] = {
  "bert-gelu-new-encoder",
  "bert-gelu-pytorch-tanh-token",
  "bert-gelu-fast-token",
  "bert-gelu-accurate-encoder",
  "bert-relu-sequence",
  "bert-silu-encoder",
  "bert-swish-token",
  "bert-quick-gelu-encoder",
  "distilbert-relu-sequence",
};

/* tests/engine/data/SUBDIR: from meson, else (the emulator's build) beside this file. */
static char *
engine_data_dir (const char *subdir)
{
#ifdef ENGINE_DATA_DIR
  return g_build_filename (ENGINE_DATA_DIR, subdir, NULL);
#else
  char *here = g_path_get_dirname (__FILE__);
  char *dir = g_build_filename (here, "..", "engine", "data", subdir, NULL);

  g_free (here);
  return dir;
#endif
}

static BertModel *
load_model (const char *folder)
{
  GError *error = NULL;
  BertModel *model = bert_model_load (folder, &error);

  g_assert_no_error (error);
  return model;
}

static BertEncoder *
encoder_on (BertModel *model, BertDevice device, BertPrecision precision, GError **error)
{
  BertEncoderOptions options;

  bert_encoder_options_init (&options);
  options.device = device;
  options.precision = precision;
  return bert_encoder_new (model, &options, error);
}

typedef struct {
  BertSequence *sequences;
  uint32_t n_sequences;
} RandomBatch;

/* [CLS] random word pieces [SEP]; a few long ones among caption-length ones. Where the
 * vocabulary is tiny (the family folders), any id, RoBERTa's padding id among them. */
static RandomBatch
random_batch (GRand *rand, const BertConfig *config, uint32_t n_sequences, gboolean with_long)
{
  RandomBatch batch = { g_new0 (BertSequence, n_sequences), n_sequences };
  uint32_t max_len = MIN (config->max_seq_length, config->max_position_embeddings);
  gboolean tiny_vocab = config->vocab_size <= 1000;

  for (uint32_t s = 0; s < n_sequences; s++) {
    uint32_t n_tokens = (uint32_t) g_rand_int_range (rand, 8, 41);
    int32_t *ids, *type_ids;
    if (with_long && s == 0)
      n_tokens = max_len;
    else if (with_long && s % 16 == 5)
      n_tokens = (uint32_t) g_rand_int_range (rand, MIN (100, max_len), max_len + 1);
    n_tokens = MIN (n_tokens, max_len);
    ids = g_new (int32_t, n_tokens);
    type_ids = g_new0 (int32_t, n_tokens);
    for (uint32_t t = 0; t < n_tokens; t++) {
      ids[t] = g_rand_int_range (rand, tiny_vocab ? 0 : 1000, config->vocab_size);
      type_ids[t] = s % 7 == 3 && t > n_tokens / 2 ? 1 : 0; /* some sentence pairs */
    }
    ids[0] = tiny_vocab ? 0 : 101;
    ids[n_tokens - 1] = tiny_vocab ? 2 : 102;
    batch.sequences[s] = (BertSequence){ ids, type_ids, n_tokens };
  }
  return batch;
}

static void
random_batch_clear (RandomBatch *batch)
{
  for (uint32_t s = 0; s < batch->n_sequences; s++) {
    g_free ((gpointer) batch->sequences[s].ids);
    g_free ((gpointer) batch->sequences[s].type_ids);
  }
  g_free (batch->sequences);
}

static double
cosine (const float *a, const float *b, size_t n)
{
  double dot = 0.0, norm_a = 0.0, norm_b = 0.0;

  for (size_t i = 0; i < n; i++) {
    dot += (double) a[i] * b[i];
    norm_a += (double) a[i] * a[i];
    norm_b += (double) b[i] * b[i];
  }
  return dot / sqrt (fmax (norm_a * norm_b, 1e-300));
}

static double
min_cosine_for (BertPrecision precision)
{
  return precision == BERT_PRECISION_FP32 ? 0.99999 : precision == BERT_PRECISION_FP16 ? 0.9995 : 0.995;
}

/* The label must agree unless the CPU's two best logits are within margin of each other. */
static void
assert_same_label (const char *what, uint32_t row, const float *cpu_logits, int n_labels, int32_t cpu_label,
    int32_t cuda_label, double margin)
{
  if (cpu_label == cuda_label)
    return;
  if (fabs ((double) cpu_logits[cpu_label] - cpu_logits[cuda_label]) < margin)
    return;
  g_error ("%s: row %u has label %d on the GPU, %d on the CPU (logits %g vs %g of %d labels)", what, row,
      cuda_label, cpu_label, cpu_logits[cuda_label], cpu_logits[cpu_label], n_labels);
}

/* rows of width entries, each compared by cosine. */
static void
assert_rows_close (const char *what, const float *cuda, const float *cpu, size_t n_rows, size_t width,
    double min_cosine)
{
  double worst = 1.0;

  for (size_t r = 0; r < n_rows; r++) {
    double value = cosine (cuda + r * width, cpu + r * width, width);
    if (!(value >= min_cosine))
      g_error ("%s: row %zu has cosine %.7f to the CPU's, below %.5f", what, r, value, min_cosine);
    worst = MIN (worst, value);
  }
  g_test_message ("%s: %zu rows, lowest cosine %.7f", what, n_rows, worst);
}

static void
compare_outputs (const char *what, const BertBatchOutput *cuda, const BertBatchOutput *cpu, BertHead head,
    BertPrecision precision)
{
  double min_cosine = min_cosine_for (precision);
  double margin = precision == BERT_PRECISION_FP32 ? 1e-3 : 0.1;
  int n_labels = cpu->num_labels;

  switch (head) {
    case BERT_HEAD_ENCODER:
      assert_rows_close (what, cuda->embeddings, cpu->embeddings, cpu->n_sequences, cpu->hidden_size,
          min_cosine);
      break;
    case BERT_HEAD_SEQUENCE_CLASSIFIER:
      /* Rows of 2 to 4 logits: compare the batch's logits as one vector, and the probabilities. */
      assert_rows_close (what, cuda->logits, cpu->logits, 1, (size_t) cpu->n_sequences * n_labels,
          min_cosine);
      assert_rows_close (what, cuda->probs, cpu->probs, 1, (size_t) cpu->n_sequences * n_labels, min_cosine);
      for (uint32_t s = 0; s < cpu->n_sequences; s++)
        assert_same_label (what, s, cpu->logits + (size_t) s * n_labels, n_labels, cpu->labels[s],
            cuda->labels[s], margin);
      break;
    case BERT_HEAD_TOKEN_CLASSIFIER:
      assert_rows_close (what, cuda->token_logits, cpu->token_logits, 1, (size_t) cpu->n_tokens * n_labels,
          min_cosine);
      for (uint32_t t = 0; t < cpu->n_tokens; t++)
        assert_same_label (what, t, cpu->token_logits + (size_t) t * n_labels, n_labels, cpu->token_labels[t],
            cuda->token_labels[t], margin);
      g_assert_cmpmem (cuda->token_offset, (cpu->n_sequences + 1) * sizeof (uint32_t), cpu->token_offset,
          (cpu->n_sequences + 1) * sizeof (uint32_t));
      break;
  }
}

static BertJob *
run_batch (BertEncoder *encoder, const RandomBatch *batch)
{
  GError *error = NULL;
  BertJob *job = bert_encoder_run (encoder, batch->sequences, batch->n_sequences, &error);

  g_assert_no_error (error);
  return job;
}

static void
check_model_at_precision (const char *folder, BertPrecision precision)
{
  const char *precision_names[] = { "fp16", "bf16", "fp32" };
  char *name = g_path_get_basename (folder);
  BertModel *model = load_model (folder);
  GError *error = NULL;
  BertEncoder *cpu, *cuda;
  GRand *rand = g_rand_new_with_seed (42);
  const uint32_t batch_sizes[] = { 1, 64, 7 };

  cpu = encoder_on (model, BERT_DEVICE_CPU, BERT_PRECISION_FP32, &error);
  g_assert_no_error (error);
  cuda = encoder_on (model, BERT_DEVICE_CUDA, precision, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (bert_encoder_get_backend_name (cuda), ==, "cuda");
  for (guint b = 0; b < G_N_ELEMENTS (batch_sizes); b++) {
    RandomBatch batch = random_batch (rand, &model->config, batch_sizes[b], b == 1);
    BertJob *cpu_job = run_batch (cpu, &batch), *cuda_job = run_batch (cuda, &batch);
    char *what = g_strdup_printf ("%s %s batch of %u", name, precision_names[precision], batch_sizes[b]);
    compare_outputs (what, bert_job_get_output (cuda_job), bert_job_get_output (cpu_job),
        bert_encoder_get_head (cpu), precision);
    g_free (what);
    bert_job_free (cpu_job);
    bert_job_free (cuda_job);
    random_batch_clear (&batch);
  }
  g_rand_free (rand);
  bert_encoder_free (cuda);
  bert_encoder_free (cpu);
  bert_model_unref (model);
  g_free (name);
}

static void
check_model (const char *folder)
{
  check_model_at_precision (folder, BERT_PRECISION_FP32);
  check_model_at_precision (folder, BERT_PRECISION_FP16);
  check_model_at_precision (folder, BERT_PRECISION_BF16);
}

static void
test_model_parity (gconstpointer data)
{
  const char *name = data;
  char *folder = g_build_filename (shared_dir, "models", name, NULL);
  char *weights = g_build_filename (folder, "model.safetensors", NULL);

  if (g_file_test (weights, G_FILE_TEST_EXISTS))
    check_model (folder);
  else
    g_test_skip ("model folder not in the shared directory");
  g_free (weights);
  g_free (folder);
}

static void
test_family_parity (gconstpointer data)
{
  char *dir = engine_data_dir ("families");
  char *folder = g_build_filename (dir, (const char *) data, NULL);

  check_model (folder);
  g_free (folder);
  g_free (dir);
}

static void
test_real_config_parity (gconstpointer data)
{
  char *dir = engine_data_dir ("real-configs");
  char *folder = g_build_filename (dir, (const char *) data, NULL);

  check_model (folder);
  g_free (folder);
  g_free (dir);
}

static void
test_activation_parity (gconstpointer data)
{
  char *dir = engine_data_dir ("activations");
  char *folder = g_build_filename (dir, (const char *) data, NULL);

  check_model (folder);
  g_free (folder);
  g_free (dir);
}

int
main (int argc, char **argv)
{
  char *probe;

  cuda_test_skip_without_gpu ("the parity tests");
  shared_dir = g_getenv ("GST_BERT_SHARED_DIR");
  probe = shared_dir != NULL ? g_build_filename (shared_dir, "models", "bert-tiny-random", NULL) : NULL;
  g_test_init (&argc, &argv, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (family_models); i++) {
    char *path = g_strdup_printf ("/cuda/parity/family/%s", family_models[i]);
    g_test_add_data_func (path, family_models[i], test_family_parity);
    g_free (path);
  }
  for (guint i = 0; i < G_N_ELEMENTS (real_config_models); i++) {
    char *path = g_strdup_printf ("/cuda/parity/real-config/%s", real_config_models[i]);
    g_test_add_data_func (path, real_config_models[i], test_real_config_parity);
    g_free (path);
  }
  for (guint i = 0; i < G_N_ELEMENTS (activation_models); i++) {
    char *path = g_strdup_printf ("/cuda/parity/activation/%s", activation_models[i]);
    g_test_add_data_func (path, activation_models[i], test_activation_parity);
    g_free (path);
  }
  if (probe == NULL || !g_file_test (probe, G_FILE_TEST_IS_DIR))
    g_print ("shared test models not found at %s (set GST_BERT_SHARED_DIR): the family folders only\n",
        probe != NULL ? probe : "$GST_BERT_SHARED_DIR/models/bert-tiny-random");
  for (guint i = 0;
       probe != NULL && g_file_test (probe, G_FILE_TEST_IS_DIR) && i < G_N_ELEMENTS (model_names); i++) {
    char *path = g_strdup_printf ("/cuda/parity/%s", model_names[i]);
    g_test_add_data_func (path, model_names[i], test_model_parity);
    g_free (path);
  }
  g_free (probe);
  return g_test_run ();
}
