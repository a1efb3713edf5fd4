"""Dataset lookups through the real `APINodeClient` (issue 5, item 7) on the example service
`lookup_svc` / `passenger_info` (Titanic training set, key PassengerId; Name, Age, Fare)."""

import json

import requests
from dataikuapi import APINodeClient

ENDPOINT = "passenger_info"
TURPIN = {
    "PassengerId": "42",
    "Name": "Turpin, Mrs. William John Robert (Dorothy Ann Wonnacott)",
    "Age": 27,
    "Fare": 21,
}
SLOPER = {"PassengerId": "24", "Name": "Sloper, Mr. William Thompson", "Age": 28, "Fare": 35.5}
BRAUND = {"PassengerId": "1", "Name": "Braund, Mr. Owen Harris", "Age": 22, "Fare": 7.25}
# Passenger 6 has no age in the data set.
MORAN = {"PassengerId": "6", "Name": "Moran, Mr. James", "Age": None, "Fare": 8.4583}


def test_lookup_record_returns_the_seed_answer(plinth):
    client = APINodeClient(plinth.url, "lookup_svc")
    result = client.lookup_record(ENDPOINT, {"PassengerId": 42})
    assert result == {"data": TURPIN, "ignored": False}
    assert type(result["data"]["PassengerId"]) is str
    # A context is accepted (logged, not used).
    assert client.lookup_record(ENDPOINT, {"PassengerId": 42}, context={"caller": "pytest"}) == {"data": TURPIN, "ignored": False}
    # The string form of the key finds the same row.
    assert client.lookup_record(ENDPOINT, {"PassengerId": "42"}) == {"data": TURPIN, "ignored": False}


def test_lookup_record_envelope(plinth):
    """lookup_record keeps only results[0]; the whole answer, as the client receives it."""
    response = requests.post(plinth.user_url("lookup_svc", ENDPOINT, "lookup"), data=json.dumps({"data": {"PassengerId": 42}}))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    answer = response.json()
    assert set(answer) == {"results", "timing", "apiContext"}
    assert answer["results"] == [{"data": TURPIN, "ignored": False}]
    assert answer["apiContext"] == {"serviceId": "lookup_svc", "endpointId": ENDPOINT, "serviceGeneration": "v1"}
    assert {"preProcessing", "wait", "execution"} <= set(answer["timing"])
    assert all(isinstance(v, int) and v >= 0 for v in answer["timing"].values())


def test_lookup_records_in_order(plinth):
    client = APINodeClient(plinth.url, "lookup_svc")
    answer = client.lookup_records(ENDPOINT, [{"data": {"PassengerId": p}} for p in (42, "24", 1, 6, 42)])
    assert answer["results"] == [
        {"data": TURPIN, "ignored": False},
        {"data": SLOPER, "ignored": False},
        {"data": BRAUND, "ignored": False},
        {"data": MORAN, "ignored": False},
        {"data": TURPIN, "ignored": False},
    ]
    assert answer["apiContext"] == {"serviceId": "lookup_svc", "endpointId": ENDPOINT, "serviceGeneration": "v1"}
    assert client.lookup_records(ENDPOINT, [])["results"] == []


def test_lookup_no_match_or_missing_key_is_ignored_not_an_error(plinth):
    """The endpoint's default policies (DROP_ROW): the record is answered `ignored` with its reason."""
    client = APINodeClient(plinth.url, "lookup_svc")
    assert client.lookup_record(ENDPOINT, {"PassengerId": 99999}) == {
        "data": {}, "ignored": True, "ignoreReason": "NO_LOOKUP_MATCH"}
    answer = client.lookup_records(ENDPOINT, [{"data": {"PassengerId": 99999}}, {"data": {}}, {"data": {"PassengerId": 42}}])
    assert answer["results"] == [
        {"data": {}, "ignored": True, "ignoreReason": "NO_LOOKUP_MATCH"},
        {"data": {}, "ignored": True, "ignoreReason": "MISSING_LOOKUP_KEY"},
        {"data": TURPIN, "ignored": False},
    ]


def test_base_url_with_trailing_slash(plinth):
    client = APINodeClient(plinth.url + "/", "lookup_svc")
    assert client.lookup_record(ENDPOINT, {"PassengerId": 42}) == {"data": TURPIN, "ignored": False}
    assert client.lookup_records(ENDPOINT, [{"data": {"PassengerId": "24"}}])["results"] == [{"data": SLOPER, "ignored": False}]


def test_lookup_simple_get(plinth):
    response = requests.get(plinth.user_url("lookup_svc", ENDPOINT, "lookup-simple"), params={"PassengerId": "42"})
    assert response.status_code == 200
    assert response.json()["results"] == [{"data": TURPIN, "ignored": False}]


def test_lookup_on_a_database_table_answers_like_the_dataset(plinth):
    """sql_svc/passenger_info reads the same passengers live from its SQLite table."""
    client = APINodeClient(plinth.url, "sql_svc")
    assert client.lookup_record(ENDPOINT, {"PassengerId": 42}) == {"data": TURPIN, "ignored": False}
    answer = client.lookup_records(ENDPOINT, [{"data": {"PassengerId": p}} for p in (42, "24", 1, 6)])
    assert answer["results"] == [
        {"data": TURPIN, "ignored": False},
        {"data": SLOPER, "ignored": False},
        {"data": BRAUND, "ignored": False},
        {"data": MORAN, "ignored": False},
    ]
