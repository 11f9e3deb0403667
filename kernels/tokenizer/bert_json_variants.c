/* bert_json_variants.c: the variant Hugging Face tokenizers reads an untyped object as.
 *
 * Each check below is what that variant's serde deserializer requires (tokenizers 0.23:
 * models/{bpe,wordpiece,wordlevel,unigram}/serialization.rs, normalizers/mod.rs,
 * processors/mod.rs): a member it reads must have the right JSON type, a required one
 * must be there (null counts as there, and fails, except for Option members), and the
 * members it does not know are ignored. A variant whose builder fails (a BPE merge of
 * tokens not in the vocabulary, a Unigram unk_id past its vocabulary) does not match
 * either, and the next one is tried.
 */
#include "bert_json_variants.h"

#include <string.h>

typedef gboolean (*NodeCheck) (JsonNode *node);

static gboolean
holds (JsonNode *node, GType type)
{
  return node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == type;
}

static gboolean
is_string (JsonNode *node)
{
  return holds (node, G_TYPE_STRING);
}

static gboolean
is_bool (JsonNode *node)
{
  return holds (node, G_TYPE_BOOLEAN);
}

static gboolean
is_number (JsonNode *node)
{
  return holds (node, G_TYPE_INT64) || holds (node, G_TYPE_DOUBLE);
}

/* serde's u32 and usize: a JSON integer (5.0 is not one) in range. */
static gboolean
is_u32 (JsonNode *node)
{
  return holds (node, G_TYPE_INT64) && json_node_get_int (node) >= 0
      && json_node_get_int (node) <= G_MAXUINT32;
}

static gboolean
is_usize (JsonNode *node)
{
  return holds (node, G_TYPE_INT64) && json_node_get_int (node) >= 0;
}

/* serde's char: a string of one character. */
static gboolean
is_char (JsonNode *node)
{
  return is_string (node) && g_utf8_strlen (json_node_get_string (node), -1) == 1;
}

static gboolean
is_array (JsonNode *node)
{
  return node != NULL && JSON_NODE_HOLDS_ARRAY (node);
}

static gboolean
is_object (JsonNode *node)
{
  return node != NULL && JSON_NODE_HOLDS_OBJECT (node);
}

static gboolean
is_list_of (JsonNode *node, NodeCheck check)
{
  if (!is_array (node))
    return FALSE;
  JsonArray *list = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (list); i++)
    if (!check (json_array_get_element (list, i)))
      return FALSE;
  return TRUE;
}

/* A tuple (A, B) as serde reads it: a list of exactly two, an A and a B. */
static gboolean
is_pair (JsonNode *node, NodeCheck first, NodeCheck second)
{
  JsonArray *pair = is_array (node) ? json_node_get_array (node) : NULL;
  return pair != NULL && json_array_get_length (pair) == 2 && first (json_array_get_element (pair, 0))
      && second (json_array_get_element (pair, 1));
}

/* The object's "type" where it is a string, or NULL. */
static const char *
type_tag (JsonObject *object)
{
  JsonNode *type = json_object_get_member (object, "type");
  return is_string (type) ? json_node_get_string (type) : NULL;
}

/* A member serde reads as T: present and a T. */
static gboolean
required (JsonObject *object, const char *name, NodeCheck check)
{
  return check (json_object_get_member (object, name));
}

/* A member serde reads as Option<T>: absent, null or a T. */
static gboolean
optional (JsonObject *object, const char *name, NodeCheck check)
{
  JsonNode *node = json_object_get_member (object, name);
  return node == NULL || JSON_NODE_HOLDS_NULL (node) || check (node);
}

/* A member with a serde default: absent or a T (null is not one). */
static gboolean
defaulted (JsonObject *object, const char *name, NodeCheck check)
{
  return !json_object_has_member (object, name) || required (object, name, check);
}

/* A vocabulary as AHashMap<String, u32>. */
static gboolean
is_id_map (JsonNode *node)
{
  if (!is_object (node))
    return FALSE;
  JsonObjectIter iter;
  const char *token;
  JsonNode *id;
  json_object_iter_init (&iter, json_node_get_object (node));
  while (json_object_iter_next (&iter, &token, &id))
    if (!is_u32 (id))
      return FALSE;
  return TRUE;
}

