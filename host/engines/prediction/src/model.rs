//! A loaded model: the schema, the ONNX scorer, and the mapping from features to the scorer's
//! inputs. Rows of cells (one per feature, schema order) become a columnar [`Batch`].

use crate::cell::Cell;
use crate::schema::{Schema, Task};
use plinth_engine_api::ApiError;
use plinth_onnx::{Batch, Column, Matrix, Scorer};
use std::sync::Arc;

/// One record ready for the model: one cell per feature, in schema order.
pub type Row = Vec<Cell>;

/// A model ready to score batches.
pub struct Model {
    /// The serving metadata.
    pub schema: Schema,
    scorer: Arc<dyn Scorer>,
    /// For each scorer input, in order, the feature that feeds it.
    feature_of_input: Vec<usize>,
}

impl Model {
    /// Joins a schema and a scorer, checking that every scorer input is fed by one feature of
    /// the same element type and every feature feeds an input.
    pub fn new(schema: Schema, scorer: Arc<dyn Scorer>) -> Result<Model, String> {
        let mut feature_of_input = Vec::new();
        for input in scorer.inputs() {
            let Some(f) = schema
                .features
                .iter()
                .position(|f| f.onnx_input == input.name)
            else {
                return Err(format!(
                    "the ONNX graph's input \"{}\" is fed by no feature of model.json",
                    input.name
                ));
            };
            let feature = &schema.features[f];
            if feature.onnx_type.element() != input.element {
                return Err(format!(
                    "feature \"{}\" declares onnx_type \"{}\" but the graph's input \"{}\" is {:?}",
                    feature.name,
                    feature.onnx_type.as_str(),
                    input.name,
                    input.element
                ));
            }
            feature_of_input.push(f);
        }
        for (i, f) in schema.features.iter().enumerate() {
            if !feature_of_input.contains(&i) {
                return Err(format!(
                    "feature \"{}\" names onnx_input \"{}\", which the graph does not have",
                    f.name, f.onnx_input
                ));
            }
        }
        Ok(Model {
            schema,
            scorer,
            feature_of_input,
        })
    }

    /// Values per output row: the number of classes, or 1 for regression.
    pub fn width(&self) -> usize {
        match self.schema.task {
            Task::Regression => 1,
            Task::Binary | Task::Multiclass => self.schema.classes.len(),
        }
    }

    /// The backend running the model.
    pub fn backend(&self) -> plinth_onnx::Backend {
        self.scorer.backend()
    }

    /// An empty batch with room for `rows` rows.
    pub fn builder(&self, rows: usize) -> BatchBuilder<'_> {
        let columns = self
            .scorer
            .inputs()
            .iter()
            .map(|input| match input.element {
                plinth_onnx::ElementType::F32 => Column::F32(Vec::with_capacity(rows)),
                plinth_onnx::ElementType::I64 => Column::I64(Vec::with_capacity(rows)),
                plinth_onnx::ElementType::Str => Column::Str(Vec::with_capacity(rows)),
            })
            .collect();
        BatchBuilder {
            feature_of_input: &self.feature_of_input,
            columns,
            rows: 0,
        }
    }

    /// Scores a batch: `[rows, width]` probabilities (class order) or regression values.
    pub fn run(&self, batch: &Batch) -> Result<Matrix, ApiError> {
        let width = self.width();
        if batch.rows() == 0 {
            return Ok(Matrix {
                data: Vec::new(),
                width,
            });
        }
        let mut outputs = self
            .scorer
            .run(batch, &[self.schema.output.as_str()])
            .map_err(|e| ApiError::internal("ModelError", e.to_string()))?;
        let matrix = outputs.pop().ok_or_else(|| {
            ApiError::internal("ModelError", "the model returned no output".to_owned())
        })?;
        if matrix.width != width || matrix.data.len() != batch.rows() * width {
            return Err(ApiError::internal(
                "ModelError",
                format!(
                    "the model's output \"{}\" has {} values of width {}; expected {} rows of width {width}",
                    self.schema.output,
                    matrix.data.len(),
                    matrix.width,
                    batch.rows()
                ),
            ));
        }
        Ok(matrix)
    }
}

/// Builds a [`Batch`] row by row.
pub struct BatchBuilder<'m> {
    feature_of_input: &'m [usize],
    columns: Vec<Column>,
    rows: usize,
}

impl BatchBuilder<'_> {
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
