//! The values that cross between the prediction engine and a model backend: a [`Batch`] of
//! typed columns, one per model input, in; float [`Matrix`] outputs out. No dependencies, so
//! that the conversion of callers' JSON into batches builds without any backend.

/// Element type of an ONNX input or output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ElementType {
    /// `float` (f32).
    F32,
    /// `int64`.
    I64,
    /// `string`.
    Str,
}

/// One column of a batch: the values of one ONNX input for every row (inputs are `[N, 1]`).
#[derive(Clone, Debug, PartialEq)]
pub enum Column {
    /// float input.
    F32(Vec<f32>),
    /// int64 input.
    I64(Vec<i64>),
    /// string input.
    Str(Vec<String>),
}

impl Column {
    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            Column::F32(v) => v.len(),
            Column::I64(v) => v.len(),
            Column::Str(v) => v.len(),
        }
    }

    /// Whether it has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Rows to score: one [`Column`] per model input, in the model's input order, all of the
/// same length.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Batch {
    /// The columns.
    pub columns: Vec<Column>,
}

impl Batch {
    /// Number of rows (0 for no columns).
    pub fn rows(&self) -> usize {
        self.columns.first().map_or(0, Column::len)
    }

    /// Rows `start..end` as a batch of their own (panics if the range is out of bounds).
    pub fn slice(&self, start: usize, end: usize) -> Batch {
        Batch {
            columns: self
                .columns
                .iter()
                .map(|c| match c {
                    Column::F32(v) => Column::F32(v[start..end].to_vec()),
                    Column::I64(v) => Column::I64(v[start..end].to_vec()),
                    Column::Str(v) => Column::Str(v[start..end].to_vec()),
                })
                .collect(),
        }
    }
}

/// A float output as a row-major `[rows, width]` matrix.
#[derive(Clone, Debug, PartialEq)]
pub struct Matrix {
    /// Row-major values.
    pub data: Vec<f32>,
    /// Values per row (classes for `probabilities`, 1 for `variable`).
    pub width: usize,
}

impl Matrix {
    /// Row `i`.
    pub fn row(&self, i: usize) -> &[f32] {
        &self.data[i * self.width..(i + 1) * self.width]
    }
}

/// An input as the graph declares it.
#[derive(Clone, Debug, PartialEq)]
pub struct InputSpec {
    /// ONNX input name.
    pub name: String,
    /// Element type.
    pub element: ElementType,
}
