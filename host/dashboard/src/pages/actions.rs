//! The state-changing forms: switch generation, switch to newest, enable and disable (the last
//! two behind a confirmation page). Each POST is CSRF-checked, calls the admin JSON route and
//! redirects (303) back to the service page with the outcome as a flash message.

use super::layout::{csrf_field, page, respond};
use crate::api_client::segment;
use crate::app::{AppState, Authenticated, Dashboard, service_url, session_lost};
use crate::form;
use crate::pages::errors;
use crate::session::{Flash, SessionView};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde_json::Value;

/// `GET /ui/services/{id}/enable`: the confirmation form.
pub async fn confirm_enable(
    Authenticated(session): Authenticated,
    Path(id): Path<String>,
) -> Response {
    confirm(&session, &id, true)
}

/// `GET /ui/services/{id}/disable`: the confirmation form.
pub async fn confirm_disable(
    Authenticated(session): Authenticated,
    Path(id): Path<String>,
) -> Response {
    confirm(&session, &id, false)
}

fn confirm(session: &SessionView, id: &str, enable: bool) -> Response {
    let (verb, consequence) = if enable {
        ("Enable", "Calls to it will be served again.")
    } else {
        (
            "Disable",
            "Every call to it will answer 503 until it is enabled again.",
        )
    };
    let url = service_url(id);
    let content = html! {
        h1 { (verb) " service " (id) "?" }
        p { (consequence) }
        form.inline method="post" action={ (url) "/" (verb.to_lowercase()) } {
            (csrf_field(session))
            button class=[(!enable).then_some("danger")] type="submit" { (verb) " " (id) }
        }
        " " a.button href=(url) { "Cancel" }
    };
    respond(StatusCode::OK, page(verb, Some(session), None, content))
}

/// `POST /ui/services/{id}/enable`.
pub async fn enable(
    State(state): State<AppState>,
    Authenticated(session): Authenticated,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = format!("/admin/api/services/{}/actions/enable", segment(&id));
    checked_act(&state, &session, &headers, &body, &id, &path, |_| {
        format!("Service {id} is enabled.")
    })
    .await
}

/// `POST /ui/services/{id}/disable`.
pub async fn disable(
    State(state): State<AppState>,
    Authenticated(session): Authenticated,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = format!("/admin/api/services/{}/actions/disable", segment(&id));
    checked_act(&state, &session, &headers, &body, &id, &path, |_| {
        format!("Service {id} is disabled: its calls answer 503.")
    })
    .await
}

/// `POST /ui/services/{id}/switch` (`generation=...`).
pub async fn switch(
    State(state): State<AppState>,
    Authenticated(session): Authenticated,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form = match form::verified(&session, &headers, &body) {
        Ok(form) => form,
        Err(failure) => return errors::forbidden(failure),
    };
    let generation = form.get("generation").map(|g| g.trim()).unwrap_or_default();
    if generation.is_empty() {
        let flash = Flash {
            ok: false,
            message: "Choose a generation to switch to.".into(),
        };
        state.sessions.set_flash(&session.id, flash);
        return Redirect::to(&service_url(&id)).into_response();
    }
    let path = format!(
        "/admin/api/services/{}/actions/switchTo/{}",
        segment(&id),
        segment(generation)
    );
    act(&state, &session, &id, &path, |_| {
        format!("Service {id} now sends every call to generation {generation}.")
    })
    .await
}

/// `POST /ui/services/{id}/switch-newest`.
pub async fn switch_newest(
    State(state): State<AppState>,
    Authenticated(session): Authenticated,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = format!(
        "/admin/api/services/{}/actions/switchToNewest",
        segment(&id)
    );
    checked_act(&state, &session, &headers, &body, &id, &path, |answer| {
        let generation = answer["generation"].as_str().unwrap_or("?");
        format!("Service {id} now sends every call to its newest generation, {generation}.")
    })
    .await
}

/// [`act`] for a form whose only field is the CSRF token: a POST that fails the check is a
/// 403 and changes nothing.
async fn checked_act(
    state: &Dashboard,
    session: &SessionView,
    headers: &HeaderMap,
    body: &[u8],
    id: &str,
    path: &str,
    success: impl FnOnce(&Value) -> String,
) -> Response {
    if let Err(failure) = form::verified(session, headers, body) {
        return errors::forbidden(failure);
    }
    act(state, session, id, path, success).await
}

/// Calls `path`, leaves the outcome as a flash message and redirects to the service page.
async fn act(
    state: &Dashboard,
    session: &SessionView,
    id: &str,
    path: &str,
    success: impl FnOnce(&Value) -> String,
) -> Response {
    let flash = match state.api.post(&session.key, path).await {
        Ok(answer) => Flash {
            ok: true,
            message: success(&answer),
        },
        Err(e) if e.is_unauthorized() => return session_lost(state, session),
        Err(e) => Flash {
            ok: false,
            message: format!("The admin API refused: {}", e.message),
        },
    };
    state.sessions.set_flash(&session.id, flash);
    Redirect::to(&service_url(id)).into_response()
}
