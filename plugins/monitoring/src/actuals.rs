//! Actuals: stored durably as they arrive (the transaction commits before the caller is
//! answered), joined with the kept predictions by association id for accuracy. Also the
//! retention of kept predictions, and the deletion of an endpoint's monitoring data.

use crate::Monitoring;
use crate::read::{AccuracyReport, SeriesFilter, TimeRange};
use plinth_monitoring_math::accuracy::{AccuracyData, compute};
use plinth_plugin_api::{ModelTask, Shutdown};
use sqlx::Row;
use std::sync::Weak;
use std::time::Duration;

/// An actual value as submitted.
#[derive(Clone, Debug, PartialEq)]
pub enum ActualValue {
    /// A number (regression; or a class given as a number).
    Number(f64),
    /// A class label.
    Text(String),
}

impl ActualValue {
    fn text(&self) -> String {
        match self {
            ActualValue::Number(n) => {
                if n.fract() == 0.0 && n.abs() < 1e15 {
                    format!("{}", *n as i64)
                } else {
                    n.to_string()
                }
            }
            ActualValue::Text(s) => s.clone(),
        }
    }

    fn number(&self) -> Option<f64> {
        match self {
            ActualValue::Number(n) => Some(*n),
            ActualValue::Text(s) => s.trim().parse().ok(),
        }
    }
}

/// One actual.
#[derive(Clone, Debug, PartialEq)]
pub struct Actual {
    /// The association id of the prediction it completes.
    pub association_id: String,
    /// The observed value.
    pub value: ActualValue,
    /// When it was observed, ms since the epoch.
    pub at_ms: Option<i64>,
    /// Whether the prediction was acted on.
    pub was_acted_on: Option<bool>,
}

/// How the model's outputs compare with actuals.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelTerms {
    /// The task.
    pub task: ModelTask,
    /// Class labels in probability order.
    pub classes: Vec<String>,
    /// The positive class (binary).
    pub positive_class: Option<usize>,
}

