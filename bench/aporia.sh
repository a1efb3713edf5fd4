#!/usr/bin/env bash
# What the Aporia monitor scheduler costs on the predict path (issue 11).
#
#   bench/aporia.sh [PLINTH_BIN]
#
# One binary, two set-ups side by side in one run, rounds interleaved (A B A B ...), the server
# pinned to CPU 1 and wrk to CPU 0, predict of the cancer model (30 features) at 16
# connections: A with no monitor, B with MONITORS (default 1,000) active monitors scheduled
# every minute (`* * * * *`) on the cancer model: a third each model_activity, data_drift
# (every feature) and missing_values, each reading the monitoring store at every tick. Each
# round lasts DURATION (default 65s) so that every B round holds at least one scheduler pass.
# The server logs each scheduler pass (monitors evaluated, time taken); bench/out/aporia/passes.txt
# keeps them per B round.
#
# Environment: DURATION (65s), ROUNDS (3), MONITORS (1000). Raw outputs in bench/out/aporia/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BIN="$(realpath "${1:-target/release/plinth}")"
DURATION="${DURATION:-65s}"
ROUNDS="${ROUNDS:-3}"
MONITORS="${MONITORS:-1000}"
PORT=18470
KEY=bench-admin-key-0123456789
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 2; }
source bench/lib/ab.sh

out="bench/out/aporia"
rm -rf "$out"
mkdir -p "$out"
WORK="$(mktemp -d)"
trap 'ab_cleanup "$WORK"' EXIT

bodies="$WORK/bodies"
python3 bench/lib/make_bodies.py examples/cancer_svc/model/reference.csv "$bodies"
examples="$WORK/examples"
mkdir -p "$examples"
cp -r examples/cancer_svc "$examples/"
printf '[plugins.monitoring]\nflush_interval_ms = 1000\n' > "$WORK/plinth.toml"

start() { # DATA_DIR
    AB_LOG=warn,plinth::aporia=info ab_start "$BIN" "$1" "$examples" "$PORT" \
        /public/api/v1/cancer_svc/cancer/predict "@$bodies/predict.json" --config "$WORK/plinth.toml"
}

create_monitors() {
    python3 - "http://127.0.0.1:$PORT" "$KEY" "$MONITORS" <<'PY'
import json, sys, urllib.request
base, key, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
kinds = [
    ("model_activity", {"metric": {"type": "count", "field": "_id"}, "logicEvaluations": [{"name": "RANGE", "min": 1, "max": None}]}),
    ("data_drift", {"metric": {"type": "js_divergence"}, "logicEvaluations": [{"name": "THRESHOLD", "threshold": 0.9}]}),
    ("missing_values", {"metric": {"type": "missing_ratio"}, "logicEvaluations": [{"name": "RANGE", "max": 0.5}]}),
]
for i in range(n):
    kind, inner = kinds[i % len(kinds)]
    body = {"name": f"bench {kind} {i}", "type": kind, "scheduling": "* * * * *", "is_active": True,
            "configuration": {"configuration": {"focal": {"source": "SERVING", "timePeriod": "1h"}, **inner},
                              "identification": {"models": {"id": "cancer_svc~cancer"}}}}
    req = urllib.request.Request(f"{base}/v1beta/monitors", json.dumps(body).encode(),
                                 {"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    assert urllib.request.urlopen(req).status == 201
PY
}

# The scheduler passes the server logged (monitors evaluated, milliseconds).
passes() { # LOG
    grep -o 'scheduler pass: .*' "$1" | tr '\n' ';' || true
}

results="$out/results.tsv"
ab_header "$results"
for round in $(seq 1 "$ROUNDS"); do
    for side in A B; do
        data="$WORK/data-$side-$round"
        start "$data"
        if [ "$side" = B ]; then
            create_monitors
        fi
        ab_round "$results" "$out/predict-c16-$side-$round.txt" "$round" "$side" predict-c16 16 \
            "http://127.0.0.1:$PORT/public/api/v1/cancer_svc/cancer/predict" "$bodies/predict.json" 0 "$DURATION"
        if [ "$side" = B ]; then
            sleep 1
            echo "round $round: $(passes "$data.log")" | tee -a "$out/passes.txt" >&2
        fi
        ab_stop
    done
done

ab_summary "$results" "no monitor" "$MONITORS monitors every minute"
python3 - "$results" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
for side in "AB":
    p50 = [int(r["p50_us"]) for r in rows if r["side"] == side]
    p99 = [int(r["p99_us"]) for r in rows if r["side"] == side]
    print(f"{side}: p50 median {statistics.median(p50)} us, p99 median {statistics.median(p99)} us")
PY
cat "$out/passes.txt"
