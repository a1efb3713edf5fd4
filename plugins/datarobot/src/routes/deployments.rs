//! Deployments: list, get, update, delete, status, settings, health settings, capabilities,
//! features, tags.

use super::done;
use crate::app::{
    Answer, Deployment, Dr, accepted, api_url, authenticate, db_error, json, no_content,
};
use crate::error::DrError;
use crate::openapi as oa;
use crate::params::{DeploymentStatus, HealthStatus, Importance, ListQuery, OrderField};
use crate::shapes::{self, Capability, Health, Tag};
use crate::store::Meta;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use bytes::Bytes;
use plinth_plugin_api::{FeatureKind, ModelTask};
use serde_json::{Map, Value};
use std::sync::Arc;

/// The body of a PATCH or POST as a JSON object (422 naming the problem otherwise).
pub(crate) fn object_body(body: &Bytes) -> Result<Map<String, Value>, DrError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(DrError::unprocessable("the body must be a JSON object")),
        Err(e) => Err(DrError::unprocessable(format!("the body is not JSON: {e}"))),
    }
}

fn target_type(task: ModelTask) -> &'static str {
    match task {
        ModelTask::Regression => "Regression",
        ModelTask::Binary => "Binary",
        ModelTask::Multiclass => "Multiclass",
    }
}

impl Dr {
    /// The wire object of a deployment.
    pub(crate) async fn deployment_shape(
        &self,
        d: &Deployment,
        headers: &HeaderMap,
    ) -> Result<shapes::Deployment, DrError> {
        let meta = self.tables.meta(&d.id).await?;
        let now = self.monitoring.now_ms();
        let (daily, last) = self
            .monitoring
            .usage(&d.service.id, &d.endpoint, now, 7)
            .await
            .map_err(db_error)?;
        let deployed_at = d
            .service
            .generations
            .iter()
            .find(|g| g.id == d.generation)
            .map(|g| g.created_at_ms);
        let settings = self.monitoring.settings(&d.service.id, &d.endpoint).await;
        let unknown = || Health {
            status: HealthStatus::Unknown,
            message: None,
            period: None,
        };
        Ok(shapes::Deployment {
            id: d.id.clone(),
            label: meta
                .label
                .unwrap_or_else(|| format!("{} {}", d.service.id, d.endpoint)),
            description: meta.description.or_else(|| d.description.clone()),
            status: if d.active() {
                DeploymentStatus::Active
            } else {
                DeploymentStatus::Inactive
            },
            importance: meta
                .importance
                .as_deref()
                .and_then(Importance::from_wire)
                .unwrap_or(Importance::Low),
            model: shapes::DeploymentModel {
                id: d.generation.clone(),
                model_type: Some("Plinth prediction endpoint".into()),
                target_name: d.model.target_name.clone(),
                target_type: Some(target_type(d.model.task).into()),
                project_id: None,
                deployed_at_ms: deployed_at,
            },
            capabilities: Capability::plinth_list(
                settings.target_drift,
                settings.feature_drift,
                false,
            ),
            daily_rates: daily.iter().map(|n| *n as f64).collect(),
            last_prediction_ms: last,
            service_health: unknown(),
            model_health: unknown(),
            accuracy_health: unknown(),
            default_prediction_server: Some(shapes::PredictionServer {
                id: "plinth".into(),
                url: crate::app::base_url(headers),
                datarobot_key: None,
            }),
            created_at_ms: d.service.created_at_ms,
            tags: self.tables.tags(&d.id).await?,
            permissions: vec![
                "CAN_VIEW".into(),
                "CAN_EDIT_DEPLOYMENT".into(),
                "CAN_SUBMIT_ACTUALS".into(),
                "CAN_DELETE_DEPLOYMENT".into(),
            ],
        })
    }
}

