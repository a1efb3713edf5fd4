#!/usr/bin/env bash
# Batch scoring throughput (issue 12): a Vidora prediction export of ROWS rows (default
# 100,000) against a client loop of /predict-multi calls of 1,000 rows over HTTP, on the iris
# example, side by side in one run, rounds interleaved (A B A B ...).
#
#   bench/batch.sh [PLINTH_BIN]
#
# The server is pinned to CPU 1, the Python client to CPU 0. A: the loop (one keep-alive
# connection, 1,000 rows a call). B: one export job (upload, durable items, chunks of 500 rows
# scored through predict-multi by 2 workers, the CSV written), timed from the upload to the
# `complete` status. Figures are rows per second; the B/A ratio is what to read.
#
# Environment: ROWS (100000), ROUNDS (3). Raw outputs in bench/out/batch/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BIN="$(realpath "${1:-target/release/plinth}")"
ROWS="${ROWS:-100000}"
ROUNDS="${ROUNDS:-3}"
PORT=18480
KEY=bench-admin-key-0123456789
source bench/lib/ab.sh

out="bench/out/batch"
rm -rf "$out"
mkdir -p "$out"
WORK="$(mktemp -d)"
trap 'ab_cleanup "$WORK"' EXIT
examples="$WORK/examples"
mkdir -p "$examples"
cp -r examples/iris_svc "$examples/"
ready='{"features": {"sepal length (cm)": 5.1, "sepal width (cm)": 3.5, "petal length (cm)": 1.4, "petal width (cm)": 0.2}}'

results="$out/results.tsv"
printf 'round\tside\trows\tseconds\trows_per_s\n' > "$results"
for round in $(seq 1 "$ROUNDS"); do
    for side in A B; do
        data="$WORK/data-$side-$round"
        ab_start "$BIN" "$data" "$examples" "$PORT" /public/api/v1/iris_svc/iris/predict "$ready" ${BATCH_CONFIG:+--config "$BATCH_CONFIG"}
        base="http://127.0.0.1:$PORT"
        if [ "$side" = A ]; then
            measured="$(taskset -c 0 python3 bench/lib/batch_drive.py multi "$base" "$ROWS")"
        else
            vkey="$(curl -sf -u "$KEY:" -H 'Content-Type: application/json' \
                -d '{"signatures": false}' "$base/admin/api/vidora/keys" |
                python3 -c 'import json,sys; print(json.load(sys.stdin)["api_key"])')"
            measured="$(taskset -c 0 python3 bench/lib/batch_drive.py export "$base" "$ROWS" "$vkey")"
        fi
        read -r rows seconds <<< "$measured"
        rps="$(python3 -c "print(round($rows / $seconds))")"
        printf '%s\t%s\t%s\t%s\t%s\n' "$round" "$side" "$rows" "$seconds" "$rps" >> "$results"
        echo "round $round $side: $rows rows in $seconds s, $rps rows/s" >&2
        ab_stop
    done
done

python3 - "$results" "$ROWS" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
a = [int(r["rows_per_s"]) for r in rows if r["side"] == "A"]
b = [int(r["rows_per_s"]) for r in rows if r["side"] == "B"]
print(f"| {sys.argv[2]} rows | A: /predict-multi loop, rows/s (median) | B: Vidora export, rows/s (median) | B/A | rounds |")
print("|---|---|---|---|---|")
print(f"| iris | {statistics.median(a):,.0f} | {statistics.median(b):,.0f} | {statistics.median(b)/statistics.median(a):.2f} | {len(a)} |")
PY
