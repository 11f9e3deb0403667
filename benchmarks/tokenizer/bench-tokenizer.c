/* bench-tokenizer: single-thread tokenization speed on a text file, one sequence per line.
 *
 *   bench-tokenizer TOKENIZER_PATH TEXT_FILE [--passes N] [--max-length N]
 *   bench-tokenizer --vocab-lines N     (load time and memory of an N-line vocab.txt)
 *
 * Prints the tokenizer's load time and resident memory, then MB/s, lines/s and tokens/s of
 * bert_tokenizer_encode over every line of the file (no truncation unless --max-length), the
 * best of --passes passes. Each pass runs in a thread of its own: the tokenizer's per-thread
 * pre-token cache starts empty, as on a stream's first pass over its text (a cache kept from
 * an earlier pass over the same file would find every word again). Compare with
 * bench-hf-tokenizers.py on the same file.
 */
#include "bert_tokenizer.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

typedef struct {
  double seconds; /* CPU time of this thread: other processes' load does not count */
  double wall_seconds;
  guint64 tokens;
} PassResult;

static double
thread_cpu_seconds (void)
{
  struct timespec now;
  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &now);
  return now.tv_sec + now.tv_nsec / 1e9;
}

static PassResult
run_pass (const BertTokenizer *tokenizer, const char *text, gsize length, guint max_length,
    BertEncoding *encoding)
{
  PassResult result = { 0, 0, 0 };
  gint64 start = g_get_monotonic_time ();
  double cpu_start = thread_cpu_seconds ();
  for (const char *line = text; line < text + length;) {
    const char *newline = memchr (line, '\n', text + length - line);
    const char *end = newline ? newline : text + length;
    bert_tokenizer_encode (tokenizer, line, end - line, max_length, encoding);
    result.tokens += encoding->n_tokens;
    line = end + 1;
  }
  result.seconds = thread_cpu_seconds () - cpu_start;
  result.wall_seconds = (g_get_monotonic_time () - start) / 1e6;
  return result;
}

typedef struct {
  const BertTokenizer *tokenizer;
  const char *text;
  gsize length;
  guint max_length;
  BertEncoding *encoding;
  PassResult result;
} Pass;

static gpointer
run_pass_thread (gpointer data)
{
  Pass *pass = data;
  pass->result = run_pass (pass->tokenizer, pass->text, pass->length, pass->max_length, pass->encoding);
  return NULL;
}

/* A pass in a new thread, so with the tokenizer's per-thread state new. */
static PassResult
run_fresh_pass (const BertTokenizer *tokenizer, const char *text, gsize length, guint max_length,
    BertEncoding *encoding)
{
  Pass pass = { tokenizer, text, length, max_length, encoding, { 0, 0, 0 } };
  g_thread_join (g_thread_new ("pass", run_pass_thread, &pass));
  return pass.result;
}

static guint
count_lines (const char *text, gsize length)
{
  guint lines = 0;
  for (const char *p = text; (p = memchr (p, '\n', text + length - p)) != NULL; p++)
    lines++;
  return lines;
}

/* Resident memory in kB (field "VmRSS:", or "VmHWM:" for the peak), from /proc (Linux). */
static long
memory_kb (const char *field)
{
  char *status = NULL;
  long kb = -1;
  if (g_file_get_contents ("/proc/self/status", &status, NULL, NULL)) {
    const char *line = strstr (status, field);
    if (line)
      kb = strtol (line + strlen (field), NULL, 10);
  }
  g_free (status);
  return kb;
}

static long
resident_kb (void)
{
  return memory_kb ("VmRSS:");
}

