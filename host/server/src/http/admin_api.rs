//! The admin API under `/admin/api/`, as `APINodeAdminClient` calls it, plus upload-deploy,
//! service keys and the audit trail. Every route needs an admin key.

use super::body::{parse_object, read_limited};
use super::error::HttpError;
use super::query_options::QueryOptions;
use crate::bundle::BundleSource;
use crate::dispatch::{MappingEntry, Routing, Strategy};
use crate::runtime::NewKey;
use crate::runtime::{DeployRequest, Host, ServiceRuntime};
use crate::store::{KeyRow, KeyScope};
use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use plinth_engine_api::ApiError;
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;
use tokio::io::AsyncWriteExt;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

type Answer = Result<Json<Value>, HttpError>;

/// The admin routes, relative to `/admin/api`, each with its OpenAPI documentation.
pub fn routes(host: Arc<Host>) -> OpenApiRouter<Arc<Host>> {
    OpenApiRouter::new()
        .routes(routes!(list_services, create_service))
        .routes(routes!(describe_service, delete_service))
        .routes(routes!(enable))
        .routes(routes!(disable))
        .routes(routes!(switch_to_newest))
        .routes(routes!(switch_to))
        .routes(routes!(set_mapping))
        .routes(routes!(get_mapping))
        .routes(routes!(list_generations))
        .routes(routes!(import_from_archive))
        .routes(routes!(upload_into_service))
        .routes(routes!(describe_generation))
        .routes(routes!(preload))
        .routes(routes!(list_service_keys, create_service_key))
        .routes(routes!(delete_service_key))
        .routes(routes!(service_audit))
        .routes(routes!(clean_unused))
        .routes(routes!(upload_deploy))
        .routes(routes!(list_admin_keys, create_admin_key))
        .routes(routes!(list_monitoring_keys, create_monitoring_key))
        .routes(routes!(delete_monitoring_key))
        .routes(routes!(delete_admin_key))
        .routes(routes!(delete_admin_key_by_id))
        .routes(routes!(metrics_json))
        .routes(routes!(metrics_prometheus))
        .routes(routes!(audit))
        .route_layer(axum::middleware::from_fn_with_state(host, require_admin))
}

async fn require_admin(State(host): State<Arc<Host>>, request: Request, next: Next) -> Response {
    let authorization = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    match host.keys.authorize_admin(authorization) {
        Ok(_) => next.run(request).await,
        Err(e) => HttpError(e).into_response(),
    }
}

fn ok(value: Value) -> Answer {
    Ok(Json(value))
}

// ---- services -------------------------------------------------------------------------------

fn service_summary(service: &ServiceRuntime) -> Value {
    let state = service.state();
    let (strategy, entries) = state
        .routing
        .as_ref()
        .map(Routing::as_mapping)
        .unwrap_or((Strategy::Random, Vec::new()));
    json!({
        "id": service.id,
        "serviceId": service.id,
        "enabled": state.enabled,
        "public": state.public,
        "description": state.description,
        "generations": state.generations.iter().map(|g| g.id.clone()).collect::<Vec<_>>(),
        "mapping": {"strategy": strategy, "entries": entries},
    })
}

#[utoipa::path(
    get,
    path = "/services",
    tag = "admin",
    summary = "The services on this node",
    security(("adminKey" = [])),
    responses((status = 200, description = "OK", body = serde_json::Value), (status = 400, response = crate::http::openapi::BadRequest), (status = 401, response = crate::http::openapi::Unauthorized), (status = 404, response = crate::http::openapi::NotFound))
)]
async fn list_services(State(host): State<Arc<Host>>) -> Answer {
    ok(Value::Array(
        host.services().iter().map(|s| service_summary(s)).collect(),
    ))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateService {
    service_id: String,
}

#[utoipa::path(
    post,
    path = "/services",
    tag = "admin",
    summary = "Creates an empty service (body: {\"serviceId\": ...})",
    security(("adminKey" = [])),
    request_body(content = serde_json::Value, description = "JSON object", content_type = "application/json"),
    responses((status = 200, description = "OK", body = serde_json::Value), (status = 400, response = crate::http::openapi::BadRequest), (status = 401, response = crate::http::openapi::Unauthorized), (status = 404, response = crate::http::openapi::NotFound))
)]
async fn create_service(State(host): State<Arc<Host>>, headers: HeaderMap, body: Body) -> Answer {
    let request: CreateService =
        json_body(&host, &headers, body, "{\"serviceId\": \"my_service\"}").await?;
    host.create_service(&request.service_id).await?;
    ok(json!({"serviceId": request.service_id, "created": true}))
}

