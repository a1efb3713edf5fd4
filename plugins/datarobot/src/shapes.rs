//! Response bodies that every observed `datarobot` client, 3.0.3 to 3.20.0, accepts
//! (DATAROBOT.md §3.3), built from plain input structs.
//!
//! Conventions of every builder here:
//! - Periods are `{"start","end"}` strings, RFC 3339 UTC with `Z` ([`Period::to_json`]).
//! - Counts are JSON integers. A float that must never be null (the error rates, the cache hit
//!   ratio, the loads) is written as `0.0` when it is NaN or infinite; a nullable float is
//!   written as `null` then.
//! - `segmentAttribute` is never `null`: it is left out unless a segment was requested.
//! - [`percent_change`] is `(value − baseline) / |baseline| × 100`, `null` when either is
//!   missing or the baseline is 0.
//! - `next`/`previous` links must be absolute URLs ([`page_links`] builds them).

use serde_json::{Map, Value, json};

use crate::params::{
    AccuracyMetric, DeploymentStatus, DriftMetric, HealthStatus, Importance, Period, Segment,
    ServiceStatsMetric, encode_query, format_timestamp,
};

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

/// A float that may be null: `None`, NaN and ±∞ become `null`.
fn nullable(v: Option<f64>) -> Value {
    match v {
        Some(x) if x.is_finite() => json!(x),
        _ => Value::Null,
    }
}

/// A float that must never be null: NaN and ±∞ become `0.0`.
fn number(v: f64) -> Value {
    if v.is_finite() { json!(v) } else { json!(0.0) }
}

/// `percentChange`: `(value − baseline) / |baseline| × 100`; `None` when either is missing or
/// not finite, or the baseline is 0.
pub fn percent_change(value: Option<f64>, baseline: Option<f64>) -> Option<f64> {
    let (v, b) = (value?, baseline?);
    if !v.is_finite() || !b.is_finite() || b == 0.0 {
        return None;
    }
    Some((v - b) / b.abs() * 100.0)
}

/// Adds `segmentAttribute` and `segmentValue` when a segment was requested (and nothing
/// otherwise: `segmentAttribute` is never null).
fn put_segment(obj: &mut Map<String, Value>, segment: Option<&Segment>) {
    if let Some(s) = segment {
        obj.insert("segmentAttribute".into(), json!(s.attribute.as_str()));
        obj.insert("segmentValue".into(), json!(s.value));
    }
}

fn opt_str(v: Option<&str>) -> Value {
    v.map_or(Value::Null, |s| json!(s))
}

/// Absolute `next`/`previous` links of a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageLinks {
    /// The next page, `None` on the last page.
    pub next: Option<String>,
    /// The previous page, `None` on the first page.
    pub previous: Option<String>,
}

/// The links of the page `[offset, offset + limit)` of `total` items.
///
/// `base_url` is the absolute URL of the route without a query (e.g.
/// `http://host:8080/api/v2/deployments/d1/featureDrift/`); `params` are the parameters to
/// repeat (e.g. [`crate::params::DriftQuery::link_params`]), followed by `offset` and `limit`.
pub fn page_links(
    base_url: &str,
    params: &[(String, String)],
    offset: u64,
    limit: u64,
    total: u64,
) -> PageLinks {
    let link = |off: u64| {
        let mut pairs = params.to_vec();
        pairs.push(("offset".into(), off.to_string()));
        pairs.push(("limit".into(), limit.to_string()));
        format!("{base_url}?{}", encode_query(&pairs))
    };
    let limit = limit.max(1);
    let next = (offset.saturating_add(limit) < total).then(|| link(offset + limit));
    let previous = (offset > 0).then(|| link(offset.saturating_sub(limit)));
    PageLinks { next, previous }
}

// ---------------------------------------------------------------------------------------------
// Service stats
// ---------------------------------------------------------------------------------------------

/// The eleven service-health numbers of a period.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServiceStatsMetrics {
    /// Prediction rows.
    pub total_predictions: u64,
    /// Prediction requests.
    pub total_requests: u64,
    /// Requests slower than the threshold.
    pub slow_requests: u64,
    /// Execution time at the quantile (ms); `None` without requests.
    pub execution_time_ms: Option<f64>,
    /// Response time at the quantile (ms); `None` without requests.
    pub response_time_ms: Option<f64>,
    /// 4xx / requests (0 without requests).
    pub user_error_rate: f64,
    /// 5xx / requests (0 without requests).
    pub server_error_rate: f64,
    /// Distinct consumers.
    pub num_consumers: u64,
    /// Cache hit ratio (0 if not tracked).
    pub cache_hit_ratio: f64,
    /// Median requests per minute.
    pub median_load: f64,
    /// Peak requests per minute.
    pub peak_load: f64,
}

/// Input of [`service_stats`].
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceStats {
    /// The effective period.
    pub period: Period,
    /// The model (generation); `None` is sent as `null` (the key is always present).
    pub model_id: Option<String>,
    /// The numbers.
    pub metrics: ServiceStatsMetrics,
    /// The requested segment, if any.
    pub segment: Option<Segment>,
}

