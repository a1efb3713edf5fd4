//! Cross-site request forgery checks of every state-changing POST: the session's token in a
//! hidden form field, compared in constant time, and an `Origin` header, when present, that
//! names this very host.

use axum::http::{HeaderMap, header};
use subtle::ConstantTimeEq as _;

/// Why a POST was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CsrfFailure {
    /// The form carried no token.
    MissingToken,
    /// The form's token is not the session's.
    WrongToken,
    /// The browser says the form came from another site.
    ForeignOrigin,
}

/// Checks a POST: its `Origin` and then its token against the session's `expected` one.
pub fn check(
    expected: &str,
    presented: Option<&str>,
    headers: &HeaderMap,
) -> Result<(), CsrfFailure> {
    check_origin(headers)?;
    let presented = presented
        .filter(|t| !t.is_empty())
        .ok_or(CsrfFailure::MissingToken)?;
    if bool::from(presented.as_bytes().ct_eq(expected.as_bytes())) {
        Ok(())
    } else {
        Err(CsrfFailure::WrongToken)
    }
}

/// Refuses a request whose `Origin` is present and is not `scheme://<Host>`; `Origin: null`
/// (sandboxed frames, some redirects) is refused too.
pub fn check_origin(headers: &HeaderMap) -> Result<(), CsrfFailure> {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return Ok(());
    };
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let same = origin
        .to_str()
        .ok()
        .zip(host)
        .is_some_and(|(origin, host)| same_authority(origin, host));
    if same {
        Ok(())
    } else {
        Err(CsrfFailure::ForeignOrigin)
    }
}

fn same_authority(origin: &str, host: &str) -> bool {
    let (authority, default_port) = if let Some(rest) = origin.strip_prefix("http://") {
        (rest, ":80")
    } else if let Some(rest) = origin.strip_prefix("https://") {
        (rest, ":443")
    } else {
        return false;
    };
    let strip = |a: &str| {
        a.strip_suffix(default_port)
            .unwrap_or(a)
            .to_ascii_lowercase()
    };
    !authority.is_empty() && !authority.contains('/') && strip(authority) == strip(host.trim())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(origin: Option<&'static str>, host: &'static str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static(host));
        if let Some(o) = origin {
            h.insert(header::ORIGIN, HeaderValue::from_static(o));
        }
        h
    }

    #[test]
    fn the_right_token_passes_with_or_without_a_same_origin() {
        assert_eq!(
            check("t0k", Some("t0k"), &headers(None, "plinth:8080")),
            Ok(())
        );
        let same = headers(Some("http://plinth:8080"), "plinth:8080");
        assert_eq!(check("t0k", Some("t0k"), &same), Ok(()));
        let default_port = headers(Some("https://Plinth.example"), "plinth.example:443");
        assert_eq!(check("t0k", Some("t0k"), &default_port), Ok(()));
    }

    #[test]
    fn missing_and_wrong_tokens_fail() {
        let h = headers(None, "plinth");
        assert_eq!(check("t0k", None, &h), Err(CsrfFailure::MissingToken));
        assert_eq!(check("t0k", Some(""), &h), Err(CsrfFailure::MissingToken));
        assert_eq!(check("t0k", Some("t0j"), &h), Err(CsrfFailure::WrongToken));
        assert_eq!(check("t0k", Some("t0kk"), &h), Err(CsrfFailure::WrongToken));
    }

    #[test]
    fn foreign_or_null_origins_fail_even_with_the_right_token() {
        for origin in [
            "https://evil.example",
            "http://plinth:8081",
            "null",
            "http://plinth:8080.evil.example",
            "ftp://plinth:8080",
        ] {
            let h = headers(Some(origin), "plinth:8080");
            assert_eq!(
                check("t0k", Some("t0k"), &h),
                Err(CsrfFailure::ForeignOrigin),
                "{origin}"
            );
        }
    }
}
