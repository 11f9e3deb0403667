/* bert_char_set.h: a set of characters, and a scan of UTF-8 text for any of them.
 *
 * The encoders keep one per tokenizer with normalized added tokens: the characters of raw
 * text from which the normaliser may make the first character of such a token's pattern
 * (bert_added_triggers.h). Text holding none of them cannot hold a match once normalised,
 * and is encoded as if the tokenizer had no normalized token, at that path's speed.
 */
#ifndef BERT_CHAR_SET_H
#define BERT_CHAR_SET_H

#include <glib.h>
#include <stdint.h>

/* What a byte of text says about the character it starts. */
enum {
  BERT_CHAR_SET_NONE, /* it is in no member */
  BERT_CHAR_SET_ALL,  /* every character it starts is a member (or the text is ill-formed there) */
  BERT_CHAR_SET_SOME  /* some: the character is looked up */
};

/* Sixteen bytes, compared lane by lane (GCC's vector extension: one instruction on SSE2
 * and NEON, plain code elsewhere). */
typedef unsigned char BertBytes16 __attribute__ ((vector_size (16)));

typedef struct {
  gboolean everything; /* every text may hold a member */
  uint8_t lead[256];   /* per byte: BERT_CHAR_SET_NONE, _ALL or _SOME */
  uint32_t *members;   /* the characters of several bytes behind a _SOME byte, sorted */
  guint n_members;
  /* the bytes that are not _NONE, where at most 4, each repeated over 16 lanes for the scan
   * (then the first again where fewer) */
  BertBytes16 scan_lanes[4];
  guint n_scan_bytes; /* 5: more, scanned byte by byte */
  uint64_t *building; /* until bert_char_set_finish: one bit per code point */
} BertCharSet;

/* An empty set, being built. */
void bert_char_set_init (BertCharSet *set);
void bert_char_set_add (BertCharSet *set, uint32_t cp);
/* Adds every character whose UTF-8 starts with byte (a key of a charsmap that ends inside
 * a character matches all of them). */
void bert_char_set_add_lead (BertCharSet *set, unsigned char byte);
/* While building: whether cp is a member, and whether text[0, length) holds one (or is
 * not UTF-8, and so might). */
gboolean bert_char_set_has (const BertCharSet *set, uint32_t cp);
gboolean bert_char_set_has_any (const BertCharSet *set, const char *text, gsize length);
/* Ends the building: the set then answers bert_char_set_find. */
void bert_char_set_finish (BertCharSet *set);
void bert_char_set_clear (BertCharSet *set);

/* Whether text[start, end) holds a member; TRUE also where it is ill-formed UTF-8 at a
 * byte that may start one (WordPiece reads raw text, where such bytes are U+FFFD). */
gboolean bert_char_set_find (const BertCharSet *set, const char *text, gsize start, gsize end);

#endif
