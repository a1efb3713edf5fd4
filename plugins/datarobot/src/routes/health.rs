//! Service health: `serviceStats/` and `serviceStatsOverTime/`.

use crate::app::{Answer, Deployment, Dr, db_error, json};
use crate::error::DrError;
use crate::openapi as oa;
use crate::params::{
    Period, Segment, ServiceStatsMetric, ServiceStatsOverTimeQuery, ServiceStatsQuery,
};
use crate::shapes::{self, ServiceStatsMetrics, ValueBucket};
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use plinth_monitoring::read::HealthQuery;
use plinth_monitoring::{ServiceHealth, TimeRange};
use std::sync::Arc;

/// Segmented analysis is not kept: a segment in the query is refused, naming the parameter.
pub(crate) fn no_segments(segment: &Option<Segment>) -> Result<(), DrError> {
    match segment {
        None => Ok(()),
        Some(_) => Err(DrError::unprocessable(
            "segmentAttribute: segmented analysis is not enabled for Plinth deployments",
        )),
    }
}

/// The model ids of a query, checked (`[]`: the deployment's current model).
pub(crate) fn models(d: &Deployment, ids: &[String]) -> Result<Vec<String>, DrError> {
    for id in ids {
        d.check_model(id)?;
    }
    Ok(if ids.is_empty() {
        vec![d.generation.clone()]
    } else {
        ids.to_vec()
    })
}

pub(crate) fn range(p: &Period) -> TimeRange {
    TimeRange {
        start_ms: p.start_ms,
        end_ms: p.end_ms,
    }
}

fn metrics(h: &ServiceHealth) -> ServiceStatsMetrics {
    ServiceStatsMetrics {
        total_predictions: h.total_predictions,
        total_requests: h.total_requests,
        slow_requests: h.slow_requests,
        execution_time_ms: h.execution_time_ms,
        response_time_ms: h.response_time_ms,
        user_error_rate: h.user_error_rate,
        server_error_rate: h.server_error_rate,
        num_consumers: h.num_consumers,
        cache_hit_ratio: h.cache_hit_ratio,
        median_load: h.median_load,
        peak_load: h.peak_load,
    }
}