#[utoipa::path(
    get,
    path = "/services/{id}",
    tag = "admin",
    summary = "A service: its generations, routing, endpoints",
    security(("adminKey" = [])),
    params(("id" = String, Path)),
    responses((status = 200, description = "OK", body = serde_json::Value), (status = 400, response = crate::http::openapi::BadRequest), (status = 401, response = crate::http::openapi::Unauthorized), (status = 404, response = crate::http::openapi::NotFound))
)]
async fn describe_service(State(host): State<Arc<Host>>, Path(id): Path<String>) -> Answer {
    let service = host.service_or_404(&id)?;
    let mut summary = service_summary(&service);
    let state = service.state();
    let mut active = Vec::new();
    if let Some(routing) = &state.routing {
        let (_, entries) = routing.as_mapping();
        for entry in entries.iter().filter(|e| e.proba > 0.0) {
            active.push(match host.generation(&service, &entry.generation).await {
                Ok(generation) => json!({
                    "generation": entry.generation,
                    "proba": entry.proba,
                    "endpoints": endpoints_of(&generation),
                }),
                Err(e) => json!({"generation": entry.generation, "proba": entry.proba, "error": e.detail_or_message()}),
            });
        }
    }
    let primary = active
        .iter()
        .max_by(|a, b| {
            a["proba"]
                .as_f64()
                .partial_cmp(&b["proba"].as_f64())
                .unwrap_or(std::cmp::Ordering::Equal)
        })
        .and_then(|g| g.get("endpoints").cloned())
        .unwrap_or(Value::Array(Vec::new()));
    summary["endpoints"] = primary;
    summary["activeGenerations"] = Value::Array(active);
    ok(summary)
}

fn endpoints_of(generation: &crate::generation::Generation) -> Value {
    Value::Array(
        generation
            .endpoints
            .iter()
            .map(|e| {
                let mut v = json!({
                    "id": e.id,
                    "kind": e.kind,
                    "actions": e.actions(),
                    "description": e.description,
                    "maxConcurrency": e.max_concurrency,
                    "queueTimeoutMs": e.queue_timeout.as_millis() as u64,
                });
                let details = e.handle.describe();
                if !details.is_null() {
                    v["details"] = details;
                }
                v
            })
            .collect(),
    )
}

#[utoipa::path(
    delete,
    path = "/services/{id}",
    tag = "admin",
    summary = "Deletes a service and its generations",
    security(("adminKey" = [])),
    params(("id" = String, Path)),
    responses((status = 200, description = "OK", body = serde_json::Value), (status = 400, response = crate::http::openapi::BadRequest), (status = 401, response = crate::http::openapi::Unauthorized), (status = 404, response = crate::http::openapi::NotFound))
)]
async fn delete_service(State(host): State<Arc<Host>>, Path(id): Path<String>) -> Answer {
    host.delete_service(&id).await?;
    ok(json!({"serviceId": id, "deleted": true}))
}

#[utoipa::path(
    post,
    path = "/services/{id}/actions/enable",
    tag = "admin",
    summary = "Enables a service",
    security(("adminKey" = [])),
    params(("id" = String, Path)),
    responses((status = 200, description = "OK", body = serde_json::Value), (status = 400, response = crate::http::openapi::BadRequest), (status = 401, response = crate::http::openapi::Unauthorized), (status = 404, response = crate::http::openapi::NotFound))
)]
async fn enable(State(host): State<Arc<Host>>, Path(id): Path<String>) -> Answer {
    host.set_enabled(&id, true).await?;
    ok(json!({"serviceId": id, "enabled": true}))
}

#[utoipa::path(
    post,
    path = "/services/{id}/actions/disable",
    tag = "admin",
    summary = "Disables a service (calls answer 503)",
    security(("adminKey" = [])),
    params(("id" = String, Path)),
    responses((status = 200, description = "OK", body = serde_json::Value), (status = 400, response = crate::http::openapi::BadRequest), (status = 401, response = crate::http::openapi::Unauthorized), (status = 404, response = crate::http::openapi::NotFound))
)]
async fn disable(State(host): State<Arc<Host>>, Path(id): Path<String>) -> Answer {
    host.set_enabled(&id, false).await?;
    ok(json!({"serviceId": id, "enabled": false}))
}

