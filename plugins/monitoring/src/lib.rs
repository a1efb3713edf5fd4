//! The monitoring store: the one place where traffic becomes numbers.
//!
//! The plugin subscribes to the host's call events (with their scored rows) and keeps, per
//! service × endpoint × generation × hour: request and row counts, status classes and error
//! types, mergeable latency and execution-time sketches, distinct consumers, per-minute load,
//! per-feature histograms on the baseline's bins, prediction histograms and class counts
//! ([`rollup`], written by [`ingest`] every `flush_interval_ms`). Rows that carry an
//! association id are kept for a retention window and joined with actuals for accuracy.
//! Reads ([`read`]) merge rollups: their cost grows with buckets × bins, never with events.
//!
//! The dialect plugins (DataRobot, Aporia, ...) read it through the [`Monitoring`] handle the
//! plugin publishes in [`plinth_plugin_api::Shared`].

pub mod actuals;
pub mod baseline;
mod flush;
pub mod ingest;
pub mod logged;
pub mod read;
pub mod results;
pub mod rollup;
mod schema;
pub mod settings;

pub use baseline::Baseline;
pub use read::{
    AccuracyReport, DriftScore, PredictionStats, SeriesFilter, ServiceHealth, TimeRange,
};
pub use rollup::SeriesKey;
pub use settings::SeriesSettings;

use async_trait::async_trait;
use plinth_plugin_api::{
    Action, Clock, HostView, Invocation, Invoker, Plugin, PluginContext, PluginDb, PluginError,
    Started, SubscribeOptions,
};
use serde_json::{Map, Value};
use sqlx::Row;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The monitoring plugin (`[plugins.monitoring]`: `flush_interval_ms` (1000),
/// `prediction_retention_days` (90), `writer` (`local` on SQLite; on PostgreSQL the replica's
/// id, [`plinth_plugin_api::replica_id`]), `queue_capacity` (65536)).
#[derive(Debug, Default)]
pub struct MonitoringPlugin;

/// How long a replica keeps an endpoint's monitoring settings before reading them again.
pub const SETTINGS_TTL: Duration = Duration::from_secs(1);

/// A series' baseline (or its absence) and when it was read.
type BaselineCache = HashMap<SeriesKey, (Option<Arc<Baseline>>, std::time::Instant)>;

/// How long a replica keeps a series' stored baseline before reading it again.
pub const BASELINE_TTL: Duration = Duration::from_secs(10);

/// The store's handle: what the dialects read and write.
pub struct Monitoring {
    db: PluginDb,
    host: Arc<dyn HostView>,
    invoker: Arc<dyn Invoker>,
    clock: Arc<dyn Clock>,
    writer: String,
    /// Baselines (or their absence) with when they were read: an absence is read again after
    /// [`SETTINGS_TTL`], a baseline after [`BASELINE_TTL`], so that one set through another
    /// replica (a training set logged there) is used here too.
    baselines: Mutex<BaselineCache>,
    /// Settings read from `mon_settings`, with when they were read: re-read after
    /// [`SETTINGS_TTL`], so that a change made through another replica applies within it.
    settings: Mutex<HashMap<(String, String), (SeriesSettings, std::time::Instant)>>,
    /// Asks the ingest loop to write what it holds ([`Monitoring::sync`]); `None` without one.
    syncs: Option<tokio::sync::mpsc::Sender<tokio::sync::oneshot::Sender<()>>>,
    /// Raw predictions older than this are deleted.
    pub prediction_retention: Duration,
}

impl std::fmt::Debug for Monitoring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Monitoring")
            .field("writer", &self.writer)
            .finish()
    }
}

#[async_trait]
impl Plugin for MonitoringPlugin {
    fn id(&self) -> &'static str {
        ingest::PLUGIN_ID
    }

    fn migrations(&self) -> &'static [plinth_plugin_api::Migration] {
        schema::migrations()
    }

    async fn start(&self, ctx: PluginContext) -> Result<Started, PluginError> {
        let number = |key: &str, default: u64| -> Result<u64, PluginError> {
            match ctx.config.get(key) {
                None => Ok(default),
                Some(v) => v.as_u64().ok_or_else(|| {
                    PluginError::new(format!("[plugins.monitoring] {key} must be a whole number"))
                }),
            }
        };
        let flush_every = Duration::from_millis(number("flush_interval_ms", 1000)?.max(10));
        let retention_days = number("prediction_retention_days", 90)?;
        let capacity = number("queue_capacity", 65_536)? as usize;
        // On shared state every replica writes its own rollup rows; alone, one writer.
        let writer = match ctx.config.get("writer").and_then(Value::as_str) {
            Some(w) => w.to_owned(),
            None if ctx.db.dialect() == plinth_plugin_api::Dialect::Postgres => {
                plinth_plugin_api::replica_id(&ctx.data_dir).map_err(|e| {
                    PluginError::new(format!("the replica id in {}: {e}", ctx.data_dir.display()))
                })?
            }
            None => "local".to_owned(),
        };
        let (sync_tx, sync_rx) = tokio::sync::mpsc::channel(64);
        let monitoring = Arc::new(Monitoring {
            db: ctx.db.clone(),
            host: ctx.host.clone(),
            invoker: ctx.invoker.clone(),
            clock: ctx.clock.clone(),
            writer,
            baselines: Mutex::default(),
            settings: Mutex::default(),
            syncs: Some(sync_tx),
            prediction_retention: Duration::from_secs(retention_days * 86_400),
        });
        ctx.shared.insert(monitoring.clone());
        let events = ctx.subscribe(SubscribeOptions {
            capacity,
            rows: true,
            calls: true,
        });
        let ingest = tokio::spawn(ingest::run(
            monitoring.clone(),
            events,
            sync_rx,
            flush_every,
        ));
        let retention = tokio::spawn(actuals::enforce_retention(
            Arc::downgrade(&monitoring),
            ctx.shutdown.clone(),
        ));
        Ok(Started {
            routes: Default::default(),
            tasks: vec![ingest, retention],
        })
    }
}

