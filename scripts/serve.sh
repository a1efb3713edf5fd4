#!/usr/bin/env bash
# Runs the Plinth server with the example bundles on embedded defaults.
#
#   scripts/serve.sh                 # http://127.0.0.1:11200, data in ./.plinth-data
#   scripts/serve.sh --listen 0.0.0.0:8080 --data-dir /var/lib/plinth
#
# On the first run (empty data directory) it deploys every bundle under examples/ and prints
# the admin API key once (or set PLINTH_ADMIN_KEY). Needs only a Rust toolchain (rustup).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/setup.sh
setup_examples
exec cargo run --release --locked -p plinth -- serve --data-dir "${PLINTH_DATA_DIR:-.plinth-data}" "$@"
