//! `predictionsOverTime/` and `predictionsVsActualsOverTime/`.

use super::health::{models, no_segments, range};
use crate::app::{Answer, Deployment, Dr, db_error, json};
use crate::openapi as oa;
use crate::params::{PredictionsOverTimeQuery, PredictionsVsActualsOverTimeQuery};
use crate::shapes::{
    self, ClassCount, ClassValue, PredictionStats, PredictionsBucket, PredictionsVsActualsBucket,
    PredictionsVsActualsStats,
};
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use plinth_monitoring::actuals::ModelTerms;
use plinth_monitoring::{SeriesFilter, TimeRange};
use std::sync::Arc;

pub(crate) fn terms(d: &Deployment) -> ModelTerms {
    ModelTerms {
        task: d.model.task,
        classes: d.model.classes.clone(),
        positive_class: d.model.positive_class,
    }
}

fn filter_of(d: &Deployment, generation: &str) -> SeriesFilter {
    d.filter(&[generation.to_owned()])
}

fn stats_shape(
    model_id: &str,
    classes: &[String],
    s: &plinth_monitoring::PredictionStats,
    wanted: &[String],
) -> PredictionStats {
    let keep = |c: &String| wanted.is_empty() || wanted.contains(c);
    PredictionStats {
        model_id: model_id.to_owned(),
        row_count: s.rows,
        mean_predicted_value: s.mean_value,
        mean_probabilities: classes
            .iter()
            .zip(&s.mean_probabilities)
            .filter(|(c, _)| keep(c))
            .map(|(c, p)| ClassValue {
                class_name: c.clone(),
                value: (s.rows > 0).then_some(*p),
            })
            .collect(),
        class_distribution: classes
            .iter()
            .zip(&s.class_counts)
            .filter(|(c, _)| keep(c))
            .map(|(c, n)| ClassCount {
                class_name: c.clone(),
                count: *n,
                percent: if s.rows == 0 {
                    0.0
                } else {
                    *n as f64 * 100.0 / s.rows as f64
                },
            })
            .collect(),
        percentiles: None,
    }
}

