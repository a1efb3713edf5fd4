#!/usr/bin/env bash
# Runs the Plinth server with the example bundles on embedded defaults.
#
#   scripts/serve.sh                 # http://127.0.0.1:11200, data in ./.plinth-data
#   scripts/serve.sh --listen 0.0.0.0:8080 --data-dir /var/lib/plinth
#
# On the first run (empty data directory) it deploys every bundle under examples/ and prints
# the admin API key once (or set PLINTH_ADMIN_KEY). Needs a Rust toolchain (rustup), Python 3
# (componentize-py, ONNX Runtime's library from its wheel) and npm (componentize-qjs).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/setup.sh
source scripts/lib/onnxruntime.sh
setup_examples
# ONNX Runtime's library for endpoints with engine = "onnxruntime" (tract needs nothing).
if [ -z "${ORT_DYLIB_PATH:-}" ]; then
    if ORT_DYLIB_PATH="$(ensure_onnxruntime)"; then
        export ORT_DYLIB_PATH
    else
        echo "serve.sh: ONNX Runtime unavailable; prediction endpoints run on tract only" >&2
        unset ORT_DYLIB_PATH
    fi
fi
# The default data directory, unless the arguments name one.
data_dir=(--data-dir "${PLINTH_DATA_DIR:-.plinth-data}")
for arg in "$@"; do
    case "$arg" in
        --data-dir | --data-dir=*) data_dir=() ;;
    esac
done
exec cargo run --release --locked -p plinth --features onnxruntime -- serve "${data_dir[@]}" "$@"
