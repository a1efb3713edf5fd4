//! Items and outputs in bulk: multi-row inserts, ordered reads.

use crate::jobs::INSERT_BATCH;
use serde_json::Value;
use sqlx::{Any, AnyPool, Row, Transaction};

/// Inserts items `first, first+1, ...` of a job.
pub(crate) async fn insert(
    tx: &mut Transaction<'_, Any>,
    job: &str,
    first: i64,
    items: &[Value],
) -> Result<(), sqlx::Error> {
    for (n, chunk) in items.chunks(INSERT_BATCH).enumerate() {
        let placeholders: Vec<String> = (0..chunk.len())
            .map(|i| format!("(${}, ${}, ${})", 3 * i + 1, 3 * i + 2, 3 * i + 3))
            .collect();
        let sql = format!(
            "INSERT INTO job_items (job_id, seq, body) VALUES {} ON CONFLICT (job_id, seq) DO NOTHING",
            placeholders.join(", ")
        );
        let mut query = sqlx::query(&sql);
        let base = first + (n * INSERT_BATCH) as i64;
        for (i, item) in chunk.iter().enumerate() {
            query = query
                .bind(job.to_owned())
                .bind(base + i as i64)
                .bind(item.to_string());
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Items of a job from `from`, at most `limit`, in order.
pub(crate) async fn read(
    pool: &AnyPool,
    job: &str,
    from: i64,
    limit: i64,
) -> Result<Vec<(i64, Value)>, sqlx::Error> {
    sqlx::query(
        "SELECT seq, body FROM job_items WHERE job_id = $1 AND seq >= $2 ORDER BY seq LIMIT $3",
    )
    .bind(job)
    .bind(from)
    .bind(limit)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| {
        let body: String = r.try_get(1)?;
        Ok((
            r.try_get(0)?,
            serde_json::from_str(&body).unwrap_or(Value::Null),
        ))
    })
    .collect()
}

/// Stores the outputs of items `first, first+1, ...` (an output already stored is kept: a chunk
/// re-run after a lost lease never writes an item twice).
pub(crate) async fn insert_outputs(
    tx: &mut Transaction<'_, Any>,
    job: &str,
    first: i64,
    outputs: &[crate::ItemOutput],
    started: i64,
    finished: i64,
) -> Result<(), sqlx::Error> {
    const PER_ROW: usize = 6;
    for (n, chunk) in outputs.chunks(INSERT_BATCH).enumerate() {
        let placeholders: Vec<String> = (0..chunk.len())
            .map(|i| {
                let p: Vec<String> = (1..=PER_ROW)
                    .map(|k| format!("${}", PER_ROW * i + k))
                    .collect();
                format!("({})", p.join(", "))
            })
            .collect();
        let sql = format!(
            "INSERT INTO job_outputs (job_id, seq, ok, body, started_at, finished_at) VALUES {}
             ON CONFLICT (job_id, seq) DO NOTHING",
            placeholders.join(", ")
        );
        let mut query = sqlx::query(&sql);
        let base = first + (n * INSERT_BATCH) as i64;
        for (i, output) in chunk.iter().enumerate() {
            query = query
                .bind(job.to_owned())
                .bind(base + i as i64)
                .bind(i64::from(output.ok))
                .bind(output.body.to_string())
                .bind(started)
                .bind(finished);
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}
