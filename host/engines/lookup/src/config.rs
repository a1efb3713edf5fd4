//! The manifest fields of a `kind = "lookup"` endpoint (documented in the crate's README).

use crate::csv_load::CsvOptions;
use crate::policy::{MissingPolicy, MultiplePolicy, Policies};
use crate::table::{DEFAULT_TABLE_TIMEOUT, TableSettings};
use crate::types::ColumnType;
use plinth_engine_api::{LoadContext, LoadError};
use plinth_engine_sql::Source;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::time::Duration;

/// The endpoint's table as written in `plinth.toml`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LookupConfig {
    /// Path of the CSV or Parquet file inside the bundle (or give `table`).
    #[serde(default)]
    pub dataset: Option<String>,
    /// A table of a database, looked up live (instead of `dataset`).
    #[serde(default)]
    pub table: Option<String>,
    /// With `table`: a connection named in the server configuration.
    #[serde(default)]
    pub connection: Option<String>,
    /// With `table`: a SQLite database file inside the bundle (opened read-only).
    #[serde(default)]
    pub database: Option<String>,
    /// With `table`: per-call time limit in milliseconds (default 5000).
    #[serde(default)]
    pub timeout_ms: Option<u64>,
    /// Key columns.
    pub keys: Vec<String>,
    /// Returned columns; all non-key columns when absent.
    #[serde(default)]
    pub columns: Option<Vec<String>>,
    /// Declared column types (`integer`, `float`, `boolean`, `string`); others are inferred.
    #[serde(default)]
    pub column_types: BTreeMap<String, String>,
    /// Cell texts read as null; default `[""]`.
    #[serde(default)]
    pub null_values: Option<Vec<String>>,
    /// One-character field delimiter; default `,` (tab for `.tsv` files).
    #[serde(default)]
    pub delimiter: Option<String>,
    /// `IGNORE`, `DROP_ROW` (default) or `ERROR`.
    #[serde(default)]
    pub on_missing_key: Option<String>,
    /// `IGNORE`, `DROP_ROW` (default) or `ERROR`.
    #[serde(default)]
    pub on_no_match: Option<String>,
    /// `KEEP_FIRST` (default), `DROP_ROW` or `ERROR`.
    #[serde(default)]
    pub on_multiple_matches: Option<String>,
}

/// A validated configuration, ready to load.
#[derive(Clone, Debug)]
pub struct LookupSettings {
    /// The dataset as written in the manifest.
    pub dataset: String,
    /// The resolved file.
    pub path: PathBuf,
    /// How to read it.
    pub csv: CsvOptions,
    /// The endpoint's policies.
    pub policies: Policies,
}

/// The policies of a lookup endpoint when the manifest says nothing: a missing key or no match
/// answers `ignored: true` with its reason, several matches keep the first.
pub const ENDPOINT_DEFAULT_POLICIES: Policies = Policies {
    on_missing_key: MissingPolicy::DropRow,
    on_no_match: MissingPolicy::DropRow,
    on_multiple_matches: MultiplePolicy::KeepFirst,
};

impl LookupConfig {
    /// Validates every field and resolves the dataset inside the bundle.
    pub fn validate(self, ctx: &LoadContext) -> Result<LookupSettings, LoadError> {
        let Some(dataset) = self.dataset.clone() else {
            return Err(LoadError::field(
                "dataset",
                "missing; expected dataset = \"<CSV or Parquet file in the bundle>\" or table = \"<table of a database>\"",
            ));
        };
        for (field, given) in [
            ("connection", self.connection.is_some()),
            ("database", self.database.is_some()),
        ] {
            if given {
                return Err(LoadError::field(
                    field,
                    "only applies to a lookup on a database table (table = \"...\"), not to a dataset file",
                ));
            }
        }
        let path = ctx.artifact("dataset", &dataset)?;
        let lower = dataset.to_ascii_lowercase();
        self.check_keys()?;
        let mut column_types = HashMap::new();
        for (column, name) in &self.column_types {
            let parsed = ColumnType::parse(name).ok_or_else(|| {
                LoadError::field(
                    format!("column_types.{column}"),
                    format!("unknown type \"{name}\"; expected \"integer\", \"float\", \"boolean\" or \"string\""),
                )
            })?;
            column_types.insert(column.clone(), parsed);
        }
        let delimiter = match self.delimiter.as_deref() {
            None if lower.ends_with(".tsv") => b'\t',
            None => b',',
            Some(d) if d.len() == 1 => d.as_bytes()[0],
            Some("\\t") => b'\t',
            Some(d) => {
                return Err(LoadError::field(
                    "delimiter",
                    format!(
                        "expected one ASCII character such as \",\", \";\" or \"\\t\", found \"{d}\""
                    ),
                ));
            }
        };
        let policies = self.policies()?;
        let csv = CsvOptions {
            keys: self.keys,
            columns: self.columns,
            column_types,
            null_values: self.null_values.unwrap_or_else(|| vec![String::new()]),
            delimiter,
        };
        Ok(LookupSettings {
            dataset,
            path,
            csv,
            policies,
        })
    }
}

