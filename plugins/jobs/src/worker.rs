//! The worker pool: claim a due job (a lease, taken with `FOR UPDATE SKIP LOCKED` on
//! PostgreSQL so replicas never take the same one), prepare its items, process them chunk by
//! chunk (each chunk's outputs, the cursor and the renewed lease in one transaction), finish.
//!
//! A process killed mid-job leaves its last committed chunk: the next claim resumes after it.
//! A chunk whose commit finds the lease gone (another worker took the job over) is dropped.

use crate::handler::{JobError, JobHandler, Stage};
use crate::jobs::Jobs;
use crate::record::{COLUMNS, JobRecord, JobState};
use plinth_plugin_api::{Dialect, Shutdown};
use std::sync::Arc;
use std::time::Duration;

/// Runs one worker until shutdown.
pub async fn run(jobs: Arc<Jobs>, mut shutdown: Shutdown) {
    loop {
        if shutdown.is_raised() {
            return;
        }
        let claimed = match claim(&jobs).await {
            Ok(claimed) => claimed,
            Err(e) => {
                tracing::error!(target: "plinth::jobs", "claiming a job failed (retried): {e}");
                None
            }
        };
        match claimed {
            Some(job) => {
                let id = job.id.clone();
                if let Err(e) = run_job(&jobs, job, &shutdown).await {
                    tracing::error!(target: "plinth::jobs", "job {id} stopped on a database error (resumed after its lease): {e}");
                }
            }
            None => {
                let wake = jobs.wake.notified();
                tokio::select! {
                    _ = wake => {}
                    _ = tokio::time::sleep(Duration::from_millis(500)) => {}
                    _ = shutdown.raised() => return,
                }
            }
        }
    }
}

/// Claims the oldest due job of a registered kind.
pub(crate) async fn claim(jobs: &Jobs) -> Result<Option<JobRecord>, sqlx::Error> {
    let kinds = jobs.kinds();
    if kinds.is_empty() {
        return Ok(None);
    }
    let now = jobs.now_ms();
    let kind_params: Vec<String> = (0..kinds.len()).map(|i| format!("${}", i + 5)).collect();
    let lock = match jobs.dialect() {
        Dialect::Postgres => "FOR UPDATE SKIP LOCKED",
        Dialect::Sqlite => "",
    };
    let sql = format!(
        "UPDATE job_jobs SET state = 'running', lease_owner = $1, lease_until = $2,
                attempts = attempts + 1, started_at = COALESCE(started_at, $3), updated_at = $3
         WHERE id = (SELECT id FROM job_jobs
                     WHERE state IN ('queued', 'running') AND run_at <= $4
                       AND (lease_until IS NULL OR lease_until < $4) AND kind IN ({})
                     ORDER BY run_at, created_at, id LIMIT 1 {lock})
         RETURNING {COLUMNS}",
        kind_params.join(", ")
    );
    let mut query = sqlx::query(&sql)
        .bind(&jobs.owner)
        .bind(now + jobs.config.lease_ms)
        .bind(now)
        .bind(now);
    for kind in &kinds {
        query = query.bind(kind);
    }
    let row = query.fetch_optional(jobs.db.pool()).await?;
    row.as_ref().map(JobRecord::from_row).transpose()
}

/// What became of a step.
enum Step {
    /// Go on.
    Next,
    /// The job was retried later, failed, or taken over: stop working on it.
    Stop,
}

