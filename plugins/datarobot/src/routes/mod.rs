//! The routes under `/api/v2/` (the host drops trailing slashes before routing, so each route
//! is written without one; the client always sends it).

mod accuracy;
mod deployments;
mod drift;
mod health;
mod predictions;

use crate::app::{Answer, Dr, accepted, api_url, authenticate, json, see_other};
use crate::error::DrError;
use crate::shapes;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::{get, patch, post};
use std::sync::Arc;

/// Every route of the plugin.
pub fn router(dr: Arc<Dr>) -> Router {
    let d = "/api/v2/deployments/{id}";
    Router::new()
        .route("/api/v2/version", get(version))
        .route("/api/v2/predictionServers", get(prediction_servers))
        .route("/api/v2/status/{status}", get(status))
        .route("/api/v2/deployments", get(deployments::list))
        .route(
            d,
            get(deployments::get)
                .patch(deployments::update)
                .delete(deployments::delete),
        )
        .route(&format!("{d}/status"), patch(deployments::set_status))
        .route(
            &format!("{d}/settings"),
            get(deployments::settings).patch(deployments::update_settings),
        )
        .route(
            &format!("{d}/healthSettings"),
            get(deployments::health_settings).patch(deployments::update_health_settings),
        )
        .route(
            &format!("{d}/healthSettings/defaults"),
            get(deployments::default_health_settings),
        )
        .route(&format!("{d}/capabilities"), get(deployments::capabilities))
        .route(&format!("{d}/features"), get(deployments::features))
        .route(&format!("{d}/tags"), post(deployments::create_tag))
        .route(
            &format!("{d}/tags/{{tag}}"),
            patch(deployments::update_tag).delete(deployments::delete_tag),
        )
        .route(&format!("{d}/serviceStats"), get(health::service_stats))
        .route(
            &format!("{d}/serviceStatsOverTime"),
            get(health::service_stats_over_time),
        )
        .route(
            &format!("{d}/predictionsOverTime"),
            get(predictions::predictions_over_time),
        )
        .route(
            &format!("{d}/predictionsVsActualsOverTime"),
            get(predictions::predictions_vs_actuals_over_time),
        )
        .route(&format!("{d}/targetDrift"), get(drift::target_drift))
        .route(&format!("{d}/featureDrift"), get(drift::feature_drift))
        .route(
            &format!("{d}/featureDriftOverTime"),
            get(drift::feature_drift_over_time),
        )
        .route(&format!("{d}/accuracy"), get(accuracy::accuracy))
        .route(
            &format!("{d}/accuracyOverTime"),
            get(accuracy::accuracy_over_time),
        )
        .route(
            &format!("{d}/actuals/fromJSON"),
            post(accuracy::submit_actuals),
        )
        .route(
            &format!("{d}/predictionResults"),
            get(accuracy::prediction_results),
        )
        .route(
            &format!("{d}/monitoringDataDeletions"),
            post(accuracy::delete_monitoring_data),
        )
        .with_state(dr)
}

/// `GET version/`: the API version the client checks at start (it refuses a major above 2).
async fn version(State(dr): State<Arc<Dr>>, headers: HeaderMap) -> Answer {
    authenticate(&dr, &headers)?;
    json(shapes::version())
}

/// `GET predictionServers/`: this server.
async fn prediction_servers(State(dr): State<Arc<Dr>>, headers: HeaderMap) -> Answer {
    authenticate(&dr, &headers)?;
    json(shapes::prediction_servers(&[shapes::PredictionServer {
        id: "plinth".into(),
        url: crate::app::base_url(&headers),
        datarobot_key: None,
    }]))
}

/// The poll URL of an asynchronous operation. Plinth completes operations before answering
/// 202, so a poll answers at once: a status change redirects (303) to its deployment, which the
/// client needs; anything else is `COMPLETED`.
async fn status(
    State(dr): State<Arc<Dr>>,
    Path(status): Path<String>,
    headers: HeaderMap,
) -> Answer {
    authenticate(&dr, &headers)?;
    match status.strip_prefix("deployment~") {
        Some(id) => see_other(&api_url(&headers, &format!("deployments/{id}"))),
        None if status == "done" => json(serde_json::json!({"status": "COMPLETED"})),
        None => Err(DrError::not_found(format!("no status {status}"))),
    }
}

/// The 202 of an operation already done (settings, actuals).
pub(crate) fn done(headers: &HeaderMap) -> Answer {
    accepted(&api_url(headers, "status/done"))
}
