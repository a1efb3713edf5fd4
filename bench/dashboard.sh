#!/usr/bin/env bash
# The dashboard's page loads with 20 services (issue 14's target: under 300 ms on this
# machine): server time of each page beside the JSON call it starts from, and the load time in
# Chromium (Debian's `chromium`, driven by Playwright from the browser test's venv).
#
#   bench/dashboard.sh [PLINTH_BIN]
#
# Environment: ROUNDS (60 server-side loads per page), BROWSER_ROUNDS (15), PIN=0 to run
# without taskset (default: the server on CPU 1, the client and browser on CPU 0). Raw output
# in bench/out/dashboard/result.json.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BIN="$(realpath "${1:-target/release/plinth}")"
venv="${PLINTH_CLIENT_VENV:-tests/clients/.venv}"
venv="${venv%/}-browser"
if [[ ! -x "$venv/bin/python" ]]; then
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install -q -r tests/clients/requirements-browser.txt
fi
out="bench/out/dashboard"
mkdir -p "$out"
run=("$venv/bin/python" bench/dashboard/measure.py "$BIN" "$out/result.json")
if [ "${PIN:-1}" = 1 ] && [ "$(nproc)" -ge 2 ]; then
    # The measuring client on CPU 0; the server it starts inherits that mask, so it is moved.
    taskset -c 0 "${run[@]}" &
    client=$!
    for _ in $(seq 100); do
        server=$(pgrep -P "$client" -f "plinth serve" || true)
        [ -n "$server" ] && break
        sleep 0.1
    done
    [ -n "$server" ] && taskset -a -p -c 1 "$server" >/dev/null
    wait "$client"
else
    "${run[@]}"
fi
