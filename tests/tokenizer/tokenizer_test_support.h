/* tokenizer_test_support.h: what the tokenizer tests share.
 *
 * Files read and written with assertions, tokenizers loaded with assertions, and encodings
 * written as text ("id:type_id:start:end" per token, or "id:type_id:sequence:start:end") to
 * compare with the reference outputs, one line per text or pair.
 */
#ifndef TOKENIZER_TEST_SUPPORT_H
#define TOKENIZER_TEST_SUPPORT_H

#include "bert_tokenizer.h"

#include <glib.h>
#include <stdarg.h>

/* unigram-hf's pair template and the unusual one the pair and token-cut references give it
 * (make-pair-references.py, make-token-cut-references.py): other places and type ids. */
#define UNIGRAM_HF_PAIR_FROM                                                                                 \
  "\"pair\":[{\"SpecialToken\":{\"id\":\"<s>\",\"type_id\":0}},{\"Sequence\":{\"id\":\"A\",\"type_id\":0}}," \
  "{\"SpecialToken\":{\"id\":\"</s>\",\"type_id\":0}},{\"SpecialToken\":{\"id\":\"</s>\",\"type_id\":0}},"   \
  "{\"Sequence\":{\"id\":\"B\",\"type_id\":0}},{\"SpecialToken\":{\"id\":\"</s>\",\"type_id\":0}}]"
#define UNIGRAM_HF_PAIR_TO                                                                                   \
  "\"pair\":[{\"Sequence\":{\"id\":\"A\",\"type_id\":2}},{\"SpecialToken\":{\"id\":\"</"                     \
  "s>\",\"type_id\":3}},"                                                                                    \
  "{\"Sequence\":{\"id\":\"B\",\"type_id\":1}},{\"SpecialToken\":{\"id\":\"<s>\",\"type_id\":1}},"           \
  "{\"SpecialToken\":{\"id\":\"</s>\",\"type_id\":1}}]"

/* The contents of path, NUL-terminated (g_free them); asserts that it reads. */
char *read_file_contents (const char *path, gsize *length);
/* The lines of path (g_strfreev them); after a final newline comes an empty line. */
char **read_file_lines (const char *path);
/* Writes contents (length bytes, -1: up to the NUL) as the file name of dir. */
void write_file_in (const char *dir, const char *name, const char *contents, gssize length);
/* Copies the file from_name of from_dir, when it exists, as the file to_name of to_dir. */
void copy_file_if_present (const char *from_dir, const char *from_name, const char *to_dir,
    const char *to_name);

/* A new empty folder in the temporary directory, named after template ("name-XXXXXX"). */
char *scratch_folder_new (const char *template);
/* Removes the files names[0, n_names) of dir where present, then dir, which must then be
 * empty; frees dir. */
void scratch_folder_remove (char *dir, const char *const *names, guint n_names);

/* Removes path and everything under it, where present. */
void scratch_tree_remove (const char *path);

/* text with its first from replaced by to (g_free it); asserts that text holds from. */
char *text_with_first_replaced (const char *text, const char *from, const char *to);

/* The tokenizer of path; asserts that it loads. */
BertTokenizer *tokenizer_load_path (const char *path);
/* The tokenizer of a tokenizer.json with the text json, loaded from a scratch folder that is
 * removed again; NULL and error when it is refused. */
BertTokenizer *tokenizer_load_json_text (const char *json, GError **error);

/* The encoding as one line of text, with each token's sequence id when with_sequence. */
char *encoding_describe (const BertEncoding *encoding, gboolean with_sequence);

/* Fails, naming it and the message, on the first of the NULL-ended needles not in message. */
void assert_message_holds (const char *message, va_list needles);

/* Loads folder dir with its file name's contents replaced by length bytes of contents (-1:
 * a string; NULL: the file removed), and checks the folder is refused with code and an
 * error naming dir and holding each of the NULL-ended needles. */
void assert_folder_refused (const char *dir, const char *name, const char *contents, gssize length, int code,
    va_list needles);

/* Encodes each text of the length records of texts_path without a length limit and compares
 * it with the line of the same index of expected_path (which must have one), logging the
 * first five differences under label; asserts that none differs and that there are more
 * than more_than texts. */
void assert_texts_as_expected (const BertTokenizer *tokenizer, const char *texts_path,
    const char *expected_path, const char *label, guint more_than);
/* Encodes each pair case (PairCase) of cases_path and compares it, with its sequence ids, with
 * the line of the same index of expected_path, as assert_texts_as_expected; asserts that none
 * differs and that there are more than 60 cases. Returns how many encodings were truncated. */
guint assert_pairs_as_expected (const BertTokenizer *tokenizer, const char *cases_path,
    const char *expected_path, const char *label);

/* The fixture folder group/name of data_dir: texts_file (a path in data_dir) against the
 * folder's expected_file, as assert_texts_as_expected. */
void assert_fixture_texts (const char *data_dir, const char *group, const char *name, const char *texts_file,
    const char *expected_file, guint more_than);
/* The same folder: data_dir's pairs/cases.txt against the folder's pairs.txt, as
 * assert_pairs_as_expected (its result returned). */
guint assert_fixture_pairs (const char *data_dir, const char *group, const char *name);

/* g_test_init, then the test's one argument, which it returns: a path, described to the user
 * as path_name (DATA_DIR, VOCAB_TXT) when it is missing, and the test exits with status 2. */
const char *test_init_with_path (int *argc, char ***argv, const char *path_name);

/* Adds the test prefix/NAME, run with NAME as its data, for each of names[0, n_names). */
void test_add_per_name (const char *prefix, const char *const *names, guint n_names, GTestDataFunc test);

#endif
