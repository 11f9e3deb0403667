/* bert_test_model_tensors.h: the tensors of a test model and their values, shared by
 * its two outputs (bert_test_model.c in memory, bert_test_model_folder.c as a folder). */
#ifndef BERT_TEST_MODEL_TENSORS_H
#define BERT_TEST_MODEL_TENSORS_H

#include "bert_test_model.h"

G_BEGIN_DECLS

typedef enum {
  FILL_RANDOM,
  FILL_AROUND_ONE, /* LayerNorm weights: 1 + noise */
} TestTensorFill;

typedef struct {
  char *name;         /* as in the safetensors file, without the "bert." prefix */
  BertTensor *slot;   /* where a BertModel keeps it */
  int64_t rows, cols; /* cols 0: a vector */
  TestTensorFill fill;
} TestTensor;

/* Every tensor of spec's model, in file order, each bound to its place in weights (whose
 * layers array must hold spec->num_layers entries). Free with test_tensors_free. */
GArray *test_tensors_list (const BertTestModelSpec *spec, BertWeights *weights);
void test_tensors_free (GArray *tensors);

gsize test_tensor_elements (const TestTensor *tensor);
gsize test_dtype_size (BertDType dtype);

/* The tensor's values in spec->dtype (newly allocated), drawn from *state: filling the
 * tensors in list order from one state gives the model its weights. */
guint8 *test_tensor_values (const TestTensor *tensor, const BertTestModelSpec *spec, guint32 *state);

/* The generator's first state for spec. */
guint32 test_tensors_seed (const BertTestModelSpec *spec);

G_END_DECLS

#endif
