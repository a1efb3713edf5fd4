"""Forced generation and dispatch keys.

`dataikuapi`'s `lookup_record` sends no `dispatch` member, so these calls are made with
`requests`, sending what the client would: a JSON body and no Content-Type.
"""

import json

import pytest
import requests
from dataikuapi import APINodeAdminClient, APINodeClient
from dataikuapi.utils import DataikuException

ENDPOINT = "passenger_info"
TURPIN = {
    "PassengerId": "42",
    "Name": "Turpin, Mrs. William John Robert (Dorothy Ann Wonnacott)",
    "Age": 27,
    "Fare": 21,
}
# What generation v2 (columns Sex, Pclass) answers for passenger 42.
TURPIN_V2 = {"PassengerId": "42", "Sex": "female", "Pclass": 2}


def lookup(server, service_id, dispatch=None, passenger=42):
    body = {"data": {"PassengerId": passenger}}
    if dispatch is not None:
        body["dispatch"] = dispatch
    return requests.post(server.user_url(service_id, ENDPOINT, "lookup"), data=json.dumps(body))


def deploy_two_generations(server, service_id, bundle_v1, bundle_v2):
    admin = APINodeAdminClient(server.url, server.admin_key)
    admin.create_service(service_id)
    service = admin.service(service_id)
    service.import_generation_from_archive(str(bundle_v1))
    service.import_generation_from_archive(str(bundle_v2))
    return service


def test_forced_generation(plinth, make_bundle):
    service = deploy_two_generations(
        plinth, "conf_forced", make_bundle("conf_forced"), make_bundle("conf_forced", columns=["Sex", "Pclass"]))
    service.switch_to_single_generation("v2")

    plain = lookup(plinth, "conf_forced")
    assert plain.status_code == 200
    assert plain.json()["apiContext"]["serviceGeneration"] == "v2"
    assert plain.json()["results"] == [{"data": TURPIN_V2, "ignored": False}]

    forced = lookup(plinth, "conf_forced", {"forcedGeneration": "v1"})
    assert forced.status_code == 200
    answer = forced.json()
    assert set(answer) == {"results", "timing", "apiContext"}
    assert answer["results"] == [{"data": TURPIN, "ignored": False}]
    assert answer["apiContext"] == {"serviceId": "conf_forced", "endpointId": ENDPOINT, "serviceGeneration": "v1"}
    assert {"preProcessing", "wait", "execution"} <= set(answer["timing"])

    # Forced wins over a dispatch key; the routing is unchanged afterwards.
    both = lookup(plinth, "conf_forced", {"forcedGeneration": "v1", "dispatchKey": "user-1"})
    assert both.json()["apiContext"]["serviceGeneration"] == "v1"
    assert lookup(plinth, "conf_forced").json()["apiContext"]["serviceGeneration"] == "v2"

    # lookup-multi takes the dispatch member too.
    multi = requests.post(plinth.user_url("conf_forced", ENDPOINT, "lookup-multi"),
                          data=json.dumps({"items": [{"data": {"PassengerId": 42}}], "dispatch": {"forcedGeneration": "v1"}}))
    assert multi.status_code == 200
    assert multi.json()["apiContext"]["serviceGeneration"] == "v1"
    assert multi.json()["results"] == [{"data": TURPIN, "ignored": False}]

    unknown = lookup(plinth, "conf_forced", {"forcedGeneration": "v9"})
    assert unknown.status_code == 404
    assert unknown.json()["errorType"] == "UnknownGeneration"
    assert unknown.json()["message"] == 'service "conf_forced" has no generation "v9"'

    bad = lookup(plinth, "conf_forced", {"forcedGeneration": 3})
    assert bad.status_code == 400
    assert bad.json()["errorType"] == "InvalidInput"


HASH_KEYS = [f"customer-{i}" for i in range(40)]


def generations_by_key(server, service_id):
    picked = {}
    for key in HASH_KEYS:
        response = lookup(server, service_id, {"dispatchKey": key})
        assert response.status_code == 200, response.text
        picked[key] = response.json()["apiContext"]["serviceGeneration"]
        expected = TURPIN if picked[key] == "v1" else TURPIN_V2
        assert response.json()["results"] == [{"data": expected, "ignored": False}]
    return picked


def test_hash_based_dispatch_is_the_same_on_two_servers(start_plinth, make_bundle):
    bundle_v1 = make_bundle("conf_hash")
    bundle_v2 = make_bundle("conf_hash", columns=["Sex", "Pclass"])
    mapping = {"entries": [{"generation": "v1", "proba": 0.5}, {"generation": "v2", "proba": 0.5}], "strategy": "HASH_BASED"}

    # Two processes that share nothing but the bundle archives.
    servers = [start_plinth(), start_plinth()]
    assert servers[0].data_dir != servers[1].data_dir
    picks = []
    for server in servers:
        service = deploy_two_generations(server, "conf_hash", bundle_v1, bundle_v2)
        service.set_generations_mapping(mapping)
        picks.append(generations_by_key(server, "conf_hash"))

    assert picks[0] == picks[1]
    # Both generations get keys (all 40 on one side has probability 2**-39).
    assert set(picks[0].values()) == {"v1", "v2"}
    # The same key keeps its generation call after call.
    assert generations_by_key(servers[0], "conf_hash") == picks[0]

    # Numbers are dispatch keys too.
    numeric = [lookup(server, "conf_hash", {"dispatchKey": 12345}).json()["apiContext"]["serviceGeneration"] for server in servers]
    assert numeric[0] == numeric[1]

    # No key under HASH_BASED is a 400; the real client sends none with lookup_record.
    missing = lookup(servers[0], "conf_hash")
    assert missing.status_code == 400
    assert missing.json()["errorType"] == "MissingDispatchKey"
    with pytest.raises(DataikuException) as caught:
        APINodeClient(servers[0].url, "conf_hash").lookup_record(ENDPOINT, {"PassengerId": 42})
    assert str(caught.value).startswith('MissingDispatchKey: service "conf_hash" dispatches by hash')
    # forcedGeneration still works without a key.
    assert lookup(servers[0], "conf_hash", {"forcedGeneration": "v2"}).json()["apiContext"]["serviceGeneration"] == "v2"
