"""The OpenAPI documents: `/openapi.json` (every route the server answers) and each service's
`/public/api/v1/{service}/openapi.json` (its endpoints' real request schemas), validated
against the OpenAPI 3.1 schema; the docs page at `/docs/` with every asset served by Plinth
itself; and schemathesis runs, bounded in time, whose summaries are printed.

Run by tests/clients/run.sh's fourth pass (its own venv: requirements-openapi.txt).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import requests
from openapi_spec_validator import validate

from conftest import write_bundle

EXAMPLE_SERVICES = [
    "cancer_svc", "diabetes_svc", "fraud_svc", "iris_svc", "js_svc",
    "lookup_svc", "python_svc", "rust_fn_svc", "sql_svc",
]
# Time budgets of the schemathesis runs (seconds): the server's document, each service's.
SERVER_MAX_TIME = int(os.environ.get("PLINTH_SCHEMATHESIS_MAX_TIME", "120"))
SERVICE_MAX_TIME = int(os.environ.get("PLINTH_SCHEMATHESIS_SERVICE_MAX_TIME", "30"))
# Fixed by default so that a run is reproducible; set another to explore.
SEED = os.environ.get("PLINTH_SCHEMATHESIS_SEED", "1")
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"


def document(server, path="/openapi.json", auth=None) -> dict:
    response = requests.get(server.url + path, auth=auth, timeout=30)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


def operations(doc: dict) -> set:
    return {(method.upper(), path) for path, item in doc["paths"].items() for method in item
            if method in ("get", "post", "put", "patch", "delete")}


def test_the_server_document_is_valid_openapi_3_1_and_covers_the_host_routes(plinth):
    doc = document(plinth)
    assert doc["openapi"].startswith("3.1")
    validate(doc)
    ops = operations(doc)
    for expected in [
        ("GET", "/isAlive"),
        ("GET", "/public/api/v1/ping"),
        ("GET", "/metrics"),
        ("GET", "/public/api/v1/{service}/{endpoint}/{action}"),
        ("POST", "/public/api/v1/{service}/{endpoint}/{action}"),
        ("GET", "/public/api/v1/{service}/openapi.json"),
        ("GET", "/admin/api/services"),
        ("POST", "/admin/api/services/{id}/actions/switchTo/{generation}"),
        ("POST", "/admin/api/deploy"),
        ("GET", "/admin/api/metrics"),
    ]:
        assert expected in ops, f"{expected} is not documented"
    ids = [op["operationId"] for item in doc["paths"].values() for op in item.values()
           if isinstance(op, dict) and "operationId" in op]
    assert len(ids) == len(set(ids)), "operationIds repeat: " + ", ".join(sorted({i for i in ids if ids.count(i) > 1}))
    schemes = doc["components"]["securitySchemes"]
    assert {"adminKey", "serviceKey"} <= set(schemes)
    admin_ops = [op for path, item in doc["paths"].items() if path.startswith("/admin/api/")
                 for op in item.values() if isinstance(op, dict)]
    assert admin_ops and all({"adminKey": []} in op.get("security", []) for op in admin_ops)


def test_every_example_service_has_a_valid_document_with_its_real_inputs(plinth):
    docs = {}
    for service in EXAMPLE_SERVICES:
        doc = document(plinth, f"/public/api/v1/{service}/openapi.json")
        validate(doc)
        assert doc["info"]["title"] == f"Plinth service {service}"
        docs[service] = doc
        assert doc["paths"], f"{service}: no endpoints documented"

    def body(service, endpoint, action):
        op = docs[service]["paths"][f"/public/api/v1/{service}/{endpoint}/{action}"]["post"]
        return op["requestBody"]["content"]["application/json"]["schema"]

    # A lookup's keys, typed from the dataset.
    lookup = body("lookup_svc", "passenger_info", "lookup")
    assert lookup["required"] == ["data"]
    assert "integer" in lookup["properties"]["data"]["properties"]["PassengerId"]["type"]
    # A Rust function's WIT parameters: s64 with its range, both required.
    sum_body = body("rust_fn_svc", "simple_sum", "run")
    assert sum_body["required"] == ["param1", "param2"]
    assert sum_body["properties"]["param1"]["type"] == "integer"
    assert sum_body["properties"]["param1"]["minimum"] == -(2**63)
    sum_answer = docs["rust_fn_svc"]["paths"]["/public/api/v1/rust_fn_svc/simple_sum/run"]["post"]
    assert sum_answer["responses"]["200"]["content"]["application/json"]["schema"]["properties"]["response"]["type"] == "integer"
    # A JavaScript function taking a record with an enum field.
    order = body("js_svc", "score_order", "run")["properties"]["order"]
    assert order["type"] == "object" and order["required"]
    # A query's parameters.
    query = body("python_svc", "older_than", "query")
    assert query["required"] == ["age"]
    # A model's features, under `features`.
    iris = body("iris_svc", "iris", "predict")
    features = iris["properties"]["features"]["properties"]
    assert len(features) == 4 and all("number" in f["type"] for f in features.values())
    # GET actions take the same inputs as query parameters.
    simple = docs["iris_svc"]["paths"]["/public/api/v1/iris_svc/iris/predict-simple"]["get"]
    assert sorted(p["name"] for p in simple["parameters"]) == sorted(features)


def test_a_private_services_document_needs_its_key(start_plinth, tmp_path):
    server = start_plinth(examples=False)
    archive = write_bundle(tmp_path, "oa_private", public=False)
    admin = server.admin()
    deployed = admin.post(server.admin_url("deploy"), params={"activate": "true"}, data=archive.read_bytes(),
                          headers={"Content-Type": "application/octet-stream"})
    assert deployed.status_code == 200, deployed.text
    path = "/public/api/v1/oa_private/openapi.json"
    refused = requests.get(server.url + path, timeout=10)
    assert refused.status_code == 401, refused.text
    assert set(refused.json()) >= {"errorType", "message"}
    key = admin.post(server.admin_url("services/oa_private/keys"), data=json.dumps({"label": "oa"})).json()["key"]
    doc = document(server, path, auth=(key, ""))
    validate(doc)
    op = doc["paths"]["/public/api/v1/oa_private/passenger_info/lookup"]["post"]
    assert op["security"] == [{"serviceKey": []}]
    missing = requests.get(server.url + "/public/api/v1/no_such_svc/openapi.json", timeout=10)
    assert missing.status_code == 404 and "errorType" in missing.json()


def test_the_docs_page_serves_all_its_assets_itself(plinth):
    page = requests.get(plinth.url + "/docs/", timeout=10)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    refs = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert refs, "the docs page references no assets"
    for ref in refs:
        assert not re.match(r"^(https?:)?//", ref), f"the docs page loads {ref} from elsewhere"
        asset = requests.get(plinth.url + "/docs/" + ref.removeprefix("./"), timeout=10)
        assert asset.status_code == 200, f"/docs/{ref}: {asset.status_code}"
    init = requests.get(plinth.url + "/docs/swagger-initializer.js", timeout=10)
    assert init.status_code == 200 and '"/openapi.json"' in init.text


def schemathesis(location: str, base_url: str, config: Path, extra: list, label: str, max_time: int) -> None:
    """Runs `st run` and prints its summary; fails when it found a failure.

    One worker: with two, hypothesis describes strategies from two threads at once and
    CPython 3.11's `ast.parse` is not safe for that (cpython#106905: "AST constructor
    recursion depth mismatch" crashed a run)."""
    st = Path(sys.executable).with_name("st")
    args = [str(st), "--no-color", "--config-file", str(config), "run", location, "--url", base_url,
            "--checks", CHECKS, "--max-time", str(max_time), "--workers", "1", "--seed", SEED,
            "--request-timeout", "20", "--phases", "examples,coverage,fuzzing",
            "--max-examples", "25", "--suppress-health-check", "all", *extra]
    completed = subprocess.run(args, capture_output=True, text=True, timeout=max_time + 240)
    output = completed.stdout + completed.stderr
    summary = output[output.rfind("=" * 10 + " SUMMARY"):] if "SUMMARY" in output else output[-6000:]
    # The summary is printed whether or not the run passes (run.sh passes -rP, so CI shows it).
    print(f"\n--- schemathesis ({label}) ---\n{summary}")
    assert completed.returncode == 0, f"schemathesis found failures ({label}):\n{output[-20000:]}"


