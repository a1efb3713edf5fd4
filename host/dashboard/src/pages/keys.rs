//! `GET /ui/keys`: the admin keys (`GET /admin/api/keys`) and the monitoring keys
//! (`GET /admin/api/monitoring-keys`), called together, read-only: id, prefix, label, created,
//! expiry; never a secret (the lists carry none, and [`KeyInfo`] has no field for one). The
//! service page shows its service's keys with [`key_table`].

use super::format::utc;
use super::layout::{page, respond};
use crate::api_client::ApiFailure;
use crate::app::{AppState, Authenticated, session_lost};
use crate::model::KeyInfo;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};

/// The keys page handler.
pub async fn keys_page(
    State(state): State<AppState>,
    Authenticated(session): Authenticated,
) -> Response {
    let (admin, monitoring) = futures::future::join(
        state
            .api
            .get::<Vec<KeyInfo>>(&session.key, "/admin/api/keys"),
        state
            .api
            .get::<Vec<KeyInfo>>(&session.key, "/admin/api/monitoring-keys"),
    )
    .await;
    if [admin.as_ref().err(), monitoring.as_ref().err()]
        .into_iter()
        .flatten()
        .any(ApiFailure::is_unauthorized)
    {
        return session_lost(&state, &session);
    }
    let now = state.clock.unix_ms();
    let content = html! {
        h1 { "API keys" }
        p.muted { "Secrets are shown once, when a key is created; these lists hold none." }
        h2 { "Admin keys" }
        (key_table(&admin, now, "No admin key."))
        h2 { "Monitoring keys" }
        p.muted { "For the DataRobot and Aporia APIs only." }
        (key_table(&monitoring, now, "No monitoring key."))
    };
    respond(StatusCode::OK, page("Keys", Some(&session), None, content))
}

/// A table of keys, or the call's error in its place.
pub fn key_table(keys: &Result<Vec<KeyInfo>, ApiFailure>, now_ms: i64, none: &str) -> Markup {
    html! {
        @match keys {
            Err(e) => p.flash.error { "Could not load the keys: " (e.message) },
            Ok(keys) if keys.is_empty() => p.muted { (none) },
            Ok(keys) => table.keys {
                thead { tr {
                    th { "Id" } th { "Prefix" } th { "Label" } th { "Created" } th { "Expiry" }
                } }
                tbody {
                    @for k in keys {
                        tr {
                            td { code { (k.id) } }
                            td { code { (k.prefix) "…" } }
                            td {
                                (k.label.as_deref().unwrap_or("—"))
                                @if let Some(d) = &k.description { br; span.muted { (d) } }
                            }
                            td {
                                (utc(k.created_on))
                                @if let Some(by) = &k.created_by { br; span.muted { "by " (by) } }
                            }
                            td {
                                @match k.expiry {
                                    None => span.muted { "never" },
                                    Some(at) => {
                                        (utc(at))
                                        @if at <= now_ms { " " span.badge.off { "expired" } }
                                    }
                                }
                            }
                        }
                    }
                }
            },
        }
    }
}
