//! Durable state: services, generations (and, on shared state, their bundle archives), keys
//! and the audit trail, through sqlx's `Any` driver on one of two databases:
//!
//! - SQLite, `state.db` in the data directory (WAL mode): the default, for one node;
//! - PostgreSQL (`plinth serve --state postgres://...`): shared by replicas, which hear each
//!   other's changes through `NOTIFY` on [`Store::channel`] (see `runtime/sync.rs`).
//!
//! Queries use `$1, $2, ...` placeholders and 0/1 integers for flags, which both databases
//! read. The schema is versioned with sqlx's migrator, one set of migrations per database
//! (`migrations/sqlite`, `migrations/postgres`), embedded in the binary; a server refuses a
//! database whose schema is newer than itself.

mod archives;
mod audit;
mod endpoints;
mod generations;
mod keys;
mod migrations;
mod services;

pub use archives::{ARCHIVE_CHUNK_BYTES, ArchiveError, ArchiveFile};
pub use audit::AuditRow;
pub use generations::GenerationRow;
pub use keys::{KeyRow, KeyScope};
pub use services::ServiceRow;

use anyhow::Context;
use plinth_plugin_api::{Dialect, PluginDb};
use sqlx::AnyPool;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

/// The state database.
#[derive(Clone, Debug)]
pub struct Store {
    db: PluginDb,
    url: String,
    channel: Option<String>,
}

/// What changed, as announced to the other replicas.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// A service: created, deployed to, switched, enabled or disabled, deleted, an endpoint
    /// switched off or on.
    Service(String),
    /// The key table.
    Keys,
}

impl Change {
    /// The notification payload.
    pub fn payload(&self) -> String {
        match self {
            Change::Service(id) => format!("service:{id}"),
            Change::Keys => "keys".into(),
        }
    }

    /// Reads a payload back; `None` for one this build does not know.
    pub fn parse(payload: &str) -> Option<Change> {
        if payload == "keys" {
            Some(Change::Keys)
        } else {
            payload
                .strip_prefix("service:")
                .map(|id| Change::Service(id.to_owned()))
        }
    }
}

impl Store {
    /// Opens (creating if needed) `state.db` in `data_dir` and applies pending migrations.
    pub async fn open(data_dir: &Path) -> anyhow::Result<Store> {
        let url = format!("sqlite://{}?mode=rwc", data_dir.join("state.db").display());
        Store::connect(&url).await
    }

    /// Opens the state database at `url` (`sqlite://<path>?mode=rwc` or `postgres://...`) and
    /// applies pending migrations; refuses a schema newer than this build.
    pub async fn connect(url: &str) -> anyhow::Result<Store> {
        let shown = redact(url);
        let db = PluginDb::connect(url)
            .await
            .with_context(|| format!("opening state database {shown}"))?;
        if db.dialect() == Dialect::Sqlite {
            // Persistent in the file: set once, not per connection.
            sqlx::query("PRAGMA journal_mode = WAL")
                .execute(db.pool())
                .await
                .with_context(|| format!("state database {shown}: WAL mode"))?;
        }
        let applied: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations")
            .fetch_one(db.pool())
            .await
            .unwrap_or(None);
        let known = migrations::latest_version();
        if let Some(applied) = applied
            && applied > known
        {
            anyhow::bail!(
                "state database {shown} has schema version {applied}, newer than this Plinth \
                 (version {}, schema {known}): run the newer Plinth, or point this one at another \
                 database",
                env!("CARGO_PKG_VERSION")
            );
        }
        migrations::migrator(db.dialect())
            .await?
            .run(db.pool())
            .await
            .with_context(|| format!("migrating state database {shown}"))?;
        let channel = match db.dialect() {
            Dialect::Sqlite => None,
            Dialect::Postgres => {
                let schema: String = sqlx::query_scalar("SELECT CAST(current_schema() AS TEXT)")
                    .fetch_one(db.pool())
                    .await?;
                Some(channel_name(&schema))
            }
        };
        Ok(Store {
            db,
            url: url.to_owned(),
            channel,
        })
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        self.db.pool()
    }

