"""A model served elsewhere, monitored by Plinth: the real `aporia` client registers it, logs
predictions (`Model.log_batch_prediction`, `log_prediction`) and actuals (`log_actuals`) over the
GraphQL `logPredictions` mutation, and `aporia.experimental.run_all_monitors` evaluates its
monitors: a `model_activity` monitor whose range the logged count leaves fires, one whose range
holds does not; a `performance_degradation` monitor on the RMSE of the actuals fires above its
threshold and not below. A training set logged with `Model.log_training_set` (GraphQL
`logTrainingSet`) is the baseline of drift, value-range and missing-value monitors. Firings are
seen where a user sees them: webhook POSTs (retried on 5xx and 429 up to webhook_max_attempts,
not on another 4xx; signed with [plugins.aporia] webhook_secret when the notification has no
secret) and the alerts list."""

import json
import time

import numpy as np
import pytest

import aporia
import aporia.experimental

from aphelpers import (
    ENVIRONMENT,
    NEVER,
    ClientErrors,
    Receiver,
    alerts,
    ap_server,
    check_signed,
    init_client,
    monitor,
    monitor_configuration,
    ok_json,
    range_logic,
    rest,
    rollups,
    stop,
    webhook,
)

pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning")  # scikit-learn, in log_training_set

MODEL = "apl-external"
FEATURES = {"f1": "numeric", "f2": "numeric"}
PREDICTIONS = {"score": "numeric"}
N_BATCH, N_SINGLE, N_ACTUALS = 40, 10, 30
SECRET = "logging-secret"
FALLBACK_SECRET = "fallback-secret"
MAX_ATTEMPTS = 3
CONFIG = f"""[plugins.aporia]
webhook_backoff_ms = 200
webhook_max_attempts = {MAX_ATTEMPTS}
webhook_secret = "{FALLBACK_SECRET}"
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    base = tmp_path_factory.mktemp("ap-logging")
    s = ap_server(base, config=CONFIG)
    init_client(s)
    yield s
    aporia.shutdown()
    stop(s)


@pytest.fixture(scope="module")
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture(scope="module")
def logged(server):
    assert aporia.create_model(MODEL, "Served elsewhere") == MODEL
    aporia.create_model_version(MODEL, "v1", "regression", FEATURES, PREDICTIONS)
    rng = np.random.default_rng(20261202)
    f1, f2 = rng.normal(10, 2, N_BATCH + N_SINGLE), rng.normal(-3, 1, N_BATCH + N_SINGLE)
    score = 2 * f1 + f2
    model = aporia.Model(MODEL, "v1")
    with ClientErrors() as errors:
        model.log_batch_prediction(
            [{"id": f"p{i}", "features": {"f1": float(f1[i]), "f2": float(f2[i])},
              "predictions": {"score": float(score[i])}} for i in range(N_BATCH)]
        )
        for i in range(N_BATCH, N_BATCH + N_SINGLE):
            model.log_prediction(id=f"p{i}", features={"f1": float(f1[i]), "f2": float(f2[i])},
                                 predictions={"score": float(score[i])})
        assert model.flush() == 0
        # Actuals of the first N_ACTUALS predictions, joined on their ids.
        actual = score[:N_ACTUALS] + rng.uniform(-3, 3, N_ACTUALS)
        for i in range(N_ACTUALS):
            model.log_actuals(id=f"p{i}", actuals={"score": float(actual[i])})
        model.log_json({"note": "arbitrary data", "n": 1})
        assert model.flush() == 0
    # The client only logs what goes wrong in its background flushes: nothing may have.
    assert errors.records == []
    rollups()
    rmse = float(np.sqrt(np.mean((actual - score[:N_ACTUALS]) ** 2)))
    return {"rows": N_BATCH + N_SINGLE, "rmse": rmse}


@pytest.fixture(scope="module")
def fired(server, receiver, logged):
    """Creates the monitors, runs them once through the client, waits for the deliveries."""
    count = {"type": "count", "field": "_id"}
    made = {}

    def make(name, mtype, metric, logic, secret=SECRET):
        hook = webhook(receiver.hook(name), secret)
        if secret is None:
            del hook["secret"]
        cfg = monitor_configuration(MODEL, metric, logic, [hook], version="v1", focal="1d")
        made[name] = aporia.experimental.create_monitor(name, mtype, NEVER, cfg)

    fires = range_logic(logged["rows"] + 100, None)
    make("activity-fires", "model_activity", count, fires)
    make("no-secret", "model_activity", count, fires, secret=None)
    make("gone", "model_activity", count, fires)
    make("busy", "model_activity", count, fires)
    make("down", "model_activity", count, fires)
    receiver.fail("gone", 100, status=410)
    receiver.fail("busy", 1, status=429)
    receiver.fail("down", 100, status=503)
    make("activity-holds", "model_activity", count, range_logic(1, None))
    make("rmse-fires", "performance_degradation", {"type": "rmse"},
         {"name": "THRESHOLD", "threshold": logged["rmse"] / 2})
    make("rmse-holds", "performance_degradation", {"type": "rmse"},
         {"name": "THRESHOLD", "threshold": logged["rmse"] * 2})
    with ClientErrors() as errors:
        assert aporia.experimental.run_all_monitors(MODEL, "v1") is None
    assert errors.records == []
    for name in ("activity-fires", "rmse-fires", "no-secret", "busy"):
        receiver.wait_delivered(name)
    receiver.wait_posts("gone", 1)
    receiver.wait_posts("down", MAX_ATTEMPTS)
    time.sleep(2.0)  # time enough for a wrong delivery of the quiet monitors to arrive too
    return made


def only_alert(server, monitor_id):
    got = alerts(server, model_id=MODEL, monitor_id=monitor_id)
    assert len(got) == 1, got
    return got[0]


def test_logged_predictions_are_counted(server, receiver, logged, fired):
    a = only_alert(server, fired["activity-fires"])
    assert (a["monitor_type"], a["model_id"], a["model_version"]) == ("model_activity", MODEL, "v1")
    assert a["value"] == logged["rows"]
    assert a["threshold"] == {"min": logged["rows"] + 100, "max": None}
    [post] = receiver.to("activity-fires")
    body = check_signed(post, SECRET)
    assert (body["id"], body["monitor_id"], body["value"]) == (a["id"], fired["activity-fires"], logged["rows"])


def test_a_range_that_holds_does_not_fire(server, receiver, fired):
    assert receiver.to("activity-holds") == []
    assert alerts(server, model_id=MODEL, monitor_id=fired["activity-holds"]) == []
    assert monitor(server, fired["activity-holds"]).get("last_run") is not None


def test_actuals_feed_performance_degradation(server, receiver, logged, fired):
    a = only_alert(server, fired["rmse-fires"])
    assert a["monitor_type"] == "performance_degradation"
    assert a["value"] == pytest.approx(logged["rmse"], rel=1e-4)
    [post] = receiver.to("rmse-fires")
    assert check_signed(post, SECRET)["id"] == a["id"]
    assert receiver.to("rmse-holds") == []
    assert alerts(server, model_id=MODEL, monitor_id=fired["rmse-holds"]) == []


def delivery(server, monitor_id, timeout=10.0):
    """The only delivery of the only alert of a monitor, once it is no longer pending."""
    deadline = time.monotonic() + timeout
    while True:
        [d] = only_alert(server, monitor_id)["deliveries"]
        if d["status"] != "pending" or time.monotonic() > deadline:
            return d
        time.sleep(0.1)


def test_without_a_secret_the_configured_one_signs(server, receiver, fired):
    [post] = receiver.to("no-secret")
    assert check_signed(post, FALLBACK_SECRET)["monitor_id"] == fired["no-secret"]
    assert delivery(server, fired["no-secret"])["status"] == "delivered"


def test_a_4xx_fails_the_delivery_without_retries(server, receiver, fired):
    assert [p["status"] for p in receiver.to("gone")] == [410]
    d = delivery(server, fired["gone"])
    assert (d["status"], d["attempts"]) == ("failed", 1), d


def test_429_is_retried(server, receiver, fired):
    assert [p["status"] for p in receiver.to("busy")] == [429, 200]
    d = delivery(server, fired["busy"])
    assert (d["status"], d["attempts"]) == ("delivered", 2), d


def test_5xx_is_retried_up_to_max_attempts(server, receiver, fired):
    posts = receiver.to("down")
    assert [p["status"] for p in posts] == [503] * MAX_ATTEMPTS
    assert len({p["headers"]["x-plinth-delivery"] for p in posts}) == 1
    d = delivery(server, fired["down"])
    assert (d["status"], d["attempts"]) == ("failed", MAX_ATTEMPTS), d


def test_alerts_of_the_model_newest_first(server, fired):
    got = alerts(server, model_id=MODEL)
    assert {a["monitor_id"] for a in got} == {fired[n] for n in ("activity-fires", "rmse-fires", "no-secret", "gone",
                                                                   "busy", "down")}
    stamps = [a["created_at"] for a in got]
    assert stamps == sorted(stamps, reverse=True)


def test_the_logged_environment_is_listed(server, logged):
    envs = ok_json(rest(server, "GET", "/v1beta/environments"), 200)["environments"]
    assert ENVIRONMENT in {e["name"] for e in envs}, envs


# ---- a training set as the baseline ---------------------------------------------------------


@pytest.fixture(scope="module")
def trained(server, receiver):
    import pandas as pd

    schema = {"a": "numeric", "b": "numeric"}
    rng = np.random.default_rng(20261204)
    train = pd.DataFrame({"a": rng.normal(0, 1, 500), "b": rng.normal(5, 2, 500)})
    for model_id in ("apl-trained", "apl-untrained"):
        aporia.create_model(model_id, model_id)
        aporia.create_model_version(model_id, "v1", "regression", schema, {"y": "numeric"})
    with ClientErrors() as errors:
        aporia.Model("apl-trained", "v1").log_training_set(
            features=train, predictions=pd.DataFrame({"y": 2 * train["a"]}),
            labels=pd.DataFrame({"y": 2 * train["a"] + 0.1}))
    assert errors.records == []
    # The logged stream: `a` moved by 6 standard deviations, `b` missing in 20 rows of 100.
    a = rng.normal(6, 1, 100)
    b = [None if i < 20 else float(v) for i, v in enumerate(rng.normal(5, 2, 100))]
    rows = [{"id": f"t{i}", "features": {"a": float(a[i]), "b": b[i]}, "predictions": {"y": float(2 * a[i])}}
            for i in range(100)]
    with ClientErrors() as errors:
        for model_id in ("apl-trained", "apl-untrained"):
            m = aporia.Model(model_id, "v1")
            m.log_batch_prediction(rows)
            assert m.flush() == 0
    assert errors.records == []
    rollups()
    lo, hi = float(train["a"].min()), float(train["a"].max())
    expected = {
        "drift": None,
        "range": float(np.mean((a < lo) | (a > hi))),
        "missing": 0.2,
    }
    ids = {}
    for model_id in ("apl-trained", "apl-untrained"):
        def make(kind, mtype, metric, logic):
            name = f"{model_id}-{kind}"
            cfg = monitor_configuration(model_id, metric, logic, [webhook(receiver.hook(name), SECRET)], focal="1d")
            ids[name] = aporia.experimental.create_monitor(name, mtype, NEVER, cfg)

        make("drift", "data_drift", {"type": "js_divergence", "field": "a"}, range_logic(None, 0.1))
        make("range", "values_range", {"type": "values_range", "field": "a"}, {"name": "THRESHOLD", "threshold": 0.5})
        make("missing", "missing_values", {"type": "missing_ratio", "field": "b"},
             {"name": "THRESHOLD", "threshold": 0.1})
        # Neither has actuals; both versions are minutes old.
        make("accuracy", "performance_degradation", {"type": "rmse"}, {"name": "THRESHOLD", "threshold": 0.0})
        make("stale", "model_staleness", {"type": "hours"}, range_logic(None, None) | {"max": 1})
        aporia.experimental.run_all_monitors(model_id, "v1")
    time.sleep(2.0)
    return {"ids": ids, "expected": expected}


@pytest.mark.parametrize("kind", ["drift", "range", "missing"])
def test_the_training_set_is_the_baseline(server, receiver, trained, kind):
    name = f"apl-trained-{kind}"
    got = alerts(server, model_id="apl-trained", monitor_id=trained["ids"][name])
    assert len(got) == 1, (got, monitor(server, trained["ids"][name]).get("last_run"))
    a = got[0]
    want = trained["expected"][kind]
    if want is None:
        assert a["value"] > 0.1, a
    else:
        assert a["value"] == pytest.approx(want, abs=1e-9), a
    [post] = receiver.wait_delivered(name)
    assert check_signed(post, SECRET)["id"] == a["id"]


@pytest.mark.parametrize("kind", ["drift", "range", "missing"])
def test_without_a_baseline_nothing_fires_and_last_run_says_why(server, receiver, trained, kind):
    name = f"apl-untrained-{kind}"
    assert alerts(server, model_id="apl-untrained", monitor_id=trained["ids"][name]) == []
    assert receiver.to(name) == []
    run = monitor(server, trained["ids"][name]).get("last_run")
    assert run is not None
    assert "baseline" in json.dumps(run).lower(), run


@pytest.mark.parametrize("model_id", ["apl-trained", "apl-untrained"])
def test_without_actuals_accuracy_does_not_fire_and_says_why(server, receiver, trained, model_id):
    name = f"{model_id}-accuracy"
    assert alerts(server, model_id=model_id, monitor_id=trained["ids"][name]) == []
    assert receiver.to(name) == []
    run = monitor(server, trained["ids"][name]).get("last_run")
    assert run is not None and "actual" in json.dumps(run).lower(), run


@pytest.mark.parametrize("model_id", ["apl-trained", "apl-untrained"])
def test_a_fresh_version_is_not_stale(server, receiver, trained, model_id):
    name = f"{model_id}-stale"
    assert alerts(server, model_id=model_id, monitor_id=trained["ids"][name]) == []
    assert receiver.to(name) == []


def test_occurred_at_puts_rows_in_their_hour(server):
    """Rows logged with `occurred_at` 3 hours and 3 days ago count in the focal windows that
    hold those hours (the last n hour buckets, the current one included)."""
    from datetime import datetime, timedelta, timezone

    m = "apl-when"
    aporia.create_model(m, "When")
    aporia.create_model_version(m, "v1", "regression", {"a": "numeric"}, {"y": "numeric"})
    model = aporia.Model(m, "v1")
    now = datetime.now(timezone.utc)
    if now.minute == 59 and now.second > 50:
        time.sleep(61 - now.second)  # the run must fall in the hour of the rows logged "now"
        now = datetime.now(timezone.utc)
    with ClientErrors() as errors:
        for n, ago in ((20, timedelta(hours=3)), (5, timedelta(days=3)), (10, None)):
            model.log_batch_prediction(
                [{"id": f"w{ago}{i}", "features": {"a": 1.0}, "predictions": {"y": 1.0},
                  **({"occurred_at": now - ago} if ago else {})} for i in range(n)])
        assert model.flush() == 0
    assert errors.records == []
    rollups()
    ids = {focal: aporia.experimental.create_monitor(
        f"when-{focal}", "model_activity", NEVER,
        monitor_configuration(m, {"type": "count", "field": "_id"}, {"name": "THRESHOLD", "threshold": -1},
                              focal=focal)) for focal in ("1h", "4h", "1d", "1w")}
    aporia.experimental.run_all_monitors(m, "v1")
    got = {focal: [a["value"] for a in alerts(server, model_id=m, monitor_id=mid)] for focal, mid in ids.items()}
    assert got == {"1h": [10], "4h": [30], "1d": [30], "1w": [35]}


def test_a_full_batch_of_the_sdk_is_recorded(server):
    """The SDK flushes up to 4,000 predictions in one logPredictions: with 40 features that is
    a body of several MB (beyond axum's 2 MB default), which must be recorded whole."""
    m = "apl-big"
    features = {f"f{j}": "numeric" for j in range(40)}
    aporia.create_model(m, "Big batches")
    aporia.create_model_version(m, "v1", "regression", features, {"y": "numeric"})
    model = aporia.Model(m, "v1")
    with ClientErrors() as errors:
        model.log_batch_prediction(
            [{"id": f"b{i}", "features": {f: 1000.0 + i + j / 7 for j, f in enumerate(features)},
              "predictions": {"y": float(i)}} for i in range(4000)])
        assert model.flush() == 0
    assert errors.records == []
    rollups()
    mid = aporia.experimental.create_monitor(
        "big-count", "model_activity", NEVER,
        monitor_configuration(m, {"type": "count", "field": "_id"}, {"name": "THRESHOLD", "threshold": -1},
                              focal="1d"))
    aporia.experimental.run_all_monitors(m, "v1")
    assert [a["value"] for a in alerts(server, model_id=m, monitor_id=mid)] == [4000]
