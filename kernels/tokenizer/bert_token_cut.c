/* bert_token_cut.c: an encoding cut to fewer tokens, as its tokenizer truncates. */
#include "bert_token_cut.h"

#include "bert_tokenizer_private.h"
#include "bert_truncation_side.h"

/* Whether the n special tokens (ids, type_ids) are the encoding's from at on, with the
 * post-processor's empty span where the offsets are known. */
static gboolean
specials_at (const BertEncoding *encoding, uint32_t at, const int32_t *ids, const int32_t *type_ids, guint n,
    gboolean has_offsets)
{
  for (guint i = 0; i < n; i++) {
    uint32_t token = at + i;
    if (encoding->ids[token] != ids[i] || encoding->type_ids[token] != type_ids[i])
      return FALSE;
    if (has_offsets && (encoding->offsets[2 * token] != 0 || encoding->offsets[2 * token + 1] != 0))
      return FALSE;
  }
  return TRUE;
}

/* How many tokens from at on, up to end, have type_id. */
static uint32_t
type_run (const BertEncoding *encoding, uint32_t at, uint32_t end, int32_t type_id)
{
  uint32_t n = 0;
  while (at + n < end && encoding->type_ids[at + n] == type_id)
    n++;
  return n;
}

static gboolean
fits_single (const BertTokenizer *tokenizer, const BertEncoding *encoding, gboolean has_offsets)
{
  uint32_t n = encoding->n_tokens, n_prefix = tokenizer->n_prefix, n_suffix = tokenizer->n_suffix;

  if (n < n_prefix + n_suffix)
    return FALSE;
  return specials_at (encoding, 0, tokenizer->prefix_ids, tokenizer->prefix_type_ids, n_prefix, has_offsets)
      && specials_at (encoding, n - n_suffix, tokenizer->suffix_ids, tokenizer->suffix_type_ids, n_suffix,
          has_offsets)
      && type_run (encoding, n_prefix, n - n_suffix, tokenizer->sequence_type_id) == n - n_prefix - n_suffix;
}

/* How many places the pair template's middle special tokens fit, the second text's types
 * after them and the first's before; *first_end gets the first such place. */
static guint
count_pair_fits (const BertTokenizer *tokenizer, const BertEncoding *encoding, gboolean has_offsets,
    uint32_t *first_end)
{
  const guint *n_special = tokenizer->n_pair;
  uint32_t n = encoding->n_tokens, a_start = n_special[0], b_end, b_first, lowest, highest;
  guint n_fits = 0;

  if (tokenizer->pair_unsupported != NULL || n < n_special[0] + n_special[1] + n_special[2])
    return 0;
  b_end = n - n_special[2];
  if (!specials_at (encoding, 0, tokenizer->pair_ids[0], tokenizer->pair_type_ids[0], n_special[0],
          has_offsets)
      || !specials_at (encoding, b_end, tokenizer->pair_ids[2], tokenizer->pair_type_ids[2], n_special[2],
          has_offsets))
    return 0;
  /* The first text ends within the run of its type id from its start; the second starts
   * within the run of its own that ends where it ends. */
  highest = MIN (a_start + type_run (encoding, a_start, b_end, tokenizer->pair_sequence_type_ids[0]),
      b_end - n_special[1]);
  b_first = b_end;
  while (b_first > a_start && encoding->type_ids[b_first - 1] == tokenizer->pair_sequence_type_ids[1])
    b_first--;
  lowest = b_first >= a_start + n_special[1] ? b_first - n_special[1] : a_start;
  for (uint32_t end = lowest; end <= highest; end++) {
    if (!specials_at (encoding, end, tokenizer->pair_ids[1], tokenizer->pair_type_ids[1], n_special[1],
            has_offsets))
      continue;
    if (n_fits++ == 0)
      *first_end = end;
  }
  return n_fits;
}

gboolean
bert_token_layout_find (const BertTokenizer *tokenizer, BertEncoding *encoding, gboolean has_offsets,
    gboolean *is_pair, GError **error)
{
  const guint *n_special = tokenizer->n_pair;
  uint32_t a_end = 0, n = encoding->n_tokens;
  gboolean single = fits_single (tokenizer, encoding, has_offsets);
  guint n_pairs = count_pair_fits (tokenizer, encoding, has_offsets, &a_end);
  gboolean pair_b_empty = n_pairs == 1 && a_end + n_special[1] + n_special[2] == n;
  gboolean same_specials =
      n_special[0] + n_special[1] + n_special[2] == tokenizer->n_prefix + tokenizer->n_suffix;

  /* Both forms fit: the pair's middle special tokens, with their empty spans, are not a
   * text's; where there are none to tell, an empty second text cuts as the single would. */
  if (single && n_pairs == 1 && !(has_offsets && n_special[1] > 0) && !(pair_b_empty && same_specials)) {
    g_set_error (error, BERT_TOKENIZER_ERROR, BERT_TOKENIZER_ERROR_FORMAT,
        "the %u tokens fit both the single and the pair form of the tokenizer's template%s", n,
        has_offsets ? "" : " (without offsets, which tell them apart)");
    return FALSE;
  }
  if (n_pairs > 1) {
    g_set_error (error, BERT_TOKENIZER_ERROR, BERT_TOKENIZER_ERROR_FORMAT,
        "the %u tokens fit the tokenizer's pair template in %u places (its middle special tokens are also "
        "inside a text)",
        n, n_pairs);
    return FALSE;
  }
  if (n_pairs == 1 && !(single && pair_b_empty && same_specials)) {
    *is_pair = TRUE;
    encoding->sequence_start[0] = n_special[0];
    encoding->sequence_length[0] = a_end - n_special[0];
    encoding->sequence_start[1] = a_end + n_special[1];
    encoding->sequence_length[1] = n - n_special[2] - encoding->sequence_start[1];
    return TRUE;
  }
  if (!single) {
    g_set_error (error, BERT_TOKENIZER_ERROR, BERT_TOKENIZER_ERROR_FORMAT,
        "the %u tokens fit neither the single nor the pair form of the tokenizer's template (its special "
        "tokens, their type ids and empty spans)",
        n);
    return FALSE;
  }
  *is_pair = FALSE;
  encoding->sequence_start[0] = tokenizer->n_prefix;
  encoding->sequence_length[0] = n - tokenizer->n_prefix - tokenizer->n_suffix;
  encoding->sequence_start[1] = encoding->sequence_length[1] = 0;
  return TRUE;
}

