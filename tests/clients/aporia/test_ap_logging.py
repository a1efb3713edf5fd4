"""A model served elsewhere, monitored by Plinth: the real `aporia` client registers it, logs
predictions (`Model.log_batch_prediction`, `log_prediction`) and actuals (`log_actuals`) over the
GraphQL `logPredictions` mutation, and `aporia.experimental.run_all_monitors` evaluates its
monitors: a `model_activity` monitor whose range the logged count leaves fires, one whose range
holds does not; a `performance_degradation` monitor on the RMSE of the actuals fires above its
threshold and not below. Firings are seen where a user sees them: webhook POSTs and the alerts
list."""

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

MODEL = "apl-external"
FEATURES = {"f1": "numeric", "f2": "numeric"}
PREDICTIONS = {"score": "numeric"}
N_BATCH, N_SINGLE, N_ACTUALS = 40, 10, 30
SECRET = "logging-secret"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    base = tmp_path_factory.mktemp("ap-logging")
    s = ap_server(base, config="[plugins.aporia]\nwebhook_backoff_ms = 200\n")
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

    def make(name, mtype, metric, logic):
        cfg = monitor_configuration(MODEL, metric, logic, [webhook(receiver.hook(name), SECRET)], version="v1")
        made[name] = aporia.experimental.create_monitor(name, mtype, NEVER, cfg)

    make("activity-fires", "model_activity", count, range_logic(logged["rows"] + 100, None))
    make("activity-holds", "model_activity", count, range_logic(1, None))
    make("rmse-fires", "performance_degradation", {"type": "rmse"},
         {"name": "THRESHOLD", "threshold": logged["rmse"] / 2})
    make("rmse-holds", "performance_degradation", {"type": "rmse"},
         {"name": "THRESHOLD", "threshold": logged["rmse"] * 2})
    with ClientErrors() as errors:
        assert aporia.experimental.run_all_monitors(MODEL, "v1") is None
    assert errors.records == []
    receiver.wait_delivered("activity-fires")
    receiver.wait_delivered("rmse-fires")
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


def test_alerts_of_the_model_newest_first(server, fired):
    got = alerts(server, model_id=MODEL)
    assert {a["monitor_id"] for a in got} == {fired["activity-fires"], fired["rmse-fires"]}
    stamps = [a["created_at"] for a in got]
    assert stamps == sorted(stamps, reverse=True)


def test_the_logged_environment_is_listed(server, logged):
    envs = ok_json(rest(server, "GET", "/v1beta/environments"), 200)["environments"]
    assert ENVIRONMENT in {e["name"] for e in envs}, envs
