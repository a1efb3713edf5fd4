//! Databases for the tests of plugins: every table of a plugin must work on SQLite and
//! PostgreSQL, so its tests run once on a fresh SQLite file and once in a fresh PostgreSQL
//! schema of `PLINTH_TEST_PG_URL` (skipped when unset, unless `PLINTH_REQUIRE_POSTGRES=1`,
//! which CI sets: then it fails).

use crate::db::PluginDb;
use sqlx::Row;
use std::future::Future;

/// A database a test runs on.
pub struct TestDatabase {
    /// `sqlite` or `postgres`.
    pub name: &'static str,
    /// The URL to connect with (a PostgreSQL URL selects the test's own schema).
    pub url: String,
    schema: Option<(String, PluginDb)>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDatabase {
    /// A fresh SQLite file in a temporary directory (removed when this is dropped).
    pub fn sqlite() -> TestDatabase {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("state.db").display()
        );
        TestDatabase {
            name: "sqlite",
            url,
            schema: None,
            _dir: Some(dir),
        }
    }

    /// A fresh schema on the test PostgreSQL server, or `None` (after saying so) when
    /// `PLINTH_TEST_PG_URL` is not set; panics then if `PLINTH_REQUIRE_POSTGRES=1`. Call
    /// [`TestDatabase::finish`] at the end to drop the schema.
    pub async fn postgres(test: &str) -> Option<TestDatabase> {
        let Ok(base) = std::env::var("PLINTH_TEST_PG_URL") else {
            assert!(
                std::env::var("PLINTH_REQUIRE_POSTGRES").as_deref() != Ok("1"),
                "{test}: PLINTH_REQUIRE_POSTGRES=1 but PLINTH_TEST_PG_URL is not set"
            );
            eprintln!("SKIPPED: {test} on PostgreSQL (PLINTH_TEST_PG_URL not set)");
            return None;
        };
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let schema = format!(
            "test_{}_{nanos}_{}",
            std::process::id(),
            test.replace(|c: char| !c.is_ascii_alphanumeric(), "_")
        );
        let admin = PluginDb::connect(&base)
            .await
            .expect("connect to PostgreSQL");
        sqlx::query(&format!("CREATE SCHEMA {schema}"))
            .execute(admin.pool())
            .await
            .expect("create schema");
        let sep = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{sep}options=-c%20search_path%3D{schema}");
        Some(TestDatabase {
            name: "postgres",
            url,
            schema: Some((schema, admin)),
            _dir: None,
        })
    }

    /// Connects; on PostgreSQL checks that the connection is in the test's own schema.
    pub async fn connect(&self) -> PluginDb {
        let db = PluginDb::connect(&self.url).await.expect("connect");
        if let Some((schema, _)) = &self.schema {
            let current: String = sqlx::query("SELECT CAST(current_schema() AS TEXT)")
                .fetch_one(db.pool())
                .await
                .expect("current schema")
                .get(0);
            assert_eq!(&current, schema, "connected to another schema");
        }
        db
    }

    /// Drops the PostgreSQL schema (nothing for SQLite).
    pub async fn finish(self) {
        if let Some((schema, admin)) = &self.schema {
            let _ = sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
                .execute(admin.pool())
                .await;
        }
    }
}

/// Runs `body` on an environment `start`ed (from a database URL and name) on a fresh SQLite
/// file, then on one started in a fresh PostgreSQL schema when PostgreSQL is configured
/// ([`TestDatabase::postgres`]). A failure says which database it happened on.
pub async fn on_both<E, S, SFut, B, BFut>(test: &str, start: S, body: B)
where
    S: Fn(String, &'static str) -> SFut,
    SFut: Future<Output = E>,
    B: Fn(E) -> BFut,
    BFut: Future<Output = ()> + Send + 'static,
{
    let sqlite = TestDatabase::sqlite();
    let env = start(sqlite.url.clone(), sqlite.name).await;
    if let Err(p) = tokio::spawn(body(env)).await {
        eprintln!("{test}: failed on SQLite");
        std::panic::resume_unwind(p.into_panic());
    }
    let Some(pg) = TestDatabase::postgres(test).await else {
        return;
    };
    let env = start(pg.url.clone(), pg.name).await;
    let outcome = tokio::spawn(body(env)).await;
    pg.finish().await;
    if let Err(p) = outcome {
        eprintln!("{test}: failed on PostgreSQL");
        std::panic::resume_unwind(p.into_panic());
    }
}
