/* gstbertmodeldir.c: the models folder and what a `model` or `vocab` value names there.
 * See gstbertmodeldir.h.
 */
#include "gstbertmodeldir.h"

#include "config.h"

#include <dlfcn.h>
#include <string.h>

#define MODELS_DIR_VARIABLE "GST_BERT_MODELS_DIR"
#define MODELS_DIR_RULE                                                                                      \
  "the models folder is $" MODELS_DIR_VARIABLE                                                               \
  ", else $XDG_DATA_HOME/gst-bert/models (~/.local/share/gst-bert/models)"

/* GLib computes g_get_user_data_dir () once per process, and GStreamer's registry scan
 * asks for it in gst_init; reading XDG_DATA_HOME here makes a change to it count from
 * the next load on, as a change of GST_BERT_MODELS_DIR does. */
static gchar *
user_data_dir (void)
{
  const gchar *xdg_data_home = g_getenv ("XDG_DATA_HOME");

  if (xdg_data_home && *xdg_data_home)
    return g_strdup (xdg_data_home);
  return g_strdup (g_get_user_data_dir ());
}

gchar *
gst_bert_models_dir (void)
{
  const gchar *models_dir = g_getenv (MODELS_DIR_VARIABLE);
  gchar *data_dir, *dir;

  if (models_dir && *models_dir)
    return g_strdup (models_dir);
  data_dir = user_data_dir ();
  dir = g_build_filename (data_dir, "gst-bert", "models", NULL);
  g_free (data_dir);
  return dir;
}

/* A name such as "all-MiniLM-L6-v2": no directory separator, and nothing of that name
 * in the working directory, which would otherwise be what the user meant. A missing
 * tokenizer file ("vocab.txt", "tokenizer.json", a RoBERTa's "vocab.json" or "merges.txt")
 * is a missing file, not a model to fetch. */
static gboolean
is_bare_model_name (const gchar *value)
{
  return strchr (value, '/') == NULL && strchr (value, G_DIR_SEPARATOR) == NULL
      && !g_str_has_suffix (value, ".txt") && !g_str_has_suffix (value, ".json")
      && !g_file_test (value, G_FILE_TEST_EXISTS);
}

void
gst_bert_model_location_resolve (GstBertModelLocation *location, const gchar *value)
{
  gchar *models_dir;

  location->is_default = value == NULL || *value == '\0';
  if (!location->is_default && !is_bare_model_name (value)) {
    location->name = NULL;
    location->path = g_strdup (value);
    return;
  }
  location->name = g_strdup (location->is_default ? GST_BERT_DEFAULT_MODEL : value);
  models_dir = gst_bert_models_dir ();
  location->path = g_build_filename (models_dir, location->name, NULL);
  g_free (models_dir);
}

/* Whether this plugin runs from its build folder, a developer's, whose sources hold
 * scripts/get-model.sh; an installed plugin has the same script in bindir under its
 * installed name. */
static gboolean
runs_from_build_dir (void)
{
  Dl_info info;
  gchar *plugin_dir;
  gboolean from_build_dir;

  if (dladdr ((void *) runs_from_build_dir, &info) == 0 || info.dli_fname == NULL)
    return FALSE;
  plugin_dir = g_path_get_dirname (info.dli_fname);
  from_build_dir = strcmp (plugin_dir, BERT_PLUGIN_BUILD_DIR) == 0;
  g_free (plugin_dir);
  return from_build_dir;
}

void
gst_bert_model_location_clear (GstBertModelLocation *location)
{
  g_clear_pointer (&location->path, g_free);
  g_clear_pointer (&location->name, g_free);
}

gboolean
gst_bert_model_location_describe_missing (const GstBertModelLocation *location, const gchar *property,
    gchar **message, gchar **details)
{
  if (location->name == NULL || g_file_test (location->path, G_FILE_TEST_IS_DIR))
    return FALSE;
  if (runs_from_build_dir ())
    *message = g_strdup_printf ("Model %s not found: no folder %s; fetch it with " GST_BERT_FETCH_SCRIPT
                                " %s from the gst-bert sources",
        location->name, location->path, location->name);
  else
    *message = g_strdup_printf ("Model %s not found: no folder %s; fetch it with " BERT_FETCH_COMMAND " %s",
        location->name, location->path, location->name);
  if (location->is_default)
    *details =
        g_strdup_printf ("'%s' is not set, so the default model %s was looked for "
                         "in the models folder; " MODELS_DIR_RULE ". Set '%s' to a model folder to use "
                         "another model.",
            property, location->name, property);
  else
    *details = g_strdup_printf ("'%s' is \"%s\": no file or folder of that name here, so it "
                                "was looked for in the models folder; " MODELS_DIR_RULE ".",
        property, location->name);
  return TRUE;
}
