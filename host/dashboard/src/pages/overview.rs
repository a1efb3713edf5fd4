//! `GET /ui/`: every service with its state, active generations, routing and endpoint count.
//! One call lists the services, then one call per service (at most 8 at a time) counts its
//! endpoints.

use super::format::percent;
use super::layout::{page, respond};
use crate::api_client::{ApiFailure, segment};
use crate::app::{AppState, Authenticated, service_url, session_lost};
use crate::model::{ServiceDetail, ServiceSummary};
use crate::pages::errors;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use futures::StreamExt as _;
use maud::{Markup, html};

/// Per-service calls in flight at once.
const CONCURRENCY: usize = 8;

/// The overview handler.
pub async fn overview(
    State(state): State<AppState>,
    Authenticated(session): Authenticated,
) -> Response {
    let services: Vec<ServiceSummary> =
        match state.api.get(&session.key, "/admin/api/services").await {
            Ok(services) => services,
            Err(e) if e.is_unauthorized() => return session_lost(&state, &session),
            Err(e) => return errors::api_failure(&session, &e),
        };
    let paths: Vec<String> = services
        .iter()
        .map(|s| format!("/admin/api/services/{}", segment(&s.id)))
        .collect();
    let details: Vec<Result<ServiceDetail, ApiFailure>> = futures::stream::iter(paths)
        .map(|path| {
            let (api, key) = (state.api.clone(), session.key.clone());
            async move { api.get(&key, &path).await }
        })
        .buffered(CONCURRENCY)
        .collect()
        .await;
    if details
        .iter()
        .any(|d| d.as_ref().is_err_and(ApiFailure::is_unauthorized))
    {
        return session_lost(&state, &session);
    }
    let flash = state.sessions.take_flash(&session.id);
    let content = table(&services, &details);
    respond(
        StatusCode::OK,
        page("Services", Some(&session), flash.as_ref(), content),
    )
}

fn table(services: &[ServiceSummary], details: &[Result<ServiceDetail, ApiFailure>]) -> Markup {
    html! {
        h1 { "Services" }
        @if services.is_empty() {
            p.muted { "No services are deployed on this node." }
        } @else {
            table {
                thead { tr {
                    th { "Service" } th { "State" } th { "Active generation" }
                    th { "Routing" } th.num { "Generations" } th.num { "Endpoints" }
                } }
                tbody {
                    @for (service, detail) in services.iter().zip(details) {
                        tr {
                            td { a href=(service_url(&service.id)) { (service.id) } }
                            td {
                                (state_badge(service.enabled))
                                @if service.public { " " span.badge.public { "public" } }
                            }
                            td {
                                @for entry in service.mapping.active() {
                                    span.generation { (entry.generation) }
                                    " " span.muted { (percent(entry.proba)) } " "
                                }
                                @if service.mapping.active().next().is_none() {
                                    span.muted { "none" }
                                }
                            }
                            td { (service.mapping.strategy) }
                            td.num { (service.generations.len()) }
                            td.num {
                                @match detail {
                                    Ok(detail) => (detail.endpoints.len()),
                                    Err(e) => span.muted title=(e.message) { "?" },
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// `enabled` / `disabled`.
pub fn state_badge(enabled: bool) -> Markup {
    html! {
        @if enabled { span.badge.on { "enabled" } } @else { span.badge.off { "disabled" } }
    }
}
