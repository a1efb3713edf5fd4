//! What every handler shares: the plugin's state, authentication, the base URL of absolute
//! links, the response helpers, and finding a deployment.

use crate::error::{CONTENT_TYPE, DrError};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use plinth_monitoring::Monitoring;
use plinth_plugin_api::{HostView, ModelInfo, PrincipalScope, ServiceView};
use serde_json::Value;
use std::sync::Arc;

/// The plugin's state.
pub struct Dr {
    /// The monitoring store.
    pub monitoring: Arc<Monitoring>,
    /// The host.
    pub host: Arc<dyn HostView>,
    /// The plugin's tables.
    pub tables: crate::store::Tables,
}

/// A handler's result.
pub type Answer = Result<Response, DrError>;

impl IntoResponse for DrError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::BAD_REQUEST);
        (
            status,
            [(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE))],
            self.to_body(),
        )
            .into_response()
    }
}

/// A 200 JSON answer.
pub fn json(value: Value) -> Answer {
    Ok((
        [(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE))],
        crate::error::ascii_json(&value),
    )
        .into_response())
}

/// A 204 answer.
pub fn no_content() -> Answer {
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// A 202 answer pointing at a status URL the client polls.
pub fn accepted(location: &str) -> Answer {
    let mut response = (
        StatusCode::ACCEPTED,
        [(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE))],
        "{}",
    )
        .into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    Ok(response)
}

/// A 303 to another URL (the end of a status change's polling).
pub fn see_other(location: &str) -> Answer {
    let mut response = (
        StatusCode::SEE_OTHER,
        [(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE))],
        "{}",
    )
        .into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    Ok(response)
}

/// `http(s)://host[:port]` as the client reached the server, for absolute URLs.
pub fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("127.0.0.1");
    let scheme = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .filter(|p| *p == "https" || *p == "http")
        .unwrap_or("http");
    format!("{scheme}://{host}")
}

/// `<base>/api/v2/<path>` with the trailing slash the client expects.
pub fn api_url(headers: &HeaderMap, path: &str) -> String {
    format!("{}/api/v2/{}/", base_url(headers), path.trim_matches('/'))
}

/// Checks the request's key: admin and monitoring keys are accepted.
pub fn authenticate(dr: &Dr, headers: &HeaderMap) -> Result<String, DrError> {
    let Some(authorization) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return Err(DrError::unauthorized());
    };
    let principal = dr
        .host
        .authenticate(authorization)
        .ok_or_else(DrError::unauthorized)?;
    match principal.scope {
        PrincipalScope::Admin | PrincipalScope::Monitoring => Ok(principal.key_id),
        PrincipalScope::Service(_) => Err(DrError::forbidden(
            "a service key calls its service's endpoints: the DataRobot API needs an admin or monitoring key",
        )),
    }
}

/// A deployment: one prediction endpoint of a service, as of its main generation.
pub struct Deployment {
    /// `<service>~<endpoint>`.
    pub id: String,
    /// The service.
    pub service: ServiceView,
    /// The endpoint id.
    pub endpoint: String,
    /// The endpoint's description.
    pub description: Option<String>,
    /// The generation serving most of the traffic (`modelId`).
    pub generation: String,
    /// The model.
    pub model: Arc<ModelInfo>,
}

impl Deployment {
    /// Whether calls are served (service enabled, endpoint not switched off).
    pub fn active(&self) -> bool {
        self.service.enabled && !self.service.inactive_endpoints.contains(&self.endpoint)
    }

    /// The monitoring series of one generation of this deployment.
    pub fn series(&self, generation: &str) -> plinth_monitoring::SeriesKey {
        plinth_monitoring::SeriesKey {
            service: self.service.id.clone(),
            endpoint: self.endpoint.clone(),
            generation: generation.to_owned(),
        }
    }

    /// The read filter of some generations (`[]`: the main one).
    pub fn filter(&self, generations: &[String]) -> plinth_monitoring::SeriesFilter {
        plinth_monitoring::SeriesFilter {
            service: self.service.id.clone(),
            endpoint: self.endpoint.clone(),
            generations: Some(if generations.is_empty() {
                vec![self.generation.clone()]
            } else {
                generations.to_vec()
            }),
        }
    }

    /// Checks that a `modelId` is one of this deployment's generations.
    pub fn check_model(&self, model_id: &str) -> Result<(), DrError> {
        if self.service.generations.iter().any(|g| g.id == model_id) {
            Ok(())
        } else {
            Err(DrError::not_found(format!(
                "model {model_id} is not a model of deployment {}: its models are {}",
                self.id,
                self.service
                    .generations
                    .iter()
                    .map(|g| g.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )))
        }
    }
}

/// Splits a deployment id into service and endpoint.
pub fn split_id(id: &str) -> Option<(&str, &str)> {
    id.split_once('~')
}

impl Dr {
    /// Every deployment: the prediction endpoints of each service's main generation.
    pub async fn deployments(&self) -> Vec<Deployment> {
        let mut out = Vec::new();
        for service in self.host.services() {
            let Some(generation) = service.main_generation().map(str::to_owned) else {
                continue;
            };
            let Some(endpoints) = self.host.endpoints(&service.id, Some(&generation)).await else {
                continue;
            };
            for e in endpoints {
                if let Some(model) = e.model {
                    out.push(Deployment {
                        id: format!("{}~{}", service.id, e.id),
                        service: service.clone(),
                        endpoint: e.id,
                        description: e.description,
                        generation: generation.clone(),
                        model,
                    });
                }
            }
        }
        out
    }

    /// Authenticates the request, then finds the deployment it names.
    pub async fn open(&self, id: &str, headers: &HeaderMap) -> Result<Deployment, DrError> {
        authenticate(self, headers)?;
        self.deployment(id).await
    }

    /// The deployment with this id (404 otherwise, also once deleted).
    pub async fn deployment(&self, id: &str) -> Result<Deployment, DrError> {
        let (service_id, endpoint) =
            split_id(id).ok_or_else(|| DrError::deployment_not_found(id))?;
        let service = self
            .host
            .service(service_id)
            .ok_or_else(|| DrError::deployment_not_found(id))?;
        let generation = service
            .main_generation()
            .map(str::to_owned)
            .ok_or_else(|| DrError::deployment_not_found(id))?;
        let endpoints = self
            .host
            .endpoints(service_id, Some(&generation))
            .await
            .ok_or_else(|| DrError::deployment_not_found(id))?;
        let e = endpoints
            .into_iter()
            .find(|e| e.id == endpoint && e.model.is_some())
            .ok_or_else(|| DrError::deployment_not_found(id))?;
        let deployment = Deployment {
            id: id.to_owned(),
            service,
            endpoint: e.id,
            description: e.description,
            generation,
            model: e.model.expect("checked"),
        };
        if self
            .tables
            .is_deleted(&deployment.id, &deployment.generation)
            .await?
        {
            return Err(DrError::deployment_not_found(id));
        }
        Ok(deployment)
    }
}

/// A storage failure as a DataRobot error (a 500: the client does not retry it).
pub fn db_error(e: sqlx::Error) -> DrError {
    tracing::error!(target: "plinth::datarobot", "database error: {e}");
    DrError::internal(format!("the monitoring database failed: {e}"))
}
