/* test-engine-torch-bin-errors: hostile pytorch_model.bin files, each an error that names
 * the problem, never a crash.
 *
 * Archives are built here byte by byte: a zip of stored entries (as torch.save writes,
 * with or without the ZIP64 end records) holding archive/data.pkl, a pickle written opcode
 * by opcode in torch.save's shape, and archive/data/0, a storage of six floats. Files of
 * the legacy format (PyTorch before 1.6) are built the same way: the magic number,
 * protocol version, sys_info, state dict and storage key list pickles, then the storage's
 * element count and its six floats. Each test breaks one thing.
 */
#include <glib/gstdio.h>
#include <string.h>

#include "bert_torch_bin.h"
#include "engine-test-util.h"

#define FILE_NAME "pytorch_model.bin"

typedef struct {
  const char *storage_type; /* "FloatStorage" */
  gint64 numel;             /* the persistent id's */
  gint64 offset;
  int n_dims;
  gint64 shape[4], stride[4];
} TensorSpec;

static const TensorSpec default_tensor = { "FloatStorage", 6, 0, 2, { 2, 3 }, { 3, 1 } };

/* Pickle writing, opcode by opcode. */
static void
put_byte (GByteArray *pickle, guint8 byte)
{
  g_byte_array_append (pickle, &byte, 1);
}

static void
put_le (GByteArray *pickle, guint64 value, int n)
{
  for (int i = 0; i < n; i++)
    put_byte (pickle, value >> (8 * i));
}

static void
put_string (GByteArray *pickle, const char *text)
{
  put_byte (pickle, 'X');
  put_le (pickle, strlen (text), 4);
  g_byte_array_append (pickle, (const guint8 *) text, strlen (text));
}

/* An integer as LONG1 of 8 bytes, whatever its size. */
static void
put_int (GByteArray *pickle, gint64 value)
{
  put_byte (pickle, 0x8a);
  put_byte (pickle, 8);
  put_le (pickle, value, 8);
}

static void
put_global (GByteArray *pickle, const char *module, const char *name)
{
  put_byte (pickle, 'c');
  g_byte_array_append (pickle, (const guint8 *) module, strlen (module));
  put_byte (pickle, '\n');
  g_byte_array_append (pickle, (const guint8 *) name, strlen (name));
  put_byte (pickle, '\n');
}

static void
put_tuple (GByteArray *pickle, int n, const gint64 *values)
{
  put_byte (pickle, '(');
  for (int i = 0; i < n; i++)
    put_int (pickle, values[i]);
  put_byte (pickle, 't');
}

/* A persistent id's form: the zip's ('storage', type, key, location, numel), or the legacy
 * format's, with view_metadata None or a view of the whole storage. */
typedef enum {
  ZIP_ID,
  LEGACY_ID,
  LEGACY_VIEW_ID,
} IdForm;

/* _rebuild_tensor_v2 ((storage, type, '0', 'cpu', numel), offset, shape, stride, False,
 * OrderedDict ()) under key, as torch.save writes it. */
static void
put_tensor (GByteArray *pickle, const char *key, const TensorSpec *tensor, IdForm id_form)
{
  put_string (pickle, key);
  put_global (pickle, "torch._utils", "_rebuild_tensor_v2");
  put_byte (pickle, '(');
  put_byte (pickle, '(');
  put_string (pickle, "storage");
  put_global (pickle, "torch", tensor->storage_type);
  put_string (pickle, "0");
  put_string (pickle, "cpu");
  put_int (pickle, tensor->numel);
  if (id_form == LEGACY_ID)
    put_byte (pickle, 'N');
  if (id_form == LEGACY_VIEW_ID) {
    put_byte (pickle, '(');
    put_string (pickle, "1");
    put_int (pickle, 0);
    put_int (pickle, tensor->numel);
    put_byte (pickle, 't');
  }
  put_byte (pickle, 't');
  put_byte (pickle, 'Q');
  put_int (pickle, tensor->offset);
  put_tuple (pickle, tensor->n_dims, tensor->shape);
  put_tuple (pickle, tensor->n_dims, tensor->stride);
  put_byte (pickle, 0x89);
  put_global (pickle, "collections", "OrderedDict");
  put_byte (pickle, ')');
  put_byte (pickle, 'R');
  put_byte (pickle, 't');
  put_byte (pickle, 'R');
}

