//! `GET /`, the login form, login (the key is checked against the admin API) and logout.

use super::layout::{page, respond};
use crate::app::{AppState, HOME, LOGIN};
use crate::cookie;
use crate::csrf;
use crate::form::{self, Form};
use crate::pages::errors;
use crate::session::AdminKey;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde_json::Value;

/// `GET /`: the overview with a session, else the login form.
pub async fn root(State(state): State<AppState>, headers: HeaderMap) -> Redirect {
    let live = cookie::session_id(&headers).is_some_and(|id| state.sessions.get(&id).is_some());
    Redirect::to(if live { HOME } else { LOGIN })
}

/// `GET /ui/login`.
pub async fn form(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if cookie::session_id(&headers).is_some_and(|id| state.sessions.get(&id).is_some()) {
        return Redirect::to(HOME).into_response();
    }
    login_page(StatusCode::OK, None)
}

fn login_page(status: StatusCode, error: Option<&str>) -> Response {
    let content = html! {
        h1 { "Log in" }
        @if let Some(error) = error {
            p.flash.error role="alert" { (error) }
        }
        form.login method="post" action="/ui/login" {
            label for="key" { "Admin API key" }
            input #key type="password" name="key" autocomplete="current-password" required autofocus;
            button type="submit" { "Log in" }
        }
    };
    respond(status, page("Log in", None, None, content))
}

/// `POST /ui/login` (`key=...`): a key the admin API accepts opens a session.
pub async fn submit(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(failure) = csrf::check_origin(&headers) {
        return errors::forbidden(failure);
    }
    let form: Form = form::parse(&body);
    let key = form.get("key").map(|k| k.trim()).unwrap_or_default();
    if key.is_empty() {
        return login_page(StatusCode::UNAUTHORIZED, Some("Enter an admin API key."));
    }
    let key = AdminKey::new(key);
    match state.api.get::<Value>(&key, "/admin/api/services").await {
        Ok(_) => {}
        Err(e) if e.status == StatusCode::UNAUTHORIZED || e.status == StatusCode::FORBIDDEN => {
            let message = format!("This key was refused: {}", e.message);
            return login_page(StatusCode::UNAUTHORIZED, Some(&message));
        }
        Err(e) => {
            let message = format!("The admin API failed: {}", e.message);
            return login_page(StatusCode::BAD_GATEWAY, Some(&message));
        }
    }
    // A fresh id at every login: a cookie planted before it is worth nothing after.
    if let Some(old) = cookie::session_id(&headers) {
        state.sessions.remove(&old);
    }
    let session = state.sessions.create(key);
    tracing::info!("dashboard: admin login");
    (
        [(
            header::SET_COOKIE,
            cookie::set(&session.id, state.secure_cookie),
        )],
        Redirect::to(HOME),
    )
        .into_response()
}

/// `POST /ui/logout` (CSRF-checked): ends the session and deletes the cookie.
pub async fn logout(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(session) = cookie::session_id(&headers).and_then(|id| state.sessions.get(&id)) {
        if let Err(failure) = form::verified(&session, &headers, &body) {
            return errors::forbidden(failure);
        }
        state.sessions.remove(&session.id);
    }
    (
        [(header::SET_COOKIE, cookie::clear(state.secure_cookie))],
        Redirect::to(LOGIN),
    )
        .into_response()
}
