//! `plinth.toml`: what a bundle contains.
//!
//! ```toml
//! [service]
//! id = "lookup_svc"
//! description = "Titanic passengers by id"
//! public = true            # callable without an API key
//! rate_limit = { per_address_per_second = 50, burst_seconds = 2 }   # optional, see below
//!
//! [[endpoint]]
//! id = "passenger_info"
//! kind = "lookup"          # prediction | function | sql-query | lookup
//! max_concurrency = 8      # optional: requests served at once by this endpoint
//! queue_timeout_ms = 2000  # optional: how long a request may wait for a slot
//! timeout_ms = 1000        # optional: the call's work deadline (504 past it)
//! dataset = "data/titanic.csv"   # the rest belongs to the engine of the kind
//! ```
//!
//! The host validates the service table and the common endpoint fields; each engine validates
//! its own fields at load. Every error names the file, the field and what was expected.

use serde::Deserialize;
use std::fmt;

/// The manifest's file name at the root of a bundle.
pub const MANIFEST_FILE: &str = "plinth.toml";

/// Keys of an endpoint table that belong to the host, not to the engine.
pub const HOST_ENDPOINT_KEYS: &[&str] = &[
    "id",
    "kind",
    "description",
    "max_concurrency",
    "queue_timeout_ms",
];

/// A validated manifest.
#[derive(Clone, Debug, PartialEq)]
pub struct Manifest {
    /// The `[service]` table.
    pub service: ServiceSection,
    /// The `[[endpoint]]` tables, in file order.
    pub endpoints: Vec<EndpointSection>,
    /// The manifest text as read.
    pub text: String,
}

/// The `[service]` table.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceSection {
    /// Service id: letters, digits, `_`, `-`, `.`.
    pub id: String,
    /// Free text shown by the admin API.
    #[serde(default)]
    pub description: Option<String>,
    /// `true`: user calls need no API key.
    #[serde(default)]
    pub public: bool,
    /// Token-bucket limits of this service's user calls; members left out take the server's
    /// `[rate_limit]` defaults.
    #[serde(default)]
    pub rate_limit: Option<ServiceRateLimit>,
}

/// `[service.rate_limit]`: calls per second and bucket size.
#[derive(Clone, Copy, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceRateLimit {
    /// Calls per second allowed to one API key.
    pub per_key_per_second: Option<f64>,
    /// Calls per second allowed to one remote address (public services, or calls without a
    /// valid key).
    pub per_address_per_second: Option<f64>,
    /// Bucket size, in seconds of the rate.
    pub burst_seconds: Option<f64>,
}

/// One `[[endpoint]]` table, split into host fields and the engine's own fields.
#[derive(Clone, Debug, PartialEq)]
pub struct EndpointSection {
    /// Endpoint id.
    pub id: String,
    /// Endpoint kind: the engine that loads it.
    pub kind: String,
    /// Free text.
    pub description: Option<String>,
    /// Requests served at once; `None` uses the server default.
    pub max_concurrency: Option<usize>,
    /// How long a request may wait for a slot, ms; `None` uses the server default.
    pub queue_timeout_ms: Option<u64>,
    /// The call's work deadline, ms; `None` uses the server's `call_timeout_ms`. Unlike the
    /// other host fields it stays in [`EndpointSection::engine_config`] too, for the engines
    /// that enforce it inside their own work (SQL statements, function epochs).
    pub timeout_ms: Option<u64>,
    /// Everything else in the table, for the engine.
    pub engine_config: toml::Table,
}

/// A manifest error, shown to users as `plinth.toml: <field>: <problem>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManifestError {
    /// The field at fault, e.g. `endpoint[1].kind`, or `None` for a syntax error.
    pub field: Option<String>,
    /// What is wrong and what was expected.
    pub message: String,
}

impl fmt::Display for ManifestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{MANIFEST_FILE}: {field}: {}", self.message),
            None => write!(f, "{MANIFEST_FILE}: {}", self.message),
        }
    }
}

impl std::error::Error for ManifestError {}

fn err(field: impl Into<String>, message: impl Into<String>) -> ManifestError {
    ManifestError {
        field: Some(field.into()),
        message: message.into(),
    }
}

/// Whether `id` is a valid service, endpoint or generation id: 1 to 64 of `[A-Za-z0-9_.-]`,
/// not starting with `.`.
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && !id.starts_with('.')
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

const ID_RULE: &str = "1 to 64 letters, digits, '_', '-' or '.', not starting with '.'";

