//! `Normalizer` (per-row MAX, L1 or L2 norm) and `Binarizer` (`x > threshold`), as ONNX
//! Runtime computes them: a row whose norm is zero is left as it is.

use tract_onnx::model::ParsingContext;
use tract_onnx::pb::NodeProto;
use tract_onnx::tract_hir::internal::*;

use super::kernel::{Kernel, KernelOp, MlNode, OutShape, tensor_of, with_f32_rows};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Norm {
    Max,
    L1,
    L2,
}

#[derive(Debug)]
struct Normalizer {
    norm: Norm,
}

impl Kernel for Normalizer {
    fn name(&self) -> &'static str {
        "PlinthNormalizer"
    }

    fn eval(&self, input: &Tensor) -> TractResult<Tensor> {
        with_f32_rows(input, |data, _rows, width| {
            let mut out = data.to_vec();
            for row in out.chunks_exact_mut(width.max(1)) {
                match self.norm {
                    Norm::Max => {
                        let max = row.iter().copied().fold(f32::MIN, f32::max);
                        if max != 0.0 {
                            row.iter_mut().for_each(|v| *v /= max);
                        }
                    }
                    Norm::L1 => {
                        let sum: f32 = row.iter().map(|v| v.abs()).sum();
                        if sum != 0.0 {
                            row.iter_mut().for_each(|v| *v /= sum);
                        }
                    }
                    Norm::L2 => {
                        let sum: f32 = row.iter().map(|v| v * v).sum();
                        if sum != 0.0 {
                            row.iter_mut().for_each(|v| {
                                let r = (*v * *v / sum).sqrt();
                                *v = if *v < 0.0 { -r } else { r };
                            });
                        }
                    }
                }
            }
            tensor_of(input.shape(), out)
        })
    }
}

/// Builds `Normalizer`.
pub fn normalizer(
    _: &ParsingContext,
    node: &NodeProto,
) -> TractResult<(Box<dyn InferenceOp>, Vec<String>)> {
    let norm = match node.get_attr_opt::<&str>("norm")?.unwrap_or("MAX") {
        "MAX" => Norm::Max,
        "L1" => Norm::L1,
        "L2" => Norm::L2,
        other => bail!("unknown Normalizer norm {other:?}"),
    };
    let op = KernelOp::new(Normalizer { norm }, f32::datum_type(), OutShape::Same);
    Ok((MlNode::single(op), vec![]))
}

#[derive(Debug)]
struct Binarizer {
    threshold: f32,
}

impl Kernel for Binarizer {
    fn name(&self) -> &'static str {
        "PlinthBinarizer"
    }

    fn eval(&self, input: &Tensor) -> TractResult<Tensor> {
        with_f32_rows(input, |data, _, _| {
            let out = data
                .iter()
                .map(|&v| if v > self.threshold { 1.0 } else { 0.0 })
                .collect();
            tensor_of(input.shape(), out)
        })
    }
}

/// Builds `Binarizer` (float output).
pub fn binarizer(
    _: &ParsingContext,
    node: &NodeProto,
) -> TractResult<(Box<dyn InferenceOp>, Vec<String>)> {
    let threshold = node.get_attr_opt::<f32>("threshold")?.unwrap_or(0.0);
    let op = KernelOp::new(Binarizer { threshold }, f32::datum_type(), OutShape::Same);
    Ok((MlNode::single(op), vec![]))
}
