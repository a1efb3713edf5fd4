//! What a plugin may know of the host and ask of it: a read-only view of services, generations
//! and endpoints, key checks, an endpoint's active flag, and calls through the user-API path.

use async_trait::async_trait;
use plinth_engine_api::{Action, ApiError, ModelInfo};
use serde_json::{Map, Value};
use std::sync::Arc;

/// A stored generation of a service.
#[derive(Clone, Debug, PartialEq)]
pub struct GenerationView {
    /// Generation id (`v3`, or the name given at deploy).
    pub id: String,
    /// Deploy order.
    pub seq: i64,
    /// When it was deployed, ms since the Unix epoch.
    pub created_at_ms: i64,
}

/// A service as the admin API shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceView {
    /// Service id.
    pub id: String,
    /// From the newest manifest.
    pub description: Option<String>,
    /// Whether user calls are served.
    pub enabled: bool,
    /// Whether user calls need no key.
    pub public: bool,
    /// The generations calls are routed to, with their share of traffic (summing to 1);
    /// empty when nothing is routed.
    pub routed: Vec<(String, f64)>,
    /// Every stored generation, oldest first.
    pub generations: Vec<GenerationView>,
    /// Endpoints switched off one by one ([`HostView::set_endpoint_active`]).
    pub inactive_endpoints: Vec<String>,
    /// When the service was created, ms since the Unix epoch.
    pub created_at_ms: i64,
}

impl ServiceView {
    /// The generation with the largest share of traffic (the first on ties), else the newest.
    pub fn main_generation(&self) -> Option<&str> {
        let mut best: Option<&(String, f64)> = None;
        for routed in &self.routed {
            if best.is_none_or(|b| routed.1 > b.1) {
                best = Some(routed);
            }
        }
        best.map(|b| b.0.as_str()).or_else(|| {
            self.generations
                .iter()
                .max_by_key(|g| g.seq)
                .map(|g| g.id.as_str())
        })
    }
}

/// An endpoint of a generation.
#[derive(Clone, Debug)]
pub struct EndpointView {
    /// Endpoint id.
    pub id: String,
    /// Manifest kind (`prediction`, `function`, ...).
    pub kind: String,
    /// Free text from the manifest.
    pub description: Option<String>,
    /// The generation it belongs to.
    pub generation: String,
    /// What the admin API shows of it (schema, parameters...).
    pub describe: Value,
    /// The model, for prediction endpoints.
    pub model: Option<Arc<ModelInfo>>,
}

/// What a presented key may do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PrincipalScope {
    /// An admin key: everything.
    Admin,
    /// A monitoring-only key: monitoring and registry APIs, not the admin API.
    Monitoring,
    /// A service key: user calls to that service only.
    Service(String),
}

/// The owner of a valid key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    /// The key's public id.
    pub key_id: String,
    /// What it may do.
    pub scope: PrincipalScope,
}

/// A call a plugin makes to an endpoint.
#[derive(Clone, Debug)]
pub struct Invocation {
    /// Service id.
    pub service: String,
    /// Endpoint id.
    pub endpoint: String,
    /// The action.
    pub action: Action,
    /// The body, as a user call would send it (`dispatch` members are honoured).
    pub input: Map<String, Value>,
    /// The generation to use (else the service's routing decides).
    pub generation: Option<String>,
}

/// The answer of an invocation.
#[derive(Clone, Debug)]
pub struct Invoked {
    /// The generation that served it.
    pub generation: String,
    /// The engine's members (`result`, `results`, `response`...), without the envelope.
    pub body: Map<String, Value>,
}

/// The host as plugins see it.
#[async_trait]
pub trait HostView: Send + Sync + 'static {
    /// Every service, sorted by id.
    fn services(&self) -> Vec<ServiceView>;

    /// One service.
    fn service(&self, id: &str) -> Option<ServiceView>;

    /// The endpoints of a generation (the main one when `None`), loading it if it is stored
    /// but not in memory. `None` when the service or generation does not exist.
    async fn endpoints(&self, service: &str, generation: Option<&str>)
    -> Option<Vec<EndpointView>>;

    /// The key presented in an `Authorization` header (`Token`, `Bearer` or Basic), if it is
    /// valid and not expired.
    fn authenticate(&self, authorization: &str) -> Option<Principal>;

    /// Switches one endpoint of a service off (calls answer 503 `EndpointInactive`) or on
    /// again. Persisted; the service's other endpoints go on.
    async fn set_endpoint_active(
        &self,
        service: &str,
        endpoint: &str,
        active: bool,
    ) -> Result<(), ApiError>;
}

/// Calls an endpoint through the user-API path: dispatch, admission, the engine, its deadline,
/// metrics and events (with [`crate::CallOrigin::Plugin`]).
#[async_trait]
pub trait Invoker: Send + Sync + 'static {
    /// Makes the call on behalf of the plugin `origin`.
    async fn invoke(&self, origin: &str, call: Invocation) -> Result<Invoked, ApiError>;
}
