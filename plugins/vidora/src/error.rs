//! The Vidora API's error answer: a status (400, 401, 404, 413 or 500) and the JSON body
//! `{"error": "<message>", "errors": [...]}`, served as `application/json`.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::upload::UploadError;

/// An error answer of the Vidora API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VidoraError {
    status: u16,
    message: String,
    errors: Vec<String>,
}

impl VidoraError {
    /// An error with this status and message; its `errors` list is `[message]`.
    pub fn new(status: u16, message: impl Into<String>) -> VidoraError {
        let message = message.into();
        VidoraError {
            status,
            errors: vec![message.clone()],
            message,
        }
    }

    /// 400 Bad Request: malformed parameters or body.
    pub fn bad_request(message: impl Into<String>) -> VidoraError {
        VidoraError::new(400, message)
    }

    /// 401 Unauthorized: the api_key and/or signature was invalid.
    pub fn unauthorized(message: impl Into<String>) -> VidoraError {
        VidoraError::new(401, message)
    }

    /// 404 Not Found: an unknown id or route.
    pub fn not_found(message: impl Into<String>) -> VidoraError {
        VidoraError::new(404, message)
    }

    /// 413 Payload Too Large: an upload beyond the size limits.
    pub fn too_large(message: impl Into<String>) -> VidoraError {
        VidoraError::new(413, message)
    }

    /// 500 Internal Error.
    pub fn internal(message: impl Into<String>) -> VidoraError {
        VidoraError::new(500, message)
    }

    /// The same error listing these messages under `errors` (e.g. every validation error);
    /// an empty list keeps `[message]`.
    pub fn with_errors(mut self, errors: Vec<String>) -> VidoraError {
        if !errors.is_empty() {
            self.errors = errors;
        }
        self
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The main message, served as `error`.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The messages served as `errors`.
    pub fn errors(&self) -> &[String] {
        &self.errors
    }

    /// The JSON body: `{"error": message, "errors": [...]}`.
    pub fn body(&self) -> serde_json::Value {
        serde_json::json!({ "error": self.message, "errors": self.errors })
    }
}

impl std::fmt::Display for VidoraError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status, self.message)
    }
}

impl std::error::Error for VidoraError {}

impl From<UploadError> for VidoraError {
    fn from(e: UploadError) -> VidoraError {
        VidoraError::new(e.status(), e.to_string())
    }
}

impl IntoResponse for VidoraError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (
            status,
            [(header::CONTENT_TYPE, "application/json")],
            self.body().to_string(),
        )
            .into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    async fn parts(e: VidoraError) -> (u16, Option<String>, serde_json::Value) {
        let response = e.into_response();
        let status = response.status().as_u16();
        let ct = response
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap().to_owned());
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        (status, ct, serde_json::from_slice(&bytes).unwrap())
    }

    #[tokio::test]
    async fn constructors_set_status_and_json_body() {
        for (e, status) in [
            (VidoraError::bad_request("bad"), 400),
            (VidoraError::unauthorized("bad"), 401),
            (VidoraError::not_found("bad"), 404),
            (VidoraError::too_large("bad"), 413),
            (VidoraError::internal("bad"), 500),
        ] {
            assert_eq!(e.status(), status);
            let (s, ct, body) = parts(e).await;
            assert_eq!(s, status);
            assert_eq!(ct.as_deref(), Some("application/json"));
            assert_eq!(body, json!({ "error": "bad", "errors": ["bad"] }));
        }
    }

    #[tokio::test]
    async fn with_errors_lists_them_all() {
        let e = VidoraError::bad_request("validation failed").with_errors(vec![
            "line 2: empty id".into(),
            "line 3: empty label".into(),
        ]);
        let (_, _, body) = parts(e).await;
        assert_eq!(
            body,
            json!({ "error": "validation failed", "errors": ["line 2: empty id", "line 3: empty label"] })
        );
        let e = VidoraError::not_found("label set x not found").with_errors(Vec::new());
        assert_eq!(e.errors(), ["label set x not found"]);
        assert_eq!(e.message(), "label set x not found");
    }

    #[test]
    fn upload_errors_keep_their_status() {
        let e = VidoraError::from(UploadError::TooLarge { limit: 10 });
        assert_eq!(e.status(), 413);
        assert!(e.message().contains("10 bytes"));
        let e = VidoraError::from(UploadError::NoBoundary);
        assert_eq!(e.status(), 400);
        assert!(e.message().contains("boundary"));
        assert_eq!(e.to_string(), format!("400 {}", e.message()));
    }
}
