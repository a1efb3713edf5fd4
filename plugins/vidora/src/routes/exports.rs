//! Prediction exports: `POST /pipelines/{id}/prediction_exports` (a Plinth extension) starts
//! a `vidora.export` job over the posted records, sent either as JSON
//! `{"name", "records": [{"id", <features>...}]}` or as `multipart/form-data` with a `data`
//! CSV file (optionally gzipped: an `id` column and the feature columns, see
//! [`crate::export_rows`]) and `name` as a form field or in the URL query; V8 lists them, V9
//! shows one with its `columns`, `total` and download link.

use crate::app::{Answer, Vid, db_error, ok};
use crate::auth::Signed;
use crate::error::VidoraError;
use crate::export_job::{FILE, KIND};
use crate::openapi::{
    SigningParams, VidoraErrorBody, VidoraExport, VidoraExportBrief, VidoraExportRequest,
    VidoraExportUpload,
};
use crate::upload::FilePart;
use axum::extract::{Path, State};
use axum::http::header;
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

/// Whether the request's Content-Type is `multipart/form-data` (parameters and case aside).
fn is_multipart(signed: &Signed) -> bool {
    content_type(signed).is_some_and(|c| {
        c.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .eq_ignore_ascii_case("multipart/form-data")
    })
}

fn content_type(signed: &Signed) -> Option<&str> {
    signed
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
}

/// A given name must not be blank.
fn checked_name(name: Option<&str>) -> Result<Option<String>, VidoraError> {
    match name {
        None => Ok(None),
        Some(n) if !n.trim().is_empty() => Ok(Some(n.to_owned())),
        Some(_) => Err(VidoraError::bad_request("name must be a non-empty string")),
    }
}

/// The name and items of a JSON body `{"name"?, "records": [{"id", <features>...}]}`.
fn from_json(signed: &Signed) -> Result<(Option<String>, Vec<Value>), VidoraError> {
    let body: Value = serde_json::from_slice(&signed.body).map_err(|e| {
        VidoraError::bad_request(format!(
            "the body must be JSON {{\"name\": ..., \"records\": [{{\"id\": ..., <features>}}]}} \
             or multipart/form-data with a data file: {e}"
        ))
    })?;
    let name = match body.get("name") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => checked_name(Some(s))?,
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
    Ok((name, items))
}

/// The name and items of a `multipart/form-data` body: a `data` CSV (gunzipped when it is
/// gzip, within `max_file_bytes`) and `name` as a form field or in the URL query. The
/// parsing runs off the async workers: a large file takes a while.
async fn from_form(
    vid: &Vid,
    signed: &Signed,
) -> Result<(Option<String>, Vec<Value>), VidoraError> {
    let content_type = content_type(signed).map(str::to_owned);
    let body = signed.body.clone();
    let in_query = signed.param("name").map(str::to_owned);
    let max_file_bytes = vid.config.max_file_bytes;
    tokio::task::spawn_blocking(move || -> Result<(Option<String>, Vec<Value>), VidoraError> {
        let form = crate::upload::parse_form(content_type.as_deref(), &body)?;
        let name = checked_name(form.field("name").or(in_query.as_deref()))?;
        // A file part; or, from a client that sent the CSV as a plain field, that text.
        let part = match (form.file("data"), form.field("data")) {
            (Some(file), _) => file.clone(),
            (None, Some(text)) => FilePart {
                field: "data".into(),
                filename: None,
                content_type: None,
                bytes: text.as_bytes().to_vec(),
            },
            (None, None) => {
                return Err(VidoraError::bad_request(
                    "the data file part is required: a CSV with an id column and the feature columns",
                ));
            }
        };
        let csv = crate::upload::decode_file(&part, max_file_bytes)?;
        let items = crate::export_rows::items(&csv).map_err(invalid_data)?;
        Ok((name, items))
    })
    .await
    .map_err(|e| VidoraError::internal(format!("reading the data file stopped: {e}")))?
}

