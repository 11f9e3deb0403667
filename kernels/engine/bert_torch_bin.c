/* bert_torch_bin.c: reads the state dict of a torch.save file, a zip or the legacy
 * format, with a restricted pickle interpreter.
 *
 * The interpreter is a stack machine over a few value kinds, never a caller of code:
 * a global is one of the names it knows, resolved to a tag, and REDUCE on a tag builds
 * a dict, a tensor description or nothing else. Values live in one array freed at the
 * end, so memo references and cycles need no reference counts and nothing recurses.
 * Tensors are checked when the state dict is read out, where their names are known.
 * The opcodes and their arguments are those of CPython's Lib/pickletools.py.
 */
#include "bert_torch_bin.h"

#include <string.h>

#include "bert_engine.h"
#include "bert_zip.h"

typedef enum {
  VALUE_NONE,
  VALUE_BOOL,
  VALUE_INT,
  VALUE_STRING,
  VALUE_TUPLE,
  VALUE_DICT,
  VALUE_GLOBAL,
  VALUE_STORAGE,
  VALUE_TENSOR,
  VALUE_LIST, /* only in a legacy file's storage key list */
} ValueKind;

static const char *const value_kind_names[] = { "None", "a bool", "an integer", "a string", "a tuple",
  "a dict", "a global", "a storage", "a tensor", "a list" };

typedef enum {
  GLOBAL_ORDERED_DICT,
  GLOBAL_REBUILD_TENSOR,
  GLOBAL_REBUILD_PARAMETER,
  GLOBAL_STORAGE_TYPE,
} GlobalKind;

typedef struct {
  const char *module, *name;
  GlobalKind kind;
  const char *dtype; /* a storage type's, as safetensors names it */
  gsize element_size;
} KnownGlobal;

static const KnownGlobal known_globals[] = {
  { "collections", "OrderedDict", GLOBAL_ORDERED_DICT, NULL, 0 },
  { "torch._utils", "_rebuild_tensor_v2", GLOBAL_REBUILD_TENSOR, NULL, 0 },
  { "torch._utils", "_rebuild_parameter", GLOBAL_REBUILD_PARAMETER, NULL, 0 },
  { "torch", "FloatStorage", GLOBAL_STORAGE_TYPE, "F32", 4 },
  { "torch", "HalfStorage", GLOBAL_STORAGE_TYPE, "F16", 2 },
  { "torch", "BFloat16Storage", GLOBAL_STORAGE_TYPE, "BF16", 2 },
  { "torch", "DoubleStorage", GLOBAL_STORAGE_TYPE, "F64", 8 },
  { "torch", "LongStorage", GLOBAL_STORAGE_TYPE, "I64", 8 },
  { "torch", "IntStorage", GLOBAL_STORAGE_TYPE, "I32", 4 },
  { "torch", "ShortStorage", GLOBAL_STORAGE_TYPE, "I16", 2 },
  { "torch", "CharStorage", GLOBAL_STORAGE_TYPE, "I8", 1 },
  { "torch", "ByteStorage", GLOBAL_STORAGE_TYPE, "U8", 1 },
  { "torch", "BoolStorage", GLOBAL_STORAGE_TYPE, "BOOL", 1 },
  /* A storage of bytes, as PyTorch 2 writes one saved by itself. */
  { "torch.storage", "UntypedStorage", GLOBAL_STORAGE_TYPE, "U8", 1 },
};

typedef struct {
  const KnownGlobal *type;
  /* Its zip entry's bytes; in a legacy file, its bytes after the pickles, NULL until
   * they are read. */
  const guint8 *data;
  guint64 numel;
} Storage;

typedef struct {
  const Storage *storage;
  gint64 offset; /* in elements */
  int n_dims;
  gint64 shape[BERT_SAFETENSORS_MAX_DIMS], stride[BERT_SAFETENSORS_MAX_DIMS];
} TensorParts;

typedef struct {
  ValueKind kind;
  gint64 integer;   /* VALUE_BOOL, VALUE_INT */
  char *string;     /* VALUE_STRING */
  GPtrArray *items; /* VALUE_TUPLE, VALUE_LIST; VALUE_DICT: key, value, key, value... */
  const KnownGlobal *global;
  const Storage *storage;
  TensorParts *tensor;
} Value;

typedef struct {
  const char *file_name, *pickle_name;
  const guint8 *pickle;
  gsize length, at, opcode_at;
  /* Whether length stops short of the file's end at BERT_TORCH_BIN_MAX_PICKLE_BYTES: a
   * legacy file's pickles end only at their STOP. */
  gboolean capped;
  gboolean lists_allowed; /* in a legacy file's storage key list only */
  GPtrArray *values;      /* every value made, freed at the end */
  GPtrArray *stack;
  GArray *marks;                  /* stack lengths at each MARK */
  GHashTable *memo;               /* index -> Value */
  GHashTable *entries, *storages; /* zip entries, NULL in a legacy file; storage key -> Storage */
  const char *prefix;
  GError **error;
} Reader;

