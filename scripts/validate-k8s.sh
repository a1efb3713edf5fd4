#!/usr/bin/env bash
# Validates the Kubernetes manifests of deploy/k8s OFFLINE, with no cluster:
#
#   1. every manifest against the Kubernetes JSON schemas bundled in the PyPI package
#      kubernetes-validate, in strict mode (an unknown or misspelled field is an error), for
#      each version in K8S_VERSIONS;
#   2. kustomization.yaml (kubernetes-validate has no schema for it): each listed resource
#      exists and every manifest of the directory is listed; when kubectl is installed,
#      `kubectl kustomize` renders the directory (offline) and the rendered stream is validated
#      as in 1;
#   3. the plinth.toml embedded in configmap.yaml parses and uses only keys the server knows
#      (its config structs deny unknown fields, so a stray key stops every replica at start).
#
# Usage:  scripts/validate-k8s.sh [DIR]            (default DIR: deploy/k8s)
#   K8S_VERSIONS   versions to validate against (default "1.30.0 1.37.0")
#   PLINTH_CACHE   cache root (default $HOME/.cache/plinth); the venv is $PLINTH_CACHE/k8s-venv
# Exits non-zero on any error. Needs python3 with venv; the first run installs from PyPI.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="${1:-$ROOT/deploy/k8s}"
K8S_VERSIONS="${K8S_VERSIONS:-1.30.0 1.37.0}"
CACHE="${PLINTH_CACHE:-$HOME/.cache/plinth}"
VENV="$CACHE/k8s-venv"
VALIDATOR_VERSION="1.37.0"
# kubernetes-validate and its dependencies, as verified.
REQUIREMENTS=(
    "kubernetes-validate==$VALIDATOR_VERSION"
    "jsonschema==4.26.0"
    "jsonschema-specifications==2025.9.1"
    "referencing==0.37.0"
    "rpds-py==2026.9.1"
    "attrs==26.1.0"
    "PyYAML==6.0.4"
    "packaging==26.4"
    "importlib_resources==7.1.0"
    "typing_extensions==4.16.0"
)
log() { echo "validate-k8s: $*" >&2; }

if [ ! -d "$DIR" ]; then
    log "no such directory: $DIR"
    exit 2
fi

# --- the validator --------------------------------------------------------------------------
if [ "$("$VENV/bin/kubernetes-validate" --version 2>/dev/null || true)" != "$VALIDATOR_VERSION" ]; then
    log "installing kubernetes-validate $VALIDATOR_VERSION into $VENV"
    mkdir -p "$CACHE"
    [ -x "$VENV/bin/python" ] || "${PYTHON:-python3}" -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "${REQUIREMENTS[@]}"
fi
KV="$VENV/bin/kubernetes-validate"
PY="$VENV/bin/python"

failed=0
fail() { log "FAIL: $*"; failed=1; }

# Runs kubernetes-validate --strict on files for one version; a file with no schema (an
# unknown kind or apiVersion) counts as a failure, not the tool's warning.
validate() {
    local version="$1" out rc
    shift
    set +e
    out="$("$KV" --strict --kubernetes-version "$version" "$@" 2>&1)"
    rc=$?
    set -e
    printf '%s\n' "$out"
    if [ "$rc" -ne 0 ]; then
        fail "kubernetes-validate (Kubernetes $version): a manifest did not validate (ERROR above)"
    elif grep -q "Couldn't find schema" <<<"$out"; then
        fail "kubernetes-validate (Kubernetes $version): a resource of unknown kind or apiVersion (WARN above)"
    fi
}

mapfile -t manifests < <(find "$DIR" -maxdepth 1 -type f \( -name '*.yaml' -o -name '*.yml' \) \
    ! -name 'kustomization.yaml' ! -name 'kustomization.yml' | sort)
if [ "${#manifests[@]}" -eq 0 ]; then
    log "no manifests in $DIR"
    exit 2
fi

# --- 1. every manifest -----------------------------------------------------------------------
for version in $K8S_VERSIONS; do
    log "schemas of Kubernetes $version (strict), kubernetes-validate $VALIDATOR_VERSION"
    validate "$version" "${manifests[@]}"
