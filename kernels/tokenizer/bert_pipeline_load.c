/* bert_pipeline_load.c: reading a Unigram, BPE or WordPiece tokenizer.json into a BertPipeline.
 *
 * Only what the reference does exactly and this library implements is accepted; anything
 * else (another normaliser, a regex Replace other than "c{n,}", BPE dropout, ...) is refused
 * with an error naming the field and what it holds.
 */
#include "bert_json_fields.h"
#include "bert_json_refusals.h"
#include "bert_json_variants.h"
#include "bert_pipeline.h"
#include "bert_tokenizer_private.h"
#include "bert_unigram_vocab.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- fields ---- */

static gboolean
unsupported (GError **error, const char *file, const char *field, const char *found, const char *supported)
{
  g_set_error (error, BERT_TOKENIZER_ERROR, BERT_TOKENIZER_ERROR_UNSUPPORTED, "%s: %s is %s; supported: %s",
      file, field, found, supported);
  return FALSE;
}

static const char *
type_of (JsonObject *object)
{
  JsonNode *node = bert_json_member (object, "type");
  return node && json_node_get_value_type (node) == G_TYPE_STRING ? json_node_get_string (node) : NULL;
}

/* ---- model ---- */

/* Powers of ten that a double holds exactly. */
static const double exact_powers_of_ten[] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
  1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22 };
#define EXACT_TEN_EXPONENT 22
#define EXACT_SIGNIFICAND (UINT64_C (1) << 53)

/* serde's reading of digits x 10^exponent, |exponent| <= EXACT_TEN_EXPONENT: (double)
 * digits, then one multiplication or division by the exact power of ten. */
static double
times_exact_power_of_ten (uint64_t digits, int exponent)
{
  return exponent >= 0 ? (double) digits * exact_powers_of_ten[exponent]
                       : (double) digits / exact_powers_of_ten[-exponent];
}

/* The digits of a "%.*e" printing as an integer, with the power of ten of its last digit. */
static uint64_t
read_printed_digits (const char *text, int *exponent)
{
  uint64_t digits = 0;
  int n = 0;
  const char *c = text;
  for (; *c != 'e'; c++)
    if (*c != '.') {
      digits = digits * 10 + (uint64_t) (*c - '0');
      n++;
    }
  *exponent = atoi (c + 1) - (n - 1);
  return digits;
}

/* digits x 10^exponent read as serde does (and, both exact, as correctly rounded), or NAN
 * where either is not exact. */
static double
read_exactly (uint64_t digits, int exponent)
{
  if (digits > EXACT_SIGNIFICAND || abs (exponent) > EXACT_TEN_EXPONENT)
    return NAN;
  return times_exact_power_of_ten (digits, exponent);
}

/* 17 digits of a positive value rounded to n of them, with the exponent of their last digit;
 * FALSE where the 17 were a tie at n digits (the value itself may lie on either side). */
static gboolean
round_digits (uint64_t digits17, int exponent17, int n, uint64_t *digits, int *exponent)
{
  uint64_t unit = (uint64_t) exact_powers_of_ten[17 - n], rest = digits17 % unit;
  if (rest == unit / 2)
    return FALSE;
  *digits = digits17 / unit + (rest > unit / 2);
  *exponent = exponent17 + 17 - n;
  if (*digits == (uint64_t) exact_powers_of_ten[n]) { /* rounded up to n + 1 digits */
    *digits /= 10;
    *exponent += 1;
  }
  return TRUE;
}

/* serde_f64 for most scores: one printing of 17 digits, the shorter candidates rounded from
 * them and checked with exact arithmetic. FALSE where that cannot decide. Between 1e-6 and
 * 1e7 every power of ten of 1 to 17 digits' last digit is exact (the shortest digits may be
 * fewer than 15, their power larger). */
static gboolean
serde_f64_quick (double value, double *result)
{
  char text[40];
  uint64_t digits;
  int exponent, exponent17;

  if (!(value > 1e-6 && value < 1e7))
    return FALSE;
  g_snprintf (text, sizeof text, "%.16e", value);
  uint64_t digits17 = read_printed_digits (text, &exponent17);
  /* With up to 15 digits (exact as a double) serde's one multiplication or division by an
   * exact power of ten rounds correctly: to the value itself. */
  if (!round_digits (digits17, exponent17, 15, &digits, &exponent))
    return FALSE;
  double read = read_exactly (digits, exponent);
  if (isnan (read))
    return FALSE;
  if (read == value) {
    *result = value;
    return TRUE;
  }
  if (!round_digits (digits17, exponent17, 16, &digits, &exponent))
    return FALSE;
  read = read_exactly (digits, exponent);
  if (isnan (read))
    return FALSE;
  if (read != value) { /* the shortest is 17 digits */
    digits = digits17;
    exponent = exponent17;
  }
  if (abs (exponent) > EXACT_TEN_EXPONENT)
    return FALSE;
  *result = times_exact_power_of_ten (digits, exponent);
  return TRUE;
}

/* A score as the reference holds it. serde_json (without its float_roundtrip feature) reads
 * a number as its digits D, an integer, and a power of ten E: (double) D, then times or
 * divided by 10^|E|; with 17 digits D is rounded first, so the result can be one unit in the
 * last place off the correctly rounded value that json-glib gives (about one score in six
 * of a sentencepiece model), and Viterbi's ties then break otherwise. The file's text is
 * rebuilt as the shortest decimal that reads back to the value (what serde_json and Python
 * write), then read serde's way. */
