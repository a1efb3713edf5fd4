//! Tree ensembles (`TreeEnsembleClassifier`, `TreeEnsembleRegressor`): parsed from the node
//! ([`parse`]), compiled into flat layouts ([`layout`]) and evaluated over whole batches
//! ([`eval`]), with ONNX Runtime's conventions for base values, binary classifiers and
//! post-transforms.

pub mod eval;
pub mod layout;
pub mod parse;

use tract_onnx::model::ParsingContext;
use tract_onnx::pb::NodeProto;
use tract_onnx::tract_hir::internal::*;

use crate::ops::kernel::{Kernel, KernelOp, MlNode, OutShape, tensor_of, with_f32_rows};
use crate::ops::labels::{ArgmaxLabels, class_labels};
use crate::ops::post::{PostTransform, logistic};
use eval::Combine;
use layout::{Layout, SparseLeaves, SumLeaves};

/// What turns a row's accumulators into outputs.
#[derive(Clone, Debug)]
enum Finish {
    /// Regressor: optional average over trees, base values, post-transform.
    Regression {
        base: Vec<f32>,
        average: bool,
        post: PostTransform,
    },
    /// Binary classifier with one score (every leaf targets class 0): ONNX Runtime's
    /// `[1 − p, p]` when no weight is negative, `[−s, s]` (or `[σ(−s), σ(s)]`) otherwise.
    Binary {
        base: f32,
        all_positive: bool,
        logistic: bool,
    },
    /// One score per class, base values, post-transform.
    Classes { base: Vec<f32>, post: PostTransform },
}

/// The evaluator of one ensemble node.
#[derive(Debug)]
struct Trees {
    layout: Layout,
    combine: Combine,
    finish: Finish,
    n_trees: usize,
    /// The input must have more columns than this (`None`: no branch at all).
    max_feature: Option<usize>,
    out_width: usize,
}

impl Trees {
    fn finish_row(&self, acc: &mut [f32], out: &mut Vec<f32>) {
        match &self.finish {
            Finish::Regression {
                base,
                average,
                post,
            } => {
                for (i, a) in acc.iter_mut().enumerate() {
                    if a.is_nan() {
                        *a = 0.0; // MIN/MAX with no tree scoring this target
                    }
                    if *average {
                        *a /= self.n_trees as f32;
                    }
                    *a += base.get(i).copied().unwrap_or(0.0);
                }
                post.apply(acc);
                out.extend_from_slice(acc);
            }
            Finish::Binary {
                base,
                all_positive,
                logistic: is_logistic,
            } => {
                let s = acc[0] + base;
                match (all_positive, is_logistic) {
                    (true, false) => out.extend([1.0 - s, s]),
                    (true, true) => {
                        let p = logistic(s);
                        out.extend([1.0 - p, p]);
                    }
                    (false, false) => out.extend([-s, s]),
                    (false, true) => out.extend([logistic(-s), logistic(s)]),
                }
            }
            Finish::Classes { base, post } => {
                for (a, b) in acc.iter_mut().zip(base) {
                    *a += b;
                }
                post.apply(acc);
                out.extend_from_slice(acc);
            }
        }
    }
}

impl Kernel for Trees {
    fn name(&self) -> &'static str {
        "PlinthTreeEnsemble"
    }

    fn eval(&self, input: &Tensor) -> TractResult<Tensor> {
        ensure!(
            input.rank() == 2,
            "expected a [N, F] input, got {:?}",
            input.shape()
        );
        with_f32_rows(input, |x, rows, features| {
            if let Some(max) = self.max_feature {
                ensure!(
                    max < features,
                    "the trees read feature {max}, the input has {features} columns"
                );
            }
            let width = self.layout.width;
            let mut acc = vec![self.combine.initial(); rows * width];
            eval::accumulate(&self.layout, self.combine, x, features, &mut acc);
            let mut out = Vec::with_capacity(rows * self.out_width);
            for row in acc.chunks_exact_mut(width) {
                self.finish_row(row, &mut out);
            }
            tensor_of(&[rows, self.out_width], out)
        })
    }
}

fn base_values(node: &NodeProto) -> TractResult<Vec<f32>> {
    ensure!(
        node.get_attr_opt::<&tract_onnx::pb::TensorProto>("base_values_as_tensor")?
            .is_none(),
        "base_values_as_tensor (double) is not supported"
    );
    Ok(node
        .get_attr_opt_vec::<f32>("base_values")?
        .unwrap_or_default())
}