impl Monitoring {
    /// A store over `db` (migrated) for tests and tools; the plugin builds its own at start.
    pub async fn open(
        db: PluginDb,
        host: Arc<dyn HostView>,
        invoker: Arc<dyn Invoker>,
        clock: Arc<dyn Clock>,
    ) -> Result<Arc<Monitoring>, sqlx::Error> {
        db.migrate(ingest::PLUGIN_ID, schema::migrations()).await?;
        Ok(Arc::new(Monitoring {
            db,
            host,
            invoker,
            clock,
            writer: "local".into(),
            baselines: Mutex::default(),
            settings: Mutex::default(),
            syncs: None,
            prediction_retention: Duration::from_secs(90 * 86_400),
        }))
    }

    /// The host view (for the dialects: services, endpoints, models).
    pub fn host(&self) -> &Arc<dyn HostView> {
        &self.host
    }

    /// Now, by the plugin's clock.
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// The database (for the dialects' own tables).
    pub fn db(&self) -> &PluginDb {
        &self.db
    }

    /// Writes every call event received so far (those still queued for the plugin included)
    /// before returning, so that a read right after sees them: what a "run the monitors now"
    /// needs. Returns at once without an ingest loop (a store opened with [`Monitoring::open`]).
    pub async fn sync(&self) {
        let Some(syncs) = &self.syncs else {
            return;
        };
        let (done, wait) = tokio::sync::oneshot::channel();
        if syncs.send(done).await.is_ok() {
            let _ = wait.await;
        }
    }

    /// Sets the baseline of a series (replacing a stored one): for series without a bundle's
    /// reference sample, e.g. a training set logged through a dialect. Traffic ingested after
    /// this is binned on it.
    pub async fn set_baseline(
        &self,
        series: &SeriesKey,
        baseline: Baseline,
    ) -> Result<Arc<Baseline>, sqlx::Error> {
        sqlx::query(
            "INSERT INTO mon_baselines (service_id, endpoint_id, generation, body, created_at)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (service_id, endpoint_id, generation) DO UPDATE SET body = excluded.body, created_at = excluded.created_at",
        )
        .bind(&series.service)
        .bind(&series.endpoint)
        .bind(&series.generation)
        .bind(baseline.to_json().to_string())
        .bind(self.clock.now_ms())
        .execute(self.db.pool())
        .await?;
        let baseline = Arc::new(baseline);
        self.lock_baselines().insert(
            series.clone(),
            (Some(baseline.clone()), std::time::Instant::now()),
        );
        Ok(baseline)
    }

    /// The baseline of a series: stored, else built now from the model's reference sample
    /// and its predictions on it, then stored. `None` for endpoints without a model or
    /// reference sample.
    pub async fn baseline(&self, series: &SeriesKey) -> Option<Arc<Baseline>> {
        let cached = self.lock_baselines().get(series).cloned();
        if let Some((known, read)) = &cached {
            let ttl = if known.is_some() {
                BASELINE_TTL
            } else {
                SETTINGS_TTL
            };
            if read.elapsed() < ttl {
                return known.clone();
            }
        }
        let kept = cached.and_then(|(known, _)| known);
        let loaded = match self.load_baseline(series).await {
            Ok(Some(b)) => Some(Arc::new(b)),
            // Built here and kept in memory only (its reference could not be scored): keep it.
            Ok(None) if kept.is_some() => kept,
            Ok(None) => self.build_baseline(series).await.map(Arc::new),
            Err(e) => {
                tracing::error!(target: "plinth::monitoring", "baseline of {series:?} unreadable: {e}");
                return kept;
            }
        };
        self.lock_baselines()
            .insert(series.clone(), (loaded.clone(), std::time::Instant::now()));
        loaded
    }

