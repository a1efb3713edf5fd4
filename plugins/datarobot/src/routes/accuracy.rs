//! Actuals and accuracy: `actuals/fromJSON/`, `accuracy/`, `accuracyOverTime/`,
//! `predictionResults/`, `monitoringDataDeletions/`.

use super::deployments::object_body;
use super::done;
use super::health::{models, no_segments, range};
use super::predictions::terms;
use crate::app::{Answer, Deployment, Dr, api_url, db_error, json};
use crate::error::DrError;
use crate::openapi as oa;
use crate::params::{
    self, AccuracyMetric, AccuracyOverTimeQuery, AccuracyQuery, PredictionResultsQuery,
    format_timestamp,
};
use crate::shapes::{self, AccuracyBaseline, AccuracyBucket, AccuracyValue};
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use bytes::Bytes;
use plinth_monitoring::TimeRange;
use plinth_monitoring::actuals::{Actual, ActualValue};
use plinth_monitoring_math::accuracy::{Task, default_metric_names};
use plinth_plugin_api::ModelTask;
use serde_json::{Value, json};
use std::sync::Arc;

/// Actuals one call may carry (the client sends batches of at most this many).
pub const MAX_ACTUALS: usize = 10_000;

fn task(d: &Deployment) -> Task {
    match d.model.task {
        ModelTask::Regression => Task::Regression,
        ModelTask::Binary => Task::Binary,
        ModelTask::Multiclass => Task::Multiclass,
    }
}

/// The metric shown when none is asked: RMSE for regression, LogLoss for classifiers.
pub(crate) fn default_metric(task: ModelTask) -> AccuracyMetric {
    match task {
        ModelTask::Regression => AccuracyMetric::Rmse,
        _ => AccuracyMetric::LogLoss,
    }
}

/// `POST deployments/{id}/actuals/fromJSON/`: stored before the 202.
#[utoipa::path(
    post,
    path = "/api/v2/deployments/{id}/actuals/fromJSON",
    tag = "datarobot",
    operation_id = "datarobot_submit_actuals",
    summary = "Stores actuals for kept predictions",
    params(("id" = String, Path, description = "The deployment: `<service>~<endpoint>`")),
    request_body(content = oa::DataRobotActualsUpload, content_type = "application/json"),
    security(("dataRobotToken" = [])),
    responses(
        (status = 202, description = "Done before the answer; `Location` is a status URL that answers at once", body = oa::DataRobotEmpty, headers(("Location" = String, description = "Absolute status URL"))),
        (status = 400, description = "A query parameter has a bad value (named in `errors`)", body = oa::DataRobotError),
        (status = 401, description = "No key, or a key this server does not know", body = oa::DataRobotError),
        (status = 403, description = "A service key: the DataRobot API needs an admin or monitoring key", body = oa::DataRobotError),
        (status = 404, description = "No such deployment", body = oa::DataRobotError),
        (status = 422, description = "The body is not JSON, or a member is unknown or has a bad value", body = oa::DataRobotError),
        (status = 500, description = "The monitoring database failed", body = oa::DataRobotError)
    )
)]
pub async fn submit_actuals(
    State(dr): State<Arc<Dr>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let d = dr.open(&id, &headers).await?;
    let body = object_body(&body)?;
    let Some(Value::Array(items)) = body.get("data") else {
        return Err(DrError::unprocessable(
            "data: expected a list of {\"associationId\", \"actualValue\"} objects",
        ));
    };
    if items.is_empty() || items.len() > MAX_ACTUALS {
        return Err(DrError::unprocessable(format!(
            "data: {} actuals; between 1 and {MAX_ACTUALS} are accepted per call",
            items.len()
        )));
    }
    let mut actuals = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let at = |field: &str| format!("data[{i}].{field}");
        let association_id = match item.get("associationId") {
            Some(Value::String(s)) if !s.is_empty() && s.chars().count() <= 128 => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => {
                return Err(DrError::unprocessable(format!(
                    "{}: expected a non-empty string of at most 128 characters",
                    at("associationId")
                )));
            }
        };
        let value = match item.get("actualValue") {
            Some(Value::Number(n)) => ActualValue::Number(n.as_f64().unwrap_or(f64::NAN)),
            Some(Value::String(s)) if !s.is_empty() => ActualValue::Text(s.clone()),
            Some(Value::Bool(b)) => ActualValue::Text(b.to_string()),
            _ => {
                return Err(DrError::unprocessable(format!(
                    "{}: expected a number or a class label",
                    at("actualValue")
                )));
            }
        };
        let at_ms = match item.get("timestamp") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(params::parse_timestamp(&at("timestamp"), s)?),
            Some(_) => {
                return Err(DrError::unprocessable(format!(
                    "{}: expected an RFC 3339 date-time",
                    at("timestamp")
                )));
            }
        };
        let was_acted_on = match item.get("wasActedOn") {
            None | Some(Value::Null) => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(_) => {
                return Err(DrError::unprocessable(format!(
                    "{}: expected true or false",
                    at("wasActedOn")
                )));
            }
        };
        actuals.push(Actual {
            association_id,
            value,
            at_ms,
            was_acted_on,
        });
    }
    dr.monitoring
        .submit_actuals(&d.service.id, &d.endpoint, &actuals)
        .await
        .map_err(db_error)?;
    done(&headers)
}

