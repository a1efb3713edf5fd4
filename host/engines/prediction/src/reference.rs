//! The reference sample (`reference.csv`): training rows, feature columns with a header,
//! read into [`Row`]s for explanations (ICE modalities, the Shapley background).

use crate::cell::Cell;
use crate::model::Row;
use crate::schema::{Missing, Schema};
use std::path::Path;

/// Reads the reference rows. Every feature must have a column (matched by name); empty cells
/// take the feature's imputed value.
pub fn read_reference(path: &Path, schema: &Schema) -> Result<Vec<Row>, String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_path(path)
        .map_err(|e| e.to_string())?;
    let headers = reader.headers().map_err(|e| e.to_string())?.clone();
    let mut positions = Vec::with_capacity(schema.features.len());
    for feature in &schema.features {
        let p = headers
            .iter()
            .position(|h| h == feature.name)
            .ok_or_else(|| {
                format!(
                    "no column named \"{}\" (a feature of the model)",
                    feature.name
                )
            })?;
        positions.push(p);
    }
    let mut rows = Vec::new();
    for (n, record) in reader.records().enumerate() {
        let record = record.map_err(|e| e.to_string())?;
        let line = n + 2;
        let mut row = Vec::with_capacity(positions.len());
        for (feature, &p) in schema.features.iter().zip(&positions) {
            let text = record.get(p).unwrap_or("");
            let cell = Cell::from_text(text, feature.kind, feature.onnx_type)
                .map_err(|e| format!("line {line}, column \"{}\": {e}", feature.name))?;
            let cell = match (cell, &feature.missing) {
                (Some(c), _) => c,
                (None, Missing::Impute(c)) => c.clone(),
                (None, Missing::Error) => {
                    return Err(format!(
                        "line {line}, column \"{}\": empty, and the feature has no imputed value",
                        feature.name
                    ));
                }
            };
            row.push(cell);
        }
        rows.push(row);
    }
    if rows.is_empty() {
        return Err("no rows: explanations need reference rows".into());
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_fraud_reference() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../models/fraud");
        let schema =
            Schema::parse(&std::fs::read_to_string(root.join("model.json")).unwrap()).unwrap();
        let rows = read_reference(&root.join("reference.csv"), &schema).unwrap();
        assert_eq!(rows.len(), 200);
        assert_eq!(rows[0][1], Cell::Str("CB".into()));
        assert_eq!(rows[0][7], Cell::F32(0.0));
    }
}
