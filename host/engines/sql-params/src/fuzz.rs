//! The entry point shared by the `sql_params` fuzz target (`fuzz/`) and the corpus replay
//! test, so that the two cannot drift apart.

use crate::{ParamType, ParamValue, collect};
use plinth_engine_api::Input;
use serde_json::Value;

/// The parameter names the fuzzed query takes.
pub const NAMES: [&str; 3] = ["a", "b", "c"];

const TYPES: [ParamType; 4] = [
    ParamType::Integer,
    ParamType::Float,
    ParamType::Boolean,
    ParamType::Text,
];

/// The first byte chooses a JSON object (even) or query-string pairs split on `&` (odd), the
/// second the three parameters' types (two bits each). Collected values are one per name;
/// a converted value is of its type (floats finite) and converts to itself again; an error
/// names its parameter.
pub fn sql_params(data: &[u8]) {
    let [mode, types, rest @ ..] = data else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let input = if mode % 2 == 0 {
        match serde_json::from_str(text) {
            Ok(Value::Object(map)) => Input::Json(map),
            _ => return,
        }
    } else {
        Input::Query(
            text.split('&')
                .map(|pair| {
                    let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                    (name.to_owned(), value.to_owned())
                })
                .collect(),
        )
    };
    check(&input, *types);
}

/// Collects [`NAMES`] from `input` and converts each to its type from `types` (two bits per
/// parameter), checking what [`sql_params`] promises.
pub fn check(input: &Input, types: u8) {
    let names: Vec<String> = NAMES.iter().map(|n| n.to_string()).collect();
    let Ok(values) = collect(&names, input) else {
        return;
    };
    assert_eq!(values.len(), names.len());
    for (i, (value, name)) in values.iter().zip(&names).enumerate() {
        let target = TYPES[usize::from(types >> (2 * i)) & 3];
        match value.convert(target, name) {
            Ok(converted) => {
                assert!(is_of(&converted, target), "{converted:?} for {target:?}");
                assert_eq!(converted.convert(target, name).ok(), Some(converted));
            }
            Err(e) => assert!(e.message.contains(&format!("'{name}'")), "{}", e.message),
        }
    }
}

/// Whether `value` binds as `target` (`Null` binds as any type).
fn is_of(value: &ParamValue, target: ParamType) -> bool {
    match (value, target) {
        (ParamValue::Null, _)
        | (ParamValue::Integer(_), ParamType::Integer)
        | (ParamValue::Boolean(_), ParamType::Boolean)
        | (ParamValue::Text(_), ParamType::Text) => true,
        (ParamValue::Float(f), ParamType::Float) => f.is_finite(),
        _ => false,
    }
}