/* {key: tensor, ...} of n tensors named "w0", "w1"... */
static GByteArray *
state_dict_pickle_with_ids (const TensorSpec *tensors, int n, IdForm id_form)
{
  GByteArray *pickle = g_byte_array_new ();

  put_byte (pickle, 0x80);
  put_byte (pickle, 2);
  put_byte (pickle, '}');
  put_byte (pickle, '(');
  for (int i = 0; i < n; i++) {
    char *key = g_strdup_printf ("w%d", i);

    put_tensor (pickle, key, &tensors[i], id_form);
    g_free (key);
  }
  put_byte (pickle, 'u');
  put_byte (pickle, '.');
  return pickle;
}

static GByteArray *
state_dict_pickle (const TensorSpec *tensors, int n)
{
  return state_dict_pickle_with_ids (tensors, n, ZIP_ID);
}

/* A pickle of PROTO 2 then the given bytes. */
static GByteArray *
raw_pickle (const void *bytes, gsize length)
{
  GByteArray *pickle = g_byte_array_new ();

  put_byte (pickle, 0x80);
  put_byte (pickle, 2);
  g_byte_array_append (pickle, bytes, length);
  return pickle;
}

/* Zip writing. */
typedef struct {
  const char *name;
  GByteArray *data;
  guint16 method;
} ZipEntry;

typedef struct {
  gboolean zip64;
  guint64 central_size_lie; /* added to an entry's sizes in the central directory */
  gboolean data_descriptor; /* local headers without sizes, as torch.save writes them */
} ZipOptions;

static void
put_header (GByteArray *zip, guint32 signature, const ZipEntry *entry, guint64 size, guint64 local_offset,
    gboolean central, gboolean data_descriptor)
{
  put_le (zip, signature, 4);
  if (central)
    put_le (zip, 20, 2);                         /* version made by */
  put_le (zip, 20, 2);                           /* version needed */
  put_le (zip, data_descriptor ? 0x0808 : 0, 2); /* flags */
  put_le (zip, entry->method, 2);
  put_le (zip, 0, 4); /* time, date */
  put_le (zip, 0, 4); /* crc-32, not checked */
  put_le (zip, size, 4);
  put_le (zip, size, 4);
  put_le (zip, strlen (entry->name), 2);
  put_le (zip, 0, 2); /* extra */
  if (central) {
    put_le (zip, 0, 2); /* comment */
    put_le (zip, 0, 2); /* disk */
    put_le (zip, 0, 2); /* internal attributes */
    put_le (zip, 0, 4); /* external attributes */
    put_le (zip, local_offset, 4);
  }
  g_byte_array_append (zip, (const guint8 *) entry->name, strlen (entry->name));
}

static GBytes *
build_zip (const ZipEntry *entries, int n, const ZipOptions *options)
{
  GByteArray *zip = g_byte_array_new ();
  guint64 offsets[8], directory_offset, directory_size;

  g_assert_cmpint (n, <=, 8);
  for (int i = 0; i < n; i++) {
    offsets[i] = zip->len;
    put_header (zip, 0x04034b50, &entries[i], options->data_descriptor ? 0 : entries[i].data->len, 0, FALSE,
        options->data_descriptor);
    g_byte_array_append (zip, entries[i].data->data, entries[i].data->len);
  }
  directory_offset = zip->len;
  for (int i = 0; i < n; i++)
    put_header (zip, 0x02014b50, &entries[i], entries[i].data->len + options->central_size_lie, offsets[i],
        TRUE, options->data_descriptor);
  directory_size = zip->len - directory_offset;
  if (options->zip64) {
    guint64 end64 = zip->len;

    put_le (zip, 0x06064b50, 4);
    put_le (zip, 44, 8);
    put_le (zip, 45, 2);
    put_le (zip, 45, 2);
    put_le (zip, 0, 4);
    put_le (zip, 0, 4);
    put_le (zip, n, 8);
    put_le (zip, n, 8);
    put_le (zip, directory_size, 8);
    put_le (zip, directory_offset, 8);
    put_le (zip, 0x07064b50, 4);
    put_le (zip, 0, 4);
    put_le (zip, end64, 8);
    put_le (zip, 1, 4);
  }
  put_le (zip, 0x06054b50, 4);
  put_le (zip, 0, 4);
  put_le (zip, n, 2);
  put_le (zip, n, 2);
  put_le (zip, options->zip64 ? G_MAXUINT32 : directory_size, 4);
  put_le (zip, options->zip64 ? G_MAXUINT32 : directory_offset, 4);
  put_le (zip, 0, 2);
  return g_byte_array_free_to_bytes (zip);
}

static GByteArray *
bytes_of (const char *text, gsize length)
{
  GByteArray *bytes = g_byte_array_new ();

  g_byte_array_append (bytes, (const guint8 *) text, length);
  return bytes;
}

/* archive/data.pkl (taken), archive/data/0 (six floats), archive/version and, unless
 * byteorder is NULL (PyTorch before 2.1 wrote none), archive/byteorder. */
