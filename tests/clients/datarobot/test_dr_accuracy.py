"""Actuals and accuracy through the real `datarobot` client: predictions carry association ids in
their `context` (sent through the real `dataikuapi` client), actuals are submitted for a subset
(one id twice: the later value wins), and every metric is checked against the test's own numpy
computation: RMSE, MAE, R Squared (diabetes), LogLoss, AUC (cancer)."""

from datetime import datetime, timedelta, timezone

import datarobot as dr
import numpy as np
import pytest

from drhelpers import (  # noqa: F401
    CANCER,
    DIABETES,
    Traffic,
    auc,
    connect,
    logloss,
    mae,
    needs,
    r_squared,
    reference,
    rmse,
    rollups,
    server,
)

pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning")

N_WITH_ID = 40
N_WITHOUT_ID = 5
N_ACTUALS = 30
TWICE = 3  # the index of the id submitted twice


def hour_window():
    hour = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
    return hour - timedelta(hours=2), hour + timedelta(hours=1)


def send_with_ids(server, service, endpoint, prefix, rows):
    t = Traffic(server, service, endpoint)
    ids = [f"{prefix}{i}" for i in range(N_WITH_ID)]
    # Most rows through predict-multi (a context per item), some through predict (one context).
    t.many(rows[:30], contexts=[{"rid": i} for i in ids[:30]], batch=10)
    for r, i in zip(rows[30:N_WITH_ID], ids[30:]):
        t.one(r, context={"rid": i})
    for r in rows[N_WITH_ID : N_WITH_ID + N_WITHOUT_ID]:
        t.one(r)
    return t, ids


@pytest.fixture(scope="module")
def diabetes(server):
    connect(server)
    d = dr.Deployment.get(DIABETES)
    d.update_association_id_settings(column_names=["rid"], required_in_prediction_requests=False)
    _, rows = reference("diabetes_svc")
    t, ids = send_with_ids(server, "diabetes_svc", "diabetes", "d", rows)
    predicted = [p["prediction"] for p in t.predictions[:N_WITH_ID]]
    rng = np.random.default_rng(7)
    actual = {ids[i]: round(float(predicted[i] + rng.normal(0, 40)), 3) for i in range(N_ACTUALS)}
    first = dict(actual)
    first[ids[TWICE]] = 999.0  # replaced by the second submission
    d.submit_actuals([{"association_id": k, "actual_value": v} for k, v in first.items()])
    d.submit_actuals([{"association_id": ids[TWICE], "actual_value": actual[ids[TWICE]]}])
    rollups()
    pairs = [(predicted[i], actual[ids[i]]) for i in range(N_ACTUALS)]
    return {"deployment": d, "pairs": pairs, "rows": t.rows}


@pytest.fixture(scope="module")
def cancer(server):
    connect(server)
    d = dr.Deployment.get(CANCER)
    d.update_association_id_settings(column_names=["rid"], required_in_prediction_requests=False)
    _, rows = reference("cancer_svc")
    t, ids = send_with_ids(server, "cancer_svc", "cancer", "c", rows)
    results = t.predictions[:N_WITH_ID]
    labels = [int(r["prediction"]) for r in results]
    p1 = [float(r["probas"]["1"]) for r in results]
    # The truth: the predicted label, flipped on every 4th row (so both classes and errors occur).
    actual = {ids[i]: (1 - labels[i]) if i % 4 == 0 else labels[i] for i in range(N_ACTUALS)}
    first = dict(actual)
    first[ids[TWICE]] = 1 - actual[ids[TWICE]]
    d.submit_actuals([{"association_id": k, "actual_value": v} for k, v in first.items()])
    d.submit_actuals([{"association_id": ids[TWICE], "actual_value": actual[ids[TWICE]]}])
    rollups()
    pairs = [(p1[i], actual[ids[i]]) for i in range(N_ACTUALS)]
    assert len({y for _, y in pairs}) == 2
    return {"deployment": d, "pairs": pairs, "rows": t.rows}


def raw_accuracy(dep_id, **params):
    return dr.client.get_client().get(f"deployments/{dep_id}/accuracy/", params=params).json()


def test_regression_accuracy(server, diabetes):
    connect(server)
    p, y = zip(*diabetes["pairs"])
    expected = {"RMSE": rmse(y, p), "MAE": mae(y, p), "R Squared": r_squared(y, p)}
    acc = dr.Deployment.get(DIABETES).get_accuracy()
    wrong = {name: (acc[name], value) for name, value in expected.items() if acc[name] != pytest.approx(value, abs=1e-6)}
    assert not wrong, f"(server, test) per metric: {wrong}"
    body = raw_accuracy(DIABETES)
    sizes = {item["metricName"]: item["sampleSize"] for item in body["data"]}
    for name in expected:
        assert sizes.get(name) == N_ACTUALS, body["data"]


