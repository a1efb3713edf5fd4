//! JSON and query-string text → values, by the function's declared types. Errors name the
//! value's path (`person.age`, `items[2]`) and the expected type.

use crate::ty::{WitType as Type, api_name, name_matches};
use crate::value::WitValue as Val;
use serde_json::{Number, Value};

fn describe(ty: &Type) -> String {
    ty.describe()
}

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

/// Converts a JSON value to a value of type `ty`.
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
        Type::List(inner) => {
            let items = value.as_array().ok_or_else(bad)?;
            Val::List(list(path, inner, items)?)
        }
        Type::FixedLengthList(inner, len) => {
            let items = value.as_array().ok_or_else(bad)?;
            if items.len() != *len as usize {
                return Err(bad());
            }
            Val::FixedLengthList(list(path, inner, items)?)
        }
        Type::Map(key_ty, value_ty) => {
            let object = value.as_object().ok_or_else(bad)?;
            let mut pairs = Vec::with_capacity(object.len());
            for (k, v) in object {
                let key = from_text(&format!("{path}.{k}"), key_ty, k)?;
                pairs.push((key, from_json(&format!("{path}.{k}"), value_ty, v)?));
            }
            Val::Map(pairs)
        }
        Type::Record(fields) => {
            let object = value.as_object().ok_or_else(bad)?;
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
                let field_path = format!("{path}.{}", api_name(name));
                let found = object
                    .iter()
                    .find(|(k, _)| name_matches(k, name))
                    .map(|(_, v)| v);
                let val = match (found, field_ty) {
                    (Some(v), _) => from_json(&field_path, field_ty, v)?,
                    (None, Type::Option(_)) => Val::Option(None),
                    (None, _) => {
                        return Err(ConvertError {
                            path: field_path,
                            problem: format!("missing; expected {}", describe(field_ty)),
                        });
                    }
                };
                out.push((name.clone(), val));
            }
            Val::Record(out)
        }
        Type::Tuple(types) => {
            let items = value.as_array().ok_or_else(bad)?;
            if items.len() != types.len() {
                return Err(bad());
            }
            let mut out = Vec::with_capacity(items.len());
            for (i, (item, item_ty)) in items.iter().zip(types).enumerate() {
                out.push(from_json(&format!("{path}[{i}]"), item_ty, item)?);
            }
            Val::Tuple(out)
        }
        Type::Enum(names) => {
            let s = value.as_str().ok_or_else(bad)?;
            let name = names.iter().find(|n| name_matches(s, n)).ok_or_else(bad)?;
            Val::Enum(name.to_owned())
        }
        Type::Flags(names) => {
            let items = value.as_array().ok_or_else(bad)?;
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                let s = item.as_str().ok_or_else(bad)?;
                out.push(
                    names
                        .iter()
                        .find(|n| name_matches(s, n))
                        .ok_or_else(bad)?
                        .to_owned(),
                );
            }
            Val::Flags(out)
        }
        Type::Variant(cases) => {
            // `"case"` for a case without payload, `{"case": payload}` otherwise.
            let (case_name, payload) = match value {
                Value::String(s) => (s.as_str(), None),
                Value::Object(o) if o.len() == 1 => {
                    let (k, v) = o.iter().next().ok_or_else(bad)?;
                    (k.as_str(), Some(v))
                }
                _ => return Err(bad()),
            };
            let (case, case_ty) = cases
                .iter()
                .find(|(name, _)| name_matches(case_name, name))
                .ok_or_else(bad)?;
            let payload = match (case_ty, payload) {
                (Some(t), Some(p)) => {
                    Some(Box::new(from_json(&format!("{path}.{case_name}"), t, p)?))
                }
                (None, None) | (None, Some(Value::Null)) => None,
                _ => return Err(bad()),
            };
            Val::Variant(case.to_owned(), payload)
        }
        Type::Option(inner) => match value {
            Value::Null => Val::Option(None),
            v => Val::Option(Some(Box::new(from_json(path, inner, v)?))),
        },
        Type::Result(ok, err) => {
            let object = value.as_object().filter(|o| o.len() == 1).ok_or_else(bad)?;
            let (k, v) = object.iter().next().ok_or_else(bad)?;
            let convert = |t: &Option<Box<Type>>| -> Result<Option<Box<Val>>, ConvertError> {
                match t {
                    Some(t) => Ok(Some(Box::new(from_json(&format!("{path}.{k}"), t, v)?))),
                    None => Ok(None),
                }
            };
            match k.as_str() {
                "ok" => Val::Result(Ok(convert(ok)?)),
                "err" => Val::Result(Err(convert(err)?)),
                _ => return Err(bad()),
            }
        }
        Type::Unsupported(_) => return Err(bad()),
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
        Type::Option(inner) => {
            if text.is_empty() {
                Ok(Val::Option(None))
            } else {
                Ok(Val::Option(Some(Box::new(from_text(path, inner, text)?))))
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
