/* The loader's warning where transformers 5 would tokenize a folder otherwise
 * (bert_transformers5.h): folders made here from the fixtures' tokenizer.json files and
 * small tokenizer_config.json / config.json variants. Each divergent case was measured with
 * transformers 5.25 (2026-12-06: other ids on "Hello World ÉCOLE 中文"); the ordinary
 * folders, and the shared ones where ../shared is present, load without a warning.
 *
 * Usage: test-transformers5-warning TOKENIZER_DATA_DIR
 */
#include "bert_tokenizer.h"
#include "tokenizer_test_support.h"

#include <glib/gstdio.h>
#include <string.h>
#include <json-glib/json-glib.h>

static const char *data_dir;
static char *scratch_dir;
/* The paths make_folder_of, fixture and wordpiece_variant return, freed at the end (so the
 * tests do not free them). */
static GPtrArray *kept_paths;

static const char *
keep_path (char *path)
{
  g_ptr_array_add (kept_paths, path);
  return path;
}

/* A folder NAME of the scratch folder with a copy of SOURCE as FILE_NAME and, where not
 * NULL, the two settings files' texts. */
static const char *
make_folder_of (const char *name, const char *file_name, const char *source, const char *tokenizer_config,
    const char *config)
{
  char *folder = g_build_filename (scratch_dir, name, NULL);
  char *path = g_build_filename (folder, file_name, NULL);
  char *text = NULL;
  gsize length = 0;

  g_assert_cmpint (g_mkdir_with_parents (folder, 0700), ==, 0);
  g_assert_true (g_file_get_contents (source, &text, &length, NULL));
  g_assert_true (g_file_set_contents (path, text, (gssize) length, NULL));
  g_free (text);
  g_free (path);
  if (tokenizer_config != NULL) {
    path = g_build_filename (folder, "tokenizer_config.json", NULL);
    g_assert_true (g_file_set_contents (path, tokenizer_config, -1, NULL));
    g_free (path);
  }
  if (config != NULL) {
    path = g_build_filename (folder, "config.json", NULL);
    g_assert_true (g_file_set_contents (path, config, -1, NULL));
    g_free (path);
  }
  return keep_path (folder);
}

static const char *
make_folder (const char *name, const char *tokenizer_json, const char *tokenizer_config, const char *config)
{
  return make_folder_of (name, "tokenizer.json", tokenizer_json, tokenizer_config, config);
}

/* The same with the fixtures' vocab.txt (BERT's specials, 67 tokens) in place of tokenizer.json. */
static const char *
make_vocab_folder (const char *name, const char *tokenizer_config, const char *config)
{
  char *vocab = g_build_filename (data_dir, "vocab.txt", NULL);
  const char *folder = make_folder_of (name, "vocab.txt", vocab, tokenizer_config, config);

  g_free (vocab);
  return folder;
}

/* The fixture tokenizer.json of SHAPE (data_dir's folder), as a path. */
static const char *
fixture (const char *shape)
{
  return keep_path (g_build_filename (data_dir, shape, "tokenizer.json", NULL));
}

/* wordpiece-bert's tokenizer.json, cased where LOWERCASE is FALSE, with POST_PROCESSOR (a
 * JSON text; NULL: the file's BERT template), written once as NAME into the scratch folder. */
static const char *
wordpiece_variant (const char *name, gboolean lowercase, const char *post_processor)
{
  const char *source = fixture ("wordpiece-bert");
  char *path = g_build_filename (scratch_dir, name, NULL);
  JsonParser *parser = json_parser_new ();
  g_assert_true (json_parser_load_from_file (parser, source, NULL));
  JsonObject *root = json_node_get_object (json_parser_get_root (parser));
  json_object_set_boolean_member (json_object_get_object_member (root, "normalizer"), "lowercase", lowercase);
  if (post_processor != NULL)
    json_object_set_member (root, "post_processor", json_from_string (post_processor, NULL));
  JsonGenerator *generator = json_generator_new ();
  json_generator_set_root (generator, json_parser_get_root (parser));
  g_assert_true (json_generator_to_file (generator, path, NULL));
  g_object_unref (generator);
  g_object_unref (parser);
  return keep_path (path);
}

/* wordpiece-bert's tokenizer.json with a cased BertNormalizer (bert-base-cased's shape),
 * written once into the scratch folder. */
static const char *
cased_bert_json (void)
{
  static const char *path;
  if (path == NULL)
    path = wordpiece_variant ("cased-tokenizer.json", FALSE, NULL);
  return path;
}

/* unigram-nmt-nfkc's tokenizer.json (the XLM-R converter's Sequence[Precompiled, Strip,
 * Replace] and a Metaspace alone) in the shape transformers 5.25's XLMRobertaTokenizer builds:
 * its Precompiled alone, WhitespaceSplit then a split Metaspace. Written once. */
