#!/usr/bin/env bash
# Regenerate every example model in models/ (ONNX graphs, model.json, reference.csv,
# expected.json, fraud/customers.csv). Deterministic: same pins, same bytes.
# Usage (from anywhere): models/build.sh
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
python="${PYTHON:-python3}"
if [ ! -x "$here/.venv/bin/python" ]; then
    "$python" -m venv "$here/.venv"
fi
"$here/.venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
# One thread: the 2-core build machines are shared, and the numbers must not depend on it.
OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 PYTHONHASHSEED=0 \
    "$here/.venv/bin/python" "$here/export.py"
