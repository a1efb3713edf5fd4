//! In-process benchmark of prediction endpoints (the engine called directly, no HTTP):
//! single-record predict, predict-multi of 1000 records, ICE and SHAPLEY (100 steps) on one
//! record, for the example models, on one engine.
//!
//!     cargo run --release -p plinth-engine-prediction --example bench -- [tract|onnxruntime]
//!
//! Prints a Markdown table (medians). `bench/prediction/run.sh` runs it for both engines.

use plinth_engine_api::{Action, EngineFactory, Input, Request};
use plinth_engine_prediction::{PredictionEndpoint, PredictionFactory};
use serde_json::{Value, json};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

const MODELS: [(&str, &str); 5] = [
    ("cancer_logreg", ""),
    ("cancer_trees", ""),
    ("iris", ""),
    ("diabetes", ""),
    (
        "fraud",
        "[[enrichment]]\ndataset = \"fraud/customers.csv\"\nkey = { customer_id = \"customer_id\" }",
    ),
];

fn load(
    root: &Path,
    model: &str,
    extra: &str,
    engine: &str,
) -> Arc<dyn plinth_engine_api::Endpoint> {
    let toml = format!("model = \"{model}\"\nengine = \"{engine}\"\n{extra}");
    let ctx = plinth_engine_api::testing::context(root, &toml);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime
        .block_on(PredictionFactory.load(ctx))
        .unwrap_or_else(|e| panic!("{model} on {engine}: {e}"))
}

/// Median wall time of `f` over `runs` runs (after 3 warm-up runs).
fn median(runs: usize, mut f: impl FnMut()) -> Duration {
    for _ in 0..3 {
        f();
    }
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    times[runs / 2]
}

fn call(endpoint: &PredictionEndpoint, action: Action, body: &Value) {
    let Value::Object(map) = body.clone() else {
        unreachable!()
    };
    endpoint
        .serve_blocking(Request {
            observe: false,
            action,
            input: Input::Json(map),
        })
        .expect("benchmark calls succeed");
}

fn main() {
    let engine = std::env::args().nth(1).unwrap_or_else(|| "tract".into());
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../models");
    println!("engine: {engine}; medians; 1 thread; in-process (no HTTP)\n");
    println!(
        "| model | predict 1 record µs | predict-multi 1000 records ms (records/s) | ICE 1 record µs (× predict) | SHAPLEY 100 steps 1 record µs (× predict) |"
    );
    println!("|---|---|---|---|---|");
    for (model, extra) in MODELS {
        let loaded = load(&root, model, extra, &engine);
        let endpoint = loaded.downcast_ref::<PredictionEndpoint>().unwrap();
        let expected: Value = serde_json::from_str(
            &std::fs::read_to_string(root.join(model).join("expected.json")).unwrap(),
        )
        .unwrap();
        let cases = expected["cases"].as_array().unwrap();
        let features = |i: usize| {
            let case = &cases[i % cases.len()];
            if model == "fraud" {
                case["request"].clone()
            } else {
                case["features"].clone()
            }
        };
        let one = json!({"features": features(0)});
        let plain = median(2001, || call(endpoint, Action::Predict, &one));
        let items: Vec<Value> = (0..1000)
            .map(|i| json!({"features": features(i)}))
            .collect();
        let multi_body = json!({"items": items});
        let multi = median(41, || call(endpoint, Action::PredictMulti, &multi_body));
        let ice_body = json!({"features": features(0), "explanations": {"enabled": true, "method": "ICE", "nExplanations": 3}});
        let ice = median(201, || call(endpoint, Action::Predict, &ice_body));
        let shap_body = json!({"features": features(0), "explanations": {"enabled": true, "method": "SHAPLEY", "nExplanations": 3, "nMonteCarloSteps": 100}});
        let shapley = median(101, || call(endpoint, Action::Predict, &shap_body));
        let us = |d: Duration| d.as_secs_f64() * 1e6;
        println!(
            "| {model} | {:.1} | {:.2} ({:.0}) | {:.0} ({:.1}×) | {:.0} ({:.1}×) |",
            us(plain),
            us(multi) / 1e3,
            1000.0 / multi.as_secs_f64(),
            us(ice),
            us(ice) / us(plain),
            us(shapley),
            us(shapley) / us(plain),
        );
    }
}
