/* bert_unigram_probe.c: the filter of bert_unigram_probe.h, built from the pieces. */
#include "bert_unigram_probe.h"

#include <stdlib.h>

/* Codes: 1 prefix only, 2 a hot piece (or prefix), 3 any piece: a bucket keeps the most. */
static void
set_bits (BertPieceProbe *probe, uint64_t hash, unsigned bits)
{
  uint32_t bucket = (uint32_t) (hash >> 32) & probe->bucket_mask;
  unsigned old = bert_piece_probe_bits (probe, hash);
  if (bits > old)
    probe->filter[bucket >> 5] ^= (uint64_t) (old ^ bits) << (2 * (bucket & 31));
}

/* Characters of a piece (valid UTF-8). */
static uint32_t
count_chars (const char *text, uint32_t length)
{
  uint32_t n = 0;
  for (uint32_t i = 0; i < length; i++)
    n += ((unsigned char) text[i] & 0xC0) != 0x80;
  return n;
}

gboolean
bert_piece_probe_build (BertPieceProbe *probe, const BertVocab *vocab, uint32_t n_pieces)
{
  uint64_t n_prefixes = 0;

  memset (probe, 0, sizeof *probe);
  for (uint32_t id = 0; id < n_pieces; id++) {
    const char *text = bert_vocab_token (vocab, (int32_t) id);
    uint32_t length = vocab->token_length[id];
    if (text == NULL || length == 0)
      continue;
    if (!g_utf8_validate_len (text, length, NULL)) {
      memset (probe, 0, sizeof *probe);
      return FALSE;
    }
    uint32_t chars = count_chars (text, length);
    n_prefixes += chars;
    probe->max_chars = MAX (probe->max_chars, chars);
    unsigned char first = (unsigned char) text[0];
    probe->max_length[first] = MAX (probe->max_length[first], length);
  }
  /* 8 buckets per prefix (fewer are distinct: a shared prefix counts once per piece). */
  uint32_t n_buckets = 1024, per_prefix = g_getenv ("PROBE_BPP") ? atoi (g_getenv ("PROBE_BPP")) : 8;
  while (n_buckets < n_prefixes * per_prefix && n_buckets < (1u << 31))
    n_buckets *= 2;
  probe->bucket_mask = n_buckets - 1;
  probe->filter = g_new0 (uint64_t, n_buckets / 32);
  probe->no_prefix = g_getenv ("PROBE_NOPREFIX") != NULL;
  if (g_getenv ("PROBE_STATS"))
    g_printerr ("probe: %" G_GUINT64_FORMAT
                " prefixes (with repeats), %u buckets, %u kB filter, max %u chars\n",
        n_prefixes, n_buckets, n_buckets / 4 / 1024, probe->max_chars);
  uint32_t n_hot = g_getenv ("PROBE_HOT") ? (uint32_t) atoi (g_getenv ("PROBE_HOT")) : 0, n_slots = 16;
  n_hot = MIN (n_hot, n_pieces);
  while (n_slots < (uint64_t) n_hot * 3 / 2)
    n_slots *= 2;
  probe->hot_mask = n_slots - 1;
  probe->hot_slots = g_new (BertVocabSlot, n_slots);
  memset (probe->hot_slots, 0xFF, sizeof (BertVocabSlot) * n_slots);
  for (uint32_t id = 0; id < n_pieces; id++) {
    const char *text = bert_vocab_token (vocab, (int32_t) id);
    uint32_t length = vocab->token_length[id];
    if (text == NULL || length == 0)
      continue;
    gboolean hot = id < n_hot;
    if (hot) {
      uint64_t h = bert_vocab_hash_extend (BERT_VOCAB_HASH_SEED, text, length);
      uint32_t slot = bert_piece_probe_slot (probe->hot_mask, h);
      while (probe->hot_slots[slot].id >= 0)
        slot = (slot + 1) & probe->hot_mask;
      probe->hot_slots[slot] = (BertVocabSlot){ (uint32_t) h, (int32_t) id,
        bert_vocab_head (bert_vocab_first7 (text, length, "", 0), length) };
    }
    uint64_t hash = BERT_VOCAB_HASH_SEED;
    for (uint32_t at = 0; at < length;) {
      hash = bert_vocab_hash_extend (hash, text + at++, 1);
      if (at == length)
        set_bits (probe, hash, hot ? 2 : 3);
      else if (((unsigned char) text[at] & 0xC0) != 0x80)
        set_bits (probe, hash, BERT_PROBE_PREFIX);
    }
  }
  return TRUE;
}

void
bert_piece_probe_clear (BertPieceProbe *probe)
{
  g_free (probe->filter);
  g_free (probe->hot_slots);
  memset (probe, 0, sizeof *probe);
}
