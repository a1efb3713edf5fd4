//! The `result` objects of the user API, in the reference's shapes: `prediction`, `probas`,
//! `probaPercentile` (binary), `explanations`; `ignored`/`ignoreReason` for unscored records.

use crate::schema::{Schema, Task};
use serde_json::{Map, Number, Value};

pub use plinth_features::float::f32_json;

/// The index of the largest value (the first one on ties): the predicted class.
pub fn argmax(values: &[f32]) -> usize {
    let mut best = 0;
    for (i, v) in values.iter().enumerate() {
        if *v > values[best] {
            best = i;
        }
    }
    best
}

/// `1 + count(cuts <= p)`: the percentile of P(positive) among held-out predictions.
pub fn proba_percentile(cuts: &[f64], p: f32) -> usize {
    1 + cuts.partition_point(|c| *c <= f64::from(p))
}

/// The `result` of one scored record. `output` is its row of the model output (probabilities
/// in class order, or the regression value); `explanations` are `(feature index, value)` pairs
/// in the order to show.
pub fn result(schema: &Schema, output: &[f32], explanations: Option<&[(usize, f64)]>) -> Value {
    let mut m = Map::new();
    match schema.task {
        Task::Regression => {
            m.insert("prediction".into(), f32_json(output[0]));
        }
        Task::Binary | Task::Multiclass => {
            let best = argmax(output);
            m.insert(
                "prediction".into(),
                Value::String(schema.classes[best].clone()),
            );
            if schema.task == Task::Binary && !schema.percentile_cuts.is_empty() {
                let p = output[schema.positive_index];
                m.insert(
                    "probaPercentile".into(),
                    Value::from(proba_percentile(&schema.percentile_cuts, p)),
                );
            }
            let probas: Map<String, Value> = schema
                .classes
                .iter()
                .zip(output)
                .map(|(c, p)| (c.clone(), f32_json(*p)))
                .collect();
            m.insert("probas".into(), Value::Object(probas));
        }
    }
    if let Some(list) = explanations {
        let explained: Map<String, Value> = list
            .iter()
            .map(|(f, v)| {
                (
                    schema.features[*f].name.clone(),
                    Number::from_f64(*v).map_or(Value::Null, Value::Number),
                )
            })
            .collect();
        m.insert("explanations".into(), Value::Object(explained));
    }
    Value::Object(m)
}

/// The `result` of a record that was not scored.
pub fn ignored(reason: &str, message: Option<&str>) -> Value {
    let mut m = Map::new();
    m.insert("ignored".into(), Value::Bool(true));
    m.insert("ignoreReason".into(), Value::String(reason.into()));
    if let Some(text) = message {
        m.insert("message".into(), Value::String(text.into()));
    }
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_counts_cuts_at_or_below() {
        let cuts = [0.1, 0.2, 0.2, 0.5];
        assert_eq!(proba_percentile(&cuts, 0.05), 1);
        assert_eq!(proba_percentile(&cuts, 0.1), 2);
        assert_eq!(proba_percentile(&cuts, 0.2), 4);
        assert_eq!(proba_percentile(&cuts, 0.99), 5);
    }

    #[test]
    fn argmax_takes_the_first_maximum() {
        assert_eq!(argmax(&[0.2, 0.5, 0.3]), 1);
        assert_eq!(argmax(&[0.5, 0.5]), 0);
    }
}
