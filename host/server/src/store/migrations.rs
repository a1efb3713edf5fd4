//! The schema migrations, one set per database, embedded at compile time and run by sqlx's
//! [`Migrator`]. Both sets have the same versions and descriptions; only the DDL differs.

use futures::future::BoxFuture;
use plinth_plugin_api::Dialect;
use sqlx::error::BoxDynError;
use sqlx::migrate::{Migration, MigrationSource, MigrationType, Migrator};
use std::borrow::Cow;

/// `(version, description, sqlite, postgres)`: append only; never edit a released migration.
const MIGRATIONS: &[(i64, &str, &str, &str)] = &[
    (
        1,
        "initial",
        include_str!("migrations/sqlite/0001_initial.sql"),
        include_str!("migrations/postgres/0001_initial.sql"),
    ),
    (
        2,
        "audit by time",
        include_str!("migrations/sqlite/0002_audit_by_time.sql"),
        include_str!("migrations/postgres/0002_audit_by_time.sql"),
    ),
    (
        3,
        "call context and inactive endpoints",
        include_str!("migrations/sqlite/0003_context_and_inactive_endpoints.sql"),
        include_str!("migrations/postgres/0003_context_and_inactive_endpoints.sql"),
    ),
    (
        4,
        "monitoring keys",
        include_str!("migrations/sqlite/0004_monitoring_keys.sql"),
        include_str!("migrations/postgres/0004_monitoring_keys.sql"),
    ),
    (
        5,
        "bundle archives",
        include_str!("migrations/sqlite/0005_bundle_archives.sql"),
        include_str!("migrations/postgres/0005_bundle_archives.sql"),
    ),
];

/// The newest schema version this build knows.
pub fn latest_version() -> i64 {
    MIGRATIONS.iter().map(|m| m.0).max().unwrap_or(0)
}

#[derive(Debug)]
struct Embedded(Dialect);

impl MigrationSource<'static> for Embedded {
    fn resolve(self) -> BoxFuture<'static, Result<Vec<Migration>, BoxDynError>> {
        Box::pin(async move {
            Ok(MIGRATIONS
                .iter()
                .map(|(version, description, sqlite, postgres)| {
                    let sql = match self.0 {
                        Dialect::Sqlite => sqlite,
                        Dialect::Postgres => postgres,
                    };
                    Migration::new(
                        *version,
                        Cow::Borrowed(description),
                        MigrationType::Simple,
                        Cow::Borrowed(sql),
                        false,
                    )
                })
                .collect())
        })
    }
}

/// The migrator for a state database of this dialect.
pub async fn migrator(dialect: Dialect) -> Result<Migrator, sqlx::migrate::MigrateError> {
    Migrator::new(Embedded(dialect)).await
}
