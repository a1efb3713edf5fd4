"""The admin API through the real `APINodeAdminClient`, each change checked through user calls
made with the real `APINodeClient` (`apiContext.serviceGeneration` says which generation answered).

Each test runs its own empty server (`--no-examples`) so that service lists, key lists and the
clean-up report can be compared exactly.
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


def generation_of(server, service_id, passenger=42):
    """The generation that answers a lookup-multi through the real client, checking the answer."""
    answer = APINodeClient(server.url, service_id).lookup_records(ENDPOINT, [{"data": {"PassengerId": passenger}}])
    assert answer["apiContext"]["serviceId"] == service_id
    assert answer["apiContext"]["endpointId"] == ENDPOINT
    return answer["apiContext"]["serviceGeneration"], answer["results"]


def raises_dataiku(prefix, call, *args, **kwargs):
    """Runs `call`, expects a DataikuException whose text starts with `prefix`; returns the text."""
    with pytest.raises(DataikuException) as caught:
        call(*args, **kwargs)
    text = str(caught.value)
    assert text.startswith(prefix), f"expected an error starting with {prefix!r}, got {text!r}"
    return text


def generations_table(service):
    return {g["id"]: (g["active"], g["loaded"]) for g in service.list_generations()}


def test_create_import_list_and_switch_to_newest(start_plinth, make_bundle):
    server = start_plinth()
    admin = APINodeAdminClient(server.url, server.admin_key)
    assert admin.list_services() == []

    assert admin.create_service("conf_admin") is None
    [summary] = admin.list_services()
    assert (summary["serviceId"], summary["enabled"], summary["public"], summary["generations"]) == (
        "conf_admin", True, False, [])
    raises_dataiku('Conflict: service "conf_admin" already exists', admin.create_service, "conf_admin")

    service = admin.service("conf_admin")
    assert service.list_generations() == []
    # A created service is not public until a bundle says so.
    raises_dataiku('Unauthorized: service "conf_admin" needs an API key', APINodeClient(server.url, "conf_admin").lookup_record,
                   ENDPOINT, {"PassengerId": 42})

    service.import_generation_from_archive(str(make_bundle("conf_admin")))
    assert generations_table(service) == {"v1": (False, True)}
    # Imported (public now), not yet routed: no active generation.
    raises_dataiku("NoActiveGeneration: ", APINodeClient(server.url, "conf_admin").lookup_record,
                   ENDPOINT, {"PassengerId": 42})

    assert service.switch_to_newest() == {"serviceId": "conf_admin", "generation": "v1"}
    assert generations_table(service) == {"v1": (True, True)}
    generation, results = generation_of(server, "conf_admin")
    assert generation == "v1"
    assert results == [{"data": TURPIN, "ignored": False}]

    # The bundle copy says `public = true`: once deployed, the service is public.
    [summary] = admin.list_services()
    assert (summary["public"], summary["generations"], summary["mapping"]) == (
        True, ["v1"], {"strategy": "RANDOM", "entries": [{"generation": "v1", "proba": 1.0}]})

    # A .zip archive is a bundle too; the newest generation takes the calls after switchToNewest.
    service.import_generation_from_archive(str(make_bundle("conf_admin", fmt="zip")))
    assert [g["id"] for g in service.list_generations()] == ["v1", "v2"]
    assert generation_of(server, "conf_admin")[0] == "v1"
    assert service.switch_to_newest() == {"serviceId": "conf_admin", "generation": "v2"}
    assert generation_of(server, "conf_admin")[0] == "v2"

    # A bundle for another service is refused and changes nothing.
    text = raises_dataiku("BadBundle: ", service.import_generation_from_archive, str(make_bundle("other_svc")))
    assert '"other_svc"' in text and '"conf_admin"' in text
    assert [g["id"] for g in service.list_generations()] == ["v1", "v2"]
    raises_dataiku("FileNotFound: ", service.import_generation_from_archive, str(server.data_dir / "nope.tar.gz"))
    raises_dataiku("UnknownService: ", admin.service("nope").list_generations)


def test_mapping_switch_to_single_and_preload(start_plinth, make_bundle):
    server = start_plinth()
    admin = APINodeAdminClient(server.url, server.admin_key)
    admin.create_service("conf_map")
    service = admin.service("conf_map")
    service.import_generation_from_archive(str(make_bundle("conf_map")))
    # v2 answers other columns, so the data too says which generation answered.
    service.import_generation_from_archive(str(make_bundle("conf_map", columns=["Sex", "Pclass"])))
    assert service.switch_to_newest() == {"serviceId": "conf_map", "generation": "v2"}
    generation, results = generation_of(server, "conf_map")
    assert (generation, results) == ("v2", [{"data": {"PassengerId": "42", "Sex": "female", "Pclass": 2}, "ignored": False}])

    # All the traffic to v1 through a mapping.
    assert service.set_generations_mapping(
        {"entries": [{"generation": "v1", "proba": 1.0}, {"generation": "v2", "proba": 0.0}]}) is None
    assert {generation_of(server, "conf_map")[0] for _ in range(20)} == {"v1"}
    assert generation_of(server, "conf_map")[1] == [{"data": TURPIN, "ignored": False}]

    # 50/50 RANDOM: both answer (a miss has probability 2**-79).
    service.set_generations_mapping({"entries": [{"generation": "v1", "proba": 0.5}, {"generation": "v2", "proba": 0.5}],
                                     "strategy": "RANDOM"})
    seen = [generation_of(server, "conf_map")[0] for _ in range(80)]
    assert set(seen) == {"v1", "v2"}
    [summary] = admin.list_services()
    assert summary["mapping"] == {"strategy": "RANDOM", "entries": [{"generation": "v1", "proba": 0.5},
                                                                    {"generation": "v2", "proba": 0.5}]}

    # Bad mappings are refused, the mapping in place stays.
    raises_dataiku("BadRequest: the entries' proba values add up to 0.7, expected 1", service.set_generations_mapping,
                   {"entries": [{"generation": "v1", "proba": 0.5}, {"generation": "v2", "proba": 0.2}]})
    raises_dataiku('UnknownGeneration: service "conf_map" has no generation "v9"', service.set_generations_mapping,
                   {"entries": [{"generation": "v9", "proba": 1.0}]})
    assert admin.list_services()[0]["mapping"]["entries"][1] == {"generation": "v2", "proba": 0.5}

    # switchTo a single generation.
    assert service.switch_to_single_generation("v2") is None
    assert {generation_of(server, "conf_map")[0] for _ in range(20)} == {"v2"}
    assert generations_table(service) == {"v1": (False, False), "v2": (True, True)}
    raises_dataiku('UnknownGeneration: service "conf_map" has no generation "v7"', service.switch_to_single_generation, "v7")
    assert generation_of(server, "conf_map")[0] == "v2"

    # preload loads a generation without routing to it.
    assert service.preload_generation("v1") is None
    assert generations_table(service) == {"v1": (False, True), "v2": (True, True)}
    assert generation_of(server, "conf_map")[0] == "v2"
    raises_dataiku('UnknownGeneration: service "conf_map" has no generation "v5"', service.preload_generation, "v5")
    service.switch_to_single_generation("v1")
    assert generation_of(server, "conf_map") == ("v1", [{"data": TURPIN, "ignored": False}])


def test_disable_enable_and_delete(start_plinth, make_bundle):
    server = start_plinth()
    admin = APINodeAdminClient(server.url, server.admin_key)
    admin.create_service("conf_onoff")
    service = admin.service("conf_onoff")
    service.import_generation_from_archive(str(make_bundle("conf_onoff")))
    service.switch_to_newest()
    user = APINodeClient(server.url, "conf_onoff")
    assert user.lookup_record(ENDPOINT, {"PassengerId": 42}) == {"data": TURPIN, "ignored": False}

    assert service.disable() is None
    assert admin.list_services()[0]["enabled"] is False
    raises_dataiku('ServiceDisabled: service "conf_onoff" is disabled', user.lookup_record, ENDPOINT, {"PassengerId": 42})
    raw = requests.post(server.user_url("conf_onoff", ENDPOINT, "lookup"), data=json.dumps({"data": {"PassengerId": 42}}))
    assert raw.status_code == 503

    assert service.enable() is None
    assert admin.list_services()[0]["enabled"] is True
    assert user.lookup_record(ENDPOINT, {"PassengerId": 42}) == {"data": TURPIN, "ignored": False}

    # A mapping enables a disabled service (as the client's docstring says).
    service.disable()
    service.set_generations_mapping({"entries": [{"generation": "v1", "proba": 1.0}]})
    assert admin.list_services()[0]["enabled"] is True
    assert user.lookup_record(ENDPOINT, {"PassengerId": 42}) == {"data": TURPIN, "ignored": False}

    admin.create_service("conf_other")
    assert sorted(s["serviceId"] for s in admin.list_services()) == ["conf_onoff", "conf_other"]
    assert service.delete() is None
    assert [s["serviceId"] for s in admin.list_services()] == ["conf_other"]
    raises_dataiku('UnknownService: no service "conf_onoff" on this node', user.lookup_record, ENDPOINT, {"PassengerId": 42})
    raises_dataiku("UnknownService: ", service.list_generations)
    raises_dataiku("UnknownService: ", service.delete)
    # The id is free again.
    admin.create_service("conf_onoff")
    assert service.list_generations() == []


def test_admin_keys(start_plinth):
    server = start_plinth()
    admin = APINodeAdminClient(server.url, server.admin_key)
    auth = admin.auth()
    [configured] = auth.list_keys()
    assert configured["label"] == "configured"
    assert "key" not in configured  # secrets are never listed

    created = auth.add_key(label="ci", description="conformance test", created_by="pytest")
    assert (created["label"], created["description"], created["createdBy"], created["expiry"]) == (
        "ci", "conformance test", "pytest", None)
    new_key = created["key"]
    assert len(new_key) == 32 and new_key != server.admin_key
    listed = {k["id"]: k for k in auth.list_keys()}
    assert set(listed) == {configured["id"], created["id"]}
    assert listed[created["id"]]["label"] == "ci" and "key" not in listed[created["id"]]

    # The new key is an admin key.
    assert APINodeAdminClient(server.url, new_key).list_services() == []
    assert auth.delete_key(new_key) is None
    raises_dataiku("Unauthorized: unknown or expired API key", APINodeAdminClient(server.url, new_key).list_services)
    assert [k["id"] for k in auth.list_keys()] == [configured["id"]]
    raises_dataiku("UnknownKey: no such API key", auth.delete_key, new_key)

    # delete_key_by_id
    second = auth.add_key(label="second")
    assert APINodeAdminClient(server.url, second["key"]).get_metrics()["services"] == 0
    assert auth.delete_key_by_id(second["id"]) is None
    raises_dataiku("Unauthorized: ", APINodeAdminClient(server.url, second["key"]).get_metrics)

    # An expiry in the past makes a key that never works.
    expired = auth.add_key(label="old", expiry=1_000)
    assert expired["expiry"] == 1_000
    raises_dataiku("Unauthorized: unknown or expired API key", APINodeAdminClient(server.url, expired["key"]).list_services)

    # A base URL with a trailing slash (the client then asks for //admin/api/...).
    assert [k["id"] for k in APINodeAdminClient(server.url + "/", server.admin_key).auth().list_keys()] == [
        k["id"] for k in auth.list_keys()]

    # No key, a wrong key.
    raises_dataiku("Unauthorized: ", APINodeAdminClient(server.url, "").list_services)
    raises_dataiku("Unauthorized: unknown or expired API key", APINodeAdminClient(server.url, "not-a-key").list_services)
    assert requests.get(server.admin_url("services")).status_code == 401


def test_metrics_count_user_calls(start_plinth, make_bundle):
    server = start_plinth()
    admin = APINodeAdminClient(server.url, server.admin_key)
    assert admin.get_metrics()["endpoints"] == []
    admin.create_service("conf_metrics")
    admin.service("conf_metrics").import_generation_from_archive(str(make_bundle("conf_metrics")))
    admin.service("conf_metrics").switch_to_newest()
    user = APINodeClient(server.url, "conf_metrics")
    for passenger in (1, 2, 42):
        user.lookup_record(ENDPOINT, {"PassengerId": passenger})
    raises_dataiku("UnsupportedAction: ", user.predict_record, ENDPOINT, {"PassengerId": 1})  # a client error

    metrics = admin.get_metrics()
    assert metrics["services"] == 1
    [endpoint] = metrics["endpoints"]
    assert {k: endpoint[k] for k in ("serviceId", "endpointId", "calls", "clientErrors", "serverErrors")} == {
        "serviceId": "conf_metrics", "endpointId": ENDPOINT, "calls": 4, "clientErrors": 1, "serverErrors": 0}
    assert endpoint["meanDurationUs"] > 0


def test_clean_unused_services_and_generations(start_plinth, make_bundle, capsys):
    server = start_plinth()
    admin = APINodeAdminClient(server.url, server.admin_key)
    for service_id in ("conf_keep", "conf_off"):
        admin.create_service(service_id)
    keep = admin.service("conf_keep")
    for _ in range(3):
        keep.import_generation_from_archive(str(make_bundle("conf_keep")))
    keep.switch_to_single_generation("v2")
    admin.service("conf_off").disable()
    capsys.readouterr()

    # The client prints the server's JSON answer and returns None.
    assert admin.clean_unused_services_and_generations() is None
    report = json.loads(capsys.readouterr().out)
    assert report == {
        "deletedServices": ["conf_off"],
        "deletedGenerations": [{"serviceId": "conf_keep", "generation": "v1"},
                               {"serviceId": "conf_keep", "generation": "v3"}],
    }
    assert [s["serviceId"] for s in admin.list_services()] == ["conf_keep"]
    assert generations_table(keep) == {"v2": (True, True)}
    assert generation_of(server, "conf_keep") == ("v2", [{"data": TURPIN, "ignored": False}])
    raises_dataiku("UnknownService: ", APINodeClient(server.url, "conf_off").lookup_record, ENDPOINT, {"PassengerId": 1})

    # Nothing left to clean.
    admin.clean_unused_services_and_generations()
    assert json.loads(capsys.readouterr().out) == {"deletedServices": [], "deletedGenerations": []}
