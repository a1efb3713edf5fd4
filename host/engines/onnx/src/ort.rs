//! The ONNX Runtime backend (feature `onnxruntime`): `libonnxruntime` is loaded at run time
//! from [`LoadOptions::onnxruntime_library`] or `ORT_DYLIB_PATH`, once per process.
//! `Session::run` needs `&mut`, so each model keeps a small pool of sessions (one intra-op
//! thread each: on small machines parallelism comes from concurrent requests).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use ort::environment::Environment;
use ort::session::builder::GraphOptimizationLevel;
use ort::session::{Session, SessionInputValue};
use ort::value::{DynValue, Tensor, TensorElementType, ValueType};

use crate::{
    Backend, Batch, Column, InputSpec, LoadOptions, Matrix, OnnxError, Scorer, batch, proto,
    rewrite,
};

/// The process's ONNX Runtime environment and the library it came from.
static ENVIRONMENT: Mutex<Option<(PathBuf, Environment)>> = Mutex::new(None);

fn library_path(options: &LoadOptions) -> Result<PathBuf, OnnxError> {
    let path = options
        .onnxruntime_library
        .clone()
        .or_else(|| std::env::var_os("ORT_DYLIB_PATH").map(PathBuf::from))
        .ok_or_else(|| {
            OnnxError::Unavailable(
                "ONNX Runtime's library is not configured: set ORT_DYLIB_PATH (or the \
                 onnxruntime_library option) to libonnxruntime.so; scripts/lib/onnxruntime.sh \
                 installs it"
                    .into(),
            )
        })?;
    if !path.is_file() {
        return Err(OnnxError::Unavailable(format!(
            "ONNX Runtime's library {} does not exist",
            path.display()
        )));
    }
    Ok(path.canonicalize().unwrap_or(path))
}

fn environment(path: &Path) -> Result<Environment, OnnxError> {
    let mut current = ENVIRONMENT.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some((loaded, env)) = current.as_ref() {
        return if loaded == path {
            Ok(env.clone())
        } else {
            Err(OnnxError::Unavailable(format!(
                "ONNX Runtime is already loaded from {}; one library per process",
                loaded.display()
            )))
        };
    }
    let unavailable = |e: &dyn std::fmt::Display| {
        OnnxError::Unavailable(format!("cannot load ONNX Runtime: {e}"))
    };
    let builder = std::panic::catch_unwind(|| ort::init_from(path))
        .map_err(|_| unavailable(&"the library panicked while loading"))?
        .map_err(|e| unavailable(&e))?;
    let env = builder
        .with_name("plinth")
        .build()
        .map_err(|e| unavailable(&e))?;
    *current = Some((path.to_path_buf(), env.clone()));
    Ok(env)
}

/// A model on ONNX Runtime: a pool of sessions.
pub struct OrtScorer {
    inputs: Vec<InputSpec>,
    sessions: Vec<Mutex<Session>>,
    next: AtomicUsize,
    outputs: batch::Outputs,
}

fn load_error(e: impl std::fmt::Display) -> OnnxError {
    OnnxError::Load(format!("ONNX Runtime: {e}"))
}

