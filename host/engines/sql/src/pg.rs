//! Running an endpoint's statements on PostgreSQL. `?` placeholders become `$n`; parameter
//! types come from the server (it infers them when the statement is prepared), so a GET value
//! "60" compared with a `float8` column is bound as a float.

use crate::config::SqlSettings;
use crate::errors;
use crate::output::{QueryOutput, float_text, hex_text};
use crate::params::{ParamType, ParamValue};
use crate::runner;
use futures::future::BoxFuture;
use plinth_engine_api::ApiError;
use serde_json::Value;
use sqlx::postgres::{PgArguments, PgConnection, PgPool, PgRow, PgValueFormat};
use sqlx::{Arguments, Column, Either, Executor, Row, Statement, TypeInfo, ValueRef};
use tokio::sync::OnceCell;

/// How one parameter is bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Bind {
    Int2,
    Int4,
    Int8,
    Float4,
    Float8,
    Bool,
    /// Text, for text columns and for types bound through `CAST(CAST($n AS text) AS type)`.
    Text,
}

/// The target statement as PostgreSQL runs it, worked out on first use.
#[derive(Debug)]
pub struct PgTarget {
    sql: String,
    binds: Vec<Bind>,
}

/// Runs the endpoint's statements with `params` bound to the target statement.
pub async fn run(
    pool: &PgPool,
    settings: &SqlSettings,
    plan: &OnceCell<PgTarget>,
    params: Vec<ParamValue>,
) -> Result<QueryOutput, ApiError> {
    runner::run_with_deadline(pool, settings, &Pg(plan), params).await
}

/// The PostgreSQL side of the runner: the target statement's plan is worked out on its first
/// run and kept.
struct Pg<'p>(&'p OnceCell<PgTarget>);

impl runner::Backend<sqlx::Postgres> for Pg<'_> {
    fn target<'a>(
        &'a self,
        conn: &'a mut PgConnection,
        settings: &'a SqlSettings,
        params: Vec<ParamValue>,
    ) -> BoxFuture<'a, Result<QueryOutput, ApiError>> {
        Box::pin(async move {
            let plan = self
                .0
                .get_or_try_init(|| prepare_target(conn, settings))
                .await?;
            target(conn, settings, plan, params).await
        })
    }

    fn transaction_preamble(&self, settings: &SqlSettings) -> Option<String> {
        Some(format!(
            "SET LOCAL statement_timeout = {}",
            settings.timeout.as_millis()
        ))
    }
}

async fn prepare_target(
    conn: &mut PgConnection,
    settings: &SqlSettings,
) -> Result<PgTarget, ApiError> {
    let statement = &settings.statements[settings.target];
    let numbered = statement.with_placeholders(|n| format!("${n}"));
    if statement.placeholders.is_empty() {
        return Ok(PgTarget {
            sql: numbered,
            binds: Vec::new(),
        });
    }
    let prepared = conn.prepare(&numbered).await.map_err(errors::map)?;
    let types: Vec<String> = match prepared.parameters() {
        Some(Either::Left(types)) => types
            .iter()
            .map(|t| t.name().to_ascii_uppercase())
            .collect(),
        _ => vec!["TEXT".into(); statement.placeholders.len()],
    };
    let mut casts: Vec<Option<String>> = Vec::new();
    let binds = types
        .iter()
        .map(|name| {
            let (bind, cast) = match name.as_str() {
                "INT2" => (Bind::Int2, None),
                "INT4" => (Bind::Int4, None),
                "INT8" => (Bind::Int8, None),
                "FLOAT4" => (Bind::Float4, None),
                "FLOAT8" => (Bind::Float8, None),
                "BOOL" => (Bind::Bool, None),
                "TEXT" | "VARCHAR" | "BPCHAR" | "NAME" | "UNKNOWN" | "CHAR" => (Bind::Text, None),
                other => (Bind::Text, Some(other.to_ascii_lowercase())),
            };
            casts.push(cast);
            bind
        })
        .collect();
    let sql = statement.with_placeholders(|n| match &casts[n - 1] {
        // The inner cast makes the server take the parameter as text (what is bound).
        Some(type_name) => format!("CAST(CAST(${n} AS text) AS {type_name})"),
        None => format!("${n}"),
    });
    Ok(PgTarget { sql, binds })
}