/* ---- models ---- */

static gboolean
merge_is_built (JsonObject *vocab, const char *left, gsize left_length, const char *right,
    gsize prefix_length)
{
  char *left_token = g_strndup (left, left_length);
  gboolean known = json_object_has_member (vocab, left_token) && json_object_has_member (vocab, right);
  /* A right part shorter than the prefix makes tokenizers panic, not try the next
   * variant: it stays a BPE, which the reader refuses. */
  if (known && strlen (right) >= prefix_length) {
    char *merged = g_strconcat (left_token, right + prefix_length, NULL);
    known = json_object_has_member (vocab, merged);
    g_free (merged);
  }
  g_free (left_token);
  return known;
}

/* BPE's merges: all [left, right] pairs, or all "left right" strings (lines starting with
 * "#version" skipped), every part and merge in the vocabulary. */
static gboolean
bpe_merges_build (JsonArray *merges, JsonObject *vocab, gsize prefix_length)
{
  guint n = json_array_get_length (merges);
  gboolean pairs = TRUE, strings = TRUE;
  for (guint i = 0; i < n; i++) {
    JsonNode *node = json_array_get_element (merges, i);
    pairs = pairs && is_pair (node, is_string, is_string);
    strings = strings && is_string (node);
  }
  for (guint i = 0; (pairs || strings) && i < n; i++) {
    JsonNode *node = json_array_get_element (merges, i);
    if (pairs) {
      const char *left = json_array_get_string_element (json_node_get_array (node), 0);
      if (!merge_is_built (vocab, left, strlen (left),
              json_array_get_string_element (json_node_get_array (node), 1), prefix_length))
        return FALSE;
      continue;
    }
    const char *line = json_node_get_string (node);
    const char *space = strchr (line, ' ');
    if (g_str_has_prefix (line, "#version"))
      continue;
    if (space == NULL || strchr (space + 1, ' ') != NULL
        || !merge_is_built (vocab, line, space - line, space + 1, prefix_length))
      return FALSE;
  }
  return pairs || strings;
}

/* BPE's members, of their types, and the builder's check of dropout. */
static gboolean
is_bpe_form (JsonObject *model)
{
  JsonNode *dropout = json_object_get_member (model, "dropout");

  if (!optional (model, "dropout", is_number) || !optional (model, "unk_token", is_string)
      || !optional (model, "continuing_subword_prefix", is_string)
      || !optional (model, "end_of_word_suffix", is_string) || !optional (model, "fuse_unk", is_bool)
      || !optional (model, "byte_fallback", is_bool) || !optional (model, "ignore_merges", is_bool)
      || !required (model, "vocab", is_id_map) || !required (model, "merges", is_array))
    return FALSE;
  /* the builder's check, on the f32 that dropout is read as */
  if (is_number (dropout)) {
    float p = (float) json_node_get_double (dropout);
    if (!(p >= 0.0f && p <= 1.0f))
      return FALSE;
  }
  return TRUE;
}

static gboolean
is_bpe (JsonObject *model)
{
  JsonNode *prefix = json_object_get_member (model, "continuing_subword_prefix");

  return is_bpe_form (model)
      && bpe_merges_build (json_object_get_array_member (model, "merges"),
          json_object_get_object_member (model, "vocab"),
          is_string (prefix) ? strlen (json_node_get_string (prefix)) : 0);
}

static gboolean
is_word_level (JsonObject *model)
{
  return required (model, "unk_token", is_string) && required (model, "vocab", is_id_map);
}

static gboolean
is_word_piece (JsonObject *model)
{
  return is_word_level (model) && required (model, "continuing_subword_prefix", is_string)
      && required (model, "max_input_chars_per_word", is_usize);
}

/* (String, f64): a piece and its score. */
static gboolean
is_scored_piece (JsonNode *node)
{
  return is_pair (node, is_string, is_number);
}

