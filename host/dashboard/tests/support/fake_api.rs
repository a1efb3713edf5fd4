//! A small stand-in for Plinth's JSON application: the routes the dashboard calls, answering
//! the JSON shapes of the server's code, behind the same key check (HTTP Basic user name; a
//! service key gets 403, an unknown key 401):
//!
//! - `/admin/api/...`: `host/server/src/http/admin_api.rs` and `metrics.rs`
//! - `/api/v2/deployments/{id}/...`: the DataRobot plugin, `plugins/datarobot/src/shapes.rs` as
//!   built by `plugins/datarobot/src/routes/{health,drift,predictions,accuracy}.rs` and
//!   `deployments.rs` (health settings)
//! - `/admin/api/keys`, `/admin/api/monitoring-keys`, `/admin/api/services/{id}/keys`:
//!   `key_json` in `admin_api.rs` (see [`key`]: the fake adds a `key` secret the real lists
//!   never carry, to prove that a page would not show it)
//! - `/admin/api/jobs`: `AdminJob` in `plugins/jobs/src/admin.rs` (being added to the server)
//! - `/v1beta/monitors` and `/v1beta/alerts`: the Aporia plugin, `Monitor::to_json` in
//!   `plugins/aporia/src/monitors/mod.rs` and the alert body of `plugins/aporia/src/alerts.rs`
//!
//! Like the server (`host/server/src/http/mod.rs`, `normalize_path`, which the in-process
//! application the dashboard gets goes through too), a trailing slash is dropped before
//! routing; every request line is logged before that, in [`Fake::requests`].

use axum::Json;
use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use serde_json::{Value, json};
use std::collections::HashMap;
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
    /// Prediction endpoints (DataRobot deployments).
    pub endpoints: Vec<String>,
    /// Function endpoints (not deployments).
    pub functions: Vec<String>,
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
            functions: Vec::new(),
        }
    }
}

/// What the DataRobot routes answer, for every deployment.
#[derive(Clone, Debug)]
pub struct Monitoring {
    /// Whether the buckets have requests (else counts are 0 and latencies null).
    pub traffic: bool,
    /// Whether predictions have actuals (else `accuracyOverTime` has sample sizes 0).
    pub actuals: bool,
    /// `featureDrift` data: name and score.
    pub features: Vec<(String, Option<f64>)>,
    /// `healthSettings.dataDrift.driftThreshold`.
    pub drift_threshold: f64,
    /// Calls answered 500: a route name (`featureDrift`), or `serviceStatsOverTime:<metric>`.
    pub failing: Vec<String>,
}

