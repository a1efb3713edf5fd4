//! The kept predictions themselves, with their actuals when known (DataRobot's
//! `predictionResults`), newest first, paged.

use crate::Monitoring;
use crate::read::{SeriesFilter, TimeRange};
use sqlx::Row;

/// One kept prediction.
#[derive(Clone, Debug, PartialEq)]
pub struct PredictionResult {
    /// Its association id.
    pub association_id: String,
    /// The generation that scored it.
    pub generation: String,
    /// When the call was received, ms since the epoch.
    pub at_ms: i64,
    /// Regression: the prediction; binary: P(positive); multiclass: P(predicted class).
    pub value: f64,
    /// The predicted class index (classifiers).
    pub class: Option<usize>,
    /// The actual, as submitted.
    pub actual: Option<String>,
}

impl Monitoring {
    /// Kept predictions of a range, newest first: `offset`/`limit` of them, and how many there
    /// are in all. `actuals_present` keeps only those with (`true`) or without an actual.
    pub async fn prediction_results(
        &self,
        f: &SeriesFilter,
        range: TimeRange,
        actuals_present: Option<bool>,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<PredictionResult>, u64), sqlx::Error> {
        let rows = sqlx::query(
            "SELECT p.association_id, p.generation, p.at_ms, p.value, p.class_index, a.actual_text
             FROM mon_predictions p LEFT JOIN mon_actuals a
               ON a.service_id = p.service_id AND a.endpoint_id = p.endpoint_id AND a.association_id = p.association_id
             WHERE p.service_id = $1 AND p.endpoint_id = $2 AND p.at_ms >= $3 AND p.at_ms < $4
             ORDER BY p.at_ms DESC, p.association_id",
        )
        .bind(&f.service)
        .bind(&f.endpoint)
        .bind(range.start_ms)
        .bind(range.end_ms)
        .fetch_all(self.db.pool())
        .await?;
        let mut all = Vec::new();
        for r in rows {
            let generation: String = r.try_get(1)?;
            if !f
                .generations
                .as_ref()
                .is_none_or(|g| g.contains(&generation))
            {
                continue;
            }
            let actual: Option<String> = r.try_get(5)?;
            if actuals_present.is_some_and(|want| want != actual.is_some()) {
                continue;
            }
            all.push(PredictionResult {
                association_id: r.try_get(0)?,
                generation,
                at_ms: r.try_get(2)?,
                value: r.try_get(3)?,
                class: r.try_get::<Option<i64>, _>(4)?.map(|c| c as usize),
                actual,
            });
        }
        let total = all.len() as u64;
        Ok((
            all.into_iter()
                .skip(offset as usize)
                .take(limit as usize)
                .collect(),
            total,
        ))
    }
}
