//! The delivery options of a batch: `delivery_timeframe` (1 or 7, default 7) and
//! `delivery_units` (only `"days"`, the default).

use serde_json::{Map, Value};

use crate::error::ApresError;

/// The checked delivery options.
pub(super) struct Options {
    pub(super) delivery_timeframe: i64,
    pub(super) delivery_units: String,
}

/// Reads both options from the body; absent or `null` means the default.
pub(super) fn parse(object: &Map<String, Value>) -> Result<Options, ApresError> {
    let delivery_timeframe = match object.get("delivery_timeframe") {
        None | Some(Value::Null) => 7,
        Some(value) => match value.as_i64() {
            Some(n @ (1 | 7)) => n,
            _ => {
                return Err(ApresError::unprocessable(format!(
                    "delivery_timeframe must be 1 or 7, not {value}"
                )));
            }
        },
    };
    let delivery_units = match object.get("delivery_units") {
        None | Some(Value::Null) => "days".to_owned(),
        Some(Value::String(units)) if units == "days" => units.clone(),
        Some(value) => {
            return Err(ApresError::unprocessable(format!(
                "delivery_units must be \"days\", not {value}"
            )));
        }
    };
    Ok(Options {
        delivery_timeframe,
        delivery_units,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn options(value: Value) -> Result<Options, ApresError> {
        parse(value.as_object().unwrap())
    }

    #[test]
    fn defaults() {
        let o = options(json!({})).unwrap();
        assert_eq!(
            (o.delivery_timeframe, o.delivery_units.as_str()),
            (7, "days")
        );
        let o = options(json!({"delivery_timeframe": null, "delivery_units": null})).unwrap();
        assert_eq!(o.delivery_timeframe, 7);
    }

    #[test]
    fn timeframe_one_or_seven() {
        assert_eq!(
            options(json!({"delivery_timeframe": 1}))
                .unwrap()
                .delivery_timeframe,
            1
        );
        for bad in [json!(3), json!("7"), json!(7.5), json!(0)] {
            let err = options(json!({ "delivery_timeframe": bad })).err().unwrap();
            assert_eq!(err.status(), 422);
            assert!(
                err.message()
                    .starts_with("delivery_timeframe must be 1 or 7")
            );
        }
    }

    #[test]
    fn units_days_only() {
        for bad in [json!("weeks"), json!("Days"), json!(7)] {
            let err = options(json!({ "delivery_units": bad })).err().unwrap();
            assert_eq!(err.status(), 422);
            assert!(err.message().contains("\"days\""));
        }
    }
}