/// `GET deployments/{id}/serviceStats/`.
#[utoipa::path(
    get,
    path = "/api/v2/deployments/{id}/serviceStats",
    tag = "datarobot",
    operation_id = "datarobot_get_service_stats",
    summary = "Service health over a period",
    params(("id" = String, Path, description = "The deployment: `<service>~<endpoint>`"), oa::DataRobotServiceStatsParams),
    security(("dataRobotToken" = [])),
    responses(
        (status = 200, description = "The numbers", body = oa::DataRobotServiceStats),
        (status = 400, description = "A query parameter has a bad value (named in `errors`)", body = oa::DataRobotError),
        (status = 401, description = "No key, or a key this server does not know", body = oa::DataRobotError),
        (status = 403, description = "A service key: the DataRobot API needs an admin or monitoring key", body = oa::DataRobotError),
        (status = 404, description = "No such deployment, or a model that is not one of its generations", body = oa::DataRobotError),
        (status = 422, description = "A segment was asked for: segmented analysis is not kept", body = oa::DataRobotError),
        (status = 500, description = "The monitoring database failed", body = oa::DataRobotError)
    )
)]
pub async fn service_stats(
    State(dr): State<Arc<Dr>>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Answer {
    let d = dr.open(&id, &headers).await?;
    let query = ServiceStatsQuery::parse(q.as_deref().unwrap_or(""), dr.monitoring.now_ms())?;
    no_segments(&query.segment)?;
    let model_ids = models(&d, query.model_id.as_slice())?;
    let health = dr
        .monitoring
        .service_health(
            &d.filter(&model_ids),
            &[range(&query.period)],
            HealthQuery {
                response_quantile: query.response_time_quantile,
                execution_quantile: query.execution_time_quantile,
                slow_threshold_ms: query.slow_requests_threshold_ms,
            },
        )
        .await
        .map_err(db_error)?;
    json(shapes::service_stats(&shapes::ServiceStats {
        period: query.period,
        model_id: Some(model_ids[0].clone()),
        metrics: metrics(&health[0]),
        segment: None,
    }))
}

fn value_of(h: &ServiceHealth, metric: ServiceStatsMetric) -> Option<f64> {
    let m = metrics(h);
    Some(match metric {
        ServiceStatsMetric::TotalPredictions => m.total_predictions as f64,
        ServiceStatsMetric::TotalRequests => m.total_requests as f64,
        ServiceStatsMetric::SlowRequests => m.slow_requests as f64,
        ServiceStatsMetric::ExecutionTime => return m.execution_time_ms,
        ServiceStatsMetric::ResponseTime => return m.response_time_ms,
        ServiceStatsMetric::UserErrorRate => m.user_error_rate,
        ServiceStatsMetric::ServerErrorRate => m.server_error_rate,
        ServiceStatsMetric::NumConsumers => m.num_consumers as f64,
        ServiceStatsMetric::CacheHitRatio => m.cache_hit_ratio,
        ServiceStatsMetric::MedianLoad => m.median_load,
        ServiceStatsMetric::PeakLoad => m.peak_load,
    })
}

/// `GET deployments/{id}/serviceStatsOverTime/`: one metric per bucket, and over the period.
#[utoipa::path(
    get,
    path = "/api/v2/deployments/{id}/serviceStatsOverTime",
    tag = "datarobot",
    operation_id = "datarobot_get_service_stats_over_time",
    summary = "One service-health metric per bucket",
    params(("id" = String, Path, description = "The deployment: `<service>~<endpoint>`"), oa::DataRobotServiceStatsOverTimeParams),
    security(("dataRobotToken" = [])),
    responses(
        (status = 200, description = "The buckets and the summary", body = oa::DataRobotServiceStatsOverTime),
        (status = 400, description = "A query parameter has a bad value (named in `errors`)", body = oa::DataRobotError),
        (status = 401, description = "No key, or a key this server does not know", body = oa::DataRobotError),
        (status = 403, description = "A service key: the DataRobot API needs an admin or monitoring key", body = oa::DataRobotError),
        (status = 404, description = "No such deployment, or a model that is not one of its generations", body = oa::DataRobotError),
        (status = 422, description = "A segment was asked for: segmented analysis is not kept", body = oa::DataRobotError),
        (status = 500, description = "The monitoring database failed", body = oa::DataRobotError)
    )
)]
pub async fn service_stats_over_time(
    State(dr): State<Arc<Dr>>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Answer {
    let d = dr.open(&id, &headers).await?;
    let query =
        ServiceStatsOverTimeQuery::parse(q.as_deref().unwrap_or(""), dr.monitoring.now_ms())?;
    no_segments(&query.segment)?;
    let model_ids = models(&d, &query.model_ids)?;
    let buckets = query.period.buckets(query.bucket_size);
    let mut ranges: Vec<TimeRange> = buckets.iter().map(range).collect();
    ranges.push(range(&query.period));
    let health = dr
        .monitoring
        .service_health(
            &d.filter(&model_ids),
            &ranges,
            HealthQuery {
                response_quantile: query.quantile,
                execution_quantile: query.quantile,
                slow_threshold_ms: query.threshold_ms,
            },
        )
        .await
        .map_err(db_error)?;
    let (summary, per_bucket) = health.split_last().expect("the period's own range");
    json(shapes::service_stats_over_time(
        &shapes::ServiceStatsOverTime {
            period: query.period,
            metric: query.metric,
            model_id: Some(model_ids[0].clone()),
            buckets: buckets
                .iter()
                .zip(per_bucket)
                .map(|(p, h)| ValueBucket {
                    period: *p,
                    value: value_of(h, query.metric),
                })
                .collect(),
            summary_value: value_of(summary, query.metric),
            segment: None,
        },
    ))
}
