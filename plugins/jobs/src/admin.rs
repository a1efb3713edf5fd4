//! `GET /admin/api/jobs`: every batch job of every plugin (Vidora exports, Apres batches...),
//! newest first, with its progress, for admin keys (the dashboard's jobs page reads it). The
//! plugins' own APIs list jobs only within their own key or recipe.

use crate::jobs::Jobs;
use crate::record::{JobRecord, JobState};
use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use plinth_plugin_api::{HostView, PrincipalScope};
use serde::Serialize;
use std::sync::Arc;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// What the admin route needs: the engine and the host's key check.
pub struct AdminState {
    /// The job engine.
    pub jobs: Arc<Jobs>,
    /// The host, for its admin keys.
    pub host: Arc<dyn HostView>,
}

/// The most jobs one answer lists.
pub const MAX_LIMIT: i64 = 1000;
const DEFAULT_LIMIT: i64 = 100;

/// One job as the admin API shows it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = JobsAdminJob)]
pub struct AdminJob {
    /// Its id.
    id: String,
    /// Which handler runs it (`apres.batch`, `vidora.export`...).
    kind: String,
    /// What it belongs to in its plugin's terms (a recipe, a pipeline).
    scope: String,
    /// `queued`, `running`, `done` or `failed`.
    state: &'static str,
    /// How many items it has (`null` until they are prepared).
    total: Option<i64>,
    /// How many items have their output committed.
    done: i64,
    /// How many of those failed.
    failed_items: i64,
    /// How many times a worker claimed it.
    attempts: i64,
    /// Why it failed.
    error: Option<String>,
    /// When it was submitted, ms since the epoch.
    created_at_ms: i64,
    /// When it last changed.
    updated_at_ms: i64,
    /// When a worker first claimed it.
    started_at_ms: Option<i64>,
    /// When it finished or failed.
    finished_at_ms: Option<i64>,
}

impl From<JobRecord> for AdminJob {
    fn from(r: JobRecord) -> Self {
        AdminJob {
            id: r.id,
            kind: r.kind,
            scope: r.scope,
            state: r.state.as_str(),
            total: r.total,
            done: r.done,
            failed_items: r.failed_items,
            attempts: r.attempts,
            error: r.error,
            created_at_ms: r.created_at_ms,
            updated_at_ms: r.updated_at_ms,
            started_at_ms: r.started_at_ms,
            finished_at_ms: r.finished_at_ms,
        }
    }
}

/// The answer of `GET /admin/api/jobs`.
#[derive(Serialize, ToSchema)]
#[schema(as = JobsAdminList)]
pub struct AdminJobList {
    /// The jobs, newest first.
    jobs: Vec<AdminJob>,
}

/// An error in the admin API's shape.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = JobsAdminError)]
pub struct AdminError {
    /// `BadRequest`, `Unauthorized`, `Forbidden`, `InternalError`.
    error_type: &'static str,
    /// What went wrong.
    message: String,
    /// The same, with detail.
    detailed_message: String,
    #[serde(skip)]
    status: StatusCode,
}

impl AdminError {
    fn new(status: StatusCode, error_type: &'static str, message: impl Into<String>) -> Self {
        let message = message.into();
        AdminError {
            error_type,
            detailed_message: message.clone(),
            message,
            status,
        }
    }
}

impl IntoResponse for AdminError {
    fn into_response(self) -> Response {
        (self.status, Json(&self)).into_response()
    }
}

/// The filters of the listing.
#[derive(Debug, PartialEq)]
struct Filters {
    limit: i64,
    state: Option<JobState>,
    kind: Option<String>,
}

fn parse_filters(query: Option<&str>) -> Result<Filters, AdminError> {
    let bad = |m: String| AdminError::new(StatusCode::BAD_REQUEST, "BadRequest", m);
    let mut filters = Filters {
        limit: DEFAULT_LIMIT,
        state: None,
        kind: None,
    };
    let pairs = form_urlencoded::parse(query.unwrap_or("").as_bytes());
    for (name, value) in pairs {
        match name.as_ref() {
            "limit" => {
                filters.limit = value
                    .parse::<i64>()
                    .ok()
                    .filter(|n| (1..=MAX_LIMIT).contains(n))
                    .ok_or_else(|| {
                        bad(format!(
                            "limit: expected an integer from 1 to {MAX_LIMIT}, got {value:?}"
                        ))
                    })?
            }
            "state" => {
                filters.state = Some(
                    [
                        JobState::Queued,
                        JobState::Running,
                        JobState::Done,
                        JobState::Failed,
                    ]
                    .into_iter()
                    .find(|s| s.as_str() == value.as_ref())
                    .ok_or_else(|| {
                        bad(format!(
                            "state: expected queued, running, done or failed, got {value:?}"
                        ))
                    })?,
                )
            }
            "kind" if value.contains('\0') => {
                return Err(bad("kind: a NUL character is not allowed".into()));
            }
            "kind" => filters.kind = Some(value.into_owned()),
            other => return Err(bad(format!("unknown query parameter {other:?}"))),
        }
    }
    Ok(filters)
}

