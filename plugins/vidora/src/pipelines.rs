//! Pipelines: one per prediction endpoint of the host (the main generation's), with the id
//! [`crate::ids::pipeline_id`], the type of its model, and the state Vidora adds
//! (`vidora_pipelines`: a name override, the active label set and its assignment job, the
//! time of the last export).

use crate::app::Vid;
use plinth_jobs::{JobRecord, JobState};
use plinth_plugin_api::{ModelInfo, ModelTask};
use serde_json::{Value, json};
use sqlx::Row;
use std::sync::Arc;

/// A pipeline as the host shows it, with its stored state.
#[derive(Clone, Debug)]
pub struct Pipeline {
    /// 16 lowercase hex.
    pub id: String,
    /// The Plinth service.
    pub service: String,
    /// The prediction endpoint.
    pub endpoint: String,
    /// The endpoint's model, when it declares one.
    pub model: Option<Arc<ModelInfo>>,
    /// Whether the service and endpoint serve calls.
    pub active: bool,
    /// When the service was created, ms since the epoch.
    pub created_at_ms: i64,
    /// Stored state.
    pub state: State,
}

/// What `vidora_pipelines` holds for a pipeline.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct State {
    /// The name given through V7.
    pub name: Option<String>,
    /// The assigned label set.
    pub active_label_set_id: Option<String>,
    /// The `vidora.train` job of the last assignment.
    pub train_job: Option<String>,
    /// When the last export completed.
    pub last_prediction_at_ms: Option<i64>,
}

impl Pipeline {
    /// `Classification`, `Regression`, or `Prediction` for an endpoint without a model (which
    /// takes no labels).
    pub fn kind(&self) -> &'static str {
        match self.model.as_ref().map(|m| m.task) {
            Some(ModelTask::Regression) => "Regression",
            Some(ModelTask::Binary | ModelTask::Multiclass) => "Classification",
            None => "Prediction",
        }
    }

    /// The label type its label sets must have, when it takes labels.
    pub fn label_type(&self) -> Option<crate::labels::LabelType> {
        match self.kind() {
            "Regression" => Some(crate::labels::LabelType::Regression),
            "Classification" => Some(crate::labels::LabelType::Classification),
            _ => None,
        }
    }

    /// `<service>/<endpoint>` unless renamed.
    pub fn name(&self) -> String {
        self.state
            .name
            .clone()
            .unwrap_or_else(|| format!("{}/{}", self.service, self.endpoint))
    }
}

/// Every pipeline, in the host's order (services by id, endpoints in manifest order). Each
/// one's monitoring settings get the id column as an association column (once), so that
/// predictions carrying a Vidora id can be joined to labels.
pub async fn all(vid: &Vid) -> Result<Vec<Pipeline>, sqlx::Error> {
    let states = load_states(vid).await?;
    let mut out = Vec::new();
    for service in vid.host.services() {
        let Some(endpoints) = vid.host.endpoints(&service.id, None).await else {
            continue;
        };
        for e in endpoints.into_iter().filter(|e| e.kind == "prediction") {
            let id = crate::ids::pipeline_id(&service.id, &e.id);
            ensure_association(vid, &service.id, &e.id).await;
            out.push(Pipeline {
                state: states
                    .iter()
                    .find(|(i, _)| *i == id)
                    .map(|(_, s)| s.clone())
                    .unwrap_or_default(),
                active: service.enabled && !service.inactive_endpoints.contains(&e.id),
                created_at_ms: service.created_at_ms,
                model: e.model,
                service: service.id.clone(),
                endpoint: e.id,
                id,
            });
        }
    }
    Ok(out)
}

/// One pipeline.
pub async fn find(vid: &Vid, id: &str) -> Result<Option<Pipeline>, sqlx::Error> {
    Ok(all(vid).await?.into_iter().find(|p| p.id == id))
}

