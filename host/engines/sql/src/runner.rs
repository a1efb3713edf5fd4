//! The statement runner every backend shares: the deadline, the transaction around an
//! endpoint's statements (the target statement with the caller's parameters, the others as
//! written), and binding plain parameter values. A backend says only how it runs the target
//! statement (`Backend`): its placeholders, bind types and row decoding differ.

use crate::config::SqlSettings;
use crate::errors;
use crate::output::QueryOutput;
use crate::params::ParamValue;
use crate::rows::RowSink;
use futures::TryStreamExt;
use futures::future::BoxFuture;
use plinth_engine_api::ApiError;
use sqlx::any::AnyQueryResult;
use sqlx::{Connection, Database, Encode, Executor, IntoArguments, Type};

/// What differs between PostgreSQL, MySQL/MariaDB and SQLite.
pub trait Backend<DB: Database>: Sync {
    /// Runs the target statement with the caller's parameters (declared types converted).
    fn target<'a>(
        &'a self,
        conn: &'a mut DB::Connection,
        settings: &'a SqlSettings,
        params: Vec<ParamValue>,
    ) -> BoxFuture<'a, Result<QueryOutput, ApiError>>;

    /// What a transaction runs first (PostgreSQL bounds its statements' time).
    fn transaction_preamble(&self, _settings: &SqlSettings) -> Option<String> {
        None
    }
}

/// Runs the endpoint's statements on a connection of `pool` within the endpoint's timeout. A
/// connection whose statement ran out of time is closed, not returned to the pool, because
/// the statement may still hold it.
pub async fn run_with_deadline<DB, B>(
    pool: &sqlx::Pool<DB>,
    settings: &SqlSettings,
    backend: &B,
    params: Vec<ParamValue>,
) -> Result<QueryOutput, ApiError>
where
    DB: Database,
    B: Backend<DB>,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::QueryResult: Into<AnyQueryResult>,
{
    let mut conn = pool.acquire().await.map_err(errors::map)?;
    match tokio::time::timeout(settings.timeout, run(&mut *conn, settings, backend, params)).await {
        Ok(result) => result,
        Err(_) => {
            conn.close_on_drop();
            Err(errors::timeout(settings.timeout))
        }
    }
}

