#!/usr/bin/env bash
# The CPU the Aporia monitor scheduler uses (issue 11): a server pinned to CPU 1 with the cancer
# example, 50 predict-multi calls of traffic, N monitors scheduled every minute (a third each
# model_activity, data_drift, missing_values), then WAIT seconds without traffic; prints the
# server's CPU time over the wait (utime + stime, in 1/100 s) and the passes it logged.
#
#   bench/lib/scheduler_cpu.sh [N (1000)] [WAIT seconds (75)] [PLINTH_BIN (target/release/plinth)]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
N=${1:-1000}
BIN="$(realpath "${3:-target/release/plinth}")"
W=$(mktemp -d)
mkdir -p $W/examples; cp -r examples/cancer_svc $W/examples/
python3 bench/lib/make_bodies.py examples/cancer_svc/model/reference.csv $W/bodies >/dev/null
PLINTH_LOG=warn,plinth::aporia=info PLINTH_ADMIN_KEY=k taskset -c 1 "$BIN" serve --data-dir $W/data --listen 127.0.0.1:18471 --examples-dir $W/examples > $W/log 2>&1 &
pid=$!
for i in $(seq 1 100); do curl -sf -o /dev/null -X POST --data-binary @$W/bodies/predict.json http://127.0.0.1:18471/public/api/v1/cancer_svc/cancer/predict && break; sleep 0.2; done
for i in $(seq 1 50); do curl -sf -o /dev/null -X POST --data-binary @$W/bodies/predict_multi.json http://127.0.0.1:18471/public/api/v1/cancer_svc/cancer/predict-multi; done
python3 - http://127.0.0.1:18471 k $N <<'PY'
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
    req = urllib.request.Request(f"{base}/v1beta/monitors", json.dumps(body).encode(), {"Authorization": f"Bearer {key}"})
    assert urllib.request.urlopen(req).status == 201
PY
t0=$(awk '{print $14+$15}' /proc/$pid/stat)
sleep ${2:-75}
t1=$(awk '{print $14+$15}' /proc/$pid/stat)
echo "cpu ticks over the wait: $((t1 - t0)) (100/s)"
grep -o 'scheduler pass: .*' $W/log || true
kill $pid; wait $pid 2>/dev/null || true; tail -3 $W/log; rm -rf $W
