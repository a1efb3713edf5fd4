//! The engine's handle: submit jobs (durably, with their inputs), read them and their outputs,
//! register the handlers of job kinds.

use crate::config::Config;
use crate::handler::{JobHandler, Stage};
use crate::record::{COLUMNS, JobRecord};
use plinth_plugin_api::{Clock, Dialect, PluginDb};
use serde_json::Value;
use sqlx::Row;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use tokio::sync::Notify;

/// Rows per multi-row `INSERT` (three parameters each: well under SQLite's variable limit).
pub(crate) const INSERT_BATCH: usize = 300;

/// A job to submit.
#[derive(Clone, Debug, PartialEq)]
pub struct NewJob {
    /// Its id (unique).
    pub id: String,
    /// A registered kind.
    pub kind: String,
    /// What it belongs to (listing key).
    pub scope: String,
    /// The handler's parameters.
    pub params: Value,
    /// Its items, or `None` for the handler to [`JobHandler::prepare`] them.
    pub items: Option<Vec<Value>>,
    /// Where its stages are POSTed, and the HMAC key of their signature.
    pub webhook: Option<(String, Option<String>)>,
}

/// One stored output.
#[derive(Clone, Debug, PartialEq)]
pub struct OutputRecord {
    /// The item's index.
    pub seq: i64,
    /// Whether it succeeded.
    pub ok: bool,
    /// What the handler stored.
    pub body: Value,
    /// When its chunk started, ms since the epoch.
    pub started_at_ms: i64,
    /// When its chunk was committed.
    pub finished_at_ms: i64,
}

/// The job engine (published in [`plinth_plugin_api::Shared`] by the jobs plugin).
pub struct Jobs {
    pub(crate) db: PluginDb,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) config: Config,
    pub(crate) handlers: RwLock<HashMap<String, Arc<dyn JobHandler>>>,
    /// Raised when a job is submitted or registered.
    pub(crate) wake: Notify,
    /// Raised when a delivery is queued.
    pub(crate) deliveries: Notify,
    /// This process's claim name.
    pub(crate) owner: String,
    /// The key of pre-signed URLs (shared by replicas through the database).
    pub(crate) url_key: Vec<u8>,
    /// `<data_dir>/plugins/jobs`.
    pub(crate) dir: PathBuf,
}

impl std::fmt::Debug for Jobs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Jobs").field("owner", &self.owner).finish()
    }
}

impl Jobs {
    /// The settings.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Now, on the engine's clock.
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// Where output files are written.
    pub fn output_dir(&self) -> PathBuf {
        self.dir.join("outputs")
    }

    /// Registers the handler of a kind; workers start claiming its jobs.
    pub fn register(&self, kind: &str, handler: Arc<dyn JobHandler>) {
        self.handlers
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(kind.to_owned(), handler);
        self.wake.notify_waiters();
    }

    pub(crate) fn handler(&self, kind: &str) -> Option<Arc<dyn JobHandler>> {
        self.handlers
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(kind)
            .cloned()
    }

    pub(crate) fn kinds(&self) -> Vec<String> {
        self.handlers
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .keys()
            .cloned()
            .collect()
    }

