//! Enrichment of the fraud model by its customer table: from a bundled dataset or a sibling
//! lookup endpoint, under every policy.

mod common;

use common::models::{context, expected, models_dir};
use common::post;
use plinth_engine_api::{Action, Endpoint, EngineFactory};
use plinth_engine_lookup::LookupFactory;
use plinth_engine_prediction::PredictionFactory;
use serde_json::{Value, json};
use std::path::Path;
use std::sync::Arc;

/// A bundle with the fraud model in `model/` and `customers` (CSV text) in `data/customers.csv`.
fn bundle(customers: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("model")).unwrap();
    std::fs::create_dir_all(dir.path().join("data")).unwrap();
    for file in ["model.onnx", "model.json", "reference.csv"] {
        std::fs::copy(
            models_dir().join("fraud").join(file),
            dir.path().join("model").join(file),
        )
        .unwrap();
    }
    std::fs::write(dir.path().join("data/customers.csv"), customers).unwrap();
    dir
}

fn customers() -> String {
    std::fs::read_to_string(models_dir().join("fraud/customers.csv")).unwrap()
}

async fn fraud(root: &Path, policies: &str) -> Arc<dyn Endpoint> {
    let toml = format!(
        "model = \"model\"\n[[enrichment]]\ndataset = \"data/customers.csv\"\nkey = {{ customer_id = \"customer_id\" }}\n{policies}"
    );
    PredictionFactory
        .load(context(root, &toml))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

fn request(customer: i64) -> Value {
    json!({"features": {"customer_id": customer, "transaction_amount": 233.33, "payment_type": "CB", "utm_medium": "campaign"}})
}

#[tokio::test]
async fn enrichment_reproduces_the_recorded_features() {
    let dir = bundle(&customers());
    let endpoint = fraud(dir.path(), "").await;
    let cases: Vec<Value> = expected("fraud")["cases"].as_array().unwrap().clone();
    let items: Vec<Value> = cases
        .iter()
        .map(|c| json!({"features": c["request"]}))
        .collect();
    let answer = post(
        endpoint.as_ref(),
        Action::PredictMulti,
        json!({"items": items}),
    )
    .await
    .unwrap();
    for (case, result) in cases.iter().zip(answer["results"].as_array().unwrap()) {
        assert_eq!(result["prediction"], case["label"], "{}", case["note"]);
        for (k, class) in ["FRAUDULENT", "NOT_FRAUDULENT"].iter().enumerate() {
            let got = result["probas"][class].as_f64().unwrap();
            let want = case["probabilities"][k].as_f64().unwrap();
            assert!(
                (got - want).abs() < 1e-5,
                "{}: {got} vs {want}",
                case["note"]
            );
        }
    }
    // The seed's example request, with explanations.
    let seed = json!({
        "features": {"customer_id": 2136, "transaction_amount": 233.33, "payment_type": "CB", "user-agent": "Mozilla/5.0 (Chrome)", "utm_medium": "campaign"},
        "explanations": {"enabled": true, "method": "ICE", "nExplanations": 4}
    });
    let reply = endpoint
        .serve(plinth_engine_api::Request {
            observe: false,
            action: Action::Predict,
            input: plinth_engine_api::Input::Json(seed.as_object().unwrap().clone()),
        })
        .await
        .unwrap();
    let result = &reply.body["result"];
    assert_eq!(result["explanations"].as_object().unwrap().len(), 4);
    assert!((result["probas"]["FRAUDULENT"].as_f64().unwrap() - 0.14362651109695435).abs() < 1e-5);
    let names: Vec<&str> = reply.timing.iter().map(|(n, _)| *n).collect();
    assert_eq!(names, ["enrich", "predictionInternal", "explanations"]);
}

#[tokio::test]
async fn policies_drop_fail_or_carry_on() {
    let dir = bundle(&customers());
    // Defaults (IGNORE): an unknown customer carries on with imputed customer features.
    let lenient = fraud(dir.path(), "").await;
    let r = post(lenient.as_ref(), Action::Predict, request(999_999))
        .await
        .unwrap();
    assert!(r["result"]["prediction"].is_string(), "{r}");
    // customer_id is both the key and a required model feature: missing is still a 400.
    let e = post(
        lenient.as_ref(),
        Action::Predict,
        json!({"features": {"transaction_amount": 3.0}}),
    )
    .await
    .unwrap_err();
    assert!(e.message.contains("'customer_id'"), "{}", e.message);

    let drop = fraud(
        dir.path(),
        "on_missing_key = \"DROP_ROW\"\non_no_match = \"DROP_ROW\"",
    )
    .await;
    let r = post(drop.as_ref(), Action::Predict, request(999_999))
        .await
        .unwrap();
    assert_eq!(
        r["result"],
        json!({"ignored": true, "ignoreReason": "NO_LOOKUP_MATCH"})
    );
    let items = json!([request(2136), {"features": {"transaction_amount": 3.0}}, request(999_999)]);
    let r = post(drop.as_ref(), Action::PredictMulti, json!({"items": items}))
        .await
        .unwrap();
    let results = r["results"].as_array().unwrap();
    assert!(results[0]["prediction"].is_string());
    assert_eq!(results[1]["ignoreReason"], "MISSING_LOOKUP_KEY");
    assert_eq!(results[2]["ignoreReason"], "NO_LOOKUP_MATCH");

    let strict = fraud(dir.path(), "on_no_match = \"ERROR\"").await;
    let e = post(
        strict.as_ref(),
        Action::PredictMulti,
        json!({"items": items}),
    )
    .await
    .unwrap_err();
    assert_eq!((e.status, e.error_type.as_ref()), (404, "NoLookupMatch"));
    assert!(e.message.contains("customer_id=999999"), "{}", e.message);
}

#[tokio::test]
async fn several_matches_keep_the_first_drop_or_fail() {
    let mut text = customers();
    text.push_str("2136,5,NG,2,false\n");
    let dir = bundle(&text);
    let first = fraud(dir.path(), "").await;
    let a = post(first.as_ref(), Action::Predict, request(2136))
        .await
        .unwrap();
    let p = a["result"]["probas"]["FRAUDULENT"].as_f64().unwrap();
    assert!(
        (p - 0.14362651109695435).abs() < 1e-5,
        "KEEP_FIRST uses the first row: {p}"
    );
    let drop = fraud(dir.path(), "on_multiple_matches = \"DROP_ROW\"").await;
    let r = post(drop.as_ref(), Action::Predict, request(2136))
        .await
        .unwrap();
    assert_eq!(
        r["result"],
        json!({"ignored": true, "ignoreReason": "MULTIPLE_LOOKUP_MATCHES"})
    );
    let error = fraud(dir.path(), "on_multiple_matches = \"ERROR\"").await;
    let e = post(error.as_ref(), Action::Predict, request(2136))
        .await
        .unwrap_err();
    assert_eq!(e.status, 409);
}

#[tokio::test]
async fn a_sibling_lookup_endpoint_can_enrich() {
    let dir = bundle(&customers());
    let lookup_ctx = context(
        dir.path(),
        "dataset = \"data/customers.csv\"\nkeys = [\"customer_id\"]",
    );
    let lookup = LookupFactory::default().load(lookup_ctx).await.unwrap();
    let mut ctx = context(
        dir.path(),
        "model = \"model\"\n[[enrichment]]\nlookup = \"customers\"\nkey = { customer_id = \"customer_id\" }",
    );
    ctx.siblings.insert("customers".into(), lookup);
    let endpoint = PredictionFactory.load(ctx).await.unwrap();
    let r = post(endpoint.as_ref(), Action::Predict, request(2136))
        .await
        .unwrap();
    let p = r["result"]["probas"]["FRAUDULENT"].as_f64().unwrap();
    assert!((p - 0.14362651109695435).abs() < 1e-5, "{p}");
    assert_eq!(
        endpoint.describe()["enrichments"][0]["source"],
        "lookup endpoint customers"
    );

    let ctx = context(
        dir.path(),
        "model = \"model\"\n[[enrichment]]\nlookup = \"nobody\"\nkey = { customer_id = \"customer_id\" }",
    );
    let e = PredictionFactory.load(ctx).await.err().unwrap();
    assert_eq!(e.field.as_deref(), Some("enrichment[0].lookup"));
    let ctx = context(
        dir.path(),
        "model = \"model\"\n[[enrichment]]\ndataset = \"data/customers.csv\"\nkey = { customer_id = \"id\" }",
    );
    let e = PredictionFactory.load(ctx).await.err().unwrap();
    assert!(
        e.field.as_deref().unwrap().starts_with("enrichment[0]"),
        "{e}"
    );
}
