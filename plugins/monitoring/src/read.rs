//! Reads: every number the dialects show, merged from rollups over hour buckets (and, for
//! accuracy, from the join of kept predictions with actuals). The cost of a read grows with
//! the buckets and bins of the period, never with the events in it.

use crate::Monitoring;
use crate::baseline::Baseline;
use crate::flush::decode_sketch;
use crate::rollup::{SeriesKey, new_sketch};
use plinth_monitoring_math::binning::{Histogram, compare};
use plinth_monitoring_math::drift::DriftMetric;
use plinth_plugin_api::{FeatureKind, ModelTask};
use sqlx::Row;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Which series a read covers: one endpoint, all its generations or some of them.
#[derive(Clone, Debug, PartialEq)]
pub struct SeriesFilter {
    /// Service id.
    pub service: String,
    /// Endpoint id.
    pub endpoint: String,
    /// Only these generations (`None`: all).
    pub generations: Option<Vec<String>>,
}

impl SeriesFilter {
    fn admits(&self, generation: &str) -> bool {
        self.generations
            .as_ref()
            .is_none_or(|g| g.iter().any(|x| x == generation))
    }
}

/// A half-open time range `[start_ms, end_ms)`, on hour boundaries for rollup reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeRange {
    /// Start, ms since the epoch (inclusive).
    pub start_ms: i64,
    /// End, ms since the epoch (exclusive).
    pub end_ms: i64,
}

impl TimeRange {
    fn contains(&self, t: i64) -> bool {
        self.start_ms <= t && t < self.end_ms
    }
}

fn span(ranges: &[TimeRange]) -> (i64, i64) {
    let start = ranges.iter().map(|r| r.start_ms).min().unwrap_or(0);
    let end = ranges.iter().map(|r| r.end_ms).max().unwrap_or(0);
    (start, end)
}

/// The service-health numbers of one range.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceHealth {
    /// Calls.
    pub total_requests: u64,
    /// Rows scored.
    pub total_predictions: u64,
    /// Calls slower than the threshold.
    pub slow_requests: u64,
    /// Total time at the response quantile, ms (`None` without calls).
    pub response_time_ms: Option<f64>,
    /// Engine time at the execution quantile, ms (`None` without calls that reached it).
    pub execution_time_ms: Option<f64>,
    /// 4xx / calls (0 without calls).
    pub user_error_rate: f64,
    /// 5xx / calls (0 without calls).
    pub server_error_rate: f64,
    /// Distinct API keys (anonymous callers count as one).
    pub num_consumers: u64,
    /// Calls served by a generation already in memory / calls.
    pub cache_hit_ratio: f64,
    /// Median of calls per minute over the minutes that had calls.
    pub median_load: f64,
    /// Most calls in one minute.
    pub peak_load: f64,
    /// Calls by `errorType`.
    pub errors: BTreeMap<String, u64>,
}

/// What the service-health read asks.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HealthQuery {
    /// Quantile of `responseTime` (0.5 by default).
    pub response_quantile: f64,
    /// Quantile of `executionTime`.
    pub execution_quantile: f64,
    /// `slowRequests` threshold, ms.
    pub slow_threshold_ms: u64,
}

impl Default for HealthQuery {
    fn default() -> Self {
        HealthQuery {
            response_quantile: 0.5,
            execution_quantile: 0.5,
            slow_threshold_ms: 1000,
        }
    }
}

/// The predictions of one range.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PredictionStats {
    /// Rows scored.
    pub rows: u64,
    /// Mean prediction (regression) or mean P(positive) (binary).
    pub mean_value: Option<f64>,
    /// Rows predicted as each class, in class order (classifiers).
    pub class_counts: Vec<u64>,
    /// Mean probability of each class, in class order (classifiers).
    pub mean_probabilities: Vec<f64>,
}

/// One drift score.
#[derive(Clone, Debug, PartialEq)]
pub struct DriftScore {
    /// The feature (or target) name.
    pub name: String,
    /// Numeric or categorical.
    pub kind: FeatureKind,
    /// The score (`None` when undefined for the data, e.g. no current rows for KL).
    pub score: Option<f64>,
    /// Rows of the current window in the comparison.
    pub sample_size: u64,
    /// Rows of the baseline in the comparison.
    pub baseline_sample_size: u64,
    /// The feature's importance, when the model declares one.
    pub importance: Option<f64>,
}

