/* test-utf8-valid.c: bert_utf8_is_valid's paths (the portable DFA, and AVX2 and AVX-512
 * where the CPU has them) against a character-by-character decoder and GLib's
 * g_utf8_validate_len: every sequence of up to three bytes, four-byte sequences, and random
 * texts, placed across the 32-byte blocks the AVX2 path reads and at the text's end. */
#include <glib.h>
#include <string.h>

#include "bert_unicode.h"
#include "bert_utf8_valid.h"

#define BUFFER 80

/* The decoder that repairs ill-formed text (bert_utf8_decode), one character at a time. */
static gboolean
decoder_says_valid (const unsigned char *text, gsize length)
{
  int invalid = 0;
  uint32_t cp;

  for (gsize at = 0; at < length && !invalid;)
    at += bert_utf8_decode (text + at, length - at, &cp, &invalid);
  return !invalid;
}

/* By BertUtf8Path, from 1. */
static const char *const path_names[] = { NULL, "portable", "AVX2", "AVX-512" };

/* Every path this CPU has against the decoder, and against GLib where the text holds no
 * NUL. */
static void
check_text (const unsigned char *text, gsize length)
{
  gboolean expected = decoder_says_valid (text, length);

  g_assert_cmpint (bert_utf8_is_valid ((const char *) text, length), ==, expected);
  for (BertUtf8Path path = BERT_UTF8_PORTABLE; path <= bert_utf8_fastest_path (); path++) {
    if (bert_utf8_is_valid_on (path, (const char *) text, length) == expected)
      continue;
    GString *hex = g_string_new (NULL);
    for (gsize i = 0; i < length; i++)
      g_string_append_printf (hex, "%02X ", text[i]);
    g_error ("%s text of %" G_GSIZE_FORMAT " bytes: %s: the %s path says otherwise",
        expected ? "valid" : "ill-formed", length, hex->str, path_names[path]);
  }
  if (memchr (text, 0, length) == NULL)
    g_assert_cmpint (g_utf8_validate_len ((const char *) text, length, NULL), ==, expected);
}

/* bytes at offset in a text of ASCII letters, ending at end (at least offset + n). */
static void
check_placed (const unsigned char *bytes, guint n, guint offset, guint end)
{
  unsigned char text[BUFFER];

  memset (text, 'a', sizeof text);
  memcpy (text + offset, bytes, n);
  check_text (text, end);
}

/* Offsets and ends that put the sequence before, across and after the first block's end
 * (32), and at the text's end. */
static void
check_everywhere (const unsigned char *bytes, guint n, guint round)
{
  guint offset = 26 + round % 8; /* 26 to 33: across byte 32 */

  check_placed (bytes, n, offset, offset + n); /* the text ends with the sequence */
  check_placed (bytes, n, offset, offset + n + 1 + round % 40);
  check_placed (bytes, n, round % 3, n + round % 3);
}

static void
test_every_short_sequence (void)
{
  unsigned char bytes[3];
  guint round = 0;

  for (guint b0 = 0; b0 < 256; b0++) {
    bytes[0] = b0;
    check_everywhere (bytes, 1, round++);
    for (guint b1 = 0; b1 < 256; b1++) {
      bytes[1] = b1;
      check_everywhere (bytes, 2, round++);
      if (b0 < 0xC0) /* a byte that starts no longer character, then any: done above */
        continue;
      for (guint b2 = 0; b2 < 256; b2++) {
        bytes[2] = b2;
        check_placed (bytes, 3, 24 + (round++ % 12), 40);
      }
    }
  }
  /* three bytes cut at the text's end, at each place in a block */
  bytes[0] = 0xE2, bytes[1] = 0x82, bytes[2] = 0xAC; /* U+20AC */
  for (guint end = 3; end < BUFFER; end++)
    for (guint cut = 1; cut <= 3; cut++)
      check_placed (bytes, cut, end - 3, end - 3 + cut);
}

static void
test_four_byte_sequences (void)
{
  /* each range's edges, and bytes of other kinds */
  static const unsigned char after[] = { 0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC2,
    0xDF, 0xE0, 0xED, 0xF0, 0xF4, 0xFF };
  unsigned char bytes[4];
  guint round = 0;

  for (guint b0 = 0xE0; b0 < 256; b0++)
    for (guint i = 0; i < G_N_ELEMENTS (after); i++)
      for (guint j = 0; j < G_N_ELEMENTS (after); j++)
        for (guint k = 0; k < G_N_ELEMENTS (after); k++) {
          bytes[0] = b0, bytes[1] = after[i], bytes[2] = after[j], bytes[3] = after[k];
          check_everywhere (bytes, 4, round++);
        }
  /* every code point of the four-byte range's first and last planes' edges */
  for (guint32 cp = 0x10000; cp < 0x10400; cp++) {
    guint n = g_unichar_to_utf8 (cp, (char *) bytes);
    check_everywhere (bytes, n, round++);
  }
  for (guint32 cp = 0x10FC00; cp <= 0x10FFFF; cp++) {
    guint n = g_unichar_to_utf8 (cp, (char *) bytes);
    check_everywhere (bytes, n, round++);
  }
}

/* A random text of valid characters of every length, with now and then a stray byte or a
 * character cut short. */
static gsize
random_text (GRand *rand, unsigned char *text, gsize size)
{
  static const guint32 ranges[][2] = { { 0x00, 0x7F }, { 0x80, 0x7FF }, { 0x800, 0xD7FF }, { 0xE000, 0xFFFF },
    { 0x10000, 0x10FFFF } };
  gsize length = 0, target = g_rand_int_range (rand, 0, size - 4);
  gboolean clean = g_rand_boolean (rand);

  while (length < target) {
    guint kind = g_rand_int_range (rand, 0, clean ? 100 : 104);
    if (kind < 100) {
      const guint32 *range = ranges[kind < 40 ? 0 : kind % 5];
      length += g_unichar_to_utf8 (g_rand_int_range (rand, range[0], range[1] + 1), (char *) text + length);
    } else if (kind < 102) {
      text[length++] = g_rand_int_range (rand, 0, 256);
    } else {
      char utf8[6];
      guint n = g_unichar_to_utf8 (g_rand_int_range (rand, 0x800, 0x110000), utf8);
      guint keep = g_rand_int_range (rand, 1, n);
      memcpy (text + length, utf8, keep);
      length += keep;
    }
  }
  return length;
}

static void
test_random_texts (void)
{
  GRand *rand = g_rand_new_with_seed (20261207);
  unsigned char text[400];
  guint valid = 0, texts = 30000;

  for (guint i = 0; i < texts; i++) {
    gsize length = random_text (rand, text, sizeof text);
    check_text (text, length);
    valid += decoder_says_valid (text, length);
  }
  /* both kinds must be common, or the comparison above proves little */
  g_assert_cmpuint (valid, >, texts / 3);
  g_assert_cmpuint (valid, <, texts * 9 / 10);
  g_rand_free (rand);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_message ("the fastest path on this CPU: %s", path_names[bert_utf8_fastest_path ()]);
  g_test_add_func ("/utf8/every-short-sequence", test_every_short_sequence);
  g_test_add_func ("/utf8/four-byte-sequences", test_four_byte_sequences);
  g_test_add_func ("/utf8/random-texts", test_random_texts);
  return g_test_run ();
}