static int
bench_encode (const char *tokenizer_path, const char *text_path, int passes, guint max_length)
{
  GError *error = NULL;
  char *text;
  gsize length;
  long resident_before = resident_kb ();
  gint64 load_start = g_get_monotonic_time ();
  double load_cpu_start = thread_cpu_seconds ();
  BertTokenizer *tokenizer = bert_tokenizer_new_from_path (tokenizer_path, &error);
  double load_cpu = thread_cpu_seconds () - load_cpu_start;
  double load_wall = (g_get_monotonic_time () - load_start) / 1e6;

  long resident_after_load = resident_kb (), peak_after_load = memory_kb ("VmHWM:");
  if (tokenizer == NULL || !g_file_get_contents (text_path, &text, &length, &error)) {
    fprintf (stderr, "%s\n", error->message);
    return 1;
  }
  BertEncoding encoding;
  bert_encoding_init (&encoding);
  guint lines = count_lines (text, length);
  PassResult best = { G_MAXDOUBLE, 0, 0 };
  for (int pass = 0; pass < passes; pass++) {
    PassResult result = run_fresh_pass (tokenizer, text, length, max_length, &encoding);
    if (result.seconds < best.seconds)
      best = result;
  }
  printf ("tokenizer: %s\nloaded in %.3f s CPU (%.3f s wall): %.1f MB more resident memory, "
          "peak resident %.1f MB\n",
      tokenizer_path, load_cpu, load_wall, (resident_after_load - resident_before) / 1024.0,
      peak_after_load / 1024.0);
  printf ("text: %s (%.1f MB, %u lines)\n", text_path, length / 1e6, lines);
  printf ("single thread, best of %d passes: %.3f s CPU (%.3f s wall), %.1f MB/s, %.0f lines/s, "
          "%.2f M tokens/s\n",
      passes, best.seconds, best.wall_seconds, length / 1e6 / best.seconds, lines / best.seconds,
      best.tokens / 1e6 / best.seconds);
  printf ("peak resident after the passes: %.1f MB\n", memory_kb ("VmHWM:") / 1024.0);
  bert_encoding_clear (&encoding);
  bert_tokenizer_free (tokenizer);
  g_free (text);
  return 0;
}

static int
bench_vocab (guint n_lines)
{
  char *path = g_build_filename (g_get_tmp_dir (), "bench-tokenizer-vocab.txt", NULL);
  FILE *file = fopen (path, "w");
  fputs ("[PAD]\n[UNK]\n[CLS]\n[SEP]\n", file);
  for (guint i = 4; i < n_lines; i++)
    fprintf (file, "%s%x\n", i % 3 ? "##" : "", i * 2654435761u);
  fclose (file);

  GError *error = NULL;
  long before = resident_kb ();
  gint64 start = g_get_monotonic_time ();
  BertTokenizer *tokenizer = bert_tokenizer_new_from_path (path, &error);
  double seconds = (g_get_monotonic_time () - start) / 1e6;
  if (tokenizer == NULL) {
    fprintf (stderr, "%s\n", error->message);
    return 1;
  }
  struct stat info;
  g_stat (path, &info);
  printf ("vocab.txt of %u lines (%.1f MB): loaded in %.2f s, %.0f MB more resident memory\n",
      bert_tokenizer_get_vocab_size (tokenizer), info.st_size / 1e6, seconds,
      (resident_kb () - before) / 1024.0);
  bert_tokenizer_free (tokenizer);
  g_unlink (path);
  g_free (path);
  return 0;
}

int
main (int argc, char **argv)
{
  int passes = 3, max_length = 0, vocab_lines = 0;
  GOptionEntry entries[] = { { "passes", 0, 0, G_OPTION_ARG_INT, &passes,
                                 "Passes over the file (best is shown)", "N" },
    { "max-length", 0, 0, G_OPTION_ARG_INT, &max_length, "Truncate to N tokens (default: none)", "N" },
    { "vocab-lines", 0, 0, G_OPTION_ARG_INT, &vocab_lines,
        "Instead, time loading a generated vocab.txt of N lines", "N" },
    { NULL } };
  GOptionContext *context = g_option_context_new ("TOKENIZER_PATH TEXT_FILE");
  GError *error = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error)) {
    fprintf (stderr, "%s\n", error->message);
    return 2;
  }
  g_option_context_free (context);
  if (vocab_lines > 4)
    return bench_vocab (vocab_lines);
  if (argc != 3 || passes < 1) {
    fprintf (stderr, "usage: bench-tokenizer TOKENIZER_PATH TEXT_FILE [--passes N]\n");
    return 2;
  }
  return bench_encode (argv[1], argv[2], passes, max_length > 0 ? (guint) max_length : G_MAXUINT);
}
