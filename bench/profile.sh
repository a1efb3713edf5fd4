#!/usr/bin/env bash
# Profiles the request path of the host with callgrind (instruction counts are stable on this
# noisy shared machine; `perf stat -e instructions` is not supported in this VM). For each
# scenario, Plinth (release build) runs under callgrind with collection off; after a warm-up,
# collection is switched on for exactly N sequential requests, then dumped. The bare axum echo is
# profiled the same way as the floor. Writes bench/out/profile/<scenario>.{out,txt} and prints a
# summary table: instructions, malloc/realloc/free calls per request, and the heaviest inclusive
# functions of the request path (bench/out/profile/<scenario>.txt).
#
# CONC=1 (default): N sequential requests on one keep-alive connection (exact count).
# CONC=16: wrk with 16 connections for LOAD_SECONDS (default 20) under callgrind, the count taken
# from wrk: closer to the loaded server (the audit writer batches events, tasks queue up).
#
#   bench/profile.sh               # N=300 requests per scenario
#   SKIP_BUILD=1 N=100 ONLY=lookup bench/profile.sh   (ONLY: regex on the scenario names)
#   PLINTH_BIN=/tmp/plinth ECHO_BIN=/tmp/echo SKIP_BUILD=1 bench/profile.sh   (profile copies)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
N="${N:-300}"
ONLY="${ONLY:-.}"
CONC="${CONC:-1}"
LOAD_SECONDS="${LOAD_SECONDS:-20}"
WARM=30
command -v valgrind >/dev/null || { echo "valgrind is needed: apt-get install valgrind" >&2; exit 2; }
if [ "${SKIP_BUILD:-0}" != 1 ]; then
    cargo build --release -q -p plinth -p plinth-bench-echo --features plinth/onnxruntime
fi
target="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
# Binaries to profile (override to profile a copy while other builds replace the target's).
PLINTH_BIN="${PLINTH_BIN:-$target/release/plinth}"
ECHO_BIN="${ECHO_BIN:-$target/release/plinth-bench-echo}"
out="bench/out/profile"
rm -rf "$out"
mkdir -p "$out"
work="$(mktemp -d)"
pid=""
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# Small bundles: the request path is what is measured, not deploy time under valgrind.
mkdir -p "$work/examples"
for svc in lookup_svc sql_svc cancer_svc; do
    [ -f "examples/$svc/plinth.toml" ] && cp -r "examples/$svc" "$work/examples/"
done
python3 bench/lib/make_bodies.py examples/cancer_svc/model/reference.csv "$work/bodies" >/dev/null
printf '{"data":{"PassengerId":{{KEY}}}}' > "$work/bodies/lookup.json"

# profile NAME URL BODY|- CMD...: one server under callgrind, N requests measured.
profile() {
    local name="$1" url="$2" body="$3"
    shift 3
    [[ "$name" =~ $ONLY ]] || return 0
    valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$out/$name.out" \
        "$@" > "$work/$name.log" 2>&1 &
    pid=$!
    local body_args=()
    [ "$body" != - ] && body_args=("$work/bodies/$body")
    for _ in $(seq 1 600); do
        python3 bench/lib/drive.py "$url" 1 "${body_args[@]}" 2>/dev/null && break
        kill -0 "$pid" 2>/dev/null || { echo "$name: server died" >&2; tail "$work/$name.log" >&2; return 1; }
        sleep 1
    done
    if ! python3 bench/lib/drive.py "$url" "$WARM" "${body_args[@]}"; then
        echo "$name: skipped (the endpoint does not answer)" >&2
        kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
        return 0
    fi
    local n="$N"
    callgrind_control -i on "$pid" > /dev/null
    if [ "$CONC" = 1 ]; then
        python3 bench/lib/drive.py "$url" "$N" "${body_args[@]}"
    else
        BENCH_BODY="${body_args[0]:-}" BENCH_KEY_MAX=800 \
            wrk -t1 -c"$CONC" -d"$LOAD_SECONDS"s --timeout 30s -s bench/wrk.lua "$url" > "$work/wrk.txt"
        n="$(sed -n 's/^BENCH requests=\([0-9]*\).*/\1/p' "$work/wrk.txt")"
    fi
    callgrind_control -i off "$pid" > /dev/null
    kill "$pid"
    wait "$pid" 2>/dev/null || true
    pid=""
    local total
    total="$(awk '/^totals:/ {print $2; exit}' "$out/$name.out")"
    [ "$n" -gt 0 ] || { echo "$name: no request completed" >&2; return 1; }
    callgrind_annotate --inclusive=yes --threshold=99 "$out/$name.out" 2>/dev/null \
        | sed -n '1,400p' > "$out/$name.txt"
    {
        printf '%s\t%s\t%s\t' "$name" "$n" "$((total / n))"
        python3 bench/lib/callgrind_calls.py "$out/$name.out" "$n" malloc realloc calloc free \
            | cut -f2 | tr '\n' '\t'
        echo
    } >> "$out/summary.tsv"
    echo "$name: $((total / n)) instructions per request ($n requests)" >&2
}

# Set here, not through `env`: callgrind must run the server itself, not a process that execs it.
export PLINTH_LOG=warn PLINTH_ADMIN_KEY=bench-admin-key-0123456789
plinth=("$PLINTH_BIN" serve --data-dir "$work/data" --listen 127.0.0.1:18500 --examples-dir "$work/examples")
api="http://127.0.0.1:18500/public/api/v1"
profile echo-post "http://127.0.0.1:18501/echo" lookup.json "$ECHO_BIN" 127.0.0.1:18501
profile echo-get "http://127.0.0.1:18501/echo?param1=60&param2=male" - "$ECHO_BIN" 127.0.0.1:18501
profile lookup "$api/lookup_svc/passenger_info/lookup" lookup.json "${plinth[@]}"
rm -rf "$work/data"
profile query "$api/sql_svc/simple_filter/query?param1=60&param2=male" - "${plinth[@]}"
rm -rf "$work/data"
profile predict "$api/cancer_svc/cancer/predict" predict.json "${plinth[@]}"
rm -rf "$work/data"
# 1,000 rows a request: run with a smaller N (e.g. N=20 ONLY=predict-multi).
profile predict-multi "$api/cancer_svc/cancer/predict-multi" predict_multi.json "${plinth[@]}"

echo
echo "Connections: $CONC"
echo
echo "| request | requests profiled | instructions / request | malloc | realloc | calloc | free |"
echo "|---|---|---|---|---|---|---|"
awk -F'\t' '{printf "| %s | %s | %\047d | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7}' "$out/summary.tsv"
