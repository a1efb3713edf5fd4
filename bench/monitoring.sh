#!/usr/bin/env bash
# What monitoring costs on the predict path (issue 10), and how fast its reads are.
#
#   bench/monitoring.sh [PLINTH_BIN]
#
# 1. Throughput: one binary, two configurations side by side in one run, rounds interleaved
#    (A B A B ...), the server pinned to CPU 1 and wrk to CPU 0: A with the monitoring,
#    DataRobot and Aporia plugins switched off (`[plugins.<id>] enabled = false`: no subscriber asks for
#    rows, engines collect none), B with them on (every call's rows binned on the baseline,
#    sketches, per-minute load, flushed once a second). Scenarios: predict (1 row) and
#    predict-multi (1,000 rows) of the cancer model (30 features) at 16 connections.
# 2. Reads: B again, fresh, fed RECORDED (default 1,000,000) predictions through predict-multi
#    (1,000 rows a call), then `serviceStats`, `featureDrift` and `predictionsOverTime` over the
#    default period (7 days, one-hour buckets) timed with curl, READS times each (median, p90).
#
# Environment: DURATION (wrk -d per round, 5s), ROUNDS (3), RECORDED (1000000), READS (30).
# Raw outputs stay in bench/out/monitoring/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BIN="$(realpath "${1:-target/release/plinth}")"
DURATION="${DURATION:-5s}"
ROUNDS="${ROUNDS:-3}"
RECORDED="${RECORDED:-1000000}"
READS="${READS:-30}"
PORT=18460
KEY=bench-admin-key-0123456789
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 2; }
source bench/lib/ab.sh

out="bench/out/monitoring"
rm -rf "$out"
mkdir -p "$out"
WORK="$(mktemp -d)"
trap 'ab_cleanup "$WORK"' EXIT

bodies="$WORK/bodies"
python3 bench/lib/make_bodies.py examples/cancer_svc/model/reference.csv "$bodies"
examples="$WORK/examples"
mkdir -p "$examples"
cp -r examples/cancer_svc "$examples/"
printf '[plugins.monitoring]\nenabled = false\n[plugins.datarobot]\nenabled = false\n[plugins.aporia]\nenabled = false\n' > "$WORK/off.toml"
printf '[plugins.monitoring]\nflush_interval_ms = 1000\n' > "$WORK/on.toml"

scenarios=(
    "predict-c16 16 /public/api/v1/cancer_svc/cancer/predict predict.json"
    "predict-multi-c16 16 /public/api/v1/cancer_svc/cancer/predict-multi predict_multi.json"
)

start() { # DATA_DIR CONFIG
    ab_start "$BIN" "$1" "$examples" "$PORT" /public/api/v1/cancer_svc/cancer/predict \
        "@$bodies/predict.json" --config "$2"
}

results="$out/results.tsv"
ab_header "$results"
for round in $(seq 1 "$ROUNDS"); do
    for side in A B; do
        config="$WORK/off.toml"
        [ "$side" = B ] && config="$WORK/on.toml"
        data="$WORK/data-$side-$round"
        start "$data" "$config"
        for line in "${scenarios[@]}"; do
            read -r id conc path body <<< "$line"
            ab_round "$results" "$out/$id-$side-$round.txt" "$round" "$side" "$id" "$conc" \
                "http://127.0.0.1:$PORT$path" "$bodies/$body" 0 "$DURATION"
        done
        # B: every event reached the store (none dropped).
        curl -s "http://127.0.0.1:$PORT/metrics" | grep '^plinth_events_dropped_total' > "$out/dropped-$side-$round.txt" || true
        ab_stop
    done
done

ab_summary "$results" "monitoring off" "monitoring on"
cat "$out"/dropped-B-*.txt

# 2. Reads over RECORDED predictions.
data="$WORK/data-reads"
start "$data" "$WORK/on.toml"
calls=$(( RECORDED / 1000 ))
echo "recording $RECORDED predictions ($calls predict-multi calls of 1,000 rows)" >&2
BENCH_BODY="$bodies/predict_multi.json" taskset -c 0 wrk -t1 --timeout 30s -s bench/wrk.lua -c4 \
    -d600s "http://127.0.0.1:$PORT/public/api/v1/cancer_svc/cancer/predict-multi" \
    > "$out/record.txt" &
wrk_pid=$!
api="http://127.0.0.1:$PORT/api/v2/deployments/cancer_svc~cancer"
while :; do
    sleep 2
    n="$(curl -s -H "Authorization: Token $KEY" "$api/serviceStats/" | python3 -c 'import json,sys; print(json.load(sys.stdin)["metrics"]["totalPredictions"])')"
    [ "$n" -ge "$RECORDED" ] && break
done
kill "$wrk_pid" 2>/dev/null || true
wait "$wrk_pid" 2>/dev/null || true
sleep 2
time_reads() { # NAME PATH
    local times=()
    for _ in $(seq 1 "$READS"); do
        times+=("$(curl -s -o /dev/null -w '%{time_total}' -H "Authorization: Token $KEY" "$api/$2")")
    done
    python3 - "$1" "${times[@]}" <<'PY'
import statistics, sys
name, t = sys.argv[1], sorted(float(x) * 1000 for x in sys.argv[2:])
print(f"| {name} | {statistics.median(t):.1f} | {t[int(len(t) * 0.9) - 1]:.1f} | {t[-1]:.1f} |")
PY
}
total="$(curl -s -H "Authorization: Token $KEY" "$api/serviceStats/" | python3 -c 'import json,sys; m=json.load(sys.stdin)["metrics"]; print(m["totalPredictions"], m["totalRequests"])')"
echo
echo "Reads over $total (predictions, requests) recorded, $READS reads each, curl time_total:"
echo "| read | median ms | p90 ms | max ms |"
echo "|---|---|---|---|"
time_reads serviceStats "serviceStats/"
time_reads "serviceStatsOverTime (PT1H)" "serviceStatsOverTime/?bucketSize=PT1H"
time_reads featureDrift "featureDrift/"
time_reads "predictionsOverTime (PT1H)" "predictionsOverTime/?bucketSize=PT1H&includePercentiles=False"
ab_stop
