/* fuzz-checks.c: the invariants the fuzz targets check on tokenizers and models. */
#include "fuzz-checks.h"

#include "bert_token_cut.h"

#include <string.h>

/* UTF-8 validity as the tokenizer sees it: NUL is a valid (control) character,
 * while g_utf8_validate stops at it. */
static gboolean
is_valid_utf8 (const char *text, size_t len)
{
  size_t start = 0;

  while (start < len) {
    const char *nul = memchr (text + start, '\0', len - start);
    size_t piece = nul != NULL ? (size_t) (nul - text) - start : len - start;

    if (!g_utf8_validate (text + start, (gssize) piece, NULL))
      return FALSE;
    start += piece + 1;
  }
  return TRUE;
}

static gboolean
is_char_boundary (const char *text, size_t len, uint32_t offset)
{
  return offset == len || (((guchar) text[offset]) & 0xC0) != 0x80;
}

/* The template's special tokens open and close every encoding: [CLS] ... [SEP] for BERT,
 * whatever tokenizer.json's post_processor says otherwise (possibly nothing). */
static void
check_framing (const BertTokenizer *tokenizer, const BertEncoding *encoding, size_t len)
{
  guint n_prefix, n_suffix;
  const int32_t *prefix = bert_tokenizer_get_prefix_ids (tokenizer, &n_prefix);
  const int32_t *suffix = bert_tokenizer_get_suffix_ids (tokenizer, &n_suffix);
  uint32_t n = encoding->n_tokens;

  if (n < n_prefix + n_suffix)
    fuzz_fail ("encoding of %zu bytes: %u tokens, fewer than the template's %u special ones", len, n,
        n_prefix + n_suffix);
  for (guint i = 0; i < n_prefix; i++)
    if (encoding->ids[i] != prefix[i])
      fuzz_fail ("encoding of %zu bytes: token %u is %d, the template's prefix has %d", len, i,
          encoding->ids[i], prefix[i]);
  for (guint i = 0; i < n_suffix; i++)
    if (encoding->ids[n - n_suffix + i] != suffix[i])
      fuzz_fail ("encoding of %zu bytes: token %u is %d, the template's suffix has %d", len, n - n_suffix + i,
          encoding->ids[n - n_suffix + i], suffix[i]);
}

/* What holds for any encoding of text, truncated or not. */
static void
check_encoding_shape (const BertTokenizer *tokenizer, const BertEncoding *encoding, const char *text,
    size_t len, gboolean valid_utf8)
{
  guint vocab_size = bert_tokenizer_get_vocab_size (tokenizer);
  gboolean trims = bert_tokenizer_get_trims_offsets (tokenizer);
  guint n_prefix, n_suffix;
  uint32_t n = encoding->n_tokens;

  bert_tokenizer_get_prefix_ids (tokenizer, &n_prefix);
  bert_tokenizer_get_suffix_ids (tokenizer, &n_suffix);
  check_framing (tokenizer, encoding, len);
  if (encoding->repaired_utf8 == valid_utf8)
    fuzz_fail ("repaired_utf8 is %d for %s UTF-8", encoding->repaired_utf8, valid_utf8 ? "valid" : "invalid");
  for (uint32_t i = 0; i < n; i++) {
    uint32_t start = encoding->offsets[2 * i], end = encoding->offsets[2 * i + 1];
    gboolean special = i < n_prefix || i >= n - n_suffix;

    if (encoding->ids[i] < 0 || (guint) encoding->ids[i] >= vocab_size)
      fuzz_fail ("token %u: id %d outside the vocabulary of %u", i, encoding->ids[i], vocab_size);
    /* The template (tokenizer.json's post_processor) sets the type ids; within one
     * sequence its tokens all have the same one. */
    if (!special && encoding->type_ids[i] != encoding->type_ids[n_prefix])
      fuzz_fail ("token %u: type id %d, token %u has %d: one sequence has one type id", i,
          encoding->type_ids[i], n_prefix, encoding->type_ids[n_prefix]);
    if (special && (start != 0 || end != 0))
      fuzz_fail ("special token %u has span [%u, %u), not [0, 0)", i, start, end);
    if (special)
      continue;
    if (start > end || (start == end && !trims) || end > len)
      fuzz_fail ("token %u: span [%u, %u) outside the %zu-byte text or empty", i, start, end, len);
    if (i > n_prefix
        && ((start < encoding->offsets[2 * i - 2] && !trims) || end < encoding->offsets[2 * i - 1]))
      fuzz_fail ("token %u: span [%u, %u) before the previous token's", i, start, end);
    if (valid_utf8 && (!is_char_boundary (text, len, start) || !is_char_boundary (text, len, end)))
      fuzz_fail ("token %u: span [%u, %u) cuts a UTF-8 character", i, start, end);
  }
}

