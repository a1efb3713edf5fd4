//! `webhook_url`: optional, and when given an absolute `http://` or `https://` URL with a host.

use serde_json::Value;

use crate::error::ApresError;

/// Checks the member; absent or `null` is `None`.
pub(super) fn parse(value: Option<&Value>) -> Result<Option<String>, ApresError> {
    let url = match value {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(url)) => url.trim(),
        Some(other) => {
            return Err(ApresError::unprocessable(format!(
                "webhook_url must be a string, not {other}"
            )));
        }
    };
    match host_of(url) {
        Some(host) if !host.is_empty() => Ok(Some(url.to_owned())),
        _ => Err(ApresError::unprocessable(format!(
            "webhook_url must be an absolute http:// or https:// URL with a host, not \"{url}\""
        ))),
    }
}

/// The host of an http(s) URL (without user info and port), or `None` for another scheme.
fn host_of(url: &str) -> Option<&str> {
    let (scheme, rest) = url.split_once("://")?;
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return None;
    }
    if rest.chars().any(char::is_whitespace) {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if host_port.starts_with('[') {
        // An IPv6 literal: keep the brackets, drop the port.
        host_port
            .split_once(']')
            .map(|(h, _)| &host_port[..=h.len()])?
    } else {
        let (host, port) = host_port.split_once(':').unwrap_or((host_port, ""));
        if !port.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        host
    };
    Some(host)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(url: &str) -> Result<Option<String>, ApresError> {
        parse(Some(&json!(url)))
    }

    #[test]
    fn accepts_absolute_http_urls() {
        for url in [
            "https://notify-me-of-batch-status.com",
            "http://127.0.0.1:8080/hook?x=1",
            "HTTPS://user:pw@example.com/a",
            "http://[::1]:9000/h",
        ] {
            assert_eq!(check(url).unwrap().as_deref(), Some(url), "{url}");
        }
        assert_eq!(parse(None).unwrap(), None);
        assert_eq!(parse(Some(&Value::Null)).unwrap(), None);
    }

    #[test]
    fn refuses_other_urls() {
        for url in [
            "notify.com",
            "ftp://example.com",
            "https://",
            "https:///path",
            "http://a b.com",
            "http://host:port/",
            "/relative",
            "",
        ] {
            let err = check(url).unwrap_err();
            assert_eq!(err.status(), 422, "{url}");
            assert!(err.message().starts_with("webhook_url must be"), "{url}");
        }
        assert_eq!(parse(Some(&json!(5))).unwrap_err().status(), 422);
    }
}
