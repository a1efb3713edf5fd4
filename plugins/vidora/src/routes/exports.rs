//! Prediction exports: `POST /pipelines/{id}/prediction_exports` (a Plinth extension: JSON
//! `{"name", "records": [{"id", <features>...}]}`) starts a `vidora.export` job; V8 lists
//! them, V9 shows one with its `columns`, `total` and download link.

use crate::app::{Answer, Vid, db_error, ok};
use crate::auth::Signed;
use crate::error::VidoraError;
use crate::export_job::{FILE, KIND};
use axum::extract::{Path, State};
use plinth_jobs::{JobRecord, JobState, NewJob};
use serde_json::{Value, json};
use std::sync::Arc;

fn status(job: &JobRecord) -> &'static str {
    match job.state {
        JobState::Queued | JobState::Running => "exporting",
        JobState::Done => "complete",
        JobState::Failed => "failed",
    }
}

fn last_exported(job: &JobRecord) -> Option<String> {
    (job.state == JobState::Done)
        .then_some(job.finished_at_ms)
        .flatten()
        .map(crate::dates::timestamp)
}

fn detail(vid: &Vid, job: &JobRecord, base: &str) -> Value {
    let result = job.result.clone().unwrap_or(Value::Null);
    let done = job.state == JobState::Done;
    let mut v = json!({
        "id": job.id,
        "name": job.params["name"],
        "recurring": false,
        "status": status(job),
        "last_exported": last_exported(job),
        "columns": result.get("columns").cloned().unwrap_or(json!([])),
        "total": result.get("total").cloned().unwrap_or(json!(job.total.unwrap_or(0))),
        "failed": result.get("failed").cloned().unwrap_or(json!(job.failed_items)),
        "progress": {"done": job.done, "total": job.total},
        "download_url": done.then(|| vid.jobs.output_url(base, &job.id, FILE)),
    });
    if let Some(e) = &job.error {
        v["error"] = json!(e);
    }
    v
}

async fn pipeline(vid: &Vid, id: &str) -> Result<crate::pipelines::Pipeline, VidoraError> {
    crate::pipelines::find(vid, id)
        .await
        .map_err(db_error)?
        .ok_or_else(|| VidoraError::not_found(format!("pipeline {id} not found")))
}

/// Starts an export of the posted records.
pub async fn create(State(vid): State<Arc<Vid>>, Path(id): Path<String>, signed: Signed) -> Answer {
    let p = pipeline(&vid, &id).await?;
    let body: Value = serde_json::from_slice(&signed.body).map_err(|e| {
        VidoraError::bad_request(format!(
            "the body must be JSON {{\"name\": ..., \"records\": [{{\"id\": ..., <features>}}]}}: {e}"
        ))
    })?;
    let name = match body.get("name") {
        None | Some(Value::Null) => format!("export of {}", p.name()),
        Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
        Some(_) => return Err(VidoraError::bad_request("name must be a non-empty string")),
    };
    let Some(records) = body
        .get("records")
        .and_then(Value::as_array)
        .filter(|r| !r.is_empty())
    else {
        return Err(VidoraError::bad_request(
            "records must be a non-empty array of objects",
        ));
    };
    let mut items = Vec::with_capacity(records.len());
    for (i, r) in records.iter().enumerate() {
        let Value::Object(record) = r else {
            return Err(VidoraError::bad_request(format!(
                "records[{i}] is not an object"
            )));
        };
        let id = match record.get("id") {
            Some(Value::String(s)) if !s.is_empty() => json!(s),
            Some(Value::Number(n)) => json!(n.to_string()),
            _ => {
                return Err(VidoraError::bad_request(format!(
                    "records[{i}] has no id (a non-empty string or a number)"
                )));
            }
        };
        let mut features = record.clone();
        features.remove("id");
        items.push(json!({"id": id, "features": features}));
    }
    let classes = p
        .model
        .as_ref()
        .map(|m| m.classes.clone())
        .unwrap_or_default();
    let job = NewJob {
        id: crate::ids::random_id(),
        kind: KIND.into(),
        scope: p.id.clone(),
        params: json!({"name": name, "service": p.service, "endpoint": p.endpoint, "classes": classes}),
        items: Some(items),
        webhook: None,
    };
    let record = vid.jobs.submit(job).await.map_err(db_error)?;
    let base = plinth_jobs::base_url(&signed.headers);
    ok(detail(&vid, &record, &base))
}

/// V8: filtered by `recurring` and `exported_since` (Unix seconds, on `last_exported`).
pub async fn list(State(vid): State<Arc<Vid>>, Path(id): Path<String>, signed: Signed) -> Answer {
    pipeline(&vid, &id).await?;
    let recurring = super::bool_filter(&signed, "recurring")?;
    let since = signed
        .param("exported_since")
        .map(|v| crate::dates::parse_unix_param("exported_since", v))
        .transpose()
        .map_err(VidoraError::bad_request)?;
    let jobs = vid.jobs.list(KIND, &id).await.map_err(db_error)?;
    let shown: Vec<Value> = jobs
        .iter()
        .filter(|_| recurring != Some(true))
        .filter(|j| {
            since.is_none_or(|s| {
                j.state == JobState::Done && j.finished_at_ms.is_some_and(|f| f >= s * 1000)
            })
        })
        .map(|j| {
            json!({"id": j.id, "name": j.params["name"], "status": status(j),
                   "recurring": false, "last_exported": last_exported(j)})
        })
        .collect();
    ok(Value::Array(shown))
}

/// V9.
pub async fn show(
    State(vid): State<Arc<Vid>>,
    Path((id, export)): Path<(String, String)>,
    signed: Signed,
) -> Answer {
    pipeline(&vid, &id).await?;
    let job = vid
        .jobs
        .get(&export)
        .await
        .map_err(db_error)?
        .filter(|j| j.kind == KIND && j.scope == id)
        .ok_or_else(|| VidoraError::not_found(format!("prediction export {export} not found")))?;
    let base = plinth_jobs::base_url(&signed.headers);
    ok(detail(&vid, &job, &base))
}