static double
serde_f64 (double value)
{
  char text[40];
  int low = 1, high = 17; /* the shortest digits that read back lie in [low, high] */

  double quick;

  if (value == 0 || !isfinite (value))
    return value;
  if (serde_f64_quick (fabs (value), &quick))
    return value < 0 ? -quick : quick;
  if (fabs (value) > 1e-7 && fabs (value) < 1e7) {
    /* With up to 15 digits (exact as a double) and such a power of ten (exact too), serde's
     * one multiplication or division rounds correctly: to the value itself. */
    g_snprintf (text, sizeof text, "%.14e", fabs (value));
    if (g_ascii_strtod (text, NULL) == fabs (value))
      return value;
    low = 16;
  }
  /* More digits than a reading-back count also read back: bisect. */
  while (low < high) {
    int middle = (low + high) / 2;
    g_snprintf (text, sizeof text, "%.*e", middle - 1, fabs (value));
    if (g_ascii_strtod (text, NULL) == fabs (value))
      high = middle;
    else
      low = middle + 1;
  }
  g_snprintf (text, sizeof text, "%.*e", low - 1, fabs (value));
  int exponent;
  double result = (double) read_printed_digits (text, &exponent);
  while (exponent < -308) {
    result /= 1e308;
    exponent += 308;
  }
  char power[16];
  g_snprintf (power, sizeof power, "1e%d", abs (exponent));
  double scale = g_ascii_strtod (power, NULL);
  result = exponent >= 0 ? result * scale : result / scale;
  return value < 0 ? -result : result;
}

static gboolean
vocab_entry_error (GError **error, const char *file, guint id)
{
  char *field = g_strdup_printf ("model.vocab[%u]", id);
  bert_json_field_error (error, file, field, "a [piece, score] pair with a finite score");
  g_free (field);
  return FALSE;
}

/* Piece id with its score, a JSON integer (G_TYPE_INT64) or number (G_TYPE_DOUBLE), read as
 * the reference does. */
static gboolean
add_unigram_piece (BertTokenizer *tokenizer, guint id, const char *text, gsize length, double number,
    gboolean integral, const char *file, GError **error)
{
  BertUnigram *unigram = &tokenizer->pipeline->unigram;
  double score = integral ? number : serde_f64 (number);

  /* json-glib reads a number beyond a double's range as infinity, where the reference
   * refuses the file ("number out of range"). */
  if (!isfinite (score))
    return vocab_entry_error (error, file, id);
  unigram->scores[id] = score;
  /* A piece listed twice (transformers 5 saves CamemBERT's <unk> as ids 3 and 4): the
   * reference's map from piece to id keeps the later id, and so does its lattice (with that
   * id's score); both ids keep the piece as their text. */
  int32_t holder = bert_vocab_insert (&tokenizer->vocab, (int32_t) id, text, length);
  if (holder >= 0)
    bert_vocab_repoint (&tokenizer->vocab, holder, (int32_t) id);
  return TRUE;
}

/* model.vocab's pairs from json-glib's tree. */
static gboolean
read_unigram_vocab (BertTokenizer *tokenizer, JsonArray *vocab, const char *file, GError **error)
{
  for (guint id = 0; id < json_array_get_length (vocab); id++) {
    JsonNode *node = json_array_get_element (vocab, id);
    JsonArray *entry = JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
    JsonNode *piece = entry && json_array_get_length (entry) == 2 ? json_array_get_element (entry, 0) : NULL;
    JsonNode *score = piece ? json_array_get_element (entry, 1) : NULL;
    GType score_type = score ? json_node_get_value_type (score) : G_TYPE_INVALID;
    if (piece == NULL || json_node_get_value_type (piece) != G_TYPE_STRING
        || (score_type != G_TYPE_DOUBLE && score_type != G_TYPE_INT64))
      return vocab_entry_error (error, file, id);
    const char *text = json_node_get_string (piece);
    /* json-glib decodes a lone surrogate escape ("\ud800x") into the bytes ed a0 80 and
     * drops the character after it; the reference refuses the file ("lone leading
     * surrogate in hex escape"). The pieces read from the text are checked there. */
    if (!g_utf8_validate (text, -1, NULL)) {
      char *field = g_strdup_printf ("model.vocab[%u][0]", id);
      bert_json_field_error (error, file, field, "valid UTF-8 (a lone surrogate escape such as \\ud800?)");
      g_free (field);
      return FALSE;
    }
    double number =
        score_type == G_TYPE_DOUBLE ? json_node_get_double (score) : (double) json_node_get_int (score);
    if (!add_unigram_piece (tokenizer, id, text, strlen (text), number, score_type == G_TYPE_INT64, file,
            error))
      return FALSE;
  }
  return TRUE;
}

/* The pairs bert_unigram_vocab_take read from the file's text. */
static gboolean
add_unigram_vocab (BertTokenizer *tokenizer, const BertUnigramVocab *vocab, const char *file, GError **error)
{
  for (guint id = 0; id < vocab->n; id++)
    if (!add_unigram_piece (tokenizer, id, vocab->text + vocab->starts[id],
            vocab->starts[id + 1] - vocab->starts[id], vocab->numbers[id],
            vocab->scores_exact || vocab->integral[id], file, error))
      return FALSE;
  return TRUE;
}

