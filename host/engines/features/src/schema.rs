//! The model's serving metadata (`model.json`): features with their types and missing-value
//! policies, class labels, percentiles, global importance. See `models/README.md`.

use crate::cell::{Cell, OnnxType};
use serde::Deserialize;
use serde_json::{Map, Value};

/// What the model predicts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Task {
    /// Two classes; `probaPercentile` and log-odds of the positive class.
    Binary,
    /// Three or more classes.
    Multiclass,
    /// A number.
    Regression,
}

impl Task {
    /// The spelling in `model.json`.
    pub fn as_str(self) -> &'static str {
        match self {
            Task::Binary => "binary",
            Task::Multiclass => "multiclass",
            Task::Regression => "regression",
        }
    }
}

/// The type of a feature as clients send it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FeatureType {
    /// Any number (fed as float).
    Number,
    /// A whole number.
    Integer,
    /// Text or a category.
    String,
    /// `true` / `false`.
    Boolean,
}

impl FeatureType {
    /// The spelling in `model.json` and in error messages.
    pub fn as_str(self) -> &'static str {
        match self {
            FeatureType::Number => "number",
            FeatureType::Integer => "integer",
            FeatureType::String => "string",
            FeatureType::Boolean => "boolean",
        }
    }
}

/// What to do when a feature is absent or null.
#[derive(Clone, Debug, PartialEq)]
pub enum Missing {
    /// Feed this value.
    Impute(Cell),
    /// Reject the record with a 400 naming the feature.
    Error,
}

/// One model input.
#[derive(Clone, Debug)]
pub struct Feature {
    /// The name clients use in `features`.
    pub name: String,
    /// The type clients send.
    pub kind: FeatureType,
    /// The ONNX graph input it feeds.
    pub onnx_input: String,
    /// The element type of that input.
    pub onnx_type: OnnxType,
    /// Known categories (string features), informational: unknown ones are fed as they are.
    pub categories: Option<Vec<String>>,
    /// Missing-value policy.
    pub missing: Missing,
    /// `request` or `enrichment` when the schema says so.
    pub source: Option<String>,
}

/// The parsed `model.json`.
#[derive(Clone, Debug)]
pub struct Schema {
    /// The model's name (folder name).
    pub name: String,
    /// One-line description.
    pub title: Option<String>,
    /// Binary, multiclass or regression.
    pub task: Task,
    /// Features in ONNX input order.
    pub features: Vec<Feature>,
    /// Class labels as answered (`prediction`, keys of `probas`), in probability column order.
    pub classes: Vec<String>,
    /// `integer` or `string` labels (classifiers).
    pub class_type: Option<String>,
    /// Column of P(positive class) (binary).
    pub positive_index: usize,
    /// Sorted probability percentile cut points (binary), possibly empty.
    pub percentile_cuts: Vec<f64>,
    /// The ONNX output to read: `probabilities` (classifiers) or `variable` (regression).
    pub output: String,
    /// Global importance by feature index (0 when not given).
    pub importance: Vec<f64>,
}

#[derive(Deserialize)]
struct RawSchema {
    name: Option<String>,
    title: Option<String>,
    task: Task,
    features: Vec<RawFeature>,
    #[serde(default)]
    classes: Vec<Value>,
    class_type: Option<String>,
    positive_index: Option<usize>,
    proba_percentiles: Option<RawPercentiles>,
    onnx: Option<RawOnnx>,
    feature_importance: Option<RawImportance>,
}

#[derive(Deserialize)]
struct RawFeature {
    name: String,
    #[serde(rename = "type")]
    kind: FeatureType,
    onnx_input: Option<String>,
    onnx_type: Option<String>,
    categories: Option<Vec<String>>,
    missing: Option<RawMissing>,
    source: Option<String>,
}

#[derive(Deserialize)]
struct RawMissing {
    policy: String,
    value: Option<Value>,
}

#[derive(Deserialize)]
struct RawPercentiles {
    cuts: Vec<f64>,
}

#[derive(Deserialize)]
struct RawOnnx {
    #[serde(default)]
    outputs: Map<String, Value>,
}

#[derive(Deserialize)]
struct RawImportance {
    values: Map<String, Value>,
}