/// `GET /admin/api/jobs?limit=&state=&kind=`.
#[utoipa::path(
    get,
    path = "/admin/api/jobs",
    tag = "jobs",
    operation_id = "jobs_admin_list",
    summary = "Every batch job of every plugin, newest first, with its progress",
    params(
        ("limit" = Option<i64>, Query, description = "At most this many jobs (1 to 1000, default 100)", minimum = 1, maximum = 1000),
        ("state" = Option<String>, Query, description = "Only jobs in this state: queued, running, done or failed"),
        ("kind" = Option<String>, Query, description = "Only jobs of this kind (`apres.batch`, `vidora.export`...)"),
    ),
    security(("adminKey" = [])),
    responses(
        (status = 200, description = "The jobs", body = AdminJobList),
        (status = 400, description = "A bad query parameter", body = AdminError),
        (status = 401, description = "No key, or an unknown one", body = AdminError),
        (status = 403, description = "Not an admin key", body = AdminError),
        (status = 500, description = "The state database failed", body = AdminError),
    )
)]
pub async fn list_jobs(
    State(state): State<Arc<AdminState>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Json<AdminJobList>, AdminError> {
    require_admin(state.host.as_ref(), &headers)?;
    let filters = parse_filters(query.as_deref())?;
    let records = state
        .jobs
        .list_all(filters.limit, filters.state, filters.kind.as_deref())
        .await
        .map_err(|e| {
            tracing::error!(target: "plinth::jobs", "listing jobs: {e}");
            AdminError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalError",
                "the state database failed",
            )
        })?;
    Ok(Json(AdminJobList {
        jobs: records.into_iter().map(AdminJob::from).collect(),
    }))
}

/// The route, documented, without its state (for the OpenAPI document).
pub fn api() -> OpenApiRouter<Arc<AdminState>> {
    OpenApiRouter::with_openapi(<crate::files::JobsApiDoc as utoipa::OpenApi>::openapi())
        .routes(routes!(list_jobs))
}

/// The route with its state (what the plugin mounts).
pub fn openapi_router(state: Arc<AdminState>) -> OpenApiRouter {
    api().with_state(state)
}

fn require_admin(host: &dyn HostView, headers: &HeaderMap) -> Result<(), AdminError> {
    let principal = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|a| host.authenticate(a))
        .ok_or_else(|| {
            AdminError::new(
                StatusCode::UNAUTHORIZED,
                "Unauthorized",
                "the admin API needs an admin API key (HTTP Basic user name or Bearer)",
            )
        })?;
    match principal.scope {
        PrincipalScope::Admin => Ok(()),
        _ => Err(AdminError::new(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "the admin API needs an admin key",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_are_checked() {
        assert_eq!(
            parse_filters(None).unwrap(),
            Filters {
                limit: 100,
                state: None,
                kind: None
            }
        );
        let f = parse_filters(Some("limit=5&state=running&kind=apres.batch")).unwrap();
        assert_eq!(f.limit, 5);
        assert_eq!(f.state, Some(JobState::Running));
        assert_eq!(f.kind.as_deref(), Some("apres.batch"));
        assert_eq!(
            parse_filters(Some("kind=a%2Eb")).unwrap().kind.as_deref(),
            Some("a.b")
        );
        for bad in [
            "limit=0",
            "limit=1001",
            "limit=x",
            "state=paused",
            "page=2",
            "kind=a%00",
        ] {
            let e = parse_filters(Some(bad)).unwrap_err();
            assert_eq!(e.status, StatusCode::BAD_REQUEST, "{bad}");
        }
    }

    #[test]
    fn the_listing_is_documented_completely() {
        use plinth_plugin_api::openapi_checks::{DocumentRules, check_plugin_document};
        let (_router, doc) = api().split_for_parts();
        let ops = check_plugin_document(
            &doc,
            DocumentRules {
                tag: "jobs",
                operation_prefix: "jobs_",
                schema_prefix: "Jobs",
            },
        );
        assert_eq!(ops.len(), 1);
        assert_eq!(ops[0].path, "/admin/api/jobs");
        assert_eq!(ops[0].schemes, ["adminKey"]);
    }
}
