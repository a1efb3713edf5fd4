//! The plugin lifecycle: [`Plugin::start`] with a [`PluginContext`], answered by [`Started`].

use crate::bus::{EventBus, SubscribeOptions, Subscription};
use crate::clock::Clock;
use crate::db::{Migration, PluginDb};
use crate::host_view::{HostView, Invoker};
use crate::shared::Shared;
use async_trait::async_trait;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// A built-in plugin.
#[async_trait]
pub trait Plugin: Send + Sync + 'static {
    /// The plugin's id: its `[plugins.<id>]` section, its migrations' owner, its log target.
    fn id(&self) -> &'static str;

    /// Its schema changes, applied before [`Plugin::start`].
    fn migrations(&self) -> &'static [Migration] {
        &[]
    }

    /// Starts the plugin: subscribe, spawn its tasks, build its routes.
    async fn start(&self, ctx: PluginContext) -> Result<Started, PluginError>;
}

/// Why a plugin could not start (the server does not start either).
#[derive(Debug)]
pub struct PluginError(pub String);

impl std::fmt::Display for PluginError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PluginError {}

impl PluginError {
    /// An error with this message.
    pub fn new(message: impl Into<String>) -> PluginError {
        PluginError(message.into())
    }
}

/// What a started plugin hands back.
#[derive(Default)]
pub struct Started {
    /// Routes mounted at the server root (each plugin under its own prefixes), with their
    /// OpenAPI documentation: the server serves the merged document at `/openapi.json`.
    /// Register each route with `.routes(utoipa_axum::routes!(handler))` so that it cannot go
    /// undocumented.
    pub routes: utoipa_axum::router::OpenApiRouter,
    /// Tasks the server waits for at shutdown (after closing the event bus and raising
    /// [`Shutdown`]), e.g. an ingest loop that flushes what it holds.
    pub tasks: Vec<JoinHandle<()>>,
}

/// Raised once when the server stops.
#[derive(Clone, Debug)]
pub struct Shutdown {
    rx: watch::Receiver<bool>,
}

impl Shutdown {
    /// A signal and the sender that raises it.
    pub fn channel() -> (watch::Sender<bool>, Shutdown) {
        let (tx, rx) = watch::channel(false);
        (tx, Shutdown { rx })
    }

    /// Whether the server is stopping.
    pub fn is_raised(&self) -> bool {
        *self.rx.borrow()
    }

    /// Completes when the server starts stopping.
    pub async fn raised(&mut self) {
        let _ = self.rx.wait_for(|v| *v).await;
    }
}

/// What a plugin gets at start: everything it may use, nothing more.
pub struct PluginContext {
    /// The plugin's id.
    pub id: &'static str,
    /// Its tables (its migrations are applied).
    pub db: PluginDb,
    /// A read-only view of the host.
    pub host: Arc<dyn HostView>,
    /// Calls endpoints through the user-API path.
    pub invoker: Arc<dyn Invoker>,
    /// Its `[plugins.<id>]` section as JSON (an empty object when absent).
    pub config: serde_json::Value,
    /// The server's data directory (a plugin keeps its files under `<data_dir>/plugins/<id>`).
    pub data_dir: PathBuf,
    /// Wall-clock time.
    pub clock: Arc<dyn Clock>,
    /// Raised when the server stops.
    pub shutdown: Shutdown,
    /// Handles of plugins started earlier (e.g. the monitoring store).
    pub shared: Arc<Shared>,
    bus: Arc<EventBus>,
}

impl PluginContext {
    /// Builds a context (the server does this; tests of a plugin too).
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        id: &'static str,
        db: PluginDb,
        host: Arc<dyn HostView>,
        invoker: Arc<dyn Invoker>,
        config: serde_json::Value,
        data_dir: PathBuf,
        clock: Arc<dyn Clock>,
        shutdown: Shutdown,
        shared: Arc<Shared>,
        bus: Arc<EventBus>,
    ) -> PluginContext {
        PluginContext {
            id,
            db,
            host,
            invoker,
            config,
            data_dir,
            clock,
            shutdown,
            shared,
            bus,
        }
    }

    /// Subscribes to the host's events under the plugin's id.
    pub fn subscribe(&self, options: SubscribeOptions) -> Subscription {
        self.bus.subscribe(self.id, options)
    }
}