async fn run_job(jobs: &Jobs, mut job: JobRecord, shutdown: &Shutdown) -> Result<(), sqlx::Error> {
    let Some(handler) = jobs.handler(&job.kind) else {
        return release(jobs, &job.id, 0).await;
    };
    if job.attempts > jobs.config.max_attempts {
        let message = format!("gave up after {} attempts", job.attempts - 1);
        return fail(jobs, &handler, &job, &message).await;
    }
    if job.total.is_none() {
        match handler.prepare(&job).await {
            Ok(items) => {
                if let Step::Stop = prepared(jobs, &handler, &mut job, &items).await? {
                    return Ok(());
                }
            }
            Err(e) => return setback(jobs, &handler, &job, e).await,
        }
    }
    let total = job.total.unwrap_or(0);
    while job.done < total {
        if shutdown.is_raised() {
            return release(jobs, &job.id, 0).await;
        }
        let items = jobs
            .items(&job.id, job.done, jobs.config.chunk_items as i64)
            .await?;
        let values: Vec<_> = items.into_iter().map(|(_, v)| v).collect();
        let started = jobs.now_ms();
        match handler.process(&job, job.done, &values).await {
            Ok(outputs) if outputs.len() == values.len() => {
                if let Step::Stop = commit_chunk(jobs, &mut job, &outputs, started).await? {
                    return Ok(());
                }
            }
            Ok(outputs) => {
                let message = format!(
                    "the handler answered {} outputs for {} items",
                    outputs.len(),
                    values.len()
                );
                return fail(jobs, &handler, &job, &message).await;
            }
            Err(e) => return setback(jobs, &handler, &job, e).await,
        }
    }
    match handler.finish(&job).await {
        Ok(result) => complete(jobs, &handler, &job, result).await,
        Err(e) => setback(jobs, &handler, &job, e).await,
    }
}

/// Stores the prepared items and the total, queues the [`Stage::Prepared`] webhook.
async fn prepared(
    jobs: &Jobs,
    handler: &Arc<dyn JobHandler>,
    job: &mut JobRecord,
    items: &[serde_json::Value],
) -> Result<Step, sqlx::Error> {
    let mut tx = jobs.db.pool().begin().await?;
    let now = jobs.now_ms();
    let updated = sqlx::query(
        "UPDATE job_jobs SET total = $1, lease_until = $2, updated_at = $3
         WHERE id = $4 AND lease_owner = $5 AND total IS NULL",
    )
    .bind(items.len() as i64)
    .bind(now + jobs.config.lease_ms)
    .bind(now)
    .bind(&job.id)
    .bind(&jobs.owner)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if updated != 1 {
        return Ok(Step::Stop);
    }
    crate::items::insert(&mut tx, &job.id, 0, items).await?;
    job.total = Some(items.len() as i64);
    job.updated_at_ms = now;
    crate::outbox::queue_with(jobs, &mut tx, handler, job, Stage::Prepared).await?;
    tx.commit().await?;
    jobs.deliveries.notify_waiters();
    Ok(Step::Next)
}

/// Commits one chunk: outputs, cursor, lease, in one transaction, only while the lease is ours.
async fn commit_chunk(
    jobs: &Jobs,
    job: &mut JobRecord,
    outputs: &[crate::ItemOutput],
    started: i64,
) -> Result<Step, sqlx::Error> {
    let now = jobs.now_ms();
    let failed = outputs.iter().filter(|o| !o.ok).count() as i64;
    let mut tx = jobs.db.pool().begin().await?;
    let updated = sqlx::query(
        "UPDATE job_jobs SET cursor = $1, failed_items = failed_items + $2, lease_until = $3,
                updated_at = $4
         WHERE id = $5 AND lease_owner = $6 AND cursor = $7 AND state = 'running'",
    )
    .bind(job.done + outputs.len() as i64)
    .bind(failed)
    .bind(now + jobs.config.lease_ms)
    .bind(now)
    .bind(&job.id)
    .bind(&jobs.owner)
    .bind(job.done)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if updated != 1 {
        tracing::warn!(target: "plinth::jobs", "job {}: lease lost, the chunk at {} is left to its new owner", job.id, job.done);
        return Ok(Step::Stop);
    }
    crate::items::insert_outputs(&mut tx, &job.id, job.done, outputs, started, now).await?;
    tx.commit().await?;
    job.done += outputs.len() as i64;
    job.failed_items += failed;
    job.updated_at_ms = now;
    crate::test_hook::after_chunk(job.done).await;
    Ok(Step::Next)
}

