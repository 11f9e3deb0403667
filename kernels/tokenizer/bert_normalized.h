/* bert_normalized.h: a normalised string that remembers, per byte, the span of the input it
 * came from, as Hugging Face tokenizers' NormalizedString does.
 *
 * The Unigram, byte-level BPE and WordPiece pipelines apply normalisers (Precompiled, Replace,
 * Strip, Lowercase, Prepend, NFD, StripAccents, BertNormalizer) and pre-tokenizers (Metaspace, ByteLevel) one after the other. A
 * string may start as a view of the input (no copy, no spans stored); a rewrite that keeps
 * every character's byte length (case folding, mostly) patches a copy and still stores no
 * spans, any other builds a string of its own with a span per byte. Every rewrite goes
 * through the reference's transform rules (each new character replaces the next old one,
 * is inserted after it, or replaces it and removes some that follow), so offsets come out
 * exactly as the reference's, quirks included.
 */
#ifndef BERT_NORMALIZED_H
#define BERT_NORMALIZED_H

#include <glib.h>
#include <stdint.h>

typedef struct {
  uint32_t start, end;
} BertSpan;

typedef struct {
  const char *text; /* UTF-8, not NUL-terminated: in owned_text, or a view of the input */
  /* per byte of text: the input bytes it came from; NULL when each character came from its
   * own bytes of the input, shifted by view_start (a view, or a patched copy of one) */
  BertSpan *align;
  uint32_t length;
  uint32_t view_start; /* align NULL: the input offset of text[0] */
  char *owned_text;
  BertSpan *owned_align;
  uint32_t capacity;

  /* the string being built by a transform, swapped in at its end */
  char *next_text;
  BertSpan *next_align;
  uint32_t next_length, next_capacity;
  uint32_t cursor;                   /* transform: byte of text whose character comes next */
  GArray *match_starts, *match_ends; /* the matches of a replace, kept across calls */
  GArray *marks;                     /* NFD's run of combining marks being reordered */
} BertNormalized;

void bert_normalized_init (BertNormalized *normalized);
void bert_normalized_clear (BertNormalized *normalized);

/* Starts from text[start, end) (valid UTF-8), each character aligned to its own bytes. */
void bert_normalized_set (BertNormalized *normalized, const char *text, uint32_t start, uint32_t end);
/* The same, as a view of text that copies nothing until a rewrite: most text comes out of
 * the normalisers unchanged, and is then read where it lies. text must outlive the view. */
void bert_normalized_view (BertNormalized *normalized, const char *text, uint32_t start, uint32_t end);

/* normalized's bytes [start, end) (whole characters, non-empty) with their spans, as
 * NormalizedString::slice: a view of normalized's text where it stores no spans, so
 * normalized must outlive it unchanged. */
void bert_normalized_slice (BertNormalized *slice, const BertNormalized *normalized, uint32_t start,
    uint32_t end);

/* A rewrite in place: begin returns a copy of the text (length bytes) to overwrite, where
 * every new character must have the byte length of the one it replaces; end makes it the
 * text, every byte keeping its span. */
char *bert_normalized_patch_begin (BertNormalized *normalized);
void bert_normalized_patch_end (BertNormalized *normalized);

/* A transform: begin, one add per new character, end. change is the reference's: 0 replaces
 * the next old character, 1 inserts after it, -n replaces it and removes n more. */
void bert_normalized_begin (BertNormalized *normalized, uint32_t initial_removed_chars);
void bert_normalized_add (BertNormalized *normalized, uint32_t cp, int change);
/* In a transform: the next bytes (whole characters) kept as they are, alignment included. */
void bert_normalized_keep (BertNormalized *normalized, uint32_t bytes);
void bert_normalized_end (BertNormalized *normalized);

/* Replaces every match [starts[i], ends[i]) (normalised bytes, in order, disjoint) with
 * content, as NormalizedString::replace does. */
void bert_normalized_replace_ranges (BertNormalized *normalized, const uint32_t *starts, const uint32_t *ends,
    guint n_matches, const char *content);
/* Replaces every occurrence of pattern (non-empty), left to right. */
void bert_normalized_replace_string (BertNormalized *normalized, const char *pattern, const char *content);
/* Replaces every run of at least min_count consecutive c (ASCII) with content: the regex
 * "c{n,}" of the XLM-R converter's Replace(" {2,}"). */
