//! Plugins in the host: starting them (their migrations, their context, their routes), the
//! host view and the invoker they get, and stopping them (the event bus closed, their queues
//! drained, their tasks awaited).
//!
//! The server knows plugins only as `Box<dyn Plugin>`: the binary composes the list.

use crate::auth::presented_key;
use crate::calls::{CallRecord, received_at_ms};
use crate::dispatch::Routing;
use crate::events::CallOrigin;
use crate::http::take_dispatch;
use crate::runtime::{Host, unknown_service};
use crate::store::KeyScope;
use async_trait::async_trait;
use plinth_engine_api::{ApiError, Input};
use plinth_plugin_api::{
    EndpointView, GenerationView, HostView, Invocation, Invoked, Invoker, Plugin, PluginContext,
    PluginDb, Principal, PrincipalScope, ServiceView, Shared, Shutdown, SystemClock,
};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// How long the server waits at shutdown for subscribers to write what they hold.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(15);

/// The plugins' side of the host: their tasks and the shutdown signal.
pub struct PluginRuntime {
    tasks: Mutex<Vec<(String, JoinHandle<()>)>>,
    shutdown: watch::Sender<bool>,
    signal: Shutdown,
}

impl Default for PluginRuntime {
    fn default() -> Self {
        let (shutdown, signal) = Shutdown::channel();
        PluginRuntime {
            tasks: Mutex::new(Vec::new()),
            shutdown,
            signal,
        }
    }
}

impl PluginRuntime {
    /// Adds a task the server waits for at shutdown.
    pub fn add_task(&self, name: &str, task: JoinHandle<()>) {
        self.tasks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((name.to_owned(), task));
    }
}

impl Host {
    /// Starts the enabled plugins in order: applies each one's migrations, gives it its
    /// context, and returns the routes they serve, merged.
    pub async fn start_plugins(
        self: &Arc<Self>,
        plugins: Vec<Box<dyn Plugin>>,
    ) -> anyhow::Result<utoipa_axum::router::OpenApiRouter> {
        let mut routes = utoipa_axum::router::OpenApiRouter::default();
        if plugins.is_empty() {
            return Ok(routes);
        }
        let url = match self.config.plugins.get("database_url") {
            Some(toml::Value::String(url)) => url.clone(),
            Some(_) => anyhow::bail!("[plugins] database_url must be a string"),
            None if self.store.is_shared() => self.store.url().to_owned(),
            None => format!(
                "sqlite://{}?mode=rwc",
                self.config.data_dir.join("state.db").display()
            ),
        };
        let db = PluginDb::connect(&url).await.map_err(|e| {
            anyhow::anyhow!("plugins' database {}: {e}", crate::store::redact(&url))
        })?;
        let shared = Arc::new(Shared::default());
        let view: Arc<dyn HostView> = Arc::new(PluginHostView(Arc::downgrade(self)));
        let invoker: Arc<dyn Invoker> = Arc::new(PluginInvoker(Arc::downgrade(self)));
        // The enabled plugins' migrations first, one replica at a time on shared state (two
        // replicas creating the same table at once would fail one of them).
        let mut enabled = Vec::new();
        let turn = self.store.start_turn().await?;
        for plugin in plugins {
            let id = plugin.id();
            let section = match self.config.plugins.get(id) {
                Some(toml::Value::Table(t)) => t.clone(),
                Some(_) => anyhow::bail!("[plugins.{id}] must be a table"),
                None => toml::Table::new(),
            };
            if section.get("enabled") == Some(&toml::Value::Boolean(false)) {
                tracing::info!(plugin = id, "switched off in the configuration");
                continue;
            }
            db.migrate(id, plugin.migrations())
                .await
                .map_err(|e| anyhow::anyhow!("plugin {id}: migrations failed: {e}"))?;
            enabled.push((plugin, section));
        }
        turn.end().await?;
        for (plugin, section) in enabled {
            let id = plugin.id();
            let config = serde_json::to_value(&section)?;
            let ctx = PluginContext::new(
                id,
                db.clone(),
                view.clone(),
                invoker.clone(),
                config,
                self.config.data_dir.clone(),
                Arc::new(SystemClock),
                self.plugins.signal.clone(),
                shared.clone(),
                self.events.clone(),
            );
            let started = plugin
                .start(ctx)
                .await
                .map_err(|e| anyhow::anyhow!("plugin {id} did not start: {e}"))?;
            for task in started.tasks {
                self.plugins.add_task(id, task);
            }
            routes = routes.merge(started.routes);
            tracing::info!(plugin = id, "started");
        }
        Ok(routes)
    }

    /// Stops the event bus and the plugins: every subscriber writes what is queued, then the
    /// plugins' tasks are awaited (at most 15 s in all).
    pub async fn stop_plugins(&self) {
        self.events.close();
        let _ = self.plugins.shutdown.send(true);
        let tasks: Vec<_> =
            std::mem::take(&mut *self.plugins.tasks.lock().unwrap_or_else(|e| e.into_inner()));
        let deadline = tokio::time::Instant::now() + DRAIN_TIMEOUT;
        for (name, task) in tasks {
            if tokio::time::timeout_at(deadline, task).await.is_err() {
                tracing::error!(task = name, "did not finish writing its events at shutdown");
            }
        }
    }
}

