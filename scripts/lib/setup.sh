# Shared set-up for scripts/serve.sh and scripts/test.sh (sourced, not run).
# Each step is idempotent and cheap when already done.

# The cargo target directory (honours CARGO_TARGET_DIR).
target_dir() {
    cargo metadata --format-version 1 --no-deps 2>/dev/null \
        | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])'
}

# Builds what the example bundles need that is not committed (none yet: the lookup and SQL
# examples ship their data). Later engines add their steps here (e.g. Python components).
setup_examples() {
    :
}
