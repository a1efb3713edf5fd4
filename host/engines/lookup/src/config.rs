//! The manifest fields of a `kind = "lookup"` endpoint (documented in the crate's README).

use crate::csv_load::CsvOptions;
use crate::policy::{MissingPolicy, MultiplePolicy, Policies};
use crate::types::ColumnType;
use plinth_engine_api::{LoadContext, LoadError};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

/// The endpoint's table as written in `plinth.toml`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LookupConfig {
    /// Path of the CSV file inside the bundle.
    pub dataset: String,
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
        let path = ctx.artifact("dataset", &self.dataset)?;
        let lower = self.dataset.to_ascii_lowercase();
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
        let policies = Policies {
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
        };
        let csv = CsvOptions {
            keys: self.keys,
            columns: self.columns,
            column_types,
            null_values: self.null_values.unwrap_or_else(|| vec![String::new()]),
            delimiter,
        };
        Ok(LookupSettings {
            dataset: self.dataset,
            path,
            csv,
            policies,
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
