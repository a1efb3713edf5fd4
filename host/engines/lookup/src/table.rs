//! Lookups on a table of a database (`table = "..."` with `connection` or `database`): nothing
//! is loaded in memory; each record is one SELECT on the key columns with the key values bound
//! as parameters, run through the SQL engine (its pools, per-call deadline and error mapping:
//! database down → 503, past the deadline → 504).
//!
//! The table's columns and their types are read when the endpoint loads (`SELECT * ... WHERE
//! 1 = 0`). If the database is unavailable then, the deploy still succeeds and the columns are
//! read on the first call that finds the database up; calls answer 503 until then.

use crate::column::Cell;
use crate::endpoint::{LOOKUP_ACTIONS, answer_without_row, describe_key};
use crate::index::LookupOutcome;
use crate::key::{KeyInput, KeyValue};
use crate::policy::{Policies, Resolution};
use crate::records::{self, KeyRecord};
use crate::types::{ColumnType, parse_boolean, parse_float, parse_integer};
use async_trait::async_trait;
use plinth_engine_api::{Action, ApiError, Endpoint, LoadError, Reply, Request};
use plinth_engine_sql::{ParamValue, Pool, Source, SqlEndpoint, SqlSettings};
use serde_json::{Map, Value, json};
use std::time::{Duration, Instant};
use tokio::sync::OnceCell;

/// Default per-call time limit of a table lookup.
pub const DEFAULT_TABLE_TIMEOUT: Duration = Duration::from_secs(5);

/// What a table lookup endpoint needs, validated from its manifest.
#[derive(Clone, Debug)]
pub struct TableSettings {
    /// The table, as written (`name` or `schema.name`).
    pub table: String,
    /// Where it is: a named connection or a bundled SQLite file.
    pub source: Source,
    /// Key columns, in the order callers' keys are matched.
    pub keys: Vec<String>,
    /// Returned columns; `None`: every non-key column, in table order.
    pub columns: Option<Vec<String>>,
    /// The endpoint's policies.
    pub policies: Policies,
    /// Per-call time limit.
    pub timeout: Duration,
}

/// A lookup endpoint on a database table.
pub struct TableLookup {
    settings: TableSettings,
    pool: Pool,
    schema: OnceCell<Schema>,
}

/// The table's columns as the database describes them, and the lookup query.
struct Schema {
    key_types: Vec<ColumnType>,
    /// Returned columns and their types.
    columns: Vec<(String, ColumnType)>,
    query: SqlEndpoint,
}

impl TableLookup {
    /// Loads the endpoint: reads the table's columns now when the database answers, and fails
    /// the deploy for a missing table or an unknown key or returned column.
    pub async fn load(settings: TableSettings, pool: Pool) -> Result<TableLookup, LoadError> {
        let lookup = TableLookup {
            settings,
            pool,
            schema: OnceCell::new(),
        };
        match lookup.read_schema().await {
            Ok(schema) => {
                let _ = lookup.schema.set(schema);
            }
            Err(SchemaError::Api(e)) if e.status == 503 => {
                tracing_note(&lookup.settings.table, &e.message);
            }
            Err(SchemaError::Api(e)) => {
                return Err(LoadError::field(
                    "table",
                    format!(
                        "cannot read the columns of table \"{}\": {}",
                        lookup.settings.table, e.message
                    ),
                ));
            }
            Err(SchemaError::Field(field, message)) => {
                return Err(LoadError::field(field, message));
            }
        }
        Ok(lookup)
    }

    async fn schema(&self) -> Result<&Schema, ApiError> {
        self.schema
            .get_or_try_init(|| async {
                self.read_schema().await.map_err(|e| match e {
                    SchemaError::Api(e) => e,
                    SchemaError::Field(field, message) => ApiError::internal(
                        "LookupTableChanged",
                        format!("this endpoint's {field} no longer matches the table: {message}"),
                    ),
                })
            })
            .await
    }