/// `GET deployments/{id}/predictionsOverTime/`: rows, mean prediction and class distribution
/// per bucket and model, and the same on each model's reference sample (`baselines`).
#[utoipa::path(
    get,
    path = "/api/v2/deployments/{id}/predictionsOverTime",
    tag = "datarobot",
    operation_id = "datarobot_get_predictions_over_time",
    summary = "Prediction statistics per bucket and model, with each model's reference sample",
    params(("id" = String, Path, description = "The deployment: `<service>~<endpoint>`"), oa::DataRobotPredictionsOverTimeParams),
    security(("dataRobotToken" = [])),
    responses(
        (status = 200, description = "Baselines and buckets", body = oa::DataRobotPredictionsOverTime),
        (status = 400, description = "A query parameter has a bad value (named in `errors`)", body = oa::DataRobotError),
        (status = 401, description = "No key, or a key this server does not know", body = oa::DataRobotError),
        (status = 403, description = "A service key: the DataRobot API needs an admin or monitoring key", body = oa::DataRobotError),
        (status = 404, description = "No such deployment, or a model that is not one of its generations", body = oa::DataRobotError),
        (status = 422, description = "A segment was asked for: segmented analysis is not kept", body = oa::DataRobotError),
        (status = 500, description = "The monitoring database failed", body = oa::DataRobotError)
    )
)]
pub async fn predictions_over_time(
    State(dr): State<Arc<Dr>>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Answer {
    let d = dr.open(&id, &headers).await?;
    let query =
        PredictionsOverTimeQuery::parse(q.as_deref().unwrap_or(""), dr.monitoring.now_ms())?;
    no_segments(&query.segment)?;
    let model_ids = models(&d, &query.model_ids)?;
    let periods = query.period.buckets(query.bucket_size);
    let ranges: Vec<TimeRange> = periods.iter().map(range).collect();
    let classes = &d.model.classes;
    let mut baselines = Vec::new();
    let mut buckets = Vec::new();
    for model_id in &model_ids {
        if let Some(b) = dr.monitoring.baseline(&d.series(model_id)).await
            && let Some(t) = &b.target
        {
            let rows = t.rows.max(1) as f64;
            let s = plinth_monitoring::PredictionStats {
                rows: t.rows,
                mean_value: t.mean_value,
                class_counts: t.class_counts.clone(),
                mean_probabilities: t.probability_sums.iter().map(|p| p / rows).collect(),
            };
            baselines.push(stats_shape(model_id, classes, &s, &query.target_classes));
        }
        let stats = dr
            .monitoring
            .prediction_stats(&filter_of(&d, model_id), &ranges, classes.len())
            .await
            .map_err(db_error)?;
        for (period, s) in periods.iter().zip(&stats) {
            buckets.push(PredictionsBucket {
                period: *period,
                stats: stats_shape(model_id, classes, s, &query.target_classes),
            });
        }
    }
    json(shapes::predictions_over_time(
        &shapes::PredictionsOverTime { baselines, buckets },
    ))
}

/// `GET deployments/{id}/predictionsVsActualsOverTime/`: per bucket, rows scored, rows with an
/// actual, and the means of predictions and actuals on the rows with one.
#[utoipa::path(
    get,
    path = "/api/v2/deployments/{id}/predictionsVsActualsOverTime",
    tag = "datarobot",
    operation_id = "datarobot_get_predictions_vs_actuals_over_time",
    summary = "Predictions against actuals per bucket and model",
    params(("id" = String, Path, description = "The deployment: `<service>~<endpoint>`"), oa::DataRobotPredictionsVsActualsParams),
    security(("dataRobotToken" = [])),
    responses(
        (status = 200, description = "Summary, baselines and buckets", body = oa::DataRobotPredictionsVsActualsOverTime),
        (status = 400, description = "A query parameter has a bad value (named in `errors`)", body = oa::DataRobotError),
        (status = 401, description = "No key, or a key this server does not know", body = oa::DataRobotError),
        (status = 403, description = "A service key: the DataRobot API needs an admin or monitoring key", body = oa::DataRobotError),
        (status = 404, description = "No such deployment, or a model that is not one of its generations", body = oa::DataRobotError),
        (status = 422, description = "A segment was asked for: segmented analysis is not kept", body = oa::DataRobotError),
        (status = 500, description = "The monitoring database failed", body = oa::DataRobotError)
    )
)]
pub async fn predictions_vs_actuals_over_time(
    State(dr): State<Arc<Dr>>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Answer {
    let d = dr.open(&id, &headers).await?;
    let query = PredictionsVsActualsOverTimeQuery::parse(
        q.as_deref().unwrap_or(""),
        dr.monitoring.now_ms(),
    )?;
    no_segments(&query.segment)?;
    let model_ids = models(&d, &query.model_ids)?;
    let periods = query.period.buckets(query.bucket_size);
    let ranges: Vec<TimeRange> = periods.iter().map(range).collect();
    let terms = terms(&d);
    let mut buckets = Vec::new();
    let (mut total, mut with_actual) = (0, 0);
    for model_id in &model_ids {
        let filter = filter_of(&d, model_id);
        let stats = dr
            .monitoring
            .prediction_stats(&filter, &ranges, d.model.classes.len())
            .await
            .map_err(db_error)?;
        let joined = dr
            .monitoring
            .accuracy(&filter, &terms, &ranges, &[])
            .await
            .map_err(db_error)?;
        for ((period, s), j) in periods.iter().zip(&stats).zip(&joined) {
            total += s.rows;
            with_actual += j.sample_size;
            buckets.push(PredictionsVsActualsBucket {
                period: *period,
                stats: PredictionsVsActualsStats {
                    model_id: model_id.clone(),
                    row_count_total: s.rows,
                    row_count_with_actual: j.sample_size,
                    mean_predicted_value: j.mean_predicted,
                    mean_actual_value: j.mean_actual,
                    predicted_class_distribution: Vec::new(),
                    actual_class_distribution: Vec::new(),
                },
            });
        }
    }
    json(shapes::predictions_vs_actuals_over_time(
        &shapes::PredictionsVsActualsOverTime {
            row_count_total: total,
            row_count_with_actual: with_actual,
            baselines: Vec::new(),
            buckets,
            segment: None,
        },
    ))
}