impl Schema {
    /// Parses and validates `model.json` text. Errors are sentences for the deploy log.
    pub fn parse(text: &str) -> Result<Schema, String> {
        let raw: RawSchema = serde_json::from_str(text).map_err(|e| e.to_string())?;
        if raw.features.is_empty() {
            return Err("\"features\" is empty: a model needs at least one input".into());
        }
        let mut features = Vec::with_capacity(raw.features.len());
        for (i, f) in raw.features.into_iter().enumerate() {
            features.push(parse_feature(i, f)?);
        }
        for (i, f) in features.iter().enumerate() {
            if features[..i].iter().any(|g| g.name == f.name) {
                return Err(format!(
                    "features[{i}]: the name \"{}\" appears twice",
                    f.name
                ));
            }
        }
        let classes: Vec<String> = raw.classes.iter().map(label_text).collect();
        let outputs = raw.onnx.map(|o| o.outputs).unwrap_or_default();
        let output_named = |role: &str, default: &str| {
            outputs
                .get(role)
                .and_then(Value::as_str)
                .unwrap_or(default)
                .to_owned()
        };
        let output = match raw.task {
            Task::Regression => output_named("value", "variable"),
            Task::Binary | Task::Multiclass => output_named("probabilities", "probabilities"),
        };
        let wanted = match raw.task {
            Task::Binary => Some(2..=2),
            Task::Multiclass => Some(3..=usize::MAX),
            Task::Regression => None,
        };
        if let Some(range) = wanted
            && !range.contains(&classes.len())
        {
            return Err(format!(
                "a {} model needs {} class labels in \"classes\", found {}",
                raw.task.as_str(),
                if raw.task == Task::Binary {
                    "2"
                } else {
                    "3 or more"
                },
                classes.len()
            ));
        }
        let positive_index = raw.positive_index.unwrap_or(1);
        if raw.task == Task::Binary && positive_index >= 2 {
            return Err(format!(
                "\"positive_index\" must be 0 or 1, found {positive_index}"
            ));
        }
        let percentile_cuts = raw.proba_percentiles.map(|p| p.cuts).unwrap_or_default();
        if percentile_cuts.windows(2).any(|w| w[0] > w[1]) {
            return Err("\"proba_percentiles.cuts\" must be sorted ascending".into());
        }
        let importance = match raw.feature_importance {
            None => vec![0.0; features.len()],
            Some(imp) => features
                .iter()
                .map(|f| {
                    imp.values
                        .get(&f.name)
                        .and_then(Value::as_f64)
                        .unwrap_or(0.0)
                })
                .collect(),
        };
        Ok(Schema {
            name: raw.name.unwrap_or_default(),
            title: raw.title,
            task: raw.task,
            features,
            classes,
            class_type: raw.class_type,
            positive_index,
            percentile_cuts,
            output,
            importance,
        })
    }

    /// Position of a feature by name.
    pub fn position(&self, name: &str) -> Option<usize> {
        self.features.iter().position(|f| f.name == name)
    }

    /// The schema as the admin API shows it.
    pub fn describe(&self) -> Value {
        let features: Vec<Value> = self
            .features
            .iter()
            .map(|f| {
                let mut m = Map::new();
                m.insert("name".into(), Value::String(f.name.clone()));
                m.insert("type".into(), Value::String(f.kind.as_str().into()));
                if let Some(c) = &f.categories {
                    m.insert("categories".into(), c.clone().into());
                }
                let missing = match &f.missing {
                    Missing::Impute(cell) => {
                        serde_json::json!({"policy": "impute", "value": cell.to_json()})
                    }
                    Missing::Error => serde_json::json!({"policy": "error"}),
                };
                m.insert("missing".into(), missing);
                if let Some(s) = &f.source {
                    m.insert("source".into(), Value::String(s.clone()));
                }
                Value::Object(m)
            })
            .collect();
        let mut m = Map::new();
        m.insert("model".into(), Value::String(self.name.clone()));
        if let Some(t) = &self.title {
            m.insert("title".into(), Value::String(t.clone()));
        }
        m.insert("task".into(), Value::String(self.task.as_str().into()));
        m.insert("features".into(), Value::Array(features));
        if self.task != Task::Regression {
            m.insert("classes".into(), self.classes.clone().into());
        }
        if self.task == Task::Binary {
            m.insert(
                "positiveClass".into(),
                Value::String(self.classes[self.positive_index].clone()),
            );
        }
        Value::Object(m)
    }
}