fn max_feature(forest: &parse::Forest) -> Option<usize> {
    let any_branch = forest.trees.iter().any(|t| {
        t.nodes
            .iter()
            .any(|n| matches!(n, parse::Node::Branch { .. }))
    });
    any_branch.then_some(forest.max_feature)
}

/// Builds `TreeEnsembleClassifier` (outputs `[label, probabilities]`).
pub fn classifier(
    _: &ParsingContext,
    node: &NodeProto,
) -> TractResult<(Box<dyn InferenceOp>, Vec<String>)> {
    let (labels, n_classes) = class_labels(node)?;
    ensure!(n_classes >= 2, "a classifier needs at least two classes");
    let forest = parse::parse(node, "class", n_classes)?;
    let post = PostTransform::parse(node.get_attr_opt::<&str>("post_transform")?)?;
    let mut base = base_values(node)?;
    let only_class_zero = forest.used_outputs.iter().all(|&o| o == 0);
    let binary = n_classes == 2 && only_class_zero && base.len() <= 1;
    let (layout, finish, out_width) = if binary {
        ensure!(
            matches!(post, PostTransform::None | PostTransform::Logistic),
            "a binary tree classifier with one score supports post_transform NONE or LOGISTIC only"
        );
        let finish = Finish::Binary {
            base: base.first().copied().unwrap_or(0.0),
            all_positive: forest.weights_all_positive,
            logistic: post == PostTransform::Logistic,
        };
        let leaves = SumLeaves(|o| (o == 0).then_some(0));
        (layout::compile(&forest, 1, &leaves, true), finish, 2)
    } else {
        if n_classes == 2 && only_class_zero && base.len() == 2 {
            // ONNX Runtime scores class 0 only and ignores the second base value.
            base[1] = 0.0;
        }
        if base.is_empty() {
            base = vec![0.0; n_classes];
        }
        ensure!(
            base.len() == n_classes,
            "{} base values for {n_classes} classes",
            base.len()
        );
        let leaves = SumLeaves(Some);
        let layout = layout::compile(&forest, n_classes, &leaves, true);
        (layout, Finish::Classes { base, post }, n_classes)
    };
    let trees = Trees {
        layout,
        combine: Combine::Sum,
        finish,
        n_trees: forest.trees.len(),
        max_feature: max_feature(&forest),
        out_width,
    };
    let main = KernelOp::new(trees, f32::datum_type(), OutShape::Rows(out_width));
    Ok((MlNode::classifier(main, ArgmaxLabels::op(labels)), vec![]))
}

/// Builds `TreeEnsembleRegressor`.
pub fn regressor(
    _: &ParsingContext,
    node: &NodeProto,
) -> TractResult<(Box<dyn InferenceOp>, Vec<String>)> {
    let n_targets: usize = node.get_attr("n_targets")?;
    ensure!(n_targets >= 1, "n_targets must be at least 1");
    let forest = parse::parse(node, "target", n_targets)?;
    let post = PostTransform::parse(node.get_attr_opt::<&str>("post_transform")?)?;
    let base = base_values(node)?;
    ensure!(
        base.is_empty() || base.len() == n_targets,
        "{} base values for {n_targets} targets",
        base.len()
    );
    let aggregate = node
        .get_attr_opt::<&str>("aggregate_function")?
        .unwrap_or("SUM");
    let (combine, average) = match aggregate {
        "SUM" => (Combine::Sum, false),
        "AVERAGE" => (Combine::Sum, true),
        "MIN" => (Combine::Min, false),
        "MAX" => (Combine::Max, false),
        other => bail!("unknown aggregate_function {other:?}"),
    };
    // ONNX Runtime applies only PROBIT to a single-target regressor's score.
    let post = if n_targets == 1 && post != PostTransform::Probit {
        PostTransform::None
    } else {
        post
    };
    let layout = if combine == Combine::Sum {
        layout::compile(&forest, n_targets, &SumLeaves(Some), true)
    } else {
        layout::compile(&forest, n_targets, &SparseLeaves, false)
    };
    let trees = Trees {
        layout,
        combine,
        finish: Finish::Regression {
            base,
            average,
            post,
        },
        n_trees: forest.trees.len(),
        max_feature: max_feature(&forest),
        out_width: n_targets,
    };
    let main = KernelOp::new(trees, f32::datum_type(), OutShape::Rows(n_targets));
    Ok((MlNode::single(main), vec![]))
}