/// `GET deployments/`.
#[utoipa::path(
    get,
    path = "/api/v2/deployments",
    tag = "datarobot",
    operation_id = "datarobot_list_deployments",
    summary = "A page of deployments, filtered and ordered",
    params(oa::DataRobotListParams),
    security(("dataRobotToken" = [])),
    responses(
        (status = 200, description = "A page of deployments", body = oa::DataRobotDeploymentList),
        (status = 400, description = "A query parameter has a bad value (named in `errors`)", body = oa::DataRobotError),
        (status = 401, description = "No key, or a key this server does not know", body = oa::DataRobotError),
        (status = 403, description = "A service key: the DataRobot API needs an admin or monitoring key", body = oa::DataRobotError),
        (status = 500, description = "The monitoring database failed", body = oa::DataRobotError)
    )
)]
pub async fn list(State(dr): State<Arc<Dr>>, RawQuery(q): RawQuery, headers: HeaderMap) -> Answer {
    authenticate(&dr, &headers)?;
    let query = ListQuery::parse(q.as_deref().unwrap_or(""))?;
    let mut all = Vec::new();
    for d in dr.deployments().await {
        if dr.tables.is_deleted(&d.id, &d.generation).await? {
            continue;
        }
        all.push(dr.deployment_shape(&d, &headers).await?);
    }
    all.retain(|d| {
        query.search.as_ref().is_none_or(|s| {
            let s = s.to_lowercase();
            d.label.to_lowercase().contains(&s)
                || d.description
                    .as_deref()
                    .is_some_and(|x| x.to_lowercase().contains(&s))
        }) && (query.status.is_empty() || query.status.contains(&d.status))
            && (query.importance.is_empty() || query.importance.contains(&d.importance))
            && (query.service_health.is_empty()
                || query.service_health.contains(&d.service_health.status))
            && (query.model_health.is_empty()
                || query.model_health.contains(&d.model_health.status))
            && (query.accuracy_health.is_empty()
                || query.accuracy_health.contains(&d.accuracy_health.status))
            && (query.tag_keys.is_empty()
                || d.tags.iter().any(|t| query.tag_keys.contains(&t.name)))
            && (query.tag_values.is_empty()
                || d.tags.iter().any(|t| query.tag_values.contains(&t.value)))
    });
    if let Some(order) = &query.order_by {
        match order.field {
            OrderField::Label => all.sort_by(|a, b| a.label.cmp(&b.label)),
            OrderField::Importance => all.sort_by_key(|d| d.importance as u8),
            OrderField::CreatedAtTimestamp | OrderField::CurrentModelDeployedTimestamp => {
                all.sort_by_key(|d| d.created_at_ms)
            }
            OrderField::LastPredictionTimestamp => all.sort_by_key(|d| d.last_prediction_ms),
            OrderField::RecentPredictions => all.sort_by(|a, b| {
                a.daily_rates
                    .iter()
                    .sum::<f64>()
                    .total_cmp(&b.daily_rates.iter().sum())
            }),
            _ => all.sort_by(|a, b| a.id.cmp(&b.id)),
        }
        if order.descending {
            all.reverse();
        }
    }
    let total = all.len() as u64;
    let page: Vec<shapes::Deployment> = all
        .into_iter()
        .skip(query.offset as usize)
        .take(query.limit as usize)
        .collect();
    let links = shapes::page_links(
        &api_url(&headers, "deployments"),
        &query.link_params(),
        query.offset,
        query.limit,
        total,
    );
    json(shapes::deployment_list(&page, &links, total))
}

/// `GET deployments/{id}/`.
#[utoipa::path(
    get,
    path = "/api/v2/deployments/{id}",
    tag = "datarobot",
    operation_id = "datarobot_get_deployment",
    summary = "A deployment",
    params(("id" = String, Path, description = "The deployment: `<service>~<endpoint>`")),
    security(("dataRobotToken" = [])),
    responses(
        (status = 200, description = "The deployment", body = oa::DataRobotDeployment),
        (status = 401, description = "No key, or a key this server does not know", body = oa::DataRobotError),
        (status = 403, description = "A service key: the DataRobot API needs an admin or monitoring key", body = oa::DataRobotError),
        (status = 404, description = "No such deployment", body = oa::DataRobotError),
        (status = 500, description = "The monitoring database failed", body = oa::DataRobotError)
    )
)]
pub async fn get(State(dr): State<Arc<Dr>>, Path(id): Path<String>, headers: HeaderMap) -> Answer {
    let d = dr.open(&id, &headers).await?;
    json(shapes::deployment(
        &dr.deployment_shape(&d, &headers).await?,
    ))
}

