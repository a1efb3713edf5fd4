"""Function endpoints through the real `APINodeClient` (issue 4, item 7) on the example service
`python_svc` (Python components built by scripts/lib/functions.sh): the seed's `simple_sum`
by POST (`run_function`) and GET (the client's own HTTP session, as `run_function` only POSTs),
typed records, and errors raised as the client's `DataikuException`."""

import pytest
from dataikuapi import APINodeClient
from dataikuapi.utils import DataikuException

SERVICE = "python_svc"


def test_run_function_post_answers_the_seed(plinth):
    client = APINodeClient(plinth.url, SERVICE)
    answer = client.run_function("simple_sum", param1=30, param2=12)
    assert list(answer) == ["response", "timing", "apiContext"]
    assert answer["response"] == 42
    assert isinstance(answer["timing"]["functionInternal"], int)
    assert answer["apiContext"] == {"serviceId": SERVICE, "endpointId": "simple_sum", "serviceGeneration": "v1"}


def test_run_function_get_converts_query_strings_by_declared_types(plinth):
    client = APINodeClient(plinth.url, SERVICE)
    answer = client._perform_json("GET", "simple_sum/run", params={"param1": "30", "param2": "12"})
    assert answer["response"] == 42  # not "3012"
    pooled = client._perform_json("GET", "simple_sum_pooled/run", params={"param1": "-2", "param2": "44"})
    assert pooled["response"] == 42


def test_run_function_returns_records(plinth):
    client = APINodeClient(plinth.url, SERVICE)
    report = client.run_function("passenger_report", passenger_id=42)["response"]
    assert report["name"] == "Turpin, Mrs. William John Robert (Dorothy Ann Wonnacott)"
    assert report["age"] == 27
    assert report["fare"] == 21
    assert report["older_passengers"] > 0


def test_function_errors_reach_the_client(plinth):
    client = APINodeClient(plinth.url, SERVICE)
    with pytest.raises(DataikuException) as bad_type:
        client.run_function("simple_sum", param1="thirty", param2=12)
    assert "param1" in str(bad_type.value) and "s64" in str(bad_type.value)
    with pytest.raises(DataikuException) as missing:
        client.run_function("simple_sum", param1=1)
    assert "param2" in str(missing.value)
    with pytest.raises(DataikuException) as raised:
        client.run_function("fail", message="boom")
    assert "ValueError: boom" in str(raised.value)
    # The server goes on.
    assert client.run_function("simple_sum", param1=1, param2=2)["response"] == 3
