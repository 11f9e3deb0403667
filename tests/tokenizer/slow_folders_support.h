/* slow_folders_support.h: what the slow-folder tests share (test-mpnet-slow-files.c,
 * test-roberta-slow-files.c, test-spm-slow-files.c).
 *
 * A slow folder holds the files transformers' slow tokenizer classes read and no
 * tokenizer.json. The tests build one in a scratch folder for each fixture variant, load it,
 * remove it again, and compare its encodings with transformers' outputs: the texts of
 * data_dir/texts_file against data_dir/FIXTURES/VARIANT/expected.txt, the pair cases of
 * data_dir/pairs/cases.txt against data_dir/FIXTURES/VARIANT/expected-pairs.txt.
 */
#ifndef SLOW_FOLDERS_SUPPORT_H
#define SLOW_FOLDERS_SUPPORT_H

#include "bert_tokenizer.h"

#include <glib.h>
#include <stdarg.h>

typedef struct {
  const char *data_dir;
  /* the folder of data_dir that holds the variants' expected outputs */
  const char *fixtures;
  /* the texts, a path in data_dir */
  const char *texts_file;
  /* how many texts there must be more than */
  guint more_than;
  /* a new scratch folder of the variant's files (removed with slow_folder_remove) */
  char *(*make_folder) (const char *variant);
  /* every file a scratch folder may hold, by make_folder or by a test */
  const char *const *files;
  guint n_files;
  /* the variant whose folder the refusal tests edit */
  const char *refused_variant;
} SlowFolders;

/* Removes the scratch folder dir and its files; frees dir. */
void slow_folder_remove (const SlowFolders *folders, char *dir);
/* The variant's tokenizer, loaded from a scratch folder removed again; asserts that it loads. */
BertTokenizer *slow_folder_load (const SlowFolders *folders, const char *variant);

/* Adds texts_prefix/VARIANT and pairs_prefix/VARIANT for each of variants[0, n_variants): the
 * variant's encodings of the texts and of the pair cases against transformers'. */
void slow_folders_add_tests (const SlowFolders *folders, const char *texts_prefix, const char *pairs_prefix,
    const char *const *variants, guint n_variants);
/* Adds texts_prefix/VARIANT alone. */
void slow_folders_add_texts_test (const SlowFolders *folders, const char *texts_prefix, const char *variant);
/* Adds pairs_prefix/VARIANT alone. */
void slow_folders_add_pairs_test (const SlowFolders *folders, const char *pairs_prefix, const char *variant);

/* The variant's folder with its file name's contents replaced by length bytes of contents
 * (-1: a string; name NULL: none replaced), encoding text, as encoding_describe writes it
 * (g_free it). Asserts that the folder loads. */
char *slow_folder_describe (const SlowFolders *folders, const char *variant, const char *name,
    const char *contents, gssize length, const char *text);

/* Loads the refused_variant folder with its file name's contents replaced (NULL: removed),
 * and checks it is refused with code and an error holding each of the NULL-ended needles, as
 * assert_folder_refused. */
void slow_folder_expect_refused (const SlowFolders *folders, const char *name, const char *contents, int code,
    ...) G_GNUC_NULL_TERMINATED;
/* The same with length bytes of contents. */
void slow_folder_expect_refused_bytes (const SlowFolders *folders, const char *name, const char *contents,
    gssize length, int code, ...) G_GNUC_NULL_TERMINATED;
/* The same with the needles as a va_list. */
void slow_folder_expect_refused_va (const SlowFolders *folders, const char *name, const char *contents,
    gssize length, int code, va_list needles);

#endif