impl Default for Monitoring {
    fn default() -> Self {
        Monitoring {
            traffic: true,
            actuals: false,
            features: vec![
                ("age".into(), Some(0.31)),
                ("income".into(), Some(0.04)),
                ("zip".into(), None),
            ],
            drift_threshold: 0.15,
            failing: Vec::new(),
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
    /// What the DataRobot routes answer.
    pub monitoring: Arc<Mutex<Monitoring>>,
    /// Every request's path and query, as sent (before the trailing slash is dropped).
    pub requests: Arc<Mutex<Vec<String>>>,
    /// `GET /admin/api/keys`.
    pub admin_keys: Arc<Mutex<Vec<Value>>>,
    /// `GET /admin/api/monitoring-keys`.
    pub monitoring_keys: Arc<Mutex<Vec<Value>>>,
    /// `GET /admin/api/services/{id}/keys`, by service.
    pub service_keys: Arc<Mutex<HashMap<String, Vec<Value>>>>,
    /// `GET /admin/api/jobs` elements; `None`: the route is absent (an older server, 404).
    pub jobs: Arc<Mutex<Option<Vec<Value>>>>,
    /// `GET /v1beta/monitors` elements.
    pub monitors: Arc<Mutex<Vec<Value>>>,
    /// `GET /v1beta/alerts` elements.
    pub alerts: Arc<Mutex<Vec<Value>>>,
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

    /// The requests logged whose path contains `part`.
    pub fn requests_to(&self, part: &str) -> Vec<String> {
        self.requests
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.contains(part))
            .cloned()
            .collect()
    }

    pub fn router(&self) -> Router {
        let log = self.requests.clone();
        let normalize = move |mut request: Request| {
            let uri = request.uri().clone();
            log.lock().unwrap().push(uri.to_string());
            let path = uri.path();
            if path.len() > 1 && path.ends_with('/') {
                let trimmed = match uri.query() {
                    Some(q) => format!("{}?{q}", path.trim_end_matches('/')),
                    None => path.trim_end_matches('/').to_owned(),
                };
                *request.uri_mut() = trimmed.parse().unwrap();
            }
            request
        };
        let inner = self.routes();
        Router::new().fallback_service(tower::Layer::layer(
            &tower::util::MapRequestLayer::new(normalize),
            inner,
        ))
    }

    fn routes(&self) -> Router {
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
            .route(
                "/api/v2/deployments/{id}/serviceStatsOverTime",
                get(service_stats_over_time),
            )
            .route("/api/v2/deployments/{id}/featureDrift", get(feature_drift))
            .route(
                "/api/v2/deployments/{id}/healthSettings",
                get(health_settings),
            )
            .route(
                "/api/v2/deployments/{id}/predictionsOverTime",
                get(predictions_over_time),
            )
            .route("/api/v2/deployments/{id}/targetDrift", get(target_drift))
            .route(
                "/api/v2/deployments/{id}/accuracyOverTime",
                get(accuracy_over_time),
            )
            .route(
                "/admin/api/keys",
                get(|State(f): State<Fake>| async move {
                    Json(json!(*f.admin_keys.lock().unwrap()))
                }),
            )
            .route(
                "/admin/api/monitoring-keys",
                get(|State(f): State<Fake>| async move {
                    Json(json!(*f.monitoring_keys.lock().unwrap()))
                }),
            )
            .route("/admin/api/services/{id}/keys", get(service_keys))
            .route(
                "/admin/api/jobs",
                get(|State(f): State<Fake>| async move {
                    match &*f.jobs.lock().unwrap() {
                        Some(jobs) => Json(json!({"jobs": jobs})).into_response(),
                        None => error(404, "NotFound", "no such route"),
                    }
                }),
            )
            .route(
                "/v1beta/monitors",
                get(|State(f): State<Fake>| async move {
                    Json(json!({"monitors": *f.monitors.lock().unwrap()}))
                }),
            )
            .route(
                "/v1beta/alerts",
                get(|State(f): State<Fake>| async move {
                    Json(json!({"alerts": *f.alerts.lock().unwrap()}))
                }),
            )
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
            .chain(s.functions.iter().map(|e| json!({"id": e, "kind": "function", "actions": ["run"], "description": null, "maxConcurrency": 4, "queueTimeoutMs": 1000})))
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

// ---- DataRobot ------------------------------------------------------------------------------

const HOUR_MS: i64 = 3_600_000;

/// `YYYY-MM-DDTHH:MM:SSZ` → ms (the form `params::format_timestamp` writes).
pub fn parse_ts(s: &str) -> Option<i64> {
    let n = |a: usize, b: usize| s.get(a..b)?.parse::<i64>().ok();
    let (y, m, d, hh, mm, ss) = (
        n(0, 4)?,
        n(5, 7)?,
        n(8, 10)?,
        n(11, 13)?,
        n(14, 16)?,
        n(17, 19)?,
    );
    let y = if m <= 2 { y - 1 } else { y };
    let (era, yoe) = (y.div_euclid(400), y.rem_euclid(400));
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468;
    Some(((days * 24 + hh) * 60 + mm) * 60_000 + ss * 1000)
}

/// ms → `YYYY-MM-DDTHH:MM:SSZ`.
pub fn format_ts(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let (era, doe) = (z.div_euclid(146_097), z.rem_euclid(146_097));
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

fn dr_error(status: u16, message: &str) -> Response {
    let status = StatusCode::from_u16(status).unwrap();
    (status, Json(json!({"message": message}))).into_response()
}

/// The deployment's model (its service's active generation), or the plugin's 404.
#[allow(clippy::result_large_err)] // a test fake: the error is the answer
fn deployment(fake: &Fake, id: &str) -> Result<String, Response> {
    let not_found = || dr_error(404, &format!("Deployment {id} not found"));
    let (service, endpoint) = id.split_once('~').ok_or_else(not_found)?;
    with_service(fake, service, |s| {
        s.endpoints
            .iter()
            .any(|e| e == endpoint)
            .then(|| s.active.clone())
    })
    .flatten()
    .ok_or_else(not_found)
}

struct Asked {
    model: String,
    q: HashMap<String, String>,
    start: i64,
    end: i64,
    monitoring: Monitoring,
}

/// The deployment, the query's period (default: the 7 days before the next hour) and 500 when
/// `name` is failing.
#[allow(clippy::result_large_err)] // a test fake: the error is the answer
fn asked(fake: &Fake, id: &str, q: HashMap<String, String>, name: &str) -> Result<Asked, Response> {
    let model = deployment(fake, id)?;
    let monitoring = fake.monitoring.lock().unwrap().clone();
    if monitoring.failing.iter().any(|f| f == name) {
        return Err(dr_error(
            500,
            &format!("the monitoring database failed ({name})"),
        ));
    }
    let end = match q.get("end") {
        Some(e) => parse_ts(e).ok_or_else(|| dr_error(400, "end: not a timestamp"))?,
        None => 1_733_500_800_000,
    };
    let start = match q.get("start") {
        Some(s) => parse_ts(s).ok_or_else(|| dr_error(400, "start: not a timestamp"))?,
        None => end - 168 * HOUR_MS,
    };
    Ok(Asked {
        model,
        q,
        start,
        end,
        monitoring,
    })
}

impl Asked {
    /// `bucketSize` (`PT{n}H`, `P1D`, `P7D`; default `PT1H`) as periods tiling the period.
    fn buckets(&self) -> Vec<(i64, i64)> {
        let size = match self.q.get("bucketSize").map(String::as_str) {
            Some("P1D") => 24,
            Some("P7D") => 168,
            Some(s) => s
                .strip_prefix("PT")
                .and_then(|h| h.strip_suffix('H'))
                .and_then(|h| h.parse().ok())
                .unwrap_or(1),
            None => 1,
        } * HOUR_MS;
        let mut out = Vec::new();
        let mut t = self.start;
        while t < self.end {
            out.push((t, (t + size).min(self.end)));
            t += size;
        }
        out
    }
}

fn period(start: i64, end: i64) -> Value {
    json!({"start": format_ts(start), "end": format_ts(end)})
}

/// `serviceStatsOverTime`: requests `10 + i` in bucket `i`, error rates 2 % and 1 %, response
/// time `100 × quantile + i` ms; without traffic, 0 and null.
async fn service_stats_over_time(
    State(fake): State<Fake>,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<HashMap<String, String>>,
) -> Response {
    let metric = q
        .get("metric")
        .cloned()
        .unwrap_or("totalPredictions".into());
    let a = match asked(&fake, &id, q, &format!("serviceStatsOverTime:{metric}")) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let quantile: f64 =
        a.q.get("quantile")
            .and_then(|q| q.parse().ok())
            .unwrap_or(0.5);
    let traffic = a.monitoring.traffic;
    let value = |i: usize| -> Value {
        match metric.as_str() {
            "totalRequests" | "totalPredictions" => json!(if traffic { 10 + i } else { 0 }),
            "userErrorRate" => json!(if traffic { 0.02 } else { 0.0 }),
            "serverErrorRate" => json!(if traffic { 0.01 } else { 0.0 }),
            "responseTime" | "executionTime" if traffic => json!(100.0 * quantile + i as f64),
            _ => Value::Null,
        }
    };
    let buckets: Vec<Value> = a
        .buckets()
        .iter()
        .enumerate()
        .map(|(i, (s, e))| json!({"period": period(*s, *e), "value": value(i), "modelId": a.model}))
        .collect();
    Json(json!({
        "metric": metric, "modelId": a.model, "buckets": buckets,
        "summary": {"period": period(a.start, a.end), "value": value(0)},
    }))
    .into_response()
}

async fn feature_drift(
    State(fake): State<Fake>,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<HashMap<String, String>>,
) -> Response {
    let a = match asked(&fake, &id, q, "featureDrift") {
        Ok(a) => a,
        Err(r) => return r,
    };
    let data: Vec<Value> = a
        .monitoring
        .features
        .iter()
        .enumerate()
        .map(|(i, (name, score))| {
            json!({
                "name": name, "driftScore": score, "featureImpact": 1.0 - i as f64 * 0.25,
                "sampleSize": 240, "baselineSampleSize": 1000, "type": "numeric",
            })
        })
        .collect();
    Json(json!({
        "period": period(a.start, a.end), "metric": "psi", "modelId": a.model,
        "count": data.len(), "next": null, "previous": null, "data": data,
    }))
    .into_response()
}

async fn health_settings(State(fake): State<Fake>, Path(id): Path<String>) -> Response {
    let a = match asked(&fake, &id, HashMap::new(), "healthSettings") {
        Ok(a) => a,
        Err(r) => return r,
    };
    Json(json!({
        "service": {"batchCount": 5},
        "dataDrift": {
            "timeInterval": "P7D", "batchCount": 5,
            "driftThreshold": a.monitoring.drift_threshold, "importanceThreshold": 0.5,
            "lowImportanceWarningCount": 0, "lowImportanceFailingCount": 0,
            "highImportanceWarningCount": 1, "highImportanceFailingCount": 0,
            "excludedFeatures": [], "starredFeatures": [],
        },
        "accuracy": {"batchCount": 5, "metric": "RMSE", "measurement": "percent", "warningThreshold": 10.0, "failingThreshold": 20.0},
        "fairness": {"protectedClassWarningCount": 1, "protectedClassFailingCount": 2},
        "customMetrics": {"warningConditions": [], "failingConditions": []},
        "predictionsTimeliness": {"enabled": false},
        "actualsTimeliness": {"enabled": false},
    }))
    .into_response()
}

/// A regression model: mean prediction `0.4 + 0.01 i`, baseline mean 0.5.
async fn predictions_over_time(
    State(fake): State<Fake>,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<HashMap<String, String>>,
) -> Response {
    let a = match asked(&fake, &id, q, "predictionsOverTime") {
        Ok(a) => a,
        Err(r) => return r,
    };
    let traffic = a.monitoring.traffic;
    let buckets: Vec<Value> = a
        .buckets()
        .iter()
        .enumerate()
        .map(|(i, (s, e))| json!({
            "period": period(*s, *e), "modelId": a.model,
            "rowCount": if traffic { 10 + i } else { 0 },
            "meanPredictedValue": if traffic { json!(0.4 + 0.01 * i as f64) } else { Value::Null },
            "meanProbabilities": [], "classDistribution": [],
        }))
        .collect();
    Json(json!({
        "baselines": [{"modelId": a.model, "rowCount": 1000, "meanPredictedValue": 0.5, "meanProbabilities": [], "classDistribution": []}],
        "buckets": buckets,
    }))
    .into_response()
}

async fn target_drift(
    State(fake): State<Fake>,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<HashMap<String, String>>,
) -> Response {
    let a = match asked(&fake, &id, q, "targetDrift") {
        Ok(a) => a,
        Err(r) => return r,
    };
    let traffic = a.monitoring.traffic;
    Json(json!({
        "period": period(a.start, a.end), "metric": "psi", "modelId": a.model,
        "targetName": "churned", "driftScore": if traffic { json!(0.042) } else { Value::Null },
        "sampleSize": if traffic { 240 } else { 0 }, "baselineSampleSize": 1000,
        "segmentValue": null, "type": "numeric",
    }))
    .into_response()
}

/// RMSE `0.2 + 0.01 i` over 5 actuals per bucket, when there are actuals.
async fn accuracy_over_time(
    State(fake): State<Fake>,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<HashMap<String, String>>,
) -> Response {
    let a = match asked(&fake, &id, q, "accuracyOverTime") {
        Ok(a) => a,
        Err(r) => return r,
    };
    let actuals = a.monitoring.actuals;
    let buckets: Vec<Value> = a
        .buckets()
        .iter()
        .enumerate()
        .map(|(i, (s, e))| {
            json!({
                "period": period(*s, *e),
                "value": if actuals { json!(0.2 + 0.01 * i as f64) } else { Value::Null },
                "sampleSize": if actuals { 5 } else { 0 }, "modelId": a.model,
            })
        })
        .collect();
    let n = buckets.len();
    Json(json!({
        "metric": "RMSE", "modelId": a.model, "buckets": buckets,
        "summary": {"period": period(a.start, a.end), "value": if actuals { json!(0.25) } else { Value::Null }, "sampleSize": if actuals { 5 * n } else { 0 }},
        "baseline": {"period": period(a.start, a.end), "value": null, "sampleSize": null},
        "baselines": [{"modelId": a.model, "value": null, "sampleSize": null}],
    }))
    .into_response()
}

// ---- Aporia ---------------------------------------------------------------------------------

/// A monitor as `Monitor::to_json` writes it, evaluated once.
pub fn monitor(name: &str, active: bool) -> Value {
    json!({
        "id": "6f1c1f0e-0000-4000-8000-000000000001", "name": name, "type": "model_activity",
        "scheduling": "0 * * * *",
        "configuration": {"configuration": {"focal": {"type": "rollingWindow", "duration": "1h"}}, "identification": {"models": {"id": "churn"}}},
        "is_active": active, "custom_alert_description": null, "model_id": "churn",
        "created_at": "2024-12-06T10:00:00.000Z",
        "last_run": {"at": "2024-12-06T15:00:00.000Z", "value": 42.0, "field": null, "fired": true, "reason": null, "version": "v2", "focal_start": "2024-12-06T14:00:00.000Z", "focal_end": "2024-12-06T15:00:00.000Z", "details": null},
        "next_run": if active { json!("2024-12-06T16:00:00.000Z") } else { Value::Null },
    })
}

/// An alert as `plugins/aporia/src/alerts.rs` stores it.
pub fn alert(monitor_name: &str, description: &str) -> Value {
    json!({
        "id": "0b7e0f4a-0000-4000-8000-000000000002", "type": "alert",
        "monitor_id": "6f1c1f0e-0000-4000-8000-000000000001", "monitor_name": monitor_name,
        "monitor_type": "model_activity", "model_id": "churn", "model_version": "v2",
        "severity": "HIGH", "alert_type": "model_activity_threshold", "field": null, "value": 42.0,
        "threshold": {"min": 100.0, "max": null}, "description": description,
        "focal_start": "2024-12-06T14:00:00.000Z", "focal_end": "2024-12-06T15:00:00.000Z",
        "details": null, "run": {"scheduled": "2024-12-06T15:00:00.000Z"},
        "created_at": "2024-12-06T15:00:01.000Z",
        "deliveries": [],
    })
}

// ---- jobs -----------------------------------------------------------------------------------

/// A job as `AdminJob` serializes it.
pub fn job(id: &str, state: &str, total: Option<i64>, done: i64, error: Option<&str>) -> Value {
    let finished = matches!(state, "done" | "failed");
    json!({
        "id": id, "kind": "apres.batch", "scope": "recipe-1", "state": state,
        "total": total, "done": done, "failedItems": 3, "attempts": 1, "error": error,
        "createdAtMs": 1_733_500_000_000i64, "updatedAtMs": 1_733_500_060_000i64,
        "startedAtMs": if state == "queued" { Value::Null } else { json!(1_733_500_010_000i64) },
        "finishedAtMs": if finished { json!(1_733_500_600_000i64) } else { Value::Null },
    })
}

// ---- keys -----------------------------------------------------------------------------------

/// A key as `key_json` lists it, plus a `key` secret that the real list answers never carry.
pub fn key(id: &str, label: &str, secret: &str, expiry: Option<i64>) -> Value {
    json!({
        "id": id, "prefix": &secret[..6], "label": label, "description": null,
        "createdBy": "admin", "createdOn": 1_700_000_000_000i64, "expiry": expiry,
        "key": secret,
    })
}

async fn service_keys(State(fake): State<Fake>, Path(id): Path<String>) -> Response {
    if with_service(&fake, &id, |_| ()).is_none() {
        return not_found(&id);
    }
    let keys = fake.service_keys.lock().unwrap();
    let mut list = keys.get(&id).cloned().unwrap_or_default();
    for k in &mut list {
        k["serviceId"] = json!(id);
    }
    Json(Value::Array(list)).into_response()
}
