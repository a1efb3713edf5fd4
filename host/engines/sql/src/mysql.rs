//! Running an endpoint's statements on MySQL or MariaDB. MySQL converts text compared with
//! numbers itself; declared `parameter_types` convert before binding.

use crate::config::SqlSettings;
use crate::errors;
use crate::output::{QueryOutput, float_text, hex_text};
use crate::params::ParamValue;
use crate::rows::RowSink;
use futures::TryStreamExt;
use plinth_engine_api::ApiError;
use serde_json::Value;
use sqlx::mysql::{MySqlArguments, MySqlConnection, MySqlPool, MySqlRow};
use sqlx::types::chrono;
use sqlx::{Arguments, Column, Connection, Executor, Row, Statement, TypeInfo, ValueRef};

/// Runs the endpoint's statements with `params` bound to the target statement.
pub async fn run(
    pool: &MySqlPool,
    settings: &SqlSettings,
    params: Vec<ParamValue>,
) -> Result<QueryOutput, ApiError> {
    let mut conn = pool.acquire().await.map_err(errors::map)?;
    match tokio::time::timeout(settings.timeout, run_on(&mut conn, settings, params)).await {
        Ok(result) => result,
        Err(_) => {
            conn.close_on_drop();
            Err(errors::timeout(settings.timeout))
        }
    }
}

async fn run_on(
    conn: &mut MySqlConnection,
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
    conn: &mut MySqlConnection,
    settings: &SqlSettings,
    params: Vec<ParamValue>,
) -> Result<QueryOutput, ApiError> {
    let statement = &settings.statements[settings.target];
    let mut arguments = MySqlArguments::default();
    for (i, value) in params.into_iter().enumerate() {
        let name = &settings.parameters[i];
        let value = match settings.parameter_types[i] {
            Some(declared) => value.convert(declared, name)?,
            None => value,
        };
        let added = match value {
            ParamValue::Null => arguments.add(Option::<String>::None),
            ParamValue::Integer(v) => arguments.add(v),
            ParamValue::Float(v) => arguments.add(v),
            ParamValue::Boolean(v) => arguments.add(v),
            ParamValue::Text(v) => arguments.add(v),
        };
        added
            .map_err(|e| ApiError::internal("QueryFailed", format!("cannot bind '{name}': {e}")))?;
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
    let columns: Vec<(String, String)> = prepared
        .columns()
        .iter()
        .map(|c| (c.name().to_owned(), c.type_info().name().to_owned()))
        .collect();
    let mut sink = RowSink::new(settings);
    {
        let mut stream = sqlx::query_with(&statement.text, arguments).fetch(&mut *conn);
        while let Some(row) = stream.try_next().await.map_err(errors::map)? {
            if !sink.has_room()? {
                break;
            }
            let values = columns
                .iter()
                .enumerate()
                .map(|(i, (name, _))| decode(&row, i, name))
                .collect::<Result<Vec<_>, _>>()?;
            sink.rows.push(values);
        }
    }
    Ok(QueryOutput {
        columns,
        rows: sink.rows,
        updated_rows: 0,
        truncated: sink.truncated,
    })
}

fn decode(row: &MySqlRow, i: usize, name: &str) -> Result<Value, ApiError> {
    let raw = row.try_get_raw(i).map_err(errors::map)?;
    if raw.is_null() {
        return Ok(Value::Null);
    }
    // The value's own type: for expressions the prepared column's type can be vaguer.
    let type_name = raw.type_info().name().to_ascii_uppercase();
    let fail = |e: sqlx::Error| {
        ApiError::internal(
            "QueryFailed",
            format!("cannot read column '{name}' ({type_name}): {e}"),
        )
    };
    let text = match type_name.as_str() {
        "BOOLEAN" | "TINYINT" | "SMALLINT" | "MEDIUMINT" | "INT" | "BIGINT" | "YEAR" => row
            .try_get_unchecked::<i64, _>(i)
            .map_err(fail)?
            .to_string(),
        t if t.ends_with("UNSIGNED") => row
            .try_get_unchecked::<u64, _>(i)
            .map_err(fail)?
            .to_string(),
        "FLOAT" => float_text(f64::from(row.try_get_unchecked::<f32, _>(i).map_err(fail)?)),
        "DOUBLE" => float_text(row.try_get_unchecked::<f64, _>(i).map_err(fail)?),
        "DATE" => row
            .try_get_unchecked::<chrono::NaiveDate, _>(i)
            .map_err(fail)?
            .to_string(),
        "TIME" => row
            .try_get_unchecked::<chrono::NaiveTime, _>(i)
            .map_err(fail)?
            .to_string(),
        "DATETIME" | "TIMESTAMP" => row
            .try_get_unchecked::<chrono::NaiveDateTime, _>(i)
            .map_err(fail)?
            .to_string(),
        "BLOB" | "TINYBLOB" | "MEDIUMBLOB" | "LONGBLOB" | "BINARY" | "VARBINARY" | "BIT" => {
            let bytes: Vec<u8> = row.try_get_unchecked(i).map_err(fail)?;
            String::from_utf8(bytes).unwrap_or_else(|e| hex_text(e.as_bytes()))
        }
        _ => row.try_get_unchecked::<String, _>(i).map_err(fail)?,
    };
    Ok(Value::String(text))
}
