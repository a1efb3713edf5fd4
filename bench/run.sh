#!/usr/bin/env bash
# The benchmark harness (issue 6): Plinth side by side with what users would pick instead, same
# load generator (wrk), same machine, same run. Writes the "Harness results" section of
# bench/RESULTS.md and keeps raw outputs in bench/out/latest/.
#
#   bench/run.sh                      # every scenario of bench/scenarios.txt, DURATION=8s each
#   DURATION=3s ONLY=query bench/run.sh   # a short run of the scenarios whose id matches ONLY
#
# Environment: DURATION (wrk -d, default 8s), WARMUP (default 1s), ONLY (regex on scenario ids),
# PIN=0 to run without taskset (default: servers on CPU 1, wrk on CPU 0), NO_RESULTS=1 to leave
# bench/RESULTS.md alone, LOOKUP_ROWS (default 1000000), SKIP_BUILD=1 to use the binaries already
# in the target directory.
# Needs: wrk (apt-get install wrk), python3 with venv, curl; cargo for the release build (with the
# onnxruntime feature; the library comes from its PyPI wheel, scripts/lib/onnxruntime.sh).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

DURATION="${DURATION:-8s}"
WARMUP="${WARMUP:-1s}"
ONLY="${ONLY:-.}"
LOOKUP_ROWS="${LOOKUP_ROWS:-1000000}"
if [ "${PIN:-1}" = 1 ] && [ "$(nproc)" -ge 2 ]; then
    SERVER_CPUS=1
    LOADGEN_CPUS=0
else
    SERVER_CPUS=""
    LOADGEN_CPUS=""
fi
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 2; }

source bench/lib/servers.sh

started_at="$(date -u '+%Y-%m-%d %H:%M:%S UTC')"
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
if [ "${SKIP_BUILD:-0}" != 1 ]; then
    echo "== building plinth and the echo peer (release)" >&2
    cargo build --release -q -p plinth -p plinth-bench-echo --features plinth/onnxruntime
fi
# ONNX Runtime's library for the `cancer_ort_svc` copy of the cancer example (engine onnxruntime).
source scripts/lib/onnxruntime.sh
if [ -z "${ORT_DYLIB_PATH:-}" ]; then
    ORT_DYLIB_PATH="$(ensure_onnxruntime)" || ORT_DYLIB_PATH=""
fi
export ORT_DYLIB_PATH
target="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"

WORK="$(mktemp -d)"
out="bench/out/latest"
rm -rf "$out"
mkdir -p "$out/responses"
cleanup() {
    for pid in "${SERVER_PID[@]}"; do kill_tree "$pid"; done
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

# Which servers the selected scenarios need.
mapfile -t selected < <(grep -vE '^\s*(#|$)' bench/scenarios.txt | awk -v re="$ONLY" '$1 ~ re')
declare -A needed=()
for line in "${selected[@]}"; do
    read -r _ server _ <<< "$line"
    needed[$server]=1
done

echo "== request bodies and the ${LOOKUP_ROWS}-row lookup bundle" >&2
bodies="$WORK/bodies"
python3 bench/lib/make_bodies.py examples/cancer_svc/model/reference.csv "$bodies"
printf '{"data":{"PassengerId":{{KEY}}}}' > "$bodies/lookup.json"
examples="$WORK/examples"
mkdir -p "$examples"
if [ -n "${needed[plinth]:-}" ]; then
    python3 bench/gen_lookup_dataset.py examples/lookup_svc/data/titanic.csv \
        "$examples/lookup_1m" "$LOOKUP_ROWS"
    for svc in sql_svc cancer_svc; do
        [ -f "examples/$svc/plinth.toml" ] && cp -r "examples/$svc" "$examples/"
    done
    # The same model and endpoint on ONNX Runtime: tract and ort side by side over HTTP.
    cp -r examples/cancer_svc "$examples/cancer_ort_svc"
    sed -i -e 's/^id = "cancer_svc"/id = "cancer_ort_svc"/' \
        -e 's/^model = "model"/model = "model"\nengine = "onnxruntime"/' \
        "$examples/cancer_ort_svc/plinth.toml"
    # Function examples: their components are built from source (scripts/lib/functions.sh).
    if [ -f scripts/lib/functions.sh ] && [ -f examples/python_svc/plinth.toml ]; then
        (source scripts/lib/setup.sh && setup_examples) >&2 \
            || echo "some function examples did not build (see above)" >&2
        if [ -f examples/python_svc/build/simple_sum.wasm ]; then
            cp -r examples/python_svc "$examples/"
        else
            echo "python_svc components did not build: /run scenarios will be skipped" >&2
        fi
        if [ -f examples/js_svc/build/js_fns.wasm ]; then
            cp -r examples/js_svc "$examples/"
        else
            echo "js_svc did not build (npm?): its /run scenarios will be skipped" >&2
        fi
    fi
fi

echo "== starting servers: ${!needed[*]}" >&2
declare -A ready_url=(
    [plinth]="http://127.0.0.1:${SERVER_PORT[plinth]}/isAlive"
    [echo]="http://127.0.0.1:${SERVER_PORT[echo]}/echo"
    [datasette]="http://127.0.0.1:${SERVER_PORT[datasette]}/-/versions.json"
    [mlserver]="http://127.0.0.1:${SERVER_PORT[mlserver]}/v2/models/cancer/ready"
    [fastapi]="http://127.0.0.1:${SERVER_PORT[fastapi]}/docs"
)
declare -A failed=()
for server in "${!needed[@]}"; do
    case "$server" in
        plinth) start_plinth "$target/release/plinth" "$examples" "$WORK" ;;
        echo) start_echo "$target/release/plinth-bench-echo" "$WORK" ;;
        datasette) start_datasette "$WORK" || failed[$server]="install or start failed" ;;
        mlserver) start_mlserver "$WORK" || failed[$server]="install, training or start failed" ;;
        fastapi) start_fastapi "$WORK" || failed[$server]="install or start failed" ;;
        *) echo "unknown server $server in bench/scenarios.txt" >&2; exit 2 ;;
    esac
