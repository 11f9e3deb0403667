/* gstbertmodeldir.h: where `bert-infer` and `tokenizer` find a model they are given by
 * name, or not given at all. GLib only, no GStreamer.
 *
 * The models folder is $GST_BERT_MODELS_DIR when set, else $XDG_DATA_HOME/gst-bert/models
 * (~/.local/share/gst-bert/models); scripts/get-model.sh NAME puts a model at
 * <models folder>/NAME. A `model` or `vocab` property value means:
 *   unset or empty                                  <models folder>/all-MiniLM-L6-v2
 *   a bare name (no '/') naming no file or folder   <models folder>/NAME
 *   anything else                                   that path, as it is
 */
#ifndef GST_BERT_MODEL_DIR_H
#define GST_BERT_MODEL_DIR_H

#include <glib.h>

G_BEGIN_DECLS

#define GST_BERT_DEFAULT_MODEL "all-MiniLM-L6-v2"
#define GST_BERT_FETCH_SCRIPT "scripts/get-model.sh"

typedef struct {
  gchar *path;         /* what to load */
  gchar *name;         /* the model looked up in the models folder; NULL for a path */
  gboolean is_default; /* no value was given: the default model was looked up */
} GstBertModelLocation;

/* The models folder, as described above. */
gchar *gst_bert_models_dir (void);

/* Resolves a property value (NULL for unset); clear @location after use. */
void gst_bert_model_location_resolve (GstBertModelLocation *location, const gchar *value);
void gst_bert_model_location_clear (GstBertModelLocation *location);

/* A model looked up in the models folder that is not there: the user's message (which
 * folder was looked for, which command fetches it) and the details, both to free. FALSE
 * when there is nothing to say (a path, or the folder exists): the loader speaks then. */
gboolean gst_bert_model_location_describe_missing (const GstBertModelLocation *location,
    const gchar *property, gchar **message, gchar **details);

G_END_DECLS

#endif
