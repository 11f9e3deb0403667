/* bert_model_file.h: opening the files of a model folder, which we do not control.
 *
 * A model folder may hold anything under a model file's name: a named pipe (opening it
 * blocks until a writer comes), a symbolic link to /dev/zero (reading it never ends), a
 * folder, a symbolic link loop. Every model file is opened here, as a regular file whose
 * size is known before anything is read, and every refusal names the file and the cause
 * in valid UTF-8, whatever the bytes of the folder's name.
 */
#ifndef BERT_MODEL_FILE_H
#define BERT_MODEL_FILE_H

#include <glib.h>

G_BEGIN_DECLS

/* The most a JSON file of a model folder may hold; tokenizer.json is the largest
 * (17 MB for a 250,000-token multilingual vocabulary). */
#define BERT_MODEL_FILE_MAX_JSON_BYTES ((gsize) 256 << 20)
/* vocab.txt: one token a line; the largest real ones are a few MB. */
#define BERT_MODEL_FILE_MAX_VOCAB_BYTES ((gsize) 1 << 30)

/* Opens path read-only without blocking: a file descriptor of a regular file of at most
 * max_bytes (G_MAXUINT64 for no limit) and its size, or -1 and a G_FILE_ERROR whose
 * message names the path and what it is instead ("a named pipe, not a regular file"). */
int bert_model_file_open (const char *path, guint64 max_bytes, guint64 *size, GError **error);

/* Reads a whole regular file of at most max_bytes, NUL-terminated, as
 * g_file_get_contents does; errors as bert_model_file_open. */
gboolean bert_model_file_read (const char *path, gsize max_bytes, char **contents, gsize *length,
    GError **error);

/* Whether the folder holds an entry of that name, whatever it is (a dangling link or a
 * link loop too), so that opening it reports why it cannot be read instead of the
 * loader acting as if it were absent. */
gboolean bert_model_file_exists (const char *path);
/* The same for the entry NAME of FOLDER. */
gboolean bert_model_file_exists_in (const char *folder, const char *name);

/* Replaces the bytes of the error's message that are not UTF-8 (a folder's name in
 * another encoding) by U+FFFD, so that bus messages and Python can carry it. */
void bert_model_file_make_message_valid (GError *error);

G_END_DECLS

#endif
