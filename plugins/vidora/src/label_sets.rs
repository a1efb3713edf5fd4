//! Label sets as stored (`vidora_label_sets`; the original file lives in the job engine's
//! file store) and their JSON.

use crate::app::Vid;
use crate::labels::LabelType;
use plinth_jobs::JobState;
use serde_json::{Value, json};
use sqlx::Row;
use sqlx::any::AnyRow;

/// A stored label set.
#[derive(Clone, Debug, PartialEq)]
pub struct LabelSet {
    /// 16 `[0-9a-z]`.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its label type.
    pub label_type: LabelType,
    /// `validating`, `validated` or `failed`.
    pub status: String,
    /// The uploaded file's name.
    pub filename: String,
    /// The original bytes' id in the job engine's file store.
    pub file_id: String,
    /// The training window (`YYYY-MM-DD`).
    pub start_date: String,
    /// The training window's end.
    pub end_date: String,
    /// The set at least 80% of whose ids this one must share.
    pub ancestor_set_id: Option<String>,
    /// Validation errors.
    pub errors: Vec<String>,
    /// Validation warnings.
    pub warnings: Vec<String>,
    /// Valid rows, once validated.
    pub row_count: Option<i64>,
    /// The pipeline it was first assigned to (then it cannot change).
    pub assigned_to: Option<String>,
    /// The current `vidora.validate` job.
    pub job_id: String,
    /// Last change, ms since the epoch.
    pub updated_at_ms: i64,
}

const COLUMNS: &str = "id, name, label_type, status, filename, file_id, start_date, end_date, \
     ancestor_set_id, errors, warnings, row_count, assigned_to, job_id, updated_at";

fn list_of(text: &str) -> Vec<String> {
    serde_json::from_str(text).unwrap_or_default()
}

fn from_row(r: &AnyRow) -> Result<LabelSet, sqlx::Error> {
    let label_type: String = r.try_get(2)?;
    Ok(LabelSet {
        id: r.try_get(0)?,
        name: r.try_get(1)?,
        label_type: LabelType::parse(&label_type).map_err(|e| sqlx::Error::Decode(e.into()))?,
        status: r.try_get(3)?,
        filename: r.try_get(4)?,
        file_id: r.try_get(5)?,
        start_date: r.try_get(6)?,
        end_date: r.try_get(7)?,
        ancestor_set_id: r.try_get(8)?,
        errors: list_of(&r.try_get::<String, _>(9)?),
        warnings: list_of(&r.try_get::<String, _>(10)?),
        row_count: r.try_get(11)?,
        assigned_to: r.try_get(12)?,
        job_id: r.try_get(13)?,
        updated_at_ms: r.try_get(14)?,
    })
}

/// One label set.
pub async fn find(vid: &Vid, id: &str) -> Result<Option<LabelSet>, sqlx::Error> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM vidora_label_sets WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(vid.db.pool())
    .await?;
    let Some(row) = row else { return Ok(None) };
    let mut set = from_row(&row)?;
    settle(vid, &mut set).await;
    Ok(Some(set))
}

/// Every label set, newest first.
pub async fn all(vid: &Vid) -> Result<Vec<LabelSet>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM vidora_label_sets ORDER BY created_at DESC, id"
    ))
    .fetch_all(vid.db.pool())
    .await?;
    let mut sets = Vec::with_capacity(rows.len());
    for r in &rows {
        let mut set = from_row(r)?;
        settle(vid, &mut set).await;
        sets.push(set);
    }
    Ok(sets)
}

/// A set still `validating` whose job failed for good (its file unreadable) is `failed`.
async fn settle(vid: &Vid, set: &mut LabelSet) {
    if set.status != "validating" {
        return;
    }
    if let Ok(Some(job)) = vid.jobs.get(&set.job_id).await
        && job.state == JobState::Failed
    {
        set.status = "failed".into();
        set.errors = vec![job.error.unwrap_or_else(|| "validation failed".into())];
    }
}

/// Stores a new set (status `validating`).
pub async fn insert(vid: &Vid, set: &LabelSet) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO vidora_label_sets (id, name, label_type, status, filename, file_id, start_date,
            end_date, ancestor_set_id, errors, warnings, row_count, assigned_to, job_id, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, '[]', '[]', NULL, NULL, $10, $11, $11)",
    )
    .bind(&set.id)
    .bind(&set.name)
    .bind(set.label_type.as_str())
    .bind(&set.status)
    .bind(&set.filename)
    .bind(&set.file_id)
    .bind(&set.start_date)
    .bind(&set.end_date)
    .bind(&set.ancestor_set_id)
    .bind(&set.job_id)
    .bind(set.updated_at_ms)
    .execute(vid.db.pool())
    .await?;
    Ok(())
}

/// The V3/V5 answer.
pub fn summary(set: &LabelSet) -> Value {
    json!({
        "id": set.id,
        "name": set.name,
        "status": set.status,
        "label_type": set.label_type.as_str(),
        "filename": set.filename,
        "updated_at": crate::dates::timestamp(set.updated_at_ms),
        "start_date": set.start_date,
        "end_date": set.end_date,
    })
}

/// The V4 answer: both `type` and `label_type`, the download link of the original file,
/// `errors`, `warnings`, and `error` (the first error) when failed.
pub fn detail(vid: &Vid, set: &LabelSet, base: &str) -> Value {
    let mut v = summary(set);
    v["type"] = json!(set.label_type.as_str());
    v["download_url"] = json!(vid.jobs.file_url(base, &set.file_id, &set.filename));
    v["errors"] = json!(set.errors);
    v["warnings"] = json!(set.warnings);
    v["ancestor_set_id"] = json!(set.ancestor_set_id);
    v["rows"] = json!(set.row_count);
    if set.status == "failed" {
        v["error"] = json!(set.errors.first());
    }
    v
}

/// The V6 answer's entries.
pub fn brief(set: &LabelSet) -> Value {
    json!({
        "id": set.id,
        "name": set.name,
        "status": set.status,
        "label_type": set.label_type.as_str(),
        "filename": set.filename,
        "updated_at": crate::dates::timestamp(set.updated_at_ms),
    })
}
