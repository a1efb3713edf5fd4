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

pub use plinth_tensor::{Batch, Column, ElementType, InputSpec, Matrix};

use std::path::Path;
use std::sync::Arc;

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
