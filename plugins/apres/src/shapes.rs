//! The JSON the Apres routes answer with: members exactly as the seed lists them, in its order
//! (the workspace's `serde_json` keeps insertion order).

mod batch;
mod recipe;
mod task;

pub use batch::{BatchState, BatchView, batch_json};
pub use recipe::{RecipeView, recipe_json};
pub use task::{TaskState, TaskView, task_json};

use chrono::{DateTime, SecondsFormat};
use serde_json::Value;

/// A time as the seed writes it, `2019-04-28T12:51:44.000Z` (UTC, milliseconds). A time
/// outside chrono's range is written as the Unix epoch.
pub fn timestamp(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// A number as the seed writes it: whole values without a fraction (`"price": 0`), others as
/// floats (`0.28`); a non-finite value is `null`.
pub(crate) fn number(x: f64) -> Value {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53: every integer below is exact
    if x.is_finite() && x.fract() == 0.0 && x.abs() < EXACT {
        Value::from(x as i64)
    } else {
        serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn timestamps_in_the_seeds_format() {
        assert_eq!(timestamp(1_556_455_904_000), "2019-04-28T12:51:44.000Z");
        assert_eq!(timestamp(1_540_676_210_123), "2018-10-27T21:36:50.123Z");
        assert_eq!(timestamp(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(timestamp(i64::MAX), "1970-01-01T00:00:00.000Z");
    }

    #[test]
    fn numbers() {
        assert_eq!(number(0.0).to_string(), "0");
        assert_eq!(number(7.0).to_string(), "7");
        assert_eq!(number(0.28).to_string(), "0.28");
        assert_eq!(number(-0.5), json!(-0.5));
        assert_eq!(number(f64::NAN), Value::Null);
        assert_eq!(number(1e300), json!(1e300));
    }
}
