//! Runs ONNX models for prediction endpoints.
//!
//! The prediction engine (`plinth-engine-prediction`) turns JSON features into a [`Batch`] of
//! typed columns, one per ONNX input, and asks a [`Scorer`] for the outputs it needs
//! (`probabilities` for classifiers, `variable` for regressors). Every perturbed row of an
//! explanation goes through one [`Scorer::run`] call, so scorers are built for batches.
//!
//! Backends: tract (pure Rust, the default) and ONNX Runtime (`ort`, behind the `onnxruntime`
//! feature). [`load`] picks one.
//!
//! On tract, the ai.onnx.ml ops scikit-learn exports use are Plinth's own ([`ops`], [`trees`]),
//! registered in tract's op register, and the graph is rewritten before tract sees it
//! ([`rewrite`]: Scaler, ZipMap, non-numeric outputs). Only numeric outputs can be asked for;
//! a classifier's string `label` output is not served (its probabilities are).

mod batch;
pub mod ops;
#[cfg(feature = "onnxruntime")]
mod ort;
mod proto;
mod rewrite;
mod tract;
pub mod trees;

use std::path::Path;
use std::sync::Arc;

/// Element type of an ONNX input or output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ElementType {
    /// `float` (f32).
    F32,
    /// `int64`.
    I64,
    /// `string`.
    Str,
}

/// One column of a batch: the values of one ONNX input for every row (inputs are `[N, 1]`).
#[derive(Clone, Debug, PartialEq)]
pub enum Column {
    /// float input.
    F32(Vec<f32>),
    /// int64 input.
    I64(Vec<i64>),
    /// string input.
    Str(Vec<String>),
}

impl Column {
    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            Column::F32(v) => v.len(),
            Column::I64(v) => v.len(),
            Column::Str(v) => v.len(),
        }
    }

    /// Whether it has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Rows to score: one [`Column`] per model input, in [`Scorer::inputs`] order, all of the
/// same length.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Batch {
    /// The columns.
    pub columns: Vec<Column>,
}

impl Batch {
    /// Number of rows (0 for no columns).
    pub fn rows(&self) -> usize {
        self.columns.first().map_or(0, Column::len)
    }

    /// Rows `start..end` as a batch of their own (panics if the range is out of bounds).
    pub fn slice(&self, start: usize, end: usize) -> Batch {
        Batch {
            columns: self
                .columns
                .iter()
                .map(|c| match c {
                    Column::F32(v) => Column::F32(v[start..end].to_vec()),
                    Column::I64(v) => Column::I64(v[start..end].to_vec()),
                    Column::Str(v) => Column::Str(v[start..end].to_vec()),
                })
                .collect(),
        }
    }
}

/// A float output as a row-major `[rows, width]` matrix.
#[derive(Clone, Debug, PartialEq)]
pub struct Matrix {
    /// Row-major values.
    pub data: Vec<f32>,
    /// Values per row (classes for `probabilities`, 1 for `variable`).
    pub width: usize,
}

impl Matrix {
    /// Row `i`.
    pub fn row(&self, i: usize) -> &[f32] {
        &self.data[i * self.width..(i + 1) * self.width]
    }
}

/// An input as the graph declares it.
#[derive(Clone, Debug, PartialEq)]
pub struct InputSpec {
    /// ONNX input name.
    pub name: String,
    /// Element type.
    pub element: ElementType,
}

/// Which library runs the model.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Backend {
    /// tract, pure Rust.
    #[default]
    Tract,
    /// ONNX Runtime through `ort` (feature `onnxruntime`).
    OnnxRuntime,
}

/// Why a model could not be loaded or run.
#[derive(Debug, thiserror::Error)]
pub enum OnnxError {
    /// The model uses something this backend cannot run, or the file is not a valid model.
    #[error("cannot load model: {0}")]
    Load(String),
    /// A run failed (bad batch, backend error).
    #[error("model run failed: {0}")]
    Run(String),
    /// The backend is not compiled in or its library is missing.
    #[error("backend unavailable: {0}")]
    Unavailable(String),
}

/// A loaded model, ready to score batches from many threads at once.
pub trait Scorer: Send + Sync {
    /// The model's inputs, in the order [`Batch::columns`] must follow.
    fn inputs(&self) -> &[InputSpec];

    /// Scores a batch and returns the named float outputs, in the order asked
    /// (e.g. `["probabilities"]` or `["variable"]`), each `[rows, width]`.
    fn run(&self, batch: &Batch, outputs: &[&str]) -> Result<Vec<Matrix>, OnnxError>;

    /// Which backend this is.
    fn backend(&self) -> Backend;
}

/// Options for [`load`].
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// ONNX Runtime's shared library (`libonnxruntime.so`); `None` uses `ORT_DYLIB_PATH`.
    pub onnxruntime_library: Option<std::path::PathBuf>,
}

/// Loads `model.onnx` into an optimised, runnable plan on `backend`.
pub fn load(
    path: &Path,
    backend: Backend,
    options: &LoadOptions,
) -> Result<Arc<dyn Scorer>, OnnxError> {
    let bytes = std::fs::read(path)
        .map_err(|e| OnnxError::Load(format!("cannot read {}: {e}", path.display())))?;
    load_bytes(&bytes, backend, options)
}

/// Like [`load`], from the bytes of a `model.onnx`.
pub fn load_bytes(
    bytes: &[u8],
    backend: Backend,
    options: &LoadOptions,
) -> Result<Arc<dyn Scorer>, OnnxError> {
    match backend {
        Backend::Tract => Ok(Arc::new(tract::TractScorer::load(bytes)?)),
        #[cfg(feature = "onnxruntime")]
        Backend::OnnxRuntime => Ok(Arc::new(ort::OrtScorer::load(bytes, options)?)),
        #[cfg(not(feature = "onnxruntime"))]
        Backend::OnnxRuntime => {
            let _ = options;
            Err(OnnxError::Unavailable(
                "this build has no ONNX Runtime support (cargo feature `onnxruntime`)".into(),
            ))
        }
    }
}
