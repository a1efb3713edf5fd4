//! Which generation of a service answers a call.
//!
//! A service routes to one generation, or to several by a mapping
//! `{"entries": [{"generation", "proba"}], "strategy": "RANDOM" | "HASH_BASED"}`.
//! `dispatch.forcedGeneration` in a request overrides the routing. Under `HASH_BASED`, the
//! generation is a pure function of `dispatch.dispatchKey` (SHA-256 with a fixed prefix), so the
//! same key picks the same generation on every node and after restarts.

use plinth_engine_api::ApiError;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// How a mapping picks among its entries.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Strategy {
    /// A fresh random draw per call.
    #[default]
    Random,
    /// A hash of the request's `dispatch.dispatchKey`.
    HashBased,
}

/// One entry of a mapping.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MappingEntry {
    /// Generation id.
    pub generation: String,
    /// Share of the traffic, 0..=1; the entries' shares add up to 1.
    pub proba: f64,
}

/// A service's routing, as stored and as shown by the admin API.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Routing {
    /// Every call goes to one generation.
    Single {
        /// Generation id.
        single: String,
    },
    /// Calls are split among generations.
    Mapping {
        /// How to pick.
        #[serde(default)]
        strategy: Strategy,
        /// The generations and their shares.
        entries: Vec<MappingEntry>,
    },
}

impl Routing {
    /// Routing to one generation.
    pub fn single(generation: impl Into<String>) -> Routing {
        Routing::Single {
            single: generation.into(),
        }
    }

    /// The generations this routing can pick.
    pub fn generations(&self) -> Vec<&str> {
        match self {
            Routing::Single { single } => vec![single.as_str()],
            Routing::Mapping { entries, .. } => entries
                .iter()
                .filter(|e| e.proba > 0.0)
                .map(|e| e.generation.as_str())
                .collect(),
        }
    }

    /// The mapping view of this routing (a single generation is one entry with proba 1).
    pub fn as_mapping(&self) -> (Strategy, Vec<MappingEntry>) {
        match self {
            Routing::Single { single } => (
                Strategy::Random,
                vec![MappingEntry {
                    generation: single.clone(),
                    proba: 1.0,
                }],
            ),
            Routing::Mapping { strategy, entries } => (*strategy, entries.clone()),
        }
    }

    /// Checks a mapping sent by an admin: at least one entry, shares in 0..=1 adding up to 1,
    /// no generation twice. (Whether the generations exist is checked by the caller.)
    pub fn validate(&self) -> Result<(), ApiError> {
        let Routing::Mapping { entries, .. } = self else {
            return Ok(());
        };
        if entries.is_empty() {
            return Err(ApiError::bad_request(
                "a mapping needs at least one entry {\"generation\", \"proba\"}",
            ));
        }
        let mut sum = 0.0;
        for (i, entry) in entries.iter().enumerate() {
            if !(0.0..=1.0).contains(&entry.proba) || entry.proba.is_nan() {
                return Err(ApiError::bad_request(format!(
                    "entries[{i}].proba: expected a number between 0 and 1, found {}",
                    entry.proba
                )));
            }
            if entries[..i]
                .iter()
                .any(|e| e.generation == entry.generation)
            {
                return Err(ApiError::bad_request(format!(
                    "entries[{i}]: generation \"{}\" is listed twice",
                    entry.generation
                )));
            }
            sum += entry.proba;
        }
        if (sum - 1.0).abs() > 1e-6 {
            return Err(ApiError::bad_request(format!(
                "the entries' proba values add up to {sum}, expected 1"
            )));
        }
        Ok(())
    }
}

/// The `dispatch` member of a request.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DispatchRequest {
    /// Use this generation whatever the routing says.
    #[serde(default)]
    pub forced_generation: Option<String>,
    /// The key hashed under `HASH_BASED`.
    #[serde(default)]
    pub dispatch_key: Option<DispatchKey>,
}

/// A dispatch key: clients send strings; numbers are accepted and hashed as their JSON text.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum DispatchKey {
    /// A string key.
    Text(String),
    /// A numeric key.
    Number(serde_json::Number),
}

impl DispatchKey {
    fn as_text(&self) -> std::borrow::Cow<'_, str> {
        match self {
            DispatchKey::Text(s) => s.into(),
            DispatchKey::Number(n) => n.to_string().into(),
        }
    }
}

/// A point in [0, 1) derived from the key, identical on every node and release.
pub fn hash_point(key: &str) -> f64 {
    let digest = Sha256::new()
        .chain_update(b"plinth-dispatch-v1\0")
        .chain_update(key.as_bytes())
        .finalize();
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    (u64::from_be_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64
}

/// Picks the generation for one call.
pub fn choose<'a>(
    routing: &'a Routing,
    request: &DispatchRequest,
    service_id: &str,
) -> Result<&'a str, ApiError> {
    match routing {
        Routing::Single { single } => Ok(single),
        Routing::Mapping { strategy, entries } => {
            let point = match strategy {
                Strategy::Random => rand::random::<f64>(),
                Strategy::HashBased => match &request.dispatch_key {
                    Some(key) => hash_point(&key.as_text()),
                    None => {
                        return Err(ApiError::new(
                            400,
                            "MissingDispatchKey",
                            format!(
                                "service \"{service_id}\" dispatches by hash: send \"dispatch\": {{\"dispatchKey\": \"...\"}} (or a forcedGeneration)"
                            ),
                        ));
                    }
                },
            };
            Ok(pick(entries, point))
        }
    }
}

