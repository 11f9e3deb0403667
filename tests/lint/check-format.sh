#!/bin/sh
# check-format.sh SOURCE_DIR: fails when clang-format would change a line of the project's
# C sources (.c, .h; not the generated Unicode tables), naming each place. The style is
# SOURCE_DIR/.clang-format, written for clang-format 14: other versions format some
# constructs differently, so the check skips (exit 77) without clang-format 14.
# To reformat a file: clang-format-14 -i FILE.
set -eu
cd "$1"
format=""
for candidate in clang-format-14 clang-format; do
  if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" --version | grep -q 'clang-format version 14\.'; then
    format=$candidate
    break
  fi
done
if [ -z "$format" ]; then
  echo "SKIP: clang-format 14 is not installed (apt-get install clang-format-14)"
  exit 77
fi
files=$(find plugin elements kernels tests benchmarks examples -name '*.[ch]' \
    ! -name bert_unicode_tables.c ! -name bert_unicode_classes.c | sort)
echo "$(echo "$files" | wc -l) files, $("$format" --version)"
# shellcheck disable=SC2086
exec "$format" --dry-run -Werror $files
