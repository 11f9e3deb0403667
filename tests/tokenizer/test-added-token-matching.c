/* test-added-token-matching: added tokens in numbers, and those Hugging Face cannot match.
 *
 * On the small uncased WordPiece of data/normalized-added/wordpiece-uncased with its added
 * tokens replaced: 20,000 tokens sharing prefixes are matched leftmost-longest as a plain
 * search over them finds them; an added token is never a WordPiece piece (Hugging Face
 * matches it only as an added token: "ZZQXY" is tokenized as if "zzqx" were not added);
 * normalized tokens that share a pattern, or whose pattern is empty, are refused with both
 * named; a content listed twice takes its later entry's flags. Needs nothing outside the
 * repository.
 */
#include "bert_tokenizer.h"
#include "tokenizer_test_support.h"

#include <json-glib/json-glib.h>
#include <string.h>

static const char *data_dir;

typedef struct {
  const char *content;
  gboolean normalized;
  gboolean rstrip;
  gboolean again; /* the previous entry's id: the same content listed again */
} Added;

static const char *const wordpiece_base = "normalized-added/wordpiece-uncased";

/* A base fixture's tokenizer.json with its first special tokens and then the tokens given,
 * with ids from the base's vocabulary size on. */
static char *
tokenizer_json (const char *base, const Added *tokens, guint n_tokens, guint *n_vocab)
{
  GError *error = NULL;
  JsonParser *parser = json_parser_new ();
  char *path = g_build_filename (data_dir, base, "tokenizer.json", NULL);
  json_parser_load_from_file (parser, path, &error);
  g_assert_no_error (error);
  JsonObject *root = json_node_get_object (json_parser_get_root (parser));
  JsonObject *model = json_object_get_object_member (root, "model");
  JsonNode *vocab = json_object_get_member (model, "vocab");
  *n_vocab = JSON_NODE_HOLDS_OBJECT (vocab) ? json_object_get_size (json_node_get_object (vocab))
                                            : json_array_get_length (json_node_get_array (vocab));
  JsonArray *added = json_array_new ();
  JsonArray *old = json_object_get_array_member (root, "added_tokens");
  for (guint i = 0; i < MIN (5, json_array_get_length (old)); i++)
    json_array_add_element (added, json_node_copy (json_array_get_element (old, i)));
  for (guint i = 0, id = *n_vocab; i < n_tokens; i++) {
    JsonObject *token = json_object_new ();
    id += i > 0 && !tokens[i].again;
    json_object_set_int_member (token, "id", id);
    json_object_set_string_member (token, "content", tokens[i].content);
    json_object_set_boolean_member (token, "single_word", FALSE);
    json_object_set_boolean_member (token, "lstrip", FALSE);
    json_object_set_boolean_member (token, "rstrip", tokens[i].rstrip);
    json_object_set_boolean_member (token, "normalized", tokens[i].normalized);
    json_object_set_boolean_member (token, "special", FALSE);
    json_array_add_object_element (added, token);
  }
  json_object_set_array_member (root, "added_tokens", added);
  char *text = json_to_string (json_parser_get_root (parser), FALSE);
  g_object_unref (parser);
  g_free (path);
  return text;
}

static BertTokenizer *
load_from (const char *base, const Added *tokens, guint n_tokens, guint *n_vocab, GError **error)
{
  char *text = tokenizer_json (base, tokens, n_tokens, n_vocab);
  BertTokenizer *tokenizer = tokenizer_load_json_text (text, error);
  g_free (text);
  return tokenizer;
}

static BertTokenizer *
load_with (const Added *tokens, guint n_tokens, guint *n_vocab, GError **error)
{
  return load_from (wordpiece_base, tokens, n_tokens, n_vocab, error);
}

static GArray *
encode_ids (const BertTokenizer *tokenizer, const char *text)
{
  BertEncoding encoding;
  bert_encoding_init (&encoding);
  bert_tokenizer_encode (tokenizer, text, strlen (text), G_MAXUINT, &encoding);
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (int32_t));
  g_array_append_vals (ids, encoding.ids, encoding.n_tokens);
  bert_encoding_clear (&encoding);
  return ids;
}

