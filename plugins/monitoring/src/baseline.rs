//! A generation's baseline, fixed at deploy: the bins of every feature and of the target, the
//! reference sample's counts on them, and the predictions on the reference (target drift,
//! `predictionsOverTime` baselines). Stored once per series (`mon_baselines`) so the edges never
//! move; current traffic is binned on the same edges.

use plinth_monitoring_math::binning::{CategoricalBins, Histogram, NumericBins};
use plinth_plugin_api::{FeatureKind, ModelInfo, ModelTask, as_output};
use serde_json::{Map, Value, json};

/// How one column is binned.
#[derive(Clone, Debug, PartialEq)]
pub enum Bins {
    /// 12 numeric bins on the baseline's range.
    Numeric(NumericBins),
    /// The baseline's categories and an out-of-vocabulary bin.
    Categorical(CategoricalBins),
}

impl Bins {
    /// Number of bins (without the missing count).
    pub fn len(&self) -> usize {
        match self {
            Bins::Numeric(b) => b.bin_count(),
            Bins::Categorical(b) => b.bin_count(),
        }
    }

    /// Whether there is no bin (never: kept for clippy's `len` rule).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The bin of a JSON value; `None` when it is missing (null, empty, NaN, not a number
    /// for a numeric column).
    pub fn bin_of(&self, value: &Value) -> Option<usize> {
        match self {
            Bins::Numeric(b) => number_of(value).and_then(|x| b.bin_of(x)),
            Bins::Categorical(b) => category_of(value).map(|c| b.bin_of(&c)),
        }
    }

    /// The bin labels (`"< min"`, `"a - b"`, ..., categories, `__oov__`).
    pub fn labels(&self) -> Vec<String> {
        match self {
            Bins::Numeric(b) => b.labels(),
            Bins::Categorical(b) => b.labels(),
        }
    }

    fn to_json(&self) -> Value {
        match self {
            Bins::Numeric(b) => json!({"numeric": b.to_edges().map(exact)}),
            Bins::Categorical(b) => json!({"categories": b.categories()}),
        }
    }

    fn from_json(v: &Value) -> Option<Bins> {
        if let Some(edges) = v.get("numeric").and_then(Value::as_array) {
            let min = float_of(edges.first()?)?;
            let max = float_of(edges.get(1)?)?;
            return NumericBins::from_edges(min, max).map(Bins::Numeric);
        }
        let categories = v.get("categories")?.as_array()?;
        Some(Bins::Categorical(CategoricalBins::from_categories(
            categories
                .iter()
                .filter_map(|c| c.as_str().map(str::to_owned))
                .collect(),
        )))
    }
}

/// A number from a JSON value as callers send it (numbers, or numeric strings from
/// `predict-simple` query strings).
pub fn number_of(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64().filter(|x| !x.is_nan()),
        Value::String(s) => s.trim().parse::<f64>().ok().filter(|x| !x.is_nan()),
        Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        _ => None,
    }
}

/// A category from a JSON value: strings as they are, numbers and booleans as their text.
pub fn category_of(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) if s.is_empty() => None,
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        other => Some(other.to_string()),
    }
}

/// The baseline of one feature.
#[derive(Clone, Debug, PartialEq)]
pub struct FeatureBaseline {
    /// The feature's name.
    pub name: String,
    /// `numeric` or `categorical`.
    pub kind: FeatureKind,
    /// Global importance, when the model declares one.
    pub importance: Option<f64>,
    /// Its bins.
    pub bins: Bins,
    /// The reference sample's counts on them.
    pub histogram: Histogram,
}

/// The predictions on the reference sample.
#[derive(Clone, Debug, PartialEq)]
pub struct TargetBaseline {
    /// Regression and binary: the predicted value (P(positive) for binary) on 12 numeric bins;
    /// multiclass: the predicted class, one bin per class.
    pub bins: Bins,
    /// The reference predictions' counts.
    pub histogram: Histogram,
    /// Rows scored.
    pub rows: u64,
    /// Mean predicted value (regression) or mean P(positive) (binary).
    pub mean_value: Option<f64>,
    /// Rows predicted as each class (classifiers).
    pub class_counts: Vec<u64>,
    /// Sum of each class's probability (classifiers).
    pub probability_sums: Vec<f64>,
}

/// The baseline of one generation of one endpoint.
#[derive(Clone, Debug, PartialEq)]
pub struct Baseline {
    /// The model's task.
    pub task: ModelTask,
    /// Class labels (classifiers).
    pub classes: Vec<String>,
    /// The positive class (binary).
    pub positive_class: Option<usize>,
    /// Rows in the reference sample.
    pub reference_rows: u64,
    /// Every feature, in schema order.
    pub features: Vec<FeatureBaseline>,
    /// The predictions on the reference; `None` when they could not be computed.
    pub target: Option<TargetBaseline>,
}

