//! The running host: services, their generations in memory, keys, and the operations the admin
//! API performs on them.
//!
//! Invariants:
//! - A service's [`ServiceState`] is immutable and swapped atomically ([`ArcSwap`]); a request
//!   reads it once, so it sees one consistent routing and keeps its [`Generation`] alive
//!   (an `Arc`) until it finishes, even if the service switches meanwhile.
//! - State changes of one service are serialised by its `admin_lock` and written to the store
//!   before they are swapped in, so a restart restores what was last answered as done.

mod background;
mod deploy;
mod durable;
mod fetch;
mod keys;
mod restore;
mod routing;
mod sync;
mod test_hook;

pub use deploy::{DeployOutcome, DeployRequest};
pub use keys::NewKey;

use crate::auth::KeyTable;
use crate::config::ServerConfig;
use crate::dispatch::Routing;
use crate::engines::EngineRegistry;
use crate::generation::{self, AdmissionDefaults, Generation};
use crate::metrics::Metrics;
use crate::net::ConnectionStats;
use crate::rate_limit::RateLimits;
use crate::store::{GenerationRow, Store};
use crate::stray_calls::StrayCalls;
use arc_swap::ArcSwap;
use plinth_engine_api::{ApiError, ServerResources};
use plinth_plugin_api::EventBus;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock};

/// Everything the HTTP layer needs, shared by all requests.
pub struct Host {
    /// Resolved configuration.
    pub config: ServerConfig,
    /// Durable state.
    pub store: Store,
    /// API keys in memory.
    pub keys: KeyTable,
    /// Engines by kind.
    pub engines: EngineRegistry,
    /// What engines get at load.
    pub resources: Arc<ServerResources>,
    /// Request counters and latencies.
    pub metrics: Metrics,
    /// Call events for the audit trail and plugins.
    pub events: Arc<EventBus>,
    /// The plugins' tasks and shutdown signal.
    pub plugins: crate::plugins::PluginRuntime,
    /// Calls to names that do not exist, counted in one bucket.
    pub stray: StrayCalls,
    /// Token buckets of user calls.
    pub rate_limits: RateLimits,
    /// Counters of the HTTP listener.
    pub connections: Arc<ConnectionStats>,
    services: RwLock<HashMap<String, Arc<ServiceRuntime>>>,
}

/// One service at run time.
pub struct ServiceRuntime {
    /// Service id.
    pub id: String,
    state: ArcSwap<ServiceState>,
    admin_lock: tokio::sync::Mutex<()>,
}

/// A snapshot of a service's state. Never mutated in place: changes build a new one.
#[derive(Clone, Default)]
pub struct ServiceState {
    /// Whether user calls are served.
    pub enabled: bool,
    /// Whether user calls need no key.
    pub public: bool,
    /// From the newest manifest.
    pub description: Option<String>,
    /// The service's own rate limits, from the newest manifest.
    pub rate_limit: Option<crate::bundle::ServiceRateLimit>,
    /// Where calls go; `None` until a generation is switched to.
    pub routing: Option<Routing>,
    /// Every stored generation, oldest first.
    pub generations: Vec<GenerationRow>,
    /// Generations in memory.
    pub loaded: HashMap<String, Arc<Generation>>,
    /// Generations kept in memory even when not routed to (preloaded or freshly imported).
    pub pinned: HashSet<String>,
    /// Endpoints switched off one by one: their calls answer 503 `EndpointInactive`.
    pub inactive: HashSet<String>,
    /// When the service was created, ms since the epoch.
    pub created_at: i64,
}

impl ServiceState {
    /// The generation with the highest deploy order.
    pub fn newest(&self) -> Option<&GenerationRow> {
        self.generations.iter().max_by_key(|g| g.seq)
    }

    /// Whether a generation with this id is stored.
    pub fn has_generation(&self, id: &str) -> bool {
        self.generations.iter().any(|g| g.id == id)
    }
}

impl ServiceRuntime {
    fn new(id: String, state: ServiceState) -> Self {
        ServiceRuntime {
            id,
            state: ArcSwap::from_pointee(state),
            admin_lock: tokio::sync::Mutex::new(()),
        }
    }

    /// The current state snapshot.
    pub fn state(&self) -> Arc<ServiceState> {
        self.state.load_full()
    }
}

impl Host {
    /// The service with this id.
    pub fn service(&self, id: &str) -> Option<Arc<ServiceRuntime>> {
        self.services
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(id)
            .cloned()
    }

