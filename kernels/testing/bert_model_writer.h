/* bert_model_writer.h: writes BERT model folders with random weights, for tests and benchmarks.
 *
 * The folder has the Hugging Face layout the loader reads: config.json, model.safetensors,
 * vocab.txt and, for sentence encoders, modules.json and 1_Pooling/config.json. Weights are
 * uniform in [-weight_scale, weight_scale] from a seeded generator, LayerNorm weights
 * around 1, so a folder is the same on every run. Not part of the engine library: tests
 * and benchmarks link bert_model_writer_dep.
 */
#ifndef BERT_MODEL_WRITER_H
#define BERT_MODEL_WRITER_H

#include "bert_model.h"

G_BEGIN_DECLS

typedef struct {
  int hidden_size;
  int num_layers;
  int num_heads;
  int intermediate_size;
  int max_position_embeddings;
  int type_vocab_size;
  int vocab_size;              /* at least 5: [PAD] [UNK] [CLS] [SEP] [MASK], then w5, w6... */
  BertHead head;
  int num_labels;              /* classifier heads */
  gboolean multi_label;
  BertDType dtype;
  gboolean bert_prefix;        /* tensor names "bert.embeddings..." rather than "embeddings..." */
  gboolean sentence_transformers;  /* write modules.json and 1_Pooling/config.json */
  BertPooling pooling;
  gboolean normalize;          /* with sentence_transformers: a 2_Normalize module */
  guint32 seed;
  float weight_scale;
} BertModelWriterOptions;

/* A tiny encoder: hidden 32, 2 layers, 4 heads, intermediate 64, 64 positions, vocab 100. */
void bert_model_writer_options_init (BertModelWriterOptions *options);

/* Creates folder (and parents) and writes the model files into it. */
gboolean bert_model_writer_write (const char *folder, const BertModelWriterOptions *options,
    GError **error);

/* Deletes folder and everything in it (not following symbolic links). */
void bert_model_writer_remove (const char *folder);

G_END_DECLS

#endif
