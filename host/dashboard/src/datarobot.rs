//! The DataRobot monitoring API's JSON answers, as far as the service page's charts read them
//! (the shapes of `plugins/datarobot/src/shapes.rs`, built by the handlers of
//! `plugins/datarobot/src/routes/{health,drift,predictions,accuracy}.rs`), and the paths of
//! those calls. Unknown fields are ignored and missing optional ones take defaults.
//!
//! A deployment is one prediction endpoint of a service: `<service>~<endpoint>`. The paths end
//! with a slash, as the DataRobot client writes them (the server drops it before routing).

use crate::api_client::segment;
use serde::Deserialize;

/// `{"start": "2024-01-01T00:00:00Z", "end": "..."}` (`Period::to_json` in `params.rs`).
#[derive(Clone, Debug, Deserialize)]
pub struct DrPeriod {
    /// Inclusive start, RFC 3339 UTC.
    pub start: String,
    /// Exclusive end.
    pub end: String,
}

impl DrPeriod {
    /// Both ends in ms since the epoch, when readable.
    pub fn ms(&self) -> Option<(i64, i64)> {
        Some((parse_utc(&self.start)?, parse_utc(&self.end)?))
    }
}

/// `GET …/serviceStatsOverTime/`: `{metric, modelId, buckets[{period, value, modelId}],
/// summary{period, value}}` (`shapes::service_stats_over_time`).
#[derive(Clone, Debug, Deserialize)]
pub struct ServiceStatsOverTime {
    /// In time order.
    #[serde(default)]
    pub buckets: Vec<ValueBucket>,
}

/// One bucket of an over-time metric: the value is null when there is none.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ValueBucket {
    /// The bucket's period.
    pub period: DrPeriod,
    /// The metric over the bucket.
    #[serde(default)]
    pub value: Option<f64>,
    /// Rows with actuals behind the value (`accuracyOverTime` only).
    #[serde(default)]
    pub sample_size: Option<u64>,
}

/// `GET …/featureDrift/`: `{period, metric, modelId, count, next, previous, data[{name,
/// driftScore, featureImpact, sampleSize, baselineSampleSize}]}` (`shapes::feature_drift_page`).
#[derive(Clone, Debug, Deserialize)]
pub struct FeatureDrift {
    /// The drift metric (`psi` by default).
    #[serde(default)]
    pub metric: String,
    /// This page of features, most important first.
    #[serde(default)]
    pub data: Vec<FeatureDriftItem>,
    /// The next page, when there is one.
    #[serde(default)]
    pub next: Option<String>,
}

/// One feature's drift against the baseline.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FeatureDriftItem {
    /// The feature.
    pub name: String,
    /// Null without a baseline or data.
    #[serde(default)]
    pub drift_score: Option<f64>,
    /// The feature's importance, when known.
    #[serde(default)]
    pub feature_impact: Option<f64>,
    /// Non-missing values in the period.
    #[serde(default)]
    pub sample_size: Option<u64>,
    /// Non-missing values in the baseline.
    #[serde(default)]
    pub baseline_sample_size: Option<u64>,
}

/// `GET …/healthSettings/`: only `dataDrift.driftThreshold` is read
/// (`shapes::default_health_settings`, merged with the stored settings).
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HealthSettings {
    /// The data drift section.
    pub data_drift: DataDriftSettings,
}

/// `healthSettings.dataDrift`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DataDriftSettings {
    /// A feature whose score is at or above this drifts.
    pub drift_threshold: f64,
}

/// `GET …/targetDrift/`: `{period, metric, modelId, targetName, driftScore, sampleSize,
/// baselineSampleSize}` (`shapes::target_drift`): one score, no histogram.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TargetDrift {
    /// The drift metric.
    #[serde(default)]
    pub metric: String,
    /// The target column.
    #[serde(default)]
    pub target_name: Option<String>,
    /// Null without a baseline, data, or when target drift tracking is off.
    #[serde(default)]
    pub drift_score: Option<f64>,
    /// Predictions in the period.
    #[serde(default)]
    pub sample_size: Option<u64>,
}

/// `GET …/predictionsOverTime/`: exactly `{baselines, buckets}` (`shapes::predictions_over_time`).
#[derive(Clone, Debug, Deserialize)]
pub struct PredictionsOverTime {
    /// The baseline's statistics, one per model.
    #[serde(default)]
    pub baselines: Vec<PredictionStats>,
    /// Per bucket (and model).
    #[serde(default)]
    pub buckets: Vec<PredictionStats>,
}

/// The prediction statistics of a bucket or of the baseline.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PredictionStats {
    /// The bucket's period (absent on a baseline).
    #[serde(default)]
    pub period: Option<DrPeriod>,
    /// Rows predicted.
    #[serde(default)]
    pub row_count: u64,
    /// Mean prediction (regression, or the positive class's probability of a binary model).
    #[serde(default)]
    pub mean_predicted_value: Option<f64>,
    /// Mean probability per class (classification).
    #[serde(default)]
    pub mean_probabilities: Vec<ClassValue>,
}

