"""The Aporia registry through the real `aporia` client (2.19.0): models, versions, tags, the
GraphQL version calls of `aporia.experimental`, auth, the error shape the client reads, and the
deployed examples mirrored as models (`<service>~<endpoint>`, versions named after generations,
retired when the service is deleted).

Raw `requests` calls cover what the client has no function for (GET of a model, the versions
list, the owner route) and check every answer's status and Content-Type."""

import os
import subprocess
import uuid
from datetime import datetime

import aporia
import aporia.experimental
import pytest
import requests
from aporia.core.errors import AporiaError, AporiaHTTPError
from dataikuapi import APINodeAdminClient

from aphelpers import (
    CANCER,
    Traffic,
    alerts,
    rollups,
    ClientErrors,
    DIABETES,
    IRIS,
    NEVER,
    aporia_error,
    assert_json_type,
    bundle_of,
    client_message,
    client_request,
    deploy_copy,
    error_of,
    get_model,
    init_client,
    monitor_configuration,
    ok_json,
    range_logic,
    reference,
    rest,
    stop,
    took_at_most,
    ap_server,
)
from conftest import create_service_key

MODEL_KEYS = {"id", "name", "description", "color", "icon", "owner", "tags", "created_at", "source",
              "service", "endpoint", "retired", "versions"}
VERSION_LIST_KEYS = {"id", "name", "model_type", "created_at"}
FEATURES = {"x": "numeric", "c": "categorical", "flag": "boolean"}
PREDICTIONS = {"y": "numeric"}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    base = tmp_path_factory.mktemp("ap-registry")
    s = ap_server(base, examples=("cancer_svc", "diabetes_svc", "iris_svc"))
    init_client(s)
    yield s
    aporia.shutdown()
    stop(s)


def is_uuid(value) -> bool:
    try:
        uuid.UUID(str(value))
        return True
    except ValueError:
        return False


def is_timestamp(value) -> bool:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).tzinfo is not None
    except ValueError:
        return False


def client_version_body(name, model_type, features, predictions):
    """The exact body `aporia.create_model_version` posts (§3.2 of the client reference)."""
    return {
        "name": name,
        "model_type": model_type,
        "version_schema": {
            "features": features,
            "predictions": predictions,
            "raw_inputs": None,
            "metrics": None,
            "feature_positions": {f: i for i, f in enumerate(features)},
        },
        "model_data_type": None,
        "labels": None,
        "feature_importance": None,
        "mapping": None,
    }


# ---- models -----------------------------------------------------------------------------------


def test_create_model_with_an_id(server):
    got = aporia.create_model("apr-one", "Registry One", description="first", owner="owner@example.com",
                              color="green", icon="fraud-detection", tags={"team": "ml"})
    assert got == "apr-one"
    m = get_model(server, "apr-one")
    assert MODEL_KEYS <= set(m), sorted(m)
    assert (m["id"], m["name"], m["description"], m["color"], m["icon"], m["owner"]) == (
        "apr-one", "Registry One", "first", "green", "fraud-detection", "owner@example.com")
    assert m["tags"] == {"team": "ml"}
    assert (m["source"], m["service"], m["endpoint"], m["retired"], m["versions"]) == ("user", None, None, False, [])
    assert is_timestamp(m["created_at"]), m["created_at"]
    listed = ok_json(rest(server, "GET", "/v1beta/models"), 200)["models"]
    assert "apr-one" in {x["id"] for x in listed}


def test_defaults_are_blue_and_general(server):
    assert aporia.create_model("apr-defaults", "Defaults") == "apr-defaults"
    m = get_model(server, "apr-defaults")
    assert (m["color"], m["icon"], m["tags"]) == ("blue", "general", {})


def test_create_model_without_an_id_slugs_the_name(server):
    assert aporia.create_model(None, "My Model") == "my-model"
    assert get_model(server, "my-model")["name"] == "My Model"
    # A collision gets -2.
    assert aporia.create_model(None, "My Model") == "my-model-2"
    assert get_model(server, "my-model-2")["name"] == "My Model"


def test_duplicate_id_is_a_409_the_client_takes_as_success(server):
    assert aporia.create_model("apr-dup", "First") == "apr-dup"
    with took_at_most(1.8, "create_model of an existing id"):
        assert aporia.create_model("apr-dup", "Second") == "apr-dup"
    assert get_model(server, "apr-dup")["name"] == "First"
    r = rest(server, "POST", "/v1beta/models", json={"id": "apr-dup", "name": "Third"})
    error_of(r, 409)
    assert r.json()["id"] == "apr-dup"
    assert get_model(server, "apr-dup")["name"] == "First"