async fn complete(
    jobs: &Jobs,
    handler: &Arc<dyn JobHandler>,
    job: &JobRecord,
    result: serde_json::Value,
) -> Result<(), sqlx::Error> {
    end(jobs, handler, job, JobState::Done, Some(result), None).await
}

async fn fail(
    jobs: &Jobs,
    handler: &Arc<dyn JobHandler>,
    job: &JobRecord,
    message: &str,
) -> Result<(), sqlx::Error> {
    tracing::warn!(target: "plinth::jobs", "job {} ({}) failed: {message}", job.id, job.kind);
    end(jobs, handler, job, JobState::Failed, None, Some(message)).await
}

async fn end(
    jobs: &Jobs,
    handler: &Arc<dyn JobHandler>,
    job: &JobRecord,
    state: JobState,
    result: Option<serde_json::Value>,
    error: Option<&str>,
) -> Result<(), sqlx::Error> {
    let now = jobs.now_ms();
    let mut tx = jobs.db.pool().begin().await?;
    let updated = sqlx::query(
        "UPDATE job_jobs SET state = $1, result = $2, error = $3, finished_at = $4, updated_at = $4,
                lease_owner = NULL, lease_until = NULL
         WHERE id = $5 AND lease_owner = $6 AND state = 'running'",
    )
    .bind(state.as_str())
    .bind(result.as_ref().map(|r| r.to_string()))
    .bind(error)
    .bind(now)
    .bind(&job.id)
    .bind(&jobs.owner)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if updated != 1 {
        return Ok(());
    }
    let mut ended = job.clone();
    ended.state = state;
    ended.result = result;
    ended.error = error.map(str::to_owned);
    ended.finished_at_ms = Some(now);
    ended.updated_at_ms = now;
    let stage = if state == JobState::Done {
        Stage::Completed
    } else {
        Stage::Failed
    };
    crate::outbox::queue_with(jobs, &mut tx, handler, &ended, stage).await?;
    tx.commit().await?;
    jobs.deliveries.notify_waiters();
    Ok(())
}

/// A failed step: retried after a backoff (doubling with the claims), or the job fails.
async fn setback(
    jobs: &Jobs,
    handler: &Arc<dyn JobHandler>,
    job: &JobRecord,
    e: JobError,
) -> Result<(), sqlx::Error> {
    if !e.retry {
        return fail(jobs, handler, job, &e.message).await;
    }
    let delay = jobs
        .config
        .retry_backoff_ms
        .saturating_mul(1_i64 << (job.attempts - 1).clamp(0, 12))
        .min(300_000);
    tracing::info!(target: "plinth::jobs", "job {}: {} (retried in {delay} ms)", job.id, e.message);
    release(jobs, &job.id, delay).await
}

/// Gives the job back, due again in `delay_ms` (idle workers look for due jobs every 500 ms).
async fn release(jobs: &Jobs, id: &str, delay_ms: i64) -> Result<(), sqlx::Error> {
    let now = jobs.now_ms();
    sqlx::query(
        "UPDATE job_jobs SET state = 'queued', lease_owner = NULL, lease_until = NULL, run_at = $1,
                updated_at = $2
         WHERE id = $3 AND lease_owner = $4 AND state = 'running'",
    )
    .bind(now + delay_ms)
    .bind(now)
    .bind(id)
    .bind(&jobs.owner)
    .execute(jobs.db.pool())
    .await?;
    Ok(())
}

/// On SQLite (one process per database file) a job left running by a dead process is free at
/// once; on PostgreSQL another replica may hold it, so its lease must run out.
pub(crate) async fn reclaim_after_restart(jobs: &Jobs) -> Result<u64, sqlx::Error> {
    if jobs.dialect() != Dialect::Sqlite {
        return Ok(0);
    }
    Ok(sqlx::query(
        "UPDATE job_jobs SET state = 'queued', lease_owner = NULL, lease_until = NULL
         WHERE state = 'running'",
    )
    .execute(jobs.db.pool())
    .await?
    .rows_affected())
}
