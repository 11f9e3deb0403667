/* test-plugin.c: what gst-inspect-1.0 shows of the bert plugin: its elements, their
 * metadata, and a documented property (blurb, range, default) for every setting. */
#include <gst/check/gstcheck.h>
#include <string.h>

static const gchar *expected_elements[] = { "tokenizer", "bert-json" };

static GList *
bert_plugin_features (void)
{
  GstPlugin *plugin = gst_registry_find_plugin (gst_registry_get (), "bert");

  fail_unless (plugin != NULL, "plugin 'bert' not found: is GST_PLUGIN_PATH set?");
  gst_object_unref (plugin);
  return gst_registry_get_feature_list_by_plugin (gst_registry_get (), "bert");
}

GST_START_TEST (test_plugin_lists_elements)
{
  GList *features = bert_plugin_features ();
  guint i;

  for (i = 0; i < G_N_ELEMENTS (expected_elements); i++) {
    GstPluginFeature *feature = gst_registry_lookup_feature (gst_registry_get (), expected_elements[i]);

    fail_unless (feature != NULL, "no element %s", expected_elements[i]);
    fail_unless_equals_string (gst_plugin_feature_get_plugin_name (feature), "bert");
    gst_object_unref (feature);
  }
  fail_unless (g_list_length (features) >= G_N_ELEMENTS (expected_elements));
  gst_plugin_feature_list_free (features);
}

GST_END_TEST;

/* A blurb says more than the nick, and a number's default lies in its range
 * (GLib checks neither when the property is installed). */
static void
assert_property_documented (const gchar *element, GParamSpec *pspec)
{
  const gchar *blurb = g_param_spec_get_blurb (pspec);
  const GValue *default_value = g_param_spec_get_default_value (pspec);
  GValue checked = G_VALUE_INIT;

  fail_unless (blurb != NULL && strlen (blurb) >= 20 && g_strcmp0 (blurb, g_param_spec_get_nick (pspec)) != 0,
      "%s::%s has no real blurb", element, pspec->name);
  g_value_init (&checked, G_PARAM_SPEC_VALUE_TYPE (pspec));
  g_value_copy (default_value, &checked);
  fail_if (g_param_value_validate (pspec, &checked), "%s::%s: default outside its range", element,
      pspec->name);
  g_value_unset (&checked);
}

GST_START_TEST (test_every_property_documented)
{
  GList *features = bert_plugin_features (), *l;
  guint n_checked = 0;

  for (l = features; l; l = l->next) {
    GstElementFactory *factory;
    GstElement *element;
    const gchar *name;
    GParamSpec **pspecs;
    guint n, i;

    if (!GST_IS_ELEMENT_FACTORY (l->data))
      continue;
    factory = GST_ELEMENT_FACTORY (l->data);
    name = GST_OBJECT_NAME (factory);
    element = gst_element_factory_create (factory, NULL);
    fail_unless (element != NULL, "cannot create %s", name);
    fail_unless (strlen (gst_element_factory_get_metadata (factory, GST_ELEMENT_METADATA_DESCRIPTION)) >= 20,
        "%s has no description", name);
    pspecs = g_object_class_list_properties (G_OBJECT_GET_CLASS (element), &n);
    for (i = 0; i < n; i++) {
      if (pspecs[i]->owner_type == G_OBJECT_TYPE (element)) {
        assert_property_documented (name, pspecs[i]);
        n_checked++;
      }
    }
    g_free (pspecs);
    gst_object_unref (element);
  }
  /* tokenizer alone has five */
  fail_unless (n_checked >= 5, "only %u properties checked", n_checked);
  gst_plugin_feature_list_free (features);
}

GST_END_TEST;

static Suite *
plugin_suite (void)
{
  Suite *s = suite_create ("plugin");
  TCase *tc = tcase_create ("inspect");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_plugin_lists_elements);
  tcase_add_test (tc, test_every_property_documented);
  return s;
}

GST_CHECK_MAIN (plugin);