/// `PATCH deployments/{id}/` with `label`, `description`, `importance` → 204.
#[utoipa::path(
    patch,
    path = "/api/v2/deployments/{id}",
    tag = "datarobot",
    operation_id = "datarobot_update_deployment",
    summary = "Changes a deployment's label, description or importance",
    params(("id" = String, Path, description = "The deployment: `<service>~<endpoint>`")),
    request_body(content = oa::DataRobotDeploymentUpdate, content_type = "application/json"),
    security(("dataRobotToken" = [])),
    responses(
        (status = 204, description = "Done"),
        (status = 401, description = "No key, or a key this server does not know", body = oa::DataRobotError),
        (status = 403, description = "A service key: the DataRobot API needs an admin or monitoring key", body = oa::DataRobotError),
        (status = 404, description = "No such deployment", body = oa::DataRobotError),
        (status = 422, description = "The body is not JSON, or a member is unknown or has a bad value", body = oa::DataRobotError),
        (status = 500, description = "The monitoring database failed", body = oa::DataRobotError)
    )
)]
pub async fn update(
    State(dr): State<Arc<Dr>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let d = dr.open(&id, &headers).await?;
    let body = object_body(&body)?;
    let mut meta = dr.tables.meta(&d.id).await?;
    for (key, value) in &body {
        match (key.as_str(), value) {
            ("label", Value::String(s)) if !s.trim().is_empty() && s.len() <= 512 => {
                meta.label = Some(s.clone())
            }
            ("label", _) => {
                return Err(DrError::unprocessable(
                    "label: expected a non-empty string of at most 512 characters",
                ));
            }
            ("description", Value::String(s)) => meta.description = Some(s.clone()),
            ("description", Value::Null) => meta.description = None,
            ("importance", Value::String(s)) => {
                let importance = Importance::from_wire(s).ok_or_else(|| {
                    DrError::unprocessable(format!(
                        "importance: \"{s}\" is not one of CRITICAL, HIGH, MODERATE, LOW"
                    ))
                })?;
                meta.importance = Some(importance.as_str().into());
            }
            (other, _) => {
                return Err(DrError::unprocessable(format!(
                    "{other}: not a member of a deployment update (label, description, importance)"
                )));
            }
        }
    }
    dr.tables
        .set_meta(&d.id, &meta, dr.monitoring.now_ms())
        .await?;
    no_content()
}

