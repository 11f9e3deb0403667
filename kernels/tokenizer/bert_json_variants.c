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
    JsonArray *pair = is_array (node) ? json_node_get_array (node) : NULL;
    pairs = pairs && pair != NULL && json_array_get_length (pair) == 2
        && is_string (json_array_get_element (pair, 0)) && is_string (json_array_get_element (pair, 1));
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

static gboolean
is_bpe (JsonObject *model)
{
  JsonNode *dropout = json_object_get_member (model, "dropout");
  JsonNode *prefix = json_object_get_member (model, "continuing_subword_prefix");

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
  return bpe_merges_build (json_object_get_array_member (model, "merges"),
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

/* Vec<(String, f64)>: each entry exactly a piece and a number. */
static gboolean
is_scored_pieces (JsonNode *node)
{
  if (!is_array (node))
    return FALSE;
  JsonArray *pieces = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (pieces); i++) {
    JsonNode *entry = json_array_get_element (pieces, i);
    JsonArray *pair = is_array (entry) ? json_node_get_array (entry) : NULL;
    if (pair == NULL || json_array_get_length (pair) != 2 || !is_string (json_array_get_element (pair, 0))
        || !is_number (json_array_get_element (pair, 1)))
      return FALSE;
  }
  return TRUE;
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
is_typed_or_inferred_normalizer (JsonNode *node)
{
  return is_object (node) && bert_json_normalizer_type (json_node_get_object (node)) != NULL;
}

static gboolean
is_normalizer_list (JsonNode *node)
{
  if (!is_array (node))
    return FALSE;
  JsonArray *list = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (list); i++)
    if (!is_typed_or_inferred_normalizer (json_array_get_element (list, i)))
      return FALSE;
  return TRUE;
}

/* ReplacePattern, an externally tagged enum: {"String": s} or {"Regex": s}. */
static gboolean
is_replace_pattern (JsonNode *node)
{
  if (!is_object (node) || json_object_get_size (json_node_get_object (node)) != 1)
    return FALSE;
  JsonObject *pattern = json_node_get_object (node);
  return required (pattern, "String", is_string) || required (pattern, "Regex", is_string);
}

const char *
bert_json_normalizer_type (JsonObject *normalizer)
{
  JsonNode *type = json_object_get_member (normalizer, "type");

  if (type != NULL)
    return is_string (type) ? json_node_get_string (type) : NULL;
  /* NormalizerUntagged's order; the variants left out need their type */
  if (required (normalizer, "clean_text", is_bool) && required (normalizer, "handle_chinese_chars", is_bool)
      && optional (normalizer, "strip_accents", is_bool) && required (normalizer, "lowercase", is_bool))
    return "BertNormalizer";
  if (required (normalizer, "strip_left", is_bool) && required (normalizer, "strip_right", is_bool))
    return "Strip";
  if (required (normalizer, "normalizers", is_normalizer_list))
    return "Sequence";
  if (required (normalizer, "pattern", is_replace_pattern) && required (normalizer, "content", is_string))
    return "Replace";
  if (required (normalizer, "prepend", is_string))
    return "Prepend";
  return NULL;
}

/* ---- post-processors ---- */

/* (String, u32): ["</s>", 2]. */
static gboolean
is_token_and_id (JsonNode *node)
{
  JsonArray *pair = is_array (node) ? json_node_get_array (node) : NULL;
  return pair != NULL && json_array_get_length (pair) == 2 && is_string (json_array_get_element (pair, 0))
      && is_u32 (json_array_get_element (pair, 1));
}

const char *
bert_json_post_processor_type (JsonObject *processor)
{
  JsonNode *type = json_object_get_member (processor, "type");
  const char *name = is_string (type) ? json_node_get_string (type) : "";
  gboolean bert =
      required (processor, "sep", is_token_and_id) && required (processor, "cls", is_token_and_id);

  /* PostProcessorWrapper's order */
  if (bert && required (processor, "trim_offsets", is_bool)
      && required (processor, "add_prefix_space", is_bool))
    return "RobertaProcessing";
  if (bert)
    return "BertProcessing";
  if (strcmp (name, "ByteLevel") == 0 && required (processor, "add_prefix_space", is_bool)
      && required (processor, "trim_offsets", is_bool) && defaulted (processor, "use_regex", is_bool))
    return "ByteLevel";
  /* The reference needs "pair" too; this library reads a template without one, for
   * single sequences only (read_pair_template says so). */
  if (required (processor, "single", is_array) && optional (processor, "pair", is_array)
      && required (processor, "special_tokens", is_object))
    return "TemplateProcessing";
  if (strcmp (name, "Sequence") == 0 && required (processor, "processors", is_array))
    return "Sequence";
  return NULL;
}