static void
test_added_token_is_not_a_wordpiece_piece (void)
{
  const Added zzqx = { "zzqx", FALSE, FALSE, FALSE };
  GError *error = NULL;
  guint n_vocab;
  BertTokenizer *base = load_with (NULL, 0, &n_vocab, &error);
  g_assert_no_error (error);
  BertTokenizer *tokenizer = load_with (&zzqx, 1, &n_vocab, &error);
  g_assert_no_error (error);

  /* "zzqx" is matched in the raw text; "ZZQXY" is lowercased only after that search */
  GArray *matched = encode_ids (tokenizer, "zzqx");
  g_assert_cmpuint (matched->len, ==, 3);
  g_assert_cmpint (g_array_index (matched, int32_t, 1), ==, n_vocab);
  GArray *with = encode_ids (tokenizer, "ZZQXY zzqxy");
  GArray *without = encode_ids (base, "ZZQXY");
  g_assert_cmpuint (with->len, >, without->len);
  for (guint i = 0; i + 1 < without->len; i++) {
    g_assert_cmpint (g_array_index (with, int32_t, i), ==, g_array_index (without, int32_t, i));
    g_assert_cmpint (g_array_index (with, int32_t, i), <, n_vocab);
  }
  g_array_unref (matched);
  g_array_unref (with);
  g_array_unref (without);
  bert_tokenizer_free (tokenizer);
  bert_tokenizer_free (base);
}

/* HF reads a token's flags by its id: those of its last entry, in either kind of text. */
static void
test_later_entry_flags_stand (void)
{
  const Added tokens[] = { { "<x>", FALSE, FALSE, FALSE }, { "<x>", TRUE, TRUE, TRUE } };
  GError *error = NULL;
  guint n_vocab;
  BertTokenizer *tokenizer = load_with (tokens, G_N_ELEMENTS (tokens), &n_vocab, &error);
  g_assert_no_error (error);
  BertEncoding encoding;
  bert_encoding_init (&encoding);
  bert_tokenizer_encode (tokenizer, "a <x>  b", 8, G_MAXUINT, &encoding);
  g_assert_cmpuint (encoding.n_tokens, ==, 5);
  g_assert_cmpint (encoding.ids[2], ==, n_vocab);
  /* Hugging Face: [(0, 0), (0, 1), (2, 7), (7, 8), (0, 0)], the rstrip of the second entry */
  g_assert_cmpuint (encoding.offsets[4], ==, 2);
  g_assert_cmpuint (encoding.offsets[5], ==, 7);
  bert_encoding_clear (&encoding);
  bert_tokenizer_free (tokenizer);
}

static void
assert_refused (const char *base, const Added *tokens, guint n_tokens, const char *const *named)
{
  GError *error = NULL;
  guint n_vocab;
  BertTokenizer *tokenizer = load_from (base, tokens, n_tokens, &n_vocab, &error);
  g_assert_null (tokenizer);
  g_assert_error (error, BERT_TOKENIZER_ERROR, BERT_TOKENIZER_ERROR_FORMAT);
  for (guint i = 0; named[i] != NULL; i++)
    if (strstr (error->message, named[i]) == NULL)
      g_error ("'%s' not in: %s", named[i], error->message);
  g_error_free (error);
}

static void
test_shared_normalized_pattern_refused (void)
{
  const Added tokens[] = { { "Foobarqux", TRUE, FALSE, FALSE }, { "zzqx", FALSE, FALSE, FALSE },
    { "FOOBARQUX", TRUE, FALSE, FALSE } };
  const char *const named[] = { "'Foobarqux' (id 836)", "'FOOBARQUX' (id 838)", "'foobarqux'", NULL };
  assert_refused (wordpiece_base, tokens, G_N_ELEMENTS (tokens), named);
}

