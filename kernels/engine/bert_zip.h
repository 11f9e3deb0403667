/* bert_zip.h: a checked reader of zip archives of stored (uncompressed) entries
 * (engine-private).
 *
 * torch.save writes its files so (PyTorch >= 1.6): every entry stored, sizes in the
 * central directory, and (PyTorch 2.15 at least) a ZIP64 end record. The central directory is read, every entry's
 * local header is checked against it, and every entry's data must lie inside the buffer
 * before the central directory, so an entry's bytes can be used in place, never copied.
 * Compressed and encrypted entries are refused, as are archives split over disks.
 */
#ifndef BERT_ZIP_H
#define BERT_ZIP_H

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  char *name; /* as in the central directory, NUL-terminated */
  const guint8 *data;
  guint64 size;
} BertZipEntry;

/* The entries of buffer by name (name -> BertZipEntry), or NULL and an error in
 * BERT_ENGINE_ERROR naming file_name. buffer must outlive the table. */
GHashTable *bert_zip_read_entries (const guint8 *buffer, gsize size, const char *file_name, GError **error);

G_END_DECLS

#endif
