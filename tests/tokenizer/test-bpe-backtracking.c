/* test-bpe-backtracking: the backtracking encoder of short byte-level words against the
 * merge loop, and the vocabularies where loading must leave it off.
 *
 * The vocabularies are made in memory: the 256 bytes' byte-level characters (ids 0 to 255
 * by byte), then the tokens of the merges, ranked in their order.
 */
#include "bert_normalized.h"
#include "bert_subword.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
  const char *left, *right; /* raw bytes */
} Merge;

typedef struct {
  BertVocab vocab;
  BertBpe bpe;
} MemoryBpe;

static void
append_byte_level (GString *out, const char *bytes)
{
  for (const char *at = bytes; *at; at++) {
    char utf8[4];
    g_string_append_len (out, utf8, bert_utf8_put (bert_byte_level_char ((unsigned char) *at), utf8));
  }
}

/* The id of the token spelling bytes: the byte's for one byte, else a new one if none. */
static int32_t
token_id (GHashTable *ids, GPtrArray *spellings, const char *bytes)
{
  gpointer id;
  if (bytes[1] == 0)
    return (unsigned char) bytes[0];
  if (g_hash_table_lookup_extended (ids, bytes, NULL, &id))
    return GPOINTER_TO_INT (id);
  g_ptr_array_add (spellings, g_strdup (bytes));
  g_hash_table_insert (ids, g_strdup (bytes), GINT_TO_POINTER (255 + spellings->len));
  return 255 + (int32_t) spellings->len;
}

static void
memory_bpe_init (MemoryBpe *memory, const Merge *merges, guint n_merges, const char *prefix)
{
  GHashTable *ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GPtrArray *spellings = g_ptr_array_new_with_free_func (g_free); /* of ids from 256 */
  int32_t *merge_ids = g_new (int32_t, 3 * (gsize) n_merges + 1);
  GString *name = g_string_new (NULL);

  for (guint i = 0; i < n_merges; i++) {
    char *merged = g_strconcat (merges[i].left, merges[i].right, NULL);
    merge_ids[3 * i] = token_id (ids, spellings, merges[i].left);
    merge_ids[3 * i + 1] = token_id (ids, spellings, merges[i].right);
    merge_ids[3 * i + 2] = token_id (ids, spellings, merged);
    g_free (merged);
  }
  uint32_t n_ids = 256 + spellings->len;
  bert_vocab_init (&memory->vocab, n_ids, NULL, 0);
  for (uint32_t id = 0; id < n_ids; id++) {
    g_string_truncate (name, 0);
    if (id < 256) {
      char utf8[4];
      g_string_append_len (name, utf8, bert_utf8_put (bert_byte_level_char ((unsigned char) id), utf8));
    } else {
      append_byte_level (name, g_ptr_array_index (spellings, id - 256));
    }
    bert_vocab_insert (&memory->vocab, (int32_t) id, name->str, name->len);
  }
  bert_bpe_init (&memory->bpe, n_ids, n_merges);
  memory->bpe.prefix = g_strdup (prefix);
  bert_bpe_finish (&memory->bpe, &memory->vocab);
  for (guint i = 0; i < n_merges; i++)
    bert_bpe_add_merge (&memory->bpe, merge_ids[3 * i], merge_ids[3 * i + 1], i, merge_ids[3 * i + 2]);
  bert_bpe_prepare_backtracking (&memory->bpe);
  g_string_free (name, TRUE);
  g_free (merge_ids);
  g_ptr_array_free (spellings, TRUE);
  g_hash_table_destroy (ids);
}

static void
memory_bpe_clear (MemoryBpe *memory)
{
  bert_bpe_clear (&memory->bpe);
  bert_vocab_clear (&memory->vocab);
}