static gboolean
read_unigram (BertTokenizer *tokenizer, JsonObject *model, JsonArray *added, const char *file, GError **error)
{
  BertUnigram *unigram = &tokenizer->pipeline->unigram;
  const BertUnigramVocab *text_vocab = tokenizer->unigram_vocab;
  JsonNode *vocab_node = bert_json_member (model, "vocab"), *unk_node = bert_json_member (model, "unk_id");
  guint n_ids;

  if (text_vocab == NULL
      && (vocab_node == NULL || !JSON_NODE_HOLDS_ARRAY (vocab_node)
          || json_array_get_length (json_node_get_array (vocab_node)) == 0))
    return bert_json_field_error (error, file, "model.vocab", "a non-empty array of [piece, score]");
  guint n_pieces = text_vocab ? text_vocab->n : json_array_get_length (json_node_get_array (vocab_node));
  if (n_pieces > BERT_TRIE_MAX_PIECES)
    return bert_json_field_error (error, file, "model.vocab", "at most 8,388,607 pieces");
  if (unk_node == NULL || json_node_get_value_type (unk_node) != G_TYPE_INT64
      || json_node_get_int (unk_node) < 0 || json_node_get_int (unk_node) >= n_pieces)
    return bert_json_field_error (error, file, "model.unk_id",
        "the id of a piece (a Unigram model "
        "without one fails on unknown characters)");
  if (!bert_json_get_bool (model, "byte_fallback", file, "model.byte_fallback", &unigram->byte_fallback,
          error)
      || !bert_tokenizer_count_added_ids (added, n_pieces, file, &n_ids, error))
    return FALSE;
  bert_vocab_init (&tokenizer->vocab, n_ids, NULL, 0);
  unigram->scores = g_new (double, n_pieces);
  unigram->n_pieces = n_pieces;
  if (!(text_vocab ? add_unigram_vocab (tokenizer, text_vocab, file, error)
                   : read_unigram_vocab (tokenizer, json_node_get_array (vocab_node), file, error)))
    return FALSE;
  unigram->unk_id = (int32_t) json_node_get_int (unk_node);
  tokenizer->unk_id = unigram->unk_id;
  bert_unigram_finish (unigram, &tokenizer->vocab);
  return TRUE;
}

/* A merge: ["a", "b"], or "a b" in the legacy form (strings_form). */
static gboolean
merge_parts (JsonNode *node, gboolean strings_form, const char **left, gsize *left_length, const char **right)
{
  if (!strings_form) {
    JsonArray *pair = JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
    if (pair == NULL || json_array_get_length (pair) != 2
        || json_node_get_value_type (json_array_get_element (pair, 0)) != G_TYPE_STRING
        || json_node_get_value_type (json_array_get_element (pair, 1)) != G_TYPE_STRING)
      return FALSE;
    *left = json_array_get_string_element (pair, 0);
    *left_length = strlen (*left);
    *right = json_array_get_string_element (pair, 1);
    return TRUE;
  }
  if (json_node_get_value_type (node) != G_TYPE_STRING)
    return FALSE;
  const char *text = json_node_get_string (node);
  const char *space = strchr (text, ' ');
  if (space == NULL || strchr (space + 1, ' ') != NULL)
    return FALSE;
  *left = text;
  *left_length = space - text;
  *right = space + 1;
  return TRUE;
}

/* Merges ranked in order, all in one form (the reference reads either all pairs or all
 * strings); in the strings form, as in merges.txt, lines starting "#version" are skipped
 * and take no rank. */
static gboolean
read_merges (BertTokenizer *tokenizer, JsonArray *merges, const char *file, GError **error)
{
  BertBpe *bpe = &tokenizer->pipeline->bpe;
  gsize prefix_length = bpe->prefix ? strlen (bpe->prefix) : 0;
  GString *merged = g_string_new (NULL);
  gboolean ok = TRUE;
  guint n = json_array_get_length (merges), rank = 0;
  gboolean strings_form = n > 0 && JSON_NODE_HOLDS_VALUE (json_array_get_element (merges, 0));

  for (guint i = 0; ok && i < n; i++) {
    JsonNode *node = json_array_get_element (merges, i);
    const char *left, *right;
    gsize left_length;
    char *field = g_strdup_printf ("model.merges[%u]", i);
    if (strings_form && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING
        && g_str_has_prefix (json_node_get_string (node), "#version")) {
      /* skipped */
    } else if (!merge_parts (node, strings_form, &left, &left_length, &right)) {
      ok = bert_json_field_error (error, file, field,
          strings_form ? "a \"left right\" string, as model.merges[0] is"
                       : "a pair of tokens, as model.merges[0] is");
    } else if (strlen (right) < prefix_length) {
      /* the reference panics on it */
      ok = bert_json_field_error (error, file, field,
          "a merge whose right part is as long as model.continuing_subword_prefix");
    } else {
      int32_t left_id = bert_bpe_lookup (bpe, &tokenizer->vocab, left, left_length);
      int32_t right_id = bert_bpe_lookup (bpe, &tokenizer->vocab, right, strlen (right));
      g_string_assign (merged, "");
      g_string_append_len (merged, left, left_length);
      g_string_append (merged, right + prefix_length);
      int32_t new_id = bert_bpe_lookup (bpe, &tokenizer->vocab, merged->str, merged->len);
      if (left_id < 0 || right_id < 0 || new_id < 0)
        ok = bert_json_field_error (error, file, field,
            "a pair of tokens of model.vocab whose merge is "
            "in model.vocab too");
      else
        bert_bpe_add_merge (bpe, left_id, right_id, rank++, new_id);
    }
    g_free (field);
  }
  g_string_free (merged, TRUE);
  return ok;
}

