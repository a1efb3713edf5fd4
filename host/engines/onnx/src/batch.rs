//! Checks a [`Batch`] against a model's inputs before any backend sees it.

use crate::{Batch, Column, ElementType, InputSpec, Matrix, OnnxError};

/// Checks column count, types and lengths; returns the number of rows.
pub fn validate(batch: &Batch, inputs: &[InputSpec]) -> Result<usize, OnnxError> {
    if batch.columns.len() != inputs.len() {
        return Err(OnnxError::Run(format!(
            "the batch has {} columns, the model has {} inputs ({})",
            batch.columns.len(),
            inputs.len(),
            inputs
                .iter()
                .map(|i| i.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let rows = batch.rows();
    for (column, spec) in batch.columns.iter().zip(inputs) {
        let element = match column {
            Column::F32(_) => ElementType::F32,
            Column::I64(_) => ElementType::I64,
            Column::Str(_) => ElementType::Str,
        };
        if element != spec.element {
            return Err(OnnxError::Run(format!(
                "input `{}` expects {:?} values, the batch has {:?}",
                spec.name, spec.element, element
            )));
        }
        if column.len() != rows {
            return Err(OnnxError::Run(format!(
                "input `{}` has {} rows, the first column has {}",
                spec.name,
                column.len(),
                rows
            )));
        }
    }
    Ok(rows)
}

/// Checks that every requested output name is known; returns their indices in `known`.
pub fn output_indices(requested: &[&str], known: &[String]) -> Result<Vec<usize>, OnnxError> {
    requested
        .iter()
        .map(|name| {
            known.iter().position(|k| k == name).ok_or_else(|| {
                OnnxError::Run(format!(
                    "the model has no numeric output `{name}` (it has: {})",
                    known.join(", ")
                ))
            })
        })
        .collect()
}

/// The numeric outputs a scorer serves.
pub struct Outputs {
    /// Names of the model's outputs, in order.
    pub names: Vec<String>,
    /// Declared widths of those outputs (for empty batches).
    pub widths: Vec<Option<usize>>,
    /// `(alias, output)` pairs, e.g. a dropped ZipMap's output name.
    pub aliases: Vec<(String, String)>,
}

impl Outputs {
    /// Indices in [`Outputs::names`] of the requested outputs (aliases resolved).
    pub fn resolve(&self, requested: &[&str]) -> Result<Vec<usize>, OnnxError> {
        let resolved: Vec<&str> = requested
            .iter()
            .map(|name| {
                self.aliases
                    .iter()
                    .find(|(alias, _)| alias == name)
                    .map_or(*name, |(_, target)| target.as_str())
            })
            .collect();
        output_indices(&resolved, &self.names)
    }

    /// The answer to a batch of no rows: an empty matrix of the declared width per output.
    pub fn empty(&self, wanted: &[usize]) -> Vec<Matrix> {
        wanted
            .iter()
            .map(|&i| Matrix {
                data: Vec::new(),
                width: self.widths[i].unwrap_or(0),
            })
            .collect()
    }
}
