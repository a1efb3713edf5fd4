//! `[plugins.vidora]`: body and file limits, the signing clock skew and horizon, the
//! association column that joins predictions to label ids.

use plinth_plugin_api::PluginError;
use serde_json::Value;

/// The plugin's settings.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// The largest request body, multipart included (`max_body_bytes`, 32 MiB); 413 beyond.
    pub max_body_bytes: usize,
    /// The largest label file once gunzipped (`max_file_bytes`, 256 MiB): a gzip bomb fails
    /// validation instead of filling memory.
    pub max_file_bytes: usize,
    /// How long past `expires` a signed request is still accepted (`clock_skew_s`, 300).
    pub clock_skew_ms: i64,
    /// How far ahead `expires` may be (`max_expires_s`, 7 days): replay is bounded.
    pub max_expires_ms: i64,
    /// The `context` member (or feature) whose value is a prediction's Vidora id
    /// (`id_column`, `vidora_id`); configured as an association column of every pipeline.
    pub id_column: String,
}

/// 32 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 32 << 20;

impl Default for Config {
    fn default() -> Self {
        Config {
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            max_file_bytes: 256 << 20,
            clock_skew_ms: 300_000,
            max_expires_ms: 7 * 86_400_000,
            id_column: "vidora_id".to_owned(),
        }
    }
}

impl Config {
    /// Reads `[plugins.vidora]` (missing members keep their defaults).
    pub fn from_json(v: &Value) -> Result<Config, PluginError> {
        let d = Config::default();
        let number = |key: &str, default: i64| -> Result<i64, PluginError> {
            match v.get(key) {
                None => Ok(default),
                Some(x) => x.as_i64().filter(|n| *n > 0).ok_or_else(|| {
                    PluginError::new(format!(
                        "[plugins.vidora] {key} must be a positive whole number"
                    ))
                }),
            }
        };
        let id_column = match v.get("id_column") {
            None => d.id_column.clone(),
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            Some(_) => {
                return Err(PluginError::new(
                    "[plugins.vidora] id_column must be a non-empty string",
                ));
            }
        };
        Ok(Config {
            max_body_bytes: number("max_body_bytes", d.max_body_bytes as i64)? as usize,
            max_file_bytes: number("max_file_bytes", d.max_file_bytes as i64)? as usize,
            clock_skew_ms: number("clock_skew_s", d.clock_skew_ms / 1000)? * 1000,
            max_expires_ms: number("max_expires_s", d.max_expires_ms / 1000)? * 1000,
            id_column,
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
        let c = Config::from_json(&json!({"max_body_bytes": 10, "clock_skew_s": 1})).unwrap();
        assert_eq!((c.max_body_bytes, c.clock_skew_ms), (10, 1000));
        assert!(Config::from_json(&json!({"max_body_bytes": 0})).is_err());
        assert!(Config::from_json(&json!({"id_column": ""})).is_err());
    }
}
