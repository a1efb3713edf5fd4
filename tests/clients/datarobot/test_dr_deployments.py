"""The DataRobot Deployments API through the real `datarobot` client: connecting, listing,
updating, status (deactivate refuses user calls with 503 EndpointInactive), settings, health
settings (3.4+), tags (3.12+), delete, and the client's errors (404, 400, auth)."""

import time
from datetime import datetime, timedelta, timezone

import datarobot as dr
import pytest
import requests
from dataikuapi import APINodeClient
from dataikuapi.utils import DataikuException
from datarobot.errors import ClientError

from drhelpers import CANCER, DIABETES, DR_VERSION, IRIS, connect, deploy_copy, needs, server  # noqa: F401

pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning")

DIABETES_ROW = {"age": 50, "sex": 1, "bmi": 30, "bp": 90, "s1": 200, "s2": 100, "s3": 50, "s4": 4, "s5": 4.5, "s6": 90}
IRIS_ROW = {"sepal length (cm)": 5.1, "sepal width (cm)": 3.5, "petal length (cm)": 1.4, "petal width (cm)": 0.2}


def test_connect_checks_the_version(server):
    client = connect(server)
    assert client.endpoint == server.url + "/api/v2"
    answer = requests.get(server.url + "/api/v2/version/", headers={"Authorization": f"Token {server.admin_key}"})
    assert answer.status_code == 200
    body = answer.json()
    assert body["major"] == 2 and isinstance(body["minor"], int) and isinstance(body["versionString"], str)


def test_list_finds_the_examples_and_get_matches(server):
    connect(server)
    listed = {d.id: d for d in dr.Deployment.list()}
    assert {DIABETES, CANCER, IRIS} <= set(listed), sorted(listed)
    for dep_id, target_type in ((DIABETES, "Regression"), (CANCER, "Binary"), (IRIS, "Multiclass")):
        d = dr.Deployment.get(dep_id)
        assert d.id == dep_id
        assert d.model["id"] == "v1"
        assert d.model["target_type"] == target_type
        assert d.status == "active"
        assert d.label == listed[dep_id].label


def test_update_label_description_importance(server):
    connect(server)
    d = dr.Deployment.get(IRIS)
    d.update(label="Iris flowers", description="three classes", importance="HIGH")
    again = dr.Deployment.get(IRIS)
    assert (again.label, again.description, again.importance) == ("Iris flowers", "three classes", "HIGH")
    # A partial update changes only what it names.
    again.update(description="only this")
    third = dr.Deployment.get(IRIS)
    assert (third.label, third.description, third.importance) == ("Iris flowers", "only this", "HIGH")
    assert {x.id: x.label for x in dr.Deployment.list()}[IRIS] == "Iris flowers"


def test_deactivate_refuses_user_calls_until_activated(server):
    connect(server)
    d = dr.Deployment.get(CANCER)
    cancer = APINodeClient(server.url, "cancer_svc")
    features = {name: 1.0 for name in _cancer_features()}
    cancer.predict_record("cancer", features)
    d.deactivate()
    assert dr.Deployment.get(CANCER).status == "inactive"
    raw = requests.post(server.user_url("cancer_svc", "cancer", "predict"), json={"features": features})
    assert raw.status_code == 503, raw.text
    assert raw.json().get("errorType") == "EndpointInactive", raw.text
    with pytest.raises(DataikuException, match="EndpointInactive"):
        cancer.predict_record("cancer", features)
    # Other services still answer.
    assert "prediction" in APINodeClient(server.url, "diabetes_svc").predict_record("diabetes", DIABETES_ROW)["result"]
    assert "prediction" in APINodeClient(server.url, "iris_svc").predict_record("iris", IRIS_ROW)["result"]
    d.activate()
    assert dr.Deployment.get(CANCER).status == "active"
    assert "prediction" in cancer.predict_record("cancer", features)["result"]


def _cancer_features():
    from drhelpers import reference

    columns, _ = reference("cancer_svc")
    return columns


def test_settings_get_and_update(server):
    connect(server)
    d = dr.Deployment.get(DIABETES)
    assert d.get_drift_tracking_settings() == {"target_drift": {"enabled": True}, "feature_drift": {"enabled": True}}
    d.update_drift_tracking_settings(target_drift_enabled=False, feature_drift_enabled=True)
    assert d.get_drift_tracking_settings() == {"target_drift": {"enabled": False}, "feature_drift": {"enabled": True}}
    d.update_drift_tracking_settings(target_drift_enabled=True)
    assert d.get_drift_tracking_settings() == {"target_drift": {"enabled": True}, "feature_drift": {"enabled": True}}

    assert d.get_association_id_settings() == {"column_names": [], "required_in_prediction_requests": False}
    d.update_association_id_settings(column_names=["rid"], required_in_prediction_requests=False)
    assert d.get_association_id_settings() == {"column_names": ["rid"], "required_in_prediction_requests": False}

    assert d.get_predictions_data_collection_settings() == {"enabled": True}
    d.update_predictions_data_collection_settings(enabled=False)
    assert d.get_predictions_data_collection_settings() == {"enabled": False}
    d.update_predictions_data_collection_settings(enabled=True)
    assert d.get_predictions_data_collection_settings() == {"enabled": True}
    # Settings are per deployment.
    assert dr.Deployment.get(CANCER).get_association_id_settings()["column_names"] == []