/* The word's pieces as "id:start:end ...", by whichever encoder the BPE holds. */
static char *
encode (const MemoryBpe *memory, const char *word, uint32_t length)
{
  GArray *pieces = g_array_new (FALSE, FALSE, sizeof (BertPiece));
  BertBpeScratch scratch;
  GString *out = g_string_new (NULL);

  bert_bpe_scratch_init (&scratch);
  g_assert_true (bert_bpe_encode_byte_level (&memory->bpe, word, length, pieces, &scratch));
  for (guint i = 0; i < pieces->len; i++) {
    const BertPiece *piece = &g_array_index (pieces, BertPiece, i);
    g_string_append_printf (out, "%s%d:%u:%u", i ? " " : "", piece->id, piece->start, piece->end);
  }
  bert_bpe_scratch_clear (&scratch);
  g_array_free (pieces, TRUE);
  return g_string_free (out, FALSE);
}

/* The merge loop's pieces, with the backtracking encoder set aside. */
static char *
encode_by_merges (MemoryBpe *memory, const char *word, uint32_t length)
{
  BertBpeBacktrack *backtrack = memory->bpe.backtrack;
  memory->bpe.backtrack = NULL;
  char *pieces = encode (memory, word, length);
  memory->bpe.backtrack = backtrack;
  return pieces;
}

/* Merges as a trainer makes them: each of two tokens over a few letters (runs of one letter
 * included, where leftmost-first decides), whose bytes together the merges so far encode as
 * exactly those two, into a token not made before. */
static GArray *
train_merges (GRand *rand, GPtrArray *strings, guint n_merges)
{
  static const char *letters[] = { "a", "b", "c", " ", "\xc3", "\xa9" };
  GArray *merges = g_array_new (FALSE, FALSE, sizeof (Merge));
  GPtrArray *tokens = g_ptr_array_new ();
  GHashTable *made = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < G_N_ELEMENTS (letters); i++)
    g_ptr_array_add (tokens, (gpointer) letters[i]);
  while (merges->len < n_merges) {
    const char *left = g_ptr_array_index (tokens, g_rand_int_range (rand, 0, (gint32) tokens->len));
    const char *right = g_ptr_array_index (tokens, g_rand_int_range (rand, 0, (gint32) tokens->len));
    char *merged = g_strconcat (left, right, NULL);
    if (strlen (merged) > 10 || g_hash_table_contains (made, merged)) {
      g_free (merged);
      continue;
    }
    MemoryBpe memory;
    memory_bpe_init (&memory, (const Merge *) merges->data, merges->len, NULL);
    char *pieces = encode_by_merges (&memory, merged, strlen (merged));
    char *left_pieces = encode_by_merges (&memory, left, strlen (left));
    char *right_pieces = encode_by_merges (&memory, right, strlen (right));
    /* Exactly the two tokens (each one piece, as every token encodes to itself). */
    int right_id = atoi (right_pieces);
    char *two_pieces =
        g_strdup_printf ("%s %d:%zu:%zu", left_pieces, right_id, strlen (left), strlen (merged));
    gboolean two = strcmp (pieces, two_pieces) == 0;
    g_free (two_pieces);
    if (two) {
      g_ptr_array_add (strings, merged);
      g_ptr_array_add (tokens, merged);
      g_hash_table_add (made, merged);
      Merge merge = { left, right };
      g_array_append_val (merges, merge);
    } else {
      g_free (merged);
    }
    g_free (pieces);
    g_free (left_pieces);
    g_free (right_pieces);
    memory_bpe_clear (&memory);
  }
  g_hash_table_destroy (made);
  g_ptr_array_free (tokens, TRUE);
  return merges;
}

/* A trained vocabulary takes the backtracking encoder, which gives the merge loop's pieces
 * for every word: random words over the same letters, of 1 to 300 bytes (the encoder takes
 * up to 255, the merge loop's arrays up to 48, its heap longer ones). */
