//! Class labels from class scores: the argmax of each row (first maximum wins), mapped to the
//! integer class labels, or left as class indices for string labels (Plinth serves
//! probabilities; the label of a string-labelled classifier is its index in the classes).

use tract_onnx::tract_hir::internal::*;

use super::kernel::{Kernel, KernelOp, OutShape, tensor_of, with_f32_rows};

/// Argmax of each row, mapped through `labels` when they are integers.
#[derive(Debug)]
pub struct ArgmaxLabels {
    labels: Option<Vec<i64>>,
}

impl ArgmaxLabels {
    /// The label op for a classifier with these integer labels (`None`: string labels).
    pub fn op(labels: Option<Vec<i64>>) -> KernelOp {
        KernelOp::new(ArgmaxLabels { labels }, i64::datum_type(), OutShape::Labels)
    }
}

impl Kernel for ArgmaxLabels {
    fn name(&self) -> &'static str {
        "PlinthArgmaxLabels"
    }

    fn eval(&self, input: &Tensor) -> TractResult<Tensor> {
        with_f32_rows(input, |data, rows, width| {
            let mut out = Vec::with_capacity(rows);
            for row in data.chunks_exact(width.max(1)) {
                let mut best = 0usize;
                for (i, v) in row.iter().enumerate() {
                    if *v > row[best] {
                        best = i;
                    }
                }
                let label = match &self.labels {
                    Some(labels) => labels.get(best).copied().unwrap_or(best as i64),
                    None => best as i64,
                };
                out.push(label);
            }
            tensor_of(&[rows], out)
        })
    }
}

/// The class labels of a classifier node: integers, or the number of string labels.
pub fn class_labels(node: &tract_onnx::pb::NodeProto) -> TractResult<(Option<Vec<i64>>, usize)> {
    let ints = node
        .get_attr_opt_vec::<i64>("classlabels_ints")?
        .or(node.get_attr_opt_vec::<i64>("classlabels_int64s")?);
    let strings = node.get_attr_opt_vec::<String>("classlabels_strings")?;
    match (ints, strings) {
        (Some(ints), None) => {
            let n = ints.len();
            Ok((Some(ints), n))
        }
        (None, Some(strings)) => Ok((None, strings.len())),
        (None, None) => bail!("the classifier has no class labels"),
        (Some(_), Some(_)) => bail!("the classifier has both integer and string class labels"),
    }
}
