//! The Task object (`GET /task_batches/<ID>/tasks`) and its states.

use serde_json::{Value, json};

use super::{number, timestamp};

/// A task's `state`: `pending` until scored, then `completed` or `failed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TaskState {
    /// Not scored yet.
    Pending,
    /// Scored.
    Completed,
    /// Scoring failed.
    Failed,
}

impl TaskState {
    /// The `state` string, lower case.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Completed => "completed",
            Self::Failed => "failed",
        }
    }

    /// The `status` string: `Pending`, `Completed` or `Failed`.
    pub fn status(self) -> &'static str {
        match self {
            Self::Pending => "Pending",
            Self::Completed => "Completed",
            Self::Failed => "Failed",
        }
    }

    /// The state named by [`as_str`](Self::as_str)'s string, if any (for reading it back).
    pub fn parse(state: &str) -> Option<Self> {
        [Self::Pending, Self::Completed, Self::Failed]
            .into_iter()
            .find(|s| s.as_str() == state)
    }
}

/// What a Task answer shows; times in milliseconds since the Unix epoch.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskView {
    /// The task id.
    pub id: String,
    /// Its state (the `status` follows from it).
    pub state: TaskState,
    /// When it was created.
    pub created_ms: i64,
    /// When it last changed.
    pub updated_ms: i64,
    /// Its input: the row's feature record, or a file name.
    pub input: Value,
    /// The predicted label(s); empty until scored.
    pub output: Vec<Value>,
    /// Reviewer feedback, if any.
    pub feedback: Option<Value>,
    /// The kind of input, e.g. `tabular` or `image`.
    pub input_type: String,
    /// The probability of the chosen class, when the model gives one.
    pub consensus_score: Option<f64>,
    /// Per-class probabilities, when the model gives them.
    pub responses_with_confidence: Option<Value>,
}

/// The Task object, with the seed's members in the seed's order.
pub fn task_json(task: &TaskView) -> Value {
    json!({
        "id": task.id,
        "status": task.state.status(),
        "created_at": timestamp(task.created_ms),
        "updated_at": timestamp(task.updated_ms),
        "input": task.input,
        "output": task.output,
        "feedback": task.feedback,
        "state": task.state.as_str(),
        "input_type": task.input_type,
        "consensus_score": task.consensus_score.map_or(Value::Null, number),
        "responses_with_confidence": task.responses_with_confidence,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seed_task() -> TaskView {
        TaskView {
            id: "ab649ef6-65d7-11e9-8cc6-60f81dab267a".into(),
            state: TaskState::Completed,
            created_ms: 1_556_031_257_000,
            updated_ms: 1_556_031_419_000,
            input: json!("2161962975_128cb5ddbd_m.jpg"),
            output: vec![json!("Waterfowl")],
            feedback: None,
            input_type: "image".into(),
            consensus_score: Some(0.0),
            responses_with_confidence: None,
        }
    }

    #[test]
    fn the_seeds_task() {
        let expected = r#"{"id":"ab649ef6-65d7-11e9-8cc6-60f81dab267a","status":"Completed","created_at":"2019-04-23T14:54:17.000Z","updated_at":"2019-04-23T14:56:59.000Z","input":"2161962975_128cb5ddbd_m.jpg","output":["Waterfowl"],"feedback":null,"state":"completed","input_type":"image","consensus_score":0,"responses_with_confidence":null}"#;
        assert_eq!(task_json(&seed_task()).to_string(), expected);
    }

    #[test]
    fn tabular_task() {
        let task = TaskView {
            state: TaskState::Pending,
            input: json!({"age": 42}),
            output: vec![],
            input_type: "tabular".into(),
            consensus_score: Some(0.875),
            responses_with_confidence: Some(json!({"Yes": 0.875, "No": 0.125})),
            ..seed_task()
        };
        let json = task_json(&task);
        assert_eq!(json["status"], "Pending");
        assert_eq!(json["state"], "pending");
        assert_eq!(json["input"]["age"], 42);
        assert_eq!(json["consensus_score"], json!(0.875));
        assert_eq!(json["responses_with_confidence"]["No"], json!(0.125));
        let none = task_json(&TaskView {
            consensus_score: None,
            ..task
        });
        assert_eq!(none["consensus_score"], Value::Null);
    }

    #[test]
    fn states_and_statuses() {
        for (state, s, status) in [
            (TaskState::Pending, "pending", "Pending"),
            (TaskState::Completed, "completed", "Completed"),
            (TaskState::Failed, "failed", "Failed"),
        ] {
            assert_eq!((state.as_str(), state.status()), (s, status));
            assert_eq!(TaskState::parse(s), Some(state));
        }
        assert_eq!(TaskState::parse("processing"), None);
    }
}
