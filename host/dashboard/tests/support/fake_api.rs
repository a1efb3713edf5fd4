//! A small stand-in for Plinth's admin API: the routes the dashboard calls, answering the JSON
//! shapes of `host/server/src/http/admin_api.rs` and `metrics.rs`, behind the same key check
//! (HTTP Basic user name; a service key gets 403, an unknown key 401).

use axum::Json;
use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use serde_json::{Value, json};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// The admin key the fake accepts.
pub const ADMIN_KEY: &str = "Adm1nKeyForTests0123456789abcdEF";
/// A key the fake knows as a service key (403 on the admin API).
pub const SERVICE_KEY: &str = "Serv1ceKeyForTests0123456789abcd";

/// One service of the fake.
#[derive(Clone, Debug)]
pub struct Svc {
    pub id: String,
    pub enabled: bool,
    pub generations: Vec<String>,
    pub active: String,
    pub endpoints: Vec<String>,
}

impl Svc {
    /// An enabled service with generations v1, v2 (active) and endpoints predict, score.
    pub fn new(id: &str) -> Self {
        Svc {
            id: id.to_owned(),
            enabled: true,
            generations: vec!["v1".into(), "v2".into()],
            active: "v2".into(),
            endpoints: vec!["predict".into(), "score".into()],
        }
    }
}

/// The fake's state, shared with the test.
#[derive(Clone, Default)]
pub struct Fake {
    pub services: Arc<Mutex<Vec<Svc>>>,
    /// Calls that passed the key check.
    pub calls: Arc<AtomicUsize>,
    /// When set, the admin key is refused (as if deleted).
    pub revoked: Arc<AtomicBool>,
}

impl Fake {
    pub fn with(services: Vec<Svc>) -> Self {
        let fake = Fake::default();
        *fake.services.lock().unwrap() = services;
        fake
    }

    pub fn service(&self, id: &str) -> Svc {
        self.services
            .lock()
            .unwrap()
            .iter()
            .find(|s| s.id == id)
            .cloned()
            .unwrap()
    }

    pub fn router(&self) -> Router {
        Router::new()
            .route("/admin/api/services", get(list))
            .route("/admin/api/services/{id}", get(describe))
            .route("/admin/api/services/{id}/generations", get(generations))
            .route("/admin/api/services/{id}/actions/enable", post(enable))
            .route("/admin/api/services/{id}/actions/disable", post(disable))
            .route(
                "/admin/api/services/{id}/actions/switchToNewest",
                post(newest),
            )
            .route(
                "/admin/api/services/{id}/actions/switchTo/{generation}",
                post(switch_to),
            )
            .route("/admin/api/metrics", get(metrics))
            .route_layer(axum::middleware::from_fn_with_state(
                self.clone(),
                require_admin,
            ))
            .with_state(self.clone())
    }
}

fn error(status: u16, kind: &str, message: &str) -> Response {
    let status = StatusCode::from_u16(status).unwrap();
    let body = json!({"errorType": kind, "message": message, "detailedMessage": message});
    (status, Json(body)).into_response()
}

async fn require_admin(State(fake): State<Fake>, request: Request, next: Next) -> Response {
    let key = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .and_then(|b| String::from_utf8(b).ok())
        .map(|s| s.split(':').next().unwrap_or_default().to_owned());
    match key.as_deref() {
        Some(ADMIN_KEY) if !fake.revoked.load(Ordering::SeqCst) => {
            fake.calls.fetch_add(1, Ordering::SeqCst);
            next.run(request).await
        }
        Some(SERVICE_KEY) => error(
            403,
            "Forbidden",
            "this key is a service key: the admin API needs an admin key",
        ),
        Some(_) => error(401, "Unauthorized", "unknown or expired API key"),
        None => error(
            401,
            "Unauthorized",
            "the admin API needs an admin API key (HTTP Basic user name or Bearer)",
        ),
    }
}

fn summary(s: &Svc) -> Value {
    json!({
        "id": s.id, "serviceId": s.id, "enabled": s.enabled, "public": false,
        "description": format!("the {} service", s.id),
        "generations": s.generations,
        "mapping": {"strategy": "RANDOM", "entries": [{"generation": s.active, "proba": 1.0}]},
    })
}

