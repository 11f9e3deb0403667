/* bert_added_triggers.c: the raw characters that may start a normalized added token.
 *
 * The set starts as the patterns' first characters (a character a normaliser keeps may
 * start a match where it stands) and grows backwards through the normaliser: a step adds
 * each character from which it may make a member. A match starts at a character of the
 * normalised text, and each of those is either kept from the text or made by a step from
 * characters of its input, so text without the set's characters cannot hold a match.
 */
#include "bert_added_triggers.h"
#include "bert_normal_forms.h"
#include "bert_pipeline.h"
#include "bert_unicode.h"
#include "bert_unicode_classes.h"

#include <string.h>

#define N_CODE_POINTS 0x110000

static gboolean
is_code_point (uint32_t cp)
{
  return cp < 0xD800 || (cp > 0xDFFF && cp < N_CODE_POINTS);
}

static gboolean
any_member (const BertCharSet *triggers, const uint32_t *cps, unsigned n)
{
  for (unsigned i = 0; i < n; i++)
    if (bert_char_set_has (triggers, cps[i]))
      return TRUE;
  return FALSE;
}

/* The first character of a key or pattern; where the key ends inside it or is not UTF-8,
 * every character with its first byte. */
static void
add_first_char (BertCharSet *triggers, const char *text, guint length)
{
  uint32_t cp;
  int invalid = 0;
  bert_utf8_decode ((const unsigned char *) text, length, &cp, &invalid);
  if (invalid)
    bert_char_set_add_lead (triggers, (unsigned char) text[0]);
  else
    bert_char_set_add (triggers, cp);
}

/* ---- the pipeline's steps ---- */

static void add_bert_normalizer_sources (const BertNormalizerOptions *options, int mode,
    BertCharSet *triggers);

static void
add_bert_step_sources (const BertNormalizerStep *step, BertCharSet *triggers)
{
  BertNormalizerOptions options = { .clean_text = step->clean_text,
    .handle_chinese_chars = step->handle_chinese_chars };
  int mode = (step->strip_accents ? BERT_MAP_STRIP : 0) | (step->lowercase ? BERT_MAP_LOWER : 0);
  add_bert_normalizer_sources (&options, mode, triggers);
}

/* Precompiled: a key of the charsmap whose string holds a member (a cluster or character
 * is replaced by the string of its shortest prefix, which starts with the key's first
 * character). */
static void
visit_key (const char *key, guint key_length, const char *norm, gpointer data)
{
  BertCharSet *triggers = data;
  if (bert_char_set_has_any (triggers, norm, strlen (norm)))
    add_first_char (triggers, key, key_length);
}

static void
add_lowercase_sources (BertCharSet *triggers)
{
  for (uint32_t cp = 0; cp < N_CODE_POINTS; cp++) {
    int32_t mapping = is_code_point (cp) ? bert_unicode_lookup (cp)->map[BERT_MAP_LOWER] : 0;
    uint32_t lower[BERT_UNICODE_MAX_SEQUENCE];
    if (mapping != 0 && any_member (triggers, lower, bert_unicode_apply (mapping, cp, lower)))
      bert_char_set_add (triggers, cp);
  }
}

/* NFD: a character whose decomposition holds a member (reordering moves parts, but every
 * part is some character's). */
static void
add_nfd_sources (BertCharSet *triggers)
{
  GArray *found = g_array_new (FALSE, FALSE, sizeof (uint32_t));
  for (uint32_t cp = 0x80; cp < N_CODE_POINTS; cp++) {
    if (!is_code_point (cp))
      continue;
    const BertUnicodeRecord *record = bert_unicode_lookup (cp);
    uint32_t parts[BERT_UNICODE_MAX_SEQUENCE];
    unsigned n = record->map[BERT_MAP_NFD] != 0 || record->flags & BERT_CHAR_HANGUL
        ? bert_unicode_decompose (record, cp, parts)
        : 0;
    if (any_member (triggers, parts, n))
      g_array_append_val (found, cp);
  }
  for (guint i = 0; i < found->len; i++)
    bert_char_set_add (triggers, g_array_index (found, uint32_t, i));
  g_array_free (found, TRUE);
}

/* Replace of whitespace runs: a match starts at any White_Space character. */
static void
add_white_space (BertCharSet *triggers)
{
  for (uint32_t cp = 0; cp < N_CODE_POINTS; cp++)
    if (is_code_point (cp) && bert_is_white_space (cp))
      bert_char_set_add (triggers, cp);
}

