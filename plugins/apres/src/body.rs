//! Reading request bodies: JSON whatever the Content-Type (curl `-d` sends form encoding), and
//! the lenient Base64 that clients paste into it (line breaks, missing padding).

use base64::Engine as _;
use base64::alphabet::STANDARD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde_json::{Map, Value};

use crate::error::ApresError;

/// Standard alphabet; padding may be present or absent.
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Parses `body` as a JSON object: invalid JSON is a 400 naming the parse error (with its line
/// and column); valid JSON that is not an object is a 422.
pub(crate) fn json_object(body: &[u8]) -> Result<Map<String, Value>, ApresError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| ApresError::bad_request(format!("the body is not valid JSON: {e}")))?;
    match value {
        Value::Object(map) => Ok(map),
        _ => Err(ApresError::unprocessable("the body must be a JSON object")),
    }
}

/// Decodes standard Base64, ignoring ASCII whitespace anywhere and accepting missing padding.
/// The error text says what is wrong (an invalid byte and its offset, or a bad length).
pub(crate) fn base64(text: &str) -> Result<Vec<u8>, String> {
    let compact: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    LENIENT.decode(&compact).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_json_is_400_with_position() {
        let err = json_object(b"{\"files\": [] \"x\": 1}").unwrap_err();
        assert_eq!(err.status(), 400);
        assert!(err.message().contains("line 1 column"), "{}", err.message());
    }

    #[test]
    fn non_object_is_422() {
        assert_eq!(json_object(b"[1]").unwrap_err().status(), 422);
        assert_eq!(json_object(b"{\"a\":1}").unwrap()["a"], 1);
    }

    #[test]
    fn base64_tolerates_whitespace_and_missing_padding() {
        assert_eq!(base64("aGVs\nbG8=").unwrap(), b"hello");
        assert_eq!(base64("aGVsbG8").unwrap(), b"hello");
        assert_eq!(base64(" aGVsbG8h \r\n").unwrap(), b"hello!");
        assert_eq!(base64("").unwrap(), b"");
    }

    #[test]
    fn base64_rejects_other_alphabets_and_junk() {
        assert!(base64("aGVs*G8=").is_err());
        assert!(base64("_-__").is_err());
        assert!(base64("a").is_err());
    }
}