/// `DELETE deployments/{id}/` → 204: the deployment's monitoring data and tags are deleted,
/// and it is hidden until its service serves another generation. The endpoint goes on
/// serving calls (it belongs to the service's bundle).
#[utoipa::path(
    delete,
    path = "/api/v2/deployments/{id}",
    tag = "datarobot",
    operation_id = "datarobot_delete_deployment",
    summary = "Deletes a deployment's monitoring data and tags and hides it until its service serves another generation",
    params(("id" = String, Path, description = "The deployment: `<service>~<endpoint>`")),
    security(("dataRobotToken" = [])),
    responses(
        (status = 204, description = "Done"),
        (status = 401, description = "No key, or a key this server does not know", body = oa::DataRobotError),
        (status = 403, description = "A service key: the DataRobot API needs an admin or monitoring key", body = oa::DataRobotError),
        (status = 404, description = "No such deployment", body = oa::DataRobotError),
        (status = 500, description = "The monitoring database failed", body = oa::DataRobotError)
    )
)]
pub async fn delete(
    State(dr): State<Arc<Dr>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Answer {
    let d = dr.open(&id, &headers).await?;
    dr.monitoring
        .delete_data(&d.service.id, &d.endpoint, None, None)
        .await
        .map_err(db_error)?;
    dr.tables
        .mark_deleted(&d.id, &d.generation, dr.monitoring.now_ms())
        .await?;
    no_content()
}

/// `PATCH deployments/{id}/status/` `{"status": "active"|"inactive"}` → 202; the poll URL
/// answers 303 to the deployment.
#[utoipa::path(
    patch,
    path = "/api/v2/deployments/{id}/status",
    tag = "datarobot",
    operation_id = "datarobot_set_deployment_status",
    summary = "Activates or deactivates a deployment (its endpoint serves calls or not)",
    params(("id" = String, Path, description = "The deployment: `<service>~<endpoint>`")),
    request_body(content = oa::DataRobotStatusChange, content_type = "application/json"),
    security(("dataRobotToken" = [])),
    responses(
        (status = 202, description = "Done before the answer; `Location` is a status URL that answers at once", body = oa::DataRobotEmpty, headers(("Location" = String, description = "Absolute status URL"))),
        (status = 401, description = "No key, or a key this server does not know", body = oa::DataRobotError),
        (status = 403, description = "A service key: the DataRobot API needs an admin or monitoring key", body = oa::DataRobotError),
        (status = 404, description = "No such deployment", body = oa::DataRobotError),
        (status = 422, description = "The body is not JSON, or a member is unknown or has a bad value", body = oa::DataRobotError),
        (status = 500, description = "The monitoring database failed", body = oa::DataRobotError)
    )
)]
pub async fn set_status(
    State(dr): State<Arc<Dr>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let d = dr.open(&id, &headers).await?;
    let body = object_body(&body)?;
    let active = match body.get("status").and_then(Value::as_str) {
        Some("active") => true,
        Some("inactive") => false,
        _ => {
            return Err(DrError::unprocessable(
                "status: expected \"active\" or \"inactive\"",
            ));
        }
    };
    dr.host
        .set_endpoint_active(&d.service.id, &d.endpoint, active)
        .await
        .map_err(|e| DrError::internal(e.message))?;
    accepted(&api_url(&headers, &format!("status/deployment~{}", d.id)))
}