#[utoipa::path(
    post,
    path = "/services/{id}/actions/switchToNewest",
    tag = "admin",
    summary = "Routes every call to the newest generation",
    security(("adminKey" = [])),
    params(("id" = String, Path)),
    responses((status = 200, description = "OK", body = serde_json::Value), (status = 400, response = crate::http::openapi::BadRequest), (status = 401, response = crate::http::openapi::Unauthorized), (status = 404, response = crate::http::openapi::NotFound))
)]
async fn switch_to_newest(State(host): State<Arc<Host>>, Path(id): Path<String>) -> Answer {
    let generation = host.switch_to_newest(&id).await?;
    ok(json!({"serviceId": id, "generation": generation}))
}

#[utoipa::path(
    post,
    path = "/services/{id}/actions/switchTo/{generation}",
    tag = "admin",
    summary = "Routes every call to one generation",
    security(("adminKey" = [])),
    params(("id" = String, Path), ("generation" = String, Path)),
    responses((status = 200, description = "OK", body = serde_json::Value), (status = 400, response = crate::http::openapi::BadRequest), (status = 401, response = crate::http::openapi::Unauthorized), (status = 404, response = crate::http::openapi::NotFound))
)]
async fn switch_to(
    State(host): State<Arc<Host>>,
    Path((id, generation)): Path<(String, String)>,
) -> Answer {
    host.set_routing(&id, Routing::single(&generation), false)
        .await?;
    ok(json!({"serviceId": id, "generation": generation}))
}

#[derive(Deserialize)]
struct MappingBody {
    entries: Vec<MappingEntry>,
    #[serde(default)]
    strategy: Option<Strategy>,
}

#[utoipa::path(
    post,
    path = "/services/{id}/actions/setMapping",
    tag = "admin",
    summary = "Sets the generation mapping (RANDOM or HASH_BASED dispatch)",
    security(("adminKey" = [])),
    params(("id" = String, Path)),
    request_body(content = serde_json::Value, description = "JSON object", content_type = "application/json"),
    responses((status = 200, description = "OK", body = serde_json::Value), (status = 400, response = crate::http::openapi::BadRequest), (status = 401, response = crate::http::openapi::Unauthorized), (status = 404, response = crate::http::openapi::NotFound))
)]
async fn set_mapping(
    State(host): State<Arc<Host>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Answer {
    let mapping: MappingBody = json_body(
        &host,
        &headers,
        body,
        "{\"entries\": [{\"generation\": \"v1\", \"proba\": 0.9}, {\"generation\": \"v2\", \"proba\": 0.1}], \"strategy\": \"RANDOM\" | \"HASH_BASED\"}",
    )
    .await?;
    let routing = Routing::Mapping {
        strategy: mapping.strategy.unwrap_or_default(),
        entries: mapping.entries,
    };
    host.set_routing(&id, routing.clone(), true).await?;
    ok(json!({"serviceId": id, "mapping": routing}))
}

#[utoipa::path(
    get,
    path = "/services/{id}/mapping",
    tag = "admin",
    summary = "The generation mapping",
    security(("adminKey" = [])),
    params(("id" = String, Path)),
    responses((status = 200, description = "OK", body = serde_json::Value), (status = 400, response = crate::http::openapi::BadRequest), (status = 401, response = crate::http::openapi::Unauthorized), (status = 404, response = crate::http::openapi::NotFound))
)]
async fn get_mapping(State(host): State<Arc<Host>>, Path(id): Path<String>) -> Answer {
    let service = host.service_or_404(&id)?;
    let state = service.state();
    let (strategy, entries) = state
        .routing
        .as_ref()
        .map(Routing::as_mapping)
        .unwrap_or((Strategy::Random, Vec::new()));
    ok(json!({"strategy": strategy, "entries": entries}))
}

// ---- generations ----------------------------------------------------------------------------

