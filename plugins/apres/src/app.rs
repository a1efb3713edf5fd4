//! The plugin's shared state, handed to every route and to the batch job handler.

use crate::config::Config;
use crate::error::ApresError;
use axum::response::{IntoResponse, Response};
use plinth_jobs::Jobs;
use plinth_plugin_api::{Clock, HostView, Invoker, PluginDb};
use serde_json::Value;
use std::sync::Arc;

/// What the routes and the job handler share.
pub struct Apres {
    /// The plugin's tables.
    pub db: PluginDb,
    /// The job engine (task batches are its jobs).
    pub jobs: Arc<Jobs>,
    /// The host's services and endpoints, and its admin keys.
    pub host: Arc<dyn HostView>,
    /// Calls endpoints through the user-API path.
    pub invoker: Arc<dyn Invoker>,
    /// Wall-clock time.
    pub clock: Arc<dyn Clock>,
    /// `[plugins.apres]`.
    pub config: Config,
}

impl Apres {
    /// Now, ms since the epoch.
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }
}

/// A database failure as a 500 in Apres's shape.
pub fn db_error(e: sqlx::Error) -> ApresError {
    tracing::error!(target: "plinth::apres", "database error: {e}");
    ApresError::internal(format!("the state database failed: {e}"))
}

/// The answer of a route.
pub type Answer = Result<Response, ApresError>;

/// A JSON answer with this status.
pub fn json(status: u16, body: Value) -> Answer {
    let status = axum::http::StatusCode::from_u16(status).unwrap_or(axum::http::StatusCode::OK);
    Ok((
        status,
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response())
}

/// Reads a request body up to the configured limit: 413 in Apres's shape beyond it.
pub async fn body_bytes(apres: &Apres, body: axum::body::Body) -> Result<Vec<u8>, ApresError> {
    let limit = apres.config.max_body_bytes;
    axum::body::to_bytes(body, limit)
        .await
        .map(|b| b.to_vec())
        .map_err(|_| {
            ApresError::too_large(format!(
                "the request body is larger than {limit} bytes (max_body_bytes)"
            ))
        })
}