    /// Stores a job and its items in one transaction: when this returns, they survive a crash.
    /// The [`Stage::Submitted`] webhook is queued in the same transaction.
    pub async fn submit(&self, job: NewJob) -> Result<JobRecord, sqlx::Error> {
        let now = self.now_ms();
        let mut tx = self.db.pool().begin().await?;
        let total = job.items.as_ref().map(|items| items.len() as i64);
        let (url, secret) = job.webhook.clone().unzip();
        sqlx::query(
            "INSERT INTO job_jobs (id, kind, scope, state, params, total, run_at, webhook_url,
                                   webhook_secret, created_at, updated_at)
             VALUES ($1, $2, $3, 'queued', $4, $5, $6, $7, $8, $6, $6)",
        )
        .bind(&job.id)
        .bind(&job.kind)
        .bind(&job.scope)
        .bind(job.params.to_string())
        .bind(total)
        .bind(now)
        .bind(url)
        .bind(secret.flatten())
        .execute(&mut *tx)
        .await?;
        if let Some(items) = &job.items {
            crate::items::insert(&mut tx, &job.id, 0, items).await?;
        }
        let record = JobRecord {
            id: job.id.clone(),
            kind: job.kind.clone(),
            scope: job.scope.clone(),
            state: crate::JobState::Queued,
            params: job.params.clone(),
            total,
            done: 0,
            failed_items: 0,
            result: None,
            error: None,
            attempts: 0,
            webhook_url: job.webhook.as_ref().map(|w| w.0.clone()),
            created_at_ms: now,
            updated_at_ms: now,
            started_at_ms: None,
            finished_at_ms: None,
        };
        crate::outbox::queue(self, &mut tx, &record, Stage::Submitted).await?;
        tx.commit().await?;
        self.wake.notify_waiters();
        self.deliveries.notify_waiters();
        Ok(record)
    }

    /// One job.
    pub async fn get(&self, id: &str) -> Result<Option<JobRecord>, sqlx::Error> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM job_jobs WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.db.pool())
            .await?;
        row.as_ref().map(JobRecord::from_row).transpose()
    }

    /// The jobs of a kind and scope, newest first.
    pub async fn list(&self, kind: &str, scope: &str) -> Result<Vec<JobRecord>, sqlx::Error> {
        sqlx::query(&format!(
            "SELECT {COLUMNS} FROM job_jobs WHERE kind = $1 AND scope = $2 ORDER BY created_at DESC, id"
        ))
        .bind(kind)
        .bind(scope)
        .fetch_all(self.db.pool())
        .await?
        .iter()
        .map(JobRecord::from_row)
        .collect()
    }

    /// Every job (of the `state` and `kind` given, if any), newest first, at most `limit`.
    pub async fn list_all(
        &self,
        limit: i64,
        state: Option<crate::record::JobState>,
        kind: Option<&str>,
    ) -> Result<Vec<JobRecord>, sqlx::Error> {
        let mut sql = format!("SELECT {COLUMNS} FROM job_jobs WHERE 1 = 1");
        let mut binds = Vec::new();
        if let Some(state) = state {
            binds.push(state.as_str());
            sql.push_str(&format!(" AND state = ${}", binds.len()));
        }
        if let Some(kind) = kind {
            binds.push(kind);
            sql.push_str(&format!(" AND kind = ${}", binds.len()));
        }
        sql.push_str(&format!(
            " ORDER BY created_at DESC, id LIMIT ${}",
            binds.len() + 1
        ));
        let mut query = sqlx::query(&sql);
        for b in binds {
            query = query.bind(b);
        }
        query
            .bind(limit)
            .fetch_all(self.db.pool())
            .await?
            .iter()
            .map(JobRecord::from_row)
            .collect()
    }

    /// The items of a job from `from` (at most `limit`), in order.
    pub async fn items(
        &self,
        id: &str,
        from: i64,
        limit: i64,
    ) -> Result<Vec<(i64, Value)>, sqlx::Error> {
        crate::items::read(self.db.pool(), id, from, limit).await
    }

    /// The outputs of a job from `from` (at most `limit`), in item order.
    pub async fn outputs(
        &self,
        id: &str,
        from: i64,
        limit: i64,
    ) -> Result<Vec<OutputRecord>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT seq, ok, body, started_at, finished_at FROM job_outputs
             WHERE job_id = $1 AND seq >= $2 ORDER BY seq LIMIT $3",
        )
        .bind(id)
        .bind(from)
        .bind(limit)
        .fetch_all(self.db.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let body: String = r.try_get(2)?;
                Ok(OutputRecord {
                    seq: r.try_get(0)?,
                    ok: r.try_get::<i64, _>(1)? != 0,
                    body: serde_json::from_str(&body).unwrap_or(Value::Null),
                    started_at_ms: r.try_get(3)?,
                    finished_at_ms: r.try_get(4)?,
                })
            })
            .collect()
    }

    /// The webhook deliveries of a job, in order: `(event, status, attempts, last_error)`.
    pub async fn deliveries(
        &self,
        id: &str,
    ) -> Result<Vec<(String, String, i64, Option<String>)>, sqlx::Error> {
        sqlx::query(
            "SELECT event, status, attempts, last_error FROM job_deliveries WHERE job_id = $1 ORDER BY seq",
        )
        .bind(id)
        .fetch_all(self.db.pool())
        .await?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?)))
        .collect()
    }

    /// SQLite or PostgreSQL.
    pub(crate) fn dialect(&self) -> Dialect {
        self.db.dialect()
    }
}
