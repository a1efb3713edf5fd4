//! Component values ↔ the plain values of `plinth-wit-json`: a caller's converted arguments
//! become wasmtime values one to one; results become JSON.

use plinth_wit_json::{WitValue, api_name};
use serde_json::{Map, Number, Value};
use wasmtime::component::Val;

/// The wasmtime value of a converted argument.
pub fn to_val(value: WitValue) -> Val {
    let boxed = |v: Option<Box<WitValue>>| v.map(|v| Box::new(to_val(*v)));
    let all = |items: Vec<WitValue>| items.into_iter().map(to_val).collect();
    match value {
        WitValue::Bool(b) => Val::Bool(b),
        WitValue::S8(i) => Val::S8(i),
        WitValue::U8(i) => Val::U8(i),
        WitValue::S16(i) => Val::S16(i),
        WitValue::U16(i) => Val::U16(i),
        WitValue::S32(i) => Val::S32(i),
        WitValue::U32(i) => Val::U32(i),
        WitValue::S64(i) => Val::S64(i),
        WitValue::U64(i) => Val::U64(i),
        WitValue::Float32(f) => Val::Float32(f),
        WitValue::Float64(f) => Val::Float64(f),
        WitValue::Char(c) => Val::Char(c),
        WitValue::String(s) => Val::String(s),
        WitValue::List(items) => Val::List(all(items)),
        WitValue::FixedLengthList(items) => Val::FixedLengthList(all(items)),
        WitValue::Map(pairs) => Val::Map(
            pairs
                .into_iter()
                .map(|(k, v)| (to_val(k), to_val(v)))
                .collect(),
        ),
        WitValue::Record(fields) => Val::Record(
            fields
                .into_iter()
                .map(|(name, v)| (name, to_val(v)))
                .collect(),
        ),
        WitValue::Tuple(items) => Val::Tuple(all(items)),
        WitValue::Variant(case, payload) => Val::Variant(case, boxed(payload)),
        WitValue::Enum(case) => Val::Enum(case),
        WitValue::Option(inner) => Val::Option(boxed(inner)),
        WitValue::Result(Ok(v)) => Val::Result(Ok(boxed(v))),
        WitValue::Result(Err(e)) => Val::Result(Err(boxed(e))),
        WitValue::Flags(names) => Val::Flags(names),
    }
}

/// Converts a component value to JSON: records as objects by field name, enums as their
/// case name, variants as `{"case": payload}` (or `"case"`), options as the value or `null`,
/// results as `{"ok": v}` / `{"err": e}`, flags as a list of names, non-finite floats as `null`.
pub fn to_json(val: &Val) -> Value {
    match val {
        Val::Bool(b) => Value::Bool(*b),
        Val::S8(i) => (*i).into(),
        Val::U8(i) => (*i).into(),
        Val::S16(i) => (*i).into(),
        Val::U16(i) => (*i).into(),
        Val::S32(i) => (*i).into(),
        Val::U32(i) => (*i).into(),
        Val::S64(i) => (*i).into(),
        Val::U64(i) => (*i).into(),
        Val::Float32(f) => float(f64::from(*f)),
        Val::Float64(f) => float(*f),
        Val::Char(c) => Value::String(c.to_string()),
        Val::String(s) => Value::String(s.clone()),
        Val::List(items) | Val::Tuple(items) | Val::FixedLengthList(items) => {
            Value::Array(items.iter().map(to_json).collect())
        }
        Val::Map(pairs) => {
            let mut object = Map::new();
            for (k, v) in pairs {
                let key = match k {
                    Val::String(s) => s.clone(),
                    other => to_json(other).to_string(),
                };
                object.insert(key, to_json(v));
            }
            Value::Object(object)
        }
        Val::Record(fields) => Value::Object(
            fields
                .iter()
                .map(|(name, v)| (api_name(name), to_json(v)))
                .collect(),
        ),
        Val::Variant(case, payload) => match payload {
            None => Value::String(case.clone()),
            Some(p) => {
                let mut object = Map::new();
                object.insert(case.clone(), to_json(p));
                Value::Object(object)
            }
        },
        Val::Enum(case) => Value::String(case.clone()),
        Val::Option(inner) => inner.as_deref().map(to_json).unwrap_or(Value::Null),
        Val::Result(result) => {
            let (key, inner) = match result {
                Ok(v) => ("ok", v),
                Err(e) => ("err", e),
            };
            let mut object = Map::new();
            object.insert(
                key.into(),
                inner.as_deref().map(to_json).unwrap_or(Value::Null),
            );
            Value::Object(object)
        }
        Val::Flags(names) => Value::Array(names.iter().cloned().map(Value::String).collect()),
        Val::Resource(_) | Val::Future(_) | Val::Stream(_) | Val::ErrorContext(_) => Value::Null,
    }
}

fn float(f: f64) -> Value {
    Number::from_f64(f)
        .map(Value::Number)
        .unwrap_or(Value::Null)
}
