//! `GET /ui/monitors`: the Aporia monitors (`GET /v1beta/monitors`) and the 50 most recent
//! alerts (`GET /v1beta/alerts?limit=50`), called together; a failed call shows its error in
//! place of its table.

use super::layout::{page, respond};
use crate::api_client::ApiFailure;
use crate::aporia::{Alert, AlertList, Monitor, MonitorList};
use crate::app::{AppState, Authenticated, session_lost};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};

/// Alerts shown.
const ALERTS: &str = "/v1beta/alerts?limit=50";

/// The monitors page handler.
pub async fn monitors_page(
    State(state): State<AppState>,
    Authenticated(session): Authenticated,
) -> Response {
    let (monitors, alerts) = futures::future::join(
        state
            .api
            .get::<MonitorList>(&session.key, "/v1beta/monitors"),
        state.api.get::<AlertList>(&session.key, ALERTS),
    )
    .await;
    if [monitors.as_ref().err(), alerts.as_ref().err()]
        .into_iter()
        .flatten()
        .any(ApiFailure::is_unauthorized)
    {
        return session_lost(&state, &session);
    }
    let content = html! {
        h1 { "Monitors and alerts" }
        h2 { "Monitors" }
        @match &monitors {
            Ok(list) => (monitor_table(&list.monitors)),
            Err(e) => p.flash.error { "Could not load the monitors: " (e.message) },
        }
        h2 { "Recent alerts" }
        @match &alerts {
            Ok(list) => (alert_table(&list.alerts)),
            Err(e) => p.flash.error { "Could not load the alerts: " (e.message) },
        }
    };
    respond(
        StatusCode::OK,
        page("Monitors", Some(&session), None, content),
    )
}

fn monitor_table(monitors: &[Monitor]) -> Markup {
    html! {
        @if monitors.is_empty() {
            p.muted { "No monitor is defined (create them with the Aporia API, POST /v1beta/monitors)." }
        } @else {
            table.monitors {
                thead { tr {
                    th { "Name" } th { "Type" } th { "Model" } th { "Enabled" } th { "Schedule" }
                    th { "Last evaluation" } th { "Next run" }
                } }
                tbody {
                    @for m in monitors {
                        tr {
                            td { (m.name) br; code.muted { (m.id) } }
                            td { (m.monitor_type) }
                            td { (m.model_id.as_deref().unwrap_or("—")) }
                            td {
                                @if m.is_active { span.badge.on { "enabled" } }
                                @else { span.badge.off { "disabled" } }
                            }
                            td { code { (m.scheduling) } }
                            td {
                                @match &m.last_run {
                                    Some(run) => {
                                        (run.at.as_deref().unwrap_or("?")) ": "
                                        @match run.value {
                                            Some(v) => { "value " (v) }
                                            None => { span.muted { (run.reason.as_deref().unwrap_or("no value")) } }
                                        }
                                        @if run.fired { " " span.badge.off { "fired" } }
                                    }
                                    None => span.muted { "never" },
                                }
                            }
                            td { (m.next_run.as_deref().unwrap_or("—")) }
                        }
                    }
                }
            }
        }
    }
}

fn alert_table(alerts: &[Alert]) -> Markup {
    let opt = |s: &Option<String>| s.clone().unwrap_or_else(|| "—".into());
    html! {
        @if alerts.is_empty() {
            p.muted { "No alert has been raised." }
        } @else {
            table.alerts {
                thead { tr {
                    th { "Time" } th { "Monitor" } th { "Severity" } th { "Type" } th { "Model" }
                    th { "Value" } th { "Message" }
                } }
                tbody {
                    @for a in alerts {
                        tr {
                            td { (opt(&a.created_at)) }
                            td {
                                (opt(&a.monitor_name))
                                @if let Some(t) = &a.monitor_type { br; span.muted { (t) } }
                            }
                            td { (opt(&a.severity)) }
                            td { (opt(&a.alert_type)) }
                            td {
                                (opt(&a.model_id))
                                @if let Some(v) = &a.model_version { " " span.generation { (v) } }
                            }
                            td.num {
                                @if let Some(v) = a.value { (v) } @else { "—" }
                                @if let Some(t) = &a.threshold {
                                    @if let Some(min) = t.min { br; span.muted { "min " (min) } }
                                    @if let Some(max) = t.max { br; span.muted { "max " (max) } }
                                }
                                @if let Some(f) = &a.field { br; span.muted { (f) } }
                            }
                            td { (opt(&a.description)) }
                        }
                    }
                }
            }
        }
    }
}