static const char *
xlm_roberta5_json (void)
{
  static char *path;
  if (path != NULL)
    return path;
  const char *source = fixture ("unigram-nmt-nfkc");
  JsonParser *parser = json_parser_new ();
  g_assert_true (json_parser_load_from_file (parser, source, NULL));
  JsonObject *root = json_node_get_object (json_parser_get_root (parser));
  JsonArray *steps =
      json_object_get_array_member (json_object_get_object_member (root, "normalizer"), "normalizers");
  json_object_set_member (root, "normalizer", json_node_copy (json_array_get_element (steps, 0)));
  JsonParser *pre = json_parser_new ();
  g_assert_true (json_parser_load_from_data (pre,
      "{\"type\": \"Sequence\", \"pretokenizers\": [{\"type\": \"WhitespaceSplit\"}, {\"type\": "
      "\"Metaspace\", \"replacement\": \"\\u2581\", \"prepend_scheme\": \"always\", \"split\": true}]}",
      -1, NULL));
  json_object_set_member (root, "pre_tokenizer", json_node_copy (json_parser_get_root (pre)));
  JsonGenerator *generator = json_generator_new ();
  json_generator_set_root (generator, json_parser_get_root (parser));
  path = g_build_filename (scratch_dir, "xlm-roberta5-tokenizer.json", NULL);
  g_assert_true (json_generator_to_file (generator, path, NULL));
  g_object_unref (generator);
  g_object_unref (pre);
  g_object_unref (parser);
  return path;
}

/* The warning of FOLDER's tokenizer (a copy), or NULL; the folder must load. */
static char *
warning_of (const char *folder)
{
  GError *error = NULL;
  BertTokenizer *tokenizer = bert_tokenizer_new_from_path (folder, &error);
  g_assert_no_error (error);
  char *warning = g_strdup (bert_tokenizer_get_warning (tokenizer));
  bert_tokenizer_free (tokenizer);
  return warning;
}

/* FOLDER warns, naming it and each of WORDS (NULL-terminated). */
static void
assert_warns (const char *folder, ...)
{
  char *warning = warning_of (folder);
  va_list words;
  const char *word;

  g_assert_nonnull (warning);
  g_assert_true (g_str_has_prefix (warning, folder));
  va_start (words, folder);
  while ((word = va_arg (words, const char *)) != NULL)
    if (strstr (warning, word) == NULL)
      g_error ("the warning of %s lacks '%s': %s", folder, word, warning);
  va_end (words);
  g_free (warning);
}

static void
assert_silent (const char *folder)
{
  char *warning = warning_of (folder);
  if (warning != NULL)
    g_error ("%s warns: %s", folder, warning);
}

/* FOLDER warns without offering tokenizer_config.json's switches, which cannot give it what
 * transformers 5 builds. */
static void
assert_switches_not_offered (const char *folder)
{
  char *warning = warning_of (folder);

  g_assert_nonnull (warning);
  g_assert_null (strstr (warning, "do_lower_case, strip_accents"));
  g_free (warning);
}

/* FOLDER is refused with CODE and an error naming each of the NULL-terminated WORDS. */
static void
assert_refused (const char *folder, int code, ...)
{
  GError *error = NULL;
  BertTokenizer *tokenizer = bert_tokenizer_new_from_path (folder, &error);
  va_list words;

  g_assert_null (tokenizer);
  g_assert_error (error, BERT_TOKENIZER_ERROR, code);
  va_start (words, code);
  assert_message_holds (error->message, words);
  va_end (words);
  g_error_free (error);
}

/* bert-base-cased's shape named BertTokenizer, or model_type bert without a class: transformers
 * 5 lowercases with BertTokenizer's default do_lower_case. */
static void
test_cased_file_as_bert_tokenizer (void)
{
  const char *json = cased_bert_json ();
  const char *named = make_folder ("cased-named", json, "{\"tokenizer_class\": \"BertTokenizer\"}", NULL);
  const char *typed = make_folder ("cased-typed", json, NULL, "{\"model_type\": \"bert\"}");
  const char *distil =
      make_folder ("cased-distil", json, "{\"tokenizer_class\": \"DistilBertTokenizerFast\"}", NULL);
  const char *electra =
      make_folder ("cased-electra", json, NULL, "{\"tokenizer_class\": \"ElectraTokenizer\"}");

  assert_warns (named, "transformers 5", "BertTokenizer", "tokenizer_config.json's tokenizer_class",
      "lowercase=true from BertTokenizer's default do_lower_case", "follows tokenizer.json",
      "Hugging Face tokenizers", "\"PreTrainedTokenizerFast\"", "do_lower_case, strip_accents", NULL);
  assert_warns (typed, "config.json's model_type \"bert\"", "lowercase=true", NULL);
  assert_warns (distil, "DistilBertTokenizerFast", "lowercase=true", NULL);
  assert_warns (electra, "config.json's tokenizer_class ElectraTokenizer", "lowercase=true", NULL);
}

