//! A logged training set (`logTrainingSet`) as the baseline of a version without a bundle
//! reference sample. The SDK sends per-field summaries, not rows: numeric fields as a 50-bin
//! equal-width histogram between their min and max (numpy's), categorical and boolean fields
//! as their values with counts. Both map exactly onto the store's bins: numeric bins are 10
//! equal-width bins between the same min and max (each the sum of 5 of the SDK's), with empty
//! under- and overflow bins.

use crate::registry::Version;
use plinth_monitoring::Baseline;
use plinth_monitoring::baseline::{Bins, FeatureBaseline, TargetBaseline};
use plinth_monitoring_math::binning::{
    CategoricalBins, EQUAL_WIDTH_BINS, Histogram, NUMERIC_BIN_COUNT, NumericBins, nudge_max,
};
use plinth_plugin_api::{FeatureKind, ModelTask};
use serde_json::{Map, Value};

fn category(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn count(v: &Value) -> u64 {
    v.as_u64()
        .or_else(|| v.as_f64().map(|x| x.max(0.0) as u64))
        .unwrap_or(0)
}

/// The bins and counts of one field's summary.
fn binned(kind: FeatureKind, summary: &Map<String, Value>) -> Option<(Bins, Histogram)> {
    let missing = summary.get("numMissingValues").map_or(0, count);
    let counts: Vec<u64> = summary
        .get("counts")?
        .as_array()?
        .iter()
        .map(count)
        .collect();
    let bins = summary.get("bins")?.as_array()?;
    match kind {
        FeatureKind::Numeric => {
            let min = summary.get("min").and_then(Value::as_f64)?;
            let max = summary.get("max").and_then(Value::as_f64)?;
            let edges = NumericBins::from_edges(min, nudge_max(max))?;
            let mut h = Histogram::new(NUMERIC_BIN_COUNT);
            h.missing = missing;
            let n = counts.len().max(1);
            if bins.len() != counts.len() + 1 {
                return None;
            }
            // SDK bin i covers [min + i·w, min + (i+1)·w): it falls in store bin
            // 1 + i·10/n (exact when n is a multiple of 10, as the SDK's 50 is).
            for (i, c) in counts.iter().enumerate() {
                let bin = 1 + (i * EQUAL_WIDTH_BINS / n).min(EQUAL_WIDTH_BINS - 1);
                h.counts[bin] += c;
            }
            Some((Bins::Numeric(edges), h))
        }
        FeatureKind::Categorical => {
            let pairs: Vec<(String, u64)> = bins
                .iter()
                .zip(&counts)
                .filter_map(|(b, c)| category(b).map(|b| (b, *c)))
                .collect();
            let edges = CategoricalBins::from_counts(pairs.clone());
            let mut h = Histogram::new(edges.bin_count());
            h.missing = missing;
            for (b, c) in pairs {
                h.counts[edges.bin_of(&b)] += c;
            }
            Some((Bins::Categorical(edges), h))
        }
    }
}

fn kind_of(schema_type: &Value) -> FeatureKind {
    let t = schema_type
        .as_str()
        .or_else(|| schema_type.get("type").and_then(Value::as_str))
        .unwrap_or("");
    if t == "numeric" {
        FeatureKind::Numeric
    } else {
        FeatureKind::Categorical
    }
}

fn summaries(vars: &Map<String, Value>, key: &str) -> Vec<Map<String, Value>> {
    vars.get(key)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|s| s.as_object().cloned()).collect())
        .unwrap_or_default()
}

/// The baseline of a version from `logTrainingSet`'s variables (`features`, `predictions`);
/// `None` when no feature of the schema has a usable summary.
pub fn baseline_of(v: &Version, vars: &Map<String, Value>) -> Option<Baseline> {
    let schema = v.schema.get("features")?.as_object()?;
    let given = summaries(vars, "features");
    let mut features = Vec::new();
    for (name, t) in schema {
        let kind = kind_of(t);
        let Some(summary) = given
            .iter()
            .find(|s| s.get("fieldName").and_then(Value::as_str) == Some(name))
        else {
            continue;
        };
        if let Some((bins, histogram)) = binned(kind, summary) {
            features.push(FeatureBaseline {
                name: name.clone(),
                kind,
                importance: v
                    .feature_importance
                    .as_ref()
                    .and_then(|fi| fi.get(name))
                    .and_then(Value::as_f64),
                bins,
                histogram,
            });
        }
    }
    if features.is_empty() {
        return None;
    }
    let task = match v.model_type.as_str() {
        "binary" => ModelTask::Binary,
        "multiclass" | "multi-label" => ModelTask::Multiclass,
        _ => ModelTask::Regression,
    };
    let rows = features
        .iter()
        .map(|f| f.histogram.total())
        .max()
        .unwrap_or(0);
    // The prediction's distribution on the training set: regression only (a numeric
    // summary of the first prediction field).
    let target = (task == ModelTask::Regression)
        .then(|| {
            let first = v
                .schema
                .get("predictions")?
                .as_object()?
                .keys()
                .next()?
                .clone();
            let predictions = summaries(vars, "predictions");
            let summary = predictions
                .iter()
                .find(|s| s.get("fieldName").and_then(Value::as_str) == Some(first.as_str()))?;
            let (bins, histogram) = binned(FeatureKind::Numeric, summary)?;
            Some(TargetBaseline {
                rows: histogram.non_missing(),
                mean_value: summary.get("average").and_then(Value::as_f64),
                bins,
                histogram,
                class_counts: Vec::new(),
                probability_sums: Vec::new(),
            })
        })
        .flatten();
    Some(Baseline {
        task,
        classes: crate::logging::classes_of(v),
        positive_class: (task == ModelTask::Binary).then_some(1),
        reference_rows: rows,
        features,
        target,
    })
}