/// `GET …/serviceStats/`: `{period, modelId, metrics{11}, segmentAttribute?, segmentValue?}`.
/// `executionTime`/`responseTime` may be null; the rates, ratio and loads never are.
pub fn service_stats(s: &ServiceStats) -> Value {
    let m = &s.metrics;
    let mut obj = Map::new();
    obj.insert("period".into(), s.period.to_json());
    obj.insert("modelId".into(), opt_str(s.model_id.as_deref()));
    obj.insert(
        "metrics".into(),
        json!({
            "totalPredictions": m.total_predictions,
            "totalRequests": m.total_requests,
            "slowRequests": m.slow_requests,
            "executionTime": nullable(m.execution_time_ms),
            "responseTime": nullable(m.response_time_ms),
            "userErrorRate": number(m.user_error_rate),
            "serverErrorRate": number(m.server_error_rate),
            "numConsumers": m.num_consumers,
            "cacheHitRatio": number(m.cache_hit_ratio),
            "medianLoad": number(m.median_load),
            "peakLoad": number(m.peak_load),
        }),
    );
    put_segment(&mut obj, s.segment.as_ref());
    Value::Object(obj)
}

/// One bucket of an over-time metric.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueBucket {
    /// The bucket's period.
    pub period: Period,
    /// The value; `None` when there is none.
    pub value: Option<f64>,
}

/// Input of [`service_stats_over_time`].
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceStatsOverTime {
    /// The effective period (the summary's period).
    pub period: Period,
    /// The metric.
    pub metric: ServiceStatsMetric,
    /// The model; repeated in every bucket.
    pub model_id: Option<String>,
    /// The buckets, in time order.
    pub buckets: Vec<ValueBucket>,
    /// The metric over the whole period.
    pub summary_value: Option<f64>,
    /// The requested segment, if any.
    pub segment: Option<Segment>,
}

/// A service-stats value: an integer for a whole count, else a float; `None` → null.
fn stat_value(metric: ServiceStatsMetric, v: Option<f64>) -> Value {
    match v {
        Some(x) if metric.is_count() && x.is_finite() && x.fract() == 0.0 && x.abs() < 9.0e15 => {
            json!(x as i64)
        }
        other => nullable(other),
    }
}

/// `GET …/serviceStatsOverTime/`:
/// `{metric, modelId, buckets[{period, value, modelId}], summary{period, value}, segment…?}`.
pub fn service_stats_over_time(s: &ServiceStatsOverTime) -> Value {
    let model = opt_str(s.model_id.as_deref());
    let buckets: Vec<Value> = s
        .buckets
        .iter()
        .map(|b| {
            json!({
                "period": b.period.to_json(),
                "value": stat_value(s.metric, b.value),
                "modelId": model,
            })
        })
        .collect();
    let mut obj = Map::new();
    obj.insert("metric".into(), json!(s.metric.as_str()));
    obj.insert("modelId".into(), model.clone());
    obj.insert("buckets".into(), Value::Array(buckets));
    obj.insert(
        "summary".into(),
        json!({"period": s.period.to_json(), "value": stat_value(s.metric, s.summary_value)}),
    );
    put_segment(&mut obj, s.segment.as_ref());
    Value::Object(obj)
}

// ---------------------------------------------------------------------------------------------
// Drift
// ---------------------------------------------------------------------------------------------

/// Input of [`target_drift`].
#[derive(Debug, Clone, PartialEq)]
pub struct TargetDrift {
    /// The effective period.
    pub period: Period,
    /// The metric.
    pub metric: DriftMetric,
    /// The model.
    pub model_id: Option<String>,
    /// The target's name.
    pub target_name: Option<String>,
    /// The score; `None` without a baseline or data.
    pub drift_score: Option<f64>,
    /// Predictions in the window.
    pub sample_size: Option<u64>,
    /// Rows of the baseline.
    pub baseline_sample_size: Option<u64>,
    /// The requested segment, if any.
    pub segment: Option<Segment>,
}

/// `GET …/targetDrift/`: `{period, metric, modelId, targetName, driftScore, sampleSize,
/// baselineSampleSize, segmentValue}` (`segmentValue` always present, null without a
/// segment), plus `segmentAttribute` when a segment was requested.
pub fn target_drift(t: &TargetDrift) -> Value {
    let mut obj = Map::new();
    obj.insert("period".into(), t.period.to_json());
    obj.insert("metric".into(), json!(t.metric.as_str()));
    obj.insert("modelId".into(), opt_str(t.model_id.as_deref()));
    obj.insert("targetName".into(), opt_str(t.target_name.as_deref()));
    obj.insert("driftScore".into(), nullable(t.drift_score));
    obj.insert("sampleSize".into(), json!(t.sample_size));
    obj.insert("baselineSampleSize".into(), json!(t.baseline_sample_size));
    obj.insert("segmentValue".into(), Value::Null);
    put_segment(&mut obj, t.segment.as_ref());
    Value::Object(obj)
}

/// One feature of a [`FeatureDriftPage`].
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureDriftItem {
    /// The feature's name.
    pub name: String,
    /// The score; `None` without a baseline or data.
    pub drift_score: Option<f64>,
    /// The feature's importance; `None` if unknown (the key is always sent).
    pub feature_impact: Option<f64>,
    /// Non-missing values in the window.
    pub sample_size: Option<u64>,
    /// Non-missing values in the baseline.
    pub baseline_sample_size: Option<u64>,
}