    async fn read_schema(&self) -> Result<Schema, SchemaError> {
        let s = &self.settings;
        let dialect = self.pool.dialect();
        let table = dialect.table(&s.table);
        let probe = self.endpoint(format!("SELECT * FROM {table} WHERE 1 = 0"), Vec::new(), 1);
        let described = probe
            .run(Vec::new())
            .await
            .map_err(SchemaError::Api)?
            .columns;
        let type_of = |field: String, name: &str| -> Result<ColumnType, SchemaError> {
            described
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, t)| column_type(t))
                .ok_or_else(|| {
                    let names: Vec<&str> = described.iter().map(|(n, _)| n.as_str()).collect();
                    SchemaError::Field(
                        field,
                        format!(
                            "table \"{}\" has no column \"{name}\"; its columns are: {}",
                            s.table,
                            names.join(", ")
                        ),
                    )
                })
        };
        let key_types = s
            .keys
            .iter()
            .enumerate()
            .map(|(i, k)| type_of(format!("keys[{i}]"), k))
            .collect::<Result<Vec<_>, _>>()?;
        let columns = match &s.columns {
            Some(columns) => columns
                .iter()
                .enumerate()
                .map(|(i, c)| Ok((c.clone(), type_of(format!("columns[{i}]"), c)?)))
                .collect::<Result<Vec<_>, SchemaError>>()?,
            None => described
                .iter()
                .filter(|(n, _)| !s.keys.contains(n))
                .map(|(n, t)| (n.clone(), column_type(t)))
                .collect(),
        };
        let selected: Vec<String> = s
            .keys
            .iter()
            .chain(columns.iter().map(|(n, _)| n))
            .map(|n| dialect.quote(n))
            .collect();
        let condition: Vec<String> = s
            .keys
            .iter()
            .map(|k| format!("{} = ?", dialect.quote(k)))
            .collect();
        // Two rows tell one match from several.
        let sql = format!(
            "SELECT {} FROM {table} WHERE {} LIMIT 2",
            selected.join(", "),
            condition.join(" AND ")
        );
        Ok(Schema {
            key_types,
            columns,
            query: self.endpoint(sql, s.keys.clone(), 2),
        })
    }

    fn endpoint(&self, sql: String, parameters: Vec<String>, max_rows: usize) -> SqlEndpoint {
        let settings = SqlSettings::generated(
            self.settings.source.clone(),
            &sql,
            parameters,
            self.settings.timeout,
            max_rows,
        );
        SqlEndpoint::new(settings, self.pool.clone())
    }

    /// Answers one record.
    async fn answer(&self, schema: &Schema, record: &KeyRecord) -> Result<Value, ApiError> {
        let s = &self.settings;
        let inputs: Vec<KeyInput> = record
            .iter()
            .zip(&schema.key_types)
            .map(|(v, t)| KeyValue::from_json(v.as_ref(), *t))
            .collect();
        let mut rows = Vec::new();
        let outcome = if let Some(i) = inputs.iter().position(|k| *k == KeyInput::Missing) {
            LookupOutcome::MissingKey(i)
        } else if inputs.contains(&KeyInput::Unmatchable) {
            LookupOutcome::NoMatch
        } else {
            let params = inputs
                .iter()
                .map(|k| match k {
                    KeyInput::Value(v) => param(v),
                    _ => ParamValue::Null,
                })
                .collect();
            rows = schema.query.run(params).await?.rows;
            match rows.len() {
                0 => LookupOutcome::NoMatch,
                1 => LookupOutcome::One(0),
                _ => LookupOutcome::Multiple { first: 0 },
            }
        };
        let names: Vec<&str> = s.keys.iter().map(String::as_str).collect();
        let resolution = s
            .policies
            .resolve(&outcome, &names, || describe_key(&names, record))?;
        let mut data = Map::new();
        match resolution {
            Resolution::Row(row) => {
                let values = &rows[row];
                for (name, value) in s.keys.iter().zip(values) {
                    data.insert(name.clone(), value.clone());
                }
                for ((name, t), value) in schema.columns.iter().zip(&values[s.keys.len()..]) {
                    data.insert(name.clone(), typed(value, *t));
                }
                Ok(json!({"data": data, "ignored": false}))
            }
            other => Ok(answer_without_row(
                other,
                &names,
                &inputs,
                record,
                schema.columns.iter().map(|(n, _)| n.as_str()),
            )),
        }
    }
}

