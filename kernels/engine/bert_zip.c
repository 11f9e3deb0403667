/* bert_zip.c: reads the central directory of a zip of stored entries. Field offsets are
 * those of PKWARE's APPNOTE.TXT (4.3.7 local header, 4.3.12 central header, 4.3.14 and
 * 4.3.15 ZIP64 end record and locator, 4.3.16 end record, 4.5.3 ZIP64 extra field). */
#include "bert_zip.h"

#include <string.h>

#include "bert_engine.h"

#define END_SIGNATURE 0x06054b50u
#define END_SIZE 22
#define ZIP64_LOCATOR_SIGNATURE 0x07064b50u
#define ZIP64_LOCATOR_SIZE 20
#define ZIP64_END_SIGNATURE 0x06064b50u
#define ZIP64_END_SIZE 56
#define CENTRAL_SIGNATURE 0x02014b50u
#define CENTRAL_SIZE 46
#define LOCAL_SIGNATURE 0x04034b50u
#define LOCAL_SIZE 30
#define ZIP64_EXTRA_ID 0x0001
#define FLAG_ENCRYPTED 0x0001
#define FLAG_DATA_DESCRIPTOR 0x0008
#define METHOD_STORED 0

typedef struct {
  const guint8 *buffer;
  gsize size;
  const char *file_name;
  guint64 entry_count;
  guint64 directory_offset, directory_size;
  guint64 directory_end; /* where the end records begin: entries' data lies before */
} Archive;

static guint16
read_u16 (const guint8 *p)
{
  return p[0] | (guint16) p[1] << 8;
}

static guint32
read_u32 (const guint8 *p)
{
  return read_u16 (p) | (guint32) read_u16 (p + 2) << 16;
}

static guint64
read_u64 (const guint8 *p)
{
  return read_u32 (p) | (guint64) read_u32 (p + 4) << 32;
}

static void set_format_error (GError **error, const Archive *archive, const char *format, ...)
    G_GNUC_PRINTF (3, 4);

static void
set_format_error (GError **error, const Archive *archive, const char *format, ...)
{
  va_list args;
  char *message;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_FORMAT, "%s: %s", archive->file_name, message);
  g_free (message);
}

/* Whether [offset, offset + length) lies inside [0, limit). */
static gboolean
span_fits (guint64 offset, guint64 length, guint64 limit)
{
  return offset <= limit && length <= limit - offset;
}

/* The end record is the last 22 bytes but for its comment: the last signature whose
 * comment length reaches the end of the file exactly. */
static gint64
find_end_record (const Archive *archive)
{
  gint64 lowest;

  if (archive->size < END_SIZE)
    return -1;
  lowest = MAX ((gint64) archive->size - END_SIZE - G_MAXUINT16, 0);
  for (gint64 at = archive->size - END_SIZE; at >= lowest; at--)
    if (read_u32 (archive->buffer + at) == END_SIGNATURE
        && read_u16 (archive->buffer + at + 20) == archive->size - END_SIZE - at)
      return at;
  return -1;
}

static gboolean
read_zip64_end (Archive *archive, guint64 locator, GError **error)
{
  const guint8 *p = archive->buffer + locator;
  guint64 end = read_u64 (p + 8);

  if (read_u32 (p + 4) != 0 || read_u32 (p + 16) > 1) {
    set_format_error (error, archive, "the archive is split over several disks, which is not supported");
    return FALSE;
  }
  if (!span_fits (end, ZIP64_END_SIZE, locator) || read_u32 (archive->buffer + end) != ZIP64_END_SIGNATURE) {
    set_format_error (error, archive,
        "the ZIP64 end record at offset %" G_GUINT64_FORMAT " is missing or lies "
        "past its locator: the file is truncated or corrupt",
        end);
    return FALSE;
  }
  p = archive->buffer + end;
  archive->entry_count = read_u64 (p + 32);
  archive->directory_size = read_u64 (p + 40);
  archive->directory_offset = read_u64 (p + 48);
  archive->directory_end = end;
  return TRUE;
}