done
for server in "${!needed[@]}"; do
    [ -n "${failed[$server]:-}" ] && continue
    wait_ready "$server" "${ready_url[$server]}" 240 || failed[$server]="not ready after 240 s"
done
# Plinth answers /isAlive before the examples are deployed: wait for the big lookup bundle.
if [ -n "${needed[plinth]:-}" ] && [ -z "${failed[plinth]:-}" ]; then
    for _ in $(seq 1 240); do
        curl -sf -o /dev/null -X POST -d '{"data":{"PassengerId":1}}' \
            "http://127.0.0.1:${SERVER_PORT[plinth]}/public/api/v1/lookup_1m/passenger_info/lookup" && break
        sleep 0.5
    done
    sed 's/\x1b\[[0-9;]*m//g' "$WORK/plinth.log" | grep -iE 'error|not deployed' | cut -c1-300 \
        > "$out/plinth-deploy-errors.txt" || true
fi
plinth_rss_idle="$(rss_kib "${SERVER_PID[plinth]:-0}")"

wrk_cmd=(wrk -t1 --timeout 10s -s bench/wrk.lua)
[ -n "$LOADGEN_CPUS" ] && wrk_cmd=(taskset -c "$LOADGEN_CPUS" "${wrk_cmd[@]}")

# CPU time stolen by the hypervisor during a run (this VM shares its host): "total steal" ticks.
cpu_ticks() { awk '/^cpu / {t = 0; for (i = 2; i <= NF; i++) t += $i; print t, $9}' /proc/stat; }
steal_percent() { # "TOTAL STEAL" before, after
    read -r t0 s0 <<< "$1"
    read -r t1 s1 <<< "$2"
    python3 -c "print(f'{100 * ($s1 - $s0) / max(1, $t1 - $t0):.0f}')"
}

