//! Collecting rows under the `max_rows` cap.

use crate::config::SqlSettings;
use plinth_engine_api::ApiError;
use serde_json::Value;

/// Rows gathered so far.
pub struct RowSink {
    /// The rows.
    pub rows: Vec<Vec<Value>>,
    max_rows: usize,
    truncate: bool,
    /// Whether a row past the cap was seen.
    pub truncated: bool,
}

impl RowSink {
    /// A sink for the endpoint's cap.
    pub fn new(settings: &SqlSettings) -> Self {
        RowSink {
            rows: Vec::new(),
            max_rows: settings.max_rows,
            truncate: settings.truncate,
            truncated: false,
        }
    }

    /// Whether there is room for one more row; past the cap, either stops (truncate) or fails.
    pub fn has_room(&mut self) -> Result<bool, ApiError> {
        if self.rows.len() < self.max_rows {
            return Ok(true);
        }
        if self.truncate {
            self.truncated = true;
            return Ok(false);
        }
        Err(ApiError::new(
            400,
            "TooManyRows",
            format!(
                "the query returned more than {} rows, this endpoint's max_rows; narrow it with its parameters",
                self.max_rows
            ),
        ))
    }
}
