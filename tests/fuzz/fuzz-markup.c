/* fuzz-markup.c: the Pango markup stage of the tokenizer library (bert_markup.c).
 *
 * For any input the plain text must map each of its bytes back to a non-empty, ordered
 * span of the markup; tokenizing through it (bert_tokenizer_encode_markup) must give
 * token spans inside the markup, in order; markup without '<' or '&' must tokenize
 * exactly as plain text; and the work per byte is bounded: the stripper examines at
 * most 7 bytes per byte of markup looking for tags' ends (counted, so that the check
 * does not depend on the machine's speed), where a quadratic search took seconds on a
 * few hundred kilobytes of unclosed '<'.
 */
#include <string.h>

#include "bert_markup.h"
#include "fuzz-checks.h"

/* Bytes examined per byte of markup, at most (see find_tag_end in bert_markup.c). */
#define MAX_SCAN_STEPS_PER_BYTE 7

static BertTokenizer *tokenizer;
static BertPlainText plain;

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  const BertNormalizerOptions options = { TRUE, TRUE, TRUE, -1, 512 };
  char *vocab = g_build_filename (FUZZ_FIXTURE_DIR, "vocab.txt", NULL);
  GError *error = NULL;

  fuzz_init_logging ();
  tokenizer = bert_tokenizer_new_from_vocab_file (vocab, &options, &error);
  if (tokenizer == NULL)
    fuzz_fail ("cannot load %s: %s", vocab, error->message);
  bert_plain_text_init (&plain);
  g_free (vocab);
  return 0;
}

static void
check_plain_text (size_t len)
{
  const guint32 *start = (const guint32 *) plain.source_start->data;
  const guint32 *end = (const guint32 *) plain.source_end->data;

  if (plain.source_start->len != plain.text->len || plain.source_end->len != plain.text->len)
    fuzz_fail ("%u bytes of text, %u starts, %u ends", plain.text->len, plain.source_start->len,
        plain.source_end->len);
  for (guint i = 0; i < plain.text->len; i++) {
    if (start[i] >= end[i] || end[i] > len)
      fuzz_fail ("plain byte %u maps to [%u, %u) of %zu bytes of markup", i, start[i], end[i], len);
    if (i > 0 && start[i] < start[i - 1])
      fuzz_fail ("plain byte %u maps before plain byte %u", i, i - 1);
  }
}

static void
check_linear_work (size_t len)
{
  if (plain.scan_steps > (guint64) MAX_SCAN_STEPS_PER_BYTE * len)
    fuzz_fail ("%" G_GUINT64_FORMAT " bytes examined for %zu bytes of markup: not linear", plain.scan_steps,
        len);
}

static void
check_markup_spans (const BertEncoding *encoding, size_t len)
{
  for (uint32_t i = 1; i + 1 < encoding->n_tokens; i++) {
    uint32_t start = encoding->offsets[2 * i], end = encoding->offsets[2 * i + 1];

    if (start >= end || end > len)
      fuzz_fail ("token %u: span [%u, %u) outside %zu bytes of markup", i, start, end, len);
    if (start < encoding->offsets[2 * i - 2])
      fuzz_fail ("token %u: span [%u, %u) before the previous token's", i, start, end);
  }
}

static void
check_same_as_plain (const BertEncoding *through_markup, const char *text, size_t len, guint max_length)
{
  BertEncoding direct;

  bert_encoding_init (&direct);
  bert_tokenizer_encode (tokenizer, text, len, max_length, &direct);
  if (direct.n_tokens != through_markup->n_tokens
      || memcmp (direct.ids, through_markup->ids, direct.n_tokens * sizeof (int32_t)) != 0
      || memcmp (direct.offsets, through_markup->offsets, 2 * direct.n_tokens * sizeof (uint32_t)) != 0)
    fuzz_fail ("text without markup tokenizes differently through the markup stripper");
  bert_encoding_clear (&direct);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *text = (const char *) data;
  guint max_length = 2 + size % 32;
  BertEncoding encoding;

  bert_plain_text_strip_markup (&plain, text, size);
  check_plain_text (size);
  check_linear_work (size);
  fuzz_check_encode (tokenizer, (const char *) plain.text->data, plain.text->len, max_length);

  bert_encoding_init (&encoding);
  bert_tokenizer_encode_markup (tokenizer, &plain, text, size, max_length, &encoding);
  check_markup_spans (&encoding, size);
  if (memchr (text, '<', size) == NULL && memchr (text, '&', size) == NULL)
    check_same_as_plain (&encoding, text, size, max_length);
  bert_encoding_clear (&encoding);
  return 0;
}
