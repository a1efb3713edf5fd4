//! The plugin's shared state, handed to every route and job handler.

use crate::config::Config;
use crate::error::VidoraError;
use plinth_jobs::Jobs;
use plinth_monitoring::Monitoring;
use plinth_plugin_api::{Clock, HostView, Invoker, PluginDb};
use std::sync::Arc;

/// What the routes and job handlers share.
pub struct Vid {
    /// The plugin's tables.
    pub db: PluginDb,
    /// The job engine (validation, assignment, exports).
    pub jobs: Arc<Jobs>,
    /// The monitoring store (actuals and accuracy).
    pub monitoring: Arc<Monitoring>,
    /// The host's services and endpoints.
    pub host: Arc<dyn HostView>,
    /// Calls endpoints through the user-API path.
    pub invoker: Arc<dyn Invoker>,
    /// Wall-clock time.
    pub clock: Arc<dyn Clock>,
    /// `[plugins.vidora]`.
    pub config: Config,
}

impl Vid {
    /// Now, ms since the epoch.
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }
}

/// A database failure as a 500 in Vidora's shape.
pub fn db_error(e: sqlx::Error) -> VidoraError {
    tracing::error!(target: "plinth::vidora", "database error: {e}");
    VidoraError::internal(format!("the state database failed: {e}"))
}

/// The answer of a route.
pub type Answer = Result<axum::response::Response, VidoraError>;

/// A 200 JSON answer (Vidora answers 200 for creates too).
pub fn ok(body: serde_json::Value) -> Answer {
    use axum::response::IntoResponse;
    Ok((
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response())
}
