//! Database pools: one per bundled SQLite file, one per named connection of the server
//! configuration (shared by every endpoint that names it, reused across generations while its
//! settings stay the same). Pools connect lazily, so a deploy succeeds while a database is
//! down and calls answer 503 until it is back.

use crate::config::Source;
use plinth_engine_api::{LoadError, ServerResources};
use serde::Deserialize;
use sqlx::mysql::{MySqlConnectOptions, MySqlPool, MySqlPoolOptions};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};
use std::collections::HashMap;
use std::path::Path;
use std::str::FromStr;
use std::sync::Mutex;
use std::time::Duration;

/// A pool of one of the supported databases.
#[derive(Clone, Debug)]
pub enum Pool {
    /// SQLite.
    Sqlite(SqlitePool),
    /// PostgreSQL.
    Postgres(PgPool),
    /// MySQL or MariaDB.
    MySql(MySqlPool),
}

/// `[connections.<name>]` in the server configuration.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ConnectionSettings {
    /// `postgres://...`, `mysql://...`, `mariadb://...` or `sqlite://path`. Prefer `url_env`
    /// for URLs holding passwords.
    #[serde(default)]
    pub url: Option<String>,
    /// The name of an environment variable holding the URL.
    #[serde(default)]
    pub url_env: Option<String>,
    /// Most open connections (default 8).
    #[serde(default)]
    pub max_connections: Option<u32>,
    /// Connections kept open when idle (default 0).
    #[serde(default)]
    pub min_connections: Option<u32>,
    /// Seconds after which an idle connection is closed (default 300).
    #[serde(default)]
    pub idle_timeout_s: Option<u64>,
    /// Milliseconds to wait for a connection before answering 503 (default 3000).
    #[serde(default)]
    pub acquire_timeout_ms: Option<u64>,
}

/// How long a call waits for a pooled connection before the database counts as unavailable.
pub const DEFAULT_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

impl ConnectionSettings {
    /// Reads `[connections.<name>]` from the server settings.
    pub fn from_server(
        server: &ServerResources,
        name: &str,
    ) -> Result<ConnectionSettings, LoadError> {
        let known = || -> String {
            let names: Vec<&str> = server
                .settings
                .get("connections")
                .and_then(|c| c.as_table())
                .map(|t| t.keys().map(String::as_str).collect())
                .unwrap_or_default();
            if names.is_empty() {
                "none is configured".into()
            } else {
                format!("configured: {}", names.join(", "))
            }
        };
        let table = server
            .settings
            .get("connections")
            .and_then(|c| c.get(name))
            .ok_or_else(|| {
                LoadError::field(
                    "connection",
                    format!(
                        "no connection '{name}' in the server configuration ({})",
                        known()
                    ),
                )
            })?;
        table.clone().try_into().map_err(|e: toml::de::Error| {
            LoadError::field(
                "connection",
                format!("server configuration [connections.{name}]: {}", e.message()),
            )
        })
    }

    fn resolve_url(&self, name: &str) -> Result<String, LoadError> {
        match (&self.url, &self.url_env) {
            (Some(url), None) => Ok(url.clone()),
            (None, Some(var)) => std::env::var(var).map_err(|_| {
                LoadError::field(
                    "connection",
                    format!("[connections.{name}] url_env names the environment variable {var}, which is not set"),
                )
            }),
            _ => Err(LoadError::field("connection", format!("[connections.{name}] needs exactly one of url or url_env"))),
        }
    }
}

/// The pools of named connections, shared by the endpoints of every generation and by every
/// engine that reads them (SQL endpoints and table lookups get one registry from the host, so a
/// named connection has one pool and `max_connections` means what it says).
#[derive(Debug, Default)]
pub struct PoolRegistry {
    pools: Mutex<HashMap<String, (String, ConnectionSettings, Pool)>>,
}

impl PoolRegistry {
    /// How many named connections have a pool.
    pub fn len(&self) -> usize {
        self.pools.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// Whether no named connection has a pool yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The pool of a named connection, created (lazily connecting) on first use; a connection
    /// whose settings changed gets a new pool.
    pub fn named(&self, server: &ServerResources, name: &str) -> Result<Pool, LoadError> {
        let settings = ConnectionSettings::from_server(server, name)?;
        let url = settings.resolve_url(name)?;
        let mut pools = self.pools.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((u, s, pool)) = pools.get(name)
            && *u == url
            && *s == settings
        {
            return Ok(pool.clone());
        }
        let pool = connect_url(&url, &settings, name)?;
        pools.insert(name.to_owned(), (url, settings, pool.clone()));
        Ok(pool)
    }

    /// The pool of an endpoint's database: a bundled SQLite file gets one of its own, a named
    /// connection the server's shared one.
    pub fn for_source(&self, server: &ServerResources, source: &Source) -> Result<Pool, LoadError> {
        match source {
            Source::Bundled {
                path,
                writable,
                max_connections,
            } => Ok(bundled_sqlite(path, *writable, *max_connections)),
            Source::Named(name) => self.named(server, name),
        }
    }
}

fn connect_url(url: &str, settings: &ConnectionSettings, name: &str) -> Result<Pool, LoadError> {
    let bad = |e: sqlx::Error| {
        LoadError::field(
            "connection",
            format!("[connections.{name}] url is not valid: {e}"),
        )
    };
    let max = settings.max_connections.unwrap_or(8).max(1);
    let min = settings.min_connections.unwrap_or(0).min(max);
    let idle = Duration::from_secs(settings.idle_timeout_s.unwrap_or(300));
    let acquire = settings
        .acquire_timeout_ms
        .map_or(DEFAULT_ACQUIRE_TIMEOUT, Duration::from_millis);
    let scheme = url.split(':').next().unwrap_or("").to_ascii_lowercase();
    Ok(match scheme.as_str() {
        "postgres" | "postgresql" => Pool::Postgres(
            PgPoolOptions::new()
                .max_connections(max)
                .min_connections(min)
                .idle_timeout(idle)
                .acquire_timeout(acquire)
                .connect_lazy_with(PgConnectOptions::from_str(url).map_err(bad)?),
        ),
        "mysql" | "mariadb" => {
            let url = url.replacen("mariadb:", "mysql:", 1);
            Pool::MySql(
                MySqlPoolOptions::new()
                    .max_connections(max)
                    .min_connections(min)
                    .idle_timeout(idle)
                    .acquire_timeout(acquire)
                    .connect_lazy_with(MySqlConnectOptions::from_str(&url).map_err(bad)?),
            )
        }
        "sqlite" => Pool::Sqlite(
            SqlitePoolOptions::new()
                .max_connections(max)
                .idle_timeout(idle)
                .acquire_timeout(acquire)
                .connect_lazy_with(SqliteConnectOptions::from_str(url).map_err(bad)?),
        ),
        _ => {
            return Err(LoadError::field(
                "connection",
                format!(
                    "[connections.{name}] url must start with postgres://, mysql://, mariadb:// or sqlite:"
                ),
            ));
        }
    })
}

/// A pool on a SQLite file of the bundle, read-only unless `writable`.
fn bundled_sqlite(path: &Path, writable: bool, max_connections: u32) -> Pool {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .read_only(!writable)
        .create_if_missing(false)
        .busy_timeout(Duration::from_secs(2));
    Pool::Sqlite(
        SqlitePoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(DEFAULT_ACQUIRE_TIMEOUT)
            .connect_lazy_with(options),
    )
}
