#!/bin/sh
# check-no-test-code.sh LIBRARY...: fails when a library holds code of kernels/testing/
# (the test-model maker, the float16 converters), which only tests and benchmarks may
# link. Reads the symbol tables with nm; skips (exit 77) without nm or on a stripped file.
set -eu
if ! command -v nm >/dev/null 2>&1; then
  echo "SKIP: nm (binutils) is not installed"
  exit 77
fi
status=0
for library in "$@"; do
  symbols=$(nm "$library" 2>/dev/null || true)
  if [ -z "$symbols" ]; then
    echo "SKIP: $library has no symbol table (stripped?)"
    exit 77
  fi
  found=$(echo "$symbols" | grep -E ' [TtDdBbRr] (bert_test_model_|test_tensor|bert_float_to_)' || true)
  if [ -n "$found" ]; then
    echo "$library holds test-only code of kernels/testing:"
    echo "$found"
    status=1
  else
    echo "$library: no test-only code"
  fi
done
exit $status
