//! A loaded generation: every endpoint of one deploy of a service, ready to serve.
//!
//! Loading runs each endpoint's engine in manifest order; an endpoint may use endpoints declared
//! before it. Loading is all or nothing: the first failure aborts it with an error naming the
//! manifest field, and nothing of the generation is kept.

use crate::bundle::{MANIFEST_FILE, Manifest};
use crate::engines::EngineRegistry;
use plinth_engine_api::{Action, Endpoint, LoadContext, ServerResources};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// One endpoint of a loaded generation, with its admission control.
pub struct LoadedEndpoint {
    /// Endpoint id.
    pub id: String,
    /// Manifest kind.
    pub kind: &'static str,
    /// Free text from the manifest.
    pub description: Option<String>,
    /// The engine's handle.
    pub handle: Arc<dyn Endpoint>,
    /// Requests served at once; excess requests wait up to `queue_timeout`.
    pub slots: Arc<Semaphore>,
    /// Slot count, for descriptions.
    pub max_concurrency: usize,
    /// How long a request waits for a slot before a 503.
    pub queue_timeout: Duration,
    /// The call's work deadline (`timeout_ms`, else the server's `call_timeout_ms`).
    pub timeout: Duration,
}

/// How long past its deadline the host waits for an engine that enforces the deadline itself
/// (so that its own, more precise 504 is the answer).
const OWN_DEADLINE_GRACE: Duration = Duration::from_secs(1);

impl LoadedEndpoint {
    /// When the host gives up on a call and answers 504 itself.
    pub fn host_deadline(&self) -> Duration {
        if self.handle.enforces_own_deadline() {
            self.timeout + OWN_DEADLINE_GRACE
        } else {
            self.timeout
        }
    }

    /// The actions this endpoint answers.
    pub fn actions(&self) -> &'static [Action] {
        self.handle.actions()
    }
}

/// A generation in memory.
pub struct Generation {
    /// Owning service.
    pub service_id: String,
    /// Generation id.
    pub id: String,
    /// The manifest it was deployed with.
    pub manifest: Manifest,
    /// Endpoints in manifest order.
    pub endpoints: Vec<LoadedEndpoint>,
    /// Where the bundle lives.
    pub root: PathBuf,
}

impl Generation {
    /// The endpoint with this id.
    pub fn endpoint(&self, id: &str) -> Option<&LoadedEndpoint> {
        self.endpoints.iter().find(|e| e.id == id)
    }
}

/// Defaults for endpoints that do not set their own admission limits and deadline.
#[derive(Clone, Copy, Debug)]
pub struct AdmissionDefaults {
    /// Default `max_concurrency`.
    pub max_concurrency: usize,
    /// Default `queue_timeout_ms`.
    pub queue_timeout: Duration,
    /// Default `timeout_ms`.
    pub call_timeout: Duration,
}

/// Loads every endpoint of a staged or stored bundle.
pub async fn load(
    registry: &EngineRegistry,
    resources: &Arc<ServerResources>,
    admission: AdmissionDefaults,
    generation: &str,
    manifest: Manifest,
    root: PathBuf,
) -> Result<Generation, String> {
    let service_id = manifest.service.id.clone();
    let mut endpoints: Vec<LoadedEndpoint> = Vec::with_capacity(manifest.endpoints.len());
    let mut siblings: HashMap<String, Arc<dyn Endpoint>> = HashMap::new();
    for (index, section) in manifest.endpoints.iter().enumerate() {
        let at = format!("{MANIFEST_FILE}: endpoint[{index}] \"{}\"", section.id);
        let factory = registry.get(&section.kind).ok_or_else(|| {
            format!(
                "{at}.kind: this server has no engine for \"{}\"",
                section.kind
            )
        })?;
        let ctx = LoadContext::new(
            service_id.clone(),
            generation,
            section.id.clone(),
            root.clone(),
            section.engine_config.clone(),
            resources.clone(),
        )
        .with_siblings(siblings.clone());
        let handle = factory.load(ctx).await.map_err(|e| match &e.field {
            Some(field) => format!("{at}.{field}: {}", e.message),
            None => format!("{at}: {}", e.message),
        })?;
        let max_concurrency = section.max_concurrency.unwrap_or(admission.max_concurrency);
        siblings.insert(section.id.clone(), handle.clone());
        endpoints.push(LoadedEndpoint {
            id: section.id.clone(),
            kind: factory.kind(),
            description: section.description.clone(),
            handle,
            slots: Arc::new(Semaphore::new(max_concurrency)),
            max_concurrency,
            queue_timeout: section
                .queue_timeout_ms
                .map(Duration::from_millis)
                .unwrap_or(admission.queue_timeout),
            timeout: section
                .timeout_ms
                .map(Duration::from_millis)
                .unwrap_or(admission.call_timeout),
        });
    }
    Ok(Generation {
        service_id,
        id: generation.to_owned(),
        manifest,
        endpoints,
        root,
    })
}
