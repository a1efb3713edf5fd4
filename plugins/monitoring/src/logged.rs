//! Rows logged through a dialect: predictions made outside Plinth (a model served elsewhere,
//! logged with the Aporia SDK) become the same rollups as Plinth's own calls, and are written
//! before the caller is answered, so an acknowledged log survives a crash.

use crate::Monitoring;
use crate::ingest::add_rows;
use crate::rollup::{MINUTE_MS, Pending, SeriesKey, hour_of};
use plinth_plugin_api::ScoredRow;
use std::collections::BTreeSet;

/// One logged prediction.
#[derive(Clone, Debug, PartialEq)]
pub struct LoggedRow {
    /// The features and the model's output.
    pub row: ScoredRow,
    /// The id actuals will name (kept for the accuracy join when set).
    pub association_id: Option<String>,
    /// When the prediction was made, ms since the epoch.
    pub at_ms: i64,
}

impl Monitoring {
    /// Adds logged rows to a series' rollups and writes them in one transaction. Each hour the
    /// rows fall in counts one request (one logging call), answered 2xx. Returns the rows
    /// recorded.
    pub async fn record_logged(
        &self,
        series: &SeriesKey,
        consumer: Option<&str>,
        rows: &[LoggedRow],
    ) -> Result<usize, sqlx::Error> {
        if rows.is_empty() {
            return Ok(0);
        }
        let baseline = self.baseline(series).await;
        let settings = self.settings(&series.service, &series.endpoint).await;
        let mut pending = Pending::default();
        let mut hours = BTreeSet::new();
        for logged in rows {
            let hour = hour_of(logged.at_ms);
            if hours.insert(hour) {
                pending.events += 1;
                let rollup = pending.hours.entry((series.clone(), hour)).or_default();
                rollup.requests += 1;
                rollup.status[0] += 1;
                *pending
                    .minutes
                    .entry((
                        series.clone(),
                        logged.at_ms.div_euclid(MINUTE_MS) * MINUTE_MS,
                    ))
                    .or_default() += 1;
                pending.consumers.insert((
                    series.clone(),
                    hour,
                    consumer.unwrap_or_default().to_owned(),
                ));
            }
            let id = logged
                .association_id
                .clone()
                .filter(|_| settings.collect_predictions);
            add_rows(
                &mut pending,
                series,
                hour,
                logged.at_ms,
                std::slice::from_ref(&logged.row),
                baseline.as_ref(),
                &settings,
                |_, _| id.clone(),
            );
        }
        self.flush(pending).await.map_err(|(e, _)| e)?;
        Ok(rows.len())
    }
}
