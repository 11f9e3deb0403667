/* gstbertdeferred.c: properties an element reads at a state change (see gstbertdeferred.h). */
#include "gstbertdeferred.h"

static gboolean
is_past (GstElement *element, GstState read_at)
{
  gboolean past;

  GST_OBJECT_LOCK (element);
  past = GST_STATE (element) >= read_at || GST_STATE_PENDING (element) >= read_at;
  GST_OBJECT_UNLOCK (element);
  return past;
}

static gboolean
differs_from_current (GstElement *element, GParamSpec *pspec, const GValue *value)
{
  GValue current = G_VALUE_INIT;
  gboolean differs;

  g_value_init (&current, G_PARAM_SPEC_VALUE_TYPE (pspec));
  g_object_get_property (G_OBJECT (element), pspec->name, &current);
  differs = g_param_values_cmp (pspec, &current, value) != 0;
  g_value_unset (&current);
  return differs;
}

void
gst_bert_warn_deferred_change (GstElement *element, GParamSpec *pspec, const GValue *value, GstState read_at)
{
  GstState back_to = read_at - 1;
  gchar *contents;

  if (!is_past (element, read_at) || !differs_from_current (element, pspec, value))
    return;
  contents = g_strdup_value_contents (value);
  GST_ELEMENT_WARNING (element, CORE, STATE_CHANGE,
      ("The %s property is read going from %s to %s: the change applies once the element has been back to %s",
          pspec->name, gst_element_state_get_name (back_to), gst_element_state_get_name (read_at),
          gst_element_state_get_name (back_to)),
      ("%s set to %s; until the element goes back to %s and up again it runs with the value it read, "
       "while the property reads back the new one",
          pspec->name, contents, gst_element_state_get_name (back_to)));
  g_free (contents);
}