static gboolean
read_bpe (BertTokenizer *tokenizer, JsonObject *model, JsonArray *added, const char *file, GError **error)
{
  BertBpe *bpe = &tokenizer->pipeline->bpe;
  JsonNode *vocab_node = bert_json_member (model, "vocab"), *merges_node = bert_json_member (model, "merges");
  JsonNode *dropout = bert_json_member (model, "dropout");
  const char *unk = NULL, *prefix = NULL, *suffix = NULL;
  gboolean fuse_unk = FALSE, byte_fallback = FALSE, ignore_merges = FALSE;
  guint n_ids;

  if (vocab_node == NULL || !JSON_NODE_HOLDS_OBJECT (vocab_node)
      || json_object_get_size (json_node_get_object (vocab_node)) == 0)
    return bert_json_field_error (error, file, "model.vocab", "a non-empty object of token: id");
  if (merges_node == NULL || !JSON_NODE_HOLDS_ARRAY (merges_node))
    return bert_json_field_error (error, file, "model.merges", "an array of merges");
  GType dropout_type = dropout ? json_node_get_value_type (dropout) : G_TYPE_INVALID;
  if (dropout
      && !((dropout_type == G_TYPE_DOUBLE || dropout_type == G_TYPE_INT64)
          && json_node_get_double (dropout) == 0.0))
    return unsupported (error, file, "model.dropout", "set", "null or 0 (dropout is random)");
  JsonObject *vocab = json_node_get_object (vocab_node);
  guint n_model_ids = json_object_get_size (vocab);
  if (!bert_json_get_string (model, "unk_token", file, "model.unk_token", &unk, error)
      || !bert_json_get_string (model, "continuing_subword_prefix", file, "model.continuing_subword_prefix",
          &prefix, error)
      || !bert_json_get_string (model, "end_of_word_suffix", file, "model.end_of_word_suffix", &suffix, error)
      || !bert_json_get_bool (model, "fuse_unk", file, "model.fuse_unk", &fuse_unk, error)
      || !bert_json_get_bool (model, "byte_fallback", file, "model.byte_fallback", &byte_fallback, error)
      || !bert_json_get_bool (model, "ignore_merges", file, "model.ignore_merges", &ignore_merges, error)
      || !bert_tokenizer_count_added_ids (added, n_model_ids, file, &n_ids, error))
    return FALSE;
  bert_vocab_init (&tokenizer->vocab, n_ids, NULL, 0);
  if (!bert_tokenizer_read_vocab_entries (tokenizer, vocab, file, error))
    return FALSE;
  bert_bpe_init (bpe, n_model_ids, json_array_get_length (json_node_get_array (merges_node)));
  /* "" (as gpt2's old file has) affixes nothing, as no affix does; no affix keeps the
   * byte-level shortcuts */
  bpe->prefix = prefix && prefix[0] ? g_strdup (prefix) : NULL;
  bpe->suffix = suffix && suffix[0] ? g_strdup (suffix) : NULL;
  bpe->fuse_unk = fuse_unk;
  bpe->byte_fallback = byte_fallback;
  bpe->ignore_merges = ignore_merges;
  if (unk != NULL && (bpe->unk_id = bert_bpe_lookup (bpe, &tokenizer->vocab, unk, strlen (unk))) < 0) {
    g_set_error (error, BERT_TOKENIZER_ERROR, BERT_TOKENIZER_ERROR_FORMAT,
        "%s: field 'model.unk_token': '%s' is not in model.vocab", file, unk);
    return FALSE;
  }
  tokenizer->unk_id = bpe->unk_id;
  bert_bpe_finish (bpe, &tokenizer->vocab);
  if (!read_merges (tokenizer, json_node_get_array (merges_node), file, error))
    return FALSE;
  bert_bpe_prepare_backtracking (bpe);
  return TRUE;
}

/* ---- normalizer ---- */

#define SUPPORTED_NORMALIZERS                                                                                \
  "Precompiled, Strip, Replace, Lowercase, Prepend, NFD, NFKD, NFC, NFKC, StripAccents, "                    \
  "BertNormalizer or a Sequence of them"

/* transformers 5's Replace of whitespace (bert_normalized_replace_space_runs) */
#define SPACE_RUNS_REGEX "\\s{2,}|[\\n\\r\\t]"

/* Replace's regex: "c{n,}" (one ASCII character, repeated n or more times). */
static gboolean
read_run_pattern (const char *regex, BertNormalizerStep *step)
{
  unsigned min_count;
  char brace_end[3] = "";
  if (strlen (regex) < 5 || (unsigned char) regex[0] >= 0x80 || strchr ("\\.[]()*+?{}|^$", regex[0]) != NULL
      || sscanf (regex + 1, "{%u,%2s", &min_count, brace_end) != 2 || strcmp (brace_end, "}") != 0
      || min_count == 0)
    return FALSE;
  char expected[32];
  g_snprintf (expected, sizeof expected, "%c{%u,}", regex[0], min_count);
  if (strcmp (expected, regex) != 0)
    return FALSE;
  step->pattern = g_strndup (regex, 1);
  step->min_count = min_count;
  return TRUE;
}

