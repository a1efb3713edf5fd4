//! `LinearClassifier` and `LinearRegressor`: `scores = X·Wᵀ + b`, then the post-transform,
//! with ONNX Runtime's binary convention (one score column → `[1 − p, p]`).

use tract_onnx::model::ParsingContext;
use tract_onnx::pb::NodeProto;
use tract_onnx::tract_hir::internal::*;

use super::kernel::{Kernel, KernelOp, MlNode, OutShape, tensor_of, with_f32_rows};
use super::labels::{ArgmaxLabels, class_labels};
use super::post::PostTransform;

/// Weights of a linear model: `targets` rows of `features` coefficients.
#[derive(Debug)]
struct Linear {
    coefficients: Vec<f32>,
    intercepts: Vec<f32>,
    targets: usize,
    features: usize,
    post: PostTransform,
    /// One score column expanded to `[1 − p, p]`.
    binary: bool,
}

impl Linear {
    fn parse(node: &NodeProto, targets: usize) -> TractResult<Linear> {
        let coefficients: Vec<f32> = node.get_attr_vec("coefficients")?;
        let intercepts: Vec<f32> = node
            .get_attr_opt_vec("intercepts")?
            .unwrap_or_else(|| vec![0.0; targets]);
        ensure!(targets > 0, "no targets");
        ensure!(
            intercepts.len() == targets,
            "{} intercepts for {} targets",
            intercepts.len(),
            targets
        );
        ensure!(
            !coefficients.is_empty() && coefficients.len().is_multiple_of(targets),
            "{} coefficients for {} targets",
            coefficients.len(),
            targets
        );
        let features = coefficients.len() / targets;
        let post = PostTransform::parse(node.get_attr_opt::<&str>("post_transform")?)?;
        Ok(Linear {
            coefficients,
            intercepts,
            targets,
            features,
            post,
            binary: false,
        })
    }

    fn width(&self) -> usize {
        if self.binary { 2 } else { self.targets }
    }
}

impl Kernel for Linear {
    fn name(&self) -> &'static str {
        if self.binary || self.post != PostTransform::None {
            "PlinthLinearClassifier"
        } else {
            "PlinthLinear"
        }
    }

    fn eval(&self, input: &Tensor) -> TractResult<Tensor> {
        ensure!(
            input.rank() == 2,
            "expected a [N, F] input, got {:?}",
            input.shape()
        );
        with_f32_rows(input, |data, rows, width| {
            ensure!(
                width == self.features,
                "the input has {width} features, the coefficients expect {}",
                self.features
            );
            let out_width = self.width();
            let mut out = Vec::with_capacity(rows * out_width);
            let mut scores = vec![0f32; self.targets];
            for row in data.chunks_exact(width) {
                for (t, score) in scores.iter_mut().enumerate() {
                    let w = &self.coefficients[t * width..(t + 1) * width];
                    let dot: f32 = w.iter().zip(row).map(|(a, b)| a * b).sum();
                    *score = dot + self.intercepts[t];
                }
                if self.binary {
                    let mut p = [scores[0]];
                    self.post.apply(&mut p);
                    out.extend([1.0 - p[0], p[0]]);
                } else {
                    self.post.apply(&mut scores);
                    out.extend_from_slice(&scores);
                }
            }
            tensor_of(&[rows, out_width], out)
        })
    }
}

/// Builds `LinearClassifier` (outputs `[label, scores]`).
pub fn classifier(
    _: &ParsingContext,
    node: &NodeProto,
) -> TractResult<(Box<dyn InferenceOp>, Vec<String>)> {
    let (labels, n_classes) = class_labels(node)?;
    let intercepts = node.get_attr_opt_vec::<f32>("intercepts")?;
    let targets = intercepts.map_or(n_classes, |i| i.len());
    let mut linear = Linear::parse(node, targets)?;
    if targets == 1 {
        ensure!(n_classes == 2, "one score column needs exactly two classes");
        ensure!(
            matches!(linear.post, PostTransform::None | PostTransform::Logistic),
            "a binary LinearClassifier with one score column supports post_transform NONE or \
             LOGISTIC only"
        );
        linear.binary = true;
    } else {
        ensure!(
            targets == n_classes,
            "{targets} score columns for {n_classes} classes"
        );
    }
    let width = linear.width();
    let main = KernelOp::new(linear, f32::datum_type(), OutShape::Rows(width));
    Ok((MlNode::classifier(main, ArgmaxLabels::op(labels)), vec![]))
}

/// Builds `LinearRegressor`.
pub fn regressor(
    _: &ParsingContext,
    node: &NodeProto,
) -> TractResult<(Box<dyn InferenceOp>, Vec<String>)> {
    let targets = node.get_attr_opt::<usize>("targets")?.unwrap_or(1);
    let linear = Linear::parse(node, targets)?;
    let main = KernelOp::new(linear, f32::datum_type(), OutShape::Rows(targets));
    Ok((MlNode::single(main), vec![]))
}
