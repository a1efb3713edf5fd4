//! A stored job as the engine and the plugins read it.

use serde_json::Value;
use sqlx::Row;
use sqlx::any::AnyRow;

/// The state of a job.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobState {
    /// Waiting for a worker (or for its retry time).
    Queued,
    /// Claimed by a worker (or by a worker that died, until its lease runs out).
    Running,
    /// Finished: every item has an output.
    Done,
    /// Stopped for good; `error` says why.
    Failed,
}

impl JobState {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Failed => "failed",
        }
    }

    fn parse(s: &str) -> JobState {
        match s {
            "running" => JobState::Running,
            "done" => JobState::Done,
            "failed" => JobState::Failed,
            _ => JobState::Queued,
        }
    }
}

/// A job.
#[derive(Clone, Debug, PartialEq)]
pub struct JobRecord {
    /// Its id (chosen by the submitting plugin).
    pub id: String,
    /// Which handler runs it (`apres.batch`, `vidora.export`...).
    pub kind: String,
    /// What it belongs to in the plugin's terms (a recipe, a pipeline), for listing.
    pub scope: String,
    /// Where it is.
    pub state: JobState,
    /// The plugin's parameters.
    pub params: Value,
    /// How many items it has; `None` until prepared.
    pub total: Option<i64>,
    /// How many items have their output committed.
    pub done: i64,
    /// How many of those failed.
    pub failed_items: i64,
    /// What [`crate::JobHandler::finish`] answered.
    pub result: Option<Value>,
    /// Why it failed.
    pub error: Option<String>,
    /// How many times a worker claimed it.
    pub attempts: i64,
    /// The webhook of its stages.
    pub webhook_url: Option<String>,
    /// When it was submitted, ms since the epoch.
    pub created_at_ms: i64,
    /// When it last changed.
    pub updated_at_ms: i64,
    /// When a worker first claimed it.
    pub started_at_ms: Option<i64>,
    /// When it finished or failed.
    pub finished_at_ms: Option<i64>,
}

/// The columns [`JobRecord::from_row`] reads, in order.
pub(crate) const COLUMNS: &str = "id, kind, scope, state, params, total, cursor, failed_items, result, error, \
     attempts, webhook_url, created_at, updated_at, started_at, finished_at";

impl JobRecord {
    pub(crate) fn from_row(r: &AnyRow) -> Result<JobRecord, sqlx::Error> {
        let json = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
        let state: String = r.try_get(3)?;
        Ok(JobRecord {
            id: r.try_get(0)?,
            kind: r.try_get(1)?,
            scope: r.try_get(2)?,
            state: JobState::parse(&state),
            params: json(r.try_get(4)?).unwrap_or(Value::Null),
            total: r.try_get(5)?,
            done: r.try_get(6)?,
            failed_items: r.try_get(7)?,
            result: json(r.try_get(8)?),
            error: r.try_get(9)?,
            attempts: r.try_get(10)?,
            webhook_url: r.try_get(11)?,
            created_at_ms: r.try_get(12)?,
            updated_at_ms: r.try_get(13)?,
            started_at_ms: r.try_get(14)?,
            finished_at_ms: r.try_get(15)?,
        })
    }

    /// A parameter of the job, as text.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.get(name).and_then(Value::as_str)
    }
}
