//! `vidora.train`, run when a label set is assigned to a pipeline. Plinth serves models it
//! did not train, so assignment is an **evaluation, not a retraining**: the set's rows are
//! submitted to the monitoring store as actuals of the pipeline's endpoint, joined by id with
//! the predictions that carried that id (the `vidora_id` association column), and the
//! accuracy of the served model on the set's window is the job's result, shown as the
//! pipeline's `evaluation`.

use crate::app::Vid;
use crate::labels::LabelValue;
use async_trait::async_trait;
use chrono::{Days, NaiveDate};
use plinth_jobs::{ItemOutput, JobError, JobHandler, JobRecord};
use plinth_monitoring::actuals::{Actual, ActualValue, ModelTerms};
use plinth_monitoring::{SeriesFilter, TimeRange};
use plinth_monitoring_math::accuracy::{Task, default_metric_names};
use plinth_plugin_api::{ModelInfo, ModelTask};
use serde_json::{Map, Value, json};
use std::sync::Arc;

/// The job kind.
pub const KIND: &str = "vidora.train";

/// The handler.
pub struct Train(pub Arc<Vid>);

fn param<'a>(job: &'a JobRecord, name: &str) -> &'a str {
    job.params[name].as_str().unwrap_or_default()
}

impl Train {
    async fn model(&self, job: &JobRecord) -> Result<Arc<ModelInfo>, JobError> {
        let pipeline = crate::pipelines::find(&self.0, param(job, "pipeline_id"))
            .await
            .map_err(JobError::from)?
            .ok_or_else(|| JobError::permanent("the pipeline's endpoint no longer exists"))?;
        pipeline
            .model
            .ok_or_else(|| JobError::permanent("the pipeline's endpoint declares no model"))
    }
}

/// The actual a label stands for: a number for regression; for a binary classifier `true` is
/// its positive class and `false` the other one; otherwise `1` or `0`.
pub fn actual_value(model: &ModelInfo, label: &Value) -> ActualValue {
    match (model.task, label) {
        (ModelTask::Binary, Value::Bool(b)) if model.classes.len() == 2 => {
            let positive = model.positive_class.unwrap_or(1).min(1);
            let index = if *b { positive } else { 1 - positive };
            ActualValue::Text(model.classes[index].clone())
        }
        (_, Value::Bool(b)) => ActualValue::Text(if *b { "1" } else { "0" }.into()),
        (_, v) => ActualValue::Number(v.as_f64().unwrap_or(f64::NAN)),
    }
}

#[async_trait]
impl JobHandler for Train {
    async fn prepare(&self, job: &JobRecord) -> Result<Vec<Value>, JobError> {
        let vid = &self.0;
        let id = param(job, "label_set_id");
        let set = crate::label_sets::find(vid, id)
            .await
            .map_err(JobError::from)?
            .ok_or_else(|| JobError::permanent(format!("label set {id} no longer exists")))?;
        let outcome = crate::validate_job::check(vid, &set).await?;
        if !outcome.is_valid() {
            return Err(JobError::permanent(format!(
                "label set {id} does not validate: {}",
                outcome.errors.join("; ")
            )));
        }
        Ok(outcome
            .rows
            .into_iter()
            .map(|r| {
                let label = match r.label {
                    LabelValue::Bool(b) => json!(b),
                    LabelValue::Float(f) => json!(f),
                };
                json!({"id": r.id, "label": label})
            })
            .collect())
    }

    async fn process(
        &self,
        job: &JobRecord,
        _first: i64,
        items: &[Value],
    ) -> Result<Vec<ItemOutput>, JobError> {
        let model = self.model(job).await?;
        let actuals: Vec<Actual> = items
            .iter()
            .map(|item| Actual {
                association_id: item["id"].as_str().unwrap_or_default().to_owned(),
                value: actual_value(&model, &item["label"]),
                at_ms: None,
                was_acted_on: None,
            })
            .collect();
        self.0
            .monitoring
            .submit_actuals(param(job, "service"), param(job, "endpoint"), &actuals)
            .await
            .map_err(JobError::from)?;
        Ok(items
            .iter()
            .map(|_| ItemOutput {
                ok: true,
                body: Value::Null,
            })
            .collect())
    }

    async fn finish(&self, job: &JobRecord) -> Result<Value, JobError> {
        let model = self.model(job).await?;
        let day = |name: &str| NaiveDate::parse_from_str(param(job, name), "%Y-%m-%d").ok();
        let (Some(start), Some(end)) = (day("start_date"), day("end_date")) else {
            return Err(JobError::permanent("the label set's window is unreadable"));
        };
        let ms = |d: NaiveDate| {
            d.and_hms_opt(0, 0, 0)
                .map_or(0, |t| t.and_utc().timestamp_millis())
        };
        let range = TimeRange {
            start_ms: ms(start),
            end_ms: ms(end.checked_add_days(Days::new(1)).unwrap_or(end)),
        };
        let task = match model.task {
            ModelTask::Regression => Task::Regression,
            ModelTask::Binary => Task::Binary,
            ModelTask::Multiclass => Task::Multiclass,
        };
        let metrics = default_metric_names(task);
        let terms = ModelTerms {
            task: model.task,
            classes: model.classes.clone(),
            positive_class: model.positive_class,
        };
        let filter = SeriesFilter {
            service: param(job, "service").to_owned(),
            endpoint: param(job, "endpoint").to_owned(),
            generations: None,
        };
        let report = self
            .0
            .monitoring
            .accuracy(&filter, &terms, &[range], metrics)
            .await
            .map_err(JobError::from)?
            .into_iter()
            .next();
        let mut values = Map::new();
        let (count, predictions) = match &report {
            Some(r) => {
                for (name, value) in &r.values {
                    values.insert(name.clone(), json!(value));
                }
                (r.sample_size, r.rows_with_id)
            }
            None => (0, 0),
        };
        Ok(json!({
            "kind": "evaluation",
            "label_set_id": param(job, "label_set_id"),
            "labels": job.total.unwrap_or(0),
            "predictions": predictions,
            "count": count,
            "metrics": values,
            "start_date": param(job, "start_date"),
            "end_date": param(job, "end_date"),
        }))
    }
}