impl Manifest {
    /// Parses and validates manifest text. `known_kinds` lists the endpoint kinds this server
    /// can load, for the error message of an unknown kind.
    pub fn parse(text: &str, known_kinds: &[&str]) -> Result<Manifest, ManifestError> {
        let mut doc: toml::Table = toml::from_str(text).map_err(|e| ManifestError {
            field: None,
            message: format!("not valid TOML: {}", e.to_string().trim_end()),
        })?;

        let service_value = doc.remove("service").ok_or_else(|| {
            err("service", "missing table [service] (expected at least `[service]` with `id = \"my_service\"`)")
        })?;
        let service: ServiceSection = service_value
            .try_into()
            .map_err(|e: toml::de::Error| err("service", e.message()))?;
        if !is_valid_id(&service.id) {
            return Err(err(
                "service.id",
                format!("\"{}\" is not a valid id: expected {ID_RULE}", service.id),
            ));
        }
        if let Some(limit) = &service.rate_limit {
            for (name, value) in [
                ("per_key_per_second", limit.per_key_per_second),
                ("per_address_per_second", limit.per_address_per_second),
                ("burst_seconds", limit.burst_seconds),
            ] {
                if let Some(v) = value
                    && !(v.is_finite() && v > 0.0)
                {
                    return Err(err(
                        format!("service.rate_limit.{name}"),
                        format!("expected a positive number, found {v}"),
                    ));
                }
            }
        }

        let endpoint_values = match doc.remove("endpoint") {
            None => {
                return Err(err(
                    "endpoint",
                    "no [[endpoint]] table: a bundle needs at least one endpoint",
                ));
            }
            Some(toml::Value::Array(values)) => values,
            Some(other) => {
                return Err(err(
                    "endpoint",
                    format!("expected [[endpoint]] tables, found a {}", other.type_str()),
                ));
            }
        };
        if let Some(unknown) = doc.keys().next() {
            return Err(err(
                unknown.clone(),
                "unknown top-level key: expected only [service] and [[endpoint]]",
            ));
        }

        let mut endpoints: Vec<EndpointSection> = Vec::with_capacity(endpoint_values.len());
        for (index, value) in endpoint_values.into_iter().enumerate() {
            let at = format!("endpoint[{index}]");
            let toml::Value::Table(mut table) = value else {
                return Err(err(at, "expected a table"));
            };
            let id = take_string(&mut table, &at, "id")?
                .ok_or_else(|| err(format!("{at}.id"), "missing: every endpoint needs an id"))?;
            let at = format!("endpoint[{index}] \"{id}\"");
            if !is_valid_id(&id) {
                return Err(err(
                    format!("{at}.id"),
                    format!("\"{id}\" is not a valid id: expected {ID_RULE}"),
                ));
            }
            if endpoints.iter().any(|e| e.id == id) {
                return Err(err(
                    format!("{at}.id"),
                    "duplicate endpoint id: ids must be unique within a service",
                ));
            }
            let kind = take_string(&mut table, &at, "kind")?.ok_or_else(|| {
                err(
                    format!("{at}.kind"),
                    format!("missing: expected one of {}", quoted_list(known_kinds)),
                )
            })?;
            if !known_kinds.contains(&kind.as_str()) {
                return Err(err(
                    format!("{at}.kind"),
                    format!(
                        "unknown kind \"{kind}\": this server knows {}",
                        quoted_list(known_kinds)
                    ),
                ));
            }
            let description = take_string(&mut table, &at, "description")?;
            let max_concurrency =
                take_positive(&mut table, &at, "max_concurrency")?.map(|n| n as usize);
            let queue_timeout_ms = take_positive(&mut table, &at, "queue_timeout_ms")?;
            let timeout_ms = match table.get("timeout_ms") {
                None => None,
                Some(toml::Value::Integer(n)) if *n > 0 => Some(*n as u64),
                Some(other) => {
                    return Err(err(
                        format!("{at}.timeout_ms"),
                        format!("expected a positive integer (milliseconds), found {other}"),
                    ));
                }
            };
            endpoints.push(EndpointSection {
                id,
                kind,
                description,
                max_concurrency,
                queue_timeout_ms,
                timeout_ms,
                engine_config: table,
            });
        }

        Ok(Manifest {
            service,
            endpoints,
            text: text.to_owned(),
        })
    }
}

