//! Evaluating one monitor over the monitoring store: the value it watches in its focal window
//! and whether that value breaks its range.

use super::config::{MonitorKind, MonitorSpec, drift_metric};
use crate::app::Ap;
use crate::registry::{Model, Version};
use crate::series::{filter_of, series_of};
use plinth_monitoring::actuals::ModelTerms;
use plinth_monitoring::baseline::Bins;
use plinth_monitoring::rollup::{HOUR_MS, hour_of};
use plinth_monitoring::{Baseline, TimeRange};
use plinth_monitoring_math::accuracy::{Task, metric_names};
use plinth_plugin_api::ModelTask;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// What one evaluation found.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// The watched value (`None`: no data to compute it; see `reason`).
    pub value: Option<f64>,
    /// The feature it is about, when there is one.
    pub field: Option<String>,
    /// Whether the value breaks the range.
    pub fired: bool,
    /// Why there is no value.
    pub reason: Option<String>,
    /// The version evaluated.
    pub version: Option<String>,
    /// The focal window.
    pub focal: TimeRange,
    /// Per feature values, for drift-like monitors.
    pub details: Value,
}

impl Outcome {
    /// As `last_run` shows it.
    pub fn to_json(&self, at_ms: i64) -> Value {
        json!({
            "at": crate::app::iso(at_ms), "value": self.value, "field": self.field,
            "fired": self.fired, "reason": self.reason, "version": self.version,
            "focal_start": crate::app::iso(self.focal.start_ms),
            "focal_end": crate::app::iso(self.focal.end_ms), "details": self.details,
        })
    }
}

/// The focal window ending `skip` hours before now's hour bucket (that bucket included).
pub fn window(now_ms: i64, hours: i64, skip: i64) -> TimeRange {
    let end = hour_of(now_ms) + HOUR_MS - skip * HOUR_MS;
    TimeRange {
        start_ms: end - hours * HOUR_MS,
        end_ms: end,
    }
}

/// The version a monitor watches: the one it names, else the generation taking most traffic
/// (a deployed endpoint) or the newest version.
pub async fn version_of(
    ap: &Ap,
    m: &Model,
    named: Option<&str>,
) -> Result<Option<Version>, sqlx::Error> {
    let registry = ap.registry();
    if let Some(name) = named {
        return registry.version(&m.id, name).await;
    }
    if let Some(main) = m
        .service_id
        .as_deref()
        .and_then(|s| ap.host.service(s))
        .and_then(|s| s.main_generation().map(str::to_owned))
        && let Some(v) = registry.version(&m.id, &main).await?
    {
        return Ok(Some(v));
    }
    Ok(registry.versions(&m.id).await?.pop())
}

fn no_data(reason: impl Into<String>, version: Option<&Version>, focal: TimeRange) -> Outcome {
    Outcome {
        value: None,
        field: None,
        fired: false,
        reason: Some(reason.into()),
        version: version.map(|v| v.name.clone()),
        focal,
        details: Value::Null,
    }
}

/// Share of rows per feature in the bins `pick` chooses, over the rows `denominator` counts.
fn shares(
    baseline: &Baseline,
    bins: &std::collections::HashMap<String, BTreeMap<i64, u64>>,
    field: Option<&str>,
    pick: impl Fn(&Bins, i64) -> Option<bool>,
) -> Result<Vec<(String, f64)>, String> {
    let mut out = Vec::new();
    for f in &baseline.features {
        if field.is_some_and(|name| name != f.name) {
            continue;
        }
        let Some(counts) = bins.get(&f.name) else {
            continue;
        };
        let (mut hit, mut total) = (0_u64, 0_u64);
        for (bin, n) in counts {
            match pick(&f.bins, *bin) {
                Some(true) => {
                    hit += n;
                    total += n;
                }
                Some(false) => total += n,
                None => {}
            }
        }
        if total > 0 {
            out.push((f.name.clone(), hit as f64 / total as f64));
        }
    }
    if let Some(name) = field
        && baseline.feature(name).is_none()
    {
        return Err(format!(
            "'{name}' is not a feature of the version's baseline"
        ));
    }
    Ok(out)
}

fn worst(values: Vec<(String, f64)>, range: &super::config::Range) -> Computed {
    let details = Value::Object(
        values
            .iter()
            .map(|(k, v)| (k.clone(), Value::from(*v)))
            .collect(),
    );
    // The value shown is the one breaking the range the most (or the largest).
    let pick = values
        .iter()
        .filter(|(_, v)| range.breaks(*v))
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .or_else(|| values.iter().max_by(|a, b| a.1.total_cmp(&b.1)));
    pick.map(|(name, v)| (Some(name.clone()), *v, details))
}

/// The task of a `model_type`.
pub fn task_of(model_type: &str) -> ModelTask {
    match model_type {
        "binary" => ModelTask::Binary,
        "multiclass" | "multi-label" => ModelTask::Multiclass,
        _ => ModelTask::Regression,
    }
}