results="$out/results.tsv"
printf 'id\tserver\tconc\tstatus\trequests\tduration_us\tstatus_errors\tsocket_errors\tp50_us\tp99_us\tmean_us\trss_kib\tsteal\tnote\n' > "$results"
for line in "${selected[@]}"; do
    read -r id server conc path body keys <<< "$line"
    url="http://127.0.0.1:${SERVER_PORT[$server]}$path"
    body_file=""
    [ "$body" != "-" ] && body_file="$bodies/$body"
    if [ -n "${failed[$server]:-}" ]; then
        printf '%s\t%s\t%s\tskipped\t\t\t\t\t\t\t\t\t\t%s\n' "$id" "$server" "$conc" "$server: ${failed[$server]}" >> "$results"
        continue
    fi
    # Probe: one request must answer 2xx (a missing endpoint skips the scenario, with why).
    probe=(curl -s -o "$out/responses/$id.json" -w '%{http_code}')
    if [ -n "$body_file" ]; then
        sed 's/{{KEY}}/1/g' "$body_file" > "$WORK/probe.json"
        probe+=(-X POST -H 'Content-Type: application/json' --data-binary "@$WORK/probe.json")
    fi
    code="$("${probe[@]}" "$url" || echo 000)"
    if [[ "$code" != 2* ]]; then
        note="probe answered HTTP $code: $(head -c 160 "$out/responses/$id.json" 2>/dev/null | tr '\t\n' '  ')"
        printf '%s\t%s\t%s\tskipped\t\t\t\t\t\t\t\t\t\t%s\n' "$id" "$server" "$conc" "$note" >> "$results"
        echo "-- $id: skipped ($note)" >&2
        continue
    fi
    echo "-- $id: wrk -c$conc -d$DURATION $url" >&2
    BENCH_BODY="$body_file" BENCH_KEY_MAX="$keys" \
        "${wrk_cmd[@]}" -c"$conc" -d"$WARMUP" "$url" > /dev/null
    steal_before="$(cpu_ticks)"
    BENCH_BODY="$body_file" BENCH_KEY_MAX="$keys" \
        "${wrk_cmd[@]}" -c"$conc" -d"$DURATION" --latency "$url" > "$out/$id.wrk.txt"
    steal="$(steal_percent "$steal_before" "$(cpu_ticks)")"
    stats="$(grep '^BENCH ' "$out/$id.wrk.txt" | sed 's/^BENCH //')"
    declare -A s=()
    for kv in $stats; do s[${kv%%=*}]="${kv#*=}"; done
    printf '%s\t%s\t%s\tok\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n' "$id" "$server" "$conc" \
        "${s[requests]}" "${s[duration_us]}" "${s[status_errors]}" "${s[socket_errors]}" \
        "${s[p50_us]}" "${s[p99_us]}" "${s[mean_us]}" "$(rss_kib "${SERVER_PID[$server]}")" \
        "$steal" >> "$results"
    unset s
done

load_after="$(cut -d' ' -f1-3 /proc/loadavg)"
{
    echo "started=$started_at"
    echo "load_before=$load_before"
    echo "load_after=$load_after"
    echo "duration=$DURATION"
    echo "warmup=$WARMUP"
    echo "pinning=${SERVER_CPUS:+servers on CPU $SERVER_CPUS, wrk on CPU $LOADGEN_CPUS}"
    echo "lookup_rows=$LOOKUP_ROWS"
    echo "plinth_rss_idle_kib=$plinth_rss_idle"
    echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
    echo "cores=$(nproc --all)"
    echo "memory=$(free -g | awk '/^Mem:/ {print $2 " GiB"}')"
    echo "kernel=$(uname -r)"
    echo "rustc=$(rustc --version)"
    echo "plinth_commit=$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- host || echo ' (with uncommitted host changes)')"
    echo "wrk=$(dpkg-query -W -f '${Version}' wrk 2>/dev/null || wrk -v 2>&1 | head -1)"
    echo "python=$(python3 --version)"
    echo "datasette=${DATASETTE_VERSION_FOUND:-not run}"
    echo "mlserver=${MLSERVER_VERSION_FOUND:-not run}"
    echo "fastapi=${FASTAPI_VERSION_FOUND:-not run}"
    echo "command=$(printf '%q ' env DURATION="$DURATION" WARMUP="$WARMUP" ONLY="$ONLY" PIN="${PIN:-1}" bench/run.sh)"
    echo "wrk_command=${wrk_cmd[*]} -c<conc> -d$DURATION --latency <url>   (BENCH_BODY=<body> BENCH_KEY_MAX=<keys>)"
} > "$out/meta.txt"

python3 bench/lib/report.py "$out" bench/scenarios.txt bench/ratios.txt > "$out/report.md"
cat "$out/report.md"
if [ "${NO_RESULTS:-0}" != 1 ]; then
    python3 bench/lib/update_results.py bench/RESULTS.md "$out/report.md"
    echo "bench/RESULTS.md updated (section \"Harness results\")" >&2
fi
