/* bert_vocab.c: the vocabulary hash table and the vocab.txt reader. */
#include "bert_vocab.h"

#include "bert_model_file.h"
#include "bert_tokenizer.h"

#include <string.h>

/* Above this the arena's 32-bit offsets would overflow. */
#define MAX_ARENA_LENGTH ((gsize) G_MAXUINT32 - 1)
G_STATIC_ASSERT (BERT_MODEL_FILE_MAX_VOCAB_BYTES <= MAX_ARENA_LENGTH);

void
bert_vocab_init (BertVocab *vocab, uint32_t n_ids, char *arena, gsize arena_length)
{
  /* A load factor of at most 2/3 keeps failed lookups, which WordPiece makes often, short. */
  uint32_t n_slots = 16;
  while (n_slots < (uint64_t) n_ids * 3 / 2)
    n_slots *= 2;

  memset (vocab, 0, sizeof *vocab);
  vocab->arena = arena;
  vocab->arena_length = arena_length;
  vocab->arena_capacity = arena_length;
  vocab->n_ids = n_ids;
  vocab->token_offset = g_new (uint32_t, MAX (n_ids, 1));
  vocab->token_length = g_new0 (uint32_t, MAX (n_ids, 1));
  memset (vocab->token_offset, 0xFF, sizeof (uint32_t) * n_ids);
  vocab->slots = g_new (BertVocabSlot, n_slots);
  memset (vocab->slots, 0xFF, sizeof (BertVocabSlot) * n_slots);
  vocab->slot_mask = n_slots - 1;
  /* 8 bits per token: about one lookup in nine of a text no token has passes the filter. */
  uint32_t n_filter_bits = 1024;
  while (n_filter_bits < (uint64_t) n_ids * 8 && n_filter_bits < (1u << 31))
    n_filter_bits *= 2;
  vocab->filter = g_new0 (uint64_t, n_filter_bits / 64);
  vocab->filter_mask = n_filter_bits - 1;
}

void
bert_vocab_clear (BertVocab *vocab)
{
  g_free (vocab->arena);
  g_free (vocab->token_offset);
  g_free (vocab->token_length);
  g_free (vocab->slots);
  g_free (vocab->filter);
  memset (vocab, 0, sizeof *vocab);
}

int32_t
bert_vocab_insert_arena (BertVocab *vocab, int32_t id, uint32_t offset, uint32_t length)
{
  const char *text = vocab->arena + offset;
  uint64_t hash = bert_vocab_hash_extend (BERT_VOCAB_HASH_SEED, text, length);
  uint64_t head = bert_vocab_head (bert_vocab_first7 (text, length, "", 0), length);

  int32_t existing = bert_vocab_find (vocab, hash, head, text, length, "", 0);
  if (existing >= 0)
    return existing;
  vocab->token_offset[id] = offset;
  vocab->token_length[id] = length;
  uint32_t slot = bert_vocab_slot (vocab, hash);
  while (vocab->slots[slot].id >= 0)
    slot = (slot + 1) & vocab->slot_mask;
  vocab->slots[slot].tag = (uint32_t) hash;
  vocab->slots[slot].id = id;
  vocab->slots[slot].head = head;
  uint32_t bit = bert_vocab_filter_bit (vocab, hash);
  vocab->filter[bit >> 6] |= 1ull << (bit & 63);
  return -1;
}

int32_t
bert_vocab_insert (BertVocab *vocab, int32_t id, const char *text, gsize length)
{
  if (vocab->arena_length + length + 1 > vocab->arena_capacity) {
    vocab->arena_capacity = MAX (vocab->arena_capacity * 2, vocab->arena_length + length + 1024);
    vocab->arena = g_realloc (vocab->arena, vocab->arena_capacity);
  }
  uint32_t offset = (uint32_t) vocab->arena_length;
  memcpy (vocab->arena + offset, text, length);
  vocab->arena[offset + length] = '\0';
  int32_t existing = bert_vocab_insert_arena (vocab, id, offset, (uint32_t) length);
  if (existing < 0)
    vocab->arena_length += length + 1;
  return existing;
}