static gboolean
read_end_records (Archive *archive, GError **error)
{
  gint64 end = find_end_record (archive);
  const guint8 *p;

  if (end < 0) {
    set_format_error (error, archive,
        "not a zip archive (no end of central directory record): the file is "
        "truncated, or not written by torch.save");
    return FALSE;
  }
  p = archive->buffer + end;
  if (read_u16 (p + 4) != 0 || read_u16 (p + 6) != 0) {
    set_format_error (error, archive, "the archive is split over several disks, which is not supported");
    return FALSE;
  }
  archive->entry_count = read_u16 (p + 10);
  archive->directory_size = read_u32 (p + 12);
  archive->directory_offset = read_u32 (p + 16);
  archive->directory_end = end;
  if (end >= ZIP64_LOCATOR_SIZE
      && read_u32 (archive->buffer + end - ZIP64_LOCATOR_SIZE) == ZIP64_LOCATOR_SIGNATURE)
    return read_zip64_end (archive, end - ZIP64_LOCATOR_SIZE, error);
  return TRUE;
}

/* Replaces the 32-bit fields of a central header that are 0xffffffff by their ZIP64
 * values, which the extra field holds in this order. */
static gboolean
read_zip64_extra (const Archive *archive, const char *name, const guint8 *extra, guint extra_length,
    guint64 *size, guint64 *compressed_size, guint64 *local_offset, GError **error)
{
  guint64 *fields[] = { size, compressed_size, local_offset };

  for (guint at = 0; at + 4 <= extra_length;) {
    guint id = read_u16 (extra + at), length = read_u16 (extra + at + 2);
    guint used = 0;

    if (at + 4 + length > extra_length)
      break;
    if (id == ZIP64_EXTRA_ID) {
      for (guint i = 0; i < G_N_ELEMENTS (fields); i++) {
        if (*fields[i] != G_MAXUINT32)
          continue;
        if (used + 8 > length)
          break;
        *fields[i] = read_u64 (extra + at + 4 + used);
        used += 8;
      }
      break;
    }
    at += 4 + length;
  }
  if (*size == G_MAXUINT32 || *compressed_size == G_MAXUINT32 || *local_offset == G_MAXUINT32) {
    set_format_error (error, archive, "entry '%s' has no ZIP64 extra field for its sizes or offset", name);
    return FALSE;
  }
  return TRUE;
}

/* The entry's data, after its local header, which must agree with the central one. */
static gboolean
locate_data (const Archive *archive, BertZipEntry *entry, guint64 local_offset, guint64 compressed_size,
    GError **error)
{
  const guint8 *local;
  guint name_length, extra_length, flags;
  guint64 data_offset;

  if (!span_fits (local_offset, LOCAL_SIZE, archive->directory_offset)
      || read_u32 (archive->buffer + local_offset) != LOCAL_SIGNATURE) {
    set_format_error (error, archive, "entry '%s': no local header at offset %" G_GUINT64_FORMAT, entry->name,
        local_offset);
    return FALSE;
  }
  local = archive->buffer + local_offset;
  flags = read_u16 (local + 6);
  name_length = read_u16 (local + 26);
  extra_length = read_u16 (local + 28);
  data_offset = local_offset + LOCAL_SIZE + name_length + extra_length;
  if (!span_fits (local_offset + LOCAL_SIZE, name_length, archive->directory_offset)
      || name_length != strlen (entry->name) || memcmp (local + LOCAL_SIZE, entry->name, name_length) != 0
      || read_u16 (local + 8) != METHOD_STORED) {
    set_format_error (error, archive, "entry '%s': its local header does not match the central directory",
        entry->name);
    return FALSE;
  }
  if (!(flags & FLAG_DATA_DESCRIPTOR) && read_u32 (local + 22) != G_MAXUINT32
      && read_u32 (local + 22) != compressed_size) {
    set_format_error (error, archive,
        "entry '%s': its local header gives %u bytes, the central directory %" G_GUINT64_FORMAT, entry->name,
        read_u32 (local + 22), compressed_size);
    return FALSE;
  }
  if (!span_fits (data_offset, compressed_size, archive->directory_offset)) {
    set_format_error (error, archive,
        "entry '%s': its %" G_GUINT64_FORMAT " bytes at offset %" G_GUINT64_FORMAT
        " run past the central directory (offset %" G_GUINT64_FORMAT "): the file is truncated or corrupt",
        entry->name, compressed_size, data_offset, archive->directory_offset);
    return FALSE;
  }
  entry->data = archive->buffer + data_offset;
  entry->size = compressed_size;
  return TRUE;
}

