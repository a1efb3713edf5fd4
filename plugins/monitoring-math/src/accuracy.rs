//! Accuracy metrics from (prediction, actual) pairs, by their DataRobot names, computed exactly
//! from the rows (no binning).
//!
//! Every metric is `None` when it is undefined for the data: no rows, a value that is not
//! finite, a value outside the metric's domain, or a zero denominator (each function documents
//! its cases). [`compute`] is `None` too for a name the task does not have.

pub mod binary;
pub mod multiclass;
pub mod regression;

/// The kind of model whose predictions are scored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Task {
    /// Numeric predictions against numeric actuals.
    Regression,
    /// Probability of the positive class against whether the row is positive.
    Binary,
    /// Probabilities per class against the actual class.
    Multiclass,
}

/// The rows of one scoring window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AccuracyData<'a> {
    /// `(prediction, actual)` per row.
    Regression(&'a [(f64, f64)]),
    /// `(probability of the positive class, actual is positive)` per row.
    Binary(&'a [(f64, bool)]),
    /// `(probabilities per class in class order, index of the actual class)` per row.
    Multiclass(&'a [(Vec<f64>, usize)]),
}

impl AccuracyData<'_> {
    /// The task these rows belong to.
    pub fn task(&self) -> Task {
        match self {
            AccuracyData::Regression(_) => Task::Regression,
            AccuracyData::Binary(_) => Task::Binary,
            AccuracyData::Multiclass(_) => Task::Multiclass,
        }
    }

    /// The number of rows (the metrics' sample size).
    pub fn len(&self) -> usize {
        match self {
            AccuracyData::Regression(rows) => rows.len(),
            AccuracyData::Binary(rows) => rows.len(),
            AccuracyData::Multiclass(rows) => rows.len(),
        }
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Every metric name [`compute`] knows for `task`, spelled exactly as DataRobot spells it.
pub fn metric_names(task: Task) -> &'static [&'static str] {
    match task {
        Task::Regression => regression::METRIC_NAMES,
        Task::Binary => binary::METRIC_NAMES,
        Task::Multiclass => multiclass::METRIC_NAMES,
    }
}

/// The metrics reported when none are chosen. Regression and binary classification follow
/// DataRobot; multiclass has no documented default, so Plinth reports all four of its metrics.
pub fn default_metric_names(task: Task) -> &'static [&'static str] {
    match task {
        Task::Regression => &[
            "RMSE",
            "MAE",
            "Gamma Deviance",
            "Tweedie Deviance",
            "R Squared",
        ],
        Task::Binary => &[
            "LogLoss",
            "AUC",
            "Kolmogorov-Smirnov",
            "Gini Norm",
            "Rate@Top10%",
        ],
        Task::Multiclass => multiclass::METRIC_NAMES,
    }
}

/// The value of the metric `name` on `data`; `None` when the name is not one of
/// [`metric_names`] for the data's task, or the metric is undefined for these rows.
pub fn compute(name: &str, data: &AccuracyData<'_>) -> Option<f64> {
    match data {
        AccuracyData::Regression(rows) => regression::compute(name, rows),
        AccuracyData::Binary(rows) => binary::compute(name, rows),
        AccuracyData::Multiclass(rows) => multiclass::compute(name, rows),
    }
}

/// `Some(x)` when `x` is finite.
fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// The clipping bound of probabilities in log losses: `[EPS, 1 − EPS]`.
const PROBABILITY_EPS: f64 = 1e-15;

/// `−ln` of a probability clipped to `[1e-15, 1 − 1e-15]`.
fn neg_ln_clipped(probability: f64) -> f64 {
    -probability
        .clamp(PROBABILITY_EPS, 1.0 - PROBABILITY_EPS)
        .ln()
}
