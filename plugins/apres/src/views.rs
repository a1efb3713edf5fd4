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

/// Calls `each` with every task from `from` (at most `limit`), in order: its position, its
/// item and its output if it has one; `each` answers whether to go on.
async fn walk(
    apres: &Apres,
    job: &str,
    from: i64,
    limit: i64,
    mut each: impl FnMut(i64, Value, Option<OutputRecord>) -> bool,
) -> Result<(), sqlx::Error> {
    let (mut next, mut seen) = (from, 0i64);
    while seen < limit {
        let want = PAGE.min(limit - seen);
        let items = apres.jobs.items(job, next, want).await?;
        if items.is_empty() {
            return Ok(());
        }
        let mut outputs: HashMap<i64, OutputRecord> = apres
            .jobs
            .outputs(job, next, want)
            .await?
            .into_iter()
            .map(|o| (o.seq, o))
            .collect();
        for (seq, item) in items {
            seen += 1;
            next = seq + 1;
            if !each(seq, item, outputs.remove(&seq)) {
                return Ok(());
            }
        }
    }
    Ok(())
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
    walk(apres, job, from, limit, |_, item, output| match output {
        Some(output) => {
            let result = result_of(&output);
            done.push(Done { item, result });
            true
        }
        None => false,
    })
    .await?;
    Ok(done)
}

/// The tasks from `from` (at most `limit`), in order, pending ones included.
pub async fn tasks(
    apres: &Apres,
    job: &JobRecord,
    from: i64,
    limit: i64,
) -> Result<Vec<TaskView>, sqlx::Error> {
    let mut tasks = Vec::new();
    walk(apres, &job.id, from, limit, |seq, item, output| {
        tasks.push(task(job, seq, item, output));
        true
    })
    .await?;
    Ok(tasks)
}

fn task(job: &JobRecord, seq: i64, item: Value, output: Option<OutputRecord>) -> TaskView {
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
    if let Some(output) = output {
        view.updated_ms = output.finished_at_ms;
        match result_of(&output) {
            Ok(result) => {
                let (label, confidence) = label_and_confidence(&result);
                view.state = TaskState::Completed;
                view.output = vec![label];
                view.consensus_score = confidence;
                view.responses_with_confidence = result.get("probas").cloned();
            }
            Err(_) => view.state = TaskState::Failed,
        }
    }
    view
}

/// The timings of a batch for the statistics, from its outputs alone: a task without one
/// (still pending) counts in none of them, so its item need not be read.
pub async fn timings(apres: &Apres, job: &JobRecord) -> Result<BatchTimings, sqlx::Error> {
    let (mut tasks, mut next) = (Vec::new(), 0);
    loop {
        let page = apres.jobs.outputs(&job.id, next, PAGE).await?;
        let Some(last) = page.last() else { break };
        next = last.seq + 1;
        tasks.extend(page.iter().map(|output| {
            TaskTiming {
                started_ms: Some(output.started_at_ms),
                finished_ms: Some(output.finished_at_ms),
                succeeded: output.ok,
                consensus_score: output
                    .ok
                    .then(|| label_and_confidence(&output.body["result"]).1)
                    .flatten(),
            }
        }));
    }
    Ok(BatchTimings {
        created_ms: job.created_at_ms,
        completed_ms: (job.state == JobState::Done)
            .then_some(job.finished_at_ms)
            .flatten(),
        tasks,
    })
}