/* The names of the opcodes that are refused, for messages. */
static const struct {
  guint8 code;
  const char *name;
} refused_opcodes[] = {
  { '0', "POP" },
  { '1', "POP_MARK" },
  { '2', "DUP" },
  { 'F', "FLOAT" },
  { 'I', "INT" },
  { 'L', "LONG" },
  { 'P', "PERSID" },
  { 'S', "STRING" },
  { 'T', "BINSTRING" },
  { 'U', "SHORT_BINSTRING" },
  { 'V', "UNICODE" },
  { 'a', "APPEND" },
  { 'd', "DICT" },
  { 'e', "APPENDS" },
  { 'g', "GET" },
  { 'i', "INST" },
  { 'l', "LIST" },
  { ']', "EMPTY_LIST" },
  { 'o', "OBJ" },
  { 'p', "PUT" },
  { 'G', "BINFLOAT" },
  { 'B', "BINBYTES" },
  { 'C', "SHORT_BINBYTES" },
  { 0x81, "NEWOBJ" },
  { 0x82, "EXT1" },
  { 0x83, "EXT2" },
  { 0x84, "EXT4" },
  { 0x8b, "LONG4" },
  { 0x8d, "BINUNICODE8" },
  { 0x8e, "BINBYTES8" },
  { 0x8f, "EMPTY_SET" },
  { 0x90, "ADDITEMS" },
  { 0x91, "FROZENSET" },
  { 0x92, "NEWOBJ_EX" },
  { 0x96, "BYTEARRAY8" },
  { 0x97, "NEXT_BUFFER" },
  { 0x98, "READONLY_BUFFER" },
};

/* opcode_at once the pickle has run: errors then are about the state dict it made. */
#define READING_OUT G_MAXSIZE

static gboolean fail (Reader *reader, const char *format, ...) G_GNUC_PRINTF (2, 3);

static gboolean
fail (Reader *reader, const char *format, ...)
{
  va_list args;
  char *message;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  if (reader->opcode_at == READING_OUT)
    g_set_error (reader->error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_FORMAT, "%s: %s: %s", reader->file_name,
        reader->pickle_name, message);
  else
    g_set_error (reader->error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_FORMAT,
        "%s: %s: %s (at byte %" G_GSIZE_FORMAT ")", reader->file_name, reader->pickle_name, message,
        reader->opcode_at);
  g_free (message);
  return FALSE;
}

static gboolean
fail_truncated (Reader *reader, const char *what)
{
  if (reader->capped)
    return fail (reader,
        "the pickle runs on past %" G_GSIZE_FORMAT " MB without its STOP, far more than a state dict needs",
        BERT_TORCH_BIN_MAX_PICKLE_BYTES >> 20);
  return fail (reader, "%s: truncated", what);
}

static void
value_free (gpointer data)
{
  Value *value = data;

  g_free (value->string);
  if (value->items != NULL)
    g_ptr_array_unref (value->items);
  g_free (value->tensor);
  g_free (value);
}

static Value *
new_value (Reader *reader, ValueKind kind)
{
  Value *value = g_new0 (Value, 1);

  value->kind = kind;
  if (kind == VALUE_TUPLE || kind == VALUE_DICT || kind == VALUE_LIST)
    value->items = g_ptr_array_new ();
  g_ptr_array_add (reader->values, value);
  return value;
}

/* The next n bytes of the pickle, or NULL past its end. */
static const guint8 *
take (Reader *reader, gsize n)
{
  const guint8 *bytes = reader->pickle + reader->at;

  if (n > reader->length - reader->at) {
    fail_truncated (reader, "the pickle ends inside an opcode's argument");
    return NULL;
  }
  reader->at += n;
  return bytes;
}

static guint
top_mark (const Reader *reader)
{
  return reader->marks->len ? g_array_index (reader->marks, guint, reader->marks->len - 1) : 0;
}

static void
push (Reader *reader, Value *value)
{
  g_ptr_array_add (reader->stack, value);
}

static Value *
peek (Reader *reader)
{
  if (reader->stack->len <= top_mark (reader)) {
    fail (reader, "the stack is empty");
    return NULL;
  }
  return g_ptr_array_index (reader->stack, reader->stack->len - 1);
}

static Value *
pop (Reader *reader)
{
  Value *value = peek (reader);
  if (value != NULL)
    g_ptr_array_steal_index (reader->stack, reader->stack->len - 1);
  return value;
}

/* Moves the values above the last MARK into a new tuple and drops the MARK. */
static Value *
pop_to_mark (Reader *reader)
{
  Value *tuple;
  guint mark;

  if (reader->marks->len == 0) {
    fail (reader, "no MARK to pop to");
    return NULL;
  }
  mark = top_mark (reader);
  g_array_set_size (reader->marks, reader->marks->len - 1);
  tuple = new_value (reader, VALUE_TUPLE);
  for (guint i = mark; i < reader->stack->len; i++)
    g_ptr_array_add (tuple->items, g_ptr_array_index (reader->stack, i));
  g_ptr_array_set_size (reader->stack, mark);
  return tuple;
}

static gboolean
push_tuple_of (Reader *reader, guint n)
{
  Value *tuple = new_value (reader, VALUE_TUPLE);

  g_ptr_array_set_size (tuple->items, n);
  for (guint i = n; i > 0; i--)
    if ((tuple->items->pdata[i - 1] = pop (reader)) == NULL)
      return FALSE;
  push (reader, tuple);
  return TRUE;
}

static gboolean
push_integer (Reader *reader, ValueKind kind, gint64 integer)
{
  Value *value = new_value (reader, kind);

  value->integer = integer;
  push (reader, value);
  return TRUE;
}

static gboolean
push_string (Reader *reader, const guint8 *bytes, gsize length)
{
  Value *value;

  if (memchr (bytes, 0, length) != NULL || !g_utf8_validate_len ((const char *) bytes, length, NULL))
    return fail (reader, "a string holds a NUL byte or is not UTF-8");
  value = new_value (reader, VALUE_STRING);
  value->string = g_strndup ((const char *) bytes, length);
  push (reader, value);
  return TRUE;
}

