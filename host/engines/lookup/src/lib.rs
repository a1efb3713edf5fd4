//! Plinth's dataset lookup engine (`kind = "lookup"`).
//!
//! A bundled CSV dataset is loaded at deploy into a [`DatasetIndex`]: typed columns (numbers in
//! plain vectors, the strings of a column in one buffer) and a hash index on the key tuple.
//! Endpoints answer `lookup`, `lookup-multi` and `lookup-simple` in the user API's shapes.
//!
//! A table of a database (`table` with `connection` or `database`) is looked up live instead,
//! one bound SELECT per record ([`TableLookup`]).
//!
//! The index is public so that other engines reuse it: a prediction endpoint enriches its
//! records with [`DatasetIndex::lookup_record`] and [`Policies::resolve`], either on an index
//! of its own or on a sibling lookup endpoint reached with
//! `sibling.downcast_ref::<LookupEndpoint>()`.

mod column;
mod config;
mod csv_load;
mod doc;
mod endpoint;
mod error;
mod index;
mod key;
mod parquet_load;
mod policy;
mod records;
mod table;
mod types;

pub use column::{Cell, Column, ColumnData};
pub use config::{ENDPOINT_DEFAULT_POLICIES, LookupConfig, LookupSettings};
pub use csv_load::CsvOptions;
pub use endpoint::{LOOKUP_ACTIONS, LookupEndpoint, MAX_ITEMS};
pub use error::DatasetError;
pub use index::{DatasetIndex, LookupOutcome, is_parquet};
pub use key::{KeyInput, KeyValue};
pub use policy::{IgnoreReason, MissingPolicy, MultiplePolicy, Policies, Resolution};
pub use table::{DEFAULT_TABLE_TIMEOUT, TableLookup, TableSettings};
pub use types::ColumnType;

use async_trait::async_trait;
use plinth_engine_api::{Endpoint, EngineFactory, LoadContext, LoadError};
use std::sync::Arc;

/// The manifest `kind` of lookup endpoints.
pub const KIND: &str = "lookup";

/// Loads `kind = "lookup"` endpoints; table lookups on named connections use the pools it is
/// given (the host shares them with the SQL engine).
#[derive(Debug, Default)]
pub struct LookupFactory {
    pools: Arc<plinth_engine_sql::PoolRegistry>,
}

impl LookupFactory {
    /// A factory on a registry shared with the other engines that open named connections.
    pub fn with_pools(pools: Arc<plinth_engine_sql::PoolRegistry>) -> LookupFactory {
        LookupFactory { pools }
    }
}

#[async_trait]
impl EngineFactory for LookupFactory {
    fn kind(&self) -> &'static str {
        KIND
    }

    async fn load(&self, ctx: LoadContext) -> Result<Arc<dyn Endpoint>, LoadError> {
        let config = ctx.parse_config::<LookupConfig>()?;
        if config.is_table() {
            let settings = config.validate_table(&ctx)?;
            let pool = self.pools.for_source(&ctx.server, &settings.source)?;
            return Ok(Arc::new(TableLookup::load(settings, pool).await?));
        }
        let settings = config.validate(&ctx)?;
        let LookupSettings {
            dataset,
            path,
            csv,
            policies,
        } = settings;
        let index = tokio::task::spawn_blocking(move || DatasetIndex::from_file(&path, &csv))
            .await
            .map_err(|e| {
                LoadError::general(format!("loading the dataset stopped unexpectedly: {e}"))
            })?
            .map_err(DatasetError::into_load_error)?;
        Ok(Arc::new(LookupEndpoint::new(
            dataset,
            Arc::new(index),
            policies,
        )))
    }
}