/* The same file where transformers 5 builds what the file says, or follows it. */
static void
test_cased_file_silent_where_the_same (void)
{
  const char *json = cased_bert_json ();
  const char *configs[] = {
    "{\"tokenizer_class\": \"BertTokenizer\", \"do_lower_case\": false}",
    "{\"tokenizer_class\": \"BertTokenizerFast\", \"do_lower_case\": false, \"strip_accents\": null}",
    "{\"tokenizer_class\": \"PreTrainedTokenizerFast\"}",
    "{\"tokenizer_class\": \"TokenizersBackend\", \"do_lower_case\": false}",
    /* no constructor of its own: transformers 5 loads the file as it is */
    "{\"tokenizer_class\": \"ConvBertTokenizer\"}",
    /* a class of the folder's own code */
    "{\"tokenizer_class\": \"BertTokenizer\", \"auto_map\": {\"AutoTokenizer\": [\"t.T\", null]}}",
    "{}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (configs); i++) {
    char *name = g_strdup_printf ("cased-same-%u", i);
    const char *folder = make_folder (name, json, configs[i], NULL);
    assert_silent (folder);
    g_free (name);
  }
}

/* The tutorial's Sequence[NFD, Lowercase, StripAccents] and Whitespace: transformers 5 puts
 * BertNormalizer and BertPreTokenizer in their place. */
static void
test_tutorial_stages_replaced (void)
{
  const char *json = fixture ("wordpiece-shapes/tutorial");
  const char *folder = make_folder ("tutorial-bert", json, "{\"tokenizer_class\": \"BertTokenizer\"}", NULL);

  assert_warns (folder, "BertNormalizer", "BertPreTokenizer",
      "Sequence normalizer and Whitespace pre-tokenizer", "\"PreTrainedTokenizerFast\"", NULL);
  /* the switches cannot make a Sequence a BertNormalizer */
  assert_switches_not_offered (folder);
}

/* The XLM-R converter's tokenizer.json named XLMRobertaTokenizer (or typed xlm-roberta), and
 * transformers 5's CamemBERT file named CamembertTokenizer: transformers 5.25 builds them
 * again (1,698 and 1,656 of 3,000 texts with other ids or offsets, measured with
 * check-real-folders.py); the same pieces in the shape it builds are silent (0 of 3,000). */
static void
test_xlm_roberta_stages_replaced (void)
{
  const char *json = fixture ("unigram-nmt-nfkc");
  const char *camembert_json = fixture ("camembert-t5");
  const char *named =
      make_folder ("xlmr-named", json, "{\"tokenizer_class\": \"XLMRobertaTokenizer\"}", NULL);
  const char *typed = make_folder ("xlmr-typed", json, NULL, "{\"model_type\": \"xlm-roberta\"}");
  const char *camembert =
      make_folder ("camembert-named", camembert_json, "{\"tokenizer_class\": \"CamembertTokenizer\"}", NULL);
  const char *rebuilt = make_folder ("xlmr-rebuilt", xlm_roberta5_json (),
      "{\"tokenizer_class\": \"XLMRobertaTokenizer\"}", NULL);
  const char *generic = make_folder ("xlmr-generic", json,
      "{\"tokenizer_class\": \"PreTrainedTokenizerFast\"}", "{\"model_type\": \"xlm-roberta\"}");

  assert_warns (named, "as XLMRobertaTokenizer (tokenizer_config.json's tokenizer_class XLMRobertaTokenizer)",
      "its Precompiled charsmap alone in place of the file's normaliser",
      "WhitespaceSplit then Metaspace (prepend_scheme always)", "ids and offsets",
      "\"PreTrainedTokenizerFast\"", NULL);
  assert_warns (typed, "config.json's model_type \"xlm-roberta\"", NULL);
  assert_warns (camembert, "as CamembertTokenizer", "no normaliser in place of the file's normaliser",
      "WhitespaceSplit then Metaspace", NULL);
  assert_silent (rebuilt);
  assert_silent (generic);
}

/* raw-bert (no normaliser, BertPreTokenizer) with do_lower_case: transformers 5 builds a
 * full BertNormalizer, which tokenizer_config.json cannot give gst-bert. */
static void
test_raw_bert_full_normalizer (void)
{
  const char *json = fixture ("wordpiece-shapes/raw-bert");
  const char *folder = make_folder ("raw-bert-lower", json,
      "{\"do_lower_case\": true, \"tokenizer_class\": \"BertTokenizer\"}", NULL);

  assert_warns (folder, "clean_text=true", "handle_chinese_chars=true", "strip_accents=true", NULL);
  assert_switches_not_offered (folder);
}

/* The cased shape's "@@" prefix and 12 characters per word: "##" and 100 there. */
static void
test_wordpiece_options_replaced (void)
{
  const char *json = fixture ("wordpiece-shapes/cased");
  const char *folder = make_folder ("cased-prefix", json, "{\"tokenizer_class\": \"BertTokenizer\"}", NULL);

  assert_warns (folder, "continuing_subword_prefix \"##\" in place of the file's \"@@\"",
      "max_input_chars_per_word 100 in place of the file's 12", NULL);
}

