/* bert_max_length.h: the longest input a model folder's settings allow, read in one place.
 *
 * The tokenizer element truncates at it and bert-infer runs at most that many tokens
 * (bert-infer takes it from the tokenizer it loads from the same folder), so the two cannot
 * disagree. It is sentence-transformers 6's limit (Transformer.__init__): the module
 * file's (sentence_bert_config.json, else the first of sentence-transformers' older names:
 * sentence_roberta_config.json...) tokenizer_args or processor_kwargs model_max_length, else
 * its max_seq_length where set (not null), taken as it is; else tokenizer_config.json's
 * model_max_length (max_len, its old name, where it is absent; transformers' "no limit" where
 * absent, null or past 1e20, as int(1e30)) capped at config.json's max_position_embeddings.
 * A tokenizer.json's own truncation.max_length does not count in a folder: transformers
 * replaces it by model_max_length at every call.
 *
 * That limit can be past the position table: a max_seq_length larger than it, or RoBERTa's
 * and its kin's max_position_embeddings, which counts padding_idx + 1 rows that no token can
 * use (514 for 512 positions). sentence-transformers then fails on a longer input (an index
 * error); gst-bert truncates at the positions instead and says so in a warning. A malformed
 * value (not a number, 0, negative, a fraction, a float below the positions) is an error
 * naming the file and the field.
 */
#ifndef BERT_MAX_LENGTH_H
#define BERT_MAX_LENGTH_H

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  guint max_length; /* tokens a sequence may have, special tokens included; 0: the folder
                     * sets no limit and has no config.json to cap it */
  char *warning;    /* where max_length differs from sentence-transformers' limit, why; or NULL */
} BertMaxLength;

/* Reads the limit of the Transformer module folder (the one holding its config.json and
 * tokenizer files). Errors are BERT_TOKENIZER_ERROR_FORMAT and name the file and field. */
gboolean bert_max_length_read (const char *folder, BertMaxLength *length, GError **error);

void bert_max_length_clear (BertMaxLength *length);

/* The Transformer module's settings file of FOLDER, as sentence-transformers finds it
 * (sentence_bert_config.json, else sentence_roberta_config.json, sentence_distilbert_config.json
 * ...); NULL where there is none. g_free it. */
char *bert_max_length_module_file (const char *folder);

G_END_DECLS

#endif /* BERT_MAX_LENGTH_H */