fn pick(entries: &[MappingEntry], point: f64) -> &str {
    let total: f64 = entries.iter().map(|e| e.proba).sum();
    let mut acc = 0.0;
    for entry in entries {
        acc += entry.proba / total;
        if point < acc && entry.proba > 0.0 {
            return &entry.generation;
        }
    }
    // Rounding left `point` past the last boundary: the last entry with a share takes it.
    entries
        .iter()
        .rev()
        .find(|e| e.proba > 0.0)
        .map(|e| e.generation.as_str())
        .unwrap_or(&entries[0].generation)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mapping(strategy: Strategy, entries: &[(&str, f64)]) -> Routing {
        Routing::Mapping {
            strategy,
            entries: entries
                .iter()
                .map(|(g, p)| MappingEntry {
                    generation: (*g).into(),
                    proba: *p,
                })
                .collect(),
        }
    }

    fn key(k: &str) -> DispatchRequest {
        DispatchRequest {
            forced_generation: None,
            dispatch_key: Some(DispatchKey::Text(k.into())),
        }
    }

    #[test]
    fn hash_points_are_fixed_forever() {
        // Pinned values (computed independently): changing the hash would move users between
        // generations on upgrade.
        assert_eq!(hash_point("customer-42"), 0.883419577683442);
        assert_eq!(hash_point(""), 0.5161974097260568);
        assert_ne!(hash_point("a"), hash_point("b"));
    }

    #[test]
    fn hash_based_dispatch_is_stable_and_follows_the_shares() {
        let routing = mapping(Strategy::HashBased, &[("v1", 0.25), ("v2", 0.75)]);
        let mut v1 = 0;
        for i in 0..4000 {
            let k = format!("user-{i}");
            let first = choose(&routing, &key(&k), "s").unwrap();
            assert_eq!(first, choose(&routing, &key(&k), "s").unwrap());
            if first == "v1" {
                v1 += 1;
            }
        }
        assert!(
            (800..1200).contains(&v1),
            "v1 got {v1} of 4000 keys for a 25% share"
        );
    }

    #[test]
    fn hash_based_without_a_key_is_a_400() {
        let routing = mapping(Strategy::HashBased, &[("v1", 1.0)]);
        let err = choose(&routing, &DispatchRequest::default(), "s").unwrap_err();
        assert_eq!(
            (err.status, err.error_type.as_ref()),
            (400, "MissingDispatchKey")
        );
    }

    #[test]
    fn zero_shares_are_never_picked() {
        let routing = mapping(Strategy::Random, &[("v1", 0.0), ("v2", 1.0), ("v3", 0.0)]);
        for _ in 0..1000 {
            assert_eq!(
                choose(&routing, &DispatchRequest::default(), "s").unwrap(),
                "v2"
            );
        }
        assert_eq!(
            pick(
                &[MappingEntry {
                    generation: "a".into(),
                    proba: 1.0
                }],
                0.9999999999
            ),
            "a"
        );
    }

    #[test]
    fn mappings_are_validated() {
        assert!(
            mapping(Strategy::Random, &[("v1", 0.5), ("v2", 0.5)])
                .validate()
                .is_ok()
        );
        assert!(mapping(Strategy::Random, &[]).validate().is_err());
        assert!(
            mapping(Strategy::Random, &[("v1", 0.5), ("v2", 0.6)])
                .validate()
                .unwrap_err()
                .message
                .contains("add up to")
        );
        assert!(
            mapping(Strategy::Random, &[("v1", 1.5)])
                .validate()
                .is_err()
        );
        assert!(
            mapping(Strategy::Random, &[("v1", 0.5), ("v1", 0.5)])
                .validate()
                .unwrap_err()
                .message
                .contains("twice")
        );
    }

    #[test]
    fn routing_json_round_trips() {
        let single: Routing = serde_json::from_str(r#"{"single":"v2"}"#).unwrap();
        assert_eq!(single, Routing::single("v2"));
        let m: Routing = serde_json::from_str(
            r#"{"entries":[{"generation":"v1","proba":1.0}],"strategy":"HASH_BASED"}"#,
        )
        .unwrap();
        assert_eq!(m, mapping(Strategy::HashBased, &[("v1", 1.0)]));
        let default_strategy: Routing =
            serde_json::from_str(r#"{"entries":[{"generation":"v1","proba":1}]}"#).unwrap();
        assert_eq!(default_strategy, mapping(Strategy::Random, &[("v1", 1.0)]));
    }
}
