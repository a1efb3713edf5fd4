#!/usr/bin/env bash
# Client conformance harness: runs the real `dataikuapi`, `datarobot` and `aporia` clients
# against a Plinth server.
#
#   PLINTH_BIN=target/release/plinth tests/clients/run.sh [paths...] [pytest args...]
#
# Leading arguments that are existing files or directories choose the tests (default: all of
# tests/clients). Three passes:
#   1. the main venv (requirements.txt: dataikuapi and datarobot 3.20.0) on the chosen tests
#      outside tests/clients/aporia (skipped when every chosen path is under it);
#   2. when the choice includes tests/clients/datarobot, the venv
#      ${PLINTH_CLIENT_VENV}-datarobot-3.0 (requirements-datarobot-3.0.txt: datarobot 3.0.3) on
#      the chosen tests under tests/clients/datarobot only;
#   3. when the choice includes tests/clients/aporia, the venv ${PLINTH_CLIENT_VENV}-aporia
#      (requirements-aporia.txt: aporia 2.19.0, which pins its own numpy, certifi and
#      requests) on the chosen tests under tests/clients/aporia only.
#
# PLINTH_BIN          the server binary (required; build it with `cargo build --release -p plinth`)
# PLINTH_CLIENT_VENV  the virtualenv to create or reuse (default tests/clients/.venv)
# PYTHON              the interpreter that creates the venvs (default python3.11, else python3)
#
#   4. when the choice includes tests/clients/openapi, the venv ${PLINTH_CLIENT_VENV}-openapi
#      (requirements-openapi.txt: schemathesis and openapi-spec-validator) on the chosen tests
#      under tests/clients/openapi only;
#   5. when the choice includes tests/clients/browser, the venv ${PLINTH_CLIENT_VENV}-browser
#      (requirements-browser.txt: playwright, driving Debian's chromium) on the dashboard's
#      browser test; its screenshots go to $PLINTH_BROWSER_OUTPUT (default
#      tests/clients/browser/output).
#
# PLINTH_SKIP_DATAROBOT_3_0=1 skips the second pass, PLINTH_SKIP_APORIA=1 the third,
# PLINTH_SKIP_OPENAPI=1 the fourth, PLINTH_SKIP_BROWSER=1 the fifth.
#
# Requirements are (re)installed only when their file changed (hash stamp in the venv).
# The exit code is the first failing pass's; "no tests collected" (5) counts as a failure.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

if [[ -z "${PLINTH_BIN:-}" ]]; then
    echo "run.sh: PLINTH_BIN is not set: build with 'cargo build --release -p plinth' and run" >&2
    echo "        PLINTH_BIN=target/release/plinth tests/clients/run.sh" >&2
    exit 2