#[async_trait]
impl Endpoint for TableLookup {
    fn kind(&self) -> &'static str {
        crate::KIND
    }

    fn actions(&self) -> &'static [Action] {
        LOOKUP_ACTIONS
    }

    fn describe(&self) -> Value {
        let s = &self.settings;
        let source = match &s.source {
            Source::Bundled { .. } => json!({"bundledSqlite": true}),
            Source::Named(name) => json!({"connection": name}),
        };
        let mut described = json!({
            "table": s.table,
            "database": source,
            "keys": s.keys,
            "timeoutMs": s.timeout.as_millis() as u64,
            "onMissingKey": s.policies.on_missing_key.as_str(),
            "onNoMatch": s.policies.on_no_match.as_str(),
            "onMultipleMatches": s.policies.on_multiple_matches.as_str(),
        });
        if let Some(schema) = self.schema.get() {
            described["columns"] = schema
                .columns
                .iter()
                .map(|(n, t)| json!({"name": n, "type": t.as_str()}))
                .collect();
        }
        described
    }

    fn call_doc(&self) -> plinth_engine_api::CallDoc {
        let typed = self.schema.get();
        crate::doc::call_doc(self.settings.keys.iter().map(|k| {
            let ty = typed.and_then(|s| s.columns.iter().find(|(n, _)| n == k).map(|(_, t)| *t));
            (k.as_str(), ty)
        }))
    }

    async fn serve(&self, request: Request) -> Result<Reply, ApiError> {
        let started = Instant::now();
        let names: Vec<&str> = self.settings.keys.iter().map(String::as_str).collect();
        let records = records::parse(&request, &names)?;
        let schema = self.schema().await?;
        let mut results = Vec::with_capacity(records.len());
        for record in &records {
            results.push(self.answer(schema, record).await?);
        }
        let micros = started.elapsed().as_micros() as u64;
        Ok(Reply::member("results", Value::Array(results)).with_timing("lookup", micros))
    }

    fn enforces_own_deadline(&self) -> bool {
        true
    }
}

enum SchemaError {
    Api(ApiError),
    Field(String, String),
}

fn tracing_note(table: &str, message: &str) {
    tracing::warn!(
        table,
        "lookup table's database unavailable at deploy ({message}); its columns will be read on the first call"
    );
}

/// The lookup type of a database column type (PostgreSQL's names, which the SQL engine also
/// uses for SQLite, or MySQL's).
fn column_type(database_type: &str) -> ColumnType {
    let t = database_type.to_ascii_lowercase();
    let base = t.split(['(', ' ']).next().unwrap_or("");
    match base {
        "int" | "int2" | "int4" | "int8" | "integer" | "smallint" | "bigint" | "tinyint"
        | "mediumint" | "serial" | "bigserial" | "smallserial" => ColumnType::Integer,
        "float4" | "float8" | "real" | "double" | "float" | "numeric" | "decimal" => {
            ColumnType::Float
        }
        "bool" | "boolean" => ColumnType::Boolean,
        _ => ColumnType::String,
    }
}

/// A key value bound as a parameter of the column's type.
fn param(value: &KeyValue) -> ParamValue {
    match value {
        KeyValue::Integer(i) => ParamValue::Integer(*i),
        KeyValue::Float(f) => ParamValue::Float(*f),
        KeyValue::Boolean(b) => ParamValue::Boolean(*b),
        KeyValue::String(s) => ParamValue::Text(s.clone()),
    }
}

/// A value of the SQL engine's answer (text or null) as JSON of the column's type, as the
/// in-memory lookups answer.
fn typed(value: &Value, column_type: ColumnType) -> Value {
    let Value::String(text) = value else {
        return value.clone();
    };
    let cell = match column_type {
        ColumnType::Integer => parse_integer(text).map(Cell::Integer),
        ColumnType::Float => parse_float(text).map(Cell::Float),
        ColumnType::Boolean => match text.as_str() {
            "t" | "1" => Some(Cell::Boolean(true)),
            "f" | "0" => Some(Cell::Boolean(false)),
            other => parse_boolean(other).map(Cell::Boolean),
        },
        ColumnType::String => None,
    };
    cell.unwrap_or(Cell::String(text)).to_json()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_types_map_to_lookup_types() {
        for t in [
            "int8",
            "INTEGER",
            "bigint",
            "int(11)",
            "INT UNSIGNED",
            "tinyint(1)",
        ] {
            assert_eq!(column_type(t), ColumnType::Integer, "{t}");
        }
        for t in ["float8", "REAL", "double", "numeric(10,2)", "DECIMAL"] {
            assert_eq!(column_type(t), ColumnType::Float, "{t}");
        }
        assert_eq!(column_type("bool"), ColumnType::Boolean);
        for t in ["text", "varchar(20)", "interval", "point", "date", ""] {
            assert_eq!(column_type(t), ColumnType::String, "{t}");
        }
    }

    #[test]
    fn answers_are_typed_like_the_in_memory_lookups() {
        assert_eq!(typed(&json!("22.0"), ColumnType::Float), json!(22));
        assert_eq!(typed(&json!("7.25"), ColumnType::Float), json!(7.25));
        assert_eq!(typed(&json!("42"), ColumnType::Integer), json!(42));
        assert_eq!(typed(&json!("t"), ColumnType::Boolean), json!(true));
        assert_eq!(typed(&json!("x"), ColumnType::String), json!("x"));
        assert_eq!(typed(&Value::Null, ColumnType::Integer), Value::Null);
    }
}