async fn load_states(vid: &Vid) -> Result<Vec<(String, State)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, name, active_label_set_id, train_job, last_prediction_at FROM vidora_pipelines",
    )
    .fetch_all(vid.db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get(0)?,
                State {
                    name: r.try_get(1)?,
                    active_label_set_id: r.try_get(2)?,
                    train_job: r.try_get(3)?,
                    last_prediction_at_ms: r.try_get(4)?,
                },
            ))
        })
        .collect()
}

/// Writes a pipeline's state (the row is made on first write).
pub async fn save(vid: &Vid, p: &Pipeline) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO vidora_pipelines (id, service_id, endpoint_id, name, active_label_set_id, train_job, last_prediction_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name,
            active_label_set_id = excluded.active_label_set_id, train_job = excluded.train_job,
            updated_at = excluded.updated_at",
    )
    .bind(&p.id)
    .bind(&p.service)
    .bind(&p.endpoint)
    .bind(&p.state.name)
    .bind(&p.state.active_label_set_id)
    .bind(&p.state.train_job)
    .bind(p.state.last_prediction_at_ms)
    .bind(vid.now_ms())
    .execute(vid.db.pool())
    .await?;
    Ok(())
}

/// Records an export's completion time as the pipeline's `last_prediction_at`.
pub async fn predicted(
    vid: &Vid,
    id: &str,
    service: &str,
    endpoint: &str,
    at_ms: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO vidora_pipelines (id, service_id, endpoint_id, last_prediction_at, updated_at)
         VALUES ($1, $2, $3, $4, $4)
         ON CONFLICT (id) DO UPDATE SET last_prediction_at = excluded.last_prediction_at,
            updated_at = excluded.updated_at",
    )
    .bind(id)
    .bind(service)
    .bind(endpoint)
    .bind(at_ms)
    .execute(vid.db.pool())
    .await?;
    Ok(())
}

async fn ensure_association(vid: &Vid, service: &str, endpoint: &str) {
    let column = &vid.config.id_column;
    let mut settings = vid.monitoring.settings(service, endpoint).await;
    if settings.association_columns.contains(column) {
        return;
    }
    settings.association_columns.push(column.clone());
    if let Err(e) = vid
        .monitoring
        .set_settings(service, endpoint, settings)
        .await
    {
        tracing::warn!(target: "plinth::vidora", "could not add the association column {column} to {service}/{endpoint}: {e}");
    }
}

/// A pipeline's status and training time, from its assignment job: `running` until the job
/// ends, then `complete` or `failed`; `complete` when it was never assigned.
pub fn status(job: Option<&JobRecord>) -> (&'static str, Option<i64>) {
    match job.map(|j| (j.state, j.finished_at_ms)) {
        None => ("complete", None),
        Some((JobState::Queued | JobState::Running, _)) => ("running", None),
        Some((JobState::Done, at)) => ("complete", at),
        Some((JobState::Failed, at)) => ("failed", at),
    }
}

/// The pipeline's JSON (V1 fields; `detail` adds V2's `active_label_set_id` and the
/// evaluation of the active label set).
pub fn to_json(p: &Pipeline, job: Option<&JobRecord>, detail: bool) -> Value {
    let (status, trained) = status(job);
    let ts = |ms: Option<i64>| ms.map(crate::dates::timestamp);
    let mut v = json!({
        "id": p.id,
        "name": p.name(),
        "type": p.kind(),
        "active": p.active,
        "recurring": false,
        "status": status,
        "created_at": crate::dates::timestamp(p.created_at_ms),
        "last_trained_at": ts(trained),
        "last_prediction_at": ts(p.state.last_prediction_at_ms),
    });
    if detail {
        v["active_label_set_id"] = json!(p.state.active_label_set_id);
        v["evaluation"] = job.and_then(|j| j.result.clone()).unwrap_or(Value::Null);
        if let Some(error) = job.and_then(|j| j.error.clone()) {
            v["error"] = json!(error);
        }
    }
    v
}

/// When a pipeline last ran: its last training or export, whichever is later.
pub fn last_run(p: &Pipeline, job: Option<&JobRecord>) -> Option<i64> {
    let trained = status(job).1;
    trained.max(p.state.last_prediction_at_ms)
}
