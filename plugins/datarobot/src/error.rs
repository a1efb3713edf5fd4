//! DataRobot error responses: a status and a JSON body the `datarobot` client shows.
//!
//! How the client reads an error (DATAROBOT.md §0.4, §3.1):
//! - A 4xx raises `ClientError`, a 5xx `ServerError`. The client parses the JSON body and looks
//!   for an `errorName` member (which it maps to special exception classes), so `errorName` is
//!   sent only when a caller sets it deliberately.
//! - **Serve the body with `Content-Type` exactly [`CONTENT_TYPE`] (`application/json`, no
//!   `; charset=…`).** Without a Content-Type the client fails with `KeyError: 'content-type'`;
//!   any other type is decoded as ASCII. [`DrError::to_body`] is ASCII-only in any case
//!   (non-ASCII escaped as `\uXXXX`), so even a mislabelled body cannot raise
//!   `UnicodeDecodeError`.
//!
//! **Never answer 413, 429, 502, 503 or 504 on these routes for a non-transient condition**
//! (an unknown deployment, a disabled service, a bad parameter): the client retries those
//! silently for about 100 s and then raises `RetryError` instead of showing the message. See
//! [`CLIENT_RETRIED_STATUSES`]; none of the constructors here produces one.

use std::fmt;

use serde_json::{Map, Value, json};

use crate::params::ParamError;

/// The one Content-Type the client parses as JSON.
pub const CONTENT_TYPE: &str = "application/json";

/// Statuses the client retries for about 100 s (urllib3 `status_forcelist`).
pub const CLIENT_RETRIED_STATUSES: [u16; 5] = [413, 429, 502, 503, 504];

/// Whether the client silently retries `status` (see [`CLIENT_RETRIED_STATUSES`]).
pub fn is_retried_by_client(status: u16) -> bool {
    CLIENT_RETRIED_STATUSES.contains(&status)
}

/// A DataRobot error: an HTTP status and the body `{"message", "errorName"?, "errors"?}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrError {
    /// The HTTP status.
    pub status: u16,
    /// A human-readable message, shown by the client.
    pub message: String,
    /// Sent as `errorName` when set; leave `None` unless the client should map it to one of
    /// its own exception classes.
    pub error_name: Option<String>,
    /// Per-field errors, sent as the object `errors: {field: message}` when set.
    pub errors: Option<Vec<(String, String)>>,
}

impl DrError {
    /// An error with this status and message.
    pub fn new(status: u16, message: impl Into<String>) -> Self {
        DrError {
            status,
            message: message.into(),
            error_name: None,
            errors: None,
        }
    }

    /// 400: a malformed request.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, message)
    }

    /// 401: no or a wrong API token.
    pub fn unauthorized() -> Self {
        Self::new(
            401,
            "Unauthorized: missing or invalid API token (send `Authorization: Token <key>` or \
             `Authorization: Bearer <key>`)",
        )
    }

    /// 403: the token is valid but may not do this.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(403, message)
    }

    /// 404 with a message of the caller's.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(404, message)
    }

    /// 404: `deployment <id> not found`.
    pub fn deployment_not_found(id: &str) -> Self {
        Self::new(404, format!("deployment {id} not found"))
    }

    /// 409: a conflicting state (e.g. a status change already under way).
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(409, message)
    }

    /// 422: well-formed but cannot be processed.
    pub fn unprocessable(message: impl Into<String>) -> Self {
        Self::new(422, message)
    }

    /// 500: a fault of Plinth's (the client fails at once, without retrying).
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(500, message)
    }

    /// Sets `errorName`.
    pub fn with_error_name(mut self, name: impl Into<String>) -> Self {
        self.error_name = Some(name.into());
        self
    }

    /// The body: `{"message": …}`, then `errorName` and `errors` when set.
    pub fn to_json(&self) -> Value {
        let mut body = Map::new();
        body.insert("message".into(), json!(self.message));
        if let Some(name) = &self.error_name {
            body.insert("errorName".into(), json!(name));
        }
        if let Some(errors) = &self.errors {
            let fields: Map<String, Value> =
                errors.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
            body.insert("errors".into(), Value::Object(fields));
        }
        Value::Object(body)
    }

    /// [`DrError::to_json`] serialized, ASCII-only: every non-ASCII character is written as a
    /// JSON `\uXXXX` escape (surrogate pairs beyond the BMP). Serve it as [`CONTENT_TYPE`].
    pub fn to_body(&self) -> String {
        ascii_json(&self.to_json())
    }
}

/// Serializes `value` as JSON with every non-ASCII character escaped.
pub fn ascii_json(value: &Value) -> String {
    let text = value.to_string();
    if text.is_ascii() {
        return text;
    }
    // Non-ASCII characters can only occur inside JSON strings, where `\uXXXX` is equivalent.
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{u:04x}"));
            }
        }
    }
    out
}

impl fmt::Display for DrError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.status, self.message)
    }
}

impl std::error::Error for DrError {}

impl From<ParamError> for DrError {
    /// 400, the message `"<parameter>: <message>"`, and `errors: {<parameter>: <message>}`.
    fn from(e: ParamError) -> Self {
        DrError {
            status: 400,
            message: e.to_string(),
            error_name: None,
            errors: Some(vec![(e.parameter, e.message)]),
        }
    }
}
