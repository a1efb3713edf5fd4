#!/usr/bin/env bash
# Runs the whole test suite: formatting, lints, Rust unit and end-to-end tests against one
# release build, and the real-client conformance tests (Python dataikuapi in a venv).
#
#   scripts/test.sh
#
# Set-up it does on a fresh machine: the Python venv for the client tests; ONNX Runtime's
# library from its PyPI wheel; databases for the
# SQL tests when scripts/start-databases.sh is present. Set PLINTH_SKIP_LINT=1 to skip fmt and
# clippy while iterating.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/setup.sh
source scripts/lib/onnxruntime.sh

# One feature set for every cargo call (lint, build, test): ONNX Runtime compiled in, so both
# prediction backends are tested against one release build.
features=(--features plinth/onnxruntime)

step() { printf '\n==> %s\n' "$*"; }

if [ "${PLINTH_SKIP_LINT:-0}" != 1 ]; then
    step "cargo fmt --check"
    cargo fmt --all -- --check
    step "cargo clippy (all targets, warnings are errors)"
    cargo clippy --locked --workspace --all-targets "${features[@]}" -- -D warnings
fi

if [ -x scripts/start-databases.sh ]; then
    step "databases for the SQL tests"
    env_file="$(mktemp)"
    if scripts/start-databases.sh "$env_file" >/dev/null; then
        # shellcheck disable=SC1090
        source "$env_file"
        # The plugins' PostgreSQL tests fail instead of skipping.
        export PLINTH_REQUIRE_POSTGRES=1
    elif [ "${CI:-}" = true ]; then
        echo "test.sh: CI needs PostgreSQL and MariaDB (see the message above)" >&2
        exit 1
    else
        # Not root, or no Debian packages: the PostgreSQL and MySQL tests skip, saying so.
        echo "test.sh: no test databases (see the message above): the PostgreSQL and MySQL tests are skipped" >&2
    fi
    rm -f "$env_file"
fi

step "ONNX Runtime library (PyPI wheel) for the onnxruntime backend"
ORT_DYLIB_PATH="$(ensure_onnxruntime)"
export ORT_DYLIB_PATH
# Tests that need ONNX Runtime fail instead of skipping.
export PLINTH_REQUIRE_ONNXRUNTIME=1
echo "ORT_DYLIB_PATH=$ORT_DYLIB_PATH"

setup_examples

step "release build"
cargo build --locked --release --workspace --all-targets "${features[@]}"

step "Rust tests (release)"
cargo test --locked --release --workspace "${features[@]}"

step "client conformance tests (dataikuapi) and the dashboard in Chromium"
ensure_chromium
PLINTH_BIN="$(target_dir)/release/plinth" tests/clients/run.sh

step "Kubernetes manifests (offline schema validation)"
scripts/validate-k8s.sh

step "all tests passed"
