//! The one error type of the Apres routes: an HTTP status and a message, answered as
//! `{"message": "..."}` with a JSON Content-Type (the seed gives no error shape).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// An error answer: the HTTP status and the human-readable message sent to the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApresError {
    status: u16,
    message: String,
}

impl ApresError {
    /// An error with any status code (use the named constructors where one fits).
    pub fn new(status: u16, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }

    /// 401: the key is missing or belongs to no recipe.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(401, message)
    }

    /// 404: no such recipe or task batch.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(404, message)
    }

    /// 422: the request is well-formed JSON but its content is refused.
    pub fn unprocessable(message: impl Into<String>) -> Self {
        Self::new(422, message)
    }

    /// 400: the body cannot be read at all (for instance invalid JSON).
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, message)
    }

    /// 413: the request exceeds a configured limit.
    pub fn too_large(message: impl Into<String>) -> Self {
        Self::new(413, message)
    }

    /// 500: a fault on the server's side.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(500, message)
    }

    /// The HTTP status code.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The message sent to the client.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl std::fmt::Display for ApresError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status, self.message)
    }
}

impl std::error::Error for ApresError {}

impl IntoResponse for ApresError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::json!({ "message": self.message }).to_string();
        let mut response = (status, body).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn body_of(response: Response) -> serde_json::Value {
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    #[test]
    fn constructors_set_their_status() {
        assert_eq!(ApresError::unauthorized("a").status(), 401);
        assert_eq!(ApresError::not_found("a").status(), 404);
        assert_eq!(ApresError::unprocessable("a").status(), 422);
        assert_eq!(ApresError::bad_request("a").status(), 400);
        assert_eq!(ApresError::too_large("a").status(), 413);
        assert_eq!(ApresError::internal("a").status(), 500);
        assert_eq!(
            ApresError::not_found("Task Batch not found").message(),
            "Task Batch not found"
        );
    }

    #[tokio::test]
    async fn response_is_a_json_message() {
        let response = ApresError::not_found("Task Batch not found").into_response();
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        assert_eq!(response.headers()[header::CONTENT_TYPE], "application/json");
        let body = body_of(response).await;
        assert_eq!(
            body,
            serde_json::json!({ "message": "Task Batch not found" })
        );
    }

    #[tokio::test]
    async fn message_is_escaped_as_json() {
        let response = ApresError::unprocessable("files[0] (\"a\\b\") is bad").into_response();
        assert_eq!(response.status().as_u16(), 422);
        let body = body_of(response).await;
        assert_eq!(body["message"], "files[0] (\"a\\b\") is bad");
        assert_eq!(body.as_object().unwrap().len(), 1);
    }

    #[test]
    fn unknown_status_becomes_500() {
        let response = ApresError::new(99, "odd").into_response();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }
}
