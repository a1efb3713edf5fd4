//! V3 `POST /label_sets` (multipart upload), V4 `GET /label_sets/{id}`, V5
//! `PUT /label_sets/{id}` (JSON: name, dates, ancestor), V6 `GET /label_sets`.
//! The upload's original bytes and the set's row are committed before the 200; validation
//! runs as a `vidora.validate` job.

use crate::app::{Answer, Vid, db_error, ok};
use crate::auth::Signed;
use crate::error::VidoraError;
use crate::label_sets::{self, LabelSet};
use crate::labels::LabelType;
use crate::openapi::{
    SigningParams, VidoraErrorBody, VidoraLabelSet, VidoraLabelSetBrief, VidoraLabelSetDetail,
    VidoraLabelSetStatus, VidoraLabelSetUpdate, VidoraLabelSetUpload, VidoraLabelType,
};
use axum::extract::{Path, State};
use axum::http::header;
use plinth_jobs::NewJob;
use serde_json::{Map, Value, json};
use std::sync::Arc;

fn today(vid: &Vid) -> chrono::NaiveDate {
    chrono::DateTime::from_timestamp_millis(vid.now_ms())
        .unwrap_or_default()
        .date_naive()
}

/// Submits the validation job of a set.
async fn validate(vid: &Vid, set: &LabelSet) -> Result<(), VidoraError> {
    vid.jobs
        .submit(NewJob {
            id: set.job_id.clone(),
            kind: crate::validate_job::KIND.into(),
            scope: set.id.clone(),
            params: json!({"label_set_id": set.id}),
            items: Some(Vec::new()),
            webhook: None,
        })
        .await
        .map_err(db_error)?;
    Ok(())
}

/// An ancestor must exist (404) and have the same label type (400).
async fn check_ancestor(
    vid: &Vid,
    ancestor: Option<&str>,
    label_type: LabelType,
) -> Result<(), VidoraError> {
    let Some(a) = ancestor else { return Ok(()) };
    let set = label_sets::find(vid, a)
        .await
        .map_err(db_error)?
        .ok_or_else(|| VidoraError::not_found(format!("ancestor label set {a} not found")))?;
    if set.label_type != label_type {
        return Err(VidoraError::bad_request(format!(
            "ancestor label set {a} is a {} set, not {}",
            set.label_type.as_str(),
            label_type.as_str()
        )));
    }
    Ok(())
}

/// V3.
#[utoipa::path(
    post,
    path = "/label_sets",
    tag = "vidora",
    operation_id = "vidora_create_label_set",
    summary = "V3: uploads a label set (multipart/form-data); it is validated asynchronously",
    params(
        SigningParams,
        ("label_type" = Option<VidoraLabelType>, Query, nullable = false, description = "The label type, unless sent as a form field"),
        ("name" = Option<String>, Query, nullable = false, description = "The set's name, unless sent as a form field"),
        ("start_date" = Option<String>, Query, nullable = false, description = "YYYY-MM-DD, unless sent as a form field"),
        ("end_date" = Option<String>, Query, nullable = false, description = "YYYY-MM-DD, unless sent as a form field"),
        ("ancestor_set_id" = Option<String>, Query, nullable = false, description = "The ancestor set, unless sent as a form field"),
    ),
    request_body(content = VidoraLabelSetUpload, content_type = "multipart/form-data", description = "The labels file and the set's fields"),
    security(("vidoraApiKey" = [])),
    responses(
        (status = 200, description = "The set, validating", body = VidoraLabelSet),
        (status = 400, description = "A malformed form, a missing or invalid field, an ancestor of another label type", body = VidoraErrorBody),
        (status = 401, description = "Unknown api_key, or a bad or expired signature", body = VidoraErrorBody),
        (status = 404, description = "No such ancestor label set", body = VidoraErrorBody),
        (status = 413, description = "The body or the file is beyond the size limits", body = VidoraErrorBody),
        (status = 500, description = "The state database failed", body = VidoraErrorBody),
    )
)]
pub async fn create(State(vid): State<Arc<Vid>>, signed: Signed) -> Answer {
    let content_type = signed
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let form = crate::upload::parse_form(content_type, &signed.body)?;
    let field = |name: &str| form.field(name).or_else(|| signed.param(name));
    let required = |name: &str| {
        field(name)
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| VidoraError::bad_request(format!("the {name} parameter is required")))
    };
    let label_type = LabelType::parse(required("label_type")?).map_err(VidoraError::bad_request)?;
    let name = required("name")?.to_owned();
    let file = form
        .file("labels")
        .ok_or_else(|| VidoraError::bad_request("the labels file part is required"))?;
    let (start, end) = crate::dates::window(field("start_date"), field("end_date"), today(&vid))
        .map_err(VidoraError::bad_request)?;
    let ancestor = field("ancestor_set_id").filter(|a| !a.is_empty());
    check_ancestor(&vid, ancestor, label_type).await?;
    let filename = file.filename.clone().unwrap_or_else(|| "labels.csv".into());
    let file_type = file
        .content_type
        .clone()
        .unwrap_or_else(|| "text/csv".into());
    let file_id = vid
        .jobs
        .store_file("vidora", &filename, &file_type, &file.bytes)
        .await
        .map_err(db_error)?;
    let set = LabelSet {
        id: crate::ids::random_id(),
        name,
        label_type,
        status: "validating".into(),
        filename,
        file_id,
        start_date: start.to_string(),
        end_date: end.to_string(),
        ancestor_set_id: ancestor.map(str::to_owned),
        errors: Vec::new(),
        warnings: Vec::new(),
        row_count: None,
        assigned_to: None,
        job_id: crate::ids::random_id(),
        updated_at_ms: vid.now_ms(),
    };
    label_sets::insert(&vid, &set).await.map_err(db_error)?;
    validate(&vid, &set).await?;
    ok(label_sets::summary(&set))
}

