//! Task batches: `POST /api/v1/task_batches` (P3: files stored and the job submitted before
//! the 201), the list (P4) and one batch (P5). An `Idempotency-Key` header makes a retried
//! POST answer the batch the first one made.

use super::auth::{self, BATCH_MESSAGE};
use super::recipe::NO_SUCH_ID;
use crate::app::{Answer, Apres, body_bytes, db_error, json};
use crate::batch_job::KIND;
use crate::error::ApresError;
use crate::openapi::{ApresErrorBody, ApresTaskBatch, ApresTaskBatchRequest};
use crate::recipes::Recipe;
use crate::shapes::batch_json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use plinth_jobs::{JobRecord, NewJob};
use serde_json::{Value, json};
use std::sync::Arc;

/// The caller's batch `id`, or the 404 of `message`.
pub async fn find(
    apres: &Apres,
    recipe: &Recipe,
    id: &str,
    message: &str,
) -> Result<JobRecord, ApresError> {
    match apres.jobs.get(id).await.map_err(db_error)? {
        Some(job) if job.kind == KIND && job.scope == recipe.id => Ok(job),
        _ => Err(ApresError::not_found(message)),
    }
}

fn idempotency_key(headers: &HeaderMap) -> Result<Option<&str>, ApresError> {
    match headers.get("idempotency-key") {
        None => Ok(None),
        Some(v) => match v.to_str().map(str::trim) {
            Ok(k) if !k.is_empty() && k.len() <= 255 => Ok(Some(k)),
            _ => Err(ApresError::bad_request(
                "Idempotency-Key must be 1 to 255 visible ASCII characters",
            )),
        },
    }
}

/// P3: receives a batch; 201 once its files and job are stored.
#[utoipa::path(
    post,
    path = "/task_batches",
    tag = "apres",
    operation_id = "apres_create_task_batch",
    summary = "P3: receives a task batch (201 once its files and job are stored)",
    params(("Idempotency-Key" = Option<String>, Header, nullable = false, description = "1 to 255 visible ASCII characters: a retried POST answers the batch the first one made")),
    request_body(content = ApresTaskBatchRequest, content_type = "application/json", description = "The batch (read as JSON whatever the Content-Type)"),
    security(("apresRecipeKey" = [])),
    responses(
        (status = 201, description = "The batch, confirmed (or the one an earlier request with the same Idempotency-Key made)", body = ApresTaskBatch),
        (status = 400, description = "The body is not JSON, or a bad Idempotency-Key", body = ApresErrorBody),
        (status = 401, description = "No key, or a key of no recipe", body = ApresErrorBody),
        (status = 413, description = "The body or its files are beyond the limits", body = ApresErrorBody),
        (status = 422, description = "A refused member, a location, or an undeployed endpoint", body = ApresErrorBody),
        (status = 500, description = "The state database failed", body = ApresErrorBody),
    )
)]
pub async fn create(State(apres): State<Arc<Apres>>, headers: HeaderMap, body: Body) -> Answer {
    let recipe = auth::recipe(&apres, &headers, BATCH_MESSAGE).await?;
    let key = auth::presented(&headers).unwrap_or_default().to_owned();
    let idempotency = idempotency_key(&headers)?;
    let id = match idempotency {
        Some(k) => crate::ids::idempotent_batch_id(&recipe.id, k),
        None => crate::ids::random_uuid(),
    };
    if idempotency.is_some()
        && let Some(job) = apres.jobs.get(&id).await.map_err(db_error)?
    {
        return json(201, batch_json(&crate::views::batch(&apres, &job)));
    }
    let bytes = body_bytes(&apres, body).await?;
    let request = crate::request::parse_batch_request(&bytes, &apres.config.limits)?;
    let estimated = crate::tables::total_rows(&request.files)?;
    let Some((model, _)) = crate::recipes::endpoint(&apres, &recipe).await else {
        return Err(ApresError::unprocessable(format!(
            "the recipe's endpoint {}/{} is not deployed",
            recipe.service, recipe.endpoint
        )));
    };
    let mut files = Vec::with_capacity(request.files.len());
    for file in &request.files {
        let stored = apres
            .jobs
            .store_file(&id, &file.name, "text/csv", &file.bytes)
            .await
            .map_err(db_error)?;
        files.push(json!({"id": stored, "name": file.name}));
    }
    let classes = model.map(|m| m.classes.clone()).unwrap_or_default();
    let job = NewJob {
        id: id.clone(),
        kind: KIND.into(),
        scope: recipe.id.clone(),
        params: json!({
            "service": recipe.service,
            "endpoint": recipe.endpoint,
            "files": files,
            "classes": classes,
            "estimated_size": estimated,
            "delivery_timeframe": request.delivery_timeframe,
            "delivery_units": request.delivery_units,
        }),
        items: None,
        // Receivers check the signature with the recipe key.
        webhook: request.webhook_url.map(|url| (url, Some(key))),
    };
    let record = match apres.jobs.submit(job).await {
        Ok(record) => record,
        // The same Idempotency-Key sent twice at once: the first one made the batch.
        Err(e) if idempotency.is_some() => match apres.jobs.get(&id).await.map_err(db_error)? {
            Some(job) => job,
            None => return Err(db_error(e)),
        },
        Err(e) => return Err(db_error(e)),
    };
    json(201, batch_json(&crate::views::batch(&apres, &record)))
}

/// P4: the recipe's batches, newest first.
#[utoipa::path(
    get,
    path = "/task_batches",
    tag = "apres",
    operation_id = "apres_list_task_batches",
    summary = "P4: the recipe's task batches, newest first",
    security(("apresRecipeKey" = [])),
    responses(
        (status = 200, description = "The batches", body = [ApresTaskBatch]),
        (status = 401, description = "No key, or a key of no recipe", body = ApresErrorBody),
        (status = 500, description = "The state database failed", body = ApresErrorBody),
    )
)]
pub async fn list(State(apres): State<Arc<Apres>>, headers: HeaderMap) -> Answer {
    let recipe = auth::recipe(&apres, &headers, BATCH_MESSAGE).await?;
    let jobs = apres.jobs.list(KIND, &recipe.id).await.map_err(db_error)?;
    let batches = jobs
        .iter()
        .map(|job| {
            let mut b = batch_json(&crate::views::batch(&apres, job));
            with_error(&mut b, job);
            b
        })
        .collect();
    json(200, Value::Array(batches))
}

/// A failed batch says why, beyond the seed's members.
fn with_error(batch: &mut Value, job: &JobRecord) {
    if let Some(e) = &job.error {
        batch["error"] = json!(e);
    }
}

/// P5: one batch.
#[utoipa::path(
    get,
    path = "/task_batches/{id}",
    tag = "apres",
    operation_id = "apres_show_task_batch",
    summary = "P5: one task batch",
    params(("id" = String, Path, description = "The batch id")),
    security(("apresRecipeKey" = [])),
    responses(
        (status = 200, description = "The batch", body = ApresTaskBatch),
        (status = 401, description = "No key, or a key of no recipe", body = ApresErrorBody),
        (status = 404, description = "No such batch of the recipe", body = ApresErrorBody),
        (status = 500, description = "The state database failed", body = ApresErrorBody),
    )
)]
pub async fn show(
    State(apres): State<Arc<Apres>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Answer {
    let recipe = auth::recipe(&apres, &headers, BATCH_MESSAGE).await?;
    let job = find(&apres, &recipe, &id, NO_SUCH_ID).await?;
    let mut b = batch_json(&crate::views::batch(&apres, &job));
    with_error(&mut b, &job);
    json(200, b)
}