/* A file without a post-processor: BertTokenizer adds [CLS] and [SEP]. */
static void
test_post_processor_replaced (void)
{
  const char *json = fixture ("wordpiece-shapes/bare");
  const char *folder = make_folder ("bare-bert", json, "{\"tokenizer_class\": \"BertTokenizer\"}", NULL);

  assert_warns (folder, "BERT's template", "in place of the file's post-processor", NULL);
}

/* The generic class ignores do_lower_case (transformers 4 and 5); gst-bert applies it. */
static void
test_generic_class_switches (void)
{
  const char *json = cased_bert_json ();
  const char *named = make_folder ("cased-generic-lower", json,
      "{\"do_lower_case\": true, \"tokenizer_class\": \"PreTrainedTokenizerFast\"}", NULL);
  const char *unnamed = make_folder ("cased-unnamed-lower", json, "{\"do_lower_case\": true}", NULL);

  assert_warns (named, "gst-bert applies tokenizer_config.json's do_lower_case=true",
      "ignores them for PreTrainedTokenizerFast", "transformers (4 and 5)", NULL);
  assert_warns (unnamed, "do_lower_case=true", "a folder naming no tokenizer class", NULL);
}

/* The ordinary folders: wordpiece-bert as it is written, and named BertTokenizer. */
static void
test_ordinary_folders_silent (void)
{
  const char *json = fixture ("wordpiece-bert");
  const char *named = make_folder ("bert-named", json, "{\"tokenizer_class\": \"BertTokenizer\"}", NULL);
  const char *typed =
      make_folder ("bert-typed", json, "{\"do_lower_case\": true}", "{\"model_type\": \"bert\"}");
  char *fixture_folder = g_build_filename (data_dir, "wordpiece-bert", NULL);

  assert_silent (named);
  assert_silent (typed);
  assert_silent (fixture_folder);
  g_free (fixture_folder);
}

static void
test_shared_folders_silent (void)
{
  const char *shared = g_getenv ("GST_BERT_SHARED_DIR");
  const char *folders[] = { "models/all-MiniLM-L6-v2", "tokenizers/all-MiniLM-L6-v2",
    "tokenizers/bert-base-cased", "tokenizers/bert-base-chinese", "tokenizers/bert-base-multilingual-cased",
    "tokenizers/uncased-vocab-cased-rules" };
  guint n_found = 0;

  for (guint i = 0; shared != NULL && i < G_N_ELEMENTS (folders); i++) {
    char *folder = g_build_filename (shared, folders[i], NULL);
    if (g_file_test (folder, G_FILE_TEST_IS_DIR)) {
      assert_silent (folder);
      n_found++;
    }
    g_free (folder);
  }
  if (n_found == 0)
    g_test_skip ("no shared folder (GST_BERT_SHARED_DIR): the shared tokenizers are not checked");
}

/* A malformed config.json is an error, not a guess. */
static void
test_malformed_config_refused (void)
{
  const char *json = fixture ("wordpiece-bert");
  const char *folder = make_folder ("bad-config", json, NULL, "{\"model_type\": 3}");

  assert_refused (folder, BERT_TOKENIZER_ERROR_FORMAT, "config.json", "model_type", NULL);
}

/* FunnelTokenizer's template: [CLS] of type id 2. */
#define FUNNEL_TEMPLATE                                                                                      \
  "{\"type\": \"TemplateProcessing\", \"single\": [{\"SpecialToken\": {\"id\": \"[CLS]\", \"type_id\": "     \
  "2}}, "                                                                                                    \
  "{\"Sequence\": {\"id\": \"A\", \"type_id\": 0}}, {\"SpecialToken\": {\"id\": \"[SEP]\", \"type_id\": "    \
  "0}}], "                                                                                                   \
  "\"pair\": [{\"SpecialToken\": {\"id\": \"[CLS]\", \"type_id\": 2}}, {\"Sequence\": {\"id\": \"A\", "      \
  "\"type_id\": 0}}, {\"SpecialToken\": {\"id\": \"[SEP]\", \"type_id\": 0}}, {\"Sequence\": {\"id\": "      \
  "\"B\", "                                                                                                  \
  "\"type_id\": 1}}, {\"SpecialToken\": {\"id\": \"[SEP]\", \"type_id\": 1}}], \"special_tokens\": "         \
  "{\"[CLS]\": {\"id\": \"[CLS]\", \"ids\": [2], \"tokens\": [\"[CLS]\"]}, \"[SEP]\": {\"id\": \"[SEP]\", "  \
  "\"ids\": [3], \"tokens\": [\"[SEP]\"]}}}"
/* MPNetTokenizer's post-processor (all-mpnet-base-v2's shape). */
#define MPNET_PROCESSING                                                                                     \
  "{\"type\": \"RobertaProcessing\", \"sep\": [\"[SEP]\", 3], \"cls\": [\"[CLS]\", 2], "                     \
  "\"trim_offsets\": true, \"add_prefix_space\": false}"