@pytest.mark.parametrize("field,value", [("color", "mauve"), ("icon", "rocket")])
def test_bad_color_or_icon_is_a_400_with_the_servers_message(server, field, value):
    # The public function checks color and icon against its enums before sending anything...
    with pytest.raises(AporiaError):
        aporia.create_model("apr-bad", "Bad", **{field: value})
    # ...so the body goes through the client's own HTTP layer: one request, the server's words.
    body = {"id": "apr-bad", "name": "Bad", "description": None, "owner": None, "color": "blue",
            "icon": "general", "tags": None, field: value}
    with took_at_most(1.8, "POST /models with a bad " + field):
        with pytest.raises(AporiaHTTPError) as err:
            client_request("POST", "/models", body)
    assert err.value.http_status == 400
    raw = error_of(rest(server, "POST", "/v1beta/models", json=body), 400)
    assert (err.value.short_message, err.value.verbose_message) == (
        raw["message"], raw["message"] if raw.get("detail") is None else raw["detail"])
    assert field in raw["message"] + " " + str(raw.get("detail")), raw
    error_of(rest(server, "GET", "/v1beta/models/apr-bad"), 404)


def test_bad_owner_is_an_aporia_error_with_the_servers_detail(server):
    body = {"id": "apr-owner-bad", "name": "Owner", "description": None, "owner": "not an e-mail",
            "color": "blue", "icon": "general", "tags": None}
    raw = error_of(rest(server, "POST", "/v1beta/models", json=body), 400)
    text = aporia_error(aporia.create_model, "apr-owner-bad", "Owner", owner="not an e-mail")
    assert text == client_message("Creating model failed, error: ", raw)
    assert "owner" in raw["message"] + " " + str(raw.get("detail")), raw
    error_of(rest(server, "GET", "/v1beta/models/apr-owner-bad"), 404)


def test_owner_route(server):
    aporia.create_model("apr-owned", "Owned")
    body = ok_json(rest(server, "POST", "/v1beta/models/apr-owned/owner", json={"owner": "new@example.com"}), 200)
    assert body == {"model_id": "apr-owned", "owner": "new@example.com"}
    assert get_model(server, "apr-owned")["owner"] == "new@example.com"
    error_of(rest(server, "POST", "/v1beta/models/apr-owned/owner", json={"owner": "nobody"}), 400)
    error_of(rest(server, "POST", "/v1beta/models/apr-nope/owner", json={"owner": "a@example.com"}), 404)
    assert get_model(server, "apr-owned")["owner"] == "new@example.com"


def test_delete_model_then_404_with_the_error_shape(server):
    aporia.create_model("apr-del", "Deleted", tags={"a": "b"})
    aporia.create_model_version("apr-del", "v1", "regression", FEATURES, PREDICTIONS)
    with took_at_most(1.8, "delete_model"):
        assert aporia.delete_model("apr-del") is None
    error_of(rest(server, "GET", "/v1beta/models/apr-del"), 404)
    error_of(rest(server, "GET", "/v1beta/models/apr-del/versions"), 404)
    raw = error_of(rest(server, "GET", "/v1beta/models/apr-del/tags"), 404)
    # The client shows the server's words, not its generic "Aporia server not found".
    text = aporia_error(aporia.get_model_tags, "apr-del")
    assert text == client_message("Fetching model tags failed, error: ", raw)
    raw = error_of(rest(server, "DELETE", "/v1beta/models/apr-del"), 404)
    assert aporia_error(aporia.delete_model, "apr-del") == client_message("Deleting model failed, error: ", raw)
    # The same id can be created again, fresh.
    assert aporia.create_model("apr-del", "Again") == "apr-del"
    m = get_model(server, "apr-del")
    assert (m["name"], m["tags"], m["versions"]) == ("Again", {}, [])


