//! Server configuration: defaults, overridden by a TOML file, overridden by environment
//! variables and command-line flags (the CLI resolves those two with clap and passes them in).

use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The optional configuration file (`plinth serve --config FILE`).
///
/// ```toml
/// listen = "127.0.0.1:11200"
/// data_dir = "/var/lib/plinth"
/// # state = "postgres://plinth@db/plinth"  # shared state for replicas (prefer PLINTH_STATE);
///                                 # default: data_dir/state.db (SQLite, one node)
/// reconcile_interval_ms = 5000    # shared state: how often a replica re-reads everything
/// examples_dir = "examples"       # deployed on first run when no service exists
/// max_body_bytes = 16777216
/// max_upload_bytes = 1073741824
/// default_max_concurrency = 64
/// queue_timeout_ms = 5000
///
/// [limits]                        # hostile traffic: connections, work, accounting
/// header_read_timeout_ms = 10000  # a request head must arrive within this
/// body_read_timeout_ms = 10000    # a body may not stall longer than this...
/// body_min_bytes_per_second = 4096 # ...nor arrive slower than this after the first timeout
/// idle_timeout_ms = 60000         # an idle keep-alive connection is closed after this
/// max_connections = 4096          # beyond this a connection gets a 503 and is closed
/// call_timeout_ms = 30000         # default work deadline of a call (per-endpoint `timeout_ms`)
///
/// [audit]                         # retention of the audit table, enforced in the background
/// max_age_days = 30
/// max_rows = 5000000
///
/// [rate_limit]                    # token buckets for user calls (off unless set); a service's
/// per_key_per_second = 1000       # manifest may set its own `[service.rate_limit]`
/// per_address_per_second = 200    # for public services, per remote address
/// burst_seconds = 2               # bucket size, in seconds of the rate
///
/// [engines.prediction]            # per-kind engine settings, read by the engines
/// default_engine = "tract"
/// max_explanation_cost = 200000   # records x Monte Carlo steps one Shapley call may ask for
///
/// [connections.warehouse]         # named database connections for sql-query endpoints
/// url_env = "WAREHOUSE_URL"
/// ```
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// Address to listen on.
    pub listen: Option<String>,
    /// Data directory.
    pub data_dir: Option<PathBuf>,
    /// Bundles deployed on first run.
    pub examples_dir: Option<PathBuf>,
    /// The state database URL (prefer the `PLINTH_STATE` environment variable, as it may hold
    /// a password); default `data_dir/state.db`.
    pub state: Option<String>,
    /// Shared state: interval of the reconcile that catches missed change notifications.
    pub reconcile_interval_ms: Option<u64>,
    /// Whether to deploy `examples_dir` on first run (default true).
    pub deploy_examples: Option<bool>,
    /// Admin key to install (prefer the `PLINTH_ADMIN_KEY` environment variable).
    pub admin_key: Option<String>,
    /// Largest user-API request body.
    pub max_body_bytes: Option<usize>,
    /// Largest uploaded bundle archive.
    pub max_upload_bytes: Option<u64>,
    /// Default concurrent requests per endpoint.
    pub default_max_concurrency: Option<usize>,
    /// Default time a request may wait for a slot, ms.
    pub queue_timeout_ms: Option<u64>,
    /// Whether `GET /metrics` needs no key (default true).
    pub metrics_public: Option<bool>,
    /// Connection, work and accounting limits.
    #[serde(default)]
    pub limits: LimitsFile,
    /// Audit-trail retention.
    #[serde(default)]
    pub audit: AuditFile,
    /// Default rate limits of user calls.
    #[serde(default)]
    pub rate_limit: RateLimitConfig,
    /// Per-kind engine settings.
    #[serde(default)]
    pub engines: toml::Table,
    /// Named database connections.
    #[serde(default)]
    pub connections: toml::Table,
    /// `[plugins]`: `database_url` (the plugins' tables; default `state.db`) and one
    /// `[plugins.<id>]` section per plugin (`enabled = false` switches it off).
    #[serde(default)]
    pub plugins: toml::Table,
}

