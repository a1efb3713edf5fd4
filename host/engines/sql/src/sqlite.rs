//! Running an endpoint's statements on SQLite.

use crate::config::SqlSettings;
use crate::errors;
use crate::output::{QueryOutput, float_text, hex_text};
use crate::params::ParamValue;
use crate::rows::RowSink;
use futures::TryStreamExt;
use plinth_engine_api::ApiError;
use serde_json::Value;
use sqlx::sqlite::{SqliteArguments, SqliteConnection, SqlitePool, SqliteRow};
use sqlx::{Column, Connection, Executor, Row, Statement, TypeInfo, ValueRef};
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
    let outcome = tokio::time::timeout(settings.timeout, run_on(&mut conn, settings, params)).await;
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

async fn run_on(
    conn: &mut SqliteConnection,
    settings: &SqlSettings,
    params: Vec<ParamValue>,
) -> Result<QueryOutput, ApiError> {
    if settings.statements.len() == 1 {
        return target(conn, settings, params).await;
    }
    let mut tx = conn.begin().await.map_err(errors::map)?;
    let mut output = QueryOutput::default();
    let mut updated = 0;
    let mut params = Some(params);
    for (i, statement) in settings.statements.iter().enumerate() {
        if i == settings.target {
            output = target(&mut tx, settings, params.take().unwrap_or_default()).await?;
            updated += output.updated_rows;
        } else {
            updated += tx
                .execute(sqlx::raw_sql(&statement.text))
                .await
                .map_err(errors::map)?
                .rows_affected();
        }
    }
    output.updated_rows = updated;
    if settings.commit {
        tx.commit().await
    } else {
        tx.rollback().await
    }
    .map_err(errors::map)?;
    Ok(output)
}

async fn target(
    conn: &mut SqliteConnection,
    settings: &SqlSettings,
    params: Vec<ParamValue>,
) -> Result<QueryOutput, ApiError> {
    let statement = &settings.statements[settings.target];
    let mut arguments = SqliteArguments::default();
    for value in params {
        let bound = match value {
            ParamValue::Null => sqlx::Arguments::add(&mut arguments, Option::<String>::None),
            ParamValue::Integer(i) => sqlx::Arguments::add(&mut arguments, i),
            ParamValue::Float(f) => sqlx::Arguments::add(&mut arguments, f),
            ParamValue::Boolean(b) => sqlx::Arguments::add(&mut arguments, b),
            ParamValue::Text(t) => sqlx::Arguments::add(&mut arguments, t),
        };
        bound.map_err(|e| {
            ApiError::internal("QueryFailed", format!("cannot bind a parameter: {e}"))
        })?;
    }
    if !statement.is_query() {
        let done = sqlx::query_with(&statement.text, arguments)
            .execute(&mut *conn)
            .await
            .map_err(errors::map)?;
        return Ok(QueryOutput {
            updated_rows: done.rows_affected(),
            ..QueryOutput::default()
        });
    }
    let prepared = conn.prepare(&statement.text).await.map_err(errors::map)?;
    let declared: Vec<(String, Option<&'static str>)> = prepared
        .columns()
        .iter()
        .map(|c| (c.name().to_owned(), declared_type(c.type_info().name())))
        .collect();
    let mut sink = RowSink::new(settings);
    let mut runtime_types: Vec<Option<&'static str>> = vec![None; declared.len()];
    {
        let mut stream = sqlx::query_with(&statement.text, arguments).fetch(&mut *conn);
        while let Some(row) = stream.try_next().await.map_err(errors::map)? {
            if !sink.has_room()? {
                break;
            }
            sink.rows
                .push(decode_row(&row, &declared, &mut runtime_types)?);
        }
    }
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
