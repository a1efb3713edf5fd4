//! `vidora.validate`: validates a label set's stored file (gunzipped within the size cap) and
//! records `validated` or `failed` with its errors and warnings. It writes only when the set
//! still names this job (a V5 update meanwhile started another), so a stale run changes
//! nothing; it may run twice after a crash and writes the same result.

use crate::app::Vid;
use crate::label_sets::LabelSet;
use crate::labels::{self, Validation};
use crate::upload::{FilePart, decode_file};
use async_trait::async_trait;
use plinth_jobs::{ItemOutput, JobError, JobHandler, JobRecord};
use serde_json::{Value, json};
use std::collections::HashSet;
use std::sync::Arc;

/// The job kind.
pub const KIND: &str = "vidora.validate";

/// Validates the stored file of `set` (with its ancestor's ids, when it has one).
pub async fn check(vid: &Vid, set: &LabelSet) -> Result<Validation, JobError> {
    let csv = match decoded(vid, set).await? {
        Ok(csv) => csv,
        Err(message) => return Ok(failed(message)),
    };
    let ancestor = match &set.ancestor_set_id {
        None => None,
        Some(a) => {
            let Some(ancestor) = crate::label_sets::find(vid, a)
                .await
                .map_err(JobError::from)?
            else {
                return Ok(failed(format!("the ancestor set {a} no longer exists")));
            };
            let csv = decoded(vid, &ancestor).await?.unwrap_or_default();
            let ids: HashSet<String> = labels::validate(ancestor.label_type, &csv, None)
                .rows
                .into_iter()
                .map(|r| r.id)
                .collect();
            Some((a.clone(), ids))
        }
    };
    let label_type = set.label_type;
    let outcome = tokio::task::spawn_blocking(move || {
        labels::validate(
            label_type,
            &csv,
            ancestor.as_ref().map(|(id, ids)| (id.as_str(), ids)),
        )
    })
    .await
    .map_err(|e| JobError::permanent(format!("validation stopped: {e}")))?;
    Ok(outcome)
}

fn failed(message: String) -> Validation {
    Validation {
        errors: vec![message],
        ..Validation::default()
    }
}

/// The set's file, gunzipped; a bad or oversized file is a validation error (the inner
/// `Err`), not a job error.
async fn decoded(vid: &Vid, set: &LabelSet) -> Result<Result<Vec<u8>, String>, JobError> {
    let (name, content_type, bytes) = vid
        .jobs
        .file(&set.file_id)
        .await
        .map_err(JobError::from)?
        .ok_or_else(|| JobError::permanent(format!("the file of label set {} is gone", set.id)))?;
    let part = FilePart {
        field: "labels".into(),
        filename: Some(name),
        content_type: Some(content_type),
        bytes,
    };
    Ok(decode_file(&part, vid.config.max_file_bytes).map_err(|e| e.to_string()))
}

/// The handler.
pub struct Validate(pub Arc<Vid>);

#[async_trait]
impl JobHandler for Validate {
    async fn process(
        &self,
        _job: &JobRecord,
        _first: i64,
        items: &[Value],
    ) -> Result<Vec<ItemOutput>, JobError> {
        Ok(items
            .iter()
            .map(|_| ItemOutput {
                ok: true,
                body: Value::Null,
            })
            .collect())
    }

    async fn finish(&self, job: &JobRecord) -> Result<Value, JobError> {
        let vid = &self.0;
        let id = job.params["label_set_id"].as_str().unwrap_or_default();
        let Some(set) = crate::label_sets::find(vid, id)
            .await
            .map_err(JobError::from)?
        else {
            return Ok(json!({"stale": true}));
        };
        if set.job_id != job.id {
            return Ok(json!({"stale": true}));
        }
        let outcome = check(vid, &set).await?;
        let status = if outcome.is_valid() {
            "validated"
        } else {
            "failed"
        };
        sqlx::query(
            "UPDATE vidora_label_sets SET status = $1, errors = $2, warnings = $3, row_count = $4, updated_at = $5
             WHERE id = $6 AND job_id = $7",
        )
        .bind(status)
        .bind(json!(outcome.errors).to_string())
        .bind(json!(outcome.warnings).to_string())
        .bind(outcome.rows.len() as i64)
        .bind(vid.now_ms())
        .bind(&set.id)
        .bind(&job.id)
        .execute(vid.db.pool())
        .await
        .map_err(JobError::from)?;
        Ok(json!({"status": status, "rows": outcome.rows.len(), "errors": outcome.errors.len()}))
    }
}
