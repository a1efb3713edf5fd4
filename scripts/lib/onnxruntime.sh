#!/usr/bin/env bash
# ONNX Runtime's shared library for the `onnxruntime` feature of plinth-onnx, taken from the
# pinned PyPI wheel (no system package needed).
#
#   source scripts/lib/onnxruntime.sh
#   export ORT_DYLIB_PATH="$(ensure_onnxruntime)"
#
# ensure_onnxruntime creates (or reuses) a venv at $PLINTH_ORT_VENV
# (default $HOME/.cache/plinth/ort-venv), installs onnxruntime==1.31.1 into it if missing,
# and prints the absolute path of libonnxruntime.so.1.31.1. Progress goes to stderr.

PLINTH_ORT_VERSION="1.31.1"

ensure_onnxruntime() {
    local venv="${PLINTH_ORT_VENV:-$HOME/.cache/plinth/ort-venv}"
    local python="${PYTHON:-python3}"
    local lib
    lib="$(_plinth_ort_library "$venv")"
    if [ -z "$lib" ]; then
        if [ ! -x "$venv/bin/python" ]; then
            mkdir -p "$(dirname "$venv")"
            "$python" -m venv "$venv" >&2 || return 1
        fi
        "$venv/bin/pip" install --quiet --disable-pip-version-check \
            "onnxruntime==$PLINTH_ORT_VERSION" >&2 || return 1
        lib="$(_plinth_ort_library "$venv")"
    fi
    if [ -z "$lib" ]; then
        echo "ensure_onnxruntime: libonnxruntime.so.$PLINTH_ORT_VERSION not found in $venv" >&2
        return 1
    fi
    echo "$lib"
}

# Prints the library's path inside the venv, or nothing.
_plinth_ort_library() {
    local venv="$1" candidate
    for candidate in "$venv"/lib/python3*/site-packages/onnxruntime/capi/libonnxruntime.so."$PLINTH_ORT_VERSION"; do
        if [ -f "$candidate" ]; then
            (cd "$(dirname "$candidate")" && echo "$PWD/$(basename "$candidate")")
            return 0
        fi
    done
}