def test_binary_accuracy(server, cancer):
    connect(server)
    p, y = zip(*cancer["pairs"])
    expected = {"LogLoss": logloss(y, p), "AUC": auc(y, p)}
    acc = dr.Deployment.get(CANCER).get_accuracy()
    wrong = {name: (acc[name], value) for name, value in expected.items() if acc[name] != pytest.approx(value, abs=1e-6)}
    assert not wrong, f"(server, test) per metric: {wrong}"
    body = raw_accuracy(CANCER)
    sizes = {item["metricName"]: item["sampleSize"] for item in body["data"]}
    for name in expected:
        assert sizes.get(name) == N_ACTUALS, body["data"]


@needs((3, 9), "Accuracy.data (sampleSize per metric through the client)")
def test_accuracy_data_through_the_client(server, diabetes):
    connect(server)
    acc = dr.Deployment.get(DIABETES).get_accuracy()
    by_name = {item["metric_name"]: item for item in acc.data}
    p, y = zip(*diabetes["pairs"])
    assert by_name["RMSE"]["sample_size"] == N_ACTUALS
    assert by_name["RMSE"]["value"] == pytest.approx(rmse(y, p), abs=1e-6)


@pytest.mark.parametrize("metric", ["RMSE", "MAE"])
def test_accuracy_over_time(server, diabetes, metric):
    connect(server)
    p, y = zip(*diabetes["pairs"])
    value = rmse(y, p) if metric == "RMSE" else mae(y, p)
    start, end = hour_window()
    over = dr.Deployment.get(DIABETES).get_accuracy_over_time(
        metric=metric, start_time=start, end_time=end, bucket_size="PT1H")
    assert len(over.buckets) == 3, over.buckets
    assert [b["period"]["start"] for b in over.buckets] == [start + timedelta(hours=i) for i in range(3)]
    assert sum(b["sample_size"] or 0 for b in over.buckets) == N_ACTUALS, over.buckets
    assert over.summary["value"] == pytest.approx(value, abs=1e-6), over.summary
    assert over.summary["sample_size"] == N_ACTUALS
    filled = [b for b in over.buckets if b["sample_size"]]
    if len(filled) == 1:
        assert filled[0]["value"] == pytest.approx(value, abs=1e-6)


@needs((3, 3), "get_predictions_vs_actuals_over_time")
def test_predictions_vs_actuals_over_time(server, diabetes):
    connect(server)
    p, y = zip(*diabetes["pairs"])
    start, end = hour_window()
    over = dr.Deployment.get(DIABETES).get_predictions_vs_actuals_over_time(
        start_time=start, end_time=end, bucket_size="PT1H")
    assert over.summary["row_count_total"] == diabetes["rows"] == N_WITH_ID + N_WITHOUT_ID
    assert over.summary["row_count_with_actual"] == N_ACTUALS
    assert len(over.buckets) == 3
    assert sum(b["row_count_with_actual"] or 0 for b in over.buckets) == N_ACTUALS
    assert sum(b["row_count_total"] or 0 for b in over.buckets) == N_WITH_ID + N_WITHOUT_ID
    filled = [b for b in over.buckets if b["row_count_with_actual"]]
    mean_pred = sum(b["mean_predicted_value"] * b["row_count_with_actual"] for b in filled) / N_ACTUALS
    mean_act = sum(b["mean_actual_value"] * b["row_count_with_actual"] for b in filled) / N_ACTUALS
    assert mean_pred == pytest.approx(float(np.mean(p)), abs=1e-6)
    assert mean_act == pytest.approx(float(np.mean(y)), abs=1e-6)


def test_actuals_for_unknown_ids_change_nothing(server, diabetes):
    connect(server)
    d = dr.Deployment.get(DIABETES)
    d.submit_actuals([{"association_id": "never-predicted", "actual_value": 1.0}])
    rollups()
    p, y = zip(*diabetes["pairs"])
    assert d.get_accuracy()["RMSE"] == pytest.approx(rmse(y, p), abs=1e-6)
    body = raw_accuracy(DIABETES)
    assert {item["metricName"]: item["sampleSize"] for item in body["data"]}["RMSE"] == N_ACTUALS