    fn lock_baselines(&self) -> std::sync::MutexGuard<'_, BaselineCache> {
        self.baselines.lock().unwrap_or_else(|e| e.into_inner())
    }

    async fn load_baseline(&self, series: &SeriesKey) -> Result<Option<Baseline>, sqlx::Error> {
        let row = sqlx::query(
            "SELECT body FROM mon_baselines WHERE service_id = $1 AND endpoint_id = $2 AND generation = $3",
        )
        .bind(&series.service)
        .bind(&series.endpoint)
        .bind(&series.generation)
        .fetch_optional(self.db.pool())
        .await?;
        Ok(row.and_then(|r| {
            let body: String = r.get(0);
            serde_json::from_str::<Value>(&body)
                .ok()
                .and_then(|v| Baseline::from_json(&v))
        }))
    }

    async fn build_baseline(&self, series: &SeriesKey) -> Option<Baseline> {
        let endpoints = self
            .host
            .endpoints(&series.service, Some(&series.generation))
            .await?;
        let model = endpoints
            .into_iter()
            .find(|e| e.id == series.endpoint)?
            .model?;
        if model.reference.is_empty() {
            return None;
        }
        let items: Vec<Value> = model
            .reference
            .iter()
            .map(|row| {
                let features: Map<String, Value> = row
                    .iter()
                    .filter(|(_, v)| !v.is_null())
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                serde_json::json!({"features": features})
            })
            .collect();
        let mut input = Map::new();
        input.insert("items".into(), Value::Array(items));
        let (outputs, scored) = match self
            .invoker
            .invoke(
                ingest::PLUGIN_ID,
                Invocation {
                    service: series.service.clone(),
                    endpoint: series.endpoint.clone(),
                    action: Action::PredictMulti,
                    input,
                    generation: Some(series.generation.clone()),
                },
            )
            .await
        {
            Ok(answer) => (baseline::outputs_of_results(&model, &answer.body), true),
            Err(e) => {
                tracing::warn!(target: "plinth::monitoring", "predictions on the reference of {series:?} failed, no target baseline until the next start: {}", e.message);
                (Vec::new(), false)
            }
        };
        let built = Baseline::build(&model, &outputs);
        if !scored {
            // A failed call (overload, a deadline) is not the model's answer: stored, this
            // baseline would go without a target for good. Kept in memory only; the next
            // start scores the reference again (the feature bins come out the same).
            return Some(built);
        }
        let stored = sqlx::query(
            "INSERT INTO mon_baselines (service_id, endpoint_id, generation, body, created_at)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        )
        .bind(&series.service)
        .bind(&series.endpoint)
        .bind(&series.generation)
        .bind(built.to_json().to_string())
        .bind(self.clock.now_ms())
        .execute(self.db.pool())
        .await;
        if let Err(e) = stored {
            tracing::error!(target: "plinth::monitoring", "baseline of {series:?} not stored: {e}");
        }
        Some(built)
    }

    /// The monitoring settings of an endpoint (defaults when never set).
    pub async fn settings(&self, service: &str, endpoint: &str) -> SeriesSettings {
        let key = (service.to_owned(), endpoint.to_owned());
        if let Some((s, read)) = self.lock_settings().get(&key)
            && read.elapsed() < SETTINGS_TTL
        {
            return s.clone();
        }
        let loaded =
            sqlx::query("SELECT body FROM mon_settings WHERE service_id = $1 AND endpoint_id = $2")
                .bind(service)
                .bind(endpoint)
                .fetch_optional(self.db.pool())
                .await;
        let settings = match loaded {
            Ok(Some(row)) => serde_json::from_str::<Value>(&row.get::<String, _>(0))
                .map(|v| SeriesSettings::from_json(&v))
                .unwrap_or_default(),
            Ok(None) => SeriesSettings::default(),
            Err(e) => {
                tracing::error!(target: "plinth::monitoring", "settings of {service}/{endpoint} unreadable: {e}");
                return SeriesSettings::default();
            }
        };
        self.lock_settings()
            .insert(key, (settings.clone(), std::time::Instant::now()));
        settings
    }

    fn lock_settings(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<(String, String), (SeriesSettings, std::time::Instant)>>
    {
        self.settings.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Stores an endpoint's monitoring settings (durably, before returning).
    pub async fn set_settings(
        &self,
        service: &str,
        endpoint: &str,
        settings: SeriesSettings,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO mon_settings (service_id, endpoint_id, body, updated_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (service_id, endpoint_id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
        )
        .bind(service)
        .bind(endpoint)
        .bind(settings.to_json().to_string())
        .bind(self.clock.now_ms())
        .execute(self.db.pool())
        .await?;
        self.lock_settings().insert(
            (service.to_owned(), endpoint.to_owned()),
            (settings, std::time::Instant::now()),
        );
        Ok(())
    }
}
