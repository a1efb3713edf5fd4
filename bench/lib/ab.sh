# Interleaved A/B wrk rounds of bench/limits.sh, bench/monitoring.sh and bench/aporia.sh
# (sourced, not run): the server of a round pinned to CPU 1, wrk pinned to CPU 0 with
# bench/wrk.lua; results are one TSV row per round, side and scenario: round, side, scenario,
# requests_per_s, p50_us, p99_us.

# The server of the current round (ab_start, ab_stop; ab_cleanup stops it at exit).
ab_pid=""

# ab_start BIN DATA_DIR EXAMPLES_DIR PORT READY_PATH READY_BODY [SERVE_ARGS...]: starts
# `plinth serve` on CPU 1 (log in DATA_DIR.log; PLINTH_LOG from AB_LOG, default warn; admin key
# AB_KEY), then waits until a POST of READY_BODY (curl --data-binary: text, or @file) to
# READY_PATH answers 2xx.
ab_start() {
    local bin="$1" data="$2" examples="$3" port="$4" path="$5" body="$6"
    shift 6
    PLINTH_LOG="${AB_LOG:-warn}" PLINTH_ADMIN_KEY="${AB_KEY:-bench-admin-key-0123456789}" \
        taskset -c 1 "$bin" serve --data-dir "$data" --listen "127.0.0.1:$port" \
        --examples-dir "$examples" "$@" > "$data.log" 2>&1 &
    ab_pid=$!
    for _ in $(seq 1 600); do
        curl -sf -o /dev/null -X POST --data-binary "$body" "http://127.0.0.1:$port$path" && return 0
        sleep 0.2
    done
    echo "plinth ($bin) did not become ready; log: $data.log" >&2
    return 1
}

# ab_stop: stops the round's server.
ab_stop() {
    kill "$ab_pid" 2>/dev/null || true
    wait "$ab_pid" 2>/dev/null || true
    ab_pid=""
}

# ab_cleanup DIR: the EXIT trap of a script: stops its server and removes DIR.
ab_cleanup() {
    [ -n "$ab_pid" ] && kill "$ab_pid" 2>/dev/null
    wait 2>/dev/null || true
    rm -rf "$1"
}

# ab_header RESULTS: starts the results file.
ab_header() {
    printf 'round\tside\tscenario\trequests_per_s\tp50_us\tp99_us\n' > "$1"
}

# ab_round RESULTS RAW_FILE ROUND SIDE ID CONNECTIONS URL BODY_FILE KEY_MAX DURATION:
# a 1 s warm-up, then DURATION of wrk; the raw output goes to RAW_FILE, one row to RESULTS.
ab_round() {
    local results="$1" raw="$2" round="$3" side="$4" id="$5" conc="$6" url="$7" body="$8" keys="$9"
    local duration="${10}"
    BENCH_BODY="$body" BENCH_KEY_MAX="$keys" \
        taskset -c 0 wrk -t1 --timeout 10s -s bench/wrk.lua -c"$conc" -d1s "$url" > /dev/null
    BENCH_BODY="$body" BENCH_KEY_MAX="$keys" \
        taskset -c 0 wrk -t1 --timeout 10s -s bench/wrk.lua -c"$conc" -d"$duration" \
        --latency "$url" > "$raw"
    local stats
    stats="$(grep '^BENCH ' "$raw" | sed 's/^BENCH //')"
    declare -A s=()
    for kv in $stats; do s[${kv%%=*}]="${kv#*=}"; done
    if [ "${s[status_errors]:-0}" != 0 ] || [ "${s[socket_errors]:-0}" != 0 ]; then
        echo "$id on $side: ${s[status_errors]} status errors, ${s[socket_errors]} socket errors" >&2
    fi
    local rps
    rps="$(python3 -c "print(round(${s[requests]} / (${s[duration_us]} / 1e6)))")"
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$side" "$id" "$rps" "${s[p50_us]}" "${s[p99_us]}" >> "$results"
    echo "round $round $side $id: $rps req/s" >&2
}

# ab_summary RESULTS A_TITLE B_TITLE: the markdown table of median requests/s per scenario.
ab_summary() {
    python3 - "$@" <<'PY'
import csv, statistics, sys
path, a_title, b_title = sys.argv[1:4]
rows = list(csv.DictReader(open(path), delimiter="\t"))
ids = list(dict.fromkeys(r["scenario"] for r in rows))
print(f"| scenario | A ({a_title}) req/s, median | B ({b_title}) req/s, median | B/A | rounds A | rounds B |")
print("|---|---|---|---|---|---|")
for i in ids:
    a = [int(r["requests_per_s"]) for r in rows if r["scenario"] == i and r["side"] == "A"]
    b = [int(r["requests_per_s"]) for r in rows if r["scenario"] == i and r["side"] == "B"]
    ma, mb = statistics.median(a), statistics.median(b)
    print(f"| {i} | {ma:,.0f} | {mb:,.0f} | {mb / ma:.3f} | {', '.join(map(str, a))} | {', '.join(map(str, b))} |")
PY
}
