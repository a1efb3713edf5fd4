//! The admin API's JSON answers, as far as the dashboard reads them (see
//! `host/server/src/http/admin_api.rs` and `host/server/src/metrics.rs`). Unknown fields are
//! ignored and missing optional ones take defaults, so additions to the API do not break pages.

use serde::Deserialize;

/// One element of `GET /admin/api/services`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceSummary {
    /// The service id.
    pub id: String,
    /// Whether calls are served (a disabled service answers 503).
    #[serde(default)]
    pub enabled: bool,
    /// Whether calls need no key.
    #[serde(default)]
    pub public: bool,
    /// Free text from the manifest.
    #[serde(default)]
    pub description: Option<String>,
    /// Generation ids, in deploy order.
    #[serde(default)]
    pub generations: Vec<String>,
    /// How calls are spread over generations.
    #[serde(default)]
    pub mapping: Mapping,
}

/// `{"strategy": "RANDOM" | "HASH_BASED", "entries": [...]}`.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Mapping {
    /// `RANDOM` or `HASH_BASED`.
    #[serde(default)]
    pub strategy: String,
    /// Generations and their traffic shares.
    #[serde(default)]
    pub entries: Vec<MappingEntry>,
}

/// `{"generation": "v2", "proba": 0.9}`.
#[derive(Clone, Debug, Deserialize)]
pub struct MappingEntry {
    /// Generation id.
    pub generation: String,
    /// Share of the traffic, 0..=1.
    pub proba: f64,
}

impl Mapping {
    /// The entries that receive traffic.
    pub fn active(&self) -> impl Iterator<Item = &MappingEntry> {
        self.entries.iter().filter(|e| e.proba > 0.0)
    }
}

/// `GET /admin/api/services/{id}`: the summary plus the endpoints of the main active
/// generation and every active generation.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceDetail {
    /// The fields of [`ServiceSummary`].
    #[serde(flatten)]
    pub summary: ServiceSummary,
    /// Endpoints of the generation with the largest share.
    #[serde(default)]
    pub endpoints: Vec<Endpoint>,
    /// Each generation with a share above 0.
    #[serde(default)]
    pub active_generations: Vec<ActiveGeneration>,
}

/// One endpoint of a generation.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Endpoint {
    /// Endpoint id.
    pub id: String,
    /// Engine kind, e.g. `function`, `lookup`.
    #[serde(default)]
    pub kind: String,
    /// User-API actions, e.g. `run`, `predict`.
    #[serde(default)]
    pub actions: Vec<String>,
    /// Free text.
    #[serde(default)]
    pub description: Option<String>,
}

/// An element of `activeGenerations`.
#[derive(Clone, Debug, Deserialize)]
pub struct ActiveGeneration {
    /// Generation id.
    pub generation: String,
    /// Share of the traffic.
    pub proba: f64,
    /// Its endpoints, when it could be loaded.
    #[serde(default)]
    pub endpoints: Vec<Endpoint>,
    /// Why it could not be loaded.
    #[serde(default)]
    pub error: Option<String>,
}

/// `GET /admin/api/services/{id}/generations`.
#[derive(Clone, Debug, Deserialize)]
pub struct GenerationList {
    /// In deploy order.
    #[serde(default)]
    pub generations: Vec<GenerationInfo>,
}

/// One generation.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GenerationInfo {
    /// Generation id.
    pub id: String,
    /// Deploy order, from 1.
    #[serde(default)]
    pub seq: i64,
    /// Deploy time, ms since the epoch.
    #[serde(default)]
    pub created_at: i64,
    /// Digest of the bundle's files.
    #[serde(default)]
    pub sha256: String,
    /// Whether the routing sends it traffic.
    #[serde(default)]
    pub active: bool,
    /// Whether it is in memory.
    #[serde(default)]
    pub loaded: bool,
}

/// `GET /admin/api/metrics`: counters since the server started, no time series.
#[derive(Clone, Debug, Deserialize)]
pub struct MetricsSnapshot {
    /// One entry per endpoint that was called.
    #[serde(default)]
    pub endpoints: Vec<EndpointMetrics>,
}

/// Totals of one endpoint.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EndpointMetrics {
    /// Service id.
    pub service_id: String,
    /// Endpoint id.
    pub endpoint_id: String,
    /// Calls answered.
    #[serde(default)]
    pub calls: u64,
    /// Calls answered 4xx.
    #[serde(default)]
    pub client_errors: u64,
    /// Calls answered 5xx.
    #[serde(default)]
    pub server_errors: u64,
    /// Mean duration, microseconds.
    #[serde(default)]
    pub mean_duration_us: u64,
}

/// `GET /admin/api/jobs?limit=`: the batch jobs, newest first (`plugins/jobs/src/admin.rs`).
#[derive(Clone, Debug, Deserialize)]
pub struct JobList {
    /// The jobs.
    #[serde(default)]
    pub jobs: Vec<Job>,
}

/// One batch job.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Job {
    /// Its id.
    pub id: String,
    /// Which handler runs it (`apres.batch`, `vidora.export`...).
    #[serde(default)]
    pub kind: String,
    /// What it belongs to in its plugin's terms.
    #[serde(default)]
    pub scope: String,
    /// `queued`, `running`, `done` or `failed`.
    #[serde(default)]
    pub state: String,
    /// Its items (null until they are prepared).
    #[serde(default)]
    pub total: Option<i64>,
    /// Items whose output is committed.
    #[serde(default)]
    pub done: i64,
    /// Of those, how many failed.
    #[serde(default)]
    pub failed_items: i64,
    /// How many times a worker claimed it.
    #[serde(default)]
    pub attempts: i64,
    /// Why it failed.
    #[serde(default)]
    pub error: Option<String>,
    /// Submission, ms since the epoch.
    #[serde(default)]
    pub created_at_ms: i64,
    /// Last change.
    #[serde(default)]
    pub updated_at_ms: i64,
    /// First claim.
    #[serde(default)]
    pub started_at_ms: Option<i64>,
    /// End.
    #[serde(default)]
    pub finished_at_ms: Option<i64>,
}

impl Job {
    /// The share of items done, 0..=1, when the total is known.
    pub fn progress(&self) -> Option<f64> {
        match self.total {
            Some(t) if t > 0 => Some((self.done as f64 / t as f64).clamp(0.0, 1.0)),
            Some(_) if self.state == "done" => Some(1.0),
            _ => None,
        }
    }
}

/// An element of `GET /admin/api/keys`, `/admin/api/monitoring-keys` and
/// `/admin/api/services/{id}/keys` (`key_json` in `admin_api.rs`). The secret (`key`) is only in
/// the answer that creates a key, never in a list, and this struct has no field for it, so a
/// page cannot show it even if an answer carried one.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyInfo {
    /// Public identifier.
    pub id: String,
    /// The first characters of the key.
    #[serde(default)]
    pub prefix: String,
    /// Free text.
    #[serde(default)]
    pub label: Option<String>,
    /// Free text.
    #[serde(default)]
    pub description: Option<String>,
    /// Who asked for it.
    #[serde(default)]
    pub created_by: Option<String>,
    /// Creation, ms since the epoch.
    #[serde(default)]
    pub created_on: i64,
    /// Expiry, ms since the epoch; `None` never expires.
    #[serde(default)]
    pub expiry: Option<i64>,
}