fi
case "$PLINTH_BIN" in
    /*) ;;
    *) PLINTH_BIN="$(pwd)/$PLINTH_BIN" ;;
esac
if [[ ! -x "$PLINTH_BIN" || -d "$PLINTH_BIN" ]]; then
    echo "run.sh: PLINTH_BIN=$PLINTH_BIN is not an executable file" >&2
    exit 2
fi
export PLINTH_BIN

venv="${PLINTH_CLIENT_VENV:-$here/.venv}"
python="${PYTHON:-}"
if [[ -z "$python" ]]; then
    if command -v python3.11 >/dev/null 2>&1; then python=python3.11; else python=python3; fi
fi

ensure_venv() {  # ensure_venv VENV REQUIREMENTS
    local venv="$1" requirements="$2"
    if [[ ! -x "$venv/bin/python" ]]; then
        echo "run.sh: creating the virtualenv $venv" >&2
        "$python" -m venv "$venv"
    fi
    local want stamp
    want="$(sha256sum "$requirements" | cut -d' ' -f1)"
    stamp="$venv/.plinth-requirements.sha256"
    if [[ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]]; then
        echo "run.sh: installing $requirements into $venv" >&2
        "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
        echo "$want" > "$stamp"
    fi
}

run_pytest() {  # run_pytest VENV ARGS...: pytest's status, 5 (nothing collected) made 1
    local venv="$1"; shift
    local status
    set +e
    "$venv/bin/python" -m pytest -q -p no:cacheprovider "$@"
    status=$?
    set -e
    if [[ $status -eq 5 ]]; then
        echo "run.sh: pytest collected no tests: failing" >&2
        status=1
    fi
    return $status
}

# Leading path arguments (relative to the caller's directory) choose the tests.
paths=()
while [[ $# -gt 0 && -e "$1" ]]; do
    paths+=("$(cd "$(dirname "$1")" && pwd)/$(basename "$1")")
    shift
done
if [[ ${#paths[@]} -eq 0 ]]; then
    paths=("$here")
fi
# The chosen tests under tests/clients/datarobot (for the 3.0 pass), under tests/clients/aporia
# (for the Aporia pass), and the others (for the main pass, which never collects
# tests/clients/aporia: the main venv has no Aporia client).
dr_dir="$here/datarobot"
ap_dir="$here/aporia"
oa_dir="$here/openapi"
br_dir="$here/browser"
dr_paths=()
ap_paths=()
oa_paths=()
br_paths=()
main_paths=()
for p in "${paths[@]}"; do
    p="${p%/}"
    case "$p/" in
        "$ap_dir"/*) ap_paths+=("$p") ;;
        "$oa_dir"/*) oa_paths+=("$p") ;;
        "$br_dir"/*) br_paths+=("$p") ;;
        *) main_paths+=("$p") ;;
    esac
    case "$p/" in
        "$dr_dir"/*) dr_paths+=("$p") ;;
        "$here"/|"$repo"/|"$repo/tests"/)
            dr_paths+=("$dr_dir"); ap_paths+=("$ap_dir"); oa_paths+=("$oa_dir"); br_paths+=("$br_dir") ;;
    esac
done

cd "$repo"
status=0
if [[ ${#main_paths[@]} -gt 0 ]]; then
    ensure_venv "$venv" "$here/requirements.txt"
    echo "run.sh: pass 1: $("$venv/bin/python" -c 'import datarobot; print("datarobot", datarobot.__version__)')" >&2
    run_pytest "$venv" --ignore="$ap_dir" --ignore="$oa_dir" --ignore="$br_dir" "${main_paths[@]}" "$@" || status=$?
fi

if [[ ${#dr_paths[@]} -gt 0 && -z "${PLINTH_SKIP_DATAROBOT_3_0:-}" ]]; then
    venv30="${venv%/}-datarobot-3.0"
    ensure_venv "$venv30" "$here/requirements-datarobot-3.0.txt"
    echo "run.sh: pass 2: $("$venv30/bin/python" -c 'import datarobot; print("datarobot", datarobot.__version__)') on ${dr_paths[*]}" >&2
    status2=0
    run_pytest "$venv30" "${dr_paths[@]}" "$@" || status2=$?
    if [[ $status -eq 0 ]]; then status=$status2; fi
fi

if [[ ${#ap_paths[@]} -gt 0 && -z "${PLINTH_SKIP_APORIA:-}" ]]; then
    venvap="${venv%/}-aporia"
    ensure_venv "$venvap" "$here/requirements-aporia.txt"
    echo "run.sh: pass 3: $("$venvap/bin/python" -c 'import importlib.metadata as m; print("aporia", m.version("aporia"))') on ${ap_paths[*]}" >&2
    status3=0
    run_pytest "$venvap" "${ap_paths[@]}" "$@" || status3=$?
    if [[ $status -eq 0 ]]; then status=$status3; fi
fi
if [[ ${#oa_paths[@]} -gt 0 && -z "${PLINTH_SKIP_OPENAPI:-}" ]]; then
    venvoa="${venv%/}-openapi"
    ensure_venv "$venvoa" "$here/requirements-openapi.txt"
    echo "run.sh: pass 4: $("$venvoa/bin/python" -c 'import importlib.metadata as m; print("schemathesis", m.version("schemathesis"))') on ${oa_paths[*]}" >&2
    status4=0
    # -rP: the schemathesis summaries (captured output) are printed for passing tests too.
    run_pytest "$venvoa" -rP "${oa_paths[@]}" "$@" || status4=$?
    if [[ $status -eq 0 ]]; then status=$status4; fi
fi
if [[ ${#br_paths[@]} -gt 0 && -z "${PLINTH_SKIP_BROWSER:-}" ]]; then
    venvbr="${venv%/}-browser"
    ensure_venv "$venvbr" "$here/requirements-browser.txt"
    echo "run.sh: pass 5: $("$venvbr/bin/python" -c 'import importlib.metadata as m; print("playwright", m.version("playwright"))') on ${br_paths[*]}" >&2
    status5=0
    run_pytest "$venvbr" -rP "${br_paths[@]}" "$@" || status5=$?
    if [[ $status -eq 0 ]]; then status=$status5; fi
fi
exit $status
