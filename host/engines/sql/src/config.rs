//! The manifest fields of a `kind = "sql-query"` endpoint (documented in the crate's README).

use crate::params::ParamType;
use crate::sqltext::{self, Statement};
use plinth_engine_api::{LoadContext, LoadError};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

/// The endpoint's table as written in `plinth.toml`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SqlConfig {
    /// A SQLite database file inside the bundle.
    #[serde(default)]
    pub database: Option<String>,
    /// A connection named in the server configuration (`[connections.<name>]`).
    #[serde(default)]
    pub connection: Option<String>,
    /// The SQL text: one statement, or several separated by `;`.
    #[serde(default)]
    pub query: Option<String>,
    /// A file inside the bundle holding the SQL text (instead of `query`).
    #[serde(default)]
    pub query_file: Option<String>,
    /// Parameter names, in the order of the `?` placeholders.
    #[serde(default)]
    pub parameters: Vec<String>,
    /// Types to convert parameters to before binding, by name.
    #[serde(default)]
    pub parameter_types: BTreeMap<String, String>,
    /// Open a bundled SQLite database for writing (default false: read-only).
    #[serde(default)]
    pub allow_writes: bool,
    /// Commit the transaction of a script (default false: rolled back).
    #[serde(default)]
    pub commit: bool,
    /// Per-call time limit in milliseconds (default 30000).
    #[serde(default)]
    pub timeout_ms: Option<u64>,
    /// Most rows returned (default 10000).
    #[serde(default)]
    pub max_rows: Option<usize>,
    /// `"error"` (default) or `"truncate"` when a query returns more than `max_rows` rows.
    #[serde(default)]
    pub on_too_many_rows: Option<String>,
    /// Pool size for a bundled SQLite database (default 4).
    #[serde(default)]
    pub max_connections: Option<u32>,
}

/// Where the endpoint's database is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// A SQLite file in the bundle.
    Bundled {
        /// The resolved file.
        path: PathBuf,
        /// Open read-write.
        writable: bool,
        /// Pool size.
        max_connections: u32,
    },
    /// A named connection of the server configuration.
    Named(String),
}

/// A validated configuration.
#[derive(Clone, Debug)]
pub struct SqlSettings {
    /// The database.
    pub source: Source,
    /// Statements in order.
    pub statements: Vec<Statement>,
    /// Index of the statement that takes the parameters and whose rows are answered.
    pub target: usize,
    /// Parameter names in placeholder order.
    pub parameters: Vec<String>,
    /// Declared conversions, one per parameter.
    pub parameter_types: Vec<Option<ParamType>>,
    /// Commit scripts.
    pub commit: bool,
    /// Per-call time limit.
    pub timeout: Duration,
    /// Row cap.
    pub max_rows: usize,
    /// Truncate instead of failing past the cap.
    pub truncate: bool,
}

/// Default per-call time limit.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default row cap.
pub const DEFAULT_MAX_ROWS: usize = 10_000;

impl SqlSettings {
    /// Settings for one query written by another engine rather than a manifest (a lookup on a
    /// table): `sql` is a single SELECT with one `?` per name of `parameters`; at most
    /// `max_rows` rows are read (the rest are left out, not an error).
    pub fn generated(
        source: Source,
        sql: &str,
        parameters: Vec<String>,
        timeout: Duration,
        max_rows: usize,
    ) -> SqlSettings {
        SqlSettings {
            source,
            statements: sqltext::split(sql),
            target: 0,
            parameter_types: vec![None; parameters.len()],
            parameters,
            commit: false,
            timeout,
            max_rows,
            truncate: true,
        }
    }
}