async fn found(vid: &Vid, id: &str) -> Result<LabelSet, VidoraError> {
    label_sets::find(vid, id)
        .await
        .map_err(db_error)?
        .ok_or_else(|| VidoraError::not_found(format!("label set {id} not found")))
}

/// V4.
#[utoipa::path(
    get,
    path = "/label_sets/{id}",
    tag = "vidora",
    operation_id = "vidora_show_label_set",
    summary = "V4: a label set, with its validation errors, warnings and download link",
    params(("id" = String, Path, description = "The label set id"), SigningParams),
    security(("vidoraApiKey" = [])),
    responses(
        (status = 200, description = "The label set", body = VidoraLabelSetDetail),
        (status = 401, description = "Unknown api_key, or a bad or expired signature", body = VidoraErrorBody),
        (status = 404, description = "No such label set", body = VidoraErrorBody),
        (status = 413, description = "The request body is larger than max_body_bytes", body = VidoraErrorBody),
        (status = 500, description = "The state database failed", body = VidoraErrorBody),
    )
)]
pub async fn show(State(vid): State<Arc<Vid>>, Path(id): Path<String>, signed: Signed) -> Answer {
    let set = found(&vid, &id).await?;
    let base = plinth_jobs::base_url(&signed.headers);
    ok(label_sets::detail(&vid, &set, &base))
}

fn text_member<'a>(
    body: &'a Map<String, Value>,
    name: &str,
) -> Result<Option<&'a str>, VidoraError> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(VidoraError::bad_request(format!("{name} must be a string"))),
    }
}