/// `GET deployments/{id}/accuracy/`: the task's default metrics (or `metric`) over the period,
/// per model, from the predictions that have an actual.
#[utoipa::path(
    get,
    path = "/api/v2/deployments/{id}/accuracy",
    tag = "datarobot",
    operation_id = "datarobot_get_accuracy",
    summary = "Accuracy metrics over a period, per model",
    params(("id" = String, Path, description = "The deployment: `<service>~<endpoint>`"), oa::DataRobotAccuracyParams),
    security(("dataRobotToken" = [])),
    responses(
        (status = 200, description = "The metrics", body = oa::DataRobotAccuracy),
        (status = 400, description = "A query parameter has a bad value (named in `errors`)", body = oa::DataRobotError),
        (status = 401, description = "No key, or a key this server does not know", body = oa::DataRobotError),
        (status = 403, description = "A service key: the DataRobot API needs an admin or monitoring key", body = oa::DataRobotError),
        (status = 404, description = "No such deployment, or a model that is not one of its generations", body = oa::DataRobotError),
        (status = 422, description = "A segment was asked for: segmented analysis is not kept", body = oa::DataRobotError),
        (status = 500, description = "The monitoring database failed", body = oa::DataRobotError)
    )
)]
pub async fn accuracy(
    State(dr): State<Arc<Dr>>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Answer {
    let d = dr.open(&id, &headers).await?;
    let query = AccuracyQuery::parse(q.as_deref().unwrap_or(""), dr.monitoring.now_ms())?;
    no_segments(&query.segment)?;
    let model_ids = models(&d, &query.model_ids)?;
    let names: Vec<&str> = match query.metric {
        Some(m) => vec![m.as_str()],
        None => default_metric_names(task(&d)).to_vec(),
    };
    let mut values = Vec::new();
    for model_id in &model_ids {
        let report = dr
            .monitoring
            .accuracy(
                &d.filter(std::slice::from_ref(model_id)),
                &terms(&d),
                &[range(&query.period)],
                &names,
            )
            .await
            .map_err(db_error)?;
        let report = &report[0];
        if report.sample_size == 0 {
            continue;
        }
        for (name, value) in &report.values {
            if let Some(metric) = AccuracyMetric::from_wire(name) {
                values.push(AccuracyValue {
                    metric,
                    model_id: model_id.clone(),
                    value: *value,
                    sample_size: Some(report.sample_size),
                    baseline_value: None,
                    baseline_sample_size: None,
                });
            }
        }
    }
    json(shapes::accuracy(&shapes::Accuracy {
        period: query.period,
        model_id: model_ids[0].clone(),
        values,
        segment: None,
    }))
}

/// `GET deployments/{id}/accuracyOverTime/`: one metric per bucket and model.
#[utoipa::path(
    get,
    path = "/api/v2/deployments/{id}/accuracyOverTime",
    tag = "datarobot",
    operation_id = "datarobot_get_accuracy_over_time",
    summary = "One accuracy metric per bucket and model",
    params(("id" = String, Path, description = "The deployment: `<service>~<endpoint>`"), oa::DataRobotAccuracyOverTimeParams),
    security(("dataRobotToken" = [])),
    responses(
        (status = 200, description = "The buckets, summary and baselines", body = oa::DataRobotAccuracyOverTime),
        (status = 400, description = "A query parameter has a bad value (named in `errors`)", body = oa::DataRobotError),
        (status = 401, description = "No key, or a key this server does not know", body = oa::DataRobotError),
        (status = 403, description = "A service key: the DataRobot API needs an admin or monitoring key", body = oa::DataRobotError),
        (status = 404, description = "No such deployment, or a model that is not one of its generations", body = oa::DataRobotError),
        (status = 422, description = "A segment was asked for: segmented analysis is not kept", body = oa::DataRobotError),
        (status = 500, description = "The monitoring database failed", body = oa::DataRobotError)
    )
)]
pub async fn accuracy_over_time(
    State(dr): State<Arc<Dr>>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Answer {
    let d = dr.open(&id, &headers).await?;
    let query = AccuracyOverTimeQuery::parse(q.as_deref().unwrap_or(""), dr.monitoring.now_ms())?;
    no_segments(&query.segment)?;
    let model_ids = models(&d, &query.model_ids)?;
    let metric = query.metric.unwrap_or_else(|| default_metric(d.model.task));
    let periods = query.period.buckets(query.bucket_size);
    let mut ranges: Vec<TimeRange> = periods.iter().map(range).collect();
    ranges.push(range(&query.period));
    let mut buckets = Vec::new();
    let mut summary = (None, None);
    for (n, model_id) in model_ids.iter().enumerate() {
        let reports = dr
            .monitoring
            .accuracy(
                &d.filter(std::slice::from_ref(model_id)),
                &terms(&d),
                &ranges,
                &[metric.as_str()],
            )
            .await
            .map_err(db_error)?;
        let (whole, per_bucket) = reports.split_last().expect("the period's own range");
        if n == 0 {
            summary = (whole.values[0].1, Some(whole.sample_size));
        }
        for (period, r) in periods.iter().zip(per_bucket) {
            buckets.push(AccuracyBucket {
                period: *period,
                model_id: model_id.clone(),
                value: r.values[0].1,
                sample_size: Some(r.sample_size),
            });
        }
    }
    json(shapes::accuracy_over_time(&shapes::AccuracyOverTime {
        period: query.period,
        metric,
        model_id: Some(model_ids[0].clone()),
        buckets,
        summary_value: summary.0,
        summary_sample_size: summary.1,
        baseline: Some(AccuracyBaseline {
            model_id: model_ids[0].clone(),
            value: None,
            sample_size: None,
        }),
        baseline_period: Some(query.period),
        baselines: model_ids
            .iter()
            .map(|m| AccuracyBaseline {
                model_id: m.clone(),
                value: None,
                sample_size: None,
            })
            .collect(),
        segment: None,
    }))
}

/// `GET deployments/{id}/predictionResults/`: the kept predictions with their actuals.
#[utoipa::path(
    get,
    path = "/api/v2/deployments/{id}/predictionResults",
    tag = "datarobot",
    operation_id = "datarobot_list_prediction_results",
    summary = "A page of kept predictions with their actuals",
    params(("id" = String, Path, description = "The deployment: `<service>~<endpoint>`"), oa::DataRobotPredictionResultsParams),
    security(("dataRobotToken" = [])),
    responses(
        (status = 200, description = "A page of predictions", body = oa::DataRobotPredictionResults),
        (status = 400, description = "A query parameter has a bad value (named in `errors`)", body = oa::DataRobotError),
        (status = 401, description = "No key, or a key this server does not know", body = oa::DataRobotError),
        (status = 403, description = "A service key: the DataRobot API needs an admin or monitoring key", body = oa::DataRobotError),
        (status = 404, description = "No such deployment, or a model that is not one of its generations", body = oa::DataRobotError),
        (status = 500, description = "The monitoring database failed", body = oa::DataRobotError)
    )
)]
pub async fn prediction_results(
    State(dr): State<Arc<Dr>>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Answer {
    let d = dr.open(&id, &headers).await?;
    let query = PredictionResultsQuery::parse(q.as_deref().unwrap_or(""), dr.monitoring.now_ms())?;
    let (period, offset, limit, actuals_present) = (
        query.period,
        query.offset,
        query.limit,
        query.actuals_present,
    );
    let model_ids = models(&d, &query.model_ids)?;
    let (rows, total) = dr
        .monitoring
        .prediction_results(
            &d.filter(&model_ids),
            range(&period),
            actuals_present,
            offset,
            limit,
        )
        .await
        .map_err(db_error)?;
    let classes = &d.model.classes;
    let data: Vec<Value> = rows
        .iter()
        .map(|r| {
            let predicted = match (d.model.task, r.class) {
                (ModelTask::Multiclass, Some(c)) => json!(classes.get(c)),
                _ => json!(r.value),
            };
            let actual = r.actual.as_ref().map(|a| match a.parse::<f64>() {
                Ok(n) if d.model.task == ModelTask::Regression => json!(n),
                _ => json!(a),
            });
            let mut item = json!({
                "associationId": r.association_id,
                "modelId": r.generation,
                "timestamp": format_timestamp(r.at_ms),
                "predicted": predicted,
            });
            if let Some(actual) = actual {
                item["actual"] = actual;
            }
            item
        })
        .collect();
    let mut link_params: Vec<(String, String)> = vec![
        ("start".into(), format_timestamp(period.start_ms)),
        ("end".into(), format_timestamp(period.end_ms)),
    ];
    if let Some(present) = actuals_present {
        link_params.push(("actualsPresent".into(), present.to_string()));
    }
    let links = shapes::page_links(
        &api_url(&headers, &format!("deployments/{}/predictionResults", d.id)),
        &link_params,
        offset,
        limit,
        total,
    );
    let settings = dr.monitoring.settings(&d.service.id, &d.endpoint).await;
    let mut body = shapes::list_page(data, &links, total);
    body["associationIdColumnNames"] = json!(settings.association_columns);
    json(body)
}

/// `POST deployments/{id}/monitoringDataDeletions/` `{"modelId", "start"?, "end"?}` → 202.
#[utoipa::path(
    post,
    path = "/api/v2/deployments/{id}/monitoringDataDeletions",
    tag = "datarobot",
    operation_id = "datarobot_delete_monitoring_data",
    summary = "Deletes a model's monitoring data, over a period or all of it",
    params(("id" = String, Path, description = "The deployment: `<service>~<endpoint>`")),
    request_body(content = oa::DataRobotMonitoringDataDeletion, content_type = "application/json"),
    security(("dataRobotToken" = [])),
    responses(
        (status = 202, description = "Done before the answer; `Location` is a status URL that answers at once", body = oa::DataRobotEmpty, headers(("Location" = String, description = "Absolute status URL"))),
        (status = 400, description = "A query parameter has a bad value (named in `errors`)", body = oa::DataRobotError),
        (status = 401, description = "No key, or a key this server does not know", body = oa::DataRobotError),
        (status = 403, description = "A service key: the DataRobot API needs an admin or monitoring key", body = oa::DataRobotError),
        (status = 404, description = "No such deployment, or a model that is not one of its generations", body = oa::DataRobotError),
        (status = 422, description = "The body is not JSON, or a member is unknown or has a bad value", body = oa::DataRobotError),
        (status = 500, description = "The monitoring database failed", body = oa::DataRobotError)
    )
)]
pub async fn delete_monitoring_data(
    State(dr): State<Arc<Dr>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let d = dr.open(&id, &headers).await?;
    let body = object_body(&body)?;
    let model_id = match body.get("modelId") {
        Some(Value::String(m)) => {
            d.check_model(m)?;
            m.clone()
        }
        _ => {
            return Err(DrError::unprocessable(
                "modelId: required, a model of the deployment",
            ));
        }
    };
    let time = |k: &str| -> Result<Option<i64>, DrError> {
        match body.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(params::parse_hour_timestamp(k, s)?)),
            Some(_) => Err(DrError::unprocessable(format!(
                "{k}: expected a date-time on the hour"
            ))),
        }
    };
    let range = match (time("start")?, time("end")?) {
        (None, None) => None,
        (start, end) => Some(TimeRange {
            start_ms: start.unwrap_or(i64::MIN),
            end_ms: end.unwrap_or(i64::MAX),
        }),
    };
    dr.monitoring
        .delete_data(&d.service.id, &d.endpoint, Some(&model_id), range)
        .await
        .map_err(db_error)?;
    done(&headers)
}