/// `{"className": "yes", "value": 0.3}`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClassValue {
    /// The class.
    pub class_name: String,
    /// Null when the bucket has no rows.
    #[serde(default)]
    pub value: Option<f64>,
}

/// `GET …/accuracyOverTime/`: `{metric, modelId, buckets[{period, value, sampleSize, modelId}],
/// summary{period, value, sampleSize}, baseline, baselines}` (`shapes::accuracy_over_time`).
#[derive(Clone, Debug, Deserialize)]
pub struct AccuracyOverTime {
    /// The accuracy metric (RMSE for regression, LogLoss for classifiers, by default).
    #[serde(default)]
    pub metric: String,
    /// Per bucket.
    #[serde(default)]
    pub buckets: Vec<ValueBucket>,
    /// Over the whole period.
    #[serde(default)]
    pub summary: Option<AccuracySummary>,
}

/// `accuracyOverTime.summary`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccuracySummary {
    /// Rows with an actual over the period.
    #[serde(default)]
    pub sample_size: Option<u64>,
}

impl AccuracyOverTime {
    /// Whether any prediction of the period has an actual.
    pub fn has_actuals(&self) -> bool {
        self.summary
            .as_ref()
            .and_then(|s| s.sample_size)
            .is_some_and(|n| n > 0)
            || self.buckets.iter().any(|b| b.sample_size.unwrap_or(0) > 0)
    }
}

/// The deployment id of a service's prediction endpoint.
pub fn deployment_id(service: &str, endpoint: &str) -> String {
    format!("{service}~{endpoint}")
}

/// `/api/v2/deployments/{id}/{route}/?{query}` with the id encoded as one path segment.
pub fn path(deployment: &str, route: &str, query: &[(&str, &str)]) -> String {
    let base = format!("/api/v2/deployments/{}/{route}/", segment(deployment));
    if query.is_empty() {
        return base;
    }
    let query = serde_urlencoded::to_string(query).unwrap_or_default();
    format!("{base}?{query}")
}

/// `YYYY-MM-DDTHH:MM:SS` then `Z`, optional fractional seconds, as ms since the epoch (the
/// form `params::format_timestamp` writes).
pub fn parse_utc(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || !s.ends_with('Z') {
        return None;
    }
    let num = |from: usize, to: usize| s.get(from..to)?.parse::<i64>().ok();
    let (y, m, d) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
    let (hh, mm, ss) = (num(11, 13)?, num(14, 16)?, num(17, 19)?);
    let frac = &s[19..s.len() - 1];
    let millis = match frac.strip_prefix('.') {
        None if frac.is_empty() => 0,
        Some(digits) if !digits.is_empty() && digits.bytes().all(|c| c.is_ascii_digit()) => {
            format!("{digits:0<3}")[..3].parse::<i64>().ok()?
        }
        _ => return None,
    };
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    let days = days_from_civil(y, m, d);
    Some(((days * 24 + hh) * 60 + mm) * 60_000 + ss * 1000 + millis)
}

/// The ms since the epoch as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn format_utc(ms: i64) -> String {
    let text = crate::pages::format::utc(ms);
    // `YYYY-MM-DD HH:MM UTC` → `YYYY-MM-DDTHH:MM:SSZ`.
    let secs = ms.div_euclid(1000).rem_euclid(60);
    format!("{}T{}:{secs:02}Z", &text[..10], &text[11..16])
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_round_trip() {
        for ms in [0, 1_700_000_000_000, 951_782_400_000, 1_733_500_800_000] {
            let text = format_utc(ms);
            assert_eq!(parse_utc(&text), Some(ms), "{text}");
        }
        assert_eq!(format_utc(1_700_000_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(parse_utc("2024-01-01T00:00:00.5Z"), Some(1_704_067_200_500));
        assert_eq!(parse_utc("2024-01-01 00:00:00Z"), None);
        assert_eq!(parse_utc("2024-13-01T00:00:00Z"), None);
    }

    #[test]
    fn paths_encode_the_deployment_and_keep_the_slash() {
        assert_eq!(
            path(
                "a b~predict",
                "serviceStatsOverTime",
                &[
                    ("metric", "totalRequests"),
                    ("start", "2024-01-01T00:00:00Z")
                ]
            ),
            "/api/v2/deployments/a%20b~predict/serviceStatsOverTime/?metric=totalRequests&start=2024-01-01T00%3A00%3A00Z"
        );
        assert_eq!(
            path("s~e", "healthSettings", &[]),
            "/api/v2/deployments/s~e/healthSettings/"
        );
    }
}