/* Vec<(String, f64)>. */
static gboolean
is_scored_pieces (JsonNode *node)
{
  return is_list_of (node, is_scored_piece);
}

static gboolean
is_unigram (JsonObject *model, gint64 taken_pieces)
{
  JsonNode *unk_id = json_object_get_member (model, "unk_id");
  if (!required (model, "vocab", is_scored_pieces) || !optional (model, "unk_id", is_usize)
      || !defaulted (model, "byte_fallback", is_bool))
    return FALSE;
  gint64 n_pieces = taken_pieces >= 0 ? taken_pieces
                                      : json_array_get_length (json_object_get_array_member (model, "vocab"));
  /* Unigram::from refuses an unk_id outside the vocabulary */
  return !is_usize (unk_id) || json_node_get_int (unk_id) < n_pieces;
}

gboolean
bert_json_model_has_form (JsonObject *model, const char *type, gint64 taken_pieces)
{
  if (strcmp (type, "BPE") == 0)
    return is_bpe_form (model);
  if (strcmp (type, "WordPiece") == 0)
    return is_word_piece (model);
  if (strcmp (type, "WordLevel") == 0)
    return is_word_level (model);
  return strcmp (type, "Unigram") == 0 && is_unigram (model, taken_pieces);
}

const char *
bert_json_model_type (JsonObject *model, gint64 taken_pieces, gboolean *inferred)
{
  JsonNode *type = json_object_get_member (model, "type");

  *inferred = type == NULL;
  if (type != NULL)
    return is_string (type) ? json_node_get_string (type) : NULL;
  if (is_bpe (model))
    return "BPE";
  /* WordPiece before WordLevel: WordLevel's members are a subset of WordPiece's */
  if (is_word_piece (model))
    return "WordPiece";
  if (is_word_level (model))
    return "WordLevel";
  if (is_unigram (model, taken_pieces))
    return "Unigram";
  return NULL;
}

/* ---- normalizers ---- */

static gboolean
is_normalizer (JsonNode *node)
{
  return is_object (node) && bert_json_normalizer_type (json_node_get_object (node)) != NULL;
}

static gboolean
is_normalizer_list (JsonNode *node)
{
  return is_list_of (node, is_normalizer);
}

/* A regex as Replace compiles it (Oniguruma there, PCRE here: the same for all but corner
 * cases of syntax). */
static gboolean
regex_compiles (const char *pattern)
{
  GRegex *regex = g_regex_new (pattern, 0, 0, NULL);
  if (regex == NULL)
    return FALSE;
  g_regex_unref (regex);
  return TRUE;
}

/* ReplacePattern, an externally tagged enum: {"String": s} or {"Regex": s}. */
static gboolean
is_replace_pattern (JsonNode *node)
{
  if (!is_object (node) || json_object_get_size (json_node_get_object (node)) != 1)
    return FALSE;
  JsonObject *pattern = json_node_get_object (node);
  return required (pattern, "String", is_string)
      || (required (pattern, "Regex", is_string)
          && regex_compiles (json_object_get_string_member (pattern, "Regex")));
}

/* Replace, the normaliser and the decoder. */
static gboolean
is_replace (JsonObject *object)
{
  return required (object, "pattern", is_replace_pattern) && required (object, "content", is_string);
}

static gboolean
is_bert_normalizer (JsonObject *normalizer)
{
  return required (normalizer, "clean_text", is_bool)
      && required (normalizer, "handle_chinese_chars", is_bool)
      && optional (normalizer, "strip_accents", is_bool) && required (normalizer, "lowercase", is_bool);
}

static gboolean
is_strip_normalizer (JsonObject *normalizer)
{
  return required (normalizer, "strip_left", is_bool) && required (normalizer, "strip_right", is_bool);
}

static gboolean
is_normalizer_sequence (JsonObject *normalizer)
{
  return required (normalizer, "normalizers", is_normalizer_list);
}

static gboolean
is_prepend (JsonObject *normalizer)
{
  return required (normalizer, "prepend", is_string);
}

/* The value of a character of standard base64, or -1. */
static int
base64_value (char c)
{
  static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const char *at = c != '\0' ? strchr (alphabet, c) : NULL;
  return at ? (int) (at - alphabet) : -1;
}