/// `GET deployments/{id}/settings/`.
#[utoipa::path(
    get,
    path = "/api/v2/deployments/{id}/settings",
    tag = "datarobot",
    operation_id = "datarobot_get_settings",
    summary = "A deployment's settings",
    params(("id" = String, Path, description = "The deployment: `<service>~<endpoint>`")),
    security(("dataRobotToken" = [])),
    responses(
        (status = 200, description = "The settings", body = oa::DataRobotSettings),
        (status = 401, description = "No key, or a key this server does not know", body = oa::DataRobotError),
        (status = 403, description = "A service key: the DataRobot API needs an admin or monitoring key", body = oa::DataRobotError),
        (status = 404, description = "No such deployment", body = oa::DataRobotError),
        (status = 500, description = "The monitoring database failed", body = oa::DataRobotError)
    )
)]
pub async fn settings(
    State(dr): State<Arc<Dr>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Answer {
    let d = dr.open(&id, &headers).await?;
    let s = dr.monitoring.settings(&d.service.id, &d.endpoint).await;
    json(shapes::settings(&shapes::DeploymentSettings {
        association_id_columns: s.association_columns,
        association_id_required: s.association_required,
        target_drift_enabled: s.target_drift,
        feature_drift_enabled: s.feature_drift,
        predictions_data_collection_enabled: s.collect_predictions,
        segment_analysis_enabled: false,
        segment_attributes: Vec::new(),
    }))
}

fn enabled_of(section: &Value, name: &str) -> Result<Option<bool>, DrError> {
    match section.get("enabled") {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(DrError::unprocessable(format!(
            "{name}.enabled: expected true or false"
        ))),
    }
}

/// `PATCH deployments/{id}/settings/` → 202 (the change is stored before the answer).
#[utoipa::path(
    patch,
    path = "/api/v2/deployments/{id}/settings",
    tag = "datarobot",
    operation_id = "datarobot_update_settings",
    summary = "Changes a deployment's settings",
    params(("id" = String, Path, description = "The deployment: `<service>~<endpoint>`")),
    request_body(content = oa::DataRobotSettingsUpdate, content_type = "application/json"),
    security(("dataRobotToken" = [])),
    responses(
        (status = 202, description = "Done before the answer; `Location` is a status URL that answers at once", body = oa::DataRobotEmpty, headers(("Location" = String, description = "Absolute status URL"))),
        (status = 401, description = "No key, or a key this server does not know", body = oa::DataRobotError),
        (status = 403, description = "A service key: the DataRobot API needs an admin or monitoring key", body = oa::DataRobotError),
        (status = 404, description = "No such deployment", body = oa::DataRobotError),
        (status = 422, description = "The body is not JSON, or a member is unknown or has a bad value", body = oa::DataRobotError),
        (status = 500, description = "The monitoring database failed", body = oa::DataRobotError)
    )
)]
pub async fn update_settings(
    State(dr): State<Arc<Dr>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let d = dr.open(&id, &headers).await?;
    let body = object_body(&body)?;
    let mut s = dr.monitoring.settings(&d.service.id, &d.endpoint).await;
    for (key, section) in &body {
        match key.as_str() {
            "associationId" => {
                if let Some(columns) = section.get("columnNames") {
                    let columns = columns
                        .as_array()
                        .and_then(|a| {
                            a.iter()
                                .map(|c| c.as_str().map(str::to_owned))
                                .collect::<Option<Vec<_>>>()
                        })
                        .ok_or_else(|| {
                            DrError::unprocessable(
                                "associationId.columnNames: expected a list of feature names",
                            )
                        })?;
                    s.association_columns = columns;
                }
                if let Some(required) = section.get("requiredInPredictionRequests") {
                    s.association_required = required.as_bool().ok_or_else(|| {
                        DrError::unprocessable(
                            "associationId.requiredInPredictionRequests: expected true or false",
                        )
                    })?;
                }
            }
            "targetDrift" => s.target_drift = enabled_of(section, key)?.unwrap_or(s.target_drift),
            "featureDrift" => {
                s.feature_drift = enabled_of(section, key)?.unwrap_or(s.feature_drift)
            }
            "predictionsDataCollection" => {
                s.collect_predictions = enabled_of(section, key)?.unwrap_or(s.collect_predictions)
            }
            // Accepted and not stored: Plinth has no such feature to switch.
            "automaticActuals"
            | "biasAndFairness"
            | "challengerModels"
            | "humility"
            | "predictionIntervals"
            | "predictionWarning"
            | "predictionsByForecastDate"
            | "processingLimits"
            | "segmentAnalysis" => {
                if enabled_of(section, key)? == Some(true) {
                    return Err(DrError::unprocessable(format!(
                        "{key}: not supported by Plinth"
                    )));
                }
            }
            other => {
                return Err(DrError::unprocessable(format!(
                    "{other}: not a deployment setting"
                )));
            }
        }
    }
    dr.monitoring
        .set_settings(&d.service.id, &d.endpoint, s)
        .await
        .map_err(db_error)?;
    done(&headers)
}

