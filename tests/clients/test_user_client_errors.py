"""Error handling of the real `APINodeClient`: it raises `DataikuException("<errorType>: <detail>")`
for any status >= 400. Statuses are checked with `requests`, sending what the client sends
(a JSON body, no Content-Type)."""

import json

import pytest
import requests
from dataikuapi import APINodeAdminClient, APINodeClient
from dataikuapi.utils import DataikuException

from conftest import create_service_key

ENDPOINT = "passenger_info"
TURPIN = {
    "PassengerId": "42",
    "Name": "Turpin, Mrs. William John Robert (Dorothy Ann Wonnacott)",
    "Age": 27,
    "Fare": 21,
}


def dataiku_error(call, *args, **kwargs):
    with pytest.raises(DataikuException) as caught:
        call(*args, **kwargs)
    return str(caught.value)


def raw_post(server, service, endpoint, action, body, auth=None, headers=None):
    return requests.post(server.user_url(service, endpoint, action), data=json.dumps(body), auth=auth, headers=headers)


def test_unknown_service(plinth):
    client = APINodeClient(plinth.url, "no_such_service")
    text = dataiku_error(client.lookup_record, ENDPOINT, {"PassengerId": 42})
    assert text == 'UnknownService: no service "no_such_service" on this node'
    assert dataiku_error(client.predict_record, "ep", {"a": 1}).startswith("UnknownService: ")
    assert dataiku_error(client.run_function, "ep", x=1).startswith("UnknownService: ")
    assert dataiku_error(client.sql_query, "ep", {"param1": 1}).startswith("UnknownService: ")

    response = raw_post(plinth, "no_such_service", ENDPOINT, "lookup", {"data": {"PassengerId": 42}})
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {
        "errorType": "UnknownService",
        "message": 'no service "no_such_service" on this node',
        "detailedMessage": 'no service "no_such_service" on this node',
    }


def test_unknown_endpoint(plinth):
    client = APINodeClient(plinth.url, "lookup_svc")
    text = dataiku_error(client.lookup_record, "no_such_endpoint", {"PassengerId": 42})
    assert text == ('UnknownEndpoint: service "lookup_svc" (generation v1) has no endpoint "no_such_endpoint"; '
                    "its endpoints are: passenger_info")
    response = raw_post(plinth, "lookup_svc", "no_such_endpoint", "lookup", {"data": {"PassengerId": 42}})
    assert response.status_code == 404
    assert response.json()["errorType"] == "UnknownEndpoint"


@pytest.mark.parametrize(
    "call, action",
    [
        (lambda c: c.predict_record(ENDPOINT, {"PassengerId": 42}), "predict"),
        (lambda c: c.predict_records(ENDPOINT, [{"features": {"PassengerId": 42}}]), "predict-multi"),
        (lambda c: c.run_function(ENDPOINT, PassengerId=42), "run"),
        # No arguments: the client sends an empty body (Content-Length 0), read as {}.
        (lambda c: c.run_function(ENDPOINT), "run"),
        (lambda c: c.sql_query(ENDPOINT, {"param1": 42}), "query"),
    ],
    ids=["predict_record", "predict_records", "run_function", "run_function_empty_body", "sql_query"],
)
def test_action_the_lookup_endpoint_does_not_have(plinth, call, action):
    text = dataiku_error(call, APINodeClient(plinth.url, "lookup_svc"))
    assert text == (f'UnsupportedAction: endpoint "passenger_info" is a lookup endpoint: it answers '
                    f"lookup, lookup-multi, lookup-simple, not {action}")


@pytest.mark.parametrize(
    "call, action",
    [
        (lambda c: c.forecast(ENDPOINT, [{"PassengerId": 42}]), "forecast"),
        (lambda c: c.predict_effect(ENDPOINT, {"PassengerId": 42}), "predict-effect"),
        (lambda c: c.predict_effects(ENDPOINT, [{"features": {"PassengerId": 42}}]), "predict-effect-multi"),
    ],
    ids=["forecast", "predict_effect", "predict_effects"],
)
def test_out_of_scope_actions_are_clear_errors(plinth, call, action):
    text = dataiku_error(call, APINodeClient(plinth.url, "lookup_svc"))
    assert text.startswith(f'UnknownAction: "{action}" is not a user-API action: expected one of ')
    assert "lookup-multi" in text
    response = raw_post(plinth, "lookup_svc", ENDPOINT, action, {})
    assert response.status_code == 404


