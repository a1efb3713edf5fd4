"""Service health through the real `datarobot` client, the numbers computed by the test from the
traffic it sent through the real `dataikuapi` client: serviceStats, serviceStatsOverTime (PT1H,
P1D) and predictionsOverTime (3.2+: rowCount, meanPredictedValue, classDistribution)."""

import math
import time
from collections import Counter
from datetime import datetime, timedelta, timezone

import datarobot as dr
import numpy as np
import pytest

from conftest import create_service_key
from drhelpers import DIABETES, IRIS, Traffic, connect, hdr_quantile_ms, needs, reference, rollups, server  # noqa: F401

pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning")


def hour_floor(t: datetime) -> datetime:
    return t.replace(minute=0, second=0, microsecond=0)


@pytest.fixture(scope="module")
def traffic(server):
    """Diabetes traffic of three consumers (anonymous and two API keys) with deliberate 400s,
    and iris traffic; all of it inside one minute when possible. Returns what was sent and received."""
    now = datetime.now(timezone.utc)
    if now.second >= 45:  # keep the burst inside one minute (medianLoad/peakLoad)
        time.sleep(60.5 - now.second - now.microsecond / 1e6)
    key1 = create_service_key(server, "diabetes_svc", "drc-one")
    key2 = create_service_key(server, "diabetes_svc", "drc-two")
    _, rows = reference("diabetes_svc")
    anon = Traffic(server, "diabetes_svc", "diabetes")
    one = Traffic(server, "diabetes_svc", "diabetes", api_key=key1)
    two = Traffic(server, "diabetes_svc", "diabetes", api_key=key2)
    stamps = []

    def stamp():
        stamps.append(time.time())

    for r in rows[:5]:
        anon.one(r)
        stamp()
    for i in range(3):
        one.many(rows[10 + 4 * i : 14 + 4 * i], batch=4)
        stamp()
    for r in rows[30:32]:
        two.one(r)
        stamp()
    bad = dict(rows[0])
    bad["bmi"] = "not a number"
    for _ in range(3):
        anon.bad(bad)
        stamp()
    _, iris_rows = reference("iris_svc")
    iris = Traffic(server, "iris_svc", "iris")
    iris.many(iris_rows[:30], batch=10)
    rollups()
    return {"anon": anon, "one": one, "two": two, "all": (anon, one, two), "stamps": stamps, "iris": iris}


def totals(t):
    calls = sum(x.calls for x in t["all"])
    rows = sum(x.rows for x in t["all"])
    errors = sum(x.user_errors for x in t["all"])
    executions = [e for x in t["all"] for e in x.executions_us]
    predictions = [p["prediction"] for x in t["all"] for p in x.predictions]
    return calls, rows, errors, executions, predictions