/// `GET deployments/{id}/healthSettings/`.
#[utoipa::path(
    get,
    path = "/api/v2/deployments/{id}/healthSettings",
    tag = "datarobot",
    operation_id = "datarobot_get_health_settings",
    summary = "A deployment's health settings",
    params(("id" = String, Path, description = "The deployment: `<service>~<endpoint>`")),
    security(("dataRobotToken" = [])),
    responses(
        (status = 200, description = "The health settings in force", body = oa::DataRobotHealthSettings),
        (status = 401, description = "No key, or a key this server does not know", body = oa::DataRobotError),
        (status = 403, description = "A service key: the DataRobot API needs an admin or monitoring key", body = oa::DataRobotError),
        (status = 404, description = "No such deployment", body = oa::DataRobotError),
        (status = 500, description = "The monitoring database failed", body = oa::DataRobotError)
    )
)]
pub async fn health_settings(
    State(dr): State<Arc<Dr>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Answer {
    let d = dr.open(&id, &headers).await?;
    json(current_health_settings(&dr, &d).await?)
}

async fn current_health_settings(dr: &Dr, d: &Deployment) -> Result<Value, DrError> {
    let defaults =
        shapes::default_health_settings(Some(super::accuracy::default_metric(d.model.task)));
    let meta = dr.tables.meta(&d.id).await?;
    Ok(
        match meta
            .health_settings
            .as_deref()
            .map(serde_json::from_str::<Value>)
        {
            Some(Ok(stored)) => {
                shapes::merge_health_settings(&defaults, &stored).unwrap_or(defaults)
            }
            _ => defaults,
        },
    )
}

/// `PATCH deployments/{id}/healthSettings/` → 200 with the settings now in force.
#[utoipa::path(
    patch,
    path = "/api/v2/deployments/{id}/healthSettings",
    tag = "datarobot",
    operation_id = "datarobot_update_health_settings",
    summary = "Changes sections of a deployment's health settings",
    params(("id" = String, Path, description = "The deployment: `<service>~<endpoint>`")),
    request_body(content = oa::DataRobotHealthSettingsUpdate, content_type = "application/json"),
    security(("dataRobotToken" = [])),
    responses(
        (status = 200, description = "The health settings now in force", body = oa::DataRobotHealthSettings),
        (status = 401, description = "No key, or a key this server does not know", body = oa::DataRobotError),
        (status = 403, description = "A service key: the DataRobot API needs an admin or monitoring key", body = oa::DataRobotError),
        (status = 404, description = "No such deployment", body = oa::DataRobotError),
        (status = 422, description = "The body is not JSON, or a member is unknown or has a bad value", body = oa::DataRobotError),
        (status = 500, description = "The monitoring database failed", body = oa::DataRobotError)
    )
)]
pub async fn update_health_settings(
    State(dr): State<Arc<Dr>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let d = dr.open(&id, &headers).await?;
    let patch = Value::Object(object_body(&body)?);
    let current = current_health_settings(&dr, &d).await?;
    let merged = shapes::merge_health_settings(&current, &patch).map_err(DrError::unprocessable)?;
    let mut meta: Meta = dr.tables.meta(&d.id).await?;
    meta.health_settings = Some(merged.to_string());
    dr.tables
        .set_meta(&d.id, &meta, dr.monitoring.now_ms())
        .await?;
    json(merged)
}