fn take_string(
    table: &mut toml::Table,
    at: &str,
    key: &str,
) -> Result<Option<String>, ManifestError> {
    match table.remove(key) {
        None => Ok(None),
        Some(toml::Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(err(
            format!("{at}.{key}"),
            format!("expected a string, found a {}", other.type_str()),
        )),
    }
}

fn take_positive(
    table: &mut toml::Table,
    at: &str,
    key: &str,
) -> Result<Option<u64>, ManifestError> {
    match table.remove(key) {
        None => Ok(None),
        Some(toml::Value::Integer(n)) if n > 0 => Ok(Some(n as u64)),
        Some(other) => Err(err(
            format!("{at}.{key}"),
            format!("expected a positive integer, found {other}"),
        )),
    }
}

fn quoted_list(items: &[&str]) -> String {
    items
        .iter()
        .map(|k| format!("\"{k}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const KINDS: &[&str] = &["lookup", "sql-query"];

    #[test]
    fn parses_a_readable_manifest() {
        let m = Manifest::parse(
            r#"
            [service]
            id = "lookup_svc"
            public = true
            [[endpoint]]
            id = "passenger_info"
            kind = "lookup"
            max_concurrency = 4
            dataset = "data/titanic.csv"
            keys = ["PassengerId"]
            "#,
            KINDS,
        )
        .unwrap();
        assert_eq!(m.service.id, "lookup_svc");
        assert!(m.service.public);
        assert_eq!(m.endpoints[0].max_concurrency, Some(4));
        assert_eq!(
            m.endpoints[0].engine_config.keys().collect::<Vec<_>>(),
            ["dataset", "keys"]
        );
    }

    fn error_of(text: &str) -> String {
        Manifest::parse(text, KINDS).unwrap_err().to_string()
    }

    #[test]
    fn errors_name_the_file_the_field_and_what_was_expected() {
        assert_eq!(
            error_of("[[endpoint]]\nid='a'\nkind='lookup'"),
            "plinth.toml: service: missing table [service] (expected at least `[service]` with `id = \"my_service\"`)"
        );
        assert!(
            error_of("[service]\nid='s'\nowner='x'\n[[endpoint]]\nid='a'\nkind='lookup'")
                .starts_with("plinth.toml: service: unknown field `owner`")
        );
        assert_eq!(
            error_of("[service]\nid='s'\n[[endpoint]]\nid='a'\nkind='python'"),
            "plinth.toml: endpoint[0] \"a\".kind: unknown kind \"python\": this server knows \"lookup\", \"sql-query\""
        );
        assert_eq!(
            error_of("[service]\nid='s'\n[[endpoint]]\nkind='lookup'"),
            "plinth.toml: endpoint[0].id: missing: every endpoint needs an id"
        );
        assert_eq!(
            error_of(
                "[service]\nid='s'\n[[endpoint]]\nid='a'\nkind='lookup'\n[[endpoint]]\nid='a'\nkind='lookup'"
            ),
            "plinth.toml: endpoint[1] \"a\".id: duplicate endpoint id: ids must be unique within a service"
        );
        assert_eq!(
            error_of("[service]\nid='s'\n[[endpoint]]\nid='a'\nkind='lookup'\nmax_concurrency=0"),
            "plinth.toml: endpoint[0] \"a\".max_concurrency: expected a positive integer, found 0"
        );
        assert!(
            error_of("[service]\nid='../x'\n[[endpoint]]\nid='a'\nkind='lookup'")
                .contains("service.id")
        );
        assert!(error_of("[service\nid=").starts_with("plinth.toml: not valid TOML"));
        assert_eq!(
            error_of("[service]\nid='s'"),
            "plinth.toml: endpoint: no [[endpoint]] table: a bundle needs at least one endpoint"
        );
    }

    #[test]
    fn timeouts_and_rate_limits_are_read_and_checked() {
        let m = Manifest::parse(
            "[service]\nid='s'\nrate_limit = { per_address_per_second = 5.5 }\n[[endpoint]]\nid='a'\nkind='lookup'\ntimeout_ms=250",
            KINDS,
        )
        .unwrap();
        assert_eq!(m.endpoints[0].timeout_ms, Some(250));
        // Engines that enforce the deadline themselves still see it.
        assert!(m.endpoints[0].engine_config.contains_key("timeout_ms"));
        let limit = m.service.rate_limit.unwrap();
        assert_eq!(limit.per_address_per_second, Some(5.5));
        assert_eq!(limit.per_key_per_second, None);
        assert_eq!(
            error_of("[service]\nid='s'\n[[endpoint]]\nid='a'\nkind='lookup'\ntimeout_ms=-1"),
            "plinth.toml: endpoint[0] \"a\".timeout_ms: expected a positive integer (milliseconds), found -1"
        );
        assert_eq!(
            error_of(
                "[service]\nid='s'\nrate_limit={burst_seconds=0.0}\n[[endpoint]]\nid='a'\nkind='lookup'"
            ),
            "plinth.toml: service.rate_limit.burst_seconds: expected a positive number, found 0"
        );
        assert!(
            error_of(
                "[service]\nid='s'\nrate_limit={per_ip=1}\n[[endpoint]]\nid='a'\nkind='lookup'"
            )
            .contains("unknown field `per_ip`")
        );
    }

    #[test]
    fn ids_are_path_safe() {
        assert!(is_valid_id("v1"));
        assert!(is_valid_id("fraud_svc-2.1"));
        for bad in ["", ".hidden", "a/b", "..", "a b", &"x".repeat(65)] {
            assert!(!is_valid_id(bad), "{bad}");
        }
    }
}