/* precompiled_charsmap as the base64 crate's standard engine decodes it there: the alphabet
 * with "+" and "/" only, "=" padding optional but, where present, exactly completing the
 * last group, no lone last character, and the last character's unused bits zero. Empty is
 * refused too ("Cannot parse precompiled_charsmap"). */
static gboolean
is_charsmap (JsonNode *node)
{
  const char *text = is_string (node) ? json_node_get_string (node) : "";
  gsize length = strlen (text), padding = 0;

  while (padding < length && padding < 3 && text[length - 1 - padding] == '=')
    padding++;
  gsize n = length - padding;
  if (n == 0 || n % 4 == 1 || padding > 2 || (padding > 0 && length % 4 != 0))
    return FALSE;
  for (gsize i = 0; i < n; i++)
    if (base64_value (text[i]) < 0)
      return FALSE;
  int unused_bits = n % 4 == 2 ? 0x0F : n % 4 == 3 ? 0x03 : 0;
  return (base64_value (text[n - 1]) & unused_bits) == 0;
}

static gboolean
is_precompiled (JsonObject *normalizer)
{
  return required (normalizer, "precompiled_charsmap", is_charsmap);
}

/* Those without members: the type is all. */
static gboolean
is_anything (JsonObject *object)
{
  return object != NULL;
}

typedef struct {
  const char *tag;  /* the "type" that selects it */
  const char *name; /* what it is called in errors and by the readers */
  gboolean (*check) (JsonObject *object);
  gboolean untyped;  /* read by its members where the type names no variant */
  const char *needs; /* its members, for errors */
} Variant;

/* NormalizerWrapper's: the tags of its EnumType (BertNormalizer's is "Bert"), in
 * NormalizerUntagged's order. */
static const Variant normalizers[] = {
  { "Bert", "BertNormalizer", is_bert_normalizer, TRUE,
      "clean_text, handle_chinese_chars, lowercase (booleans) and strip_accents (a boolean or null)" },
  { "Strip", "Strip", is_strip_normalizer, TRUE, "strip_left and strip_right (booleans)" },
  { "StripAccents", "StripAccents", is_anything, FALSE, "nothing more" },
  { "NFC", "NFC", is_anything, FALSE, "nothing more" },
  { "NFD", "NFD", is_anything, FALSE, "nothing more" },
  { "NFKC", "NFKC", is_anything, FALSE, "nothing more" },
  { "NFKD", "NFKD", is_anything, FALSE, "nothing more" },
  { "Sequence", "Sequence", is_normalizer_sequence, TRUE, "normalizers (a list of normalizers)" },
  { "Lowercase", "Lowercase", is_anything, FALSE, "nothing more" },
  { "Nmt", "Nmt", is_anything, FALSE, "nothing more" },
  { "Precompiled", "Precompiled", is_precompiled, FALSE,
      "precompiled_charsmap (standard base64, not empty)" },
  { "Replace", "Replace", is_replace, TRUE,
      "pattern ({\"String\": s} or {\"Regex\": r}, r a valid regex) and content (a string)" },
  { "Prepend", "Prepend", is_prepend, TRUE, "prepend (a string)" },
  { "ByteLevel", "ByteLevel", is_anything, FALSE, "nothing more" },
};

/* tokenizers' reading of its normalisers and decoders: a "type" naming a variant selects
 * it, and its members must then fit (no other is tried); any other object (no type, an
 * unknown one, one that is not a string) is tried as each variant whose serde derive
 * ignores the tag, in order (those built with impl_serde_type! or MustBe! need theirs). */
static const char *
variant_read (JsonObject *object, const Variant *variants, guint n_variants)
{
  const char *tag = type_tag (object);

  for (guint i = 0; tag != NULL && i < n_variants; i++)
    if (strcmp (tag, variants[i].tag) == 0)
      return variants[i].check (object) ? variants[i].name : NULL;
  for (guint i = 0; i < n_variants; i++)
    if (variants[i].untyped && variants[i].check (object))
      return variants[i].name;
  return NULL;
}

