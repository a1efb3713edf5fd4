//! The `plinth_session` cookie: reading it from a request, setting and deleting it.

use axum::http::{HeaderMap, HeaderValue, header};

/// The session cookie's name.
pub const NAME: &str = "plinth_session";

/// The session id the request presents, if it looks like one (64 hex characters).
pub fn session_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == NAME)
        .map(|(_, value)| value.trim().to_owned())
        .filter(|v| v.len() == 64 && v.bytes().all(|c| c.is_ascii_hexdigit()))
}

/// `Set-Cookie` for a new session: not readable by scripts, never sent cross-site.
pub fn set(id: &str, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{NAME}={id}; HttpOnly; SameSite=Strict; Path=/{secure}"
    ))
    .unwrap_or_else(|_| clear(false))
}

/// `Set-Cookie` that deletes the session cookie.
pub fn clear(secure: bool) -> HeaderValue {
    HeaderValue::from_static(if secure {
        "plinth_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0; Secure"
    } else {
        "plinth_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_session_among_other_cookies() {
        let id = "ab".repeat(32);
        let mut headers = HeaderMap::new();
        headers.append(header::COOKIE, HeaderValue::from_static("theme=dark"));
        headers.append(
            header::COOKIE,
            HeaderValue::from_str(&format!("x=1; {NAME}={id}")).unwrap(),
        );
        assert_eq!(session_id(&headers), Some(id));
    }

    #[test]
    fn ignores_malformed_ids() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("plinth_session=../../etc"),
        );
        assert_eq!(session_id(&headers), None);
    }

    #[test]
    fn attributes_are_strict() {
        let v = set(&"0".repeat(64), false);
        let v = v.to_str().unwrap();
        assert!(v.contains("HttpOnly") && v.contains("SameSite=Strict") && v.contains("Path=/"));
        assert!(set("x", true).to_str().unwrap().ends_with("; Secure"));
    }
}
