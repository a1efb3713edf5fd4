#!/usr/bin/env bash
# What the hostile-traffic limits cost on the request path (issue 9): two plinth binaries side
# by side in one run, the same scenarios, rounds interleaved (A B A B ...), servers pinned to
# CPU 1 and wrk to CPU 0. B runs with every limit on, rate limits included (set so high that
# every call goes through its bucket but none is refused).
#
#   bench/limits.sh BASELINE_BIN NEW_BIN
#
# Environment: DURATION (wrk -d per round, default 5s), ROUNDS (default 3), LOOKUP_ROWS
# (default 1000000). Prints a table of median requests/s per scenario and the ratio B/A; raw
# outputs stay in bench/out/limits/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[ $# -eq 2 ] || { echo "usage: bench/limits.sh BASELINE_BIN NEW_BIN" >&2; exit 2; }
A="$(realpath "$1")"
B="$(realpath "$2")"
DURATION="${DURATION:-5s}"
ROUNDS="${ROUNDS:-3}"
LOOKUP_ROWS="${LOOKUP_ROWS:-1000000}"
PORT=18450
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 2; }
source bench/lib/ab.sh

out="bench/out/limits"
rm -rf "$out"
mkdir -p "$out"
WORK="$(mktemp -d)"
trap 'ab_cleanup "$WORK"' EXIT

bodies="$WORK/bodies"
python3 bench/lib/make_bodies.py examples/cancer_svc/model/reference.csv "$bodies"
printf '{"data":{"PassengerId":{{KEY}}}}' > "$bodies/lookup.json"
examples="$WORK/examples"
mkdir -p "$examples"
python3 bench/gen_lookup_dataset.py examples/lookup_svc/data/titanic.csv \
    "$examples/lookup_1m" "$LOOKUP_ROWS"
cp -r examples/cancer_svc "$examples/"

# B's configuration: the defaults of [limits] (explicit), and rate limits every call passes.
cat > "$WORK/limits-on.toml" <<'EOF'
[limits]
header_read_timeout_ms = 10000
body_read_timeout_ms = 10000
body_min_bytes_per_second = 4096
idle_timeout_ms = 60000
max_connections = 4096
call_timeout_ms = 30000

[rate_limit]
per_key_per_second = 10000000
per_address_per_second = 10000000
EOF

# id  connections  path  body  keys
scenarios=(
    "lookup-1m 16 /public/api/v1/lookup_1m/passenger_info/lookup lookup.json $LOOKUP_ROWS"
    "predict-c1 1 /public/api/v1/cancer_svc/cancer/predict predict.json 0"
    "predict-c16 16 /public/api/v1/cancer_svc/cancer/predict predict.json 0"
    "ping-c16 16 /public/api/v1/ping - 0"
)

start() { # BIN DATA_DIR [CONFIG]
    local config=()
    [ -n "${3:-}" ] && config=(--config "$3")
    ab_start "$1" "$2" "$examples" "$PORT" /public/api/v1/lookup_1m/passenger_info/lookup \
        '{"data":{"PassengerId":1}}' "${config[@]}"
}

results="$out/results.tsv"
ab_header "$results"
for round in $(seq 1 "$ROUNDS"); do
    for side in A B; do
        bin="$A"; config=""
        if [ "$side" = B ]; then bin="$B"; config="$WORK/limits-on.toml"; fi
        data="$WORK/data-$side-$round"
        start "$bin" "$data" "$config"
        for line in "${scenarios[@]}"; do
            read -r id conc path body keys <<< "$line"
            body_file=""
            [ "$body" != "-" ] && body_file="$bodies/$body"
            ab_round "$results" "$out/$id-$side-$round.txt" "$round" "$side" "$id" "$conc" \
                "http://127.0.0.1:$PORT$path" "$body_file" "$keys" "$DURATION"
        done
        ab_stop
    done
done

ab_summary "$results" "before" "limits on"