fn bind_all(
    settings: &SqlSettings,
    plan: &PgTarget,
    params: Vec<ParamValue>,
) -> Result<PgArguments, ApiError> {
    let mut arguments = PgArguments::default();
    for (i, value) in params.into_iter().enumerate() {
        let name = &settings.parameters[i];
        let bind = plan.binds.get(i).copied().unwrap_or(Bind::Text);
        let wanted = match bind {
            Bind::Int2 | Bind::Int4 | Bind::Int8 => ParamType::Integer,
            Bind::Float4 | Bind::Float8 => ParamType::Float,
            Bind::Bool => ParamType::Boolean,
            Bind::Text => ParamType::Text,
        };
        let converted = value.convert(wanted, name)?;
        let range = |what: &str| ApiError::invalid_input(name, format!("out of range for {what}"));
        let added = match (converted, bind) {
            (ParamValue::Null, Bind::Int2) => arguments.add(Option::<i16>::None),
            (ParamValue::Null, Bind::Int4) => arguments.add(Option::<i32>::None),
            (ParamValue::Null, Bind::Int8) => arguments.add(Option::<i64>::None),
            (ParamValue::Null, Bind::Float4) => arguments.add(Option::<f32>::None),
            (ParamValue::Null, Bind::Float8) => arguments.add(Option::<f64>::None),
            (ParamValue::Null, Bind::Bool) => arguments.add(Option::<bool>::None),
            (ParamValue::Null, Bind::Text) => arguments.add(Option::<String>::None),
            (ParamValue::Integer(v), Bind::Int2) => {
                arguments.add(i16::try_from(v).map_err(|_| range("int2"))?)
            }
            (ParamValue::Integer(v), Bind::Int4) => {
                arguments.add(i32::try_from(v).map_err(|_| range("int4"))?)
            }
            (ParamValue::Integer(v), _) => arguments.add(v),
            (ParamValue::Float(v), Bind::Float4) => arguments.add(v as f32),
            (ParamValue::Float(v), _) => arguments.add(v),
            (ParamValue::Boolean(v), _) => arguments.add(v),
            (ParamValue::Text(v), _) => arguments.add(v),
        };
        added.map_err(|e| runner::bind_error(name, &*e))?;
    }
    Ok(arguments)
}

async fn target(
    conn: &mut PgConnection,
    settings: &SqlSettings,
    plan: &PgTarget,
    params: Vec<ParamValue>,
) -> Result<QueryOutput, ApiError> {
    let arguments = bind_all(settings, plan, params)?;
    if !settings.statements[settings.target].is_query() {
        return runner::update::<sqlx::Postgres>(conn, &plan.sql, arguments).await;
    }
    let prepared = conn.prepare(&plan.sql).await.map_err(errors::map)?;
    let columns: Vec<(String, String)> = prepared
        .columns()
        .iter()
        .map(|c| {
            (
                c.name().to_owned(),
                c.type_info().name().to_ascii_lowercase(),
            )
        })
        .collect();
    let sink = runner::rows::<sqlx::Postgres, _>(conn, settings, &plan.sql, arguments, |row| {
        decode_row(row, &columns)
    })
    .await?;
    Ok(QueryOutput {
        columns,
        rows: sink.rows,
        updated_rows: 0,
        truncated: sink.truncated,
    })
}

fn decode_row(row: &PgRow, columns: &[(String, String)]) -> Result<Vec<Value>, ApiError> {
    columns
        .iter()
        .enumerate()
        .map(|(i, (name, type_name))| decode(row, i, name, type_name))
        .collect()
}