/* Truncation keeps the template's special tokens and the first sequence tokens that fit
 * in max_length beside them (none where the specials alone exceed it); the last ones where
 * the tokenizer truncates on the left, the first of them with its space given back where
 * it trims offsets. */
static void
check_truncation (const BertTokenizer *tokenizer, const BertEncoding *full, const BertEncoding *cut,
    guint max_length)
{
  guint n_prefix, n_suffix;
  uint32_t expected;

  bert_tokenizer_get_prefix_ids (tokenizer, &n_prefix);
  bert_tokenizer_get_suffix_ids (tokenizer, &n_suffix);
  expected = MIN (full->n_tokens, MAX (max_length, n_prefix + n_suffix));
  if (cut->n_tokens != expected)
    fuzz_fail ("max_length %u: %u tokens, expected %u of %u", max_length, cut->n_tokens, expected,
        full->n_tokens);
  if (cut->truncated != (full->n_tokens > expected))
    fuzz_fail ("max_length %u: truncated flag %d with %u tokens untruncated", max_length, cut->truncated,
        full->n_tokens);
  gboolean keep_end = bert_tokenizer_get_options (tokenizer)->truncate_left;
  uint32_t n_dropped = full->n_tokens - cut->n_tokens;
  for (uint32_t i = 0; i + n_suffix < cut->n_tokens; i++) {
    uint32_t from = keep_end && i >= n_prefix ? i + n_dropped : i;
    gboolean untrimmed =
        keep_end && n_dropped > 0 && i == n_prefix && bert_tokenizer_get_trims_offsets (tokenizer);
    if (cut->ids[i] != full->ids[from]
        || (!untrimmed
            && (cut->offsets[2 * i] != full->offsets[2 * from]
                || cut->offsets[2 * i + 1] != full->offsets[2 * from + 1])))
      fuzz_fail ("max_length %u: token %u differs from the untruncated encoding", max_length, i);
  }
}

/* bert_token_cut of the whole encoding, its layout found from its tokens alone, must give
 * the tokenizer's own encoding at max_length, wherever the layout can be told and the
 * special tokens fit in max_length. texts: what the offsets point into. */
static void
check_token_cut (const BertTokenizer *tokenizer, const BertEncoding *whole, const BertEncoding *expected,
    guint max_length, const char *const texts[2])
{
  BertEncoding copy;
  gboolean is_pair = FALSE;
  uint32_t n = whole->n_tokens;

  bert_encoding_init (&copy);
  copy.ids = g_memdup2 (whole->ids, n * sizeof (int32_t));
  copy.type_ids = g_memdup2 (whole->type_ids, n * sizeof (int32_t));
  copy.offsets = g_memdup2 (whole->offsets, 2 * (gsize) n * sizeof (uint32_t));
  copy.n_tokens = copy.capacity = n;
  if (bert_token_layout_find (tokenizer, &copy, TRUE, &is_pair, NULL)
      && bert_token_cut (tokenizer, &copy, is_pair, max_length, texts, NULL)) {
    if (copy.n_tokens != expected->n_tokens || copy.truncated != expected->truncated)
      fuzz_fail ("token cut to %u: %u tokens (truncated %d), the encoding at that length has %u (%d)",
          max_length, copy.n_tokens, copy.truncated, expected->n_tokens, expected->truncated);
    for (uint32_t i = 0; i < copy.n_tokens; i++)
      if (copy.ids[i] != expected->ids[i] || copy.type_ids[i] != expected->type_ids[i]
          || copy.offsets[2 * i] != expected->offsets[2 * i]
          || copy.offsets[2 * i + 1] != expected->offsets[2 * i + 1])
        fuzz_fail ("token cut to %u: token %u is %d:%d:%u:%u, at that length %d:%d:%u:%u", max_length, i,
            copy.ids[i], copy.type_ids[i], copy.offsets[2 * i], copy.offsets[2 * i + 1], expected->ids[i],
            expected->type_ids[i], expected->offsets[2 * i], expected->offsets[2 * i + 1]);
  }
  bert_encoding_clear (&copy);
}