static gboolean
push_global (Reader *reader, const char *module, const char *name)
{
  Value *value;

  for (gsize i = 0; i < G_N_ELEMENTS (known_globals); i++)
    if (strcmp (module, known_globals[i].module) == 0 && strcmp (name, known_globals[i].name) == 0) {
      value = new_value (reader, VALUE_GLOBAL);
      value->global = &known_globals[i];
      push (reader, value);
      return TRUE;
    }
  return fail (reader,
      "global '%s.%s' is not allowed (a state dict of tensors needs only "
      "collections.OrderedDict, torch._utils._rebuild_tensor_v2 and torch's storage types)",
      module, name);
}

/* GLOBAL's argument: two lines, the module and the name. */
static gboolean
read_global_line (Reader *reader, char **line)
{
  const guint8 *start = reader->pickle + reader->at;
  const guint8 *newline = memchr (start, '\n', reader->length - reader->at);

  if (newline == NULL)
    return fail_truncated (reader, "GLOBAL's name has no end of line");
  reader->at += newline - start + 1;
  if (memchr (start, 0, newline - start) != NULL
      || !g_utf8_validate_len ((const char *) start, newline - start, NULL))
    return fail (reader, "GLOBAL's name holds a NUL byte or is not UTF-8");
  *line = g_strndup ((const char *) start, newline - start);
  return TRUE;
}

static gboolean
do_global (Reader *reader)
{
  char *module = NULL, *name = NULL;
  gboolean ok = read_global_line (reader, &module) && read_global_line (reader, &name)
      && push_global (reader, module, name);

  g_free (module);
  g_free (name);
  return ok;
}

static gboolean
do_stack_global (Reader *reader)
{
  Value *name = pop (reader), *module = name ? pop (reader) : NULL;

  if (module == NULL)
    return FALSE;
  if (module->kind != VALUE_STRING || name->kind != VALUE_STRING)
    return fail (reader, "STACK_GLOBAL's module and name are not strings");
  return push_global (reader, module->string, name->string);
}

static gboolean
memo_put (Reader *reader, guint32 index)
{
  Value *value = peek (reader);

  if (value == NULL)
    return FALSE;
  g_hash_table_insert (reader->memo, GUINT_TO_POINTER (index), value);
  return TRUE;
}

static gboolean
memo_get (Reader *reader, guint32 index)
{
  Value *value = g_hash_table_lookup (reader->memo, GUINT_TO_POINTER (index));

  if (value == NULL)
    return fail (reader, "memo index %u is read but was never written", index);
  push (reader, value);
  return TRUE;
}

static gboolean
add_items (Reader *reader, Value *dict, Value *pairs)
{
  if (dict->kind != VALUE_DICT)
    return fail (reader, "SETITEM(S) on %s, not on a dict", value_kind_names[dict->kind]);
  if (pairs->items->len % 2 != 0)
    return fail (reader, "SETITEMS with an odd number of values");
  g_ptr_array_extend (dict->items, pairs->items, NULL, NULL);
  return TRUE;
}

static gboolean
do_setitem (Reader *reader)
{
  Value *pair = new_value (reader, VALUE_TUPLE);
  Value *value = pop (reader), *key = value ? pop (reader) : NULL, *dict = key ? peek (reader) : NULL;

  if (dict == NULL)
    return FALSE;
  g_ptr_array_add (pair->items, key);
  g_ptr_array_add (pair->items, value);
  return add_items (reader, dict, pair);
}

static gboolean
do_setitems (Reader *reader)
{
  Value *pairs = pop_to_mark (reader), *dict = pairs ? peek (reader) : NULL;

  return dict != NULL && add_items (reader, dict, pairs);
}

static gboolean
is_tuple_of_counts (const Value *value, guint max_length)
{
  if (value->kind != VALUE_TUPLE || value->items->len > max_length)
    return FALSE;
  for (guint i = 0; i < value->items->len; i++) {
    const Value *item = g_ptr_array_index (value->items, i);

    if (item->kind != VALUE_INT || item->integer < 0)
      return FALSE;
  }
  return TRUE;
}

static Value *
item (const Value *tuple, guint i)
{
  return g_ptr_array_index (tuple->items, i);
}

/* _rebuild_tensor_v2 (storage, storage_offset, size, stride, requires_grad,
 * backward_hooks[, metadata]): the tensor's parts, checked against its storage later. */
static gboolean
rebuild_tensor (Reader *reader, const Value *args)
{
  Value *tensor;
  guint n = args->items->len;

  if ((n != 6 && n != 7) || item (args, 0)->kind != VALUE_STORAGE || item (args, 1)->kind != VALUE_INT
      || item (args, 1)->integer < 0 || !is_tuple_of_counts (item (args, 2), BERT_SAFETENSORS_MAX_DIMS)
      || !is_tuple_of_counts (item (args, 3), BERT_SAFETENSORS_MAX_DIMS)
      || item (args, 2)->items->len != item (args, 3)->items->len || item (args, 4)->kind != VALUE_BOOL
      || item (args, 5)->kind != VALUE_DICT || item (args, 5)->items->len != 0
      || (n == 7 && item (args, 6)->kind != VALUE_NONE
          && (item (args, 6)->kind != VALUE_DICT || item (args, 6)->items->len != 0)))
    return fail (reader,
        "_rebuild_tensor_v2's arguments are not (storage, offset, shape, strides, "
        "requires_grad, no hooks) of at most %d dimensions",
        BERT_SAFETENSORS_MAX_DIMS);
  tensor = new_value (reader, VALUE_TENSOR);
  tensor->tensor = g_new0 (TensorParts, 1);
  tensor->tensor->storage = item (args, 0)->storage;
  tensor->tensor->offset = item (args, 1)->integer;
  tensor->tensor->n_dims = item (args, 2)->items->len;
  for (int i = 0; i < tensor->tensor->n_dims; i++) {
    tensor->tensor->shape[i] = item (item (args, 2), i)->integer;
    tensor->tensor->stride[i] = item (item (args, 3), i)->integer;
  }
  push (reader, tensor);
  return TRUE;
}