/// `GET deployments/{id}/healthSettings/defaults/`.
#[utoipa::path(
    get,
    path = "/api/v2/deployments/{id}/healthSettings/defaults",
    tag = "datarobot",
    operation_id = "datarobot_get_default_health_settings",
    summary = "The default health settings of a deployment",
    params(("id" = String, Path, description = "The deployment: `<service>~<endpoint>`")),
    security(("dataRobotToken" = [])),
    responses(
        (status = 200, description = "The defaults", body = oa::DataRobotHealthSettings),
        (status = 401, description = "No key, or a key this server does not know", body = oa::DataRobotError),
        (status = 403, description = "A service key: the DataRobot API needs an admin or monitoring key", body = oa::DataRobotError),
        (status = 404, description = "No such deployment", body = oa::DataRobotError),
        (status = 500, description = "The monitoring database failed", body = oa::DataRobotError)
    )
)]
pub async fn default_health_settings(
    State(dr): State<Arc<Dr>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Answer {
    let d = dr.open(&id, &headers).await?;
    json(shapes::default_health_settings(Some(
        super::accuracy::default_metric(d.model.task),
    )))
}

/// `GET deployments/{id}/capabilities/`.
#[utoipa::path(
    get,
    path = "/api/v2/deployments/{id}/capabilities",
    tag = "datarobot",
    operation_id = "datarobot_list_capabilities",
    summary = "What a deployment supports",
    params(("id" = String, Path, description = "The deployment: `<service>~<endpoint>`")),
    security(("dataRobotToken" = [])),
    responses(
        (status = 200, description = "Every capability", body = oa::DataRobotCapabilityList),
        (status = 401, description = "No key, or a key this server does not know", body = oa::DataRobotError),
        (status = 403, description = "A service key: the DataRobot API needs an admin or monitoring key", body = oa::DataRobotError),
        (status = 404, description = "No such deployment", body = oa::DataRobotError),
        (status = 500, description = "The monitoring database failed", body = oa::DataRobotError)
    )
)]
pub async fn capabilities(
    State(dr): State<Arc<Dr>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Answer {
    let d = dr.open(&id, &headers).await?;
    let s = dr.monitoring.settings(&d.service.id, &d.endpoint).await;
    json(shapes::capabilities_list(&Capability::plinth_list(
        s.target_drift,
        s.feature_drift,
        false,
    )))
}

/// `GET deployments/{id}/features/`: the model's input features.
#[utoipa::path(
    get,
    path = "/api/v2/deployments/{id}/features",
    tag = "datarobot",
    operation_id = "datarobot_list_features",
    summary = "The input features of a deployment's model",
    params(("id" = String, Path, description = "The deployment: `<service>~<endpoint>`")),
    security(("dataRobotToken" = [])),
    responses(
        (status = 200, description = "Every feature, on one page", body = oa::DataRobotFeatureList),
        (status = 401, description = "No key, or a key this server does not know", body = oa::DataRobotError),
        (status = 403, description = "A service key: the DataRobot API needs an admin or monitoring key", body = oa::DataRobotError),
        (status = 404, description = "No such deployment", body = oa::DataRobotError),
        (status = 500, description = "The monitoring database failed", body = oa::DataRobotError)
    )
)]
pub async fn features(
    State(dr): State<Arc<Dr>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Answer {
    let d = dr.open(&id, &headers).await?;
    let features: Vec<shapes::Feature> = d
        .model
        .features
        .iter()
        .map(|f| shapes::Feature {
            name: f.name.clone(),
            feature_type: match f.kind {
                FeatureKind::Numeric => "Numeric".into(),
                FeatureKind::Categorical => "Categorical".into(),
            },
            importance: f.importance,
            date_format: None,
            known_in_advance: false,
        })
        .collect();
    json(shapes::features_list(&features))
}

fn tag_body(body: &Bytes) -> Result<(String, String), DrError> {
    let body = object_body(body)?;
    let field = |k: &str| -> Result<String, DrError> {
        match body.get(k) {
            Some(Value::String(s)) if !s.is_empty() && s.len() <= 50 => Ok(s.clone()),
            _ => Err(DrError::unprocessable(format!(
                "{k}: expected a non-empty string of at most 50 characters"
            ))),
        }
    };
    Ok((field("name")?, field("value")?))
}

fn tag_json(tag: &Tag) -> Value {
    serde_json::json!({"id": tag.id, "name": tag.name, "value": tag.value})
}

/// `POST deployments/{id}/tags/` `{"name", "value"}` → the tag with its id.
#[utoipa::path(
    post,
    path = "/api/v2/deployments/{id}/tags",
    tag = "datarobot",
    operation_id = "datarobot_create_tag",
    summary = "Adds a tag to a deployment",
    params(("id" = String, Path, description = "The deployment: `<service>~<endpoint>`")),
    request_body(content = oa::DataRobotTagBody, content_type = "application/json"),
    security(("dataRobotToken" = [])),
    responses(
        (status = 200, description = "The tag, with its id", body = oa::DataRobotTag),
        (status = 401, description = "No key, or a key this server does not know", body = oa::DataRobotError),
        (status = 403, description = "A service key: the DataRobot API needs an admin or monitoring key", body = oa::DataRobotError),
        (status = 404, description = "No such deployment", body = oa::DataRobotError),
        (status = 422, description = "The body is not JSON, or a member is unknown or has a bad value", body = oa::DataRobotError),
        (status = 500, description = "The monitoring database failed", body = oa::DataRobotError)
    )
)]
pub async fn create_tag(
    State(dr): State<Arc<Dr>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let d = dr.open(&id, &headers).await?;
    let (name, value) = tag_body(&body)?;
    let existing = dr.tables.tags(&d.id).await?;
    let next = existing
        .iter()
        .filter_map(|t| t.id.strip_prefix("tag").and_then(|n| n.parse::<u64>().ok()))
        .max()
        .unwrap_or(0)
        + 1;
    let tag = Tag {
        id: format!("tag{next:06}"),
        name,
        value,
    };
    dr.tables.put_tag(&d.id, &tag).await?;
    json(tag_json(&tag))
}

