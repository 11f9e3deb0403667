/* engine-test-util.h: model folders for the engine's C tests. */
#ifndef ENGINE_TEST_UTIL_H
#define ENGINE_TEST_UTIL_H

#include "bert_engine.h"
#include "bert_safetensors.h"
#include "bert_test_model.h"

G_BEGIN_DECLS

/* Writes the model of spec (NULL: bert_test_model_spec_init's) into a new temporary
 * folder, removed by engine_test_cleanup. Aborts the test on failure. */
char *engine_test_make_model (const BertTestModelSpec *spec);
/* A temporary copy of the config.json, model.safetensors and vocab.txt of the model
 * folder source (one of data/families), removed by engine_test_cleanup. */
char *engine_test_copy_model (const char *source);
/* A copy of the folder source, folders and all, in a new temporary folder removed by
 * engine_test_cleanup. */
char *engine_test_copy_folder (const char *source);
/* Copies the files of source into target, folders and all, but model.safetensors. */
void engine_test_copy_without_safetensors (const char *source, const char *target);
/* Removes every folder engine_test_make_model, engine_test_copy_model or
 * engine_test_copy_folder made. */
void engine_test_cleanup (void);

char *engine_test_read_file (const char *folder, const char *name, gsize *length);
/* length -1: contents is NUL-terminated. */
void engine_test_write_file (const char *folder, const char *name, const char *contents, gssize length);
/* Replaces the first occurrence of old_text in folder/name; asserts there is one. */
void engine_test_replace_in_file (const char *folder, const char *name, const char *old_text,
    const char *new_text);

/* bert_model_load of folder; aborts the test on failure. */
BertModel *engine_test_load_model (const char *folder);
/* A CPU encoder of model; pooling and normalize -1 keep the model's, n_threads 0 means
 * one per core. Aborts the test on failure. */
BertEncoder *engine_test_cpu_encoder (BertModel *model, int pooling, int normalize, int n_threads);

/* The outputs (embeddings, logits, token logits, those the model has) of folder's model
 * on three fixed sequences of 12, 8 and 4 tokens, as bytes: two folders holding the same
 * model in other files give the same bytes. */
GBytes *engine_test_run_outputs (const char *folder);

/* A weights file mapped and parsed: pytorch_model.bin where the path ends in .bin,
 * safetensors otherwise. */
typedef struct {
  GMappedFile *file;
  BertSafetensors *tensors;
} EngineTestWeights;

/* Aborts the test on failure. */
EngineTestWeights engine_test_parse_weights (const char *path);
void engine_test_weights_clear (EngineTestWeights *weights);

/* model.safetensors split into its header (text) and data. */
char *engine_test_read_header (const char *folder, GBytes **data);
/* Writes model.safetensors from a header text and data. */
void engine_test_write_safetensors (const char *folder, const char *header, GBytes *data);

G_END_DECLS

#endif
