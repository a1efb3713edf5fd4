//! Enrichment: features looked up by key in a bundled CSV dataset or a sibling lookup
//! endpoint's index before scoring, under the missing-key / no-match / multiple-match policies.

use crate::config::EnrichmentConfig;
use crate::schema::{FeatureType, Schema};
use plinth_engine_api::{ApiError, LoadContext, LoadError};
use plinth_engine_lookup::{
    Cell, ColumnType, CsvOptions, DatasetIndex, IgnoreReason, LookupEndpoint, MissingPolicy,
    MultiplePolicy, Policies, Resolution,
};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::Arc;

/// One loaded enrichment.
pub struct Enrichment {
    /// `dataset data/x.csv` or `lookup endpoint customers`, for descriptions.
    source: String,
    index: Arc<DatasetIndex>,
    policies: Policies,
    /// (request feature, key column), in the index's key order.
    key: Vec<(String, String)>,
    /// (value column index, model feature it supplies).
    supplies: Vec<(usize, String)>,
}

impl Enrichment {
    /// Loads enrichment number `n` of the manifest (blocking: reads the dataset).
    pub fn load(
        ctx: &LoadContext,
        n: usize,
        config: &EnrichmentConfig,
        schema: &Schema,
    ) -> Result<Enrichment, LoadError> {
        let field = |name: &str| format!("enrichment[{n}].{name}");
        if config.key.is_empty() {
            return Err(LoadError::field(
                field("key"),
                "expected a table of request feature = key column, e.g. { customer_id = \"customer_id\" }",
            ));
        }
        let policies = policies(config, &field)?;
        let (source, index) = match (&config.dataset, &config.lookup) {
            (Some(dataset), None) => {
                let path = ctx.artifact(&field("dataset"), dataset)?;
                let options = csv_options(&path, config, schema)
                    .map_err(|m| LoadError::field(field("dataset"), m))?;
                let index = DatasetIndex::from_csv(&path, &options)
                    .map_err(|e| LoadError::field(field(&e.field()), e.to_string()))?;
                (format!("dataset {dataset}"), Arc::new(index))
            }
            (None, Some(id)) => {
                let sibling = ctx.siblings.get(id).ok_or_else(|| {
                    let mut known: Vec<&str> = ctx.siblings.keys().map(String::as_str).collect();
                    known.sort_unstable();
                    LoadError::field(
                        field("lookup"),
                        format!(
                            "no endpoint \"{id}\" is declared before this one in the manifest (declared before: {})",
                            if known.is_empty() { "none".to_owned() } else { known.join(", ") }
                        ),
                    )
                })?;
                let lookup = sibling
                    .downcast_ref::<LookupEndpoint>()
                    .ok_or_else(|| {
                        let why = if sibling.kind() == "lookup" {
                            "looks up a database table; enrichment uses lookups on a bundled dataset (CSV or Parquet)".to_owned()
                        } else {
                            format!("is a {} endpoint; expected a lookup endpoint", sibling.kind())
                        };
                        LoadError::field(field("lookup"), format!("endpoint \"{id}\" {why}"))
                    })?;
                (format!("lookup endpoint {id}"), lookup.index().clone())
            }
            _ => {
                return Err(LoadError::field(
                    format!("enrichment[{n}]"),
                    "expected exactly one of \"dataset\" (a CSV file in the bundle) or \"lookup\" (a lookup endpoint's id)",
                ));
            }
        };
        let mut key = Vec::new();
        for column in index.key_names() {
            let feature = config
                .key
                .iter()
                .find(|(_, c)| *c == column)
                .map(|(f, _)| f.clone())
                .ok_or_else(|| {
                    LoadError::field(
                        field("key"),
                        format!("the dataset's key column \"{column}\" is not mapped from a request feature"),
                    )
                })?;
            key.push((feature, column.to_owned()));
        }
        for column in config.key.values() {
            if index.key_position(column).is_none() {
                return Err(LoadError::field(
                    field("key"),
                    format!(
                        "\"{column}\" is not a key column of the {source} (keys: {})",
                        index.key_names().collect::<Vec<_>>().join(", ")
                    ),
                ));
            }
        }
        let value_columns: Vec<&str> = index
            .value_columns()
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        let mut supplies = Vec::new();
        match &config.columns {
            Some(map) => {
                for (feature, column) in map {
                    if schema.position(feature).is_none() {
                        return Err(LoadError::field(
                            field(&format!("columns.{feature}")),
                            format!("\"{feature}\" is not a feature of the model"),
                        ));
                    }
                    let at = value_columns
                        .iter()
                        .position(|c| c == column)
                        .ok_or_else(|| {
                            LoadError::field(
                                field(&format!("columns.{feature}")),
                                format!(
                                    "the {source} has no column \"{column}\" (columns: {})",
                                    value_columns.join(", ")
                                ),
                            )
                        })?;
                    supplies.push((at, feature.clone()));
                }
            }
            None => {
                for (at, column) in value_columns.iter().enumerate() {
                    if schema.position(column).is_some() {
                        supplies.push((at, (*column).to_owned()));
                    }
                }
            }
        }
        if supplies.is_empty() {
            return Err(LoadError::field(
                format!("enrichment[{n}]"),
                format!(
                    "the {source} supplies no feature of the model (name its columns after features, or map them with \"columns\")"
                ),
            ));
        }
        Ok(Enrichment {
            source,
            index,
            policies,
            key,
            supplies,
        })
    }

