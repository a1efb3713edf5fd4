//! The dashboard's shared state, the extractor of a logged-in request and common responses.

use crate::api_client::{ApiClient, segment};
use crate::clock::Clock;
use crate::cookie;
use crate::session::{SessionStore, SessionView};
use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use std::sync::Arc;

/// Where the login form lives.
pub const LOGIN: &str = "/ui/login";
/// The overview page (the server's path normalisation serves it as `/ui` too).
pub const HOME: &str = "/ui/";

/// State shared by the dashboard's handlers.
pub struct Dashboard {
    /// The server's JSON application.
    pub api: ApiClient,
    /// Who is logged in.
    pub sessions: SessionStore,
    /// Whether the session cookie is marked `Secure`.
    pub secure_cookie: bool,
    /// Where the monitoring charts read the current time.
    pub clock: Arc<dyn Clock>,
}

/// The state type of the dashboard's router.
pub type AppState = Arc<Dashboard>;

/// A request from a logged-in browser; any other is sent to the login form.
pub struct Authenticated(pub SessionView);

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        cookie::session_id(&parts.headers)
            .and_then(|id| state.sessions.get(&id))
            .map(Authenticated)
            .ok_or_else(|| Redirect::to(LOGIN).into_response())
    }
}

/// The page of one service.
pub fn service_url(id: &str) -> String {
    format!("/ui/services/{}", segment(id))
}

/// Ends a session whose key the API no longer accepts and sends the browser to the login form.
pub fn session_lost(state: &Dashboard, session: &SessionView) -> Response {
    state.sessions.remove(&session.id);
    (
        [(header::SET_COOKIE, cookie::clear(state.secure_cookie))],
        Redirect::to(LOGIN),
    )
        .into_response()
}
