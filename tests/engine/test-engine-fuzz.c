/* test-engine-fuzz: thousands of random mutations of a valid model.safetensors must give
 * errors or valid models, never a crash or an out-of-bounds read (run it under ASan).
 *
 * Mutations: flipped bytes in the header, digits replaced by random numbers (hitting
 * shapes and offsets), changed header length fields, truncations, deleted header spans.
 * Every mutated buffer goes through the parser; when it parses, every byte of every
 * tensor is read, and the file is loaded as a whole model and run once.
 * BERT_FUZZ_ITERATIONS overrides the count (default 5000), BERT_FUZZ_SEED the seed.
 */
#include <stdlib.h>
#include <string.h>

#include "bert_safetensors.h"
#include "engine-test-util.h"

typedef struct {
  GRand *rand;
  const guint8 *original;
  gsize original_size;
  gsize header_end; /* 8 + header length of the original */
} Fuzzer;

static GByteArray *
copy_original (const Fuzzer *fuzzer)
{
  GByteArray *bytes = g_byte_array_sized_new (fuzzer->original_size);

  g_byte_array_append (bytes, fuzzer->original, fuzzer->original_size);
  return bytes;
}

static void
set_header_length (GByteArray *bytes, guint64 length)
{
  length = GUINT64_TO_LE (length);
  memcpy (bytes->data, &length, 8);
}

static void
flip_header_bytes (Fuzzer *fuzzer, GByteArray *bytes)
{
  int n = g_rand_int_range (fuzzer->rand, 1, 5);

  for (int i = 0; i < n; i++)
    bytes->data[g_rand_int_range (fuzzer->rand, 8, fuzzer->header_end)] =
        g_rand_int_range (fuzzer->rand, 0, 256);
}

/* A digit of the header becomes a random number of 1 to 20 digits. */
static GByteArray *
replace_number (Fuzzer *fuzzer, GByteArray *bytes)
{
  gsize at = g_rand_int_range (fuzzer->rand, 8, fuzzer->header_end);
  GByteArray *edited;
  char number[32];
  int length = g_rand_int_range (fuzzer->rand, 1, 21);

  while (at < fuzzer->header_end && !g_ascii_isdigit (bytes->data[at]))
    at++;
  if (at == fuzzer->header_end)
    return bytes;
  for (int i = 0; i < length; i++)
    number[i] = '0' + g_rand_int_range (fuzzer->rand, 0, 10);
  edited = g_byte_array_new ();
  g_byte_array_append (edited, bytes->data, at);
  g_byte_array_append (edited, (const guint8 *) number, length);
  g_byte_array_append (edited, bytes->data + at + 1, bytes->len - at - 1);
  set_header_length (edited, fuzzer->header_end - 8 + length - 1);
  g_byte_array_unref (bytes);
  return edited;
}

static void
change_header_length (Fuzzer *fuzzer, GByteArray *bytes)
{
  static const guint64 specials[] = { 0, 1, 2, 7, G_MAXUINT32, G_MAXINT64, G_MAXUINT64, G_MAXUINT64 - 7 };
  guint64 length;

  if (g_rand_boolean (fuzzer->rand))
    length = specials[g_rand_int_range (fuzzer->rand, 0, G_N_ELEMENTS (specials))];
  else
    length = fuzzer->header_end - 8 + g_rand_int_range (fuzzer->rand, -16, 17);
  set_header_length (bytes, length);
}

static void
delete_header_span (Fuzzer *fuzzer, GByteArray *bytes)
{
  gsize at = g_rand_int_range (fuzzer->rand, 8, fuzzer->header_end - 1);
  gsize length = g_rand_int_range (fuzzer->rand, 1, MIN (40, fuzzer->header_end - at));

  g_byte_array_remove_range (bytes, at, length);
  set_header_length (bytes, fuzzer->header_end - 8 - length);
}

