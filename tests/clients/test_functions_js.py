"""JavaScript function endpoints through the real `APINodeClient` (issue 4) on the example service
`js_svc` (QuickJS through componentize-qjs, built by scripts/lib/functions.sh): the seed's
`simple_sum` by POST (`run_function`) and GET, a record with a list and an option in and out, an
enum answer, and JavaScript errors as the client's `DataikuException`."""

import pytest
from dataikuapi import APINodeClient
from dataikuapi.utils import DataikuException

SERVICE = "js_svc"


def test_run_function_post_and_get_answer_the_seed(plinth):
    client = APINodeClient(plinth.url, SERVICE)
    answer = client.run_function("simple_sum", param1=30, param2=12)
    assert list(answer) == ["response", "timing", "apiContext"]
    assert answer["response"] == 42
    assert answer["apiContext"] == {"serviceId": SERVICE, "endpointId": "simple_sum", "serviceGeneration": "v1"}
    by_get = client._perform_json("GET", "simple_sum/run", params={"param1": "-2", "param2": "44"})
    assert by_get["response"] == 42


def test_records_lists_options_and_enums_map_to_json(plinth):
    client = APINodeClient(plinth.url, SERVICE)
    order = {"amount": 1250.5, "country": "xx", "items": ["a", "b"], "coupon": "FREESHIP"}
    verdict = client.run_function("score_order", order=order)["response"]
    assert verdict == {"score": 0.9, "level": "high", "reasons": ["amount over 1000", "country xx", "coupon FREESHIP"]}
    # The option left out.
    plain = client.run_function("score_order", order={"amount": 420, "country": "FR", "items": ["book"]})
    assert plain["response"] == {"score": 0.2, "level": "medium", "reasons": ["amount over 300"]}
    assert client.run_function("level_of", score=0.7)["response"] == "high"


def test_javascript_errors_reach_the_client(plinth):
    client = APINodeClient(plinth.url, SERVICE)
    with pytest.raises(DataikuException) as refused:
        client.run_function("score_order", order={"amount": -1, "country": "FR", "items": []})
    assert "amount must be zero or more, got -1" in str(refused.value)
    with pytest.raises(DataikuException) as thrown:
        client.run_function("fail", message="no such customer")
    assert "no such customer" in str(thrown.value)
    with pytest.raises(DataikuException) as bad_type:
        client.run_function("score_order", order={"amount": "lots", "country": "FR", "items": []})
    assert "amount" in str(bad_type.value)
    # The server goes on.
    assert client.run_function("simple_sum", param1=1, param2=2)["response"] == 3
