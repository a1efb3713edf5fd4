"""Monitors that really run, through the real `aporia` client, on traffic sent through the real
`dataikuapi` client to copies of `diabetes_svc` (and to `fraud_svc`, `iris_svc`):

a) `model_activity`: a RANGE the traffic leaves fires after `run_all_monitors`, one it holds does
   not, an inactive monitor does not (until PATCHed active); THRESHOLD; a version named by id;
   skipPeriod;
b) `data_drift` (js_divergence, RANGE and THRESHOLD), `prediction_drift`, `missing_values` and
   `values_range` fire on a stream shifted by several standard deviations (some rows missing s6)
   and not on a stream sampled from the reference; every drift metric's value is the store's
   score (as Plinth's DataRobot API shows it); `new_values` on a category the baseline never saw;
c) webhooks: exactly one delivered POST per firing, retried with the same X-Plinth-Delivery after
   a 500, signed with the notification's secret, carrying the alert; the alerts list shows the
   delivery's log;
d) errors: bad cron expressions, unknown type, custom_metric, unknown model, bad configurations;
e) durability: monitors, alerts and a pending delivery survive `kill -9`, and the tick missed
   while the server was down is evaluated once after the restart;
and a monitor on the cron schedule `* * * * *` fires on its own, once per tick.
"""

import time

import numpy as np
import pytest
import requests

import aporia
import aporia.experimental

from aphelpers import (
    DIABETES,
    NEVER,
    ClientErrors,
    Receiver,
    Traffic,
    alerts,
    ap_server,
    aporia_error,
    check_signed,
    client_message,
    deploy_copy,
    error_of,
    init_client,
    monitor,
    monitor_configuration,
    ok_json,
    range_logic,
    reference,
    rest,
    rollups,
    stop,
    webhook,
)

