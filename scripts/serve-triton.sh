#!/bin/sh
# Serves a gst-bert model folder with Triton Inference Server, for bert-infer device=remote.
#
#   scripts/serve-triton.sh --install
#   scripts/serve-triton.sh MODEL_DIR [--name NAME] [--address ADDR] [--http-port PORT]
#       [--grpc-port PORT] [--metrics-port PORT] [--instances N] [--threads N] [--dir DIR]
#       [--library PATH] [--write-only]
#
# Writes a Triton model repository under DIR (default ~/.cache/gst-bert/triton/NAME):
# models/NAME/config.pbtxt and models/NAME/1/model.py (scripts/triton/model.py), which runs
# gst-bert's own engine through libgstbert-serve.so, so results are the local CPU
# backend's; then runs the tritonserver of PyPI's nvidia-pytriton in place of this shell
# (a signal to this process reaches Triton). --install makes that virtual environment,
# $GST_BERT_TRITON_VENV or /tmp/venv-triton, with Debian's /usr/bin/python3: Triton's
# Python backend stub embeds the libpython of its own Python version, and the one that
# works is the stub built for the system's python3 (its libpython and python3-numpy), not
# a pyenv interpreter's. Details, options and a fleet set-up: docs/remote.md.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
venv=${GST_BERT_TRITON_VENV:-/tmp/venv-triton}
system_python=/usr/bin/python3
pytriton_version=0.7.0

die() { echo "serve-triton.sh: $*" >&2; exit 1; }

system_python_version() {
  "$system_python" -c 'import sys; print("%d.%d" % sys.version_info[:2])'
}

# The stub links libpython of the system's version, which Debian ships apart from python3.
install_libpython() {
  package=libpython$(system_python_version)
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" && return
  echo "Installing $package (Triton's Python backend stub embeds it)"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "$package" >/dev/null || die "cannot install $package"
}

install_triton() {
  [ -x "$system_python" ] || die "$system_python is missing (apt install python3 python3-venv)"
  install_libpython
  [ -x "$venv/bin/python" ] || "$system_python" -m venv "$venv" \
    || die "cannot make a virtual environment in $venv (apt install python3-venv)"
  "$venv/bin/pip" show nvidia-pytriton 2>/dev/null | grep -qx "Version: $pytriton_version" \
    || "$venv/bin/pip" install -q "nvidia-pytriton==$pytriton_version" \
    || die "pip could not install nvidia-pytriton $pytriton_version into $venv"
}

if [ "${1:-}" = "--install" ]; then
  install_triton
  echo "Triton (nvidia-pytriton $pytriton_version) is in $venv"
  exit 0
fi
[ $# -ge 1 ] || die "usage: serve-triton.sh MODEL_DIR [options] | --install (see the script's head)"
model_dir=$(cd "$1" 2>/dev/null && pwd) || die "model folder '$1' does not exist"
shift
[ -f "$model_dir/config.json" ] || die "$model_dir has no config.json: not a model folder"
name=$(basename "$model_dir" | tr -c 'A-Za-z0-9_.\n-' '_')
address=127.0.0.1 http_port=8000 grpc_port="" metrics_port="" instances=1 threads=0
dir="" library=${GST_BERT_SERVE_LIBRARY:-} write_only=0
while [ $# -gt 0 ]; do
  case "$1" in
    --name) name=$2; shift 2 ;;
    --address) address=$2; shift 2 ;;
    --http-port) http_port=$2; shift 2 ;;
    --grpc-port) grpc_port=$2; shift 2 ;;
    --metrics-port) metrics_port=$2; shift 2 ;;
    --instances) instances=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --library) library=$2; shift 2 ;;
    --write-only) write_only=1; shift ;;
    *) die "unknown option '$1'" ;;
  esac
done
case "$name" in ''|*[!A-Za-z0-9_.-]*) die "--name '$name': letters, digits, '_', '.', '-' only" ;; esac
case "$instances" in ''|*[!0-9]*|0) die "--instances '$instances' is not a positive number" ;; esac
case "$threads" in ''|*[!0-9]*) die "--threads '$threads' is not a number" ;; esac
dir=${dir:-${XDG_CACHE_HOME:-$HOME/.cache}/gst-bert/triton/$name}

# libgstbert-serve.so: given, else this checkout's build folder, else the installed one.
if [ -z "$library" ]; then
  for candidate in "$here/../build/kernels/remote/serve/libgstbert-serve.so" \
      /usr/local/lib/x86_64-linux-gnu/gst-bert/libgstbert-serve.so \
      /usr/lib/x86_64-linux-gnu/gst-bert/libgstbert-serve.so; do
    [ -f "$candidate" ] && { library=$candidate; break; }
  done