/// `PATCH deployments/{id}/tags/{tag}/`.
#[utoipa::path(
    patch,
    path = "/api/v2/deployments/{id}/tags/{tag}",
    tag = "datarobot",
    operation_id = "datarobot_update_tag",
    summary = "Changes a tag of a deployment",
    params(("id" = String, Path, description = "The deployment: `<service>~<endpoint>`"), ("tag" = String, Path, description = "The tag's id")),
    request_body(content = oa::DataRobotTagBody, content_type = "application/json"),
    security(("dataRobotToken" = [])),
    responses(
        (status = 200, description = "The tag", body = oa::DataRobotTag),
        (status = 401, description = "No key, or a key this server does not know", body = oa::DataRobotError),
        (status = 403, description = "A service key: the DataRobot API needs an admin or monitoring key", body = oa::DataRobotError),
        (status = 404, description = "No such deployment, or no such tag on it", body = oa::DataRobotError),
        (status = 422, description = "The body is not JSON, or a member is unknown or has a bad value", body = oa::DataRobotError),
        (status = 500, description = "The monitoring database failed", body = oa::DataRobotError)
    )
)]
pub async fn update_tag(
    State(dr): State<Arc<Dr>>,
    Path((id, tag)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let d = dr.open(&id, &headers).await?;
    let (name, value) = tag_body(&body)?;
    if !dr.tables.tags(&d.id).await?.iter().any(|t| t.id == tag) {
        return Err(DrError::not_found(format!(
            "deployment {id} has no tag {tag}"
        )));
    }
    let tag = Tag {
        id: tag,
        name,
        value,
    };
    dr.tables.put_tag(&d.id, &tag).await?;
    json(tag_json(&tag))
}

/// `DELETE deployments/{id}/tags/{tag}/` → 204.
#[utoipa::path(
    delete,
    path = "/api/v2/deployments/{id}/tags/{tag}",
    tag = "datarobot",
    operation_id = "datarobot_delete_tag",
    summary = "Removes a tag from a deployment",
    params(("id" = String, Path, description = "The deployment: `<service>~<endpoint>`"), ("tag" = String, Path, description = "The tag's id")),
    security(("dataRobotToken" = [])),
    responses(
        (status = 204, description = "Done"),
        (status = 401, description = "No key, or a key this server does not know", body = oa::DataRobotError),
        (status = 403, description = "A service key: the DataRobot API needs an admin or monitoring key", body = oa::DataRobotError),
        (status = 404, description = "No such deployment, or no such tag on it", body = oa::DataRobotError),
        (status = 500, description = "The monitoring database failed", body = oa::DataRobotError)
    )
)]
pub async fn delete_tag(
    State(dr): State<Arc<Dr>>,
    Path((id, tag)): Path<(String, String)>,
    headers: HeaderMap,
) -> Answer {
    let d = dr.open(&id, &headers).await?;
    if !dr.tables.delete_tag(&d.id, &tag).await? {
        return Err(DrError::not_found(format!(
            "deployment {id} has no tag {tag}"
        )));
    }
    no_content()
}