/* What the variant the object's "type" names needs, or the variants read by their members
 * and what each needs. Free it. */
static char *
variant_expected (JsonObject *object, const Variant *variants, guint n_variants)
{
  const char *tag = type_tag (object);
  GString *expected = g_string_new (NULL);

  for (guint i = 0; tag != NULL && i < n_variants; i++)
    if (strcmp (tag, variants[i].tag) == 0) {
      g_string_printf (expected, "type %s needs %s", tag, variants[i].needs);
      return g_string_free (expected, FALSE);
    }
  g_string_append (expected, "without a type naming one, the first of");
  for (guint i = 0; i < n_variants; i++)
    if (variants[i].untyped)
      g_string_append_printf (expected, " %s (%s);", variants[i].name, variants[i].needs);
  g_string_truncate (expected, expected->len - 1);
  return g_string_free (expected, FALSE);
}

char *
bert_json_normalizer_expected (JsonObject *normalizer)
{
  return variant_expected (normalizer, normalizers, G_N_ELEMENTS (normalizers));
}

const char *
bert_json_normalizer_type (JsonObject *normalizer)
{
  return variant_read (normalizer, normalizers, G_N_ELEMENTS (normalizers));
}

/* ---- decoders ---- */

static gboolean
is_decoder (JsonNode *node)
{
  return is_object (node) && bert_json_decoder_type (json_node_get_object (node)) != NULL;
}

static gboolean
is_decoder_list (JsonNode *node)
{
  return is_list_of (node, is_decoder);
}

static gboolean
is_bpe_decoder (JsonObject *decoder)
{
  return required (decoder, "suffix", is_string);
}

/* ByteLevel, the pre-tokenizer, decoder and post-processor. */
static gboolean
is_byte_level (JsonObject *object)
{
  return required (object, "add_prefix_space", is_bool) && required (object, "trim_offsets", is_bool)
      && defaulted (object, "use_regex", is_bool);
}

static gboolean
is_word_piece_decoder (JsonObject *decoder)
{
  return required (decoder, "prefix", is_string) && required (decoder, "cleanup", is_bool);
}

static gboolean
is_prepend_scheme (JsonNode *node)
{
  const char *scheme = is_string (node) ? json_node_get_string (node) : "";
  return strcmp (scheme, "always") == 0 || strcmp (scheme, "first") == 0 || strcmp (scheme, "never") == 0;
}

/* Metaspace, the pre-tokenizer and the decoder: add_prefix_space false only beside
 * prepend_scheme "never" (the default is "always"). */
static gboolean
is_metaspace (JsonObject *object)
{
  JsonNode *add_prefix_space = json_object_get_member (object, "add_prefix_space");
  JsonNode *scheme = json_object_get_member (object, "prepend_scheme");

  if (!required (object, "replacement", is_char) || !optional (object, "add_prefix_space", is_bool)
      || !defaulted (object, "prepend_scheme", is_prepend_scheme) || !optional (object, "split", is_bool)
      || !optional (object, "str_rep", is_string))
    return FALSE;
  return !is_bool (add_prefix_space) || json_node_get_boolean (add_prefix_space)
      || (scheme != NULL && strcmp (json_node_get_string (scheme), "never") == 0);
}

static gboolean
is_ctc (JsonObject *decoder)
{
  return required (decoder, "pad_token", is_string) && required (decoder, "word_delimiter_token", is_string)
      && required (decoder, "cleanup", is_bool);
}

static gboolean
is_decoder_sequence (JsonObject *decoder)
{
  return required (decoder, "decoders", is_decoder_list);
}

static gboolean
is_strip_decoder (JsonObject *decoder)
{
  return required (decoder, "content", is_char) && required (decoder, "start", is_usize)
      && required (decoder, "stop", is_usize);
}

static gboolean
is_pre_tokenizer_of_form (JsonNode *node)
{
  return is_object (node) && bert_json_pre_tokenizer_has_form (json_node_get_object (node));
}

static gboolean
is_list_of_pre_tokenizers (JsonNode *node)
{
  return is_list_of (node, is_pre_tokenizer_of_form);
}