/// Input of [`feature_drift_page`].
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureDriftPage {
    /// The effective period.
    pub period: Period,
    /// The metric.
    pub metric: DriftMetric,
    /// The model.
    pub model_id: Option<String>,
    /// This page's features.
    pub items: Vec<FeatureDriftItem>,
    /// The links ([`page_links`]).
    pub links: PageLinks,
    /// The requested segment, if any.
    pub segment: Option<Segment>,
}

/// `GET …/featureDrift/`: `{period, metric, modelId, count, next, previous, data[{name,
/// driftScore, featureImpact, sampleSize, baselineSampleSize}]}`; `count` is the page's
/// length.
pub fn feature_drift_page(p: &FeatureDriftPage) -> Value {
    let data: Vec<Value> = p
        .items
        .iter()
        .map(|i| {
            json!({
                "name": i.name,
                "driftScore": nullable(i.drift_score),
                "featureImpact": nullable(i.feature_impact),
                "sampleSize": i.sample_size,
                "baselineSampleSize": i.baseline_sample_size,
            })
        })
        .collect();
    let mut obj = Map::new();
    obj.insert("period".into(), p.period.to_json());
    obj.insert("metric".into(), json!(p.metric.as_str()));
    obj.insert("modelId".into(), opt_str(p.model_id.as_deref()));
    obj.insert("count".into(), json!(data.len()));
    obj.insert("next".into(), opt_str(p.links.next.as_deref()));
    obj.insert("previous".into(), opt_str(p.links.previous.as_deref()));
    obj.insert("data".into(), Value::Array(data));
    put_segment(&mut obj, p.segment.as_ref());
    Value::Object(obj)
}

// ---------------------------------------------------------------------------------------------
// Predictions over time
// ---------------------------------------------------------------------------------------------

/// A class with a value (`meanProbabilities`).
#[derive(Debug, Clone, PartialEq)]
pub struct ClassValue {
    /// The class.
    pub class_name: String,
    /// The value.
    pub value: Option<f64>,
}

/// A class with a count and its share in percent (`classDistribution`).
#[derive(Debug, Clone, PartialEq)]
pub struct ClassCount {
    /// The class.
    pub class_name: String,
    /// Rows of the class.
    pub count: u64,
    /// `count` as a percentage of the rows (0..=100).
    pub percent: f64,
}

/// A percentile of the predictions (`percentiles`, sent only when requested).
#[derive(Debug, Clone, PartialEq)]
pub struct Percentile {
    /// The percentile, e.g. 10 or 90.
    pub percent: f64,
    /// The prediction at that percentile.
    pub value: Option<f64>,
}

/// The prediction statistics of one model over a bucket or the baseline.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PredictionStats {
    /// The model.
    pub model_id: String,
    /// Rows predicted.
    pub row_count: u64,
    /// Mean prediction (regression, or the positive class's probability); `None` otherwise.
    pub mean_predicted_value: Option<f64>,
    /// Mean probability per class (classification).
    pub mean_probabilities: Vec<ClassValue>,
    /// Predicted-class distribution (classification).
    pub class_distribution: Vec<ClassCount>,
    /// Percentiles, when `includePercentiles=True`; `None` leaves the key out.
    pub percentiles: Option<Vec<Percentile>>,
}

fn class_values(v: &[ClassValue]) -> Value {
    v.iter()
        .map(|c| json!({"className": c.class_name, "value": nullable(c.value)}))
        .collect()
}

fn class_counts(v: &[ClassCount]) -> Value {
    v.iter()
        .map(|c| json!({"className": c.class_name, "count": c.count, "percent": number(c.percent)}))
        .collect()
}

fn prediction_stats(s: &PredictionStats, period: Option<&Period>) -> Value {
    let mut obj = Map::new();
    if let Some(p) = period {
        obj.insert("period".into(), p.to_json());
    }
    obj.insert("modelId".into(), json!(s.model_id));
    obj.insert("rowCount".into(), json!(s.row_count));
    obj.insert(
        "meanPredictedValue".into(),
        nullable(s.mean_predicted_value),
    );
    obj.insert(
        "meanProbabilities".into(),
        class_values(&s.mean_probabilities),
    );
    obj.insert(
        "classDistribution".into(),
        class_counts(&s.class_distribution),
    );
    if let Some(ps) = &s.percentiles {
        let list: Vec<Value> = ps
            .iter()
            .map(|p| json!({"percent": number(p.percent), "value": nullable(p.value)}))
            .collect();
        obj.insert("percentiles".into(), Value::Array(list));
    }
    Value::Object(obj)
}

/// A bucket of [`PredictionsOverTime`].
#[derive(Debug, Clone, PartialEq)]
pub struct PredictionsBucket {
    /// The bucket's period.
    pub period: Period,
    /// The statistics.
    pub stats: PredictionStats,
}

/// Input of [`predictions_over_time`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PredictionsOverTime {
    /// One entry per model: the baseline's statistics.
    pub baselines: Vec<PredictionStats>,
    /// The buckets (per model, in time order).
    pub buckets: Vec<PredictionsBucket>,
}

/// `GET …/predictionsOverTime/`: **exactly** `{baselines, buckets}` (clients 3.2+ reject any
/// other top-level key, segment members included). Each bucket: `period, modelId, rowCount,
/// meanPredictedValue, meanProbabilities[{className, value}], classDistribution[{className,
/// count, percent}]`, plus `percentiles` when requested.
pub fn predictions_over_time(p: &PredictionsOverTime) -> Value {
    let baselines: Vec<Value> = p
        .baselines
        .iter()
        .map(|b| prediction_stats(b, None))
        .collect();
    let buckets: Vec<Value> = p
        .buckets
        .iter()
        .map(|b| prediction_stats(&b.stats, Some(&b.period)))
        .collect();
    json!({"baselines": baselines, "buckets": buckets})
}