/* Hugging Face's truncate_encodings for longest_first, as bert_tokenizer_pair.c follows
 * it: the shorter text keeps what it can of half the budget or more, the longer the rest;
 * cut both, the second gets the odd token unless the first is the longer. */
static void
longest_first (uint32_t budget, const uint32_t length[2], uint32_t kept[2])
{
  gboolean swap = length[0] > length[1];
  uint32_t shorter = MIN (length[0], length[1]), longer;

  if ((uint64_t) length[0] + length[1] <= budget) {
    kept[0] = length[0];
    kept[1] = length[1];
    return;
  }
  longer = shorter > budget ? shorter : MAX (shorter, budget - shorter);
  if ((uint64_t) shorter + longer > budget) {
    shorter = budget / 2;
    longer = shorter + budget % 2;
  }
  kept[0] = MIN (length[0], swap ? longer : shorter);
  kept[1] = MIN (length[1], swap ? shorter : longer);
}

/* Drops text s's tokens past kept, from its start where the tokenizer keeps the end. */
static void
cut_sequence (const BertTokenizer *tokenizer, BertEncoding *encoding, int s, uint32_t kept, const char *text)
{
  uint32_t n_dropped = encoding->sequence_length[s] - kept;
  gboolean keep_end = tokenizer->options.truncate_left;

  if (n_dropped == 0)
    return;
  bert_encoding_drop_tokens (encoding, encoding->sequence_start[s] + (keep_end ? 0 : kept), n_dropped);
  encoding->sequence_length[s] = kept;
  if (s == 0)
    encoding->sequence_start[1] -= MIN (encoding->sequence_start[1], n_dropped);
  encoding->truncated = TRUE;
  if (keep_end && kept > 0 && text != NULL)
    bert_truncation_untrim_first (tokenizer, encoding, encoding->sequence_start[s], text);
}

gboolean
bert_token_cut (const BertTokenizer *tokenizer, BertEncoding *encoding, gboolean is_pair, guint max_length,
    const char *const texts[2], GError **error)
{
  uint32_t n_texts = is_pair ? 2 : 1, n_text_tokens = 0, kept[2] = { 0, 0 };

  for (uint32_t s = 0; s < n_texts; s++)
    n_text_tokens += encoding->sequence_length[s];
  uint32_t n_special = encoding->n_tokens - n_text_tokens;
  if (encoding->n_tokens <= max_length)
    return TRUE;
  if (max_length < n_special) {
    g_set_error (error, BERT_TOKENIZER_ERROR, BERT_TOKENIZER_ERROR_UNSUPPORTED,
        "max_length %u is less than the template's %u special tokens: the tokenizer truncates nothing then",
        max_length, n_special);
    return FALSE;
  }
  if (is_pair)
    longest_first (max_length - n_special, encoding->sequence_length, kept);
  else
    kept[0] = max_length - n_special;
  /* The second text first, so that the first's positions hold. */
  if (is_pair)
    cut_sequence (tokenizer, encoding, 1, kept[1], texts ? texts[1] : NULL);
  cut_sequence (tokenizer, encoding, 0, kept[0], texts ? texts[0] : NULL);
  return TRUE;
}

gboolean
bert_token_cut_recut_is_exact (const BertEncoding *encoding, gboolean is_pair, guint max_length)
{
  uint32_t n_text_tokens = encoding->sequence_length[0] + encoding->sequence_length[1];
  uint32_t n_special = encoding->n_tokens - n_text_tokens, budget;

  if (encoding->n_tokens <= max_length)
    return TRUE;
  /* The tokenizer would have kept all the texts' tokens, which are gone. */
  if (max_length < n_special)
    return FALSE;
  if (!is_pair)
    return TRUE;
  budget = max_length - n_special;
  return encoding->sequence_length[0] != encoding->sequence_length[1] || budget % 2 == 0;
}
