//! Prediction endpoints through HTTP: every example model equals ONNX Runtime's recorded
//! outputs (`models/<name>/expected.json`) on tract, and on ONNX Runtime when the binary has
//! the `onnxruntime` feature and `ORT_DYLIB_PATH` is set; bad input gets clear errors.

mod support;

use serde_json::{Value, json};
use support::*;

/// (service, endpoint, model folder) of the prediction examples.
const EXAMPLES: [(&str, &str, &str); 4] = [
    ("fraud_svc", "fraud", "fraud"),
    ("iris_svc", "iris", "iris"),
    ("diabetes_svc", "diabetes", "diabetes"),
    ("cancer_svc", "cancer", "cancer_trees"),
];

fn expected(model: &str) -> Value {
    let path = repo_root().join("models").join(model).join("expected.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn label(v: &Value) -> Value {
    match v {
        Value::String(_) => v.clone(),
        other => Value::String(other.to_string()),
    }
}

/// Checks a `result` against a recorded case.
fn check(model: &str, case: &Value, result: &Value, classes: Option<&Vec<Value>>) {
    let note = &case["note"];
    match classes {
        None => {
            let want = case["value"].as_f64().unwrap();
            let got = result["prediction"]
                .as_f64()
                .unwrap_or_else(|| panic!("{model} {note}: {result}"));
            assert!(
                (got - want).abs() <= 1e-3_f64.max(want.abs() * 1e-5),
                "{model} {note}: {got} vs {want}"
            );
        }
        Some(classes) => {
            assert_eq!(
                result["prediction"],
                label(&case["label"]),
                "{model} {note}: {result}"
            );
            for (c, p) in classes
                .iter()
                .zip(case["probabilities"].as_array().unwrap())
            {
                let key = label(c);
                let got = result["probas"][key.as_str().unwrap()].as_f64().unwrap();
                assert!(
                    (got - p.as_f64().unwrap()).abs() < 1e-5,
                    "{model} {note}: probas[{key}] {got} vs {p}"
                );
            }
        }
    }
}

/// Every example through predict and predict-multi; the fraud cases send only the client's
/// fields (`request`), the rest comes from the customer enrichment.
fn every_example_answers_like_onnx_runtime(server: &Plinth) {
    for (service, endpoint, model) in EXAMPLES {
        let expected = expected(model);
        let classes = expected["classes"].as_array();
        let cases = expected["cases"].as_array().unwrap();
        let sent = |case: &Value| {
            if model == "fraud" {
                case["request"].clone()
            } else {
                case["features"].clone()
            }
        };
        for case in cases {
            let answer = server.post(
                &format!("/public/api/v1/{service}/{endpoint}/predict"),
                &json!({"features": sent(case)}),
            );
            assert_eq!(answer.status, 200, "{service}: {}", answer.text);
            let body = answer.json();
            check(model, case, &body["result"], classes);
            assert_eq!(body["apiContext"]["serviceId"], service);
            assert!(
                body["timing"]["predictionInternal"].is_number(),
                "{}",
                body["timing"]
            );
        }
        let items: Vec<Value> = cases.iter().map(|c| json!({"features": sent(c)})).collect();
        let answer = server.post(
            &format!("/public/api/v1/{service}/{endpoint}/predict-multi"),
            &json!({"items": items}),
        );
        assert_eq!(answer.status, 200, "{}", answer.text);
        for (case, result) in cases
            .iter()
            .zip(answer.json()["results"].as_array().unwrap())
        {
            check(model, case, result, classes);
        }
    }
}

/// A server with the four prediction examples deployed.
fn server_with_examples(tmp: &std::path::Path, options: Options) -> Plinth {
    let server = Plinth::start_with(&tmp.join("data"), options);
    for (service, _, _) in EXAMPLES {
        let answer = server.upload(
            &tar_gz_dir(&repo_root().join("examples").join(service)),
            "activate=true",
        );
        assert_eq!(
            answer.status, 200,
            "deploy of {service} failed: {}",
            answer.text
        );
    }
    server
}

#[test]
fn every_example_model_answers_like_onnx_runtime_on_tract() {
    let tmp = tempfile::tempdir().unwrap();
    let server = server_with_examples(tmp.path(), Options::default());
    every_example_answers_like_onnx_runtime(&server);
}

#[test]
fn every_example_model_answers_like_onnx_runtime_on_onnxruntime() {
    let library = std::env::var("ORT_DYLIB_PATH").unwrap_or_default();
    if library.is_empty() || !cfg!(feature = "onnxruntime") {
        // scripts/test.sh builds with the feature and sets both variables: there, a skip is a
        // failure.
        assert!(
            std::env::var_os("PLINTH_REQUIRE_ONNXRUNTIME").is_none(),
            "PLINTH_REQUIRE_ONNXRUNTIME is set but this build has no ONNX Runtime (feature `onnxruntime` and ORT_DYLIB_PATH)"
        );
        eprintln!(
            "SKIPPED: every_example_model_answers_like_onnx_runtime_on_onnxruntime: needs `--features onnxruntime` and ORT_DYLIB_PATH"
        );
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("plinth.toml");
    std::fs::write(&config, format!("[engines.prediction]\ndefault_engine = \"onnxruntime\"\nonnxruntime_library = {library:?}\n")).unwrap();
    let options = Options {
        args: vec!["--config".into(), config.display().to_string()],
        ..Options::default()
    };
    let server = server_with_examples(tmp.path(), options);
    let described = server.admin_get("services/iris_svc").json();
    assert!(
        described.to_string().contains("\"engine\":\"onnxruntime\""),
        "{described}"
    );
    every_example_answers_like_onnx_runtime(&server);
}

#[test]
fn the_seed_requests_score_with_explanations_and_the_admin_api_shows_the_schema() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Plinth::start_with(
        &tmp.path().join("data"),
        Options {
            examples: true,
            ..Options::default()
        },
    );
    let seed = json!({
        "features": {"customer_id": 2136, "transaction_amount": 233.33, "payment_type": "CB", "user-agent": "Mozilla/5.0 (Chrome)", "utm_medium": "campaign"},
        "explanations": {"enabled": true, "method": "ICE", "nExplanations": 4}
    });
    let answer = server.post("/public/api/v1/fraud_svc/fraud/predict", &seed);
    assert_eq!(answer.status, 200, "{}", answer.text);
    let body = answer.json();
    let result = &body["result"];
    assert_eq!(result["prediction"], "NOT_FRAUDULENT");
    assert!(result["probaPercentile"].as_u64().unwrap() > 50);
    assert_eq!(result["explanations"].as_object().unwrap().len(), 4);
    for entry in ["enrich", "predictionInternal", "explanations"] {
        assert!(
            body["timing"][entry].is_number(),
            "{entry}: {}",
            body["timing"]
        );
    }
    let multi = json!({
        "items": [
            {"features": {"customer_id": 2136, "transaction_amount": 233.33, "payment_type": "CB", "user-agent": "Mozilla/5.0 (Chrome)", "utm_medium": "campaign"}, "context": {"frontend_id": 2}},
            {"features": {"customer_id": 1235, "transaction_amount": 2.17, "payment_type": "CB", "user-agent": "Mozilla/5.0 (Chrome)", "utm_medium": "mailing"}, "context": {"frontend_id": 4}}
        ],
        "explanations": {"enabled": true, "method": "SHAPLEY", "nExplanations": 5, "nMonteCarloSteps": 150}
    });
    let answer = server.post("/public/api/v1/fraud_svc/fraud/predict-multi", &multi);
    assert_eq!(answer.status, 200, "{}", answer.text);
    let results = answer.json()["results"].as_array().unwrap().clone();
    assert_eq!(results.len(), 2);
    assert_eq!(results[1]["explanations"].as_object().unwrap().len(), 5);

    let simple = server.get("/public/api/v1/iris_svc/iris/predict-simple?sepal%20length%20(cm)=5.1&sepal%20width%20(cm)=3.5&petal%20length%20(cm)=1.4&petal%20width%20(cm)=0.2");
    assert_eq!(simple.status, 200, "{}", simple.text);
    assert_eq!(simple.json()["result"]["prediction"], "setosa");

    let described = server.admin_get("services/cancer_svc");
    assert_eq!(described.status, 200, "{}", described.text);
    let text = described.text;
    for needle in [
        "\"mean radius\"",
        "\"classes\":[\"0\",\"1\"]",
        "\"engine\":\"tract\"",
        "\"task\":\"binary\"",
    ] {
        assert!(text.contains(needle), "{needle} not in {text}");
    }
    let fraud = server.admin_get("services/fraud_svc").text;
    assert!(
        fraud.contains("GIFT_CARD") && fraud.contains("customers.csv"),
        "{fraud}"
    );
}

#[test]
fn bad_input_gets_clear_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let server = server_with_examples(tmp.path(), Options::default());
    let fraud = "/public/api/v1/fraud_svc/fraud/predict";
    // (body, status, errorType, text in the message)
    let cases = [
        (
            json!({"features": {"customer_id": 2136, "transaction_amount": "lots"}}),
            400,
            "InvalidInput",
            "'transaction_amount': expected a number",
        ),
        (
            json!({"features": {"transaction_amount": 3}}),
            400,
            "InvalidInput",
            "'customer_id'",
        ),
        (
            json!({"features": {"customer_id": [1]}}),
            400,
            "InvalidInput",
            "'customer_id': expected an integer",
        ),
        (
            json!({"features": {"customer_id": 2136, "transaction_amount": "-Infinity"}}),
            400,
            "InvalidInput",
            "finite",
        ),
        (
            json!({"features": {"customer_id": 2136}, "explanations": {"enabled": true, "nMonteCarloSteps": 2}}),
            400,
            "InvalidInput",
            "nMonteCarloSteps",
        ),
        (
            json!({"features": {"customer_id": 2136}, "explanations": {"enabled": true, "method": "LIME"}}),
            400,
            "InvalidInput",
            "explanations.method",
        ),
        (json!({"feature": {}}), 400, "InvalidInput", "'features'"),
    ];
    for (body, status, error_type, text) in cases {
        let answer = server.post(fraud, &body);
        assert_eq!(answer.status, status, "{body}: {}", answer.text);
        assert_eq!(answer.error_type(), error_type, "{body}: {}", answer.text);
        assert!(
            answer.json()["message"].as_str().unwrap().contains(text),
            "{body}: {}",
            answer.text
        );
    }
    // NaN is not JSON: the host refuses the body.
    let nan = server.call(
        "POST",
        fraud,
        None,
        Some(br#"{"features":{"customer_id":2136,"transaction_amount":NaN}}"#),
        None,
    );
    assert_eq!(nan.status, 400, "{}", nan.text);
    // An unknown category is encoded as all zeros by the model: accepted.
    let unknown = server.post(
        fraud,
        &json!({"features": {"customer_id": 2136, "payment_type": "BITCOIN"}}),
    );
    assert_eq!(unknown.status, 200, "{}", unknown.text);
    // One bad item does not fail the batch.
    let items =
        json!({"items": [{"features": {"customer_id": 2136}}, {"features": {"customer_id": "x"}}]});
    let answer = server.post("/public/api/v1/fraud_svc/fraud/predict-multi", &items);
    assert_eq!(answer.status, 200, "{}", answer.text);
    let results = answer.json()["results"].clone();
    assert!(results[0]["prediction"].is_string());
    assert_eq!(results[1]["ignored"], true);
}

#[test]
fn a_hundred_thousand_items_in_a_ten_megabyte_body_are_scored() {
    // Diabetes: short answers (a ~2 MB response), a >10 MB request.
    let tmp = tempfile::tempdir().unwrap();
    let server = server_with_examples(tmp.path(), Options::default());
    let case = &expected("diabetes")["cases"][0];
    let item = json!({"features": case["features"]});
    let text = json!({"items": vec![item.clone(); 100_000]}).to_string();
    assert!(text.len() > 10_000_000, "{} bytes", text.len());
    let path = "/public/api/v1/diabetes_svc/diabetes/predict-multi";
    let answer = server.call("POST", path, None, Some(text.as_bytes()), None);
    assert_eq!(
        answer.status,
        200,
        "{}",
        &answer.text[..answer.text.len().min(500)]
    );
    let body = answer.json();
    let results = body["results"].as_array().unwrap();
    assert_eq!(results.len(), 100_000);
    check("diabetes", case, &results[99_999], None);
    // Beyond the host's 16 MiB body limit: 413 before the engine.
    let too_big = json!({"items": vec![item; 160_000]}).to_string();
    let answer = server.call("POST", path, None, Some(too_big.as_bytes()), None);
    assert_eq!(
        answer.status,
        413,
        "{}",
        &answer.text[..answer.text.len().min(300)]
    );
}
