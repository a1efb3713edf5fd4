//! Plinth's web dashboard: server-rendered HTML (maud, no JavaScript) for admin keys, served
//! under `/ui/`. It holds no data of its own: every page reads Plinth's own JSON admin API,
//! called in-process with the session's admin key, so it shows and does exactly what the API
//! allows that key.
//!
//! Pages: the services (`/ui/`), a service (`/ui/services/{id}`, with the monitoring charts of
//! its prediction endpoints from the DataRobot routes and its keys), the Aporia monitors and
//! alerts (`/ui/monitors`), the batch jobs (`/ui/jobs`) and the admin and monitoring keys
//! (`/ui/keys`).
//!
//! Security: server-side sessions (random 256-bit id in an `HttpOnly; SameSite=Strict`
//! cookie; the admin key never leaves the server), a per-session CSRF token on every POST plus
//! an `Origin` check, and a strict Content-Security-Policy on every response.

mod api_client;
mod aporia;
mod app;
pub mod clock;
mod cookie;
mod csrf;
mod datarobot;
mod form;
pub mod headers;
mod model;
mod pages;
mod session;

use crate::api_client::ApiClient;
use crate::app::Dashboard;
use crate::clock::{Clock, SystemClock};
use crate::session::SessionStore;
use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use pages::{actions, jobs, keys, login, monitors, overview, service};
use std::sync::Arc;
use std::time::Duration;

/// How the dashboard runs.
#[derive(Clone)]
pub struct DashboardConfig {
    /// A session ends after this long without a request (30 min).
    pub idle_timeout: Duration,
    /// A session ends this long after login, busy or not (12 h).
    pub absolute_timeout: Duration,
    /// Mark the session cookie `Secure` (set it when the server is reached over HTTPS).
    pub secure_cookie: bool,
    /// The time source of session expiry.
    pub clock: Arc<dyn Clock>,
}

impl Default for DashboardConfig {
    fn default() -> Self {
        DashboardConfig {
            idle_timeout: Duration::from_secs(30 * 60),
            absolute_timeout: Duration::from_secs(12 * 60 * 60),
            secure_cookie: false,
            clock: Arc::new(SystemClock),
        }
    }
}

/// The dashboard's routes (`/` and `/ui/...`), to merge into the server's application.
///
/// `api` is the server's full JSON application (admin API under `/admin/api`); the dashboard
/// calls it in-process with `Authorization: Basic base64("<admin key>:")`. The router has no
/// fallback, so it merges with one that has.
pub fn router(api: Router, config: DashboardConfig) -> Router {
    let state = Arc::new(Dashboard {
        api: ApiClient::new(api),
        sessions: SessionStore::new(
            config.clock.clone(),
            config.idle_timeout,
            config.absolute_timeout,
        ),
        secure_cookie: config.secure_cookie,
        clock: config.clock,
    });
    Router::new()
        .route("/", get(login::root))
        .route("/ui", get(overview::overview))
        .route("/ui/", get(overview::overview))
        .route("/ui/style.css", get(stylesheet))
        .route("/ui/login", get(login::form).post(login::submit))
        .route("/ui/logout", post(login::logout))
        .route("/ui/monitors", get(monitors::monitors_page))
        .route("/ui/jobs", get(jobs::jobs_page))
        .route("/ui/keys", get(keys::keys_page))
        .route("/ui/services/{id}", get(service::service_page))
        .route("/ui/services/{id}/switch", post(actions::switch))
        .route(
            "/ui/services/{id}/switch-newest",
            post(actions::switch_newest),
        )
        .route(
            "/ui/services/{id}/enable",
            get(actions::confirm_enable).post(actions::enable),
        )
        .route(
            "/ui/services/{id}/disable",
            get(actions::confirm_disable).post(actions::disable),
        )
        .layer(axum::middleware::map_response(headers::secure))
        .with_state(state)
}

/// `GET /ui/style.css`: the one stylesheet, built into the binary.
async fn stylesheet() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("style.css"),
    )
}