    /// All services, sorted by id.
    pub fn services(&self) -> Vec<Arc<ServiceRuntime>> {
        let mut all: Vec<_> = self
            .services
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .cloned()
            .collect();
        all.sort_by(|a, b| a.id.cmp(&b.id));
        all
    }

    /// The service or a 404 naming it.
    pub fn service_or_404(&self, id: &str) -> Result<Arc<ServiceRuntime>, ApiError> {
        self.service(id).ok_or_else(|| unknown_service(id))
    }

    fn insert_service(&self, runtime: Arc<ServiceRuntime>) {
        self.services
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(runtime.id.clone(), runtime);
    }

    /// Inserts `runtime` unless a service with its id is there; returns the one in the map.
    fn insert_service_if_absent(&self, runtime: Arc<ServiceRuntime>) -> Arc<ServiceRuntime> {
        self.services
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .entry(runtime.id.clone())
            .or_insert(runtime)
            .clone()
    }

    fn remove_service(&self, id: &str) -> Option<Arc<ServiceRuntime>> {
        self.services
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(id)
    }

    fn admission(&self) -> AdmissionDefaults {
        AdmissionDefaults {
            max_concurrency: self.config.default_max_concurrency,
            queue_timeout: self.config.queue_timeout,
            call_timeout: self.config.limits.call_timeout,
        }
    }

    /// The generation `id` of `service` in memory, loading it from disk first if needed
    /// (a forced generation, a routing restored after restart whose load had failed).
    pub async fn generation(
        &self,
        service: &ServiceRuntime,
        id: &str,
    ) -> Result<Arc<Generation>, ApiError> {
        if let Some(found) = service.state().loaded.get(id) {
            return Ok(found.clone());
        }
        let _guard = service.admin_lock.lock().await;
        self.load_generation_locked(service, id, false).await
    }

    /// Loads a stored generation into memory (caller holds `admin_lock`). `pin` keeps it
    /// loaded when it is not routed to.
    async fn load_generation_locked(
        &self,
        service: &ServiceRuntime,
        id: &str,
        pin: bool,
    ) -> Result<Arc<Generation>, ApiError> {
        let state = service.state();
        if let Some(found) = state.loaded.get(id) {
            if pin && !state.pinned.contains(id) {
                let mut next = (*state).clone();
                next.pinned.insert(id.to_owned());
                service.state.store(Arc::new(next));
            }
            return Ok(found.clone());
        }
        let row = state
            .generations
            .iter()
            .find(|g| g.id == id)
            .ok_or_else(|| unknown_generation(&service.id, id))?;
        let manifest = crate::bundle::Manifest::parse(&row.manifest, &self.engines.kinds())
            .map_err(|e| {
                ApiError::internal(
                    "GenerationLoadFailed",
                    format!("generation \"{id}\" of \"{}\": {e}", service.id),
                )
            })?;
        let root = self.config.data_dir.join(&row.bundle_dir);
        if self.store.is_shared() && !root.join(crate::bundle::MANIFEST_FILE).is_file() {
            self.fetch_bundle(row).await.map_err(|e| {
                ApiError::unavailable(format!(
                    "generation \"{id}\" of service \"{}\" could not be fetched from the state database",
                    service.id
                ))
                .with_detail(e)
            })?;
        }
        let loaded = generation::load(
            &self.engines,
            &self.resources,
            self.admission(),
            id,
            manifest,
            root,
        )
        .await
        .map_err(|e| {
            ApiError::unavailable(format!(
                "generation \"{id}\" of service \"{}\" could not be loaded",
                service.id
            ))
            .with_detail(e)
        })?;
        let loaded = Arc::new(loaded);
        let mut next = (*service.state()).clone();
        next.loaded.insert(id.to_owned(), loaded.clone());
        if pin {
            next.pinned.insert(id.to_owned());
        }
        service.state.store(Arc::new(next));
        Ok(loaded)
    }
}

/// 404 for an unknown service.
pub fn unknown_service(id: &str) -> ApiError {
    ApiError::not_found(
        "UnknownService",
        format!("no service \"{id}\" on this node"),
    )
}

/// 404 for an unknown generation.
pub fn unknown_generation(service: &str, id: &str) -> ApiError {
    ApiError::not_found(
        "UnknownGeneration",
        format!("service \"{service}\" has no generation \"{id}\""),
    )
}

/// A storage failure as an API error (state database unavailable).
pub fn store_error(e: sqlx::Error) -> ApiError {
    tracing::error!("state database error: {e}");
    ApiError::unavailable("the state database is unavailable").with_detail(e.to_string())
}