#[utoipa::path(
    get,
    path = "/services/{id}/generations",
    tag = "admin",
    summary = "A service's generations",
    security(("adminKey" = [])),
    params(("id" = String, Path)),
    responses((status = 200, description = "OK", body = serde_json::Value), (status = 400, response = crate::http::openapi::BadRequest), (status = 401, response = crate::http::openapi::Unauthorized), (status = 404, response = crate::http::openapi::NotFound))
)]
async fn list_generations(State(host): State<Arc<Host>>, Path(id): Path<String>) -> Answer {
    let service = host.service_or_404(&id)?;
    let state = service.state();
    let routed: Vec<&str> = state
        .routing
        .as_ref()
        .map(Routing::generations)
        .unwrap_or_default();
    let generations: Vec<Value> = state
        .generations
        .iter()
        .map(|g| {
            json!({
                "id": g.id,
                "generation": g.id,
                "seq": g.seq,
                "createdAt": g.created_at,
                "sha256": g.sha256,
                "active": routed.contains(&g.id.as_str()),
                "loaded": state.loaded.contains_key(&g.id),
            })
        })
        .collect();
    ok(json!({"serviceId": id, "generations": generations}))
}

#[utoipa::path(
    get,
    path = "/services/{id}/generations/{generation}",
    tag = "admin",
    summary = "A generation: its endpoints and what they take",
    security(("adminKey" = [])),
    params(("id" = String, Path), ("generation" = String, Path)),
    responses((status = 200, description = "OK", body = serde_json::Value), (status = 400, response = crate::http::openapi::BadRequest), (status = 401, response = crate::http::openapi::Unauthorized), (status = 404, response = crate::http::openapi::NotFound))
)]
async fn describe_generation(
    State(host): State<Arc<Host>>,
    Path((id, generation)): Path<(String, String)>,
) -> Answer {
    let service = host.service_or_404(&id)?;
    let row = service
        .state()
        .generations
        .iter()
        .find(|g| g.id == generation)
        .cloned()
        .ok_or_else(|| crate::runtime::unknown_generation(&id, &generation))?;
    let loaded = host.generation(&service, &generation).await?;
    ok(json!({
        "serviceId": id,
        "id": row.id,
        "seq": row.seq,
        "createdAt": row.created_at,
        "sha256": row.sha256,
        "manifest": row.manifest,
        "endpoints": endpoints_of(&loaded),
    }))
}

#[utoipa::path(
    post,
    path = "/services/{id}/generations/{generation}/preload",
    tag = "admin",
    summary = "Loads a generation without routing calls to it",
    security(("adminKey" = [])),
    params(("id" = String, Path), ("generation" = String, Path)),
    responses((status = 200, description = "OK", body = serde_json::Value), (status = 400, response = crate::http::openapi::BadRequest), (status = 401, response = crate::http::openapi::Unauthorized), (status = 404, response = crate::http::openapi::NotFound))
)]
async fn preload(
    State(host): State<Arc<Host>>,
    Path((id, generation)): Path<(String, String)>,
) -> Answer {
    host.preload(&id, &generation).await?;
    ok(json!({"serviceId": id, "generation": generation, "loaded": true}))
}

/// Options of an import or upload, from the query string.
#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
struct ImportOptions {
    file_path: Option<String>,
    generation: Option<String>,
    #[serde(default)]
    activate: bool,
    #[serde(default)]
    create_service: bool,
}

#[utoipa::path(
    post,
    path = "/services/{id}/generations/actions/importFromArchive",
    tag = "admin",
    summary = "Imports a generation from a bundle on this server (filePath)",
    security(("adminKey" = [])),
    params(("id" = String, Path), ImportOptions),
    responses((status = 200, description = "OK", body = serde_json::Value), (status = 400, response = crate::http::openapi::BadRequest), (status = 401, response = crate::http::openapi::Unauthorized), (status = 404, response = crate::http::openapi::NotFound))
)]
async fn import_from_archive(
    State(host): State<Arc<Host>>,
    Path(id): Path<String>,
    QueryOptions(options): QueryOptions<ImportOptions>,
) -> Answer {
    let path = options.file_path.clone().ok_or_else(|| {
        ApiError::bad_request("missing query parameter filePath: the path of a bundle archive or directory on this server")
    })?;
    let path = std::path::PathBuf::from(path);
    if !path.is_absolute() {
        return Err(ApiError::bad_request(format!(
            "filePath must be absolute, got \"{}\"",
            path.display()
        ))
        .into());
    }
    if !path.exists() {
        return Err(ApiError::not_found(
            "FileNotFound",
            format!("no file or directory {} on this server", path.display()),
        )
        .into());
    }
    let outcome = host
        .deploy(DeployRequest {
            source: BundleSource::from_path(&path),
            service_id: Some(id),
            generation: options.generation,
            activate: options.activate,
            create_service: options.create_service,
        })
        .await?;
    ok(serde_json::to_value(outcome).unwrap_or_default())
}