void
bert_vocab_repoint (BertVocab *vocab, int32_t holder, int32_t id)
{
  const char *text = vocab->arena + vocab->token_offset[holder];
  uint32_t length = vocab->token_length[holder];
  uint64_t hash = bert_vocab_hash_extend (BERT_VOCAB_HASH_SEED, text, length);

  vocab->token_offset[id] = vocab->token_offset[holder];
  vocab->token_length[id] = length;
  for (uint32_t slot = bert_vocab_slot (vocab, hash);; slot = (slot + 1) & vocab->slot_mask)
    if (vocab->slots[slot].id == holder) {
      vocab->slots[slot].id = id;
      return;
    }
}

static uint32_t
count_lines (const char *contents, gsize length)
{
  uint32_t n_lines = 0;
  for (const char *p = contents; p < contents + length; n_lines++) {
    const char *newline = memchr (p, '\n', contents + length - p);
    p = newline ? newline + 1 : contents + length;
  }
  return n_lines;
}

static gboolean
check_line (const char *path, uint32_t line_index, const char *line, gsize length, GError **error)
{
  const char *end;
  if (memchr (line, '\0', length)) {
    g_set_error (error, BERT_TOKENIZER_ERROR, BERT_TOKENIZER_ERROR_FORMAT,
        "%s: line %u: the token contains a NUL byte", path, line_index + 1);
    return FALSE;
  }
  if (!g_utf8_validate (line, length, &end)) {
    g_set_error (error, BERT_TOKENIZER_ERROR, BERT_TOKENIZER_ERROR_FORMAT,
        "%s: line %u: invalid UTF-8 at byte %u of the line", path, line_index + 1,
        (unsigned) (end - line) + 1);
    return FALSE;
  }
  return TRUE;
}

/* Turns each line into a NUL-terminated token in place and indexes it. */
static gboolean
index_lines (BertVocab *vocab, const char *path, GError **error)
{
  char *contents = vocab->arena;
  gsize length = vocab->arena_length;
  uint32_t line_index = 0;

  for (char *line = contents; line < contents + length; line_index++) {
    char *newline = memchr (line, '\n', contents + length - line);
    char *end = newline ? newline : contents + length;
    char *next = newline ? newline + 1 : end;
    if (end > line && end[-1] == '\r')
      end--;
    if (!check_line (path, line_index, line, end - line, error))
      return FALSE;
    *end = '\0';
    int32_t previous = bert_vocab_insert_arena (vocab, (int32_t) line_index, (uint32_t) (line - contents),
        (uint32_t) (end - line));
    if (previous >= 0) {
      g_set_error (error, BERT_TOKENIZER_ERROR, BERT_TOKENIZER_ERROR_FORMAT,
          "%s: line %u: duplicate token '%s' (first on line %d)", path, line_index + 1, line, previous + 1);
      return FALSE;
    }
    line = next;
  }
  return TRUE;
}

gboolean
bert_vocab_load_txt (BertVocab *vocab, const char *path, GError **error)
{
  char *contents;
  gsize length;
  GError *file_error = NULL;

  memset (vocab, 0, sizeof *vocab);
  if (!bert_model_file_read (path, BERT_MODEL_FILE_MAX_VOCAB_BYTES, &contents, &length, &file_error)) {
    g_set_error (error, BERT_TOKENIZER_ERROR, BERT_TOKENIZER_ERROR_FILE, "%s", file_error->message);
    g_error_free (file_error);
    return FALSE;
  }
  if (length == 0) {
    g_set_error (error, BERT_TOKENIZER_ERROR, BERT_TOKENIZER_ERROR_FORMAT, "%s: the file is empty", path);
    g_free (contents);
    return FALSE;
  }
  /* bert_model_file_read NUL-terminates, so a last line without '\n' can be cut in place. */
  bert_vocab_init (vocab, count_lines (contents, length), contents, length + 1);
  vocab->arena_length = length;
  if (!index_lines (vocab, path, error)) {
    bert_vocab_clear (vocab);
    return FALSE;
  }
  return TRUE;
}
