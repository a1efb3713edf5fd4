//! What the prediction engine tells monitoring: the model ([`ModelInfo`]: task, classes,
//! features, the reference sample as callers would send it) and the rows a call scored.

use crate::answer::argmax;
use crate::schema::{FeatureType, Schema, Task};
use plinth_engine_api::{
    FeatureInfo, FeatureKind, ModelInfo, ModelTask, ScoredOutput, ScoredRow, ScoredRows,
};
use plinth_onnx::Matrix;
use serde_json::{Map, Number, Value};
use std::path::Path;

/// The model as monitoring sees it. `reference` is the sample read by [`read_reference_json`].
pub fn model_info(schema: &Schema, reference: Vec<Map<String, Value>>) -> ModelInfo {
    let task = match schema.task {
        Task::Regression => ModelTask::Regression,
        Task::Binary => ModelTask::Binary,
        Task::Multiclass => ModelTask::Multiclass,
    };
    let features = schema
        .features
        .iter()
        .enumerate()
        .map(|(i, f)| FeatureInfo {
            name: f.name.clone(),
            kind: match f.kind {
                FeatureType::Number | FeatureType::Integer => FeatureKind::Numeric,
                FeatureType::String | FeatureType::Boolean => FeatureKind::Categorical,
            },
            importance: schema.importance.get(i).copied().filter(|v| *v > 0.0),
        })
        .collect();
    ModelInfo {
        task,
        target_name: None,
        classes: schema.classes.clone(),
        positive_class: (task == ModelTask::Binary).then_some(schema.positive_index),
        features,
        reference,
    }
}

/// Reads the reference sample as JSON objects of the schema's features, in the types callers
/// send (numbers, strings, booleans); empty cells and `NaN` are `null` (missing), so that the
/// baseline keeps its missing ratio.
pub fn read_reference_json(
    path: &Path,
    schema: &Schema,
) -> Result<Vec<Map<String, Value>>, String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_path(path)
        .map_err(|e| e.to_string())?;
    let headers = reader.headers().map_err(|e| e.to_string())?.clone();
    let positions: Vec<Option<usize>> = schema
        .features
        .iter()
        .map(|f| headers.iter().position(|h| h == f.name))
        .collect();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| e.to_string())?;
        let mut row = Map::with_capacity(positions.len());
        for (feature, p) in schema.features.iter().zip(&positions) {
            let text = p.and_then(|p| record.get(p)).unwrap_or("").trim();
            row.insert(feature.name.clone(), json_of(text, feature.kind));
        }
        rows.push(row);
    }
    Ok(rows)
}

fn json_of(text: &str, kind: FeatureType) -> Value {
    if text.is_empty() || text.eq_ignore_ascii_case("nan") {
        return Value::Null;
    }
    match kind {
        FeatureType::Number | FeatureType::Integer => text
            .parse::<f64>()
            .ok()
            .and_then(Number::from_f64)
            .map_or_else(|| Value::String(text.to_owned()), Value::Number),
        FeatureType::Boolean => match text.to_ascii_lowercase().as_str() {
            "true" | "1" => Value::Bool(true),
            "false" | "0" => Value::Bool(false),
            _ => Value::String(text.to_owned()),
        },
        FeatureType::String => Value::String(text.to_owned()),
    }
}

/// The scored rows of one call: `scored[i]` says whether record `i` was scored (its output is
/// the next row of `outputs`), `features[i]` what the model saw, `received[i]` (when not
/// empty) the features before enrichment.
pub fn scored_rows(
    schema: &Schema,
    scored: &[bool],
    outputs: &Matrix,
    features: Vec<Map<String, Value>>,
    received: Vec<Option<Map<String, Value>>>,
) -> ScoredRows {
    let mut received = received.into_iter();
    let mut k = 0;
    let rows = scored
        .iter()
        .zip(features)
        .map(|(was_scored, features)| {
            let received = received.next().flatten().filter(|r| *r != features);
            let output = was_scored.then(|| {
                let row = outputs.row(k);
                k += 1;
                output_of(schema, row)
            });
            ScoredRow {
                features,
                received,
                output,
            }
        })
        .collect();
    ScoredRows { rows }
}

fn output_of(schema: &Schema, row: &[f32]) -> ScoredOutput {
    match schema.task {
        Task::Regression => ScoredOutput {
            value: f64::from(row[0]),
            class: None,
            probabilities: Vec::new(),
        },
        Task::Binary | Task::Multiclass => {
            let best = argmax(row);
            let value = if schema.task == Task::Binary {
                row[schema.positive_index]
            } else {
                row[best]
            };
            ScoredOutput {
                value: f64::from(value),
                class: Some(best),
                probabilities: row.iter().map(|p| f64::from(*p)).collect(),
            }
        }
    }
}