def auth_config(tmp_path: Path, server, plugins: bool = False) -> Path:
    """A schemathesis config giving each security scheme a credential of this server: the
    admin key for the host's schemes (and the DataRobot and Aporia APIs, which take it), and
    with `plugins` a Vidora key without signatures. (Apres recipe keys and signed download
    URLs get none: those calls are refused, and the refusals are checked.)"""
    config = tmp_path / "schemathesis.toml"
    text = f"""
        [auth.openapi.adminKey]
        username = "{server.admin_key}"
        password = ""

        [auth.openapi.serviceKey]
        username = "{server.admin_key}"
        password = ""
    """
    if plugins:
        made = server.admin().post(server.admin_url("vidora/keys"), data=json.dumps({"signatures": False}))
        assert made.status_code == 200, made.text
        text += f"""
        [auth.openapi.dataRobotToken]
        api_key = "Token {server.admin_key}"

        [auth.openapi.aporiaToken]
        bearer = "{server.admin_key}"

        [auth.openapi.vidoraApiKey]
        api_key = "{made.json()["api_key"]}"
        """
    config.write_text(textwrap.dedent(text))
    return config


def test_schemathesis_finds_no_server_error_and_no_answer_outside_the_document(start_plinth, tmp_path):
    # Its own server: the run deletes services, switches generations, makes keys.
    server = start_plinth(examples=True)
    schemathesis(server.url + "/openapi.json", server.url, auth_config(tmp_path, server, plugins=True),
                 [], "/openapi.json", SERVER_MAX_TIME)
    assert server.process.poll() is None, "the server died during the run"


@pytest.mark.parametrize("service", ["lookup_svc", "sql_svc", "iris_svc", "rust_fn_svc", "js_svc"])
def test_schemathesis_on_a_services_document(plinth, tmp_path, service):
    extra = []
    if service in ("rust_fn_svc", "js_svc"):
        # A function's own error (`err(...)`, an exception) is the call's documented 500.
        extra = ["--exclude-checks", "not_a_server_error"]
    schemathesis(f"{plinth.url}/public/api/v1/{service}/openapi.json", plinth.url,
                 auth_config(tmp_path, plinth), extra, service, SERVICE_MAX_TIME)
