# Builds the components of the function examples (sourced by scripts/lib/setup.sh).
#
# Python: componentize-py in a venv under the user's cache ($PLINTH_CACHE/function-venv),
# created on first use. Rust: the wasm32-wasip2 target, added with rustup. JavaScript:
# componentize-qjs from npm, installed under $PLINTH_CACHE. Each component is
# rebuilt only when its sources (or the host WIT) change; the .wasm files land in the bundle's
# build/ folder, which git ignores.

PLINTH_CACHE="${PLINTH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/plinth}"
COMPONENTIZE_PY_VERSION="0.25.1"
COMPONENTIZE_QJS_VERSION="0.4.5"

# Prints the venv holding componentize-py, creating it when needed.
function_venv() {
    local venv="$PLINTH_CACHE/function-venv"
    if ! "$venv/bin/componentize-py" --version 2>/dev/null | grep -q "$COMPONENTIZE_PY_VERSION"; then
        echo "setting up componentize-py $COMPONENTIZE_PY_VERSION in $venv" >&2
        mkdir -p "$PLINTH_CACHE"
        python3 -m venv "$venv" >&2
        "$venv/bin/pip" install -q "componentize-py==$COMPONENTIZE_PY_VERSION" >&2
    fi
    printf '%s\n' "$venv"
}

# sources_digest FILE...: one digest of the files' names and contents.
sources_digest() {
    { for f in "$@"; do printf '%s\n' "$f"; cat "$f"; done; } | sha256sum | cut -d' ' -f1
}

# build_python_component BUNDLE WORLD MODULE: builds BUNDLE/build/MODULE.wasm from
# BUNDLE/functions/MODULE.py and the WIT world BUNDLE/functions/wit (world WORLD).
build_python_component() {
    local bundle="$1" world="$2" module="$3"
    local out="$bundle/build/$module.wasm"
    local stamp="$bundle/build/.$module.digest"
    local digest
    digest="$(sources_digest wit/host/host.wit "$bundle"/functions/wit/*.wit "$bundle/functions/$module.py")-$COMPONENTIZE_PY_VERSION"
    if [ -f "$out" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$digest" ]; then
        return 0
    fi
    local venv
    venv="$(function_venv)"
    echo "building $out (componentize-py, ~20 s)" >&2
    mkdir -p "$bundle/build"
    local root
    root="$(pwd)"
    (cd "$bundle/functions" && PYTHONDONTWRITEBYTECODE=1 "$venv/bin/componentize-py" -q \
        -d "$root/wit/host" -d wit -w "$world" componentize "$module" -o "$root/$out.tmp")
    mv "$out.tmp" "$out"
    printf '%s\n' "$digest" > "$stamp"
}

# build_rust_component BUNDLE: builds the cdylib crate BUNDLE/functions (its own workspace)
# for wasm32-wasip2 and copies it to BUNDLE/build/<crate>.wasm.
build_rust_component() {
    local bundle="$1"
    local crate
    crate="$(sed -n 's/^name *= *"\(.*\)"/\1/p' "$bundle/functions/Cargo.toml" | head -1)"
    local out="$bundle/build/$crate.wasm"
    local stamp="$bundle/build/.$crate.digest"
    local digest
    digest="$(sources_digest wit/host/host.wit "$bundle/functions/Cargo.toml" "$bundle"/functions/wit/*.wit "$bundle"/functions/src/*.rs)"
    if [ -f "$out" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$digest" ]; then
        return 0
    fi
    rustup target list --installed | grep -qx wasm32-wasip2 || rustup target add wasm32-wasip2 >&2
    echo "building $out (cargo, wasm32-wasip2)" >&2
    local target_dir
    target_dir="$PLINTH_CACHE/guest-target"
    cargo build -q --release --target wasm32-wasip2 \
        --manifest-path "$bundle/functions/Cargo.toml" --target-dir "$target_dir" >&2
    mkdir -p "$bundle/build"
    cp "$target_dir/wasm32-wasip2/release/$crate.wasm" "$out"
    printf '%s\n' "$digest" > "$stamp"
}

# Prints the folder holding componentize-qjs (QuickJS), installing it from npm when needed.
qjs_tools() {
    local tools="$PLINTH_CACHE/componentize-qjs-$COMPONENTIZE_QJS_VERSION"
    if [ ! -x "$tools/node_modules/.bin/componentize-qjs" ]; then
        echo "setting up componentize-qjs $COMPONENTIZE_QJS_VERSION in $tools" >&2
        mkdir -p "$tools"
        npm install --prefix "$tools" --no-audit --no-fund --no-package-lock --loglevel=error \
            "componentize-qjs@$COMPONENTIZE_QJS_VERSION" >&2
    fi
    printf '%s\n' "$tools"
}

# build_js_component BUNDLE WORLD: builds BUNDLE/build/js_fns.wasm from BUNDLE/functions/app.js
# and the WIT world BUNDLE/functions/wit (world WORLD) with componentize-qjs. Without npm the
# example is skipped with a warning (it then does not deploy); the other examples are unaffected.
build_js_component() {
    local bundle="$1" world="$2"
    local out="$bundle/build/js_fns.wasm"
    local stamp="$bundle/build/.js_fns.digest"
    local digest
    digest="$(sources_digest wit/host/host.wit "$bundle"/functions/wit/*.wit "$bundle/functions/app.js")-$COMPONENTIZE_QJS_VERSION"
    if [ -f "$out" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$digest" ]; then
        return 0
    fi
    if ! command -v npm >/dev/null 2>&1; then
        echo "warning: npm not found: $out not built, example $(basename "$bundle") skipped (apt-get install npm)" >&2
        return 0
    fi
    local tools root wit
    tools="$(qjs_tools)"
    echo "building $out (componentize-qjs, ~5 s)" >&2
    root="$(pwd)"
    wit="$(mktemp -d)"
    mkdir -p "$wit/deps/host" "$bundle/build"
    cp "$bundle"/functions/wit/*.wit "$wit/"
    cp wit/host/*.wit "$wit/deps/host/"
    (cd "$bundle/functions" && "$tools/node_modules/.bin/componentize-qjs" --wit "$wit" \
        --js app.js -n "$world" --sync -o "$root/$out.tmp") >&2
    rm -rf "$wit"
    mv "$out.tmp" "$out"
    printf '%s\n' "$digest" > "$stamp"
}

# Every function example.
setup_function_examples() {
    build_python_component examples/python_svc python-svc:functions/sum simple_sum
    build_python_component examples/python_svc python-svc:functions/report report
    build_python_component examples/python_svc python-svc:functions/faults faults
    if [ -d examples/rust_fn_svc ]; then
        build_rust_component examples/rust_fn_svc
    fi
    if [ -d examples/js_svc ]; then
        build_js_component examples/js_svc functions
    fi
}
