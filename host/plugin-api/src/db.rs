//! A plugin's tables: one pool on the state database (SQLite by default, PostgreSQL for shared
//! state), through sqlx's `Any` driver, and each plugin's own migrations.
//!
//! Queries use `$1, $2, ...` placeholders, which both SQLite and PostgreSQL read; DDL differs
//! between the two (types, auto-increment), so every [`Migration`] carries both texts. Applied
//! migrations are recorded per plugin in `plugin_migrations` (sqlx's own migrator keeps one
//! history per database, which two plugins numbering their migrations from 1 cannot share).

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Row};
use std::time::Duration;

/// Which database a [`PluginDb`] talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// SQLite (the embedded default, `state.db` in the data directory).
    Sqlite,
    /// PostgreSQL (shared state for replicas).
    Postgres,
}

/// One schema change of a plugin, in both dialects.
#[derive(Clone, Copy, Debug)]
pub struct Migration {
    /// Order of application, from 1, unique within the plugin.
    pub version: i64,
    /// What it does.
    pub description: &'static str,
    /// The statements for SQLite (`;`-separated).
    pub sqlite: &'static str,
    /// The statements for PostgreSQL (`;`-separated).
    pub postgres: &'static str,
}

/// A connection pool on the state database.
#[derive(Clone, Debug)]
pub struct PluginDb {
    pool: AnyPool,
    dialect: Dialect,
}

