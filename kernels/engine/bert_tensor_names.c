/* bert_tensor_names.c: a checkpoint's tensors by the names transformers loads them as. */
#include "bert_tensor_names.h"

#include <string.h>

#define LEGACY_STEM "LayerNorm"

/* transformers' legacy renamings of LayerNorm, in its order: LEGACY_STEM, any one
 * character, then word, not followed by a word character, becomes target. */
typedef struct {
  const char *word, *target, *name_suffix;
} LegacyRenaming;

static const LegacyRenaming legacy_renamings[] = {
  { "gamma", LEGACY_STEM ".weight", "weight" },
  { "beta", LEGACY_STEM ".bias", "bias" },
};

/* The two tensors first by name that are loaded as one name: more than one is an error,
 * and the error names the same two whatever the order of the file. */
typedef struct {
  const BertSafetensorsTensor *first, *second;
} Candidates;

struct _BertTensorNames {
  GHashTable *by_name; /* renamed name (owned) -> Candidates (owned) */
};

/* Python's \w: an alphanumeric character or '_'. GLib's tables may lag or lead Python's
 * by a Unicode version; it cannot matter here, as a match followed by any character
 * leaves text after LayerNorm.weight, which no name the engine reads has. */
static gboolean
is_word_character (const char *at)
{
  gunichar c = g_utf8_get_char (at);

  return c == '_' || g_unichar_isalnum (c);
}

/* re.search of the renaming's pattern in key, then str.replace of the matched text,
 * once: that replaces its first occurrence, which comes before the match where an
 * earlier one was followed by a word character. */
static char *
apply_legacy_renaming (const char *key, const LegacyRenaming *renaming)
{
  gsize word_length = strlen (renaming->word);

  for (const char *at = strstr (key, LEGACY_STEM); at != NULL; at = strstr (at + 1, LEGACY_STEM)) {
    const char *any = at + strlen (LEGACY_STEM), *word, *end, *first;
    char *matched, *renamed;

    if (*any == '\0' || *any == '\n')
      continue;
    word = g_utf8_next_char (any);
    end = word + word_length;
    if (strncmp (word, renaming->word, word_length) != 0 || is_word_character (end))
      continue;
    matched = g_strndup (at, end - at);
    first = strstr (key, matched);
    renamed = g_strdup_printf ("%.*s%s%s", (int) (first - key), key, renaming->target, first + (end - at));
    g_free (matched);
    return renamed;
  }
  return g_strdup (key);
}

char *
bert_tensor_names_rename (const char *key)
{
  char *renamed = g_strdup (key);

  /* transformers' keys are Python strings: a name that is not UTF-8 is never renamed. */
  if (!g_utf8_validate (key, -1, NULL))
    return renamed;
  for (guint i = 0; i < G_N_ELEMENTS (legacy_renamings); i++) {
    char *next = apply_legacy_renaming (renamed, &legacy_renamings[i]);

    g_free (renamed);
    renamed = next;
  }
  return renamed;
}

char *
bert_tensor_names_legacy (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (legacy_renamings); i++)
    if (g_str_has_suffix (name, legacy_renamings[i].target)) {
      gsize kept = strlen (name) - strlen (legacy_renamings[i].name_suffix);

      return g_strdup_printf ("%.*s%s", (int) kept, name, legacy_renamings[i].word);
    }
  return NULL;
}

static void
add_candidate (Candidates *candidates, const BertSafetensorsTensor *tensor)
{
  if (candidates->first == NULL || strcmp (tensor->name, candidates->first->name) < 0) {
    candidates->second = candidates->first;
    candidates->first = tensor;
  } else if (candidates->second == NULL || strcmp (tensor->name, candidates->second->name) < 0) {
    candidates->second = tensor;
  }
}

BertTensorNames *
bert_tensor_names_new (const BertSafetensors *tensors)
{
  BertTensorNames *names = g_new0 (BertTensorNames, 1);
  GHashTableIter iter;
  gpointer value;

  names->by_name = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_hash_table_iter_init (&iter, tensors->tensors);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    const BertSafetensorsTensor *tensor = value;
    char *renamed = bert_tensor_names_rename (tensor->name);
    Candidates *candidates = g_hash_table_lookup (names->by_name, renamed);

    if (candidates == NULL) {
      candidates = g_new0 (Candidates, 1);
      g_hash_table_insert (names->by_name, renamed, candidates);
    } else {
      g_free (renamed);
    }
    add_candidate (candidates, tensor);
  }
  return names;
}

void
bert_tensor_names_free (BertTensorNames *names)
{
  if (names == NULL)
    return;
  g_hash_table_unref (names->by_name);
  g_free (names);
}

const BertSafetensorsTensor *
bert_tensor_names_lookup (const BertTensorNames *names, const char *name, const BertSafetensorsTensor **other)
{
  const Candidates *candidates = g_hash_table_lookup (names->by_name, name);

  *other = candidates != NULL ? candidates->second : NULL;
  return candidates != NULL ? candidates->first : NULL;
}
