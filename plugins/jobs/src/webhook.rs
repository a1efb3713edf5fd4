//! Sending one webhook: a JSON POST with a timeout, signed with HMAC-SHA256, classified as
//! delivered, worth retrying, or refused. Shared by every plugin that sends webhooks.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::time::Duration;

/// The timeout of one attempt.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);

/// `sha256=<hex>` of HMAC-SHA256 over `<timestamp>.<body>` (the `X-Plinth-Signature` header).
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// What one attempt gave.
#[derive(Debug, Clone, PartialEq)]
pub enum Attempt {
    /// A 2xx.
    Delivered(u16),
    /// Worth retrying: a timeout, a connection error, 408, 429, 5xx.
    Retry(Option<u16>, String),
    /// Another answer: not retried.
    Failed(u16, String),
}

impl Attempt {
    /// The HTTP status, if the receiver answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Attempt::Delivered(s) | Attempt::Failed(s, _) => Some(*s),
            Attempt::Retry(s, _) => *s,
        }
    }

    /// What went wrong, if anything.
    pub fn error(&self) -> Option<String> {
        match self {
            Attempt::Delivered(_) => None,
            Attempt::Failed(s, text) | Attempt::Retry(Some(s), text) => {
                Some(format!("HTTP {s}: {text}"))
            }
            Attempt::Retry(None, text) => Some(text.clone()),
        }
    }
}

/// The HTTP client of every attempt (one, so its connections are reused).
fn agent() -> &'static ureq::Agent {
    static AGENT: std::sync::OnceLock<ureq::Agent> = std::sync::OnceLock::new();
    AGENT.get_or_init(|| {
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(ATTEMPT_TIMEOUT))
            .user_agent("plinth-webhooks")
            .build()
            .into()
    })
}

/// POSTs `body` to `url` (blocking: call it from `spawn_blocking`), with the headers
/// `X-Plinth-Delivery: <id>`, `X-Plinth-Timestamp: <now_s>` and, given a secret,
/// `X-Plinth-Signature`.
pub fn send(url: &str, id: &str, secret: Option<&str>, body: &str, now_s: i64) -> Attempt {
    let mut request = agent()
        .post(url)
        .header("Content-Type", "application/json")
        .header("X-Plinth-Delivery", id)
        .header("X-Plinth-Timestamp", &now_s.to_string());
    if let Some(secret) = secret {
        request = request.header("X-Plinth-Signature", &signature(secret, now_s, body));
    }
    match request.send(body) {
        Ok(response) => {
            let status = response.status().as_u16();
            let text: String = response
                .into_body()
                .read_to_string()
                .unwrap_or_default()
                .chars()
                .take(200)
                .collect();
            match status {
                200..=299 => Attempt::Delivered(status),
                408 | 429 | 500..=599 => Attempt::Retry(Some(status), text),
                _ => Attempt::Failed(status, text),
            }
        }
        Err(e) => Attempt::Retry(None, e.to_string()),
    }
}

/// The delay before attempt `attempts + 1`: `base` doubled per attempt, at most an hour.
pub fn backoff_ms(base: i64, attempts: i64) -> i64 {
    base.saturating_mul(1_i64 << (attempts - 1).clamp(0, 20))
        .min(3_600_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_hmac_over_timestamp_dot_body() {
        // Python: hmac.new(b"k", b"1700000000.{}", hashlib.sha256).hexdigest()
        assert_eq!(
            signature("k", 1_700_000_000, "{}"),
            "sha256=c6ef4734033cee2367414a0939385eca0397754aa7a59716da7463a9298b5146"
        );
        assert_ne!(
            signature("k", 1_700_000_001, "{}"),
            signature("k", 1_700_000_000, "{}")
        );
    }

    #[test]
    fn backoff_doubles_and_caps() {
        assert_eq!(backoff_ms(1000, 1), 1000);
        assert_eq!(backoff_ms(1000, 3), 4000);
        assert_eq!(backoff_ms(1000, 40), 3_600_000);
    }
}
