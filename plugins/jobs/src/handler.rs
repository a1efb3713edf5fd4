//! What a plugin implements for each kind of job it submits.

use crate::record::JobRecord;
use async_trait::async_trait;
use serde_json::Value;

/// Where a job is in its life; each change may send one webhook ([`JobHandler::event`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Accepted: the job and its inputs are stored (sent in the submitting transaction).
    Submitted,
    /// Its items exist ([`JobHandler::prepare`] ran, or they came with the job).
    Prepared,
    /// Every item has an output and [`JobHandler::finish`] ran.
    Completed,
    /// Stopped for good ([`JobError::permanent`]).
    Failed,
}

impl Stage {
    /// `submitted`, `prepared`, `completed`, `failed` (the delivery log's event names).
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Submitted => "submitted",
            Stage::Prepared => "prepared",
            Stage::Completed => "completed",
            Stage::Failed => "failed",
        }
    }
}

/// Why a step of a job did not succeed.
#[derive(Clone, Debug, PartialEq)]
pub struct JobError {
    /// Shown in the job's `error`.
    pub message: String,
    /// Whether to try the step again later (a busy or restarting endpoint) rather than fail.
    pub retry: bool,
}

impl JobError {
    /// The job fails with this message.
    pub fn permanent(message: impl Into<String>) -> JobError {
        JobError {
            message: message.into(),
            retry: false,
        }
    }

    /// The step is tried again after a backoff.
    pub fn transient(message: impl Into<String>) -> JobError {
        JobError {
            message: message.into(),
            retry: true,
        }
    }
}

/// A failure of the state database: transient (the step is tried again).
impl From<sqlx::Error> for JobError {
    fn from(e: sqlx::Error) -> JobError {
        JobError::transient(format!("the state database failed: {e}"))
    }
}

/// One output of a chunk, for the item at the same position.
#[derive(Clone, Debug, PartialEq)]
pub struct ItemOutput {
    /// Whether the item succeeded (a failed item is kept, with its reason in `body`).
    pub ok: bool,
    /// What the plugin reads back ([`crate::Jobs::outputs`]).
    pub body: Value,
}

/// The steps of one kind of job. Each may run more than once when a process dies in the
/// middle (at-least-once), so each must be idempotent; outputs are stored exactly once per item.
#[async_trait]
pub trait JobHandler: Send + Sync + 'static {
    /// Turns a job submitted without items into its items (e.g. parses the stored upload).
    /// The default: no items.
    async fn prepare(&self, job: &JobRecord) -> Result<Vec<Value>, JobError> {
        let _ = job;
        Ok(Vec::new())
    }

    /// Processes one chunk of items (in order, `first_seq` being the first one's index): one
    /// output per item, in the same order.
    async fn process(
        &self,
        job: &JobRecord,
        first_seq: i64,
        items: &[Value],
    ) -> Result<Vec<ItemOutput>, JobError>;

    /// Runs after the last chunk is committed (writes the output file, computes a summary);
    /// answers the job's `result`.
    async fn finish(&self, job: &JobRecord) -> Result<Value, JobError>;

    /// The webhook payload of a stage, for a job submitted with a webhook URL; `None` sends
    /// nothing for that stage.
    fn event(&self, job: &JobRecord, stage: Stage) -> Option<Value> {
        let _ = (job, stage);
        None
    }
}
