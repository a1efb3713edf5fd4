//! Durable state: services, generations, keys and the audit trail, in SQLite (WAL mode) in the
//! data directory, through sqlx. The schema is versioned with sqlx's migrator; migrations are
//! embedded in the binary.

mod audit;
mod endpoints;
mod generations;
mod keys;
mod migrations;
mod services;

pub use audit::AuditRow;
pub use generations::GenerationRow;
pub use keys::{KeyRow, KeyScope};
pub use services::ServiceRow;

use anyhow::Context;
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The state database.
#[derive(Clone, Debug)]
pub struct Store {
    pool: SqlitePool,
}

impl Store {
    /// Opens (creating if needed) `state.db` in `data_dir` and applies pending migrations.
    pub async fn open(data_dir: &Path) -> anyhow::Result<Store> {
        let path = data_dir.join("state.db");
        let options = SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .with_context(|| format!("opening state database {}", path.display()))?;
        migrations::migrator()
            .await?
            .run(&pool)
            .await
            .with_context(|| format!("migrating state database {}", path.display()))?;
        Ok(Store { pool })
    }

    pub(crate) fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

/// Milliseconds since the Unix epoch, the timestamp unit of the state database.
pub fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
