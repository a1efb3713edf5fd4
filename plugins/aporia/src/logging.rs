//! Predictions and actuals logged through the SDK (`logPredictions`) become rows and actuals of
//! the monitoring store, on the series of the model's version: a model served elsewhere is
//! monitored like Plinth's own endpoints.

use crate::registry::{Model, Version};
use plinth_monitoring::actuals::{Actual, ActualValue};
use plinth_monitoring::logged::LoggedRow;
use plinth_plugin_api::{ScoredOutput, ScoredRow};
use serde_json::{Map, Value};

/// What a batch of fragments holds.
#[derive(Debug, Default)]
pub struct Fragments {
    /// Predictions.
    pub rows: Vec<LoggedRow>,
    /// Actuals.
    pub actuals: Vec<Actual>,
    /// What was wrong with some fragments (the first [`MAX_WARNINGS`]).
    pub warnings: Vec<String>,
    /// How many warnings there were in all.
    pub warned: usize,
}

/// At most this many warnings are listed; the rest are counted.
const MAX_WARNINGS: usize = 20;

impl Fragments {
    fn warn(&mut self, warning: String) {
        self.warned += 1;
        if self.warnings.len() < MAX_WARNINGS {
            self.warnings.push(warning);
        }
    }

    /// The warnings to answer: the first ones, and how many more there were.
    pub fn answer_warnings(&self) -> Vec<String> {
        let mut out = self.warnings.clone();
        if self.warned > self.warnings.len() {
            out.push(format!(
                "... and {} more warnings",
                self.warned - self.warnings.len()
            ));
        }
        out
    }
}