static GByteArray *
mutate (Fuzzer *fuzzer)
{
  GByteArray *bytes = copy_original (fuzzer);

  switch (g_rand_int_range (fuzzer->rand, 0, 5)) {
    case 0: flip_header_bytes (fuzzer, bytes); break;
    case 1: bytes = replace_number (fuzzer, bytes); break;
    case 2: change_header_length (fuzzer, bytes); break;
    case 3: g_byte_array_set_size (bytes, g_rand_int_range (fuzzer->rand, 0, bytes->len)); break;
    default: delete_header_span (fuzzer, bytes); break;
  }
  return bytes;
}

/* Reads every byte a parsed file's tensors claim, so that ASan sees any overrun. */
static guint
touch_tensors (const BertSafetensors *safetensors)
{
  GHashTableIter iter;
  gpointer value;
  guint sum = 0;

  g_hash_table_iter_init (&iter, safetensors->tensors);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    const BertSafetensorsTensor *tensor = value;

    for (guint64 i = 0; i < tensor->end - tensor->begin; i++)
      sum += tensor->data[i];
  }
  return sum;
}

/* Loads folder (its model.safetensors replaced by bytes) and runs one sequence. */
static gboolean
load_and_run (const char *folder, GByteArray *bytes)
{
  BertEncoderOptions options;
  BertModel *model;
  BertEncoder *encoder;
  int32_t ids[4] = { 2, 10, 11, 3 };
  BertSequence sequence = { ids, NULL, 4 };

  engine_test_write_file (folder, "model.safetensors", (const char *) bytes->data, bytes->len);
  model = bert_model_load (folder, NULL);
  if (model == NULL)
    return FALSE;
  bert_encoder_options_init (&options);
  options.device = BERT_DEVICE_CPU;
  options.n_threads = 1;
  encoder = bert_encoder_new (model, &options, NULL);
  g_assert_nonnull (encoder);
  bert_job_free (bert_encoder_run (encoder, &sequence, 1, NULL));
  bert_encoder_free (encoder);
  bert_model_unref (model);
  return TRUE;
}

static void
test_fuzzed_headers (void)
{
  const char *iterations_text = g_getenv ("BERT_FUZZ_ITERATIONS");
  const char *seed_text = g_getenv ("BERT_FUZZ_SEED");
  int iterations = iterations_text ? atoi (iterations_text) : 5000;
  char *folder = engine_test_make_model (NULL);
  Fuzzer fuzzer = { g_rand_new_with_seed (seed_text ? atoi (seed_text) : 20240611) };
  guint64 header_length;
  int parsed = 0, loaded = 0;
  char *original;

  original = engine_test_read_file (folder, "model.safetensors", &fuzzer.original_size);
  fuzzer.original = (const guint8 *) original;
  memcpy (&header_length, original, 8);
  fuzzer.header_end = 8 + GUINT64_FROM_LE (header_length);
  for (int i = 0; i < iterations; i++) {
    GByteArray *bytes = mutate (&fuzzer);
    /* An exact-size copy, so that ASan flags a read one past the end. */
    guint8 *exact = g_memdup2 (bytes->data, bytes->len);
    BertSafetensors *safetensors = bert_safetensors_parse (exact, bytes->len, "fuzzed", NULL);

    if (safetensors != NULL) {
      parsed++;
      touch_tensors (safetensors);
      bert_safetensors_free (safetensors);
      loaded += load_and_run (folder, bytes);
    }
    g_free (exact);
    g_byte_array_unref (bytes);
  }
  g_test_message ("%d mutations: %d parsed, %d loaded as models", iterations, parsed, loaded);
  g_assert_cmpint (parsed, >, 0);
  g_rand_free (fuzzer.rand);
  g_free (original);
  g_free (folder);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/fuzz/safetensors-headers", test_fuzzed_headers);
  status = g_test_run ();
  engine_test_cleanup ();
  return status;
}