void
fuzz_check_encode (const BertTokenizer *tokenizer, const char *text, size_t len, guint max_length)
{
  /* Reused across calls, as the tokenizer element reuses its encoding. */
  static BertEncoding full;
  static gboolean full_ready;
  BertEncoding cut;
  gboolean valid_utf8 = is_valid_utf8 (text, len);

  if (!full_ready) {
    bert_encoding_init (&full);
    full_ready = TRUE;
  }
  bert_tokenizer_encode (tokenizer, text, len, G_MAXUINT, &full);
  check_encoding_shape (tokenizer, &full, text, len, valid_utf8);
  if (full.truncated)
    fuzz_fail ("truncated with max_length G_MAXUINT");
  if (max_length < 2)
    return;
  bert_encoding_init (&cut);
  bert_tokenizer_encode (tokenizer, text, len, max_length, &cut);
  check_encoding_shape (tokenizer, &cut, text, len, valid_utf8);
  check_truncation (tokenizer, &full, &cut, max_length);
  check_token_cut (tokenizer, &full, &cut, max_length, (const char *const[]){ text, text });
  bert_encoding_clear (&cut);
}

/* What Hugging Face's longest-first truncation keeps of two texts of full lengths, an
 * oracle written from its truncate_encodings apart from the library's. */
static void
longest_first_oracle (uint64_t budget, const uint64_t full[2], uint64_t kept[2])
{
  uint64_t shorter = MIN (full[0], full[1]), longer;

  kept[0] = full[0];
  kept[1] = full[1];
  if (full[0] + full[1] <= budget)
    return;
  longer = shorter > budget ? shorter : MAX (shorter, budget - shorter);
  if (shorter + longer > budget) {
    shorter = budget / 2;
    longer = shorter + budget % 2;
  }
  kept[0] = MIN (full[0], full[0] > full[1] ? longer : shorter);
  kept[1] = MIN (full[1], full[0] > full[1] ? shorter : longer);
}

/* The text's tokens in the pair are its own encoding's first expected ones, or its last
 * where the tokenizer truncates on the left (the first of them then with its span moved to
 * the space before it where it trims offsets: bert_truncation_untrim_first). */
static void
check_pair_sequence (const BertTokenizer *tokenizer, const BertEncoding *pair, int sequence,
    const BertEncoding *single, size_t len, uint64_t expected)
{
  uint32_t start = pair->sequence_start[sequence], from = single->sequence_start[0];
  gboolean keep_end = bert_tokenizer_get_options (tokenizer)->truncate_left;
  gboolean untrimmed =
      keep_end && expected < single->sequence_length[0] && bert_tokenizer_get_trims_offsets (tokenizer);

  if (pair->sequence_length[sequence] != expected)
    fuzz_fail ("pair: text %d keeps %u tokens, longest first keeps %u of %u", sequence,
        pair->sequence_length[sequence], (unsigned) expected, single->sequence_length[0]);
  if (keep_end)
    from += single->sequence_length[0] - (uint32_t) expected;
  for (uint32_t i = 0; i < expected; i++) {
    if (bert_encoding_sequence_id (pair, start + i) != sequence
        || pair->ids[start + i] != single->ids[from + i]
        || (!(untrimmed && i == 0)
            && (pair->offsets[2 * (start + i)] != single->offsets[2 * (from + i)]
                || pair->offsets[2 * (start + i) + 1] != single->offsets[2 * (from + i) + 1])))
      fuzz_fail ("pair: token %u of text %d is %d:%u:%u, its own encoding's %d:%u:%u", i, sequence,
          pair->ids[start + i], pair->offsets[2 * (start + i)], pair->offsets[2 * (start + i) + 1],
          single->ids[from + i], single->offsets[2 * (from + i)], single->offsets[2 * (from + i) + 1]);
    if (pair->offsets[2 * (start + i) + 1] > len)
      fuzz_fail ("pair: token %u of text %d ends past its %zu bytes", i, sequence, len);
  }
}

