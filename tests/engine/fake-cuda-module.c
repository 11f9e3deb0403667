/* fake-cuda-module.c: stands in for libgstbert-cuda.so in the engine's device tests.
 *
 * Built twice: with FAKE_EXPORT_BACKEND it exports the backend symbol with a create()
 * that fails as a machine without a GPU would; without it, it exports nothing. */
#include <gmodule.h>

#include "bert_backend.h"

#ifdef FAKE_EXPORT_BACKEND
static gpointer
fake_create (const BertModel *model, const BertBackendSettings *settings, GError **error)
{
  g_set_error (error, g_quark_from_static_string ("bert-engine-error-quark"), BERT_ENGINE_ERROR_DEVICE,
      "no CUDA device found (fake module)");
  return NULL;
}

static const BertBackend fake_backend = {
  .name = "cuda",
  .create = fake_create,
};

G_MODULE_EXPORT const BertBackend *bert_backend_cuda_get (void);

const BertBackend *
bert_backend_cuda_get (void)
{
  return &fake_backend;
}
#else
G_MODULE_EXPORT int fake_cuda_module_placeholder;
int fake_cuda_module_placeholder;
#endif
