/* bert_utf8_valid.c: see bert_utf8_valid.h. */
#include "bert_utf8_valid.h"

#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define BERT_HAVE_AVX2_UTF8 1
#include <immintrin.h>
#else
#define BERT_HAVE_AVX2_UTF8 0
#endif

/* ---- the portable DFA ---- */

/* UTF-8 validity (RFC 3629) as a DFA whose state is a shift: row[byte] holds, at bits
 * [state, state + 6), the state after byte (a multiple of 6), so a byte costs one table read
 * and no branch, whatever the mix of scripts. */
enum {
  UTF8_ACCEPT = 0,
  UTF8_REJECT = 6,
  UTF8_TAIL1 = 12, /* one continuation byte left */
  UTF8_TAIL2 = 18,
  UTF8_TAIL3 = 24,
  UTF8_AFTER_E0 = 30, /* A0..BF next: no overlong three-byte form */
  UTF8_AFTER_ED = 36, /* 80..9F next: no surrogate */
  UTF8_AFTER_F0 = 42, /* 90..BF next: no overlong four-byte form */
  UTF8_AFTER_F4 = 48  /* 80..8F next: nothing past U+10FFFF */
};

static uint64_t utf8_rows[256];

static void
utf8_set (uint32_t state, unsigned first, unsigned last, uint32_t next)
{
  for (unsigned byte = first; byte <= last; byte++)
    utf8_rows[byte] = (utf8_rows[byte] & ~(63ull << state)) | (uint64_t) next << state;
}

static const uint64_t *
utf8_dfa (void)
{
  static gsize ready = 0;
  if (g_once_init_enter (&ready)) {
    for (unsigned byte = 0; byte < 256; byte++) /* every state rejects unless set below */
      for (uint32_t state = 0; state <= UTF8_AFTER_F4; state += 6)
        utf8_set (state, byte, byte, UTF8_REJECT);
    utf8_set (UTF8_ACCEPT, 0x00, 0x7F, UTF8_ACCEPT);
    utf8_set (UTF8_ACCEPT, 0xC2, 0xDF, UTF8_TAIL1);
    utf8_set (UTF8_ACCEPT, 0xE0, 0xE0, UTF8_AFTER_E0);
    utf8_set (UTF8_ACCEPT, 0xE1, 0xEC, UTF8_TAIL2);
    utf8_set (UTF8_ACCEPT, 0xED, 0xED, UTF8_AFTER_ED);
    utf8_set (UTF8_ACCEPT, 0xEE, 0xEF, UTF8_TAIL2);
    utf8_set (UTF8_ACCEPT, 0xF0, 0xF0, UTF8_AFTER_F0);
    utf8_set (UTF8_ACCEPT, 0xF1, 0xF3, UTF8_TAIL3);
    utf8_set (UTF8_ACCEPT, 0xF4, 0xF4, UTF8_AFTER_F4);
    utf8_set (UTF8_TAIL1, 0x80, 0xBF, UTF8_ACCEPT);
    utf8_set (UTF8_TAIL2, 0x80, 0xBF, UTF8_TAIL1);
    utf8_set (UTF8_TAIL3, 0x80, 0xBF, UTF8_TAIL2);
    utf8_set (UTF8_AFTER_E0, 0xA0, 0xBF, UTF8_TAIL1);
    utf8_set (UTF8_AFTER_ED, 0x80, 0x9F, UTF8_TAIL1);
    utf8_set (UTF8_AFTER_F0, 0x90, 0xBF, UTF8_TAIL2);
    utf8_set (UTF8_AFTER_F4, 0x80, 0x8F, UTF8_TAIL2);
    g_once_init_leave (&ready, 1);
  }
  return utf8_rows;
}

/* Eight ASCII bytes at a time between characters, the others through the DFA. */
static gboolean
is_valid_portable (const char *text, gsize length)
{
  const unsigned char *bytes = (const unsigned char *) text;
  const uint64_t *rows = utf8_dfa ();
  uint64_t state = UTF8_ACCEPT;
  gsize at = 0;

  while (at + 8 <= length) {
    uint64_t word;
    memcpy (&word, bytes + at, 8);
    if (state == UTF8_ACCEPT && (word & 0x8080808080808080ull) == 0) {
      at += 8;
      continue;
    }
    for (gsize end = at + 8; at < end; at++)
      state = rows[bytes[at]] >> state & 63;
    if (state == UTF8_REJECT)
      return FALSE;
  }
  for (; at < length; at++)
    state = rows[bytes[at]] >> state & 63;
  return state == UTF8_ACCEPT;
}

/* ---- 32 bytes a step ---- */

