//! `LabelEncoder`: maps each value through a key → value table, with a default for unknown
//! keys. ai.onnx.ml opset 2 form (`keys_*` / `values_*` of strings, int64s or floats) and
//! opset 1 form (`classes_strings`: string → index).

use std::collections::HashMap;

use tract_onnx::model::ParsingContext;
use tract_onnx::pb::NodeProto;
use tract_onnx::tract_hir::internal::*;

use super::kernel::{Kernel, KernelOp, MlNode, OutShape, tensor_of};

#[derive(Debug)]
enum Keys {
    Strings(HashMap<String, usize>),
    Ints(HashMap<i64, usize>),
    Floats(HashMap<u32, usize>),
}

#[derive(Debug)]
enum Values {
    Strings(Vec<String>, String),
    Ints(Vec<i64>, i64),
    Floats(Vec<f32>, f32),
}

impl Values {
    fn datum(&self) -> DatumType {
        match self {
            Values::Strings(..) => String::datum_type(),
            Values::Ints(..) => i64::datum_type(),
            Values::Floats(..) => f32::datum_type(),
        }
    }

    fn len(&self) -> usize {
        match self {
            Values::Strings(v, _) => v.len(),
            Values::Ints(v, _) => v.len(),
            Values::Floats(v, _) => v.len(),
        }
    }
}

/// Float keys compare by value: -0.0 is 0.0 and every NaN is the same key.
fn float_key(v: f32) -> u32 {
    if v.is_nan() {
        f32::NAN.to_bits()
    } else if v == 0.0 {
        0
    } else {
        v.to_bits()
    }
}

#[derive(Debug)]
struct LabelEncoder {
    keys: Keys,
    values: Values,
}

impl LabelEncoder {
    fn positions(&self, input: &Tensor) -> TractResult<Vec<Option<usize>>> {
        let view = input.try_as_plain_ram()?;
        Ok(match &self.keys {
            Keys::Strings(map) => view
                .as_slice::<String>()
                .context("expected string keys")?
                .iter()
                .map(|v| map.get(v).copied())
                .collect(),
            Keys::Ints(map) => view
                .as_slice::<i64>()
                .context("expected int64 keys")?
                .iter()
                .map(|v| map.get(v).copied())
                .collect(),
            Keys::Floats(map) => view
                .as_slice::<f32>()
                .context("expected float keys")?
                .iter()
                .map(|v| map.get(&float_key(*v)).copied())
                .collect(),
        })
    }
}

impl Kernel for LabelEncoder {
    fn name(&self) -> &'static str {
        "PlinthLabelEncoder"
    }

    fn eval(&self, input: &Tensor) -> TractResult<Tensor> {
        let positions = self.positions(input)?;
        let shape = input.shape();
        match &self.values {
            Values::Strings(v, d) => tensor_of(
                shape,
                positions
                    .iter()
                    .map(|p| p.map_or(d, |i| &v[i]).clone())
                    .collect(),
            ),
            Values::Ints(v, d) => tensor_of(
                shape,
                positions.iter().map(|p| p.map_or(*d, |i| v[i])).collect(),
            ),
            Values::Floats(v, d) => tensor_of(
                shape,
                positions.iter().map(|p| p.map_or(*d, |i| v[i])).collect(),
            ),
        }
    }
}

/// Key → position of its first occurrence, and the number of keys.
fn index<K: std::hash::Hash + Eq>(keys: impl Iterator<Item = K>) -> (HashMap<K, usize>, usize) {
    let keys: Vec<K> = keys.collect();
    let n = keys.len();
    (
        keys.into_iter()
            .enumerate()
            .rev()
            .map(|(i, k)| (k, i))
            .collect(),
        n,
    )
}

/// Builds `LabelEncoder`.
pub fn label_encoder(
    _: &ParsingContext,
    node: &NodeProto,
) -> TractResult<(Box<dyn InferenceOp>, Vec<String>)> {
    let encoder = if let Some(classes) = node.get_attr_opt_vec::<String>("classes_strings")? {
        // Opset 1: string → index of the class.
        let n = classes.len() as i64;
        let default = node.get_attr_opt::<i64>("default_int64")?.unwrap_or(-1);
        LabelEncoder {
            keys: Keys::Strings(index(classes.into_iter()).0),
            values: Values::Ints((0..n).collect(), default),
        }
    } else {
        let (keys, n_keys) = if let Some(k) = node.get_attr_opt_vec::<String>("keys_strings")? {
            let (map, n) = index(k.into_iter());
            (Keys::Strings(map), n)
        } else if let Some(k) = node.get_attr_opt_vec::<i64>("keys_int64s")? {
            let (map, n) = index(k.into_iter());
            (Keys::Ints(map), n)
        } else if let Some(k) = node.get_attr_opt_vec::<f32>("keys_floats")? {
            let (map, n) = index(k.into_iter().map(float_key));
            (Keys::Floats(map), n)
        } else {
            bail!(
                "LabelEncoder needs keys_strings, keys_int64s or keys_floats (keys_tensor is not supported)"
            )
        };
        let values = if let Some(v) = node.get_attr_opt_vec::<String>("values_strings")? {
            let d = node
                .get_attr_opt::<String>("default_string")?
                .unwrap_or("_Unused".into());
            Values::Strings(v, d)
        } else if let Some(v) = node.get_attr_opt_vec::<i64>("values_int64s")? {
            Values::Ints(v, node.get_attr_opt::<i64>("default_int64")?.unwrap_or(-1))
        } else if let Some(v) = node.get_attr_opt_vec::<f32>("values_floats")? {
            Values::Floats(
                v,
                node.get_attr_opt::<f32>("default_float")?.unwrap_or(-0.0),
            )
        } else {
            bail!(
                "LabelEncoder needs values_strings, values_int64s or values_floats (values_tensor is not supported)"
            )
        };
        ensure!(
            values.len() == n_keys,
            "LabelEncoder has {} values for {} keys",
            values.len(),
            n_keys
        );
        LabelEncoder { keys, values }
    };
    let datum = encoder.values.datum();
    Ok((
        MlNode::single(KernelOp::new(encoder, datum, OutShape::Same)),
        vec![],
    ))
}