def test_every_answer_is_json_typed(server):
    aporia.create_model("apr-ctype", "Content types", tags={"k": "v"})
    answers = [
        rest(server, "GET", "/v1beta/models/apr-ctype"),
        rest(server, "GET", "/v1beta/capabilities/"),
        rest(server, "GET", "/v1beta/environments"),
        rest(server, "DELETE", "/v1beta/models/apr-ctype/tags/k"),
        rest(server, "DELETE", "/v1beta/models/apr-ctype/tags/absent"),
        rest(server, "POST", "/v1beta/models", json={"id": "apr-ctype", "name": "x"}),  # 409
        rest(server, "GET", "/v1beta/models/apr-none"),  # 404
        rest(server, "POST", "/v1beta/models", json={"name": 5}),  # 400
        rest(server, "GET", "/v1beta/models", key=None),  # 401
        rest(server, "DELETE", "/v1beta/models/apr-ctype"),
    ]
    for r in answers:
        assert_json_type(r)
    assert [r.status_code for r in answers] == [200, 200, 200, 200, 200, 409, 404, 400, 401, 200]
    assert answers[-1].json() == {}
    # The seed's trailing slashes (A2, A6) work too.
    aporia.create_model("apr-slash", "Slash")
    assert ok_json(rest(server, "DELETE", "/v1beta/models/apr-slash/"), 200) == {}
    error_of(rest(server, "GET", "/v1beta/models/apr-slash"), 404)
    assert ok_json(answers[1], 200) == {"is_field_schema_supported": True}
    assert isinstance(answers[2].json()["environments"], list)


def test_auth(server):
    for key in (None, "not-a-key"):
        error_of(rest(server, "GET", "/v1beta/models", key=key), 401)
        error_of(rest(server, "POST", "/v1beta/models", key=key, json={"id": "apr-auth", "name": "x"}), 401)
    error_of(rest(server, "GET", "/v1beta/models", headers={"Authorization": "Bearer"}, key=None), 401)
    service_key = create_service_key(server, "diabetes_svc")
    error_of(rest(server, "GET", "/v1beta/models", key=service_key), 403)
    for path in ("/v1/controller/graphql", "/v1/tenant-hasura/v1/graphql"):
        query = {"query": "query($modelID: String!) { model_versions(where: {model_id: {_eq: $modelID}}) { id } }",
                 "variables": {"modelID": DIABETES}}
        error_of(rest(server, "POST", path, key=service_key, json=query), 403)
        error_of(rest(server, "POST", path, key=None, json=query), 401)
    # The client with a bad token: an AporiaError carrying the server's message, at once.
    raw = error_of(rest(server, "GET", "/v1beta/models/apr-one/tags", key="not-a-key"), 401)
    init_client(server, token="not-a-key")
    try:
        text = aporia_error(aporia.get_model_tags, "apr-one")
        assert text == client_message("Fetching model tags failed, error: ", raw)
        aporia_error(aporia.create_model, "apr-auth", "x")
    finally:
        init_client(server)
    error_of(rest(server, "GET", "/v1beta/models/apr-auth"), 404)


# ---- versions ---------------------------------------------------------------------------------


def test_create_model_version_and_read_it_back(server):
    aporia.create_model("apr-ver", "Versions")
    model = aporia.create_model_version("apr-ver", "v1", "regression", FEATURES, PREDICTIONS,
                                        feature_importance={"x": 0.7, "c": 0.2, "flag": 0.1})
    assert isinstance(model, aporia.Model)
    assert (model.model_id, model.model_version) == ("apr-ver", "v1")
    listed = ok_json(rest(server, "GET", "/v1beta/models/apr-ver/versions"), 200)
    assert isinstance(listed, list) and len(listed) == 1, listed
    v = listed[0]
    assert set(v) >= VERSION_LIST_KEYS, v
    assert (v["name"], v["model_type"]) == ("v1", "regression")
    assert is_uuid(v["id"]) and is_timestamp(v["created_at"]), v
    m = get_model(server, "apr-ver")
    assert [(x["id"], x["name"], x["model_type"]) for x in m["versions"]] == [(v["id"], "v1", "regression")]
    schema = m["versions"][0].get("version_schema")
    if schema is not None:
        assert (schema["features"], schema["predictions"]) == (FEATURES, PREDICTIONS)