/// `[limits]` of the configuration file; every member optional.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsFile {
    /// See [`Limits::header_read_timeout`].
    pub header_read_timeout_ms: Option<u64>,
    /// See [`Limits::body_read_timeout`].
    pub body_read_timeout_ms: Option<u64>,
    /// See [`Limits::body_min_bytes_per_second`].
    pub body_min_bytes_per_second: Option<u64>,
    /// See [`Limits::idle_timeout`].
    pub idle_timeout_ms: Option<u64>,
    /// See [`Limits::max_connections`].
    pub max_connections: Option<usize>,
    /// See [`Limits::call_timeout`].
    pub call_timeout_ms: Option<u64>,
}

/// `[audit]` of the configuration file.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditFile {
    /// See [`AuditRetention::max_age`].
    pub max_age_days: Option<f64>,
    /// See [`AuditRetention::max_rows`].
    pub max_rows: Option<u64>,
    /// See [`AuditRetention::interval`].
    pub retention_interval_ms: Option<u64>,
}

/// `[rate_limit]`: the server's default token-bucket limits of user calls, with the members
/// of a manifest's `[service] rate_limit` (which replaces them member by member).
pub type RateLimitConfig = crate::bundle::ServiceRateLimit;

/// Limits against hostile or broken clients, resolved with their defaults.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Limits {
    /// Time from the first byte of a request head (or from the end of the previous response)
    /// to its last byte; past it the connection is closed.
    pub header_read_timeout: Duration,
    /// Longest pause while a request body is being received; past it the call answers 408.
    pub body_read_timeout: Duration,
    /// Slowest average body rate accepted once `body_read_timeout` has passed.
    pub body_min_bytes_per_second: u64,
    /// An idle keep-alive connection is closed after this.
    pub idle_timeout: Duration,
    /// Connections served at once; one more gets a 503 and is closed.
    pub max_connections: usize,
    /// Work deadline of a call when its endpoint sets no `timeout_ms`.
    pub call_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits::resolve(&LimitsFile::default())
    }
}

impl Limits {
    fn resolve(file: &LimitsFile) -> Limits {
        let ms = |v: Option<u64>, default: u64| Duration::from_millis(v.unwrap_or(default).max(1));
        Limits {
            header_read_timeout: ms(file.header_read_timeout_ms, 10_000),
            body_read_timeout: ms(file.body_read_timeout_ms, 10_000),
            body_min_bytes_per_second: file.body_min_bytes_per_second.unwrap_or(4096),
            idle_timeout: ms(file.idle_timeout_ms, 60_000),
            max_connections: file.max_connections.unwrap_or(4096).max(1),
            call_timeout: ms(file.call_timeout_ms, 30_000),
        }
    }
}

/// How long audit rows are kept.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AuditRetention {
    /// Rows older than this are deleted.
    pub max_age: Duration,
    /// At most this many rows are kept (the oldest go first).
    pub max_rows: u64,
    /// How often retention runs.
    pub interval: Duration,
}

impl AuditRetention {
    fn resolve(file: &AuditFile) -> AuditRetention {
        let days = file.max_age_days.filter(|d| d.is_finite() && *d > 0.0);
        AuditRetention {
            max_age: Duration::from_secs_f64(days.unwrap_or(30.0) * 86_400.0),
            max_rows: file.max_rows.unwrap_or(5_000_000).max(1),
            interval: Duration::from_millis(file.retention_interval_ms.unwrap_or(60_000).max(10)),
        }
    }
}

impl ConfigFile {
    /// Reads and parses a configuration file.
    pub fn read(path: &Path) -> anyhow::Result<ConfigFile> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("cannot read config file {}: {e}", path.display()))?;
        toml::from_str(&text).map_err(|e| anyhow::anyhow!("config file {}: {e}", path.display()))
    }
}

/// Values from flags or environment variables, which win over the file.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    /// `--listen` / `PLINTH_LISTEN`.
    pub listen: Option<String>,
    /// `--data-dir` / `PLINTH_DATA_DIR`.
    pub data_dir: Option<PathBuf>,
    /// `--examples-dir` / `PLINTH_EXAMPLES_DIR`.
    pub examples_dir: Option<PathBuf>,
    /// `--no-examples`.
    pub no_examples: bool,
    /// `--state` / `PLINTH_STATE`.
    pub state: Option<String>,
    /// `PLINTH_ADMIN_KEY`.
    pub admin_key: Option<String>,
}

