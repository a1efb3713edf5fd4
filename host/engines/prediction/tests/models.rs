//! Every example model of `models/` through the endpoint, against ONNX Runtime's recorded
//! outputs (`expected.json`), on tract (and on ONNX Runtime when `ORT_DYLIB_PATH` is set).

mod common;

use common::models::{expected, load_model, model_names, onnxruntime_library};
use common::post;
use plinth_engine_api::Action;
use serde_json::{Value, json};

/// Checks one `result` against one expected case; returns a description of the mismatch.
fn check(case: &Value, result: &Value, classes: Option<&Vec<Value>>) -> Result<(), String> {
    let note = case["note"].as_str().unwrap_or_default();
    match classes {
        None => {
            let want = case["value"].as_f64().unwrap();
            let got = result["prediction"]
                .as_f64()
                .ok_or(format!("{note}: no prediction in {result}"))?;
            if (got - want).abs() > 1e-3_f64.max(want.abs() * 1e-5) {
                return Err(format!("{note}: prediction {got} vs {want}"));
            }
        }
        Some(classes) => {
            let label = match &case["label"] {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            if result["prediction"] != json!(label) {
                return Err(format!(
                    "{note}: prediction {} vs {label}",
                    result["prediction"]
                ));
            }
            for (c, p) in classes
                .iter()
                .zip(case["probabilities"].as_array().unwrap())
            {
                let key = match c {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                let got = result["probas"][&key]
                    .as_f64()
                    .ok_or(format!("{note}: no probas[{key}] in {result}"))?;
                let want = p.as_f64().unwrap();
                if (got - want).abs() > 1e-5 {
                    return Err(format!("{note}: probas[{key}] {got} vs {want}"));
                }
            }
        }
    }
    Ok(())
}

async fn every_model_matches_onnx_runtime_outputs(engine: &str) {
    for name in model_names() {
        let endpoint = load_model(&name, engine).await;
        let expected = expected(&name);
        let classes = expected["classes"].as_array();
        let cases = expected["cases"].as_array().unwrap();
        let mut items = Vec::new();
        for case in cases {
            let answer = post(
                endpoint.as_ref(),
                Action::Predict,
                json!({"features": case["features"]}),
            )
            .await
            .unwrap_or_else(|e| panic!("{name} {}: {e}", case["note"]));
            check(case, &answer["result"], classes)
                .unwrap_or_else(|m| panic!("{name} on {engine}: {m}"));
            items.push(json!({"features": case["features"]}));
        }
        let answer = post(
            endpoint.as_ref(),
            Action::PredictMulti,
            json!({"items": items}),
        )
        .await
        .unwrap();
        let results = answer["results"].as_array().unwrap();
        assert_eq!(results.len(), cases.len());
        for (case, result) in cases.iter().zip(results) {
            check(case, result, classes)
                .unwrap_or_else(|m| panic!("{name} on {engine} (multi): {m}"));
        }
    }
}

#[tokio::test]
async fn every_model_matches_onnx_runtime_on_tract() {
    every_model_matches_onnx_runtime_outputs("tract").await;
}

#[tokio::test]
async fn every_model_matches_onnx_runtime_on_onnxruntime() {
    if onnxruntime_library("every_model_matches_onnx_runtime_on_onnxruntime").is_none() {
        return;
    }
    every_model_matches_onnx_runtime_outputs("onnxruntime").await;
}

#[tokio::test]
async fn answers_have_the_reference_shapes() {
    let cancer = load_model("cancer_trees", "tract").await;
    let case = &expected("cancer_trees")["cases"][0];
    let result = post(
        cancer.as_ref(),
        Action::Predict,
        json!({"features": case["features"]}),
    )
    .await
    .unwrap()["result"]
        .clone();
    let keys: Vec<&str> = result
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["prediction", "probaPercentile", "probas"]);
    assert!(
        result["prediction"].is_string(),
        "integer labels are answered as text: {result}"
    );
    let percentile = result["probaPercentile"].as_u64().unwrap();
    assert!((1..=100).contains(&percentile));

    let iris = load_model("iris", "tract").await;
    let case = &expected("iris")["cases"][0];
    let result = post(
        iris.as_ref(),
        Action::Predict,
        json!({"features": case["features"]}),
    )
    .await
    .unwrap()["result"]
        .clone();
    assert!(
        result.get("probaPercentile").is_none(),
        "multiclass has no percentile"
    );
    assert_eq!(
        result["probas"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        ["setosa", "versicolor", "virginica"]
    );

    let diabetes = load_model("diabetes", "tract").await;
    let case = &expected("diabetes")["cases"][0];
    let result = post(
        diabetes.as_ref(),
        Action::Predict,
        json!({"features": case["features"]}),
    )
    .await
    .unwrap()["result"]
        .clone();
    assert_eq!(
        result.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["prediction"]
    );
    assert!(result["prediction"].is_number());
}

#[tokio::test]
async fn predict_simple_converts_the_query_by_the_schema() {
    let iris = load_model("iris", "tract").await;
    let case = &expected("iris")["cases"][0];
    let pairs: Vec<(String, String)> = case["features"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.to_string()))
        .collect();
    let reply = iris
        .serve(plinth_engine_api::Request {
            observe: false,
            action: Action::PredictSimple,
            input: plinth_engine_api::Input::Query(pairs),
        })
        .await
        .unwrap();
    check(
        case,
        &reply.body["result"],
        expected("iris")["classes"].as_array(),
    )
    .unwrap();
    let bad = iris
        .serve(plinth_engine_api::Request {
            observe: false,
            action: Action::PredictSimple,
            input: plinth_engine_api::Input::Query(vec![(
                "petal width (cm)".into(),
                "wide".into(),
            )]),
        })
        .await
        .unwrap_err();
    assert_eq!(bad.status, 400);
    assert!(
        bad.message
            .contains("'petal width (cm)': expected a number"),
        "{}",
        bad.message
    );
}

#[tokio::test]
async fn describe_shows_the_schema_and_classes() {
    let fraud = load_model("fraud", "tract").await;
    let d = fraud.describe();
    assert_eq!(d["task"], "binary");
    assert_eq!(d["engine"], "tract");
    assert_eq!(d["classes"], json!(["FRAUDULENT", "NOT_FRAUDULENT"]));
    assert_eq!(d["positiveClass"], "FRAUDULENT");
    let payment = &d["features"][1];
    assert_eq!(payment["name"], "payment_type");
    assert_eq!(payment["type"], "string");
    assert_eq!(payment["categories"][2], "GIFT_CARD");
    assert_eq!(d["features"][3]["missing"]["policy"], "error");
}

#[tokio::test]
async fn explanations_on_real_models_are_repeatable_and_sum_exactly() {
    let cancer = load_model("cancer_trees", "tract").await;
    let case = &expected("cancer_trees")["cases"][0];
    let body = json!({"features": case["features"], "explanations": {"enabled": true, "method": "SHAPLEY", "nExplanations": 30, "nMonteCarloSteps": 1000}});
    let a = post(cancer.as_ref(), Action::Predict, body.clone())
        .await
        .unwrap();
    let b = post(cancer.as_ref(), Action::Predict, body).await.unwrap();
    assert_eq!(a, b);
    // 1000 steps use each of the 200 reference rows five times: the values add up to
    // s(x) − mean s(reference row), s the log-odds of P(malignant) clipped to [0.01, 0.99].
    let log_odds = |p: f64| {
        let p = p.clamp(0.01, 0.99);
        (p / (1.0 - p)).ln()
    };
    let reference =
        std::fs::read_to_string(common::models::models_dir().join("cancer_trees/reference.csv"))
            .unwrap();
    let mut lines = reference.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let items: Vec<Value> = lines
        .map(|l| {
            let features: serde_json::Map<String, Value> = header
                .iter()
                .zip(l.split(','))
                .map(|(h, v)| (h.to_string(), json!(v.parse::<f64>().unwrap())))
                .collect();
            json!({"features": features})
        })
        .collect();
    let background = post(
        cancer.as_ref(),
        Action::PredictMulti,
        json!({"items": items}),
    )
    .await
    .unwrap();
    let mean: f64 = background["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| log_odds(r["probas"]["1"].as_f64().unwrap()))
        .sum::<f64>()
        / 200.0;
    let result = &a["result"];
    let total: f64 = result["explanations"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_f64().unwrap())
        .sum();
    let want = log_odds(result["probas"]["1"].as_f64().unwrap()) - mean;
    assert!((total - want).abs() < 1e-3, "{total} vs {want}");

    let ice =
        json!({"features": case["features"], "explanations": {"enabled": true, "method": "ICE"}});
    let answer = post(cancer.as_ref(), Action::Predict, ice).await.unwrap();
    assert_eq!(
        answer["result"]["explanations"].as_object().unwrap().len(),
        3
    );
}
