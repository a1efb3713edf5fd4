//! The plugin: its tables, its routes, and its tasks (the mirror of deploys, the monitor
//! scheduler, the webhook deliverer).

use crate::app::Ap;
use crate::mirror::Mirror;
use crate::registry::Registry;
use async_trait::async_trait;
use plinth_monitoring::Monitoring;
use plinth_plugin_api::{
    Event, Migration, Plugin, PluginContext, PluginError, Started, SubscribeOptions,
};
use serde_json::Value;
use std::sync::Arc;

/// `[plugins.aporia]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// The HMAC key of webhooks whose notification gives none.
    pub webhook_secret: Option<String>,
    /// The first retry's delay; each next one doubles it.
    pub webhook_backoff_ms: i64,
    /// Attempts before a delivery is marked failed.
    pub webhook_max_attempts: i64,
    /// The largest request body (413 beyond it).
    pub max_body_bytes: usize,
    /// How long the scheduler lease lasts without renewal: among replicas, the longest a dead
    /// scheduler's monitors wait for another replica to take over.
    pub scheduler_lease_ms: i64,
}

impl Config {
    /// Reads `[plugins.aporia]`: `webhook_secret`, `webhook_backoff_ms` (1000),
    /// `webhook_max_attempts` (8), `max_body_bytes` (32 MiB), `scheduler_lease_ms` (60,000).
    pub fn from_json(v: &Value) -> Result<Config, PluginError> {
        let number = |key: &str, default: i64| -> Result<i64, PluginError> {
            match v.get(key) {
                None => Ok(default),
                Some(x) => x.as_i64().filter(|n| *n > 0).ok_or_else(|| {
                    PluginError::new(format!(
                        "[plugins.aporia] {key} must be a positive whole number"
                    ))
                }),
            }
        };
        Ok(Config {
            webhook_secret: v
                .get("webhook_secret")
                .and_then(Value::as_str)
                .map(str::to_owned),
            webhook_backoff_ms: number("webhook_backoff_ms", 1000)?,
            webhook_max_attempts: number("webhook_max_attempts", 8)?,
            max_body_bytes: number("max_body_bytes", crate::app::DEFAULT_MAX_BODY_BYTES as i64)?
                as usize,
            scheduler_lease_ms: number("scheduler_lease_ms", crate::monitors::scheduler::LEASE_MS)?
                .max(1_000),
        })
    }
}

/// The Aporia API plugin; needs the monitoring plugin, started before it.
#[derive(Debug, Default)]
pub struct AporiaPlugin;

#[async_trait]
impl Plugin for AporiaPlugin {
    fn id(&self) -> &'static str {
        "aporia"
    }

    fn migrations(&self) -> &'static [Migration] {
        crate::schema::MIGRATIONS
    }

    async fn start(&self, ctx: PluginContext) -> Result<Started, PluginError> {
        let monitoring = ctx.shared.get::<Monitoring>().ok_or_else(|| {
            PluginError::new(
                "the aporia plugin reads the monitoring store: enable [plugins.monitoring]",
            )
        })?;
        let config = Config::from_json(&ctx.config)?;
        let registry = Registry { db: ctx.db.clone() };
        let ap = Arc::new(Ap {
            db: ctx.db.clone(),
            monitoring,
            host: ctx.host.clone(),
            clock: ctx.clock.clone(),
            mirror: Mirror::new(ctx.host.clone(), registry),
            monitors_changed: Default::default(),
            deliveries_queued: Default::default(),
            config,
        });
        if let Err(e) = ap.mirror.ensure_current(ap.now_ms()).await {
            tracing::error!(target: "plinth::aporia", "the registry could not mirror the deployed services (retried on the next read): {e}");
        }
        // Deploys, switches and deletions only: the mirror never sees a call.
        let mut events = ctx.subscribe(SubscribeOptions {
            capacity: 1024,
            rows: false,
            calls: false,
        });
        let mirror_ap = ap.clone();
        let mirror = tokio::spawn(async move {
            while let Some(event) = events.recv().await {
                if matches!(event, Event::Admin(_))
                    && let Err(e) = mirror_ap.mirror.ensure_current(mirror_ap.now_ms()).await
                {
                    tracing::error!(target: "plinth::aporia", "registry mirror failed (retried on the next read): {e}");
                }
            }
        });
        // One scheduler among replicas: the holder of this lease. The owner is the replica's
        // id (kept in its data directory), so a replica restarted after a crash takes its own
        // lease back at once instead of waiting for it to run out.
        let owner = plinth_plugin_api::replica_id(&ctx.data_dir)
            .map_err(|e| PluginError::new(format!("the replica id: {e}")))?;
        let lease = plinth_plugin_api::Lease::new(
            ctx.db.clone(),
            "aporia.scheduler",
            &owner,
            ap.config.scheduler_lease_ms,
        );
        let scheduler = tokio::spawn(crate::monitors::scheduler::run(
            ap.clone(),
            lease,
            ctx.shutdown.clone(),
        ));
        let deliverer = tokio::spawn(crate::webhooks::run(ap.clone(), ctx.shutdown.clone()));
        Ok(Started {
            routes: crate::routes::documented(ap),
            tasks: vec![mirror, scheduler, deliverer],
        })
    }
}
