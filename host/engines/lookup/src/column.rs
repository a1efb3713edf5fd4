//! Columnar storage: one typed vector per column plus a validity bitmap, and all the strings of
//! a column in one buffer. A few million rows cost a few bytes per cell, not a `String` each.

use crate::types::{ColumnType, parse_boolean, parse_float, parse_integer};
use serde_json::{Number, Value};

/// Which rows hold a value (bit set) and which are null.
#[derive(Clone, Debug, Default)]
pub struct Validity {
    bits: Vec<u64>,
    len: usize,
}

impl Validity {
    fn push(&mut self, valid: bool) {
        if self.len.is_multiple_of(64) {
            self.bits.push(0);
        }
        if valid {
            self.bits[self.len / 64] |= 1 << (self.len % 64);
        }
        self.len += 1;
    }

    /// Whether row `row` holds a value.
    pub fn is_valid(&self, row: usize) -> bool {
        row < self.len && self.bits[row / 64] & (1 << (row % 64)) != 0
    }

    fn heap_bytes(&self) -> usize {
        self.bits.capacity() * 8
    }
}

/// The strings of a column, concatenated, with the end offset of each row.
#[derive(Clone, Debug, Default)]
pub struct StringBuffer {
    bytes: String,
    ends: Vec<u64>,
}

impl StringBuffer {
    fn push(&mut self, text: &str) {
        self.bytes.push_str(text);
        self.ends.push(self.bytes.len() as u64);
    }

    /// The string of row `row` (empty for a null row).
    pub fn get(&self, row: usize) -> &str {
        let start = if row == 0 {
            0
        } else {
            self.ends[row - 1] as usize
        };
        &self.bytes[start..self.ends[row] as usize]
    }

    fn heap_bytes(&self) -> usize {
        self.bytes.capacity() + self.ends.capacity() * 8
    }
}

/// The values of one column.
#[derive(Clone, Debug)]
pub enum ColumnData {
    /// Integers (0 in null rows).
    Integer(Vec<i64>),
    /// Floats (0.0 in null rows).
    Float(Vec<f64>),
    /// Booleans (`false` in null rows).
    Boolean(Vec<bool>),
    /// Strings.
    String(StringBuffer),
}

/// One typed column of a dataset.
#[derive(Clone, Debug)]
pub struct Column {
    /// The column's name in the dataset's header.
    pub name: String,
    /// Values.
    pub data: ColumnData,
    /// Null rows.
    pub validity: Validity,
}

/// A borrowed cell value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Cell<'a> {
    /// No value.
    Null,
    /// An integer.
    Integer(i64),
    /// A float.
    Float(f64),
    /// A boolean.
    Boolean(bool),
    /// A string.
    String(&'a str),
}

impl Column {
    /// An empty column of the given type.
    pub fn new(name: String, column_type: ColumnType) -> Self {
        let data = match column_type {
            ColumnType::Integer => ColumnData::Integer(Vec::new()),
            ColumnType::Float => ColumnData::Float(Vec::new()),
            ColumnType::Boolean => ColumnData::Boolean(Vec::new()),
            ColumnType::String => ColumnData::String(StringBuffer::default()),
        };
        Column {
            name,
            data,
            validity: Validity::default(),
        }
    }

    /// An empty column with room for `rows` values (and `text_bytes` bytes of strings).
    pub fn with_capacity(
        name: String,
        column_type: ColumnType,
        rows: usize,
        text_bytes: usize,
    ) -> Self {
        let data = match column_type {
            ColumnType::Integer => ColumnData::Integer(Vec::with_capacity(rows)),
            ColumnType::Float => ColumnData::Float(Vec::with_capacity(rows)),
            ColumnType::Boolean => ColumnData::Boolean(Vec::with_capacity(rows)),
            ColumnType::String => ColumnData::String(StringBuffer {
                bytes: String::with_capacity(text_bytes),
                ends: Vec::with_capacity(rows),
            }),
        };
        let validity = Validity {
            bits: Vec::with_capacity(rows.div_ceil(64)),
            len: 0,
        };
        Column {
            name,
            data,
            validity,
        }
    }

    /// The column's type.
    pub fn column_type(&self) -> ColumnType {
        match self.data {
            ColumnData::Integer(_) => ColumnType::Integer,
            ColumnData::Float(_) => ColumnType::Float,
            ColumnData::Boolean(_) => ColumnType::Boolean,
            ColumnData::String(_) => ColumnType::String,
        }
    }

    /// Appends a null.
    pub fn push_null(&mut self) {
        self.validity.push(false);
        match &mut self.data {
            ColumnData::Integer(v) => v.push(0),
            ColumnData::Float(v) => v.push(0.0),
            ColumnData::Boolean(v) => v.push(false),
            ColumnData::String(s) => s.push(""),
        }
    }

