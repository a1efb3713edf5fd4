//! Monitors: create (validated: type, cron expression, configuration, model), read, switch
//! on or off, delete.

use crate::app::{Answer, Ap, Caller, Object, created, ok, opt_str, req_str};
use crate::error::ApError;
use crate::monitors::config::{MonitorKind, parse, parse_cron};
use crate::monitors::evaluate::{accuracy_metric, task_of, version_of};
use crate::monitors::{Monitor, Monitors};
use crate::openapi::{
    AporiaEmpty, AporiaError, AporiaId, AporiaMonitor, AporiaMonitorRequest, AporiaMonitorUpdate,
    AporiaMonitors,
};
use axum::extract::{Path, State};
use serde_json::{Value, json};
use std::sync::Arc;

fn opt_bool(body: &serde_json::Map<String, Value>, key: &str) -> Result<Option<bool>, ApError> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(ApError::bad_request(format!(
            "'{key}' must be true or false"
        ))),
    }
}

async fn check(ap: &Ap, m: &Monitor) -> Result<(), ApError> {
    parse_cron(&m.scheduling).map_err(ApError::bad_request)?;
    let spec = parse(&m.monitor_type, &m.configuration).map_err(ApError::bad_request)?;
    let registry = ap.current_registry().await?;
    let model = registry.existing_model(&spec.model_id).await?;
    if let Some(v) = &spec.version {
        registry.existing_version(&spec.model_id, v).await?;
    }
    if spec.kind == MonitorKind::PerformanceDegradation
        && let (Some(metric), Some(v)) = (
            &spec.metric,
            version_of(ap, &model, spec.version.as_deref()).await?,
        )
    {
        accuracy_metric(task_of(&v.model_type), metric).map_err(|e| {
            ApError::bad_request(format!("'configuration.configuration.metric.type': {e}"))
        })?;
    }
    Ok(())
}

/// `POST /v1beta/monitors`: 201 `{"id"}`.
#[utoipa::path(
    post,
    path = "/monitors",
    tag = "aporia",
    operation_id = "aporia_create_monitor",
    summary = "Creates a monitor (validated: type, cron expression, configuration, model)",
    request_body(content = AporiaMonitorRequest, content_type = "application/json", description = "The monitor"),
    security(("aporiaToken" = [])),
    responses(
        (status = 201, description = "The monitor's UUID", body = AporiaId),
        (status = 400, description = "A missing or invalid member (type, scheduling, configuration, metric), or a body that is not a JSON object", body = AporiaError),
        (status = 401, description = "No key, or an unknown or expired one", body = AporiaError),
        (status = 403, description = "A service key (the Aporia API needs an admin or monitoring key)", body = AporiaError),
        (status = 404, description = "The configuration names a model or version that does not exist", body = AporiaError),
        (status = 413, description = "The body is larger than [plugins.aporia] max_body_bytes", body = AporiaError),
        (status = 500, description = "The registry's database failed", body = AporiaError),
    )
)]
pub async fn create(State(ap): State<Arc<Ap>>, _caller: Caller, Object(body): Object) -> Answer {
    let configuration = body
        .get("configuration")
        .filter(|c| c.is_object())
        .cloned()
        .ok_or_else(|| ApError::bad_request("'configuration' is required: an object"))?;
    let monitor_type = req_str(&body, "type")?.to_owned();
    let model_id = parse(&monitor_type, &configuration)
        .map_err(ApError::bad_request)?
        .model_id;
    let m = Monitor {
        id: crate::app::new_uuid(),
        name: req_str(&body, "name")?.to_owned(),
        monitor_type,
        scheduling: req_str(&body, "scheduling")?.to_owned(),
        configuration,
        is_active: opt_bool(&body, "is_active")?.unwrap_or(true),
        custom_alert_description: opt_str(&body, "custom_alert_description")?.map(str::to_owned),
        model_id,
        created_at: ap.now_ms(),
        last_tick_ms: 0,
        last_run: None,
    };
    check(&ap, &m).await?;
    Monitors(&ap.db).put(&m).await?;
    ap.monitors_changed.notify_one();
    created(json!({"id": m.id}))
}

/// `GET /v1beta/monitors`: `{"monitors": [...]}`.
#[utoipa::path(
    get,
    path = "/monitors",
    tag = "aporia",
    operation_id = "aporia_list_monitors",
    summary = "The monitors, oldest first",
    security(("aporiaToken" = [])),
    responses(
        (status = 200, description = "The monitors", body = AporiaMonitors),
        (status = 401, description = "No key, or an unknown or expired one", body = AporiaError),
        (status = 403, description = "A service key (the Aporia API needs an admin or monitoring key)", body = AporiaError),
        (status = 500, description = "The registry's database failed", body = AporiaError),
    )
)]
pub async fn list(State(ap): State<Arc<Ap>>, _caller: Caller) -> Answer {
    let all = Monitors(&ap.db).all().await?;
    let now = ap.now_ms();
    ok(json!({"monitors": all.iter().map(|m| m.to_json(now)).collect::<Vec<_>>()}))
}

