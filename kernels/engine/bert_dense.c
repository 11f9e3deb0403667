/* bert_dense.c: the weights of a folder's sentence-transformers Dense modules.
 *
 * Each module folder (2_Dense/ and so on, from modules.json, read by bert_config.c)
 * holds its own model.safetensors (or only pytorch_model.bin) with linear.weight
 * [out_features, in_features] and, with bias, linear.bias [out_features], nothing else. The
 * files are mapped and checked as the encoder's are.
 */
#include <string.h>

#include "bert_engine_private.h"

static gboolean
dtype_of (const BertSafetensorsTensor *tensor, BertDType *dtype)
{
  if (strcmp (tensor->dtype, "F32") == 0)
    *dtype = BERT_DTYPE_F32;
  else if (strcmp (tensor->dtype, "F16") == 0)
    *dtype = BERT_DTYPE_F16;
  else if (strcmp (tensor->dtype, "BF16") == 0)
    *dtype = BERT_DTYPE_BF16;
  else
    return FALSE;
  return TRUE;
}

/* Binds tensor name of shape [rows] when cols is 0, else [rows, cols]. */
static gboolean
bind_dense_tensor (const BertSafetensors *safetensors, const char *file_name, const char *name, int64_t rows,
    int64_t cols, BertTensor *out, GError **error)
{
  const BertSafetensorsTensor *tensor = bert_safetensors_lookup (safetensors, name);
  int64_t expected[2] = { rows, cols };
  int n_dims = cols ? 2 : 1;
  gint64 bad;

  if (tensor == NULL) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_FORMAT, "%s: tensor '%s' is missing", file_name,
        name);
    return FALSE;
  }
  if (!dtype_of (tensor, &out->dtype)) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_UNSUPPORTED,
        "%s: unsupported dtype %s for tensor '%s' (F32, F16 and BF16 are)", file_name, tensor->dtype, name);
    return FALSE;
  }
  if (tensor->n_dims != n_dims || tensor->shape[0] != rows || (cols && tensor->shape[1] != cols)) {
    char *actual = bert_safetensors_describe_shape (tensor->n_dims, tensor->shape);
    char *wanted = bert_safetensors_describe_shape (n_dims, expected);

    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_SHAPE,
        "%s: tensor '%s' has shape %s, the module's config.json expects %s", file_name, name, actual, wanted);
    g_free (actual);
    g_free (wanted);
    return FALSE;
  }
  if ((bad = bert_tensor_find_non_finite (tensor->data, out->dtype, rows * (cols ? cols : 1))) >= 0) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_FORMAT,
        "%s: tensor '%s' holds a NaN or infinite value (element %" G_GINT64_FORMAT ")", file_name, name, bad);
    return FALSE;
  }
  out->data = tensor->data;
  out->n_dims = n_dims;
  out->shape[0] = rows;
  out->shape[1] = cols;
  return TRUE;
}

/* sentence-transformers loads a module's state dict strictly: a tensor the module does not
 * have (linear.bias with "bias": false, say) is refused, not ignored. */
static gboolean
check_no_unexpected_tensor (const BertWeightsFile *file, gboolean bias, GError **error)
{
  GHashTableIter iter;
  const char *name;

  g_hash_table_iter_init (&iter, file->tensors->tensors);
  while (g_hash_table_iter_next (&iter, (gpointer *) &name, NULL))
    if (strcmp (name, "linear.weight") != 0 && !(bias && strcmp (name, "linear.bias") == 0)) {
      g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_FORMAT,
          "%s: unexpected tensor '%s': the module's config.json%s asks for linear.weight%s only", file->path,
          name, bias ? "" : " (\"bias\": false)", bias ? " and linear.bias" : "");
      return FALSE;
    }
  return TRUE;
}

static gboolean
load_module (BertModel *model, int index, GError **error)
{
  const BertDenseConfig *dense = &model->config.dense[index];
  BertWeightsFile *file = bert_weights_file_load_module (dense->path, error);

  BERT_MODEL_PRIVATE (model)->dense_files[index] = file;
  return file != NULL && check_no_unexpected_tensor (file, dense->bias, error)
      && bind_dense_tensor (file->tensors, file->path, "linear.weight", dense->out_features,
          dense->in_features, &model->weights.dense_weight[index], error)
      && (!dense->bias
          || bind_dense_tensor (file->tensors, file->path, "linear.bias", dense->out_features, 0,
              &model->weights.dense_bias[index], error));
}

gboolean
bert_dense_load (BertModel *model, GError **error)
{
  for (int i = 0; i < model->config.num_dense; i++)
    if (!load_module (model, i, error))
      return FALSE;
  return TRUE;
}

void
bert_dense_unload (BertModel *model)
{
  BertModelPrivate *priv = BERT_MODEL_PRIVATE (model);

  for (int i = 0; i < BERT_MAX_DENSE_MODULES; i++) {
    bert_weights_file_free (priv->dense_files[i]);
    g_free (model->config.dense[i].path);
    priv->dense_files[i] = NULL;
    model->config.dense[i].path = NULL;
  }
}