/// The accuracy metric named by `metric.type`, case and punctuation ignored.
pub fn accuracy_metric(task: ModelTask, name: &str) -> Result<&'static str, String> {
    let key = |s: &str| {
        s.chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_lowercase()
    };
    let task = match task {
        ModelTask::Regression => Task::Regression,
        ModelTask::Binary => Task::Binary,
        ModelTask::Multiclass => Task::Multiclass,
    };
    let wanted = match key(name).as_str() {
        "r2" => "rsquared".to_owned(),
        "f1score" => "f1".to_owned(),
        other => other.to_owned(),
    };
    metric_names(task)
        .iter()
        .find(|m| key(m) == wanted)
        .copied()
        .ok_or_else(|| {
            format!(
                "'{name}' is not an accuracy metric of this model: one of {}",
                metric_names(task).join(", ")
            )
        })
}

async fn missing_ratio(
    ap: &Ap,
    m: &Model,
    v: &Version,
    field: Option<&str>,
    range: TimeRange,
) -> Result<Option<(Option<String>, f64)>, String> {
    let series = series_of(m, v);
    let Some(baseline) = ap.monitoring.baseline(&series).await else {
        return Ok(None);
    };
    let bins = ap
        .monitoring
        .histograms(&series, range)
        .await
        .map_err(|e| e.to_string())?;
    let values = shares(&baseline, &bins, field, |_, bin| Some(bin < 0))?;
    Ok(values
        .into_iter()
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(k, x)| (Some(k), x)))
}

/// The value of a `metric_change` metric over one window.
async fn change_metric(
    ap: &Ap,
    m: &Model,
    v: &Version,
    spec: &MonitorSpec,
    range: TimeRange,
) -> Result<Option<f64>, String> {
    match spec.metric.as_deref() {
        Some("count") => {
            let stats = ap
                .monitoring
                .prediction_stats(&filter_of(m, Some(v)), &[range], 0)
                .await
                .map_err(|e| e.to_string())?;
            Ok(stats.first().map(|s| s.rows as f64))
        }
        Some("mean_prediction") => {
            let stats = ap
                .monitoring
                .prediction_stats(&filter_of(m, Some(v)), &[range], 0)
                .await
                .map_err(|e| e.to_string())?;
            Ok(stats.first().and_then(|s| s.mean_value))
        }
        _ => Ok(missing_ratio(ap, m, v, spec.field.as_deref(), range)
            .await?
            .map(|(_, x)| x)),
    }
}

/// Evaluates a monitor at `now_ms`.
pub async fn evaluate(ap: &Ap, spec: &MonitorSpec, now_ms: i64) -> Outcome {
    let focal = window(now_ms, spec.focal_hours, spec.skip_hours);
    let registry = ap.registry();
    let m = match registry.model(&spec.model_id).await {
        Ok(Some(m)) => m,
        Ok(None) => {
            return no_data(
                format!("model '{}' no longer exists", spec.model_id),
                None,
                focal,
            );
        }
        Err(e) => return no_data(format!("the registry could not be read: {e}"), None, focal),
    };
    let v = match version_of(ap, &m, spec.version.as_deref()).await {
        Ok(Some(v)) => v,
        Ok(None) => return no_data("the model has no version", None, focal),
        Err(e) => return no_data(format!("the registry could not be read: {e}"), None, focal),
    };
    match compute(ap, spec, &m, &v, focal, now_ms).await {
        Ok(Some((field, value, details))) => Outcome {
            fired: spec.range.breaks(value),
            value: Some(value),
            field,
            reason: None,
            version: Some(v.name.clone()),
            focal,
            details,
        },
        Ok(None) => no_data(no_data_reason(spec.kind), Some(&v), focal),
        Err(e) => no_data(e, Some(&v), focal),
    }
}

fn no_data_reason(kind: MonitorKind) -> &'static str {
    match kind {
        MonitorKind::ModelActivity | MonitorKind::ModelStaleness => "no data",
        MonitorKind::PerformanceDegradation => {
            "no predictions with actuals in the focal window (log actuals with the predictions' ids)"
        }
        MonitorKind::MetricChange => "no value in the focal or the baseline window",
        _ => {
            "no baseline for this version (a bundle reference sample) or no rows in the focal window"
        }
    }
}

type Computed = Option<(Option<String>, f64, Value)>;

