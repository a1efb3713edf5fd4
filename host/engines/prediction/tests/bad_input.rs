//! Bad input on real models: clear 400s naming the feature, per-item handling in
//! predict-multi, NaN, unknown categories, 100,000 items.

mod common;

use common::models::{expected, load, load_model};
use common::post;
use plinth_engine_api::Action;
use serde_json::{Value, json};

fn iris_features() -> Value {
    expected("iris")["cases"][0]["features"].clone()
}

#[tokio::test]
async fn wrong_types_and_missing_required_features_are_400s_naming_them() {
    let fraud = load_model("fraud", "tract").await;
    let e = post(
        fraud.as_ref(),
        Action::Predict,
        json!({"features": {"customer_id": 2136, "transaction_amount": "lots"}}),
    )
    .await
    .unwrap_err();
    assert_eq!((e.status, e.error_type.as_ref()), (400, "InvalidInput"));
    assert!(
        e.message
            .contains("'transaction_amount': expected a number"),
        "{}",
        e.message
    );
    let e = post(
        fraud.as_ref(),
        Action::Predict,
        json!({"features": {"transaction_amount": 12.5}}),
    )
    .await
    .unwrap_err();
    assert!(
        e.message.contains("'customer_id'") && e.message.contains("required"),
        "{}",
        e.message
    );
    let e = post(
        fraud.as_ref(),
        Action::Predict,
        json!({"features": {"customer_id": 2136.5}}),
    )
    .await
    .unwrap_err();
    assert!(
        e.message.contains("'customer_id': expected an integer"),
        "{}",
        e.message
    );
    let e = post(fraud.as_ref(), Action::Predict, json!({"features": [1, 2]}))
        .await
        .unwrap_err();
    assert!(e.message.contains("'features'"), "{}", e.message);
    let e = post(fraud.as_ref(), Action::Predict, json!({}))
        .await
        .unwrap_err();
    assert!(e.message.contains("'features': missing"), "{}", e.message);
}

#[tokio::test]
async fn nan_text_is_missing_unknown_categories_and_features_are_accepted() {
    let fraud = load_model("fraud", "tract").await;
    let seed = json!({"features": {"customer_id": 2136, "transaction_amount": 233.33, "payment_type": "CB", "user-agent": "Mozilla/5.0 (Chrome)", "utm_medium": "campaign"}});
    let a = post(fraud.as_ref(), Action::Predict, seed).await.unwrap();
    assert_eq!(a["result"]["prediction"], "NOT_FRAUDULENT");
    // The recorded edge case with unknown categories (complete features: no enrichment here).
    let cases = expected("fraud")["cases"].as_array().unwrap().clone();
    let case = cases
        .iter()
        .find(|c| c["features"]["payment_type"] == "BITCOIN")
        .unwrap();
    let unknown = json!({"features": case["features"]});
    let b = post(fraud.as_ref(), Action::Predict, unknown)
        .await
        .unwrap();
    let p = b["result"]["probas"]["FRAUDULENT"].as_f64().unwrap();
    assert!((p - 0.14915204048156738).abs() < 1e-5, "{p}");
    // "NaN" for a number is missing: the training median is imputed.
    let nan = post(
        fraud.as_ref(),
        Action::Predict,
        json!({"features": {"customer_id": 2136, "transaction_amount": "NaN"}}),
    )
    .await
    .unwrap();
    let median = post(
        fraud.as_ref(),
        Action::Predict,
        json!({"features": {"customer_id": 2136, "transaction_amount": 51.375}}),
    )
    .await
    .unwrap();
    assert_eq!(nan, median);
    let e = post(
        fraud.as_ref(),
        Action::Predict,
        json!({"features": {"customer_id": 2136, "transaction_amount": "-inf"}}),
    )
    .await
    .unwrap_err();
    assert!(e.message.contains("finite"), "{}", e.message);
}

#[tokio::test]
async fn predict_multi_ignores_bad_items_unless_the_policy_says_error() {
    let iris = load_model("iris", "tract").await;
    let items = json!([
        {"features": iris_features()},
        {"features": {"petal width (cm)": "wide"}},
        "not an object",
        {"context": {"no": "features"}},
        {"features": iris_features()},
    ]);
    let answer = post(iris.as_ref(), Action::PredictMulti, json!({"items": items}))
        .await
        .unwrap();
    let results = answer["results"].as_array().unwrap();
    assert_eq!(results.len(), 5);
    assert!(results[0]["prediction"].is_string());
    assert_eq!(results[1]["ignored"], true);
    assert_eq!(results[1]["ignoreReason"], "IGNORED_BY_MODEL");
    assert!(
        results[1]["message"]
            .as_str()
            .unwrap()
            .contains("'petal width (cm)'")
    );
    assert_eq!(results[2]["ignored"], true);
    assert_eq!(results[3]["ignored"], true);
    assert_eq!(results[4], results[0]);

    let strict = load("model = \"iris\"\non_item_error = \"ERROR\"")
        .await
        .unwrap();
    let e = post(
        strict.as_ref(),
        Action::PredictMulti,
        json!({"items": items}),
    )
    .await
    .unwrap_err();
    assert_eq!(e.status, 400);
    assert!(
        e.message.starts_with("items[1]: 'petal width (cm)'"),
        "{}",
        e.message
    );

    let e = post(
        iris.as_ref(),
        Action::PredictMulti,
        json!({"items": {"features": {}}}),
    )
    .await
    .unwrap_err();
    assert!(e.message.contains("'items'"), "{}", e.message);
}

#[tokio::test]
async fn a_hundred_thousand_items_are_scored_and_more_are_refused() {
    let iris = load_model("iris", "tract").await;
    let item = json!({"features": iris_features()});
    let items = vec![item.clone(); 100_000];
    let answer = post(iris.as_ref(), Action::PredictMulti, json!({"items": items}))
        .await
        .unwrap();
    let results = answer["results"].as_array().unwrap();
    assert_eq!(results.len(), 100_000);
    assert_eq!(results[99_999], results[0]);
    let items = vec![item; 100_001];
    let e = post(iris.as_ref(), Action::PredictMulti, json!({"items": items}))
        .await
        .unwrap_err();
    assert_eq!((e.status, e.error_type.as_ref()), (400, "TooManyItems"));
}

#[tokio::test]
async fn load_errors_name_the_field() {
    let e = load("model = \"nowhere\"").await.err().unwrap();
    assert_eq!(e.field.as_deref(), Some("model"));
    let e = load("model = \"iris\"\nengine = \"tensorflow\"")
        .await
        .err()
        .unwrap();
    assert_eq!(e.field.as_deref(), Some("engine"));
    let e = load("model = \"iris\"\nfavourite = 1").await.err().unwrap();
    assert!(e.message.contains("favourite"), "{e}");
    let e = load("model = \"iris\"\n[explanations]\nn_monte_carlo_steps = 5")
        .await
        .err()
        .unwrap();
    assert_eq!(e.field.as_deref(), Some("explanations.n_monte_carlo_steps"));
    let e = load("model = \"iris\"\nschema = \"fraud/model.json\"")
        .await
        .err()
        .unwrap();
    assert_eq!(e.field.as_deref(), Some("schema"), "{e}");
}