impl SqlConfig {
    /// Validates every field.
    pub fn validate(self, ctx: &LoadContext) -> Result<SqlSettings, LoadError> {
        let source = match (&self.database, &self.connection) {
            (Some(db), None) => Source::Bundled {
                path: ctx.artifact("database", db)?,
                writable: self.allow_writes,
                max_connections: match self.max_connections {
                    None => 4,
                    Some(n @ 1..=64) => n,
                    Some(n) => {
                        return Err(LoadError::field(
                            "max_connections",
                            format!("expected 1 to 64, found {n}"),
                        ));
                    }
                },
            },
            (None, Some(name)) => {
                if self.allow_writes {
                    return Err(LoadError::field(
                        "allow_writes",
                        "only applies to a bundled SQLite database; a named connection's rights are its user's",
                    ));
                }
                if self.max_connections.is_some() {
                    return Err(LoadError::field(
                        "max_connections",
                        "a named connection's pool is set in the server configuration ([connections.<name>] max_connections)",
                    ));
                }
                Source::Named(name.clone())
            }
            (Some(_), Some(_)) => {
                return Err(LoadError::field(
                    "connection",
                    "give either database (a bundled SQLite file) or connection, not both",
                ));
            }
            (None, None) => {
                return Err(LoadError::field(
                    "database",
                    "missing; expected database = \"<SQLite file in the bundle>\" or connection = \"<name in the server configuration>\"",
                ));
            }
        };
        let sql = match (&self.query, &self.query_file) {
            (Some(q), None) => q.clone(),
            (None, Some(file)) => {
                let path = ctx.artifact("query_file", file)?;
                std::fs::read_to_string(&path).map_err(|e| {
                    LoadError::field("query_file", format!("cannot read '{file}': {e}"))
                })?
            }
            (Some(_), Some(_)) => {
                return Err(LoadError::field(
                    "query_file",
                    "give either query or query_file, not both",
                ));
            }
            (None, None) => {
                return Err(LoadError::field(
                    "query",
                    "missing; expected the SQL text (or query_file)",
                ));
            }
        };
        let statements = sqltext::split(&sql);
        if statements.is_empty() {
            return Err(LoadError::field(
                "query",
                "expected at least one SQL statement, found none",
            ));
        }
        let target = statements
            .iter()
            .rposition(Statement::is_query)
            .unwrap_or(statements.len() - 1);
        if let Some((i, _)) = statements
            .iter()
            .enumerate()
            .find(|(i, s)| *i != target && !s.placeholders.is_empty())
        {
            return Err(LoadError::field(
                "query",
                format!(
                    "statement {} has '?' placeholders, but parameters go to the last SELECT (statement {})",
                    i + 1,
                    target + 1
                ),
            ));
        }
        let placeholders = statements[target].placeholders.len();
        if placeholders != self.parameters.len() {
            return Err(LoadError::field(
                "parameters",
                format!(
                    "the query has {placeholders} '?' placeholder(s) but {} parameter name(s) are listed; list one name per '?', in order",
                    self.parameters.len()
                ),
            ));
        }
        for (i, name) in self.parameters.iter().enumerate() {
            if name.trim().is_empty() {
                return Err(LoadError::field(
                    format!("parameters[{i}]"),
                    "expected a name, found an empty string",
                ));
            }
            if self.parameters[..i].contains(name) {
                return Err(LoadError::field(
                    format!("parameters[{i}]"),
                    format!("'{name}' is listed twice"),
                ));
            }
        }
        for name in self.parameter_types.keys() {
            if !self.parameters.contains(name) {
                return Err(LoadError::field(
                    format!("parameter_types.{name}"),
                    format!("'{name}' is not in parameters"),
                ));
            }
        }
        let parameter_types = self
            .parameters
            .iter()
            .map(|name| {
                self.parameter_types
                    .get(name)
                    .map(|t| {
                        ParamType::parse(t).ok_or_else(|| {
                            LoadError::field(
                                format!("parameter_types.{name}"),
                                format!("unknown type \"{t}\"; expected \"integer\", \"float\", \"boolean\" or \"string\""),
                            )
                        })
                    })
                    .transpose()
            })
            .collect::<Result<Vec<_>, _>>()?;
        let timeout = match self.timeout_ms {
            None => DEFAULT_TIMEOUT,
            Some(ms @ 1..=3_600_000) => Duration::from_millis(ms),
            Some(ms) => {
                return Err(LoadError::field(
                    "timeout_ms",
                    format!("expected 1 to 3600000, found {ms}"),
                ));
            }
        };
        let max_rows = match self.max_rows {
            None => DEFAULT_MAX_ROWS,
            Some(0) => return Err(LoadError::field("max_rows", "expected at least 1")),
            Some(n) => n,
        };
        let truncate = match self
            .on_too_many_rows
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            None | Some("error") => false,
            Some("truncate") => true,
            Some(other) => {
                return Err(LoadError::field(
                    "on_too_many_rows",
                    format!("expected \"error\" or \"truncate\", found \"{other}\""),
                ));
            }
        };
        Ok(SqlSettings {
            source,
            statements,
            target,
            parameters: self.parameters,
            parameter_types,
            commit: self.commit,
            timeout,
            max_rows,
            truncate,
        })
    }
}
