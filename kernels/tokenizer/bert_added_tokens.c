/* bert_added_tokens.c: finding added tokens in text, as Hugging Face's AddedVocabulary does. */
#include "bert_normalized.h"
#include "bert_tokenizer_private.h"
#include "bert_unicode.h"
#include "bert_unicode_classes.h"
#include "bert_word_chars.h"

/* The trie holds a token's first TRIE_DEPTH bytes; a longer token hangs, in a list, from
 * the node of its first TRIE_DEPTH bytes and is compared there. A token costs at most
 * TRIE_DEPTH nodes (one node a byte made a 20 MB token take minutes and half a gigabyte);
 * real tokens are far shorter. */
#define TRIE_DEPTH 64

/* The slot of (node, byte)'s edge in the table: its own, or the free one where it would go. */
static guint
edge_slot (const BertAddedTokens *tokens, uint32_t node, unsigned char byte)
{
  uint64_t key = (((uint64_t) node << 8) | byte) + 1;
  /* murmur3's finaliser: the nodes of one path are consecutive, which a bare multiply
   * leaves in long runs of neighbouring slots */
  uint64_t mixed = (key ^ (key >> 33)) * 0xFF51AFD7ED558CCDull;
  guint slot = (guint) (mixed ^ (mixed >> 33)) & tokens->edge_mask;
  while (tokens->edge_keys[slot] != 0 && tokens->edge_keys[slot] != key)
    slot = (slot + 1) & tokens->edge_mask;
  return slot;
}

/* The child of node by byte, 0 if none. */
static inline uint32_t
child (const BertAddedTokens *tokens, uint32_t node, unsigned char byte)
{
  if (node == 0)
    return tokens->root_child[byte];
  if (tokens->n_edges == 0)
    return 0;
  guint slot = edge_slot (tokens, node, byte);
  return tokens->edge_keys[slot] != 0 ? tokens->edge_children[slot] : 0;
}

static uint32_t
new_node (BertAddedTokens *tokens)
{
  if (tokens->n_nodes == tokens->node_capacity) {
    tokens->node_capacity = MAX (64, tokens->node_capacity * 2);
    tokens->node_token = g_renew (int32_t, tokens->node_token, tokens->node_capacity);
    tokens->node_long = g_renew (int32_t, tokens->node_long, tokens->node_capacity);
  }
  tokens->node_token[tokens->n_nodes] = tokens->node_long[tokens->n_nodes] = -1;
  return tokens->n_nodes++;
}

/* Doubles the edge table when it is half full, so that probes stay short. */
static void
grow_edges (BertAddedTokens *tokens)
{
  guint old_size = tokens->edge_keys ? tokens->edge_mask + 1 : 0;
  if (2 * (tokens->n_edges + 1) <= old_size)
    return;
  uint64_t *keys = tokens->edge_keys;
  uint32_t *children = tokens->edge_children;
  guint size = MAX (256, old_size * 2);
  tokens->edge_keys = g_new0 (uint64_t, size);
  tokens->edge_children = g_new (uint32_t, size);
  tokens->edge_mask = size - 1;
  for (guint i = 0; i < old_size; i++) {
    if (keys[i] == 0)
      continue;
    uint64_t key = keys[i] - 1;
    guint slot = edge_slot (tokens, (uint32_t) (key >> 8), (unsigned char) key);
    tokens->edge_keys[slot] = keys[i];
    tokens->edge_children[slot] = children[i];
  }
  g_free (keys);
  g_free (children);
}

static uint32_t
add_child (BertAddedTokens *tokens, uint32_t node, unsigned char byte)
{
  uint32_t found = child (tokens, node, byte);
  if (found != 0)
    return found;
  uint32_t created = new_node (tokens);
  if (node == 0) {
    tokens->root_child[byte] = created;
    return created;
  }
  grow_edges (tokens);
  guint slot = edge_slot (tokens, node, byte);
  tokens->edge_keys[slot] = (((uint64_t) node << 8) | byte) + 1;
  tokens->edge_children[slot] = created;
  tokens->n_edges++;
  return created;
}

BertAddedToken *
bert_added_tokens_add (BertAddedTokens *tokens, const char *text, int32_t id)
{
  guint length = strlen (text);

  if (tokens->n_nodes == 0)
    new_node (tokens);
  if (tokens->n_tokens == tokens->capacity) {
    tokens->capacity = MAX (16, tokens->capacity * 2);
    tokens->tokens = g_renew (BertAddedToken, tokens->tokens, tokens->capacity);
    tokens->next_long = g_renew (int32_t, tokens->next_long, tokens->capacity);
  }
  guint index = tokens->n_tokens++;
  tokens->tokens[index] = (BertAddedToken){ g_strdup (text), length, id, FALSE, FALSE, FALSE };

  uint32_t node = 0;
  for (guint i = 0; i < MIN (length, TRIE_DEPTH); i++)
    node = add_child (tokens, node, (unsigned char) text[i]);
  if (length > TRIE_DEPTH) {
    tokens->next_long[index] = tokens->node_long[node];
    tokens->node_long[node] = (int32_t) index;
  } else if (tokens->node_token[node] < 0) {
    tokens->node_token[node] = (int32_t) index;
  }
  tokens->only_first_byte =
      index == 0 || tokens->only_first_byte == (unsigned char) text[0] ? (unsigned char) text[0] : -1;
  return &tokens->tokens[index];
}

/* Of the long tokens hanging from node, the longest that text[at, length) starts with
 * (exactly length bytes when exact), the first added of equals; NULL if none. */
