//! `POST /api/v1/task_batches`: the request body, checked and decoded into a [`BatchRequest`].
//!
//! The body is JSON whatever its Content-Type. Exactly one of `files` (inline Base64 files) or
//! `location` (S3 or Azure, which this server cannot reach) must be given; the optional
//! `delivery_timeframe` (1 or 7, default 7), `delivery_units` (`"days"`) and `webhook_url`
//! (absolute http or https) are checked too. Unknown members are ignored.

mod files;
mod location;
mod options;
mod webhook;

use crate::body::json_object;
use crate::error::ApresError;

/// The server's limits on one batch; beyond them the request is a 413.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The most files one batch may carry.
    pub max_files: usize,
    /// The most bytes all of a batch's files may decode to, together.
    pub max_decoded_bytes: usize,
}

/// One input file of a batch, decoded from Base64.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputFile {
    /// The file name the client gave (`files[i].file`).
    pub name: String,
    /// The decoded contents.
    pub bytes: Vec<u8>,
}

/// A checked `POST /task_batches` request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchRequest {
    /// The inline files, in the order sent; never empty.
    pub files: Vec<InputFile>,
    /// 1 or 7.
    pub delivery_timeframe: i64,
    /// Always `"days"`.
    pub delivery_units: String,
    /// Where state changes are POSTed, if the client asked for it.
    pub webhook_url: Option<String>,
}

/// Parses and checks a `POST /task_batches` body (JSON whatever the Content-Type).
///
/// Errors: 400 for invalid JSON (naming the position), 422 for a refused member (naming it),
/// 413 when the files exceed `limits`.
pub fn parse_batch_request(body: &[u8], limits: &Limits) -> Result<BatchRequest, ApresError> {
    let object = json_object(body)?;
    let options = options::parse(&object)?;
    let webhook_url = webhook::parse(object.get("webhook_url"))?;
    let present = |key: &str| object.get(key).filter(|v| !v.is_null());
    let files = match (present("files"), present("location")) {
        (Some(_), Some(_)) => {
            return Err(ApresError::unprocessable(
                "send either \"files\" or \"location\", not both",
            ));
        }
        (None, None) => {
            return Err(ApresError::unprocessable(
                "the batch needs \"files\" (an array of {\"file\", \"data\"}) or a \"location\"",
            ));
        }
        (None, Some(location)) => return Err(location::refuse(location)),
        (Some(files), None) => files::parse(files, limits)?,
    };
    Ok(BatchRequest {
        files,
        delivery_timeframe: options.delivery_timeframe,
        delivery_units: options.delivery_units,
        webhook_url,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits = Limits {
        max_files: 10,
        max_decoded_bytes: 1 << 20,
    };

    fn parse(body: &str) -> Result<BatchRequest, ApresError> {
        parse_batch_request(body.as_bytes(), &LIMITS)
    }

    #[test]
    fn inline_files_with_defaults() {
        let request = parse(r#"{"files":[{"file":"a.csv","data":"eCx5CjEsMgo="}]}"#).unwrap();
        assert_eq!(
            request.files,
            vec![InputFile {
                name: "a.csv".into(),
                bytes: b"x,y\n1,2\n".to_vec()
            }]
        );
        assert_eq!(request.delivery_timeframe, 7);
        assert_eq!(request.delivery_units, "days");
        assert_eq!(request.webhook_url, None);
    }

    #[test]
    fn all_options() {
        let body = r#"{"files":[{"file":"a.csv","data":"eA"}],"delivery_timeframe":1,
            "delivery_units":"days","webhook_url":"https://notify.example.com/hook"}"#;
        let request = parse(body).unwrap();
        assert_eq!(request.delivery_timeframe, 1);
        assert_eq!(
            request.webhook_url.as_deref(),
            Some("https://notify.example.com/hook")
        );
        assert_eq!(request.files[0].bytes, b"x");
    }

    #[test]
    fn invalid_json_is_400() {
        // The seed's own example: no comma after the files array.
        let err = parse("{\"files\": []\n \"delivery_timeframe\": 7}").unwrap_err();
        assert_eq!(err.status(), 400);
        assert!(err.message().contains("line 2"), "{}", err.message());
    }

    #[test]
    fn files_and_location_exclusive() {
        let both = parse(r#"{"files":[],"location":{"type":"s3"}}"#).unwrap_err();
        assert_eq!(both.status(), 422);
        assert!(both.message().contains("not both"));
        let neither = parse(r#"{"delivery_timeframe":7}"#).unwrap_err();
        assert_eq!(neither.status(), 422);
        assert!(neither.message().contains("\"files\""));
    }

    #[test]
    fn location_is_refused() {
        let body = r#"{"location":{"type":"s3","bucket_name":"b","region":"us-west-1"}}"#;
        let err = parse(body).unwrap_err();
        assert_eq!(err.status(), 422);
        assert!(
            err.message()
                .starts_with("location type \"s3\" is not supported")
        );
    }

    #[test]
    fn options_checked_before_files_are_decoded() {
        let err =
            parse(r#"{"files":[{"file":"a","data":"!!"}],"delivery_units":"weeks"}"#).unwrap_err();
        assert_eq!(err.status(), 422);
        assert!(
            err.message().contains("delivery_units"),
            "{}",
            err.message()
        );
    }

    #[test]
    fn bad_webhook_is_422() {
        let err = parse(r#"{"files":[{"file":"a","data":"eA"}],"webhook_url":"notify.com"}"#)
            .unwrap_err();
        assert_eq!(err.status(), 422);
        assert!(err.message().contains("webhook_url"));
    }
}
