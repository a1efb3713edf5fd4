//! Turning a caller's input into one value per key column: `{"data": {...}}` objects and
//! `lookup-simple` query strings.

use crate::index::DatasetIndex;
use plinth_engine_api::ApiError;
use serde_json::{Map, Value};

/// The caller's values for each key column of one record, in key order (`None`: absent).
pub(crate) type KeyRecord = Vec<Option<Value>>;

/// The keys of a `data` object. A member that is not a key column is a 400 naming it.
pub(crate) fn from_object(
    index: &DatasetIndex,
    data: &Map<String, Value>,
    field: &str,
) -> Result<KeyRecord, ApiError> {
    if let Some(unknown) = data.keys().find(|name| index.key_position(name).is_none()) {
        return Err(unknown_key(index, unknown, field));
    }
    Ok(index.key_names().map(|k| data.get(k).cloned()).collect())
}

/// The `data` member of a request object or of one of its `items`.
pub(crate) fn data_member<'a>(
    object: &'a Map<String, Value>,
    field: &str,
) -> Result<&'a Map<String, Value>, ApiError> {
    match object.get("data") {
        Some(Value::Object(data)) => Ok(data),
        Some(other) => Err(ApiError::invalid_input(
            &format!("{field}data"),
            format!(
                "expected an object of lookup keys, found {}",
                json_kind(other)
            ),
        )),
        None => Err(ApiError::invalid_input(
            &format!("{field}data"),
            "missing; expected {\"data\": {\"<key column>\": <value>, ...}}",
        )),
    }
}

/// The keys of a `lookup-simple` query string. Parameters named after the key columns are
/// matched by name; otherwise, when there are exactly as many parameters as keys and none is
/// named after a key, they are taken in key order (the reference's `?id_key=42` for a
/// `PassengerId` key).
pub(crate) fn from_query(
    index: &DatasetIndex,
    pairs: &[(String, String)],
) -> Result<KeyRecord, ApiError> {
    let keys: Vec<&str> = index.key_names().collect();
    for (i, (name, _)) in pairs.iter().enumerate() {
        if pairs[..i].iter().any(|(n, _)| n == name) {
            return Err(ApiError::invalid_input(
                name,
                "given twice; give each lookup key once",
            ));
        }
    }
    let named = pairs
        .iter()
        .filter(|(n, _)| keys.contains(&n.as_str()))
        .count();
    if named == pairs.len() && named == keys.len() {
        return Ok(keys
            .iter()
            .map(|k| {
                pairs
                    .iter()
                    .find(|(n, _)| n == k)
                    .map(|(_, v)| Value::String(v.clone()))
            })
            .collect());
    }
    if named == 0 && pairs.len() == keys.len() {
        return Ok(pairs
            .iter()
            .map(|(_, v)| Some(Value::String(v.clone())))
            .collect());
    }
    if pairs.len() != keys.len() {
        let missing: Vec<&str> = keys
            .iter()
            .copied()
            .filter(|k| !pairs.iter().any(|(n, _)| n == k))
            .collect();
        return Err(ApiError::new(
            400,
            "WrongParameterCount",
            format!(
                "expected {} query parameter(s), one per lookup key ({}), found {}{}",
                keys.len(),
                keys.join(", "),
                pairs.len(),
                if missing.is_empty() || pairs.len() > keys.len() {
                    String::new()
                } else {
                    format!("; missing: {}", missing.join(", "))
                }
            ),
        ));
    }
    let unknown = pairs
        .iter()
        .map(|(n, _)| n)
        .find(|n| index.key_position(n).is_none());
    Err(unknown_key(index, unknown.map_or("?", |n| n.as_str()), ""))
}

fn unknown_key(index: &DatasetIndex, name: &str, field: &str) -> ApiError {
    let keys: Vec<&str> = index.key_names().collect();
    ApiError::new(
        400,
        "UnknownLookupKey",
        format!(
            "'{field}{name}' is not a lookup key of this endpoint; its keys are: {}",
            keys.join(", ")
        ),
    )
}

/// A short name of a JSON value's type, for messages.
pub(crate) fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
