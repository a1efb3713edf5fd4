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

/// Refuses a request whose `Origin` is present and is not `scheme://<Host>`, and one whose
/// `Sec-Fetch-Site` is present and is not `same-origin`.
///
/// `Origin: null` is what browsers send on a same-origin form POST from a page with
/// `Referrer-Policy: no-referrer` (the Fetch standard serialises the origin as `null` under
/// that policy; Chromium does), which every dashboard page has. So `null` passes only when the
/// browser also says `Sec-Fetch-Site: same-origin`; a sandboxed frame or a cross-site page
/// sends `null` with `cross-site` (or, in a browser too old for `Sec-Fetch-Site`, is refused).
pub fn check_origin(headers: &HeaderMap) -> Result<(), CsrfFailure> {
    let fetch_site = headers
        .get("sec-fetch-site")
        .map(|v| v.to_str().unwrap_or_default());
    if fetch_site.is_some_and(|site| site != "same-origin") {
        return Err(CsrfFailure::ForeignOrigin);
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return Ok(());
    };
    let origin = origin.to_str().unwrap_or_default();
    if origin == "null" && fetch_site == Some("same-origin") {
        return Ok(());
    }
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    if host.is_some_and(|host| same_authority(origin, host)) {
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
    fn a_null_origin_passes_only_when_the_browser_says_same_origin() {
        let mut h = headers(Some("null"), "plinth:8080");
        h.insert("sec-fetch-site", HeaderValue::from_static("same-origin"));
        assert_eq!(check("t0k", Some("t0k"), &h), Ok(()));
        for site in ["cross-site", "same-site", "none"] {
            h.insert("sec-fetch-site", HeaderValue::from_static(site));
            assert_eq!(
                check("t0k", Some("t0k"), &h),
                Err(CsrfFailure::ForeignOrigin),
                "{site}"
            );
        }
        let mut h = headers(None, "plinth:8080");
        h.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
        assert_eq!(
            check("t0k", Some("t0k"), &h),
            Err(CsrfFailure::ForeignOrigin)
        );
        let mut h = headers(Some("https://evil.example"), "plinth:8080");
        h.insert("sec-fetch-site", HeaderValue::from_static("same-origin"));
        assert_eq!(
            check("t0k", Some("t0k"), &h),
            Err(CsrfFailure::ForeignOrigin),
            "a lying header does not override Origin"
        );
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