    /// SQLite or PostgreSQL.
    pub fn dialect(&self) -> Dialect {
        self.db.dialect()
    }

    /// Whether other processes may share this state (PostgreSQL): then bundles are stored in
    /// it and changes are announced.
    pub fn is_shared(&self) -> bool {
        self.dialect() == Dialect::Postgres
    }

    /// The URL the store was opened with (it may hold a password: never log it).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The notification channel of shared state: one per database schema, so that servers on
    /// other schemas of the same database never hear each other.
    pub fn channel(&self) -> Option<&str> {
        self.channel.as_deref()
    }

    /// Tells the other replicas that something changed (nothing on SQLite). A lost
    /// notification only delays the change until the next reconcile.
    pub async fn announce(&self, change: &Change) {
        let Some(channel) = &self.channel else {
            return;
        };
        // `pg_notify` returns `void`, a type the Any driver cannot read: select a constant.
        if let Err(e) = sqlx::query("SELECT 1 FROM (SELECT pg_notify($1, $2)) AS sent")
            .bind(channel)
            .bind(change.payload())
            .execute(self.pool())
            .await
        {
            tracing::warn!(
                "could not announce {change:?} to the other replicas (they reconcile later): {e}"
            );
        }
    }
}

/// The start-up turn of one replica (see [`Store::start_turn`]); [`StartTurn::end`] passes it
/// on (dropping it does too, once its connection is closed or reused).
pub struct StartTurn(Option<sqlx::Transaction<'static, sqlx::Any>>);

impl StartTurn {
    /// Ends the turn.
    pub async fn end(self) -> sqlx::Result<()> {
        match self.0 {
            Some(tx) => tx.commit().await,
            None => Ok(()),
        }
    }
}

impl Store {
    /// On shared state, waits until no other replica is starting (a transaction-scoped
    /// advisory lock), so that the first installs the admin key and the examples and the
    /// others restore them; nothing on SQLite.
    pub async fn start_turn(&self) -> sqlx::Result<StartTurn> {
        if !self.is_shared() {
            return Ok(StartTurn(None));
        }
        let mut tx = self.pool().begin().await?;
        // Keyed by ("plin" in ASCII, the schema), so servers on other schemas never wait.
        sqlx::query(
            "SELECT 1 FROM (SELECT pg_advisory_xact_lock(1886153070, hashtext(current_schema()))) AS locked",
        )
        .execute(&mut *tx)
            .await?;
        Ok(StartTurn(Some(tx)))
    }
}

fn channel_name(schema: &str) -> String {
    let clean: String = schema
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .take(48)
        .collect();
    format!("plinth_{clean}")
}

/// A database URL with its password replaced, for messages.
pub fn redact(url: &str) -> String {
    let Some(start) = url.find("://").map(|i| i + 3) else {
        return url.to_owned();
    };
    let rest = &url[start..];
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => match rest[..at].find(':') {
            Some(colon) => format!("{}{}:****{}", &url[..start], &rest[..colon], &rest[at..]),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

/// Milliseconds since the Unix epoch, the timestamp unit of the state database.
pub fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod redact_tests {
    #[test]
    fn passwords_are_redacted_from_urls() {
        assert_eq!(
            super::redact("postgres://plinth:secret@db:5432/state?x=1"),
            "postgres://plinth:****@db:5432/state?x=1"
        );
        assert_eq!(super::redact("postgres://db/state"), "postgres://db/state");
        assert_eq!(
            super::redact("sqlite:///a/b?mode=rwc"),
            "sqlite:///a/b?mode=rwc"
        );
    }
}

/// A 0/1 flag column read as a bool.
fn flag(row: &sqlx::any::AnyRow, column: &str) -> bool {
    use sqlx::Row;
    row.get::<i64, _>(column) != 0
}

#[cfg(test)]
mod tests;
