//! In-process benchmark of the ONNX backends on every example model: single-row latency (p50)
//! and 1000-row batch throughput, tract and ONNX Runtime in the same run, printed as a
//! Markdown table.
//!
//! ```sh
//! source scripts/lib/onnxruntime.sh && export ORT_DYLIB_PATH="$(ensure_onnxruntime)"
//! cargo run --release -p plinth-onnx --features onnxruntime --example throughput
//! ```
//!
//! Rows come from each model's `reference.csv` (training rows), repeated up to 1000. One
//! thread; ONNX Runtime sessions use one intra-op thread.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use plinth_onnx::{Backend, Batch, Column, ElementType, LoadOptions, Scorer};
use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../..")
}

/// `reference.csv` rows as a batch in the scorer's input order, repeated to `rows`.
fn reference_batch(model: &str, scorer: &dyn Scorer, rows: usize) -> Batch {
    let dir = repo().join("models").join(model);
    let meta: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("model.json")).unwrap()).unwrap();
    let text = std::fs::read_to_string(dir.join("reference.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let records: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let columns = scorer
        .inputs()
        .iter()
        .map(|input| {
            let feature = meta["features"]
                .as_array()
                .unwrap()
                .iter()
                .find(|f| f["onnx_input"] == input.name.as_str())
                .unwrap();
            let at = header
                .iter()
                .position(|h| *h == feature["name"].as_str().unwrap())
                .unwrap();
            let cell = |i: usize| records[i % records.len()][at];
            match input.element {
                ElementType::F32 => Column::F32(
                    (0..rows)
                        .map(|i| match cell(i) {
                            "true" => 1.0,
                            "false" => 0.0,
                            v => v.parse().unwrap(),
                        })
                        .collect(),
                ),
                ElementType::I64 => {
                    Column::I64((0..rows).map(|i| cell(i).parse().unwrap()).collect())
                }
                ElementType::Str => Column::Str((0..rows).map(|i| cell(i).to_string()).collect()),
            }
        })
        .collect();
    Batch { columns }
}

fn output(meta_task: &str) -> &'static str {
    if meta_task == "regression" {
        "variable"
    } else {
        "probabilities"
    }
}

/// Median of per-call times (µs) of single-row calls over ~`budget`.
fn single_row_p50(scorer: &dyn Scorer, batch: &Batch, out: &str, budget: Duration) -> f64 {
    let rows: Vec<Batch> = (0..64).map(|i| batch.slice(i, i + 1)).collect();
    for r in &rows {
        scorer.run(r, &[out]).unwrap();
    }
    let mut times = Vec::new();
    let start = Instant::now();
    while start.elapsed() < budget || times.len() < 200 {
        let r = &rows[times.len() % rows.len()];
        let t = Instant::now();
        scorer.run(r, &[out]).unwrap();
        times.push(t.elapsed().as_secs_f64() * 1e6);
    }
    median(&mut times)
}

/// Median rows per second of 1000-row calls over ~`budget`.
fn batch_rows_per_s(scorer: &dyn Scorer, batch: &Batch, out: &str, budget: Duration) -> f64 {
    scorer.run(batch, &[out]).unwrap();
    let mut rates = Vec::new();
    let start = Instant::now();
    while start.elapsed() < budget || rates.len() < 10 {
        let t = Instant::now();
        scorer.run(batch, &[out]).unwrap();
        rates.push(batch.rows() as f64 / t.elapsed().as_secs_f64());
    }
    median(&mut rates)
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() {
    let index: Value =
        serde_json::from_str(&std::fs::read_to_string(repo().join("models/index.json")).unwrap())
            .unwrap();
    let budget = Duration::from_millis(
        std::env::var("BENCH_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(1500),
    );
    let mut backends = vec![Backend::Tract];
    if cfg!(feature = "onnxruntime") && std::env::var_os("ORT_DYLIB_PATH").is_some() {
        backends.push(Backend::OnnxRuntime);
    } else {
        eprintln!(
            "SKIPPED: ONNX Runtime (build with --features onnxruntime and set ORT_DYLIB_PATH)"
        );
    }
    println!(
        "| model | single row p50 µs: tract | ort | 1000-row batch rows/s: tract | ort | batch tract/ort |"
    );
    println!("|---|---|---|---|---|---|");
    for model in index["models"].as_array().unwrap() {
        let model = model.as_str().unwrap();
        let meta: Value = serde_json::from_str(
            &std::fs::read_to_string(repo().join("models").join(model).join("model.json")).unwrap(),
        )
        .unwrap();
        let out = output(meta["task"].as_str().unwrap());
        let path = repo().join("models").join(model).join("model.onnx");
        let mut latency = Vec::new();
        let mut throughput = Vec::new();
        for &backend in &backends {
            let scorer: Arc<dyn Scorer> =
                plinth_onnx::load(&path, backend, &LoadOptions::default()).unwrap();
            let batch = reference_batch(model, scorer.as_ref(), 1000);
            latency.push(single_row_p50(scorer.as_ref(), &batch, out, budget));
            throughput.push(batch_rows_per_s(scorer.as_ref(), &batch, out, budget));
        }
        let cell = |v: &[f64], i: usize, f: &dyn Fn(f64) -> String| {
            v.get(i).map_or("–".into(), |x| f(*x))
        };
        let us = |x: f64| format!("{x:.1}");
        let rps = |x: f64| format!("{:.0}k", x / 1000.0);
        let ratio = if throughput.len() == 2 {
            format!("{:.2}", throughput[0] / throughput[1])
        } else {
            "–".into()
        };
        println!(
            "| {model} | {} | {} | {} | {} | {ratio} |",
            cell(&latency, 0, &us),
            cell(&latency, 1, &us),
            cell(&throughput, 0, &rps),
            cell(&throughput, 1, &rps),
        );
    }
}
