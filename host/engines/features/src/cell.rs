//! One feature value, already in the element type of its ONNX input, and the conversion of a
//! caller's JSON value (or query-string text) into it by the feature's declared type.

use crate::schema::FeatureType;
use serde_json::Value;

/// Element type of the ONNX input a feature feeds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnnxType {
    /// `float`.
    F32,
    /// `int64`.
    I64,
    /// `string`.
    Str,
}

impl OnnxType {
    /// Parses the `onnx_type` of `model.json`.
    pub fn parse(text: &str) -> Option<OnnxType> {
        match text {
            "float" | "float32" => Some(OnnxType::F32),
            "int64" => Some(OnnxType::I64),
            "string" => Some(OnnxType::Str),
            _ => None,
        }
    }

    /// The spelling in `model.json`.
    pub fn as_str(self) -> &'static str {
        match self {
            OnnxType::F32 => "float",
            OnnxType::I64 => "int64",
            OnnxType::Str => "string",
        }
    }

    /// The input type a feature type feeds when `onnx_type` is not given.
    pub fn default_for(kind: FeatureType) -> OnnxType {
        match kind {
            FeatureType::Number | FeatureType::Boolean => OnnxType::F32,
            FeatureType::Integer => OnnxType::I64,
            FeatureType::String => OnnxType::Str,
        }
    }

    /// Whether a feature of type `kind` can feed an input of this type.
    pub fn accepts(self, kind: FeatureType) -> bool {
        match self {
            OnnxType::F32 => kind != FeatureType::String,
            OnnxType::I64 => matches!(kind, FeatureType::Integer | FeatureType::Boolean),
            OnnxType::Str => kind == FeatureType::String,
        }
    }

    /// The matching element type of a batch column.
    pub fn element(self) -> plinth_tensor::ElementType {
        match self {
            OnnxType::F32 => plinth_tensor::ElementType::F32,
            OnnxType::I64 => plinth_tensor::ElementType::I64,
            OnnxType::Str => plinth_tensor::ElementType::Str,
        }
    }
}

/// A feature value ready for the model.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    /// For a float input.
    F32(f32),
    /// For an int64 input.
    I64(i64),
    /// For a string input.
    Str(String),
}

impl Cell {
    /// Converts a caller's value for a feature of type `kind` feeding an `onnx` input.
    ///
    /// `Ok(None)` means the value is missing: `null`, an empty string, or the text `NaN`.
    /// Numeric features accept numbers and numeric text; integers accept whole numbers
    /// (`3`, `3.0`, `"3"`); booleans accept `true`/`false`, `"true"`/`"false"` and `0`/`1`;
    /// string features accept text, and numbers or booleans as their text. Infinite numbers and
    /// numbers beyond the float range are refused.
    pub fn from_json(
        value: &Value,
        kind: FeatureType,
        onnx: OnnxType,
    ) -> Result<Option<Cell>, String> {
        match value {
            Value::Null => Ok(None),
            Value::String(s) if s.trim().is_empty() => Ok(None),
            Value::String(s) => Cell::from_text(s, kind, onnx),
            Value::Number(n) => match kind {
                FeatureType::Number => number(n.as_f64(), value, onnx).map(Some),
                FeatureType::Integer => match n.as_i64() {
                    Some(i) => Ok(Some(integer(i, onnx))),
                    None => match n.as_f64().and_then(whole) {
                        Some(i) => Ok(Some(integer(i, onnx))),
                        None => Err(format!("expected an integer, found {}", found(value))),
                    },
                },
                FeatureType::Boolean => match n.as_f64() {
                    Some(0.0) => Ok(Some(boolean(false, onnx))),
                    Some(1.0) => Ok(Some(boolean(true, onnx))),
                    _ => Err(format!(
                        "expected a boolean (true, false, 0 or 1), found {}",
                        found(value)
                    )),
                },
                FeatureType::String => Ok(Some(Cell::Str(n.to_string()))),
            },
            Value::Bool(b) => match kind {
                FeatureType::Boolean => Ok(Some(boolean(*b, onnx))),
                FeatureType::String => Ok(Some(Cell::Str(b.to_string()))),
                FeatureType::Number | FeatureType::Integer => Err(format!(
                    "expected {}, found {}",
                    expected(kind),
                    found(value)
                )),
            },
            Value::Array(_) | Value::Object(_) => Err(format!(
                "expected {}, found {}",
                expected(kind),
                found(value)
            )),
        }
    }

    /// Converts text (a query-string parameter or a JSON string) by the feature's type.
    pub fn from_text(
        text: &str,
        kind: FeatureType,
        onnx: OnnxType,
    ) -> Result<Option<Cell>, String> {
        let t = text.trim();
        if t.is_empty() {
            return Ok(None);
        }
        let shown = || found(&Value::String(text.to_owned()));
        match kind {
            FeatureType::String => Ok(Some(Cell::Str(text.to_owned()))),
            FeatureType::Number => {
                if t.eq_ignore_ascii_case("nan") {
                    return Ok(None);
                }
                match t.parse::<f64>() {
                    Ok(f) => number(Some(f), &Value::String(text.to_owned()), onnx).map(Some),
                    Err(_) => Err(format!("expected a number, found {}", shown())),
                }
            }
            FeatureType::Integer => {
                if t.eq_ignore_ascii_case("nan") {
                    return Ok(None);
                }
                let parsed = t
                    .parse::<i64>()
                    .ok()
                    .or_else(|| t.parse::<f64>().ok().and_then(whole));
                match parsed {
                    Some(i) => Ok(Some(integer(i, onnx))),
                    None => Err(format!("expected an integer, found {}", shown())),
                }
            }
            FeatureType::Boolean => match t.to_ascii_lowercase().as_str() {
                "true" | "1" => Ok(Some(boolean(true, onnx))),
                "false" | "0" => Ok(Some(boolean(false, onnx))),
                _ => Err(format!(
                    "expected a boolean (true, false, 0 or 1), found {}",
                    shown()
                )),
            },
        }
    }

