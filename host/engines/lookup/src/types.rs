//! Column types and the parsing of CSV text into them.

use std::fmt;

/// The type of a dataset column, inferred from the CSV or declared in the manifest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ColumnType {
    /// 64-bit signed integers.
    Integer,
    /// 64-bit floating point numbers.
    Float,
    /// `true` / `false`.
    Boolean,
    /// UTF-8 text.
    String,
}

impl ColumnType {
    /// Every type, in inference order (narrowest first).
    pub const ALL: [ColumnType; 4] = [
        ColumnType::Integer,
        ColumnType::Float,
        ColumnType::Boolean,
        ColumnType::String,
    ];

    /// The name used in manifests and descriptions: `integer`, `float`, `boolean`, `string`.
    pub fn as_str(self) -> &'static str {
        match self {
            ColumnType::Integer => "integer",
            ColumnType::Float => "float",
            ColumnType::Boolean => "boolean",
            ColumnType::String => "string",
        }
    }

    /// Parses a manifest type name (case-insensitive; `int`, `double`, `bool`, `text` accepted).
    pub fn parse(name: &str) -> Option<ColumnType> {
        match name.to_ascii_lowercase().as_str() {
            "integer" | "int" | "bigint" | "long" => Some(ColumnType::Integer),
            "float" | "double" | "number" => Some(ColumnType::Float),
            "boolean" | "bool" => Some(ColumnType::Boolean),
            "string" | "text" => Some(ColumnType::String),
            _ => None,
        }
    }

    /// Whether `text` (not a null marker) is a valid value of this type.
    pub fn accepts(self, text: &str) -> bool {
        match self {
            ColumnType::Integer => parse_integer(text).is_some(),
            ColumnType::Float => parse_float(text).is_some(),
            ColumnType::Boolean => parse_boolean(text).is_some(),
            ColumnType::String => true,
        }
    }
}

impl fmt::Display for ColumnType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Parses an integer written in decimal, surrounding spaces allowed.
pub fn parse_integer(text: &str) -> Option<i64> {
    text.trim().parse::<i64>().ok()
}

/// Parses a decimal or scientific number, surrounding spaces allowed. Words such as `inf` or
/// `NaN` are not numbers here, so a text column of such words is not taken for a float column.
pub fn parse_float(text: &str) -> Option<f64> {
    let t = text.trim();
    if !t.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Parses `true`/`false` in any case.
pub fn parse_boolean(text: &str) -> Option<bool> {
    let t = text.trim();
    if t.eq_ignore_ascii_case("true") {
        Some(true)
    } else if t.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// Tracks which types every value seen so far fits, to infer a column's type in one pass.
#[derive(Clone, Copy, Debug)]
pub struct TypeInference {
    integer: bool,
    float: bool,
    boolean: bool,
    seen_value: bool,
}

impl Default for TypeInference {
    fn default() -> Self {
        TypeInference {
            integer: true,
            float: true,
            boolean: true,
            seen_value: false,
        }
    }
}

impl TypeInference {
    /// Accounts for one non-null value.
    pub fn observe(&mut self, text: &str) {
        self.seen_value = true;
        if self.integer && parse_integer(text).is_none() {
            self.integer = false;
        }
        if self.float && parse_float(text).is_none() {
            self.float = false;
        }
        if self.boolean && parse_boolean(text).is_none() {
            self.boolean = false;
        }
    }

    /// The narrowest type that fits every value seen (`string` for a column with no values).
    pub fn result(&self) -> ColumnType {
        if !self.seen_value {
            ColumnType::String
        } else if self.integer {
            ColumnType::Integer
        } else if self.float {
            ColumnType::Float
        } else if self.boolean {
            ColumnType::Boolean
        } else {
            ColumnType::String
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn infer(values: &[&str]) -> ColumnType {
        let mut inference = TypeInference::default();
        values.iter().for_each(|v| inference.observe(v));
        inference.result()
    }

    #[test]
    fn inference_picks_the_narrowest_type() {
        assert_eq!(infer(&["1", "2", "-3"]), ColumnType::Integer);
        assert_eq!(infer(&["1", "2.5"]), ColumnType::Float);
        assert_eq!(infer(&["1e3", "7"]), ColumnType::Float);
        assert_eq!(infer(&["TRUE", "false"]), ColumnType::Boolean);
        assert_eq!(infer(&["1", "x"]), ColumnType::String);
        assert_eq!(infer(&["inf", "nan"]), ColumnType::String);
        assert_eq!(infer(&[]), ColumnType::String);
    }

    #[test]
    fn type_names_parse() {
        for t in ColumnType::ALL {
            assert_eq!(ColumnType::parse(t.as_str()), Some(t));
        }
        assert_eq!(ColumnType::parse("DOUBLE"), Some(ColumnType::Float));
        assert_eq!(ColumnType::parse("date"), None);
    }
}