static gboolean
do_reduce (Reader *reader)
{
  Value *args = pop (reader), *callable = args ? pop (reader) : NULL;

  if (callable == NULL)
    return FALSE;
  if (callable->kind != VALUE_GLOBAL || args->kind != VALUE_TUPLE)
    return fail (reader, "REDUCE of %s with %s: only allowed globals are called",
        value_kind_names[callable->kind], value_kind_names[args->kind]);
  switch (callable->global->kind) {
    case GLOBAL_ORDERED_DICT:
      if (args->items->len != 0)
        return fail (reader, "collections.OrderedDict is called with arguments");
      push (reader, new_value (reader, VALUE_DICT));
      return TRUE;
    case GLOBAL_REBUILD_TENSOR: return rebuild_tensor (reader, args);
    case GLOBAL_REBUILD_PARAMETER:
      /* (data, requires_grad, backward_hooks): the parameter is its data. */
      if (args->items->len != 3 || item (args, 0)->kind != VALUE_TENSOR)
        return fail (reader, "_rebuild_parameter's arguments are not (tensor, requires_grad, hooks)");
      push (reader, item (args, 0));
      return TRUE;
    default:
      return fail (reader, "global '%s.%s' is called, which only a storage reference may name",
          callable->global->module, callable->global->name);
  }
}

/* Points storage at its zip entry PREFIX/data/KEY, which must hold exactly its bytes. */
static gboolean
find_storage_entry (Reader *reader, Storage *storage, const char *key)
{
  char *entry_name = g_strconcat (reader->prefix, "data/", key, NULL);
  const BertZipEntry *entry = g_hash_table_lookup (reader->entries, entry_name);
  guint64 bytes;

  g_free (entry_name);
  if (entry == NULL)
    return fail (reader, "storage '%s' has no entry %sdata/%s in the archive", key, reader->prefix, key);
  if (!g_uint64_checked_mul (&bytes, storage->numel, storage->type->element_size) || bytes != entry->size)
    return fail (reader,
        "storage '%s' is %" G_GUINT64_FORMAT " elements of %s but its entry holds %" G_GUINT64_FORMAT
        " bytes",
        key, storage->numel, storage->type->dtype, entry->size);
  storage->data = entry->data;
  return TRUE;
}

/* Whether id is ('storage', storage type, key, location, numel) and, in a legacy file,
 * a sixth item, view_metadata. */
static gboolean
is_storage_id (const Reader *reader, const Value *id)
{
  return id->kind == VALUE_TUPLE && id->items->len == (reader->entries != NULL ? 5u : 6u)
      && item (id, 0)->kind == VALUE_STRING && strcmp (item (id, 0)->string, "storage") == 0
      && item (id, 1)->kind == VALUE_GLOBAL && item (id, 1)->global->kind == GLOBAL_STORAGE_TYPE
      && item (id, 2)->kind == VALUE_STRING && item (id, 3)->kind == VALUE_STRING
      && item (id, 4)->kind == VALUE_INT && item (id, 4)->integer >= 0;
}

/* The storage of a persistent id: in a zip, the entry PREFIX/data/KEY, of exactly numel
 * elements; in a legacy file, one whose bytes are read after the pickles. Tensors naming
 * one key share it. */
static const Storage *
load_storage (Reader *reader, const Value *id)
{
  const KnownGlobal *type;
  Storage *storage;
  const char *key;
  guint64 numel;

  if (!is_storage_id (reader, id)) {
    fail (reader, "a persistent id is not ('storage', storage type, key, location, size%s)",
        reader->entries != NULL ? "" : ", view");
    return NULL;
  }
  type = item (id, 1)->global;
  key = item (id, 2)->string;
  numel = item (id, 4)->integer;
  /* A view is a slice of another storage, which old versions of PyTorch wrote; its writer
   * today never does. */
  if (reader->entries == NULL && item (id, 5)->kind != VALUE_NONE) {
    fail (reader,
        "storage '%s' is used through a storage view (view_metadata is not None), which is not read: "
        "load the file with torch.load and save its state_dict () again",
        key);
    return NULL;
  }
  storage = g_hash_table_lookup (reader->storages, key);
  if (storage != NULL) {
    if (storage->type != type || storage->numel != numel) {
      fail (reader, "storage '%s' is named twice with different types or sizes", key);
      return NULL;
    }
    return storage;
  }
  storage = g_new0 (Storage, 1);
  storage->type = type;
  storage->numel = numel;
  if (reader->entries != NULL && !find_storage_entry (reader, storage, key)) {
    g_free (storage);
    return NULL;
  }
  g_hash_table_insert (reader->storages, g_strdup (key), storage);
  return storage;
}

static gboolean
do_persistent_load (Reader *reader)
{
  Value *id = pop (reader), *value;
  const Storage *storage;

  if (id == NULL || (storage = load_storage (reader, id)) == NULL)
    return FALSE;
  value = new_value (reader, VALUE_STORAGE);
  value->storage = storage;
  push (reader, value);
  return TRUE;
}

static gboolean
do_build (Reader *reader)
{
  Value *state = pop (reader), *target = state ? peek (reader) : NULL;

  if (target == NULL)
    return FALSE;
  /* An OrderedDict's attributes (a module's state dict has _metadata), unused. */
  if (target->kind != VALUE_DICT)
    return fail (reader, "BUILD on %s, not on a dict", value_kind_names[target->kind]);
  return TRUE;
}

