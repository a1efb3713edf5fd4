//! What an engine tells the host about its model and the rows it scored, for monitoring.
//!
//! Both are optional: an engine without a model answers `None` from
//! [`crate::Endpoint::model_info`] and never fills [`crate::Reply::scored`]. The prediction engine
//! fills `scored` only when the host asks for it ([`crate::Request::observe`]), so calls cost
//! nothing extra when no plugin monitors rows.

use serde_json::{Map, Value};

/// The learning task of a model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModelTask {
    /// A number is predicted.
    Regression,
    /// One of two classes; probabilities of both.
    Binary,
    /// One of several classes.
    Multiclass,
}

impl ModelTask {
    /// `regression`, `binary` or `multiclass`.
    pub fn as_str(self) -> &'static str {
        match self {
            ModelTask::Regression => "regression",
            ModelTask::Binary => "binary",
            ModelTask::Multiclass => "multiclass",
        }
    }
}

/// How a feature is binned for drift.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FeatureKind {
    /// Numbers (and booleans as 0/1 are categorical, not numeric).
    Numeric,
    /// Strings, booleans and whole-number codes declared as categories.
    Categorical,
}

/// One input feature of a model.
#[derive(Clone, Debug, PartialEq)]
pub struct FeatureInfo {
    /// The feature's name as callers send it.
    pub name: String,
    /// Numeric or categorical.
    pub kind: FeatureKind,
    /// Global importance (normalised), when the model declares one.
    pub importance: Option<f64>,
}

/// A model as monitoring sees it: task, classes, features and the reference sample.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelInfo {
    /// Regression, binary or multiclass.
    pub task: ModelTask,
    /// The name of the predicted column, when the model declares one.
    pub target_name: Option<String>,
    /// Class labels in probability order (classifiers).
    pub classes: Vec<String>,
    /// Index of the positive class in `classes` (binary).
    pub positive_class: Option<usize>,
    /// Input features in schema order.
    pub features: Vec<FeatureInfo>,
    /// The reference sample (training rows, features only) as JSON objects, the baseline of
    /// drift. Empty when the model ships none.
    pub reference: Vec<Map<String, Value>>,
}

/// The rows one call scored, in the order of the call's records.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ScoredRows {
    /// One entry per record of the call (`predict`: one; `predict-multi`: one per item).
    pub rows: Vec<ScoredRow>,
}

/// One record of a call.
#[derive(Clone, Debug, PartialEq)]
pub struct ScoredRow {
    /// The features the model saw: as received, after enrichment.
    pub features: Map<String, Value>,
    /// The features as received, when enrichment changed them.
    pub received: Option<Map<String, Value>>,
    /// The model's output; `None` when the record was not scored (ignored).
    pub output: Option<ScoredOutput>,
}

/// A model's output for one record, as the model computed it (an f32 output widened to f64;
/// the answer shows the same number as its shortest decimal, see [`shown`]).
#[derive(Clone, Debug, PartialEq)]
pub struct ScoredOutput {
    /// Regression: the prediction. Binary: P(positive class). Multiclass: P(predicted class).
    pub value: f64,
    /// Classifiers: the index of the predicted class.
    pub class: Option<usize>,
    /// Classifiers: the probability of each class, in class order.
    pub probabilities: Vec<f64>,
}

/// A call a function endpoint made to a sibling endpoint of its generation (through its
/// `plinth:host` imports), reported to the host so that it is accounted and published like a
/// user call.
#[derive(Clone, Debug)]
pub struct SiblingCall {
    /// The service.
    pub service_id: String,
    /// The generation both endpoints belong to.
    pub generation: String,
    /// The calling function's endpoint id.
    pub caller: String,
    /// The called endpoint's id.
    pub endpoint_id: String,
    /// The action.
    pub action: crate::Action,
    /// HTTP status the call would have answered.
    pub status: u16,
    /// `errorType` of a failure.
    pub error_type: Option<String>,
    /// Time in the called endpoint, µs.
    pub duration_us: u64,
    /// The rows scored, when [`SiblingCallSink::wants_rows`] said so.
    pub rows: Option<Box<ScoredRows>>,
}

/// Where engines report their calls to sibling endpoints (the host).
pub trait SiblingCallSink: Send + Sync + std::fmt::Debug + 'static {
    /// Whether calls should collect their scored rows ([`crate::Request::observe`]).
    fn wants_rows(&self) -> bool;
    /// Accounts for one call (never blocks).
    fn record(&self, call: SiblingCall);
}

/// The number an answer shows for a model output: the f32's shortest decimal read as f64 (what
/// callers receive, and compare with).
pub fn shown(value: f64) -> f64 {
    let narrow = value as f32;
    if f64::from(narrow) != value {
        return value;
    }
    narrow.to_string().parse().unwrap_or(value)
}

/// The inverse view: a number as received in an answer, as the model's f32 output widened to
/// f64 (the shortest decimal of an f32 reads back to that f32), so that numbers read from
/// answers and numbers reported by engines compare exactly.
pub fn as_output(value: f64) -> f64 {
    f64::from(value as f32)
}
