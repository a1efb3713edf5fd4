//! Rewrites of the ONNX graph applied before a backend sees it.
//!
//! tract gets the full set (`for_tract`): Scaler becomes Cast + Sub + Mul in ONNX Runtime's
//! order, ZipMap is dropped in favour of the probability tensor it wraps, and outputs a
//! [`crate::Matrix`] cannot carry (string labels, maps) are removed so that tract prunes the
//! nodes computing them. ONNX Runtime only needs the ZipMap drop (`for_ort`).

mod scaler;
mod zipmap;

use tract_onnx::pb;

use crate::{OnnxError, proto};

/// What a rewrite changed that the scorer must know about.
#[derive(Debug, Default)]
pub struct Rewritten {
    /// `(dropped output, tensor now answering for it)`: a ZipMap output and its input.
    pub aliases: Vec<(String, String)>,
    /// Whether the graph changed at all.
    pub changed: bool,
}

/// Every rewrite tract needs.
pub fn for_tract(proto: &mut pb::ModelProto) -> Result<Rewritten, OnnxError> {
    let mut done = zipmap::drop_zipmaps(graph_mut(proto))?;
    done.changed |= scaler::expand_scalers(graph_mut(proto))?;
    done.changed |= keep_numeric_outputs(graph_mut(proto));
    Ok(done)
}

/// The rewrites ONNX Runtime needs (ZipMap only: it outputs maps, not tensors).
#[cfg(feature = "onnxruntime")]
pub fn for_ort(proto: &mut pb::ModelProto) -> Result<Rewritten, OnnxError> {
    zipmap::drop_zipmaps(graph_mut(proto))
}

fn graph_mut(proto: &mut pb::ModelProto) -> &mut pb::GraphProto {
    proto
        .graph
        .as_mut()
        .expect("proto::decode checked the graph")
}

/// Removes graph outputs that are not numeric tensors; fails if none is left.
fn keep_numeric_outputs(graph: &mut pb::GraphProto) -> bool {
    let before = graph.output.len();
    graph.output.retain(proto::is_numeric_output);
    graph.output.len() != before
}

/// A float tensor initializer.
pub(crate) fn float_initializer(name: &str, values: &[f32]) -> pb::TensorProto {
    pb::TensorProto {
        name: name.to_string(),
        dims: vec![values.len() as i64],
        data_type: pb::tensor_proto::DataType::Float as i32,
        float_data: values.to_vec(),
        ..Default::default()
    }
}

/// A plain node in the default domain.
pub(crate) fn node(
    op_type: &str,
    name: String,
    inputs: Vec<String>,
    output: String,
    attribute: Vec<pb::AttributeProto>,
) -> pb::NodeProto {
    pb::NodeProto {
        op_type: op_type.to_string(),
        name,
        input: inputs,
        output: vec![output],
        attribute,
        ..Default::default()
    }
}

/// Whether `node` is the ai.onnx.ml op `op_type`.
pub(crate) fn is_ml_op(node: &pb::NodeProto, op_type: &str) -> bool {
    node.op_type == op_type && node.domain == "ai.onnx.ml"
}