#define BERT_NAMES                                                                                           \
  "\"unk_token\": \"[UNK]\", \"cls_token\": \"[CLS]\", \"sep_token\": \"[SEP]\", \"pad_token\": \"[PAD]\", " \
  "\"mask_token\": \"[MASK]\""

/* FunnelTokenizer rebuilds too (transformers 5.25): a BertNormalizer from do_lower_case,
 * strip_accents, tokenize_chinese_chars and clean_text, WordPiece with wordpieces_prefix,
 * its special tokens' defaults <unk>, <cls>, <sep>, and [CLS]:2 A [SEP]. Each warning case
 * gave other ids or type ids there on "Hello World ÉCOLE 中文 unaffable", "a\x07b\u200bc"
 * or a pair (or failed: no <unk>); the silent ones gave the file's. */
static void
test_funnel_rebuilds (void)
{
  const char *cased = wordpiece_variant ("funnel-cased.json", FALSE, FUNNEL_TEMPLATE);
  const char *own = wordpiece_variant ("funnel-own.json", TRUE, FUNNEL_TEMPLATE);
  const char *bert_template = wordpiece_variant ("funnel-bert-template.json", TRUE, NULL);
  const char *named = "{\"tokenizer_class\": \"FunnelTokenizer\", " BERT_NAMES "}";
  const char *folders[] = {
    make_folder ("funnel-cased", cased, named, NULL),
    make_folder ("funnel-bert-template", bert_template, named, NULL),
    make_folder ("funnel-default-names", own, "{\"tokenizer_class\": \"FunnelTokenizerFast\"}", NULL),
    make_folder ("funnel-clean-text", own,
        "{\"tokenizer_class\": \"FunnelTokenizer\", \"clean_text\": false, " BERT_NAMES "}", NULL),
    make_folder ("funnel-own", own, named, NULL),
    make_folder ("funnel-typed", own, "{" BERT_NAMES "}", "{\"model_type\": \"funnel\"}"),
  };

  assert_warns (folders[0], "as FunnelTokenizer",
      "lowercase=true from FunnelTokenizer's default do_lower_case", NULL);
  assert_warns (folders[1], "Funnel's template ([CLS]:2 A [SEP], B:1 [SEP]:1)", NULL);
  assert_warns (folders[2], "unk_token <unk>", "Funnel's template (<cls>:2 A <sep>", NULL);
  assert_warns (folders[3], "clean_text=false", NULL);
  assert_silent (folders[4]);
  assert_silent (folders[5]);
  /* the names in special_tokens_map.json only */
  const char *mapped =
      make_folder ("funnel-map-names", own, "{\"tokenizer_class\": \"FunnelTokenizer\"}", NULL);
  char *map = g_build_filename (mapped, "special_tokens_map.json", NULL);
  g_assert_true (g_file_set_contents (map, "{" BERT_NAMES "}", -1, NULL));
  assert_silent (mapped);
  g_free (map);
}

/* MPNetTokenizer rebuilds BERT's stages from do_lower_case (default true) ... and
 * RobertaProcessing with its cls_token and sep_token (defaults <s>, </s>). Checked as
 * above: cased, and BERT's template (other pair ids), differ; the RobertaProcessing shape
 * of all-mpnet-base-v2, which gst-bert reads through its pipeline, does not. */
static void
test_mpnet_rebuilds (void)
{
  const char *cased = wordpiece_variant ("mpnet-cased.json", FALSE, MPNET_PROCESSING);
  const char *own = wordpiece_variant ("mpnet-own.json", TRUE, MPNET_PROCESSING);
  const char *bert_template = wordpiece_variant ("mpnet-bert-template.json", TRUE, NULL);
  const char *named = "{\"tokenizer_class\": \"MPNetTokenizer\", " BERT_NAMES "}";
  const char *folders[] = {
    make_folder ("mpnet-cased", cased, named, NULL),
    make_folder ("mpnet-bert-template", bert_template, named, NULL),
    make_folder ("mpnet-typed-cased", cased, "{" BERT_NAMES "}", "{\"model_type\": \"mpnet\"}"),
    make_folder ("mpnet-own", own, named, NULL),
  };

  assert_warns (folders[0], "as MPNetTokenizer", "lowercase=true from MPNetTokenizer's default do_lower_case",
      NULL);
  assert_warns (folders[1], "RobertaProcessing ([CLS] A [SEP], [SEP] [SEP] B [SEP])", NULL);
  assert_warns (folders[2], "config.json's model_type \"mpnet\"", "lowercase=true", NULL);
  assert_silent (folders[3]);
}

/* special_tokens_map.json's names, over tokenizer_config.json's, are the ones the class's
 * constructor takes (transformers 5.25: cls_token [MASK] there gave 4 ... in place of
 * 2 ..., sep_token [MASK] for DistilBertTokenizer ... 4); the same names are silent. */
