//! Task batches and their tasks as the routes show them, read from the engine's job, items
//! and outputs.

use crate::app::Apres;
use crate::batch_job::Done;
use crate::shapes::{BatchState, BatchView, TaskState, TaskView};
use crate::stats::{BatchTimings, TaskTiming};
use plinth_jobs::scoring::label_and_confidence;
use plinth_jobs::{JobRecord, JobState, OutputRecord};
use serde_json::Value;
use std::collections::HashMap;

/// Rows read per query when a whole batch is read.
const PAGE: i64 = 10_000;

/// The batch's state: `confirmed` until its tasks exist, `created` while they run.
pub fn state(job: &JobRecord) -> BatchState {
    match job.state {
        JobState::Done => BatchState::Completed,
        JobState::Failed => BatchState::Failed,
        _ if job.total.is_some() => BatchState::Created,
        _ => BatchState::Confirmed,
    }
}

/// The Task Batch of a job.
pub fn batch(apres: &Apres, job: &JobRecord) -> BatchView {
    let size = job.total.unwrap_or(0).max(0) as u64;
    let param = |k: &str| job.params[k].clone();
    BatchView {
        id: job.id.clone(),
        created_ms: job.created_at_ms,
        updated_ms: job.updated_at_ms,
        size,
        state: state(job),
        price: apres.config.price_per_task * size as f64,
        estimated_size: param("estimated_size").as_u64().unwrap_or(0),
        estimated_data_points: param("estimated_size").as_u64().unwrap_or(0),
        slug: crate::slug::slug(&job.id),
        mode: "default".into(),
        delivery_timeframe: param("delivery_timeframe").as_i64().unwrap_or(7),
        delivery_units: param("delivery_units")
            .as_str()
            .unwrap_or("days")
            .to_owned(),
        sandbox: false,
    }
}

async fn page_of(
    apres: &Apres,
    job: &str,
    from: i64,
    limit: i64,
) -> Result<(Vec<(i64, Value)>, HashMap<i64, OutputRecord>), sqlx::Error> {
    let items = apres.jobs.items(job, from, limit).await?;
    let outputs = apres.jobs.outputs(job, from, limit).await?;
    Ok((items, outputs.into_iter().map(|o| (o.seq, o)).collect()))
}

fn result_of(output: &OutputRecord) -> Result<Value, String> {
    if output.ok {
        Ok(output.body["result"].clone())
    } else {
        Err(plinth_jobs::cells::text(&output.body["error"]))
    }
}

/// The finished tasks from `from` (at most `limit`), in order; tasks without an output stop
/// the list (there are none once the job is done).
pub async fn finished(
    apres: &Apres,
    job: &str,
    from: i64,
    limit: i64,
) -> Result<Vec<Done>, sqlx::Error> {
    let mut done = Vec::new();
    let mut next = from;
    while (done.len() as i64) < limit {
        let want = PAGE.min(limit - done.len() as i64);
        let (items, mut outputs) = page_of(apres, job, next, want).await?;
        if items.is_empty() {
            break;
        }
        for (seq, item) in items {
            let Some(output) = outputs.remove(&seq) else {
                return Ok(done);
            };
            done.push(Done {
                item,
                result: result_of(&output),
            });
            next = seq + 1;
        }
    }
    Ok(done)
}

/// One task of a batch and when it ran.
pub struct Task {
    /// As the routes show it.
    pub view: TaskView,
    /// Its timing, for the statistics.
    pub timing: TaskTiming,
}

/// The tasks from `from` (at most `limit`), in order, pending ones included.
pub async fn tasks(
    apres: &Apres,
    job: &JobRecord,
    from: i64,
    limit: i64,
) -> Result<Vec<Task>, sqlx::Error> {
    let mut tasks = Vec::new();
    let mut next = from;
    while (tasks.len() as i64) < limit {
        let want = PAGE.min(limit - tasks.len() as i64);
        let (items, mut outputs) = page_of(apres, &job.id, next, want).await?;
        if items.is_empty() {
            break;
        }
        for (seq, item) in items {
            tasks.push(task(job, seq, item, outputs.remove(&seq)));
            next = seq + 1;
        }
    }
    Ok(tasks)
}

fn task(job: &JobRecord, seq: i64, item: Value, output: Option<OutputRecord>) -> Task {
    let created = job.started_at_ms.unwrap_or(job.created_at_ms);
    let mut view = TaskView {
        id: crate::ids::task_id(&job.id, seq),
        state: TaskState::Pending,
        created_ms: created,
        updated_ms: created,
        input: item["features"].clone(),
        output: Vec::new(),
        feedback: None,
        input_type: "tabular".into(),
        consensus_score: None,
        responses_with_confidence: None,
    };
    let mut timing = TaskTiming {
        started_ms: None,
        finished_ms: None,
        succeeded: false,
        consensus_score: None,
    };
    if let Some(output) = output {
        view.updated_ms = output.finished_at_ms;
        timing.started_ms = Some(output.started_at_ms);
        timing.finished_ms = Some(output.finished_at_ms);
        match result_of(&output) {
            Ok(result) => {
                let (label, confidence) = label_and_confidence(&result);
                view.state = TaskState::Completed;
                view.output = vec![label];
                view.consensus_score = confidence;
                view.responses_with_confidence = result.get("probas").cloned();
                timing.succeeded = true;
                timing.consensus_score = confidence;
            }
            Err(_) => view.state = TaskState::Failed,
        }
    }
    Task { view, timing }
}

/// The timings of every task of a batch, for the statistics.
pub async fn timings(apres: &Apres, job: &JobRecord) -> Result<BatchTimings, sqlx::Error> {
    let tasks = tasks(apres, job, 0, i64::MAX).await?;
    Ok(BatchTimings {
        created_ms: job.created_at_ms,
        completed_ms: (job.state == JobState::Done)
            .then_some(job.finished_at_ms)
            .flatten(),
        tasks: tasks.into_iter().map(|t| t.timing).collect(),
    })
}
