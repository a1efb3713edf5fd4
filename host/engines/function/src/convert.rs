//! JSON ↔ component values, by the function's declared types. Errors name the value's path
//! (`person.age`, `items[2]`) and the expected type.

use crate::wit_type::{describe, name_matches};
use serde_json::{Map, Number, Value};
use wasmtime::component::Val;
use wasmtime::component::types::Type;

/// A conversion failure: the path of the offending value and what is wrong.
#[derive(Debug, PartialEq, Eq)]
pub struct ConvertError {
    /// `param1`, `person.age`, `items[2]`...
    pub path: String,
    /// What was expected and found.
    pub problem: String,
}

fn mismatch(path: &str, ty: &Type, found: &Value) -> ConvertError {
    ConvertError {
        path: path.to_owned(),
        problem: format!("expected {}, found {}", describe(ty), show(found)),
    }
}

fn show(value: &Value) -> String {
    let text = value.to_string();
    if text.len() > 60 {
        format!("{}...", &text[..text.floor_char_boundary(57)])
    } else {
        text
    }
}

/// Converts a JSON value to a component value of type `ty`.
pub fn from_json(path: &str, ty: &Type, value: &Value) -> Result<Val, ConvertError> {
    let bad = || mismatch(path, ty, value);
    Ok(match ty {
        Type::Bool => Val::Bool(value.as_bool().ok_or_else(bad)?),
        Type::S8 => Val::S8(
            int(value)
                .and_then(|i| i8::try_from(i).ok())
                .ok_or_else(bad)?,
        ),
        Type::S16 => Val::S16(
            int(value)
                .and_then(|i| i16::try_from(i).ok())
                .ok_or_else(bad)?,
        ),
        Type::S32 => Val::S32(
            int(value)
                .and_then(|i| i32::try_from(i).ok())
                .ok_or_else(bad)?,
        ),
        Type::S64 => Val::S64(
            int(value)
                .and_then(|i| i64::try_from(i).ok())
                .ok_or_else(bad)?,
        ),
        Type::U8 => Val::U8(
            int(value)
                .and_then(|i| u8::try_from(i).ok())
                .ok_or_else(bad)?,
        ),
        Type::U16 => Val::U16(
            int(value)
                .and_then(|i| u16::try_from(i).ok())
                .ok_or_else(bad)?,
        ),
        Type::U32 => Val::U32(
            int(value)
                .and_then(|i| u32::try_from(i).ok())
                .ok_or_else(bad)?,
        ),
        Type::U64 => Val::U64(
            int(value)
                .and_then(|i| u64::try_from(i).ok())
                .ok_or_else(bad)?,
        ),
        Type::Float32 => Val::Float32(value.as_f64().ok_or_else(bad)? as f32),
        Type::Float64 => Val::Float64(value.as_f64().ok_or_else(bad)?),
        Type::Char => {
            let s = value.as_str().ok_or_else(bad)?;
            let mut chars = s.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => Val::Char(c),
                _ => return Err(bad()),
            }
        }
        Type::String => Val::String(value.as_str().ok_or_else(bad)?.to_owned()),
        Type::List(l) => {
            let items = value.as_array().ok_or_else(bad)?;
            let inner = l.ty();
            Val::List(list(path, &inner, items)?)
        }
        Type::FixedLengthList(l) => {
            let items = value.as_array().ok_or_else(bad)?;
            if items.len() != l.len() as usize {
                return Err(bad());
            }
            Val::FixedLengthList(list(path, &l.ty(), items)?)
        }
        Type::Map(m) => {
            let object = value.as_object().ok_or_else(bad)?;
            let (key_ty, value_ty) = (m.key(), m.value());
            let mut pairs = Vec::with_capacity(object.len());
            for (k, v) in object {
                let key = from_text(&format!("{path}.{k}"), &key_ty, k)?;
                pairs.push((key, from_json(&format!("{path}.{k}"), &value_ty, v)?));
            }
            Val::Map(pairs)
        }
        Type::Record(r) => {
            let object = value.as_object().ok_or_else(bad)?;
            let fields: Vec<_> = r.fields().map(|f| (f.name.to_owned(), f.ty)).collect();
            for key in object.keys() {
                if !fields.iter().any(|(name, _)| name_matches(key, name)) {
                    return Err(ConvertError {
                        path: format!("{path}.{key}"),
                        problem: format!("unknown field; expected {}", describe(ty)),
                    });
                }
            }
            let mut out = Vec::with_capacity(fields.len());
            for (name, field_ty) in fields {
                let field_path = format!("{path}.{}", crate::wit_type::api_name(&name));
                let found = object
                    .iter()
                    .find(|(k, _)| name_matches(k, &name))
                    .map(|(_, v)| v);
                let val = match (found, &field_ty) {
                    (Some(v), _) => from_json(&field_path, &field_ty, v)?,
                    (None, Type::Option(_)) => Val::Option(None),
                    (None, _) => {
                        return Err(ConvertError {
                            path: field_path,
                            problem: format!("missing; expected {}", describe(&field_ty)),
                        });
                    }
                };
                out.push((name, val));
            }
            Val::Record(out)
        }
        Type::Tuple(t) => {
            let items = value.as_array().ok_or_else(bad)?;
            let types: Vec<Type> = t.types().collect();
            if items.len() != types.len() {
                return Err(bad());
            }
            let mut out = Vec::with_capacity(items.len());
            for (i, (item, item_ty)) in items.iter().zip(&types).enumerate() {
                out.push(from_json(&format!("{path}[{i}]"), item_ty, item)?);
            }
            Val::Tuple(out)
        }
        Type::Enum(e) => {
            let s = value.as_str().ok_or_else(bad)?;
            let name = e.names().find(|n| name_matches(s, n)).ok_or_else(bad)?;
            Val::Enum(name.to_owned())
        }
        Type::Flags(f) => {
            let items = value.as_array().ok_or_else(bad)?;
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                let s = item.as_str().ok_or_else(bad)?;
                out.push(
                    f.names()
                        .find(|n| name_matches(s, n))
                        .ok_or_else(bad)?
                        .to_owned(),
                );
            }
            Val::Flags(out)
        }
        Type::Variant(v) => {
            // `"case"` for a case without payload, `{"case": payload}` otherwise.
            let (case_name, payload) = match value {
                Value::String(s) => (s.as_str(), None),
                Value::Object(o) if o.len() == 1 => {
                    let (k, v) = o.iter().next().ok_or_else(bad)?;
                    (k.as_str(), Some(v))
                }
                _ => return Err(bad()),
            };
            let case = v
                .cases()
                .find(|c| name_matches(case_name, c.name))
                .ok_or_else(bad)?;
            let payload = match (&case.ty, payload) {
                (Some(t), Some(p)) => {
                    Some(Box::new(from_json(&format!("{path}.{case_name}"), t, p)?))
                }
                (None, None) | (None, Some(Value::Null)) => None,
                _ => return Err(bad()),
            };
            Val::Variant(case.name.to_owned(), payload)
        }
        Type::Option(o) => match value {
            Value::Null => Val::Option(None),
            v => Val::Option(Some(Box::new(from_json(path, &o.ty(), v)?))),
        },
        Type::Result(r) => {
            let object = value.as_object().filter(|o| o.len() == 1).ok_or_else(bad)?;
            let (k, v) = object.iter().next().ok_or_else(bad)?;
            let convert = |t: Option<Type>| -> Result<Option<Box<Val>>, ConvertError> {
                match t {
                    Some(t) => Ok(Some(Box::new(from_json(&format!("{path}.{k}"), &t, v)?))),
                    None => Ok(None),
                }
            };
            match k.as_str() {
                "ok" => Val::Result(Ok(convert(r.ok())?)),
                "err" => Val::Result(Err(convert(r.err())?)),
                _ => return Err(bad()),
            }
        }
        Type::Own(_) | Type::Borrow(_) | Type::Future(_) | Type::Stream(_) | Type::ErrorContext => {
            return Err(bad());
        }
    })
}

