/* bert_markup.c: Pango markup stripped for tokenization, offsets mapped back. */
#include "bert_markup.h"

#include <string.h>

void
bert_plain_text_init (BertPlainText *plain)
{
  plain->text = g_byte_array_new ();
  plain->source_start = g_array_new (FALSE, FALSE, sizeof (guint32));
  plain->source_end = g_array_new (FALSE, FALSE, sizeof (guint32));
  plain->dead_ends = g_byte_array_new ();
  plain->scan_steps = 0;
}

void
bert_plain_text_clear (BertPlainText *plain)
{
  g_clear_pointer (&plain->text, g_byte_array_unref);
  g_clear_pointer (&plain->source_start, g_array_unref);
  g_clear_pointer (&plain->source_end, g_array_unref);
  g_clear_pointer (&plain->dead_ends, g_byte_array_unref);
}

static void
bert_plain_text_append (BertPlainText *plain, const gchar *bytes, gsize n, guint32 start, guint32 end)
{
  gsize i;

  g_byte_array_append (plain->text, (const guint8 *) bytes, n);
  for (i = 0; i < n; i++) {
    g_array_append_val (plain->source_start, start);
    g_array_append_val (plain->source_end, end);
  }
}

/* Where the search for a tag's '>' stands: outside quotes, or inside an attribute
 * value quoted with " or '. A '>' closes the tag only outside quotes. */
typedef enum {
  UNQUOTED,
  IN_DOUBLE_QUOTES,
  IN_SINGLE_QUOTES
} QuotingState;

static QuotingState
next_quoting_state (QuotingState state, gchar c)
{
  if (state == UNQUOTED)
    return c == '"' ? IN_DOUBLE_QUOTES : c == '\'' ? IN_SINGLE_QUOTES : UNQUOTED;
  if ((state == IN_DOUBLE_QUOTES && c == '"') || (state == IN_SINGLE_QUOTES && c == '\''))
    return UNQUOTED;
  return state;
}

/* Marks every (byte, state) a failed search passed through, from @from up to @stop:
 * a later search that reaches one of them fails too, without walking on. */
static void
mark_dead_ends (BertPlainText *plain, const gchar *markup, gsize from, gsize stop)
{
  QuotingState state = UNQUOTED;

  for (gsize i = from; i < stop; i++) {
    plain->dead_ends->data[i] |= 1 << state;
    state = next_quoting_state (state, markup[i]);
  }
  plain->scan_steps += stop - from;
}

/* The index just past the '>' closing the tag opened at @markup[@at], or 0 when
 * this '<' opens no tag (as in malformed "a < b"). A '>' inside a quoted attribute
 * value does not close the tag.
 *
 * Linear overall: a successful search's bytes are skipped by the caller, and a failed
 * one marks the (byte, state) pairs it passed, where any later search stops; each pair
 * is marked once, so all searches together examine at most 7 bytes per markup byte. */
static gsize
find_tag_end (BertPlainText *plain, const gchar *markup, gsize len, gsize at)
{
  QuotingState state = UNQUOTED;
  gsize i;

  if (at + 1 >= len
      || !(g_ascii_isalpha (markup[at + 1]) || markup[at + 1] == '/' || markup[at + 1] == '!'
          || markup[at + 1] == '?'))
    return 0;
  for (i = at + 1; i < len && !(plain->dead_ends->data[i] & (1 << state)); i++) {
    if (state == UNQUOTED && markup[i] == '>') {
      plain->scan_steps += i - at;
      return i + 1;
    }
    state = next_quoting_state (state, markup[i]);
  }
  plain->scan_steps += i - (at + 1);
  mark_dead_ends (plain, markup, at + 1, i);
  return 0;
}

