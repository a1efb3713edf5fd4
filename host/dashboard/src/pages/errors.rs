//! Error pages: a refused POST (403) and a failed admin API call.

use super::layout::{page, respond};
use crate::api_client::ApiFailure;
use crate::csrf::CsrfFailure;
use crate::session::SessionView;
use axum::http::StatusCode;
use axum::response::Response;
use maud::html;

/// 403 for a POST that failed the CSRF checks. Nothing was changed.
pub fn forbidden(failure: CsrfFailure) -> Response {
    tracing::warn!(?failure, "dashboard: refused a POST");
    let why = match failure {
        CsrfFailure::MissingToken | CsrfFailure::WrongToken => {
            "The form was stale or did not come from this dashboard."
        }
        CsrfFailure::ForeignOrigin => "The request came from another site.",
    };
    let content = html! {
        h1 { "Forbidden" }
        p { (why) " Nothing was changed." }
        p { a href="/ui/" { "Back to the dashboard" } }
    };
    respond(
        StatusCode::FORBIDDEN,
        page("Forbidden", None, None, content),
    )
}

/// A page that could not be shown because the admin API refused or failed, with its message.
pub fn api_failure(session: &SessionView, failure: &ApiFailure) -> Response {
    let content = html! {
        h1 { "Could not load this page" }
        p.flash.error { (failure.message) }
        p { a href="/ui/" { "Back to the services" } }
    };
    respond(failure.status, page("Error", Some(session), None, content))
}
