#!/usr/bin/env bash
# Client conformance harness: runs the real `dataikuapi` client against a Plinth server.
#
#   PLINTH_BIN=target/release/plinth tests/clients/run.sh [pytest args...]
#
# PLINTH_BIN          the server binary (required; build it with `cargo build --release -p plinth`)
# PLINTH_CLIENT_VENV  the virtualenv to create or reuse (default tests/clients/.venv)
# PYTHON              the interpreter that creates the venv (default python3.11, else python3)
#
# Requirements are (re)installed only when requirements.txt changed (hash stamp in the venv).
# The exit code is pytest's; "no tests collected" (5) counts as a failure.
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

if [[ ! -x "$venv/bin/python" ]]; then
    echo "run.sh: creating the virtualenv $venv" >&2
    "$python" -m venv "$venv"
fi

requirements="$here/requirements.txt"
want="$(sha256sum "$requirements" | cut -d' ' -f1)"
stamp="$venv/.plinth-requirements.sha256"
if [[ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]]; then
    echo "run.sh: installing $requirements into $venv" >&2
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
    echo "$want" > "$stamp"
fi

cd "$repo"
set +e
"$venv/bin/python" -m pytest -q -p no:cacheprovider "$here" "$@"
status=$?
set -e
if [[ $status -eq 5 ]]; then
    echo "run.sh: pytest collected no tests: failing" >&2
    exit 1
fi
exit $status
