//! Running an endpoint's statements on SQLite.

use crate::config::SqlSettings;
use crate::errors;
use crate::output::{QueryOutput, float_text, hex_text};
use crate::params::ParamValue;
use crate::runner;
use futures::future::BoxFuture;
use plinth_engine_api::ApiError;
use serde_json::Value;
use sqlx::sqlite::{SqliteConnection, SqlitePool, SqliteRow};
use sqlx::{Column, Executor, Row, Statement, TypeInfo, ValueRef};
use std::time::Instant;

/// Runs the endpoint's statements with `params` bound to the target statement.
pub async fn run(
    pool: &SqlitePool,
    settings: &SqlSettings,
    params: Vec<ParamValue>,
) -> Result<QueryOutput, ApiError> {
    let mut conn = pool.acquire().await.map_err(errors::map)?;
    // The deadline interrupts SQLite itself, so a runaway query stops and frees its connection.
    let deadline = Instant::now() + settings.timeout;
    conn.lock_handle()
        .await
        .map_err(errors::map)?
        .set_progress_handler(1000, move || Instant::now() < deadline);
    let outcome = tokio::time::timeout(
        settings.timeout,
        runner::run(&mut *conn, settings, &Sqlite, params),
    )
    .await;
    if let Ok(mut handle) = conn.lock_handle().await {
        handle.remove_progress_handler();
    }
    let result = outcome.unwrap_or_else(|_| Err(errors::timeout(settings.timeout)));
    if matches!(&result, Err(e) if e.status == 504) {
        // An interrupted statement stays poisoned in the connection's statement cache: start afresh.
        conn.close_on_drop();
    }
    result
}

/// The SQLite side of the runner.
struct Sqlite;

impl runner::Backend<sqlx::Sqlite> for Sqlite {
    fn target<'a>(
        &'a self,
        conn: &'a mut SqliteConnection,
        settings: &'a SqlSettings,
        params: Vec<ParamValue>,
    ) -> BoxFuture<'a, Result<QueryOutput, ApiError>> {
        Box::pin(target(conn, settings, params))
    }
}

async fn target(
    conn: &mut SqliteConnection,
    settings: &SqlSettings,
    params: Vec<ParamValue>,
) -> Result<QueryOutput, ApiError> {
    let statement = &settings.statements[settings.target];
    let arguments = runner::bind_plain::<sqlx::Sqlite>(settings, params)?;
    if !statement.is_query() {
        return runner::update::<sqlx::Sqlite>(conn, &statement.text, arguments).await;
    }
    let prepared = conn.prepare(&statement.text).await.map_err(errors::map)?;
    let declared: Vec<(String, Option<&'static str>)> = prepared
        .columns()
        .iter()
        .map(|c| (c.name().to_owned(), declared_type(c.type_info().name())))
        .collect();
    let mut runtime_types: Vec<Option<&'static str>> = vec![None; declared.len()];
    let sink = runner::rows::<sqlx::Sqlite, _>(conn, settings, &statement.text, arguments, |row| {
        decode_row(row, &declared, &mut runtime_types)
    })
    .await?;
    let columns = declared
        .into_iter()
        .zip(runtime_types)
        .map(|((name, declared), runtime)| {
            (name, declared.or(runtime).unwrap_or("text").to_owned())
        })
        .collect();
    Ok(QueryOutput {
        columns,
        rows: sink.rows,
        updated_rows: 0,
        truncated: sink.truncated,
    })
}

/// SQLite's declared column types, named as PostgreSQL names them (see the README).
fn declared_type(sqlite_name: &str) -> Option<&'static str> {
    match sqlite_name.to_ascii_uppercase().as_str() {
        "INTEGER" => Some("int8"),
        "REAL" => Some("float8"),
        "TEXT" => Some("text"),
        "BLOB" => Some("bytea"),
        "NUMERIC" => Some("numeric"),
        "BOOLEAN" => Some("bool"),
        "DATE" => Some("date"),
        "TIME" => Some("time"),
        "DATETIME" => Some("timestamp"),
        _ => None,
    }
}

fn decode_row(
    row: &SqliteRow,
    declared: &[(String, Option<&'static str>)],
    runtime_types: &mut [Option<&'static str>],
) -> Result<Vec<Value>, ApiError> {
    let mut values = Vec::with_capacity(declared.len());
    for (i, (name, declared_type)) in declared.iter().enumerate() {
        let raw = row.try_get_raw(i).map_err(errors::map)?;
        if raw.is_null() {
            values.push(Value::Null);
            continue;
        }
        let storage = raw.type_info().name().to_ascii_uppercase();
        let fail = |e: sqlx::Error| {
            ApiError::internal("QueryFailed", format!("cannot read column '{name}': {e}"))
        };
        let text = match storage.as_str() {
            "INTEGER" | "BOOLEAN" => {
                let v: i64 = row.try_get_unchecked(i).map_err(fail)?;
                if *declared_type == Some("bool") {
                    (v != 0).to_string()
                } else {
                    v.to_string()
                }
            }
            "REAL" => float_text(row.try_get_unchecked::<f64, _>(i).map_err(fail)?),
            "BLOB" => {
                let bytes: Vec<u8> = row.try_get_unchecked(i).map_err(fail)?;
                String::from_utf8(bytes).unwrap_or_else(|e| hex_text(e.as_bytes()))
            }
            _ => row.try_get_unchecked::<String, _>(i).map_err(fail)?,
        };
        if runtime_types[i].is_none() {
            runtime_types[i] = declared_type_of_storage(&storage);
        }
        values.push(Value::String(text));
    }
    Ok(values)
}

fn declared_type_of_storage(storage: &str) -> Option<&'static str> {
    match storage {
        "INTEGER" => Some("int8"),
        "REAL" => Some("float8"),
        "BLOB" => Some("bytea"),
        _ => Some("text"),
    }
}
