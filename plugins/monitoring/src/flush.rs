//! Writing a batch of rollups: one transaction, additive upserts of counters and bins, the
//! latency sketches merged read-modify-write (each writer owns its rows, so no two writers
//! ever merge the same row), raw predictions upserted by association id.

use crate::Monitoring;
use crate::rollup::{HourRollup, Pending, SeriesKey, new_sketch};
use hdrhistogram::serialization::{Deserializer, Serializer, V2Serializer};
use sqlx::Row;

type Tx<'a> = sqlx::Transaction<'a, sqlx::Any>;

impl Monitoring {
    /// Writes a batch; on failure hands it back so that the next flush retries it.
    pub async fn flush(&self, mut batch: Pending) -> Result<(), (sqlx::Error, Pending)> {
        batch.settle();
        match self.write(&batch).await {
            Ok(()) => Ok(()),
            Err(e) => Err((e, batch)),
        }
    }

    async fn write(&self, batch: &Pending) -> Result<(), sqlx::Error> {
        let mut tx = self.db.pool().begin().await?;
        // Counters first: the first statement is a write, so a SQLite transaction takes the
        // write lock (waiting for it) before it reads any sketch.
        for ((series, hour), rollup) in &batch.hours {
            upsert_counts(&mut tx, &self.writer, series, *hour, rollup).await?;
        }
        for ((series, hour), rollup) in &batch.hours {
            merge_sketches(&mut tx, &self.writer, series, *hour, rollup).await?;
            for (error, count) in &rollup.errors {
                sqlx::query(
                    "INSERT INTO mon_errors (service_id, endpoint_id, generation, hour_ms, writer, error_type, count)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)
                     ON CONFLICT (service_id, endpoint_id, generation, hour_ms, writer, error_type)
                     DO UPDATE SET count = mon_errors.count + excluded.count",
                )
                .bind(&series.service)
                .bind(&series.endpoint)
                .bind(&series.generation)
                .bind(*hour)
                .bind(&self.writer)
                .bind(error)
                .bind(*count as i64)
                .execute(&mut *tx)
                .await?;
            }
            for ((feature, bin), count) in &rollup.bins {
                sqlx::query(
                    "INSERT INTO mon_bins (service_id, endpoint_id, generation, hour_ms, writer, feature, bin, count)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                     ON CONFLICT (service_id, endpoint_id, generation, hour_ms, writer, feature, bin)
                     DO UPDATE SET count = mon_bins.count + excluded.count",
                )
                .bind(&series.service)
                .bind(&series.endpoint)
                .bind(&series.generation)
                .bind(*hour)
                .bind(&self.writer)
                .bind(feature)
                .bind(*bin)
                .bind(*count as i64)
                .execute(&mut *tx)
                .await?;
            }
            for (class, (predicted, probability_sum)) in &rollup.classes {
                sqlx::query(
                    "INSERT INTO mon_classes (service_id, endpoint_id, generation, hour_ms, writer, class_index, predicted, probability_sum)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                     ON CONFLICT (service_id, endpoint_id, generation, hour_ms, writer, class_index)
                     DO UPDATE SET predicted = mon_classes.predicted + excluded.predicted,
                                   probability_sum = mon_classes.probability_sum + excluded.probability_sum",
                )
                .bind(&series.service)
                .bind(&series.endpoint)
                .bind(&series.generation)
                .bind(*hour)
                .bind(&self.writer)
                .bind(*class as i64)
                .bind(*predicted as i64)
                .bind(*probability_sum)
                .execute(&mut *tx)
                .await?;
            }
        }
        for ((series, minute), requests) in &batch.minutes {
            sqlx::query(
                "INSERT INTO mon_minutes (service_id, endpoint_id, generation, minute_ms, writer, requests)
                 VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (service_id, endpoint_id, generation, minute_ms, writer)
                 DO UPDATE SET requests = mon_minutes.requests + excluded.requests",
            )
            .bind(&series.service)
            .bind(&series.endpoint)
            .bind(&series.generation)
            .bind(*minute)
            .bind(&self.writer)
            .bind(*requests as i64)
            .execute(&mut *tx)
            .await?;
        }
        for (series, hour, consumer) in &batch.consumers {
            sqlx::query(
                "INSERT INTO mon_consumers (service_id, endpoint_id, generation, hour_ms, consumer)
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            )
            .bind(&series.service)
            .bind(&series.endpoint)
            .bind(&series.generation)
            .bind(*hour)
            .bind(consumer)
            .execute(&mut *tx)
            .await?;
        }
        for p in &batch.predictions {
            let probabilities = (!p.probabilities.is_empty())
                .then(|| serde_json::to_string(&p.probabilities).unwrap_or_else(|_| "[]".into()));
            sqlx::query(
                "INSERT INTO mon_predictions (service_id, endpoint_id, association_id, generation, at_ms, value, class_index, probabilities)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                 ON CONFLICT (service_id, endpoint_id, association_id)
                 DO UPDATE SET generation = excluded.generation, at_ms = excluded.at_ms, value = excluded.value,
                               class_index = excluded.class_index, probabilities = excluded.probabilities",
            )
            .bind(&p.series.service)
            .bind(&p.series.endpoint)
            .bind(&p.association_id)
            .bind(&p.series.generation)
            .bind(p.at_ms)
            .bind(p.value)
            .bind(p.class.map(|c| c as i64))
            .bind(probabilities)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await
    }
}

async fn upsert_counts(
    tx: &mut Tx<'_>,
    writer: &str,
    series: &SeriesKey,
    hour: i64,
    r: &HourRollup,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO mon_hours (service_id, endpoint_id, generation, hour_ms, writer, requests, rows_scored,
                                status_2xx, status_4xx, status_5xx, warm, prediction_sum, prediction_count)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
         ON CONFLICT (service_id, endpoint_id, generation, hour_ms, writer) DO UPDATE SET
            requests = mon_hours.requests + excluded.requests,
            rows_scored = mon_hours.rows_scored + excluded.rows_scored,
            status_2xx = mon_hours.status_2xx + excluded.status_2xx,
            status_4xx = mon_hours.status_4xx + excluded.status_4xx,
            status_5xx = mon_hours.status_5xx + excluded.status_5xx,
            warm = mon_hours.warm + excluded.warm,
            prediction_sum = mon_hours.prediction_sum + excluded.prediction_sum,
            prediction_count = mon_hours.prediction_count + excluded.prediction_count",
    )
    .bind(&series.service)
    .bind(&series.endpoint)
    .bind(&series.generation)
    .bind(hour)
    .bind(writer)
    .bind(r.requests as i64)
    .bind(r.rows as i64)
    .bind(r.status[0] as i64)
    .bind(r.status[1] as i64)
    .bind(r.status[2] as i64)
    .bind(r.warm as i64)
    .bind(r.prediction_sum)
    .bind(r.prediction_count as i64)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn merge_sketches(
    tx: &mut Tx<'_>,
    writer: &str,
    series: &SeriesKey,
    hour: i64,
    r: &HourRollup,
) -> Result<(), sqlx::Error> {
    let row = sqlx::query(
        "SELECT response_hdr, execution_hdr FROM mon_hours
         WHERE service_id = $1 AND endpoint_id = $2 AND generation = $3 AND hour_ms = $4 AND writer = $5",
    )
    .bind(&series.service)
    .bind(&series.endpoint)
    .bind(&series.generation)
    .bind(hour)
    .bind(writer)
    .fetch_one(&mut **tx)
    .await?;
    let mut response = decode_sketch(row.try_get::<Option<Vec<u8>>, _>(0)?.as_deref());
    let mut execution = decode_sketch(row.try_get::<Option<Vec<u8>>, _>(1)?.as_deref());
    let _ = response.add(&r.response);
    let _ = execution.add(&r.execution);
    sqlx::query(
        "UPDATE mon_hours SET response_hdr = $1, execution_hdr = $2
         WHERE service_id = $3 AND endpoint_id = $4 AND generation = $5 AND hour_ms = $6 AND writer = $7",
    )
    .bind(encode_sketch(&response))
    .bind(encode_sketch(&execution))
    .bind(&series.service)
    .bind(&series.endpoint)
    .bind(&series.generation)
    .bind(hour)
    .bind(writer)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A stored sketch (an empty one when absent or unreadable).
pub fn decode_sketch(bytes: Option<&[u8]>) -> hdrhistogram::Histogram<u64> {
    let Some(mut bytes) = bytes else {
        return new_sketch();
    };
    match Deserializer::new().deserialize::<u64, _>(&mut bytes) {
        Ok(mut h) => {
            h.auto(true);
            h
        }
        Err(e) => {
            tracing::error!(target: "plinth::monitoring", "unreadable latency sketch ignored: {e:?}");
            new_sketch()
        }
    }
}

/// A sketch as stored (HDR V2 serialisation).
pub fn encode_sketch(h: &hdrhistogram::Histogram<u64>) -> Vec<u8> {
    let mut out = Vec::new();
    let _ = V2Serializer::new().serialize(h, &mut out);
    out
}
