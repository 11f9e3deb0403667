/* bert_engine_private.h: what the engine's own files share, not part of its API. */
#ifndef BERT_ENGINE_PRIVATE_H
#define BERT_ENGINE_PRIVATE_H

#include <json-glib/json-glib.h>

#include "bert_engine.h"
#include "bert_safetensors.h"
#include "bert_tensor_names.h"
#include "bert_weights_file.h"

G_BEGIN_DECLS

/* Sizes beyond these are refused before anything is allocated: they are far past any
 * BERT published, and their products stay well inside 64 bits. */
#define BERT_MAX_HIDDEN_SIZE 16384
#define BERT_MAX_LAYERS 256
#define BERT_MAX_INTERMEDIATE_SIZE 65536
#define BERT_MAX_POSITIONS 65536
#define BERT_MAX_TYPE_VOCAB 1024
#define BERT_MAX_VOCAB 10000000
#define BERT_MAX_LABELS 100000

typedef struct {
  gint ref_count;
  BertWeightsFile *weights_file;
  BertTensorNames *tensor_names; /* weights_file's tensors by the names transformers gives them */
  BertTokenizer *tokenizer;
  gboolean in_shared_cache; /* set once, before the model is published */
  /* From config.json's architectures; when none names a head, the tensors decide. */
  gboolean head_from_architectures;
  /* The Dense modules' weights files. */
  BertWeightsFile *dense_files[BERT_MAX_DENSE_MODULES];
  /* Where config.json, the weights and the tokenizer are: modules.json's Transformer
   * module (bert_transformer_module_folder). */
  char *transformer_folder;
  /* MPNet: the data of weights.relative_position_bias (bert_position_bias.h). */
  float *position_bias_table;
  /* bert_model_get_warning's, or NULL */
  char *warning;
} BertModelPrivate;

#define BERT_MODEL_PRIVATE(model) ((BertModelPrivate *) (model)->priv)

/* bert_config.c: config.json and the sentence-transformers files of a folder. */
/* Reads path as a JSON document whose root must be of root_type; NULL and
 * BERT_ENGINE_ERROR_FILE when missing, _FORMAT when malformed, naming the file. */
JsonParser *bert_json_load (const char *path, JsonNodeType root_type, GError **error);
gboolean bert_config_load (BertConfig *config, gboolean *head_from_architectures, const char *folder,
    GError **error);
/* folder's modules.json and module folders, and its config_sentence_transformers.json. The
 * length limit (max_seq_length) is the tokenizer's (bert_max_length.h), set in bert_model.c. */
gboolean bert_config_load_sentence_transformers (BertConfig *config, const char *folder, GError **error);
void bert_config_clear (BertConfig *config);

/* bert_model.c: binds the tensors of a parsed safetensors file to model->weights,
 * checking dtypes and shapes against model->config; resolves the head. */
gboolean bert_model_bind_weights (BertModel *model, const char *file_name, GError **error);
/* The first of n values that is NaN or infinite, or -1. */
gint64 bert_tensor_find_non_finite (const void *data, BertDType dtype, gint64 n);

/* bert_dense.c: maps each Dense module's weights and binds them to model->weights;
 * unload frees them and the modules' paths in model->config. */
gboolean bert_dense_load (BertModel *model, GError **error);
void bert_dense_unload (BertModel *model);

G_END_DECLS

#endif
