//! API keys: generation, hashing, the in-memory key table and request authentication.
//!
//! Keys are 32 random alphanumeric characters; only their SHA-256 is stored. A caller presents
//! a key as HTTP Basic user name (`Authorization: Basic base64("KEY:")`, what the Dataiku client
//! sends), as `Authorization: Bearer KEY`, or as `Authorization: Token KEY`.

use crate::store::{KeyRow, KeyScope, now_millis};
use base64::Engine as _;
use plinth_engine_api::ApiError;
use rand::Rng;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::RwLock;

/// A new random key: 32 characters from `[A-Za-z0-9]` (190 bits).
pub fn generate_key() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    (0..32)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// A new public key id: 12 hex characters.
pub fn generate_key_id() -> String {
    let mut bytes = [0u8; 6];
    rand::rng().fill(&mut bytes);
    hex::encode(bytes)
}

/// The stored form of a key.
pub fn hash_key(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// Builds the stored row for a fresh key.
pub fn new_key_row(
    key: &str,
    scope: KeyScope,
    label: Option<String>,
    description: Option<String>,
    created_by: Option<String>,
    expires_at: Option<i64>,
) -> KeyRow {
    KeyRow {
        id: generate_key_id(),
        key_hash: hash_key(key),
        key_prefix: key.chars().take(4).collect(),
        scope,
        label,
        description,
        created_by,
        created_at: now_millis(),
        expires_at,
    }
}

/// The key presented by a request, if any.
pub fn presented_key(authorization: Option<&str>) -> Result<Option<String>, ApiError> {
    let Some(header) = authorization else {
        return Ok(None);
    };
    let header = header.trim();
    let (scheme, rest) = header.split_once(' ').unwrap_or((header, ""));
    let rest = rest.trim();
    if scheme.eq_ignore_ascii_case("basic") {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(rest)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .ok_or_else(|| unauthorized("malformed HTTP Basic credentials"))?;
        let (user, password) = decoded.split_once(':').unwrap_or((decoded.as_str(), ""));
        let key = if user.is_empty() { password } else { user };
        Ok((!key.is_empty()).then(|| key.to_owned()))
    } else if scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("token") {
        Ok((!rest.is_empty()).then(|| rest.to_owned()))
    } else {
        Err(unauthorized(format!(
            "unsupported authorization scheme '{scheme}': use Basic (key as user name) or Bearer"
        )))
    }
}

/// A 401 error.
pub fn unauthorized(message: impl Into<String>) -> ApiError {
    ApiError::new(401, "Unauthorized", message)
}

/// A 403 error.
pub fn forbidden(message: impl Into<String>) -> ApiError {
    ApiError::new(403, "Forbidden", message)
}

/// The keys in memory, by hash. Reloaded from the store after every change.
#[derive(Debug, Default)]
pub struct KeyTable {
    by_hash: RwLock<HashMap<String, KeyRow>>,
}

impl KeyTable {
    /// Replaces the table's content.
    pub fn replace(&self, rows: Vec<KeyRow>) {
        let map = rows.into_iter().map(|r| (r.key_hash.clone(), r)).collect();
        *self.by_hash.write().unwrap_or_else(|e| e.into_inner()) = map;
    }

    /// The live (not expired) key with this secret.
    pub fn find(&self, key: &str) -> Option<KeyRow> {
        let map = self.by_hash.read().unwrap_or_else(|e| e.into_inner());
        map.get(&hash_key(key))
            .filter(|row| row.expires_at.is_none_or(|t| t > now_millis()))
            .cloned()
    }

    /// Whether any admin key exists.
    pub fn has_admin_key(&self) -> bool {
        self.by_hash
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .any(|r| r.scope == KeyScope::Admin)
    }

    /// Authorises an admin-API request; returns the key id.
    pub fn authorize_admin(&self, authorization: Option<&str>) -> Result<String, ApiError> {
        let key = presented_key(authorization)?.ok_or_else(|| {
            unauthorized("the admin API needs an admin API key (HTTP Basic user name or Bearer)")
        })?;
        let row = self
            .find(&key)
            .ok_or_else(|| unauthorized("unknown or expired API key"))?;
        match row.scope {
            KeyScope::Admin => Ok(row.id),
            KeyScope::Service(_) => Err(forbidden(
                "this key is a service key: the admin API needs an admin key",
            )),
            KeyScope::Monitoring => Err(forbidden(
                "this key is a monitoring key: the admin API needs an admin key",
            )),
        }
    }

    /// Authorises a user call on `service_id`; returns the key id used, if any.
    pub fn authorize_call(
        &self,
        service_id: &str,
        public: bool,
        authorization: Option<&str>,
    ) -> Result<Option<String>, ApiError> {
        let key = match presented_key(authorization) {
            Ok(key) => key,
            Err(e) if public => {
                tracing::debug!(
                    service = service_id,
                    "ignoring unreadable credentials on a public service: {e}"
                );
                None
            }
            Err(e) => return Err(e),
        };
        let Some(key) = key else {
            return if public {
                Ok(None)
            } else {
                Err(unauthorized(format!(
                    "service \"{service_id}\" needs an API key (HTTP Basic user name or Bearer)"
                )))
            };
        };
        match self.find(&key) {
            Some(KeyRow {
                id,
                scope: KeyScope::Service(s),
                ..
            }) if s == service_id => Ok(Some(id)),
            Some(_) if public => Ok(None),
            Some(KeyRow {
                scope: KeyScope::Service(other),
                ..
            }) => Err(forbidden(format!(
                "this API key belongs to service \"{other}\", not to \"{service_id}\""
            ))),
            Some(KeyRow {
                scope: KeyScope::Admin,
                ..
            }) => Err(forbidden(format!(
                "admin keys do not call user endpoints: create a key for service \"{service_id}\""
            ))),
            Some(KeyRow {
                scope: KeyScope::Monitoring,
                ..
            }) => Err(forbidden(format!(
                "monitoring keys do not call user endpoints: create a key for service \"{service_id}\""
            ))),
            None if public => Ok(None),
            None => Err(unauthorized("unknown or expired API key")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::STANDARD;

    fn table() -> (KeyTable, String, String) {
        let admin = generate_key();
        let svc = generate_key();
        let t = KeyTable::default();
        t.replace(vec![
            new_key_row(&admin, KeyScope::Admin, None, None, None, None),
            new_key_row(&svc, KeyScope::Service("a".into()), None, None, None, None),
        ]);
        (t, admin, svc)
    }

    fn basic(key: &str) -> String {
        format!("Basic {}", STANDARD.encode(format!("{key}:")))
    }

    #[test]
    fn keys_are_random_and_stored_hashed() {
        let k = generate_key();
        assert_eq!(k.len(), 32);
        assert_ne!(k, generate_key());
        let row = new_key_row(&k, KeyScope::Admin, None, None, None, None);
        assert_ne!(row.key_hash, k);
        assert_eq!(row.key_hash.len(), 64);
    }

    #[test]
    fn presents_basic_bearer_and_token() {
        assert_eq!(
            presented_key(Some(&basic("abc"))).unwrap().as_deref(),
            Some("abc")
        );
        assert_eq!(
            presented_key(Some("Bearer xyz")).unwrap().as_deref(),
            Some("xyz")
        );
        assert_eq!(
            presented_key(Some("Token xyz")).unwrap().as_deref(),
            Some("xyz")
        );
        assert_eq!(presented_key(None).unwrap(), None);
        assert_eq!(presented_key(Some("Digest x")).unwrap_err().status, 401);
        assert_eq!(presented_key(Some("Basic !!!")).unwrap_err().status, 401);
    }

    #[test]
    fn service_calls_need_the_services_own_key() {
        let (t, admin, svc) = table();
        assert_eq!(t.authorize_call("a", false, None).unwrap_err().status, 401);
        assert!(
            t.authorize_call("a", false, Some(&basic(&svc)))
                .unwrap()
                .is_some()
        );
        assert!(
            t.authorize_call("a", false, Some(&format!("Bearer {svc}")))
                .unwrap()
                .is_some()
        );
        assert_eq!(
            t.authorize_call("b", false, Some(&basic(&svc)))
                .unwrap_err()
                .status,
            403
        );
        assert_eq!(
            t.authorize_call("a", false, Some(&basic(&admin)))
                .unwrap_err()
                .status,
            403
        );
        assert_eq!(
            t.authorize_call("a", false, Some(&basic("nope")))
                .unwrap_err()
                .status,
            401
        );
        assert_eq!(t.authorize_call("b", true, None).unwrap(), None);
    }

    #[test]
    fn admin_routes_need_an_admin_key() {
        let (t, admin, svc) = table();
        assert!(t.authorize_admin(Some(&basic(&admin))).is_ok());
        assert_eq!(t.authorize_admin(None).unwrap_err().status, 401);
        assert_eq!(
            t.authorize_admin(Some(&basic(&svc))).unwrap_err().status,
            403
        );
    }

    #[test]
    fn expired_keys_are_refused() {
        let key = generate_key();
        let t = KeyTable::default();
        t.replace(vec![new_key_row(
            &key,
            KeyScope::Admin,
            None,
            None,
            None,
            Some(now_millis() - 1),
        )]);
        assert_eq!(
            t.authorize_admin(Some(&basic(&key))).unwrap_err().status,
            401
        );
    }
}
