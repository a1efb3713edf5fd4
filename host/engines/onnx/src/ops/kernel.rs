//! The glue between our kernels and tract: one typed op type ([`KernelOp`]) that runs any
//! [`Kernel`], and one expansion ([`MlNode`]) that wires an ONNX node's outputs from kernels.

use std::fmt::Debug;
use std::sync::Arc;

use tract_onnx::prelude::tract_ndarray::{ArrayD, IxDyn};
use tract_onnx::tract_hir::internal::*;

/// A computation on one input tensor.
pub trait Kernel: Debug + Send + Sync + 'static {
    /// Op name shown in tract's dumps and errors.
    fn name(&self) -> &'static str;
    /// Computes the output from the input.
    fn eval(&self, input: &Tensor) -> TractResult<Tensor>;
}

/// The shape of a kernel's output, given its input's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutShape {
    /// Same shape as the input.
    Same,
    /// The input's shape plus a last axis of this length.
    AppendAxis(usize),
    /// `[rows, width]` where rows is the input's first axis.
    Rows(usize),
    /// `[rows]`.
    Labels,
}

/// A tract typed op running a [`Kernel`].
#[derive(Clone, Debug)]
pub struct KernelOp {
    kernel: Arc<dyn Kernel>,
    datum: DatumType,
    shape: OutShape,
}

impl KernelOp {
    /// An op producing a `datum` tensor shaped by `shape`.
    pub fn new(kernel: impl Kernel, datum: DatumType, shape: OutShape) -> KernelOp {
        KernelOp {
            kernel: Arc::new(kernel),
            datum,
            shape,
        }
    }
}

impl PartialEq for KernelOp {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.kernel, &other.kernel)
    }
}

impl Eq for KernelOp {}

impl Op for KernelOp {
    fn name(&self) -> StaticName {
        self.kernel.name().into()
    }

    op_as_typed_op!();
}

impl EvalOp for KernelOp {
    op_out_of_plan!();

    fn eval(&self, _ctx: &EvalContext, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        let input = args_1!(inputs);
        Ok(tvec!(self.kernel.eval(&input)?.into_tvalue()))
    }
}

impl TypedOp for KernelOp {
    fn output_facts(&self, inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
        let input = &inputs[0].shape;
        let rows = || -> TractResult<TDim> {
            input
                .iter()
                .next()
                .cloned()
                .context("a scalar input has no rows")
        };
        let fact = match self.shape {
            OutShape::Same => self.datum.fact(input.iter()),
            OutShape::AppendAxis(k) => {
                let mut dims: TVec<TDim> = input.iter().cloned().collect();
                dims.push(k.to_dim());
                self.datum.fact(dims)
            }
            OutShape::Rows(w) => self.datum.fact([rows()?, w.to_dim()]),
            OutShape::Labels => self.datum.fact([rows()?]),
        };
        Ok(tvec!(fact))
    }

    as_op!();
}

/// An ONNX node implemented by a kernel, plus optionally a second kernel deriving labels from
/// the first one's output (classifiers: outputs `[label, scores]`). tract prunes the label
/// kernel when nothing reads the label.
#[derive(Clone, Debug)]
pub struct MlNode {
    name: &'static str,
    main: KernelOp,
    labels: Option<KernelOp>,
}

impl MlNode {
    /// A one-output node.
    pub fn single(main: KernelOp) -> Box<dyn InferenceOp> {
        expand(MlNode {
            name: main.kernel.name(),
            main,
            labels: None,
        })
    }

    /// A classifier: outputs `[labels(main(x)), main(x)]`.
    pub fn classifier(main: KernelOp, labels: KernelOp) -> Box<dyn InferenceOp> {
        expand(MlNode {
            name: main.kernel.name(),
            main,
            labels: Some(labels),
        })
    }
}

fn shape_rules<'r, 'p: 'r>(
    s: &mut Solver<'r>,
    input: &'p TensorProxy,
    output: &'p TensorProxy,
    op: &KernelOp,
) -> InferenceResult {
    s.equals(&output.datum_type, op.datum)?;
    match op.shape {
        OutShape::Same => s.equals(&output.shape, &input.shape)?,
        OutShape::AppendAxis(k) => s.given(&input.rank, move |s, rank| {
            s.equals(&output.rank, rank + 1)?;
            for axis in 0..rank as usize {
                s.equals(&output.shape[axis], &input.shape[axis])?;
            }
            s.equals(&output.shape[rank as usize], k.to_dim())
        })?,
        OutShape::Rows(w) => {
            s.equals(&output.rank, 2)?;
            s.equals(&output.shape[0], &input.shape[0])?;
            s.equals(&output.shape[1], w.to_dim())?;
        }
        OutShape::Labels => {
            s.equals(&output.rank, 1)?;
            s.equals(&output.shape[0], &input.shape[0])?;
        }
    }
    Ok(())
}

impl Expansion for MlNode {
    fn name(&self) -> StaticName {
        self.name.into()
    }

    fn nboutputs(&self) -> TractResult<usize> {
        Ok(if self.labels.is_some() { 2 } else { 1 })
    }

    fn rules<'r, 'p: 'r, 's: 'r>(
        &'s self,
        s: &mut Solver<'r>,
        inputs: &'p [TensorProxy],
        outputs: &'p [TensorProxy],
    ) -> InferenceResult {
        check_input_arity(inputs, 1)?;
        match &self.labels {
            None => {
                check_output_arity(outputs, 1)?;
                shape_rules(s, &inputs[0], &outputs[0], &self.main)
            }
            Some(labels) => {
                check_output_arity(outputs, 2)?;
                shape_rules(s, &inputs[0], &outputs[1], &self.main)?;
                shape_rules(s, &inputs[0], &outputs[0], labels)
            }
        }
    }

    fn wire(
        &self,
        prefix: &str,
        model: &mut TypedModel,
        inputs: &[OutletId],
    ) -> TractResult<TVec<OutletId>> {
        let main = model.wire_node(prefix, self.main.clone(), inputs)?[0];
        match &self.labels {
            None => Ok(tvec!(main)),
            Some(labels) => {
                let label = model.wire_node(format!("{prefix}.label"), labels.clone(), &[main])?[0];
                Ok(tvec!(label, main))
            }
        }
    }
}

/// Runs `f` on the input as a row-major f32 matrix `[rows, width]` (any rank ≥ 1: the last
/// axis is the width; other numeric types are cast to f32 first).
pub fn with_f32_rows<R>(
    input: &Tensor,
    f: impl FnOnce(&[f32], usize, usize) -> TractResult<R>,
) -> TractResult<R> {
    let cast = input.cast_to::<f32>()?;
    let view = cast.try_as_plain_ram()?;
    let data = view.as_slice::<f32>()?;
    let width = input.shape().last().copied().unwrap_or(1);
    let rows = data.len().checked_div(width).unwrap_or(0);
    f(data, rows, width)
}

/// A tensor of `shape` from row-major data.
pub fn tensor_of<T: Datum>(shape: &[usize], data: Vec<T>) -> TractResult<Tensor> {
    Ok(ArrayD::from_shape_vec(IxDyn(shape), data)?.into_tensor())
}

/// The shape of a `[rows, width]` output computed from an input of `input_shape`.
pub fn rows_shape(input_shape: &[usize], width: usize) -> TVec<usize> {
    let rows = input_shape.first().copied().unwrap_or(1);
    tvec!(rows, width)
}