static void
test_special_tokens_map_names (void)
{
  const char *json = fixture ("wordpiece-bert");
  const char *renamed = make_folder ("map-renames-cls", json,
      "{\"tokenizer_class\": \"BertTokenizer\", \"cls_token\": \"[SEP]\"}", NULL);
  const char *distil =
      make_folder ("map-renames-sep", json, "{\"tokenizer_class\": \"DistilBertTokenizer\"}", NULL);
  const char *same = make_folder ("map-same", json, "{\"tokenizer_class\": \"BertTokenizer\"}", NULL);
  char *path;

  path = g_build_filename (renamed, "special_tokens_map.json", NULL);
  g_assert_true (g_file_set_contents (path, "{\"cls_token\": \"[MASK]\"}", -1, NULL));
  g_free (path);
  path = g_build_filename (distil, "special_tokens_map.json", NULL);
  g_assert_true (g_file_set_contents (path, "{\"sep_token\": {\"content\": \"[MASK]\"}}", -1, NULL));
  g_free (path);
  path = g_build_filename (same, "special_tokens_map.json", NULL);
  g_assert_true (g_file_set_contents (path,
      "{\"cls_token\": \"[CLS]\", \"unk_token\": {\"content\": \"[UNK]\"}}", -1, NULL));
  g_free (path);
  assert_warns (renamed, "BERT's template ([MASK] A [SEP], B:1 [SEP]:1)", NULL);
  assert_warns (distil, "BERT's template ([CLS] A [MASK], B:1 [MASK]:1)", NULL);
  assert_silent (same);
}

/* A file of FOLDER with TEXT. */
static void
write_folder_file (const char *folder, const char *name, const char *text)
{
  char *path = g_build_filename (folder, name, NULL);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  g_free (path);
}

/* bpe-roberta's tokenizer.json (ByteLevel add_prefix_space true, RobertaProcessing <s> </s>)
 * in a RoBERTa folder: transformers 5.25 rebuilds it as RobertaTokenizer, with
 * tokenizer_config.json's add_prefix_space (false where absent: "Hello" gave 43 where the
 * file gives 444) and special_tokens_map.json's, else tokenizer_config.json's, cls_token and
 * sep_token in RobertaProcessing (cls_token </s>, sep_token <s> gave 2 ... 0; cls_token
 * <mask> 2000 ...). gst-bert warned of none of it. */
static void
test_roberta_rebuilt (void)
{
  const char *json = fixture ("bpe-roberta");
  const char *roberta = "{\"model_type\": \"roberta\"}";
  const char *typed = make_folder ("roberta-typed", json, NULL, roberta);
  const char *swapped = make_folder ("roberta-swapped", json, "{\"add_prefix_space\": true}", roberta);
  const char *renamed = make_folder ("roberta-config-cls", json,
      "{\"tokenizer_class\": \"RobertaTokenizerFast\", \"add_prefix_space\": true, \"cls_token\": "
      "\"<mask>\"}",
      NULL);
  const char *same =
      make_folder ("roberta-same", json, "{\"add_prefix_space\": true, \"cls_token\": \"<s>\"}", roberta);
  const char *generic =
      make_folder ("roberta-generic", json, "{\"tokenizer_class\": \"PreTrainedTokenizerFast\"}", roberta);

  write_folder_file (swapped, "special_tokens_map.json", "{\"cls_token\": \"</s>\", \"sep_token\": \"<s>\"}");
  write_folder_file (same, "special_tokens_map.json", "{\"cls_token\": \"<s>\", \"sep_token\": \"</s>\"}");
  assert_warns (typed, "as RobertaTokenizer (config.json's model_type \"roberta\")",
      "ByteLevel (add_prefix_space false: tokenizer_config.json sets none) in place of the file's "
      "pre-tokenizer",
      NULL);
  assert_warns (swapped,
      "RobertaProcessing over its cls_token and sep_token (</s> A <s>, </s> A <s> <s> B <s>)", NULL);
  assert_warns (renamed, "as RobertaTokenizer (tokenizer_config.json's tokenizer_class RobertaTokenizerFast)",
      "(<mask> A </s>, <mask> A </s> </s> B </s>)", NULL);
  assert_silent (same);
  assert_silent (generic);
}

/* XLMRobertaTokenizer's template takes bos_token and eos_token from special_tokens_map.json
 * over tokenizer_config.json (transformers 5.25: bos <mask>, eos <unk> there gave 4001 ... 3);
 * the warning named the template only for tokenizer_config.json's. */
static void
test_xlm_roberta_special_tokens_map (void)
{
  const char *renamed = make_folder ("xlmr-map-bos", xlm_roberta5_json (),
      "{\"tokenizer_class\": \"XLMRobertaTokenizer\"}", NULL);
  const char *same = make_folder ("xlmr-map-same", xlm_roberta5_json (),
      "{\"tokenizer_class\": \"XLMRobertaTokenizer\"}", NULL);

  write_folder_file (renamed, "special_tokens_map.json",
      "{\"bos_token\": \"<mask>\", \"eos_token\": \"<unk>\"}");
  write_folder_file (same, "special_tokens_map.json", "{\"bos_token\": \"<s>\", \"cls_token\": \"<mask>\"}");
  assert_warns (renamed, "the template <mask> A <unk>, <mask> A <unk> <unk> B <unk>", NULL);
  assert_silent (same);
}

