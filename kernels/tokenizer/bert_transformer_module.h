/* bert_transformer_module.h: where a sentence-transformers folder keeps its tokenizer
 * (tokenizer-private).
 *
 * sentence-transformers loads each module of modules.json from its "path" under the model
 * folder; the Transformer module's holds config.json, the weights, the tokenizer files and
 * sentence_bert_config.json. Folders saved since sentence-transformers 2.0 give it the path
 * "" (the folder itself); older ones put it in a subfolder, "0_Transformer", with only
 * modules.json and the other modules' folders at the top. kernels/engine reads the encoder
 * from the same folder with this function (bert_model.c).
 */
#ifndef BERT_TRANSFORMER_MODULE_H
#define BERT_TRANSFORMER_MODULE_H

#include <glib.h>

G_BEGIN_DECLS

/* The folder of folder's Transformer module: folder itself where it has no modules.json or
 * no Transformer module in it, else folder/PATH. NULL with a BERT_TOKENIZER_ERROR naming
 * modules.json where it is malformed or its path leaves folder. Free with g_free. */
char *bert_transformer_module_folder (const char *folder, GError **error);

G_END_DECLS

#endif
