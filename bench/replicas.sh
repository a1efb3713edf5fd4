#!/usr/bin/env bash
# Shared state on the request path (issue 13): /predict of the cancer example at 16
# connections, side by side in one run, rounds interleaved (A B C D A B C D ...):
#
#   A: one replica on its embedded SQLite state (the single-node default);
#   B: one replica on PostgreSQL state (`--state postgres://...`);
#   C: two replicas on the same PostgreSQL, the load split over both (two wrk processes of
#      8 connections each, their request rates added);
#   D: the control for C: two independent servers, each on its own SQLite state, the load
#      split the same way (what two processes on one core cost, shared state aside).
#
#   bench/replicas.sh [PLINTH_BIN]
#
# Every server is pinned to CPU 1 and wrk to CPU 0, so C runs two replicas on the one core A
# and B have: on this 2-core machine the question is whether shared state costs the request
# path anything (B/A near 1) and whether replicas sharing it cost more than two servers that
# share nothing (C/D near 1), not whether it scales. Needs PLINTH_TEST_PG_URL (scripts/start-databases.sh writes it); each
# round gets a fresh schema. Environment: ROUNDS (3), DURATION (8s). Raw outputs in
# bench/out/replicas/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BIN="$(realpath "${1:-target/release/plinth}")"
ROUNDS="${ROUNDS:-3}"
DURATION="${DURATION:-8s}"
: "${PLINTH_TEST_PG_URL:?set PLINTH_TEST_PG_URL (source the file scripts/start-databases.sh writes)}"
source bench/lib/ab.sh

out="bench/out/replicas"
rm -rf "$out"
mkdir -p "$out"
WORK="$(mktemp -d)"
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
examples="$WORK/examples"
mkdir -p "$examples"
cp -r examples/cancer_svc "$examples/"
python3 bench/lib/make_bodies.py examples/cancer_svc/model/reference.csv "$WORK/bodies" > /dev/null
body="$WORK/bodies/predict.json"
path=/public/api/v1/cancer_svc/cancer/predict
KEY=bench-admin-key-0123456789

# serve DATA PORT [ARGS...]: one server on CPU 1, waiting until /predict answers.
serve() {
    local data="$1" port="$2"
    shift 2
    PLINTH_LOG=warn PLINTH_ADMIN_KEY="$KEY" taskset -c 1 "$BIN" serve --data-dir "$data" \
        --listen "127.0.0.1:$port" --examples-dir "$examples" "$@" > "$data.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 1 600); do
        curl -sf -o /dev/null --data-binary "@$body" "http://127.0.0.1:$port$path" && return 0
        sleep 0.2
    done
    echo "plinth did not become ready; log: $data.log" >&2
    return 1
}

stop_all() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    pids=()
}

# load PORT CONNECTIONS RAW: wrk on CPU 0; prints requests/s.
load() {
    BENCH_BODY="$body" taskset -c 0 wrk -t1 --timeout 10s -s bench/wrk.lua -c"$2" -d"$DURATION" \
        --latency "http://127.0.0.1:$1$path" > "$3"
    python3 - "$3" <<'PY'
import sys
kv = dict(x.split("=", 1) for x in open(sys.argv[1]).read().split("BENCH ", 1)[1].split())
assert kv.get("status_errors", "0") == "0" and kv.get("socket_errors", "0") == "0", kv
print(round(int(kv["requests"]) / (int(kv["duration_us"]) / 1e6)))
PY
}

# single_load SIDE ROUND PORT: 16 connections on one server, into the results; then stops it.
single_load() {
    local side="$1" round="$2" port="$3"
    BENCH_BODY="$body" taskset -c 0 wrk -t1 -s bench/wrk.lua -c16 -d1s "http://127.0.0.1:$port$path" > /dev/null
    local rps
    rps="$(load "$port" 16 "$out/$side-$round.wrk.txt")"
    printf '%s\t%s\t%s\n' "$round" "$side" "$rps" >> "$results"
    echo "round $round $side: $rps req/s" >&2
    stop_all
}

# split_load SIDE ROUND PORT1 PORT2: 8 connections on each of two servers at once, their
# request rates added into the results; then stops the servers.
split_load() {
    local side="$1" round="$2" p1="$3" p2="$4"
    for port in "$p1" "$p2"; do
        BENCH_BODY="$body" taskset -c 0 wrk -t1 -s bench/wrk.lua -c8 -d1s "http://127.0.0.1:$port$path" > /dev/null
    done
    load "$p1" 8 "$out/${side}1-$round.wrk.txt" > "$WORK/first.rps" &
    local first=$!
    load "$p2" 8 "$out/${side}2-$round.wrk.txt" > "$WORK/second.rps"
    wait "$first"
    local rps=$(( $(cat "$WORK/first.rps") + $(cat "$WORK/second.rps") ))
    printf '%s\t%s\t%s\n' "$round" "$side" "$rps" >> "$results"
    echo "round $round $side: $rps req/s" >&2
    stop_all
}

schema_url() {
    local schema="bench_replicas_$1_$$"
    psql -q "$PLINTH_TEST_PG_URL" -c "CREATE SCHEMA $schema" >&2
    local sep='?'
    [[ "$PLINTH_TEST_PG_URL" == *\?* ]] && sep='&'
    echo "${PLINTH_TEST_PG_URL}${sep}options=-c%20search_path%3D$schema"
}

results="$out/results.tsv"
printf 'round\tside\trequests_per_s\n' > "$results"
for round in $(seq 1 "$ROUNDS"); do
    # A: SQLite.
    serve "$WORK/a-$round" 18491
    single_load A "$round" 18491
    # B: one replica on PostgreSQL.
    url="$(schema_url "b$round")"
    serve "$WORK/b-$round" 18492 --state "$url"
    single_load B "$round" 18492
    # C: two replicas on one PostgreSQL, 8 connections each.
    url="$(schema_url "c$round")"
    serve "$WORK/c1-$round" 18493 --state "$url"
    serve "$WORK/c2-$round" 18494 --state "$url" --no-examples
    split_load C "$round" 18493 18494
    # D: two independent servers on SQLite, 8 connections each.
    serve "$WORK/d1-$round" 18495
    serve "$WORK/d2-$round" 18496
    split_load D "$round" 18495 18496
done

python3 - "$results" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
m = {s: statistics.median(int(r["requests_per_s"]) for r in rows if r["side"] == s) for s in "ABCD"}
each = {s: ", ".join(r["requests_per_s"] for r in rows if r["side"] == s) for s in "ABCD"}
print("| side | /predict req/s at 16 connections, median | / A | rounds |")
print("|---|---|---|---|")
for s, title in [("A", "1 replica, SQLite state"), ("B", "1 replica, PostgreSQL state"), ("C", "2 replicas, one PostgreSQL (8 + 8 connections)"), ("D", "2 independent servers, SQLite each (8 + 8 connections)")]:
    print(f"| {s}: {title} | {m[s]:,.0f} | {m[s] / m['A']:.3f} | {each[s]} |")
print(f"\nC/D (replicas sharing PostgreSQL against two servers sharing nothing): {m['C'] / m['D']:.3f}")
PY