/// The resolved configuration of a running server.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// Address to listen on, e.g. `127.0.0.1:11200` (port 0 picks a free port).
    pub listen: String,
    /// Data directory: state database, bundles, caches.
    pub data_dir: PathBuf,
    /// Bundles deployed on first run, if any.
    pub examples_dir: Option<PathBuf>,
    /// Admin key to make valid at start, if any.
    pub admin_key: Option<String>,
    /// The state database URL; `None`: `data_dir/state.db`.
    pub state_url: Option<String>,
    /// Shared state: how often every service is re-read from the store (5 s).
    pub reconcile_interval: Duration,
    /// Largest user-API request body, bytes.
    pub max_body_bytes: usize,
    /// Largest uploaded bundle, bytes.
    pub max_upload_bytes: u64,
    /// Default concurrent requests per endpoint.
    pub default_max_concurrency: usize,
    /// Default wait for a slot.
    pub queue_timeout: Duration,
    /// Whether `GET /metrics` needs no key.
    pub metrics_public: bool,
    /// Connection, work and accounting limits.
    pub limits: Limits,
    /// Audit-trail retention.
    pub audit: AuditRetention,
    /// Default rate limits of user calls.
    pub rate_limit: RateLimitConfig,
    /// `[engines]` and `[connections]` for the engines.
    pub settings: toml::Table,
    /// `[plugins]` as written.
    pub plugins: toml::Table,
}

/// Default listen address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:11200";

impl ServerConfig {
    /// Defaults < file < overrides.
    pub fn resolve(file: ConfigFile, overrides: Overrides) -> ServerConfig {
        let mut settings = toml::Table::new();
        settings.insert("engines".into(), toml::Value::Table(file.engines));
        settings.insert("connections".into(), toml::Value::Table(file.connections));
        let deploy_examples = !overrides.no_examples && file.deploy_examples.unwrap_or(true);
        ServerConfig {
            listen: overrides
                .listen
                .or(file.listen)
                .unwrap_or_else(|| DEFAULT_LISTEN.into()),
            data_dir: overrides
                .data_dir
                .or(file.data_dir)
                .unwrap_or_else(|| PathBuf::from(".plinth-data")),
            examples_dir: if deploy_examples {
                overrides.examples_dir.or(file.examples_dir)
            } else {
                None
            },
            admin_key: overrides
                .admin_key
                .or(file.admin_key)
                .filter(|k| !k.is_empty()),
            state_url: overrides.state.or(file.state).filter(|u| !u.is_empty()),
            reconcile_interval: Duration::from_millis(
                file.reconcile_interval_ms.unwrap_or(5000).max(100),
            ),
            max_body_bytes: file.max_body_bytes.unwrap_or(16 << 20),
            max_upload_bytes: file.max_upload_bytes.unwrap_or(1 << 30),
            default_max_concurrency: file.default_max_concurrency.unwrap_or(64).max(1),
            queue_timeout: Duration::from_millis(file.queue_timeout_ms.unwrap_or(5000)),
            metrics_public: file.metrics_public.unwrap_or(true),
            limits: Limits::resolve(&file.limits),
            audit: AuditRetention::resolve(&file.audit),
            rate_limit: file.rate_limit,
            settings,
            plugins: file.plugins,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_win_over_the_file_and_the_file_over_defaults() {
        let file: ConfigFile =
            toml::from_str("listen = '0.0.0.0:1'\ndata_dir = '/file'\nmax_body_bytes = 10")
                .unwrap();
        let c = ServerConfig::resolve(
            file,
            Overrides {
                data_dir: Some("/flag".into()),
                ..Default::default()
            },
        );
        assert_eq!(c.listen, "0.0.0.0:1");
        assert_eq!(c.data_dir, PathBuf::from("/flag"));
        assert_eq!(c.max_body_bytes, 10);
        assert_eq!(
            ServerConfig::resolve(ConfigFile::default(), Overrides::default()).listen,
            DEFAULT_LISTEN
        );
    }

    #[test]
    fn unknown_config_keys_are_errors() {
        assert!(toml::from_str::<ConfigFile>("lisen = 'x'").is_err());
    }
}
