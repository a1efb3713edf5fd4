//! Replicas sharing one PostgreSQL state: every change a replica writes (deploy, switch,
//! mapping, enable/disable, endpoint on/off, deletion, keys) is announced with `NOTIFY` on the
//! store's channel, and every replica brings the named service (or its key table) in memory up
//! to what the store holds. A periodic reconcile of everything makes a missed notification a
//! delay, never a lost change.
//!
//! Atomic switch on every replica: a sync first records the new generation rows, then loads
//! (fetching the bundle from the store when this replica lacks it) every generation the new
//! routing names, and only then swaps in the new routing: calls in flight keep the generation
//! they started with, later calls see the new one, none fails in between.

use super::{Host, ServiceRuntime, ServiceState};
use crate::dispatch::Routing;
use crate::store::{Change, GenerationRow, ServiceRow};
use sqlx::postgres::PgListener;
use std::collections::HashSet;
use std::sync::{Arc, Weak};
use std::time::Duration;

impl ServiceState {
    /// The state the store's rows describe, with nothing loaded.
    pub(crate) fn from_rows(
        row: &ServiceRow,
        routing: Option<Routing>,
        generations: Vec<GenerationRow>,
        inactive: HashSet<String>,
        kinds: &[&str],
    ) -> ServiceState {
        let rate_limit = generations
            .iter()
            .max_by_key(|g| g.seq)
            .and_then(|g| crate::bundle::Manifest::parse(&g.manifest, kinds).ok())
            .and_then(|m| m.service.rate_limit);
        ServiceState {
            enabled: row.enabled,
            public: row.public,
            description: row.description.clone(),
            rate_limit,
            routing,
            generations,
            inactive,
            created_at: row.created_at,
            ..Default::default()
        }
    }

    /// Whether two states say the same about the service (what is loaded aside).
    fn same_as_stored(&self, other: &ServiceState) -> bool {
        let ids = |s: &ServiceState| {
            s.generations
                .iter()
                .map(|g| (g.id.clone(), g.seq))
                .collect::<Vec<_>>()
        };
        self.enabled == other.enabled
            && self.public == other.public
            && self.description == other.description
            && self.routing == other.routing
            && self.inactive == other.inactive
            && ids(self) == ids(other)
    }
}

/// The routing stored as JSON, `None` (after saying so) when unreadable.
pub(crate) fn parse_routing(row: &ServiceRow) -> Option<Routing> {
    match row.routing.as_deref().map(serde_json::from_str).transpose() {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(service = %row.id, "stored routing unreadable, service left without routing: {e}");
            None
        }
    }
}

impl Host {
    /// Brings one service in memory up to what the store holds (created, changed or deleted
    /// by another replica). Nothing happens when memory already agrees.
    pub async fn sync_service(&self, id: &str) -> anyhow::Result<()> {
        let service = match self.service(id) {
            Some(s) => s,
            None if self.store.get_service(id).await?.is_none() => return Ok(()),
            None => self.insert_service_if_absent(Arc::new(ServiceRuntime::new(
                id.to_owned(),
                ServiceState::default(),
            ))),
        };
        let _guard = service.admin_lock.lock().await;
        // Read under the lock: a change of this replica may have landed meanwhile.
        let Some(row) = self.store.get_service(id).await? else {
            self.remove_service(id);
            self.remove_local_bundles(id, None);
            // Its keys went with it.
            if let Err(e) = self.reload_keys().await {
                tracing::warn!("reloading keys: {}", e.detail_or_message());
            }
            tracing::info!(service = %id, "deleted on another replica");
            return Ok(());
        };
        let generations = self.store.list_generations(id).await?;
        let inactive = self.store.inactive_endpoints_of(id).await?;
        let kinds = self.engines.kinds();
        let stored = ServiceState::from_rows(
            &row,
            parse_routing(&row),
            generations,
            inactive.into_iter().collect(),
            &kinds,
        );
        let current = service.state();
        if current.same_as_stored(&stored) {
            return Ok(());
        }
        let gone: Vec<GenerationRow> = current
            .generations
            .iter()
            .filter(|g| !stored.has_generation(&g.id))
            .cloned()
            .collect();
        // 1. the generation rows, with the routing still as it was;
        let mut next = (*current).clone();
        next.generations = stored.generations.clone();
        next.loaded.retain(|g, _| stored.has_generation(g));
        next.pinned.retain(|g| stored.has_generation(g));
        service.state.store(Arc::new(next));
        // 2. every generation the new routing names, loaded;
        for generation in stored
            .routing
            .as_ref()
            .map(Routing::generations)
            .unwrap_or_default()
        {
            if let Err(e) = self
                .load_generation_locked(&service, generation, false)
                .await
            {
                tracing::error!(service = %id, generation, "could not load for a change made on another replica, will retry on first call: {}", e.detail_or_message());
            }
        }
        // 3. the new routing and flags, swapped in at once.
        let loaded = service.state();
        let mut next = stored;
        next.loaded = loaded.loaded.clone();
        next.pinned = loaded.pinned.clone();
        let routed: Vec<String> = next
            .routing
            .as_ref()
            .map(|r| r.generations().into_iter().map(str::to_owned).collect())
            .unwrap_or_default();
        let pinned = next.pinned.clone();
        next.loaded
            .retain(|g, _| routed.contains(g) || pinned.contains(g));
        service.state.store(Arc::new(next));
        for g in gone {
            self.remove_local_bundles(id, Some(&g));
        }
        tracing::info!(service = %id, "synchronised with a change made on another replica");
        Ok(())
    }

