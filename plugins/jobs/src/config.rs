//! `[plugins.jobs]`: the worker pool, chunks, leases, webhook retries and download links.

use plinth_plugin_api::PluginError;
use serde_json::Value;

/// The engine's settings.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// Jobs run at once in this process (`workers`, 2).
    pub workers: usize,
    /// Items per committed chunk (`chunk_items`, 500).
    pub chunk_items: usize,
    /// How long a claim holds a job without renewal (`lease_ms`, 30 s); a job whose process
    /// died is taken over after it (at once on SQLite, which has one process).
    pub lease_ms: i64,
    /// The first retry delay of a transient failure or a webhook (`retry_backoff_ms`, 1 s),
    /// doubled each attempt.
    pub retry_backoff_ms: i64,
    /// Webhook attempts before a delivery is marked failed (`webhook_max_attempts`, 8).
    pub webhook_max_attempts: i64,
    /// Claims of one job before it is failed as crashing its workers (`max_attempts`, 20).
    pub max_attempts: i64,
    /// How long a pre-signed download URL stays valid (`download_ttl_s`, 24 h).
    pub download_ttl_s: i64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            workers: 2,
            chunk_items: 500,
            lease_ms: 30_000,
            retry_backoff_ms: 1_000,
            webhook_max_attempts: 8,
            max_attempts: 20,
            download_ttl_s: 86_400,
        }
    }
}

impl Config {
    /// Reads `[plugins.jobs]` (missing members keep their defaults).
    pub fn from_json(v: &Value) -> Result<Config, PluginError> {
        let d = Config::default();
        let number = |key: &str, default: i64| -> Result<i64, PluginError> {
            match v.get(key) {
                None => Ok(default),
                Some(x) => x.as_i64().filter(|n| *n > 0).ok_or_else(|| {
                    PluginError::new(format!(
                        "[plugins.jobs] {key} must be a positive whole number"
                    ))
                }),
            }
        };
        Ok(Config {
            workers: number("workers", d.workers as i64)? as usize,
            chunk_items: number("chunk_items", d.chunk_items as i64)? as usize,
            lease_ms: number("lease_ms", d.lease_ms)?,
            retry_backoff_ms: number("retry_backoff_ms", d.retry_backoff_ms)?,
            webhook_max_attempts: number("webhook_max_attempts", d.webhook_max_attempts)?,
            max_attempts: number("max_attempts", d.max_attempts)?,
            download_ttl_s: number("download_ttl_s", d.download_ttl_s)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn defaults_and_overrides() {
        assert_eq!(Config::from_json(&json!({})).unwrap(), Config::default());
        let c = Config::from_json(&json!({"workers": 4, "lease_ms": 2000})).unwrap();
        assert_eq!((c.workers, c.lease_ms, c.chunk_items), (4, 2000, 500));
        assert!(Config::from_json(&json!({"workers": 0})).is_err());
        assert!(Config::from_json(&json!({"chunk_items": "many"})).is_err());
    }
}
