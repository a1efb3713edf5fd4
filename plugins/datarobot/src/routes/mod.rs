//! The routes under `/api/v2/` (the host drops trailing slashes before routing, so each route
//! is written without one; the client always sends it).

mod accuracy;
mod deployments;
mod drift;
mod health;
mod predictions;

use crate::app::{Answer, Dr, accepted, api_url, authenticate, json, see_other};
use crate::error::DrError;
use crate::openapi as oa;
use crate::openapi::DataRobotApiDoc;
use crate::shapes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use std::sync::Arc;
use utoipa::OpenApi as _;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Every route of the plugin, each registered with its OpenAPI documentation, without the
/// state (so that the document can be built without one).
pub fn api() -> OpenApiRouter<Arc<Dr>> {
    OpenApiRouter::with_openapi(DataRobotApiDoc::openapi())
        .routes(routes!(version))
        .routes(routes!(prediction_servers))
        .routes(routes!(status))
        .routes(routes!(deployments::list))
        .routes(routes!(
            deployments::get,
            deployments::update,
            deployments::delete
        ))
        .routes(routes!(deployments::set_status))
        .routes(routes!(deployments::settings, deployments::update_settings))
        .routes(routes!(
            deployments::health_settings,
            deployments::update_health_settings
        ))
        .routes(routes!(deployments::default_health_settings))
        .routes(routes!(deployments::capabilities))
        .routes(routes!(deployments::features))
        .routes(routes!(deployments::create_tag))
        .routes(routes!(deployments::update_tag, deployments::delete_tag))
        .routes(routes!(health::service_stats))
        .routes(routes!(health::service_stats_over_time))
        .routes(routes!(predictions::predictions_over_time))
        .routes(routes!(predictions::predictions_vs_actuals_over_time))
        .routes(routes!(drift::target_drift))
        .routes(routes!(drift::feature_drift))
        .routes(routes!(drift::feature_drift_over_time))
        .routes(routes!(accuracy::accuracy))
        .routes(routes!(accuracy::accuracy_over_time))
        .routes(routes!(accuracy::submit_actuals))
        .routes(routes!(accuracy::prediction_results))
        .routes(routes!(accuracy::delete_monitoring_data))
}

/// Every route of the plugin with its state, and their OpenAPI documentation.
pub fn router(dr: Arc<Dr>) -> OpenApiRouter {
    api().with_state(dr)
}

/// `GET version/`: the API version the client checks at start (it refuses a major above 2).
#[utoipa::path(
    get,
    path = "/api/v2/version",
    tag = "datarobot",
    operation_id = "datarobot_version",
    summary = "The API version (the client checks its major at start)",
    security(("dataRobotToken" = [])),
    responses(
        (status = 200, description = "The version", body = oa::DataRobotVersion),
        (status = 401, description = "No key, or a key this server does not know", body = oa::DataRobotError),
        (status = 403, description = "A service key: the DataRobot API needs an admin or monitoring key", body = oa::DataRobotError)
    )
)]
async fn version(State(dr): State<Arc<Dr>>, headers: HeaderMap) -> Answer {
    authenticate(&dr, &headers)?;
    json(shapes::version())
}

/// `GET predictionServers/`: this server.
#[utoipa::path(
    get,
    path = "/api/v2/predictionServers",
    tag = "datarobot",
    operation_id = "datarobot_list_prediction_servers",
    summary = "The prediction servers: this server",
    security(("dataRobotToken" = [])),
    responses(
        (status = 200, description = "One page with this server", body = oa::DataRobotPredictionServerList),
        (status = 401, description = "No key, or a key this server does not know", body = oa::DataRobotError),
        (status = 403, description = "A service key: the DataRobot API needs an admin or monitoring key", body = oa::DataRobotError)
    )
)]
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
#[utoipa::path(
    get,
    path = "/api/v2/status/{status}",
    tag = "datarobot",
    operation_id = "datarobot_get_status",
    summary = "Polls an asynchronous operation (all are done before their 202)",
    params(("status" = String, Path, description = "`done`, or `deployment~<id>` after a status change")),
    security(("dataRobotToken" = [])),
    responses(
        (status = 200, description = "`done`: the operation is complete", body = oa::DataRobotOperationStatus),
        (status = 303, description = "`deployment~<id>`: the status change is done; `Location` is the deployment", body = oa::DataRobotEmpty, headers(("Location" = String, description = "Absolute URL of the deployment"))),
        (status = 401, description = "No key, or a key this server does not know", body = oa::DataRobotError),
        (status = 403, description = "A service key: the DataRobot API needs an admin or monitoring key", body = oa::DataRobotError),
        (status = 404, description = "No such status", body = oa::DataRobotError)
    )
)]
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

