#!/usr/bin/env bash
# In-process benchmark of prediction endpoints on tract, and on ONNX Runtime when
# ORT_DYLIB_PATH names libonnxruntime.so (from the onnxruntime==1.31.1 wheel).
#
#   bench/prediction/run.sh
#
# Results go to stdout (Markdown tables); bench/RESULTS.md records a run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
cargo run --release -q -p plinth-engine-prediction --example bench -- tract
if [[ -n "${ORT_DYLIB_PATH:-}" ]]; then
    echo
    cargo run --release -q -p plinth-engine-prediction --features onnxruntime --example bench -- onnxruntime
else
    echo "SKIPPED: onnxruntime (set ORT_DYLIB_PATH)"
fi
