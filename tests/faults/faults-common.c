/* faults-common.c: helpers of the fault tests. */
#include "faults-common.h"

#include <gst/check/gstcheck.h>
#include <glib/gstdio.h>
#include <pwd.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define FAULTS_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FAULTS_UNDER_ASAN 1
#endif
#endif

static void
copy_tree (const char *source, const char *dest)
{
  GDir *dir = g_dir_open (source, 0, NULL);
  const char *name;

  fail_unless (dir != NULL, "cannot list %s", source);
  g_mkdir_with_parents (dest, 0755);
  while ((name = g_dir_read_name (dir)) != NULL) {
    char *from = g_build_filename (source, name, NULL);
    char *to = g_build_filename (dest, name, NULL);
    char *contents;
    gsize size;

    if (g_file_test (from, G_FILE_TEST_IS_DIR)) {
      copy_tree (from, to);
    } else {
      fail_unless (g_file_get_contents (from, &contents, &size, NULL), "cannot read %s", from);
      fail_unless (g_file_set_contents (to, contents, size, NULL), "cannot write %s", to);
      g_free (contents);
    }
    g_free (from);
    g_free (to);
  }
  g_dir_close (dir);
}

char *
faults_copy_tiny_model (void)
{
  char *folder = g_dir_make_tmp ("gst-bert-faults-XXXXXX", NULL);

  fail_unless (folder != NULL);
  /* Readable by nobody too, for the permission tests. */
  g_chmod (folder, 0755);
  copy_tree (FAULTS_FIXTURE_DIR, folder);
  return folder;
}

static void
remove_tree (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL) {
    while ((name = g_dir_read_name (dir)) != NULL) {
      char *child = g_build_filename (path, name, NULL);
      remove_tree (child);
      g_free (child);
    }
    g_dir_close (dir);
  }
  g_remove (path);
}

void
faults_delete_model_copy (char *folder)
{
  remove_tree (folder);
  g_free (folder);
}

/* A "Field:   N kB" line of /proc/self/status, in KiB. */
static double
read_status_kib (const char *field)
{
  char *status = NULL;
  const char *line;
  double kib = 0;

  g_file_get_contents ("/proc/self/status", &status, NULL, NULL);
  line = status != NULL ? strstr (status, field) : NULL;
  if (line != NULL)
    kib = g_ascii_strtod (line + strlen (field), NULL);
  g_free (status);
  return kib;
}

gboolean
faults_limit_address_space (gsize extra_bytes)
{
#ifdef FAULTS_UNDER_ASAN
  GST_WARNING ("AddressSanitizer build: no address-space limit");
  return FALSE;
#else
  struct rlimit limit;

  /* Without a process per test, the first limit would bind every later test. */
  if (g_strcmp0 (g_getenv ("CK_FORK"), "no") == 0) {
    GST_WARNING ("CK_FORK=no: no address-space limit");
    return FALSE;
  }
  limit.rlim_cur = limit.rlim_max = (rlim_t) read_status_kib ("VmSize:") * 1024 + extra_bytes;
  fail_unless (setrlimit (RLIMIT_AS, &limit) == 0);
  return TRUE;
#endif
}

gboolean
faults_become_unprivileged (void)
{
  struct passwd *nobody;

  if (geteuid () != 0)
    return TRUE;
  nobody = getpwnam ("nobody");
  if (nobody == NULL)
    return FALSE;
  return setgid (nobody->pw_gid) == 0 && setuid (nobody->pw_uid) == 0;
}

void
faults_assert_load_error (gconstpointer result, GError *error, const char *file_name)
{
  fail_unless (result == NULL, "loading with a broken %s succeeded", file_name);
  fail_unless (error != NULL, "loading failed without an error");
  fail_unless (error->domain == BERT_ENGINE_ERROR || error->domain == BERT_TOKENIZER_ERROR,
      "error from domain %s: %s", g_quark_to_string (error->domain), error->message);
  fail_unless (strstr (error->message, file_name) != NULL, "the error does not name %s: %s", file_name,
      error->message);
  GST_INFO ("%s: %s", file_name, error->message);
}

BertEncoder *
faults_new_cpu_encoder (BertModel *model)
{
  BertEncoderOptions options;
  BertEncoder *encoder;
  GError *error = NULL;

  bert_encoder_options_init (&options);
  options.device = BERT_DEVICE_CPU;
  options.n_threads = 1;
  encoder = bert_encoder_new (model, &options, &error);
  fail_unless (encoder != NULL, "bert_encoder_new: %s", error ? error->message : "?");
  return encoder;
}

float *
faults_embed (BertModel *model, BertEncoder *encoder, const char *const *texts, guint n_texts)
{
  const BertTokenizer *tokenizer = bert_model_get_tokenizer (model);
  BertEncoding *encodings = g_new0 (BertEncoding, n_texts);
  BertSequence *sequences = g_new0 (BertSequence, n_texts);
  const BertBatchOutput *output;
  GError *error = NULL;
  BertJob *job;
  float *embeddings;

  for (guint i = 0; i < n_texts; i++) {
    bert_encoding_init (&encodings[i]);
    bert_tokenizer_encode (tokenizer, texts[i], strlen (texts[i]), 0, &encodings[i]);
    sequences[i] = (BertSequence){ encodings[i].ids, encodings[i].type_ids, encodings[i].n_tokens };
  }
  job = bert_encoder_run (encoder, sequences, n_texts, &error);
  fail_unless (job != NULL, "bert_encoder_run: %s", error ? error->message : "?");
  output = bert_job_get_output (job);
  embeddings = g_memdup2 (output->embeddings, sizeof (float) * n_texts * output->hidden_size);
  bert_job_free (job);
  for (guint i = 0; i < n_texts; i++)
    bert_encoding_clear (&encodings[i]);
  g_free (encodings);
  g_free (sequences);
  return embeddings;
}

double
faults_peak_rss_mib (void)
{
  return read_status_kib ("VmHWM:") / 1024.0;
}
