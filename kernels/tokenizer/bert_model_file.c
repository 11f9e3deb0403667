/* bert_model_file.c: regular files with a size, opened without blocking. */
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bert_model_file.h"

static const char *
describe_non_regular (mode_t mode)
{
  if (S_ISDIR (mode))
    return "a folder";
  if (S_ISFIFO (mode))
    return "a named pipe";
  if (S_ISCHR (mode))
    return "a character device";
  if (S_ISBLK (mode))
    return "a block device";
  if (S_ISSOCK (mode))
    return "a socket";
  return "not a plain file";
}

static void set_file_error (GError **error, GFileError code, const char *path, const char *format, ...)
    G_GNUC_PRINTF (4, 5);

static void
set_file_error (GError **error, GFileError code, const char *path, const char *format, ...)
{
  char *display = g_filename_display_name (path), *cause;
  va_list args;

  va_start (args, format);
  cause = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, G_FILE_ERROR, code, "%s: %s", display, cause);
  g_free (cause);
  g_free (display);
}

int
bert_model_file_open (const char *path, guint64 max_bytes, guint64 *size, GError **error)
{
  /* O_NONBLOCK: opening a named pipe returns at once, and fstat then refuses it. */
  int fd = g_open (path, O_RDONLY | O_NONBLOCK | O_CLOEXEC, 0);
  struct stat status;
  int saved_errno;

  if (fd < 0 || fstat (fd, &status) != 0) {
    saved_errno = errno;
    if (fd >= 0)
      close (fd);
    set_file_error (error, g_file_error_from_errno (saved_errno), path, "%s",
        saved_errno == ELOOP ? "a loop of symbolic links" : g_strerror (saved_errno));
    return -1;
  }
  if (!S_ISREG (status.st_mode)) {
    set_file_error (error, S_ISDIR (status.st_mode) ? G_FILE_ERROR_ISDIR : G_FILE_ERROR_INVAL, path,
        "%s, not a regular file", describe_non_regular (status.st_mode));
  } else if ((guint64) status.st_size > max_bytes) {
    set_file_error (error, G_FILE_ERROR_FAILED, path,
        "%" G_GUINT64_FORMAT " bytes, more than the %" G_GUINT64_FORMAT " such a file may have",
        (guint64) status.st_size, max_bytes);
  } else {
    /* Reads block as usual from here on. */
    fcntl (fd, F_SETFL, fcntl (fd, F_GETFL) & ~O_NONBLOCK);
    *size = status.st_size;
    return fd;
  }
  close (fd);
  return -1;
}

gboolean
bert_model_file_read (const char *path, gsize max_bytes, char **contents, gsize *length, GError **error)
{
  guint64 size, done = 0;
  int fd = bert_model_file_open (path, max_bytes, &size, error);
  char *buffer;

  if (fd < 0)
    return FALSE;
  buffer = g_try_malloc (size + 1);
  if (buffer == NULL) {
    set_file_error (error, G_FILE_ERROR_NOMEM, path, "no memory for its %" G_GUINT64_FORMAT " bytes", size);
    close (fd);
    return FALSE;
  }
  /* A file that shrinks while read ends early; one that grows is read to its first size. */
  while (done < size) {
    gssize got = read (fd, buffer + done, size - done);
    if (got < 0 && errno == EINTR)
      continue;
    if (got < 0) {
      int saved_errno = errno;
      set_file_error (error, g_file_error_from_errno (saved_errno), path, "%s", g_strerror (saved_errno));
      g_free (buffer);
      close (fd);
      return FALSE;
    }
    if (got == 0)
      break;
    done += got;
  }
  close (fd);
  buffer[done] = '\0';
  *contents = buffer;
  *length = done;
  return TRUE;
}

gboolean
bert_model_file_exists (const char *path)
{
  GStatBuf status;

  return g_lstat (path, &status) == 0;
}

gboolean
bert_model_file_exists_in (const char *folder, const char *name)
{
  char *path = g_build_filename (folder, name, NULL);
  gboolean exists = bert_model_file_exists (path);

  g_free (path);
  return exists;
}

void
bert_model_file_make_message_valid (GError *error)
{
  char *valid;

  if (error == NULL || g_utf8_validate (error->message, -1, NULL))
    return;
  valid = g_utf8_make_valid (error->message, -1);
  g_free (error->message);
  error->message = valid;
}