impl PluginDb {
    /// Connects to `url` (`sqlite://<path>?mode=rwc` or `postgres://...`).
    pub async fn connect(url: &str) -> Result<PluginDb, sqlx::Error> {
        install_default_drivers();
        let dialect = if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Dialect::Postgres
        } else if url.starts_with("sqlite:") {
            Dialect::Sqlite
        } else {
            return Err(sqlx::Error::Configuration(
                format!("unsupported database URL (expected sqlite: or postgres:): {url}").into(),
            ));
        };
        let max = match dialect {
            Dialect::Sqlite => 4,
            Dialect::Postgres => 8,
        };
        let sqlite = dialect == Dialect::Sqlite;
        let pool = AnyPoolOptions::new()
            .max_connections(max)
            .acquire_timeout(Duration::from_secs(30))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if sqlite {
                        // On every connection of the pool: a writer waits for another rather
                        // than failing; in WAL mode (sqlx's default) NORMAL syncs at
                        // checkpoints, not at each commit, as the host's own store does: a
                        // committed transaction survives the process being killed (the WAL is
                        // written before the commit returns), only an OS crash or power loss
                        // may lose the last ones.
                        sqlx::query("PRAGMA busy_timeout = 10000")
                            .execute(&mut *conn)
                            .await?;
                        sqlx::query("PRAGMA synchronous = NORMAL")
                            .execute(&mut *conn)
                            .await?;
                    }
                    Ok(())
                })
            })
            .connect(url)
            .await?;
        Ok(PluginDb { pool, dialect })
    }

    /// The SQLite database file at `path`, created if missing.
    pub async fn sqlite_file(path: &std::path::Path) -> Result<PluginDb, sqlx::Error> {
        PluginDb::connect(&format!("sqlite://{}?mode=rwc", path.display())).await
    }

    /// The pool.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// SQLite or PostgreSQL.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Applies the plugin's migrations not yet applied, each in one transaction; refuses a
    /// database where a newer build applied versions this one does not know.
    pub async fn migrate(&self, plugin: &str, migrations: &[Migration]) -> Result<(), sqlx::Error> {
        sqlx::query(
            "CREATE TABLE IF NOT EXISTS plugin_migrations (
                plugin TEXT NOT NULL,
                version BIGINT NOT NULL,
                description TEXT NOT NULL,
                applied_at BIGINT NOT NULL,
                PRIMARY KEY (plugin, version))",
        )
        .execute(&self.pool)
        .await?;
        // Shared by every plugin, like the history above: see `crate::Lease`.
        sqlx::query(
            "CREATE TABLE IF NOT EXISTS plugin_leases (
                name TEXT PRIMARY KEY NOT NULL,
                owner TEXT NOT NULL,
                until_ms BIGINT NOT NULL)",
        )
        .execute(&self.pool)
        .await?;
        let applied: Vec<i64> =
            sqlx::query("SELECT version FROM plugin_migrations WHERE plugin = $1")
                .bind(plugin)
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(|r| r.get::<i64, _>(0))
                .collect();
        let known = migrations.iter().map(|m| m.version).max().unwrap_or(0);
        if let Some(newer) = applied.iter().copied().filter(|v| *v > known).max() {
            return Err(sqlx::Error::Configuration(
                format!(
                    "plugin {plugin}: the database has its schema version {newer}, newer than \
                     this Plinth knows ({known}): run the newer Plinth, or point this one at \
                     another database"
                )
                .into(),
            ));
        }
        let mut pending: Vec<&Migration> = migrations
            .iter()
            .filter(|m| !applied.contains(&m.version))
            .collect();
        pending.sort_by_key(|m| m.version);
        for migration in pending {
            let text = match self.dialect {
                Dialect::Sqlite => migration.sqlite,
                Dialect::Postgres => migration.postgres,
            };
            let mut tx = self.pool.begin().await?;
            for statement in text.split(';').map(str::trim).filter(|s| !s.is_empty()) {
                sqlx::query(statement).execute(&mut *tx).await?;
            }
            sqlx::query(
                "INSERT INTO plugin_migrations (plugin, version, description, applied_at)
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(plugin)
            .bind(migration.version)
            .bind(migration.description)
            .bind(crate::clock::Clock::now_ms(&crate::SystemClock))
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIGRATIONS: &[Migration] = &[
        Migration {
            version: 1,
            description: "a table",
            sqlite: "CREATE TABLE t (k TEXT PRIMARY KEY, n BIGINT NOT NULL)",
            postgres: "CREATE TABLE t (k TEXT PRIMARY KEY, n BIGINT NOT NULL)",
        },
        Migration {
            version: 2,
            description: "a column",
            sqlite: "ALTER TABLE t ADD COLUMN b BLOB",
            postgres: "ALTER TABLE t ADD COLUMN b BYTEA",
        },
    ];

    async fn exercise(db: &PluginDb) {
        db.migrate("test", MIGRATIONS).await.unwrap();
        // Idempotent.
        db.migrate("test", MIGRATIONS).await.unwrap();
        for n in [2_i64, 3] {
            sqlx::query(
                "INSERT INTO t (k, n, b) VALUES ($1, $2, $3)
                 ON CONFLICT (k) DO UPDATE SET n = t.n + excluded.n",
            )
            .bind("a")
            .bind(n)
            .bind(vec![1_u8, 2])
            .execute(db.pool())
            .await
            .unwrap();
        }
        let row = sqlx::query("SELECT n, b FROM t WHERE k = $1")
            .bind("a")
            .fetch_one(db.pool())
            .await
            .unwrap();
        assert_eq!(row.get::<i64, _>(0), 5);
        assert_eq!(row.get::<Vec<u8>, _>(1), vec![1, 2]);
        // An older build (knowing version 1 only) refuses the database version 2 made.
        let refused = db
            .migrate("test", &MIGRATIONS[..1])
            .await
            .unwrap_err()
            .to_string();
        assert!(
            refused.contains("schema version 2, newer than this Plinth knows (1)"),
            "{refused}"
        );
    }

    #[tokio::test]
    async fn migrations_and_upserts_on_sqlite_and_postgres() {
        let sqlite = crate::test_db::TestDatabase::sqlite();
        let db = sqlite.connect().await;
        assert_eq!(db.dialect(), Dialect::Sqlite);
        exercise(&db).await;
        let Some(pg) = crate::test_db::TestDatabase::postgres("plugin_db").await else {
            return;
        };
        let db = pg.connect().await;
        assert_eq!(db.dialect(), Dialect::Postgres);
        exercise(&db).await;
        pg.finish().await;
    }
}
