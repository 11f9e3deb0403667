/* bert_random_model.h: a BertModel of any shape with random weights, built in memory,
 * for testing and benchmarking backends without a model folder or the engine's loader.
 * Not part of the module. */
#ifndef BERT_RANDOM_MODEL_H
#define BERT_RANDOM_MODEL_H

#include "bert_float16.h"
#include "bert_model.h"

G_BEGIN_DECLS

typedef struct {
  int hidden_size;
  int num_layers;
  int num_heads;
  int intermediate_size;
  int vocab_size;
  int max_position_embeddings;
  int type_vocab_size;
  BertHead head;
  int num_labels;           /* classifier heads */
  gboolean multi_label;
  BertPooling pooling;
  gboolean normalize;
  BertDType dtype;          /* storage of every tensor */
  guint32 seed;
} BertRandomModelSpec;

/* A small encoder: hidden 64, 2 layers, 2 heads, intermediate 128, vocab 1000. */
void bert_random_model_spec_init_tiny (BertRandomModelSpec *spec);

/* Weights are drawn so that activations stay of order one through the layers
 * (dense weights ~ U(-1, 1) / sqrt (in_features) * sqrt (3), LayerNorm gamma near 1),
 * which makes attention far from uniform and so a meaningful test. */
BertModel *bert_random_model_new (const BertRandomModelSpec *spec);
void bert_random_model_free (BertModel *model);

G_END_DECLS

#endif