#[utoipa::path(
    post,
    path = "/services/{id}/generations/actions/upload",
    tag = "admin",
    summary = "Uploads a bundle as a new generation of this service",
    security(("adminKey" = [])),
    params(("id" = String, Path), ImportOptions), request_body(content = crate::http::openapi::BundleArchive, description = "a bundle archive (.tar.gz or .zip)", content_type = "application/octet-stream"),
    responses((status = 200, description = "OK", body = serde_json::Value), (status = 400, response = crate::http::openapi::BadRequest), (status = 401, response = crate::http::openapi::Unauthorized), (status = 404, response = crate::http::openapi::NotFound))
)]
async fn upload_into_service(
    State(host): State<Arc<Host>>,
    Path(id): Path<String>,
    QueryOptions(options): QueryOptions<ImportOptions>,
    headers: HeaderMap,
    body: Body,
) -> Answer {
    upload(host, Some(id), options, headers, body).await
}

#[utoipa::path(
    post,
    path = "/deploy",
    tag = "admin",
    summary = "Deploys an uploaded bundle (the service named by its manifest)",
    security(("adminKey" = [])),
    params(ImportOptions), request_body(content = crate::http::openapi::BundleArchive, description = "a bundle archive (.tar.gz or .zip)", content_type = "application/octet-stream"),
    responses((status = 200, description = "OK", body = serde_json::Value), (status = 400, response = crate::http::openapi::BadRequest), (status = 401, response = crate::http::openapi::Unauthorized), (status = 404, response = crate::http::openapi::NotFound))
)]
async fn upload_deploy(
    State(host): State<Arc<Host>>,
    QueryOptions(options): QueryOptions<ImportOptions>,
    headers: HeaderMap,
    body: Body,
) -> Answer {
    upload(host, None, options, headers, body).await
}

/// Streams the request body (a bundle archive) to a temporary file, then deploys it.
async fn upload(
    host: Arc<Host>,
    service_id: Option<String>,
    options: ImportOptions,
    headers: HeaderMap,
    body: Body,
) -> Answer {
    if let Some(kind) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        && (kind.starts_with("multipart/") || kind.starts_with("application/x-www-form-urlencoded"))
    {
        return Err(ApiError::new(415, "UnsupportedMediaType", format!(
            "send the bundle archive as the raw request body (application/octet-stream), not as {kind}"
        ))
        .into());
    }
    let limit = host.config.max_upload_bytes;
    let staging = host.config.data_dir.join("staging");
    tokio::fs::create_dir_all(&staging)
        .await
        .map_err(io_error)?;
    let file = tempfile::Builder::new()
        .prefix("upload-")
        .tempfile_in(&staging)
        .map_err(io_error)?;
    let mut out = tokio::fs::File::create(file.path())
        .await
        .map_err(io_error)?;
    let mut stream = body.into_data_stream();
    let mut received: u64 = 0;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| super::body::body_read_error(&e, "upload interrupted"))?;
        received += chunk.len() as u64;
        if received > limit {
            return Err(ApiError::new(
                413,
                "PayloadTooLarge",
                format!("bundle larger than the {limit} bytes this server accepts"),
            )
            .into());
        }
        out.write_all(&chunk).await.map_err(io_error)?;
    }
    out.flush().await.map_err(io_error)?;
    if received == 0 {
        return Err(ApiError::bad_request(
            "empty upload: send a bundle archive (.tar.gz or .zip) as the request body",
        )
        .into());
    }
    let outcome = host
        .deploy(DeployRequest {
            source: BundleSource::Archive(file.path().to_owned()),
            service_id,
            generation: options.generation,
            activate: options.activate,
            create_service: options.create_service || options.file_path.is_none(),
        })
        .await?;
    ok(serde_json::to_value(outcome).unwrap_or_default())
}

fn io_error(e: std::io::Error) -> ApiError {
    ApiError::internal("StorageError", format!("could not write the upload: {e}"))
}