/// Predictions-vs-actuals statistics of one model over a bucket or the baseline.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PredictionsVsActualsStats {
    /// The model.
    pub model_id: String,
    /// Rows predicted.
    pub row_count_total: u64,
    /// Rows with an actual.
    pub row_count_with_actual: u64,
    /// Mean prediction over the rows with an actual (regression).
    pub mean_predicted_value: Option<f64>,
    /// Mean actual (regression).
    pub mean_actual_value: Option<f64>,
    /// Predicted-class distribution (classification; left out when empty).
    pub predicted_class_distribution: Vec<ClassCount>,
    /// Actual-class distribution (classification; left out when empty).
    pub actual_class_distribution: Vec<ClassCount>,
}

fn pva_stats(s: &PredictionsVsActualsStats, period: Option<&Period>) -> Value {
    let mut obj = Map::new();
    if let Some(p) = period {
        obj.insert("period".into(), p.to_json());
    }
    obj.insert("modelId".into(), json!(s.model_id));
    obj.insert("rowCountTotal".into(), json!(s.row_count_total));
    obj.insert("rowCountWithActual".into(), json!(s.row_count_with_actual));
    obj.insert(
        "meanPredictedValue".into(),
        nullable(s.mean_predicted_value),
    );
    obj.insert("meanActualValue".into(), nullable(s.mean_actual_value));
    if !s.predicted_class_distribution.is_empty() {
        obj.insert(
            "predictedClassDistribution".into(),
            class_counts(&s.predicted_class_distribution),
        );
    }
    if !s.actual_class_distribution.is_empty() {
        obj.insert(
            "actualClassDistribution".into(),
            class_counts(&s.actual_class_distribution),
        );
    }
    Value::Object(obj)
}

/// A bucket of [`PredictionsVsActualsOverTime`].
#[derive(Debug, Clone, PartialEq)]
pub struct PredictionsVsActualsBucket {
    /// The bucket's period.
    pub period: Period,
    /// The statistics.
    pub stats: PredictionsVsActualsStats,
}

/// Input of [`predictions_vs_actuals_over_time`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PredictionsVsActualsOverTime {
    /// Rows predicted over the whole period.
    pub row_count_total: u64,
    /// Rows with an actual over the whole period.
    pub row_count_with_actual: u64,
    /// One entry per model.
    pub baselines: Vec<PredictionsVsActualsStats>,
    /// The buckets.
    pub buckets: Vec<PredictionsVsActualsBucket>,
    /// The segment, only when the request had one (3.3–3.5 reject segment members).
    pub segment: Option<Segment>,
}

/// `GET …/predictionsVsActualsOverTime/`: **exactly** `{summary, baselines, buckets}`, plus
/// `segmentAttribute`/`segmentValue` only when a segment was requested. No top-level
/// `modelId` (rejected).
pub fn predictions_vs_actuals_over_time(p: &PredictionsVsActualsOverTime) -> Value {
    let mut obj = Map::new();
    obj.insert(
        "summary".into(),
        json!({"rowCountTotal": p.row_count_total, "rowCountWithActual": p.row_count_with_actual}),
    );
    obj.insert(
        "baselines".into(),
        p.baselines.iter().map(|b| pva_stats(b, None)).collect(),
    );
    obj.insert(
        "buckets".into(),
        p.buckets
            .iter()
            .map(|b| pva_stats(&b.stats, Some(&b.period)))
            .collect(),
    );
    put_segment(&mut obj, p.segment.as_ref());
    Value::Object(obj)
}

// ---------------------------------------------------------------------------------------------
// Accuracy
// ---------------------------------------------------------------------------------------------

/// One accuracy metric of one model over the period.
#[derive(Debug, Clone, PartialEq)]
pub struct AccuracyValue {
    /// The metric.
    pub metric: AccuracyMetric,
    /// The model.
    pub model_id: String,
    /// The value over the period.
    pub value: Option<f64>,
    /// Rows with actuals behind `value`.
    pub sample_size: Option<u64>,
    /// The baseline's value.
    pub baseline_value: Option<f64>,
    /// Rows behind the baseline.
    pub baseline_sample_size: Option<u64>,
}

/// Input of [`accuracy`].
#[derive(Debug, Clone, PartialEq)]
pub struct Accuracy {
    /// The effective period.
    pub period: Period,
    /// The (first) model: must be a non-empty string (3.2–3.8 reject null and `""`).
    pub model_id: String,
    /// The values, for one or several models.
    pub values: Vec<AccuracyValue>,
    /// The requested segment, if any.
    pub segment: Option<Segment>,
}