static gboolean
read_replace (JsonObject *normalizer, BertNormalizerStep *step, const char *file, const char *field,
    GError **error)
{
  JsonNode *pattern_node = bert_json_member (normalizer, "pattern");
  JsonObject *pattern =
      pattern_node && JSON_NODE_HOLDS_OBJECT (pattern_node) ? json_node_get_object (pattern_node) : NULL;
  const char *string = NULL, *regex = NULL, *content = NULL;
  char *pattern_field = g_strconcat (field, ".pattern", NULL);
  char *content_field = g_strconcat (field, ".content", NULL);
  gboolean ok = bert_json_get_string (pattern, "String", file, pattern_field, &string, error)
      && bert_json_get_string (pattern, "Regex", file, pattern_field, &regex, error)
      && bert_json_get_string (normalizer, "content", file, content_field, &content, error);

  if (ok && content == NULL)
    ok = bert_json_field_error (error, file, content_field, "a string");
  if (ok && string != NULL && string[0] != '\0') {
    step->kind = BERT_STEP_REPLACE_STRING;
    step->pattern = g_strdup (string);
  } else if (ok && regex != NULL && read_run_pattern (regex, step)) {
    step->kind = BERT_STEP_REPLACE_RUNS;
  } else if (ok && g_strcmp0 (regex, SPACE_RUNS_REGEX) == 0) {
    step->kind = BERT_STEP_REPLACE_SPACE_RUNS;
    step->pattern = g_strdup ("");
  } else if (ok) {
    char *found = g_strdup_printf ("the regex '%s'", regex ? regex : "(none)");
    ok = unsupported (error, file, pattern_field, found,
        "a non-empty String, or a Regex repeating one character (\"c{n,}\") or " SPACE_RUNS_REGEX);
    g_free (found);
  }
  if (ok)
    step->content = g_strdup (content);
  g_free (pattern_field);
  g_free (content_field);
  return ok;
}

/* BertNormalizer, with its defaults; strip_accents null follows lowercase. */
static gboolean
read_bert_step (BertTokenizer *tokenizer, JsonObject *normalizer, BertNormalizerStep *step, const char *file,
    const char *field, GError **error)
{
  step->kind = BERT_STEP_BERT;
  step->clean_text = step->handle_chinese_chars = step->lowercase = TRUE;
  step->strip_accents = -1;
  if (!bert_json_get_bool (normalizer, "clean_text", file, field, &step->clean_text, error)
      || !bert_json_get_bool (normalizer, "handle_chinese_chars", file, field, &step->handle_chinese_chars,
          error)
      || !bert_json_get_bool (normalizer, "strip_accents", file, field, &step->strip_accents, error)
      || !bert_json_get_bool (normalizer, "lowercase", file, field, &step->lowercase, error))
    return FALSE;
  if (step->strip_accents < 0)
    step->strip_accents = step->lowercase;
  tokenizer->options.lowercase = tokenizer->options.lowercase || step->lowercase;
  return TRUE;
}

static gboolean
read_step (BertTokenizer *tokenizer, JsonObject *normalizer, BertNormalizerStep *step, const char *file,
    const char *field, GError **error)
{
  const char *type = bert_json_normalizer_type (normalizer);
  const char *text = NULL;

  memset (step, 0, sizeof *step);
  if (type == NULL)
    return bert_json_normalizer_refused (normalizer, file, field, error);
  if (strcmp (type, "Precompiled") == 0) {
    step->kind = BERT_STEP_PRECOMPILED;
    if (!bert_json_get_string (normalizer, "precompiled_charsmap", file, field, &text, error))
      return FALSE;
    step->precompiled = bert_precompiled_new (text ? text : "", file, field, error);
    return step->precompiled != NULL;
  }
  if (g_strcmp0 (type, "Strip") == 0) {
    step->kind = BERT_STEP_STRIP;
    step->left = step->right = TRUE;
    return bert_json_get_bool (normalizer, "strip_left", file, field, &step->left, error)
        && bert_json_get_bool (normalizer, "strip_right", file, field, &step->right, error);
  }
  if (g_strcmp0 (type, "Replace") == 0)
    return read_replace (normalizer, step, file, field, error);
  if (g_strcmp0 (type, "Lowercase") == 0) {
    step->kind = BERT_STEP_LOWERCASE;
    tokenizer->options.lowercase = TRUE;
    return TRUE;
  }
  if (g_strcmp0 (type, "BertNormalizer") == 0)
    return read_bert_step (tokenizer, normalizer, step, file, field, error);
  if (g_strcmp0 (type, "NFD") == 0) {
    step->kind = BERT_STEP_NFD;
    return TRUE;
  }
  if (g_strcmp0 (type, "NFKD") == 0 || g_strcmp0 (type, "NFC") == 0 || g_strcmp0 (type, "NFKC") == 0) {
    step->kind = strcmp (type, "NFKD") == 0 ? BERT_STEP_NFKD
        : strcmp (type, "NFC") == 0         ? BERT_STEP_NFC
                                            : BERT_STEP_NFKC;
    return TRUE;
  }
  if (g_strcmp0 (type, "StripAccents") == 0) {
    step->kind = BERT_STEP_STRIP_ACCENTS;
    return TRUE;
  }
  if (g_strcmp0 (type, "Prepend") == 0) {
    step->kind = BERT_STEP_PREPEND;
    if (!bert_json_get_string (normalizer, "prepend", file, field, &text, error))
      return FALSE;
    if (text == NULL)
      return bert_json_field_error (error, file, field, "a Prepend with a \"prepend\" string");
    step->content = g_strdup (text);
    return TRUE;
  }
  char *name = g_strconcat (field, ".type", NULL);
  unsupported (error, file, name, type, SUPPORTED_NORMALIZERS);
  g_free (name);
  return FALSE;
}

