/* bert_cpu_backend.h: what the CPU backend tells the engine's own tests (engine-private).
 *
 * The CPU backend prepares a model's weights (fp32 copies, packed panels) once and shares
 * them among all CPU encoders of that BertModel; the copy is freed with the last of them.
 */
#ifndef BERT_CPU_BACKEND_H
#define BERT_CPU_BACKEND_H

#include "bert_model.h"

G_BEGIN_DECLS

/* How many CPU encoders now use the one prepared copy of model's weights (for this
 * process's GEMM choice); 0 when none is cached. */
int bert_backend_cpu_prepared_weights_users (const BertModel *model);
/* How many prepared copies the process holds, for all models. */
int bert_backend_cpu_prepared_weights_count (void);

G_END_DECLS

#endif