def test_retried_identical_version_post_gives_the_same_id(server):
    aporia.create_model("apr-retry", "Retry")
    aporia.create_model_version("apr-retry", "v1", "binary", FEATURES, {"p": "boolean"})
    first = ok_json(rest(server, "GET", "/v1beta/models/apr-retry/versions"), 200)[0]["id"]
    body = client_version_body("v1", "binary", FEATURES, {"p": "boolean"})
    again = rest(server, "POST", "/v1beta/models/apr-retry/versions", json=body)
    assert again.status_code == 200, again.text
    assert ok_json(again, 200)["id"] == first
    # And through the client: the same call again is no error.
    with took_at_most(1.8, "create_model_version retried"):
        aporia.create_model_version("apr-retry", "v1", "binary", FEATURES, {"p": "boolean"})
    assert [v["id"] for v in ok_json(rest(server, "GET", "/v1beta/models/apr-retry/versions"), 200)] == [first]
    # Another body under the same name is a conflict, which the client shows as an error.
    other = client_version_body("v1", "binary", {"x": "numeric"}, {"p": "boolean"})
    raw = error_of(rest(server, "POST", "/v1beta/models/apr-retry/versions", json=other), 409)
    text = aporia_error(aporia.create_model_version, "apr-retry", "v1", "binary", {"x": "numeric"}, {"p": "boolean"})
    assert text == client_message("Creating model version failed, error: ", raw)
    assert [v["id"] for v in ok_json(rest(server, "GET", "/v1beta/models/apr-retry/versions"), 200)] == [first]


def test_version_errors(server):
    aporia.create_model("apr-verr", "Version errors")
    raw = error_of(rest(server, "POST", "/v1beta/models/apr-verr/versions",
                        json=client_version_body("v1", "clustering", FEATURES, PREDICTIONS)), 400)
    assert "model_type" in raw["message"] + " " + str(raw.get("detail")), raw
    text = aporia_error(aporia.create_model_version, "apr-verr", "v1", "clustering", FEATURES, PREDICTIONS)
    assert text == client_message("Creating model version failed, error: ", raw)
    raw = error_of(rest(server, "POST", "/v1beta/models/apr-nope/versions",
                        json=client_version_body("v1", "regression", FEATURES, PREDICTIONS)), 404)
    text = aporia_error(aporia.create_model_version, "apr-nope", "v1", "regression", FEATURES, PREDICTIONS)
    assert text == client_message("Creating model version failed, error: ", raw)
    assert ok_json(rest(server, "GET", "/v1beta/models/apr-verr/versions"), 200) == []


def test_every_model_type_and_field_type(server):
    aporia.create_model("apr-types", "Types")
    fields = {f"f_{t}": t for t in ("numeric", "string", "boolean", "datetime", "categorical", "vector", "text", "dict")}
    for i, mtype in enumerate(("binary", "multiclass", "multi-label", "regression", "ranking")):
        aporia.create_model_version("apr-types", f"v{i}", mtype, fields, {"p": "numeric"})
    listed = ok_json(rest(server, "GET", "/v1beta/models/apr-types/versions"), 200)
    assert sorted(v["model_type"] for v in listed) == sorted(("binary", "multiclass", "multi-label", "regression",
                                                              "ranking"))
    raw = error_of(rest(server, "POST", "/v1beta/models/apr-types/versions",
                        json=client_version_body("bad", "regression", {"f": "complex"}, {"p": "numeric"})), 400)
    assert "complex" in raw["message"] + " " + str(raw.get("detail")), raw


def test_dict_field_schemas_pass_because_capabilities_say_so(server):
    aporia.create_model("apr-tensor", "Tensor")
    # Without `is_field_schema_supported: true` the client refuses this schema before sending.
    aporia.create_model_version("apr-tensor", "v1", "multiclass",
                                {"emb": {"type": "tensor", "dimensions": [3]}, "n": "numeric"},
                                {"label": "categorical"})
    assert [v["name"] for v in ok_json(rest(server, "GET", "/v1beta/models/apr-tensor/versions"), 200)] == ["v1"]


def test_experimental_versions_get_and_delete(server):
    aporia.create_model("apr-exp", "Experimental")
    aporia.create_model_version("apr-exp", "v1", "regression", FEATURES, PREDICTIONS)
    got = aporia.experimental.get_model_versions("apr-exp")
    assert [(v.name, v.model_id, v.model_type) for v in got] == [("v1", "apr-exp", "regression")]
    # The client refuses to delete the only version (after asking the server for the list).
    text = aporia_error(aporia.experimental.delete_model_version, "apr-exp", "v1")
    assert "only one version" in text
    aporia.create_model_version("apr-exp", "v2", "regression", FEATURES, PREDICTIONS)
    listed = {v["name"]: v["id"] for v in ok_json(rest(server, "GET", "/v1beta/models/apr-exp/versions"), 200)}
    got = {v.name: v.id for v in aporia.experimental.get_model_versions("apr-exp")}
    assert got == listed and set(got) == {"v1", "v2"}
    assert aporia.experimental.delete_model_version("apr-exp", "v1") is None
    assert [v.name for v in aporia.experimental.get_model_versions("apr-exp")] == ["v2"]
    assert [v["name"] for v in ok_json(rest(server, "GET", "/v1beta/models/apr-exp/versions"), 200)] == ["v2"]
    text = aporia_error(aporia.experimental.delete_model_version, "apr-exp", "v9")
    assert "only one version" in text  # v2 is the only one left
    # Other models' versions are not listed (an unknown model: no versions, or an error).
    try:
        assert aporia.experimental.get_model_versions("apr-nothing-here") == []
    except AporiaError:
        pass