static gboolean
read_normalizer (BertTokenizer *tokenizer, JsonObject *root, const char *file, GError **error)
{
  BertPipeline *pipeline = tokenizer->pipeline;
  JsonNode *node = bert_json_member (root, "normalizer");

  tokenizer->options.lowercase = FALSE;
  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return bert_json_field_error (error, file, "normalizer", "an object");
  JsonObject *normalizer = json_node_get_object (node);
  /* a typed Sequence step by step, so that an error names the step */
  if (g_strcmp0 (type_of (normalizer), "Sequence") != 0
      && g_strcmp0 (bert_json_normalizer_type (normalizer), "Sequence") != 0) {
    pipeline->steps = g_new0 (BertNormalizerStep, 1);
    pipeline->n_steps = 1;
    return read_step (tokenizer, normalizer, &pipeline->steps[0], file, "normalizer", error);
  }
  JsonNode *list = bert_json_member (normalizer, "normalizers");
  if (list == NULL || !JSON_NODE_HOLDS_ARRAY (list))
    return bert_json_field_error (error, file, "normalizer.normalizers", "an array");
  JsonArray *steps = json_node_get_array (list);
  pipeline->steps = g_new0 (BertNormalizerStep, json_array_get_length (steps));
  for (guint i = 0; i < json_array_get_length (steps); i++) {
    JsonNode *step = json_array_get_element (steps, i);
    char *field = g_strdup_printf ("normalizer.normalizers[%u]", i);
    gboolean ok = JSON_NODE_HOLDS_OBJECT (step)
        ? read_step (tokenizer, json_node_get_object (step), &pipeline->steps[i], file, field, error)
        : bert_json_field_error (error, file, field, "an object");
    pipeline->n_steps = i + 1;
    g_free (field);
    if (!ok)
      return FALSE;
  }
  return TRUE;
}

/* ---- pre_tokenizer ---- */

/* Metaspace as the reference reads it: replacement required; prepend_scheme "always"
 * unless given; the legacy add_prefix_space false means "never", and is refused beside any
 * other prepend_scheme (true changes nothing); the legacy str_rep is ignored. */
static gboolean
read_metaspace (BertPipeline *pipeline, JsonObject *pre, const char *file, GError **error)
{
  const char *replacement = NULL, *scheme = "always", *str_rep = NULL;
  gboolean add_prefix_space = TRUE;

  pipeline->pre_tokenizer = BERT_PRE_METASPACE;
  pipeline->split = TRUE;
  if (!bert_json_get_string (pre, "replacement", file, "pre_tokenizer.replacement", &replacement, error)
      || !bert_json_get_string (pre, "prepend_scheme", file, "pre_tokenizer.prepend_scheme", &scheme, error)
      || !bert_json_get_bool (pre, "split", file, "pre_tokenizer.split", &pipeline->split, error)
      || !bert_json_get_bool (pre, "add_prefix_space", file, "pre_tokenizer.add_prefix_space",
          &add_prefix_space, error)
      || !bert_json_get_string (pre, "str_rep", file, "pre_tokenizer.str_rep", &str_rep, error))
    return FALSE;
  if (replacement == NULL || g_utf8_strlen (replacement, -1) != 1)
    return bert_json_field_error (error, file, "pre_tokenizer.replacement", "one character");
  pipeline->replacement = g_strdup (replacement);
  if (strcmp (scheme, "always") == 0)
    pipeline->prepend_scheme = BERT_PREPEND_ALWAYS;
  else if (strcmp (scheme, "first") == 0)
    pipeline->prepend_scheme = BERT_PREPEND_FIRST;
  else if (strcmp (scheme, "never") == 0)
    pipeline->prepend_scheme = BERT_PREPEND_NEVER;
  else
    return bert_json_field_error (error, file, "pre_tokenizer.prepend_scheme",
        "\"always\", \"first\" or \"never\"");
  if (!add_prefix_space && pipeline->prepend_scheme != BERT_PREPEND_NEVER)
    return bert_json_field_error (error, file, "pre_tokenizer.add_prefix_space",
        "true, or false beside prepend_scheme \"never\" (Hugging Face refuses false otherwise)");
  return TRUE;
}

/* The Sequence transformers 5 gives XLM-R and CamemBERT: WhitespaceSplit then a split
 * Metaspace, the one Sequence of pre-tokenizers read. */
static gboolean
read_whitespace_metaspace (BertPipeline *pipeline, JsonObject *pre, const char *file, GError **error)
{
  JsonNode *list = bert_json_member (pre, "pretokenizers");
  JsonArray *steps = list != NULL && JSON_NODE_HOLDS_ARRAY (list) ? json_node_get_array (list) : NULL;
  JsonNode *first = steps && json_array_get_length (steps) == 2 ? json_array_get_element (steps, 0) : NULL;
  JsonNode *second = first ? json_array_get_element (steps, 1) : NULL;

  if (first == NULL || !JSON_NODE_HOLDS_OBJECT (first) || !JSON_NODE_HOLDS_OBJECT (second)
      || g_strcmp0 (type_of (json_node_get_object (first)), "WhitespaceSplit") != 0
      || g_strcmp0 (type_of (json_node_get_object (second)), "Metaspace") != 0)
    return unsupported (error, file, "pre_tokenizer.pretokenizers", "another Sequence",
        "[WhitespaceSplit, Metaspace]");
  if (!read_metaspace (pipeline, json_node_get_object (second), file, error))
    return FALSE;
  if (!pipeline->split)
    return unsupported (error, file, "pre_tokenizer.pretokenizers[1].split", "false",
        "true after WhitespaceSplit");
  pipeline->pre_tokenizer = BERT_PRE_WHITESPACE_METASPACE;
  return TRUE;
}