/* Matches inside the previous one's rstrip strip to where it did (found in one step each). */
static void
test_rstrip_run_shared (void)
{
  const Added spaces[] = { { "  ", FALSE, TRUE, FALSE } };
  /* Hugging Face: (0, 9) (2, 9) (4, 9) (6, 9) [836] a (9, 10), (10, 12) [836], b (12, 13) */
  const uint32_t expected[] = { 0, 9, 2, 9, 4, 9, 6, 9, 9, 10, 10, 12, 12, 13 };
  GError *error = NULL;
  guint n_vocab;
  BertTokenizer *tokenizer = load_with (spaces, 1, &n_vocab, &error);
  g_assert_no_error (error);
  BertEncoding encoding;
  bert_encoding_init (&encoding);
  bert_tokenizer_encode (tokenizer, "         a  b", 13, G_MAXUINT, &encoding);
  g_assert_cmpuint (encoding.n_tokens, ==, 9);
  for (guint i = 0; i < 7; i++) {
    g_assert_cmpint (encoding.ids[i + 1] == (int32_t) n_vocab, ==, i != 4 && i != 6);
    g_assert_cmpuint (encoding.offsets[2 * (i + 1)], ==, expected[2 * i]);
    g_assert_cmpuint (encoding.offsets[2 * (i + 1) + 1], ==, expected[2 * i + 1]);
  }
  bert_encoding_clear (&encoding);
  bert_tokenizer_free (tokenizer);
}

/* HF gives the second the first's id with a warning; which was meant is unknown. */
static void
test_content_with_two_ids_refused (void)
{
  const Added tokens[] = { { "<y>", FALSE, FALSE, FALSE }, { "<y>", FALSE, FALSE, FALSE } };
  const char *const named[] = { "added_tokens[6]", "'<y>' is given id 837, but it has id 836 already", NULL };
  assert_refused (wordpiece_base, tokens, G_N_ELEMENTS (tokens), named);
}

/* HF splits ASCII text between every byte, fails on other text, or (XLM-R's normaliser, a
 * token of spaces) runs out of memory; the Unigram loader crashed on it. */
static void
test_empty_normalized_pattern_refused (void)
{
  const Added tokens[] = { { "ok", TRUE, FALSE, FALSE }, { "\x01", TRUE, FALSE, FALSE } };
  const char *const named[] = { "'\x01' (id 837)", "normalises to nothing", NULL };
  assert_refused (wordpiece_base, tokens, G_N_ELEMENTS (tokens), named);
  const Added spaces[] = { { "  ", TRUE, FALSE, FALSE } };
  const char *const named_spaces[] = { "'  ' (id ", "normalises to nothing", NULL };
  assert_refused ("unigram-nmt-nfkc", spaces, G_N_ELEMENTS (spaces), named_spaces);
}

/* The longest token at each position, the search going on after it, by a lookup per length. */
static GArray *
plain_search (GHashTable *ids, const char *text, guint max_length)
{
  GArray *found = g_array_new (FALSE, FALSE, sizeof (int32_t) * 3);
  gsize length = strlen (text);
  for (gsize at = 0; at < length;) {
    guint token_length = MIN (max_length, length - at);
    gpointer id = NULL;
    for (; token_length > 0; token_length--) {
      char *piece = g_strndup (text + at, token_length);
      id = g_hash_table_lookup (ids, piece);
      g_free (piece);
      if (id != NULL)
        break;
    }
    if (id == NULL) {
      at++;
      continue;
    }
    int32_t match[3] = { GPOINTER_TO_INT (id) - 1, (int32_t) at, (int32_t) (at + token_length) };
    g_array_append_vals (found, match, 1);
    at += token_length;
  }
  return found;
}

/* Tokens being made: their contents (id + 1 as the value) and the list for the file. */
typedef struct {
  GHashTable *contents;
  GPtrArray *list;
  const BertTokenizer *base;
  guint n_vocab;
} TokenSet;

static void
offer (TokenSet *set, char *content)
{
  if (g_hash_table_contains (set->contents, content)
      || bert_tokenizer_token_to_id (set->base, content) >= 0) {
    g_free (content);
    return;
  }
  g_hash_table_insert (set->contents, content, GINT_TO_POINTER (set->n_vocab + set->list->len + 1));
  g_ptr_array_add (set->list, content);
}

/* Loads the base with the set's tokens (raw) and checks the added tokens found in text
 * against plain_search. */
