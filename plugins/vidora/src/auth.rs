//! Authentication before parsing: every `/v1/api` request is buffered (up to the body limit,
//! 413 beyond), then its `api_key` is looked up and its signature verified over the path as
//! sent (before the host's normalisation), the raw query and the raw body.

use crate::app::{Vid, db_error};
use crate::error::VidoraError;
use crate::keys::Key;
use crate::signing::{self, SignedRequest, SigningError};
use axum::extract::{FromRequest, Request};
use axum::http::HeaderMap;
use bytes::Bytes;
use std::sync::Arc;

/// A verified request: its key, its decoded query, its headers and its raw body.
pub struct Signed {
    /// The caller's key.
    pub key: Key,
    /// The query's pairs, form-decoded (`api_key`, `expires` and `signature` included).
    pub query: Vec<(String, String)>,
    /// The request headers.
    pub headers: HeaderMap,
    /// The raw body.
    pub body: Bytes,
}

impl Signed {
    /// A query parameter, not counting the auth ones.
    pub fn param(&self, name: &str) -> Option<&str> {
        signing::param(&self.query, name)
    }
}

impl FromRequest<Arc<Vid>> for Signed {
    type Rejection = VidoraError;

    async fn from_request(req: Request, vid: &Arc<Vid>) -> Result<Signed, VidoraError> {
        let (parts, body) = req.into_parts();
        // The URI as the client sent it: before the host's normalisation (SentUri), and
        // before this router's `/v1/api` nest stripped its prefix (OriginalUri).
        let original = parts
            .extensions
            .get::<axum::extract::OriginalUri>()
            .map_or(&parts.uri, |o| &o.0);
        let sent = plinth_plugin_api::sent_uri(original, &parts.extensions).clone();
        let limit = vid.config.max_body_bytes;
        let body = axum::body::to_bytes(body, limit).await.map_err(|_| {
            VidoraError::too_large(format!(
                "the request body is larger than {limit} bytes (max_body_bytes)"
            ))
        })?;
        let raw_query = sent.query().unwrap_or("");
        let key = verify(
            vid,
            &SignedRequest {
                method: parts.method.as_str(),
                path: sent.path(),
                raw_query,
                body: &body,
            },
        )
        .await?;
        Ok(Signed {
            key,
            query: signing::query_pairs(raw_query),
            headers: parts.headers,
            body,
        })
    }
}

/// Checks a request's key and signature (401 with the reason), and that `expires` is not
/// further ahead than the configured horizon.
pub async fn verify(vid: &Vid, request: &SignedRequest<'_>) -> Result<Key, VidoraError> {
    let unauthorized = |e: SigningError| VidoraError::unauthorized(e.to_string());
    let api_key = signing::api_key(request.raw_query).map_err(unauthorized)?;
    let key = crate::keys::find(vid, &api_key)
        .await
        .map_err(db_error)?
        .ok_or_else(|| VidoraError::unauthorized(format!("unknown api_key {api_key}")))?;
    let now = vid.now_ms();
    if key.signatures {
        let pairs = signing::query_pairs(request.raw_query);
        let at = signing::param(&pairs, "expires").and_then(signing::parse_expires);
        if at.is_some_and(|at| at > now + vid.config.max_expires_ms) {
            return Err(VidoraError::unauthorized(format!(
                "expires is more than {} s ahead (max_expires_s)",
                vid.config.max_expires_ms / 1000
            )));
        }
    }
    signing::verify(
        request,
        &key.secret,
        key.signatures,
        now,
        vid.config.clock_skew_ms,
    )
    .map_err(unauthorized)?;
    Ok(key)
}
