//! A loaded model: the schema, the ONNX scorer, and the mapping from features to the scorer's
//! inputs. Rows of cells (one per feature, schema order) become a columnar [`Batch`].

use crate::schema::{Schema, Task};
use plinth_engine_api::ApiError;
use plinth_onnx::{Batch, Matrix, Scorer};
use std::sync::Arc;

pub use plinth_features::Row;
pub use plinth_features::batch::BatchBuilder;

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
        BatchBuilder::new(
            self.scorer.inputs().iter().map(|input| input.element),
            &self.feature_of_input,
            rows,
        )
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