FAST = "[plugins.aporia]\nwebhook_backoff_ms = 200\n"
COUNT = {"type": "count", "field": "_id"}
ACT_SVC, DRIFT_SVC, PLAIN_SVC = "apm_act_svc", "apm_drift_svc", "apm_plain_svc"
ACT, DRIFTED, PLAIN = (f"{s}~diabetes" for s in (ACT_SVC, DRIFT_SVC, PLAIN_SVC))
# The monitors on the drifted and the plain stream: data_drift with RANGE and THRESHOLD,
# prediction_drift, missing_values (s6) and values_range (bmi).
KINDS = ("range", "threshold", "prediction", "missing", "range-of-values")
N_MISSING = 30


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    base = tmp_path_factory.mktemp("ap-monitors")
    s = ap_server(base, examples=("diabetes_svc", "fraud_svc", "iris_svc"), config=FAST)
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
def copies(server, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ap-bundles")
    for svc in (ACT_SVC, DRIFT_SVC, PLAIN_SVC):
        deploy_copy(server, "diabetes_svc", svc, tmp)


def create(name, model_id, mtype, metric, logic, receiver, secret, version=None, scheduling=NEVER, focal="1d", **kw):
    """A monitor notifying the receiver's hook `name`. The focal window is a day, so that the
    values do not depend on whether an hour ended during the module."""
    cfg = monitor_configuration(model_id, metric, logic, [webhook(receiver.hook(name), secret)], version=version,
                                focal=focal)
    return aporia.experimental.create_monitor(name, mtype, scheduling, cfg, **kw)


def monitors_of(s) -> list:
    """GET /v1beta/monitors: {"monitors": [...]} like the models and alerts lists (a bare list
    is taken too: the docs do not show this answer)."""
    body = ok_json(rest(s, "GET", "/v1beta/monitors"), 200)
    return body["monitors"] if isinstance(body, dict) else body


def wait_delivery_status(server, alert_id, model_id, timeout=10.0):
    """The alert once its (only) delivery is no longer pending."""
    deadline = time.monotonic() + timeout
    while True:
        [a] = [x for x in alerts(server, model_id=model_id) if x["id"] == alert_id]
        if a["deliveries"] and a["deliveries"][0].get("status") not in (None, "pending", "retrying"):
            return a
        if time.monotonic() > deadline:
            return a
        time.sleep(0.1)


# ---- the scheduler: armed first, checked last --------------------------------------------------

SCHED = {}


def test_arm_a_monitor_on_every_minute(server, receiver):
    """A monitor scheduled `* * * * *` on the example (5 rows of traffic, RANGE min 100): the
    scheduler fires it at the next minute; checked by the module's last test."""
    _, ref = reference("diabetes_svc")
    Traffic(server, "diabetes_svc", "diabetes").many(ref[:5])
    rollups()
    SCHED["created"] = time.time()
    SCHED["id"] = create("sched", DIABETES, "model_activity", COUNT, range_logic(100, None), receiver,
                         "sched-secret", scheduling="* * * * *")
    assert monitor(server, SCHED["id"])["scheduling"] == "* * * * *"


# ---- a) model_activity and c) webhooks --------------------------------------------------------


@pytest.fixture(scope="module")
def activity(server, receiver, copies):
    _, ref = reference("diabetes_svc")
    t = Traffic(server, ACT_SVC, "diabetes")
    t.many(ref[:120], batch=40)
    for row in ref[120:125]:
        t.one(row)
    assert t.rows == 125
    traffic_at = time.time()
    rollups()
    ids = {
        "fires": create("act-fires", ACT, "model_activity", COUNT, range_logic(t.rows + 100, None), receiver,
                        "s3cret-fires", version="v1"),
        "holds": create("act-holds", ACT, "model_activity", COUNT, range_logic(1, None), receiver, "s3cret-holds"),
        "above": create("act-above", ACT, "model_activity", COUNT, {"name": "THRESHOLD", "threshold": 100},
                        receiver, "s3cret-above"),
        "inactive": create("act-inactive", ACT, "model_activity", COUNT, range_logic(t.rows + 100, None), receiver,
                           "s3cret-inactive", is_active=False),
    }
    skip_cfg = monitor_configuration(ACT, COUNT, range_logic(None, 0), [webhook(receiver.hook("act-skip"), "s")])
    skip_cfg["configuration"]["focal"]["skipPeriod"] = "1h"
    ids["skip"] = aporia.experimental.create_monitor("act-skip", "model_activity", NEVER, skip_cfg)
    [v1] = ok_json(rest(server, "GET", f"/v1beta/models/{ACT}/versions"), 200)
    ids["by-id"] = create("act-by-id", ACT, "model_activity", COUNT, range_logic(t.rows + 100, None), receiver,
                          "s3cret-by-id", version=v1["id"])
    receiver.fail("act-fires", 1)  # the first attempt gets a 500
    with ClientErrors() as errors:
        aporia.experimental.run_all_monitors(ACT, "v1")
    same_hour = int(time.time()) // 3600 == int(traffic_at) // 3600
    assert errors.records == []
    for name in ("act-fires", "act-above", "act-by-id"):
        receiver.wait_delivered(name)
    time.sleep(3.0)  # a wrong delivery (a monitor that holds, a duplicate) has time to arrive
    return {"rows": t.rows, "ids": ids, "same_hour": same_hour}


def test_activity_outside_its_range_fires_once(server, receiver, activity):
    posts = receiver.to("act-fires")
    assert [p["status"] for p in posts] == [500, 200], [(p["status"], p["headers"]) for p in posts]
    deliveries = {p["headers"]["x-plinth-delivery"] for p in posts}
    assert len(deliveries) == 1, deliveries  # the retry is the same delivery
    bodies = [check_signed(p, "s3cret-fires") for p in posts]
    [a] = alerts(server, model_id=ACT, monitor_id=activity["ids"]["fires"])
    for body in bodies:
        assert (body["id"], body["monitor_id"], body["model_id"]) == (a["id"], activity["ids"]["fires"], ACT)
        assert body["value"] == activity["rows"]
    assert (a["monitor_type"], a["monitor_name"], a["model_version"]) == ("model_activity", "act-fires", "v1")
    # The webhook carries the alert: every documented field, as the alerts list shows it.
    fields = ("id", "monitor_id", "monitor_name", "monitor_type", "model_id", "model_version", "severity",
              "alert_type", "field", "value", "threshold", "description", "focal_start", "focal_end", "created_at")
    assert {k: bodies[-1].get(k) for k in fields} == {k: a[k] for k in fields}
    assert a["value"] == activity["rows"]
    assert a["threshold"] == {"min": activity["rows"] + 100, "max": None}
    assert a["severity"] == "MEDIUM" and a["alert_type"] == "model_activity_threshold"
    a = wait_delivery_status(server, a["id"], ACT)
    [d] = a["deliveries"]
    assert (d["status"], d["attempts"]) == ("delivered", 2), d
    assert posts[0]["headers"]["x-plinth-delivery"] in {str(v) for v in d.values()}, d
    assert ok_json(rest(server, "GET", f"/v1beta/alerts/{a['id']}"), 200)["id"] == a["id"]


def test_activity_above_a_threshold_fires(server, receiver, activity):
    [post] = receiver.to("act-above")
    body = check_signed(post, "s3cret-above")
    [a] = alerts(server, model_id=ACT, monitor_id=activity["ids"]["above"])
    assert body["id"] == a["id"] and a["value"] == activity["rows"]
    a = wait_delivery_status(server, a["id"], ACT)
    assert (a["deliveries"][0]["status"], a["deliveries"][0]["attempts"]) == ("delivered", 1)


def test_skip_period_moves_the_focal_window_back(server, receiver, activity):
    """RANGE max 0 over the previous hour (skipPeriod 1h): the traffic is in this hour."""
    if not activity["same_hour"]:
        pytest.skip("the hour changed between the traffic and the run")
    assert alerts(server, model_id=ACT, monitor_id=activity["ids"]["skip"]) == []
    assert receiver.to("act-skip") == []
    run = monitor(server, activity["ids"]["skip"])["last_run"]
    assert run is not None


def test_a_monitor_names_its_version_by_id(server, receiver, activity):
    [a] = alerts(server, model_id=ACT, monitor_id=activity["ids"]["by-id"])
    assert (a["model_version"], a["value"]) == ("v1", activity["rows"])
    [post] = receiver.to("act-by-id")
    assert check_signed(post, "s3cret-by-id")["id"] == a["id"]


def test_a_range_that_holds_and_an_inactive_monitor_send_nothing(server, receiver, activity):
    for name in ("holds", "inactive"):
        assert receiver.to(f"act-{name}") == []
        assert alerts(server, model_id=ACT, monitor_id=activity["ids"][name]) == []
    assert monitor(server, activity["ids"]["holds"]).get("last_run") is not None


def test_alerts_newest_first_and_filtered(server, activity):
    got = alerts(server, model_id=ACT)
    assert {a["monitor_id"] for a in got} == {activity["ids"][n] for n in ("fires", "above", "by-id")}
    stamps = [a["created_at"] for a in got]
    assert stamps == sorted(stamps, reverse=True)
    assert len(alerts(server, model_id=ACT, limit=1)) == 1
    error_of(rest(server, "GET", "/v1beta/alerts/00000000-0000-0000-0000-000000000000"), 404)
    error_of(rest(server, "GET", "/v1beta/alerts", key=None, params={"model_id": ACT}), 401)


def test_patch_activates_and_delete_removes(server, receiver, activity):
    mid = activity["ids"]["inactive"]
    assert monitor(server, mid)["is_active"] is False
    ok_json(rest(server, "PATCH", f"/v1beta/monitors/{mid}", json={"is_active": True}), 200)
    assert monitor(server, mid)["is_active"] is True
    aporia.experimental.run_all_monitors(ACT, "v1")
    receiver.wait_delivered("act-inactive")
    [a] = alerts(server, model_id=ACT, monitor_id=mid)
    assert check_signed(receiver.to("act-inactive")[0], "s3cret-inactive")["id"] == a["id"]
    assert aporia.experimental.delete_monitor(mid) is None
    error_of(rest(server, "GET", f"/v1beta/monitors/{mid}"), 404)
    assert mid not in {m["id"] for m in monitors_of(server)}
    raw = error_of(rest(server, "DELETE", f"/v1beta/monitors/{mid}"), 404)
    assert aporia_error(aporia.experimental.delete_monitor, mid) == client_message("Deleting monitor failed, error: ", raw)


# ---- b) data_drift ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def drift(server, receiver, copies):
    columns, ref = reference("diabetes_svc")
    rng = np.random.default_rng(20261203)
    sampled = [dict(ref[i]) for i in rng.integers(0, len(ref), size=300)]
    std = {c: float(np.std([r[c] for r in ref], ddof=1)) for c in columns}
    shifted = [{c: r[c] + 5 * std[c] for c in columns} for r in sampled]
    shifted += [dict(r, s6=None) for r in shifted[:N_MISSING]]
    Traffic(server, DRIFT_SVC, "diabetes").many(shifted, batch=110)
    Traffic(server, PLAIN_SVC, "diabetes").many(sampled, batch=100)
    rollups()
    metric = {"type": "js_divergence"}
    ids = {}
    for model_id, tag in ((DRIFTED, "drifted"), (PLAIN, "plain")):
        ids[f"{tag}-range"] = create(f"drift-{tag}-range", model_id, "data_drift", metric, range_logic(None, 0.1),
                                     receiver, "drift-secret", version="v1")
        ids[f"{tag}-threshold"] = create(f"drift-{tag}-threshold", model_id, "data_drift", metric,
                                         {"name": "THRESHOLD", "threshold": 0.1}, receiver, "drift-secret")
        for kind, mtype, m, logic in (
            ("prediction", "prediction_drift", metric, range_logic(None, 0.1)),
            ("missing", "missing_values", {"type": "missing_ratio", "field": "s6"},
             {"name": "THRESHOLD", "threshold": 0.05}),
            ("range-of-values", "values_range", {"type": "values_range", "field": "bmi"},
             {"name": "THRESHOLD", "threshold": 0.1}),
        ):
            ids[f"{tag}-{kind}"] = create(f"drift-{tag}-{kind}", model_id, mtype, m, logic, receiver, "drift-secret")
    with ClientErrors() as errors:
        aporia.experimental.run_all_monitors(DRIFTED, "v1")
        aporia.experimental.run_all_monitors(PLAIN, "v1")
    assert errors.records == []
    for kind in KINDS:
        receiver.wait_delivered(f"drift-drifted-{kind}")
    time.sleep(3.0)
    lo, hi = min(r["bmi"] for r in ref), max(r["bmi"] for r in ref)
    expected = {"missing": N_MISSING / len(shifted),
                "range-of-values": sum(1 for r in shifted if not lo <= r["bmi"] <= hi) / len(shifted)}
    return {"ids": ids, "columns": columns, "expected": expected}


@pytest.mark.parametrize("kind", KINDS)
def test_drift_fires_on_the_shifted_stream(server, receiver, drift, kind):
    [post] = receiver.to(f"drift-drifted-{kind}")
    body = check_signed(post, "drift-secret")
    [a] = alerts(server, model_id=DRIFTED, monitor_id=drift["ids"][f"drifted-{kind}"])
    assert body["id"] == a["id"]
    if kind in ("range", "threshold"):
        assert a["monitor_type"] == "data_drift"
        assert a["field"] in drift["columns"], a
        assert a["value"] > 0.1, a
    elif kind == "prediction":
        assert a["monitor_type"] == "prediction_drift"
        assert a["value"] > 0.1, a
    else:
        assert a["value"] == pytest.approx(drift["expected"][kind], abs=1e-9), a


@pytest.mark.parametrize("kind", KINDS)
def test_no_drift_on_a_sample_of_the_reference(server, receiver, drift, kind):
    assert receiver.to(f"drift-plain-{kind}") == []
    assert alerts(server, model_id=PLAIN, monitor_id=drift["ids"][f"plain-{kind}"]) == []
    run = monitor(server, drift["ids"][f"plain-{kind}"]).get("last_run")
    assert run is not None


DRIFT_METRICS = ("js_divergence", "psi", "kl_divergence", "hellinger", "dissimilarity")


@pytest.fixture(scope="module")
def drift_values(server, drift):
    """Monitors that always fire (THRESHOLD -1) on the plain stream, to read their values: every
    drift metric on bmi, on the worst feature, on the prediction; and the default metric."""
    ids = {}
    for metric in DRIFT_METRICS + ("js_distance", None):
        for field in ("bmi", None, "PREDICTION"):
            m = {} if metric is None else {"type": metric}
            if field not in (None, "PREDICTION"):
                m["field"] = field
            mtype = "prediction_drift" if field == "PREDICTION" else "data_drift"
            cfg = monitor_configuration(PLAIN, m, {"name": "THRESHOLD", "threshold": -1.0})
            ids[(metric, field)] = aporia.experimental.create_monitor(f"value-{metric}-{field}", mtype, NEVER, cfg)
    aporia.experimental.run_all_monitors(PLAIN, "v1")
    return ids


def datarobot_api(server, path, **params):
    """The same store through Plinth's DataRobot API (Authorization: Token)."""
    r = requests.get(f"{server.url}/api/v2/deployments/{PLAIN}/{path}/", params=params,
                     headers={"Authorization": f"Token {server.admin_key}"}, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


@pytest.mark.parametrize("metric", DRIFT_METRICS + ("js_distance", None))
def test_drift_values_are_the_stores_scores(server, drift_values, metric):
    """The alert's value is the drift score the DataRobot API shows for the same traffic: of the
    field, of the worst feature when no field is named, of the prediction for prediction_drift;
    js_distance is js_divergence, and so is a metric without a type."""
    dr_metric = "js_divergence" if metric in (None, "js_distance") else metric
    scores = {d["name"]: d["driftScore"] for d in datarobot_api(server, "featureDrift", metric=dr_metric,
                                                                 limit=100)["data"]}
    target = datarobot_api(server, "targetDrift", metric=dr_metric)["driftScore"]
    worst = max(scores, key=scores.get)
    for field, want_field, want in (("bmi", "bmi", scores["bmi"]), (None, worst, scores[worst]),
                                    ("PREDICTION", None, target)):
        [a] = alerts(server, model_id=PLAIN, monitor_id=drift_values[(metric, field)])
        assert a["value"] == pytest.approx(want, abs=1e-9), (metric, field, a)
        if want_field is not None:
            assert a["field"] == want_field, (metric, field, a)


def test_prediction_drift_of_a_multiclass_model(server):
    """iris: categorical predictions; the value is the store's target drift score."""
    _, ref = reference("iris_svc")
    Traffic(server, "iris_svc", "iris").many(ref + ref[:40], batch=38)
    rollups()
    ids = {metric: aporia.experimental.create_monitor(
        f"iris-{metric}", "prediction_drift", NEVER,
        monitor_configuration("iris_svc~iris", {"type": metric}, {"name": "THRESHOLD", "threshold": -1.0}, focal="1d"))
        for metric in DRIFT_METRICS}
    aporia.experimental.run_all_monitors("iris_svc~iris", "v1")
    for metric, mid in ids.items():
        r = requests.get(f"{server.url}/api/v2/deployments/iris_svc~iris/targetDrift/", params={"metric": metric},
                         headers={"Authorization": f"Token {server.admin_key}"}, timeout=30)
        assert r.status_code == 200, r.text
        [a] = alerts(server, model_id="iris_svc~iris", monitor_id=mid)
        assert a["value"] == pytest.approx(r.json()["driftScore"], abs=1e-9), (metric, a, r.json())
        assert a["value"] > 0, (metric, a)


# ---- new_values on categorical features (fraud_svc) -------------------------------------------


@pytest.fixture(scope="module")
def categorical(server, receiver):
    import csv

    from conftest import EXAMPLES_DIR

    with open(EXAMPLES_DIR / "fraud_svc" / "model" / "reference.csv", newline="") as f:
        ref = list(csv.DictReader(f))

    def features(r):
        return {"transaction_amount": float(r["transaction_amount"]), "payment_type": r["payment_type"],
                "utm_medium": r["utm_medium"], "customer_id": int(r["customer_id"])}

    sent = [features(r) for r in ref] + [dict(features(r), payment_type="BITCOIN") for r in ref[:10]]
    Traffic(server, "fraud_svc", "fraud").many(sent, batch=70)
    rollups()
    ids = {}
    for field in ("payment_type", "utm_medium"):
        ids[field] = create(f"new-{field}", "fraud_svc~fraud", "new_values", {"type": "new_values", "field": field},
                            {"name": "THRESHOLD", "threshold": 0.01}, receiver, "new-secret")
    aporia.experimental.run_all_monitors("fraud_svc~fraud", "v1")
    receiver.wait_delivered("new-payment_type")
    time.sleep(2.0)
    return {"ids": ids, "share": 10 / len(sent)}


def test_new_values_fire_on_a_category_the_baseline_never_saw(server, receiver, categorical):
    [a] = alerts(server, model_id="fraud_svc~fraud", monitor_id=categorical["ids"]["payment_type"])
    assert (a["monitor_type"], a["field"]) == ("new_values", "payment_type")
    assert a["value"] == pytest.approx(categorical["share"], abs=1e-9), a
    [post] = receiver.to("new-payment_type")
    assert check_signed(post, "new-secret")["id"] == a["id"]
    assert alerts(server, model_id="fraud_svc~fraud", monitor_id=categorical["ids"]["utm_medium"]) == []
    assert receiver.to("new-utm_medium") == []


# ---- d) errors ---------------------------------------------------------------------------------


def monitor_body(model_id=DIABETES, mtype="model_activity", scheduling="*/5 * * * *"):
    return {"name": "bad", "type": mtype, "scheduling": scheduling, "is_active": True,
            "custom_alert_description": None,
            "configuration": monitor_configuration(model_id, COUNT, range_logic(1, None))}


@pytest.mark.parametrize("cron", ["*/5 * *", "61 * * * *"])
def test_a_bad_cron_expression_is_a_400_naming_it(server, cron):
    before = {m["id"] for m in monitors_of(server)}
    raw = error_of(rest(server, "POST", "/v1beta/monitors", json=monitor_body(scheduling=cron)), 400)
    assert cron in raw["message"] + " " + str(raw.get("detail")), raw
    text = aporia_error(aporia.experimental.create_monitor, "bad", "model_activity", cron,
                        monitor_configuration(DIABETES, COUNT, range_logic(1, None)))
    assert text == client_message("Creating monitor failed, error: ", raw)
    assert cron in text, text
    assert {m["id"] for m in monitors_of(server)} == before


def test_an_unknown_type_is_a_400(server):
    raw = error_of(rest(server, "POST", "/v1beta/monitors", json=monitor_body(mtype="sparkles")), 400)
    assert "sparkles" in raw["message"] + " " + str(raw.get("detail")) or "type" in raw["message"], raw
    # custom_metric is a type the client knows and the server refuses.
    raw = error_of(rest(server, "POST", "/v1beta/monitors", json=monitor_body(mtype="custom_metric")), 400)
    text = aporia_error(aporia.experimental.create_monitor, "bad", "custom_metric", "*/5 * * * *",
                        monitor_configuration(DIABETES, COUNT, range_logic(1, None)))
    assert text == client_message("Creating monitor failed, error: ", raw)


def test_an_unknown_model_is_a_404(server):
    raw = error_of(rest(server, "POST", "/v1beta/monitors", json=monitor_body(model_id="apm-nobody")), 404)
    text = aporia_error(aporia.experimental.create_monitor, "bad", "model_activity", "*/5 * * * *",
                        monitor_configuration("apm-nobody", COUNT, range_logic(1, None)))
    assert text == client_message("Creating monitor failed, error: ", raw)
    assert "Aporia server not found" not in text


def test_an_unknown_accuracy_metric_is_a_400_naming_it(server):
    body = monitor_body(mtype="performance_degradation")
    body["configuration"]["configuration"]["metric"] = {"type": "sparkle_score"}
    raw = error_of(rest(server, "POST", "/v1beta/monitors", json=body), 400)
    assert "sparkle_score" in raw["message"] + " " + str(raw.get("detail")), raw


def test_a_bad_configuration_is_a_400(server):
    body = monitor_body()
    del body["configuration"]["configuration"]["logicEvaluations"]
    error_of(rest(server, "POST", "/v1beta/monitors", json=body), 400)
    body = monitor_body()
    body["configuration"]["configuration"]["focal"]["timePeriod"] = "soon"
    raw = error_of(rest(server, "POST", "/v1beta/monitors", json=body), 400)
    assert "soon" in raw["message"] + " " + str(raw.get("detail")) or "timePeriod" in raw["message"] + " " + str(
        raw.get("detail")), raw


# ---- e) kill -9 --------------------------------------------------------------------------------


def test_monitors_alerts_and_a_pending_delivery_survive_kill_9(server, receiver, tmp_path_factory):
    base = tmp_path_factory.mktemp("ap-durable")
    # Retries 1.5 s apart: the kill falls between the first (failed) attempt's record and the next.
    slow = "[plugins.aporia]\nwebhook_backoff_ms = 1500\n"
    first = ap_server(base, examples=("diabetes_svc",), config=slow)
    second = None
    try:
        init_client(first)
        aporia.create_model("apm-durable", "Durable", tags={"keep": "me"})
        aporia.create_model_version("apm-durable", "v1", "regression", {"x": "numeric"}, {"y": "numeric"})
        model = aporia.Model("apm-durable", "v1")
        model.log_batch_prediction([{"id": f"d{i}", "features": {"x": float(i)}, "predictions": {"y": 2.0 * i}}
                                    for i in range(10)])
        assert model.flush() == 0
        rollups()
        fires = create("dur-fires", "apm-durable", "model_activity", COUNT, range_logic(100, None), receiver,
                       "dur-secret")
        holds = create("dur-holds", "apm-durable", "model_activity", COUNT, range_logic(1, None), receiver,
                       "dur-secret")
        cron = create("dur-cron", "apm-durable", "model_activity", COUNT, range_logic(100, None), receiver,
                      "dur-secret", scheduling="* * * * *")
        receiver.fail("dur-fires", 10_000)  # every attempt fails until the restart
        aporia.experimental.run_all_monitors("apm-durable", "v1")
        deadline = time.monotonic() + 10
        while not receiver.to("dur-fires") and time.monotonic() < deadline:
            time.sleep(0.02)
        failed = receiver.to("dur-fires")
        assert failed and failed[0]["status"] == 500, failed
        [a] = alerts(first, model_id="apm-durable", monitor_id=fires)
        time.sleep(0.5)
        assert len(receiver.to("dur-fires")) == 1
        cron_before = len(alerts(first, model_id="apm-durable", monitor_id=cron))

        first.process.kill()  # SIGKILL: no shutdown of any kind
        first.process.wait(timeout=10)
        killed_at = time.time()
        receiver.fail("dur-fires", 0)
        aporia.shutdown()
        # Down across a tick of the every-minute monitor: it is evaluated once after the restart.
        missed_tick = (int(killed_at) // 60 + 1) * 60
        time.sleep(max(0.0, missed_tick + 1.0 - time.time()))
        second = ap_server(base, config=slow, admin_key=first.admin_key, data_dir=first.data_dir)  # no examples again
        init_client(second)

        monitors = {m["id"]: m for m in monitors_of(second)}
        assert {fires, holds} <= set(monitors), sorted(monitors)
        assert monitors[fires]["name"] == "dur-fires"
        [again] = alerts(second, model_id="apm-durable", monitor_id=fires)
        assert (again["id"], again["monitor_id"], again["value"]) == (a["id"], fires, 10)
        assert alerts(second, model_id="apm-durable", monitor_id=holds) == []
        # The pending delivery resumes: the same X-Plinth-Delivery, now answered 200.
        [done] = receiver.wait_delivered("dur-fires", timeout=30)
        assert {p["headers"]["x-plinth-delivery"] for p in receiver.to("dur-fires")} == {
            failed[0]["headers"]["x-plinth-delivery"]}
        assert check_signed(done, "dur-secret")["id"] == a["id"]
        assert int(done["headers"]["x-plinth-timestamp"]) > int(failed[0]["headers"]["x-plinth-timestamp"])
        again = wait_delivery_status(second, a["id"], "apm-durable")
        assert again["deliveries"][0]["status"] == "delivered", again["deliveries"]
        assert again["deliveries"][0]["attempts"] >= 2, again["deliveries"]
        # The registry survived too, the deployed example's mirror included.
        assert aporia.get_model_tags("apm-durable") == {"tags": {"keep": "me"}}
        m = ok_json(rest(second, "GET", f"/v1beta/models/{DIABETES}"), 200)
        assert (m["source"], m["retired"], [v["name"] for v in m["versions"]]) == ("plinth", False, ["v1"])
        assert [v.name for v in aporia.experimental.get_model_versions("apm-durable")] == ["v1"]
        time.sleep(1.0)
        assert receiver.to("dur-holds") == []
        assert len(receiver.delivered("dur-fires")) == 1
        # The missed tick: one evaluation after the restart, before the next tick.
        deadline = time.monotonic() + 15
        while len(alerts(second, model_id="apm-durable", monitor_id=cron)) <= cron_before:
            assert time.monotonic() < deadline, "the tick missed while the server was down was not evaluated"
            time.sleep(0.2)
        time.sleep(1.0)
        assert time.time() < missed_tick + 60, "too slow: the next tick is due"
        assert len(alerts(second, model_id="apm-durable", monitor_id=cron)) == cron_before + 1
    finally:
        aporia.shutdown()
        if first.process.poll() is None:
            first.process.kill()
        if second is not None:
            stop(second)
        init_client(server)


# ---- the scheduler, checked last ---------------------------------------------------------------


def test_the_every_minute_monitor_fired_on_its_own(server, receiver):
    assert SCHED, "test_arm_a_monitor_on_every_minute did not run"
    # The next minute boundary after creation, plus time to evaluate and deliver.
    first_tick = (int(SCHED["created"]) // 60 + 1) * 60
    wait = max(0.0, first_tick + 15 - time.time())
    receiver.wait_delivered("sched", timeout=wait + 1)
    got = alerts(server, model_id=DIABETES, monitor_id=SCHED["id"])
    ticks = int(time.time()) // 60 - int(SCHED["created"]) // 60
    assert 1 <= len(got) <= ticks, (len(got), ticks)
    time.sleep(1.0)
    delivered = receiver.delivered("sched")
    assert len({p["headers"]["x-plinth-delivery"] for p in delivered}) == len(delivered)
    assert {check_signed(p, "sched-secret")["id"] for p in delivered} <= {a["id"] for a in got}
    assert all(a["value"] == 5 for a in got), got
    m = monitor(server, SCHED["id"])
    assert m.get("last_run") is not None
    aporia.experimental.delete_monitor(SCHED["id"])
