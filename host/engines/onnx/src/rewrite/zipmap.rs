//! `ai.onnx.ml.ZipMap` outputs a sequence of maps, which no [`crate::Matrix`] can carry: drop
//! it and expose the probability tensor it wraps instead (under its own name, with the ZipMap's
//! output name as an alias). A ZipMap whose output feeds another node is refused.

use tract_onnx::pb;

use super::{Rewritten, is_ml_op};
use crate::OnnxError;

/// Removes every ZipMap feeding a graph output.
pub fn drop_zipmaps(graph: &mut pb::GraphProto) -> Result<Rewritten, OnnxError> {
    let mut done = Rewritten::default();
    let zipmaps: Vec<usize> = (0..graph.node.len())
        .filter(|&i| is_ml_op(&graph.node[i], "ZipMap"))
        .collect();
    for &index in zipmaps.iter().rev() {
        let zipmap = graph.node.remove(index);
        let (Some(input), Some(output)) = (zipmap.input.first(), zipmap.output.first()) else {
            return Err(OnnxError::Load(
                "ZipMap node without input or output".into(),
            ));
        };
        if graph.node.iter().any(|n| n.input.contains(output)) {
            return Err(OnnxError::Load(format!(
                "ZipMap output `{output}` feeds another node; Plinth only serves tensor outputs \
                 (export with zipmap=False)"
            )));
        }
        let Some(position) = graph.output.iter().position(|o| &o.name == output) else {
            continue;
        };
        if graph.output.iter().any(|o| &o.name == input) {
            graph.output.remove(position);
        } else {
            graph.output[position] = pb::ValueInfoProto {
                name: input.clone(),
                r#type: Some(pb::TypeProto {
                    value: Some(pb::type_proto::Value::TensorType(pb::type_proto::Tensor {
                        elem_type: pb::tensor_proto::DataType::Float as i32,
                        shape: None,
                    })),
                    ..Default::default()
                }),
                ..Default::default()
            };
        }
        done.aliases.push((output.clone(), input.clone()));
        done.changed = true;
    }
    Ok(done)
}
