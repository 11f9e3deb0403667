/* gstbertdeferred.h: properties an element reads at a state change.
 *
 * `bert-infer` reads its model settings (pooling, device, prompt, ...) at NULL -> READY,
 * `tokenizer` its prompt and pair text there and its line splitting at READY -> PAUSED.
 * A change after that is kept and read the next time, but until then the element runs
 * with the old value while the property reads back the new one: a warning says so, so
 * that a pooling or a prompt changed while playing does not go unnoticed.
 */
#ifndef GST_BERT_DEFERRED_H
#define GST_BERT_DEFERRED_H

#include <gst/gst.h>

G_BEGIN_DECLS

/* Posts a CORE/STATE_CHANGE warning on @element when it is at or past @read_at (READY
 * for what NULL -> READY reads, PAUSED for what READY -> PAUSED reads), or going there,
 * and @value differs from the property's current value. Call from set_property, before
 * storing @value. */
void gst_bert_warn_deferred_change (GstElement *element, GParamSpec *pspec, const GValue *value,
    GstState read_at);

G_END_DECLS

#endif
