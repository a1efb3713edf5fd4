//! Data drift: `targetDrift/`, `featureDrift/` (paged) and `featureDriftOverTime/`.

use super::health::{no_segments, range};
use crate::app::{Answer, Deployment, Dr, api_url, db_error, json};
use crate::error::DrError;
use crate::openapi as oa;
use crate::params::{DriftMetric, DriftQuery, FeatureDriftOverTimeQuery, ParamError, Period};
use crate::shapes::{self, FeatureDriftItem};
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use plinth_monitoring::{Baseline, DriftScore};
use plinth_monitoring_math::drift::DriftMetric as MathMetric;
use plinth_plugin_api::FeatureKind;
use serde_json::{Value, json};
use std::sync::Arc;

fn math_metric(m: DriftMetric) -> MathMetric {
    match m {
        DriftMetric::Psi => MathMetric::Psi,
        DriftMetric::KlDivergence => MathMetric::KlDivergence,
        DriftMetric::Hellinger => MathMetric::Hellinger,
        DriftMetric::Dissimilarity => MathMetric::Dissimilarity,
        DriftMetric::JsDivergence => MathMetric::JsDivergence,
    }
}

/// The generation a drift read is about (its bins are that generation's baseline).
fn model_of(d: &Deployment, model_id: &Option<String>) -> Result<String, DrError> {
    match model_id {
        Some(m) => {
            d.check_model(m)?;
            Ok(m.clone())
        }
        None => Ok(d.generation.clone()),
    }
}

async fn scores(
    dr: &Dr,
    d: &Deployment,
    generation: &str,
    period: &Period,
    metric: DriftMetric,
) -> Result<Option<(Arc<Baseline>, Vec<DriftScore>, Option<DriftScore>)>, DrError> {
    let series = d.series(generation);
    let Some(baseline) = dr.monitoring.baseline(&series).await else {
        return Ok(None);
    };
    let (features, target) = dr
        .monitoring
        .drift(&series, &baseline, range(period), math_metric(metric))
        .await
        .map_err(db_error)?;
    Ok(Some((baseline, features, target)))
}

fn kind_name(kind: FeatureKind) -> &'static str {
    match kind {
        FeatureKind::Numeric => "numeric",
        FeatureKind::Categorical => "categorical",
    }
}