#[utoipa::path(
    delete,
    path = "/services-clean-unused",
    tag = "admin",
    summary = "Deletes generations no routing uses",
    security(("adminKey" = [])),
    responses((status = 200, description = "OK", body = serde_json::Value), (status = 400, response = crate::http::openapi::BadRequest), (status = 401, response = crate::http::openapi::Unauthorized), (status = 404, response = crate::http::openapi::NotFound))
)]
async fn clean_unused(State(host): State<Arc<Host>>) -> Answer {
    let (services, generations) = host.clean_unused().await?;
    let generations: Vec<Value> = generations
        .into_iter()
        .map(|(s, g)| json!({"serviceId": s, "generation": g}))
        .collect();
    ok(json!({"deletedServices": services, "deletedGenerations": generations}))
}

// ---- keys -----------------------------------------------------------------------------------

fn key_json(row: &KeyRow, secret: Option<&str>) -> Value {
    let mut v = json!({
        "id": row.id,
        "prefix": row.key_prefix,
        "label": row.label,
        "description": row.description,
        "createdBy": row.created_by,
        "createdOn": row.created_at,
        "expiry": row.expires_at,
    });
    if let KeyScope::Service(s) = &row.scope {
        v["serviceId"] = json!(s);
    }
    if let Some(secret) = secret {
        v["key"] = json!(secret);
    }
    v
}

#[utoipa::path(
    get,
    path = "/keys",
    tag = "admin",
    summary = "The admin keys",
    security(("adminKey" = [])),
    responses((status = 200, description = "OK", body = serde_json::Value), (status = 400, response = crate::http::openapi::BadRequest), (status = 401, response = crate::http::openapi::Unauthorized), (status = 404, response = crate::http::openapi::NotFound))
)]
async fn list_admin_keys(State(host): State<Arc<Host>>) -> Answer {
    list_keys_of(&host, KeyScope::Admin).await
}

#[utoipa::path(
    post,
    path = "/keys",
    tag = "admin",
    summary = "Creates an admin key (the secret is shown once)",
    security(("adminKey" = [])),
    request_body(content = serde_json::Value, description = "JSON object", content_type = "application/json"),
    responses((status = 200, description = "OK", body = serde_json::Value), (status = 400, response = crate::http::openapi::BadRequest), (status = 401, response = crate::http::openapi::Unauthorized), (status = 404, response = crate::http::openapi::NotFound))
)]
async fn create_admin_key(State(host): State<Arc<Host>>, headers: HeaderMap, body: Body) -> Answer {
    create_key_of(&host, KeyScope::Admin, &headers, body).await
}

/// Monitoring keys: the plugins' monitoring and registry APIs, not the admin API.
#[utoipa::path(
    get,
    path = "/monitoring-keys",
    tag = "admin",
    summary = "The monitoring keys (DataRobot and Aporia APIs only)",
    security(("adminKey" = [])),
    responses((status = 200, description = "OK", body = serde_json::Value), (status = 400, response = crate::http::openapi::BadRequest), (status = 401, response = crate::http::openapi::Unauthorized), (status = 404, response = crate::http::openapi::NotFound))
)]
async fn list_monitoring_keys(State(host): State<Arc<Host>>) -> Answer {
    list_keys_of(&host, KeyScope::Monitoring).await
}

#[utoipa::path(
    post,
    path = "/monitoring-keys",
    tag = "admin",
    summary = "Creates a monitoring key",
    security(("adminKey" = [])),
    request_body(content = serde_json::Value, description = "JSON object", content_type = "application/json"),
    responses((status = 200, description = "OK", body = serde_json::Value), (status = 400, response = crate::http::openapi::BadRequest), (status = 401, response = crate::http::openapi::Unauthorized), (status = 404, response = crate::http::openapi::NotFound))
)]
async fn create_monitoring_key(
    State(host): State<Arc<Host>>,
    headers: HeaderMap,
    body: Body,
) -> Answer {
    create_key_of(&host, KeyScope::Monitoring, &headers, body).await
}

async fn list_keys_of(host: &Host, scope: KeyScope) -> Answer {
    let rows = host
        .store
        .list_keys()
        .await
        .map_err(crate::runtime::store_error)?;
    ok(Value::Array(
        rows.iter()
            .filter(|r| r.scope == scope)
            .map(|r| key_json(r, None))
            .collect(),
    ))
}

async fn create_key_of(host: &Host, scope: KeyScope, headers: &HeaderMap, body: Body) -> Answer {
    let request: NewKey = json_body(
        host,
        headers,
        body,
        "{\"label\"?, \"description\"?, \"createdBy\"?, \"expiry\"?: ms since epoch}",
    )
    .await?;
    let (row, secret) = host.create_key(scope, request).await?;
    ok(key_json(&row, Some(&secret)))
}

