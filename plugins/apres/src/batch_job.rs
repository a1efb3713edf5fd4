//! `apres.batch`: a task batch as a job of the engine. Its stored CSV files become one item per
//! row (`prepare`), chunks of rows are scored through the recipe's endpoint (the user-API path,
//! `predict-multi` per chunk), and `finish` writes `output.csv`. Each stage change is one
//! webhook: `confirmed` (received), `created` (tasks exist), `completed` or `failed`.

use crate::app::Apres;
use crate::request::InputFile;
use async_trait::async_trait;
use plinth_jobs::cells::text as cell;
use plinth_jobs::scoring::{Record, class_columns, label_and_confidence, score};
use plinth_jobs::{ItemOutput, JobError, JobHandler, JobRecord, Stage};
use serde_json::{Value, json};
use std::sync::Arc;

/// The job kind.
pub const KIND: &str = "apres.batch";

/// The output file's name.
pub const FILE: &str = "output.csv";

/// The handler.
pub struct Batch(pub Arc<Apres>);

/// The stored files of a batch, in the order sent: `(file id, name)`.
fn files(job: &JobRecord) -> Vec<(String, String)> {
    job.params["files"]
        .as_array()
        .map(|files| {
            files
                .iter()
                .map(|f| {
                    let text = |k: &str| f[k].as_str().unwrap_or_default().to_owned();
                    (text("id"), text("name"))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// One finished task as `output.csv` and the statistics read it.
pub struct Done {
    /// The item (`file`, `row`, `features`).
    pub item: Value,
    /// The endpoint's `result`, or why the row was not scored.
    pub result: Result<Value, String>,
}

/// The CSV of a finished batch: `task_id,file,row,status,output,consensus_score`, one
/// `proba_<class>` column per class, and `error` when some task failed.
pub fn csv_of(batch: &str, classes: &[String], tasks: &[Done]) -> Result<Vec<u8>, csv::Error> {
    let with_errors = tasks.iter().any(|t| t.result.is_err());
    let mut header: Vec<String> = [
        "task_id",
        "file",
        "row",
        "status",
        "output",
        "consensus_score",
    ]
    .map(str::to_owned)
    .to_vec();
    header.extend(classes.iter().map(|c| format!("proba_{c}")));
    if with_errors {
        header.push("error".into());
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&header)?;
    for (seq, t) in tasks.iter().enumerate() {
        let mut row = vec![
            crate::ids::task_id(batch, seq as i64),
            cell(&t.item["file"]),
            cell(&t.item["row"]),
        ];
        match &t.result {
            Ok(result) => {
                let (label, confidence) = label_and_confidence(result);
                row.push("Completed".into());
                row.push(cell(&label));
                row.push(confidence.map(|c| c.to_string()).unwrap_or_default());
                for c in classes {
                    let p = result.get("probas").and_then(|p| p.get(c));
                    row.push(cell(p.unwrap_or(&Value::Null)));
                }
                if with_errors {
                    row.push(String::new());
                }
            }
            Err(e) => {
                row.push("Failed".into());
                row.extend(std::iter::repeat_n(String::new(), 2 + classes.len()));
                row.push(e.clone());
            }
        }
        w.write_record(&row)?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

#[async_trait]
impl JobHandler for Batch {
    async fn prepare(&self, job: &JobRecord) -> Result<Vec<Value>, JobError> {
        let mut items = Vec::new();
        for (index, (id, name)) in files(job).into_iter().enumerate() {
            let (_, _, bytes) = self
                .0
                .jobs
                .file(&id)
                .await?
                .ok_or_else(|| JobError::permanent(format!("files[{index}] is missing")))?;
            let file = InputFile { name, bytes };
            let rows = crate::tables::read_rows(index, &file)
                .map_err(|e| JobError::permanent(e.message().to_owned()))?;
            for (row, features) in rows.into_iter().enumerate() {
                items.push(json!({"file": file.name, "row": row + 1, "features": features}));
            }
        }
        Ok(items)
    }

    async fn process(
        &self,
        job: &JobRecord,
        _first: i64,
        items: &[Value],
    ) -> Result<Vec<ItemOutput>, JobError> {
        let records: Vec<Record> = items
            .iter()
            .map(|item| Record {
                features: item["features"].as_object().cloned().unwrap_or_default(),
                context: None,
            })
            .collect();
        let scored = score(
            self.0.invoker.as_ref(),
            "apres",
            job.param("service").unwrap_or_default(),
            job.param("endpoint").unwrap_or_default(),
            &records,
        )
        .await?;
        Ok(scored
            .into_iter()
            .map(|r| match r {
                Ok(result) => ItemOutput {
                    ok: true,
                    body: json!({ "result": result }),
                },
                Err(e) => ItemOutput {
                    ok: false,
                    body: json!({ "error": e }),
                },
            })
            .collect())
    }

    async fn finish(&self, job: &JobRecord) -> Result<Value, JobError> {
        let tasks = crate::views::finished(&self.0, &job.id, 0, i64::MAX).await?;
        let classes = class_columns(
            &job.params["classes"],
            tasks.iter().filter_map(|t| t.result.as_ref().ok()),
        );
        let bytes = csv_of(&job.id, &classes, &tasks)
            .map_err(|e| JobError::permanent(format!("the CSV could not be written: {e}")))?;
        self.0
            .jobs
            .write_output(&job.id, FILE, bytes)
            .await
            .map_err(|e| {
                JobError::transient(format!("the output file could not be written: {e}"))
            })?;
        let failed = tasks.iter().filter(|t| t.result.is_err()).count();
        Ok(json!({"size": tasks.len(), "failed": failed, "classes": classes}))
    }

    fn event(&self, job: &JobRecord, stage: Stage) -> Option<Value> {
        let (state, message) = match stage {
            Stage::Submitted => (
                "confirmed",
                format!(
                    "The Task Batch was received: {} tasks estimated",
                    job.params["estimated_size"]
                ),
            ),
            Stage::Prepared => (
                "created",
                format!("{} tasks were created", job.total.unwrap_or(0)),
            ),
            Stage::Completed => (
                "completed",
                format!(
                    "All {} tasks are done, {} failed",
                    job.total.unwrap_or(0),
                    job.result
                        .as_ref()
                        .and_then(|r| r.get("failed"))
                        .and_then(Value::as_i64)
                        .unwrap_or(job.failed_items)
                ),
            ),
            Stage::Failed => (
                "failed",
                job.error
                    .clone()
                    .unwrap_or_else(|| "The Task Batch failed".to_owned()),
            ),
        };
        Some(json!({
            "recipe_id": job.scope,
            "task_batch_id": job.id,
            "state": state,
            "message": message,
        }))
    }
}