static BertAddedToken *
longest_long (const BertAddedTokens *tokens, uint32_t node, const char *text, gsize at, gsize length,
    gboolean exact)
{
  BertAddedToken *best = NULL;
  for (int32_t i = tokens->node_long[node]; i >= 0; i = tokens->next_long[i]) {
    BertAddedToken *token = &tokens->tokens[i];
    if (token->length > length - at || (exact && token->length != length - at)
        || memcmp (text + at + TRIE_DEPTH, token->text + TRIE_DEPTH, token->length - TRIE_DEPTH) != 0)
      continue;
    if (best == NULL || token->length >= best->length)
      best = token;
  }
  return best;
}

BertAddedToken *
bert_added_tokens_lookup (const BertAddedTokens *tokens, const char *text)
{
  gsize length = strlen (text);
  if (tokens->n_tokens == 0 || length == 0)
    return NULL;
  uint32_t node = tokens->root_child[(unsigned char) text[0]];
  for (gsize at = 1; node != 0 && at < MIN (length, TRIE_DEPTH); at++)
    node = child (tokens, node, (unsigned char) text[at]);
  if (node == 0)
    return NULL;
  if (length > TRIE_DEPTH)
    return longest_long (tokens, node, text, 0, length, TRUE);
  return tokens->node_token[node] >= 0 ? &tokens->tokens[tokens->node_token[node]] : NULL;
}

void
bert_added_tokens_clear (BertAddedTokens *tokens)
{
  for (guint i = 0; i < tokens->n_tokens; i++)
    g_free (tokens->tokens[i].text);
  g_free (tokens->tokens);
  g_free (tokens->node_token);
  g_free (tokens->node_long);
  g_free (tokens->next_long);
  g_free (tokens->edge_keys);
  g_free (tokens->edge_children);
  memset (tokens, 0, sizeof *tokens);
}

/* The character before text[at] (at > 0), its first byte in *start. */
static uint32_t
char_before (const char *text, gsize at, gsize *start)
{
  gsize before = at - 1;
  while (before > 0 && at - before < 4 && ((unsigned char) text[before] & 0xC0) == 0x80)
    before--;
  uint32_t cp;
  int invalid = 0;
  if (bert_utf8_decode ((const unsigned char *) text + before, at - before, &cp, &invalid) != at - before) {
    before = at - 1;
    cp = 0xFFFD;
  }
  *start = before;
  return cp;
}

static uint32_t
char_at (const char *text, gsize at, gsize length, unsigned *n)
{
  uint32_t cp;
  int invalid = 0;
  *n = bert_utf8_decode ((const unsigned char *) text + at, length - at, &cp, &invalid);
  return cp;
}

/* lstrip: the start of the White_Space run that ends at start, not before limit. */
static gsize
strip_left (const char *text, gsize limit, gsize start)
{
  while (start > limit) {
    gsize before;
    if (!bert_is_white_space (char_before (text, start, &before)) || before < limit)
      break;
    start = before;
  }
  return start;
}

static gsize
strip_right (const char *text, gsize end, gsize length)
{
  unsigned n;
  while (end < length && bert_is_white_space (char_at (text, end, length, &n)))
    end += n;
  return end;
}

/* single_word: whether text[start, end) has no word character right before or after it. */
static gboolean
is_single_word (const char *text, gsize start, gsize end, gsize length)
{
  gsize before;
  unsigned n;
  if (start > 0 && bert_is_word_char (char_before (text, start, &before)))
    return FALSE;
  return end == length || !bert_is_word_char (char_at (text, end, length, &n));
}

/* The longest token at at, or NULL: the last token's end met walking the trie down text,
 * or past its depth the longest long token there. */
static const BertAddedToken *
longest_at (const BertAddedTokens *tokens, const char *text, gsize at, gsize length)
{
  const BertAddedToken *longest = NULL;
  uint32_t node = tokens->root_child[(unsigned char) text[at]];
  for (gsize next = at + 1; node != 0; next++) {
    if (tokens->node_token[node] >= 0)
      longest = &tokens->tokens[tokens->node_token[node]];
    if (next - at == TRIE_DEPTH) {
      const BertAddedToken *long_token =
          tokens->node_long[node] >= 0 ? longest_long (tokens, node, text, at, length, FALSE) : NULL;
      return long_token != NULL ? long_token : longest;
    }
    if (next == length)
      break;
    node = child (tokens, node, (unsigned char) text[next]);
  }
  return longest;
}

gboolean
bert_added_tokens_find_from (const BertAddedTokens *tokens, const char *text, gsize candidate,
    gsize strip_from, gsize length, BertAddedMatch *match)
{
  for (gsize at = candidate; at < length;) {
    const BertAddedToken *token = longest_at (tokens, text, at, length);
    if (token == NULL) {
      at = bert_added_token_candidate (tokens, text, at + 1, length);
      continue;
    }
    gsize token_end = at + token->length;
    /* A single_word match refused still consumes its text: the automaton goes on after it. */
    if (token->single_word && !is_single_word (text, at, token_end, length)) {
      at = bert_added_token_candidate (tokens, text, token_end, length);
      continue;
    }
    match->start = at;
    if (token->lstrip)
      match->start = MAX (strip_left (text, MIN (strip_from, at), at), strip_from);
    /* A token found inside the previous match's rstrip (the search resumes at that token's
     * end) strips to where that one did: the White_Space before strip_from is known. Without
     * this, a text of n spaces and an rstrip token of two took n^2 / 4 steps (as the
     * reference does: 5.5 s for 40,000 spaces). */
    match->end = token->rstrip ? strip_right (text, MAX (token_end, strip_from), length) : token_end;
    match->token_end = token_end;
    match->token = token;
    return TRUE;
  }
  return FALSE;
}