@needs((3, 4), "get/update/get_default_health_settings")
def test_health_settings(server):
    connect(server)
    d = dr.Deployment.get(DIABETES)
    defaults = d.get_default_health_settings()
    current = d.get_health_settings()
    assert current["data_drift"] == defaults["data_drift"]
    assert current["accuracy"] == defaults["accuracy"]
    updated = d.update_health_settings(
        data_drift={"drift_threshold": 0.2, "importance_threshold": 0.6},
        accuracy={"metric": "MAE", "warning_threshold": 5.0, "failing_threshold": 15.0},
    )
    assert updated["data_drift"]["drift_threshold"] == 0.2
    assert updated["data_drift"]["importance_threshold"] == 0.6
    again = d.get_health_settings()
    assert again["data_drift"]["drift_threshold"] == 0.2
    assert again["data_drift"]["importance_threshold"] == 0.6
    assert (again["accuracy"]["metric"], again["accuracy"]["warning_threshold"], again["accuracy"]["failing_threshold"]) == (
        "MAE", 5.0, 15.0)
    # Untouched members keep their values; the defaults do not move.
    assert again["service"] == current["service"]
    assert d.get_default_health_settings()["data_drift"] == defaults["data_drift"]


@needs((3, 12), "create_tag/update_tag/delete_tag")
def test_tags(server):
    connect(server)
    d = dr.Deployment.get(DIABETES)
    tag = d.create_tag("team", "ml")
    assert tag["name"] == "team" and tag["value"] == "ml" and tag["id"]
    tags = dr.Deployment.get(DIABETES).tags
    assert [(t["id"], t["name"], t["value"]) for t in tags] == [(tag["id"], "team", "ml")]
    d = dr.Deployment.get(DIABETES)
    d.update_tag(tag["id"], "team", "platform")
    assert [(t["name"], t["value"]) for t in dr.Deployment.get(DIABETES).tags] == [("team", "platform")]
    d = dr.Deployment.get(DIABETES)
    d.delete_tag(tag["id"])
    assert dr.Deployment.get(DIABETES).tags == []


def test_delete_a_deployment_of_a_copied_service(server, tmp_path):
    deploy_copy(server, "diabetes_svc", "drc_delete_svc", tmp_path)
    connect(server)
    dep_id = "drc_delete_svc~diabetes"
    assert dep_id in {d.id for d in dr.Deployment.list()}
    d = dr.Deployment.get(dep_id)
    d.delete()
    assert dep_id not in {x.id for x in dr.Deployment.list()}
    with pytest.raises(ClientError) as err:
        dr.Deployment.get(dep_id)
    assert err.value.status_code == 404
    # The examples stay.
    assert {DIABETES, CANCER, IRIS} <= {x.id for x in dr.Deployment.list()}


def test_unknown_deployment_is_a_404_without_retries(server):
    connect(server)
    started = time.monotonic()
    with pytest.raises(ClientError) as err:
        dr.Deployment.get("no_such_svc~nothing")
    assert err.value.status_code == 404
    with pytest.raises(ClientError) as err:
        dr.Deployment("no_such_svc~nothing").get_service_stats()
    assert err.value.status_code == 404
    # The client retries 413/429/502/503/504 for ~100 s: a 404 comes back at once.
    assert time.monotonic() - started < 5


def test_period_not_on_the_hour_is_a_400_naming_the_parameter(server):
    connect(server)
    d = dr.Deployment.get(DIABETES)
    hour = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
    started = time.monotonic()
    with pytest.raises(ClientError) as err:
        d.get_service_stats(start_time=hour - timedelta(hours=2, minutes=30), end_time=hour + timedelta(hours=1))
    assert err.value.status_code == 400
    assert "start" in str(err.value), str(err.value)
    with pytest.raises(ClientError) as err:
        d.get_service_stats(start_time=hour - timedelta(hours=2), end_time=hour + timedelta(minutes=17))
    assert err.value.status_code == 400
    assert "end" in str(err.value), str(err.value)
    assert time.monotonic() - started < 5


def test_invalid_token_is_the_clients_auth_error(server):
    import inspect

    import datarobot.client

    if "raise ClientError" in inspect.getsource(datarobot.client._is_compatible_client):
        # Newer clients raise the 401 of the version check as a ClientError.
        with pytest.raises(ClientError) as err:
            dr.Client(token="not-a-key", endpoint=server.url + "/api/v2")
        assert err.value.status_code == 401
        assert "Unable to authenticate" in str(err.value)
    else:
        # Older ones (3.0.x) warn "Unable to authenticate" and then refuse the server.
        with pytest.warns(UserWarning, match="Unable to authenticate"):
            with pytest.raises(ValueError, match="not compatible"):
                dr.Client(token="not-a-key", endpoint=server.url + "/api/v2")
    connect(server)


def test_no_token_is_a_json_401(server):
    # The client itself refuses an empty token (ValueError) before any request: check the wire.
    for headers in ({}, {"Authorization": "Token "}, {"Authorization": "Token not-a-key"}):
        for path in ("version/", f"deployments/{DIABETES}/", f"deployments/{DIABETES}/serviceStats/"):
            answer = requests.get(f"{server.url}/api/v2/{path}", headers=headers)
            assert answer.status_code == 401, (path, headers, answer.text)
            assert answer.headers["Content-Type"] == "application/json"
            assert isinstance(answer.json().get("message"), str)
