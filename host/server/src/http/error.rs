//! [`ApiError`] as an HTTP response: `{"errorType", "message", "detailedMessage"}`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use plinth_engine_api::ApiError;

/// Wrapper that turns an [`ApiError`] into a response.
#[derive(Debug)]
pub struct HttpError(pub ApiError);

impl From<ApiError> for HttpError {
    fn from(e: ApiError) -> Self {
        HttpError(e)
    }
}

/// The JSON body of an error.
pub fn error_body(e: &ApiError) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "errorType": e.error_type,
        "message": e.message,
        "detailedMessage": e.detail_or_message(),
    }))
    .unwrap_or_default()
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        let e = self.0;
        let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (
            status,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            error_body(&e),
        )
            .into_response();
        if let Some(seconds) = e.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if e.status == 408 {
            // A client that sends too slowly gets no second chance on this connection.
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        if e.status == 401 {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"plinth\""),
            );
        }
        response
    }
}

/// 404 for a path that is not an API route.
pub fn no_route(method: &str, path: &str) -> HttpError {
    HttpError(ApiError::not_found(
        "NoSuchRoute",
        format!("no route for {method} {path}"),
    ).with_detail(format!(
        "no route for {method} {path}: user calls are /public/api/v1/{{service}}/{{endpoint}}/{{action}}, admin calls are under /admin/api/"
    )))
}

/// 405 naming the allowed methods.
pub fn method_not_allowed(method: &str, what: &str, allowed: &[&str]) -> Response {
    let mut response = HttpError(ApiError::new(
        405,
        "MethodNotAllowed",
        format!(
            "{what} does not accept {method}: use {}",
            allowed.join(" or ")
        ),
    ))
    .into_response();
    if let Ok(value) = HeaderValue::from_str(&allowed.join(", ")) {
        response.headers_mut().insert(header::ALLOW, value);
    }
    response
}
