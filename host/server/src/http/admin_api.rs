//! The admin API under `/admin/api/`, as `APINodeAdminClient` calls it, plus upload-deploy,
//! service keys and the audit trail. Every route needs an admin key.

use super::body::{parse_object, read_limited};
use super::error::HttpError;
use crate::bundle::BundleSource;
use crate::dispatch::{MappingEntry, Routing, Strategy};
use crate::runtime::NewKey;
use crate::runtime::{DeployRequest, Host, ServiceRuntime};
use crate::store::{KeyRow, KeyScope};
use axum::body::Body;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use futures::StreamExt;
use plinth_engine_api::ApiError;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use tokio::io::AsyncWriteExt;

type Answer = Result<Json<Value>, HttpError>;

/// The admin routes, relative to `/admin/api`.
pub fn routes(host: Arc<Host>) -> Router<Arc<Host>> {
    Router::new()
        .route("/services", get(list_services).post(create_service))
        .route(
            "/services/{id}",
            get(describe_service).delete(delete_service),
        )
        .route("/services/{id}/actions/enable", post(enable))
        .route("/services/{id}/actions/disable", post(disable))
        .route(
            "/services/{id}/actions/switchToNewest",
            post(switch_to_newest),
        )
        .route(
            "/services/{id}/actions/switchTo/{generation}",
            post(switch_to),
        )
        .route("/services/{id}/actions/setMapping", post(set_mapping))
        .route("/services/{id}/mapping", get(get_mapping))
        .route("/services/{id}/generations", get(list_generations))
        .route(
            "/services/{id}/generations/actions/importFromArchive",
            post(import_from_archive),
        )
        .route(
            "/services/{id}/generations/actions/upload",
            post(upload_into_service),
        )
        .route(
            "/services/{id}/generations/{generation}",
            get(describe_generation),
        )
        .route(
            "/services/{id}/generations/{generation}/preload",
            post(preload),
        )
        .route(
            "/services/{id}/keys",
            get(list_service_keys).post(create_service_key),
        )
        .route("/services/{id}/keys/{key}", delete(delete_service_key))
        .route("/services/{id}/audit", get(service_audit))
        .route("/services-clean-unused", delete(clean_unused))
        .route("/deploy", post(upload_deploy))
        .route("/keys", get(list_admin_keys).post(create_admin_key))
        .route(
            "/monitoring-keys",
            get(list_monitoring_keys).post(create_monitoring_key),
        )
        .route("/monitoring-keys/{key}", delete(delete_admin_key))
        .route("/keys/{key}", delete(delete_admin_key))
        .route("/keys/{id}/key", delete(delete_admin_key))
        .route("/metrics", get(metrics_json))
        .route("/metrics-prometheus", get(metrics_prometheus))
        .route("/audit", get(audit))
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

async fn create_service(State(host): State<Arc<Host>>, headers: HeaderMap, body: Body) -> Answer {
    let request: CreateService =
        json_body(&host, &headers, body, "{\"serviceId\": \"my_service\"}").await?;
    host.create_service(&request.service_id).await?;
    ok(json!({"serviceId": request.service_id, "created": true}))
}

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

async fn delete_service(State(host): State<Arc<Host>>, Path(id): Path<String>) -> Answer {
    host.delete_service(&id).await?;
    ok(json!({"serviceId": id, "deleted": true}))
}

async fn enable(State(host): State<Arc<Host>>, Path(id): Path<String>) -> Answer {
    host.set_enabled(&id, true).await?;
    ok(json!({"serviceId": id, "enabled": true}))
}

async fn disable(State(host): State<Arc<Host>>, Path(id): Path<String>) -> Answer {
    host.set_enabled(&id, false).await?;
    ok(json!({"serviceId": id, "enabled": false}))
}

async fn switch_to_newest(State(host): State<Arc<Host>>, Path(id): Path<String>) -> Answer {
    let generation = host.switch_to_newest(&id).await?;
    ok(json!({"serviceId": id, "generation": generation}))
}

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

async fn preload(
    State(host): State<Arc<Host>>,
    Path((id, generation)): Path<(String, String)>,
) -> Answer {
    host.preload(&id, &generation).await?;
    ok(json!({"serviceId": id, "generation": generation, "loaded": true}))
}

/// Options of an import or upload, from the query string.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ImportOptions {
    file_path: Option<String>,
    generation: Option<String>,
    #[serde(default)]
    activate: bool,
    #[serde(default)]
    create_service: bool,
}

async fn import_from_archive(
    State(host): State<Arc<Host>>,
    Path(id): Path<String>,
    Query(options): Query<ImportOptions>,
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

async fn upload_into_service(
    State(host): State<Arc<Host>>,
    Path(id): Path<String>,
    Query(options): Query<ImportOptions>,
    headers: HeaderMap,
    body: Body,
) -> Answer {
    upload(host, Some(id), options, headers, body).await
}

async fn upload_deploy(
    State(host): State<Arc<Host>>,
    Query(options): Query<ImportOptions>,
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

async fn list_admin_keys(State(host): State<Arc<Host>>) -> Answer {
    list_keys_of(&host, KeyScope::Admin).await
}

async fn create_admin_key(State(host): State<Arc<Host>>, headers: HeaderMap, body: Body) -> Answer {
    create_key_of(&host, KeyScope::Admin, &headers, body).await
}

/// Monitoring keys: the plugins' monitoring and registry APIs, not the admin API.
async fn list_monitoring_keys(State(host): State<Arc<Host>>) -> Answer {
    list_keys_of(&host, KeyScope::Monitoring).await
}

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

async fn delete_admin_key(State(host): State<Arc<Host>>, Path(key): Path<String>) -> Answer {
    host.delete_key(&key, None).await?;
    ok(json!({"deleted": true}))
}

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

async fn delete_service_key(
    State(host): State<Arc<Host>>,
    Path((id, key)): Path<(String, String)>,
) -> Answer {
    host.service_or_404(&id)?;
    host.delete_key(&key, Some(&id)).await?;
    ok(json!({"deleted": true}))
}

// ---- metrics and audit ----------------------------------------------------------------------

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

async fn metrics_prometheus(State(host): State<Arc<Host>>) -> Response {
    super::prometheus_response(&host)
}

#[derive(Deserialize)]
struct AuditQuery {
    service: Option<String>,
    limit: Option<i64>,
}

async fn audit(State(host): State<Arc<Host>>, Query(q): Query<AuditQuery>) -> Answer {
    let rows = host
        .store
        .recent_audit(
            q.service.as_deref(),
            q.limit.unwrap_or(100).clamp(1, 10_000),
        )
        .await
        .map_err(crate::runtime::store_error)?;
    ok(json!({"entries": rows}))
}

async fn service_audit(
    State(host): State<Arc<Host>>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Answer {
    let limit = q
        .get("limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(100i64)
        .clamp(1, 10_000);
    let rows = host
        .store
        .recent_audit(Some(&id), limit)
        .await
        .map_err(crate::runtime::store_error)?;
    ok(json!({"entries": rows}))
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