async fn compute(
    ap: &Ap,
    spec: &MonitorSpec,
    m: &Model,
    v: &Version,
    focal: TimeRange,
    now_ms: i64,
) -> Result<Computed, String> {
    let db = |e: sqlx::Error| format!("the monitoring store could not be read: {e}");
    let series = series_of(m, v);
    match spec.kind {
        MonitorKind::ModelActivity => {
            let stats = ap
                .monitoring
                .prediction_stats(&filter_of(m, Some(v)), &[focal], 0)
                .await
                .map_err(db)?;
            Ok(Some((
                None,
                stats.first().map_or(0, |s| s.rows) as f64,
                Value::Null,
            )))
        }
        MonitorKind::ModelStaleness => {
            let newest = ap
                .registry()
                .versions(&m.id)
                .await
                .map_err(db)?
                .into_iter()
                .map(|v| v.created_at)
                .max()
                .unwrap_or(v.created_at);
            let hours = (now_ms - newest).max(0) as f64 / HOUR_MS as f64;
            Ok(Some((None, hours, Value::Null)))
        }
        MonitorKind::MissingValues => Ok(missing_ratio(ap, m, v, spec.field.as_deref(), focal)
            .await?
            .map(|(f, x)| (f, x, Value::Null))),
        MonitorKind::ValuesRange | MonitorKind::NewValues => {
            let Some(baseline) = ap.monitoring.baseline(&series).await else {
                return Ok(None);
            };
            let bins = ap.monitoring.histograms(&series, focal).await.map_err(db)?;
            let numeric = spec.kind == MonitorKind::ValuesRange;
            let values = shares(&baseline, &bins, spec.field.as_deref(), |b, bin| match b {
                _ if bin < 0 => None,
                Bins::Numeric(n) if numeric => Some(bin == 0 || bin as usize + 1 == n.bin_count()),
                Bins::Categorical(c) if !numeric => Some(bin as usize == c.oov_bin()),
                _ => None,
            })?;
            if values.is_empty() {
                return Ok(None);
            }
            Ok(worst(values, &spec.range))
        }
        MonitorKind::DataDrift | MonitorKind::PredictionDrift => {
            let Some(baseline) = ap.monitoring.baseline(&series).await else {
                return Ok(None);
            };
            let metric = drift_metric(spec.metric.as_deref().unwrap_or("js_divergence"))?;
            let (features, target) = ap
                .monitoring
                .drift(&series, &baseline, focal, metric)
                .await
                .map_err(db)?;
            let scores: Vec<(String, f64)> = if spec.kind == MonitorKind::PredictionDrift {
                target
                    .into_iter()
                    .filter(|s| s.sample_size > 0)
                    .filter_map(|s| s.score.map(|x| ("prediction".to_owned(), x)))
                    .collect()
            } else {
                if let Some(name) = &spec.field
                    && !features.iter().any(|f| f.name == *name)
                {
                    return Err(format!(
                        "'{name}' is not a feature of the version's baseline"
                    ));
                }
                features
                    .into_iter()
                    .filter(|s| spec.field.as_ref().is_none_or(|f| *f == s.name))
                    .filter(|s| s.sample_size > 0)
                    .filter_map(|s| s.score.map(|x| (s.name, x)))
                    .collect()
            };
            if scores.is_empty() {
                return Ok(None);
            }
            Ok(worst(scores, &spec.range))
        }
        MonitorKind::PerformanceDegradation => {
            let baseline = ap.monitoring.baseline(&series).await;
            let terms = match &baseline {
                Some(b) => ModelTerms {
                    task: b.task,
                    classes: b.classes.clone(),
                    positive_class: b.positive_class,
                },
                None => ModelTerms {
                    task: task_of(&v.model_type),
                    classes: crate::logging::classes_of(v),
                    positive_class: (v.model_type == "binary").then_some(1),
                },
            };
            let name = accuracy_metric(terms.task, spec.metric.as_deref().unwrap_or("rmse"))?;
            let reports = ap
                .monitoring
                .accuracy(&filter_of(m, Some(v)), &terms, &[focal], &[name])
                .await
                .map_err(db)?;
            let value = reports
                .first()
                .filter(|r| r.sample_size > 0)
                .and_then(|r| r.values.first().and_then(|(_, x)| *x));
            Ok(value.map(|x| (None, x, json!({"metric": name}))))
        }
        MonitorKind::MetricChange => {
            let (hours, skip) = spec.baseline.unwrap_or((spec.focal_hours, 0));
            // The baseline window ends where the focal one starts, moved back by its skip.
            let base = TimeRange {
                end_ms: focal.start_ms - skip * HOUR_MS,
                start_ms: focal.start_ms - skip * HOUR_MS - hours * HOUR_MS,
            };
            let now = change_metric(ap, m, v, spec, focal).await?;
            let before = change_metric(ap, m, v, spec, base).await?;
            let change = match (now, before) {
                (Some(n), Some(b)) if b != 0.0 => (n - b) / b.abs(),
                (Some(0.0), Some(_)) => 0.0,
                _ => return Ok(None),
            };
            Ok(Some((
                spec.field.clone(),
                change,
                json!({"focal": now, "baseline": before, "baseline_start": crate::app::iso(base.start_ms), "baseline_end": crate::app::iso(base.end_ms)}),
            )))
        }
    }
}
