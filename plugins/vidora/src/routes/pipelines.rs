//! V1 `GET /pipelines`, V2 `GET /pipelines/{id}`, V7 `PUT /pipelines/{id}` (a rename and/or
//! the assignment of a label set, which starts a `vidora.train` evaluation job).

use crate::app::{Answer, Vid, db_error, ok};
use crate::auth::Signed;
use crate::error::VidoraError;
use crate::openapi::{
    SigningParams, VidoraErrorBody, VidoraPipeline, VidoraPipelineDetail, VidoraPipelineUpdate,
};
use crate::pipelines::{self, Pipeline};
use axum::extract::{Path, State};
use plinth_jobs::{JobRecord, NewJob};
use serde_json::{Value, json};
use std::sync::Arc;

async fn job_of(vid: &Vid, p: &Pipeline) -> Result<Option<JobRecord>, VidoraError> {
    match &p.state.train_job {
        None => Ok(None),
        Some(id) => vid.jobs.get(id).await.map_err(db_error),
    }
}

async fn found(vid: &Vid, id: &str) -> Result<Pipeline, VidoraError> {
    pipelines::find(vid, id)
        .await
        .map_err(db_error)?
        .ok_or_else(|| VidoraError::not_found(format!("pipeline {id} not found")))
}

/// V1: filtered by `recurring` and `active`, most recently run first.
#[utoipa::path(
    get,
    path = "/pipelines",
    tag = "vidora",
    operation_id = "vidora_list_pipelines",
    summary = "V1: the pipelines (one per prediction endpoint), most recently run first",
    params(
        SigningParams,
        ("recurring" = Option<bool>, Query, nullable = false, description = "Only recurring (true: none) or non-recurring pipelines; also 1/0"),
        ("active" = Option<bool>, Query, nullable = false, description = "Only active or inactive pipelines; also 1/0"),
    ),
    security(("vidoraApiKey" = [])),
    responses(
        (status = 200, description = "The pipelines", body = [VidoraPipeline]),
        (status = 400, description = "A filter is not a boolean", body = VidoraErrorBody),
        (status = 401, description = "Unknown api_key, or a bad or expired signature", body = VidoraErrorBody),
        (status = 413, description = "The request body is larger than max_body_bytes", body = VidoraErrorBody),
        (status = 500, description = "The state database failed", body = VidoraErrorBody),
    )
)]
pub async fn list(State(vid): State<Arc<Vid>>, signed: Signed) -> Answer {
    let recurring = super::bool_filter(&signed, "recurring")?;
    let active = super::bool_filter(&signed, "active")?;
    let mut shown = Vec::new();
    for p in pipelines::all(&vid).await.map_err(db_error)? {
        if recurring.is_some_and(|r| r) || active.is_some_and(|a| a != p.active) {
            continue;
        }
        let job = job_of(&vid, &p).await?;
        shown.push((
            pipelines::last_run(&p, job.as_ref()),
            pipelines::to_json(&p, job.as_ref(), false),
        ));
    }
    // Most recent first; never-run pipelines last, in the host's order.
    shown.sort_by_key(|s| std::cmp::Reverse(s.0));
    ok(Value::Array(shown.into_iter().map(|(_, v)| v).collect()))
}

/// V2.
#[utoipa::path(
    get,
    path = "/pipelines/{id}",
    tag = "vidora",
    operation_id = "vidora_show_pipeline",
    summary = "V2: a pipeline, with its active label set and evaluation",
    params(("id" = String, Path, description = "The pipeline id (16 lowercase hex)"), SigningParams),
    security(("vidoraApiKey" = [])),
    responses(
        (status = 200, description = "The pipeline", body = VidoraPipelineDetail),
        (status = 401, description = "Unknown api_key, or a bad or expired signature", body = VidoraErrorBody),
        (status = 404, description = "No such pipeline", body = VidoraErrorBody),
        (status = 413, description = "The request body is larger than max_body_bytes", body = VidoraErrorBody),
        (status = 500, description = "The state database failed", body = VidoraErrorBody),
    )
)]
pub async fn show(State(vid): State<Arc<Vid>>, Path(id): Path<String>, _signed: Signed) -> Answer {
    let p = found(&vid, &id).await?;
    let job = job_of(&vid, &p).await?;
    ok(pipelines::to_json(&p, job.as_ref(), true))
}