gboolean
bert_json_pre_tokenizer_has_form (JsonObject *pre_tokenizer)
{
  const char *tag = type_tag (pre_tokenizer);

  if (g_strcmp0 (tag, "ByteLevel") == 0)
    return is_byte_level (pre_tokenizer);
  if (g_strcmp0 (tag, "Metaspace") == 0)
    return is_metaspace (pre_tokenizer);
  if (g_strcmp0 (tag, "Sequence") == 0)
    return required (pre_tokenizer, "pretokenizers", is_list_of_pre_tokenizers);
  return TRUE;
}

/* DecoderWrapper's: the tags of its EnumType, in DecoderUntagged's order. */
static const Variant decoders[] = {
  { "BPEDecoder", "BPEDecoder", is_bpe_decoder, TRUE, "suffix (a string)" },
  { "ByteLevel", "ByteLevel", is_byte_level, FALSE,
      "add_prefix_space and trim_offsets (booleans), use_regex (a boolean) or none" },
  { "WordPiece", "WordPiece", is_word_piece_decoder, TRUE, "prefix (a string) and cleanup (a boolean)" },
  { "Metaspace", "Metaspace", is_metaspace, FALSE,
      "replacement (one character), prepend_scheme (\"always\", \"first\" or \"never\") or none, split, "
      "add_prefix_space (booleans or null; add_prefix_space false only with prepend_scheme \"never\") and "
      "str_rep (a string or null)" },
  { "CTC", "CTC", is_ctc, TRUE, "pad_token, word_delimiter_token (strings) and cleanup (a boolean)" },
  { "Sequence", "Sequence", is_decoder_sequence, FALSE, "decoders (a list of decoders)" },
  { "Replace", "Replace", is_replace, TRUE,
      "pattern ({\"String\": s} or {\"Regex\": r}, r a valid regex) and content (a string)" },
  { "Fuse", "Fuse", is_anything, FALSE, "nothing more" },
  { "Strip", "Strip", is_strip_decoder, TRUE, "content (one character), start and stop (integers from 0)" },
  { "ByteFallback", "ByteFallback", is_anything, FALSE, "nothing more" },
};

char *
bert_json_decoder_expected (JsonObject *decoder)
{
  return variant_expected (decoder, decoders, G_N_ELEMENTS (decoders));
}

const char *
bert_json_decoder_type (JsonObject *decoder)
{
  return variant_read (decoder, decoders, G_N_ELEMENTS (decoders));
}

/* ---- post-processors ---- */

/* (String, u32): ["</s>", 2]. */
static gboolean
is_token_and_id (JsonNode *node)
{
  return is_pair (node, is_string, is_u32);
}

/* A template's piece, an externally tagged enum: {"Sequence": {"id": "A" or "B", "type_id"}}
 * or {"SpecialToken": {"id", "type_id"}}. */
static JsonNode *
only_member (JsonObject *object)
{
  JsonObjectIter iter;
  JsonNode *member = NULL;

  if (json_object_get_size (object) == 1) {
    json_object_iter_init (&iter, object);
    json_object_iter_next (&iter, NULL, &member);
  }
  return member;
}

static gboolean
is_template_piece (JsonNode *node)
{
  JsonObject *piece = is_object (node) ? json_node_get_object (node) : NULL;
  JsonNode *inner = piece ? only_member (piece) : NULL;
  JsonObject *fields = is_object (inner) ? json_node_get_object (inner) : NULL;

  if (fields == NULL || !required (fields, "type_id", is_u32))
    return FALSE;
  if (json_object_has_member (piece, "SpecialToken"))
    return required (fields, "id", is_string);
  const char *id =
      is_string (json_object_get_member (fields, "id")) ? json_object_get_string_member (fields, "id") : "";
  return json_object_has_member (piece, "Sequence") && (strcmp (id, "A") == 0 || strcmp (id, "B") == 0);
}

static gboolean
is_template (JsonNode *node)
{
  return is_list_of (node, is_template_piece);
}

static gboolean
is_u32_list (JsonNode *node)
{
  return is_list_of (node, is_u32);
}