impl Monitoring {
    /// Stores actuals (a later actual for the same association id replaces the earlier one),
    /// in one transaction: when this returns `Ok`, they survive a crash.
    pub async fn submit_actuals(
        &self,
        service: &str,
        endpoint: &str,
        actuals: &[Actual],
    ) -> Result<usize, sqlx::Error> {
        let now = self.now_ms();
        let mut tx = self.db.pool().begin().await?;
        for a in actuals {
            sqlx::query(
                "INSERT INTO mon_actuals (service_id, endpoint_id, association_id, actual_text, actual_number, at_ms, was_acted_on, received_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                 ON CONFLICT (service_id, endpoint_id, association_id) DO UPDATE SET
                    actual_text = excluded.actual_text, actual_number = excluded.actual_number,
                    at_ms = excluded.at_ms, was_acted_on = excluded.was_acted_on, received_at = excluded.received_at",
            )
            .bind(service)
            .bind(endpoint)
            .bind(&a.association_id)
            .bind(a.value.text())
            .bind(a.value.number())
            .bind(a.at_ms)
            .bind(a.was_acted_on.map(i64::from))
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(actuals.len())
    }

    /// Actuals stored for an endpoint.
    pub async fn actual_count(&self, service: &str, endpoint: &str) -> Result<u64, sqlx::Error> {
        let n: i64 = sqlx::query(
            "SELECT COUNT(*) FROM mon_actuals WHERE service_id = $1 AND endpoint_id = $2",
        )
        .bind(service)
        .bind(endpoint)
        .fetch_one(self.db.pool())
        .await?
        .try_get(0)?;
        Ok(n.max(0) as u64)
    }

    /// Accuracy metrics of each range, from the kept predictions (bucketed by prediction time)
    /// that have an actual.
    pub async fn accuracy(
        &self,
        f: &SeriesFilter,
        terms: &ModelTerms,
        ranges: &[TimeRange],
        metrics: &[&str],
    ) -> Result<Vec<AccuracyReport>, sqlx::Error> {
        let start = ranges.iter().map(|r| r.start_ms).min().unwrap_or(0);
        let end = ranges.iter().map(|r| r.end_ms).max().unwrap_or(0);
        let rows = sqlx::query(
            "SELECT p.generation, p.at_ms, p.value, p.class_index, p.probabilities, a.actual_text, a.actual_number
             FROM mon_predictions p LEFT JOIN mon_actuals a
               ON a.service_id = p.service_id AND a.endpoint_id = p.endpoint_id AND a.association_id = p.association_id
             WHERE p.service_id = $1 AND p.endpoint_id = $2 AND p.at_ms >= $3 AND p.at_ms < $4",
        )
        .bind(&f.service)
        .bind(&f.endpoint)
        .bind(start)
        .bind(end)
        .fetch_all(self.db.pool())
        .await?;
        struct Joined {
            at: i64,
            value: f64,
            probabilities: Vec<f64>,
            actual: Option<(String, Option<f64>)>,
        }
        let mut joined = Vec::with_capacity(rows.len());
        for r in rows {
            let generation: String = r.try_get(0)?;
            if !f
                .generations
                .as_ref()
                .is_none_or(|g| g.contains(&generation))
            {
                continue;
            }
            let probabilities: Option<String> = r.try_get(4)?;
            let actual_text: Option<String> = r.try_get(5)?;
            joined.push(Joined {
                at: r.try_get(1)?,
                value: r.try_get(2)?,
                probabilities: probabilities
                    .and_then(|p| serde_json::from_str::<Vec<f64>>(&p).ok())
                    .unwrap_or_default(),
                actual: actual_text.map(|t| (t, r.try_get::<Option<f64>, _>(6).ok().flatten())),
            });
        }
        let mut out = Vec::with_capacity(ranges.len());
        for range in ranges {
            let in_range: Vec<&Joined> = joined
                .iter()
                .filter(|j| range.start_ms <= j.at && j.at < range.end_ms)
                .collect();
            let with_actual: Vec<&Joined> = in_range
                .iter()
                .copied()
                .filter(|j| j.actual.is_some())
                .collect();
            let class_of = |label: &str| terms.classes.iter().position(|c| c == label);
            let (values, mean_predicted, mean_actual, sample) = match terms.task {
                ModelTask::Regression => {
                    let pairs: Vec<(f64, f64)> = with_actual
                        .iter()
                        .filter_map(|j| Some((j.value, j.actual.as_ref()?.1?)))
                        .collect();
                    let values = metrics
                        .iter()
                        .map(|m| (m.to_string(), compute(m, &AccuracyData::Regression(&pairs))))
                        .collect();
                    (
                        values,
                        mean(pairs.iter().map(|p| p.0)),
                        mean(pairs.iter().map(|p| p.1)),
                        pairs.len(),
                    )
                }
                ModelTask::Binary => {
                    let positive = terms
                        .positive_class
                        .and_then(|p| terms.classes.get(p))
                        .cloned()
                        .unwrap_or_default();
                    let pairs: Vec<(f64, bool)> = with_actual
                        .iter()
                        .filter_map(|j| {
                            let (text, _) = j.actual.as_ref()?;
                            class_of(text)?;
                            Some((j.value, *text == positive))
                        })
                        .collect();
                    let values = metrics
                        .iter()
                        .map(|m| (m.to_string(), compute(m, &AccuracyData::Binary(&pairs))))
                        .collect();
                    (
                        values,
                        mean(pairs.iter().map(|p| p.0)),
                        mean(pairs.iter().map(|p| if p.1 { 1.0 } else { 0.0 })),
                        pairs.len(),
                    )
                }
                ModelTask::Multiclass => {
                    let pairs: Vec<(Vec<f64>, usize)> = with_actual
                        .iter()
                        .filter_map(|j| {
                            let (text, _) = j.actual.as_ref()?;
                            Some((j.probabilities.clone(), class_of(text)?))
                        })
                        .collect();
                    let values = metrics
                        .iter()
                        .map(|m| (m.to_string(), compute(m, &AccuracyData::Multiclass(&pairs))))
                        .collect();
                    (values, None, None, pairs.len())
                }
            };
            out.push(AccuracyReport {
                sample_size: sample as u64,
                values,
                rows_with_id: in_range.len() as u64,
                mean_predicted,
                mean_actual,
            });
        }
        Ok(out)
    }

    /// Deletes an endpoint's monitoring data (one generation, or all; a time range, or all).
    pub async fn delete_data(
        &self,
        service: &str,
        endpoint: &str,
        generation: Option<&str>,
        range: Option<TimeRange>,
    ) -> Result<(), sqlx::Error> {
        let (start, end) = range.map_or((i64::MIN, i64::MAX), |r| (r.start_ms, r.end_ms));
        let mut tx = self.db.pool().begin().await?;
        for (table, time) in [
            ("mon_hours", "hour_ms"),
            ("mon_errors", "hour_ms"),
            ("mon_minutes", "minute_ms"),
            ("mon_consumers", "hour_ms"),
            ("mon_bins", "hour_ms"),
            ("mon_classes", "hour_ms"),
            ("mon_predictions", "at_ms"),
        ] {
            let sql = format!(
                "DELETE FROM {table} WHERE service_id = $1 AND endpoint_id = $2
                 AND ($3 = '' OR generation = $3) AND {time} >= $4 AND {time} < $5"
            );
            sqlx::query(&sql)
                .bind(service)
                .bind(endpoint)
                .bind(generation.unwrap_or(""))
                .bind(start)
                .bind(end)
                .execute(&mut *tx)
                .await?;
        }
        if generation.is_none() && range.is_none() {
            sqlx::query("DELETE FROM mon_actuals WHERE service_id = $1 AND endpoint_id = $2")
                .bind(service)
                .bind(endpoint)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await
    }

    /// Deletes kept predictions older than the retention window.
    pub async fn prune_predictions(&self) -> Result<u64, sqlx::Error> {
        let oldest = self.now_ms() - self.prediction_retention.as_millis() as i64;
        let done = sqlx::query("DELETE FROM mon_predictions WHERE at_ms < $1")
            .bind(oldest)
            .execute(self.db.pool())
            .await?;
        Ok(done.rows_affected())
    }
}

fn mean(values: impl Iterator<Item = f64>) -> Option<f64> {
    let (mut sum, mut n) = (0.0, 0_u64);
    for v in values {
        sum += v;
        n += 1;
    }
    (n > 0).then(|| sum / n as f64)
}

/// Prunes kept predictions every hour until shutdown.
pub async fn enforce_retention(monitoring: Weak<Monitoring>, mut shutdown: Shutdown) {
    let mut tick = tokio::time::interval(Duration::from_secs(3600));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = shutdown.raised() => return,
        }
        let Some(m) = monitoring.upgrade() else {
            return;
        };
        match m.prune_predictions().await {
            Ok(0) => {}
            Ok(n) => {
                tracing::info!(target: "plinth::monitoring", "{n} kept predictions past retention deleted")
            }
            Err(e) => {
                tracing::error!(target: "plinth::monitoring", "retention of kept predictions failed: {e}")
            }
        }
    }
}