static void
test_backtracking_agrees_with_merges (void)
{
  static const char letters[] = "abc \xc3\xa9";
  GRand *rand = g_rand_new_with_seed (15);
  GPtrArray *strings = g_ptr_array_new_with_free_func (g_free);
  GArray *merges = train_merges (rand, strings, 120);
  MemoryBpe memory;
  char word[300];

  memory_bpe_init (&memory, (const Merge *) merges->data, merges->len, NULL);
  g_assert_nonnull (memory.bpe.backtrack);
  for (guint n = 0; n < 20000; n++) {
    uint32_t length = (uint32_t) g_rand_int_range (rand, 1, n % 4 ? 49 : 301);
    for (uint32_t i = 0; i < length; i++)
      word[i] = letters[g_rand_int_range (rand, 0, sizeof letters - 1)];
    char *expected = encode_by_merges (&memory, word, length), *got = encode (&memory, word, length);
    g_assert_cmpstr (got, ==, expected);
    g_free (expected);
    g_free (got);
  }
  memory_bpe_clear (&memory);
  g_array_free (merges, TRUE);
  g_ptr_array_free (strings, TRUE);
  g_rand_free (rand);
}

/* Runs of one byte, where leftmost-first decides every merge, with tokens of 2 to 128 bytes
 * (each merge doubles the one before) and one of 192: runs of up to 300 bytes, longer than
 * the encoder takes, as the merge loop encodes them. */
static void
test_long_tokens_agree_with_merges (void)
{
  Merge merges[8];
  char *runs[8];
  MemoryBpe memory;
  char word[300];

  for (int i = 0; i < 8; i++) {
    runs[i] = g_strnfill (1u << i, 'a');
    merges[i] = (Merge){ runs[i], runs[i] };
  }
  merges[7] = (Merge){ runs[7], runs[6] }; /* 128 + 64 bytes */
  memory_bpe_init (&memory, merges, 8, NULL);
  g_assert_nonnull (memory.bpe.backtrack);
  memset (word, 'a', sizeof word);
  for (uint32_t length = 1; length <= sizeof word; length++) {
    char *expected = encode_by_merges (&memory, word, length), *got = encode (&memory, word, length);
    g_assert_cmpstr (got, ==, expected);
    g_free (expected);
    g_free (got);
  }
  memory_bpe_clear (&memory);
  for (int i = 0; i < 8; i++)
    g_free (runs[i]);
}

/* Every token the third byte of "y x c0 c1 ..." starts with (c0, c0 c1, ...: 253 bytes
 * other than x and y) fails its pair check with "yx", as "x c0" merges first, and each
 * check undoes its token's merges one by one: steps quadratic in the word. The encoder
 * gives up after its budget and the merge loop answers; the trained vocabulary's words of
 * 255 bytes stay within the budget. */
static void
test_budget_bounds_crafted_words (void)
{
  enum {
    CHAIN = 253
  };
  char word[CHAIN + 2] = { 'y', 'x' }, *chain = word + 2;
  GPtrArray *strings = g_ptr_array_new_with_free_func (g_free);
  Merge merges[CHAIN + 1];
  MemoryBpe memory;

  for (int k = 0; k < CHAIN; k++)
    chain[k] = (char) (1 + k + (1 + k >= 'x' ? 2 : 0));
  for (int k = 0; k < CHAIN; k++)
    g_ptr_array_add (strings, g_strndup (chain, k + 1));
  merges[0] = (Merge){ "x", g_ptr_array_index (strings, 0) };
  merges[1] = (Merge){ "y", "x" };
  for (int k = 1; k < CHAIN; k++) {
    g_ptr_array_add (strings, g_strndup (chain + k, 1));
    merges[k + 1] =
        (Merge){ g_ptr_array_index (strings, k - 1), g_ptr_array_index (strings, strings->len - 1) };
  }
  memory_bpe_init (&memory, merges, G_N_ELEMENTS (merges), NULL);
  g_assert_nonnull (memory.bpe.backtrack);
  GArray *pieces = g_array_new (FALSE, FALSE, sizeof (BertPiece));
  g_assert_false (bert_bpe_encode_backtracking (&memory.bpe, word, sizeof word, pieces));
  g_assert_cmpuint (pieces->len, ==, 0);
  char *expected = encode_by_merges (&memory, word, sizeof word), *got = encode (&memory, word, sizeof word);
  g_assert_cmpstr (got, ==, expected);
  g_free (expected);
  g_free (got);
  memory_bpe_clear (&memory);
  g_ptr_array_free (strings, TRUE);

  static const char letters[] = "abc \xc3\xa9";
  GRand *rand = g_rand_new_with_seed (15);
  strings = g_ptr_array_new_with_free_func (g_free);
  GArray *trained = train_merges (rand, strings, 120);
  memory_bpe_init (&memory, (const Merge *) trained->data, trained->len, NULL);
  for (guint n = 0; n < 2000; n++) {
    for (guint i = 0; i < sizeof word; i++)
      word[i] = letters[g_rand_int_range (rand, 0, sizeof letters - 1)];
    g_array_set_size (pieces, 0);
    g_assert_true (bert_bpe_encode_backtracking (&memory.bpe, word, sizeof word, pieces));
  }
  memory_bpe_clear (&memory);
  g_array_free (trained, TRUE);
  g_ptr_array_free (strings, TRUE);
  g_rand_free (rand);
  g_array_free (pieces, TRUE);
}

