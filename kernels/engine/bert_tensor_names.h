/* bert_tensor_names.h: a checkpoint's tensors by the names transformers loads them as
 * (engine-private).
 *
 * transformers 5 renames some checkpoint keys on load, for every model type
 * (conversion_mapping.py, "legacy", applied by core_model_loading.py before the family's
 * prefix is added or stripped): LayerNorm.gamma becomes LayerNorm.weight and
 * LayerNorm.beta LayerNorm.bias, so that the original Google BERT conversions
 * (google-bert/bert-base-uncased and the fine-tunes copied from it) load. The patterns
 * are regular expressions searched anywhere in the key: '.' is any one character but a
 * newline, and the match must not be followed by a word character. Its other legacy
 * renamings (.weight_g, .weight_v, model.language_model.model) never make or unmake a
 * name the engine reads, and no BERT, DistilBERT or RoBERTa model type or class has one
 * of its own.
 *
 * Where two tensors of a checkpoint come to the same name, transformers keeps the first
 * in its sort order and says nothing; lookups here give both, for the engine to refuse
 * the file.
 */
#ifndef BERT_TENSOR_NAMES_H
#define BERT_TENSOR_NAMES_H

#include "bert_safetensors.h"

G_BEGIN_DECLS

typedef struct _BertTensorNames BertTensorNames;

/* The name transformers gives the checkpoint key key (a new string). */
char *bert_tensor_names_rename (const char *key);

/* The older name transformers also loads as name (a new string), or NULL where there is
 * none: "a.LayerNorm.gamma" for "a.LayerNorm.weight". For messages. */
char *bert_tensor_names_legacy (const char *name);

/* Every tensor of tensors (which must outlive the result) by its renamed name. */
BertTensorNames *bert_tensor_names_new (const BertSafetensors *tensors);
void bert_tensor_names_free (BertTensorNames *names);

/* The tensor transformers loads as name, or NULL. Where two or more would be, *other is
 * set to a second one (of the two first by name), else to NULL. */
const BertSafetensorsTensor *bert_tensor_names_lookup (const BertTensorNames *names, const char *name,
    const BertSafetensorsTensor **other);

G_END_DECLS

#endif
