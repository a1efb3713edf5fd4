//! `GET /ui/jobs`: the batch jobs (`GET /admin/api/jobs?limit=100`, newest first) with a
//! progress bar each. A server without the route (404) gets a short note, not an error page.

use super::format::{percent, utc};
use super::layout::{page, respond};
use crate::app::{AppState, Authenticated, session_lost};
use crate::model::{Job, JobList};
use crate::pages::errors;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};

/// The jobs page handler.
pub async fn jobs_page(
    State(state): State<AppState>,
    Authenticated(session): Authenticated,
) -> Response {
    let jobs = match state
        .api
        .get::<JobList>(&session.key, "/admin/api/jobs?limit=100")
        .await
    {
        Ok(list) => Some(list.jobs),
        Err(e) if e.is_unauthorized() => return session_lost(&state, &session),
        Err(e) if e.status == StatusCode::NOT_FOUND => None,
        Err(e) => return errors::api_failure(&session, &e),
    };
    let content = html! {
        h1 { "Batch jobs" }
        @match &jobs {
            None => p.muted {
                "This server does not list batch jobs (GET /admin/api/jobs answered 404): "
                "it predates the jobs admin route."
            },
            Some(jobs) if jobs.is_empty() => p.muted { "No batch job has been submitted." },
            Some(jobs) => (table(jobs)),
        }
    };
    respond(StatusCode::OK, page("Jobs", Some(&session), None, content))
}

fn table(jobs: &[Job]) -> Markup {
    html! {
        table.jobs {
            thead { tr {
                th { "Job" } th { "State" } th { "Progress" } th.num { "Done" }
                th.num { "Failed items" } th.num { "Attempts" } th { "Created" } th { "Finished" }
                th { "Error" }
            } }
            tbody {
                @for j in jobs {
                    tr class={ "job " (j.state) } {
                        td { code { (j.id) } br; (j.kind) " " span.muted { (j.scope) } }
                        td { span class={ "badge state " (j.state) } { (j.state) } }
                        td { (progress(j)) }
                        td.num {
                            (j.done) " / "
                            @if let Some(t) = j.total { (t) } @else { span.muted { "?" } }
                        }
                        td.num { (j.failed_items) }
                        td.num { (j.attempts) }
                        td {
                            (utc(j.created_at_ms))
                            @if j.finished_at_ms.is_none() {
                                br; span.muted { "updated " (utc(j.updated_at_ms)) }
                            }
                        }
                        td {
                            @if let Some(f) = j.finished_at_ms { (utc(f)) }
                            @else if let Some(s) = j.started_at_ms { span.muted { "started " (utc(s)) } }
                            @else { span.muted { "—" } }
                        }
                        td { @if let Some(e) = &j.error { span.error { (e) } } }
                    }
                }
            }
        }
    }
}

/// An SVG bar (no inline style) and the percentage; `?` until the total is known.
fn progress(j: &Job) -> Markup {
    let (w, h) = (120.0, 10.0);
    match j.progress() {
        Some(share) => html! {
            svg.progress width=(w) height=(h) viewBox={ "0 0 " (w) " " (h) } role="img"
                aria-label={ (percent(share)) " done" } xmlns="http://www.w3.org/2000/svg" {
                rect x="0" y="0" width=(w) height=(h) rx="2" fill="#eceef2" {}
                rect.done x="0" y="0" width=(format!("{:.1}", share * w)) height=(h) rx="2"
                    fill=(if j.state == "failed" { "#a3231b" } else { "#2455c3" }) {}
            }
            " " span.percent { (percent(share)) }
        },
        None => html! { span.muted { "not prepared yet" } },
    }
}
