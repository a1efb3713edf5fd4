//! The schema migrations, embedded at compile time and run by sqlx's [`Migrator`].

use futures::future::BoxFuture;
use sqlx::error::BoxDynError;
use sqlx::migrate::{Migration, MigrationSource, MigrationType, Migrator};
use std::borrow::Cow;

/// `(version, description, sql)`: append only; never edit a released migration.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "initial", include_str!("migrations/0001_initial.sql")),
    (
        2,
        "audit by time",
        include_str!("migrations/0002_audit_by_time.sql"),
    ),
    (
        3,
        "call context and inactive endpoints",
        include_str!("migrations/0003_context_and_inactive_endpoints.sql"),
    ),
    (
        4,
        "monitoring keys",
        include_str!("migrations/0004_monitoring_keys.sql"),
    ),
];

#[derive(Debug)]
struct Embedded;

impl MigrationSource<'static> for Embedded {
    fn resolve(self) -> BoxFuture<'static, Result<Vec<Migration>, BoxDynError>> {
        Box::pin(async {
            Ok(MIGRATIONS
                .iter()
                .map(|(version, description, sql)| {
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

/// The migrator for the state database.
pub async fn migrator() -> Result<Migrator, sqlx::migrate::MigrateError> {
    Migrator::new(Embedded).await
}