static void
entry_free (gpointer data)
{
  BertZipEntry *entry = data;

  g_free (entry->name);
  g_free (entry);
}

/* Reads the central header at *at into a new entry and moves *at past it. */
static BertZipEntry *
read_central_header (const Archive *archive, guint64 *at, GError **error)
{
  const guint8 *p = archive->buffer + *at;
  guint64 directory_end = archive->directory_offset + archive->directory_size;
  guint name_length, extra_length, comment_length, flags, method;
  guint64 size, compressed_size, local_offset;
  BertZipEntry *entry;

  if (!span_fits (*at, CENTRAL_SIZE, directory_end) || read_u32 (p) != CENTRAL_SIGNATURE) {
    set_format_error (error, archive, "the central directory is corrupt at offset %" G_GUINT64_FORMAT, *at);
    return NULL;
  }
  flags = read_u16 (p + 8);
  method = read_u16 (p + 10);
  compressed_size = read_u32 (p + 20);
  size = read_u32 (p + 24);
  name_length = read_u16 (p + 28);
  extra_length = read_u16 (p + 30);
  comment_length = read_u16 (p + 32);
  local_offset = read_u32 (p + 42);
  if (!span_fits (*at + CENTRAL_SIZE, (guint64) name_length + extra_length + comment_length, directory_end)) {
    set_format_error (error, archive, "the central directory is corrupt at offset %" G_GUINT64_FORMAT, *at);
    return NULL;
  }
  entry = g_new0 (BertZipEntry, 1);
  entry->name = g_utf8_make_valid ((const char *) p + CENTRAL_SIZE, name_length);
  *at += CENTRAL_SIZE + name_length + extra_length + comment_length;
  if (flags & FLAG_ENCRYPTED)
    set_format_error (error, archive, "entry '%s' is encrypted", entry->name);
  else if (method != METHOD_STORED)
    set_format_error (error, archive,
        "entry '%s' is compressed (method %u); only stored entries are read, as "
        "torch.save writes them",
        entry->name, method);
  else if (read_zip64_extra (archive, entry->name, p + CENTRAL_SIZE + name_length, extra_length, &size,
               &compressed_size, &local_offset, error)
      && size != compressed_size)
    set_format_error (error, archive,
        "entry '%s' is stored with %" G_GUINT64_FORMAT " bytes but says %" G_GUINT64_FORMAT " uncompressed",
        entry->name, compressed_size, size);
  else if (locate_data (archive, entry, local_offset, compressed_size, error))
    return entry;
  entry_free (entry);
  return NULL;
}

static gboolean
read_directory (const Archive *archive, GHashTable *entries, GError **error)
{
  guint64 at = archive->directory_offset;

  if (!span_fits (archive->directory_offset, archive->directory_size, archive->directory_end)) {
    set_format_error (error, archive,
        "the central directory (%" G_GUINT64_FORMAT " bytes at offset %" G_GUINT64_FORMAT
        ") runs past the end record: the file is truncated or corrupt",
        archive->directory_size, archive->directory_offset);
    return FALSE;
  }
  for (guint64 i = 0; i < archive->entry_count; i++) {
    BertZipEntry *entry = read_central_header (archive, &at, error);

    if (entry == NULL)
      return FALSE;
    if (g_hash_table_contains (entries, entry->name)) {
      set_format_error (error, archive, "entry '%s' appears twice", entry->name);
      entry_free (entry);
      return FALSE;
    }
    g_hash_table_insert (entries, entry->name, entry);
  }
  return TRUE;
}

GHashTable *
bert_zip_read_entries (const guint8 *buffer, gsize size, const char *file_name, GError **error)
{
  Archive archive = { .buffer = buffer, .size = size, .file_name = file_name };
  GHashTable *entries;

  if (!read_end_records (&archive, error))
    return NULL;
  entries = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, entry_free);
  if (!read_directory (&archive, entries, error)) {
    g_hash_table_unref (entries);
    return NULL;
  }
  return entries;
}
