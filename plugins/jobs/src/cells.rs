//! One CSV cell as a JSON value for a feature record (the batch APIs read uploaded CSV rows
//! into the records they score).

use serde_json::{Number, Value};

/// The cell's JSON value. Surrounding spaces are ignored: an empty cell is `null`; an integer
/// (fitting in 64 bits) is a JSON integer; another finite number (`2.5`, `1e-3`) a JSON float;
/// anything else, `inf` and `NaN` included, stays the string as written.
pub fn value(cell: &str) -> Value {
    let trimmed = cell.trim();
    if trimmed.is_empty() {
        return Value::Null;
    }
    if let Ok(n) = trimmed.parse::<i64>() {
        return Value::from(n);
    }
    if let Ok(n) = trimmed.parse::<u64>() {
        return Value::from(n);
    }
    let looks_numeric = trimmed
        .bytes()
        .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b));
    match trimmed
        .parse::<f64>()
        .ok()
        .filter(|_| looks_numeric)
        .and_then(Number::from_f64)
    {
        Some(n) => Value::Number(n),
        None => Value::String(cell.to_owned()),
    }
}

/// A JSON value as an output CSV cell: text as is, numbers and booleans as JSON writes them
/// (as `/predict` answers them), null empty.
pub fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_keep_their_kind() {
        assert_eq!(value("42"), json!(42));
        assert!(value("42").is_i64());
        assert_eq!(value("-7"), json!(-7));
        assert_eq!(
            value("18446744073709551615"),
            json!(18446744073709551615u64)
        );
        assert_eq!(value("2.5"), json!(2.5));
        assert!(value("3.0").is_f64());
        assert_eq!(value("1e-3"), json!(0.001));
        assert_eq!(value(" 12 "), json!(12));
    }

    #[test]
    fn values_as_cells() {
        assert_eq!(text(&Value::Null), "");
        assert_eq!(text(&json!("a,b")), "a,b");
        assert_eq!(text(&json!(0.1)), "0.1");
        assert_eq!(text(&json!(true)), "true");
    }

    #[test]
    fn empty_is_null_and_words_stay_strings() {
        assert_eq!(value(""), Value::Null);
        assert_eq!(value("  "), Value::Null);
        assert_eq!(value("inf"), json!("inf"));
        assert_eq!(value("NaN"), json!("NaN"));
        assert_eq!(value("infinity"), json!("infinity"));
        assert_eq!(value("red"), json!("red"));
        assert_eq!(value("1.2.3"), json!("1.2.3"));
    }
}