impl OrtScorer {
    /// Loads `model.onnx` bytes.
    pub fn load(bytes: &[u8], options: &LoadOptions) -> Result<OrtScorer, OnnxError> {
        let mut proto = proto::decode(bytes)?;
        let inputs = proto::input_specs(&proto)?;
        let rewritten = rewrite::for_ort(&mut proto)?;
        let encoded;
        let model: &[u8] = if rewritten.changed {
            encoded = proto::encode(&proto);
            &encoded
        } else {
            bytes
        };
        let graph = proto::graph(&proto);
        let numeric: Vec<_> = graph
            .output
            .iter()
            .filter(|o| proto::is_numeric_output(o))
            .collect();
        let outputs = numeric.iter().map(|o| o.name.clone()).collect();
        let widths = numeric.iter().map(|o| proto::output_width(o)).collect();
        let env = environment(&library_path(options)?)?;
        let pool = std::thread::available_parallelism()
            .map_or(2, |n| n.get())
            .clamp(1, 8);
        let sessions = (0..pool)
            .map(|_| {
                Session::builder(&env)
                    .map_err(load_error)?
                    .with_optimization_level(GraphOptimizationLevel::All)
                    .map_err(load_error)?
                    .with_intra_threads(1)
                    .map_err(load_error)?
                    .with_inter_threads(1)
                    .map_err(load_error)?
                    .commit_from_memory(model)
                    .map(Mutex::new)
                    .map_err(load_error)
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(OrtScorer {
            inputs,
            sessions,
            next: AtomicUsize::new(0),
            outputs: batch::Outputs {
                names: outputs,
                widths,
                aliases: rewritten.aliases,
            },
        })
    }

    /// A free session, or the next one in turn if all are busy.
    fn session(&self) -> MutexGuard<'_, Session> {
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        let n = self.sessions.len();
        for i in 0..n {
            if let Ok(guard) = self.sessions[(start + i) % n].try_lock() {
                return guard;
            }
        }
        self.sessions[start % n]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

fn run_error(e: impl std::fmt::Display) -> OnnxError {
    OnnxError::Run(format!("ONNX Runtime: {e}"))
}

fn input_value(column: &Column, rows: usize) -> ort::Result<SessionInputValue<'static>> {
    let shape = [rows, 1];
    Ok(match column {
        Column::F32(v) => Tensor::from_array((shape, v.clone()))?.into(),
        Column::I64(v) => Tensor::from_array((shape, v.clone()))?.into(),
        Column::Str(v) => Tensor::from_string_array((shape, v.as_slice()))?.into(),
    })
}

fn matrix(value: &DynValue, rows: usize) -> Result<Matrix, OnnxError> {
    let data: Vec<f32> = match value.dtype() {
        ValueType::Tensor {
            ty: TensorElementType::Float32,
            ..
        } => value
            .try_extract_tensor::<f32>()
            .map_err(run_error)?
            .1
            .to_vec(),
        ValueType::Tensor {
            ty: TensorElementType::Float64,
            ..
        } => {
            let (_, v) = value.try_extract_tensor::<f64>().map_err(run_error)?;
            v.iter().map(|&x| x as f32).collect()
        }
        ValueType::Tensor {
            ty: TensorElementType::Int64,
            ..
        } => {
            let (_, v) = value.try_extract_tensor::<i64>().map_err(run_error)?;
            v.iter().map(|&x| x as f32).collect()
        }
        ValueType::Tensor {
            ty: TensorElementType::Int32,
            ..
        } => {
            let (_, v) = value.try_extract_tensor::<i32>().map_err(run_error)?;
            v.iter().map(|&x| x as f32).collect()
        }
        other => {
            return Err(OnnxError::Run(format!(
                "output of type {other:?} is not numeric"
            )));
        }
    };
    let width = data.len().checked_div(rows).unwrap_or(0);
    Ok(Matrix { data, width })
}

impl Scorer for OrtScorer {
    fn inputs(&self) -> &[InputSpec] {
        &self.inputs
    }

    fn run(&self, batch: &Batch, outputs: &[&str]) -> Result<Vec<Matrix>, OnnxError> {
        let rows = batch::validate(batch, &self.inputs)?;
        let wanted = self.outputs.resolve(outputs)?;
        if rows == 0 {
            return Ok(self.outputs.empty(&wanted));
        }
        let values = batch
            .columns
            .iter()
            .zip(&self.inputs)
            .map(|(c, spec)| Ok((spec.name.as_str(), input_value(c, rows)?)))
            .collect::<ort::Result<Vec<_>>>()
            .map_err(run_error)?;
        let mut session = self.session();
        let results = session.run(values).map_err(run_error)?;
        wanted
            .iter()
            .map(|&i| {
                let name = &self.outputs.names[i];
                let value = results
                    .get(name)
                    .ok_or_else(|| OnnxError::Run(format!("ONNX Runtime returned no `{name}`")))?;
                matrix(value, rows)
            })
            .collect()
    }

    fn backend(&self) -> Backend {
        Backend::OnnxRuntime
    }
}
