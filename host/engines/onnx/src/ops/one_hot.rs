//! `OneHotEncoder`: `[..]` categories → `[.., k]` floats. An unknown category encodes as all
//! zeros when `zeros=1` (the default) and is an error otherwise, as in ONNX Runtime.

use std::collections::HashMap;

use tract_onnx::model::ParsingContext;
use tract_onnx::pb::NodeProto;
use tract_onnx::tract_hir::internal::*;

use super::kernel::{Kernel, KernelOp, MlNode, OutShape, tensor_of};

#[derive(Debug)]
enum Categories {
    Strings(HashMap<String, usize>),
    Ints(HashMap<i64, usize>),
}

#[derive(Debug)]
struct OneHot {
    categories: Categories,
    width: usize,
    zeros: bool,
}

impl OneHot {
    fn encode<'a>(
        &self,
        positions: impl Iterator<Item = (Option<usize>, &'a dyn std::fmt::Debug)>,
        shape: &[usize],
    ) -> TractResult<Tensor> {
        let mut out = Vec::new();
        for (position, value) in positions {
            let start = out.len();
            out.resize(start + self.width, 0f32);
            match position {
                Some(p) => out[start + p] = 1.0,
                None if self.zeros => {}
                None => bail!("unknown category {value:?} (OneHotEncoder with zeros=0)"),
            }
        }
        let mut dims = shape.to_vec();
        dims.push(self.width);
        tensor_of(&dims, out)
    }
}

impl Kernel for OneHot {
    fn name(&self) -> &'static str {
        "PlinthOneHotEncoder"
    }

    fn eval(&self, input: &Tensor) -> TractResult<Tensor> {
        match &self.categories {
            Categories::Strings(map) => {
                let view = input.try_as_plain_ram()?;
                let values = view
                    .as_slice::<String>()
                    .context("expected string categories")?;
                self.encode(
                    values
                        .iter()
                        .map(|v| (map.get(v).copied(), v as &dyn std::fmt::Debug)),
                    input.shape(),
                )
            }
            Categories::Ints(map) => {
                let cast = input.cast_to::<i64>()?;
                let view = cast.try_as_plain_ram()?;
                let values = view.as_slice::<i64>()?;
                self.encode(
                    values
                        .iter()
                        .map(|v| (map.get(v).copied(), v as &dyn std::fmt::Debug)),
                    input.shape(),
                )
            }
        }
    }
}

/// Builds `OneHotEncoder` from `cats_strings` or `cats_int64s`.
pub fn one_hot(
    _: &ParsingContext,
    node: &NodeProto,
) -> TractResult<(Box<dyn InferenceOp>, Vec<String>)> {
    let zeros = node.get_attr_opt::<i64>("zeros")?.unwrap_or(1) != 0;
    let strings = node.get_attr_opt_vec::<String>("cats_strings")?;
    let ints = node.get_attr_opt_vec::<i64>("cats_int64s")?;
    let (categories, width) = match (strings, ints) {
        (Some(s), None) => {
            let n = s.len();
            (
                Categories::Strings(
                    s.into_iter()
                        .enumerate()
                        .map(|(i, c)| (c, i))
                        .rev()
                        .collect(),
                ),
                n,
            )
        }
        (None, Some(s)) => {
            let n = s.len();
            (
                Categories::Ints(
                    s.into_iter()
                        .enumerate()
                        .map(|(i, c)| (c, i))
                        .rev()
                        .collect(),
                ),
                n,
            )
        }
        _ => bail!("OneHotEncoder needs exactly one of cats_strings and cats_int64s"),
    };
    let op = KernelOp::new(
        OneHot {
            categories,
            width,
            zeros,
        },
        f32::datum_type(),
        OutShape::AppendAxis(width),
    );
    Ok((MlNode::single(op), vec![]))
}
