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
    use serde_json::Value;
    use std::collections::BTreeSet;

    /// Every route the plugin serves, as (method, path).
    const EXPECTED: [(&str, &str); 30] = [
        ("get", "/api/v2/version"),
        ("get", "/api/v2/predictionServers"),
        ("get", "/api/v2/status/{status}"),
        ("get", "/api/v2/deployments"),
        ("get", "/api/v2/deployments/{id}"),
        ("patch", "/api/v2/deployments/{id}"),
        ("delete", "/api/v2/deployments/{id}"),
        ("patch", "/api/v2/deployments/{id}/status"),
        ("get", "/api/v2/deployments/{id}/settings"),
        ("patch", "/api/v2/deployments/{id}/settings"),
        ("get", "/api/v2/deployments/{id}/healthSettings"),
        ("patch", "/api/v2/deployments/{id}/healthSettings"),
        ("get", "/api/v2/deployments/{id}/healthSettings/defaults"),
        ("get", "/api/v2/deployments/{id}/capabilities"),
        ("get", "/api/v2/deployments/{id}/features"),
        ("post", "/api/v2/deployments/{id}/tags"),
        ("patch", "/api/v2/deployments/{id}/tags/{tag}"),
        ("delete", "/api/v2/deployments/{id}/tags/{tag}"),
        ("get", "/api/v2/deployments/{id}/serviceStats"),
        ("get", "/api/v2/deployments/{id}/serviceStatsOverTime"),
        ("get", "/api/v2/deployments/{id}/predictionsOverTime"),
        (
            "get",
            "/api/v2/deployments/{id}/predictionsVsActualsOverTime",
        ),
        ("get", "/api/v2/deployments/{id}/targetDrift"),
        ("get", "/api/v2/deployments/{id}/featureDrift"),
        ("get", "/api/v2/deployments/{id}/featureDriftOverTime"),
        ("get", "/api/v2/deployments/{id}/accuracy"),
        ("get", "/api/v2/deployments/{id}/accuracyOverTime"),
        ("post", "/api/v2/deployments/{id}/actuals/fromJSON"),
        ("get", "/api/v2/deployments/{id}/predictionResults"),
        ("post", "/api/v2/deployments/{id}/monitoringDataDeletions"),
    ];

    const METHODS: [&str; 8] = [
        "get", "put", "post", "delete", "options", "head", "patch", "trace",
    ];

    fn document() -> Value {
        let (_router, api) = super::api().split_for_parts();
        let text = serde_json::to_string_pretty(&api).expect("the document serializes");
        serde_json::from_str(&text).expect("the document is JSON")
    }

    fn operations(doc: &Value) -> Vec<(String, String, &Value)> {
        let mut out = Vec::new();
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for (method, op) in item.as_object().expect("path item") {
                if METHODS.contains(&method.as_str()) {
                    out.push((method.clone(), path.clone(), op));
                }
            }
        }
        out
    }

    fn refs<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    match (k.as_str(), v) {
                        ("$ref", Value::String(r)) => out.push(r),
                        _ => refs(v, out),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }

    #[test]
    fn every_served_route_is_documented() {
        let doc = document();
        let documented: BTreeSet<(String, String)> = operations(&doc)
            .into_iter()
            .map(|(m, p, _)| (m, p))
            .collect();
        let expected: BTreeSet<(String, String)> = EXPECTED
            .iter()
            .map(|(m, p)| (m.to_string(), p.to_string()))
            .collect();
        assert_eq!(documented, expected);
        assert_eq!(operations(&doc).len(), EXPECTED.len());
    }

    #[test]
    fn every_operation_is_complete() {
        let doc = document();
        let mut ids = BTreeSet::new();
        for (method, path, op) in operations(&doc) {
            let what = format!("{method} {path}");
            let id = op["operationId"].as_str().expect(&what);
            assert!(id.starts_with("datarobot_"), "{what}: {id}");
            assert!(ids.insert(id.to_owned()), "{what}: duplicate {id}");
            assert_eq!(op["tags"], serde_json::json!(["datarobot"]), "{what}");
            assert!(
                op["summary"].as_str().is_some_and(|s| !s.is_empty()),
                "{what}"
            );
            assert_eq!(
                op["security"],
                serde_json::json!([{"dataRobotToken": []}]),
                "{what}"
            );
            let responses = op["responses"].as_object().expect(&what);
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
            // Every `{param}` of the path is declared, as a path parameter.
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            for segment in path.split('/') {
                if let Some(name) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                    assert!(
                        params
                            .iter()
                            .any(|p| p["name"] == name && p["in"] == "path"),
                        "{what}: {name}"
                    );
                }
            }
        }
    }

    #[test]
    fn every_ref_resolves_and_names_are_prefixed() {
        let doc = document();
        let schemas = doc["components"]["schemas"].as_object().expect("schemas");
        for name in schemas.keys() {
            assert!(name.starts_with("DataRobot"), "{name}");
        }
        let mut found = Vec::new();
        refs(&doc, &mut found);
        assert!(!found.is_empty());
        for r in found {
            let name = r
                .strip_prefix("#/components/schemas/")
                .unwrap_or_else(|| panic!("{r} is not a schema reference"));
            assert!(schemas.contains_key(name), "{r} does not resolve");
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
