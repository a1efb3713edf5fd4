"""Prediction endpoints through the real `dataikuapi` client: `predict_record`,
`predict_records` (with ICE and SHAPLEY explanations), `forced_generation` and `dispatch_key`.

The session server deploys `examples/` (fraud_svc, iris_svc, diabetes_svc, cancer_svc); the
answers are checked against ONNX Runtime's outputs recorded in `models/<name>/expected.json`.
"""

import json
import shutil
import tarfile
from pathlib import Path

import pytest
from dataikuapi import APINodeAdminClient, APINodeClient
from dataikuapi.utils import DataikuException

from conftest import EXAMPLES_DIR, REPO_ROOT

MODELS = REPO_ROOT / "models"
SEED_FEATURES = {
    "customer_id": 2136,
    "transaction_amount": 233.33,
    "payment_type": "CB",
    "user-agent": "Mozilla/5.0 (Chrome)",
    "utm_medium": "campaign",
}


def expected(model):
    return json.loads((MODELS / model / "expected.json").read_text())


def assert_matches(case, result, classes):
    if classes is None:
        assert result["prediction"] == pytest.approx(case["value"], rel=1e-5, abs=1e-3), case["note"]
        return
    assert result["prediction"] == str(case["label"]), (case["note"], result)
    for cls, p in zip(classes, case["probabilities"]):
        assert result["probas"][str(cls)] == pytest.approx(p, abs=1e-5), (case["note"], cls)


@pytest.mark.parametrize(
    "service,endpoint,model",
    [("iris_svc", "iris", "iris"), ("diabetes_svc", "diabetes", "diabetes"), ("cancer_svc", "cancer", "cancer_trees"), ("fraud_svc", "fraud", "fraud")],
)
def test_predict_record_and_records_equal_onnx_runtime(plinth, service, endpoint, model):
    client = APINodeClient(plinth.url, service)
    recorded = expected(model)
    classes = recorded.get("classes")
    sent = [case["request"] if model == "fraud" else case["features"] for case in recorded["cases"]]
    for case, features in zip(recorded["cases"], sent):
        answer = client.predict_record(endpoint, features)
        assert set(answer) == {"result", "timing", "apiContext"}
        assert_matches(case, answer["result"], classes)
    answer = client.predict_records(endpoint, [{"features": f, "context": {"n": i}} for i, f in enumerate(sent)])
    assert len(answer["results"]) == len(sent)
    for case, result in zip(recorded["cases"], answer["results"]):
        assert_matches(case, result, classes)


def test_seed_request_with_ice_and_shapley(plinth):
    client = APINodeClient(plinth.url, "fraud_svc")
    answer = client.predict_record("fraud", SEED_FEATURES, with_explanations=True, explanation_method="ICE", n_explanations=4)
    result = answer["result"]
    assert result["prediction"] == "NOT_FRAUDULENT"
    assert set(result["probas"]) == {"FRAUDULENT", "NOT_FRAUDULENT"}
    assert 1 <= result["probaPercentile"] <= 100
    assert len(result["explanations"]) == 4
    assert {"enrich", "predictionInternal", "explanations"} <= set(answer["timing"])

    records = [{"features": SEED_FEATURES}, {"features": dict(SEED_FEATURES, customer_id=1235, transaction_amount=2.17, utm_medium="mailing")}]
    first = client.predict_records("fraud", records, with_explanations=True, explanation_method="SHAPLEY", n_explanations=5, n_explanations_mc_steps=150)
    again = client.predict_records("fraud", records, with_explanations=True, explanation_method="SHAPLEY", n_explanations=5, n_explanations_mc_steps=150)
    assert first["results"] == again["results"], "explanations are deterministic"
    for result in first["results"]:
        values = list(result["explanations"].values())
        assert len(values) == 5
        assert [abs(v) for v in values] == sorted((abs(v) for v in values), reverse=True)

    # Defaults of the endpoint when everything is None: no explanations on fraud ...
    assert "explanations" not in client.predict_record("fraud", SEED_FEATURES)["result"]
    # ... and SHAPLEY (its manifest's method) on cancer once enabled.
    case = expected("cancer_trees")["cases"][0]
    cancer = APINodeClient(plinth.url, "cancer_svc").predict_record("cancer", case["features"], with_explanations=True)
    assert len(cancer["result"]["explanations"]) == 3


def test_bad_input_raises_with_the_feature_named(plinth):
    client = APINodeClient(plinth.url, "fraud_svc")
    with pytest.raises(DataikuException) as error:
        client.predict_record("fraud", dict(SEED_FEATURES, transaction_amount="lots"))
    assert "InvalidInput" in str(error.value) and "transaction_amount" in str(error.value)
    with pytest.raises(DataikuException) as error:
        client.predict_record("fraud", SEED_FEATURES, with_explanations=True, n_explanations_mc_steps=5000)
    assert "nMonteCarloSteps" in str(error.value)
    answer = client.predict_records("fraud", [{"features": SEED_FEATURES}, {"features": {"customer_id": "nobody"}}])
    assert answer["results"][1]["ignored"] is True


def iris_bundle(tmp_path, service_id, model, name):
    """A copy of examples/iris_svc serving `models/<model>` under another service id."""
    root = tmp_path / name / service_id
    shutil.copytree(EXAMPLES_DIR / "iris_svc", root)
    manifest = (root / "plinth.toml").read_text().replace('id = "iris_svc"', f'id = "{service_id}"')
    (root / "plinth.toml").write_text(manifest)
    for file in ("model.onnx", "model.json", "reference.csv"):
        shutil.copy(MODELS / model / file, root / "model" / file)
    archive = tmp_path / f"{name}.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(root, arcname=service_id)
    return archive.resolve()


def test_forced_generation_and_dispatch_key(plinth, tmp_path):
    admin = APINodeAdminClient(plinth.url, plinth.admin_key)
    admin.create_service("conf_iris")
    service = admin.service("conf_iris")
    service.import_generation_from_archive(str(iris_bundle(tmp_path, "conf_iris", "iris", "v1")))
    service.import_generation_from_archive(str(iris_bundle(tmp_path, "conf_iris", "iris_forest", "v2")))
    service.switch_to_single_generation("v2")

    client = APINodeClient(plinth.url, "conf_iris")
    logreg, forest = expected("iris"), expected("iris_forest")
    case_v1, case_v2 = logreg["cases"][0], forest["cases"][0]
    assert case_v1["features"] == case_v2["features"]
    features = case_v1["features"]

    plain = client.predict_record("iris", features)
    assert plain["apiContext"]["serviceGeneration"] == "v2"
    assert_matches(case_v2, plain["result"], forest["classes"])
    forced = client.predict_record("iris", features, forced_generation="v1")
    assert forced["apiContext"]["serviceGeneration"] == "v1"
    assert_matches(case_v1, forced["result"], logreg["classes"])
    multi = client.predict_records("iris", [{"features": features}], forced_generation="v1")
    assert multi["apiContext"]["serviceGeneration"] == "v1"

    # HASH_BASED dispatch: a dispatch key always lands on the same generation.
    service.set_generations_mapping({"entries": [{"generation": "v1", "proba": 0.5}, {"generation": "v2", "proba": 0.5}], "strategy": "HASH_BASED"})
    seen = {}
    for key in (f"user-{i}" for i in range(20)):
        generations = {client.predict_record("iris", features, dispatch_key=key)["apiContext"]["serviceGeneration"] for _ in range(3)}
        assert len(generations) == 1, key
        seen[key] = generations.pop()
    assert set(seen.values()) == {"v1", "v2"}
