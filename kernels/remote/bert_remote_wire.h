/* bert_remote_wire.h: the remote backend's messages, KServe v2 inference over HTTP with
 * Triton's binary tensor data extension (docs/remote.md has the tensors and their shapes).
 *
 * A request is a JSON header followed by the inputs' bytes; a response the same with the
 * outputs. Reading a response checks every name, type, shape and size against the batch
 * before a byte is copied, so a response that does not fit is refused, never overread.
 */
#ifndef BERT_REMOTE_WIRE_H
#define BERT_REMOTE_WIRE_H

#include "bert_backend.h"

G_BEGIN_DECLS

/* The request body for a batch; header_length is its JSON header's length in bytes (the
 * Inference-Header-Content-Length header). pooling and normalize as BertBackendSettings. */
GBytes *bert_remote_wire_request (const BertPackedBatch *batch, BertHead head, int pooling, int normalize,
    gsize *header_length);

/* Fills output from a successful response's body. header_length is the response's
 * Inference-Header-Content-Length, or -1 where it had none. FALSE, with a message saying
 * what does not match, for anything but the head's outputs at the batch's shapes. */
gboolean bert_remote_wire_read_response (const guint8 *body, gsize body_length, gssize header_length,
    BertHead head, BertBatchOutput *output, GError **error);

/* What a failed response says: its JSON "error" text, else the start of the body. */
char *bert_remote_wire_error_text (const guint8 *body, gsize body_length);

G_END_DECLS

#endif