    /// Appends a value parsed from CSV text; returns `false` (and appends nothing) when the
    /// text does not fit the column's type.
    pub fn push_text(&mut self, text: &str) -> bool {
        let pushed = match &mut self.data {
            ColumnData::Integer(v) => parse_integer(text).map(|x| v.push(x)).is_some(),
            ColumnData::Float(v) => parse_float(text).map(|x| v.push(x)).is_some(),
            ColumnData::Boolean(v) => parse_boolean(text).map(|x| v.push(x)).is_some(),
            ColumnData::String(s) => {
                s.push(text);
                true
            }
        };
        if pushed {
            self.validity.push(true);
        }
        pushed
    }

    /// Releases spare capacity once loading is done.
    pub fn shrink(&mut self) {
        match &mut self.data {
            ColumnData::Integer(v) => v.shrink_to_fit(),
            ColumnData::Float(v) => v.shrink_to_fit(),
            ColumnData::Boolean(v) => v.shrink_to_fit(),
            ColumnData::String(s) => {
                s.bytes.shrink_to_fit();
                s.ends.shrink_to_fit();
            }
        }
        self.validity.bits.shrink_to_fit();
    }

    /// The cell of row `row`.
    pub fn cell(&self, row: usize) -> Cell<'_> {
        if !self.validity.is_valid(row) {
            return Cell::Null;
        }
        match &self.data {
            ColumnData::Integer(v) => Cell::Integer(v[row]),
            ColumnData::Float(v) => Cell::Float(v[row]),
            ColumnData::Boolean(v) => Cell::Boolean(v[row]),
            ColumnData::String(s) => Cell::String(s.get(row)),
        }
    }

    /// Heap memory held by this column, in bytes.
    pub fn heap_bytes(&self) -> usize {
        self.validity.heap_bytes()
            + match &self.data {
                ColumnData::Integer(v) => v.capacity() * 8,
                ColumnData::Float(v) => v.capacity() * 8,
                ColumnData::Boolean(v) => v.capacity(),
                ColumnData::String(s) => s.heap_bytes(),
            }
    }
}

impl Cell<'_> {
    /// The value as JSON, keeping its type. A float with an integral value (within ±2⁵³) is
    /// written as an integer (`27`, not `27.0`), as the original product's answers show.
    pub fn to_json(self) -> Value {
        match self {
            Cell::Null => Value::Null,
            Cell::Integer(v) => Value::from(v),
            Cell::Float(v) => float_to_json(v),
            Cell::Boolean(v) => Value::Bool(v),
            Cell::String(s) => Value::String(s.to_owned()),
        }
    }

    /// The value as text, as a key is echoed in answers (`"42"`); `None` for null.
    pub fn to_text(self) -> Option<String> {
        match self {
            Cell::Null => None,
            Cell::Integer(v) => Some(v.to_string()),
            Cell::Float(v) => Some(v.to_string()),
            Cell::Boolean(v) => Some(v.to_string()),
            Cell::String(s) => Some(s.to_owned()),
        }
    }
}

const MAX_EXACT_INTEGER: f64 = 9_007_199_254_740_992.0;

/// A float as a JSON number: integral values as integers, non-finite values as null.
pub fn float_to_json(v: f64) -> Value {
    if v.fract() == 0.0 && v.abs() <= MAX_EXACT_INTEGER {
        Value::from(v as i64)
    } else {
        Number::from_f64(v)
            .map(Value::Number)
            .unwrap_or(Value::Null)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_store_typed_values_and_nulls() {
        let mut c = Column::new("Name".into(), ColumnType::String);
        assert!(c.push_text("Braund"));
        c.push_null();
        assert!(c.push_text(""));
        assert!(c.push_text("Cumings"));
        assert_eq!(c.cell(0), Cell::String("Braund"));
        assert_eq!(c.cell(1), Cell::Null);
        assert_eq!(c.cell(2), Cell::String(""));
        assert_eq!(c.cell(3), Cell::String("Cumings"));

        let mut f = Column::new("Age".into(), ColumnType::Float);
        assert!(f.push_text("27"));
        assert!(f.push_text("35.5"));
        assert!(!f.push_text("old"));
        assert_eq!(f.cell(0).to_json(), serde_json::json!(27));
        assert_eq!(f.cell(1).to_json(), serde_json::json!(35.5));
        assert_eq!(f.cell(0).to_text().as_deref(), Some("27"));
    }

    #[test]
    fn validity_spans_many_words() {
        let mut c = Column::new("x".into(), ColumnType::Integer);
        for i in 0..200 {
            if i % 3 == 0 {
                c.push_null()
            } else {
                assert!(c.push_text(&i.to_string()))
            }
        }
        for i in 0..200usize {
            let expected = if i % 3 == 0 {
                Cell::Null
            } else {
                Cell::Integer(i as i64)
            };
            assert_eq!(c.cell(i), expected);
        }
    }
}