void
fuzz_check_encode_pair (const BertTokenizer *tokenizer, const char *a, size_t a_len, const char *b,
    size_t b_len, guint max_length)
{
  const char *texts[2] = { a, b };
  size_t lengths[2] = { a_len, b_len };
  BertEncoding pair, whole, single[2];
  uint64_t full[2], kept[2];
  GError *error = NULL;

  if (!bert_tokenizer_supports_pairs (tokenizer, NULL))
    return;
  bert_encoding_init (&pair);
  /* The template's special tokens alone. */
  if (!bert_tokenizer_encode_pair (tokenizer, "", 0, "", 0, G_MAXUINT, &pair, &error))
    fuzz_fail ("pair: %s", error->message);
  uint32_t n_added = pair.n_tokens;
  bert_tokenizer_encode_pair (tokenizer, a, a_len, b, b_len, max_length, &pair, NULL);
  bert_encoding_init (&whole);
  bert_tokenizer_encode_pair (tokenizer, a, a_len, b, b_len, G_MAXUINT, &whole, NULL);
  check_token_cut (tokenizer, &whole, &pair, max_length, texts);
  bert_encoding_clear (&whole);
  for (int s = 0; s < 2; s++) {
    bert_encoding_init (&single[s]);
    bert_tokenizer_encode (tokenizer, texts[s], lengths[s], G_MAXUINT, &single[s]);
    full[s] = single[s].sequence_length[0];
  }
  longest_first_oracle (max_length >= n_added ? max_length - n_added : G_MAXUINT64, full, kept);
  for (int s = 0; s < 2; s++)
    check_pair_sequence (tokenizer, &pair, s, &single[s], lengths[s], kept[s]);
  if (pair.n_tokens != n_added + kept[0] + kept[1])
    fuzz_fail ("pair: %u tokens, expected %u special and %u + %u", pair.n_tokens, n_added, (unsigned) kept[0],
        (unsigned) kept[1]);
  for (uint32_t i = 0; i < pair.n_tokens; i++)
    if (bert_encoding_sequence_id (&pair, i) < 0
        && (pair.offsets[2 * i] != 0 || pair.offsets[2 * i + 1] != 0))
      fuzz_fail ("pair: special token %u has a span", i);
  if (pair.truncated != (kept[0] < full[0] || kept[1] < full[1]))
    fuzz_fail ("pair: truncated flag %d, kept %u of %u and %u of %u", pair.truncated, (unsigned) kept[0],
        (unsigned) full[0], (unsigned) kept[1], (unsigned) full[1]);
  bert_encoding_clear (&single[0]);
  bert_encoding_clear (&single[1]);
  bert_encoding_clear (&pair);
}

static const char *const sample_texts[] = {
  "Hello, world! The quick brown fox jumped over the lazy dog.",
  "Ça va? Très bien. Straße ΣΊΣΥΦΟΣ İstanbul 你好世界 👍🏽",
  "unaffable playing [UNK] [CLS] ##ing",
  "",
};

void
fuzz_check_tokenizer (const BertTokenizer *tokenizer)
{
  guint vocab_size = bert_tokenizer_get_vocab_size (tokenizer);

  for (guint i = 0; i < G_N_ELEMENTS (sample_texts); i++)
    fuzz_check_encode (tokenizer, sample_texts[i], strlen (sample_texts[i]), 6);
  if (bert_tokenizer_id_to_token (tokenizer, (int32_t) vocab_size) != NULL
      || bert_tokenizer_id_to_token (tokenizer, -1) != NULL)
    fuzz_fail ("id_to_token answers for an id outside the vocabulary of %u", vocab_size);
  for (guint id = 0; id < vocab_size; id++) {
    const char *token = bert_tokenizer_id_to_token (tokenizer, (int32_t) id);
    int32_t found;

    if (token == NULL)
      fuzz_fail ("id %u of %u has no token", id, vocab_size);
    found = bert_tokenizer_token_to_id (tokenizer, token);
    if (found < 0 || g_strcmp0 (bert_tokenizer_id_to_token (tokenizer, found), token) != 0)
      fuzz_fail ("token '%s' (id %u) does not map back to itself", token, id);
  }
}

