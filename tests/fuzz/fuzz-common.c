/* fuzz-common.c: scratch files, logging and failure reports of the fuzz targets. */
#include "fuzz-common.h"

#include <glib/gstdio.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *scratch_dir;

static GLogWriterOutput
quiet_log_writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL)) {
    for (gsize i = 0; i < n_fields; i++)
      if (g_strcmp0 (fields[i].key, "MESSAGE") == 0)
        fuzz_fail ("GLib critical: %s", (const char *) fields[i].value);
    fuzz_fail ("GLib critical");
  }
  return G_LOG_WRITER_HANDLED;
}

void
fuzz_init_logging (void)
{
  g_log_set_writer_func (quiet_log_writer, NULL, NULL);
}

const char *
fuzz_scratch_dir (void)
{
  if (scratch_dir == NULL) {
    char *template = g_build_filename (g_get_tmp_dir (), "gst-bert-fuzz-XXXXXX", NULL);

    scratch_dir = g_mkdtemp (template);
    if (scratch_dir == NULL)
      fuzz_fail ("cannot create a scratch folder under %s", g_get_tmp_dir ());
  }
  return scratch_dir;
}

void
fuzz_write_file (const char *path, const uint8_t *data, size_t size)
{
  GError *error = NULL;
  char *parent;

  if (data == NULL) {
    g_remove (path);
    return;
  }
  parent = g_path_get_dirname (path);
  g_mkdir_with_parents (parent, 0755);
  g_free (parent);
  if (!g_file_set_contents (path, (const char *) data, (gssize) size, &error))
    fuzz_fail ("cannot write %s: %s", path, error->message);
}

/* Copies source_dir/NAME to dest_dir/NAME. */
static void
copy_file (const char *source_dir, const char *name, const char *dest_dir)
{
  char *source = g_build_filename (source_dir, name, NULL);
  char *dest = g_build_filename (dest_dir, name, NULL);
  char *contents;
  gsize size;
  GError *error = NULL;

  if (!g_file_get_contents (source, &contents, &size, &error))
    fuzz_fail ("missing fixture: %s", error->message);
  fuzz_write_file (dest, (const uint8_t *) contents, size);
  g_free (contents);
  g_free (source);
  g_free (dest);
}

void
fuzz_copy_fixture (const char *name, const char *dest_dir)
{
  copy_file (FUZZ_FIXTURE_DIR, name, dest_dir);
}

char *
fuzz_copy_family_model (const char *source_dir, const char *name)
{
  static const char *const files[] = { "config.json", "model.safetensors", "vocab.txt" };
  char *folder = g_build_filename (fuzz_scratch_dir (), name, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    copy_file (source_dir, files[i], folder);
  return folder;
}

char *
fuzz_copy_fixture_model (void)
{
  static const char *const files[] = {
    "config.json",
    "model.safetensors",
    "vocab.txt",
    "tokenizer_config.json",
    "modules.json",
    "1_Pooling/config.json",
    "sentence_bert_config.json",
  };
  char *folder = g_build_filename (fuzz_scratch_dir (), "model", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    fuzz_copy_fixture (files[i], folder);
  return folder;
}

void
fuzz_fail (const char *format, ...)
{
  va_list args;

  va_start (args, format);
  fputs ("FUZZ INVARIANT BROKEN: ", stderr);
  vfprintf (stderr, format, args);
  fputc ('\n', stderr);
  va_end (args);
  abort ();
}

void
fuzz_check_load_result (const void *result, GError *error, const char *what)
{
  if (result == NULL && error == NULL)
    fuzz_fail ("%s: failed without setting an error", what);
  if (result != NULL && error != NULL)
    fuzz_fail ("%s: succeeded but set an error: %s", what, error->message);
  if (error != NULL && (error->message == NULL || error->message[0] == '\0'))
    fuzz_fail ("%s: error without a message", what);
}
