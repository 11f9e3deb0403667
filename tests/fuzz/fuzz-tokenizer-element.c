/* fuzz-tokenizer-element.c: the tokenizer element on arbitrary bytes, markup and lines included.
 *
 * The element's pango-markup stripper and its line splitter are static functions of
 * elements/gsttokenizer.c, so they are fuzzed through the element itself, loaded from
 * the instrumented plugin into a GstHarness. The input's first byte picks the mode
 * (bit 0: pango-markup caps, bit 1: split-lines, bits 2-7: max-length), its second
 * where the rest is cut in two buffers and, when odd, sets a fixed pair-text (its bit 1:
 * second). Every output buffer must carry a token meta whose spans lie inside that
 * buffer's bytes (the pair text's tokens have [0, 0]).
 */
#include <gst/check/gstharness.h>
#include <string.h>

#include "fuzz-common.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  char *registry = g_build_filename (fuzz_scratch_dir (), "registry.bin", NULL);
  GError *error = NULL;

  fuzz_init_logging ();
  /* Only our plugin, loaded in this (instrumented) process, no registry scan. */
  g_setenv ("GST_REGISTRY", registry, TRUE);
  g_setenv ("GST_REGISTRY_FORK", "no", TRUE);
  g_setenv ("GST_PLUGIN_SYSTEM_PATH_1_0", "", TRUE);
  g_setenv ("GST_PLUGIN_PATH_1_0", "", TRUE);
  g_setenv ("GST_PLUGIN_PATH", "", TRUE);
  gst_init (argc, argv);
  if (gst_plugin_load_file (FUZZ_PLUGIN_PATH, &error) == NULL)
    fuzz_fail ("cannot load %s: %s", FUZZ_PLUGIN_PATH, error->message);
  g_free (registry);
  return 0;
}

/* One array field of the token meta's structure, mapped (read through GstStructure: the
 * meta API lives in the plugin too, and a second copy would collide under ASan). */
static const void *
map_meta_array (const GstStructure *structure, const char *field, GstMapInfo *map, GstBuffer **array)
{
  if (!gst_structure_get (structure, field, GST_TYPE_BUFFER, array, NULL)
      || !gst_buffer_map (*array, map, GST_MAP_READ))
    fuzz_fail ("token meta without a '%s' array", field);
  return map->data;
}

/* A pair (BERT's form: [CLS] A [SEP] B [SEP]) has at least 3 tokens, the last of type 1. */
static void
check_output_buffer (GstBuffer *buffer, gboolean pair)
{
  GstCustomMeta *meta = gst_buffer_get_custom_meta (buffer, "GstBertTokenMeta");
  gsize size = gst_buffer_get_size (buffer);
  GstBuffer *ids_buffer, *offsets_buffer;
  GstMapInfo ids_map, offsets_map;
  const guint32 *offsets;
  const gint32 *ids;
  guint n_tokens;

  if (meta == NULL)
    fuzz_fail ("an output buffer of %zu bytes has no token meta", size);
  ids = map_meta_array (gst_custom_meta_get_structure (meta), "ids", &ids_map, &ids_buffer);
  offsets = map_meta_array (gst_custom_meta_get_structure (meta), "offsets", &offsets_map, &offsets_buffer);
  n_tokens = ids_map.size / sizeof (gint32);
  if (n_tokens < (pair ? 3 : 2) || offsets_map.size != 2 * ids_map.size)
    fuzz_fail ("%u tokens and %zu bytes of offsets", n_tokens, offsets_map.size);
  for (guint i = 0; i < n_tokens; i++) {
    if (ids[i] < 0)
      fuzz_fail ("token %u: id %d", i, ids[i]);
    if (offsets[2 * i] > offsets[2 * i + 1] || offsets[2 * i + 1] > size)
      fuzz_fail ("token %u: span [%u, %u) outside the buffer's %zu bytes", i, offsets[2 * i],
          offsets[2 * i + 1], size);
  }
  if (pair) {
    GstBuffer *types_buffer;
    GstMapInfo types_map;
    const gint32 *types =
        map_meta_array (gst_custom_meta_get_structure (meta), "type-ids", &types_map, &types_buffer);
    if (types_map.size != ids_map.size || types[n_tokens - 1] != 1)
      fuzz_fail ("pair-text is set, but the last of %u tokens is not of type 1", n_tokens);
    gst_buffer_unmap (types_buffer, &types_map);
    gst_buffer_unref (types_buffer);
  }
  gst_buffer_unmap (ids_buffer, &ids_map);
  gst_buffer_unmap (offsets_buffer, &offsets_map);
  gst_buffer_unref (ids_buffer);
  gst_buffer_unref (offsets_buffer);
}

/* A fixed pair text with a special token, an entity and tags, which stay text in it. */
#define FUZZ_PAIR_TEXT "[SEP] a d\xc3\xb6g &amp; <b>in</b> the snow"

static GstHarness *
new_harness (guint8 mode, guint8 pair_mode)
{
  char *pair = (pair_mode & 1) ? g_strdup_printf (" pair-text=\"%s\" pair-text-position=%s", FUZZ_PAIR_TEXT,
                   (pair_mode & 2) ? "second" : "first")
                               : g_strdup ("");
  char *description = g_strdup_printf ("tokenizer vocab=%s split-lines=%s max-length=%u%s", FUZZ_VOCAB,
      (mode & 2) ? "true" : "false", mode >> 2, pair);
  GstHarness *harness = gst_harness_new_parse (description);

  gst_harness_set_src_caps_str (harness,
      (mode & 1) ? "text/x-raw, format=(string)pango-markup" : "text/x-raw, format=(string)utf8");
  g_free (description);
  g_free (pair);
  return harness;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  GstHarness *harness;
  GstBuffer *buffer;
  size_t cut;

  if (size < 2)
    return 0;
  harness = new_harness (data[0], data[1]);
  cut = (size - 2) * data[1] / 255;
  if (cut > 0 && gst_harness_push (harness, gst_buffer_new_memdup (data + 2, cut)) != GST_FLOW_OK)
    fuzz_fail ("push refused");
  /* An empty buffer too: captions can be empty. */
  buffer = size - 2 - cut > 0 ? gst_buffer_new_memdup (data + 2 + cut, size - 2 - cut) : gst_buffer_new ();
  if (gst_harness_push (harness, buffer) != GST_FLOW_OK)
    fuzz_fail ("push refused");
  gst_harness_push_event (harness, gst_event_new_eos ());
  while ((buffer = gst_harness_try_pull (harness)) != NULL) {
    check_output_buffer (buffer, data[1] & 1);
    gst_buffer_unref (buffer);
  }
  gst_harness_teardown (harness);
  return 0;
}