#[utoipa::path(
    delete,
    path = "/keys/{key}",
    tag = "admin",
    summary = "Deletes an admin key",
    security(("adminKey" = [])),
    params(("key" = String, Path)),
    responses((status = 200, description = "OK", body = serde_json::Value), (status = 400, response = crate::http::openapi::BadRequest), (status = 401, response = crate::http::openapi::Unauthorized), (status = 404, response = crate::http::openapi::NotFound))
)]
async fn delete_admin_key(State(host): State<Arc<Host>>, Path(key): Path<String>) -> Answer {
    host.delete_key(&key, None).await?;
    ok(json!({"deleted": true}))
}

#[utoipa::path(
    delete,
    path = "/monitoring-keys/{key}",
    tag = "admin",
    summary = "Deletes a monitoring key",
    security(("adminKey" = [])),
    params(("key" = String, Path)),
    responses((status = 200, description = "OK", body = serde_json::Value), (status = 400, response = crate::http::openapi::BadRequest), (status = 401, response = crate::http::openapi::Unauthorized), (status = 404, response = crate::http::openapi::NotFound))
)]
async fn delete_monitoring_key(state: State<Arc<Host>>, key: Path<String>) -> Answer {
    delete_admin_key(state, key).await
}

#[utoipa::path(
    delete,
    path = "/keys/{id}/key",
    tag = "admin",
    summary = "Deletes an admin key by id (the admin client's route)",
    security(("adminKey" = [])),
    params(("id" = String, Path)),
    responses((status = 200, description = "OK", body = serde_json::Value), (status = 400, response = crate::http::openapi::BadRequest), (status = 401, response = crate::http::openapi::Unauthorized), (status = 404, response = crate::http::openapi::NotFound))
)]
async fn delete_admin_key_by_id(state: State<Arc<Host>>, id: Path<String>) -> Answer {
    delete_admin_key(state, id).await
}

#[utoipa::path(
    get,
    path = "/services/{id}/keys",
    tag = "admin",
    summary = "The keys that may call this service",
    security(("adminKey" = [])),
    params(("id" = String, Path)),
    responses((status = 200, description = "OK", body = serde_json::Value), (status = 400, response = crate::http::openapi::BadRequest), (status = 401, response = crate::http::openapi::Unauthorized), (status = 404, response = crate::http::openapi::NotFound))
)]
async fn list_service_keys(State(host): State<Arc<Host>>, Path(id): Path<String>) -> Answer {
    host.service_or_404(&id)?;
    let rows = host
        .store
        .list_keys()
        .await
        .map_err(crate::runtime::store_error)?;
    let scope = KeyScope::Service(id);
    ok(Value::Array(
        rows.iter()
            .filter(|r| r.scope == scope)
            .map(|r| key_json(r, None))
            .collect(),
    ))
}

#[utoipa::path(
    post,
    path = "/services/{id}/keys",
    tag = "admin",
    summary = "Creates a key for this service (the secret is shown once)",
    security(("adminKey" = [])),
    params(("id" = String, Path)),
    request_body(content = serde_json::Value, description = "JSON object", content_type = "application/json"),
    responses((status = 200, description = "OK", body = serde_json::Value), (status = 400, response = crate::http::openapi::BadRequest), (status = 401, response = crate::http::openapi::Unauthorized), (status = 404, response = crate::http::openapi::NotFound))
)]
async fn create_service_key(
    State(host): State<Arc<Host>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Answer {
    let request: NewKey = json_body(
        &host,
        &headers,
        body,
        "{\"label\"?, \"description\"?, \"createdBy\"?, \"expiry\"?: ms since epoch}",
    )
    .await?;
    let (row, secret) = host.create_key(KeyScope::Service(id), request).await?;
    ok(key_json(&row, Some(&secret)))
}

#[utoipa::path(
    delete,
    path = "/services/{id}/keys/{key}",
    tag = "admin",
    summary = "Deletes a key of this service",
    security(("adminKey" = [])),
    params(("id" = String, Path), ("key" = String, Path)),
    responses((status = 200, description = "OK", body = serde_json::Value), (status = 400, response = crate::http::openapi::BadRequest), (status = 401, response = crate::http::openapi::Unauthorized), (status = 404, response = crate::http::openapi::NotFound))
)]
async fn delete_service_key(
    State(host): State<Arc<Host>>,
    Path((id, key)): Path<(String, String)>,
) -> Answer {
    host.service_or_404(&id)?;
    host.delete_key(&key, Some(&id)).await?;
    ok(json!({"deleted": true}))
}