/// The host view plugins get. Weak: plugins' tasks never keep the host alive.
struct PluginHostView(Weak<Host>);

fn service_view(service: &crate::runtime::ServiceRuntime) -> ServiceView {
    let state = service.state();
    let routed = match &state.routing {
        None => Vec::new(),
        Some(Routing::Single { single }) => vec![(single.clone(), 1.0)],
        Some(routing) => routing
            .as_mapping()
            .1
            .into_iter()
            .filter(|e| e.proba > 0.0)
            .map(|e| (e.generation, e.proba))
            .collect(),
    };
    let mut inactive: Vec<String> = state.inactive.iter().cloned().collect();
    inactive.sort();
    ServiceView {
        id: service.id.clone(),
        description: state.description.clone(),
        enabled: state.enabled,
        public: state.public,
        routed,
        generations: state
            .generations
            .iter()
            .map(|g| GenerationView {
                id: g.id.clone(),
                seq: g.seq,
                created_at_ms: g.created_at,
            })
            .collect(),
        inactive_endpoints: inactive,
        created_at_ms: state.created_at,
    }
}

#[async_trait]
impl HostView for PluginHostView {
    fn services(&self) -> Vec<ServiceView> {
        let Some(host) = self.0.upgrade() else {
            return Vec::new();
        };
        host.services().iter().map(|s| service_view(s)).collect()
    }

    fn service(&self, id: &str) -> Option<ServiceView> {
        let host = self.0.upgrade()?;
        host.service(id).map(|s| service_view(&s))
    }

    async fn endpoints(
        &self,
        service: &str,
        generation: Option<&str>,
    ) -> Option<Vec<EndpointView>> {
        let host = self.0.upgrade()?;
        let runtime = host.service(service)?;
        let id = match generation {
            Some(g) => g.to_owned(),
            None => service_view(&runtime).main_generation()?.to_owned(),
        };
        let generation = host.generation(&runtime, &id).await.ok()?;
        Some(
            generation
                .endpoints
                .iter()
                .map(|e| EndpointView {
                    id: e.id.clone(),
                    kind: e.kind.to_owned(),
                    description: e.description.clone(),
                    generation: id.clone(),
                    describe: e.handle.describe(),
                    model: e.handle.model_info(),
                })
                .collect(),
        )
    }

    fn authenticate(&self, authorization: &str) -> Option<Principal> {
        let host = self.0.upgrade()?;
        let key = presented_key(Some(authorization)).ok()??;
        let row = host.keys.find(&key)?;
        Some(Principal {
            key_id: row.id,
            scope: match row.scope {
                KeyScope::Admin => PrincipalScope::Admin,
                KeyScope::Monitoring => PrincipalScope::Monitoring,
                KeyScope::Service(s) => PrincipalScope::Service(s),
            },
        })
    }

    async fn set_endpoint_active(
        &self,
        service: &str,
        endpoint: &str,
        active: bool,
    ) -> Result<(), ApiError> {
        let host = self
            .0
            .upgrade()
            .ok_or_else(|| ApiError::unavailable("the server is stopping"))?;
        host.set_endpoint_active(service, endpoint, active).await
    }
}

/// Calls through the user-API path on behalf of a plugin.
struct PluginInvoker(Weak<Host>);

#[async_trait]
impl Invoker for PluginInvoker {
    async fn invoke(&self, origin: &str, call: Invocation) -> Result<Invoked, ApiError> {
        let host = self
            .0
            .upgrade()
            .ok_or_else(|| ApiError::unavailable("the server is stopping"))?;
        let started = Instant::now();
        let mut record = CallRecord::default();
        let result = invoke(&host, call.clone(), started, &mut record).await;
        let (status, error_type) = match &result {
            Ok(_) => (200, None),
            Err(e) => (e.status, Some(e.error_type.to_string())),
        };
        host.account_call(
            &call.service,
            &call.endpoint,
            call.action.as_str(),
            status,
            error_type,
            started.elapsed().as_micros() as u64,
            received_at_ms(started),
            record,
            CallOrigin::Plugin {
                id: origin.to_owned(),
            },
        );
        result
    }
}

async fn invoke(
    host: &Host,
    call: Invocation,
    started: Instant,
    record: &mut CallRecord,
) -> Result<Invoked, ApiError> {
    let service = host
        .service(&call.service)
        .ok_or_else(|| unknown_service(&call.service))?;
    let state = service.state();
    if !state.enabled {
        return Err(ApiError::new(
            503,
            "ServiceDisabled",
            format!("service \"{}\" is disabled", call.service),
        ));
    }
    let mut input = call.input;
    let mut dispatch = take_dispatch(&mut input, call.action)?;
    if let Some(generation) = call.generation {
        dispatch.forced_generation = Some(generation);
    }
    record.context = crate::calls::context_of(&input, call.action);
    let served = host
        .serve_endpoint(
            &service,
            state,
            &call.endpoint,
            call.action,
            Input::Json(input),
            &dispatch,
            started,
            record,
        )
        .await?;
    Ok(Invoked {
        generation: served.generation_id,
        body: served.reply.body,
    })
}