#if BERT_HAVE_AVX2_UTF8
/* Keiser and Lemire's check ("Validating UTF-8 in less than one instruction per byte", 2021):
 * each byte and the one before it are classified by three table lookups, on the first
 * byte's high and low nibbles and the second byte's high nibble. Each bit names one error
 * that the pair shows only if all three lookups hold that bit, so the AND of the three is
 * non-zero exactly where a pair of bytes is ill-formed. A continuation byte after another
 * (TWO_CONTS) must be the third or fourth byte of a character, and only there: the byte
 * two before it is then at least E0, or the byte three before at least F0. */
enum {
  TOO_SHORT = 1 << 0,      /* a lead byte, then no continuation: 11______ 0_______ or 11______ 11______ */
  TOO_LONG = 1 << 1,       /* a continuation after ASCII: 0_______ 10______ */
  OVERLONG_3 = 1 << 2,     /* 11100000 100_____ */
  TOO_LARGE = 1 << 3,      /* 11110100 to 11111111, then 1001____ or 101_____ */
  SURROGATE = 1 << 4,      /* 11101101 101_____ */
  OVERLONG_2 = 1 << 5,     /* 1100000_ 10______ */
  TOO_LARGE_1000 = 1 << 6, /* 11110101 to 11111111, then 1000____ */
  OVERLONG_4 = 1 << 6,     /* 11110000 1000____: the same bit, as only F0 and F5 to FF tell them apart */
  TWO_CONTS = 1 << 7,      /* 10______ 10______ */
  CARRY = TOO_SHORT | TOO_LONG | TWO_CONTS /* what the first byte's high nibble alone decides */
};

#define AVX2 __attribute__ ((target ("avx2")))

/* The three lookups' tables, indexed by a nibble. */
static const uint8_t first_high[16] = {
  /* 0_______: ASCII */
  TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG,
  /* 10______: a continuation */
  TWO_CONTS, TWO_CONTS, TWO_CONTS, TWO_CONTS,
  /* 1100____, 1101____: two-byte leads */
  TOO_SHORT | OVERLONG_2, TOO_SHORT,
  /* 1110____: three-byte leads */
  TOO_SHORT | OVERLONG_3 | SURROGATE,
  /* 1111____: four-byte leads, and bytes that never occur */
  TOO_SHORT | TOO_LARGE | TOO_LARGE_1000 | OVERLONG_4
};
static const uint8_t first_low[16] = {
  /* ____0000 */ CARRY | OVERLONG_3 | OVERLONG_2 | OVERLONG_4,
  /* ____0001 */ CARRY | OVERLONG_2,
  /* ____001_ */ CARRY, CARRY,
  /* ____0100 */ CARRY | TOO_LARGE,
  /* ____0101 to ____1100 */
  CARRY | TOO_LARGE | TOO_LARGE_1000, CARRY | TOO_LARGE | TOO_LARGE_1000, CARRY | TOO_LARGE | TOO_LARGE_1000,
  CARRY | TOO_LARGE | TOO_LARGE_1000, CARRY | TOO_LARGE | TOO_LARGE_1000, CARRY | TOO_LARGE | TOO_LARGE_1000,
  CARRY | TOO_LARGE | TOO_LARGE_1000, CARRY | TOO_LARGE | TOO_LARGE_1000,
  /* ____1101 */ CARRY | TOO_LARGE | TOO_LARGE_1000 | SURROGATE,
  /* ____111_ */ CARRY | TOO_LARGE | TOO_LARGE_1000, CARRY | TOO_LARGE | TOO_LARGE_1000
};
static const uint8_t second_high[16] = {
  /* 0_______: ASCII */
  TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT,
  /* 1000____ */ TOO_LONG | OVERLONG_2 | TWO_CONTS | OVERLONG_3 | TOO_LARGE_1000 | OVERLONG_4,
  /* 1001____ */ TOO_LONG | OVERLONG_2 | TWO_CONTS | OVERLONG_3 | TOO_LARGE,
  /* 101_____ */ TOO_LONG | OVERLONG_2 | TWO_CONTS | SURROGATE | TOO_LARGE,
  TOO_LONG | OVERLONG_2 | TWO_CONTS | SURROGATE | TOO_LARGE,
  /* 11______: a lead byte */
  TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT
};

/* A table's 16 entries in both 128-bit lanes (vpshufb looks up per lane). */
AVX2 static inline __m256i
nibble_table (const uint8_t *table)
{
  return _mm256_broadcastsi128_si256 (_mm_loadu_si128 ((const __m128i *) table));
}

/* The bytes of input shifted later by k (1 to 3), the first k taken from the end of prev. */
#define PREVIOUS(input, prev, k)                                                                             \
  _mm256_alignr_epi8 ((input), _mm256_permute2x128_si256 ((prev), (input), 0x21), 16 - (k))

AVX2 static inline __m256i
low_nibbles (__m256i bytes)
{
  return _mm256_and_si256 (bytes, _mm256_set1_epi8 (0x0F));
}