static GBytes *
build_archive (GByteArray *pickle, const char *byteorder, const ZipOptions *options)
{
  static const float storage[6] = { 1, 2, 3, 4, 5, 6 };
  ZipEntry entries[] = {
    { "archive/data.pkl", pickle, 0 },
    { "archive/data/0", bytes_of ((const char *) storage, sizeof storage), 0 },
    { "archive/version", bytes_of ("3\n", 2), 0 },
    { "archive/byteorder", bytes_of (byteorder, byteorder ? strlen (byteorder) : 0), 0 },
  };
  GBytes *zip = build_zip (entries, G_N_ELEMENTS (entries) - (byteorder == NULL), options);

  for (gsize i = 0; i < G_N_ELEMENTS (entries); i++)
    g_byte_array_unref (entries[i].data);
  return zip;
}

static const ZipOptions plain = { FALSE, 0, FALSE };

static BertSafetensors *
parse (GBytes *file, GError **error)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (file, &size);

  return bert_torch_bin_parse (data, size, FILE_NAME, error);
}

/* Parsing file (taken) fails, with a message that names the file and holds fragment. */
static void
assert_refused (GBytes *file, const char *fragment)
{
  GError *error = NULL;
  BertSafetensors *parsed = parse (file, &error);

  g_assert_null (parsed);
  g_assert_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_FORMAT);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, FILE_NAME ": "));
  if (strstr (error->message, fragment) == NULL)
    g_error ("'%s' is not in the error message: %s", fragment, error->message);
  g_error_free (error);
  g_bytes_unref (file);
}

static void
assert_pickle_refused (GByteArray *pickle, const char *fragment)
{
  assert_refused (build_archive (pickle, "little", &plain), fragment);
}

static void
assert_tensor_refused (const TensorSpec *tensor, const char *fragment)
{
  assert_pickle_refused (state_dict_pickle (tensor, 1), fragment);
}

static void
test_valid_archive (void)
{
  /* With and without ZIP64 end records, data descriptors and a byteorder entry. */
  for (int variant = 0; variant < 8; variant++) {
    ZipOptions options = { variant & 1, 0, (variant >> 1) & 1 };
    GBytes *file =
        build_archive (state_dict_pickle (&default_tensor, 1), variant & 4 ? NULL : "little", &options);
    GError *error = NULL;
    BertSafetensors *parsed = parse (file, &error);
    const BertSafetensorsTensor *tensor;
    float values[6];

    g_assert_no_error (error);
    tensor = bert_safetensors_lookup (parsed, "w0");
    g_assert_nonnull (tensor);
    g_assert_cmpstr (tensor->dtype, ==, "F32");
    g_assert_cmpint (tensor->n_dims, ==, 2);
    g_assert_cmpint (tensor->shape[0], ==, 2);
    g_assert_cmpint (tensor->shape[1], ==, 3);
    g_assert_cmpuint (tensor->end - tensor->begin, ==, 24);
    memcpy (values, tensor->data, sizeof values);
    g_assert_cmpfloat (values[5], ==, 6);
    bert_safetensors_free (parsed);
    g_bytes_unref (file);
  }
}

static void
test_tensors_share_a_storage (void)
{
  TensorSpec halves[2] = { default_tensor, default_tensor };
  GBytes *file;
  BertSafetensors *parsed;
  GError *error = NULL;
  const BertSafetensorsTensor *first, *second;

  for (int i = 0; i < 2; i++) {
    halves[i].n_dims = 1;
    halves[i].shape[0] = 3;
    halves[i].stride[0] = 1;
    halves[i].offset = 3 * i;
  }
  file = build_archive (state_dict_pickle (halves, 2), "little", &plain);
  parsed = parse (file, &error);
  g_assert_no_error (error);
  first = bert_safetensors_lookup (parsed, "w0");
  second = bert_safetensors_lookup (parsed, "w1");
  g_assert_true (second->data == first->data + 12);
  bert_safetensors_free (parsed);
  g_bytes_unref (file);
}

static void
test_disallowed_opcodes (void)
{
  /* The opcodes a state dict uses. */
  static const guint8 allowed[] = { 0x80, 0x95, '.', '(', ')', '}', 't', 0x85, 0x86, 0x87, 's', 'u', 'N',
    0x88, 0x89, 'K', 0x8c, 'q', 'h', 'M', 'J', 'X', 'r', 'j', 0x8a, 0x94, 'c', 0x93, 'Q', 'R', 'b' };
  static const guint8 padding[16] = { 0 };

  for (int opcode = 0; opcode < 256; opcode++) {
    GByteArray *pickle;
    char *expected;

    if (memchr (allowed, opcode, sizeof allowed) != NULL)
      continue;
    pickle = raw_pickle (&(guint8){ opcode }, 1);
    g_byte_array_append (pickle, padding, sizeof padding);
    expected = g_strdup_printf ("(0x%02x) is not allowed", opcode);
    assert_pickle_refused (pickle, expected);
    g_free (expected);
  }
  assert_pickle_refused (raw_pickle ("i", 1), "opcode INST (0x69) is not allowed");
  assert_pickle_refused (raw_pickle ("\x81", 1), "opcode NEWOBJ (0x81) is not allowed");
}