/// `GET deployments/{id}/targetDrift/`: drift of the predictions against the predictions on
/// the reference sample (regression and binary: the value on 12 bins; multiclass: the
/// predicted class).
#[utoipa::path(
    get,
    path = "/api/v2/deployments/{id}/targetDrift",
    tag = "datarobot",
    operation_id = "datarobot_get_target_drift",
    summary = "Drift of the predictions against the reference sample",
    params(("id" = String, Path, description = "The deployment: `<service>~<endpoint>`"), oa::DataRobotTargetDriftParams),
    security(("dataRobotToken" = [])),
    responses(
        (status = 200, description = "The target's drift", body = oa::DataRobotTargetDrift),
        (status = 400, description = "A query parameter has a bad value (named in `errors`)", body = oa::DataRobotError),
        (status = 401, description = "No key, or a key this server does not know", body = oa::DataRobotError),
        (status = 403, description = "A service key: the DataRobot API needs an admin or monitoring key", body = oa::DataRobotError),
        (status = 404, description = "No such deployment, or a model that is not one of its generations", body = oa::DataRobotError),
        (status = 422, description = "A segment was asked for: segmented analysis is not kept", body = oa::DataRobotError),
        (status = 500, description = "The monitoring database failed", body = oa::DataRobotError)
    )
)]
pub async fn target_drift(
    State(dr): State<Arc<Dr>>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Answer {
    let d = dr.open(&id, &headers).await?;
    let query = DriftQuery::parse_target(q.as_deref().unwrap_or(""), dr.monitoring.now_ms())?;
    no_segments(&query.segment)?;
    let generation = model_of(&d, &query.model_id)?;
    let settings = dr.monitoring.settings(&d.service.id, &d.endpoint).await;
    let target = if settings.target_drift {
        scores(&dr, &d, &generation, &query.period, query.metric)
            .await?
            .and_then(|(_, _, t)| t)
    } else {
        None
    };
    let mut body = shapes::target_drift(&shapes::TargetDrift {
        period: query.period,
        metric: query.metric,
        model_id: Some(generation),
        target_name: d.model.target_name.clone(),
        drift_score: target.as_ref().and_then(|t| t.score),
        sample_size: target.as_ref().map(|t| t.sample_size),
        baseline_sample_size: target.as_ref().map(|t| t.baseline_sample_size),
        segment: None,
    });
    if let Some(t) = &target {
        body["type"] = json!(kind_name(t.kind));
    }
    json(body)
}

/// `GET deployments/{id}/featureDrift/`: every feature's drift, by importance, paged with an
/// absolute `next` that repeats the query.
#[utoipa::path(
    get,
    path = "/api/v2/deployments/{id}/featureDrift",
    tag = "datarobot",
    operation_id = "datarobot_get_feature_drift",
    summary = "A page of every feature's drift, by importance",
    params(("id" = String, Path, description = "The deployment: `<service>~<endpoint>`"), oa::DataRobotFeatureDriftParams),
    security(("dataRobotToken" = [])),
    responses(
        (status = 200, description = "A page of features", body = oa::DataRobotFeatureDrift),
        (status = 400, description = "A query parameter has a bad value (named in `errors`)", body = oa::DataRobotError),
        (status = 401, description = "No key, or a key this server does not know", body = oa::DataRobotError),
        (status = 403, description = "A service key: the DataRobot API needs an admin or monitoring key", body = oa::DataRobotError),
        (status = 404, description = "No such deployment, or a model that is not one of its generations", body = oa::DataRobotError),
        (status = 422, description = "A segment was asked for: segmented analysis is not kept", body = oa::DataRobotError),
        (status = 500, description = "The monitoring database failed", body = oa::DataRobotError)
    )
)]
pub async fn feature_drift(
    State(dr): State<Arc<Dr>>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Answer {
    let d = dr.open(&id, &headers).await?;
    let query = DriftQuery::parse(q.as_deref().unwrap_or(""), dr.monitoring.now_ms())?;
    no_segments(&query.segment)?;
    let generation = model_of(&d, &query.model_id)?;
    let settings = dr.monitoring.settings(&d.service.id, &d.endpoint).await;
    let mut features = match scores(&dr, &d, &generation, &query.period, query.metric).await? {
        Some((_, features, _)) if settings.feature_drift => features,
        _ => Vec::new(),
    };
    features.sort_by(|a, b| {
        b.importance
            .unwrap_or(0.0)
            .total_cmp(&a.importance.unwrap_or(0.0))
            .then_with(|| a.name.cmp(&b.name))
    });
    let total = features.len() as u64;
    let items: Vec<FeatureDriftItem> = features
        .iter()
        .skip(query.offset as usize)
        .take(query.limit as usize)
        .map(|f| FeatureDriftItem {
            name: f.name.clone(),
            drift_score: f.score,
            feature_impact: f.importance,
            sample_size: Some(f.sample_size),
            baseline_sample_size: Some(f.baseline_sample_size),
        })
        .collect();
    let links = shapes::page_links(
        &api_url(&headers, &format!("deployments/{}/featureDrift", d.id)),
        &query.link_params(),
        query.offset,
        query.limit,
        total,
    );
    let mut body = shapes::feature_drift_page(&shapes::FeatureDriftPage {
        period: query.period,
        metric: query.metric,
        model_id: Some(generation),
        items,
        links,
        segment: None,
    });
    // The type of each item, as the seed shows it.
    if let Some(data) = body.get_mut("data").and_then(Value::as_array_mut) {
        for item in data {
            let kind = item
                .get("name")
                .and_then(Value::as_str)
                .and_then(|n| features.iter().find(|f| f.name == n))
                .map(|f| kind_name(f.kind));
            if let Some(kind) = kind {
                item["type"] = json!(kind);
            }
        }
    }
    json(body)
}

/// `GET deployments/{id}/featureDriftOverTime/?featureNames=a&featureNames=b`: the drift of at
/// most two features per bucket.
#[utoipa::path(
    get,
    path = "/api/v2/deployments/{id}/featureDriftOverTime",
    tag = "datarobot",
    operation_id = "datarobot_get_feature_drift_over_time",
    summary = "The drift of one or two features per bucket",
    params(("id" = String, Path, description = "The deployment: `<service>~<endpoint>`"), oa::DataRobotFeatureDriftOverTimeParams),
    security(("dataRobotToken" = [])),
    responses(
        (status = 200, description = "The buckets", body = oa::DataRobotFeatureDriftOverTime),
        (status = 400, description = "A query parameter has a bad value (named in `errors`)", body = oa::DataRobotError),
        (status = 401, description = "No key, or a key this server does not know", body = oa::DataRobotError),
        (status = 403, description = "A service key: the DataRobot API needs an admin or monitoring key", body = oa::DataRobotError),
        (status = 404, description = "No such deployment, or a model that is not one of its generations", body = oa::DataRobotError),
        (status = 500, description = "The monitoring database failed", body = oa::DataRobotError)
    )
)]
pub async fn feature_drift_over_time(
    State(dr): State<Arc<Dr>>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Answer {
    let d = dr.open(&id, &headers).await?;
    let query =
        FeatureDriftOverTimeQuery::parse(q.as_deref().unwrap_or(""), dr.monitoring.now_ms())?;
    let (period, bucket_size, metric, names) = (
        query.period,
        query.bucket_size,
        query.metric,
        &query.feature_names,
    );
    let generation = model_of(&d, &query.model_id)?;
    let mut buckets = Vec::new();
    let mut kinds: Vec<(String, FeatureKind, Option<f64>)> = Vec::new();
    for name in names {
        let Some(f) = d.model.features.iter().find(|f| &f.name == name) else {
            return Err(ParamError::new(
                "featureNames",
                format!("\"{name}\" is not a feature of this deployment's model"),
            )
            .into());
        };
        kinds.push((f.name.clone(), f.kind, f.importance));
    }
    for bucket in period.buckets(bucket_size) {
        let Some((_, features, _)) = scores(&dr, &d, &generation, &bucket, metric).await? else {
            break;
        };
        for name in names {
            if let Some(f) = features.iter().find(|f| &f.name == name) {
                buckets.push(json!({
                    "featureName": f.name,
                    "period": bucket.to_json(),
                    "driftScore": f.score,
                    "featureImpact": f.importance,
                    "sampleSize": f.sample_size,
                    "baselineSampleSize": f.baseline_sample_size,
                }));
            }
        }
    }
    json(json!({
        "metric": metric.as_str(),
        "modelId": generation,
        "buckets": buckets,
        "features": kinds.iter().map(|(n, k, _)| json!({"featureName": n, "featureType": kind_name(*k)})).collect::<Vec<_>>(),
        "summaries": kinds.iter().map(|(n, _, i)| json!({"featureName": n, "featureImpact": i})).collect::<Vec<_>>(),
    }))
}
