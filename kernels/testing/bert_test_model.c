/* bert_test_model.c: a test model's spec, and the model in memory (see bert_test_model.h). */
#include "bert_test_model.h"
#include "bert_test_model_tensors.h"

#include <string.h>

void
bert_test_model_spec_init (BertTestModelSpec *spec)
{
  memset (spec, 0, sizeof *spec);
  spec->hidden_size = 32;
  spec->num_layers = 2;
  spec->num_heads = 4;
  spec->intermediate_size = 64;
  spec->max_position_embeddings = 64;
  spec->type_vocab_size = 2;
  spec->vocab_size = 100;
  spec->head = BERT_HEAD_ENCODER;
  spec->num_labels = 3;
  spec->dtype = BERT_DTYPE_F32;
  spec->sentence_transformers = TRUE;
  spec->pooling = BERT_POOLING_MEAN;
  spec->normalize = TRUE;
  spec->seed = 1;
  spec->weight_scale = 0.2f;
}

/* The configuration the loader reads from the folder of the same spec. */
static void
fill_config (BertConfig *config, const BertTestModelSpec *spec)
{
  config->hidden_size = spec->hidden_size;
  config->input_embedding_size = spec->hidden_size;
  config->num_layers = spec->num_layers;
  config->num_hidden_groups = spec->num_layers;
  config->inner_group_num = 1;
  config->num_heads = spec->num_heads;
  config->intermediate_size = spec->intermediate_size;
  config->max_position_embeddings = spec->max_position_embeddings;
  config->type_vocab_size = spec->type_vocab_size;
  config->vocab_size = spec->vocab_size;
  config->layer_norm_eps = 1e-12f;
  config->head = spec->head;
  config->num_labels = spec->head == BERT_HEAD_ENCODER ? 0 : spec->num_labels;
  config->id2label = g_new0 (char *, config->num_labels + 1);
  for (int i = 0; i < config->num_labels; i++)
    config->id2label[i] = g_strdup_printf ("label%d", i);
  config->score_function =
      spec->head != BERT_HEAD_ENCODER && spec->multi_label ? BERT_SCORES_SIGMOID : BERT_SCORES_SOFTMAX;
  config->pooling = bert_poolings_single (spec->sentence_transformers ? spec->pooling : BERT_POOLING_MEAN);
  config->normalize = spec->sentence_transformers && spec->normalize;
  config->max_seq_length = spec->max_position_embeddings;
}

BertModel *
bert_test_model_new (const BertTestModelSpec *spec)
{
  BertModel *model = g_new0 (BertModel, 1);
  GPtrArray *buffers = g_ptr_array_new_with_free_func (g_free);
  GArray *tensors;
  guint32 state = test_tensors_seed (spec);

  model->path = g_strdup ("(random)");
  model->name = g_strdup_printf ("random-h%d-l%d", spec->hidden_size, spec->num_layers);
  fill_config (&model->config, spec);
  model->weights.layers = g_new0 (BertLayerWeights, spec->num_layers);
  tensors = test_tensors_list (spec, &model->weights);
  for (guint i = 0; i < tensors->len; i++) {
    const TestTensor *tensor = &g_array_index (tensors, TestTensor, i);
    guint8 *values = test_tensor_values (tensor, spec, &state);

    g_ptr_array_add (buffers, values);
    tensor->slot->data = values;
    tensor->slot->dtype = spec->dtype;
    tensor->slot->n_dims = tensor->cols ? 2 : 1;
    tensor->slot->shape[0] = tensor->rows;
    tensor->slot->shape[1] = tensor->cols;
    model->weights_bytes += test_tensor_elements (tensor) * test_dtype_size (spec->dtype);
  }
  test_tensors_free (tensors);
  /* The model owns the tensors' buffers through its private pointer. */
  model->priv = buffers;
  return model;
}

void
bert_test_model_free (BertModel *model)
{
  if (model == NULL)
    return;
  g_ptr_array_unref (model->priv);
  g_strfreev (model->config.id2label);
  g_free (model->weights.layers);
  g_free (model->path);
  g_free (model->name);
  g_free (model);
}
