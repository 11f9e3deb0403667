/* bert_tokenizer_pair.c: sequence pairs, as Hugging Face's tokenizer.encode (a, b).
 *
 * As the reference does, each text is tokenized alone (by bert_tokenizer_encode, whose
 * single-text special tokens are then dropped), the two are truncated longest first to what
 * the pair template's special tokens leave of max_length (each keeping its start, or its end
 * where the tokenizer truncates on the left: bert_truncation_side.h), and the template puts
 * its special tokens before, between and after them with its type ids.
 */
#include "bert_tokenizer_private.h"
#include "bert_truncation_side.h"

#include <string.h>

/* The two texts' encodings, kept per thread and reused. */
typedef struct {
  BertEncoding part[2];
} PairScratch;

static void
pair_scratch_free (gpointer data)
{
  PairScratch *scratch = data;
  bert_encoding_clear (&scratch->part[0]);
  bert_encoding_clear (&scratch->part[1]);
  g_free (scratch);
}

static GPrivate pair_scratch_key = G_PRIVATE_INIT (pair_scratch_free);

static PairScratch *
thread_pair_scratch (void)
{
  PairScratch *scratch = g_private_get (&pair_scratch_key);
  if (scratch == NULL) {
    scratch = g_new0 (PairScratch, 1);
    g_private_set (&pair_scratch_key, scratch);
  }
  return scratch;
}

/* The text's tokens, at most limit of them (G_MAXUINT: all); truncated says there were
 * more. */
static void
encode_part (const BertTokenizer *tokenizer, const char *text, gsize len, guint limit, BertEncoding *part)
{
  guint n_special = tokenizer->n_prefix + tokenizer->n_suffix;
  guint max_length = limit > G_MAXUINT - n_special ? G_MAXUINT : limit + n_special;
  bert_tokenizer_encode (tokenizer, text, len, max_length, part);
}

/* Hugging Face's truncate_encodings for longest_first: the shorter text keeps what it can
 * of half the budget or more, the longer the rest; cut both, the second gets the odd token
 * unless the first is the longer. */
static void
truncate_longest_first (uint64_t budget, const uint64_t length[2], uint64_t kept[2])
{
  gboolean swap = length[0] > length[1];
  uint64_t shorter = MIN (length[0], length[1]), longer;

  if (length[0] + length[1] <= budget) {
    kept[0] = length[0];
    kept[1] = length[1];
    return;
  }
  longer = shorter > budget ? shorter : MAX (shorter, budget - shorter);
  if (shorter + longer > budget) {
    shorter = budget / 2;
    longer = shorter + budget % 2;
  }
  kept[0] = MIN (length[0], swap ? longer : shorter);
  kept[1] = MIN (length[1], swap ? shorter : longer);
}

static void
push_specials (BertEncoding *encoding, const int32_t *ids, const int32_t *type_ids, guint n)
{
  for (guint i = 0; i < n; i++) {
    uint32_t at = encoding->n_tokens++;
    encoding->ids[at] = ids[i];
    encoding->type_ids[at] = type_ids[i];
    encoding->offsets[2 * at] = encoding->offsets[2 * at + 1] = 0;
  }
}

/* The n tokens of part's sequence from its token skip on. */
static void
push_sequence (BertEncoding *encoding, int sequence, const BertEncoding *part, uint32_t skip, uint32_t n,
    int32_t type_id)
{
  uint32_t from = part->sequence_start[0] + skip, at = encoding->n_tokens;
  encoding->sequence_start[sequence] = at;
  encoding->sequence_length[sequence] = n;
  if (n == 0)
    return; /* without special tokens the arrays may be NULL, and NULL + 0 is undefined in C */
  memcpy (encoding->ids + at, part->ids + from, n * sizeof (int32_t));
  memcpy (encoding->offsets + 2 * at, part->offsets + 2 * from, 2 * n * sizeof (uint32_t));
  for (uint32_t i = 0; i < n; i++)
    encoding->type_ids[at + i] = type_id;
  encoding->n_tokens += n;
}

