//! The `sql-query` endpoint.

use crate::config::{Source, SqlSettings};
use crate::connection::Pool;
use crate::output::QueryOutput;
use crate::params::{self, ParamValue};
use crate::{mysql, pg, sqlite};
use async_trait::async_trait;
use plinth_engine_api::{Action, ApiError, Endpoint, Reply, Request};
use serde_json::{Value, json};
use std::time::Instant;
use tokio::sync::OnceCell;

/// The actions a SQL endpoint answers.
pub const SQL_ACTIONS: &[Action] = &[Action::Query];

/// A loaded SQL query endpoint.
pub struct SqlEndpoint {
    settings: SqlSettings,
    pool: Pool,
    pg_plan: OnceCell<pg::PgTarget>,
}

impl SqlEndpoint {
    /// An endpoint running `settings` on `pool`.
    pub fn new(settings: SqlSettings, pool: Pool) -> Self {
        SqlEndpoint {
            settings,
            pool,
            pg_plan: OnceCell::new(),
        }
    }

    /// Runs the query with the caller's parameters (in the manifest's order).
    pub async fn run(&self, params: Vec<ParamValue>) -> Result<QueryOutput, ApiError> {
        let params = crate::runner::declared(&self.settings, params)?;
        match &self.pool {
            Pool::Sqlite(pool) => sqlite::run(pool, &self.settings, params).await,
            Pool::Postgres(pool) => pg::run(pool, &self.settings, &self.pg_plan, params).await,
            Pool::MySql(pool) => mysql::run(pool, &self.settings, params).await,
        }
    }
}

#[async_trait]
impl Endpoint for SqlEndpoint {
    fn kind(&self) -> &'static str {
        crate::KIND
    }

    fn actions(&self) -> &'static [Action] {
        SQL_ACTIONS
    }

    fn describe(&self) -> Value {
        let database = match &self.settings.source {
            Source::Bundled { writable, .. } => {
                json!({"bundledSqlite": true, "writable": writable})
            }
            Source::Named(name) => json!({"connection": name}),
        };
        json!({
            "database": database,
            "parameters": self.settings.parameters,
            "statements": self.settings.statements.len(),
            "timeoutMs": self.settings.timeout.as_millis() as u64,
            "maxRows": self.settings.max_rows,
        })
    }

    fn call_doc(&self) -> plinth_engine_api::CallDoc {
        crate::doc::call_doc(&self.settings.parameters, &self.settings.parameter_types)
    }

    async fn serve(&self, request: Request) -> Result<Reply, ApiError> {
        if request.action != Action::Query {
            return Err(ApiError::bad_request(format!(
                "a SQL endpoint does not answer '{}'",
                request.action
            )));
        }
        let params = params::collect(&self.settings.parameters, &request.input)?;
        let started = Instant::now();
        let output = self.run(params).await?;
        let micros = started.elapsed().as_micros() as u64;
        Ok(
            Reply::member("results", Value::Array(vec![output.to_json()]))
                .with_timing("sqlQuery", micros),
        )
    }

    fn enforces_own_deadline(&self) -> bool {
        true
    }
}