static gboolean
do_mark (Reader *reader)
{
  guint length = reader->stack->len;

  if (reader->marks->len >= BERT_TORCH_BIN_MAX_MARKS)
    return fail (reader, "MARKs nest deeper than %d levels", BERT_TORCH_BIN_MAX_MARKS);
  g_array_append_val (reader->marks, length);
  return TRUE;
}

static gboolean
do_tuple (Reader *reader)
{
  Value *tuple = pop_to_mark (reader);

  if (tuple == NULL)
    return FALSE;
  push (reader, tuple);
  return TRUE;
}

static gboolean
do_proto (Reader *reader)
{
  const guint8 *version = take (reader, 1);

  if (version == NULL)
    return FALSE;
  if (*version < 2 || *version > 5)
    return fail (reader, "pickle protocol %u is not read (2 to 5 are)", *version);
  return TRUE;
}

static gboolean
do_frame (Reader *reader)
{
  const guint8 *length = take (reader, 8);

  /* Frames only group opcodes for buffering: their bytes are read as they come. */
  return length != NULL;
}

static guint32
read_le (const guint8 *bytes, guint n)
{
  guint32 value = 0;

  for (guint i = n; i > 0; i--)
    value = value << 8 | bytes[i - 1];
  return value;
}

static gboolean
do_long1 (Reader *reader)
{
  const guint8 *length = take (reader, 1), *bytes;
  guint64 value = 0;

  if (length == NULL || (bytes = take (reader, *length)) == NULL)
    return FALSE;
  if (*length > 8)
    return fail (reader, "an integer of %u bytes, beyond 64 bits", *length);
  for (guint i = *length; i > 0; i--)
    value = value << 8 | bytes[i - 1];
  /* Two's complement of *length bytes, sign-extended. */
  if (*length > 0 && *length < 8 && (bytes[*length - 1] & 0x80))
    value |= G_MAXUINT64 << (8 * *length);
  return push_integer (reader, VALUE_INT, (gint64) value);
}

/* Runs an opcode whose argument is a little-endian unsigned integer of n bytes. */
static gboolean
do_with_count (Reader *reader, guint8 opcode, guint n)
{
  const guint8 *bytes = take (reader, n);
  guint32 count;

  if (bytes == NULL)
    return FALSE;
  count = read_le (bytes, n);
  switch (opcode) {
    case 'K':
    case 'M': return push_integer (reader, VALUE_INT, count);
    case 'J': return push_integer (reader, VALUE_INT, (gint32) count);
    case 'X':
    case 0x8c: return (bytes = take (reader, count)) != NULL && push_string (reader, bytes, count);
    case 'q':
    case 'r': return memo_put (reader, count);
    case 'h':
    case 'j': return memo_get (reader, count);
    default: g_assert_not_reached ();
  }
}

/* EMPTY_LIST, APPEND and APPENDS, which make a legacy file's list of storage keys. */
static gboolean
run_list_opcode (Reader *reader, guint8 opcode)
{
  Value *appended, *list;

  if (opcode == ']') {
    push (reader, new_value (reader, VALUE_LIST));
    return TRUE;
  }
  /* APPEND's one value or APPENDS' values above the MARK, as a tuple. */
  appended = opcode == 'a' ? (push_tuple_of (reader, 1) ? pop (reader) : NULL) : pop_to_mark (reader);
  if (appended == NULL || (list = peek (reader)) == NULL)
    return FALSE;
  if (list->kind != VALUE_LIST)
    return fail (reader, "APPEND(S) on %s, not on a list", value_kind_names[list->kind]);
  g_ptr_array_extend (list->items, appended->items, NULL, NULL);
  return TRUE;
}

static const char *
refused_opcode_name (guint8 opcode)
{
  for (gsize i = 0; i < G_N_ELEMENTS (refused_opcodes); i++)
    if (refused_opcodes[i].code == opcode)
      return refused_opcodes[i].name;
  return "unknown";
}

/* Runs one opcode; *stop is set by STOP. */
static gboolean
run_opcode (Reader *reader, guint8 opcode, gboolean *stop)
{
  if (reader->lists_allowed && (opcode == ']' || opcode == 'a' || opcode == 'e'))
    return run_list_opcode (reader, opcode);
  switch (opcode) {
    case 0x80: return do_proto (reader);
    case 0x95: return do_frame (reader);
    case '.': *stop = TRUE; return TRUE;
    case '(': return do_mark (reader);
    case ')': push (reader, new_value (reader, VALUE_TUPLE)); return TRUE;
    case '}': push (reader, new_value (reader, VALUE_DICT)); return TRUE;
    case 't': return do_tuple (reader);
    case 0x85:
    case 0x86:
    case 0x87: return push_tuple_of (reader, opcode - 0x84);
    case 's': return do_setitem (reader);
    case 'u': return do_setitems (reader);
    case 'N': push (reader, new_value (reader, VALUE_NONE)); return TRUE;
    case 0x88:
    case 0x89: return push_integer (reader, VALUE_BOOL, opcode == 0x88);
    case 'K':
    case 0x8c:
    case 'q':
    case 'h': return do_with_count (reader, opcode, 1);
    case 'M': return do_with_count (reader, opcode, 2);
    case 'J':
    case 'X':
    case 'r':
    case 'j': return do_with_count (reader, opcode, 4);
    case 0x8a: return do_long1 (reader);
    case 0x94: return memo_put (reader, g_hash_table_size (reader->memo));
    case 'c': return do_global (reader);
    case 0x93: return do_stack_global (reader);
    case 'Q': return do_persistent_load (reader);
    case 'R': return do_reduce (reader);
    case 'b': return do_build (reader);
    default:
      return fail (reader, "opcode %s (0x%02x) is not allowed: a state dict of tensors does not use it",
          refused_opcode_name (opcode), opcode);
  }
}