/* Tokens that tokenizer_config.json or special_tokens_map.json add and tokenizer.json does
 * not hold: transformers 5.25 adds them whatever the class (BertTokenizer, the generic one,
 * none named), matched even inside words ("newtok xnewtoky" gave 67 51 67 ...), where
 * gst-bert follows the file; the tokens the file holds (its specials, as saved folders list
 * them) are silent. */
static void
test_added_tokens_of_settings_files (void)
{
  const char *json = fixture ("wordpiece-bert");
  const char *decoder = make_folder ("added-decoder", json,
      "{\"tokenizer_class\": \"PreTrainedTokenizerFast\", \"added_tokens_decoder\": "
      "{\"2\": {\"content\": \"[CLS]\"}, \"70\": {\"content\": \"newtok\"}}}",
      NULL);
  const char *additional =
      make_folder ("added-additional", json, "{\"additional_special_tokens\": [\"hello\"]}", NULL);
  const char *cased_named = make_folder ("added-and-class", cased_bert_json (),
      "{\"tokenizer_class\": \"BertTokenizer\", \"extra_special_tokens\": [\"world\"]}", NULL);
  const char *held = make_folder ("added-held", json,
      "{\"added_tokens_decoder\": {\"0\": {\"content\": \"[PAD]\"}, \"103\": {\"content\": \"[MASK]\"}}, "
      "\"additional_special_tokens\": [{\"content\": \"[SEP]\"}]}",
      NULL);

  assert_warns (decoder, "transformers adds 'newtok'", "even inside words", "save_pretrained", NULL);
  assert_warns (additional, "transformers adds 'hello'", NULL);
  assert_warns (cased_named, "as BertTokenizer", ". And ", "transformers adds 'world'", NULL);
  assert_silent (held);
}

/* A vocab.txt folder naming no class whose config.json's model_type is a family whose
 * tokenizer does not read vocab.txt as BERT's WordPiece: rxnmapper's ALBERT (vocab.txt,
 * tokenizer_config.json {}, model_type albert) was read as BERT's uncased WordPiece without a
 * word, where transformers 5.25 builds an empty AlbertTokenizer (ids [2, 1, 1, 1, 1, 3] for
 * "hello world C O" over this vocab.txt, measured 2026-12-07), RobertaTokenizer ([2, 3]),
 * XLMRobertaTokenizer ([0, 3, 3, 3, 3, 2]); FunnelTokenizer fails (no <unk>). A warning, not
 * an error: the folder still loads as it did. */
static void
test_vocab_txt_of_other_family (void)
{
  const char *specials = "{" BERT_NAMES "}";
  const char *albert = make_vocab_folder ("vocab-albert", "{}", "{\"model_type\": \"albert\"}");
  char *map_path = g_build_filename (albert, "special_tokens_map.json", NULL);
  const char *roberta = make_vocab_folder ("vocab-roberta", NULL, "{\"model_type\": \"roberta\"}");
  const char *longformer = make_vocab_folder ("vocab-longformer", NULL, "{\"model_type\": \"longformer\"}");
  const char *xlm_roberta =
      make_vocab_folder ("vocab-xlm-roberta", "{}", "{\"model_type\": \"xlm-roberta\"}");
  const char *camembert = make_vocab_folder ("vocab-camembert", "{}", "{\"model_type\": \"camembert\"}");
  const char *funnel = make_vocab_folder ("vocab-funnel", "{}", "{\"model_type\": \"funnel\"}");
  const char *unknown = make_vocab_folder ("vocab-unknown", "{}", "{\"model_type\": \"smiles-albert\"}");
  const char *with_added = make_vocab_folder ("vocab-albert-added",
      "{\"additional_special_tokens\": [\"newtok\"]}", "{\"model_type\": \"albert\"}");

  g_assert_true (g_file_set_contents (map_path, specials, -1, NULL));
  assert_warns (albert, "vocab.txt is read as BERT's WordPiece", "config.json's model_type is albert",
      "AlbertTokenizer", "spiece.model", "rxnmapper", "\"tokenizer_class\": \"BertTokenizer\"", NULL);
  assert_warns (roberta, "model_type is roberta", "RobertaTokenizer", "vocab.json and merges.txt", NULL);
  assert_warns (longformer, "model_type is longformer", "RobertaTokenizer", NULL);
  assert_warns (xlm_roberta, "XLMRobertaTokenizer", "sentencepiece.bpe.model", NULL);
  assert_warns (camembert, "CamembertTokenizer", "sentencepiece.bpe.model", NULL);
  assert_warns (funnel, "FunnelTokenizer", "type id 2", NULL);
  assert_warns (unknown, "model_type is smiles-albert", "neither BertTokenizer nor one of its kin", NULL);
  assert_warns (with_added, "AlbertTokenizer", ". And ", "transformers adds 'newtok'", NULL);
  g_free (map_path);
}