/// `GET …/accuracy/`: `{period, modelId, metrics, data}`.
///
/// - `metrics` (read by ≤ 3.8, and by `acc["RMSE"]` in 3.20) is an object, never null, keyed
///   by metric name, holding `{value, baselineValue, percentChange}` of `model_id`'s values
///   only, and only the 25 names client 3.0.x accepts
///   ([`AccuracyMetric::in_client_metrics_map`]); the first value per name wins.
/// - `data` (required by 3.9+) lists every value: `{metricName, modelId, value, sampleSize,
///   baselineValue, baselineSampleSize, percentChange}`.
pub fn accuracy(a: &Accuracy) -> Value {
    let mut metrics = Map::new();
    let mut data = Vec::new();
    for v in &a.values {
        let change = nullable(percent_change(v.value, v.baseline_value));
        if v.model_id == a.model_id
            && v.metric.in_client_metrics_map()
            && !metrics.contains_key(v.metric.as_str())
        {
            metrics.insert(
                v.metric.as_str().to_string(),
                json!({
                    "value": nullable(v.value),
                    "baselineValue": nullable(v.baseline_value),
                    "percentChange": change,
                }),
            );
        }
        data.push(json!({
            "metricName": v.metric.as_str(),
            "modelId": v.model_id,
            "value": nullable(v.value),
            "sampleSize": v.sample_size,
            "baselineValue": nullable(v.baseline_value),
            "baselineSampleSize": v.baseline_sample_size,
            "percentChange": change,
        }));
    }
    let mut obj = Map::new();
    obj.insert("period".into(), a.period.to_json());
    obj.insert("modelId".into(), json!(a.model_id));
    obj.insert("metrics".into(), Value::Object(metrics));
    obj.insert("data".into(), Value::Array(data));
    put_segment(&mut obj, a.segment.as_ref());
    Value::Object(obj)
}

/// A bucket of [`AccuracyOverTime`].
#[derive(Debug, Clone, PartialEq)]
pub struct AccuracyBucket {
    /// The bucket's period.
    pub period: Period,
    /// The model (`get_as_dataframe` indexes on it).
    pub model_id: String,
    /// The metric's value.
    pub value: Option<f64>,
    /// Rows with actuals.
    pub sample_size: Option<u64>,
}

/// A model's baseline in [`AccuracyOverTime`].
#[derive(Debug, Clone, PartialEq)]
pub struct AccuracyBaseline {
    /// The model.
    pub model_id: String,
    /// The metric's value on the baseline.
    pub value: Option<f64>,
    /// Rows of the baseline.
    pub sample_size: Option<u64>,
}

/// Input of [`accuracy_over_time`].
#[derive(Debug, Clone, PartialEq)]
pub struct AccuracyOverTime {
    /// The effective period (the summary's period).
    pub period: Period,
    /// The metric.
    pub metric: AccuracyMetric,
    /// The (first) model.
    pub model_id: Option<String>,
    /// The buckets.
    pub buckets: Vec<AccuracyBucket>,
    /// The metric over the whole period.
    pub summary_value: Option<f64>,
    /// Rows behind `summary_value`.
    pub summary_sample_size: Option<u64>,
    /// The deprecated single `baseline` (of the first model); its period is `null` when
    /// `None`.
    pub baseline: Option<AccuracyBaseline>,
    /// The period the baseline covers, if it has one.
    pub baseline_period: Option<Period>,
    /// One baseline per model.
    pub baselines: Vec<AccuracyBaseline>,
    /// The requested segment, if any.
    pub segment: Option<Segment>,
}

/// `GET …/accuracyOverTime/`: `{metric, modelId, buckets[{period, value, sampleSize,
/// modelId}], summary{period, value, sampleSize}, baseline{period, value, sampleSize},
/// baselines[{modelId, value, sampleSize}]}`.
pub fn accuracy_over_time(a: &AccuracyOverTime) -> Value {
    let buckets: Vec<Value> = a
        .buckets
        .iter()
        .map(|b| {
            json!({
                "period": b.period.to_json(),
                "value": nullable(b.value),
                "sampleSize": b.sample_size,
                "modelId": b.model_id,
            })
        })
        .collect();
    let baselines: Vec<Value> = a
        .baselines
        .iter()
        .map(|b| json!({"modelId": b.model_id, "value": nullable(b.value), "sampleSize": b.sample_size}))
        .collect();
    let mut obj = Map::new();
    obj.insert("metric".into(), json!(a.metric.as_str()));
    obj.insert("modelId".into(), opt_str(a.model_id.as_deref()));
    obj.insert("buckets".into(), Value::Array(buckets));
    obj.insert(
        "summary".into(),
        json!({
            "period": a.period.to_json(),
            "value": nullable(a.summary_value),
            "sampleSize": a.summary_sample_size,
        }),
    );
    obj.insert(
        "baseline".into(),
        json!({
            "period": a.baseline_period.map_or(Value::Null, |p| p.to_json()),
            "value": nullable(a.baseline.as_ref().and_then(|b| b.value)),
            "sampleSize": a.baseline.as_ref().and_then(|b| b.sample_size),
        }),
    );
    obj.insert("baselines".into(), Value::Array(baselines));
    put_segment(&mut obj, a.segment.as_ref());
    Value::Object(obj)
}

// ---------------------------------------------------------------------------------------------
// Deployments
// ---------------------------------------------------------------------------------------------

/// The model behind a deployment.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DeploymentModel {
    /// The generation: a non-blank id without `/`.
    pub id: String,
    /// A description of the model type.
    pub model_type: Option<String>,
    /// The target column.
    pub target_name: Option<String>,
    /// `Regression`, `Binary`, `Multiclass`, …
    pub target_type: Option<String>,
    /// A project id, if any.
    pub project_id: Option<String>,
    /// When the model was deployed (UTC ms).
    pub deployed_at_ms: Option<i64>,
}

