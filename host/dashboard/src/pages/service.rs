//! `GET /ui/services/{id}`: generations (which are active), the switch and enable/disable
//! controls, per-endpoint totals from the JSON metrics and the monitoring charts of one
//! prediction endpoint (`?endpoint=&period=`, see [`super::monitoring`]).
//!
//! `GET /admin/api/metrics` carries counters since the server started (calls, 4xx, 5xx, mean
//! duration) and no time series or quantiles, so those numbers are a table; the charts come
//! from the DataRobot monitoring routes.

use super::format::{duration_us, percent, utc};
use super::keys::key_table;
use super::layout::{csrf_field, page, respond};
use super::overview::state_badge;
use crate::api_client::segment;
use crate::app::{AppState, Authenticated, service_url, session_lost};
use crate::model::{EndpointMetrics, GenerationList, KeyInfo, MetricsSnapshot, ServiceDetail};
use crate::pages::errors;
use crate::pages::monitoring::{self, Selection};
use crate::session::SessionView;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};

/// The service page handler: four admin API calls, made together (a failure of the service's
/// keys is shown in place of their table), then the monitoring
/// calls of one endpoint, made together.
pub async fn service_page(
    State(state): State<AppState>,
    Authenticated(session): Authenticated,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let base = format!("/admin/api/services/{}", segment(&id));
    let generations_path = format!("{base}/generations");
    let keys_path = format!("{base}/keys");
    let (detail, generations, metrics, keys) = futures::future::join4(
        state.api.get::<ServiceDetail>(&session.key, &base),
        state
            .api
            .get::<GenerationList>(&session.key, &generations_path),
        state
            .api
            .get::<MetricsSnapshot>(&session.key, "/admin/api/metrics"),
        state.api.get::<Vec<KeyInfo>>(&session.key, &keys_path),
    )
    .await;
    let (detail, generations, metrics) = match (detail, generations, metrics) {
        (Ok(d), Ok(g), Ok(m)) => (d, g, m),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => {
            return if e.is_unauthorized() {
                session_lost(&state, &session)
            } else {
                errors::api_failure(&session, &e)
            };
        }
    };
    let selection = Selection::parse(query.as_deref());
    let charts = monitoring::section(
        &state.api,
        &session.key,
        &detail,
        &selection,
        state.clock.unix_ms(),
    )
    .await;
    let flash = state.sessions.take_flash(&session.id);
    let content = html! {
        p.crumbs { a href="/ui/" { "Services" } " / " (id) }
        (heading(&detail))
        (routing(&session, &detail, &generations))
        (generation_table(&generations))
        (endpoint_table(&detail, &metrics, &id))
        (charts)
        h2 { "Service keys" }
        (key_table(&keys, state.clock.unix_ms(), "No key may call this service (only admin keys, unless it is public)."))
    };
    respond(
        StatusCode::OK,
        page(&id, Some(&session), flash.as_ref(), content),
    )
}

fn heading(detail: &ServiceDetail) -> Markup {
    let s = &detail.summary;
    let (verb, label) = if s.enabled {
        ("disable", "Disable…")
    } else {
        ("enable", "Enable…")
    };
    html! {
        h1 { (s.id) " " (state_badge(s.enabled)) }
        @if let Some(description) = &s.description { p.muted { (description) } }
        p { a.button href={ (service_url(&s.id)) "/" (verb) } { (label) } }
    }
}

fn routing(session: &SessionView, detail: &ServiceDetail, generations: &GenerationList) -> Markup {
    let url = service_url(&detail.summary.id);
    html! {
        h2 { "Routing" }
        p { "Strategy: " (detail.summary.mapping.strategy) }
        table {
            thead { tr { th { "Active generation" } th.num { "Share" } th.num { "Endpoints" } } }
            tbody {
                @for g in &detail.active_generations {
                    tr {
                        td { span.generation { (g.generation) } }
                        td.num { (percent(g.proba)) }
                        td.num {
                            @if let Some(error) = &g.error { span.error { (error) } }
                            @else { (g.endpoints.len()) }
                        }
                    }
                }
            }
        }
        @if !generations.generations.is_empty() {
            div.controls {
                form.inline method="post" action={ (url) "/switch" } {
                    (csrf_field(session))
                    label for="generation" { "Send every call to " }
                    select #generation name="generation" {
                        @for g in generations.generations.iter().rev() {
                            option value=(g.id) selected[g.active] { (g.id) }
                        }
                    }
                    " " button type="submit" { "Switch" }
                }
                " "
                form.inline method="post" action={ (url) "/switch-newest" } {
                    (csrf_field(session))
                    button type="submit" { "Switch to newest" }
                }
            }
        }
    }
}

fn generation_table(list: &GenerationList) -> Markup {
    html! {
        h2 { "Generations" }
        @if list.generations.is_empty() {
            p.muted { "No generation deployed." }
        } @else {
            table {
                thead { tr {
                    th { "Generation" } th.num { "#" } th { "Deployed" } th { "SHA-256" }
                    th { "Active" } th { "Loaded" }
                } }
                tbody {
                    @for g in list.generations.iter().rev() {
                        tr class=[g.active.then_some("active")] {
                            td { span.generation { (g.id) } }
                            td.num { (g.seq) }
                            td { (utc(g.created_at)) }
                            td { code title=(g.sha256) { (g.sha256.get(..12).unwrap_or(&g.sha256)) } }
                            td { @if g.active { "active" } }
                            td { @if g.loaded { "yes" } @else { span.muted { "no" } } }
                        }
                    }
                }
            }
        }
    }
}

fn endpoint_table(detail: &ServiceDetail, metrics: &MetricsSnapshot, id: &str) -> Markup {
    let of_service: Vec<&EndpointMetrics> = metrics
        .endpoints
        .iter()
        .filter(|m| m.service_id == id)
        .collect();
    let known = |endpoint: &str| detail.endpoints.iter().any(|e| e.id == endpoint);
    let zero = EndpointMetrics::default();
    html! {
        h2 { "Endpoints" }
        table {
            thead { tr {
                th { "Endpoint" } th { "Kind" } th { "Actions" } th.num { "Calls" }
                th.num { "4xx" } th.num { "5xx" } th.num { "Error rate" } th.num { "Mean latency" }
            } }
            tbody {
                @for e in &detail.endpoints {
                    @let m = of_service.iter().find(|m| m.endpoint_id == e.id).copied().unwrap_or(&zero);
                    (metric_row(&e.id, e.description.as_deref(), &e.kind, &e.actions.join(", "), m))
                }
                @for m in of_service.iter().filter(|m| !known(&m.endpoint_id)) {
                    (metric_row(&m.endpoint_id, None, "not in the active generation", "", m))
                }
            }
        }
        p.muted {
            "Totals since the server started, from the JSON metrics (no time series, only the "
            "mean latency); the charts below come from the monitoring store."
        }
    }
}

fn metric_row(
    endpoint: &str,
    description: Option<&str>,
    kind: &str,
    actions: &str,
    m: &EndpointMetrics,
) -> Markup {
    let errors = m.client_errors + m.server_errors;
    html! {
        tr {
            td {
                (endpoint)
                @if let Some(d) = description { br; span.muted { (d) } }
            }
            td { (kind) } td { (actions) }
            td.num { (m.calls) } td.num { (m.client_errors) } td.num { (m.server_errors) }
            td.num { @if m.calls > 0 { (percent(errors as f64 / m.calls as f64)) } @else { "—" } }
            td.num { @if m.calls > 0 { (duration_us(m.mean_duration_us)) } @else { "—" } }
        }
    }
}