async fn existing(ap: &Ap, id: &str) -> Result<Monitor, ApError> {
    Monitors(&ap.db)
        .get(id)
        .await?
        .ok_or_else(|| ApError::not_found(format!("monitor '{id}'")))
}

/// `GET /v1beta/monitors/{id}`.
#[utoipa::path(
    get,
    path = "/monitors/{id}",
    tag = "aporia",
    operation_id = "aporia_show_monitor",
    summary = "A monitor, with its last and next run",
    params(("id" = String, Path, description = "The monitor's UUID")),
    security(("aporiaToken" = [])),
    responses(
        (status = 200, description = "The monitor", body = AporiaMonitor),
        (status = 401, description = "No key, or an unknown or expired one", body = AporiaError),
        (status = 403, description = "A service key (the Aporia API needs an admin or monitoring key)", body = AporiaError),
        (status = 404, description = "No such monitor", body = AporiaError),
        (status = 500, description = "The registry's database failed", body = AporiaError),
    )
)]
pub async fn show(State(ap): State<Arc<Ap>>, _caller: Caller, Path(id): Path<String>) -> Answer {
    ok(existing(&ap, &id).await?.to_json(ap.now_ms()))
}

/// `PATCH /v1beta/monitors/{id}`: `is_active`, `name`, `scheduling`, `configuration`,
/// `custom_alert_description`.
#[utoipa::path(
    patch,
    path = "/monitors/{id}",
    tag = "aporia",
    operation_id = "aporia_update_monitor",
    summary = "Changes a monitor (switches it on or off, renames, reschedules, reconfigures)",
    params(("id" = String, Path, description = "The monitor's UUID")),
    request_body(content = AporiaMonitorUpdate, content_type = "application/json", description = "The members to change"),
    security(("aporiaToken" = [])),
    responses(
        (status = 200, description = "The monitor after the change", body = AporiaMonitor),
        (status = 400, description = "An invalid member, or a body that is not a JSON object", body = AporiaError),
        (status = 401, description = "No key, or an unknown or expired one", body = AporiaError),
        (status = 403, description = "A service key (the Aporia API needs an admin or monitoring key)", body = AporiaError),
        (status = 404, description = "No such monitor, or its configuration names a model or version that does not exist", body = AporiaError),
        (status = 413, description = "The body is larger than [plugins.aporia] max_body_bytes", body = AporiaError),
        (status = 500, description = "The registry's database failed", body = AporiaError),
    )
)]
pub async fn update(
    State(ap): State<Arc<Ap>>,
    _caller: Caller,
    Path(id): Path<String>,
    Object(body): Object,
) -> Answer {
    let mut m = existing(&ap, &id).await?;
    if let Some(active) = opt_bool(&body, "is_active")? {
        m.is_active = active;
    }
    if let Some(name) = opt_str(&body, "name")? {
        m.name = name.to_owned();
    }
    if let Some(s) = opt_str(&body, "scheduling")? {
        m.scheduling = s.to_owned();
    }
    if let Some(c) = body.get("configuration").filter(|c| !c.is_null()) {
        m.configuration = c.clone();
        m.model_id = parse(&m.monitor_type, c)
            .map_err(ApError::bad_request)?
            .model_id;
    }
    if body.contains_key("custom_alert_description") {
        m.custom_alert_description = opt_str(&body, "custom_alert_description")?.map(str::to_owned);
    }
    check(&ap, &m).await?;
    Monitors(&ap.db).put(&m).await?;
    ap.monitors_changed.notify_one();
    ok(m.to_json(ap.now_ms()))
}

/// `DELETE /v1beta/monitors/{id}` (its alerts stay).
#[utoipa::path(
    delete,
    path = "/monitors/{id}",
    tag = "aporia",
    operation_id = "aporia_delete_monitor",
    summary = "Deletes a monitor (its alerts stay)",
    params(("id" = String, Path, description = "The monitor's UUID")),
    security(("aporiaToken" = [])),
    responses(
        (status = 200, description = "Deleted", body = AporiaEmpty),
        (status = 401, description = "No key, or an unknown or expired one", body = AporiaError),
        (status = 403, description = "A service key (the Aporia API needs an admin or monitoring key)", body = AporiaError),
        (status = 404, description = "No such monitor", body = AporiaError),
        (status = 500, description = "The registry's database failed", body = AporiaError),
    )
)]
pub async fn remove(State(ap): State<Arc<Ap>>, _caller: Caller, Path(id): Path<String>) -> Answer {
    if !Monitors(&ap.db).delete(&id).await? {
        return Err(ApError::not_found(format!("monitor '{id}'")));
    }
    ap.monitors_changed.notify_one();
    ok(json!({}))
}
