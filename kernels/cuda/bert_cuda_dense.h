/* bert_cuda_dense.h: sentence-transformers Dense modules on CUDA (module-private).
 *
 * The pooled embeddings go through the folder's Dense modules in fp32, whatever the
 * encoder's dtype, as on the CPU; Normalize follows. The weights are converted to fp32
 * on the device once, at create; they are a few hundred KB.
 */
#ifndef BERT_CUDA_DENSE_H
#define BERT_CUDA_DENSE_H

#include <cuda_runtime_api.h>
#include <glib.h>

#include "bert_model.h"

G_BEGIN_DECLS

typedef struct _BertCudaDense BertCudaDense;

/* The Dense modules of model on the current device; NULL with error when an upload
 * fails. model must have at least one. */
BertCudaDense *bert_cuda_dense_new (const BertModel *model, cudaStream_t stream, GError **error);
void bert_cuda_dense_free (BertCudaDense *dense);

/* Makes room for batches of n_sequences; only while no job uses the scratch (after the
 * stream is synchronised). */
gboolean bert_cuda_dense_reserve (BertCudaDense *dense, uint32_t n_sequences, GError **error);

/* embeddings [n_sequences, last out_features] = the modules over the pooling of
 * hidden_states [n_tokens, hidden] (dtype) without each sequence's prompt_lengths (as
 * bert_cuda_pool_normalize), each row then L2-normalised when normalize. */
cudaError_t bert_cuda_dense_pool (BertCudaDense *dense, BertDType dtype, float *embeddings,
    const void *hidden_states, const uint32_t *seq_offsets, const uint32_t *prompt_lengths,
    uint32_t n_sequences, BertPoolings pooling, int normalize, cudaStream_t stream);

G_END_DECLS

#endif