fn decode(row: &PgRow, i: usize, name: &str, type_name: &str) -> Result<Value, ApiError> {
    let raw = row.try_get_raw(i).map_err(errors::map)?;
    if raw.is_null() {
        return Ok(Value::Null);
    }
    let fail = |e: String| {
        ApiError::internal(
            "QueryFailed",
            format!("cannot read column '{name}' ({type_name}): {e}"),
        )
    };
    let get_err = |e: sqlx::Error| fail(e.to_string());
    let text = match type_name {
        "bool" => row.try_get::<bool, _>(i).map_err(get_err)?.to_string(),
        "int2" => row.try_get::<i16, _>(i).map_err(get_err)?.to_string(),
        "int4" => row.try_get::<i32, _>(i).map_err(get_err)?.to_string(),
        "int8" => row.try_get::<i64, _>(i).map_err(get_err)?.to_string(),
        "oid" => row
            .try_get::<sqlx::postgres::types::Oid, _>(i)
            .map_err(get_err)?
            .0
            .to_string(),
        "float4" => float_text(f64::from(row.try_get::<f32, _>(i).map_err(get_err)?)),
        "float8" => float_text(row.try_get::<f64, _>(i).map_err(get_err)?),
        "text" | "varchar" | "bpchar" | "name" | "char" | "citext" | "unknown" => {
            row.try_get_unchecked::<String, _>(i).map_err(get_err)?
        }
        "void" => String::new(),
        "date" => row
            .try_get::<sqlx::types::chrono::NaiveDate, _>(i)
            .map_err(get_err)?
            .to_string(),
        "time" => row
            .try_get::<sqlx::types::chrono::NaiveTime, _>(i)
            .map_err(get_err)?
            .to_string(),
        "timestamp" => row
            .try_get::<sqlx::types::chrono::NaiveDateTime, _>(i)
            .map_err(get_err)?
            .to_string(),
        "timestamptz" => row
            .try_get::<sqlx::types::chrono::DateTime<sqlx::types::chrono::Utc>, _>(i)
            .map_err(get_err)?
            .to_string(),
        _ => {
            let bytes = raw.as_bytes().map_err(|e| fail(e.to_string()))?;
            if raw.format() == PgValueFormat::Text {
                return Ok(Value::String(String::from_utf8_lossy(bytes).into_owned()));
            }
            match type_name {
                "numeric" => numeric_text(bytes).ok_or_else(|| fail("malformed numeric".into()))?,
                "uuid" if bytes.len() == 16 => uuid_text(bytes),
                "json" => String::from_utf8_lossy(bytes).into_owned(),
                "jsonb" => String::from_utf8_lossy(bytes.get(1..).unwrap_or_default()).into_owned(),
                "bytea" => hex_text(bytes),
                other => {
                    return Err(fail(format!(
                        "type {other} is not converted to text by this engine; cast it in the query, e.g. \"{name}\"::text"
                    )));
                }
            }
        }
    };
    Ok(Value::String(text))
}

fn uuid_text(b: &[u8]) -> String {
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// PostgreSQL's binary `numeric`: ndigits, weight, sign, dscale, then base-10000 digits.
fn numeric_text(bytes: &[u8]) -> Option<String> {
    let word = |i: usize| -> Option<u16> {
        Some(u16::from_be_bytes([*bytes.get(i)?, *bytes.get(i + 1)?]))
    };
    let ndigits = word(0)? as usize;
    let weight = word(2)? as i16 as i64;
    let sign = word(4)?;
    let dscale = word(6)? as usize;
    match sign {
        0xC000 => return Some("NaN".into()),
        0xD000 => return Some("Infinity".into()),
        0xF000 => return Some("-Infinity".into()),
        _ => {}
    }
    let digits: Vec<u16> = (0..ndigits)
        .map(|k| word(8 + 2 * k))
        .collect::<Option<_>>()?;
    let digit = |idx: i64| -> u16 {
        if idx >= 0 && (idx as usize) < digits.len() {
            digits[idx as usize]
        } else {
            0
        }
    };
    let mut out = String::new();
    if sign == 0x4000 {
        out.push('-');
    }
    if weight < 0 {
        out.push('0');
    } else {
        out.push_str(&digit(0).to_string());
        for idx in 1..=weight {
            out.push_str(&format!("{:04}", digit(idx)));
        }
    }
    if dscale > 0 {
        let mut fraction = String::new();
        let mut idx = weight + 1;
        while fraction.len() < dscale {
            fraction.push_str(&format!("{:04}", digit(idx)));
            idx += 1;
        }
        fraction.truncate(dscale);
        out.push('.');
        out.push_str(&fraction);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numeric(ndigits: u16, weight: i16, sign: u16, dscale: u16, digits: &[u16]) -> Vec<u8> {
        let mut v = Vec::new();
        for w in [ndigits, weight as u16, sign, dscale].iter().chain(digits) {
            v.extend_from_slice(&w.to_be_bytes());
        }
        v
    }

    #[test]
    fn numerics_print_as_postgres_prints_them() {
        assert_eq!(
            numeric_text(&numeric(2, 0, 0, 2, &[12, 3400])).unwrap(),
            "12.34"
        );
        assert_eq!(
            numeric_text(&numeric(2, 1, 0x4000, 0, &[1, 5])).unwrap(),
            "-10005"
        );
        assert_eq!(
            numeric_text(&numeric(1, -1, 0, 4, &[500])).unwrap(),
            "0.0500"
        );
        assert_eq!(numeric_text(&numeric(0, 0, 0, 1, &[])).unwrap(), "0.0");
        assert_eq!(
            numeric_text(&numeric(1, -2, 0, 8, &[12])).unwrap(),
            "0.00000012"
        );
    }
}