// ---- metrics and audit ----------------------------------------------------------------------

#[utoipa::path(
    get,
    path = "/metrics",
    tag = "admin",
    summary = "Per-endpoint call metrics as JSON",
    security(("adminKey" = [])),
    responses((status = 200, description = "OK", body = serde_json::Value), (status = 400, response = crate::http::openapi::BadRequest), (status = 401, response = crate::http::openapi::Unauthorized), (status = 404, response = crate::http::openapi::NotFound))
)]
async fn metrics_json(State(host): State<Arc<Host>>) -> Answer {
    let mut value = host.metrics.to_json();
    value["services"] = json!(host.services().len());
    value["droppedEvents"] = json!(host.events.dropped());
    value["unknownCalls"] = json!(host.stray.total());
    value["auditRows"] = json!(
        host.store
            .audit_count()
            .await
            .map_err(crate::runtime::store_error)?
    );
    ok(value)
}

#[utoipa::path(
    get,
    path = "/metrics-prometheus",
    tag = "admin",
    summary = "Host metrics in the Prometheus text format",
    security(("adminKey" = [])),
    responses((status = 200, description = "Prometheus text", body = String, content_type = "text/plain"), (status = 400, response = crate::http::openapi::BadRequest), (status = 401, response = crate::http::openapi::Unauthorized), (status = 404, response = crate::http::openapi::NotFound))
)]
async fn metrics_prometheus(State(host): State<Arc<Host>>) -> Response {
    super::prometheus_response(&host)
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct AuditQuery {
    service: Option<String>,
    limit: Option<i64>,
}

#[utoipa::path(
    get,
    path = "/audit",
    tag = "admin",
    summary = "The audit trail of recent calls",
    security(("adminKey" = [])),
    params(AuditQuery),
    responses((status = 200, description = "OK", body = serde_json::Value), (status = 400, response = crate::http::openapi::BadRequest), (status = 401, response = crate::http::openapi::Unauthorized), (status = 404, response = crate::http::openapi::NotFound))
)]
async fn audit(State(host): State<Arc<Host>>, QueryOptions(q): QueryOptions<AuditQuery>) -> Answer {
    let rows = host
        .store
        .recent_audit(q.service.as_deref(), audit_limit(q.limit))
        .await
        .map_err(crate::runtime::store_error)?;
    ok(json!({"entries": rows}))
}

#[utoipa::path(
    get,
    path = "/services/{id}/audit",
    tag = "admin",
    summary = "The audit trail of a service's calls",
    security(("adminKey" = [])),
    params(("id" = String, Path), LimitQuery),
    responses((status = 200, description = "OK", body = serde_json::Value), (status = 400, response = crate::http::openapi::BadRequest), (status = 401, response = crate::http::openapi::Unauthorized), (status = 404, response = crate::http::openapi::NotFound))
)]
async fn service_audit(
    State(host): State<Arc<Host>>,
    Path(id): Path<String>,
    QueryOptions(q): QueryOptions<LimitQuery>,
) -> Answer {
    let rows = host
        .store
        .recent_audit(Some(&id), audit_limit(q.limit))
        .await
        .map_err(crate::runtime::store_error)?;
    ok(json!({"entries": rows}))
}

/// `?limit=` of a service's audit trail.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct LimitQuery {
    /// How many entries at most, newest first (1..=10000, default 100).
    limit: Option<i64>,
}

/// The number of audit entries to answer: 100 by default, kept within 1..=10,000.
fn audit_limit(limit: Option<i64>) -> i64 {
    limit.unwrap_or(100).clamp(1, 10_000)
}

/// Reads a JSON body (any Content-Type) into `T`, with `example` in the error message.
async fn json_body<T: serde::de::DeserializeOwned>(
    host: &Host,
    headers: &HeaderMap,
    body: Body,
    example: &str,
) -> Result<T, HttpError> {
    let bytes = read_limited(headers, body, host.config.max_body_bytes).await?;
    let object = parse_object(&bytes)?;
    serde_json::from_value(Value::Object(object)).map_err(|e| {
        HttpError(ApiError::bad_request(format!(
            "unexpected request body: {e}; expected {example}"
        )))
    })
}
