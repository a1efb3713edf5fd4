//! Request bodies: JSON whatever the Content-Type (the Dataiku client sends none), an empty body
//! meaning `{}`, size limits answered with 413.

use axum::body::Body;
use axum::http::{HeaderMap, header};
use futures::StreamExt;
use plinth_engine_api::ApiError;
use serde_json::{Map, Value};

/// How much of an oversized body is read and discarded so that the client, still sending,
/// receives the 413 instead of a broken connection. Beyond this the connection is dropped.
const DRAIN_CAP: u64 = 256 << 20;

/// Reads the whole body, refusing more than `limit` bytes with a 413.
pub async fn read_limited(
    headers: &HeaderMap,
    body: Body,
    limit: usize,
) -> Result<bytes::Bytes, ApiError> {
    let too_large = || {
        ApiError::new(
            413,
            "PayloadTooLarge",
            format!("request body larger than the {limit} bytes this server accepts"),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > DRAIN_CAP) {
        return Err(too_large());
    }
    let mut stream = body.into_data_stream();
    let mut collected =
        bytes::BytesMut::with_capacity(declared.map_or(0, |d| d.min(limit as u64) as usize));
    let mut received: u64 = 0;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| body_read_error(&e, "could not read the request body"))?;
        received += chunk.len() as u64;
        if received > DRAIN_CAP {
            break;
        }
        if received <= limit as u64 {
            collected.extend_from_slice(&chunk);
        }
    }
    if received > limit as u64 {
        return Err(too_large());
    }
    Ok(collected.freeze())
}

/// The error for a body that could not be read: 408 when the client sent it too slowly (the
/// connection is then closed), else 400 with `what` and the cause.
pub fn body_read_error(e: &axum::Error, what: &str) -> ApiError {
    if crate::net::timed_body::is_body_timeout(e) {
        return ApiError::new(408, "RequestTimeout", format!("{what}: {e}"));
    }
    ApiError::bad_request(format!("{what}: {e}"))
}

/// Parses a body as a JSON object; blank means `{}`.
pub fn parse_object(bytes: &[u8]) -> Result<Map<String, Value>, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(other) => Err(ApiError::new(
            400,
            "InvalidJson",
            format!(
                "expected a JSON object as the request body, found {}",
                json_kind(&other)
            ),
        )),
        Err(e) => Err(ApiError::new(
            400,
            "InvalidJson",
            format!("the request body is not valid JSON: {e}"),
        )),
    }
}

/// `"an array"`, `"a string"`... for messages.
pub fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_is_an_empty_object_and_non_objects_are_refused() {
        assert!(parse_object(b"").unwrap().is_empty());
        assert!(parse_object(b"  \n").unwrap().is_empty());
        assert_eq!(parse_object(br#"{"a":1}"#).unwrap()["a"], 1);
        let e = parse_object(b"[1]").unwrap_err();
        assert_eq!((e.status, e.error_type.as_ref()), (400, "InvalidJson"));
        assert!(e.message.contains("an array"));
        assert!(
            parse_object(b"{bad")
                .unwrap_err()
                .message
                .contains("not valid JSON")
        );
    }
}