static void
assert_found_as_plain_search (TokenSet *set, const char *text, guint max_length, guint min_found)
{
  GError *error = NULL;
  guint n_vocab;
  Added *tokens = g_new (Added, set->list->len);
  for (guint i = 0; i < set->list->len; i++)
    tokens[i] = (Added){ g_ptr_array_index (set->list, i), FALSE, FALSE, FALSE };
  BertTokenizer *tokenizer = load_with (tokens, set->list->len, &n_vocab, &error);
  g_assert_no_error (error);
  GArray *expected = plain_search (set->contents, text, max_length);
  BertEncoding encoding;
  bert_encoding_init (&encoding);
  bert_tokenizer_encode (tokenizer, text, strlen (text), G_MAXUINT, &encoding);
  guint n_found = 0;
  for (uint32_t i = 0; i < encoding.n_tokens; i++) {
    if (encoding.ids[i] < (int32_t) n_vocab)
      continue;
    g_assert_cmpuint (n_found, <, expected->len);
    const int32_t *match = &g_array_index (expected, int32_t, 3 * n_found);
    g_assert_cmpint (encoding.ids[i], ==, match[0]);
    g_assert_cmpint (encoding.offsets[2 * i], ==, match[1]);
    g_assert_cmpint (encoding.offsets[2 * i + 1], ==, match[2]);
    n_found++;
  }
  g_assert_cmpuint (n_found, ==, expected->len);
  g_assert_cmpuint (n_found, >, min_found);
  bert_encoding_clear (&encoding);
  g_array_unref (expected);
  bert_tokenizer_free (tokenizer);
  g_free (tokens);
}

static void
token_set_init (TokenSet *set)
{
  GError *error = NULL;
  BertTokenizer *base = load_with (NULL, 0, &set->n_vocab, &error);
  g_assert_no_error (error);
  set->base = base;
  set->contents = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  set->list = g_ptr_array_new ();
}

static void
token_set_clear (TokenSet *set)
{
  bert_tokenizer_free ((BertTokenizer *) set->base);
  g_ptr_array_unref (set->list);
  g_hash_table_unref (set->contents);
}

static char *
random_text (GRand *rand, const char *alphabet, guint length)
{
  char *text = g_malloc (length + 1);
  for (guint i = 0; i < length; i++)
    text[i] = alphabet[g_rand_int_range (rand, 0, strlen (alphabet))];
  text[length] = '\0';
  return text;
}

static void
test_many_tokens_leftmost_longest (void)
{
  GRand *rand = g_rand_new_with_seed (15);
  TokenSet set;
  token_set_init (&set);
  while (set.list->len < 20000)
    offer (&set, random_text (rand, "qxz ", g_rand_int_range (rand, 2, 13)));
  char *text = random_text (rand, "qxzQ ", 30000);
  assert_found_as_plain_search (&set, text, 12, 1000);
  g_free (text);
  token_set_clear (&set);
  g_rand_free (rand);
}

/* Tokens past the trie's depth (64 bytes) hang from its node: runs of q, of every length
 * from 150 to 40, with an x or a z in them, leftmost-longest in runs of q. */
static void
test_long_tokens_leftmost_longest (void)
{
  GRand *rand = g_rand_new_with_seed (16);
  TokenSet set;
  token_set_init (&set);
  /* longest first: the list a long token hangs in is newest first */
  for (guint length = 150; length >= 40; length--) {
    offer (&set, g_strnfill (length, 'q'));
    char *x = g_strnfill (length, 'q'), *z = g_strnfill (length, 'q');
    x[length - 1] = 'x';
    z[g_rand_int_range (rand, 0, length)] = 'z';
    offer (&set, x);
    offer (&set, z);
  }
  GString *text = g_string_new (NULL);
  while (text->len < 30000) {
    char *run = g_strnfill (g_rand_int_range (rand, 20, 400), 'q');
    g_string_append (text, run);
    g_string_append_c (text, "xz "[g_rand_int_range (rand, 0, 3)]);
    g_free (run);
  }
  assert_found_as_plain_search (&set, text->str, 150, 100);
  g_string_free (text, TRUE);
  token_set_clear (&set);
  g_rand_free (rand);
}

