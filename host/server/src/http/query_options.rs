//! [`QueryOptions`]: a typed query string whose bad values answer Plinth's JSON error shape.
//!
//! axum's own `Query` rejects `?activate=2` with a `text/plain` 400; clients of the admin API
//! (and the OpenAPI document) expect every error as `{"errorType", "message", ...}`.

use super::error::HttpError;
use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use plinth_engine_api::ApiError;
use serde::de::DeserializeOwned;

/// Extracts `T` from the query string; a value of the wrong type is a JSON 400 naming it.
#[derive(Debug, Clone, Copy, Default)]
pub struct QueryOptions<T>(pub T);

impl<T, S> FromRequestParts<S> for QueryOptions<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Query::<T>::try_from_uri(&parts.uri)
            .map(|Query(value)| QueryOptions(value))
            .map_err(|rejection| {
                HttpError(
                    ApiError::bad_request(format!("bad query string: {}", rejection.body_text()))
                        .with_detail(format!(
                            "bad query string in {}: {}",
                            parts.uri.path(),
                            rejection.body_text()
                        )),
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;
    use serde::Deserialize;

    #[derive(Deserialize, Debug)]
    struct Options {
        #[serde(default)]
        activate: bool,
        limit: Option<i64>,
    }

    async fn extract(uri: &str) -> Result<Options, ApiError> {
        let (mut parts, ()) = Request::get(uri).body(()).unwrap().into_parts();
        QueryOptions::<Options>::from_request_parts(&mut parts, &())
            .await
            .map(|QueryOptions(o)| o)
            .map_err(|HttpError(e)| e)
    }

    #[tokio::test]
    async fn good_values_parse() {
        let o = extract("/x?activate=true&limit=5").await.unwrap();
        assert!(o.activate);
        assert_eq!(o.limit, Some(5));
        let o = extract("/x").await.unwrap();
        assert!(!o.activate);
        assert_eq!(o.limit, None);
    }

    #[tokio::test]
    async fn bad_values_are_json_400s_naming_the_parameter() {
        for uri in [
            "/x?activate=2.0",
            "/x?limit=9223372036854775808",
            "/x?activate=true&activate=false",
        ] {
            let e = extract(uri).await.unwrap_err();
            assert_eq!(e.status, 400, "{uri}");
            assert!(
                e.message.contains("activate") || e.message.contains("limit"),
                "{uri}: {}",
                e.message
            );
        }
    }
}
