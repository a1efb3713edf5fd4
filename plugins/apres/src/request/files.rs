//! The `files` array: `{file, data}` objects, decoded from Base64 within the server's limits.

use serde_json::Value;

use super::{InputFile, Limits};
use crate::body::base64;
use crate::error::ApresError;

/// Checks and decodes every element, in order; the first problem is the answer.
pub(super) fn parse(files: &Value, limits: &Limits) -> Result<Vec<InputFile>, ApresError> {
    let Some(elements) = files.as_array() else {
        return Err(ApresError::unprocessable(
            "files must be an array of {\"file\", \"data\"} objects",
        ));
    };
    if elements.is_empty() {
        return Err(ApresError::unprocessable(
            "files is empty: a batch needs at least one file",
        ));
    }
    if elements.len() > limits.max_files {
        return Err(ApresError::too_large(format!(
            "the batch has {} files; this server accepts at most {}",
            elements.len(),
            limits.max_files
        )));
    }
    let mut decoded_total = 0usize;
    let mut out = Vec::with_capacity(elements.len());
    for (i, element) in elements.iter().enumerate() {
        let file = one(i, element)?;
        decoded_total += file.bytes.len();
        if decoded_total > limits.max_decoded_bytes {
            return Err(ApresError::too_large(format!(
                "the batch's files decode to more than {} bytes, this server's limit",
                limits.max_decoded_bytes
            )));
        }
        out.push(file);
    }
    Ok(out)
}

/// One element: `file` a non-empty string, `data` valid Base64.
fn one(i: usize, element: &Value) -> Result<InputFile, ApresError> {
    let Some(object) = element.as_object() else {
        return Err(ApresError::unprocessable(format!(
            "files[{i}] must be an object with \"file\" and \"data\""
        )));
    };
    let name = match object.get("file") {
        None | Some(Value::Null) => {
            return Err(ApresError::unprocessable(format!(
                "files[{i}].file is required"
            )));
        }
        Some(Value::String(name)) if !name.trim().is_empty() => name.clone(),
        Some(_) => {
            return Err(ApresError::unprocessable(format!(
                "files[{i}].file must be a non-empty string (the file name)"
            )));
        }
    };
    let data = match object.get("data") {
        None | Some(Value::Null) => {
            return Err(ApresError::unprocessable(format!(
                "files[{i}].data is required"
            )));
        }
        Some(Value::String(data)) => data,
        Some(_) => {
            return Err(ApresError::unprocessable(format!(
                "files[{i}].data must be a Base64 string"
            )));
        }
    };
    let bytes = base64(data).map_err(|e| {
        ApresError::unprocessable(format!("files[{i}].data is not valid Base64: {e}"))
    })?;
    Ok(InputFile { name, bytes })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const LIMITS: Limits = Limits {
        max_files: 3,
        max_decoded_bytes: 10,
    };

    fn message(files: Value, limits: &Limits) -> (u16, String) {
        let err = parse(&files, limits).unwrap_err();
        (err.status(), err.message().to_owned())
    }

    #[test]
    fn decodes_in_order() {
        let files = json!([{"file": "a.csv", "data": "YQ=="}, {"file": "b.csv", "data": "Yg\n"}]);
        let out = parse(&files, &LIMITS).unwrap();
        assert_eq!(
            out.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(),
            ["a.csv", "b.csv"]
        );
        assert_eq!(out[1].bytes, b"b");
    }

    #[test]
    fn element_errors_name_the_index() {
        let ok = json!({"file": "a", "data": "YQ"});
        let (status, msg) = message(
            json!([ok, ok, {"file": "c", "data": "not base64!"}]),
            &LIMITS,
        );
        assert_eq!(status, 422);
        assert!(
            msg.starts_with("files[2].data is not valid Base64: "),
            "{msg}"
        );
        assert_eq!(
            message(json!([{"data": "YQ"}]), &LIMITS),
            (422, "files[0].file is required".into())
        );
        assert_eq!(
            message(json!([ok, {"file": "b"}]), &LIMITS),
            (422, "files[1].data is required".into())
        );
        assert_eq!(message(json!([{"file": 3, "data": "YQ"}]), &LIMITS).0, 422);
        assert_eq!(message(json!(["a.csv"]), &LIMITS).0, 422);
    }

    #[test]
    fn empty_or_not_an_array() {
        let (status, msg) = message(json!([]), &LIMITS);
        assert_eq!(status, 422);
        assert!(msg.starts_with("files is empty"));
        assert_eq!(message(json!({"file": "a"}), &LIMITS).0, 422);
    }

    #[test]
    fn limits_are_413() {
        let ok = json!({"file": "a", "data": "YQ"});
        let (status, msg) = message(json!([ok, ok, ok, ok]), &LIMITS);
        assert_eq!(status, 413);
        assert!(
            msg.contains("4 files") && msg.contains("at most 3"),
            "{msg}"
        );
        // 6 + 6 decoded bytes > 10.
        let big = json!({"file": "a", "data": "YWJjZGVm"});
        assert_eq!(message(json!([big, big]), &LIMITS).0, 413);
        assert_eq!(parse(&json!([big]), &LIMITS).unwrap()[0].bytes, b"abcdef");
    }
}
