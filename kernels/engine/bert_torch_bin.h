/* bert_torch_bin.h: a checked reader of the state dicts torch.save writes (engine-private).
 *
 * pytorch_model.bin, as PyTorch >= 1.6 writes it, is a zip of stored entries:
 * PREFIX/data.pkl, a pickle of the state dict (name -> tensor), PREFIX/data/KEY, each
 * storage's raw bytes, and PREFIX/byteorder. As PyTorch wrote it before 1.6 (the legacy
 * format), it is pickles one after another (magic number, protocol version, sys_info,
 * the state dict, the list of storage keys), then each storage's element count and raw
 * bytes. The pickles are read by a restricted interpreter that runs nothing: it knows
 * the opcodes a state dict uses and four kinds of globals (collections.OrderedDict,
 * torch._utils._rebuild_tensor_v2 and _rebuild_parameter, the storage types), and
 * refuses anything else, naming it. Tensors must be contiguous inside their storage;
 * they may share one (tied weights). The result is a BertSafetensors whose tensors point
 * into buffer, so the engine binds them as it binds a safetensors file's.
 */
#ifndef BERT_TORCH_BIN_H
#define BERT_TORCH_BIN_H

#include "bert_safetensors.h"

G_BEGIN_DECLS

/* The largest pickle read (data.pkl, or each of a legacy file's): BERT-large's state
 * dict's is under 100 KB. */
#define BERT_TORCH_BIN_MAX_PICKLE_BYTES ((gsize) 16 << 20)
/* How deeply MARKs may nest: a state dict nests three deep. */
#define BERT_TORCH_BIN_MAX_MARKS 32
/* The most values the pickle may make and memo entries it may write: BERT-large's state
 * dict makes about 10,000 of each. Bounds the memory a hostile pickle can take. */
#define BERT_TORCH_BIN_MAX_VALUES 1000000

/* Parses and validates buffer (not copied: it must outlive the result). file_name
 * only names the file in error messages. Errors are in BERT_ENGINE_ERROR. */
BertSafetensors *bert_torch_bin_parse (const guint8 *buffer, gsize size, const char *file_name,
    GError **error);

G_END_DECLS

#endif