def test_malformed_bodies(plinth):
    url = plinth.user_url("lookup_svc", ENDPOINT, "lookup")
    response = requests.post(url, data="{not json")
    assert response.status_code == 400
    assert response.json()["errorType"] == "InvalidJson"
    response = requests.post(url, data="[1, 2]")
    assert (response.status_code, response.json()["errorType"]) == (400, "InvalidJson")
    assert response.json()["message"] == "expected a JSON object as the request body, found an array"


@pytest.fixture(scope="module")
def private_services(plinth, tmp_path_factory):
    """Two non-public services (`conf_priv_a`, `conf_priv_b`) on the session server, each with a key."""
    from conftest import write_bundle

    admin = APINodeAdminClient(plinth.url, plinth.admin_key)
    bundles = tmp_path_factory.mktemp("private-bundles")
    keys = {}
    for service_id in ("conf_priv_a", "conf_priv_b"):
        admin.create_service(service_id)
        admin.service(service_id).import_generation_from_archive(str(write_bundle(bundles, service_id, public=False)))
        admin.service(service_id).switch_to_newest()
        keys[service_id] = create_service_key(plinth, service_id)
    return keys


def test_non_public_service_needs_a_key(plinth, private_services):
    client = APINodeClient(plinth.url, "conf_priv_a")
    text = dataiku_error(client.lookup_record, ENDPOINT, {"PassengerId": 42})
    assert text == 'Unauthorized: service "conf_priv_a" needs an API key (HTTP Basic user name or Bearer)'
    response = raw_post(plinth, "conf_priv_a", ENDPOINT, "lookup", {"data": {"PassengerId": 42}})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Basic realm="plinth"'

    wrong = APINodeClient(plinth.url, "conf_priv_a", api_key="not-a-real-key")
    assert dataiku_error(wrong.lookup_record, ENDPOINT, {"PassengerId": 42}).startswith("Unauthorized: ")
    assert raw_post(plinth, "conf_priv_a", ENDPOINT, "lookup", {}, auth=("not-a-real-key", "")).status_code == 401


def test_service_key_via_api_key_and_bearer_token(plinth, private_services):
    key = private_services["conf_priv_a"]
    by_basic = APINodeClient(plinth.url, "conf_priv_a", api_key=key)
    assert by_basic.lookup_record(ENDPOINT, {"PassengerId": 42}) == {"data": TURPIN, "ignored": False}
    by_bearer = APINodeClient(plinth.url, "conf_priv_a", bearer_token=key)
    assert by_bearer.lookup_record(ENDPOINT, {"PassengerId": 42}) == {"data": TURPIN, "ignored": False}
    answer = by_bearer.lookup_records(ENDPOINT, [{"data": {"PassengerId": 42}}])
    assert answer["apiContext"] == {"serviceId": "conf_priv_a", "endpointId": ENDPOINT, "serviceGeneration": "v1"}


def test_another_services_key_is_forbidden(plinth, private_services):
    key_b = private_services["conf_priv_b"]
    client = APINodeClient(plinth.url, "conf_priv_a", api_key=key_b)
    text = dataiku_error(client.lookup_record, ENDPOINT, {"PassengerId": 42})
    assert text == 'Forbidden: this API key belongs to service "conf_priv_b", not to "conf_priv_a"'
    assert raw_post(plinth, "conf_priv_a", ENDPOINT, "lookup", {}, auth=(key_b, "")).status_code == 403
    bearer = APINodeClient(plinth.url, "conf_priv_a", bearer_token=key_b)
    assert dataiku_error(bearer.lookup_record, ENDPOINT, {"PassengerId": 42}).startswith("Forbidden: ")
    # The admin key is not a user key either.
    admin_as_user = APINodeClient(plinth.url, "conf_priv_a", api_key=plinth.admin_key)
    assert dataiku_error(admin_as_user.lookup_record, ENDPOINT, {"PassengerId": 42}).startswith("Forbidden: ")


def test_deleted_service_key_stops_working(plinth, private_services):
    key = create_service_key(plinth, "conf_priv_b", label="short-lived")
    client = APINodeClient(plinth.url, "conf_priv_b", api_key=key)
    assert client.lookup_record(ENDPOINT, {"PassengerId": 42})["data"] == TURPIN
    response = plinth.admin().delete(plinth.admin_url(f"services/conf_priv_b/keys/{key}"))
    assert response.status_code == 200, response.text
    assert dataiku_error(client.lookup_record, ENDPOINT, {"PassengerId": 42}).startswith("Unauthorized: ")
    # The module's other key for that service still works.
    other = APINodeClient(plinth.url, "conf_priv_b", api_key=private_services["conf_priv_b"])
    assert other.lookup_record(ENDPOINT, {"PassengerId": 42})["data"] == TURPIN
