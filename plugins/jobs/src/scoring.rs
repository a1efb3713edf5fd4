//! Scoring a chunk of records through an endpoint, the way batch jobs do: one `predict-multi`
//! call through the user-API path (admission, engine, events: batch traffic is monitored like
//! any other), and when the engine refuses the call for one bad record, each record alone, so
//! that one bad row fails its own item and not the chunk.

use crate::handler::JobError;
use plinth_plugin_api::{Action, ApiError, Invocation, Invoker};
use serde_json::{Map, Value, json};

/// One record to score: its features and, optionally, its `context` (e.g. an association id).
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    /// Feature values by name.
    pub features: Map<String, Value>,
    /// The call's `context` member for this record.
    pub context: Option<Value>,
}

/// The `result` of each record as `/predict` would answer it, or why it was not scored.
pub type Scored = Vec<Result<Value, String>>;

/// Whether an error of the endpoint is worth retrying later (busy, stopping, timed out).
pub fn is_transient(e: &ApiError) -> bool {
    matches!(e.status, 429 | 500..=599)
}

fn setback(e: &ApiError) -> JobError {
    let message = format!(
        "the endpoint answered {} {}: {}",
        e.status, e.error_type, e.message
    );
    if is_transient(e) {
        JobError::transient(message)
    } else {
        JobError::permanent(message)
    }
}

fn item(record: &Record) -> Value {
    let mut m = Map::new();
    m.insert("features".into(), Value::Object(record.features.clone()));
    if let Some(context) = &record.context {
        m.insert("context".into(), context.clone());
    }
    Value::Object(m)
}

/// Scores `records` on `service`/`endpoint` on behalf of the plugin `origin`.
///
/// A record the engine skipped (`ignored`) or refused alone is an `Err` with the reason; an
/// unknown endpoint fails the job; a busy or unavailable one is a transient [`JobError`].
pub async fn score(
    invoker: &dyn Invoker,
    origin: &str,
    service: &str,
    endpoint: &str,
    records: &[Record],
) -> Result<Scored, JobError> {
    if records.is_empty() {
        return Ok(Vec::new());
    }
    let mut input = Map::new();
    input.insert(
        "items".into(),
        Value::Array(records.iter().map(item).collect()),
    );
    let call = Invocation {
        service: service.to_owned(),
        endpoint: endpoint.to_owned(),
        action: Action::PredictMulti,
        input,
        generation: None,
    };
    match invoker.invoke(origin, call).await {
        Ok(invoked) => {
            let results = invoked
                .body
                .get("results")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            if results.len() != records.len() {
                return Err(JobError::permanent(format!(
                    "the endpoint answered {} results for {} records (is it a prediction endpoint?)",
                    results.len(),
                    records.len()
                )));
            }
            Ok(results.into_iter().map(result_of).collect())
        }
        Err(e) if e.status == 400 && records.len() > 1 => {
            one_by_one(invoker, origin, service, endpoint, records).await
        }
        Err(e) if e.status == 400 => Ok(vec![Err(e.message)]),
        Err(e) => Err(setback(&e)),
    }
}

async fn one_by_one(
    invoker: &dyn Invoker,
    origin: &str,
    service: &str,
    endpoint: &str,
    records: &[Record],
) -> Result<Scored, JobError> {
    let mut scored = Vec::with_capacity(records.len());
    for record in records {
        let Value::Object(input) = item(record) else {
            unreachable!("item() builds an object")
        };
        let call = Invocation {
            service: service.to_owned(),
            endpoint: endpoint.to_owned(),
            action: Action::Predict,
            input,
            generation: None,
        };
        match invoker.invoke(origin, call).await {
            Ok(invoked) => scored.push(result_of(
                invoked.body.get("result").cloned().unwrap_or(json!({})),
            )),
            Err(e) if e.status == 400 => scored.push(Err(e.message)),
            Err(e) => return Err(setback(&e)),
        }
    }
    Ok(scored)
}

fn result_of(result: Value) -> Result<Value, String> {
    if result.get("ignored").and_then(Value::as_bool) == Some(true) {
        let reason = result
            .get("message")
            .or_else(|| result.get("ignoreReason"))
            .and_then(Value::as_str)
            .unwrap_or("the record was not scored");
        return Err(reason.to_owned());
    }
    Ok(result)
}

/// The predicted label of a result (`prediction`, as text for a number) and the probability of
/// that class, when the model gives probabilities.
pub fn label_and_confidence(result: &Value) -> (Value, Option<f64>) {
    let prediction = result.get("prediction").cloned().unwrap_or(Value::Null);
    let confidence = prediction.as_str().and_then(|label| {
        result
            .get("probas")
            .and_then(|p| p.get(label))
            .and_then(Value::as_f64)
    });
    (prediction, confidence)
}

/// The probability columns of an output file: the model's `declared` classes in order, then
/// any other class the results gave a probability for, in the order first seen.
pub fn class_columns<'a>(
    declared: &Value,
    results: impl IntoIterator<Item = &'a Value>,
) -> Vec<String> {
    let mut classes: Vec<String> = declared
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|c| c.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    for result in results {
        if let Some(Value::Object(p)) = result.get("probas") {
            for k in p.keys() {
                if !classes.contains(k) {
                    classes.push(k.clone());
                }
            }
        }
    }
    classes
}
