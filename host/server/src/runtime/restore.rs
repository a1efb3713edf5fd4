//! Start-up: open the state, make sure an admin key exists, restore services and their
//! routing from the store, and deploy the examples on a first run.

use super::{Host, ServiceRuntime, ServiceState, durable};
use crate::auth::KeyTable;
use crate::bundle::BundleSource;
use crate::config::ServerConfig;
use crate::dispatch::Routing;
use crate::engines::EngineRegistry;
use crate::metrics::Metrics;
use crate::runtime::DeployRequest;
use crate::store::Store;
use anyhow::Context;
use plinth_engine_api::ServerResources;
use plinth_plugin_api::EventBus;
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};

impl Host {
    /// Opens the data directory and restores the host. Returns the host and, on a fresh
    /// install without a configured admin key, the generated admin key (to print once).
    pub async fn start(
        config: ServerConfig,
        engines: EngineRegistry,
    ) -> anyhow::Result<(Arc<Host>, Option<String>)> {
        std::fs::create_dir_all(&config.data_dir)
            .with_context(|| format!("creating data directory {}", config.data_dir.display()))?;
        let data_dir = config.data_dir.canonicalize()?;
        let config = ServerConfig {
            data_dir: data_dir.clone(),
            ..config
        };
        // Leftovers of deploys interrupted by a crash.
        let _ = std::fs::remove_dir_all(data_dir.join("staging"));
        let store = match &config.state_url {
            Some(url) => Store::connect(url).await?,
            None => Store::open(&data_dir).await?,
        };
        let sibling_sink = Arc::new(crate::calls::SiblingSink::default());
        let resources = Arc::new(ServerResources {
            sibling_calls: Some(sibling_sink.clone()),
            data_dir: data_dir.clone(),
            cache_dir: data_dir.join("cache"),
            settings: config.settings.clone(),
        });
        let events = Arc::new(EventBus::new());
        let audit_writer = crate::events::start_audit_writer(&events, store.clone());
        let host = Arc::new(Host {
            config,
            store,
            keys: KeyTable::default(),
            engines,
            resources,
            metrics: Metrics::default(),
            events,
            plugins: Default::default(),
            stray: Default::default(),
            rate_limits: Default::default(),
            connections: Default::default(),
            services: RwLock::new(Default::default()),
        });
        sibling_sink.attach(&host);
        host.plugins.add_task("audit", audit_writer);
        host.start_background_tasks();
        // Replicas starting together on shared state take turns here, so that one installs
        // the admin key and the examples and the others restore what it did.
        let turn = host.store.start_turn().await?;
        let new_admin_key = host.bootstrap_admin_key().await?;
        let restored = host.restore_services().await?;
        host.remove_orphan_bundles();
        if restored == 0
            && let Some(examples) = host.config.examples_dir.clone()
        {
            host.deploy_examples(&examples).await;
        }
        turn.end().await?;
        host.start_sync_tasks();
        Ok((host, new_admin_key))
    }

    async fn restore_services(&self) -> anyhow::Result<usize> {
        let rows = self.store.list_services().await?;
        let inactive = self.store.list_inactive_endpoints().await?;
        let count = rows.len();
        let kinds = self.engines.kinds();
        for row in rows {
            let routing = super::sync::parse_routing(&row);
            let generations = self.store.list_generations(&row.id).await?;
            let state = ServiceState::from_rows(
                &row,
                routing.clone(),
                generations,
                inactive
                    .iter()
                    .filter(|(service, _)| *service == row.id)
                    .map(|(_, endpoint)| endpoint.clone())
                    .collect(),
                &kinds,
            );
            let service = Arc::new(ServiceRuntime::new(row.id.clone(), state));
            self.insert_service(service.clone());
            for generation in routing
                .as_ref()
                .map(Routing::generations)
                .unwrap_or_default()
            {
                let _guard = service.admin_lock.lock().await;
                match self
                    .load_generation_locked(&service, generation, false)
                    .await
                {
                    Ok(_) => tracing::info!(service = %row.id, generation, "restored"),
                    Err(e) => {
                        tracing::error!(service = %row.id, generation, "could not load at start, will retry on first call: {}", e.detail_or_message())
                    }
                }
            }
        }
        Ok(count)
    }

    /// Removes the bundle directories no stored generation uses: what a deploy interrupted by
    /// a crash moved into place before recording it, or what a deletion recorded just before a
    /// crash left. A later deploy then finds its `bundles/<service>/<generation>` free.
    fn remove_orphan_bundles(&self) {
        let services = self.services();
        let referenced: HashSet<PathBuf> = services
            .iter()
            .flat_map(|s| {
                s.state()
                    .generations
                    .iter()
                    .map(|g| self.config.data_dir.join(&g.bundle_dir))
                    .collect::<Vec<_>>()
            })
            .collect();
        let ids: HashSet<String> = services.iter().map(|s| s.id.clone()).collect();
        for path in
            durable::remove_orphans(&self.config.data_dir.join("bundles"), &referenced, &ids)
        {
            tracing::warn!(
                "removed {}: no stored generation uses it (left by an interrupted deploy or deletion)",
                path.display()
            );
        }
        for path in &referenced {
            if !path.join(crate::bundle::MANIFEST_FILE).is_file() {
                tracing::error!(
                    "bundle directory {} of a stored generation is missing or incomplete",
                    path.display()
                );
            }
        }
    }

    /// Deploys every bundle directory under `dir` (first run).
    async fn deploy_examples(&self, dir: &std::path::Path) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            tracing::warn!(
                "examples directory {} not found: nothing deployed",
                dir.display()
            );
            return;
        };
        let mut bundles: Vec<_> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.join(crate::bundle::MANIFEST_FILE).is_file())
            .collect();
        bundles.sort();
        for bundle in bundles {
            let request = DeployRequest {
                source: BundleSource::Directory(bundle.clone()),
                service_id: None,
                generation: None,
                activate: true,
                create_service: true,
            };
            match self.deploy(request).await {
                Ok(outcome) => {
                    tracing::info!(service = %outcome.service_id, generation = %outcome.generation, "example deployed from {}", bundle.display())
                }
                Err(e) => tracing::error!(
                    "example {} not deployed: {}",
                    bundle.display(),
                    e.detail_or_message()
                ),
            }
        }
    }
}