gboolean
bert_tokenizer_supports_pairs (const BertTokenizer *tokenizer, GError **error)
{
  if (tokenizer->pair_unsupported == NULL)
    return TRUE;
  g_set_error (error, BERT_TOKENIZER_ERROR, BERT_TOKENIZER_ERROR_UNSUPPORTED,
      "the tokenizer cannot encode sequence pairs: %s", tokenizer->pair_unsupported);
  return FALSE;
}

gboolean
bert_tokenizer_encode_pair (const BertTokenizer *tokenizer, const char *a, gsize a_len, const char *b,
    gsize b_len, guint max_length, BertEncoding *encoding, GError **error)
{
  const guint *n_special = tokenizer->n_pair;
  guint n_added = n_special[0] + n_special[1] + n_special[2];
  BertEncoding *part = thread_pair_scratch ()->part;
  gboolean keep_end = tokenizer->options.truncate_left;
  uint64_t length[2], kept[2], skip[2];

  memset (encoding->sequence_start, 0, sizeof encoding->sequence_start);
  memset (encoding->sequence_length, 0, sizeof encoding->sequence_length);
  encoding->n_tokens = 0;
  encoding->truncated = encoding->repaired_utf8 = FALSE;
  if (!bert_tokenizer_supports_pairs (tokenizer, error))
    return FALSE;
  if (max_length == 0)
    max_length = tokenizer->options.model_max_length;
  /* The reference truncates nothing when the special tokens alone exceed max_length. */
  gboolean truncating = max_length >= n_added;
  guint budget = truncating ? max_length - n_added : G_MAXUINT;
  /* Keeping their starts, tokens beyond the budget are not needed (a text with more keeps
   * at most budget)... */
  encode_part (tokenizer, a, a_len, keep_end ? G_MAXUINT : MAX (budget, 1), &part[0]);
  encode_part (tokenizer, b, b_len, keep_end ? G_MAXUINT : MAX (budget, 1), &part[1]);
  /* ...unless both have more and the odd token goes to the longer. */
  if (part[0].truncated && part[1].truncated && budget % 2 == 1) {
    encode_part (tokenizer, a, a_len, G_MAXUINT, &part[0]);
    encode_part (tokenizer, b, b_len, G_MAXUINT, &part[1]);
  }
  for (int s = 0; s < 2; s++)
    length[s] = part[s].sequence_length[0] + (part[s].truncated ? 1 : 0);
  truncate_longest_first (budget, length, kept);
  for (int s = 0; s < 2; s++)
    skip[s] = keep_end ? length[s] - kept[s] : 0;

  bert_encoding_reserve (encoding, n_added + kept[0] + kept[1]);
  push_specials (encoding, tokenizer->pair_ids[0], tokenizer->pair_type_ids[0], n_special[0]);
  push_sequence (encoding, 0, &part[0], skip[0], kept[0], tokenizer->pair_sequence_type_ids[0]);
  if (skip[0] > 0 && kept[0] > 0)
    bert_truncation_untrim_first (tokenizer, encoding, encoding->sequence_start[0], a);
  push_specials (encoding, tokenizer->pair_ids[1], tokenizer->pair_type_ids[1], n_special[1]);
  push_sequence (encoding, 1, &part[1], skip[1], kept[1], tokenizer->pair_sequence_type_ids[1]);
  if (skip[1] > 0 && kept[1] > 0)
    bert_truncation_untrim_first (tokenizer, encoding, encoding->sequence_start[1], b);
  push_specials (encoding, tokenizer->pair_ids[2], tokenizer->pair_type_ids[2], n_special[2]);
  encoding->truncated = kept[0] < length[0] || kept[1] < length[1];
  encoding->repaired_utf8 = part[0].repaired_utf8 || part[1].repaired_utf8;
  return TRUE;
}

int
bert_encoding_sequence_id (const BertEncoding *encoding, uint32_t token)
{
  for (int s = 0; s < 2; s++)
    if (token >= encoding->sequence_start[s]
        && token - encoding->sequence_start[s] < encoding->sequence_length[s])
      return s;
  return -1;
}
