//! The nine `statistics` of `GET /task_batches/<ID>/output`, in the seed's order and with its
//! names, computed from the batch's real timings.
//!
//! Definitions:
//! - a task is *successful* when it succeeded, *failed* when it finished without succeeding;
//!   a task still running is neither;
//! - a successful task *has expert consensus* when the probability of its chosen class (its
//!   `consensus_score`) is at least the threshold; successful tasks without a probability
//!   (regression models) count as without; failed tasks count in neither;
//! - times are whole seconds (rounded down) from the batch's creation; the average processing
//!   time is in seconds with two decimals.

mod words;

use serde_json::{Value, json};

/// When one task ran and how it ended (milliseconds since the Unix epoch).
#[derive(Debug, Clone, PartialEq)]
pub struct TaskTiming {
    /// When scoring started, if it has.
    pub started_ms: Option<i64>,
    /// When scoring ended (either way), if it has.
    pub finished_ms: Option<i64>,
    /// Whether the task was scored successfully.
    pub succeeded: bool,
    /// The probability of the chosen class; `None` for models without one.
    pub consensus_score: Option<f64>,
}

/// A batch's timings: its creation, its completion if done, and its tasks.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchTimings {
    /// When the batch was received.
    pub created_ms: i64,
    /// When its last task ended, if the batch is done.
    pub completed_ms: Option<i64>,
    /// Every task of the batch.
    pub tasks: Vec<TaskTiming>,
}

/// One named statistic, a number or a string.
#[derive(Debug, Clone, PartialEq)]
pub struct Statistic {
    /// The seed's name, e.g. `Successful Tasks`.
    pub name: &'static str,
    /// Its value.
    pub value: Value,
}

/// Whole seconds from `from` to `to`, rounded down; 0 when `to` is earlier.
fn seconds(from: i64, to: i64) -> i64 {
    (to - from).max(0) / 1000
}

/// The nine statistics of a batch, in the seed's order. `now_ms` ends the elapsed time of a
/// batch that is not completed yet.
pub fn statistics(timings: &BatchTimings, consensus_threshold: f64, now_ms: i64) -> Vec<Statistic> {
    let tasks = &timings.tasks;
    let created = timings.created_ms;
    let successful = tasks.iter().filter(|t| t.succeeded).count();
    let failed = tasks
        .iter()
        .filter(|t| !t.succeeded && t.finished_ms.is_some())
        .count();
    let with_consensus = tasks
        .iter()
        .filter(|t| t.succeeded && t.consensus_score.is_some_and(|s| s >= consensus_threshold))
        .count();
    let elapsed = seconds(created, timings.completed_ms.unwrap_or(now_ms));
    let first_start = tasks.iter().filter_map(|t| t.started_ms).min();
    let first_finish = tasks.iter().filter_map(|t| t.finished_ms).min();
    let durations: Vec<i64> = tasks
        .iter()
        .filter_map(|t| Some((t.finished_ms? - t.started_ms?).max(0)))
        .collect();
    let average = if durations.is_empty() {
        0.0
    } else {
        let mean_ms = durations.iter().sum::<i64>() as f64 / durations.len() as f64;
        (mean_ms / 10.0).round() / 100.0
    };
    let since_created = |at: Option<i64>| at.map_or(0, |at| seconds(created, at));
    vec![
        stat("Successful Tasks", json!(successful)),
        stat("Failed Tasks", json!(failed)),
        stat("Elapsed Time", json!(elapsed)),
        stat("Elapsed Time (in words)", json!(words::duration(elapsed))),
        stat(
            "Time to Start Processing Tasks",
            json!(since_created(first_start)),
        ),
        stat("Average Processing Time", json!(average)),
        stat("Tasks with Expert Consensus", json!(with_consensus)),
        stat(
            "Tasks without Expert Consensus",
            json!(successful - with_consensus),
        ),
        stat("Time to First Results", json!(since_created(first_finish))),
    ]
}

fn stat(name: &'static str, value: Value) -> Statistic {
    Statistic { name, value }
}

/// The statistics as the seed's JSON: an array of `{"name", "value"}`.
pub fn to_json(stats: &[Statistic]) -> Value {
    Value::Array(
        stats
            .iter()
            .map(|s| json!({ "name": s.name, "value": s.value }))
            .collect(),
    )
}

#[cfg(test)]
mod tests;