    /// Looks the record's key up and writes the supplied features into it (a value in the
    /// dataset replaces the caller's; a null cell leaves the caller's value). Returns the
    /// reason when the policies drop the record, an error when they fail the call.
    pub fn apply(
        &self,
        features: &mut Map<String, Value>,
    ) -> Result<Option<IgnoreReason>, ApiError> {
        let mut record = Map::with_capacity(self.key.len());
        for (feature, column) in &self.key {
            if let Some(v) = features.get(feature) {
                record.insert(column.clone(), v.clone());
            }
        }
        let outcome = self.index.lookup_record(&record);
        let names: Vec<&str> = self.key.iter().map(|(f, _)| f.as_str()).collect();
        let resolution = self.policies.resolve(&outcome, &names, || {
            self.key
                .iter()
                .map(|(f, c)| {
                    format!(
                        "{f}={}",
                        record.get(c).map_or("null".into(), Value::to_string)
                    )
                })
                .collect::<Vec<_>>()
                .join(", ")
        })?;
        match resolution {
            Resolution::Row(row) => {
                for (column, feature) in &self.supplies {
                    let cell = self.index.value(row, *column);
                    if cell != Cell::Null {
                        features.insert(feature.clone(), cell.to_json());
                    }
                }
                Ok(None)
            }
            Resolution::Nulls => Ok(None),
            Resolution::Drop(reason) => Ok(Some(reason)),
        }
    }

    /// The enrichment as the admin API shows it.
    pub fn describe(&self) -> Value {
        serde_json::json!({
            "source": self.source,
            "key": self.key.iter().map(|(f, c)| (f.clone(), Value::String(c.clone()))).collect::<Map<_, _>>(),
            "supplies": self.supplies.iter().map(|(_, f)| f.clone()).collect::<Vec<_>>(),
            "onMissingKey": self.policies.on_missing_key.as_str(),
            "onNoMatch": self.policies.on_no_match.as_str(),
            "onMultipleMatches": self.policies.on_multiple_matches.as_str(),
        })
    }
}

fn policies(
    config: &EnrichmentConfig,
    field: &dyn Fn(&str) -> String,
) -> Result<Policies, LoadError> {
    let missing = |name: &str, text: &Option<String>| -> Result<MissingPolicy, LoadError> {
        match text {
            None => Ok(MissingPolicy::Ignore),
            Some(t) => MissingPolicy::parse(t).ok_or_else(|| {
                LoadError::field(
                    field(name),
                    format!("unknown policy \"{t}\"; expected {}", MissingPolicy::NAMES),
                )
            }),
        }
    };
    Ok(Policies {
        on_missing_key: missing("on_missing_key", &config.on_missing_key)?,
        on_no_match: missing("on_no_match", &config.on_no_match)?,
        on_multiple_matches: match &config.on_multiple_matches {
            None => MultiplePolicy::KeepFirst,
            Some(t) => MultiplePolicy::parse(t).ok_or_else(|| {
                LoadError::field(
                    field("on_multiple_matches"),
                    format!("unknown policy \"{t}\"; expected {}", MultiplePolicy::NAMES),
                )
            })?,
        },
    })
}

/// Reads the header and declares the type of every column named like a feature (and of the
/// key columns, typed like the request features they are matched with).
fn csv_options(
    path: &std::path::Path,
    config: &EnrichmentConfig,
    schema: &Schema,
) -> Result<CsvOptions, String> {
    let delimiter = if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("tsv"))
    {
        b'\t'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .from_path(path)
        .map_err(|e| format!("cannot read the CSV file: {e}"))?;
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| format!("cannot read the CSV header: {e}"))?
        .iter()
        .map(str::to_owned)
        .collect();
    let keys: Vec<String> = config.key.values().cloned().collect();
    let mut column_types = HashMap::new();
    let type_of = |feature: &str| {
        schema
            .position(feature)
            .map(|i| column_type(schema.features[i].kind))
    };
    for (feature, column) in &config.key {
        if let (Some(t), true) = (type_of(feature), headers.contains(column)) {
            column_types.insert(column.clone(), t);
        }
    }
    match &config.columns {
        Some(map) => {
            for (feature, column) in map {
                if let (Some(t), true) = (type_of(feature), headers.contains(column)) {
                    column_types.insert(column.clone(), t);
                }
            }
        }
        None => {
            for h in &headers {
                if let Some(t) = type_of(h) {
                    column_types.entry(h.clone()).or_insert(t);
                }
            }
        }
    }
    let mut options = CsvOptions::new(keys);
    options.columns = config
        .columns
        .as_ref()
        .map(|m| m.values().cloned().collect());
    options.column_types = column_types;
    options.delimiter = delimiter;
    Ok(options)
}

fn column_type(kind: FeatureType) -> ColumnType {
    match kind {
        FeatureType::Number => ColumnType::Float,
        FeatureType::Integer => ColumnType::Integer,
        FeatureType::Boolean => ColumnType::Boolean,
        FeatureType::String => ColumnType::String,
    }
}
