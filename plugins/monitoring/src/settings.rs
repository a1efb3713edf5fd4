//! Per-endpoint monitoring settings, written by the dialects (DataRobot's deployment settings)
//! and honoured by the ingest: which features or context members carry the association id,
//! whether drift is tracked, whether raw predictions are kept.

use serde_json::{Value, json};

/// The monitoring settings of one endpoint.
#[derive(Clone, Debug, PartialEq)]
pub struct SeriesSettings {
    /// Features (or `context` members) whose value is a row's association id, first match wins.
    pub association_columns: Vec<String>,
    /// Whether calls must carry an association id (stored and shown; not enforced on calls).
    pub association_required: bool,
    /// Whether the predictions' distribution is tracked (target drift).
    pub target_drift: bool,
    /// Whether the features' distributions are tracked (feature drift).
    pub feature_drift: bool,
    /// Whether rows with an association id are kept for the actuals join.
    pub collect_predictions: bool,
}

impl Default for SeriesSettings {
    fn default() -> Self {
        SeriesSettings {
            association_columns: Vec::new(),
            association_required: false,
            target_drift: true,
            feature_drift: true,
            collect_predictions: true,
        }
    }
}

impl SeriesSettings {
    /// As stored.
    pub fn to_json(&self) -> Value {
        json!({
            "associationColumns": self.association_columns,
            "associationRequired": self.association_required,
            "targetDrift": self.target_drift,
            "featureDrift": self.feature_drift,
            "collectPredictions": self.collect_predictions,
        })
    }

    /// Reads what [`SeriesSettings::to_json`] wrote (missing members keep their defaults).
    pub fn from_json(v: &Value) -> SeriesSettings {
        let d = SeriesSettings::default();
        let flag = |k: &str, default: bool| v.get(k).and_then(Value::as_bool).unwrap_or(default);
        SeriesSettings {
            association_columns: v
                .get("associationColumns")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|c| c.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default(),
            association_required: flag("associationRequired", d.association_required),
            target_drift: flag("targetDrift", d.target_drift),
            feature_drift: flag("featureDrift", d.feature_drift),
            collect_predictions: flag("collectPredictions", d.collect_predictions),
        }
    }

    /// The association id of a row: the first configured column present in its features,
    /// else in its `context`.
    pub fn association_id(
        &self,
        features: &serde_json::Map<String, Value>,
        context: Option<&Value>,
    ) -> Option<String> {
        for column in &self.association_columns {
            let value = features
                .get(column)
                .or_else(|| context.and_then(|c| c.get(column)));
            match value {
                Some(Value::String(s)) if !s.is_empty() => return Some(s.clone()),
                Some(Value::Number(n)) => return Some(n.to_string()),
                _ => {}
            }
        }
        None
    }
}
