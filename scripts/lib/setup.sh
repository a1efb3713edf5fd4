# Shared set-up for scripts/serve.sh and scripts/test.sh (sourced, not run).
# Each step is idempotent and cheap when already done.

# The cargo target directory (honours CARGO_TARGET_DIR).
target_dir() {
    cargo metadata --format-version 1 --no-deps 2>/dev/null \
        | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])'
}

# shellcheck source=scripts/lib/functions.sh
source "$(dirname "${BASH_SOURCE[0]}")/functions.sh"

# Builds what the example bundles need that is not committed (the lookup and SQL examples ship
# their data; function components are built from source, see functions.sh).
setup_examples() {
    setup_function_examples
}