/// The 400 of a data file with problems: the first in `error`, all of them in `errors`.
fn invalid_data(errors: Vec<String>) -> VidoraError {
    let first = errors.first().cloned().unwrap_or_default();
    let message = match errors.len() {
        0 | 1 => format!("the data file is invalid: {first}"),
        n => format!("the data file is invalid: {first} (and {} more)", n - 1),
    };
    VidoraError::bad_request(message).with_errors(errors)
}

/// Starts an export of the posted records: JSON, or a `multipart/form-data` CSV upload.
#[utoipa::path(
    post,
    path = "/pipelines/{id}/prediction_exports",
    tag = "vidora",
    operation_id = "vidora_create_prediction_export",
    summary = "Starts a prediction export of posted records (JSON, or a multipart CSV upload); a Plinth extension",
    params(
        ("id" = String, Path, description = "The pipeline id (16 lowercase hex)"),
        SigningParams,
        ("name" = Option<String>, Query, nullable = false, description = "The export's name, for a multipart upload without a name field"),
    ),
    request_body(
        content(
            (VidoraExportRequest = "application/json"),
            (VidoraExportUpload = "multipart/form-data"),
        ),
        description = "The records to score"
    ),
    security(("vidoraApiKey" = [])),
    responses(
        (status = 200, description = "The export, started", body = VidoraExport),
        (status = 400, description = "A malformed body or data file", body = VidoraErrorBody),
        (status = 401, description = "Unknown api_key, or a bad or expired signature", body = VidoraErrorBody),
        (status = 404, description = "No such pipeline", body = VidoraErrorBody),
        (status = 413, description = "The body or the data file is beyond the size limits", body = VidoraErrorBody),
        (status = 500, description = "The state database failed", body = VidoraErrorBody),
    )
)]
pub async fn create(State(vid): State<Arc<Vid>>, Path(id): Path<String>, signed: Signed) -> Answer {
    let p = pipeline(&vid, &id).await?;
    let (name, items) = if is_multipart(&signed) {
        from_form(&vid, &signed).await?
    } else {
        from_json(&signed)?
    };
    let name = name.unwrap_or_else(|| format!("export of {}", p.name()));
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
#[utoipa::path(
    get,
    path = "/pipelines/{id}/prediction_exports",
    tag = "vidora",
    operation_id = "vidora_list_prediction_exports",
    summary = "V8: a pipeline's prediction exports",
    params(
        ("id" = String, Path, description = "The pipeline id (16 lowercase hex)"),
        SigningParams,
        ("recurring" = Option<bool>, Query, nullable = false, description = "Only recurring (true: none) or non-recurring exports; also 1/0"),
        ("exported_since" = Option<i64>, Query, nullable = false, description = "Only exports completed at or after this Unix time (seconds)"),
    ),
    security(("vidoraApiKey" = [])),
    responses(
        (status = 200, description = "The exports", body = [VidoraExportBrief]),
        (status = 400, description = "A filter is malformed", body = VidoraErrorBody),
        (status = 401, description = "Unknown api_key, or a bad or expired signature", body = VidoraErrorBody),
        (status = 404, description = "No such pipeline", body = VidoraErrorBody),
        (status = 413, description = "The request body is larger than max_body_bytes", body = VidoraErrorBody),
        (status = 500, description = "The state database failed", body = VidoraErrorBody),
    )
)]
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
#[utoipa::path(
    get,
    path = "/pipelines/{id}/prediction_exports/{export}",
    tag = "vidora",
    operation_id = "vidora_show_prediction_export",
    summary = "V9: a prediction export, with its columns, total and download link",
    params(
        ("id" = String, Path, description = "The pipeline id (16 lowercase hex)"),
        ("export" = String, Path, description = "The export id"),
        SigningParams,
    ),
    security(("vidoraApiKey" = [])),
    responses(
        (status = 200, description = "The export", body = VidoraExport),
        (status = 401, description = "Unknown api_key, or a bad or expired signature", body = VidoraErrorBody),
        (status = 404, description = "No such pipeline, or no such export of it", body = VidoraErrorBody),
        (status = 413, description = "The request body is larger than max_body_bytes", body = VidoraErrorBody),
        (status = 500, description = "The state database failed", body = VidoraErrorBody),
    )
)]
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