static void
test_disallowed_globals (void)
{
  static const char *const globals[][2] = { { "os", "system" }, { "builtins", "eval" },
    { "__builtin__", "getattr" }, { "torch._utils", "_rebuild_tensor" }, { "torch", "Tensor" },
    { "torch.nn.modules.linear", "Linear" }, { "collections", "defaultdict" } };

  for (gsize i = 0; i < G_N_ELEMENTS (globals); i++) {
    GByteArray *pickle = raw_pickle (NULL, 0), *stacked = raw_pickle (NULL, 0);
    char *expected =
        g_strdup_printf ("data.pkl: global '%s.%s' is not allowed", globals[i][0], globals[i][1]);

    put_global (pickle, globals[i][0], globals[i][1]);
    assert_pickle_refused (pickle, expected);
    /* The same through STACK_GLOBAL, as protocol 4 writes it. */
    put_string (stacked, globals[i][0]);
    put_string (stacked, globals[i][1]);
    put_byte (stacked, 0x93);
    assert_pickle_refused (stacked, expected);
    g_free (expected);
  }
}

static void
test_allowed_global_misused (void)
{
  GByteArray *pickle = raw_pickle (NULL, 0);

  put_global (pickle, "torch", "FloatStorage");
  put_byte (pickle, ')');
  put_byte (pickle, 'R');
  assert_pickle_refused (pickle, "global 'torch.FloatStorage' is called");

  pickle = raw_pickle (NULL, 0);
  put_global (pickle, "collections", "OrderedDict");
  put_byte (pickle, '(');
  put_string (pickle, "x");
  put_byte (pickle, 't');
  put_byte (pickle, 'R');
  assert_pickle_refused (pickle, "OrderedDict is called with arguments");

  /* BUILD on something other than a dict. */
  assert_pickle_refused (raw_pickle (")}b", 3), "BUILD on a tuple");
  /* A state dict whose value is not a tensor. */
  assert_pickle_refused (raw_pickle ("}X\x01\0\0\0wNs.", 10), "the state dict's 'w' is None, not a tensor");
  /* A pickle of something else than a dict. */
  assert_pickle_refused (raw_pickle ("N.", 2), "the pickle holds None, not a state dict");
}

static void
test_truncated_archive (void)
{
  GBytes *file = build_archive (state_dict_pickle (&default_tensor, 1), "little", &plain);
  gsize size;
  const guint8 *data = g_bytes_get_data (file, &size);

  /* Every prefix of the file, and the file with any one byte dropped from its end record. */
  for (gsize length = 0; length < size; length++) {
    GError *error = NULL;

    g_assert_null (bert_torch_bin_parse (data, length, FILE_NAME, &error));
    g_assert_nonnull (error);
    g_error_free (error);
  }
  assert_refused (g_bytes_new_from_bytes (file, 0, size - 1), "not a zip archive");
  g_bytes_unref (file);
}

static void
test_truncated_pickle (void)
{
  GByteArray *pickle = state_dict_pickle (&default_tensor, 1);

  for (guint length = 0; length < pickle->len; length++) {
    GByteArray *part = g_byte_array_new ();
    GBytes *file;
    GError *error = NULL;

    g_byte_array_append (part, pickle->data, length);
    file = build_archive (part, "little", &plain);
    g_assert_null (parse (file, &error));
    g_assert_nonnull (error);
    g_error_free (error);
    g_bytes_unref (file);
  }
  g_byte_array_unref (pickle);
}

static void
test_entry_past_the_end (void)
{
  ZipOptions lying = { FALSE, 1000, TRUE }, disagreeing = { FALSE, 1000, FALSE };

  assert_refused (build_archive (state_dict_pickle (&default_tensor, 1), "little", &lying),
      "entry 'archive/data.pkl': its 1190 bytes at offset 46 run past the central directory");
  assert_refused (build_archive (state_dict_pickle (&default_tensor, 1), "little", &disagreeing),
      "its local header gives 190 bytes, the central directory 1190");
}