/// Runs the endpoint's statements: the target alone, or every statement in one transaction
/// that commits when the endpoint allows writes and rolls back otherwise. `updatedRows` counts
/// the rows every statement changed.
pub async fn run<DB, B>(
    conn: &mut DB::Connection,
    settings: &SqlSettings,
    backend: &B,
    params: Vec<ParamValue>,
) -> Result<QueryOutput, ApiError>
where
    DB: Database,
    B: Backend<DB>,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::QueryResult: Into<AnyQueryResult>,
{
    if settings.statements.len() == 1 {
        return backend.target(conn, settings, params).await;
    }
    let mut tx = conn.begin().await.map_err(errors::map)?;
    if let Some(preamble) = backend.transaction_preamble(settings) {
        execute::<DB>(&mut tx, &preamble).await?;
    }
    let mut output = QueryOutput::default();
    let mut updated = 0;
    let mut params = Some(params);
    for (i, statement) in settings.statements.iter().enumerate() {
        if i == settings.target {
            output = backend
                .target(&mut tx, settings, params.take().unwrap_or_default())
                .await?;
            updated += output.updated_rows;
        } else {
            updated += execute::<DB>(&mut tx, &statement.text).await?;
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

/// Converts each value to its declared `parameter_types` entry, if any (a 400 naming the
/// parameter when it cannot be).
pub fn declared(
    settings: &SqlSettings,
    params: Vec<ParamValue>,
) -> Result<Vec<ParamValue>, ApiError> {
    params
        .into_iter()
        .zip(&settings.parameter_types)
        .zip(&settings.parameters)
        .map(|((value, declared), name)| match declared {
            Some(t) => value.convert(*t, name),
            None => Ok(value),
        })
        .collect()
}

/// Binds the values as they are (integer, float, boolean, text, null as a null text), for the
/// backends that convert compared values themselves (SQLite, MySQL/MariaDB).
pub fn bind_plain<'q, DB>(
    settings: &SqlSettings,
    params: Vec<ParamValue>,
) -> Result<<DB as Database>::Arguments<'q>, ApiError>
where
    DB: Database,
    i64: Encode<'q, DB> + Type<DB>,
    f64: Encode<'q, DB> + Type<DB>,
    bool: Encode<'q, DB> + Type<DB>,
    String: Encode<'q, DB> + Type<DB>,
    Option<String>: Encode<'q, DB> + Type<DB>,
{
    use sqlx::Arguments as _;
    let mut arguments = <DB as Database>::Arguments::<'q>::default();
    for (value, name) in params.into_iter().zip(&settings.parameters) {
        let added = match value {
            ParamValue::Null => arguments.add(Option::<String>::None),
            ParamValue::Integer(v) => arguments.add(v),
            ParamValue::Float(v) => arguments.add(v),
            ParamValue::Boolean(v) => arguments.add(v),
            ParamValue::Text(v) => arguments.add(v),
        };
        added.map_err(|e| bind_error(name, &*e))?;
    }
    Ok(arguments)
}

/// The error of a value the driver could not bind, naming the parameter.
pub fn bind_error(name: &str, error: &dyn std::fmt::Display) -> ApiError {
    ApiError::internal("QueryFailed", format!("cannot bind '{name}': {error}"))
}

/// Runs the target statement when it is not a query: the rows it changed, as an answer.
pub fn update<'a, DB>(
    conn: &'a mut DB::Connection,
    sql: &'a str,
    arguments: <DB as Database>::Arguments<'a>,
) -> BoxFuture<'a, Result<QueryOutput, ApiError>>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    <DB as Database>::Arguments<'a>: IntoArguments<'a, DB>,
    DB::QueryResult: Into<AnyQueryResult>,
{
    Box::pin(async move {
        let done = sqlx::query_with(sql, arguments)
            .execute(conn)
            .await
            .map_err(errors::map)?;
        Ok(QueryOutput {
            updated_rows: rows_affected::<DB>(done),
            ..QueryOutput::default()
        })
    })
}

/// Runs a statement without parameters; answers the rows it changed.
fn execute<'a, DB>(
    conn: &'a mut DB::Connection,
    sql: &'a str,
) -> BoxFuture<'a, Result<u64, ApiError>>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::QueryResult: Into<AnyQueryResult>,
{
    Box::pin(async move {
        let done = conn
            .execute(sqlx::raw_sql(sql))
            .await
            .map_err(errors::map)?;
        Ok(rows_affected::<DB>(done))
    })
}

fn rows_affected<DB>(done: DB::QueryResult) -> u64
where
    DB: Database,
    DB::QueryResult: Into<AnyQueryResult>,
{
    done.into().rows_affected()
}

/// Runs the target query and gathers its rows under the endpoint's `max_rows` (past it, the
/// rest is left out or the call fails, as the endpoint says), each decoded by `decode`.
pub fn rows<'a, DB, D>(
    conn: &'a mut DB::Connection,
    settings: &'a SqlSettings,
    sql: &'a str,
    arguments: <DB as Database>::Arguments<'a>,
    mut decode: D,
) -> BoxFuture<'a, Result<RowSink, ApiError>>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    <DB as Database>::Arguments<'a>: IntoArguments<'a, DB>,
    D: FnMut(&DB::Row) -> Result<Vec<serde_json::Value>, ApiError> + Send + 'a,
{
    Box::pin(async move {
        let mut sink = RowSink::new(settings);
        let mut stream = sqlx::query_with(sql, arguments).fetch(conn);
        while let Some(row) = stream.try_next().await.map_err(errors::map)? {
            if !sink.has_room()? {
                break;
            }
            sink.rows.push(decode(&row)?);
        }
        Ok(sink)
    })
}