# ---- tags -------------------------------------------------------------------------------------


def test_tags_merge_lowercase_limits_atomic_and_delete(server):
    m = "apr-tags"
    aporia.create_model(m, "Tags")
    assert aporia.get_model_tags(m) == {"tags": {}}
    aporia.add_model_tags(m, {"Team": "ML", "stage": "prod"})
    assert aporia.get_model_tags(m) == {"tags": {"team": "ML", "stage": "prod"}}
    aporia.add_model_tags(m, {"STAGE": "dev"})
    assert aporia.get_model_tags(m) == {"tags": {"team": "ML", "stage": "dev"}}
    eight = {f"k{i}": f"v{i}" for i in range(8)}
    aporia.add_model_tags(m, eight)
    ten = {"team": "ML", "stage": "dev", **eight}
    assert aporia.get_model_tags(m) == {"tags": ten}
    # An 11th tag: 400 and nothing changes, not even the update sent alongside it.
    raw = error_of(rest(server, "POST", f"/v1beta/models/{m}/tags", json={"tags": {"stage": "x", "eleventh": "x"}}), 400)
    text = aporia_error(aporia.add_model_tags, m, {"stage": "x", "eleventh": "x"})
    assert text == client_message("Creating model tags failed, error: ", raw)
    assert aporia.get_model_tags(m) == {"tags": ten}
    # Updating existing keys is fine at the limit.
    aporia.add_model_tags(m, {"k0": "zero"})
    ten["k0"] = "zero"
    assert aporia.get_model_tags(m) == {"tags": ten}
    aporia.delete_model_tag(m, "team")
    aporia.delete_model_tag(m, "team")  # absent: still no error
    aporia.delete_model_tag(m, "never-there")
    del ten["team"]
    assert aporia.get_model_tags(m) == {"tags": ten}
    # A key with spaces, percent-encoded on the way.
    aporia.add_model_tags(m, {"my tag key": "spaced"})
    assert aporia.get_model_tags(m)["tags"]["my tag key"] == "spaced"
    aporia.delete_model_tag(m, "my tag key")
    assert "my tag key" not in aporia.get_model_tags(m)["tags"]


@pytest.mark.parametrize(
    "tags,ok",
    [
        ({"k" * 15: "v"}, True),
        ({"k" * 16: "v"}, False),
        ({"key": "v" * 100}, True),
        ({"key": "v" * 101}, False),
        ({"bad!key": "v"}, False),
        ({"with-dash_and 1": "v"}, True),
        ({"key": "line\nbreak"}, False),
    ],
    ids=["key15", "key16", "value100", "value101", "key-char", "key-chars-ok", "value-control"],
)
def test_tag_rules(server, tags, ok):
    m = "apr-tagrules"
    aporia.create_model(m, "Tag rules")
    for key in list(aporia.get_model_tags(m)["tags"]):
        aporia.delete_model_tag(m, key)
    if ok:
        aporia.add_model_tags(m, tags)
        assert aporia.get_model_tags(m) == {"tags": {k.lower(): v for k, v in tags.items()}}
    else:
        raw = error_of(rest(server, "POST", f"/v1beta/models/{m}/tags", json={"tags": tags}), 400)
        assert aporia_error(aporia.add_model_tags, m, tags) == client_message("Creating model tags failed, error: ", raw)
        assert aporia.get_model_tags(m) == {"tags": {}}


def test_tags_of_an_unknown_model_are_a_404(server):
    error_of(rest(server, "POST", "/v1beta/models/apr-nope/tags", json={"tags": {"a": "b"}}), 404)
    error_of(rest(server, "GET", "/v1beta/models/apr-nope/tags"), 404)
    aporia_error(aporia.add_model_tags, "apr-nope", {"a": "b"})


