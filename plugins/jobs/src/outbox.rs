//! Webhooks of job stages: queued in the transaction that changes the stage (so a stage
//! change and its delivery are never one without the other), then delivered in order per job
//! (a delivery waits while an earlier one of its job is pending), retried with backoff, each
//! attempt logged on the delivery row.

use crate::handler::{JobHandler, Stage};
use crate::jobs::Jobs;
use crate::record::JobRecord;
use crate::webhook::{Attempt, backoff_ms, send};
use plinth_plugin_api::Shutdown;
use sqlx::{Any, Row, Transaction};
use std::sync::Arc;
use std::time::Duration;

/// How long a claimed delivery is held before another attempt may take it.
const LEASE_MS: i64 = 30_000;

/// Queues the webhook of `stage` for `job` (looking its handler up by kind).
pub(crate) async fn queue(
    jobs: &Jobs,
    tx: &mut Transaction<'_, Any>,
    job: &JobRecord,
    stage: Stage,
) -> Result<(), sqlx::Error> {
    match jobs.handler(&job.kind) {
        Some(handler) => queue_with(jobs, tx, &handler, job, stage).await,
        None => Ok(()),
    }
}

/// Queues the webhook of `stage` for `job`, if it has a URL and the handler a payload.
pub(crate) async fn queue_with(
    jobs: &Jobs,
    tx: &mut Transaction<'_, Any>,
    handler: &Arc<dyn JobHandler>,
    job: &JobRecord,
    stage: Stage,
) -> Result<(), sqlx::Error> {
    let Some(url) = &job.webhook_url else {
        return Ok(());
    };
    let Some(payload) = handler.event(job, stage) else {
        return Ok(());
    };
    let row = sqlx::query(
        "SELECT (SELECT COALESCE(MAX(seq), -1) + 1 FROM job_deliveries WHERE job_id = $1),
                (SELECT webhook_secret FROM job_jobs WHERE id = $1)",
    )
    .bind(&job.id)
    .fetch_one(&mut **tx)
    .await?;
    let seq: i64 = row.try_get(0)?;
    let secret: Option<String> = row.try_get(1)?;
    let now = jobs.now_ms();
    sqlx::query(
        "INSERT INTO job_deliveries (id, job_id, seq, event, url, secret, payload, status,
                                     next_attempt_ms, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $8)",
    )
    .bind(format!("{}-{seq}", job.id))
    .bind(&job.id)
    .bind(seq)
    .bind(stage.as_str())
    .bind(url)
    .bind(secret)
    .bind(payload.to_string())
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Delivers until shutdown.
pub async fn run(jobs: Arc<Jobs>, mut shutdown: Shutdown) {
    loop {
        let wait = match deliver_due(&jobs).await {
            Ok(wait) => wait,
            Err(e) => {
                tracing::error!(target: "plinth::jobs", "webhook deliveries failed (retried): {e}");
                5_000
            }
        };
        let queued = jobs.deliveries.notified();
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(wait.clamp(10, 5_000) as u64)) => {}
            _ = queued => {}
            _ = shutdown.raised() => return,
        }
    }
}

/// Sends the due deliveries that are first in their job's line, each claimed first; answers
/// how long until the next pending attempt (ms).
pub async fn deliver_due(jobs: &Jobs) -> Result<i64, sqlx::Error> {
    let now = jobs.now_ms();
    let due = sqlx::query(
        "SELECT d.id, d.url, d.secret, d.payload, d.attempts, d.next_attempt_ms FROM job_deliveries d
         WHERE d.status = 'pending' AND d.next_attempt_ms <= $1
           AND NOT EXISTS (SELECT 1 FROM job_deliveries e
                           WHERE e.job_id = d.job_id AND e.seq < d.seq AND e.status = 'pending')
         ORDER BY d.next_attempt_ms, d.id LIMIT 32",
    )
    .bind(now)
    .fetch_all(jobs.db.pool())
    .await?;
    for r in due {
        let id: String = r.try_get(0)?;
        let url: String = r.try_get(1)?;
        let secret: Option<String> = r.try_get(2)?;
        let payload: String = r.try_get(3)?;
        let attempts: i64 = r.try_get(4)?;
        let slot: i64 = r.try_get(5)?;
        let claimed = sqlx::query(
            "UPDATE job_deliveries SET next_attempt_ms = $1
             WHERE id = $2 AND status = 'pending' AND next_attempt_ms = $3",
        )
        .bind(now + LEASE_MS)
        .bind(&id)
        .bind(slot)
        .execute(jobs.db.pool())
        .await?
        .rows_affected()
            == 1;
        if !claimed {
            continue;
        }
        let delivery = id.clone();
        let now_s = now / 1000;
        let attempt = tokio::task::spawn_blocking(move || {
            send(&url, &delivery, secret.as_deref(), &payload, now_s)
        })
        .await
        .unwrap_or_else(|e| Attempt::Retry(None, format!("the attempt panicked: {e}")));
        record(jobs, &id, attempts + 1, &attempt).await?;
    }
    let next: Option<i64> =
        sqlx::query("SELECT MIN(next_attempt_ms) FROM job_deliveries WHERE status = 'pending'")
            .fetch_one(jobs.db.pool())
            .await?
            .try_get(0)?;
    Ok(next.map_or(5_000, |n| n - jobs.now_ms()))
}

async fn record(
    jobs: &Jobs,
    id: &str,
    attempts: i64,
    attempt: &Attempt,
) -> Result<(), sqlx::Error> {
    let done = jobs.now_ms();
    let (status, next, delivered) = match attempt {
        Attempt::Delivered(_) => ("delivered", done, Some(done)),
        Attempt::Failed(..) => ("failed", done, None),
        Attempt::Retry(..) if attempts >= jobs.config.webhook_max_attempts => {
            ("failed", done, None)
        }
        Attempt::Retry(..) => (
            "pending",
            done + backoff_ms(jobs.config.retry_backoff_ms, attempts),
            None,
        ),
    };
    sqlx::query(
        "UPDATE job_deliveries SET status = $1, attempts = $2, next_attempt_ms = $3, last_status = $4,
                last_error = $5, delivered_at = $6 WHERE id = $7",
    )
    .bind(status)
    .bind(attempts)
    .bind(next)
    .bind(attempt.status().map(i64::from))
    .bind(attempt.error())
    .bind(delivered)
    .bind(id)
    .execute(jobs.db.pool())
    .await?;
    if status != "pending" {
        tracing::info!(target: "plinth::jobs", "webhook delivery {id}: {status} after {attempts} attempt(s) ({attempt:?})");
    }
    Ok(())
}
