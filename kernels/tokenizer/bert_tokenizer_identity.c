/* bert_tokenizer_identity.c: SHA-256 of a loaded tokenizer's vocabulary and options. */
#include <string.h>

#include "bert_tokenizer_identity.h"

#define IDENTITY_HEX_DIGITS 32

static void
hash_int (GChecksum *checksum, gint64 value)
{
  char text[32];

  g_snprintf (text, sizeof text, "%" G_GINT64_FORMAT ";", value);
  g_checksum_update (checksum, (const guchar *) text, -1);
}

static void
hash_ids (GChecksum *checksum, const int32_t *ids, guint n_ids)
{
  hash_int (checksum, n_ids);
  for (guint i = 0; i < n_ids; i++)
    hash_int (checksum, ids[i]);
}

char *
bert_tokenizer_compute_identity (const BertTokenizer *tokenizer)
{
  GChecksum *checksum = g_checksum_new (G_CHECKSUM_SHA256);
  const BertNormalizerOptions *options = bert_tokenizer_get_options (tokenizer);
  guint n_ids = bert_tokenizer_get_vocab_size (tokenizer), n_special;
  const int32_t *special;
  char *identity;

  for (guint id = 0; id < n_ids; id++) {
    const char *token = bert_tokenizer_id_to_token (tokenizer, id);

    /* A token text holds no NUL: the NUL separates them, and an id without a token
     * hashes as an empty one. */
    g_checksum_update (checksum, (const guchar *) (token ? token : ""), token ? strlen (token) + 1 : 1);
  }
  hash_int (checksum, options->clean_text);
  hash_int (checksum, options->handle_chinese_chars);
  hash_int (checksum, options->lowercase);
  hash_int (checksum, options->strip_accents);
  special = bert_tokenizer_get_prefix_ids (tokenizer, &n_special);
  hash_ids (checksum, special, n_special);
  special = bert_tokenizer_get_suffix_ids (tokenizer, &n_special);
  hash_ids (checksum, special, n_special);
  hash_int (checksum, bert_tokenizer_get_unk_id (tokenizer));
  identity = g_strndup (g_checksum_get_string (checksum), IDENTITY_HEX_DIGITS);
  g_checksum_free (checksum);
  return identity;
}
