//! A test double of the *model* for the explanation tests: linear and logistic models computed
//! in Rust from known weights, so that the exact Shapley and ICE values are known in closed
//! form. It counts its runs to check that a request scores its perturbed rows in one batch.

use plinth_engine_prediction::cell::Cell;
use plinth_engine_prediction::explain::{ExplanationDefaults, SplitMix64};
use plinth_engine_prediction::{ItemErrorPolicy, Model, PredictionEndpoint, Row, Schema};
use plinth_onnx::{Backend, Batch, Column, ElementType, InputSpec, Matrix, OnnxError, Scorer};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// What the linear scorer outputs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Kind {
    /// `variable` = w·x + b.
    Regression,
    /// `probabilities` = [1 − σ(w·x + b), σ(w·x + b)].
    Binary,
    /// `probabilities` = softmax over one weight row per class.
    Multiclass(usize),
}

/// Linear models over float inputs `x0`, `x1`, ...
pub struct LinearScorer {
    inputs: Vec<InputSpec>,
    /// One weight row per linear function (1 for regression and binary, one per class).
    pub weights: Vec<Vec<f64>>,
    /// Intercepts.
    pub bias: Vec<f64>,
    kind: Kind,
    /// Runs so far.
    pub runs: AtomicUsize,
    /// Rows scored so far.
    pub rows: AtomicUsize,
}

impl LinearScorer {
    /// A scorer with these weights.
    pub fn new(kind: Kind, weights: Vec<Vec<f64>>, bias: Vec<f64>) -> LinearScorer {
        let d = weights[0].len();
        LinearScorer {
            inputs: (0..d)
                .map(|i| InputSpec {
                    name: format!("x{i}"),
                    element: ElementType::F32,
                })
                .collect(),
            weights,
            bias,
            kind,
            runs: AtomicUsize::new(0),
            rows: AtomicUsize::new(0),
        }
    }

    /// The linear function `k` at a row of f64 values.
    pub fn linear(&self, k: usize, x: &[f64]) -> f64 {
        self.bias[k]
            + self.weights[k]
                .iter()
                .zip(x)
                .map(|(w, v)| w * v)
                .sum::<f64>()
    }
}

impl Scorer for LinearScorer {
    fn inputs(&self) -> &[InputSpec] {
        &self.inputs
    }

    fn run(&self, batch: &Batch, outputs: &[&str]) -> Result<Vec<Matrix>, OnnxError> {
        self.runs.fetch_add(1, Ordering::SeqCst);
        let n = batch.rows();
        self.rows.fetch_add(n, Ordering::SeqCst);
        let columns: Vec<&Vec<f32>> = batch
            .columns
            .iter()
            .map(|c| match c {
                Column::F32(v) => Ok(v),
                _ => Err(OnnxError::Run("float inputs expected".into())),
            })
            .collect::<Result<_, _>>()?;
        let mut data = Vec::new();
        for r in 0..n {
            let x: Vec<f64> = columns.iter().map(|c| f64::from(c[r])).collect();
            match self.kind {
                Kind::Regression => data.push(self.linear(0, &x) as f32),
                Kind::Binary => {
                    let p = 1.0 / (1.0 + (-self.linear(0, &x)).exp());
                    data.push((1.0 - p) as f32);
                    data.push(p as f32);
                }
                Kind::Multiclass(k) => {
                    let z: Vec<f64> = (0..k).map(|c| self.linear(c, &x)).collect();
                    let m = z.iter().copied().fold(f64::MIN, f64::max);
                    let e: Vec<f64> = z.iter().map(|v| (v - m).exp()).collect();
                    let s: f64 = e.iter().sum();
                    data.extend(e.iter().map(|v| (v / s) as f32));
                }
            }
        }
        let width = match self.kind {
            Kind::Regression => 1,
            Kind::Binary => 2,
            Kind::Multiclass(k) => k,
        };
        Ok(outputs
            .iter()
            .map(|_| Matrix {
                data: data.clone(),
                width,
            })
            .collect())
    }

    fn backend(&self) -> Backend {
        Backend::Tract
    }
}

/// The schema of a linear model over `d` number features `x0..`, with importances.
pub fn schema(kind: Kind, d: usize, importance: &[f64]) -> Schema {
    let features: Vec<serde_json::Value> = (0..d)
        .map(|i| serde_json::json!({"name": format!("x{i}"), "type": "number", "missing": {"policy": "impute", "value": 0.0}}))
        .collect();
    let importance: serde_json::Map<String, serde_json::Value> = importance
        .iter()
        .enumerate()
        .map(|(i, v)| (format!("x{i}"), serde_json::json!(v)))
        .collect();
    let (task, classes) = match kind {
        Kind::Regression => ("regression", serde_json::json!([])),
        Kind::Binary => ("binary", serde_json::json!([0, 1])),
        Kind::Multiclass(k) => (
            "multiclass",
            serde_json::json!((0..k).map(|c| format!("c{c}")).collect::<Vec<_>>()),
        ),
    };
    let json = serde_json::json!({
        "name": "linear", "task": task, "features": features, "classes": classes,
        "positive_index": 1, "feature_importance": {"values": importance},
        "onnx": {"outputs": {"probabilities": "probabilities", "value": "variable"}}
    });
    Schema::parse(&json.to_string()).unwrap()
}

/// `n` reference rows of `d` features, feature i uniform in [−1 − i/2, 1 + i/2] (seeded).
pub fn reference(n: usize, d: usize) -> Vec<Row> {
    let mut rng = SplitMix64::new(99);
    (0..n)
        .map(|_| {
            (0..d)
                .map(|i| {
                    let u = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
                    let half = 1.0 + i as f64 / 2.0;
                    Cell::F32((u * 2.0 * half - half) as f32)
                })
                .collect()
        })
        .collect()
}

/// Column means of the reference rows.
pub fn means(rows: &[Row]) -> Vec<f64> {
    let d = rows[0].len();
    (0..d)
        .map(|i| {
            rows.iter()
                .map(|r| match r[i] {
                    Cell::F32(v) => f64::from(v),
                    _ => unreachable!(),
                })
                .sum::<f64>()
                / rows.len() as f64
        })
        .collect()
}

/// An endpoint over a linear scorer.
pub fn endpoint(
    scorer: Arc<LinearScorer>,
    schema: Schema,
    reference: &[Row],
) -> PredictionEndpoint {
    let model = Model::new(schema, scorer).unwrap();
    PredictionEndpoint::new(
        model,
        reference,
        vec![],
        ExplanationDefaults::default(),
        ItemErrorPolicy::Ignore,
    )
    .unwrap()
}