/// The class labels of a version, in probability order (binary: `false`, `true`).
pub fn classes_of(v: &Version) -> Vec<String> {
    if v.model_type == "binary" {
        return vec!["false".into(), "true".into()];
    }
    let request: Option<Value> = v
        .request
        .as_deref()
        .and_then(|r| serde_json::from_str(r).ok());
    request
        .as_ref()
        .and_then(|r| {
            r.get("multiclass_labels")
                .or_else(|| r.get("labels"))
                .and_then(Value::as_array)
        })
        .map(|a| {
            a.iter()
                .filter_map(|x| match x {
                    Value::String(s) => Some(s.clone()),
                    Value::Number(n) => Some(n.to_string()),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The first prediction field of the version's schema and its type.
fn prediction_field(v: &Version) -> Option<(String, String)> {
    let fields = v.schema.get("predictions")?.as_object()?;
    fields.iter().next().map(|(name, kind)| {
        let kind = match kind {
            Value::String(s) => s.clone(),
            Value::Object(o) => o
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned(),
            _ => String::new(),
        };
        (name.clone(), kind)
    })
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The model output a fragment's `predictions` (and `confidence`) describe.
pub fn output_of(
    v: &Version,
    classes: &[String],
    predictions: &Map<String, Value>,
    confidence: Option<&Value>,
) -> Option<ScoredOutput> {
    let (field, _) = prediction_field(v).or_else(|| {
        predictions
            .keys()
            .next()
            .map(|k| (k.clone(), String::new()))
    })?;
    let value = predictions.get(&field)?;
    match v.model_type.as_str() {
        "binary" => {
            // P(positive): a numeric confidence, else a numeric prediction field beside the
            // boolean one, else the boolean itself.
            let p = confidence
                .and_then(|c| match c {
                    Value::Array(a) => a.last().and_then(number),
                    other => number(other),
                })
                .or_else(|| {
                    predictions
                        .iter()
                        .filter(|(k, _)| **k != field)
                        .find_map(|(_, x)| x.as_f64())
                })
                .or_else(|| number(value))?
                .clamp(0.0, 1.0);
            let class = match value {
                Value::Bool(b) => usize::from(*b),
                _ => usize::from(p >= 0.5),
            };
            Some(ScoredOutput {
                value: p,
                class: Some(class),
                probabilities: vec![1.0 - p, p],
            })
        }
        "multiclass" => {
            let label = match value {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let class = classes.iter().position(|c| *c == label);
            let probabilities: Vec<f64> = match confidence {
                Some(Value::Array(a)) if a.len() == classes.len() => {
                    a.iter().map(|x| number(x).unwrap_or(0.0)).collect()
                }
                _ => Vec::new(),
            };
            let p = class
                .and_then(|c| probabilities.get(c).copied())
                .unwrap_or(1.0);
            Some(ScoredOutput {
                value: p,
                class,
                probabilities,
            })
        }
        _ => Some(ScoredOutput {
            value: number(value)?,
            class: None,
            probabilities: Vec::new(),
        }),
    }
}

fn actual_of(actuals: &Map<String, Value>) -> Option<ActualValue> {
    match actuals.values().next()? {
        Value::Number(n) => n.as_f64().map(ActualValue::Number),
        Value::Bool(b) => Some(ActualValue::Text(b.to_string())),
        Value::String(s) => Some(ActualValue::Text(s.clone())),
        _ => None,
    }
}

/// Reads the SDK's fragments: `{"id"?, "features", "predictions", "confidence"?, "occurredAt"?,
/// "actuals"?, ...}`; actuals-only fragments are `{"id", "actuals"}`.
pub fn read_fragments(_m: &Model, v: &Version, fragments: &[Value], now: i64) -> Fragments {
    let classes = classes_of(v);
    let numeric_features: Vec<&str> = v
        .schema
        .get("features")
        .and_then(Value::as_object)
        .map(|f| {
            f.iter()
                .filter(|(_, t)| t.as_str() == Some("numeric"))
                .map(|(k, _)| k.as_str())
                .collect()
        })
        .unwrap_or_default();
    let mut out = Fragments::default();
    for (i, f) in fragments.iter().enumerate() {
        let Some(f) = f.as_object() else {
            out.warn(format!("prediction {i} is not an object: skipped"));
            continue;
        };
        let id = match f.get("id") {
            Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        };
        let at_ms = match f.get("occurredAt") {
            None | Some(Value::Null) => now,
            Some(t) => match t.as_str().and_then(crate::app::parse_iso) {
                Some(at) => at,
                None => {
                    out.warn(format!(
                        "prediction {i}: occurredAt {t} is not an ISO 8601 time: the time of the log is used"
                    ));
                    now
                }
            },
        };
        if let Some(predictions) = f.get("predictions").and_then(Value::as_object) {
            let features = f
                .get("features")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            for (name, value) in &features {
                let numeric = numeric_features.contains(&name.as_str());
                if numeric && !value.is_null() && number(value).is_none() {
                    out.warn(format!(
                        "prediction {i}: feature '{name}' is numeric in the schema, not {value}: counted as missing"
                    ));
                }
            }
            match output_of(v, &classes, predictions, f.get("confidence")) {
                Some(output) => out.rows.push(LoggedRow {
                    row: ScoredRow {
                        features,
                        received: None,
                        output: Some(output),
                    },
                    association_id: id.clone(),
                    at_ms,
                }),
                None => out.warn(format!(
                    "prediction {i}: its predictions do not match the version's schema ({}): skipped",
                    v.schema.get("predictions").map(Value::to_string).unwrap_or_default()
                )),
            }
        }
        if let Some(actuals) = f.get("actuals").and_then(Value::as_object) {
            match (&id, actual_of(actuals)) {
                (Some(id), Some(value)) => out.actuals.push(Actual {
                    association_id: id.clone(),
                    value,
                    at_ms: Some(at_ms),
                    was_acted_on: None,
                }),
                (None, _) => out.warn(format!("prediction {i}: actuals without an id: skipped")),
                (_, None) => out.warn(format!(
                    "prediction {i}: actuals must be a number, a boolean or a string: skipped"
                )),
            }
        }
    }
    out
}