/// Accuracy of one range.
#[derive(Clone, Debug, PartialEq)]
pub struct AccuracyReport {
    /// Rows with both a prediction and an actual.
    pub sample_size: u64,
    /// Each metric asked for, `None` when undefined for the data.
    pub values: Vec<(String, Option<f64>)>,
    /// Rows kept (with an association id) in the range.
    pub rows_with_id: u64,
    /// Mean prediction of the joined rows (regression, binary: P(positive)).
    pub mean_predicted: Option<f64>,
    /// Mean actual of the joined rows (regression; binary: the positive rate).
    pub mean_actual: Option<f64>,
}

struct HourRow {
    hour: i64,
    requests: u64,
    rows: u64,
    status: [u64; 3],
    warm: u64,
    prediction_sum: f64,
    prediction_count: u64,
    response: Option<Vec<u8>>,
    execution: Option<Vec<u8>>,
}

impl Monitoring {
    /// The rows of `select` (a `SELECT ... FROM table` without `WHERE`) of one endpoint whose
    /// `time` column lies in `[start, end)`.
    async fn rows_in(
        &self,
        select: &str,
        time: &str,
        f: &SeriesFilter,
        (start, end): (i64, i64),
    ) -> Result<Vec<sqlx::any::AnyRow>, sqlx::Error> {
        let sql = format!(
            "{select} WHERE service_id = $1 AND endpoint_id = $2 AND {time} >= $3 AND {time} < $4"
        );
        sqlx::query(&sql)
            .bind(&f.service)
            .bind(&f.endpoint)
            .bind(start)
            .bind(end)
            .fetch_all(self.db.pool())
            .await
    }