/* Runs the pickle to its STOP: the value it leaves. */
static Value *
run_pickle (Reader *reader)
{
  gboolean stop = FALSE;

  while (!stop) {
    const guint8 *opcode;

    reader->opcode_at = reader->at;
    if (reader->at == reader->length) {
      fail_truncated (reader, "the pickle ends before its STOP opcode");
      return NULL;
    }
    opcode = take (reader, 1);
    if (!run_opcode (reader, *opcode, &stop))
      return NULL;
    if (reader->values->len > BERT_TORCH_BIN_MAX_VALUES
        || g_hash_table_size (reader->memo) > BERT_TORCH_BIN_MAX_VALUES) {
      fail (reader, "the pickle makes more than %d values or memo entries, far more than a state dict",
          BERT_TORCH_BIN_MAX_VALUES);
      return NULL;
    }
  }
  return pop (reader);
}

/* The tensor's bytes: contiguous strides, inside its storage. */
static gboolean
check_tensor (Reader *reader, const char *name, const TensorParts *tensor, guint64 *numel)
{
  guint64 expected_stride = 1, end;
  gboolean contiguous = TRUE;

  for (int i = tensor->n_dims - 1; i >= 0; i--) {
    /* A dimension of one element may have any stride, as in PyTorch's is_contiguous. */
    if (tensor->shape[i] != 1 && (guint64) tensor->stride[i] != expected_stride)
      contiguous = FALSE;
    if (!g_uint64_checked_mul (&expected_stride, expected_stride, tensor->shape[i])
        || expected_stride > G_MAXINT64)
      return fail (reader, "tensor '%s': its shape holds more than 2^63 elements", name);
  }
  *numel = expected_stride;
  if (!contiguous && *numel > 0)
    return fail (reader,
        "tensor '%s' is not contiguous (a transposed or sliced view); save it with "
        ".contiguous ()",
        name);
  if (!g_uint64_checked_add (&end, tensor->offset, *numel) || end > tensor->storage->numel)
    return fail (reader,
        "tensor '%s': %" G_GUINT64_FORMAT " elements from offset %" G_GINT64_FORMAT
        " run past its storage of %" G_GUINT64_FORMAT,
        name, *numel, tensor->offset, tensor->storage->numel);
  return TRUE;
}

static gboolean
add_tensor (Reader *reader, BertSafetensors *result, const guint8 *buffer, const Value *key,
    const Value *value)
{
  BertSafetensorsTensor *tensor;
  guint64 numel = 0;

  if (key->kind != VALUE_STRING)
    return fail (reader, "the state dict has a key that is %s, not a string", value_kind_names[key->kind]);
  if (value->kind != VALUE_TENSOR)
    return fail (reader, "the state dict's '%s' is %s, not a tensor", key->string,
        value_kind_names[value->kind]);
  if (g_hash_table_contains (result->tensors, key->string))
    return fail (reader, "the state dict names '%s' twice", key->string);
  if (!check_tensor (reader, key->string, value->tensor, &numel))
    return FALSE;
  tensor = g_new0 (BertSafetensorsTensor, 1);
  tensor->name = g_strdup (key->string);
  tensor->dtype = g_strdup (value->tensor->storage->type->dtype);
  tensor->element_size = value->tensor->storage->type->element_size;
  tensor->n_dims = value->tensor->n_dims;
  memcpy (tensor->shape, value->tensor->shape, sizeof tensor->shape);
  tensor->data = value->tensor->storage->data + value->tensor->offset * tensor->element_size;
  tensor->begin = tensor->data - buffer;
  tensor->end = tensor->begin + numel * tensor->element_size;
  g_hash_table_insert (result->tensors, tensor->name, tensor);
  return TRUE;
}

/* The tensors of state_dict, the value its pickle made, whose storages all have their
 * data. */
static BertSafetensors *
read_out_state_dict (Reader *reader, const Value *state_dict, const guint8 *buffer, gsize size)
{
  BertSafetensors *result;

  reader->opcode_at = READING_OUT;
  if (state_dict->kind != VALUE_DICT) {
    fail (reader,
        "the pickle holds %s, not a state dict (torch.save of a whole model is not read: save its "
        "state_dict ())",
        value_kind_names[state_dict->kind]);
    return NULL;
  }
  result = g_new0 (BertSafetensors, 1);
  result->tensors = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, bert_safetensors_tensor_free);
  result->data = buffer;
  result->data_size = size;
  for (guint i = 0; i < state_dict->items->len; i += 2)
    if (!add_tensor (reader, result, buffer, item (state_dict, i), item (state_dict, i + 1))) {
      bert_safetensors_free (result);
      return NULL;
    }
  return result;
}

static void
set_file_error (GError **error, const char *file_name, const char *message)
{
  g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_FORMAT, "%s: %s", file_name, message);
}

/* The one PREFIX/data.pkl entry, PREFIX without a slash. */
static const BertZipEntry *
find_pickle (GHashTable *entries, const char *file_name, GError **error)
{
  const BertZipEntry *found = NULL;
  GHashTableIter iter;
  gpointer entry;

  g_hash_table_iter_init (&iter, entries);
  while (g_hash_table_iter_next (&iter, NULL, &entry)) {
    const char *name = ((BertZipEntry *) entry)->name, *slash = strchr (name, '/');

    if (slash == NULL || strcmp (slash, "/data.pkl") != 0)
      continue;
    if (found != NULL) {
      set_file_error (error, file_name, "the archive holds several */data.pkl");
      return NULL;
    }
    found = entry;
  }
  if (found == NULL)
    set_file_error (error, file_name, "the archive has no */data.pkl: not a file of torch.save");
  else if (found->size > BERT_TORCH_BIN_MAX_PICKLE_BYTES)
    set_file_error (error, file_name, "its data.pkl is larger than 16 MB, far more than a state dict needs");
  else
    return found;
  return NULL;
}