/* ---- WordPiece's splitters ---- */

#define SUPPORTED_SPLITTERS                                                                                  \
  "Whitespace, WhitespaceSplit, BertPreTokenizer, Digits, Punctuation, a Sequence of them or null (with a "  \
  "WordPiece model)"

#define MAX_SPLITTERS 32

/* Punctuation's behavior: Isolated unless given. */
static gboolean
read_punctuation (JsonObject *pre, const char *file, const char *field, BertSplitter *splitter,
    GError **error)
{
  const char *behavior = "Isolated";
  char *name = g_strconcat (field, ".behavior", NULL);
  gboolean ok = bert_json_get_string (pre, "behavior", file, name, &behavior, error);
  if (ok && strcmp (behavior, "Isolated") == 0)
    *splitter = BERT_SPLIT_PUNCT_ALONE;
  else if (ok && strcmp (behavior, "Contiguous") == 0)
    *splitter = BERT_SPLIT_PUNCT_RUNS;
  else if (ok && strcmp (behavior, "Removed") == 0)
    *splitter = BERT_SPLIT_PUNCT_REMOVED;
  else if (ok)
    ok = unsupported (error, file, name, behavior, "Isolated, Contiguous or Removed");
  g_free (name);
  return ok;
}

/* Digits: individual_digits is required, as there. */
static gboolean
read_digits (JsonObject *pre, const char *file, const char *field, BertSplitter *splitter, GError **error)
{
  JsonNode *node = json_object_get_member (pre, "individual_digits");
  if (node == NULL || json_node_get_value_type (node) != G_TYPE_BOOLEAN) {
    char *name = g_strconcat (field, ".individual_digits", NULL);
    bert_json_field_error (error, file, name, "true or false");
    g_free (name);
    return FALSE;
  }
  *splitter = json_node_get_boolean (node) ? BERT_SPLIT_DIGITS_ALONE : BERT_SPLIT_DIGITS_RUNS;
  return TRUE;
}

static gboolean
read_splitter (JsonObject *pre, const char *file, const char *field, BertSplitter *splitter, GError **error)
{
  static const struct {
    const char *type;
    BertSplitter splitter;
  } plain[] = { { "Whitespace", BERT_SPLIT_WHITESPACE }, { "WhitespaceSplit", BERT_SPLIT_WHITESPACE_SPLIT },
    { "BertPreTokenizer", BERT_SPLIT_BERT } };
  const char *type = type_of (pre);

  for (guint i = 0; i < G_N_ELEMENTS (plain); i++)
    if (g_strcmp0 (type, plain[i].type) == 0) {
      *splitter = plain[i].splitter;
      return TRUE;
    }
  if (g_strcmp0 (type, "Digits") == 0)
    return read_digits (pre, file, field, splitter, error);
  if (g_strcmp0 (type, "Punctuation") == 0)
    return read_punctuation (pre, file, field, splitter, error);
  char *name = g_strconcat (field, ".type", NULL);
  unsupported (error, file, name, type ? type : "missing", SUPPORTED_SPLITTERS);
  g_free (name);
  return FALSE;
}

/* WordPiece's: one splitter or a Sequence of them. */
static gboolean
read_wordpiece_pre_tokenizer (BertPipeline *pipeline, JsonObject *pre, const char *file, GError **error)
{
  pipeline->pre_tokenizer = BERT_PRE_SPLITS;
  if (g_strcmp0 (type_of (pre), "Sequence") != 0) {
    pipeline->splitters = g_new (BertSplitter, 1);
    pipeline->n_splitters = 1;
    return read_splitter (pre, file, "pre_tokenizer", &pipeline->splitters[0], error);
  }
  JsonNode *list = bert_json_member (pre, "pretokenizers");
  if (list == NULL || !JSON_NODE_HOLDS_ARRAY (list))
    return bert_json_field_error (error, file, "pre_tokenizer.pretokenizers", "an array");
  JsonArray *steps = json_node_get_array (list);
  /* each is a level of the encoder's recursion */
  if (json_array_get_length (steps) > MAX_SPLITTERS)
    return unsupported (error, file, "pre_tokenizer.pretokenizers", "longer than 32", "up to 32 of them");
  pipeline->splitters = g_new (BertSplitter, MAX (1, json_array_get_length (steps)));
  for (guint i = 0; i < json_array_get_length (steps); i++) {
    JsonNode *step = json_array_get_element (steps, i);
    char *field = g_strdup_printf ("pre_tokenizer.pretokenizers[%u]", i);
    gboolean ok = JSON_NODE_HOLDS_OBJECT (step)
        ? read_splitter (json_node_get_object (step), file, field, &pipeline->splitters[i], error)
        : bert_json_field_error (error, file, field, "an object");
    g_free (field);
    if (!ok)
      return FALSE;
    pipeline->n_splitters = i + 1;
  }
  return TRUE;
}