/* Reads every output value the head promises, so ASan checks the arrays' sizes. */
static double
sum_outputs (const BertBatchOutput *output, BertHead head)
{
  double sum = 0;
  uint32_t n_values = 0;
  const float *values = NULL;

  if (head == BERT_HEAD_ENCODER) {
    values = output->embeddings;
    n_values = output->n_sequences * (uint32_t) output->embedding_size;
  } else if (head == BERT_HEAD_SEQUENCE_CLASSIFIER) {
    values = output->probs;
    n_values = output->n_sequences * (uint32_t) output->num_labels;
    for (uint32_t i = 0; i < output->n_sequences; i++)
      if (output->labels[i] < -1 || output->labels[i] >= output->num_labels)
        fuzz_fail ("sequence %u: label %d of %d", i, output->labels[i], output->num_labels);
  } else {
    values = output->token_logits;
    n_values = output->n_tokens * (uint32_t) output->num_labels;
    if (output->token_offset[output->n_sequences] != output->n_tokens)
      fuzz_fail ("token offsets end at %u, batch has %u tokens", output->token_offset[output->n_sequences],
          output->n_tokens);
    for (uint32_t i = 0; i < output->n_tokens; i++)
      if (output->token_labels[i] < 0 || output->token_labels[i] >= output->num_labels)
        fuzz_fail ("token %u: label %d of %d", i, output->token_labels[i], output->num_labels);
  }
  if (values == NULL)
    fuzz_fail ("head %d: output array missing", head);
  for (uint32_t i = 0; i < n_values; i++)
    sum += values[i];
  return sum;
}

static void
run_two_sequences (BertModel *model, BertEncoder *encoder)
{
  const BertTokenizer *tokenizer = bert_model_get_tokenizer (model);
  BertEncoding first, second;
  BertSequence sequences[2];
  GError *error = NULL;
  BertJob *job;

  bert_encoding_init (&first);
  bert_encoding_init (&second);
  bert_tokenizer_encode (tokenizer, sample_texts[0], strlen (sample_texts[0]), 8, &first);
  bert_tokenizer_encode (tokenizer, sample_texts[1], strlen (sample_texts[1]), 5, &second);
  sequences[0] = (BertSequence){ first.ids, first.type_ids, first.n_tokens };
  sequences[1] = (BertSequence){ second.ids, NULL, second.n_tokens };
  job = bert_encoder_run (encoder, sequences, 2, &error);
  fuzz_check_load_result (job, error, "bert_encoder_run");
  if (job != NULL) {
    const BertBatchOutput *output = bert_job_get_output (job);

    if (output->n_sequences != 2 || output->n_tokens != first.n_tokens + second.n_tokens
        || output->hidden_size != model->config.hidden_size)
      fuzz_fail ("output of %u sequences, %u tokens, hidden %d for a batch of 2, %u, %d", output->n_sequences,
          output->n_tokens, output->hidden_size, first.n_tokens + second.n_tokens, model->config.hidden_size);
    /* The sum's value is irrelevant (fuzzed weights may be NaN); reading it is the check. */
    volatile double sink = sum_outputs (output, bert_encoder_get_head (encoder));
    (void) sink;
    bert_job_free (job);
  }
  g_clear_error (&error);
  bert_encoding_clear (&first);
  bert_encoding_clear (&second);
}

void
fuzz_check_model_folder (const char *folder)
{
  GError *error = NULL;
  BertModel *model = bert_model_load (folder, &error);
  BertEncoderOptions options;
  BertEncoder *encoder;

  fuzz_check_load_result (model, error, "bert_model_load");
  if (model == NULL) {
    g_error_free (error);
    return;
  }
  bert_encoder_options_init (&options);
  options.device = BERT_DEVICE_CPU;
  options.n_threads = 1;
  encoder = bert_encoder_new (model, &options, &error);
  fuzz_check_load_result (encoder, error, "bert_encoder_new");
  if (encoder != NULL) {
    run_two_sequences (model, encoder);
    bert_encoder_free (encoder);
  }
  g_clear_error (&error);
  bert_model_unref (model);
}

void
fuzz_check_tokenizer_path (const char *path)
{
  GError *error = NULL;
  BertTokenizer *tokenizer = bert_tokenizer_new_from_path (path, &error);

  fuzz_check_load_result (tokenizer, error, path);
  if (tokenizer != NULL) {
    fuzz_check_tokenizer (tokenizer);
    bert_tokenizer_free (tokenizer);
  }
  g_clear_error (&error);
}