/// A health summary (`serviceHealth`, `modelHealth`, `accuracyHealth`).
#[derive(Debug, Clone, PartialEq)]
pub struct Health {
    /// The status.
    pub status: HealthStatus,
    /// A message (left out when `None`).
    pub message: Option<String>,
    /// The period judged, if any.
    pub period: Option<Period>,
}

impl Health {
    /// `{"status": "unknown"}`.
    pub fn unknown() -> Self {
        Health {
            status: HealthStatus::Unknown,
            message: None,
            period: None,
        }
    }

    fn to_json(&self) -> Value {
        let mut obj = Map::new();
        obj.insert("status".into(), json!(self.status.as_str()));
        if let Some(m) = &self.message {
            obj.insert("message".into(), json!(m));
        }
        if let Some(p) = &self.period {
            obj.insert("startDate".into(), json!(format_timestamp(p.start_ms)));
            obj.insert("endDate".into(), json!(format_timestamp(p.end_ms)));
        }
        Value::Object(obj)
    }
}

/// A prediction server (`defaultPredictionServer`, `GET /predictionServers/`).
#[derive(Debug, Clone, PartialEq)]
pub struct PredictionServer {
    /// Its id.
    pub id: String,
    /// Its absolute base URL.
    pub url: String,
    /// The `datarobot-key` header value, if one is expected.
    pub datarobot_key: Option<String>,
}

impl PredictionServer {
    fn to_json(&self) -> Value {
        let mut obj = Map::new();
        obj.insert("id".into(), json!(self.id));
        obj.insert("url".into(), json!(self.url));
        if let Some(k) = &self.datarobot_key {
            obj.insert("datarobot-key".into(), json!(k));
        }
        Value::Object(obj)
    }
}

/// A tag of a deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its value.
    pub value: String,
}

/// A capability (`GET …/capabilities/`, and `capabilities` of the deployment).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capability {
    /// Its name, e.g. `supportsTargetDriftTracking`.
    pub name: String,
    /// Whether it is supported.
    pub supported: bool,
    /// Why not, or other notes.
    pub messages: Vec<String>,
}

/// The capability names of the deployment object, in the seed's order.
pub const CAPABILITY_NAMES: [&str; 17] = [
    "supportsAutomaticActuals",
    "supportsChallengerModels",
    "supportsFeatureDriftTracking",
    "supportsFeatureTypeInfoValidation",
    "supportsHumilityRecommendedRules",
    "supportsHumilityRules",
    "supportsHumilityRulesDefaultCalculations",
    "supportsModelReplacement",
    "supportsPortablePredictionServer",
    "supportsPredictionIntervals",
    "supportsPredictionWarning",
    "supportsRetraining",
    "supportsScoringCodeDownload",
    "supportsSecondaryDatasets",
    "supportsSegmentedAnalysisDriftAndAccuracy",
    "supportsShapBasedPredictionExplanations",
    "supportsTargetDriftTracking",
];

impl Capability {
    /// Plinth's fixed capability list: every name of [`CAPABILITY_NAMES`], supported only for
    /// target drift, feature drift and segmented analysis as given; the rest carry the message
    /// "not supported by Plinth".
    pub fn plinth_list(target_drift: bool, feature_drift: bool, segments: bool) -> Vec<Capability> {
        CAPABILITY_NAMES
            .iter()
            .map(|&name| {
                let supported = match name {
                    "supportsTargetDriftTracking" => target_drift,
                    "supportsFeatureDriftTracking" => feature_drift,
                    "supportsSegmentedAnalysisDriftAndAccuracy" => segments,
                    _ => false,
                };
                Capability {
                    name: name.to_string(),
                    supported,
                    messages: if supported {
                        Vec::new()
                    } else {
                        vec!["not supported by Plinth".to_string()]
                    },
                }
            })
            .collect()
    }
}

/// `GET …/capabilities/`: `{"data": [{name, supported, messages}]}`.
pub fn capabilities_list(caps: &[Capability]) -> Value {
    let data: Vec<Value> = caps
        .iter()
        .map(|c| json!({"name": c.name, "supported": c.supported, "messages": c.messages}))
        .collect();
    json!({"data": data})
}

/// Input of [`deployment`].
#[derive(Debug, Clone, PartialEq)]
pub struct Deployment {
    /// The id: non-blank, without `/`.
    pub id: String,
    /// The label (blank allowed).
    pub label: String,
    /// The description (left out when `None`).
    pub description: Option<String>,
    /// `active` or `inactive`.
    pub status: DeploymentStatus,
    /// The importance.
    pub importance: Importance,
    /// The current model.
    pub model: DeploymentModel,
    /// Capabilities, sent as `{name: supported}`.
    pub capabilities: Vec<Capability>,
    /// Predictions per day, oldest first.
    pub daily_rates: Vec<f64>,
    /// The last prediction (UTC ms), if any.
    pub last_prediction_ms: Option<i64>,
    /// Service health.
    pub service_health: Health,
    /// Model (drift) health.
    pub model_health: Health,
    /// Accuracy health.
    pub accuracy_health: Health,
    /// Where predictions go.
    pub default_prediction_server: Option<PredictionServer>,
    /// When the deployment was created (UTC ms).
    pub created_at_ms: i64,
    /// Tags.
    pub tags: Vec<Tag>,
    /// Permissions of the caller, e.g. `CAN_VIEW`.
    pub permissions: Vec<String>,
}