    async fn hour_rows(
        &self,
        f: &SeriesFilter,
        (start, end): (i64, i64),
    ) -> Result<Vec<HourRow>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT generation, hour_ms, requests, rows_scored, status_2xx, status_4xx, status_5xx, warm,
                    prediction_sum, prediction_count, response_hdr, execution_hdr
             FROM mon_hours WHERE service_id = $1 AND endpoint_id = $2 AND hour_ms >= $3 AND hour_ms < $4",
        )
        .bind(&f.service)
        .bind(&f.endpoint)
        .bind(start)
        .bind(end)
        .fetch_all(self.db.pool())
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let generation: String = r.try_get(0)?;
            if !f.admits(&generation) {
                continue;
            }
            let n = |i: usize| -> Result<u64, sqlx::Error> {
                Ok(r.try_get::<i64, _>(i)?.max(0) as u64)
            };
            out.push(HourRow {
                hour: r.try_get(1)?,
                requests: n(2)?,
                rows: n(3)?,
                status: [n(4)?, n(5)?, n(6)?],
                warm: n(7)?,
                prediction_sum: r.try_get(8)?,
                prediction_count: n(9)?,
                response: r.try_get(10)?,
                execution: r.try_get(11)?,
            });
        }
        Ok(out)
    }

    /// The service-health numbers of each range.
    pub async fn service_health(
        &self,
        f: &SeriesFilter,
        ranges: &[TimeRange],
        q: HealthQuery,
    ) -> Result<Vec<ServiceHealth>, sqlx::Error> {
        let whole = span(ranges);
        let hours = self.hour_rows(f, whole).await?;
        let consumers = self
            .rows_in(
                "SELECT generation, hour_ms, consumer FROM mon_consumers",
                "hour_ms",
                f,
                (whole.0, whole.1),
            )
            .await?;
        let minutes = self
            .rows_in(
                "SELECT generation, minute_ms, requests FROM mon_minutes",
                "minute_ms",
                f,
                (whole.0, whole.1),
            )
            .await?;
        let errors = self
            .rows_in(
                "SELECT generation, hour_ms, error_type, count FROM mon_errors",
                "hour_ms",
                f,
                (whole.0, whole.1),
            )
            .await?;
        let mut per_minute: BTreeMap<i64, u64> = BTreeMap::new();
        for r in &minutes {
            let generation: String = r.try_get(0)?;
            if f.admits(&generation) {
                *per_minute.entry(r.try_get(1)?).or_default() +=
                    r.try_get::<i64, _>(2)?.max(0) as u64;
            }
        }
        let mut out = Vec::with_capacity(ranges.len());
        for range in ranges {
            let mut response = new_sketch();
            let mut execution = new_sketch();
            let mut requests = 0;
            let mut rows = 0;
            let mut status = [0_u64; 3];
            let mut warm = 0;
            for h in hours.iter().filter(|h| range.contains(h.hour)) {
                requests += h.requests;
                rows += h.rows;
                warm += h.warm;
                for (total, n) in status.iter_mut().zip(h.status) {
                    *total += n;
                }
                let _ = response.add(decode_sketch(h.response.as_deref()));
                let _ = execution.add(decode_sketch(h.execution.as_deref()));
            }
            let mut distinct: HashSet<String> = HashSet::new();
            for r in &consumers {
                let generation: String = r.try_get(0)?;
                if f.admits(&generation) && range.contains(r.try_get(1)?) {
                    distinct.insert(r.try_get(2)?);
                }
            }
            let mut by_error: BTreeMap<String, u64> = BTreeMap::new();
            for r in &errors {
                let generation: String = r.try_get(0)?;
                if f.admits(&generation) && range.contains(r.try_get(1)?) {
                    *by_error.entry(r.try_get(2)?).or_default() +=
                        r.try_get::<i64, _>(3)?.max(0) as u64;
                }
            }
            let mut loads: Vec<u64> = per_minute
                .range(range.start_ms..range.end_ms)
                .map(|(_, n)| *n)
                .filter(|n| *n > 0)
                .collect();
            loads.sort_unstable();
            let ratio = |n: u64| {
                if requests == 0 {
                    0.0
                } else {
                    n as f64 / requests as f64
                }
            };
            let slow_us = q.slow_threshold_ms.saturating_mul(1000);
            out.push(ServiceHealth {
                total_requests: requests,
                total_predictions: rows,
                slow_requests: slow_above(&response, slow_us),
                response_time_ms: quantile_ms(&response, q.response_quantile),
                execution_time_ms: quantile_ms(&execution, q.execution_quantile),
                user_error_rate: ratio(status[1]),
                server_error_rate: ratio(status[2]),
                num_consumers: distinct.len() as u64,
                cache_hit_ratio: ratio(warm),
                median_load: median(&loads),
                peak_load: loads.last().copied().unwrap_or(0) as f64,
                errors: by_error,
            });
        }
        Ok(out)
    }

    /// The predictions of each range (`classes` in the model's order, for the class counts).
    pub async fn prediction_stats(
        &self,
        f: &SeriesFilter,
        ranges: &[TimeRange],
        classes: usize,
    ) -> Result<Vec<PredictionStats>, sqlx::Error> {
        let whole = span(ranges);
        let hours = self.hour_rows(f, whole).await?;
        let class_rows = self.rows_in(
            "SELECT generation, hour_ms, class_index, predicted, probability_sum FROM mon_classes",
            "hour_ms",
            f,
            (whole.0, whole.1),
        )
        .await?;
        let mut out = Vec::with_capacity(ranges.len());
        for range in ranges {
            let mut stats = PredictionStats {
                class_counts: vec![0; classes],
                mean_probabilities: vec![0.0; classes],
                ..Default::default()
            };
            let (mut sum, mut count) = (0.0, 0_u64);
            for h in hours.iter().filter(|h| range.contains(h.hour)) {
                stats.rows += h.rows;
                sum += h.prediction_sum;
                count += h.prediction_count;
            }
            stats.mean_value = (count > 0).then(|| sum / count as f64);
            for r in &class_rows {
                let generation: String = r.try_get(0)?;
                if !f.admits(&generation) || !range.contains(r.try_get(1)?) {
                    continue;
                }
                let c = r.try_get::<i64, _>(2)? as usize;
                if c < classes {
                    stats.class_counts[c] += r.try_get::<i64, _>(3)?.max(0) as u64;
                    stats.mean_probabilities[c] += r.try_get::<f64, _>(4)?;
                }
            }
            if stats.rows > 0 {
                for p in &mut stats.mean_probabilities {
                    *p /= stats.rows as f64;
                }
            }
            out.push(stats);
        }
        Ok(out)
    }

    /// Current bin counts of one series in a range: per feature (`""` = the target), per bin
    /// of its baseline (`-1` = missing).
    pub async fn histograms(
        &self,
        series: &SeriesKey,
        range: TimeRange,
    ) -> Result<HashMap<String, BTreeMap<i64, u64>>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT feature, bin, CAST(SUM(count) AS BIGINT) FROM mon_bins
             WHERE service_id = $1 AND endpoint_id = $2 AND generation = $3 AND hour_ms >= $4 AND hour_ms < $5
             GROUP BY feature, bin",
        )
        .bind(&series.service)
        .bind(&series.endpoint)
        .bind(&series.generation)
        .bind(range.start_ms)
        .bind(range.end_ms)
        .fetch_all(self.db.pool())
        .await?;
        let mut out: HashMap<String, BTreeMap<i64, u64>> = HashMap::new();
        for r in rows {
            out.entry(r.try_get(0)?)
                .or_default()
                .insert(r.try_get(1)?, r.try_get::<i64, _>(2)?.max(0) as u64);
        }
        Ok(out)
    }

    /// Drift of every feature (in schema order) and of the target, for one series.
    pub async fn drift(
        &self,
        series: &SeriesKey,
        baseline: &Baseline,
        range: TimeRange,
        metric: DriftMetric,
    ) -> Result<(Vec<DriftScore>, Option<DriftScore>), sqlx::Error> {
        let current = self.histograms(series, range).await?;
        let score = |name: &str, kind, importance, base: &Histogram| {
            let bins = current.get(name);
            let mut now = Histogram::new(base.counts.len());
            if let Some(bins) = bins {
                for (bin, n) in bins {
                    match usize::try_from(*bin) {
                        Ok(b) if b < now.counts.len() => now.counts[b] += n,
                        _ => now.missing += n,
                    }
                }
            }
            let comparison = compare(base, &now);
            DriftScore {
                name: name.to_owned(),
                kind,
                score: comparison.as_ref().and_then(|c| c.drift(metric)),
                sample_size: comparison.as_ref().map_or(0, |c| c.sample_size),
                baseline_sample_size: comparison.as_ref().map_or(0, |c| c.baseline_sample_size),
                importance,
            }
        };
        let features = baseline
            .features
            .iter()
            .map(|f| score(&f.name, f.kind, f.importance, &f.histogram))
            .collect();
        let target = baseline.target.as_ref().map(|t| {
            let kind = if baseline.task == ModelTask::Multiclass {
                FeatureKind::Categorical
            } else {
                FeatureKind::Numeric
            };
            score("", kind, None, &t.histogram)
        });
        Ok((features, target))
    }

    /// Rows scored per day over the last `days` days before `end_ms`, and the time of the last
    /// call, for an endpoint (all generations).
    pub async fn usage(
        &self,
        service: &str,
        endpoint: &str,
        end_ms: i64,
        days: usize,
    ) -> Result<(Vec<u64>, Option<i64>), sqlx::Error> {
        const DAY: i64 = 86_400_000;
        let start = end_ms - days as i64 * DAY;
        let rows = sqlx::query(
            "SELECT hour_ms, CAST(SUM(rows_scored) AS BIGINT) FROM mon_hours
             WHERE service_id = $1 AND endpoint_id = $2 AND hour_ms >= $3 AND hour_ms < $4 GROUP BY hour_ms",
        )
        .bind(service)
        .bind(endpoint)
        .bind(start)
        .bind(end_ms)
        .fetch_all(self.db.pool())
        .await?;
        let mut daily = vec![0_u64; days];
        for r in rows {
            let hour: i64 = r.try_get(0)?;
            let i = ((hour - start) / DAY) as usize;
            if i < days {
                daily[i] += r.try_get::<i64, _>(1)?.max(0) as u64;
            }
        }
        let last: Option<i64> = sqlx::query(
            "SELECT MAX(minute_ms) FROM mon_minutes WHERE service_id = $1 AND endpoint_id = $2",
        )
        .bind(service)
        .bind(endpoint)
        .fetch_one(self.db.pool())
        .await?
        .try_get(0)?;
        Ok((daily, last))
    }
}

fn quantile_ms(h: &hdrhistogram::Histogram<u64>, q: f64) -> Option<f64> {
    (!h.is_empty()).then(|| h.value_at_quantile(q.clamp(0.0, 1.0)) as f64 / 1000.0)
}

fn slow_above(h: &hdrhistogram::Histogram<u64>, threshold_us: u64) -> u64 {
    if h.is_empty() {
        return 0;
    }
    h.iter_recorded()
        .filter(|v| h.lowest_equivalent(v.value_iterated_to()) > threshold_us)
        .map(|v| v.count_at_value())
        .sum()
}

fn median(sorted: &[u64]) -> f64 {
    match sorted.len() {
        0 => 0.0,
        n if n % 2 == 1 => sorted[n / 2] as f64,
        n => (sorted[n / 2 - 1] + sorted[n / 2]) as f64 / 2.0,
    }
}
