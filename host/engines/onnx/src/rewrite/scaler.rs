//! `ai.onnx.ml.Scaler` → `Cast(to=float)`, `Sub(offset)`, `Mul(scale)`.
//!
//! ONNX Runtime computes `(x - offset) * scale` in f32; doing the same two f32 operations keeps
//! results bit-identical (dividing by a standard deviation instead can flip a tree split).

use tract_onnx::pb;

use super::{float_initializer, is_ml_op, node};
use crate::OnnxError;

/// Replaces every Scaler; returns whether there was one.
pub fn expand_scalers(graph: &mut pb::GraphProto) -> Result<bool, OnnxError> {
    let mut nodes = Vec::with_capacity(graph.node.len());
    let mut changed = false;
    for (index, old) in std::mem::take(&mut graph.node).into_iter().enumerate() {
        if !is_ml_op(&old, "Scaler") {
            nodes.push(old);
            continue;
        }
        changed = true;
        let (Some(input), Some(output)) = (old.input.first(), old.output.first()) else {
            return Err(OnnxError::Load(
                "Scaler node without input or output".into(),
            ));
        };
        let floats = |name: &str| -> Vec<f32> {
            old.attribute
                .iter()
                .find(|a| a.name == name)
                .map(|a| a.floats.clone())
                .unwrap_or_default()
        };
        let (offset, scale) = (floats("offset"), floats("scale"));
        let prefix = format!("plinth_scaler_{index}");
        let to_float = pb::AttributeProto {
            name: "to".into(),
            r#type: pb::attribute_proto::AttributeType::Int as i32,
            i: pb::tensor_proto::DataType::Float as i64,
            ..Default::default()
        };
        let mut current = format!("{prefix}_cast");
        nodes.push(node(
            "Cast",
            current.clone(),
            vec![input.clone()],
            current.clone(),
            vec![to_float],
        ));
        for (op, values, suffix) in [("Sub", &offset, "offset"), ("Mul", &scale, "scale")] {
            if values.is_empty() {
                continue;
            }
            let constant = format!("{prefix}_{suffix}");
            graph.initializer.push(float_initializer(&constant, values));
            let result = format!("{prefix}_{}", op.to_lowercase());
            nodes.push(node(
                op,
                result.clone(),
                vec![current, constant],
                result.clone(),
                vec![],
            ));
            current = result;
        }
        nodes.push(node(
            "Identity",
            format!("{prefix}_out"),
            vec![current],
            output.clone(),
            vec![],
        ));
    }
    graph.node = nodes;
    Ok(changed)
}