/// The deployment object (`GET /deployments/{id}/` and each item of the list). Nulls are
/// left out (the client reads it with `keep_null_keys=False`).
pub fn deployment(d: &Deployment) -> Value {
    let mut model = Map::new();
    model.insert("id".into(), json!(d.model.id));
    let opt_fields = [
        ("type", d.model.model_type.as_deref()),
        ("targetName", d.model.target_name.as_deref()),
        ("targetType", d.model.target_type.as_deref()),
        ("projectId", d.model.project_id.as_deref()),
    ];
    for (k, v) in opt_fields {
        if let Some(v) = v {
            model.insert(k.into(), json!(v));
        }
    }
    if let Some(at) = d.model.deployed_at_ms {
        model.insert("deployedAt".into(), json!(format_timestamp(at)));
    }

    let caps: Map<String, Value> = d
        .capabilities
        .iter()
        .map(|c| (c.name.clone(), json!(c.supported)))
        .collect();

    let mut usage = Map::new();
    usage.insert(
        "dailyRates".into(),
        d.daily_rates.iter().map(|&r| number(r)).collect(),
    );
    if let Some(at) = d.last_prediction_ms {
        usage.insert("lastTimestamp".into(), json!(format_timestamp(at)));
    }

    let mut obj = Map::new();
    obj.insert("id".into(), json!(d.id));
    obj.insert("label".into(), json!(d.label));
    if let Some(desc) = &d.description {
        obj.insert("description".into(), json!(desc));
    }
    obj.insert("status".into(), json!(d.status.as_str()));
    obj.insert("importance".into(), json!(d.importance.as_str()));
    obj.insert("model".into(), Value::Object(model));
    obj.insert("capabilities".into(), Value::Object(caps));
    obj.insert("predictionUsage".into(), Value::Object(usage));
    obj.insert("serviceHealth".into(), d.service_health.to_json());
    obj.insert("modelHealth".into(), d.model_health.to_json());
    obj.insert("accuracyHealth".into(), d.accuracy_health.to_json());
    if let Some(s) = &d.default_prediction_server {
        obj.insert("defaultPredictionServer".into(), s.to_json());
    }
    obj.insert("createdAt".into(), json!(format_timestamp(d.created_at_ms)));
    obj.insert(
        "tags".into(),
        d.tags
            .iter()
            .map(|t| json!({"id": t.id, "name": t.name, "value": t.value}))
            .collect(),
    );
    obj.insert(
        "settings".into(),
        json!({
            "batchMonitoringEnabled": false,
            "humbleAiEnabled": false,
            "predictionIntervalsEnabled": false,
            "predictionWarningEnabled": false,
        }),
    );
    obj.insert("permissions".into(), json!(d.permissions));
    Value::Object(obj)
}

/// A page of a list: `{count, next, previous, data, totalCount}`; `count` is the page's
/// length.
pub fn list_page(data: Vec<Value>, links: &PageLinks, total_count: u64) -> Value {
    json!({
        "count": data.len(),
        "next": opt_str(links.next.as_deref()),
        "previous": opt_str(links.previous.as_deref()),
        "data": data,
        "totalCount": total_count,
    })
}

/// `GET /deployments/`: a [`list_page`] of [`deployment`] objects.
pub fn deployment_list(deployments: &[Deployment], links: &PageLinks, total_count: u64) -> Value {
    list_page(
        deployments.iter().map(deployment).collect(),
        links,
        total_count,
    )
}

// ---------------------------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------------------------

/// The settings Plinth tracks; everything else in [`settings`] is fixed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DeploymentSettings {
    /// `associationId.columnNames`.
    pub association_id_columns: Vec<String>,
    /// `associationId.requiredInPredictionRequests`.
    pub association_id_required: bool,
    /// `targetDrift.enabled`.
    pub target_drift_enabled: bool,
    /// `featureDrift.enabled`.
    pub feature_drift_enabled: bool,
    /// `predictionsDataCollection.enabled`.
    pub predictions_data_collection_enabled: bool,
    /// `segmentAnalysis.enabled`.
    pub segment_analysis_enabled: bool,
    /// `segmentAnalysis.attributes`.
    pub segment_attributes: Vec<String>,
}

/// `GET …/settings/`: the tracked settings, plus fixed values for the features Plinth lacks
/// (automatic actuals, challengers, humility, prediction intervals and warnings, predictions
/// by forecast date: all disabled; `processingLimits.interval` `hour`).
pub fn settings(s: &DeploymentSettings) -> Value {
    json!({
        "associationId": {
            "columnNames": s.association_id_columns,
            "requiredInPredictionRequests": s.association_id_required,
        },
        "targetDrift": {"enabled": s.target_drift_enabled},
        "featureDrift": {"enabled": s.feature_drift_enabled},
        "predictionsDataCollection": {"enabled": s.predictions_data_collection_enabled},
        "segmentAnalysis": {
            "enabled": s.segment_analysis_enabled,
            "attributes": s.segment_attributes,
        },
        "automaticActuals": {"enabled": false},
        "challengerModels": {"enabled": false},
        "humility": {"enabled": false},
        "predictionIntervals": {"enabled": false, "percentiles": []},
        "predictionWarning": {"enabled": false},
        "predictionsByForecastDate": {"enabled": false},
        "processingLimits": {"interval": "hour"},
    })
}

