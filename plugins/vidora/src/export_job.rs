//! `vidora.export`: scores the records of a prediction export through the pipeline's
//! endpoint (the user-API path, `predict-multi` per chunk, each record's Vidora id sent as
//! its `context` so the prediction can later meet its label), then writes `predictions.csv`:
//! `id,prediction,proba_<class>...`, plus an `error` column only when some rows failed.

use crate::app::Vid;
use async_trait::async_trait;
use plinth_jobs::cells::text as cell;
use plinth_jobs::scoring::{Record, class_columns, score};
use plinth_jobs::{ItemOutput, JobError, JobHandler, JobRecord};
use serde_json::{Map, Value, json};
use std::sync::Arc;

/// The job kind.
pub const KIND: &str = "vidora.export";

/// The output file's name.
pub const FILE: &str = "predictions.csv";

/// The handler.
pub struct Export(pub Arc<Vid>);

fn param<'a>(job: &'a JobRecord, name: &str) -> &'a str {
    job.params[name].as_str().unwrap_or_default()
}

/// The CSV of scored rows and its columns.
pub fn csv_of(
    classes: &[String],
    results: &[(String, Result<Value, String>)],
) -> Result<(Vec<String>, Vec<u8>), csv::Error> {
    let with_errors = results.iter().any(|(_, r)| r.is_err());
    let mut columns = vec!["id".to_owned(), "prediction".to_owned()];
    columns.extend(classes.iter().map(|c| format!("proba_{c}")));
    if with_errors {
        columns.push("error".into());
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&columns)?;
    for (id, r) in results {
        let mut row = vec![id.clone()];
        match r {
            Ok(result) => {
                row.push(cell(result.get("prediction").unwrap_or(&Value::Null)));
                for c in classes {
                    row.push(cell(
                        result
                            .get("probas")
                            .and_then(|p| p.get(c))
                            .unwrap_or(&Value::Null),
                    ));
                }
                if with_errors {
                    row.push(String::new());
                }
            }
            Err(e) => {
                row.extend(std::iter::repeat_n(String::new(), 1 + classes.len()));
                row.push(e.clone());
            }
        }
        w.write_record(&row)?;
    }
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    Ok((columns, bytes))
}

#[async_trait]
impl JobHandler for Export {
    async fn process(
        &self,
        job: &JobRecord,
        _first: i64,
        items: &[Value],
    ) -> Result<Vec<ItemOutput>, JobError> {
        let vid = &self.0;
        let column = vid.config.id_column.clone();
        let records: Vec<Record> = items
            .iter()
            .map(|item| {
                let mut context = Map::new();
                context.insert(column.clone(), item["id"].clone());
                Record {
                    features: item["features"].as_object().cloned().unwrap_or_default(),
                    context: Some(Value::Object(context)),
                }
            })
            .collect();
        let scored = score(
            vid.invoker.as_ref(),
            "vidora",
            param(job, "service"),
            param(job, "endpoint"),
            &records,
        )
        .await?;
        Ok(items
            .iter()
            .zip(scored)
            .map(|(item, r)| match r {
                Ok(result) => ItemOutput {
                    ok: true,
                    body: json!({"id": item["id"], "result": result}),
                },
                Err(e) => ItemOutput {
                    ok: false,
                    body: json!({"id": item["id"], "error": e}),
                },
            })
            .collect())
    }

    async fn finish(&self, job: &JobRecord) -> Result<Value, JobError> {
        let vid = &self.0;
        let mut results = Vec::new();
        loop {
            let page = vid
                .jobs
                .outputs(&job.id, results.len() as i64, 10_000)
                .await?;
            if page.is_empty() {
                break;
            }
            for o in page {
                let id = cell(&o.body["id"]);
                let r = if o.ok {
                    Ok(o.body["result"].clone())
                } else {
                    Err(cell(&o.body["error"]))
                };
                results.push((id, r));
            }
        }
        let classes = class_columns(
            &job.params["classes"],
            results.iter().filter_map(|(_, r)| r.as_ref().ok()),
        );
        let (columns, bytes) = csv_of(&classes, &results)
            .map_err(|e| JobError::permanent(format!("the CSV could not be written: {e}")))?;
        vid.jobs
            .write_output(&job.id, FILE, bytes)
            .await
            .map_err(|e| {
                JobError::transient(format!("the output file could not be written: {e}"))
            })?;
        crate::pipelines::predicted(
            vid,
            job.scope.as_str(),
            param(job, "service"),
            param(job, "endpoint"),
            vid.now_ms(),
        )
        .await?;
        let failed = results.iter().filter(|(_, r)| r.is_err()).count();
        Ok(json!({"columns": columns, "total": results.len(), "failed": failed}))
    }
}