fi
[ -n "$library" ] && [ -f "$library" ] \
  || die "libgstbert-serve.so not found (build gst-bert with libcurl, or pass --library PATH)"
library=$(cd "$(dirname "$library")" && pwd)/$(basename "$library")

mkdir -p "$dir/models/$name/1" "$dir/backends/python"
cp "$here/triton/model.py" "$dir/models/$name/1/model.py"
cat > "$dir/models/$name/config.pbtxt" <<CONFIG
# Written by gst-bert's scripts/serve-triton.sh for $model_dir
name: "$name"
backend: "python"
max_batch_size: 0
input [
  { name: "IDS" data_type: TYPE_INT32 dims: [ -1 ] },
  { name: "TYPE_IDS" data_type: TYPE_INT32 dims: [ -1 ] },
  { name: "LENGTHS" data_type: TYPE_INT32 dims: [ -1 ] },
  { name: "POOLING" data_type: TYPE_INT32 dims: [ 1 ] optional: true },
  { name: "NORMALIZE" data_type: TYPE_INT32 dims: [ 1 ] optional: true }
]
output [
  { name: "EMBEDDING" data_type: TYPE_FP32 dims: [ -1, -1 ] },
  { name: "LOGITS" data_type: TYPE_FP32 dims: [ -1, -1 ] },
  { name: "PROBS" data_type: TYPE_FP32 dims: [ -1, -1 ] },
  { name: "LABELS" data_type: TYPE_INT32 dims: [ -1 ] },
  { name: "LABEL_APPLIES" data_type: TYPE_UINT8 dims: [ -1, -1 ] },
  { name: "TOKEN_LOGITS" data_type: TYPE_FP32 dims: [ -1, -1 ] },
  { name: "TOKEN_PROBS" data_type: TYPE_FP32 dims: [ -1, -1 ] },
  { name: "TOKEN_LABELS" data_type: TYPE_INT32 dims: [ -1 ] }
]
instance_group [ { kind: KIND_CPU count: $instances } ]
parameters [
  { key: "GST_BERT_MODEL_DIR" value: { string_value: "$model_dir" } },
  { key: "GST_BERT_SERVE_LIBRARY" value: { string_value: "$library" } },
  { key: "GST_BERT_THREADS" value: { string_value: "$threads" } }
]
CONFIG
echo "serve-triton.sh: model repository $dir/models (model '$name', $instances instance(s))"
[ "$write_only" = 1 ] && exit 0

server_root=$venv/lib/python3*/site-packages/pytriton/tritonserver
# shellcheck disable=SC2086
server_root=$(echo $server_root)
[ -x "$server_root/bin/tritonserver" ] \
  || die "no tritonserver under $venv (run: scripts/serve-triton.sh --install)"
python_version=$(system_python_version)
stub=$server_root/python_backend_stubs/$python_version/triton_python_backend_stub
[ -x "$stub" ] || die "nvidia-pytriton has no Python backend stub for $system_python ($python_version)"
if ldd "$stub" | grep -q "not found"; then
  die "the Python backend stub misses libraries: $(ldd "$stub" | grep 'not found' | tr -s ' \t\n' ' ')"
fi
"$system_python" -c "import numpy" 2>/dev/null || die "$system_python has no numpy (apt install python3-numpy)"
# Links, not copies: the stub finds the libraries shipped beside it through $ORIGIN.
ln -sf "$stub" "$server_root/backends/python/libtriton_python.so" \
  "$server_root/backends/python/triton_python_backend_utils.py" "$dir/backends/python/"

# The Python stubs' shared memory (/dev/shm) named after this server, so that what a
# killed server leaves there can be found and removed: /dev/shm/gst_bert_NAME_PORT_*.
set -- --model-repository="$dir/models" --backend-directory="$dir/backends" \
  --http-address="$address" --http-port="$http_port" --exit-on-error=true --log-verbose=0 \
  --backend-config="python,shm-region-prefix-name=gst_bert_${name}_${http_port}_"
if [ -n "$grpc_port" ]; then
  set -- "$@" --grpc-address="$address" --grpc-port="$grpc_port"
else
  set -- "$@" --allow-grpc=false
fi
if [ -n "$metrics_port" ]; then
  set -- "$@" --metrics-address="$address" --metrics-port="$metrics_port"
else
  set -- "$@" --allow-metrics=false
fi
echo "serve-triton.sh: Triton on http://$address:$http_port, model '$name'"
# The stub must embed the system's python3 (see the head): no pyenv or venv paths.
exec env -u PYTHONHOME -u PYTHONPATH "$server_root/bin/tritonserver" "$@"
