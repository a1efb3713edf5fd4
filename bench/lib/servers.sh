# Installs and starts the servers of bench/run.sh (sourced, not run). Each start_* function
# starts one server in the background on loopback, pinned to $SERVER_CPUS, and records its pid
# in SERVER_PID[name]; wait_ready waits for its readiness URL.
#
# Python peers live in venvs under $PLINTH_CACHE (created on first use, reused afterwards).
# Pins (exact versions, resolved on 2026-11-22):
DATASETTE_VERSION="0.65.5"
MLSERVER_VERSION="1.7.1"          # with mlserver-sklearn of the same version
# uvloop 0.22+ makes MLServer 1.7.1's inference workers die at start ("There is no current event
# loop in thread 'MainThread'", mlserver/parallel/worker.py): pin the last release that works.
UVLOOP_VERSION="0.21.0"
SKLEARN_VERSION="1.9.1"           # the version models/export.py trained with
FASTAPI_VERSION="0.163.2"         # same pins as bench/function/run.sh
UVICORN_VERSION="0.54.0"

PLINTH_CACHE="${PLINTH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/plinth}"
declare -A SERVER_PID=()
declare -A SERVER_PORT=([plinth]=18400 [echo]=18401 [datasette]=18402 [mlserver]=18403 [fastapi]=18406)

# pinned CMD...: runs CMD on $SERVER_CPUS when pinning is on.
pinned() {
    if [ -n "${SERVER_CPUS:-}" ]; then taskset -c "$SERVER_CPUS" "$@"; else "$@"; fi
}

# venv_with NAME CHECK_MODULE PACKAGES...: prints the path of a cached venv holding PACKAGES.
venv_with() {
    local venv="$PLINTH_CACHE/$1" stamp
    shift
    stamp="$*"
    if [ "$(cat "$venv/.bench-packages" 2>/dev/null)" != "$stamp" ]; then
        echo "installing $stamp into $venv" >&2
        rm -rf "$venv"
        python3 -m venv "$venv" >&2
        "$venv/bin/pip" install -q --disable-pip-version-check "$@" >&2
        printf '%s\n' "$stamp" > "$venv/.bench-packages"
    fi
    printf '%s\n' "$venv"
}

start_plinth() { # BIN EXAMPLES_DIR WORK
    mkdir -p "$3/plinth-data"
    PLINTH_FUNCTION_CACHE="$PLINTH_CACHE/bench-function-cache" PLINTH_LOG=warn \
        PLINTH_ADMIN_KEY=bench-admin-key-0123456789 \
        pinned "$1" serve --data-dir "$3/plinth-data" --listen "127.0.0.1:${SERVER_PORT[plinth]}" \
        --examples-dir "$2" > "$3/plinth.log" 2>&1 &
    SERVER_PID[plinth]=$!
}

start_echo() { # BIN WORK
    pinned "$1" "127.0.0.1:${SERVER_PORT[echo]}" > "$2/echo.log" 2>&1 &
    SERVER_PID[echo]=$!
}

start_datasette() { # WORK
    local venv
    venv="$(venv_with bench-datasette-venv "datasette==$DATASETTE_VERSION")"
    DATASETTE_VERSION_FOUND="$("$venv/bin/datasette" --version)"
    # Same file as the sql_svc example, read-only (--immutable), the canned query in metadata.json.
    cp examples/sql_svc/data/titanic.db "$1/titanic.db"
    pinned "$venv/bin/datasette" serve --immutable "$1/titanic.db" \
        --metadata bench/peers/datasette/metadata.json \
        -h 127.0.0.1 -p "${SERVER_PORT[datasette]}" > "$1/datasette.log" 2>&1 &
    SERVER_PID[datasette]=$!
}

start_mlserver() { # WORK
    local venv
    venv="$(venv_with bench-mlserver-venv "mlserver==$MLSERVER_VERSION" \
        "mlserver-sklearn==$MLSERVER_VERSION" "scikit-learn==$SKLEARN_VERSION" \
        "uvloop==$UVLOOP_VERSION")"
    MLSERVER_VERSION_FOUND="$("$venv/bin/pip" list --format=freeze 2>/dev/null \
        | grep -iE '^(mlserver|mlserver-sklearn|scikit-learn|uvloop)==' | tr '\n' ' ')"
    local root="$1/mlserver"
    mkdir -p "$root"
    "$venv/bin/python" bench/peers/mlserver/train_model.py models/cancer_trees/expected.json \
        "$root/cancer" >&2
    # MLServer's defaults otherwise (one parallel inference worker process).
    printf '{"http_port": %d, "grpc_port": %d, "metrics_port": %d}\n' \
        "${SERVER_PORT[mlserver]}" $((SERVER_PORT[mlserver] + 1)) $((SERVER_PORT[mlserver] + 2)) \
        > "$root/settings.json"
    PATH="$venv/bin:$PATH" pinned "$venv/bin/mlserver" start "$root" > "$1/mlserver.log" 2>&1 &
    SERVER_PID[mlserver]=$!
}

start_fastapi() { # WORK
    local venv
    venv="$(venv_with bench-fastapi-venv-pinned "fastapi==$FASTAPI_VERSION" "uvicorn==$UVICORN_VERSION")"
    FASTAPI_VERSION_FOUND="$("$venv/bin/pip" list --format=freeze 2>/dev/null \
        | grep -iE '^(fastapi|uvicorn)==' | tr '\n' ' ')"
    # bench/function/fastapi_app.py: the same Python function as the python_svc example.
    pinned "$venv/bin/uvicorn" fastapi_app:app --app-dir bench/function --host 127.0.0.1 \
        --port "${SERVER_PORT[fastapi]}" --log-level warning --no-access-log > "$1/fastapi.log" 2>&1 &
    SERVER_PID[fastapi]=$!
}

# wait_ready NAME URL SECONDS: 0 once URL answers 2xx; 1 (with the log's tail) otherwise.
wait_ready() {
    local name="$1" url="$2" deadline=$((SECONDS + $3))
    while [ "$SECONDS" -lt "$deadline" ]; do
        curl -sf -o /dev/null "$url" && return 0
        if ! kill -0 "${SERVER_PID[$name]}" 2>/dev/null; then break; fi
        sleep 0.5
    done
    echo "$name did not become ready at $url" >&2
    tail -5 "$WORK/$name.log" >&2 || true
    return 1
}

# rss_kib PID: resident memory of PID and all its descendants, in KiB.
rss_kib() {
    local total=0 pid rss queue=("$1")
    [ "${1:-0}" -gt 0 ] 2>/dev/null || { echo 0; return; }
    while [ "${#queue[@]}" -gt 0 ]; do
        pid="${queue[0]}"
        queue=("${queue[@]:1}")
        rss="$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)"
        total=$((total + ${rss:-0}))
        # shellcheck disable=SC2207
        queue+=($(pgrep -P "$pid" || true))
    done
    echo "$total"
}

# kill_tree PID: stops PID and its descendants (MLServer's inference workers, uvicorn's children).
kill_tree() {
    local child
    for child in $(pgrep -P "$1" || true); do kill_tree "$child"; done
    kill "$1" 2>/dev/null || true
}