/* PREFIX/byteorder, which PyTorch >= 2.1 writes, must say little-endian. */
static gboolean
check_byte_order (GHashTable *entries, const char *prefix, const char *file_name, GError **error)
{
  char *name = g_strconcat (prefix, "byteorder", NULL);
  const BertZipEntry *entry = g_hash_table_lookup (entries, name);
  gboolean little = entry == NULL || (entry->size == 6 && memcmp (entry->data, "little", 6) == 0);

  g_free (name);
  if (!little)
    set_file_error (error, file_name,
        "its storages are not little-endian (byteorder is not 'little'), which is "
        "not read: save it again on a little-endian machine");
  return little;
}

static void
reader_init (Reader *reader, const char *file_name, GError **error)
{
  *reader = (Reader){
    .file_name = file_name,
    .values = g_ptr_array_new_with_free_func (value_free),
    .stack = g_ptr_array_new (),
    .marks = g_array_new (FALSE, FALSE, sizeof (guint)),
    .memo = g_hash_table_new (g_direct_hash, g_direct_equal),
    .storages = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free),
    .error = error,
  };
}

static void
reader_clear (Reader *reader)
{
  g_hash_table_unref (reader->storages);
  g_hash_table_unref (reader->memo);
  g_array_unref (reader->marks);
  g_ptr_array_unref (reader->stack);
  g_ptr_array_unref (reader->values);
}

static BertSafetensors *
read_archive (const guint8 *buffer, gsize size, GHashTable *entries, const BertZipEntry *pickle,
    const char *file_name, GError **error)
{
  char *prefix = g_strndup (pickle->name, strlen (pickle->name) - strlen ("data.pkl"));
  BertSafetensors *result = NULL;
  Reader reader;
  Value *state_dict;

  reader_init (&reader, file_name, error);
  reader.pickle_name = pickle->name;
  reader.pickle = pickle->data;
  reader.length = pickle->size;
  reader.entries = entries;
  reader.prefix = prefix;
  if (check_byte_order (entries, prefix, file_name, error) && (state_dict = run_pickle (&reader)) != NULL)
    result = read_out_state_dict (&reader, state_dict, buffer, size);
  reader_clear (&reader);
  g_free (prefix);
  return result;
}

/* The legacy format, which torch.save wrote before PyTorch 1.6 and still writes with
 * _use_new_zipfile_serialization=False (torch/serialization.py, _legacy_save), is pickles
 * one after another: the magic number, the protocol version 1001, sys_info, the state
 * dict, whose persistent ids are ('storage', type, key, location, numel, view_metadata),
 * and the list of the storages' keys; then, for each key in that order, the storage's
 * numel in 8 little-endian bytes and its bytes. Tensors point into those bytes, which lie
 * at any offset: the engine reads weights with unaligned loads (bert_model.c). */
#define LEGACY_PROTOCOL_VERSION 1001

/* The magic number pickle after its PROTO (and FRAME, from protocol 4): LONG1 of 10 bytes
 * holding 0x1950a86a20f9469cfc6c, then STOP. */
static const guint8 legacy_magic[] = { 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19,
  '.' };

/* Whether buffer opens with the magic number's pickle; *end is set past it. */
static gboolean
skip_legacy_magic (const guint8 *buffer, gsize size, gsize *end)
{
  gsize at = 2;

  if (size < at || buffer[0] != 0x80)
    return FALSE;
  if (size - at >= 9 && buffer[at] == 0x95)
    at += 9;
  if (size - at < sizeof legacy_magic || memcmp (buffer + at, legacy_magic, sizeof legacy_magic) != 0)
    return FALSE;
  *end = at + sizeof legacy_magic;
  return TRUE;
}

/* Runs the pickle that starts at *at, each with its own stack and memo as pickle.load
 * gives it, and moves *at past its STOP. */
static Value *
run_pickle_at (Reader *reader, const char *pickle_name, gsize *at, gsize size)
{
  Value *value;

  reader->pickle_name = pickle_name;
  reader->at = *at;
  reader->capped = size - *at > BERT_TORCH_BIN_MAX_PICKLE_BYTES;
  reader->length = reader->capped ? *at + BERT_TORCH_BIN_MAX_PICKLE_BYTES : size;
  g_ptr_array_set_size (reader->stack, 0);
  g_array_set_size (reader->marks, 0);
  g_hash_table_remove_all (reader->memo);
  value = run_pickle (reader);
  *at = reader->at;
  reader->opcode_at = READING_OUT;
  return value;
}

/* dict's value under the string key, or NULL. */
static const Value *
dict_lookup (const Value *dict, const char *key)
{
  for (guint i = 0; i < dict->items->len; i += 2)
    if (item (dict, i)->kind == VALUE_STRING && strcmp (item (dict, i)->string, key) == 0)
      return item (dict, i + 1);
  return NULL;
}

/* The protocol version and sys_info pickles: version 1001, written on a little-endian
 * machine (before PyTorch 1.6, storages were written in the writer's byte order). */
