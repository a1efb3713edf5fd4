//! Floats in JSON answers.

use serde_json::{Number, Value};

/// A float output as JSON, written with the shortest text that reads back as the same `f32`
/// (`0.878`, not `0.87800002098083496`). Non-finite values become `null`.
pub fn f32_json(value: f32) -> Value {
    if !value.is_finite() {
        return Value::Null;
    }
    let shortest: f64 = value.to_string().parse().unwrap_or(f64::from(value));
    Number::from_f64(shortest).map_or(Value::Null, Value::Number)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_are_written_shortest() {
        assert_eq!(f32_json(0.878).to_string(), "0.878");
        assert_eq!(f32_json(152.25).to_string(), "152.25");
        assert_eq!(f32_json(f32::NAN), Value::Null);
    }
}
