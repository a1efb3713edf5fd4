"""Feature and target drift through the real `datarobot` client, every score checked against the
test's own numpy computation with DataRobot's binning (DATAROBOT.md §4): 12 numeric bins on the
reference's range (max nudged), the +1 correction of psi/kl where one side is empty, the quirk of
js_divergence, and the `__missing__` bin when the current window has more missing values.

Two streams: rows of reference.csv (all 200, then 100 drawn again) to diabetes_svc, and the same
rows with `bmi` shifted by +3 standard deviations (plus 3 rows with `s6` missing) to a copy of the
service deployed as `drc_drifted_svc`, so that the streams do not mix."""

import datarobot as dr
import numpy as np
import pytest

from drhelpers import (  # noqa: F401
    DIABETES,
    DRIFT_METRICS,
    Traffic,
    connect,
    deploy_copy,
    drift_score,
    numeric_counts,
    numeric_edges,
    reference,
    rollups,
    server,
)

pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning")

DRIFTED_SVC = "drc_drifted_svc"
DRIFTED = f"{DRIFTED_SVC}~diabetes"
SHIFTED = "bmi"
MISSING = "s6"
N_MISSING = 3


@pytest.fixture(scope="module")
def streams(server, tmp_path_factory):
    deploy_copy(server, "diabetes_svc", DRIFTED_SVC, tmp_path_factory.mktemp("bundles"))
    columns, ref = reference("diabetes_svc")
    rng = np.random.default_rng(20261201)
    order = list(rng.permutation(len(ref))) + list(rng.integers(0, len(ref), size=100))
    plain = [dict(ref[i]) for i in order]
    std = float(np.std([r[SHIFTED] for r in ref], ddof=1))
    drifted = [dict(r, **{SHIFTED: r[SHIFTED] + 3 * std}) for r in plain]
    drifted += [dict(r, **{MISSING: None}) for r in drifted[:N_MISSING]]

    ok = Traffic(server, "diabetes_svc", "diabetes")
    ok.many(plain, batch=60)
    moved = Traffic(server, DRIFTED_SVC, "diabetes")
    moved.many(drifted, batch=60)
    rollups()
    # The first 200 rows of the plain stream are the reference itself, in `order`: their
    # predictions are the target baseline (the predictions on the reference sample).
    baseline_predictions = [0.0] * len(ref)
    for i, result in zip(order[: len(ref)], ok.predictions[: len(ref)]):
        baseline_predictions[i] = result["prediction"]
    return {
        "columns": columns,
        "ref": ref,
        "sent": {DIABETES: plain, DRIFTED: drifted},
        "predictions": {DIABETES: [p["prediction"] for p in ok.predictions],
                        DRIFTED: [p["prediction"] for p in moved.predictions]},
        "baseline_predictions": baseline_predictions,
    }


def expected_feature(streams, dep_id, name, metric):
    """(score, sampleSize, baselineSampleSize) as §4 defines them."""
    base = [r[name] for r in streams["ref"]]
    values = [r[name] for r in streams["sent"][dep_id]]
    present = [v for v in values if v is not None]
    missing = len(values) - len(present)
    edges = numeric_edges(base)
    e = numeric_counts(edges, base)
    a = numeric_counts(edges, present)
    if missing * len(base) > 0 * len(values):  # current missing ratio above the baseline's (0)
        e = np.append(e, 0.0)
        a = np.append(a, float(missing))
    return drift_score(metric, e, a), int(a.sum()), int(e.sum())


def expected_target(streams, dep_id, metric):
    base = streams["baseline_predictions"]
    edges = numeric_edges(base)
    e = numeric_counts(edges, base)
    a = numeric_counts(edges, streams["predictions"][dep_id])
    return drift_score(metric, e, a), int(a.sum()), int(e.sum())


@pytest.mark.parametrize("dep_id", [DIABETES, DRIFTED])
@pytest.mark.parametrize("metric", DRIFT_METRICS)
def test_feature_drift_scores(server, streams, dep_id, metric):
    connect(server)
    drift = dr.Deployment.get(dep_id).get_feature_drift(metric=metric)
    got = {f.name: f for f in drift}
    assert set(got) == set(streams["columns"]), sorted(got)
    for name in streams["columns"]:
        f = got[name]
        score, size, base_size = expected_feature(streams, dep_id, name, metric)
        assert f.metric == metric
        assert f.model_id == "v1"
        assert (f.sample_size, f.baseline_sample_size) == (size, base_size), name
        assert f.drift_score == pytest.approx(score, abs=1e-6), (name, metric)


def test_psi_thresholds(server, streams):
    connect(server)
    plain = {f.name: f.drift_score for f in dr.Deployment.get(DIABETES).get_feature_drift(metric="psi")}
    assert all(v < 0.1 for v in plain.values()), plain
    assert any(v > 0 for v in plain.values()), plain  # 100 rows were drawn again: not all zero
    moved = {f.name: f.drift_score for f in dr.Deployment.get(DRIFTED).get_feature_drift(metric="psi")}
    assert moved[SHIFTED] > 0.25, moved
    assert all(v < 0.1 for k, v in moved.items() if k != SHIFTED), moved