static gboolean
read_legacy_header (Reader *reader, gsize *at, gsize size)
{
  const Value *version = run_pickle_at (reader, "the protocol version pickle", at, size), *sys_info,
              *little_endian;

  if (version == NULL)
    return FALSE;
  if (version->kind != VALUE_INT)
    return fail (reader, "it holds %s, not the version number %d", value_kind_names[version->kind],
        LEGACY_PROTOCOL_VERSION);
  if (version->integer != LEGACY_PROTOCOL_VERSION)
    return fail (reader, "version %" G_GINT64_FORMAT " is not read (torch.save only ever wrote %d)",
        version->integer, LEGACY_PROTOCOL_VERSION);
  if ((sys_info = run_pickle_at (reader, "the sys_info pickle", at, size)) == NULL)
    return FALSE;
  if (sys_info->kind != VALUE_DICT)
    return fail (reader, "it holds %s, not a dict", value_kind_names[sys_info->kind]);
  little_endian = dict_lookup (sys_info, "little_endian");
  if (little_endian == NULL || little_endian->kind != VALUE_BOOL || !little_endian->integer)
    return fail (reader,
        "its little_endian is not True: a file saved on a big-endian machine is not read; save it "
        "again on a little-endian one");
  return TRUE;
}

static guint64
read_le64 (const guint8 *bytes)
{
  guint64 value = 0;

  for (guint i = 8; i > 0; i--)
    value = value << 8 | bytes[i - 1];
  return value;
}

/* Storage key's numel and bytes at *at, which the state dict must have named with that
 * numel. */
static gboolean
read_legacy_storage (Reader *reader, const Value *key, const guint8 *buffer, gsize size, gsize *at)
{
  Storage *storage;
  guint64 numel, bytes;

  if (key->kind != VALUE_STRING)
    return fail (reader, "a storage key is %s, not a string", value_kind_names[key->kind]);
  storage = g_hash_table_lookup (reader->storages, key->string);
  if (storage == NULL)
    return fail (reader, "storage '%s' is listed but no tensor uses it", key->string);
  if (storage->data != NULL)
    return fail (reader, "storage '%s' is listed twice", key->string);
  if (size - *at < 8)
    return fail (reader, "the file ends before the size of storage '%s': truncated", key->string);
  numel = read_le64 (buffer + *at);
  if (numel != storage->numel)
    return fail (reader,
        "storage '%s' holds %" G_GUINT64_FORMAT " elements but the state dict says %" G_GUINT64_FORMAT,
        key->string, numel, storage->numel);
  if (!g_uint64_checked_mul (&bytes, numel, storage->type->element_size) || bytes > size - *at - 8)
    return fail (reader,
        "storage '%s' of %" G_GUINT64_FORMAT " elements of %s runs past the end of the file: truncated",
        key->string, numel, storage->type->dtype);
  storage->data = buffer + *at + 8;
  *at += 8 + bytes;
  return TRUE;
}

/* The storage key list, then the storages' bytes in its order, up to the file's end. */
static gboolean
read_legacy_storages (Reader *reader, const guint8 *buffer, gsize size, gsize *at)
{
  const Value *keys;
  GHashTableIter iter;
  gpointer key, storage;

  reader->lists_allowed = TRUE;
  keys = run_pickle_at (reader, "the storage key list", at, size);
  reader->lists_allowed = FALSE;
  if (keys == NULL)
    return FALSE;
  if (keys->kind != VALUE_LIST)
    return fail (reader, "it holds %s, not a list", value_kind_names[keys->kind]);
  reader->pickle_name = "its storages";
  for (guint i = 0; i < keys->items->len; i++)
    if (!read_legacy_storage (reader, item (keys, i), buffer, size, at))
      return FALSE;
  g_hash_table_iter_init (&iter, reader->storages);
  while (g_hash_table_iter_next (&iter, &key, &storage))
    if (((Storage *) storage)->data == NULL)
      return fail (reader, "storage '%s' is used by a tensor but not listed, so the file has no bytes for it",
          (const char *) key);
  if (*at != size)
    return fail (reader, "the file goes on for %" G_GSIZE_FORMAT " bytes after the last storage", size - *at);
  return TRUE;
}

static BertSafetensors *
read_legacy (const guint8 *buffer, gsize size, const char *file_name, GError **error)
{
  BertSafetensors *result = NULL;
  const Value *state_dict;
  Reader reader;
  gsize at;

  if (!skip_legacy_magic (buffer, size, &at)) {
    set_file_error (error, file_name,
        "a pickle that does not start with torch.save's magic number: not a file of torch.save");
    return NULL;
  }
  reader_init (&reader, file_name, error);
  reader.pickle = buffer;
  if (read_legacy_header (&reader, &at, size)
      && (state_dict = run_pickle_at (&reader, "the state dict pickle", &at, size)) != NULL
      && read_legacy_storages (&reader, buffer, size, &at)) {
    reader.pickle_name = "the state dict pickle";
    result = read_out_state_dict (&reader, state_dict, buffer, size);
  }
  reader_clear (&reader);
  return result;
}

BertSafetensors *
bert_torch_bin_parse (const guint8 *buffer, gsize size, const char *file_name, GError **error)
{
  BertSafetensors *result = NULL;
  const BertZipEntry *pickle;
  GHashTable *entries;

  /* A zip starts with a local header; a legacy file with a pickle's PROTO. */
  if (size > 0 && buffer[0] == 0x80)
    return read_legacy (buffer, size, file_name, error);
  entries = bert_zip_read_entries (buffer, size, file_name, error);
  if (entries == NULL)
    return NULL;
  pickle = find_pickle (entries, file_name, error);
  if (pickle != NULL)
    result = read_archive (buffer, size, entries, pickle, file_name, error);
  g_hash_table_unref (entries);
  return result;
}
