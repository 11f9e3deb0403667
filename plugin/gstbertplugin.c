/* gstbertplugin.c: the gst-bert plugin ("bert"), registering every element. */
#include "config.h"

#include <gst/gst.h>

#include "gstbertmeta.h"
#include "gsttokenizer.h"
#include "gstbertjson.h"
#include "gstbertinfer.h"

static gboolean
plugin_init (GstPlugin *plugin)
{
  gboolean ok = FALSE;

  gst_bert_meta_register ();
  ok |= GST_ELEMENT_REGISTER (tokenizer, plugin);
  ok |= GST_ELEMENT_REGISTER (bert_json, plugin);
  ok |= GST_ELEMENT_REGISTER (bert_infer, plugin);
  return ok;
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, bert,
    "BERT-family transformer encoders on live text streams", plugin_init, VERSION, "LGPL", GST_PACKAGE_NAME,
    GST_PACKAGE_ORIGIN)
