/* bench-sentences.h: the sentences a benchmark runs on, read from a file. */
#ifndef BENCH_SENTENCES_H
#define BENCH_SENTENCES_H

#include <glib.h>

G_BEGIN_DECLS

/* The sentences of path, in file order: for a .csv, the STS Benchmark layout
 * (tab-separated; both sentences of each pair, columns 6 and 7, of lines that have
 * them), as shared/scripts/peer-bench.py reads it; otherwise every non-empty line,
 * stripped. NULL with error set when the file cannot be read. */
GPtrArray *bench_read_sentences (const char *path, GError **error);

/* $GST_BERT_SHARED_DIR/eval/stsbenchmark/sts-test.csv (../shared when unset). */
char *bench_sts_test_path (void);

G_END_DECLS

#endif