/// A class label as answered: strings as they are, integers as their decimal text (JSON object
/// keys are strings, so `probas` can only be keyed by text; `prediction` uses the same text).
fn label_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn parse_feature(i: usize, f: RawFeature) -> Result<Feature, String> {
    let at = |msg: String| format!("features[{i}] \"{}\": {msg}", f.name);
    let onnx_type = match f.onnx_type.as_deref() {
        None => OnnxType::default_for(f.kind),
        Some(text) => OnnxType::parse(text).ok_or_else(|| {
            at(format!(
                "unknown onnx_type \"{text}\"; expected \"float\", \"int64\" or \"string\""
            ))
        })?,
    };
    if !onnx_type.accepts(f.kind) {
        return Err(at(format!(
            "a {} feature cannot feed an ONNX {} input",
            f.kind.as_str(),
            onnx_type.as_str()
        )));
    }
    let missing = match f.missing {
        None => Missing::Error,
        Some(m) => match m.policy.as_str() {
            "error" => Missing::Error,
            "impute" => {
                let value = m
                    .value
                    .ok_or_else(|| at("missing.policy \"impute\" needs a \"value\"".into()))?;
                let cell = Cell::from_json(&value, f.kind, onnx_type)
                    .map_err(|e| at(format!("missing.value: {e}")))?
                    .ok_or_else(|| at("missing.value must not be null".into()))?;
                Missing::Impute(cell)
            }
            other => {
                return Err(at(format!(
                    "unknown missing.policy \"{other}\"; expected \"impute\" or \"error\""
                )));
            }
        },
    };
    Ok(Feature {
        onnx_input: f.onnx_input.unwrap_or_else(|| f.name.clone()),
        name: f.name,
        kind: f.kind,
        onnx_type,
        categories: f.categories,
        missing,
        source: f.source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo_schema(model: &str) -> Schema {
        let path = format!(
            "{}/../../../models/{model}/model.json",
            env!("CARGO_MANIFEST_DIR")
        );
        Schema::parse(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    #[test]
    fn every_example_schema_parses() {
        let fraud = repo_schema("fraud");
        assert_eq!(fraud.task, Task::Binary);
        assert_eq!(fraud.classes, ["FRAUDULENT", "NOT_FRAUDULENT"]);
        assert_eq!(fraud.positive_index, 0);
        assert_eq!(fraud.percentile_cuts.len(), 99);
        assert_eq!(fraud.features[3].missing, Missing::Error);
        assert_eq!(fraud.features[7].onnx_type, OnnxType::F32);
        let cancer = repo_schema("cancer_trees");
        assert_eq!(cancer.classes, ["0", "1"]);
        assert_eq!(cancer.features[0].onnx_input, "mean_radius");
        let diabetes = repo_schema("diabetes");
        assert_eq!(diabetes.output, "variable");
        assert!(diabetes.classes.is_empty());
        let iris = repo_schema("iris");
        assert_eq!(iris.task, Task::Multiclass);
        assert!(iris.importance.iter().all(|v| *v > 0.0));
    }

    #[test]
    fn bad_schemas_name_the_problem() {
        let err = Schema::parse(
            r#"{"task":"binary","features":[{"name":"a","type":"number"}],"classes":[0]}"#,
        )
        .unwrap_err();
        assert!(err.contains("2 class labels"), "{err}");
        let err = Schema::parse(
            r#"{"task":"regression","features":[{"name":"a","type":"number","missing":{"policy":"impute","value":"x"}}]}"#,
        )
        .unwrap_err();
        assert!(err.contains("features[0] \"a\": missing.value"), "{err}");
        let err = Schema::parse(
            r#"{"task":"regression","features":[{"name":"a","type":"string","onnx_type":"float"}]}"#,
        )
        .unwrap_err();
        assert!(err.contains("cannot feed"), "{err}");
    }
}