/* "#233" or "#xE9" (between '&' and ';'): the character, or 0. */
static gunichar
parse_character_reference (const gchar *reference, gsize len)
{
  gchar digits[16];
  gchar *digits_end;
  guint base = 10;
  guint64 value;

  if (len < 2 || len >= sizeof (digits) || reference[0] != '#')
    return 0;
  memcpy (digits, reference + 1, len - 1);
  digits[len - 1] = '\0';
  if (digits[0] == 'x' || digits[0] == 'X') {
    memmove (digits, digits + 1, len - 1);
    base = 16;
  }
  /* strtoull would also take signs and spaces */
  if (!g_ascii_isxdigit (digits[0]))
    return 0;
  value = g_ascii_strtoull (digits, &digits_end, base);
  if (*digits_end != '\0' || value > 0x10FFFF || !g_unichar_validate ((gunichar) value))
    return 0;
  return (gunichar) value;
}

static gunichar
parse_entity_name (const gchar *name, gsize len)
{
  static const struct {
    const gchar *name;
    gunichar ch;
  } named[] = {
    { "amp", '&' },
    { "lt", '<' },
    { "gt", '>' },
    { "quot", '"' },
    { "apos", '\'' },
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (named); i++)
    if (strlen (named[i].name) == len && memcmp (named[i].name, name, len) == 0)
      return named[i].ch;
  return parse_character_reference (name, len);
}

/* Decodes the entity at @markup[@at] ('&') into @utf8; returns its length in the
 * markup, or 0 when it is no entity and the '&' stays literal text. */
static gsize
decode_entity (const gchar *markup, gsize len, gsize at, gchar utf8[6], gsize *utf8_len)
{
  const gsize longest_entity = 10; /* "&#x10FFFF;" */
  const gchar *semicolon;
  gunichar ch;

  semicolon = memchr (markup + at, ';', MIN (len - at, longest_entity + 1));
  if (!semicolon)
    return 0;
  ch = parse_entity_name (markup + at + 1, semicolon - (markup + at + 1));
  if (ch == 0)
    return 0;
  *utf8_len = g_unichar_to_utf8 (ch, utf8);
  return semicolon - (markup + at) + 1;
}

void
bert_plain_text_strip_markup (BertPlainText *plain, const gchar *markup, gsize len)
{
  gsize i = 0;

  g_byte_array_set_size (plain->text, 0);
  g_array_set_size (plain->source_start, 0);
  g_array_set_size (plain->source_end, 0);
  g_byte_array_set_size (plain->dead_ends, len);
  if (len > 0)
    memset (plain->dead_ends->data, 0, len);
  plain->scan_steps = 0;
  while (i < len) {
    gchar utf8[6];
    gsize utf8_len = 0, consumed = 0;

    if (markup[i] == '<' && (consumed = find_tag_end (plain, markup, len, i)) > 0) {
      i = consumed;
      continue;
    }
    if (markup[i] == '&' && (consumed = decode_entity (markup, len, i, utf8, &utf8_len)) > 0) {
      bert_plain_text_append (plain, utf8, utf8_len, i, i + consumed);
      i += consumed;
      continue;
    }
    bert_plain_text_append (plain, markup + i, 1, i, i + 1);
    i++;
  }
}

void
bert_plain_text_map_offsets (const BertPlainText *plain, guint32 *offsets, guint n_tokens)
{
  const guint32 *start = (const guint32 *) plain->source_start->data;
  const guint32 *end = (const guint32 *) plain->source_end->data;
  guint i;

  for (i = 0; i < n_tokens; i++) {
    guint32 *span = offsets + 2 * i;

    if (span[1] <= span[0] || span[1] > plain->text->len)
      continue; /* special tokens: [0, 0] */
    span[0] = start[span[0]];
    span[1] = end[span[1] - 1];
  }
}

void
bert_tokenizer_encode_markup (const BertTokenizer *tokenizer, BertPlainText *plain, const gchar *markup,
    gsize len, guint max_length, BertEncoding *encoding)
{
  bert_plain_text_strip_markup (plain, markup, len);
  bert_tokenizer_encode (tokenizer, (const gchar *) plain->text->data, plain->text->len, max_length,
      encoding);
  bert_plain_text_map_offsets (plain, encoding->offsets, encoding->n_tokens);
}