static gboolean
is_string_list (JsonNode *node)
{
  return is_list_of (node, is_string);
}

/* special_tokens: a map of SpecialToken {"id", "ids", "tokens"}. */
static gboolean
is_special_token_map (JsonNode *node)
{
  if (!is_object (node))
    return FALSE;
  JsonObjectIter iter;
  const char *name;
  JsonNode *special;
  json_object_iter_init (&iter, json_node_get_object (node));
  while (json_object_iter_next (&iter, &name, &special)) {
    JsonObject *token = is_object (special) ? json_node_get_object (special) : NULL;
    if (token == NULL || !required (token, "id", is_string) || !required (token, "ids", is_u32_list)
        || !required (token, "tokens", is_string_list))
      return FALSE;
  }
  return TRUE;
}

static gboolean
is_post_processor (JsonNode *node)
{
  return is_object (node) && bert_json_post_processor_type (json_node_get_object (node)) != NULL;
}

static gboolean
is_post_processor_list (JsonNode *node)
{
  return is_list_of (node, is_post_processor);
}

const char *
bert_json_post_processor_type (JsonObject *processor)
{
  const char *name = type_tag (processor);
  gboolean bert =
      required (processor, "sep", is_token_and_id) && required (processor, "cls", is_token_and_id);

  /* PostProcessorWrapper's order */
  if (bert && required (processor, "trim_offsets", is_bool)
      && required (processor, "add_prefix_space", is_bool))
    return "RobertaProcessing";
  if (bert)
    return "BertProcessing";
  if (g_strcmp0 (name, "ByteLevel") == 0 && is_byte_level (processor))
    return "ByteLevel";
  if (required (processor, "single", is_template) && required (processor, "pair", is_template)
      && required (processor, "special_tokens", is_special_token_map))
    return "TemplateProcessing";
  if (g_strcmp0 (name, "Sequence") == 0 && required (processor, "processors", is_post_processor_list))
    return "Sequence";
  return NULL;
}

/* ---- the tokenizer's own members ---- */

static gboolean
is_one_of (JsonNode *node, const char *const *names)
{
  for (guint i = 0; is_string (node) && names[i] != NULL; i++)
    if (strcmp (json_node_get_string (node), names[i]) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
is_truncation_strategy (JsonNode *node)
{
  static const char *const strategies[] = { "LongestFirst", "OnlyFirst", "OnlySecond", NULL };
  return is_one_of (node, strategies);
}

static gboolean
is_direction (JsonNode *node)
{
  static const char *const directions[] = { "Left", "Right", NULL };
  return is_one_of (node, directions);
}

gboolean
bert_json_truncation_has_form (JsonObject *truncation)
{
  return required (truncation, "max_length", is_usize)
      && required (truncation, "strategy", is_truncation_strategy)
      && required (truncation, "stride", is_usize) && defaulted (truncation, "direction", is_direction);
}

/* PaddingStrategy, an externally tagged enum: "BatchLongest" or {"Fixed": n}. */
static gboolean
is_padding_strategy (JsonNode *node)
{
  static const char *const unit[] = { "BatchLongest", NULL };
  JsonObject *fixed = is_object (node) ? json_node_get_object (node) : NULL;
  return is_one_of (node, unit)
      || (fixed != NULL && json_object_get_size (fixed) == 1 && required (fixed, "Fixed", is_usize));
}

gboolean
bert_json_padding_has_form (JsonObject *padding)
{
  return required (padding, "strategy", is_padding_strategy) && required (padding, "direction", is_direction)
      && optional (padding, "pad_to_multiple_of", is_usize) && required (padding, "pad_id", is_u32)
      && required (padding, "pad_type_id", is_u32) && required (padding, "pad_token", is_string);
}

gboolean
bert_json_added_token_has_form (JsonObject *token)
{
  static const char *const flags[] = { "single_word", "lstrip", "rstrip", "normalized", "special" };

  if (!required (token, "id", is_u32) || !required (token, "content", is_string))
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (flags); i++)
    if (!required (token, flags[i], is_bool))
      return FALSE;
  return TRUE;
}