# ---- what is deployed is registered -----------------------------------------------------------


@pytest.mark.parametrize(
    "model_id,service,endpoint,model_type",
    [(DIABETES, "diabetes_svc", "diabetes", "regression"), (CANCER, "cancer_svc", "cancer", "binary"),
     (IRIS, "iris_svc", "iris", "multiclass")],
)
def test_deployed_examples_are_models(server, model_id, service, endpoint, model_type):
    m = get_model(server, model_id)
    assert (m["source"], m["service"], m["endpoint"], m["retired"]) == ("plinth", service, endpoint, False)
    assert [(v["name"], v["model_type"]) for v in m["versions"]] == [("v1", model_type)]
    listed = ok_json(rest(server, "GET", f"/v1beta/models/{model_id}/versions"), 200)
    assert [(v["name"], v["model_type"]) for v in listed] == [("v1", model_type)]
    assert [(v.name, v.model_type) for v in aporia.experimental.get_model_versions(model_id)] == [("v1", model_type)]
    schema = m["versions"][0].get("version_schema")
    assert schema is not None, m["versions"][0]
    columns, _ = reference(service)
    assert set(schema["features"]) == set(columns), schema["features"]
    assert set(schema["features"].values()) <= {"numeric", "categorical"}, schema["features"]
    assert len(schema["predictions"]) >= 1, schema
    kinds = set(schema["predictions"].values())
    if model_type == "regression":
        assert kinds == {"numeric"}, schema["predictions"]
    elif model_type == "multiclass":
        assert "categorical" in kinds, schema["predictions"]
    assert kinds <= {"boolean", "numeric", "categorical"}, schema["predictions"]
    assert model_id in {x["id"] for x in ok_json(rest(server, "GET", "/v1beta/models"), 200)["models"]}


def test_create_model_of_a_mirrored_id_is_a_409_the_client_takes_as_success(server):
    """`create_model` is the SDK's "make sure it exists": an existing id, a deployed one included,
    is a 409 (docs: "An existing id: 409"), which the client returns as success."""
    r = rest(server, "POST", "/v1beta/models", json={"id": DIABETES, "name": "mine"})
    error_of(r, 409)
    assert r.json()["id"] == DIABETES
    assert aporia.create_model(DIABETES, "mine") == DIABETES
    assert get_model(server, DIABETES)["source"] == "plinth"


def test_a_body_over_the_limit_is_a_json_413(server):
    """Every answer is JSON-typed, a 413 too: a text/plain one makes the client retry 4 times.
    The limit is [plugins.aporia] max_body_bytes (32 MiB by default)."""
    big = b'{"id": "apr-big", "name": "big", "description": "' + b"x" * (33 * 1024 * 1024) + b'"}'
    answers = {path: rest(server, "POST", path, data=big, headers={"Content-Type": "application/json"})
               for path in ("/v1beta/models", "/v1/controller/graphql")}
    assert {p: (r.status_code, r.headers.get("Content-Type", "").split(";")[0]) for p, r in answers.items()} == {
        p: (413, "application/json") for p in answers}, {p: r.text[:200] for p, r in answers.items()}
    for r in answers.values():
        error_of(r, 413)
    error_of(rest(server, "GET", "/v1beta/models/apr-big"), 404)


def test_a_mirrored_model_cannot_be_deleted(server):
    raw = error_of(rest(server, "DELETE", f"/v1beta/models/{DIABETES}"), 409)
    assert aporia_error(aporia.delete_model, DIABETES) == client_message("Deleting model failed, error: ", raw)
    assert get_model(server, DIABETES)["retired"] is False


