//! `GET /api/v1/task_batches/{id}/output` (P6: the tasks so far, the CSV link once the batch
//! is completed, the nine statistics) and `GET /api/v1/task_batches/{id}/tasks` (P7). Both
//! pages with `page` (from 1) and `per_page`; the total is in `X-Total-Count`.

use super::auth::{self, BATCH_MESSAGE};
use super::batches::find;
use super::recipe::NO_SUCH_ID;
use crate::app::{Answer, Apres, db_error, json};
use crate::batch_job::FILE;
use crate::error::ApresError;
use crate::openapi::{ApresErrorBody, ApresOutput, ApresTask};
use crate::shapes::{TaskView, task_json};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue};
use plinth_jobs::{JobRecord, JobState};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;

/// The `(from, limit)` of `page`/`per_page`.
fn paging(apres: &Apres, query: &HashMap<String, String>) -> Result<(i64, i64), ApresError> {
    let number = |name: &str, default: usize| -> Result<usize, ApresError> {
        match query.get(name) {
            None => Ok(default),
            Some(v) => v
                .trim()
                .parse::<usize>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| {
                    ApresError::unprocessable(format!("{name} must be a whole number from 1"))
                }),
        }
    };
    let per_page = number("per_page", apres.config.default_per_page)?;
    if per_page > apres.config.max_per_page {
        return Err(ApresError::unprocessable(format!(
            "per_page must be at most {}",
            apres.config.max_per_page
        )));
    }
    let page = number("page", 1)?;
    let from = (page - 1).saturating_mul(per_page);
    Ok((i64::try_from(from).unwrap_or(i64::MAX), per_page as i64))
}

fn with_total(answer: Answer, total: i64) -> Answer {
    let mut response = answer?;
    if let Ok(v) = HeaderValue::from_str(&total.to_string()) {
        response.headers_mut().insert("x-total-count", v);
    }
    Ok(response)
}

/// The caller's batch and the tasks of the page asked for; 404 with `message`.
async fn page(
    apres: &Apres,
    headers: &HeaderMap,
    id: &str,
    message: &str,
    query: &HashMap<String, String>,
) -> Result<(JobRecord, Vec<TaskView>), ApresError> {
    let recipe = auth::recipe(apres, headers, BATCH_MESSAGE).await?;
    let job = find(apres, &recipe, id, message).await?;
    let (from, limit) = paging(apres, query)?;
    let tasks = crate::views::tasks(apres, &job, from, limit)
        .await
        .map_err(db_error)?;
    Ok((job, tasks))
}

/// P6.
#[utoipa::path(
    get,
    path = "/task_batches/{id}/output",
    tag = "apres",
    operation_id = "apres_task_batch_output",
    summary = "P6: a page of the batch's tasks, its CSV once completed, its statistics",
    params(("id" = String, Path, description = "The batch id"), ("page" = Option<u64>, Query, nullable = false, minimum = 1, description = "The page, from 1"), ("per_page" = Option<u64>, Query, minimum = 1, description = "Tasks per page (at most max_per_page)")),
    security(("apresRecipeKey" = [])),
    responses(
        (status = 200, description = "The output", body = ApresOutput, headers(("X-Total-Count" = i64, description = "The batch's tasks in all"))),
        (status = 401, description = "No key, or a key of no recipe", body = ApresErrorBody),
        (status = 404, description = "No such batch of the recipe", body = ApresErrorBody),
        (status = 422, description = "A bad page or per_page", body = ApresErrorBody),
        (status = 500, description = "The state database failed", body = ApresErrorBody),
    )
)]
pub async fn output(
    State(apres): State<Arc<Apres>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Answer {
    let (job, tasks) = page(&apres, &headers, &id, NO_SUCH_ID, &query).await?;
    let entries: Vec<Value> = tasks
        .iter()
        .map(|v| {
            json!({
                "task_id": v.id,
                "input": v.input,
                "output": v.output,
                "status": v.state.status(),
                "consensus_score": v.consensus_score,
            })
        })
        .collect();
    let timings = crate::views::timings(&apres, &job)
        .await
        .map_err(db_error)?;
    let stats =
        crate::stats::statistics(&timings, apres.config.consensus_threshold, apres.now_ms());
    let csv = (job.state == JobState::Done).then(|| {
        apres
            .jobs
            .output_url(&plinth_jobs::base_url(&headers), &job.id, FILE)
    });
    with_total(
        json(
            200,
            json!({
                "json": entries,
                "csv": csv,
                "statistics": crate::stats::to_json(&stats),
            }),
        ),
        job.total.unwrap_or(0),
    )
}

/// P7.
#[utoipa::path(
    get,
    path = "/task_batches/{id}/tasks",
    tag = "apres",
    operation_id = "apres_task_batch_tasks",
    summary = "P7: a page of the batch's tasks",
    params(("id" = String, Path, description = "The batch id"), ("page" = Option<u64>, Query, nullable = false, minimum = 1, description = "The page, from 1"), ("per_page" = Option<u64>, Query, minimum = 1, description = "Tasks per page (at most max_per_page)")),
    security(("apresRecipeKey" = [])),
    responses(
        (status = 200, description = "The tasks", body = [ApresTask], headers(("X-Total-Count" = i64, description = "The batch's tasks in all"))),
        (status = 401, description = "No key, or a key of no recipe", body = ApresErrorBody),
        (status = 404, description = "No such batch of the recipe", body = ApresErrorBody),
        (status = 422, description = "A bad page or per_page", body = ApresErrorBody),
        (status = 500, description = "The state database failed", body = ApresErrorBody),
    )
)]
pub async fn tasks(
    State(apres): State<Arc<Apres>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Answer {
    let (job, tasks) = page(&apres, &headers, &id, "Task Batch not found", &query).await?;
    let body = Value::Array(tasks.iter().map(task_json).collect());
    with_total(json(200, body), job.total.unwrap_or(0))
}
