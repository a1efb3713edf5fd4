//! Who is calling: the recipe of the key in `Authorization` (the raw key, as the seed sends
//! it, or `Bearer <key>`), or a host admin key for the recipe admin routes.

use crate::app::{Apres, db_error};
use crate::error::ApresError;
use crate::recipes::Recipe;
use axum::http::{HeaderMap, header};
use plinth_plugin_api::PrincipalScope;

/// The 401 message of the `/recipe` routes.
pub const RECIPE_MESSAGE: &str = "Unauthorized request for recipe";
/// The 401 message of the `/task_batches` routes.
pub const BATCH_MESSAGE: &str = "Unauthorized request";

pub(crate) fn presented(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let key = match value.split_once(' ') {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim(),
        _ => value,
    };
    (!key.is_empty()).then_some(key)
}

/// The caller's recipe, or a 401 with `message`.
pub async fn recipe(
    apres: &Apres,
    headers: &HeaderMap,
    message: &str,
) -> Result<Recipe, ApresError> {
    let Some(key) = presented(headers) else {
        return Err(ApresError::unauthorized(message));
    };
    crate::recipes::by_key(apres, key)
        .await
        .map_err(db_error)?
        .ok_or_else(|| ApresError::unauthorized(message))
}

/// Only the host's admin keys manage recipes.
pub fn admin(apres: &Apres, headers: &HeaderMap) -> Result<(), ApresError> {
    let principal = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|a| apres.host.authenticate(a))
        .ok_or_else(|| {
            ApresError::unauthorized("an admin key is required (Authorization: Bearer <key>)")
        })?;
    match principal.scope {
        PrincipalScope::Admin => Ok(()),
        _ => Err(ApresError::new(403, "only admin keys manage Apres recipes")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, value.parse().unwrap());
        h
    }

    #[test]
    fn raw_and_bearer_keys() {
        assert_eq!(presented(&headers("apres_abc")), Some("apres_abc"));
        assert_eq!(presented(&headers("Bearer apres_abc")), Some("apres_abc"));
        assert_eq!(presented(&headers("bearer  apres_abc ")), Some("apres_abc"));
        assert_eq!(presented(&headers("  ")), None);
        assert_eq!(presented(&HeaderMap::new()), None);
    }
}
