//! Plinth's SQL query engine (`kind = "sql-query"`).
//!
//! An endpoint holds SQL text with `?` placeholders and the ordered names of its parameters.
//! Calls pass the parameters in the query string (GET) or a JSON body (POST); they are always
//! bound, never spliced into the SQL. Databases: a SQLite file shipped in the bundle, or a
//! named connection of the server configuration (PostgreSQL, MySQL/MariaDB, SQLite) whose URL
//! comes from the configuration or an environment variable. Answers follow the user API:
//! `{"results": [{"columns": [{"name", "type"}], "rows": [[...]], "updatedRows": n}]}`.

mod config;
mod connection;
mod dialect;
mod doc;
mod endpoint;
mod errors;
mod mysql;
mod output;
use plinth_sql_params as params;
mod pg;
mod rows;
mod runner;
mod sqlite;
mod sqltext;

pub use config::{DEFAULT_MAX_ROWS, DEFAULT_TIMEOUT, Source, SqlConfig, SqlSettings};
pub use connection::{ConnectionSettings, Pool, PoolRegistry};
pub use dialect::Dialect;
pub use endpoint::{SQL_ACTIONS, SqlEndpoint};
pub use output::QueryOutput;
pub use params::{ParamType, ParamValue};
pub use sqltext::Statement;

use async_trait::async_trait;
use plinth_engine_api::{Endpoint, EngineFactory, LoadContext, LoadError};
use std::sync::Arc;

/// The manifest `kind` of SQL endpoints.
pub const KIND: &str = "sql-query";

/// Loads `kind = "sql-query"` endpoints on the pools of named connections it is given.
#[derive(Debug, Default)]
pub struct SqlFactory {
    pools: Arc<PoolRegistry>,
}

impl SqlFactory {
    /// A factory on a registry shared with the other engines that open named connections.
    pub fn with_pools(pools: Arc<PoolRegistry>) -> SqlFactory {
        SqlFactory { pools }
    }
}

#[async_trait]
impl EngineFactory for SqlFactory {
    fn kind(&self) -> &'static str {
        KIND
    }

    async fn load(&self, ctx: LoadContext) -> Result<Arc<dyn Endpoint>, LoadError> {
        let settings = ctx.parse_config::<SqlConfig>()?.validate(&ctx)?;
        let pool = self.pools.for_source(&ctx.server, &settings.source)?;
        Ok(Arc::new(SqlEndpoint::new(settings, pool)))
    }
}
