//! Calls into Plinth's own JSON application, in-process (`tower::ServiceExt::oneshot`), with the
//! session's admin key as HTTP Basic user name: the dashboard sees exactly what the admin API
//! shows any other client, and holds no state of its own about services.

use crate::session::AdminKey;
use axum::Router;
use axum::body::Body;
use axum::http::{HeaderValue, Method, Request, StatusCode, header};
use base64::Engine as _;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tower::ServiceExt as _;

/// The largest JSON answer the dashboard reads.
const MAX_ANSWER_BYTES: usize = 16 * 1024 * 1024;

/// A call that did not answer 2xx with the JSON expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiFailure {
    /// The API's status (500 when its answer was unreadable).
    pub status: StatusCode,
    /// The API's own message (`detailedMessage`, else `message`, else Aporia's
    /// `error.message`), or what went wrong.
    pub message: String,
}

impl ApiFailure {
    /// Whether the API no longer accepts the session's key (deleted or expired).
    pub fn is_unauthorized(&self) -> bool {
        self.status == StatusCode::UNAUTHORIZED
    }
}

/// The server's JSON application, as the dashboard calls it.
#[derive(Clone)]
pub struct ApiClient {
    api: Router,
}

impl ApiClient {
    /// Wraps the application (`/admin/api/...` and the rest).
    pub fn new(api: Router) -> Self {
        ApiClient { api }
    }

    /// `GET path`, decoded into `T`.
    pub async fn get<T: DeserializeOwned>(
        &self,
        key: &AdminKey,
        path: &str,
    ) -> Result<T, ApiFailure> {
        let value = self.call(Method::GET, key, path).await?;
        serde_json::from_value(value).map_err(|e| {
            tracing::warn!(path, "dashboard: unexpected admin API answer: {e}");
            ApiFailure {
                status: StatusCode::INTERNAL_SERVER_ERROR,
                message: format!("unexpected answer from {path}: {e}"),
            }
        })
    }

    /// `POST path` with an empty body.
    pub async fn post(&self, key: &AdminKey, path: &str) -> Result<Value, ApiFailure> {
        self.call(Method::POST, key, path).await
    }

    async fn call(&self, method: Method, key: &AdminKey, path: &str) -> Result<Value, ApiFailure> {
        let request = Request::builder()
            .method(method)
            .uri(path)
            .header(header::AUTHORIZATION, basic(key))
            .header(header::ACCEPT, "application/json")
            .header(header::CONTENT_LENGTH, "0")
            .body(Body::empty())
            .map_err(|e| internal(format!("bad internal request to {path}: {e}")))?;
        let response = match self.api.clone().oneshot(request).await {
            Ok(response) => response,
            Err(never) => match never {},
        };
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), MAX_ANSWER_BYTES)
            .await
            .map_err(|e| internal(format!("unreadable answer from {path}: {e}")))?;
        let value: Option<Value> = serde_json::from_slice(&bytes).ok();
        if status.is_success() {
            return value.ok_or_else(|| internal(format!("{path} did not answer JSON")));
        }
        let message = value
            .as_ref()
            .and_then(|v| {
                v.get("detailedMessage")
                    .or_else(|| v.get("message"))
                    .or_else(|| v.get("error").and_then(|e| e.get("message")))
            })
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or_else(|| format!("the API answered {status}"));
        if status.is_server_error() {
            tracing::warn!(path, %status, "dashboard: admin API call failed");
        }
        Err(ApiFailure { status, message })
    }
}

fn internal(message: String) -> ApiFailure {
    ApiFailure {
        status: StatusCode::INTERNAL_SERVER_ERROR,
        message,
    }
}

/// `Basic base64("<key>:")`, marked sensitive so that HTTP tooling does not print it.
fn basic(key: &AdminKey) -> HeaderValue {
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{}:", key.expose()));
    let mut value = HeaderValue::from_str(&format!("Basic {encoded}"))
        .unwrap_or_else(|_| HeaderValue::from_static(""));
    value.set_sensitive(true);
    value
}

/// Percent-encodes one path segment (all but RFC 3986's unreserved characters).
pub fn segment(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for b in raw.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_encoded() {
        assert_eq!(segment("my_svc-1.v2~"), "my_svc-1.v2~");
        assert_eq!(segment("a/b c?<"), "a%2Fb%20c%3F%3C");
        assert_eq!(segment("é"), "%C3%A9");
    }

    #[test]
    fn basic_credentials_are_the_key_as_user_name() {
        let v = basic(&AdminKey::new("K3y"));
        assert_eq!(v.to_str().unwrap(), "Basic SzN5Og==");
        assert!(v.is_sensitive());
    }
}
