//! Rows of cells (one per feature, schema order) → a columnar [`Batch`], one column per model
//! input.

use crate::cell::Cell;
use plinth_tensor::{Batch, Column, ElementType};

/// Builds a [`Batch`] row by row.
pub struct BatchBuilder<'m> {
    feature_of_input: &'m [usize],
    columns: Vec<Column>,
    rows: usize,
}

impl<'m> BatchBuilder<'m> {
    /// An empty batch of one column per element type, with room for `rows` rows; column `i`
    /// takes the cell of feature `feature_of_input[i]`.
    pub fn new(
        elements: impl Iterator<Item = ElementType>,
        feature_of_input: &'m [usize],
        rows: usize,
    ) -> BatchBuilder<'m> {
        let columns = elements
            .map(|element| match element {
                ElementType::F32 => Column::F32(Vec::with_capacity(rows)),
                ElementType::I64 => Column::I64(Vec::with_capacity(rows)),
                ElementType::Str => Column::Str(Vec::with_capacity(rows)),
            })
            .collect();
        BatchBuilder {
            feature_of_input,
            columns,
            rows: 0,
        }
    }

    /// Appends a row given as a function from feature index to its cell.
    pub fn push_with<'c>(&mut self, cell_of: impl Fn(usize) -> &'c Cell) {
        for (column, &f) in self.columns.iter_mut().zip(self.feature_of_input) {
            push_cell(column, cell_of(f));
        }
        self.rows += 1;
    }

    /// Appends a row.
    pub fn push(&mut self, row: &[Cell]) {
        self.push_with(|f| &row[f]);
    }

    /// Rows so far.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The batch.
    pub fn finish(self) -> Batch {
        Batch {
            columns: self.columns,
        }
    }
}

/// Cells are created in their input's type (schema and graph are checked at load); a
/// mismatch is converted rather than dropped so that columns always stay the same length.
fn push_cell(column: &mut Column, cell: &Cell) {
    match (column, cell) {
        (Column::F32(v), Cell::F32(x)) => v.push(*x),
        (Column::F32(v), Cell::I64(x)) => v.push(*x as f32),
        (Column::F32(v), Cell::Str(s)) => v.push(s.parse().unwrap_or(f32::NAN)),
        (Column::I64(v), Cell::I64(x)) => v.push(*x),
        (Column::I64(v), Cell::F32(x)) => v.push(*x as i64),
        (Column::I64(v), Cell::Str(s)) => v.push(s.parse().unwrap_or(0)),
        (Column::Str(v), Cell::Str(s)) => v.push(s.clone()),
        (Column::Str(v), Cell::F32(x)) => v.push(x.to_string()),
        (Column::Str(v), Cell::I64(x)) => v.push(x.to_string()),
    }
}
