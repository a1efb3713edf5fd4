//! The entry point shared by the `features` fuzz target (`fuzz/`) and the corpus replay test,
//! so that the two cannot drift apart.

use crate::Row;
use crate::batch::BatchBuilder;
use crate::cell::{Cell, OnnxType};
use crate::record::{features_from_query, row_from_features};
use crate::schema::Schema;
use plinth_tensor::{Column, ElementType};
use serde_json::{Map, Value};

/// A schema with every feature type, every input type each can feed, and both missing-value
/// policies.
pub const SCHEMA: &str = r#"{"task": "binary", "classes": [0, 1], "features": [
    {"name": "n", "type": "number", "missing": {"policy": "impute", "value": 0.5}},
    {"name": "nr", "type": "number"},
    {"name": "i", "type": "integer", "missing": {"policy": "error"}},
    {"name": "if", "type": "integer", "onnx_type": "float",
     "missing": {"policy": "impute", "value": "7"}},
    {"name": "b", "type": "boolean", "missing": {"policy": "impute", "value": false}},
    {"name": "bi", "type": "boolean", "onnx_type": "int64",
     "missing": {"policy": "impute", "value": 1}},
    {"name": "s", "type": "string", "missing": {"policy": "impute", "value": "A"}}]}"#;

/// The first byte chooses what the rest is: a `features` JSON object (0), a query string of
/// `name=value` pairs split on `&` (1), both converted by [`SCHEMA`], or a `model.json` (2).
/// A row that converts has one cell per feature, each in its input's element type (floats
/// finite), and becomes a batch of one row whose columns have those types.
pub fn features(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    match mode % 3 {
        0 => {
            if let Ok(Value::Object(map)) = serde_json::from_str::<Value>(text) {
                convert(&schema(), &map);
            }
        }
        1 => {
            let pairs = text
                .split('&')
                .map(|pair| {
                    let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                    (name.to_owned(), value.to_owned())
                })
                .collect();
            if let Ok(map) = features_from_query(pairs) {
                convert(&schema(), &map);
            }
        }
        _ => {
            if let Ok(schema) = Schema::parse(text) {
                schema.describe();
                for feature in &schema.features {
                    if let crate::schema::Missing::Impute(cell) = &feature.missing {
                        check_cell(cell, feature.onnx_type);
                    }
                }
            }
        }
    }
}

fn schema() -> Schema {
    Schema::parse(SCHEMA).expect("the fuzzed schema parses")
}

/// Converts `map` and checks the row and its batch.
pub fn convert(schema: &Schema, map: &Map<String, Value>) -> Option<Row> {
    let row = row_from_features(schema, map).ok()?;
    assert_eq!(row.len(), schema.features.len());
    for (cell, feature) in row.iter().zip(&schema.features) {
        check_cell(cell, feature.onnx_type);
    }
    let identity: Vec<usize> = (0..row.len()).collect();
    let elements = schema.features.iter().map(|f| f.onnx_type.element());
    let mut builder = BatchBuilder::new(elements, &identity, 1);
    builder.push(&row);
    let batch = builder.finish();
    assert_eq!(batch.rows(), 1);
    for (column, feature) in batch.columns.iter().zip(&schema.features) {
        let element = match column {
            Column::F32(_) => ElementType::F32,
            Column::I64(_) => ElementType::I64,
            Column::Str(_) => ElementType::Str,
        };
        assert_eq!(element, feature.onnx_type.element());
        assert_eq!(column.len(), 1);
    }
    Some(row)
}

/// A cell is of its input's element type, and a float is finite.
pub fn check_cell(cell: &Cell, onnx: OnnxType) {
    match (cell, onnx) {
        (Cell::F32(f), OnnxType::F32) => assert!(f.is_finite(), "{f}"),
        (Cell::I64(_), OnnxType::I64) | (Cell::Str(_), OnnxType::Str) => {}
        _ => panic!("{cell:?} for an input of type {onnx:?}"),
    }
}