fn list(path: &str, ty: &Type, items: &[Value]) -> Result<Vec<Val>, ConvertError> {
    items
        .iter()
        .enumerate()
        .map(|(i, item)| from_json(&format!("{path}[{i}]"), ty, item))
        .collect()
}

/// An integral JSON number (`30` or `30.0`) as i128, so that every WIT integer range fits.
fn int(value: &Value) -> Option<i128> {
    let n = value.as_number()?;
    if let Some(i) = n.as_i64() {
        return Some(i.into());
    }
    if let Some(u) = n.as_u64() {
        return Some(u.into());
    }
    let f = n.as_f64()?;
    (f.fract() == 0.0 && f.abs() < 9.0e15).then_some(f as i128)
}

/// Converts a query-string value to type `ty`: numbers, booleans, strings and enum cases as
/// written; `option<T>` from an empty value is none; composite types are written as JSON.
pub fn from_text(path: &str, ty: &Type, text: &str) -> Result<Val, ConvertError> {
    let as_string = Value::String(text.to_owned());
    match ty {
        Type::String | Type::Char | Type::Enum(_) => from_json(path, ty, &as_string),
        Type::Bool => match text {
            "true" | "True" | "1" => Ok(Val::Bool(true)),
            "false" | "False" | "0" => Ok(Val::Bool(false)),
            _ => Err(mismatch(path, ty, &as_string)),
        },
        Type::S8
        | Type::S16
        | Type::S32
        | Type::S64
        | Type::U8
        | Type::U16
        | Type::U32
        | Type::U64
        | Type::Float32
        | Type::Float64 => {
            let number: Number = text
                .trim()
                .parse()
                .map_err(|_| mismatch(path, ty, &as_string))?;
            from_json(path, ty, &Value::Number(number)).map_err(|_| mismatch(path, ty, &as_string))
        }
        Type::Option(o) => {
            if text.is_empty() {
                Ok(Val::Option(None))
            } else {
                Ok(Val::Option(Some(Box::new(from_text(path, &o.ty(), text)?))))
            }
        }
        _ => {
            let value: Value = serde_json::from_str(text).map_err(|_| ConvertError {
                path: path.to_owned(),
                problem: format!(
                    "expected {} written as JSON, found {}",
                    describe(ty),
                    show(&as_string)
                ),
            })?;
            from_json(path, ty, &value)
        }
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
                .map(|(name, v)| (crate::wit_type::api_name(name), to_json(v)))
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