def test_feature_drift_pages(server, streams):
    """limit=2: follow the absolute `next` links with the client's own session."""
    client = connect(server)
    url = f"deployments/{DRIFTED}/featureDrift/"
    page = client.get(url, params={"limit": 2, "metric": "hellinger"}).json()
    assert page["previous"] is None
    names, pages = [], 0
    while True:
        pages += 1
        assert len(page["data"]) <= 2
        names += [item["name"] for item in page["data"]]
        for item in page["data"]:
            score, size, base_size = expected_feature(streams, DRIFTED, item["name"], "hellinger")
            assert item["driftScore"] == pytest.approx(score, abs=1e-6), item
            assert (item["sampleSize"], item["baselineSampleSize"]) == (size, base_size), item
        if page["next"] is None:
            break
        assert page["next"].startswith("http://") and "limit=2" in page["next"], page["next"]
        page = client.get(page["next"]).json()
        assert page["previous"] is not None
    assert pages == 5
    assert sorted(names) == sorted(streams["columns"])


@pytest.mark.parametrize("dep_id", [DIABETES, DRIFTED])
@pytest.mark.parametrize("metric", DRIFT_METRICS)
def test_target_drift(server, streams, dep_id, metric):
    connect(server)
    t = dr.Deployment.get(dep_id).get_target_drift(metric=metric)
    score, size, base_size = expected_target(streams, dep_id, metric)
    assert t.metric == metric
    assert t.model_id == "v1"
    assert (t.sample_size, t.baseline_sample_size) == (size, base_size)
    assert t.drift_score == pytest.approx(score, abs=1e-6)


def test_drift_tracking_off_hides_the_scores(server, streams):
    connect(server)
    d = dr.Deployment.get(DRIFTED)
    d.update_drift_tracking_settings(target_drift_enabled=False, feature_drift_enabled=False)
    try:
        assert d.get_feature_drift() == []
        assert d.get_target_drift().drift_score is None
    finally:
        d.update_drift_tracking_settings(target_drift_enabled=True, feature_drift_enabled=True)
    assert dr.Deployment.get(DRIFTED).get_target_drift().drift_score is not None


# ---- categorical binning: multiclass target (iris) and categorical features (fraud) ---------


@pytest.fixture(scope="module")
def iris_stream(server):
    _, ref = reference("iris_svc")
    t = Traffic(server, "iris_svc", "iris")
    # The reference (its predictions are the target baseline), then 40 of its rows again.
    t.many(ref + ref[:40], batch=38)
    rollups()
    labels = [str(p["prediction"]) for p in t.predictions]
    return {"baseline": labels[: len(ref)], "current": labels}


@pytest.mark.parametrize("metric", DRIFT_METRICS)
def test_multiclass_target_drift(server, iris_stream, metric):
    from drhelpers import IRIS, categorical_counts

    connect(server)
    classes = ["setosa", "versicolor", "virginica"]
    e = categorical_counts(classes, iris_stream["baseline"])
    a = categorical_counts(classes, iris_stream["current"])
    t = dr.Deployment.get(IRIS).get_target_drift(metric=metric)
    assert (t.sample_size, t.baseline_sample_size) == (int(a.sum()), int(e.sum())) == (152, 112)
    assert t.drift_score == pytest.approx(drift_score(metric, e, a), abs=1e-6)


FRAUD_SENT = ("transaction_amount", "payment_type", "utm_medium", "customer_id")
FRAUD_CATEGORICAL = ("payment_type", "utm_medium")


@pytest.fixture(scope="module")
def fraud_stream(server):
    import csv

    from conftest import EXAMPLES_DIR

    with open(EXAMPLES_DIR / "fraud_svc" / "model" / "reference.csv", newline="") as f:
        ref = list(csv.DictReader(f))
    def features(r):
        return {"transaction_amount": float(r["transaction_amount"]), "payment_type": r["payment_type"],
                "utm_medium": r["utm_medium"], "customer_id": int(r["customer_id"])}
    sent = [features(r) for r in ref]
    # Ten rows with a payment type the reference never saw (the __oov__ bin).
    sent += [dict(features(r), payment_type="BITCOIN") for r in ref[:10]]
    t = Traffic(server, "fraud_svc", "fraud")
    t.many(sent, batch=70)
    rollups()
    return {"ref": ref, "sent": sent}


@pytest.mark.parametrize("metric", DRIFT_METRICS)
def test_categorical_feature_drift(server, fraud_stream, metric):
    from drhelpers import categorical_counts

    connect(server)
    got = {f.name: f for f in dr.Deployment.get("fraud_svc~fraud").get_feature_drift(metric=metric)}
    assert set(FRAUD_SENT) <= set(got), sorted(got)
    wrong = {}
    for name in FRAUD_SENT:
        base = [r[name] for r in fraud_stream["ref"]]
        values = [r[name] for r in fraud_stream["sent"]]
        if name in FRAUD_CATEGORICAL:
            e = categorical_counts(set(base), base)
            a = categorical_counts(set(base), values)
        else:
            base = [float(v) for v in base]
            edges = numeric_edges(base)
            e, a = numeric_counts(edges, base), numeric_counts(edges, values)
        f = got[name]
        assert (f.sample_size, f.baseline_sample_size) == (int(a.sum()), int(e.sum())), name
        if f.drift_score != pytest.approx(drift_score(metric, e, a), abs=1e-6):
            wrong[name] = (f.drift_score, drift_score(metric, e, a))
    assert not wrong, f"(server, test) per feature: {wrong}"
    if metric == "psi":
        # 10 of 210 rows in a bin the baseline never had.
        assert got["payment_type"].drift_score > got["utm_medium"].drift_score
