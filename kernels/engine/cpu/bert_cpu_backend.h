/* bert_cpu_backend.h: what the CPU backend tells the engine's own tests (engine-private).
 *
 * The CPU backend prepares a model's weights (fp32 copies, packed panels) once and shares
 * them among all CPU encoders of that BertModel; the copy is freed with the last of them.
 */
#ifndef BERT_CPU_BACKEND_H
#define BERT_CPU_BACKEND_H

#include "bert_engine.h"

G_BEGIN_DECLS

/* How many CPU encoders now use the one prepared copy of model's weights (for this
 * process's GEMM choice); 0 when none is cached. */
int bert_backend_cpu_prepared_weights_users (const BertModel *model);
/* How many prepared copies the process holds, for all models. */
int bert_backend_cpu_prepared_weights_count (void);

/* The precision the CPU backend computes in for a requested one: auto and fp32 are
 * fp32; bf16 and int8 where the CPU has the instructions; else fp32, with why in
 * *reason (free with g_free; NULL when the request is honoured). reason may be NULL. */
BertPrecision bert_backend_cpu_resolve_precision (BertPrecision requested, char **reason);
/* Bytes of the model's weights the encoder's forward pass reads (shared with the other
 * encoders of the model at the same precision): packed panels, converted copies and
 * the fp32 tensors read straight from the mapped file. */
gsize bert_backend_cpu_weights_bytes (gpointer state);

G_END_DECLS

#endif