static void
add_step_sources (const BertNormalizerStep *step, BertCharSet *triggers)
{
  switch (step->kind) {
    case BERT_STEP_PRECOMPILED:
      if (!bert_precompiled_foreach_key (step->precompiled, visit_key, triggers))
        triggers->everything = TRUE;
      break;
    case BERT_STEP_STRIP:
    case BERT_STEP_STRIP_ACCENTS: break; /* removes characters, makes none */
    case BERT_STEP_NFD: add_nfd_sources (triggers); break;
    case BERT_STEP_NFKD: bert_normal_form_add_sources (triggers, TRUE, FALSE); break;
    case BERT_STEP_NFC: bert_normal_form_add_sources (triggers, FALSE, TRUE); break;
    case BERT_STEP_NFKC: bert_normal_form_add_sources (triggers, TRUE, TRUE); break;
    case BERT_STEP_BERT: add_bert_step_sources (step, triggers); break;
    case BERT_STEP_REPLACE_STRING:
    case BERT_STEP_REPLACE_RUNS:
      if (bert_char_set_has_any (triggers, step->content, strlen (step->content)) && step->pattern[0] != '\0')
        add_first_char (triggers, step->pattern, strlen (step->pattern));
      break;
    case BERT_STEP_REPLACE_SPACE_RUNS:
      if (bert_char_set_has_any (triggers, step->content, strlen (step->content)))
        add_white_space (triggers);
      break;
    case BERT_STEP_LOWERCASE: add_lowercase_sources (triggers); break;
    case BERT_STEP_PREPEND:
      /* put before every piece of text */
      if (bert_char_set_has_any (triggers, step->content, strlen (step->content)))
        triggers->everything = TRUE;
      break;
  }
}

/* ---- BertNormalizer ---- */

/* Whether BertNormalizer may make a member of cp (other than cp itself), as
 * process_char does: clean_text's space, handle_chinese_chars' spaces, then the mode's
 * mapping, or under strip_accents the decomposition's parts, each lowercased where the
 * mode lowercases. Parts strip_accents drops are counted too. */
static gboolean
makes_member (const BertNormalizerOptions *options, int mode, const BertCharSet *triggers, uint32_t cp)
{
  const BertUnicodeRecord *record = bert_unicode_lookup (cp);
  uint32_t out[BERT_UNICODE_MAX_SEQUENCE];

  if (options->clean_text && record->flags & BERT_CHAR_REMOVED)
    return FALSE;
  if (options->clean_text && record->flags & BERT_CHAR_CLEAN_SPACE)
    return bert_char_set_has (triggers, ' ');
  if (options->handle_chinese_chars && record->flags & BERT_CHAR_CJK && bert_char_set_has (triggers, ' '))
    return TRUE;
  if (mode & BERT_MAP_STRIP && record->flags & (BERT_CHAR_REORDERS | BERT_CHAR_HANGUL)) {
    uint32_t parts[BERT_UNICODE_MAX_SEQUENCE];
    unsigned n = (record->flags & BERT_CHAR_HANGUL)
        ? bert_unicode_hangul_jamo (cp, parts)
        : bert_unicode_apply (record->map[BERT_MAP_NFD], cp, parts);
    for (unsigned i = 0; i < n; i++) {
      int32_t lower = mode & BERT_MAP_LOWER ? bert_unicode_lookup (parts[i])->map[BERT_MAP_LOWER] : 0;
      if (any_member (triggers, out, bert_unicode_apply (lower, parts[i], out)))
        return TRUE;
    }
    return FALSE;
  }
  /* a character kept as it is is in the set already if it is to be */
  int32_t mapping = mode != 0 ? record->map[mode] : 0;
  return mapping != 0 && any_member (triggers, out, bert_unicode_apply (mapping, cp, out));
}

static void
add_bert_normalizer_sources (const BertNormalizerOptions *options, int mode, BertCharSet *triggers)
{
  /* decided against the patterns' own characters first, not against what is added */
  GArray *found = g_array_new (FALSE, FALSE, sizeof (uint32_t));
  for (uint32_t cp = 0; cp < N_CODE_POINTS; cp++)
    if (is_code_point (cp) && makes_member (options, mode, triggers, cp))
      g_array_append_val (found, cp);
  for (guint i = 0; i < found->len; i++)
    bert_char_set_add (triggers, g_array_index (found, uint32_t, i));
  g_array_free (found, TRUE);
}

void
bert_added_triggers_derive (const BertTokenizer *tokenizer, BertCharSet *triggers)
{
  const BertAddedTokens *patterns = &tokenizer->normalized_added;

  bert_char_set_init (triggers);
  for (guint i = 0; i < patterns->n_tokens; i++)
    add_first_char (triggers, patterns->tokens[i].text, patterns->tokens[i].length);
  if (tokenizer->pipeline == NULL) {
    add_bert_normalizer_sources (&tokenizer->options, tokenizer->mode, triggers);
  } else {
    for (guint i = tokenizer->pipeline->n_steps; i-- > 0;)
      add_step_sources (&tokenizer->pipeline->steps[i], triggers);
  }
  bert_char_set_finish (triggers);
}
