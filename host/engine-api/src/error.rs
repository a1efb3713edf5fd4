use std::borrow::Cow;
use std::fmt;

/// An error answered to a user-API or admin-API caller.
///
/// It becomes the JSON body `{"errorType", "message", "detailedMessage"}` with [`ApiError::status`]
/// as the HTTP status. `errorType` is a stable, machine-readable name; `message` is one human
/// sentence; `detailedMessage` adds what helps to fix the call (defaults to `message`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status code.
    pub status: u16,
    /// Stable machine-readable name, e.g. `"UnknownService"`.
    pub error_type: Cow<'static, str>,
    /// One human sentence.
    pub message: String,
    /// More detail for the caller; `None` repeats `message`.
    pub detailed_message: Option<String>,
    /// Seconds after which a retry may succeed (sent as `Retry-After` on 429/503).
    pub retry_after: Option<u64>,
}

impl ApiError {
    /// An error with an explicit status and type.
    pub fn new(
        status: u16,
        error_type: impl Into<Cow<'static, str>>,
        message: impl Into<String>,
    ) -> Self {
        ApiError {
            status,
            error_type: error_type.into(),
            message: message.into(),
            detailed_message: None,
            retry_after: None,
        }
    }

    /// Adds a detailed message.
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detailed_message = Some(detail.into());
        self
    }

    /// Adds a `Retry-After` hint in seconds.
    pub fn with_retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    /// 400: the request is malformed or its values are wrong.
    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError::new(400, "BadRequest", message)
    }

    /// 400 for a parameter, feature or key that is missing or has the wrong type: the message
    /// names it and says what was expected.
    pub fn invalid_input(name: &str, problem: impl fmt::Display) -> Self {
        ApiError::new(400, "InvalidInput", format!("'{name}': {problem}"))
    }

    /// 404: something named in the path does not exist.
    pub fn not_found(error_type: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        ApiError::new(404, error_type, message)
    }

    /// 409: the request conflicts with the current state.
    pub fn conflict(message: impl Into<String>) -> Self {
        ApiError::new(409, "Conflict", message)
    }

    /// 500: the engine failed on a valid request (a guest trap, a database error...).
    pub fn internal(error_type: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        ApiError::new(500, error_type, message)
    }

    /// 503: a dependency (database, pool) is unavailable right now; retry later.
    pub fn unavailable(message: impl Into<String>) -> Self {
        ApiError::new(503, "ServiceUnavailable", message).with_retry_after(1)
    }

    /// 504: the request ran past its deadline.
    pub fn deadline(message: impl Into<String>) -> Self {
        ApiError::new(504, "DeadlineExceeded", message)
    }

    /// The detailed message, or the message when there is none.
    pub fn detail_or_message(&self) -> &str {
        self.detailed_message.as_deref().unwrap_or(&self.message)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.status, self.error_type, self.message)
    }
}

impl std::error::Error for ApiError {}

/// A failure to load an endpoint at deploy time.
///
/// `field` is the manifest field at fault relative to the endpoint (e.g. `"dataset"`,
/// `"keys[1]"`), or `None` when the problem is not tied to one field. The host prefixes the
/// manifest file and the endpoint's position, so a user reads e.g.
/// `plinth.toml: endpoint[0] "passenger_info": dataset: column "Age" not found in data/titanic.csv`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", field.as_ref().map(|f| format!("{f}: ")).unwrap_or_default())]
pub struct LoadError {
    /// The manifest field at fault, relative to the endpoint's table.
    pub field: Option<String>,
    /// What is wrong and what was expected.
    pub message: String,
}

impl LoadError {
    /// A load error tied to a manifest field.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        LoadError {
            field: Some(field.into()),
            message: message.into(),
        }
    }

    /// A load error not tied to one field.
    pub fn general(message: impl Into<String>) -> Self {
        LoadError {
            field: None,
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn load_error_names_its_field() {
        assert_eq!(
            LoadError::field("keys[1]", "column \"x\" not found").to_string(),
            "keys[1]: column \"x\" not found"
        );
        assert_eq!(LoadError::general("broken").to_string(), "broken");
    }

    #[test]
    fn detail_defaults_to_message() {
        let e = ApiError::bad_request("no");
        assert_eq!(e.detail_or_message(), "no");
        assert_eq!(e.with_detail("because").detail_or_message(), "because");
    }
}