    /// Syncs every service the store or memory knows, and the key table.
    pub async fn reconcile_all(&self) -> anyhow::Result<()> {
        let mut ids: HashSet<String> = self
            .store
            .list_services()
            .await?
            .into_iter()
            .map(|s| s.id)
            .collect();
        ids.extend(self.services().iter().map(|s| s.id.clone()));
        for id in ids {
            if let Err(e) = self.sync_service(&id).await {
                tracing::warn!(service = %id, "reconcile failed: {e:#}");
            }
        }
        self.reload_keys()
            .await
            .map_err(|e| anyhow::anyhow!("{}", e.detail_or_message()))?;
        Ok(())
    }

    async fn apply(&self, change: Change) {
        let outcome = match &change {
            Change::Service(id) => self.sync_service(id).await,
            Change::Keys => self
                .reload_keys()
                .await
                .map_err(|e| anyhow::anyhow!("{}", e.detail_or_message())),
        };
        if let Err(e) = outcome {
            tracing::warn!(
                "applying {change:?} from another replica failed (the reconcile retries): {e:#}"
            );
        }
    }

    /// Starts listening for other replicas' changes and the periodic reconcile (shared state
    /// only).
    pub(super) fn start_sync_tasks(self: &Arc<Self>) {
        if !self.store.is_shared() {
            return;
        }
        tokio::spawn(listen(Arc::downgrade(self)));
        tokio::spawn(reconcile_periodically(Arc::downgrade(self)));
    }

    fn remove_local_bundles(&self, service: &str, generation: Option<&GenerationRow>) {
        let dir = match generation {
            Some(g) => self.config.data_dir.join(&g.bundle_dir),
            None => self.config.data_dir.join("bundles").join(service),
        };
        if let Err(e) = std::fs::remove_dir_all(&dir)
            && e.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!("could not remove {}: {e}", dir.display());
        }
    }
}

async fn listen(host: Weak<Host>) {
    let Some((url, channel)) = host.upgrade().and_then(|h| {
        h.store
            .channel()
            .map(|c| (h.store.url().to_owned(), c.to_owned()))
    }) else {
        return;
    };
    loop {
        let mut listener = match PgListener::connect(&url).await {
            Ok(mut l) => match l.listen(&channel).await {
                Ok(()) => l,
                Err(e) => {
                    tracing::warn!("LISTEN {channel} failed, retrying: {e}");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            },
            Err(e) => {
                tracing::warn!("change listener could not connect, retrying: {e}");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        loop {
            match listener.try_recv().await {
                Ok(Some(notification)) => {
                    let Some(host) = host.upgrade() else {
                        return;
                    };
                    match Change::parse(notification.payload()) {
                        // Each change in its own task: a slow load of one service never delays
                        // another's; changes of one service are ordered by its admin lock.
                        Some(change) => {
                            tokio::spawn(async move { host.apply(change).await });
                        }
                        None => tracing::debug!(
                            "unknown change notification {:?}",
                            notification.payload()
                        ),
                    }
                }
                Ok(None) => {
                    // The connection was lost (and is re-established by the next call):
                    // whatever was announced meanwhile is read back from the store.
                    tracing::warn!("change listener lost its connection; reconciling");
                    let Some(host) = host.upgrade() else {
                        return;
                    };
                    tokio::spawn(async move {
                        if let Err(e) = host.reconcile_all().await {
                            tracing::warn!("reconcile failed: {e:#}");
                        }
                    });
                }
                Err(e) => {
                    tracing::warn!("change listener failed, reconnecting: {e}");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    break;
                }
            }
        }
    }
}

async fn reconcile_periodically(host: Weak<Host>) {
    let Some(interval) = host.upgrade().map(|h| h.config.reconcile_interval) else {
        return;
    };
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await;
    loop {
        tick.tick().await;
        let Some(host) = host.upgrade() else {
            return;
        };
        if let Err(e) = host.reconcile_all().await {
            tracing::warn!("reconcile failed: {e:#}");
        }
    }
}
