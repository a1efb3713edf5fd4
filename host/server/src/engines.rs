//! The engine registry: which factory loads which endpoint `kind`.
//!
//! Adding an endpoint kind means one crate under `host/engines/` and one line in
//! [`builtin_factories`].

use plinth_engine_api::EngineFactory;
use plinth_engine_sql::PoolRegistry;
use std::collections::HashMap;
use std::sync::Arc;

/// Every engine factory compiled into this server, by manifest `kind`.
pub fn builtin_factories() -> Vec<Arc<dyn EngineFactory>> {
    builtin_factories_with(Arc::default())
}

/// [`builtin_factories`] on this registry of named-connection pools, which SQL endpoints and
/// table lookups share (one pool per `[connections.<name>]`).
#[allow(clippy::vec_init_then_push)] // one independent `push` line per engine
pub fn builtin_factories_with(pools: Arc<PoolRegistry>) -> Vec<Arc<dyn EngineFactory>> {
    use plinth_engine_lookup::LookupFactory;
    use plinth_engine_sql::SqlFactory;
    // One line per engine crate (keep this list sorted by kind).
    let mut factories: Vec<Arc<dyn EngineFactory>> = Vec::new();
    factories.push(Arc::new(plinth_engine_function::FunctionFactory));
    factories.push(Arc::new(LookupFactory::with_pools(pools.clone())));
    factories.push(Arc::new(plinth_engine_prediction::PredictionFactory));
    factories.push(Arc::new(SqlFactory::with_pools(pools)));
    factories
}

/// Factories indexed by kind.
#[derive(Clone)]
pub struct EngineRegistry {
    by_kind: HashMap<&'static str, Arc<dyn EngineFactory>>,
}

impl EngineRegistry {
    /// A registry of the given factories; a later factory of the same kind replaces an earlier one.
    pub fn new(factories: Vec<Arc<dyn EngineFactory>>) -> Self {
        EngineRegistry {
            by_kind: factories.into_iter().map(|f| (f.kind(), f)).collect(),
        }
    }

    /// The factory for `kind`.
    pub fn get(&self, kind: &str) -> Option<&Arc<dyn EngineFactory>> {
        self.by_kind.get(kind)
    }

    /// The known kinds, sorted, for error messages.
    pub fn kinds(&self) -> Vec<&'static str> {
        let mut kinds: Vec<_> = self.by_kind.keys().copied().collect();
        kinds.sort_unstable();
        kinds
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plinth_engine_api::{LoadContext, ServerResources};
    use std::path::{Path, PathBuf};

    const SQL: &str = r#"
connection = "titanic"
query = 'SELECT "Name" FROM "DB_titanic_table" WHERE "PassengerId" = ?'
parameters = ["id"]
"#;

    const LOOKUP: &str = r#"
connection = "titanic"
table = "DB_titanic_table"
keys = ["PassengerId"]
columns = ["Name"]
"#;

    fn sql_svc() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/sql_svc")
    }

    /// How many pools a registry holds once these `(kind, table)` endpoints are loaded with
    /// the built-in factories on it.
    async fn pools_after(endpoints: &[(&str, &str)]) -> usize {
        let db = sql_svc().join("data/titanic.db");
        let server = Arc::new(ServerResources {
            settings: toml::from_str(&format!(
                "[connections.titanic]\nurl = 'sqlite://{}?mode=ro'\nmax_connections = 2\n",
                db.display()
            ))
            .unwrap(),
            ..Default::default()
        });
        let pools = Arc::new(PoolRegistry::default());
        let registry = EngineRegistry::new(builtin_factories_with(pools.clone()));
        for (kind, table) in endpoints {
            let ctx = LoadContext {
                server: server.clone(),
                ..plinth_engine_api::testing::context(&sql_svc(), table)
            };
            registry.get(kind).unwrap().load(ctx).await.unwrap();
        }
        pools.len()
    }

    /// A SQL endpoint and a table lookup on one named connection get one pool, not two (each
    /// engine used to keep its own registry, doubling the connection's `max_connections`).
    #[tokio::test]
    async fn sql_and_lookups_share_one_pool_per_named_connection() {
        // Each engine opens its named connection in the registry it was given...
        assert_eq!(pools_after(&[("sql-query", SQL)]).await, 1);
        assert_eq!(pools_after(&[("lookup", LOOKUP)]).await, 1);
        // ...so both together hold one pool.
        assert_eq!(
            pools_after(&[("sql-query", SQL), ("lookup", LOOKUP)]).await,
            1
        );
    }
}
