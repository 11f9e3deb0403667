/* bert_test_model.h: BERT models with seeded random weights, for tests and benchmarks.
 *
 * One spec, two outputs: a BertModel built in memory (to test and time a backend without
 * a folder or the engine's loader), or a model folder in the Hugging Face layout the
 * loader reads (config.json, model.safetensors, vocab.txt and, for sentence encoders,
 * modules.json and 1_Pooling/config.json). The same spec gives the same tensors either
 * way: loading the folder gives the in-memory model's weights and configuration.
 *
 * Weights are uniform in [-weight_scale, weight_scale] from a seeded xorshift generator,
 * LayerNorm weights around 1, so a model is the same on every run. Test-only code
 * (kernels/testing): tests and benchmarks link bert_testing_dep, the plugin never does.
 */
#ifndef BERT_TEST_MODEL_H
#define BERT_TEST_MODEL_H

#include "bert_model.h"

G_BEGIN_DECLS

typedef struct {
  int hidden_size;
  int num_layers;
  int num_heads;
  int intermediate_size;
  int max_position_embeddings;
  int type_vocab_size;
  int vocab_size; /* at least 5: [PAD] [UNK] [CLS] [SEP] [MASK], then w5, w6... */
  BertHead head;
  int num_labels; /* classifier heads; labels are named label0, label1... */
  gboolean multi_label;
  BertDType dtype;                /* storage of every tensor */
  gboolean bert_prefix;           /* folder: tensor names "bert.embeddings..." rather than "embeddings..." */
  gboolean sentence_transformers; /* modules.json and 1_Pooling/config.json: pooling, normalize */
  BertPooling pooling;
  gboolean normalize; /* with sentence_transformers: a 2_Normalize module */
  guint32 seed;
  float weight_scale;
} BertTestModelSpec;

/* A tiny sentence encoder: hidden 32, 2 layers, 4 heads, intermediate 64, 64 positions,
 * vocabulary 100, F32, mean pooling, normalized, seed 1, weight scale 0.2. */
void bert_test_model_spec_init (BertTestModelSpec *spec);

/* The model in memory, named "random-hHIDDEN-lLAYERS"; free with bert_test_model_free. */
BertModel *bert_test_model_new (const BertTestModelSpec *spec);
void bert_test_model_free (BertModel *model);

/* Creates folder (and parents) and writes the model files into it. */
gboolean bert_test_model_write (const char *folder, const BertTestModelSpec *spec, GError **error);

/* Deletes folder and everything in it (not following symbolic links). */
void bert_test_model_remove (const char *folder);

G_END_DECLS

#endif