impl LookupConfig {
    /// Whether the endpoint looks up a database table rather than a dataset file.
    pub fn is_table(&self) -> bool {
        self.table.is_some()
    }

    /// Validates a lookup on a database table (`table` with `connection` or `database`).
    pub fn validate_table(self, ctx: &LoadContext) -> Result<TableSettings, LoadError> {
        let table = self.table.clone().unwrap_or_default();
        if table.trim().is_empty() || table.split('.').any(|p| p.is_empty()) {
            return Err(LoadError::field(
                "table",
                format!(
                    "expected a table name such as \"customers\" or \"public.customers\", found \"{table}\""
                ),
            ));
        }
        for (field, given) in [
            ("dataset", self.dataset.is_some()),
            ("column_types", !self.column_types.is_empty()),
            ("null_values", self.null_values.is_some()),
            ("delimiter", self.delimiter.is_some()),
        ] {
            if given {
                return Err(LoadError::field(
                    field,
                    "does not apply to a lookup on a database table (its types come from the database)",
                ));
            }
        }
        self.check_keys()?;
        let source = match (&self.connection, &self.database) {
            (Some(name), None) => Source::Named(name.clone()),
            (None, Some(file)) => Source::Bundled {
                path: ctx.artifact("database", file)?,
                writable: false,
                max_connections: 4,
            },
            (Some(_), Some(_)) => {
                return Err(LoadError::field(
                    "connection",
                    "give either connection (a database of the server configuration) or database (a SQLite file in the bundle), not both",
                ));
            }
            (None, None) => {
                return Err(LoadError::field(
                    "connection",
                    "missing; a table lookup needs connection = \"<name in the server configuration>\" or database = \"<SQLite file in the bundle>\"",
                ));
            }
        };
        let timeout = match self.timeout_ms {
            None => DEFAULT_TABLE_TIMEOUT,
            Some(0) => {
                return Err(LoadError::field(
                    "timeout_ms",
                    "expected a positive number of milliseconds",
                ));
            }
            Some(ms) => Duration::from_millis(ms),
        };
        let policies = self.policies()?;
        Ok(TableSettings {
            table,
            source,
            keys: self.keys,
            columns: self.columns,
            policies,
            timeout,
        })
    }

    fn check_keys(&self) -> Result<(), LoadError> {
        if self.keys.is_empty() {
            return Err(LoadError::field(
                "keys",
                "expected at least one key column name, found an empty list",
            ));
        }
        for (i, key) in self.keys.iter().enumerate() {
            if key.trim().is_empty() {
                return Err(LoadError::field(
                    format!("keys[{i}]"),
                    "expected a column name, found an empty string",
                ));
            }
        }
        Ok(())
    }

    fn policies(&self) -> Result<Policies, LoadError> {
        Ok(Policies {
            on_missing_key: parse_missing("on_missing_key", self.on_missing_key.as_deref())?
                .unwrap_or(ENDPOINT_DEFAULT_POLICIES.on_missing_key),
            on_no_match: parse_missing("on_no_match", self.on_no_match.as_deref())?
                .unwrap_or(ENDPOINT_DEFAULT_POLICIES.on_no_match),
            on_multiple_matches: match self.on_multiple_matches.as_deref() {
                None => ENDPOINT_DEFAULT_POLICIES.on_multiple_matches,
                Some(text) => MultiplePolicy::parse(text).ok_or_else(|| {
                    LoadError::field(
                        "on_multiple_matches",
                        format!(
                            "unknown policy \"{text}\"; expected {}",
                            MultiplePolicy::NAMES
                        ),
                    )
                })?,
            },
        })
    }
}

fn parse_missing(field: &str, text: Option<&str>) -> Result<Option<MissingPolicy>, LoadError> {
    text.map(|t| {
        MissingPolicy::parse(t).ok_or_else(|| {
            LoadError::field(
                field,
                format!("unknown policy \"{t}\"; expected {}", MissingPolicy::NAMES),
            )
        })
    })
    .transpose()
}