/// V7: `{"name"?, "active_label_set_id"?}`.
#[utoipa::path(
    put,
    path = "/pipelines/{id}",
    tag = "vidora",
    operation_id = "vidora_update_pipeline",
    summary = "V7: renames a pipeline and/or assigns it a validated label set (starts an evaluation)",
    params(("id" = String, Path, description = "The pipeline id (16 lowercase hex)"), SigningParams),
    request_body(content = VidoraPipelineUpdate, content_type = "application/json", description = "The changes; an empty body changes nothing"),
    security(("vidoraApiKey" = [])),
    responses(
        (status = 200, description = "The pipeline after the change", body = VidoraPipelineDetail),
        (status = 400, description = "A malformed body, or a label set that cannot be assigned (not validated, another label type, a pipeline without labels)", body = VidoraErrorBody),
        (status = 401, description = "Unknown api_key, or a bad or expired signature", body = VidoraErrorBody),
        (status = 404, description = "No such pipeline or label set", body = VidoraErrorBody),
        (status = 413, description = "The request body is larger than max_body_bytes", body = VidoraErrorBody),
        (status = 500, description = "The state database failed", body = VidoraErrorBody),
    )
)]
pub async fn update(State(vid): State<Arc<Vid>>, Path(id): Path<String>, signed: Signed) -> Answer {
    let body: Value = if signed.body.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        serde_json::from_slice(&signed.body)
            .map_err(|e| VidoraError::bad_request(format!("the body is not JSON: {e}")))?
    };
    let Value::Object(body) = body else {
        return Err(VidoraError::bad_request("the body must be a JSON object"));
    };
    let mut p = found(&vid, &id).await?;
    match body.get("name") {
        None => {}
        Some(Value::String(n)) if !n.trim().is_empty() => p.state.name = Some(n.clone()),
        Some(_) => return Err(VidoraError::bad_request("name must be a non-empty string")),
    }
    match body.get("active_label_set_id") {
        None | Some(Value::Null) => pipelines::save(&vid, &p).await.map_err(db_error)?,
        Some(Value::String(set)) => assign(&vid, &mut p, set).await?,
        Some(_) => {
            return Err(VidoraError::bad_request(
                "active_label_set_id must be a label set id (a string)",
            ));
        }
    }
    let job = job_of(&vid, &p).await?;
    ok(pipelines::to_json(&p, job.as_ref(), true))
}

async fn assign(vid: &Vid, p: &mut Pipeline, set_id: &str) -> Result<(), VidoraError> {
    let set = crate::label_sets::find(vid, set_id)
        .await
        .map_err(db_error)?
        .ok_or_else(|| VidoraError::not_found(format!("label set {set_id} not found")))?;
    let Some(wanted) = p.label_type() else {
        return Err(VidoraError::bad_request(format!(
            "pipeline {} ({}) takes no labels: its endpoint declares no model",
            p.id,
            p.kind()
        )));
    };
    if set.label_type != wanted {
        return Err(VidoraError::bad_request(format!(
            "label set {set_id} is a {} set; pipeline {} takes {} labels",
            set.label_type.as_str(),
            p.id,
            wanted.as_str()
        )));
    }
    if set.status != "validated" {
        return Err(VidoraError::bad_request(format!(
            "label set {set_id} is {}: only a validated set can be assigned",
            set.status
        )));
    }
    // Atomic with V5: the set is marked assigned only while it is still validated.
    let marked = sqlx::query(
        "UPDATE vidora_label_sets SET assigned_to = COALESCE(assigned_to, $1)
         WHERE id = $2 AND status = 'validated'",
    )
    .bind(&p.id)
    .bind(set_id)
    .execute(vid.db.pool())
    .await
    .map_err(db_error)?;
    if marked.rows_affected() == 0 {
        return Err(VidoraError::bad_request(format!(
            "label set {set_id} changed meanwhile and is being validated again"
        )));
    }
    let job = NewJob {
        id: crate::ids::random_id(),
        kind: crate::train_job::KIND.into(),
        scope: p.id.clone(),
        params: json!({
            "pipeline_id": p.id, "service": p.service, "endpoint": p.endpoint,
            "label_set_id": set_id, "start_date": set.start_date, "end_date": set.end_date,
        }),
        items: None,
        webhook: None,
    };
    vid.jobs.submit(job.clone()).await.map_err(db_error)?;
    p.state.active_label_set_id = Some(set_id.to_owned());
    p.state.train_job = Some(job.id);
    pipelines::save(vid, p).await.map_err(db_error)
}
