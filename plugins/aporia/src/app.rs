//! What every handler shares: the plugin's state, authentication, body parsing, ids and time.

use crate::error::{ApError, json_response};
use crate::mirror::Mirror;
use crate::registry::Registry;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use plinth_monitoring::Monitoring;
use plinth_plugin_api::{Clock, HostView, PluginDb, PrincipalScope};
use serde_json::{Map, Value};
use std::sync::Arc;
use tokio::sync::Notify;

/// The plugin's state.
pub struct Ap {
    /// The plugin's tables.
    pub db: PluginDb,
    /// The monitoring store (logged predictions, monitor reads).
    pub monitoring: Arc<Monitoring>,
    /// The host (keys, services).
    pub host: Arc<dyn HostView>,
    /// The plugin's clock.
    pub clock: Arc<dyn Clock>,
    /// Keeps the registry in step with what is deployed.
    pub mirror: Mirror,
    /// Woken when monitors change (the scheduler recomputes its next tick).
    pub monitors_changed: Notify,
    /// Woken when deliveries are queued.
    pub deliveries_queued: Notify,
    /// Settings from `[plugins.aporia]`.
    pub config: crate::plugin::Config,
}

/// A handler's result.
pub type Answer = Result<Response, ApError>;

/// The default of `[plugins.aporia] max_body_bytes`: the SDK sends up to 4,000 predictions in
/// one `logPredictions`.
pub const DEFAULT_MAX_BODY_BYTES: usize = 32 << 20;

/// A request body within the plugin's limit; beyond it, a JSON 413 the client does not retry.
pub struct Body(pub bytes::Bytes);

impl<S: Send + Sync> axum::extract::FromRequest<S> for Body {
    type Rejection = ApError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, ApError> {
        match bytes::Bytes::from_request(req, state).await {
            Ok(b) => Ok(Body(b)),
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(ApError::new(
                413,
                "Request body too large",
                "the body exceeds [plugins.aporia] max_body_bytes; send fewer predictions per call",
            )),
            Err(e) => Err(ApError::bad_request(e.body_text())),
        }
    }
}

impl Ap {
    /// Now, ms since the epoch.
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// The registry's tables.
    pub fn registry(&self) -> Registry {
        Registry {
            db: self.db.clone(),
        }
    }

    /// The registry after the mirror caught up with what is deployed.
    pub async fn current_registry(&self) -> Result<Registry, ApError> {
        self.mirror.ensure_current(self.now_ms()).await?;
        Ok(self.registry())
    }
}

/// A 200 JSON answer.
pub fn ok(body: Value) -> Answer {
    Ok(json_response(StatusCode::OK, &body))
}

/// A 201 JSON answer.
pub fn created(body: Value) -> Answer {
    Ok(json_response(StatusCode::CREATED, &body))
}

/// The authenticated caller of a route (admin or monitoring key): its key id. Extracted
/// before the body, so a request without a valid key is a 401 whatever it sends.
pub struct Caller(pub String);

impl axum::extract::FromRequestParts<Arc<Ap>> for Caller {
    type Rejection = ApError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        ap: &Arc<Ap>,
    ) -> Result<Self, ApError> {
        authenticate(ap, &parts.headers).map(Caller)
    }
}

/// A request body that is a JSON object (an empty body is an empty object), within the
/// plugin's limit.
pub struct Object(pub Map<String, Value>);

impl<S: Send + Sync> axum::extract::FromRequest<S> for Object {
    type Rejection = ApError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, ApError> {
        let Body(bytes) = Body::from_request(req, state).await?;
        object_body(&bytes).map(Object)
    }
}

/// Checks `Authorization: Bearer <key>`: admin and monitoring keys are accepted. Returns the
/// key's id.
pub fn authenticate(ap: &Ap, headers: &HeaderMap) -> Result<String, ApError> {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(ApError::unauthorized)?;
    let principal = ap
        .host
        .authenticate(authorization)
        .ok_or_else(ApError::unauthorized)?;
    match principal.scope {
        PrincipalScope::Admin | PrincipalScope::Monitoring => Ok(principal.key_id),
        PrincipalScope::Service(_) => Err(ApError::forbidden(
            "a service key calls its service's endpoints: the Aporia API needs an admin or monitoring key",
        )),
    }
}

/// The JSON object of a request body (an empty body is an empty object).
pub fn object_body(body: &[u8]) -> Result<Map<String, Value>, ApError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApError::bad_request(
            "the request body must be a JSON object",
        )),
        Err(e) => Err(ApError::bad_request(format!(
            "the request body is not valid JSON: {e}"
        ))),
    }
}

/// An optional string member (`null` counts as absent).
pub fn opt_str<'a>(body: &'a Map<String, Value>, key: &str) -> Result<Option<&'a str>, ApError> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        Some(_) => Err(ApError::bad_request(format!("'{key}' must be a string"))),
    }
}

/// A required string member.
pub fn req_str<'a>(body: &'a Map<String, Value>, key: &str) -> Result<&'a str, ApError> {
    opt_str(body, key)?
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| ApError::bad_request(format!("'{key}' is required")))
}

/// An optional object member (`null` counts as absent).
pub fn opt_object<'a>(
    body: &'a Map<String, Value>,
    key: &str,
) -> Result<Option<&'a Map<String, Value>>, ApError> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(m)) => Ok(Some(m)),
        Some(_) => Err(ApError::bad_request(format!("'{key}' must be an object"))),
    }
}

/// A random UUID (version 4), as Aporia's ids are.
pub fn new_uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A timestamp as Aporia writes them: `2021-10-03T10:23:00.913784+00:00`.
pub fn iso(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S%.6f+00:00")
        .to_string()
}

/// The time of an ISO 8601 timestamp (the SDK's `occurredAt`), ms since the epoch.
pub fn parse_iso(text: &str) -> Option<i64> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(text) {
        return Some(t.timestamp_millis());
    }
    // Naive timestamps (no offset) are UTC.
    chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
        .ok()
        .map(|t| t.and_utc().timestamp_millis())
}