/* Members AddedToken lacks are ignored with a warning naming the file, the token and the
 * member: tokenizers 0.23.3 ignores them in tokenizer.json (serde) and transformers 5.25 in
 * tokenizer_config.json ("Ignored unknown kwarg option"), so the outputs stay
 * wordpiece-uncased's Hugging Face ones. "Café"'s misspelt "singel_word" would, read as
 * single_word, leave it unmatched inside words. */
static void
test_unknown_members_warned_and_ignored (void)
{
  char *path = g_build_filename (data_dir, wordpiece_base, "tokenizer.json", NULL);
  char *text = read_file_contents (path, NULL);
  char *with_members = text_with_first_replaced (text, "\"content\":\"Café\",",
      "\"content\":\"Café\",\"singel_word\":true,\"foo\":{\"bar\":1},");
  char *folder = scratch_folder_new ("unknown-members-XXXXXX");
  const char *const names[] = { "tokenizer.json", "tokenizer_config.json" };

  write_file_in (folder, "tokenizer.json", with_members, -1);
  write_file_in (folder, "tokenizer_config.json",
      "{\"added_tokens_decoder\": {\"837\": {\"content\": \"Café\", \"normalized\": true, \"lstirp\": "
      "true}}, "
      "\"mask_token\": {\"content\": \"[MASK]\", \"rstirp\": true, \"__type\": \"AddedToken\"}}",
      -1);
  BertTokenizer *tokenizer = tokenizer_load_path (folder);
  const char *warning = bert_tokenizer_get_warning (tokenizer);
  g_assert_nonnull (warning);
  g_test_message ("%s", warning);
  g_assert_nonnull (strstr (warning, "tokenizer.json: AddedToken objects"));
  g_assert_nonnull (
      strstr (warning, "'added_tokens[6].singel_word' ('Café'), 'added_tokens[6].foo' ('Café')"));
  g_assert_nonnull (strstr (warning, "tokenizer_config.json: AddedToken objects"));
  g_assert_nonnull (strstr (warning, "'added_tokens_decoder.837.lstirp' ('Café')"));
  g_assert_nonnull (strstr (warning, "'mask_token.rstirp' ('[MASK]')"));
  g_assert_null (strstr (warning, "__type"));
  char *texts = g_build_filename (data_dir, "normalized-added", "texts.txt", NULL);
  char *expected = g_build_filename (data_dir, wordpiece_base, "expected.txt", NULL);
  assert_texts_as_expected (tokenizer, texts, expected, "unknown members", 100);
  bert_tokenizer_free (tokenizer);
  scratch_folder_remove (folder, names, G_N_ELEMENTS (names));
  g_free (expected);
  g_free (texts);
  g_free (with_members);
  g_free (text);
  g_free (path);
}

int
main (int argc, char **argv)
{
  data_dir = test_init_with_path (&argc, &argv, "DATA_DIR");
  g_test_add_func ("/added-tokens/not-a-wordpiece-piece", test_added_token_is_not_a_wordpiece_piece);
  g_test_add_func ("/added-tokens/later-entry-flags-stand", test_later_entry_flags_stand);
  g_test_add_func ("/added-tokens/rstrip-run-shared", test_rstrip_run_shared);
  g_test_add_func ("/added-tokens/content-with-two-ids-refused", test_content_with_two_ids_refused);
  g_test_add_func ("/added-tokens/shared-normalized-pattern-refused", test_shared_normalized_pattern_refused);
  g_test_add_func ("/added-tokens/empty-normalized-pattern-refused", test_empty_normalized_pattern_refused);
  g_test_add_func ("/added-tokens/many-tokens-leftmost-longest", test_many_tokens_leftmost_longest);
  g_test_add_func ("/added-tokens/long-tokens-leftmost-longest", test_long_tokens_leftmost_longest);
  g_test_add_func ("/added-tokens/unknown-members-warned-and-ignored",
      test_unknown_members_warned_and_ignored);
  return g_test_run ();
}
