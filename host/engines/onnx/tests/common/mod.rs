//! Shared helpers for the plinth-onnx tests: the example models, their recorded ONNX Runtime
//! outputs, the op cases, and the ONNX Runtime library when the feature is on.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use plinth_onnx::{Backend, Batch, Column, ElementType, LoadOptions, Scorer};
use serde_json::Value;

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../..")
}

/// JSON file contents.
pub fn json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

/// The example models listed in `models/index.json`.
pub fn model_names() -> Vec<String> {
    json(&repo().join("models/index.json"))["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

/// The backends to test: tract always, ONNX Runtime when compiled in and configured.
pub fn backends() -> Vec<Backend> {
    let mut backends = vec![Backend::Tract];
    if ort_configured() {
        backends.push(Backend::OnnxRuntime);
    }
    backends
}

/// Whether ONNX Runtime tests can run; prints a loud SKIPPED line when they cannot.
pub fn ort_configured() -> bool {
    let ready = ort_ready();
    // scripts/test.sh builds with the feature and sets the library: there, a skip is a failure.
    assert!(
        ready || std::env::var_os("PLINTH_REQUIRE_ONNXRUNTIME").is_none(),
        "PLINTH_REQUIRE_ONNXRUNTIME is set but ONNX Runtime cannot run here"
    );
    ready
}

fn ort_ready() -> bool {
    if !cfg!(feature = "onnxruntime") {
        eprintln!("SKIPPED: ONNX Runtime backend tests (built without the `onnxruntime` feature)");
        return false;
    }
    match std::env::var_os("ORT_DYLIB_PATH") {
        Some(p) if Path::new(&p).is_file() => true,
        _ => {
            eprintln!(
                "SKIPPED: ONNX Runtime backend tests (ORT_DYLIB_PATH is not set to a library; \
                 export ORT_DYLIB_PATH=$(source scripts/lib/onnxruntime.sh && ensure_onnxruntime))"
            );
            false
        }
    }
}

/// Loads a model file on a backend.
pub fn load(path: &Path, backend: Backend) -> Arc<dyn Scorer> {
    plinth_onnx::load(path, backend, &LoadOptions::default())
        .unwrap_or_else(|e| panic!("{} on {backend:?}: {e}", path.display()))
}

/// What ONNX Runtime answered for one example row.
#[derive(Clone, Debug)]
pub enum Expected {
    /// Class probabilities.
    Probabilities(Vec<f64>),
    /// Regression value.
    Value(f64),
}

/// An example model's test rows as a batch (in the scorer's input order) and the answers.
pub fn model_cases(name: &str, scorer: &dyn Scorer) -> (Batch, Vec<Expected>) {
    let dir = repo().join("models").join(name);
    let meta = json(&dir.join("model.json"));
    let expected = json(&dir.join("expected.json"));
    let cases = expected["cases"].as_array().unwrap();
    let mut columns = Vec::new();
    for input in scorer.inputs() {
        let feature = meta["features"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["onnx_input"] == input.name.as_str())
            .unwrap_or_else(|| panic!("{name}: no feature for input {}", input.name));
        let fname = feature["name"].as_str().unwrap();
        let values = cases.iter().map(|c| &c["features"][fname]);
        columns.push(match input.element {
            ElementType::F32 => Column::F32(
                values
                    .map(|v| match v {
                        Value::Bool(b) => f32::from(u8::from(*b)),
                        v => v.as_f64().unwrap() as f32,
                    })
                    .collect(),
            ),
            ElementType::I64 => Column::I64(values.map(|v| v.as_i64().unwrap()).collect()),
            ElementType::Str => {
                Column::Str(values.map(|v| v.as_str().unwrap().to_string()).collect())
            }
        });
    }
    let answers = cases
        .iter()
        .map(|c| match c.get("probabilities") {
            Some(p) => Expected::Probabilities(
                p.as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_f64().unwrap())
                    .collect(),
            ),
            None => Expected::Value(c["value"].as_f64().unwrap()),
        })
        .collect();
    (Batch { columns }, answers)
}

/// The output a model's answers come from.
pub fn output_of(expected: &[Expected]) -> &'static str {
    match expected[0] {
        Expected::Probabilities(_) => "probabilities",
        Expected::Value(_) => "variable",
    }
}

/// Repeats every row of a batch until it has `rows` rows.
pub fn repeat(batch: &Batch, rows: usize) -> Batch {
    let n = batch.rows();
    let pick = |i: usize| i % n;
    Batch {
        columns: batch
            .columns
            .iter()
            .map(|c| match c {
                Column::F32(v) => Column::F32((0..rows).map(|i| v[pick(i)]).collect()),
                Column::I64(v) => Column::I64((0..rows).map(|i| v[pick(i)]).collect()),
                Column::Str(v) => Column::Str((0..rows).map(|i| v[pick(i)].clone()).collect()),
            })
            .collect(),
    }
}

/// One op case from `tests/ops/cases.json`.
pub struct OpCase {
    /// Case name.
    pub name: String,
    /// Its model file.
    pub path: PathBuf,
    /// Its rows.
    pub batch: Batch,
    /// ONNX Runtime's numeric outputs: name → (width, values; NaN where null).
    pub outputs: Vec<(String, usize, Vec<f64>)>,
    /// Whether ONNX Runtime refused the input.
    pub error: bool,
}

/// Every op case.
pub fn op_cases() -> Vec<OpCase> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ops");
    let cases = json(&dir.join("cases.json"));
    cases["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let columns = c["inputs"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| {
                    let values = i["values"].as_array().unwrap();
                    match i["type"].as_str().unwrap() {
                        "float" => Column::F32(
                            values
                                .iter()
                                .map(|v| v.as_f64().map_or(f32::NAN, |x| x as f32))
                                .collect(),
                        ),
                        "int64" => {
                            Column::I64(values.iter().map(|v| v.as_i64().unwrap()).collect())
                        }
                        _ => Column::Str(
                            values
                                .iter()
                                .map(|v| v.as_str().unwrap().to_string())
                                .collect(),
                        ),
                    }
                })
                .collect();
            let outputs = c["outputs"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(name, o)| {
                    let values = o["values"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|v| v.as_f64().unwrap_or(f64::NAN))
                        .collect();
                    (name.clone(), o["width"].as_u64().unwrap() as usize, values)
                })
                .collect();
            OpCase {
                name: c["name"].as_str().unwrap().to_string(),
                path: dir.join(c["file"].as_str().unwrap()),
                batch: Batch { columns },
                outputs,
                error: c["error"].as_bool().unwrap(),
            }
        })
        .collect()
}

/// Whether `got` matches ONNX Runtime's `want` (absolute or relative 1e-5; NaN matches NaN).
pub fn close(got: f32, want: f64) -> bool {
    if want.is_nan() {
        return got.is_nan();
    }
    let d = (f64::from(got) - want).abs();
    d <= 1e-5 || d <= 1e-5 * want.abs()
}
