/* test-engine-test-model: the test-model maker's two outputs are one model. The folder
 * that bert_test_model_write makes, read by the engine's loader, has the configuration
 * and, tensor by tensor, the bytes of the model bert_test_model_new builds in memory. */
#include <string.h>

#include "engine-test-util.h"

static void
assert_same_tensor (const char *what, const BertTensor *loaded, const BertTensor *built)
{
  gsize bytes;

  g_test_message ("%s", what);
  g_assert_true ((loaded->data == NULL) == (built->data == NULL));
  if (built->data == NULL)
    return;
  g_assert_cmpint (loaded->dtype, ==, built->dtype);
  g_assert_cmpint (loaded->n_dims, ==, built->n_dims);
  g_assert_cmpint (loaded->shape[0], ==, built->shape[0]);
  g_assert_cmpint (loaded->n_dims == 2 ? loaded->shape[1] : 0, ==, built->n_dims == 2 ? built->shape[1] : 0);
  bytes =
      built->shape[0] * (built->n_dims == 2 ? built->shape[1] : 1) * (built->dtype == BERT_DTYPE_F32 ? 4 : 2);
  g_assert_cmpmem (loaded->data, bytes, built->data, bytes);
}

static void
assert_same_config (const BertConfig *loaded, const BertConfig *built)
{
  g_assert_cmpint (loaded->hidden_size, ==, built->hidden_size);
  g_assert_cmpint (loaded->num_layers, ==, built->num_layers);
  g_assert_cmpint (loaded->num_heads, ==, built->num_heads);
  g_assert_cmpint (loaded->intermediate_size, ==, built->intermediate_size);
  g_assert_cmpint (loaded->max_position_embeddings, ==, built->max_position_embeddings);
  g_assert_cmpint (loaded->type_vocab_size, ==, built->type_vocab_size);
  g_assert_cmpint (loaded->vocab_size, ==, built->vocab_size);
  g_assert_cmpfloat (loaded->layer_norm_eps, ==, built->layer_norm_eps);
  g_assert_cmpint (loaded->head, ==, built->head);
  g_assert_cmpint (loaded->num_labels, ==, built->num_labels);
  for (int i = 0; i < built->num_labels; i++)
    g_assert_cmpstr (loaded->id2label[i], ==, built->id2label[i]);
  g_assert_cmpint (loaded->score_function, ==, built->score_function);
  g_assert_cmpint (loaded->pooling.n_modes, ==, built->pooling.n_modes);
  for (int i = 0; i < built->pooling.n_modes; i++)
    g_assert_cmpint (loaded->pooling.modes[i], ==, built->pooling.modes[i]);
  g_assert_cmpint (loaded->normalize, ==, built->normalize);
  g_assert_cmpint (loaded->max_seq_length, ==, built->max_seq_length);
}

static void
assert_same_model (const BertModel *loaded, const BertModel *built)
{
  const BertWeights *l = &loaded->weights, *b = &built->weights;

  assert_same_config (&loaded->config, &built->config);
  assert_same_tensor ("word embeddings", &l->word_embeddings, &b->word_embeddings);
  assert_same_tensor ("position embeddings", &l->position_embeddings, &b->position_embeddings);
  assert_same_tensor ("token type embeddings", &l->token_type_embeddings, &b->token_type_embeddings);
  assert_same_tensor ("embeddings LayerNorm", &l->embeddings_layernorm_weight,
      &b->embeddings_layernorm_weight);
  assert_same_tensor ("embeddings LayerNorm bias", &l->embeddings_layernorm_bias,
      &b->embeddings_layernorm_bias);
  for (int i = 0; i < built->config.num_layers; i++) {
    /* BertLayerWeights is a row of tensors. */
    const BertTensor *lt = (const BertTensor *) &l->layers[i], *bt = (const BertTensor *) &b->layers[i];

    for (gsize t = 0; t < sizeof (BertLayerWeights) / sizeof (BertTensor); t++)
      assert_same_tensor ("layer tensor", &lt[t], &bt[t]);
  }
  assert_same_tensor ("pooler", &l->pooler_weight, &b->pooler_weight);
  assert_same_tensor ("pooler bias", &l->pooler_bias, &b->pooler_bias);
  assert_same_tensor ("classifier", &l->classifier_weight, &b->classifier_weight);
  assert_same_tensor ("classifier bias", &l->classifier_bias, &b->classifier_bias);
}

static void
check_spec (const BertTestModelSpec *spec)
{
  char *folder = engine_test_make_model (spec);
  BertModel *loaded = engine_test_load_model (folder);
  BertModel *built = bert_test_model_new (spec);

  assert_same_model (loaded, built);
  bert_test_model_free (built);
  bert_model_unref (loaded);
  g_free (folder);
}

static void
test_every_head_and_dtype (void)
{
  const BertHead heads[] = { BERT_HEAD_ENCODER, BERT_HEAD_SEQUENCE_CLASSIFIER, BERT_HEAD_TOKEN_CLASSIFIER };
  const BertDType dtypes[] = { BERT_DTYPE_F32, BERT_DTYPE_F16, BERT_DTYPE_BF16 };

  for (guint h = 0; h < G_N_ELEMENTS (heads); h++) {
    for (guint d = 0; d < G_N_ELEMENTS (dtypes); d++) {
      BertTestModelSpec spec;

      bert_test_model_spec_init (&spec);
      spec.head = heads[h];
      spec.dtype = dtypes[d];
      spec.seed = 1 + 3 * h + d;
      check_spec (&spec);
    }
  }
}

/* The options that change only the files: the "bert." prefix, no sentence-transformers
 * modules (mean pooling, not normalized), other pooling, multi-label. */
static void
test_file_options (void)
{
  BertTestModelSpec spec;

  bert_test_model_spec_init (&spec);
  spec.bert_prefix = TRUE;
  spec.head = BERT_HEAD_SEQUENCE_CLASSIFIER;
  spec.multi_label = TRUE;
  check_spec (&spec);
  bert_test_model_spec_init (&spec);
  spec.sentence_transformers = FALSE;
  spec.pooling = BERT_POOLING_CLS;
  check_spec (&spec);
  bert_test_model_spec_init (&spec);
  spec.pooling = BERT_POOLING_MAX;
  spec.normalize = FALSE;
  spec.num_layers = 3;
  check_spec (&spec);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/test-model/every-head-and-dtype", test_every_head_and_dtype);
  g_test_add_func ("/engine/test-model/file-options", test_file_options);
  status = g_test_run ();
  engine_test_cleanup ();
  return status;
}
