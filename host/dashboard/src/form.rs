//! Reading `application/x-www-form-urlencoded` bodies and checking their CSRF token.

use crate::csrf::{self, CsrfFailure};
use crate::session::SessionView;
use axum::http::HeaderMap;
use std::collections::HashMap;

/// A decoded form: field name to value (the last one wins).
pub type Form = HashMap<String, String>;

/// Decodes a form body; an undecodable one is an empty form (and so fails the CSRF check).
pub fn parse(body: &[u8]) -> Form {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .map(|pairs| pairs.into_iter().collect())
        .unwrap_or_default()
}

/// The form of a state-changing POST, once its `Origin` and CSRF token pass (else the caller
/// answers [`crate::pages::errors::forbidden`]).
pub fn verified(
    session: &SessionView,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Form, CsrfFailure> {
    let form = parse(body);
    csrf::check(&session.csrf, form.get("csrf").map(String::as_str), headers)?;
    Ok(form)
}