done

# --- 2. the kustomization ----------------------------------------------------------------------
kustomization="$DIR/kustomization.yaml"
if [ -f "$kustomization" ]; then
    log "kustomization.yaml: resources"
    if ! "$PY" - "$kustomization" "${manifests[@]}" <<'PY'; then
import os, sys, yaml
path, manifests = sys.argv[1], sys.argv[2:]
with open(path) as f:
    k = yaml.safe_load(f)
errors = []
if k.get("apiVersion") != "kustomize.config.k8s.io/v1beta1" or k.get("kind") != "Kustomization":
    errors.append("not a kustomize.config.k8s.io/v1beta1 Kustomization")
base = os.path.dirname(path)
listed = k.get("resources") or []
for r in listed:
    if not os.path.isfile(os.path.join(base, r)):
        errors.append(f"lists {r}, which does not exist")
for m in manifests:
    if os.path.basename(m) not in listed:
        errors.append(f"does not list {os.path.basename(m)}")
for e in errors:
    print(f"ERROR kustomization.yaml {e}")
if not errors:
    print(f"INFO kustomization.yaml lists all {len(listed)} manifests, each present")
sys.exit(1 if errors else 0)
PY
        fail "kustomization.yaml"
    fi
    if command -v kubectl >/dev/null 2>&1; then
        rendered="$(mktemp -t kustomize-rendered-XXXXXX.yaml)"
        trap 'rm -f "$rendered"' EXIT
        log "kubectl kustomize (offline render) and the rendered stream"
        if kubectl kustomize "$DIR" >"$rendered"; then
            for version in $K8S_VERSIONS; do
                validate "$version" "$rendered"
            done
        else
            fail "kubectl kustomize $DIR"
        fi
    else
        log "kubectl not installed: kustomization.yaml checked for its resources only"
    fi
fi

# --- 3. the server configuration in the ConfigMap ---------------------------------------------
config_rs="$ROOT/host/server/src/config.rs"
if [ -f "$DIR/configmap.yaml" ] && [ -f "$config_rs" ]; then
    log "configmap.yaml: plinth.toml against $config_rs"
    if ! "$PY" - "$DIR/configmap.yaml" "$config_rs" <<'PY'; then
import re, sys, yaml
try:
    import tomllib
except ImportError:
    print("WARN configmap.yaml: Python < 3.11 has no tomllib, TOML not checked")
    sys.exit(0)
configmap, config_rs = sys.argv[1], sys.argv[2]
docs = [d for d in yaml.safe_load_all(open(configmap)) if d]
text = next((d["data"]["plinth.toml"] for d in docs
             if d.get("kind") == "ConfigMap" and "plinth.toml" in (d.get("data") or {})), None)
if text is None:
    print("ERROR configmap.yaml: no ConfigMap with a plinth.toml key")
    sys.exit(1)
try:
    config = tomllib.loads(text)
except tomllib.TOMLDecodeError as e:
    print(f"ERROR configmap.yaml: plinth.toml does not parse: {e}")
    sys.exit(1)
source = open(config_rs).read()
def fields(struct):
    m = re.search(r"pub struct " + struct + r" \{(.*?)\n\}", source, re.S)
    if not m:
        print(f"ERROR {config_rs}: struct {struct} not found (update this check)")
        sys.exit(1)
    return set(re.findall(r"^\s*pub (\w+):", m.group(1), re.M))
top = fields("ConfigFile")
sections = {"limits": fields("LimitsFile"), "audit": fields("AuditFile")}
errors = []
for key, value in config.items():
    if key not in top:
        errors.append(f"unknown key {key}")
    elif key in sections:
        errors += [f"unknown key {key}.{k}" for k in value if k not in sections[key]]
for e in errors:
    print(f"ERROR configmap.yaml plinth.toml: {e}")
if not errors:
    print(f"INFO configmap.yaml plinth.toml parses; keys known to the server: {', '.join(sorted(config))}")
sys.exit(1 if errors else 0)
PY
        fail "configmap.yaml plinth.toml"
    fi
fi

if [ "$failed" -ne 0 ]; then
    log "FAILED"
    exit 1
fi
log "all manifests valid"
