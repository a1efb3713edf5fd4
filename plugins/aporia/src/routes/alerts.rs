//! The alerts monitors raised, newest first, with their webhook deliveries.

use crate::app::{Answer, Ap, Caller, ok};
use crate::error::ApError;
use crate::openapi::{AlertFilters, AporiaAlert, AporiaAlerts, AporiaError};
use axum::extract::{Path, Query, State};
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;

/// `GET /v1beta/alerts?model_id=&monitor_id=&limit=` (limit 100 by default, at most 1000).
#[utoipa::path(
    get,
    path = "/alerts",
    tag = "aporia",
    operation_id = "aporia_list_alerts",
    summary = "The alerts monitors raised, newest first, with their webhook deliveries",
    params(AlertFilters),
    security(("aporiaToken" = [])),
    responses(
        (status = 200, description = "The alerts", body = AporiaAlerts),
        (status = 400, description = "limit is not a whole number from 1 to 1000", body = AporiaError),
        (status = 401, description = "No key, or an unknown or expired one", body = AporiaError),
        (status = 403, description = "A service key (the Aporia API needs an admin or monitoring key)", body = AporiaError),
        (status = 500, description = "The registry's database failed", body = AporiaError),
    )
)]
pub async fn list(
    State(ap): State<Arc<Ap>>,
    _caller: Caller,
    Query(q): Query<HashMap<String, String>>,
) -> Answer {
    let limit = match q.get("limit") {
        None => 100,
        Some(l) => l
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=1000).contains(n))
            .ok_or_else(|| {
                ApError::bad_request(format!(
                    "'limit' must be a whole number from 1 to 1000, not '{l}'"
                ))
            })?,
    };
    let alerts = crate::alerts::list(
        &ap,
        q.get("model_id").map(String::as_str),
        q.get("monitor_id").map(String::as_str),
        None,
        limit,
    )
    .await?;
    ok(json!({"alerts": alerts}))
}

/// `GET /v1beta/alerts/{id}`.
#[utoipa::path(
    get,
    path = "/alerts/{id}",
    tag = "aporia",
    operation_id = "aporia_show_alert",
    summary = "An alert, with its webhook deliveries",
    params(("id" = String, Path, description = "The alert's UUID")),
    security(("aporiaToken" = [])),
    responses(
        (status = 200, description = "The alert", body = AporiaAlert),
        (status = 401, description = "No key, or an unknown or expired one", body = AporiaError),
        (status = 403, description = "A service key (the Aporia API needs an admin or monitoring key)", body = AporiaError),
        (status = 404, description = "No such alert", body = AporiaError),
        (status = 500, description = "The registry's database failed", body = AporiaError),
    )
)]
pub async fn show(State(ap): State<Arc<Ap>>, _caller: Caller, Path(id): Path<String>) -> Answer {
    let mut alerts = crate::alerts::list(&ap, None, None, Some(&id), 1).await?;
    match alerts.pop() {
        Some(a) => ok(a),
        None => Err(ApError::not_found(format!("alert '{id}'"))),
    }
}