static void
test_compressed_entry (void)
{
  ZipEntry entries[] = { { "archive/data.pkl", state_dict_pickle (&default_tensor, 1), 8 } };
  GBytes *file = build_zip (entries, 1, &plain);

  assert_refused (file, "entry 'archive/data.pkl' is compressed (method 8)");
  g_byte_array_unref (entries[0].data);
}

static void
test_storage_too_small (void)
{
  TensorSpec tensor = default_tensor;

  tensor.numel = 4; /* the entry holds 6 floats */
  assert_tensor_refused (&tensor, "storage '0' is 4 elements of F32 but its entry holds 24 bytes");
  tensor = default_tensor;
  tensor.storage_type = "DoubleStorage"; /* 6 doubles would need 48 bytes */
  assert_tensor_refused (&tensor, "storage '0' is 6 elements of F64 but its entry holds 24 bytes");
  tensor = default_tensor;
  tensor.shape[0] = 3; /* 9 floats from a storage of 6 */
  assert_tensor_refused (&tensor, "tensor 'w0': 9 elements from offset 0 run past its storage of 6");
  tensor = default_tensor;
  tensor.offset = 1;
  assert_tensor_refused (&tensor, "tensor 'w0': 6 elements from offset 1 run past its storage of 6");
}

static void
test_non_contiguous_strides (void)
{
  TensorSpec tensor = default_tensor;

  tensor.stride[0] = 1;
  tensor.stride[1] = 2;
  assert_tensor_refused (&tensor, "tensor 'w0' is not contiguous");
  tensor = default_tensor;
  tensor.stride[0] = 4; /* rows apart by more than a row */
  assert_tensor_refused (&tensor, "tensor 'w0' is not contiguous");
}

static void
test_absurd_shapes (void)
{
  TensorSpec tensor = default_tensor;

  tensor.shape[0] = tensor.shape[1] = G_GINT64_CONSTANT (1) << 40;
  tensor.stride[0] = tensor.shape[1];
  assert_tensor_refused (&tensor, "tensor 'w0': its shape holds more than 2^63 elements");
  tensor = default_tensor;
  tensor.offset = G_MAXINT64;
  assert_tensor_refused (&tensor, "run past its storage of 6");
  tensor = default_tensor;
  tensor.numel = G_MAXINT64;
  assert_tensor_refused (&tensor, "storage '0' is 9223372036854775807 elements of F32");
  tensor = default_tensor;
  tensor.shape[0] = -1;
  assert_tensor_refused (&tensor, "_rebuild_tensor_v2's arguments are not");
}

static void
test_nesting_depth (void)
{
  GByteArray *pickle = raw_pickle (NULL, 0);

  for (int i = 0; i < 100000; i++)
    put_byte (pickle, '(');
  assert_pickle_refused (pickle, "MARKs nest deeper than 32 levels");

  /* Tuples nested 100000 deep need no recursion to build or to free. */
  pickle = raw_pickle (NULL, 0);
  put_byte (pickle, ')');
  for (int i = 0; i < 100000; i++)
    put_byte (pickle, 0x85);
  put_byte (pickle, '.');
  assert_pickle_refused (pickle, "the pickle holds a tuple, not a state dict");
}

static void
test_memo_indexes (void)
{
  GByteArray *pickle;

  /* The largest index may be written and read back; an unwritten one is an error. */
  assert_pickle_refused (raw_pickle ("Nr\xff\xff\xff\xffj\xff\xff\xff\xff.", 12),
      "holds None, not a state dict");
  assert_pickle_refused (raw_pickle ("Nr\xff\xff\xff\xffj\xfe\xff\xff\xff.", 12),
      "memo index 4294967294 is read but was never written");
  assert_pickle_refused (raw_pickle ("h\x05", 2), "memo index 5 is read but was never written");
  /* Values and memo entries without end, as a pickle of a few megabytes could make. */
  pickle = raw_pickle (NULL, 0);
  for (int i = 0; i <= BERT_TORCH_BIN_MAX_VALUES; i++)
    put_byte (pickle, 'N');
  assert_pickle_refused (pickle, "the pickle makes more than 1000000 values or memo entries");
  pickle = raw_pickle ("N", 1);
  for (guint32 i = 0; i <= BERT_TORCH_BIN_MAX_VALUES; i++) {
    put_byte (pickle, 'r');
    put_le (pickle, i, 4);
  }
  assert_pickle_refused (pickle, "the pickle makes more than 1000000 values or memo entries");
  /* BINPUT with nothing on the stack. */
  assert_pickle_refused (raw_pickle ("q\x00", 2), "the stack is empty");
}

/* The legacy format, piece by piece. */
static const guint8 legacy_magic[] = { 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19,
  '.' };

