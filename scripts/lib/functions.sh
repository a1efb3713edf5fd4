# Builds the components of the function examples (sourced by scripts/lib/setup.sh).
#
# Python: componentize-py in a venv under the user's cache ($PLINTH_CACHE/function-venv),
# created on first use. Rust: the wasm32-wasip2 target, added with rustup. JavaScript:
# componentize-qjs, pinned by the bundle's package-lock.json, installed under $PLINTH_CACHE. Each component is
# rebuilt only when its sources (or the host WIT) change; the .wasm files land in the bundle's
# build/ folder, which git ignores.

PLINTH_CACHE="${PLINTH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/plinth}"
COMPONENTIZE_PY_VERSION="0.25.1"

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

# js_tools BUNDLE: prints the folder holding the npm packages pinned by BUNDLE/package.json and
# BUNDLE/package-lock.json (componentize-qjs and its native binding), installing them on first
# use. The folder under $PLINTH_CACHE is named by the lock file's digest, so a changed lock
# installs anew and the bundle itself gets no node_modules. `npm install` with the lock rather
# than `npm ci`: componentize-qjs 0.4.5 names three optional platform bindings that were never
# published at 0.4.5, which `npm ci` takes for a lock out of sync; `npm install` takes the
# locked versions and checks their integrity hashes (a binding that fails them is skipped as
# optional, hence the check that the tool runs). Fails, saying why, without npm or the registry.
js_tools() {
    local bundle="$1"
    local lock_digest tools
    lock_digest="$(sources_digest "$bundle/package.json" "$bundle/package-lock.json")"
    tools="$PLINTH_CACHE/js-tools-${lock_digest:0:16}"
    if [ -f "$tools/.installed" ]; then
        printf '%s\n' "$tools"
        return 0
    fi
    if ! command -v npm >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        # A fresh Debian machine (as CI runs): install Node.js and npm from Debian's packages.
        echo "installing nodejs and npm from Debian's packages" >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q nodejs npm >&2 \
            || { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q nodejs npm >&2; } \
            || true
    fi
    if ! command -v npm >/dev/null 2>&1; then
        echo "error: npm not found: it builds examples/$(basename "$bundle") (JavaScript);" \
            "install Node.js 18+ with npm (apt-get install nodejs npm)" >&2
        return 1
    fi
    echo "setting up the npm packages of $bundle in $tools" >&2
    rm -rf "$tools"
    mkdir -p "$tools"
    cp "$bundle/package.json" "$bundle/package-lock.json" "$tools/"
    if ! (cd "$tools" && npm install --no-save --no-audit --no-fund --loglevel=error >&2); then
        echo "error: npm could not install the packages of $bundle/package-lock.json into $tools" \
            "(npm's message above; is the registry $(npm config get registry 2>/dev/null) reachable?)" >&2
        rm -rf "$tools"
        return 1
    fi
    if ! "$tools/node_modules/.bin/componentize-qjs" --help >/dev/null 2>&1; then
        echo "error: componentize-qjs does not run after npm install in $tools (no native binding" \
            "for $(node -p 'process.platform + "-" + process.arch' 2>/dev/null)?):" >&2
        "$tools/node_modules/.bin/componentize-qjs" --help 2>&1 | tail -5 >&2
        rm -rf "$tools"
        return 1
    fi
    touch "$tools/.installed"
    printf '%s\n' "$tools"
}

# build_js_component BUNDLE WORLD: builds BUNDLE/build/js_fns.wasm from BUNDLE/functions/app.js
# and the WIT world BUNDLE/functions/wit (world WORLD) with componentize-qjs, at the version
# that BUNDLE/package-lock.json pins.
build_js_component() {
    local bundle="$1" world="$2"
    local out="$bundle/build/js_fns.wasm"
    local stamp="$bundle/build/.js_fns.digest"
    local digest
    digest="$(sources_digest wit/host/*.wit "$bundle"/functions/wit/*.wit "$bundle/functions/app.js" \
        "$bundle/package.json" "$bundle/package-lock.json")"
    if [ -f "$out" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$digest" ]; then
        return 0
    fi
    local tools root wit
    tools="$(js_tools "$bundle")" || return 1
    echo "building $out (componentize-qjs, ~5 s)" >&2
    root="$(pwd)"
    wit="$(mktemp -d)"
    mkdir -p "$wit/deps/host" "$bundle/build"
    cp "$bundle"/functions/wit/*.wit "$wit/"
    cp wit/host/*.wit "$wit/deps/host/"
    if ! (cd "$bundle/functions" && "$tools/node_modules/.bin/componentize-qjs" --wit "$wit" \
        --js app.js -n "$world" --sync -o "$root/$out.tmp") >&2; then
        echo "error: componentize-qjs could not build $out" >&2
        rm -rf "$wit" "$out.tmp"
        return 1
    fi
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
        build_js_component examples/js_svc functions || return 1
    fi
}

# Debian's Chromium for the dashboard's browser test (tests/clients/browser), installed from
# Debian's packages on a machine where we are root (as CI runs); elsewhere the test fails
# saying how to install it (or set PLINTH_CHROMIUM).
ensure_chromium() {
    if [ -x /usr/lib/chromium/chromium ] || [ -n "${PLINTH_CHROMIUM:-}" ]; then
        return 0
    fi
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "installing chromium from Debian's packages (the dashboard's browser test)" >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >&2 \
            || { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >&2; } \
            || true
    fi
    if [ ! -x /usr/lib/chromium/chromium ]; then
        echo "warning: no Chromium (apt-get install chromium): the browser test will fail" >&2
    fi
}
