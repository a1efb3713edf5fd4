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
/// examples_dir = "examples"       # deployed on first run when no service exists
/// max_body_bytes = 16777216
/// max_upload_bytes = 1073741824
/// default_max_concurrency = 64
/// queue_timeout_ms = 5000
///
/// [engines.prediction]            # per-kind engine settings, read by the engines
/// default_engine = "tract"
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
    /// Per-kind engine settings.
    #[serde(default)]
    pub engines: toml::Table,
    /// Named database connections.
    #[serde(default)]
    pub connections: toml::Table,
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
    /// `[engines]` and `[connections]` for the engines.
    pub settings: toml::Table,
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
            max_body_bytes: file.max_body_bytes.unwrap_or(16 << 20),
            max_upload_bytes: file.max_upload_bytes.unwrap_or(1 << 30),
            default_max_concurrency: file.default_max_concurrency.unwrap_or(64).max(1),
            queue_timeout: Duration::from_millis(file.queue_timeout_ms.unwrap_or(5000)),
            metrics_public: file.metrics_public.unwrap_or(true),
            settings,
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