typedef struct {
  gboolean framed;        /* the magic number's pickle in protocol 4, with a FRAME */
  gint64 version;         /* 1001 */
  gboolean little_endian; /* sys_info's */
} LegacyHeader;

static const LegacyHeader good_header = { FALSE, 1001, TRUE };

static GByteArray *
legacy_header (const LegacyHeader *header)
{
  GByteArray *bytes = g_byte_array_new ();

  put_byte (bytes, 0x80);
  put_byte (bytes, header->framed ? 4 : 2);
  if (header->framed) {
    put_byte (bytes, 0x95);
    put_le (bytes, sizeof legacy_magic, 8);
  }
  g_byte_array_append (bytes, legacy_magic, sizeof legacy_magic);
  put_byte (bytes, 0x80);
  put_byte (bytes, 2);
  put_int (bytes, header->version);
  put_byte (bytes, '.');
  put_byte (bytes, 0x80);
  put_byte (bytes, 2);
  put_byte (bytes, '}');
  put_byte (bytes, '(');
  put_string (bytes, "protocol_version");
  put_int (bytes, header->version);
  put_string (bytes, "little_endian");
  put_byte (bytes, header->little_endian ? 0x88 : 0x89);
  put_byte (bytes, 'u');
  put_byte (bytes, '.');
  return bytes;
}

/* The list of n storage keys, as protocol 2 writes it (APPEND for one, APPENDS for more). */
static GByteArray *
keys_pickle (const char *const *keys, int n)
{
  GByteArray *pickle = g_byte_array_new ();

  put_byte (pickle, 0x80);
  put_byte (pickle, 2);
  put_byte (pickle, ']');
  if (n > 1)
    put_byte (pickle, '(');
  for (int i = 0; i < n; i++)
    put_string (pickle, keys[i]);
  if (n > 0)
    put_byte (pickle, n > 1 ? 'e' : 'a');
  put_byte (pickle, '.');
  return pickle;
}

/* A storage of n floats 1, 2, ... whose element count says numel. */
static GByteArray *
float_storage (guint64 numel, int n)
{
  GByteArray *bytes = g_byte_array_new ();

  put_le (bytes, numel, 8);
  for (int i = 0; i < n; i++) {
    float value = i + 1;

    g_byte_array_append (bytes, (const guint8 *) &value, sizeof value);
  }
  return bytes;
}

/* The parts (taken) one after another. */
static GBytes *
build_legacy (GByteArray *header, GByteArray *state_dict, GByteArray *keys, GByteArray *storages)
{
  GByteArray *parts[] = { state_dict, keys, storages };

  for (gsize i = 0; i < G_N_ELEMENTS (parts); i++) {
    g_byte_array_append (header, parts[i]->data, parts[i]->len);
    g_byte_array_unref (parts[i]);
  }
  return g_byte_array_free_to_bytes (header);
}

static const char *const key_0[] = { "0" };

/* The default tensor over storage '0' of six floats, in a file of header's. */
static GBytes *
build_legacy_with_header (const LegacyHeader *header)
{
  return build_legacy (legacy_header (header), state_dict_pickle_with_ids (&default_tensor, 1, LEGACY_ID),
      keys_pickle (key_0, 1), float_storage (6, 6));
}

static void
test_valid_legacy_file (void)
{
  const LegacyHeader framed = { TRUE, 1001, TRUE };

  for (int variant = 0; variant < 2; variant++) {
    GBytes *file = build_legacy_with_header (variant ? &framed : &good_header);
    GError *error = NULL;
    BertSafetensors *parsed = parse (file, &error);
    const BertSafetensorsTensor *tensor;
    gsize size;
    const guint8 *bytes = g_bytes_get_data (file, &size);
    float values[6];

    g_assert_no_error (error);
    tensor = bert_safetensors_lookup (parsed, "w0");
    g_assert_nonnull (tensor);
    g_assert_cmpstr (tensor->dtype, ==, "F32");
    g_assert_cmpint (tensor->n_dims, ==, 2);
    g_assert_cmpint (tensor->shape[1], ==, 3);
    /* The storage's bytes in place: the file's last 24 bytes. */
    g_assert_true (tensor->data == bytes + size - 24);
    g_assert_cmpuint (tensor->end - tensor->begin, ==, 24);
    memcpy (values, tensor->data, sizeof values);
    g_assert_cmpfloat (values[5], ==, 6);
    bert_safetensors_free (parsed);
    g_bytes_unref (file);
  }
}