/// One scored reference row's output: (value, predicted class, probabilities).
pub type ReferenceOutput = (f64, Option<usize>, Vec<f64>);

impl Baseline {
    /// Builds the baseline of a model from its reference sample and the model's outputs on it
    /// (in the sample's order; empty when they could not be computed).
    pub fn build(model: &ModelInfo, outputs: &[ReferenceOutput]) -> Baseline {
        let features = model
            .features
            .iter()
            .filter_map(|f| {
                let values = model
                    .reference
                    .iter()
                    .map(|r| r.get(&f.name).unwrap_or(&Value::Null));
                let bins = match f.kind {
                    FeatureKind::Numeric => {
                        let numbers: Vec<f64> = values.clone().filter_map(number_of).collect();
                        Bins::Numeric(NumericBins::from_baseline(&numbers)?)
                    }
                    FeatureKind::Categorical => {
                        let categories: Vec<String> =
                            values.clone().filter_map(category_of).collect();
                        Bins::Categorical(CategoricalBins::from_baseline(
                            categories.iter().map(String::as_str),
                        ))
                    }
                };
                let mut histogram = Histogram::new(bins.len());
                for value in values {
                    match bins.bin_of(value) {
                        Some(bin) => histogram.counts[bin] += 1,
                        None => histogram.missing += 1,
                    }
                }
                Some(FeatureBaseline {
                    name: f.name.clone(),
                    kind: f.kind,
                    importance: f.importance,
                    bins,
                    histogram,
                })
            })
            .collect();
        Baseline {
            task: model.task,
            classes: model.classes.clone(),
            positive_class: model.positive_class,
            reference_rows: model.reference.len() as u64,
            features,
            target: target_baseline(model, outputs),
        }
    }

    /// The feature with this name.
    pub fn feature(&self, name: &str) -> Option<&FeatureBaseline> {
        self.features.iter().find(|f| f.name == name)
    }

    /// The bin of one scored output on the target's bins.
    pub fn target_bin(&self, value: f64, class: Option<usize>) -> Option<usize> {
        let target = self.target.as_ref()?;
        match &target.bins {
            Bins::Numeric(b) => b.bin_of(value),
            Bins::Categorical(b) => class
                .and_then(|c| self.classes.get(c))
                .map(|label| b.bin_of(label)),
        }
    }

    /// As stored in `mon_baselines.body`.
    pub fn to_json(&self) -> Value {
        let features: Vec<Value> = self
            .features
            .iter()
            .map(|f| {
                json!({
                    "name": f.name,
                    "kind": kind_name(f.kind),
                    "importance": f.importance.map(exact),
                    "bins": f.bins.to_json(),
                    "counts": f.histogram.counts,
                    "missing": f.histogram.missing,
                })
            })
            .collect();
        let target = self.target.as_ref().map(|t| {
            json!({
                "bins": t.bins.to_json(),
                "counts": t.histogram.counts,
                "missing": t.histogram.missing,
                "rows": t.rows,
                "meanValue": t.mean_value.map(exact),
                "classCounts": t.class_counts,
                "probabilitySums": t.probability_sums.iter().copied().map(exact).collect::<Vec<_>>(),
            })
        });
        json!({
            "task": self.task.as_str(),
            "classes": self.classes,
            "positiveClass": self.positive_class,
            "referenceRows": self.reference_rows,
            "features": features,
            "target": target,
        })
    }

    /// Reads what [`Baseline::to_json`] wrote.
    pub fn from_json(v: &Value) -> Option<Baseline> {
        let task = match v.get("task")?.as_str()? {
            "regression" => ModelTask::Regression,
            "binary" => ModelTask::Binary,
            _ => ModelTask::Multiclass,
        };
        let features = v
            .get("features")?
            .as_array()?
            .iter()
            .filter_map(|f| {
                Some(FeatureBaseline {
                    name: f.get("name")?.as_str()?.to_owned(),
                    kind: if f.get("kind")?.as_str()? == "numeric" {
                        FeatureKind::Numeric
                    } else {
                        FeatureKind::Categorical
                    },
                    importance: f.get("importance").and_then(float_of),
                    bins: Bins::from_json(f.get("bins")?)?,
                    histogram: histogram_of(f)?,
                })
            })
            .collect();
        let target = v.get("target").filter(|t| !t.is_null()).and_then(|t| {
            Some(TargetBaseline {
                bins: Bins::from_json(t.get("bins")?)?,
                histogram: histogram_of(t)?,
                rows: t.get("rows")?.as_u64()?,
                mean_value: t.get("meanValue").and_then(float_of),
                class_counts: u64s(t.get("classCounts")?),
                probability_sums: t
                    .get("probabilitySums")?
                    .as_array()?
                    .iter()
                    .filter_map(float_of)
                    .collect(),
            })
        });
        Some(Baseline {
            task,
            classes: v
                .get("classes")?
                .as_array()?
                .iter()
                .filter_map(|c| c.as_str().map(str::to_owned))
                .collect(),
            positive_class: v
                .get("positiveClass")
                .and_then(Value::as_u64)
                .map(|p| p as usize),
            reference_rows: v.get("referenceRows").and_then(Value::as_u64).unwrap_or(0),
            features,
            target,
        })
    }
}