/// V5: JSON `{"name"?, "start_date"?, "end_date"?, "ancestor_set_id"?}`; 400 once the set is
/// assigned to a pipeline; the set is validated again.
#[utoipa::path(
    put,
    path = "/label_sets/{id}",
    tag = "vidora",
    operation_id = "vidora_update_label_set",
    summary = "V5: changes an unassigned label set's name, dates or ancestor; it is validated again",
    params(("id" = String, Path, description = "The label set id"), SigningParams),
    request_body(content = VidoraLabelSetUpdate, content_type = "application/json", description = "The fields to change"),
    security(("vidoraApiKey" = [])),
    responses(
        (status = 200, description = "The set, validating", body = VidoraLabelSet),
        (status = 400, description = "A malformed body, bad dates, a bad ancestor, or a set already assigned to a pipeline", body = VidoraErrorBody),
        (status = 401, description = "Unknown api_key, or a bad or expired signature", body = VidoraErrorBody),
        (status = 404, description = "No such label set or ancestor", body = VidoraErrorBody),
        (status = 413, description = "The request body is larger than max_body_bytes", body = VidoraErrorBody),
        (status = 500, description = "The state database failed", body = VidoraErrorBody),
    )
)]
pub async fn update(State(vid): State<Arc<Vid>>, Path(id): Path<String>, signed: Signed) -> Answer {
    let mut set = found(&vid, &id).await?;
    if set.assigned_to.is_some() {
        return Err(VidoraError::bad_request(format!(
            "label set {id} is assigned to a pipeline and cannot change: POST a new label set"
        )));
    }
    let body: Value = serde_json::from_slice(&signed.body).map_err(|e| {
        VidoraError::bad_request(format!(
            "the body must be a JSON object of name, start_date, end_date, ancestor_set_id (to change the labels, POST a new label set): {e}"
        ))
    })?;
    let Value::Object(body) = body else {
        return Err(VidoraError::bad_request("the body must be a JSON object"));
    };
    if let Some(name) = text_member(&body, "name")? {
        if name.trim().is_empty() {
            return Err(VidoraError::bad_request("name must not be empty"));
        }
        set.name = name.to_owned();
    }
    let start = text_member(&body, "start_date")?
        .unwrap_or(&set.start_date)
        .to_owned();
    let end = text_member(&body, "end_date")?
        .unwrap_or(&set.end_date)
        .to_owned();
    let (start, end) = crate::dates::window(Some(&start), Some(&end), today(&vid))
        .map_err(VidoraError::bad_request)?;
    if body.contains_key("ancestor_set_id") {
        let ancestor = text_member(&body, "ancestor_set_id")?.filter(|a| !a.is_empty());
        if ancestor == Some(id.as_str()) {
            return Err(VidoraError::bad_request(
                "a label set cannot be its own ancestor",
            ));
        }
        check_ancestor(&vid, ancestor, set.label_type).await?;
        set.ancestor_set_id = ancestor.map(str::to_owned);
    }
    set.start_date = start.to_string();
    set.end_date = end.to_string();
    set.status = "validating".into();
    set.errors.clear();
    set.warnings.clear();
    set.job_id = crate::ids::random_id();
    set.updated_at_ms = vid.now_ms();
    // Atomic with V7: only a set that is still unassigned changes.
    let changed = sqlx::query(
        "UPDATE vidora_label_sets SET name = $1, start_date = $2, end_date = $3, ancestor_set_id = $4,
            status = 'validating', errors = '[]', warnings = '[]', job_id = $5, updated_at = $6
         WHERE id = $7 AND assigned_to IS NULL",
    )
    .bind(&set.name)
    .bind(&set.start_date)
    .bind(&set.end_date)
    .bind(&set.ancestor_set_id)
    .bind(&set.job_id)
    .bind(set.updated_at_ms)
    .bind(&id)
    .execute(vid.db.pool())
    .await
    .map_err(db_error)?;
    if changed.rows_affected() == 0 {
        return Err(VidoraError::bad_request(format!(
            "label set {id} was assigned to a pipeline meanwhile and cannot change"
        )));
    }
    validate(&vid, &set).await?;
    ok(label_sets::summary(&set))
}

/// V6: filtered by `status` and `label_type`.
#[utoipa::path(
    get,
    path = "/label_sets",
    tag = "vidora",
    operation_id = "vidora_list_label_sets",
    summary = "V6: the label sets, newest first",
    params(
        SigningParams,
        ("status" = Option<VidoraLabelSetStatus>, Query, nullable = false, description = "Only sets with this status"),
        ("label_type" = Option<VidoraLabelType>, Query, nullable = false, description = "Only sets of this label type"),
    ),
    security(("vidoraApiKey" = [])),
    responses(
        (status = 200, description = "The label sets", body = [VidoraLabelSetBrief]),
        (status = 400, description = "A filter is not one of its values", body = VidoraErrorBody),
        (status = 401, description = "Unknown api_key, or a bad or expired signature", body = VidoraErrorBody),
        (status = 413, description = "The request body is larger than max_body_bytes", body = VidoraErrorBody),
        (status = 500, description = "The state database failed", body = VidoraErrorBody),
    )
)]
pub async fn list(State(vid): State<Arc<Vid>>, signed: Signed) -> Answer {
    let status = signed.param("status");
    if let Some(s) = status
        && !["validating", "validated", "failed"].contains(&s)
    {
        return Err(VidoraError::bad_request(format!(
            "status must be validating, validated or failed (got \"{s}\")"
        )));
    }
    let label_type = signed
        .param("label_type")
        .map(LabelType::parse)
        .transpose()
        .map_err(VidoraError::bad_request)?;
    let sets = label_sets::all(&vid).await.map_err(db_error)?;
    let shown: Vec<Value> = sets
        .iter()
        .filter(|s| status.is_none_or(|st| s.status == st))
        .filter(|s| label_type.is_none_or(|t| s.label_type == t))
        .map(label_sets::brief)
        .collect();
    ok(Value::Array(shown))
}