static void
test_legacy_header_refused (void)
{
  const LegacyHeader other_version = { FALSE, 1000, TRUE }, big_endian = { FALSE, 1001, FALSE };
  GByteArray *wrong_magic = legacy_header (&good_header);

  wrong_magic->data[5] ^= 1;
  assert_refused (g_byte_array_free_to_bytes (wrong_magic), "does not start with torch.save's magic number");
  assert_refused (build_legacy_with_header (&other_version),
      "the protocol version pickle: version 1000 is not read");
  assert_refused (build_legacy_with_header (&big_endian),
      "the sys_info pickle: its little_endian is not True");
}

static void
test_legacy_storages_refused (void)
{
  const char *const two_keys[] = { "0", "1" }, *const key_twice[] = { "0", "0" };
  const LegacyHeader *header = &good_header;
  GByteArray *twice = float_storage (6, 6), *second = float_storage (6, 6);
  GByteArray *trailing = float_storage (6, 6);

  assert_refused (build_legacy (legacy_header (header),
                      state_dict_pickle_with_ids (&default_tensor, 1, LEGACY_ID), keys_pickle (key_0, 1),
                      float_storage (5, 6)),
      "its storages: storage '0' holds 5 elements but the state dict says 6");
  assert_refused (build_legacy (legacy_header (header),
                      state_dict_pickle_with_ids (&default_tensor, 1, LEGACY_ID), keys_pickle (NULL, 0),
                      float_storage (6, 6)),
      "storage '0' is used by a tensor but not listed");
  assert_refused (build_legacy (legacy_header (header),
                      state_dict_pickle_with_ids (&default_tensor, 1, LEGACY_ID), keys_pickle (two_keys, 2),
                      float_storage (6, 6)),
      "storage '1' is listed but no tensor uses it");
  g_byte_array_append (twice, second->data, second->len);
  g_byte_array_unref (second);
  assert_refused (build_legacy (legacy_header (header),
                      state_dict_pickle_with_ids (&default_tensor, 1, LEGACY_ID), keys_pickle (key_twice, 2),
                      twice),
      "storage '0' is listed twice");
  put_byte (trailing, 0);
  assert_refused (build_legacy (legacy_header (header),
                      state_dict_pickle_with_ids (&default_tensor, 1, LEGACY_ID), keys_pickle (key_0, 1),
                      trailing),
      "the file goes on for 1 bytes after the last storage");
  assert_refused (build_legacy (legacy_header (header),
                      state_dict_pickle_with_ids (&default_tensor, 1, LEGACY_VIEW_ID), keys_pickle (key_0, 1),
                      float_storage (6, 6)),
      "storage '0' is used through a storage view");
}

/* Element counts whose bytes overflow 64 bits or run past the file. */
static void
test_legacy_storage_overflow (void)
{
  const guint64 counts[] = { G_GUINT64_CONSTANT (1) << 62, G_MAXINT64, 7 };

  for (gsize i = 0; i < G_N_ELEMENTS (counts); i++) {
    TensorSpec huge = default_tensor;

    huge.numel = counts[i];
    assert_refused (build_legacy (legacy_header (&good_header),
                        state_dict_pickle_with_ids (&huge, 1, LEGACY_ID), keys_pickle (key_0, 1),
                        float_storage (counts[i], 6)),
        "runs past the end of the file: truncated");
  }
}

/* Every prefix of a good file is refused. */
static void
test_legacy_truncated (void)
{
  GBytes *file = build_legacy_with_header (&good_header);
  gsize size = g_bytes_get_size (file);

  for (gsize length = 1; length < size; length++) {
    GBytes *part = g_bytes_new_from_bytes (file, 0, length);
    GError *error = NULL;

    g_assert_null (parse (part, &error));
    g_assert_nonnull (error);
    g_assert_true (g_str_has_prefix (error->message, FILE_NAME ": "));
    g_error_free (error);
    g_bytes_unref (part);
  }
  assert_refused (g_bytes_new_from_bytes (file, 0, size - 1), "runs past the end of the file: truncated");
  assert_refused (g_bytes_new_from_bytes (file, 0, size - 27),
      "the file ends before the size of storage '0'");
  g_bytes_unref (file);
}