/// The sections of the health settings, in order.
pub const HEALTH_SETTINGS_SECTIONS: [&str; 7] = [
    "service",
    "dataDrift",
    "accuracy",
    "fairness",
    "customMetrics",
    "predictionsTimeliness",
    "actualsTimeliness",
];

/// `GET …/healthSettings/defaults/` (and the health settings before any PATCH).
///
/// The platform's defaults are not published; these are Plinth's: drift threshold 0.15 and
/// importance threshold 0.5; accuracy measured in percent with warning/failing at 10 %/20 %
/// of `accuracy_metric` (left out when `None`); timeliness checks off.
pub fn default_health_settings(accuracy_metric: Option<AccuracyMetric>) -> Value {
    let mut accuracy = Map::new();
    accuracy.insert("batchCount".into(), json!(5));
    if let Some(m) = accuracy_metric {
        accuracy.insert("metric".into(), json!(m.as_str()));
    }
    accuracy.insert("measurement".into(), json!("percent"));
    accuracy.insert("warningThreshold".into(), json!(10.0));
    accuracy.insert("failingThreshold".into(), json!(20.0));
    json!({
        "service": {"batchCount": 5},
        "dataDrift": {
            "timeInterval": "P7D",
            "batchCount": 5,
            "driftThreshold": 0.15,
            "importanceThreshold": 0.5,
            "lowImportanceWarningCount": 0,
            "lowImportanceFailingCount": 0,
            "highImportanceWarningCount": 1,
            "highImportanceFailingCount": 0,
            "excludedFeatures": [],
            "starredFeatures": [],
        },
        "accuracy": Value::Object(accuracy),
        "fairness": {"protectedClassWarningCount": 1, "protectedClassFailingCount": 2},
        "customMetrics": {"warningConditions": [], "failingConditions": []},
        "predictionsTimeliness": {"enabled": false},
        "actualsTimeliness": {"enabled": false},
    })
}

/// Applies a `PATCH …/healthSettings/` body to `current`: each given section's members
/// replace the current ones (members not given are kept). The body must be an object whose
/// keys are among [`HEALTH_SETTINGS_SECTIONS`] and whose values are objects; the error is the
/// message for a 422.
pub fn merge_health_settings(current: &Value, patch: &Value) -> Result<Value, String> {
    let patch = patch
        .as_object()
        .ok_or_else(|| "the body must be a JSON object".to_string())?;
    let mut out = current.as_object().cloned().unwrap_or_default();
    for (section, members) in patch {
        if !HEALTH_SETTINGS_SECTIONS.contains(&section.as_str()) {
            return Err(format!(
                "unknown health settings section {section:?}; known: {}",
                HEALTH_SETTINGS_SECTIONS.join(", ")
            ));
        }
        let members = members
            .as_object()
            .ok_or_else(|| format!("{section} must be a JSON object"))?;
        let entry = out
            .entry(section.clone())
            .or_insert_with(|| Value::Object(Map::new()));
        if !entry.is_object() {
            *entry = Value::Object(Map::new());
        }
        if let Some(target) = entry.as_object_mut() {
            for (k, v) in members {
                target.insert(k.clone(), v.clone());
            }
        }
    }
    Ok(Value::Object(out))
}

// ---------------------------------------------------------------------------------------------
// Features, version, prediction servers
// ---------------------------------------------------------------------------------------------

/// A feature of the deployment's model (`GET …/features/`).
#[derive(Debug, Clone, PartialEq)]
pub struct Feature {
    /// Its name.
    pub name: String,
    /// Its type, e.g. `Numeric`, `Categorical`, `Text`.
    pub feature_type: String,
    /// Its importance, if known.
    pub importance: Option<f64>,
    /// Its date format, for dates.
    pub date_format: Option<String>,
    /// Whether it is known in advance (time series).
    pub known_in_advance: bool,
}

/// `GET …/features/`: one [`list_page`] holding every feature (`next` null), each
/// `{name, featureType, importance, dateFormat, knownInAdvance}`.
pub fn features_list(features: &[Feature]) -> Value {
    let data: Vec<Value> = features
        .iter()
        .map(|f| {
            json!({
                "name": f.name,
                "featureType": f.feature_type,
                "importance": nullable(f.importance),
                "dateFormat": opt_str(f.date_format.as_deref()),
                "knownInAdvance": f.known_in_advance,
            })
        })
        .collect();
    let total = data.len() as u64;
    list_page(
        data,
        &PageLinks {
            next: None,
            previous: None,
        },
        total,
    )
}

/// The API version Plinth reports (what client 3.20.0 expects).
pub const API_VERSION: (u32, u32, u32) = (2, 49, 0);

/// `GET /version/`: `{"versionString": "2.49.0", "major": 2, "minor": 49}`.
pub fn version() -> Value {
    let (major, minor, patch) = API_VERSION;
    json!({
        "versionString": format!("{major}.{minor}.{patch}"),
        "major": major,
        "minor": minor,
    })
}

/// `GET /predictionServers/`: one [`list_page`] of `{id, url, datarobot-key?}`.
pub fn prediction_servers(servers: &[PredictionServer]) -> Value {
    let data: Vec<Value> = servers.iter().map(PredictionServer::to_json).collect();
    let total = data.len() as u64;
    list_page(
        data,
        &PageLinks {
            next: None,
            previous: None,
        },
        total,
    )
}
