/* bert_transformer_module.c: the Transformer module's folder from modules.json.
 * See bert_transformer_module.h.
 */
#include "bert_transformer_module.h"

#include "bert_json_guards.h"
#include "bert_json_fields.h"
#include "bert_model_file.h"
#include "bert_tokenizer.h"

#include <json-glib/json-glib.h>
#include <string.h>

/* modules.json is a few hundred bytes; a megabyte is no real one. */
#define MODULES_FILE_MAX_BYTES ((gsize) 1 << 20)

static JsonParser *
parse_modules (const char *path, GError **error)
{
  JsonParser *parser = json_parser_new_immutable ();
  GError *local_error = NULL;
  char *text = NULL, *misreading = NULL;
  gsize length = 0;

  if (!bert_model_file_read (path, MODULES_FILE_MAX_BYTES, &text, &length, &local_error)) {
    g_set_error (error, BERT_TOKENIZER_ERROR, BERT_TOKENIZER_ERROR_FILE, "%s", local_error->message);
    g_error_free (local_error);
  } else if ((misreading = bert_json_find_misreading (text, length)) != NULL) {
    g_set_error (error, BERT_TOKENIZER_ERROR, BERT_TOKENIZER_ERROR_FORMAT, "%s:%s", path, misreading);
    g_free (misreading);
  } else if (!json_parser_load_from_data (parser, text, length, NULL) || json_parser_get_root (parser) == NULL
      || !JSON_NODE_HOLDS_ARRAY (json_parser_get_root (parser))) {
    g_set_error (error, BERT_TOKENIZER_ERROR, BERT_TOKENIZER_ERROR_FORMAT,
        "%s: not a JSON array of modules, as sentence-transformers writes it", path);
  } else {
    g_free (text);
    return parser;
  }
  g_free (text);
  g_object_unref (parser);
  return NULL;
}

/* The type's last dotted part: "sentence_transformers.models.Transformer" is a Transformer,
 * as sentence-transformers' own and third-party module classes are named. */
static gboolean
is_transformer_module (JsonObject *module)
{
  JsonNode *type = bert_json_member (module, "type");
  const char *name, *dot;

  if (type == NULL || json_node_get_value_type (type) != G_TYPE_STRING)
    return FALSE;
  name = json_node_get_string (type);
  dot = strrchr (name, '.');
  return strcmp (dot ? dot + 1 : name, "Transformer") == 0;
}

/* The first Transformer module's path, "" where there is none. */
static gboolean
read_transformer_path (JsonArray *modules, const char *path, const char **module_path, GError **error)
{
  *module_path = "";
  for (guint i = 0; i < json_array_get_length (modules); i++) {
    JsonNode *node = json_array_get_element (modules, i);
    JsonObject *module = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
    char *field;
    gboolean ok;

    if (module == NULL || !is_transformer_module (module))
      continue;
    field = g_strdup_printf ("[%u].path", i);
    ok = bert_json_get_string (module, "path", path, field, module_path, error);
    g_free (field);
    return ok;
  }
  return TRUE;
}

char *
bert_transformer_module_folder (const char *folder, GError **error)
{
  char *modules_path = g_build_filename (folder, "modules.json", NULL);
  JsonParser *parser = NULL;
  const char *module_path = "";
  char *module_folder = NULL;

  if (bert_model_file_exists (modules_path)) {
    parser = parse_modules (modules_path, error);
    if (parser == NULL
        || !read_transformer_path (json_node_get_array (json_parser_get_root (parser)), modules_path,
            &module_path, error))
      goto out;
  }
  if (g_path_is_absolute (module_path) || strstr (module_path, "..") != NULL) {
    g_set_error (error, BERT_TOKENIZER_ERROR, BERT_TOKENIZER_ERROR_UNSUPPORTED,
        "%s: the Transformer module's path '%s' is not a folder inside the model folder", modules_path,
        module_path);
    goto out;
  }
  module_folder = *module_path ? g_build_filename (folder, module_path, NULL) : g_strdup (folder);
out:
  g_clear_object (&parser);
  g_free (modules_path);
  return module_folder;
}