def test_new_generations_are_versions_and_deleting_the_service_retires(server, tmp_path):
    svc, model_id = "apr_retire_svc", "apr_retire_svc~diabetes"
    deploy_copy(server, "diabetes_svc", svc, tmp_path)
    m = get_model(server, model_id)
    assert (m["source"], m["retired"], [v["name"] for v in m["versions"]]) == ("plinth", False, ["v1"])
    admin = APINodeAdminClient(server.url, server.admin_key)
    service = admin.service(svc)
    service.import_generation_from_archive(str(bundle_of("diabetes_svc", svc, tmp_path)))
    service.switch_to_newest()
    names = sorted(v["name"] for v in ok_json(rest(server, "GET", f"/v1beta/models/{model_id}/versions"), 200))
    assert names == ["v1", "v2"]
    monitor_id = aporia.experimental.create_monitor(
        "retire watch", "model_activity", NEVER,
        monitor_configuration(model_id, {"type": "count", "field": "_id"}, range_logic(1000, None)))
    _, ref = reference("diabetes_svc")
    Traffic(server, svc, "diabetes").many(ref[:3])
    rollups()
    aporia.experimental.run_all_monitors(model_id, "v2")
    [alert] = alerts(server, model_id=model_id)
    service.delete()
    m = get_model(server, model_id)
    assert m["retired"] is True
    assert sorted(v["name"] for v in m["versions"]) == ["v1", "v2"]
    assert ok_json(rest(server, "GET", f"/v1beta/monitors/{monitor_id}"), 200)["id"] == monitor_id
    assert [a["id"] for a in alerts(server, model_id=model_id)] == [alert["id"]]
    # The examples are untouched.
    assert get_model(server, DIABETES)["retired"] is False


# ---- feature importance and positions, the SDK's other version routes ------------------------


def version_of(server, model_id, name):
    [v] = [v for v in get_model(server, model_id)["versions"] if v["name"] == name]
    return v


def test_feature_importance_replaces_and_checks_its_keys(server):
    m = "apr-fi"
    aporia.create_model(m, "Feature importance")
    model = aporia.create_model_version(m, "v1", "regression", FEATURES, PREDICTIONS,
                                        feature_importance={"x": 0.5, "c": 0.3, "flag": 0.2})
    assert version_of(server, m, "v1").get("feature_importance") == {"x": 0.5, "c": 0.3, "flag": 0.2}
    # The client's call (its errors are only logged): a partial map replaces the old one.
    with ClientErrors() as errors:
        model.set_feature_importance({"x": 1.0})
    assert errors.records == []
    assert version_of(server, m, "v1")["feature_importance"] == {"x": 1.0}
    # By version id too.
    vid = version_of(server, m, "v1")["id"]
    ok_json(rest(server, "POST", f"/v1beta/models/{m}/versions/{vid}/feature_importance",
                 json={"feature_importance": {"c": 2.0, "flag": 1.0}}), 200)
    assert version_of(server, m, "v1")["feature_importance"] == {"c": 2.0, "flag": 1.0}
    raw = error_of(rest(server, "POST", f"/v1beta/models/{m}/versions/v1/feature_importance",
                        json={"feature_importance": {"nope": 1.0}}), 400)
    assert "nope" in raw["message"] + " " + str(raw.get("detail")), raw
    assert version_of(server, m, "v1")["feature_importance"] == {"c": 2.0, "flag": 1.0}
    error_of(rest(server, "POST", f"/v1beta/models/{m}/versions/v9/feature_importance",
                  json={"feature_importance": {"x": 1.0}}), 404)


def test_feature_positions_need_exactly_the_schemas_features(server):
    m = "apr-fp"
    aporia.create_model(m, "Feature positions")
    aporia.create_model_version(m, "v1", "regression", FEATURES, PREDICTIONS)
    body = ok_json(rest(server, "POST", f"/v1beta/models/{m}/versions/v1/feature_positions",
                        json={"feature_positions": {"x": 1, "c": 2, "flag": 3}}), 200)
    assert body is not None
    assert version_of(server, m, "v1").get("feature_positions") == {"x": 1, "c": 2, "flag": 3}
    for bad in ({"x": 1, "c": 2}, {"x": 1, "c": 2, "flag": 3, "extra": 4}):
        error_of(rest(server, "POST", f"/v1beta/models/{m}/versions/v1/feature_positions",
                      json={"feature_positions": bad}), 400)
    assert version_of(server, m, "v1")["feature_positions"] == {"x": 1, "c": 2, "flag": 3}


def test_the_sdks_other_version_routes_answer(server):
    m = "apr-sdk"
    aporia.create_model(m, "SDK routes")
    model = aporia.create_model_version(m, "v1", "regression", FEATURES, PREDICTIONS)
    model.upload_model_artifact(b"\x08\x07fake-onnx-bytes", "onnx")
    with ClientErrors() as errors:
        model.log_index_to_word_mapping({0: "zero", 1: "one"})
    assert errors.records == []
    source = aporia.PostgresJDBCDataSource(url="jdbc:postgresql://db.invalid/x", query="select 1", user="u",
                                           password="p")
    model.connect_serving(data_source=source, id_column="id", timestamp_column="ts")
    model.set_sync_enabled(True)
    model.get_dataset_sync_status("serving")
    # None of these touched the version's schema.
    v = version_of(server, m, "v1")
    assert v["version_schema"]["features"] == FEATURES
    # On an unknown version they are 404s.
    error_of(rest(server, "POST", f"/v1beta/models/{m}/versions/v9/model_artifact",
                  json={"artifact_base64": "AA==", "artifact_type": "onnx"}), 404)


