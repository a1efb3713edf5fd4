#!/usr/bin/env bash
# Benchmark: GET /run of the Python `simple_sum` on Plinth (a fresh instance per request, and
# pooled instances) against FastAPI + uvicorn running the same Python function. Same load
# generator (wrk), same machine, same run.
#
#   bench/function/run.sh            # DURATION=10s CONNECTIONS=16 THREADS=2 by default
#
# Needs: a release build (cargo build --release -p plinth), wrk (apt-get install wrk),
# python3 with venv. Prints a Markdown table and keeps raw outputs in bench/out/function/.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib/setup.sh
setup_examples

DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-16}"
THREADS="${THREADS:-2}"
out="bench/out/function"
mkdir -p "$out"
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 2; }

plinth_bin="$(target_dir)/release/plinth"
[ -x "$plinth_bin" ] || cargo build --release --locked -p plinth

venv="$PLINTH_CACHE/bench-fastapi-venv"
if [ ! -x "$venv/bin/uvicorn" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q "fastapi==0.163.2" "uvicorn==0.54.0"
fi

work="$(mktemp -d)"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

# Plinth with only python_svc deployed.
mkdir -p "$work/examples"
cp -r examples/python_svc "$work/examples/"
PLINTH_FUNCTION_CACHE="$PLINTH_CACHE/bench-function-cache" PLINTH_LOG=warn PLINTH_ADMIN_KEY=bench-admin-key-0123456789 \
    "$plinth_bin" serve --data-dir "$work/data" --listen 127.0.0.1:18211 \
    --examples-dir "$work/examples" > "$work/plinth.out" 2>&1 &
pids+=($!)
# FastAPI: one uvicorn worker (the usual default) and two (one per core).
(cd bench/function && exec "$venv/bin/uvicorn" fastapi_app:app --host 127.0.0.1 --port 18212 \
    --log-level warning --no-access-log) &
pids+=($!)
(cd bench/function && exec "$venv/bin/uvicorn" fastapi_app:app --host 127.0.0.1 --port 18213 \
    --log-level warning --no-access-log --workers 2) &
pids+=($!)

wait_for() {
    for _ in $(seq 1 600); do
        curl -sf "$1" >/dev/null 2>&1 && return 0
        sleep 0.5
    done
    echo "no answer from $1" >&2
    cat "$work/plinth.out" >&2
    exit 1
}
query="param1=30&param2=12"
wait_for "http://127.0.0.1:18211/public/api/v1/python_svc/simple_sum/run?$query"
wait_for "http://127.0.0.1:18212/public/api/v1/python_svc/simple_sum/run?$query"
wait_for "http://127.0.0.1:18213/public/api/v1/python_svc/simple_sum/run?$query"

declare -A targets=(
    [plinth-per-request]="http://127.0.0.1:18211/public/api/v1/python_svc/simple_sum/run?$query"
    [plinth-pooled]="http://127.0.0.1:18211/public/api/v1/python_svc/simple_sum_pooled/run?$query"
    [fastapi-uvicorn-1-worker]="http://127.0.0.1:18212/public/api/v1/python_svc/simple_sum/run?$query"
    [fastapi-uvicorn-2-workers]="http://127.0.0.1:18213/public/api/v1/python_svc/simple_sum/run?$query"
)
order=(plinth-per-request plinth-pooled fastapi-uvicorn-1-worker fastapi-uvicorn-2-workers)

# Warm-up, then the measured runs.
for name in "${order[@]}"; do
    wrk -t"$THREADS" -c"$CONNECTIONS" -d2s "${targets[$name]}" >/dev/null
done
for name in "${order[@]}"; do
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "${targets[$name]}" > "$out/$name.txt"
done

rps() { awk '/Requests\/sec/ {print $2}' "$out/$1.txt"; }
pct() { awk -v p="$2" '$1 == p {print $2}' "$out/$1.txt"; }
errors() { awk '/Non-2xx|Socket errors/ {print}' "$out/$1.txt" | tr '\n' ' '; }
base="$(rps fastapi-uvicorn-1-worker)"
echo
echo "GET /run simple_sum, wrk -t$THREADS -c$CONNECTIONS -d$DURATION, $(nproc) cores, $(date -u +%F)"
echo
echo "| server | requests/s | p50 | p99 | vs FastAPI (1 worker) | errors |"
echo "|---|---|---|---|---|---|"
for name in "${order[@]}"; do
    r="$(rps "$name")"
    ratio="$(python3 -c "print(f'{$r / $base:.2f}x')")"
    echo "| $name | $r | $(pct "$name" 50%) | $(pct "$name" 99%) | $ratio | $(errors "$name") |"
done
