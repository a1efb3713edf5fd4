//! `[plugins.apres]`: request and batch limits, the consensus threshold of the statistics,
//! the price per task, and page sizes.

use crate::request::Limits;
use plinth_plugin_api::PluginError;
use serde_json::Value;

/// The plugin's settings.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// The largest request body (`max_body_bytes`, 96 MiB: Base64 of `max_decoded_bytes`
    /// and some); 413 beyond.
    pub max_body_bytes: usize,
    /// The most files in one batch (`max_files`, 100) and the most bytes they may decode to
    /// together (`max_decoded_bytes`, 64 MiB); 413 beyond.
    pub limits: Limits,
    /// A successful task "has expert consensus" when the probability of its label is at
    /// least this (`consensus_threshold`, 0.8).
    pub consensus_threshold: f64,
    /// The batch `price` per task (`price_per_task`, 0).
    pub price_per_task: f64,
    /// Tasks per page of `/output` and `/tasks` when the client gives no `per_page`
    /// (`default_per_page`, 10,000); a client may ask for up to `max_per_page` (100,000).
    pub default_per_page: usize,
    /// The largest `per_page`.
    pub max_per_page: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_body_bytes: 96 << 20,
            limits: Limits {
                max_files: 100,
                max_decoded_bytes: 64 << 20,
            },
            consensus_threshold: 0.8,
            price_per_task: 0.0,
            default_per_page: 10_000,
            max_per_page: 100_000,
        }
    }
}

impl Config {
    /// Reads `[plugins.apres]` (missing members keep their defaults).
    pub fn from_json(v: &Value) -> Result<Config, PluginError> {
        let d = Config::default();
        let count = |key: &str, default: usize| -> Result<usize, PluginError> {
            match v.get(key) {
                None => Ok(default),
                Some(x) => x
                    .as_u64()
                    .filter(|n| *n > 0)
                    .map(|n| n as usize)
                    .ok_or_else(|| {
                        PluginError::new(format!(
                            "[plugins.apres] {key} must be a positive whole number"
                        ))
                    }),
            }
        };
        let fraction = |key: &str, default: f64, max: f64| -> Result<f64, PluginError> {
            match v.get(key) {
                None => Ok(default),
                Some(x) => x
                    .as_f64()
                    .filter(|n| (0.0..=max).contains(n))
                    .ok_or_else(|| {
                        PluginError::new(format!(
                            "[plugins.apres] {key} must be a number from 0 to {max}"
                        ))
                    }),
            }
        };
        let config = Config {
            max_body_bytes: count("max_body_bytes", d.max_body_bytes)?,
            limits: Limits {
                max_files: count("max_files", d.limits.max_files)?,
                max_decoded_bytes: count("max_decoded_bytes", d.limits.max_decoded_bytes)?,
            },
            consensus_threshold: fraction("consensus_threshold", d.consensus_threshold, 1.0)?,
            price_per_task: fraction("price_per_task", d.price_per_task, f64::MAX)?,
            default_per_page: count("default_per_page", d.default_per_page)?,
            max_per_page: count("max_per_page", d.max_per_page)?,
        };
        if config.default_per_page > config.max_per_page {
            return Err(PluginError::new(
                "[plugins.apres] default_per_page must not exceed max_per_page",
            ));
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn defaults_and_overrides() {
        assert_eq!(Config::from_json(&json!({})).unwrap(), Config::default());
        let c = Config::from_json(&json!({"max_files": 3, "consensus_threshold": 0.5})).unwrap();
        assert_eq!((c.limits.max_files, c.consensus_threshold), (3, 0.5));
        assert!(Config::from_json(&json!({"max_files": 0})).is_err());
        assert!(Config::from_json(&json!({"consensus_threshold": 1.5})).is_err());
        assert!(Config::from_json(&json!({"default_per_page": 10, "max_per_page": 5})).is_err());
    }
}