/* vocab.txt folders of BertTokenizer's kin, named by model_type or by class (which wins over
 * model_type, as in AutoTokenizer: transformers 5.25 then builds BertTokenizer from an ALBERT's
 * vocab.txt), or of no family at all, are read silently. */
static void
test_vocab_txt_of_bert_kin_silent (void)
{
  const char *model_types[] = { "bert", "distilbert", "electra", "mobilebert", "lxmert", "convbert" };
  const char *named = make_vocab_folder ("vocab-albert-named", "{\"tokenizer_class\": \"BertTokenizer\"}",
      "{\"model_type\": \"albert\"}");
  const char *config_named = make_vocab_folder ("vocab-albert-config-named", "{}",
      "{\"model_type\": \"albert\", \"tokenizer_class\": \"BertTokenizerFast\"}");
  const char *bare = make_vocab_folder ("vocab-bare", NULL, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (model_types); i++) {
    char *name = g_strdup_printf ("vocab-%s", model_types[i]);
    char *config = g_strdup_printf ("{\"model_type\": \"%s\"}", model_types[i]);
    const char *folder = make_vocab_folder (name, "{}", config);
    assert_silent (folder);
    g_free (config);
    g_free (name);
  }
  assert_silent (named);
  assert_silent (config_named);
  assert_silent (bare);
}

/* A class named explicitly that does not read vocab.txt as BERT's WordPiece stays an error:
 * the folder says which tokenizer it is, and it is not the one gst-bert would build. */
static void
test_vocab_txt_of_named_other_class_refused (void)
{
  const char *folder = make_vocab_folder ("vocab-albert-class", "{\"tokenizer_class\": \"AlbertTokenizer\"}",
      "{\"model_type\": \"albert\"}");

  assert_refused (folder, BERT_TOKENIZER_ERROR_UNSUPPORTED, "tokenizer_class is AlbertTokenizer", NULL);
}

int
main (int argc, char **argv)
{
  data_dir = test_init_with_path (&argc, &argv, "TOKENIZER_DATA_DIR");
  scratch_dir = g_dir_make_tmp ("test-transformers5-XXXXXX", NULL);
  g_assert_nonnull (scratch_dir);
  kept_paths = g_ptr_array_new_with_free_func (g_free);
  g_test_add_func ("/transformers5/cased-as-bert-tokenizer", test_cased_file_as_bert_tokenizer);
  g_test_add_func ("/transformers5/cased-silent-where-the-same", test_cased_file_silent_where_the_same);
  g_test_add_func ("/transformers5/tutorial-stages-replaced", test_tutorial_stages_replaced);
  g_test_add_func ("/transformers5/raw-bert-full-normalizer", test_raw_bert_full_normalizer);
  g_test_add_func ("/transformers5/xlm-roberta-stages-replaced", test_xlm_roberta_stages_replaced);
  g_test_add_func ("/transformers5/xlm-roberta-special-tokens-map", test_xlm_roberta_special_tokens_map);
  g_test_add_func ("/transformers5/roberta-rebuilt", test_roberta_rebuilt);
  g_test_add_func ("/transformers5/wordpiece-options-replaced", test_wordpiece_options_replaced);
  g_test_add_func ("/transformers5/post-processor-replaced", test_post_processor_replaced);
  g_test_add_func ("/transformers5/generic-class-switches", test_generic_class_switches);
  g_test_add_func ("/transformers5/funnel-rebuilds", test_funnel_rebuilds);
  g_test_add_func ("/transformers5/mpnet-rebuilds", test_mpnet_rebuilds);
  g_test_add_func ("/transformers5/special-tokens-map-names", test_special_tokens_map_names);
  g_test_add_func ("/transformers5/added-tokens-of-settings-files", test_added_tokens_of_settings_files);
  g_test_add_func ("/transformers5/vocab-txt-of-other-family", test_vocab_txt_of_other_family);
  g_test_add_func ("/transformers5/vocab-txt-of-bert-kin-silent", test_vocab_txt_of_bert_kin_silent);
  g_test_add_func ("/transformers5/vocab-txt-of-named-other-class-refused",
      test_vocab_txt_of_named_other_class_refused);
  g_test_add_func ("/transformers5/ordinary-folders-silent", test_ordinary_folders_silent);
  g_test_add_func ("/transformers5/shared-folders-silent", test_shared_folders_silent);
  g_test_add_func ("/transformers5/malformed-config-refused", test_malformed_config_refused);
  int status = g_test_run ();
  scratch_tree_remove (scratch_dir);
  g_ptr_array_unref (kept_paths);
  g_free (scratch_dir);
  return status;
}