/* Where the vocabulary breaks a condition of the backtracking encoder, loading leaves it
 * off and the merge loop encodes, as Hugging Face does. */
static void
test_fallback_where_conditions_fail (void)
{
  /* "abc" does not encode to itself: "bc" merges first, and nothing merges "a" "bc". A
   * longest-token search would give "abc". */
  static const Merge not_itself[] = { { "b", "c" }, { "a", "b" }, { "ab", "c" } };
  /* "abc" made by two merges. */
  static const Merge made_twice[] = { { "a", "b" }, { "b", "c" }, { "ab", "c" }, { "a", "bc" } };
  /* "abcd" made from "cd" before "cd" is made. */
  static const Merge part_later[] = { { "a", "b" }, { "ab", "cd" }, { "c", "d" } };
  MemoryBpe memory;

  memory_bpe_init (&memory, not_itself, G_N_ELEMENTS (not_itself), NULL);
  g_assert_null (memory.bpe.backtrack);
  char *pieces = encode (&memory, "abc", 3);
  g_assert_cmpstr (pieces, ==, "97:0:1 256:1:3"); /* "a", "bc" */
  g_free (pieces);
  memory_bpe_clear (&memory);

  memory_bpe_init (&memory, made_twice, G_N_ELEMENTS (made_twice), NULL);
  g_assert_null (memory.bpe.backtrack);
  pieces = encode (&memory, "abcabc", 6);
  g_assert_cmpstr (pieces, ==, "258:0:3 258:3:6");
  g_free (pieces);
  memory_bpe_clear (&memory);

  memory_bpe_init (&memory, part_later, G_N_ELEMENTS (part_later), NULL);
  g_assert_null (memory.bpe.backtrack);
  pieces = encode (&memory, "abcd", 4);
  g_assert_cmpstr (pieces, ==, "258:0:4");
  g_free (pieces);
  memory_bpe_clear (&memory);

  /* A byte's token depends on its place in the word. */
  static const Merge plain[] = { { "a", "b" } };
  memory_bpe_init (&memory, plain, G_N_ELEMENTS (plain), "##");
  g_assert_null (memory.bpe.backtrack);
  memory_bpe_clear (&memory);
  memory_bpe_init (&memory, plain, G_N_ELEMENTS (plain), NULL);
  g_assert_nonnull (memory.bpe.backtrack);
  memory_bpe_clear (&memory);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/bpe-backtracking/agrees-with-merges", test_backtracking_agrees_with_merges);
  g_test_add_func ("/bpe-backtracking/long-tokens", test_long_tokens_agree_with_merges);
  g_test_add_func ("/bpe-backtracking/fallback", test_fallback_where_conditions_fail);
  g_test_add_func ("/bpe-backtracking/budget", test_budget_bounds_crafted_words);
  return g_test_run ();
}