/* The list opcodes only make the storage key list; the key list is a list of strings. */
static void
test_legacy_pickles_misused (void)
{
  GByteArray *dict_of_keys = raw_pickle ("}.", 2),
             *number_key = raw_pickle ("]K\x07"
                                       "a.",
                 5);
  GByteArray *list_state_dict = raw_pickle ("].", 2), *long_string;

  assert_refused (build_legacy (legacy_header (&good_header),
                      state_dict_pickle_with_ids (&default_tensor, 1, LEGACY_ID), dict_of_keys,
                      float_storage (6, 6)),
      "the storage key list: it holds a dict, not a list");
  assert_refused (build_legacy (legacy_header (&good_header),
                      state_dict_pickle_with_ids (&default_tensor, 1, LEGACY_ID), number_key,
                      float_storage (6, 6)),
      "a storage key is an integer, not a string");
  assert_refused (build_legacy (legacy_header (&good_header), list_state_dict, keys_pickle (NULL, 0),
                      g_byte_array_new ()),
      "the state dict pickle: opcode EMPTY_LIST (0x5d) is not allowed");
  /* A pickle whose STOP is beyond the 16 MB a pickle may take. */
  long_string = raw_pickle ("X", 1);
  put_le (long_string, BERT_TORCH_BIN_MAX_PICKLE_BYTES, 4);
  g_byte_array_set_size (long_string, long_string->len + BERT_TORCH_BIN_MAX_PICKLE_BYTES);
  assert_refused (build_legacy (legacy_header (&good_header), long_string, keys_pickle (NULL, 0),
                      g_byte_array_new ()),
      "the state dict pickle: the pickle runs on past 16 MB without its STOP");
  /* A zip's five-item persistent id in a legacy file. */
  assert_refused (build_legacy (legacy_header (&good_header), state_dict_pickle (&default_tensor, 1),
                      keys_pickle (key_0, 1), float_storage (6, 6)),
      "a persistent id is not ('storage', storage type, key, location, size, view)");
}

static void
test_other_formats (void)
{
  GByteArray *pickle = state_dict_pickle (&default_tensor, 1);
  GBytes *big_endian = build_archive (pickle, "big", &plain);

  assert_refused (g_bytes_new_static ("{\"a\": 1}", 8), "not a zip archive");
  assert_refused (big_endian, "not little-endian");
}

/* A folder whose only weights file is a broken pytorch_model.bin names it. */
static void
test_model_folder_names_the_file (void)
{
  char *folder = engine_test_copy_model (ENGINE_TEST_DATA_DIR "/families/distilbert-sequence-f32");
  char *safetensors = g_build_filename (folder, "model.safetensors", NULL);
  GError *error = NULL;

  g_assert_cmpint (g_remove (safetensors), ==, 0);
  engine_test_write_file (folder, "pytorch_model.bin", "not a zip", -1);
  g_assert_null (bert_model_load (folder, &error));
  g_assert_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, "pytorch_model.bin: not a zip archive"));
  g_error_free (error);
  g_free (safetensors);
  g_free (folder);
  engine_test_cleanup ();
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/torch-bin-errors/valid-archive", test_valid_archive);
  g_test_add_func ("/torch-bin-errors/tensors-share-a-storage", test_tensors_share_a_storage);
  g_test_add_func ("/torch-bin-errors/disallowed-opcodes", test_disallowed_opcodes);
  g_test_add_func ("/torch-bin-errors/disallowed-globals", test_disallowed_globals);
  g_test_add_func ("/torch-bin-errors/allowed-global-misused", test_allowed_global_misused);
  g_test_add_func ("/torch-bin-errors/truncated-archive", test_truncated_archive);
  g_test_add_func ("/torch-bin-errors/truncated-pickle", test_truncated_pickle);
  g_test_add_func ("/torch-bin-errors/entry-past-the-end", test_entry_past_the_end);
  g_test_add_func ("/torch-bin-errors/compressed-entry", test_compressed_entry);
  g_test_add_func ("/torch-bin-errors/storage-too-small", test_storage_too_small);
  g_test_add_func ("/torch-bin-errors/non-contiguous-strides", test_non_contiguous_strides);
  g_test_add_func ("/torch-bin-errors/absurd-shapes", test_absurd_shapes);
  g_test_add_func ("/torch-bin-errors/nesting-depth", test_nesting_depth);
  g_test_add_func ("/torch-bin-errors/memo-indexes", test_memo_indexes);
  g_test_add_func ("/torch-bin-errors/valid-legacy-file", test_valid_legacy_file);
  g_test_add_func ("/torch-bin-errors/legacy-header-refused", test_legacy_header_refused);
  g_test_add_func ("/torch-bin-errors/legacy-storages-refused", test_legacy_storages_refused);
  g_test_add_func ("/torch-bin-errors/legacy-storage-overflow", test_legacy_storage_overflow);
  g_test_add_func ("/torch-bin-errors/legacy-truncated", test_legacy_truncated);
  g_test_add_func ("/torch-bin-errors/legacy-pickles-misused", test_legacy_pickles_misused);
  g_test_add_func ("/torch-bin-errors/other-formats", test_other_formats);
  g_test_add_func ("/torch-bin-errors/model-folder-names-the-file", test_model_folder_names_the_file);
  return g_test_run ();
}
