/* test-json-guards: what the guards find in a JSON text before json-glib parses it
 * (bert_json_guards.h): nesting, numbers in json-glib's forms that JSON lacks and strings
 * with \u0000, each also where json-glib reads more than JSON (comments, 'strings').
 * Needs nothing outside the repository.
 */
#include "bert_json_guards.h"
#include "bert_json_integers.h"
#include "bert_json_strings.h"

#include <json-glib/json-glib.h>
#include <string.h>

/* What json-glib itself makes of member "a" of text: the reason for each guard. */
static void
test_json_glib_misreads_these (void)
{
  const struct {
    const char *text;
    gint64 read_as;
  } numbers[] = {
    { "{\"a\": 0x10}", 16 },
    { "{\"a\": 0512}", 330 },
    { "{\"a\": 0b101}", 5 },
    { "{\"a\": $FF}", 255 },
    { "{\"a\": 0xFFFFFFFFFFFFFFFFFF}", -1 },
  };
  for (guint i = 0; i < G_N_ELEMENTS (numbers); i++) {
    JsonParser *parser = json_parser_new_immutable ();
    g_assert_true (json_parser_load_from_data (parser, numbers[i].text, -1, NULL));
    JsonObject *root = json_node_get_object (json_parser_get_root (parser));
    g_assert_cmpint (json_object_get_int_member (root, "a"), ==, numbers[i].read_as);
    g_object_unref (parser);
  }
  JsonParser *parser = json_parser_new_immutable ();
  g_assert_true (json_parser_load_from_data (parser, "{\"a\": \"mpnet\\u0000x\"}", -1, NULL));
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (json_parser_get_root (parser)), "a"),
      ==, "mpnet");
  g_object_unref (parser);
}

static void
expect_non_decimal (const char *text, guint line, const char *literal)
{
  char *found = NULL;
  g_assert_cmpuint (bert_json_find_non_decimal_number (text, strlen (text), &found), ==, line);
  g_assert_cmpstr (found, ==, literal);
  g_free (found);
}

static void
test_non_decimal_numbers_are_found (void)
{
  expect_non_decimal ("{\"a\": 0x10}", 1, "0x10");
  expect_non_decimal ("{\"a\": -0X1f}", 1, "-0X1f");
  expect_non_decimal ("{\n\"a\": [1,\n 0512]}", 3, "0512");
  expect_non_decimal ("{\"a\": 00}", 1, "00");
  expect_non_decimal ("{\"a\": 0b101}", 1, "0b101");
  expect_non_decimal ("{\"a\": $FF}", 1, "$FF");
  expect_non_decimal ("{\"a\": -$F}", 1, "-$F");
  expect_non_decimal ("{\"a\": 0xFFFFFFFFFFFFFFFFFFFF}", 1, "0xFFFFFFFFFFFFFFFFFFFF");
  /* after a comment holding a quote, which json-glib skips */
  expect_non_decimal ("{\"b\": /* \" */ 1, \"a\": 0x10 /* \" */}", 1, "0x10");
  /* JSON's own numbers, and text inside strings and comments */
  expect_non_decimal ("{\"a\": [0, -0, 0.5, -0.25e-3, 0e1, 10, 1E+5, 1e30, 100000000000000000000000]}", 0,
      NULL);
  expect_non_decimal ("{\"0x10\": \"0x10 $FF 0512\", 'b': '0x1', \"c\": /* 0x1 */ 1}", 0, NULL);
  expect_non_decimal ("{\"a\": \"\\\"0x1\"}", 0, NULL);
}

static void
test_oversized_integers_see_comments (void)
{
  char *found = NULL;
  const char *text = "{\"a\": /* \" */ 99999999999999999999 /* \" */}";
  g_assert_cmpuint (bert_json_find_oversized_integer (text, strlen (text), &found), ==, 1);
  g_assert_cmpstr (found, ==, "99999999999999999999");
  g_free (found);
  text = "{\"a\": '99999999999999999999', \"b\": 0x99999999999999999999}";
  g_assert_cmpuint (bert_json_find_oversized_integer (text, strlen (text), &found), ==, 0);
}

static void
expect_nul (const char *text, guint line, const char *field)
{
  char *found = NULL;
  g_assert_cmpuint (bert_json_find_nul_escape (text, strlen (text), &found), ==, line);
  g_assert_cmpstr (found, ==, field);
  g_free (found);
}

static void
test_nul_escapes_are_found_with_their_field (void)
{
  expect_nul ("{\"model_type\": \"mpnet\\u0000x\"}", 1, "model_type");
  expect_nul ("{\"a\": 1,\n \"mask_token\": {\"content\": \"<mask>\\u0000\", \"lstrip\": true}}", 2,
      "mask_token.content");
  expect_nul ("{\"added_tokens\": [{\"id\": 0}, {\"id\": 1, \"content\": \"\\u0000\"}]}", 1,
      "added_tokens[1].content");
  expect_nul ("{\"model\": {\"vocab\": {\"a\": 0, \"b\\u0000c\": 1}}}", 1, "model.vocab.b\\u0000c");
  expect_nul ("[[], [1, \"x\", \"\\u0000\"]]", 1, "[1][2]");
  expect_nul ("\"\\u0000\"", 1, "the top level");
  expect_nul ("{\"a\": /* \" */ \"\\u0000\" /* \" */}", 1, "a");
  /* an escaped backslash before u0000, other escapes, and a single-quoted string (no escapes there) */
  expect_nul ("{\"a\": \"\\\\u0000\", \"b\": \"\\u0001\\u00000\", \"c\": 'x\\u0000'}", 1, "b");
  expect_nul ("{\"a\": \"\\\\u0000\", \"c\": 'x\\u0000', \"d\": \"\\u0020\"}", 0, NULL);
}

static void
expect_misreading (const char *text, const char *message)
{
  char *found = bert_json_find_misreading (text, strlen (text));
  if (message == NULL)
    g_assert_null (found);
  else if (found == NULL || !g_str_has_prefix (found, message))
    g_error ("'%s': expected a message starting '%s', got '%s'", text, message, found);
  g_free (found);
}

static void
test_misreading_names_line_and_problem (void)
{
  char *deep = g_strconcat ("{\"a\": /* \" */ ", NULL);
  char *brackets = g_strnfill (100, '[');
  char *text = g_strconcat (deep, brackets, NULL);

  /* a quote in a comment must not hide the brackets after it from the depth guard */
  expect_misreading (text, "1: nested deeper than 64 levels");
  expect_misreading ("{\n\"max_position_embeddings\": 0x202}", "2: the number 0x202 is not JSON");
  expect_misreading ("{\"model_type\": \"mpnet\\u0000x\"}", "1: field 'model_type' holds \\u0000");
  /* transformers' int(1e30) is left to the loader */
  expect_misreading ("{\"model_max_length\": 1000000000000000019884624838656}", NULL);
  g_free (text);
  g_free (brackets);
  g_free (deep);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/tokenizer/json-guards/json-glib-misreads-these", test_json_glib_misreads_these);
  g_test_add_func ("/tokenizer/json-guards/non-decimal-numbers", test_non_decimal_numbers_are_found);
  g_test_add_func ("/tokenizer/json-guards/oversized-integers-see-comments",
      test_oversized_integers_see_comments);
  g_test_add_func ("/tokenizer/json-guards/nul-escapes", test_nul_escapes_are_found_with_their_field);
  g_test_add_func ("/tokenizer/json-guards/misreading", test_misreading_names_line_and_problem);
  return g_test_run ();
}
