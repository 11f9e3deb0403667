/* faults-common.h: helpers of the fault tests (scratch model folders, resource limits).
 *
 * The tests run under GStreamer's check framework, which forks one process per test:
 * a resource limit or a dropped privilege set inside a test ends with it.
 */
#ifndef FAULTS_COMMON_H
#define FAULTS_COMMON_H

#include <glib.h>

#include "bert_engine.h"

G_BEGIN_DECLS

/* A scratch copy of the tiny fixture model (tests/data/tiny-model), and its removal
 * (which frees the path too). */
char *faults_copy_tiny_model (void);
void faults_delete_model_copy (char *folder);

/* Limits this process's address space to what it maps now plus extra_bytes, so that
 * an allocation sized from hostile input fails instead of succeeding lazily. Returns
 * FALSE, limiting nothing, under AddressSanitizer (its shadow memory needs terabytes
 * of address space) and with CK_FORK=no (the limit would outlive the test). */
gboolean faults_limit_address_space (gsize extra_bytes);

/* As root, becomes the unprivileged user nobody, for whom chmod 000 means something.
 * Returns FALSE when that is impossible. */
gboolean faults_become_unprivileged (void);

/* The loader's contract on bad input: NULL, an engine or tokenizer error whose message
 * names the file. Fails the test otherwise. */
void faults_assert_load_error (gconstpointer result, GError *error, const char *file_name);

/* A CPU encoder of model (one thread), failing the test when it cannot be made. */
BertEncoder *faults_new_cpu_encoder (BertModel *model);

/* Encodes texts with the model's tokenizer, runs them as one batch and returns a copy
 * of the embeddings (n_texts * hidden_size floats). */
float *faults_embed (BertModel *model, BertEncoder *encoder, const char *const *texts, guint n_texts);

/* Peak resident memory of this process, in MiB (VmHWM). */
double faults_peak_rss_mib (void);

G_END_DECLS

#endif