    /// The value as JSON (for descriptions).
    pub fn to_json(&self) -> Value {
        match self {
            Cell::F32(f) => crate::float::f32_json(*f),
            Cell::I64(i) => Value::from(*i),
            Cell::Str(s) => Value::String(s.clone()),
        }
    }
}

fn number(value: Option<f64>, shown: &Value, onnx: OnnxType) -> Result<Cell, String> {
    match value {
        Some(f) if f.is_finite() && f.abs() <= f64::from(f32::MAX) => match onnx {
            OnnxType::F32 => Ok(Cell::F32(f as f32)),
            // A number feature never feeds an int64 input (refused when the schema loads).
            OnnxType::I64 | OnnxType::Str => Err("this feature's ONNX input is not a float".into()),
        },
        Some(f) if f.is_nan() => Err(format!("expected a number, found {}", found(shown))),
        _ => Err(format!(
            "expected a finite number within the float range (±3.4e38), found {}",
            found(shown)
        )),
    }
}

fn integer(value: i64, onnx: OnnxType) -> Cell {
    match onnx {
        OnnxType::I64 => Cell::I64(value),
        _ => Cell::F32(value as f32),
    }
}

fn boolean(value: bool, onnx: OnnxType) -> Cell {
    match onnx {
        OnnxType::I64 => Cell::I64(i64::from(value)),
        _ => Cell::F32(if value { 1.0 } else { 0.0 }),
    }
}

fn whole(f: f64) -> Option<i64> {
    (f.is_finite() && f.fract() == 0.0 && f.abs() < 9.2e18).then_some(f as i64)
}

fn expected(kind: FeatureType) -> &'static str {
    match kind {
        FeatureType::Number => "a number",
        FeatureType::Integer => "an integer",
        FeatureType::String => "a string",
        FeatureType::Boolean => "a boolean",
    }
}

/// A caller's value, shortened for an error message.
fn found(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 60 {
        let cut: String = text.chars().take(57).collect();
        format!("{cut}...")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn conv(v: Value, kind: FeatureType) -> Result<Option<Cell>, String> {
        Cell::from_json(&v, kind, OnnxType::default_for(kind))
    }

    #[test]
    fn numbers_accept_numbers_and_numeric_text() {
        assert_eq!(
            conv(json!(2.5), FeatureType::Number),
            Ok(Some(Cell::F32(2.5)))
        );
        assert_eq!(
            conv(json!("2.5"), FeatureType::Number),
            Ok(Some(Cell::F32(2.5)))
        );
        assert_eq!(conv(json!(null), FeatureType::Number), Ok(None));
        assert_eq!(conv(json!("NaN"), FeatureType::Number), Ok(None));
        assert!(
            conv(json!("abc"), FeatureType::Number)
                .unwrap_err()
                .contains("expected a number")
        );
        assert!(
            conv(json!("inf"), FeatureType::Number)
                .unwrap_err()
                .contains("finite")
        );
        assert!(
            conv(json!(1e300), FeatureType::Number)
                .unwrap_err()
                .contains("float range")
        );
        assert!(conv(json!(true), FeatureType::Number).is_err());
        assert!(conv(json!([1]), FeatureType::Number).is_err());
    }

    #[test]
    fn integers_accept_whole_numbers_only() {
        assert_eq!(conv(json!(3), FeatureType::Integer), Ok(Some(Cell::I64(3))));
        assert_eq!(
            conv(json!(3.0), FeatureType::Integer),
            Ok(Some(Cell::I64(3)))
        );
        assert_eq!(
            conv(json!("3"), FeatureType::Integer),
            Ok(Some(Cell::I64(3)))
        );
        assert!(
            conv(json!(2.5), FeatureType::Integer)
                .unwrap_err()
                .contains("an integer")
        );
        assert_eq!(
            Cell::from_json(&json!(7), FeatureType::Integer, OnnxType::F32),
            Ok(Some(Cell::F32(7.0)))
        );
    }

    #[test]
    fn booleans_and_strings() {
        assert_eq!(
            conv(json!(true), FeatureType::Boolean),
            Ok(Some(Cell::F32(1.0)))
        );
        assert_eq!(
            conv(json!("false"), FeatureType::Boolean),
            Ok(Some(Cell::F32(0.0)))
        );
        assert_eq!(
            conv(json!(1), FeatureType::Boolean),
            Ok(Some(Cell::F32(1.0)))
        );
        assert!(conv(json!("yes"), FeatureType::Boolean).is_err());
        assert_eq!(
            conv(json!("CB"), FeatureType::String),
            Ok(Some(Cell::Str("CB".into())))
        );
        assert_eq!(
            conv(json!(75001), FeatureType::String),
            Ok(Some(Cell::Str("75001".into())))
        );
        assert_eq!(conv(json!(""), FeatureType::String), Ok(None));
        assert!(
            conv(json!({"a": 1}), FeatureType::String)
                .unwrap_err()
                .contains("a string")
        );
    }
}
