//! Aporia error answers, in the shape the `aporia` client reads.
//!
//! - REST: `{"error": {"message", "detail"}}` with the status; the client shows `message`
//!   (and `detail` when verbose) and does not retry a JSON-typed error.
//! - GraphQL: HTTP 200 with `{"errors": [{"message", "extensions": {"verbose_message"}}]}`.
//!
//! Every answer carries `Content-Type: application/json`: without it the client's aiohttp
//! raises `ContentTypeError` and the request is retried four times.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// The Content-Type of every answer.
pub const CONTENT_TYPE: &str = "application/json";

/// A REST error: a status, a message shown to the user and a detail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApError {
    /// HTTP status.
    pub status: u16,
    /// What the client shows.
    pub message: String,
    /// More (the client shows it when verbose).
    pub detail: String,
    /// Members added beside `error` (the id of a model that exists, on a 409).
    pub extra: Option<Box<(String, Value)>>,
}

impl ApError {
    /// An error with this status, message and detail.
    pub fn new(status: u16, message: impl Into<String>, detail: impl Into<String>) -> ApError {
        ApError {
            status,
            message: message.into(),
            detail: detail.into(),
            extra: None,
        }
    }

    /// 400: bad input; the message names the field.
    pub fn bad_request(message: impl Into<String>) -> ApError {
        let message = message.into();
        ApError::new(400, message.clone(), message)
    }

    /// 404: an unknown model, version, monitor or alert.
    pub fn not_found(what: impl Into<String>) -> ApError {
        let what = what.into();
        ApError::new(
            404,
            format!("{what} not found"),
            format!("{what} does not exist"),
        )
    }

    /// 409: a conflict.
    pub fn conflict(message: impl Into<String>) -> ApError {
        let message = message.into();
        ApError::new(409, message.clone(), message)
    }

    /// 401: no key, or an unknown one.
    pub fn unauthorized() -> ApError {
        ApError::new(
            401,
            "Authentication failed: pass a Plinth admin or monitoring key as 'Authorization: Bearer <key>'",
            "missing, unknown or expired API key",
        )
    }

    /// 403: a key that may not use this API.
    pub fn forbidden(detail: impl Into<String>) -> ApError {
        ApError::new(403, "This key may not use the Aporia API", detail)
    }

    /// 500: the database failed (logged; the client sees a short message).
    pub fn internal(e: impl std::fmt::Display) -> ApError {
        tracing::error!(target: "plinth::aporia", "database error: {e}");
        ApError::new(
            500,
            "Internal error",
            "the registry's database failed; see the server log",
        )
    }

    /// Adds a member beside `error`.
    pub fn with(mut self, key: &str, value: Value) -> ApError {
        self.extra = Some(Box::new((key.to_owned(), value)));
        self
    }

    /// The JSON body.
    pub fn to_body(&self) -> Value {
        let mut body = json!({"error": {"message": self.message, "detail": self.detail}});
        if let (Some(extra), Some(map)) = (&self.extra, body.as_object_mut()) {
            let (k, v) = extra.as_ref();
            map.insert(k.clone(), v.clone());
        }
        body
    }
}

impl From<sqlx::Error> for ApError {
    fn from(e: sqlx::Error) -> ApError {
        ApError::internal(e)
    }
}

impl IntoResponse for ApError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::BAD_REQUEST);
        json_response(status, &self.to_body())
    }
}

/// A JSON answer with the one Content-Type the client parses.
pub fn json_response(status: StatusCode, body: &Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE))],
        body.to_string(),
    )
        .into_response()
}

/// A GraphQL error answer (HTTP 200, as GraphQL servers answer).
pub fn graphql_error(message: &str, verbose: &str) -> Response {
    json_response(
        StatusCode::OK,
        &json!({"errors": [{"message": message, "extensions": {"verbose_message": verbose}}]}),
    )
}