def test_environments(server):
    body = ok_json(rest(server, "POST", "/v1beta/environments", json={"name": "staging"}), (200, 201))
    assert body.get("environment_id") and "cluster_id" in body, body
    envs = ok_json(rest(server, "GET", "/v1beta/environments"), 200)["environments"]
    assert {"id": body["environment_id"], "name": "staging"} in envs, envs


# ---- GraphQL errors, deleting a model's monitors, the monitoring key ---------------------------


@pytest.mark.parametrize("path", ["/v1/controller/graphql", "/v1/tenant-hasura/v1/graphql"])
def test_graphql_errors_are_200_with_errors(server, path):
    r = rest(server, "POST", path, json={"query": "query { noSuchField { x } }", "variables": {}})
    body = ok_json(r, 200)
    assert isinstance(body.get("errors"), list) and body["errors"], body
    e = body["errors"][0]
    assert isinstance(e["message"], str) and e["message"]
    assert isinstance(e["extensions"]["verbose_message"], str), e
    assert "noSuchField" in e["message"] + e["extensions"]["verbose_message"], e


def test_deleting_a_model_deletes_its_monitors(server):
    m = "apr-mon-del"
    aporia.create_model(m, "Monitored")
    aporia.create_model_version(m, "v1", "regression", FEATURES, PREDICTIONS)
    mid = aporia.experimental.create_monitor(
        "goes with its model", "model_activity", NEVER,
        monitor_configuration(m, {"type": "count", "field": "_id"}, range_logic(1, None)))
    ok_json(rest(server, "GET", f"/v1beta/monitors/{mid}"), 200)
    aporia.delete_model(m)
    error_of(rest(server, "GET", f"/v1beta/monitors/{mid}"), 404)


def test_a_monitoring_key_serves_the_aporia_api_not_the_admin_api(server):
    out = subprocess.run([os.environ["PLINTH_BIN"], "keys", "add", "--monitoring", "--label", "aporia-tests",
                          "--server", server.url, f"--admin-key={server.admin_key}"],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    key = out.stdout.strip().splitlines()[0].strip()
    init_client(server, token=key)
    try:
        assert aporia.create_model("apr-monkey", "Monitoring key") == "apr-monkey"
        aporia.create_model_version("apr-monkey", "v1", "regression", FEATURES, PREDICTIONS)
        aporia.add_model_tags("apr-monkey", {"by": "monitoring key"})
        assert aporia.get_model_tags("apr-monkey") == {"tags": {"by": "monitoring key"}}
        assert [v.name for v in aporia.experimental.get_model_versions("apr-monkey")] == ["v1"]
    finally:
        init_client(server)
    admin = requests.get(server.admin_url("services"), auth=(key, ""), timeout=30)
    assert admin.status_code in (401, 403), admin.text
    assert requests.get(server.admin_url("services"), auth=(server.admin_key, ""), timeout=30).status_code == 200


def test_concurrent_retries_and_merges(server):
    """Eight identical version POSTs at once (a client retrying while the first is in flight)
    make one version; eight tag merges at once never go past ten tags."""
    from concurrent.futures import ThreadPoolExecutor

    m = "apr-race"
    aporia.create_model(m, "Race")
    body = client_version_body("v1", "regression", FEATURES, PREDICTIONS)
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: rest(server, "POST", f"/v1beta/models/{m}/versions", json=body), range(8)))
    assert sorted(r.status_code for r in answers) == [200] * 7 + [201], [r.text for r in answers]
    listed = ok_json(rest(server, "GET", f"/v1beta/models/{m}/versions"), 200)
    assert len(listed) == 1 and {r.json()["id"] for r in answers} == {listed[0]["id"]}
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda i: rest(server, "POST", f"/v1beta/models/{m}/tags",
                                               json={"tags": {f"t{i}a": "x", f"t{i}b": "y"}}), range(8)))
    assert sorted(r.status_code for r in answers) == [200] * 5 + [400] * 3, [r.text for r in answers]
    assert len(aporia.get_model_tags(m)["tags"]) == 10
