//! Query parameters: read from the query string (GET) or the JSON body (POST) by the names the
//! manifest lists, and converted to the types the database expects. Always bound, never spliced.
//! The SQL engine (`plinth-engine-sql`) binds them through its drivers.

use plinth_engine_api::{ApiError, Input};
use serde_json::Value;

#[doc(hidden)]
pub mod fuzz;

/// A parameter value as sent by the caller.
#[derive(Clone, Debug, PartialEq)]
pub enum ParamValue {
    /// JSON `null`.
    Null,
    /// A JSON integer.
    Integer(i64),
    /// A JSON number that is not an integer.
    Float(f64),
    /// A JSON boolean.
    Boolean(bool),
    /// A JSON string or a query-string value.
    Text(String),
}

/// The type a parameter is converted to before binding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamType {
    /// 64-bit integer.
    Integer,
    /// 64-bit float.
    Float,
    /// Boolean.
    Boolean,
    /// Text.
    Text,
}

impl ParamType {
    /// Parses a manifest type name.
    pub fn parse(name: &str) -> Option<ParamType> {
        match name.to_ascii_lowercase().as_str() {
            "integer" | "int" | "bigint" => Some(ParamType::Integer),
            "float" | "double" | "number" | "real" => Some(ParamType::Float),
            "boolean" | "bool" => Some(ParamType::Boolean),
            "string" | "text" => Some(ParamType::Text),
            _ => None,
        }
    }
}

/// Reads the parameters `names` (in order) from the caller's input. Every listed parameter is
/// required (JSON `null` binds SQL NULL); an unlisted one is an error, so typos are caught.
pub fn collect(names: &[String], input: &Input) -> Result<Vec<ParamValue>, ApiError> {
    let given: Vec<&str> = match input {
        Input::Query(pairs) => pairs.iter().map(|(n, _)| n.as_str()).collect(),
        Input::Json(map) => map.keys().map(String::as_str).collect(),
    };
    if let Some(unknown) = given.iter().find(|g| !names.iter().any(|n| n == *g)) {
        return Err(ApiError::new(
            400,
            "UnknownParameter",
            format!(
                "'{unknown}' is not a parameter of this query; its parameters are: {}",
                list(names)
            ),
        ));
    }
    let missing: Vec<&str> = names
        .iter()
        .map(String::as_str)
        .filter(|n| !given.contains(n))
        .collect();
    if !missing.is_empty() {
        return Err(ApiError::new(
            400,
            "MissingParameter",
            format!(
                "missing parameter{} {}; this query takes {} parameter{}: {}",
                if missing.len() > 1 { "s" } else { "" },
                missing
                    .iter()
                    .map(|m| format!("'{m}'"))
                    .collect::<Vec<_>>()
                    .join(", "),
                names.len(),
                if names.len() == 1 { "" } else { "s" },
                list(names)
            ),
        ));
    }
    match input {
        Input::Query(pairs) => {
            for (i, (name, _)) in pairs.iter().enumerate() {
                if pairs[..i].iter().any(|(n, _)| n == name) {
                    return Err(ApiError::invalid_input(
                        name,
                        "given twice; give each parameter once",
                    ));
                }
            }
            Ok(names
                .iter()
                .map(|n| {
                    let value = pairs
                        .iter()
                        .find(|(p, _)| p == n)
                        .map(|(_, v)| v.clone())
                        .unwrap_or_default();
                    ParamValue::Text(value)
                })
                .collect())
        }
        Input::Json(map) => names
            .iter()
            .map(|n| match &map[n] {
                Value::Null => Ok(ParamValue::Null),
                Value::Bool(b) => Ok(ParamValue::Boolean(*b)),
                Value::Number(num) => Ok(num
                    .as_i64()
                    .map(ParamValue::Integer)
                    .unwrap_or_else(|| ParamValue::Float(num.as_f64().unwrap_or(f64::NAN)))),
                Value::String(s) => Ok(ParamValue::Text(s.clone())),
                Value::Array(_) | Value::Object(_) => Err(ApiError::invalid_input(
                    n,
                    "expected a string, a number, a boolean or null",
                )),
            })
            .collect(),
    }
}