void bert_normalized_replace_runs (BertNormalized *normalized, char c, guint min_count, const char *content);
/* Replaces, left to right, every run of two or more White_Space characters and every lone
 * tab, newline or carriage return with content: the regex "\s{2,}|[\n\r\t]" (Oniguruma's \s
 * is White_Space) of transformers 5's CamemBERT, BARThez and DeBERTa-v2 without a charsmap. */
void bert_normalized_replace_space_runs (BertNormalized *normalized, const char *content);
void bert_normalized_prepend (BertNormalized *normalized, const char *prefix);
/* Removes leading and/or trailing White_Space characters. */
void bert_normalized_strip (BertNormalized *normalized, gboolean left, gboolean right);
/* Lowercases every character as Rust's char::to_lowercase does. */
void bert_normalized_lowercase (BertNormalized *normalized);
/* Canonical decomposition (NFD) as the reference's unicode-normalization-alignments does it:
 * each character's decomposition, its first part replacing the character and the others
 * inserted after it; then each run of marks sorted (stably) by combining class, the parts
 * taking their changes with them, so that spans are handed out by position as there. */
void bert_normalized_nfd (BertNormalized *normalized);
/* Removes the combining marks (StripAccents: general category M), as the reference's
 * filter does: every kept character keeps its span. */
void bert_normalized_strip_accents (BertNormalized *normalized);
/* BertNormalizer as a step of a Sequence, as the reference applies it: clean_text (control
 * characters removed, whitespace made ' '), handle_chinese_chars (spaces around CJK
 * ideographs), strip_accents (NFD, then the nonspacing marks removed), lowercase. */
void bert_normalized_bert (BertNormalized *normalized, gboolean clean_text, gboolean handle_chinese_chars,
    gboolean strip_accents, gboolean lowercase);

/* UTF-8 helpers shared by the pipeline's stages (valid input only). */
static inline uint32_t
bert_utf8_length (unsigned char first)
{
  return first < 0x80 ? 1 : first < 0xE0 ? 2 : first < 0xF0 ? 3 : 4;
}

/* The input span of the character holding normalised byte at. */
static inline BertSpan
bert_normalized_at (const BertNormalized *normalized, uint32_t at)
{
  if (normalized->align != NULL)
    return normalized->align[at];
  const unsigned char *text = (const unsigned char *) normalized->text;
  while (at > 0 && (text[at] & 0xC0) == 0x80)
    at--;
  BertSpan span = { normalized->view_start + at, normalized->view_start + at + bert_utf8_length (text[at]) };
  return span;
}

/* The input span of normalised bytes [start, end) (end > start). */
static inline BertSpan
bert_normalized_span (const BertNormalized *normalized, uint32_t start, uint32_t end)
{
  BertSpan span = { bert_normalized_at (normalized, start).start,
    bert_normalized_at (normalized, end - 1).end };
  return span;
}

static inline uint32_t
bert_utf8_get (const char *s, uint32_t *length)
{
  const unsigned char *b = (const unsigned char *) s;
  uint32_t n = bert_utf8_length (b[0]);
  *length = n;
  switch (n) {
    case 1: return b[0];
    case 2: return ((b[0] & 0x1Fu) << 6) | (b[1] & 0x3F);
    case 3: return ((b[0] & 0x0Fu) << 12) | ((b[1] & 0x3Fu) << 6) | (b[2] & 0x3F);
    default: return ((b[0] & 0x07u) << 18) | ((b[1] & 0x3Fu) << 12) | ((b[2] & 0x3Fu) << 6) | (b[3] & 0x3F);
  }
}

static inline uint32_t
bert_utf8_put (uint32_t cp, char *out)
{
  if (cp < 0x80) {
    out[0] = (char) cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (char) (0xC0 | (cp >> 6));
    out[1] = (char) (0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (char) (0xE0 | (cp >> 12));
    out[1] = (char) (0x80 | ((cp >> 6) & 0x3F));
    out[2] = (char) (0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = (char) (0xF0 | (cp >> 18));
  out[1] = (char) (0x80 | ((cp >> 12) & 0x3F));
  out[2] = (char) (0x80 | ((cp >> 6) & 0x3F));
  out[3] = (char) (0x80 | (cp & 0x3F));
  return 4;
}

#endif
