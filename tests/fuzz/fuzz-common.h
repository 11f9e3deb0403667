/* fuzz-common.h: what the libFuzzer targets share.
 *
 * The loaders under test take paths, so each fuzzer process owns a scratch folder
 * under $TMPDIR where the targets write their input (run-fuzzers.sh points TMPDIR
 * at /dev/shm, so a run costs no disk writes, and removes it after the run). A
 * broken invariant calls fuzz_fail, which aborts: libFuzzer then saves the input as
 * a crash like any sanitizer report.
 */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include <glib.h>

/* Drops GLib messages below critical (fuzzed input makes loaders warn at every run)
 * and turns criticals into failures: a g_return_if_fail reached from input is a bug. */
void fuzz_init_logging (void);

/* The scratch folder of this process, created on first use under $TMPDIR. */
const char *fuzz_scratch_dir (void);

/* Writes data to path, or removes path when data is NULL. Creates missing parent folders. */
void fuzz_write_file (const char *path, const uint8_t *data, size_t size);

/* Copies a file of the committed tiny model (tests/data/tiny-model/NAME) to dest_dir/NAME. */
void fuzz_copy_fixture (const char *name, const char *dest_dir);

/* Copies the whole tiny model into the scratch folder's model/ and returns that folder;
 * a target then overwrites the files it fuzzes before each load. */
char *fuzz_copy_fixture_model (void);

/* Copies a model folder of tests/engine/data/families, source_dir (config.json, weights,
 * vocab.txt only: its tokenizer is built from vocab.txt), into the scratch folder's name/
 * and returns that folder. */
char *fuzz_copy_family_model (const char *source_dir, const char *name);

/* Reports a broken invariant and aborts. */
void fuzz_fail (const char *format, ...) G_GNUC_PRINTF (1, 2);

/* A loader's contract: NULL with an error that says something, or non-NULL without one. */
void fuzz_check_load_result (const void *result, GError *error, const char *what);

#endif