impl ParamValue {
    /// Converts the value to `target`; a value that cannot be converted is a 400 naming the
    /// parameter. `Null` stays `Null`.
    pub fn convert(&self, target: ParamType, name: &str) -> Result<ParamValue, ApiError> {
        let bad = |expected: &str| {
            ApiError::invalid_input(
                name,
                format!("expected {expected}, found {}", self.describe()),
            )
        };
        Ok(match (self, target) {
            (ParamValue::Null, _) => ParamValue::Null,
            (ParamValue::Integer(i), ParamType::Integer) => ParamValue::Integer(*i),
            (ParamValue::Integer(i), ParamType::Float) => ParamValue::Float(*i as f64),
            (ParamValue::Float(f), ParamType::Float) => ParamValue::Float(*f),
            (ParamValue::Float(f), ParamType::Integer) if f.fract() == 0.0 && f.abs() < 9.2e18 => {
                ParamValue::Integer(*f as i64)
            }
            (ParamValue::Float(_), ParamType::Integer) => return Err(bad("an integer")),
            (ParamValue::Boolean(b), ParamType::Boolean) => ParamValue::Boolean(*b),
            (ParamValue::Integer(i @ (0 | 1)), ParamType::Boolean) => ParamValue::Boolean(*i == 1),
            (ParamValue::Boolean(b), ParamType::Integer) => ParamValue::Integer(i64::from(*b)),
            (ParamValue::Boolean(_), ParamType::Float)
            | (ParamValue::Integer(_), ParamType::Boolean) => {
                return Err(bad(if target == ParamType::Float {
                    "a number"
                } else {
                    "a boolean"
                }));
            }
            (ParamValue::Float(_), ParamType::Boolean) => return Err(bad("a boolean")),
            (ParamValue::Text(t), ParamType::Integer) => {
                let t = t.trim();
                match t.parse::<i64>() {
                    Ok(i) => ParamValue::Integer(i),
                    Err(_) => match t.parse::<f64>() {
                        Ok(f) if f.fract() == 0.0 && f.abs() < 9.2e18 => {
                            ParamValue::Integer(f as i64)
                        }
                        _ => return Err(bad("an integer")),
                    },
                }
            }
            (ParamValue::Text(t), ParamType::Float) => match t.trim().parse::<f64>() {
                Ok(f) if f.is_finite() => ParamValue::Float(f),
                _ => return Err(bad("a number")),
            },
            (ParamValue::Text(t), ParamType::Boolean) => {
                match t.trim().to_ascii_lowercase().as_str() {
                    "true" | "1" | "t" | "yes" => ParamValue::Boolean(true),
                    "false" | "0" | "f" | "no" => ParamValue::Boolean(false),
                    _ => return Err(bad("a boolean (true or false)")),
                }
            }
            (ParamValue::Text(t), ParamType::Text) => ParamValue::Text(t.clone()),
            (other, ParamType::Text) => ParamValue::Text(other.to_text()),
        })
    }

    /// The value as text (numbers as written in JSON).
    pub fn to_text(&self) -> String {
        match self {
            ParamValue::Null => String::new(),
            ParamValue::Integer(i) => i.to_string(),
            ParamValue::Float(f) => f.to_string(),
            ParamValue::Boolean(b) => b.to_string(),
            ParamValue::Text(t) => t.clone(),
        }
    }

    fn describe(&self) -> String {
        match self {
            ParamValue::Text(t) => format!("\"{}\"", t.chars().take(60).collect::<String>()),
            other => other.to_text(),
        }
    }
}

fn list(names: &[String]) -> String {
    if names.is_empty() {
        "(none)".into()
    } else {
        names.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_converts_to_numbers_or_names_the_parameter() {
        let sixty = ParamValue::Text("60".into());
        assert_eq!(
            sixty.convert(ParamType::Float, "p").unwrap(),
            ParamValue::Float(60.0)
        );
        assert_eq!(
            sixty.convert(ParamType::Integer, "p").unwrap(),
            ParamValue::Integer(60)
        );
        let e = ParamValue::Text("sixty".into())
            .convert(ParamType::Float, "param1")
            .unwrap_err();
        assert!(e.message.contains("'param1'") && e.message.contains("\"sixty\""));
        assert_eq!(
            ParamValue::Float(2.5)
                .convert(ParamType::Text, "p")
                .unwrap(),
            ParamValue::Text("2.5".into())
        );
    }

    #[test]
    fn missing_and_unknown_parameters_are_named() {
        let names = vec!["param1".to_string(), "param2".to_string()];
        let e = collect(&names, &Input::Query(vec![("param1".into(), "60".into())])).unwrap_err();
        assert!(e.message.contains("'param2'"), "{}", e.message);
        let e = collect(&names, &Input::Query(vec![("param3".into(), "1".into())])).unwrap_err();
        assert!(e.message.contains("'param3'"), "{}", e.message);
    }
}
