//! The tract backend: rewrite the proto, parse it with our ops registered, optimise once into
//! a runnable plan with a symbolic batch dimension, and share that plan across threads.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use tract_onnx::prelude::*;

use crate::ops::kernel::tensor_of;
use crate::{
    Backend, Batch, Column, ElementType, InputSpec, Matrix, OnnxError, Scorer, batch, proto,
    rewrite,
};

/// A model optimised by tract.
pub struct TractScorer {
    inputs: Vec<InputSpec>,
    plan: Arc<TypedRunnableModel>,
    /// The plan's outputs, in order.
    outputs: batch::Outputs,
}

fn tract_error(what: &str, e: impl std::fmt::Display) -> String {
    format!("{what}: {e:#}")
}

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

impl TractScorer {
    /// Loads `model.onnx` bytes.
    pub fn load(bytes: &[u8]) -> Result<TractScorer, OnnxError> {
        let mut proto = proto::decode(bytes)?;
        let inputs = proto::input_specs(&proto)?;
        let rewritten = rewrite::for_tract(&mut proto)?;
        let graph = proto::graph(&proto);
        if graph.output.is_empty() {
            return Err(OnnxError::Load(
                "the model has no numeric tensor output".into(),
            ));
        }
        let outputs: Vec<String> = graph.output.iter().map(|o| o.name.clone()).collect();
        let widths = graph.output.iter().map(proto::output_width).collect();
        let plan = catch_unwind(AssertUnwindSafe(|| optimise(&proto, &inputs)))
            .map_err(|p| OnnxError::Load(format!("tract panicked: {}", panic_message(p))))??;
        Ok(TractScorer {
            inputs,
            plan,
            outputs: batch::Outputs {
                names: outputs,
                widths,
                aliases: rewritten.aliases,
            },
        })
    }
}

fn optimise(
    proto: &tract_onnx::pb::ModelProto,
    inputs: &[InputSpec],
) -> Result<Arc<TypedRunnableModel>, OnnxError> {
    let mut framework = tract_onnx::onnx();
    crate::ops::register(&mut framework.op_register);
    let mut model = framework
        .model_for_proto_model(proto)
        .map_err(|e| OnnxError::Load(tract_error("tract cannot read the graph", e)))?;
    let n = model.symbols.sym("N");
    for (i, spec) in inputs.iter().enumerate() {
        let datum = match spec.element {
            ElementType::F32 => f32::datum_type(),
            ElementType::I64 => i64::datum_type(),
            ElementType::Str => String::datum_type(),
        };
        model
            .set_input_fact(
                i,
                InferenceFact::dt_shape(datum, tvec![n.to_dim(), 1.to_dim()]),
            )
            .map_err(|e| OnnxError::Load(tract_error("bad input", e)))?;
    }
    let typed = model
        .into_optimized()
        .map_err(|e| OnnxError::Load(tract_error("tract cannot optimise the graph", e)))?;
    typed
        .into_runnable()
        .map_err(|e| OnnxError::Load(tract_error("tract cannot plan the graph", e)))
}

fn column_tensor(column: &Column, rows: usize) -> TractResult<TValue> {
    let shape = [rows, 1];
    Ok(match column {
        // One copy into tract's aligned buffer (no intermediate ndarray): a single-row predict
        // builds one such tensor per model input.
        Column::F32(v) => Tensor::from_shape(&shape, v)?,
        Column::I64(v) => Tensor::from_shape(&shape, v)?,
        Column::Str(v) => tensor_of(&shape, v.clone())?,
    }
    .into_tvalue())
}

fn matrix(tensor: &Tensor, rows: usize) -> TractResult<Matrix> {
    let cast = tensor.cast_to::<f32>()?;
    let data = cast.try_as_plain_ram()?.as_slice::<f32>()?.to_vec();
    let width = data.len().checked_div(rows).unwrap_or(0);
    Ok(Matrix { data, width })
}

impl Scorer for TractScorer {
    fn inputs(&self) -> &[InputSpec] {
        &self.inputs
    }

    fn run(&self, batch: &Batch, outputs: &[&str]) -> Result<Vec<Matrix>, OnnxError> {
        let rows = batch::validate(batch, &self.inputs)?;
        let wanted = self.outputs.resolve(outputs)?;
        if rows == 0 {
            return Ok(self.outputs.empty(&wanted));
        }
        let run = || -> TractResult<Vec<Matrix>> {
            let inputs = batch
                .columns
                .iter()
                .map(|c| column_tensor(c, rows))
                .collect::<TractResult<TVec<TValue>>>()?;
            let results = self.plan.run(inputs)?;
            wanted.iter().map(|&i| matrix(&results[i], rows)).collect()
        };
        catch_unwind(AssertUnwindSafe(run))
            .map_err(|p| OnnxError::Run(format!("tract panicked: {}", panic_message(p))))?
            .map_err(|e| OnnxError::Run(tract_error("tract", e)))
    }

    fn backend(&self) -> Backend {
        Backend::Tract
    }
}
