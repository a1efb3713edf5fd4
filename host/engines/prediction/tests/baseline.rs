//! Monitoring's baseline: the reference rows, unless the bundle ships its own
//! (`<model>/baseline.csv`, or the `baseline` field).

mod common;

use common::models::{context, models_dir};
use plinth_engine_api::EngineFactory;
use plinth_engine_prediction::PredictionFactory;

fn copy_model(root: &std::path::Path) {
    let dir = root.join("m");
    std::fs::create_dir_all(&dir).unwrap();
    for file in ["model.onnx", "model.json", "reference.csv"] {
        std::fs::copy(models_dir().join("diabetes").join(file), dir.join(file)).unwrap();
    }
}

const HEADER: &str = "age,sex,bmi,bp,s1,s2,s3,s4,s5,s6\n";

#[tokio::test]
async fn the_baseline_is_the_reference_unless_the_bundle_ships_one() {
    let root = tempfile::tempdir().unwrap();
    copy_model(root.path());
    let reference_rows = std::fs::read_to_string(root.path().join("m/reference.csv"))
        .unwrap()
        .lines()
        .count()
        - 1;
    let load = |toml: &'static str| {
        let ctx = context(root.path(), toml);
        async move { PredictionFactory.load(ctx).await }
    };
    let endpoint = load("model = \"m\"").await.unwrap();
    assert_eq!(
        endpoint.model_info().unwrap().reference.len(),
        reference_rows
    );

    // The folder's baseline.csv, with a missing value kept as null.
    std::fs::write(
        root.path().join("m/baseline.csv"),
        format!("{HEADER}50,1,25.0,90,190,110,48,4,4.6,90\n60,2,,95,200,120,50,4,4.7,95\n"),
    )
    .unwrap();
    let endpoint = load("model = \"m\"").await.unwrap();
    let info = endpoint.model_info().unwrap();
    assert_eq!(info.reference.len(), 2);
    assert!(info.reference[1]["bmi"].is_null());
    assert_eq!(info.reference[0]["age"], 50.0);

    // The field names another file; a missing one is an error naming the field.
    std::fs::write(
        root.path().join("recent.csv"),
        format!("{HEADER}51,1,25.0,90,190,110,48,4,4.6,90\n"),
    )
    .unwrap();
    let endpoint = load("model = \"m\"\nbaseline = \"recent.csv\"")
        .await
        .unwrap();
    assert_eq!(endpoint.model_info().unwrap().reference.len(), 1);
    let error = load("model = \"m\"\nbaseline = \"nope.csv\"")
        .await
        .err()
        .unwrap();
    assert_eq!(error.field.as_deref(), Some("baseline"), "{error:?}");
}