fn not_found(id: &str) -> Response {
    error(404, "NotFound", &format!("no service \"{id}\""))
}

fn with_service<T>(fake: &Fake, id: &str, f: impl FnOnce(&mut Svc) -> T) -> Option<T> {
    fake.services
        .lock()
        .unwrap()
        .iter_mut()
        .find(|s| s.id == id)
        .map(f)
}

async fn list(State(fake): State<Fake>) -> Json<Value> {
    Json(Value::Array(
        fake.services.lock().unwrap().iter().map(summary).collect(),
    ))
}

async fn describe(State(fake): State<Fake>, Path(id): Path<String>) -> Response {
    with_service(&fake, &id, |s| {
        let endpoints: Vec<Value> = s
            .endpoints
            .iter()
            .map(|e| json!({"id": e, "kind": "prediction", "actions": ["predict", "predict-multi"], "description": null, "maxConcurrency": 4, "queueTimeoutMs": 1000}))
            .collect();
        let mut v = summary(s);
        v["endpoints"] = json!(endpoints);
        v["activeGenerations"] = json!([{"generation": s.active, "proba": 1.0, "endpoints": endpoints}]);
        Json(v).into_response()
    })
    .unwrap_or_else(|| not_found(&id))
}

async fn generations(State(fake): State<Fake>, Path(id): Path<String>) -> Response {
    with_service(&fake, &id, |s| {
        let generations: Vec<Value> = s
            .generations
            .iter()
            .enumerate()
            .map(|(i, g)| json!({"id": g, "generation": g, "seq": i + 1, "createdAt": 1_700_000_000_000i64 + i as i64 * 60_000, "sha256": format!("{:064x}", i + 1), "active": *g == s.active, "loaded": *g == s.active}))
            .collect();
        Json(json!({"serviceId": s.id, "generations": generations})).into_response()
    })
    .unwrap_or_else(|| not_found(&id))
}

async fn set_enabled(fake: Fake, id: String, enabled: bool) -> Response {
    with_service(&fake, &id, |s| s.enabled = enabled)
        .map(|_| Json(json!({"serviceId": id, "enabled": enabled})).into_response())
        .unwrap_or_else(|| not_found(&id))
}

async fn enable(State(fake): State<Fake>, Path(id): Path<String>) -> Response {
    set_enabled(fake, id, true).await
}

async fn disable(State(fake): State<Fake>, Path(id): Path<String>) -> Response {
    set_enabled(fake, id, false).await
}

async fn newest(State(fake): State<Fake>, Path(id): Path<String>) -> Response {
    with_service(&fake, &id, |s| {
        s.active = s.generations.last().cloned().unwrap_or_default();
        Json(json!({"serviceId": s.id, "generation": s.active})).into_response()
    })
    .unwrap_or_else(|| not_found(&id))
}

async fn switch_to(
    State(fake): State<Fake>,
    Path((id, generation)): Path<(String, String)>,
) -> Response {
    with_service(&fake, &id, |s| {
        if !s.generations.contains(&generation) {
            return error(
                404,
                "NotFound",
                &format!("service \"{id}\" has no generation \"{generation}\""),
            );
        }
        s.active = generation.clone();
        Json(json!({"serviceId": id, "generation": generation})).into_response()
    })
    .unwrap_or_else(|| not_found(&id))
}

async fn metrics(State(fake): State<Fake>) -> Json<Value> {
    let services = fake.services.lock().unwrap();
    let endpoints: Vec<Value> = services
        .iter()
        .flat_map(|s| {
            s.endpoints.iter().enumerate().map(|(i, e)| {
                json!({"serviceId": s.id, "endpointId": e, "calls": 200 * (i + 1), "clientErrors": 3, "serverErrors": 1, "meanDurationUs": 2_500})
            })
        })
        .collect();
    Json(
        json!({"endpoints": endpoints, "services": services.len(), "droppedEvents": 0, "unknownCalls": 0, "auditRows": 0}),
    )
}
