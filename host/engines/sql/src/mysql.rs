//! Running an endpoint's statements on MySQL or MariaDB. MySQL converts text compared with
//! numbers itself, so values are bound as they come (declared `parameter_types` converted).

use crate::config::SqlSettings;
use crate::errors;
use crate::output::{QueryOutput, float_text, hex_text};
use crate::params::ParamValue;
use crate::runner;
use futures::future::BoxFuture;
use plinth_engine_api::ApiError;
use serde_json::Value;
use sqlx::mysql::{MySqlConnection, MySqlPool, MySqlRow};
use sqlx::types::chrono;
use sqlx::{Column, Executor, Row, Statement, TypeInfo, ValueRef};

/// Runs the endpoint's statements with `params` bound to the target statement.
pub async fn run(
    pool: &MySqlPool,
    settings: &SqlSettings,
    params: Vec<ParamValue>,
) -> Result<QueryOutput, ApiError> {
    runner::run_with_deadline(pool, settings, &MySql, params).await
}

/// The MySQL/MariaDB side of the runner.
struct MySql;

impl runner::Backend<sqlx::MySql> for MySql {
    fn target<'a>(
        &'a self,
        conn: &'a mut MySqlConnection,
        settings: &'a SqlSettings,
        params: Vec<ParamValue>,
    ) -> BoxFuture<'a, Result<QueryOutput, ApiError>> {
        Box::pin(target(conn, settings, params))
    }
}

async fn target(
    conn: &mut MySqlConnection,
    settings: &SqlSettings,
    params: Vec<ParamValue>,
) -> Result<QueryOutput, ApiError> {
    let statement = &settings.statements[settings.target];
    let arguments = runner::bind_plain::<sqlx::MySql>(settings, params)?;
    if !statement.is_query() {
        return runner::update::<sqlx::MySql>(conn, &statement.text, arguments).await;
    }
    let prepared = conn.prepare(&statement.text).await.map_err(errors::map)?;
    let columns: Vec<(String, String)> = prepared
        .columns()
        .iter()
        .map(|c| (c.name().to_owned(), c.type_info().name().to_owned()))
        .collect();
    let sink = runner::rows::<sqlx::MySql, _>(conn, settings, &statement.text, arguments, |row| {
        (0..columns.len())
            .map(|i| decode(row, i, &columns[i].0))
            .collect()
    })
    .await?;
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