static gboolean
read_pre_tokenizer (BertPipeline *pipeline, JsonObject *root, const char *file, GError **error)
{
  JsonNode *node = bert_json_member (root, "pre_tokenizer");
  if (node == NULL) {
    pipeline->pre_tokenizer = BERT_PRE_NONE;
    return TRUE;
  }
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return bert_json_field_error (error, file, "pre_tokenizer", "an object");
  JsonObject *pre = json_node_get_object (node);
  const char *type = type_of (pre);
  if (pipeline->model == BERT_MODEL_WORDPIECE)
    return read_wordpiece_pre_tokenizer (pipeline, pre, file, error);
  if (g_strcmp0 (type, "Sequence") == 0)
    return read_whitespace_metaspace (pipeline, pre, file, error);
  if (g_strcmp0 (type, "Metaspace") == 0)
    return read_metaspace (pipeline, pre, file, error);
  if (g_strcmp0 (type, "ByteLevel") == 0) {
    pipeline->pre_tokenizer = BERT_PRE_BYTE_LEVEL;
    pipeline->add_prefix_space = TRUE;
    pipeline->use_regex = TRUE;
    return bert_json_get_bool (pre, "add_prefix_space", file, "pre_tokenizer.add_prefix_space",
               &pipeline->add_prefix_space, error)
        && bert_json_get_bool (pre, "use_regex", file, "pre_tokenizer.use_regex", &pipeline->use_regex,
            error);
  }
  return unsupported (error, file, "pre_tokenizer.type", type ? type : "missing",
      "Metaspace, Sequence [WhitespaceSplit, Metaspace] or ByteLevel (with a Unigram or BPE model)");
}

/* ---- the whole ---- */

/* Whether the last normaliser is a Replace of space runs (" {2,}", or " {1,}") by a space or
 * the replacement that a split Metaspace after it can do in passing: it gives the same
 * pre-tokens and spans without rewriting the string (each run becomes one replacement with
 * the span of its last space). */
static gboolean
split_takes_runs (const BertPipeline *pipeline)
{
  const BertNormalizerStep *last = pipeline->n_steps > 0 ? &pipeline->steps[pipeline->n_steps - 1] : NULL;
  return pipeline->pre_tokenizer == BERT_PRE_METASPACE && pipeline->split && last != NULL
      && last->kind == BERT_STEP_REPLACE_RUNS && last->pattern[0] == ' ' && last->min_count <= 2
      && (strcmp (last->content, " ") == 0 || strcmp (last->content, pipeline->replacement) == 0);
}

/* The tokenizer's pipeline, with a serial of its own (the pre-token cache's key). */
static BertPipeline *
new_pipeline (BertTokenizer *tokenizer)
{
  static gint serials = 0;
  BertPipeline *pipeline = g_new0 (BertPipeline, 1);
  tokenizer->pipeline = pipeline;
  pipeline->serial = (uint32_t) g_atomic_int_add (&serials, 1) + 1;
  return pipeline;
}

gboolean
bert_pipeline_read (BertTokenizer *tokenizer, JsonObject *root, JsonArray *added, const char *file,
    GError **error)
{
  JsonNode *model_node = bert_json_member (root, "model");
  JsonObject *model =
      model_node && JSON_NODE_HOLDS_OBJECT (model_node) ? json_node_get_object (model_node) : NULL;
  BertPipeline *pipeline = new_pipeline (tokenizer);

  /* read_model found a BPE or a Unigram; untyped, only a Unigram has a vocab array */
  JsonNode *vocab = bert_json_member (model, "vocab");
  gboolean unigram = type_of (model) ? strcmp (type_of (model), "Unigram") == 0
                                     : vocab != NULL && JSON_NODE_HOLDS_ARRAY (vocab);
  pipeline->model = unigram ? BERT_MODEL_UNIGRAM : BERT_MODEL_BPE;
  if (!(pipeline->model == BERT_MODEL_UNIGRAM ? read_unigram (tokenizer, model, added, file, error)
                                              : read_bpe (tokenizer, model, added, file, error)))
    return FALSE;
  if (!read_normalizer (tokenizer, root, file, error) || !read_pre_tokenizer (pipeline, root, file, error))
    return FALSE;
  pipeline->split_takes_runs = split_takes_runs (pipeline);
  bert_pipeline_count_token_spaces (pipeline, &tokenizer->vocab);
  return TRUE;
}

gboolean
bert_pipeline_read_wordpiece (BertTokenizer *tokenizer, JsonObject *root, const char *file, GError **error)
{
  BertPipeline *pipeline = new_pipeline (tokenizer);
  BertWordPiece *wordpiece = &pipeline->wordpiece;

  pipeline->model = BERT_MODEL_WORDPIECE;
  wordpiece->prefix = g_strdup (tokenizer->subword_prefix);
  wordpiece->max_chars = tokenizer->max_input_chars_per_word;
  wordpiece->n_model_ids = tokenizer->n_model_pieces;
  wordpiece->unk_id = tokenizer->unk_id;
  bert_wordpiece_finish (wordpiece, &tokenizer->vocab);
  if (!read_normalizer (tokenizer, root, file, error) || !read_pre_tokenizer (pipeline, root, file, error))
    return FALSE;
  bert_pipeline_count_token_spaces (pipeline, &tokenizer->vocab);
  return TRUE;
}

void
bert_pipeline_free (BertPipeline *pipeline)
{
  if (pipeline == NULL)
    return;
  for (guint i = 0; i < pipeline->n_steps; i++) {
    bert_precompiled_free (pipeline->steps[i].precompiled);
    g_free (pipeline->steps[i].pattern);
    g_free (pipeline->steps[i].content);
  }
  g_free (pipeline->steps);
  bert_unigram_clear (&pipeline->unigram);
  bert_bpe_clear (&pipeline->bpe);
  bert_wordpiece_clear (&pipeline->wordpiece);
  g_free (pipeline->splitters);
  g_free (pipeline->replacement);
  g_free (pipeline->token_spaces);
  g_free (pipeline);
}
