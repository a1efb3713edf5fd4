//! Key values: what a caller sends, converted to the key column's type so that `42`, `"42"`
//! and `42.0` find the same row of an integer key column.

use crate::column::Cell;
use crate::types::{ColumnType, parse_boolean, parse_float, parse_integer};
use serde_json::Value;
use std::hash::{Hash, Hasher};

/// One component of a lookup key, already in the key column's type.
#[derive(Clone, Debug, PartialEq)]
pub enum KeyValue {
    /// For an integer column.
    Integer(i64),
    /// For a float column.
    Float(f64),
    /// For a boolean column.
    Boolean(bool),
    /// For a string column.
    String(String),
}

/// What became of a caller's value for one key column.
#[derive(Clone, Debug, PartialEq)]
pub enum KeyInput {
    /// The value, converted to the column's type.
    Value(KeyValue),
    /// Absent, null or empty: the key is missing.
    Missing,
    /// A value that no row of the column can hold (e.g. `"abc"` for an integer key): no match.
    Unmatchable,
}

impl KeyValue {
    /// Converts a caller's JSON value for a key column of type `column_type`.
    /// `None` or `null` or an empty string are [`KeyInput::Missing`].
    pub fn from_json(value: Option<&Value>, column_type: ColumnType) -> KeyInput {
        match value {
            None | Some(Value::Null) => KeyInput::Missing,
            Some(Value::String(s)) => KeyValue::from_text(s, column_type),
            Some(Value::Number(n)) => match column_type {
                ColumnType::Integer => match n.as_i64() {
                    Some(i) => KeyInput::Value(KeyValue::Integer(i)),
                    None => n
                        .as_f64()
                        .and_then(integral)
                        .map_or(KeyInput::Unmatchable, |i| {
                            KeyInput::Value(KeyValue::Integer(i))
                        }),
                },
                ColumnType::Float => n.as_f64().map_or(KeyInput::Unmatchable, |f| {
                    KeyInput::Value(KeyValue::Float(normalize(f)))
                }),
                ColumnType::Boolean => match n.as_i64() {
                    Some(0) => KeyInput::Value(KeyValue::Boolean(false)),
                    Some(1) => KeyInput::Value(KeyValue::Boolean(true)),
                    _ => KeyInput::Unmatchable,
                },
                ColumnType::String => KeyInput::Value(KeyValue::String(n.to_string())),
            },
            Some(Value::Bool(b)) => match column_type {
                ColumnType::Boolean => KeyInput::Value(KeyValue::Boolean(*b)),
                ColumnType::String => KeyInput::Value(KeyValue::String(b.to_string())),
                _ => KeyInput::Unmatchable,
            },
            Some(Value::Array(_) | Value::Object(_)) => KeyInput::Unmatchable,
        }
    }

    /// Converts a text value (a query-string parameter or a JSON string).
    pub fn from_text(text: &str, column_type: ColumnType) -> KeyInput {
        if text.is_empty() {
            return KeyInput::Missing;
        }
        let converted = match column_type {
            ColumnType::Integer => parse_integer(text)
                .or_else(|| parse_float(text).and_then(integral))
                .map(KeyValue::Integer),
            ColumnType::Float => parse_float(text).map(|f| KeyValue::Float(normalize(f))),
            ColumnType::Boolean => parse_boolean(text)
                .or(match text.trim() {
                    "0" => Some(false),
                    "1" => Some(true),
                    _ => None,
                })
                .map(KeyValue::Boolean),
            ColumnType::String => Some(KeyValue::String(text.to_owned())),
        };
        converted.map_or(KeyInput::Unmatchable, KeyInput::Value)
    }

    /// Whether a stored cell equals this key value.
    pub fn matches(&self, cell: Cell<'_>) -> bool {
        match (self, cell) {
            (KeyValue::Integer(a), Cell::Integer(b)) => *a == b,
            (KeyValue::Float(a), Cell::Float(b)) => *a == normalize(b),
            (KeyValue::Boolean(a), Cell::Boolean(b)) => *a == b,
            (KeyValue::String(a), Cell::String(b)) => a == b,
            _ => false,
        }
    }

    /// The value as text, as it is echoed in answers.
    pub fn to_text(&self) -> String {
        match self {
            KeyValue::Integer(v) => v.to_string(),
            KeyValue::Float(v) => v.to_string(),
            KeyValue::Boolean(v) => v.to_string(),
            KeyValue::String(v) => v.clone(),
        }
    }
}

/// Feeds a stored cell into a key hash; must agree with [`hash_key_value`].
pub(crate) fn hash_cell(cell: Cell<'_>, hasher: &mut impl Hasher) {
    match cell {
        Cell::Null => 0u8.hash(hasher),
        Cell::Integer(v) => (1u8, v).hash(hasher),
        Cell::Float(v) => (2u8, normalize(v).to_bits()).hash(hasher),
        Cell::Boolean(v) => (3u8, v).hash(hasher),
        Cell::String(s) => (4u8, s).hash(hasher),
    }
}

/// Feeds a caller's key value into a key hash; must agree with [`hash_cell`].
pub(crate) fn hash_key_value(value: &KeyValue, hasher: &mut impl Hasher) {
    match value {
        KeyValue::Integer(v) => hash_cell(Cell::Integer(*v), hasher),
        KeyValue::Float(v) => hash_cell(Cell::Float(*v), hasher),
        KeyValue::Boolean(v) => hash_cell(Cell::Boolean(*v), hasher),
        KeyValue::String(v) => hash_cell(Cell::String(v), hasher),
    }
}

fn integral(f: f64) -> Option<i64> {
    (f.fract() == 0.0 && f.abs() < 9.2e18).then_some(f as i64)
}

fn normalize(f: f64) -> f64 {
    if f == 0.0 { 0.0 } else { f }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn integer_keys_match_across_json_types() {
        let int = |v: Value| KeyValue::from_json(Some(&v), ColumnType::Integer);
        assert_eq!(int(json!(42)), KeyInput::Value(KeyValue::Integer(42)));
        assert_eq!(int(json!("42")), KeyInput::Value(KeyValue::Integer(42)));
        assert_eq!(int(json!(" 42 ")), KeyInput::Value(KeyValue::Integer(42)));
        assert_eq!(int(json!(42.0)), KeyInput::Value(KeyValue::Integer(42)));
        assert_eq!(int(json!("42.0")), KeyInput::Value(KeyValue::Integer(42)));
        assert_eq!(int(json!(42.5)), KeyInput::Unmatchable);
        assert_eq!(int(json!("abc")), KeyInput::Unmatchable);
        assert_eq!(int(json!(null)), KeyInput::Missing);
        assert_eq!(int(json!("")), KeyInput::Missing);
        assert_eq!(
            KeyValue::from_json(None, ColumnType::Integer),
            KeyInput::Missing
        );
    }

    #[test]
    fn string_keys_take_numbers_as_their_text() {
        let s = |v: Value| KeyValue::from_json(Some(&v), ColumnType::String);
        assert_eq!(s(json!(42)), KeyInput::Value(KeyValue::String("42".into())));
        assert_eq!(
            s(json!(true)),
            KeyInput::Value(KeyValue::String("true".into()))
        );
    }

    #[test]
    fn float_keys_treat_signed_zero_alike() {
        let k = KeyValue::from_json(Some(&json!(-0.0)), ColumnType::Float);
        let KeyInput::Value(v) = k else {
            panic!("expected a value")
        };
        assert!(v.matches(Cell::Float(0.0)));
    }
}
