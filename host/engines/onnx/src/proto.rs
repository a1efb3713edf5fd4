//! Reading the ONNX protobuf: decoding, graph inputs and outputs as Plinth sees them.

use prost::Message;
use tract_onnx::pb::{self, tensor_proto::DataType, type_proto};

use crate::{ElementType, InputSpec, OnnxError};

/// Decodes `model.onnx` bytes, refusing what is not an ONNX model with a graph.
pub fn decode(bytes: &[u8]) -> Result<pb::ModelProto, OnnxError> {
    let proto = pb::ModelProto::decode(bytes)
        .map_err(|e| OnnxError::Load(format!("not a valid ONNX model: {e}")))?;
    match &proto.graph {
        Some(graph) if !graph.node.is_empty() && !graph.output.is_empty() => Ok(proto),
        _ => Err(OnnxError::Load(
            "not a valid ONNX model: it has no graph, nodes or outputs".into(),
        )),
    }
}

/// Encodes a (rewritten) model back into protobuf bytes.
#[cfg(feature = "onnxruntime")]
pub fn encode(proto: &pb::ModelProto) -> Vec<u8> {
    proto.encode_to_vec()
}

/// The graph of a decoded model (checked by [`decode`]).
pub fn graph(proto: &pb::ModelProto) -> &pb::GraphProto {
    proto.graph.as_ref().expect("decode() checked the graph")
}

/// Element type of a tensor value, if it is a tensor.
pub fn tensor_elem_type(value: &pb::ValueInfoProto) -> Option<i32> {
    let type_proto::Value::TensorType(t) = value.r#type.as_ref()?.value.as_ref()?;
    Some(t.elem_type)
}

/// Dimensions of a tensor value: `Some(n)` for a fixed dim, `None` for a symbolic or unknown one.
pub fn tensor_dims(value: &pb::ValueInfoProto) -> Option<Vec<Option<i64>>> {
    let Some(type_proto::Value::TensorType(t)) = value.r#type.as_ref()?.value.as_ref() else {
        return None;
    };
    let shape = t.shape.as_ref()?;
    Some(
        shape
            .dim
            .iter()
            .map(|d| match d.value {
                Some(pb::tensor_shape_proto::dimension::Value::DimValue(v)) => Some(v),
                _ => None,
            })
            .collect(),
    )
}

/// The model's inputs (graph inputs that are not initializers), checked to be `[N, 1]` columns
/// of a type a [`crate::Column`] can carry.
pub fn input_specs(proto: &pb::ModelProto) -> Result<Vec<InputSpec>, OnnxError> {
    let graph = graph(proto);
    let initializers: std::collections::HashSet<&str> =
        graph.initializer.iter().map(|t| t.name.as_str()).collect();
    let mut specs = Vec::new();
    for input in graph
        .input
        .iter()
        .filter(|i| !initializers.contains(i.name.as_str()))
    {
        let elem = tensor_elem_type(input)
            .ok_or_else(|| OnnxError::Load(format!("input `{}` is not a tensor", input.name)))?;
        let element = match DataType::try_from(elem) {
            Ok(DataType::Float) => ElementType::F32,
            Ok(DataType::Int64) => ElementType::I64,
            Ok(DataType::String) => ElementType::Str,
            other => {
                return Err(OnnxError::Load(format!(
                    "input `{}` has element type {:?}; supported input types are float, int64 \
                     and string",
                    input.name,
                    other.map_or_else(|_| format!("#{elem}"), |d| d.as_str_name().to_string())
                )));
            }
        };
        if let Some(dims) = tensor_dims(input) {
            let ok = match dims.as_slice() {
                [_] => true,
                [_, second] => matches!(second, None | Some(1)),
                _ => false,
            };
            if !ok || matches!(dims.first(), Some(Some(n)) if *n != 1) {
                return Err(OnnxError::Load(format!(
                    "input `{}` has shape {:?}; Plinth feeds one value per row, shape [N, 1] \
                     with a symbolic N",
                    input.name, dims
                )));
            }
        }
        specs.push(InputSpec {
            name: input.name.clone(),
            element,
        });
    }
    if specs.is_empty() {
        return Err(OnnxError::Load("the model has no inputs".into()));
    }
    Ok(specs)
}

/// The width of a graph output (`[N, w]` → `w`, `[N]` → 1), when the graph declares it.
pub fn output_width(value: &pb::ValueInfoProto) -> Option<usize> {
    let dims = tensor_dims(value)?;
    let mut width = 1usize;
    for d in dims.iter().skip(1) {
        width = width.checked_mul(usize::try_from((*d)?).ok()?)?;
    }
    Some(width)
}

/// Whether a graph output is a numeric tensor that a [`crate::Matrix`] can carry.
pub fn is_numeric_output(value: &pb::ValueInfoProto) -> bool {
    matches!(
        tensor_elem_type(value).and_then(|e| DataType::try_from(e).ok()),
        Some(DataType::Float | DataType::Double | DataType::Int64 | DataType::Int32)
    )
}
