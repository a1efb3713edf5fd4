//! `POST /api/v1/recipe/load_batch`: a processed batch (labelled examples, optionally the
//! recipe's Golden Set) as a Base64 CSV with the columns `Input`, `Type` and `Output`.

mod golden_csv;

use serde_json::Value;

use crate::body::{base64, json_object};
use crate::error::ApresError;

/// One labelled example of a processed batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoldenRow {
    /// The `Input` cell (a URL or a feature record as sent); never empty.
    pub input: String,
    /// The `Type` cell (a media type such as `image/jpeg`); may be empty.
    pub input_type: String,
    /// The `Output` cell, the expected label; never empty.
    pub output: String,
}

/// A checked `load_batch` request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadBatch {
    /// The file name the client gave.
    pub file: String,
    /// Whether this batch is the recipe's Golden Set (default false).
    pub golden_set: bool,
    /// The rows, in file order; never empty.
    pub rows: Vec<GoldenRow>,
}

/// Parses and checks a `load_batch` body (JSON whatever the Content-Type): `file` and `data`
/// required, `golden_set` a boolean (or the strings `"true"`/`"false"`). When `choices` is not
/// empty every `Output` must be one of them. Errors: 400 for invalid JSON, else 422.
pub fn parse_load_batch(body: &[u8], choices: &[String]) -> Result<LoadBatch, ApresError> {
    let object = json_object(body)?;
    let file = match object.get("file") {
        Some(Value::String(name)) if !name.trim().is_empty() => name.clone(),
        None | Some(Value::Null) => return Err(ApresError::unprocessable("file is required")),
        Some(_) => {
            return Err(ApresError::unprocessable(
                "file must be a non-empty string (the file name)",
            ));
        }
    };
    let data = match object.get("data") {
        Some(Value::String(data)) => data,
        None | Some(Value::Null) => return Err(ApresError::unprocessable("data is required")),
        Some(_) => return Err(ApresError::unprocessable("data must be a Base64 string")),
    };
    let golden_set = golden_set(object.get("golden_set"))?;
    let bytes = base64(data)
        .map_err(|e| ApresError::unprocessable(format!("data is not valid Base64: {e}")))?;
    let rows = golden_csv::rows(&format!("data ({file:?})"), &bytes, choices)?;
    Ok(LoadBatch {
        file,
        golden_set,
        rows,
    })
}

/// `golden_set`: absent or `null` is false; a boolean; or `"true"`/`"false"` in any case.
fn golden_set(value: Option<&Value>) -> Result<bool, ApresError> {
    match value {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(flag)) => Ok(*flag),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Ok(true),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Ok(false),
        Some(other) => Err(ApresError::unprocessable(format!(
            "golden_set must be true or false, not {other}"
        ))),
    }
}

#[cfg(test)]
mod tests;
