#!/bin/sh
# scripts/serve-triton.sh without a server: --write-only writes the model repository
# (config.pbtxt with the instances, threads, model folder and library; model.py), and
# bad arguments are refused with a message naming them. Needs no Triton.
# usage: test-serve-triton.sh SOURCE_DIR LIBRARY
set -u
source_dir=$1 library=$2
serve=$source_dir/scripts/serve-triton.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

expect_error() {   # expect_error TEXT ARGS...: the command fails and says TEXT
  text=$1; shift
  if "$serve" "$@" > "$work/out" 2>&1; then
    fail "serve-triton.sh $* succeeded"
  elif ! grep -qF -- "$text" "$work/out"; then
    fail "serve-triton.sh $*: '$(cat "$work/out")' does not say '$text'"
  fi
}

mkdir -p "$work/my model"
echo '{}' > "$work/my model/config.json"
"$serve" "$work/my model" --write-only --dir "$work/repo" --instances 3 --threads 2 \
  --library "$library" > "$work/out" 2>&1 || fail "--write-only: $(cat "$work/out")"
config=$work/repo/models/my_model/config.pbtxt
[ -f "$work/repo/models/my_model/1/model.py" ] || fail "no model.py"
grep -q 'name: "my_model"' "$config" || fail "the model is not named my_model"
grep -q 'count: 3' "$config" || fail "3 instances not in config.pbtxt"
grep -q "string_value: \"2\"" "$config" || fail "2 threads not in config.pbtxt"
grep -qF "string_value: \"$work/my model\"" "$config" || fail "the model folder is not in config.pbtxt"
grep -qF "string_value: \"$library\"" "$config" || fail "the library is not in config.pbtxt"

expect_error "does not exist" "$work/nothing" --write-only
expect_error "has no config.json" "$work" --write-only
expect_error "--instances '0'" "$work/my model" --instances 0 --write-only
expect_error "--name 'a/b'" "$work/my model" --name a/b --write-only
expect_error "unknown option '--bogus'" "$work/my model" --bogus
expect_error "libgstbert-serve.so not found" "$work/my model" --library "$work/none.so" --write-only
expect_error "usage" 

[ "$failures" -eq 0 ] && echo "serve-triton.sh: all checks passed"
exit $((failures > 0))