AVX2 static inline __m256i
high_nibbles (__m256i bytes)
{
  return low_nibbles (_mm256_srli_epi16 (bytes, 4));
}

/* Non-zero bytes where input, after prev (the 32 bytes before it), is ill-formed. */
AVX2 static inline __m256i
block_errors (__m256i input, __m256i prev)
{
  __m256i prev1 = PREVIOUS (input, prev, 1);
  __m256i by_first_high = _mm256_shuffle_epi8 (nibble_table (first_high), high_nibbles (prev1));
  __m256i by_first_low = _mm256_shuffle_epi8 (nibble_table (first_low), low_nibbles (prev1));
  __m256i by_second_high = _mm256_shuffle_epi8 (nibble_table (second_high), high_nibbles (input));
  __m256i pairs = _mm256_and_si256 (_mm256_and_si256 (by_first_high, by_first_low), by_second_high);
  /* 0x80 where the byte two before is E0 or more, or the byte three before F0 or more */
  __m256i third = _mm256_subs_epu8 (PREVIOUS (input, prev, 2), _mm256_set1_epi8 ((char) (0xE0 - 0x80)));
  __m256i fourth = _mm256_subs_epu8 (PREVIOUS (input, prev, 3), _mm256_set1_epi8 ((char) (0xF0 - 0x80)));
  __m256i must_continue = _mm256_and_si256 (_mm256_or_si256 (third, fourth), _mm256_set1_epi8 ((char) 0x80));
  return _mm256_xor_si256 (must_continue, pairs);
}

/* The blocks of 32 bytes that the text fills, after a block of zeros; returns the errors
 * found, and in *prev the last block. */
AVX2 static inline __attribute__ ((always_inline)) __m256i
full_blocks_errors (const unsigned char *bytes, gsize length, __m256i *prev)
{
  __m256i errors = _mm256_setzero_si256 ();

  *prev = _mm256_setzero_si256 ();
  for (gsize at = 0; at + 32 <= length; at += 32) {
    __m256i input = _mm256_loadu_si256 ((const __m256i *) (bytes + at));
    errors = _mm256_or_si256 (errors, block_errors (input, *prev));
    *prev = input;
  }
  return errors;
}

/* The text's last bytes (fewer than 32) go in a block padded with zeros (ASCII), which
 * also shows a character cut short at the end: its lead byte or its continuations meet a
 * NUL. Copied to a buffer here; with AVX-512 a masked load pads them (below), which saves
 * the copy's call on the short texts a stream of captions is made of. */
AVX2 static gboolean
is_valid_avx2 (const unsigned char *bytes, gsize length)
{
  __m256i prev, errors = full_blocks_errors (bytes, length, &prev);
  gsize at = length / 32 * 32;
  unsigned char last[32] = { 0 };

  memcpy (last, bytes + at, length - at);
  errors = _mm256_or_si256 (errors, block_errors (_mm256_loadu_si256 ((const __m256i *) last), prev));
  return _mm256_testz_si256 (errors, errors);
}

__attribute__ ((target ("avx2,avx512bw,avx512vl"))) static gboolean
is_valid_avx512 (const unsigned char *bytes, gsize length)
{
  __m256i prev, errors = full_blocks_errors (bytes, length, &prev);
  gsize at = length / 32 * 32;
  __m256i last = _mm256_maskz_loadu_epi8 ((__mmask32) ((1ull << (length - at)) - 1), bytes + at);

  errors = _mm256_or_si256 (errors, block_errors (last, prev));
  return _mm256_testz_si256 (errors, errors);
}
#endif

BertUtf8Path
bert_utf8_fastest_path (void)
{
#if BERT_HAVE_AVX2_UTF8
  if (__builtin_cpu_supports ("avx512bw") && __builtin_cpu_supports ("avx512vl"))
    return BERT_UTF8_AVX512;
  if (__builtin_cpu_supports ("avx2"))
    return BERT_UTF8_AVX2;
#endif
  return BERT_UTF8_PORTABLE;
}

gboolean
bert_utf8_is_valid_on (BertUtf8Path path, const char *text, gsize length)
{
  switch (path) {
#if BERT_HAVE_AVX2_UTF8
    case BERT_UTF8_AVX512: return is_valid_avx512 ((const unsigned char *) text, length);
    case BERT_UTF8_AVX2: return is_valid_avx2 ((const unsigned char *) text, length);
#endif
    default: return is_valid_portable (text, length);
  }
}

gboolean
bert_utf8_is_valid (const char *text, gsize length)
{
  static gsize fastest = 0; /* no path is 0 */

  if (g_once_init_enter (&fastest))
    g_once_init_leave (&fastest, bert_utf8_fastest_path ());
  return bert_utf8_is_valid_on ((BertUtf8Path) fastest, text, length);
}
