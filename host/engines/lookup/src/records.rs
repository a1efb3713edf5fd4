//! Turning a caller's input into one value per key column: `{"data": {...}}` objects and
//! `lookup-simple` query strings.

use crate::endpoint::MAX_ITEMS;
use plinth_engine_api::{Action, ApiError, Input, Request};
use serde_json::{Map, Value};

/// The caller's values for each key column of one record, in key order (`None`: absent).
pub(crate) type KeyRecord = Vec<Option<Value>>;

/// The keys of a `data` object. A member that is not a key column is a 400 naming it.
pub(crate) fn from_object(
    keys: &[&str],
    data: &Map<String, Value>,
    field: &str,
) -> Result<KeyRecord, ApiError> {
    if let Some(unknown) = data.keys().find(|name| !keys.contains(&name.as_str())) {
        return Err(unknown_key(keys, unknown, field));
    }
    Ok(keys.iter().map(|k| data.get(*k).cloned()).collect())
}

/// The key records of a call, one per looked-up record, for the key columns `keys`.
pub(crate) fn parse(request: &Request, keys: &[&str]) -> Result<Vec<KeyRecord>, ApiError> {
    match (&request.action, &request.input) {
        (Action::Lookup, Input::Json(body)) => {
            Ok(vec![from_object(keys, data_member(body, "")?, "data.")?])
        }
        (Action::LookupMulti, Input::Json(body)) => {
            let items = match body.get("items") {
                Some(Value::Array(items)) => items,
                Some(other) => {
                    return Err(ApiError::invalid_input(
                        "items",
                        format!(
                            "expected an array of {{\"data\": {{...}}}} objects, found {}",
                            json_kind(other)
                        ),
                    ));
                }
                None => {
                    return Err(ApiError::invalid_input(
                        "items",
                        "missing; expected {\"items\": [{\"data\": {...}}, ...]}",
                    ));
                }
            };
            if items.len() > MAX_ITEMS {
                return Err(ApiError::invalid_input(
                    "items",
                    format!(
                        "{} records in one call; at most {MAX_ITEMS} are allowed",
                        items.len()
                    ),
                ));
            }
            items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    let field = format!("items[{i}].");
                    let object = item.as_object().ok_or_else(|| {
                        ApiError::invalid_input(
                            &format!("items[{i}]"),
                            format!(
                                "expected an object {{\"data\": {{...}}}}, found {}",
                                json_kind(item)
                            ),
                        )
                    })?;
                    from_object(keys, data_member(object, &field)?, &format!("{field}data."))
                })
                .collect()
        }
        (Action::LookupSimple, Input::Json(body)) => {
            let data = match body.get("data") {
                Some(Value::Object(data)) => data,
                _ => body,
            };
            Ok(vec![from_object(keys, data, "")?])
        }
        (Action::Lookup | Action::LookupSimple, Input::Query(pairs)) => {
            Ok(vec![from_query(keys, pairs)?])
        }
        (Action::LookupMulti, Input::Query(_)) => Err(ApiError::bad_request(
            "lookup-multi takes a POST with a JSON body {\"items\": [{\"data\": {...}}, ...]}",
        )),
        (other, _) => Err(ApiError::bad_request(format!(
            "a lookup endpoint does not answer '{other}'"
        ))),
    }
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
pub(crate) fn from_query(keys: &[&str], pairs: &[(String, String)]) -> Result<KeyRecord, ApiError> {
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
        .find(|n| !keys.contains(&n.as_str()));
    Err(unknown_key(keys, unknown.map_or("?", |n| n.as_str()), ""))
}

fn unknown_key(keys: &[&str], name: &str, field: &str) -> ApiError {
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
