#!/usr/bin/env bash
# Runs the whole test suite: formatting, lints, Rust unit and end-to-end tests against one
# release build, and the real-client conformance tests (Python dataikuapi in a venv).
#
#   scripts/test.sh
#
# Set-up it does on a fresh machine: the Python venv for the client tests; databases for the
# SQL tests when scripts/start-databases.sh is present. Set PLINTH_SKIP_LINT=1 to skip fmt and
# clippy while iterating.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/setup.sh

step() { printf '\n==> %s\n' "$*"; }

if [ "${PLINTH_SKIP_LINT:-0}" != 1 ]; then
    step "cargo fmt --check"
    cargo fmt --all -- --check
    step "cargo clippy (all targets, warnings are errors)"
    cargo clippy --locked --workspace --all-targets -- -D warnings
fi

if [ -x scripts/start-databases.sh ]; then
    step "databases for the SQL tests"
    env_file="$(mktemp)"
    scripts/start-databases.sh "$env_file" >/dev/null
    # shellcheck disable=SC1090
    source "$env_file"
    rm -f "$env_file"
fi

setup_examples

step "release build"
cargo build --locked --release --workspace --all-targets

step "Rust tests (release)"
cargo test --locked --release --workspace

step "client conformance tests (dataikuapi)"
PLINTH_BIN="$(target_dir)/release/plinth" tests/clients/run.sh

step "all tests passed"
