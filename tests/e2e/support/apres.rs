//! The Apres task-batch calls and the iris rows of the batch tests (`batch.rs`, `replicas.rs`).

use super::Plinth;
use base64::Engine;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::{Duration, Instant};

pub const FEATURES: [&str; 4] = [
    "sepal length (cm)",
    "sepal width (cm)",
    "petal length (cm)",
    "petal width (cm)",
];

/// The features of input row `i`: spread over the training ranges, deterministic.
pub fn features(i: u64) -> [f64; 4] {
    let mut x = i
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407);
    let mut next = |lo: f64, span: f64| {
        x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        lo + ((x >> 33) % (span as u64 * 10 + 1)) as f64 / 10.0
    };
    [
        next(4.3, 3.0),
        next(2.0, 2.0),
        next(1.0, 5.0),
        next(0.1, 2.0),
    ]
}

/// A CSV of `rows` feature rows, with an `id` column first when `with_id`.
pub fn feature_csv(rows: u64, with_id: bool) -> String {
    let mut csv = String::new();
    if with_id {
        csv.push_str("id,");
    }
    csv.push_str(&FEATURES.join(","));
    csv.push('\n');
    for i in 0..rows {
        if with_id {
            csv.push_str(&format!("row-{i},"));
        }
        let f = features(i);
        csv.push_str(&format!("{},{},{},{}\n", f[0], f[1], f[2], f[3]));
    }
    csv
}

/// What `/predict` answers for row `i`: the label and the probabilities by class.
pub fn predicted(server: &Plinth, i: u64) -> (String, HashMap<String, f64>) {
    let f = features(i);
    let features: serde_json::Map<String, Value> = FEATURES
        .iter()
        .zip(f)
        .map(|(name, v)| (name.to_string(), json!(v)))
        .collect();
    let answer = server.post(
        "/public/api/v1/iris_svc/iris/predict",
        &json!({ "features": features }),
    );
    assert_eq!(answer.status, 200, "{}", answer.text);
    let result = &answer.json()["result"];
    let probas = result["probas"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_f64().unwrap()))
        .collect();
    (result["prediction"].as_str().unwrap().to_owned(), probas)
}

/// A downloaded CSV as maps from column name to value (no field of these files is quoted).
pub fn read_csv(text: &str) -> Vec<HashMap<String, String>> {
    let mut lines = text.lines();
    let header: Vec<String> = lines
        .next()
        .expect("a header")
        .split(',')
        .map(str::to_owned)
        .collect();
    lines
        .filter(|l| !l.is_empty())
        .map(|l| {
            header
                .iter()
                .cloned()
                .zip(l.split(',').map(str::to_owned))
                .collect()
        })
        .collect()
}

/// GETs an absolute link the server handed out (a pre-signed download).
pub fn download(server: &Plinth, url: &str) -> String {
    let path = url
        .strip_prefix(&server.base)
        .unwrap_or_else(|| panic!("{url} is not on {}", server.base));
    let answer = server.call("GET", path, None, None, None);
    assert_eq!(answer.status, 200, "GET {path}: {}", answer.text);
    answer.text
}

pub fn apres_recipe(server: &Plinth) -> String {
    let answer = server.admin_post(
        "apres/recipes",
        &json!({"service": "iris_svc", "endpoint": "iris"}),
    );
    assert_eq!(answer.status, 200, "{}", answer.text);
    answer.json()["api_key"].as_str().unwrap().to_owned()
}

pub fn apres(server: &Plinth, key: &str, method: &str, path: &str, body: Option<&Value>) -> Value {
    let text = body.map(Value::to_string);
    let answer = server.call(
        method,
        path,
        Some(key),
        text.as_deref().map(str::as_bytes),
        body.map(|_| "application/json"),
    );
    assert!(
        answer.status == 200 || answer.status == 201,
        "{method} {path}: {} {}",
        answer.status,
        answer.text
    );
    answer.json()
}

pub fn submit_batch(server: &Plinth, key: &str, rows: u64, webhook: Option<&str>) -> Value {
    let data = base64::engine::general_purpose::STANDARD.encode(feature_csv(rows, false));
    let mut body = json!({"files": [{"file": "rows.csv", "data": data}]});
    if let Some(url) = webhook {
        body["webhook_url"] = json!(url);
    }
    let batch = apres(server, key, "POST", "/api/v1/task_batches", Some(&body));
    assert_eq!(batch["size"], 0);
    assert_eq!(batch["state"], "confirmed");
    assert_eq!(batch["estimated_size"], rows);
    batch
}

pub fn wait_batch(server: &Plinth, key: &str, id: &str, timeout: Duration) -> Value {
    let start = Instant::now();
    loop {
        let batch = apres(
            server,
            key,
            "GET",
            &format!("/api/v1/task_batches/{id}"),
            None,
        );
        match batch["state"].as_str() {
            Some("completed") => return batch,
            Some("failed") => panic!("the batch failed: {batch}"),
            _ if start.elapsed() > timeout => panic!("the batch did not complete: {batch}"),
            _ => std::thread::sleep(Duration::from_millis(100)),
        }
    }
}

/// The rows of a finished batch's `output.csv`.
pub fn batch_output(server: &Plinth, key: &str, id: &str) -> Vec<HashMap<String, String>> {
    let output = apres(
        server,
        key,
        "GET",
        &format!("/api/v1/task_batches/{id}/output"),
        None,
    );
    read_csv(&download(server, output["csv"].as_str().unwrap()))
}

/// The input row number (0-based) of an output row.
pub fn input_row(row: &HashMap<String, String>) -> u64 {
    row["row"].parse::<u64>().unwrap() - 1
}
