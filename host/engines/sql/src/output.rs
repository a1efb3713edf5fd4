//! The answer of a query in the user API's shape, and the formatting of values as strings.

use serde_json::{Value, json};

/// The result of one call.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct QueryOutput {
    /// `(name, type)` of each column of the answered statement.
    pub columns: Vec<(String, String)>,
    /// Rows of values: strings, or `null` for SQL NULL.
    pub rows: Vec<Vec<Value>>,
    /// Rows changed by the call's DML statements.
    pub updated_rows: u64,
    /// Whether rows past `max_rows` were left out.
    pub truncated: bool,
}

impl QueryOutput {
    /// `{"columns": [{"name", "type"}], "rows": [[...]], "updatedRows": n}` (plus
    /// `"truncated": true` when rows were left out).
    pub fn to_json(&self) -> Value {
        let columns: Vec<Value> = self
            .columns
            .iter()
            .map(|(n, t)| json!({"name": n, "type": t}))
            .collect();
        let mut result =
            json!({"columns": columns, "rows": self.rows, "updatedRows": self.updated_rows});
        if self.truncated {
            result["truncated"] = Value::Bool(true);
        }
        result
    }
}

/// A float as the original product prints it (Java's `Double.toString` for ordinary values):
/// `63.0`, `0.42`, `7.25`.
pub fn float_text(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        }
    } else {
        format!("{v:?}")
    }
}

/// Bytes as PostgreSQL prints `bytea`: `\x0a1b...`.
pub fn hex_text(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(2 + bytes.len() * 2);
    s.push_str("\\x");
    for b in bytes {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_like_the_reference() {
        assert_eq!(float_text(63.0), "63.0");
        assert_eq!(float_text(0.42), "0.42");
        assert_eq!(float_text(71.2833), "71.2833");
    }
}