/// A float as stored: its shortest round-trip text. serde_json's default parser is not
/// correctly rounded (it may land one ulp away), so a baseline stored as JSON numbers could
/// come back with moved bin edges after a restart; Rust's `str::parse::<f64>` is exact.
fn exact(x: f64) -> Value {
    Value::String(format!("{x:?}"))
}

/// A float written by [`exact`] (or, in bodies stored before, as a JSON number).
fn float_of(v: &Value) -> Option<f64> {
    match v {
        Value::String(s) => s.parse().ok(),
        other => other.as_f64(),
    }
}

fn kind_name(kind: FeatureKind) -> &'static str {
    match kind {
        FeatureKind::Numeric => "numeric",
        FeatureKind::Categorical => "categorical",
    }
}

fn u64s(v: &Value) -> Vec<u64> {
    v.as_array()
        .map(|a| a.iter().filter_map(Value::as_u64).collect())
        .unwrap_or_default()
}

fn histogram_of(v: &Value) -> Option<Histogram> {
    Some(Histogram {
        counts: u64s(v.get("counts")?),
        missing: v.get("missing")?.as_u64()?,
    })
}

fn target_baseline(model: &ModelInfo, outputs: &[ReferenceOutput]) -> Option<TargetBaseline> {
    if outputs.is_empty() {
        return None;
    }
    let n_classes = model.classes.len();
    let mut class_counts = vec![0_u64; n_classes];
    let mut probability_sums = vec![0_f64; n_classes];
    for (_, class, probabilities) in outputs {
        if let Some(c) = class
            && *c < n_classes
        {
            class_counts[*c] += 1;
        }
        for (sum, p) in probability_sums.iter_mut().zip(probabilities) {
            *sum += p;
        }
    }
    let (bins, histogram) = match model.task {
        ModelTask::Multiclass => {
            let bins = Bins::Categorical(CategoricalBins::from_categories(model.classes.clone()));
            // One bin per class in sorted order: map class index → sorted position.
            let mut histogram = Histogram::new(bins.len());
            for (_, class, _) in outputs {
                if let Some(c) = class
                    && let Some(label) = model.classes.get(*c)
                    && let Bins::Categorical(b) = &bins
                {
                    histogram.counts[b.bin_of(label)] += 1;
                }
            }
            (bins, histogram)
        }
        _ => {
            let values: Vec<f64> = outputs.iter().map(|o| o.0).collect();
            let bins = NumericBins::from_baseline(&values)?;
            let histogram = bins.histogram(&values);
            (Bins::Numeric(bins), histogram)
        }
    };
    let mean_value = (model.task != ModelTask::Multiclass)
        .then(|| outputs.iter().map(|o| o.0).sum::<f64>() / outputs.len() as f64);
    Some(TargetBaseline {
        bins,
        histogram,
        rows: outputs.len() as u64,
        mean_value,
        class_counts,
        probability_sums,
    })
}

/// The outputs of a `predict-multi` answer on the reference (`results[i].prediction`,
/// `.probas`), in the model's terms.
pub fn outputs_of_results(model: &ModelInfo, body: &Map<String, Value>) -> Vec<ReferenceOutput> {
    let Some(results) = body.get("results").and_then(Value::as_array) else {
        return Vec::new();
    };
    results
        .iter()
        .filter_map(|r| {
            let prediction = r.get("prediction")?;
            match model.task {
                // Numbers as the engine reports them for live rows (the f32 widened), so the
                // baseline's edges and live rows compare exactly.
                ModelTask::Regression => Some((as_output(prediction.as_f64()?), None, Vec::new())),
                ModelTask::Binary | ModelTask::Multiclass => {
                    let label = category_of(prediction)?;
                    let class = model.classes.iter().position(|c| *c == label)?;
                    let probas = r.get("probas")?;
                    let probabilities: Vec<f64> = model
                        .classes
                        .iter()
                        .map(|c| probas.get(c).and_then(Value::as_f64).map_or(0.0, as_output))
                        .collect();
                    let value = match (model.task, model.positive_class) {
                        (ModelTask::Binary, Some(p)) => probabilities.get(p).copied()?,
                        _ => probabilities.get(class).copied()?,
                    };
                    Some((value, Some(class), probabilities))
                }
            }
        })
        .collect()
}