#[cfg(test)]
mod openapi_tests {
    use plinth_plugin_api::openapi_checks::{
        DocumentRules, DocumentedOperation, check_plugin_document, routes,
    };
    use serde_json::Value;

    /// Every route the plugin serves, as (method, path).
    const EXPECTED: [(&str, &str); 30] = [
        ("GET", "/api/v2/version"),
        ("GET", "/api/v2/predictionServers"),
        ("GET", "/api/v2/status/{status}"),
        ("GET", "/api/v2/deployments"),
        ("GET", "/api/v2/deployments/{id}"),
        ("PATCH", "/api/v2/deployments/{id}"),
        ("DELETE", "/api/v2/deployments/{id}"),
        ("PATCH", "/api/v2/deployments/{id}/status"),
        ("GET", "/api/v2/deployments/{id}/settings"),
        ("PATCH", "/api/v2/deployments/{id}/settings"),
        ("GET", "/api/v2/deployments/{id}/healthSettings"),
        ("PATCH", "/api/v2/deployments/{id}/healthSettings"),
        ("GET", "/api/v2/deployments/{id}/healthSettings/defaults"),
        ("GET", "/api/v2/deployments/{id}/capabilities"),
        ("GET", "/api/v2/deployments/{id}/features"),
        ("POST", "/api/v2/deployments/{id}/tags"),
        ("PATCH", "/api/v2/deployments/{id}/tags/{tag}"),
        ("DELETE", "/api/v2/deployments/{id}/tags/{tag}"),
        ("GET", "/api/v2/deployments/{id}/serviceStats"),
        ("GET", "/api/v2/deployments/{id}/serviceStatsOverTime"),
        ("GET", "/api/v2/deployments/{id}/predictionsOverTime"),
        (
            "GET",
            "/api/v2/deployments/{id}/predictionsVsActualsOverTime",
        ),
        ("GET", "/api/v2/deployments/{id}/targetDrift"),
        ("GET", "/api/v2/deployments/{id}/featureDrift"),
        ("GET", "/api/v2/deployments/{id}/featureDriftOverTime"),
        ("GET", "/api/v2/deployments/{id}/accuracy"),
        ("GET", "/api/v2/deployments/{id}/accuracyOverTime"),
        ("POST", "/api/v2/deployments/{id}/actuals/fromJSON"),
        ("GET", "/api/v2/deployments/{id}/predictionResults"),
        ("POST", "/api/v2/deployments/{id}/monitoringDataDeletions"),
    ];

    fn document() -> Value {
        let (_router, api) = super::api().split_for_parts();
        serde_json::to_value(&api).expect("the document serializes")
    }

    /// The rules every plugin document keeps (prefixed unique ids, tag, summary, declared path
    /// parameters, registered security, prefixed schemas, resolving refs), then DataRobot's.
    fn checked() -> Vec<DocumentedOperation> {
        let (_router, api) = super::api().split_for_parts();
        check_plugin_document(
            &api,
            DocumentRules {
                tag: "datarobot",
                operation_prefix: "datarobot_",
                schema_prefix: "DataRobot",
            },
        )
    }

    #[test]
    fn every_served_route_is_documented() {
        let documented: Vec<(String, String)> =
            checked().into_iter().map(|o| (o.method, o.path)).collect();
        assert_eq!(documented, routes(&EXPECTED));
        assert_eq!(documented.len(), EXPECTED.len());
    }

    #[test]
    fn every_operation_is_complete() {
        let doc = document();
        for op in checked() {
            let what = format!("{} {}", op.method, op.path);
            let operation = &doc["paths"][&op.path][op.method.to_lowercase()];
            assert_eq!(
                operation["security"],
                serde_json::json!([{"dataRobotToken": []}]),
                "{what}"
            );
            let responses = operation["responses"].as_object().expect(&what);
            assert!(responses.contains_key("401"), "{what}");
            for (status, response) in responses {
                if status.as_str() >= "400" {
                    assert_eq!(
                        response["content"]["application/json"]["schema"]["$ref"],
                        "#/components/schemas/DataRobotError",
                        "{what} {status}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_security_scheme_is_registered_and_not_global() {
        let doc = document();
        assert!(doc.get("security").is_none_or(Value::is_null));
        assert_eq!(
            doc["components"]["securitySchemes"]["dataRobotToken"]["type"],
            "apiKey"
        );
        assert_eq!(
            doc["components"]["securitySchemes"]["dataRobotToken"]["in"],
            "header"
        );
        assert_eq!(
            doc["components"]["securitySchemes"]["dataRobotToken"]["name"],
            "Authorization"
        );
    }

    #[test]
    #[ignore = "prints the document"]
    fn print_document() {
        println!("{}", serde_json::to_string_pretty(&document()).unwrap());
    }
}
