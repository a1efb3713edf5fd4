//! Database errors as honest API errors: unavailable → 503, timeout → 504, bad parameter
//! value → 400, anything else → 500 with the database's message.

use plinth_engine_api::ApiError;
use std::time::Duration;

/// Maps a sqlx error.
pub fn map(error: sqlx::Error) -> ApiError {
    match &error {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => unavailable(&error),
        sqlx::Error::Protocol(_) => unavailable(&error),
        sqlx::Error::Database(db) => {
            let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
            let message = db.message().to_owned();
            match classify(&code, &message) {
                Class::Unavailable => unavailable(&error),
                Class::Timeout => ApiError::deadline(format!(
                    "the query was cancelled by the database: {message}"
                )),
                Class::BadValue => ApiError::new(
                    400,
                    "InvalidParameterValue",
                    format!("the database rejected a parameter value: {message}"),
                ),
                Class::ReadOnly => ApiError::new(
                    403,
                    "ReadOnlyDatabase",
                    format!(
                        "this endpoint's database is read-only ({message}); set allow_writes = true in its manifest to allow writes"
                    ),
                ),
                Class::Other => {
                    ApiError::internal("QueryFailed", format!("the query failed: {message}"))
                }
            }
        }
        _ => ApiError::internal("QueryFailed", format!("the query failed: {error}")),
    }
}

enum Class {
    Unavailable,
    Timeout,
    BadValue,
    ReadOnly,
    Other,
}

fn classify(code: &str, message: &str) -> Class {
    // SQLite reports its (extended) result code as a number.
    if let Ok(n) = code.parse::<i32>() {
        return match n & 0xff {
            9 => Class::Timeout, // SQLITE_INTERRUPT (our deadline's progress handler)
            5 | 6 | 14 | 10 => Class::Unavailable, // BUSY, LOCKED, CANTOPEN, IOERR
            8 => Class::ReadOnly, // SQLITE_READONLY
            20 | 25 => Class::BadValue, // MISMATCH, RANGE
            _ if message.contains("interrupted") => Class::Timeout,
            _ => Class::Other,
        };
    }
    match code {
        "57014" | "HY008" | "70100" => Class::Timeout,
        "08P01" => Class::Other, // protocol violation: a bug, not an outage
        c if c.starts_with("08") || c.starts_with("57P") || c == "53300" || c == "HYT00" => {
            Class::Unavailable
        }
        c if c.starts_with("22") => Class::BadValue,
        "25006" => Class::ReadOnly,
        _ => Class::Other,
    }
}

fn unavailable(error: &sqlx::Error) -> ApiError {
    ApiError::unavailable(format!("the database is unavailable right now: {error}")).with_detail(
        "the call can be retried; the connection pool reconnects when the database is back",
    )
}

/// The error of a call that ran past its time limit.
pub fn timeout(limit: Duration) -> ApiError {
    ApiError::deadline(format!(
        "the query ran past this endpoint's time limit of {} ms",
        limit.as_millis()
    ))
}
