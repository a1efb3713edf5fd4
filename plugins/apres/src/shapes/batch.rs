//! The Task Batch object and its states.

use serde_json::{Value, json};

use super::{number, timestamp};

/// A batch's `state`: `confirmed` (payload received, the 201 answer) → `created` (tasks
/// generated and running) → `completed`, or `failed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BatchState {
    /// The payload is stored; no task exists yet.
    Confirmed,
    /// The tasks exist and are being scored.
    Created,
    /// Every task has ended.
    Completed,
    /// The batch could not be processed.
    Failed,
}

impl BatchState {
    /// The `state` string, lower case.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Confirmed => "confirmed",
            Self::Created => "created",
            Self::Completed => "completed",
            Self::Failed => "failed",
        }
    }

    /// The `status` string: `Pending`, `Processing`, `Completed` or `Failed`.
    pub fn status(self) -> &'static str {
        match self {
            Self::Confirmed => "Pending",
            Self::Created => "Processing",
            Self::Completed => "Completed",
            Self::Failed => "Failed",
        }
    }

    /// The state named by [`as_str`](Self::as_str)'s string, if any (for reading it back).
    pub fn parse(state: &str) -> Option<Self> {
        [
            Self::Confirmed,
            Self::Created,
            Self::Completed,
            Self::Failed,
        ]
        .into_iter()
        .find(|s| s.as_str() == state)
    }
}

/// What a Task Batch answer shows; times in milliseconds since the Unix epoch.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchView {
    /// The batch id.
    pub id: String,
    /// When the batch was received.
    pub created_ms: i64,
    /// When it last changed.
    pub updated_ms: i64,
    /// Tasks actually created (0 until they are).
    pub size: u64,
    /// Its state (the `status` follows from it).
    pub state: BatchState,
    /// Its price.
    pub price: f64,
    /// Tasks expected, counted at receipt.
    pub estimated_size: u64,
    /// Data points expected (the same count as `estimated_size`).
    pub estimated_data_points: u64,
    /// Its three-word slug.
    pub slug: String,
    /// `default`.
    pub mode: String,
    /// 1 or 7.
    pub delivery_timeframe: i64,
    /// `days`.
    pub delivery_units: String,
    /// Whether it was sent with a sandbox key.
    pub sandbox: bool,
}

/// The Task Batch object, with the seed's members in the seed's order.
pub fn batch_json(batch: &BatchView) -> Value {
    json!({
        "id": batch.id,
        "created_at": timestamp(batch.created_ms),
        "updated_at": timestamp(batch.updated_ms),
        "size": batch.size,
        "status": batch.state.status(),
        "price": number(batch.price),
        "state": batch.state.as_str(),
        "estimated_size": batch.estimated_size,
        "estimated_data_points": batch.estimated_data_points,
        "slug": batch.slug,
        "mode": batch.mode,
        "delivery_timeframe": batch.delivery_timeframe,
        "delivery_units": batch.delivery_units,
        "sandbox": batch.sandbox,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seed_batch() -> BatchView {
        BatchView {
            id: "60649254-69b4-11e9-bef7-60f81dab267a".into(),
            created_ms: 1_556_455_904_000,
            updated_ms: 1_556_455_904_000,
            size: 0,
            state: BatchState::Confirmed,
            price: 0.0,
            estimated_size: 1,
            estimated_data_points: 1,
            slug: "characteristic-bug-photographed".into(),
            mode: "default".into(),
            delivery_timeframe: 7,
            delivery_units: "days".into(),
            sandbox: false,
        }
    }

    #[test]
    fn the_seeds_task_batch() {
        let expected = r#"{"id":"60649254-69b4-11e9-bef7-60f81dab267a","created_at":"2019-04-28T12:51:44.000Z","updated_at":"2019-04-28T12:51:44.000Z","size":0,"status":"Pending","price":0,"state":"confirmed","estimated_size":1,"estimated_data_points":1,"slug":"characteristic-bug-photographed","mode":"default","delivery_timeframe":7,"delivery_units":"days","sandbox":false}"#;
        assert_eq!(batch_json(&seed_batch()).to_string(), expected);
    }

    #[test]
    fn completed_batch() {
        let batch = BatchView {
            size: 7,
            state: BatchState::Completed,
            price: 0.28,
            ..seed_batch()
        };
        let json = batch_json(&batch);
        assert_eq!(
            (json["status"].as_str(), json["state"].as_str()),
            (Some("Completed"), Some("completed"))
        );
        assert_eq!(json["price"], json!(0.28));
        assert_eq!(json["size"], 7);
    }

    #[test]
    fn states_and_statuses() {
        let all = [
            BatchState::Confirmed,
            BatchState::Created,
            BatchState::Completed,
            BatchState::Failed,
        ];
        let pairs: Vec<(&str, &str)> = all.iter().map(|s| (s.as_str(), s.status())).collect();
        assert_eq!(
            pairs,
            [
                ("confirmed", "Pending"),
                ("created", "Processing"),
                ("completed", "Completed"),
                ("failed", "Failed")
            ]
        );
        for state in all {
            assert_eq!(BatchState::parse(state.as_str()), Some(state));
        }
        assert_eq!(BatchState::parse("Completed"), None);
    }
}
