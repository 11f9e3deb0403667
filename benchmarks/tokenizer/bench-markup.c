/* bench-markup: the Pango markup stage's time per byte on ordinary and hostile markup.
 *
 *   bench-markup [--bytes N] [--passes N]
 *
 * For each kind of markup, N bytes (default 2 MB) of one unit repeated, stripped by
 * bert_plain_text_strip_markup: prints the best thread CPU time of --passes passes
 * (default 3), nanoseconds per byte and the bytes examined per byte looking for tags'
 * ends. Linear work shows as the same ns/byte at every size: run it with two sizes.
 */
#include "bert_markup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const struct {
  const char *name;
  const char *unit;
} kinds[] = {
  { "plain text", "hello world " },
  { "closed tags", "<i>hello</i> &amp; " },
  { "unclosed <", "<a" },
  { "unclosed < and quotes", "<a \"" },
};

static double
thread_cpu_seconds (void)
{
  struct timespec now;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &now);
  return now.tv_sec + now.tv_nsec / 1e9;
}

static GString *
repeat (const char *unit, gsize total)
{
  GString *out = g_string_sized_new (total + strlen (unit));

  while (out->len < total)
    g_string_append (out, unit);
  g_string_truncate (out, total);
  return out;
}

int
main (int argc, char **argv)
{
  gsize n_bytes = 2 << 20;
  guint passes = 3;
  BertPlainText plain;

  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp (argv[i], "--bytes") == 0)
      n_bytes = strtoull (argv[i + 1], NULL, 10);
    else if (strcmp (argv[i], "--passes") == 0)
      passes = MAX (1, atoi (argv[i + 1]));
    else
      g_error ("usage: %s [--bytes N] [--passes N]", argv[0]);
  }
  bert_plain_text_init (&plain);
  printf ("%-22s %10s %10s %8s %12s\n", "markup", "bytes", "seconds", "ns/byte", "steps/byte");
  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++) {
    GString *markup = repeat (kinds[k].unit, n_bytes);
    double best = G_MAXDOUBLE;

    for (guint pass = 0; pass < passes; pass++) {
      double start = thread_cpu_seconds ();

      bert_plain_text_strip_markup (&plain, markup->str, markup->len);
      best = MIN (best, thread_cpu_seconds () - start);
    }
    printf ("%-22s %10zu %10.4f %8.1f %12.2f\n", kinds[k].name, markup->len, best, best * 1e9 / markup->len,
        (double) plain.scan_steps / markup->len);
    g_string_free (markup, TRUE);
  }
  bert_plain_text_clear (&plain);
  return 0;
}