def per_minute_loads(stamps):
    per_minute = Counter(int(s // 60) for s in stamps)
    counts = sorted(per_minute.values())
    return float(np.median(counts)), float(max(counts))


def test_service_stats(server, traffic):
    connect(server)
    calls, rows, errors, executions, _ = totals(traffic)
    assert (calls, rows, errors) == (13, 19, 3)
    stats = dr.Deployment.get(DIABETES).get_service_stats()
    m = stats.metrics
    assert m["totalRequests"] == calls
    assert m["totalPredictions"] == rows
    assert m["userErrorRate"] == pytest.approx(errors / calls, abs=1e-12)
    assert m["serverErrorRate"] == 0
    assert m["numConsumers"] == 3
    assert m["slowRequests"] == 0
    median, peak = per_minute_loads(traffic["stamps"])
    assert m["medianLoad"] == pytest.approx(median, abs=1e-9)
    assert m["peakLoad"] == pytest.approx(peak, abs=1e-9)
    assert 0.0 <= m["cacheHitRatio"] <= 1.0
    expected_exec = hdr_quantile_ms(executions, 0.5)
    assert m["executionTime"] == pytest.approx(expected_exec, rel=0.01)
    floor = response_time_floor_ms(calls, errors, executions, 0.5)
    assert m["responseTime"] is not None and m["responseTime"] >= floor * 0.99
    assert stats.model_id == "v1"


def response_time_floor_ms(calls: int, errors: int, executions_us, q: float) -> float:
    """A lower bound of the server's response-time quantile: the q-quantile over all calls has
    rank ceil(q·calls); at worst every error (which carries no timing) is among the fastest, so
    at least rank − errors of those calls succeeded, each taking at least its execution time."""
    k = math.ceil(q * calls) - errors
    return sorted(executions_us)[k - 1] / 1000.0 if k >= 1 else 0.0


def test_service_stats_quantiles(server, traffic):
    connect(server)
    calls, _, errors, executions, _ = totals(traffic)
    d = dr.Deployment.get(DIABETES)
    for q in (0.01, 0.25, 0.5, 0.9, 0.99):
        m = d.get_service_stats(execution_time_quantile=q, response_time_quantile=q).metrics
        expected = hdr_quantile_ms(executions, q)
        assert m["executionTime"] == pytest.approx(expected, rel=0.01), q
        floor = response_time_floor_ms(calls, errors, executions, q)
        assert m["responseTime"] is not None and m["responseTime"] >= floor * 0.99, q


def test_service_stats_of_a_window_without_traffic(server, traffic):
    connect(server)
    end = hour_floor(datetime.now(timezone.utc)) - timedelta(days=2)
    m = dr.Deployment.get(DIABETES).get_service_stats(start_time=end - timedelta(hours=5), end_time=end).metrics
    assert (m["totalRequests"], m["totalPredictions"], m["userErrorRate"], m["numConsumers"]) == (0, 0, 0, 0)
    assert m["executionTime"] is None and m["responseTime"] is None


@pytest.mark.parametrize("bucket", ["PT1H", "P1D"])
def test_service_stats_over_time(server, traffic, bucket):
    connect(server)
    calls, rows, errors, _, _ = totals(traffic)
    now = datetime.now(timezone.utc)
    if bucket == "PT1H":
        start, end, n = hour_floor(now) - timedelta(hours=3), hour_floor(now) + timedelta(hours=1), 4
    else:
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
        start, end, n = midnight - timedelta(days=2), midnight + timedelta(days=1), 3
    d = dr.Deployment.get(DIABETES)
    expected = {"totalPredictions": rows, "totalRequests": calls, "userErrorRate": errors / calls, "numConsumers": 3}
    for metric, value in expected.items():
        over = d.get_service_stats_over_time(metric=metric, start_time=start, end_time=end, bucket_size=bucket)
        assert len(over.buckets) == n, (metric, over.buckets)
        starts = [b["period"]["start"] for b in over.buckets]
        step = timedelta(hours=1) if bucket == "PT1H" else timedelta(days=1)
        assert starts == [start + i * step for i in range(n)], (metric, starts)
        assert over.summary["value"] == pytest.approx(value, abs=1e-12), (metric, over.summary)
        with_traffic = [b for b in over.buckets if b["value"] not in (None, 0)]
        if metric in ("totalPredictions", "totalRequests"):
            assert sum(b["value"] or 0 for b in over.buckets) == value, (metric, over.buckets)
        else:
            # The traffic took a few seconds: it lies in one bucket unless it crossed a boundary.
            assert len(with_traffic) >= 1, (metric, over.buckets)
            if len(with_traffic) == 1:
                assert with_traffic[0]["value"] == pytest.approx(value, abs=1e-12), (metric, over.buckets)


@needs((3, 2), "get_predictions_over_time")
def test_predictions_over_time_regression(server, traffic):
    connect(server)
    _, rows, _, _, predictions = totals(traffic)
    now = datetime.now(timezone.utc)
    start, end = hour_floor(now) - timedelta(hours=3), hour_floor(now) + timedelta(hours=1)
    over = dr.Deployment.get(DIABETES).get_predictions_over_time(start_time=start, end_time=end, bucket_size="PT1H")
    assert len(over.buckets) == 4, over.buckets
    assert sum(b["row_count"] or 0 for b in over.buckets) == rows == len(predictions)
    filled = [b for b in over.buckets if b["row_count"]]
    weighted = sum(b["row_count"] * b["mean_predicted_value"] for b in filled) / rows
    assert weighted == pytest.approx(float(np.mean(predictions)), rel=1e-6)
    total = dr.Deployment.get(DIABETES).get_service_stats(start_time=start, end_time=end).metrics["totalPredictions"]
    assert total == rows
    [baseline] = over.baselines
    assert baseline["row_count"] == 200  # the reference sample


@needs((3, 2), "get_predictions_over_time")
def test_predictions_over_time_class_distribution(server, traffic):
    connect(server)
    iris = traffic["iris"]
    predicted = Counter(str(p["prediction"]) for p in iris.predictions)
    assert sum(predicted.values()) == 30
    now = datetime.now(timezone.utc)
    start, end = hour_floor(now) - timedelta(hours=1), hour_floor(now) + timedelta(hours=1)
    over = dr.Deployment.get(IRIS).get_predictions_over_time(start_time=start, end_time=end, bucket_size="PT1H")
    got = Counter()
    for b in over.buckets:
        for c in b.get("class_distribution") or []:
            got[c["class_name"]] += c["count"]
            if b["row_count"]:
                assert c["percent"] == pytest.approx(100.0 * c["count"] / b["row_count"], abs=1e-9)
    assert {k: v for k, v in got.items() if v} == dict(predicted)
    assert sum(b["row_count"] or 0 for b in over.buckets) == 30


def test_execution_time_quantiles_without_errors(server, traffic):
    """Iris had no failed call: every call's execution time is one the client received."""
    connect(server)
    iris = traffic["iris"]
    assert iris.calls == 3 and iris.user_errors == 0
    d = dr.Deployment.get(IRIS)
    for q in (0.1, 0.5, 0.9, 1.0):
        m = d.get_service_stats(execution_time_quantile=q, response_time_quantile=q).metrics
        assert (m["totalRequests"], m["totalPredictions"], m["userErrorRate"]) == (3, 30, 0)
        expected = hdr_quantile_ms(iris.executions_us, q)
        assert m["executionTime"] == pytest.approx(expected, rel=0.01), (q, sorted(iris.executions_us))
        assert m["responseTime"] is not None and m["responseTime"] >= expected * 0.99, q
