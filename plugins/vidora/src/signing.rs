//! Vidora request signing, exactly as the seed describes it, verified over what the client
//! sent: the path before any normalisation, the raw query string, the raw body bytes.
//!
//! The signed text is `secret \n METHOD \n path \n params \n body`, where `params` is every
//! query parameter but `signature` (`api_key` and `expires` included) as `k=v`, form-decoded
//! (raw, unescaped values), sorted by key bytewise and joined with `&`. The signature is the
//! standard Base64 of its SHA-256, cut to 43 characters (the padding dropped). It is a plain
//! hash with the secret as its first line, not an HMAC.
//!
//! Leniency a real client needs: a signature whose `+` arrived as a space (not escaped) and a
//! padded 44-character signature are accepted. Nothing else near it is.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};

/// Why a request's key or signature is refused (each a 401 with its own message).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SigningError {
    /// No `api_key` parameter.
    MissingApiKey,
    /// Signing is on and there is no `expires`.
    MissingExpires,
    /// `expires` is not a UTC time like `2030-01-01T00:00`.
    BadExpires(String),
    /// `expires` is in the past (beyond the allowed skew).
    Expired(String),
    /// Signing is on and there is no `signature`.
    MissingSignature,
    /// The signature does not match.
    BadSignature,
}

impl std::fmt::Display for SigningError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SigningError::MissingApiKey => write!(f, "the api_key parameter is missing"),
            SigningError::MissingExpires => {
                write!(
                    f,
                    "the expires parameter is missing (signatures are on for this key)"
                )
            }
            SigningError::BadExpires(e) => {
                write!(f, "expires '{e}' is not a UTC time like 2030-01-01T00:00")
            }
            SigningError::Expired(e) => write!(f, "the request expired at {e}"),
            SigningError::MissingSignature => {
                write!(
                    f,
                    "the signature parameter is missing (signatures are on for this key)"
                )
            }
            SigningError::BadSignature => write!(
                f,
                "the signature does not match: sign secret, METHOD, path, sorted params and body as the API documents"
            ),
        }
    }
}

/// A request as the client sent it.
#[derive(Clone, Copy, Debug)]
pub struct SignedRequest<'a> {
    /// `GET`, `POST`, `PUT`... (compared as sent: a signature over `get` does not match).
    pub method: &'a str,
    /// The path as sent, before any normalisation, without the query.
    pub path: &'a str,
    /// The raw query string (without `?`).
    pub raw_query: &'a str,
    /// The raw body bytes (the whole multipart payload for uploads).
    pub body: &'a [u8],
}

/// The query's pairs, form-decoded (`+` and `%20` are spaces), in their order.
pub fn query_pairs(raw_query: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(raw_query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// The value of the first `key` pair.
pub fn param<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// The signature of a request: the seed's algorithm over `pairs` (without `signature`).
pub fn signature(
    secret: &str,
    method: &str,
    path: &str,
    pairs: &[(String, String)],
    body: &[u8],
) -> String {
    let mut sorted: Vec<&(String, String)> = pairs.iter().collect();
    sorted.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let params = sorted
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let mut hash = Sha256::new();
    for part in [
        secret.as_bytes(),
        method.as_bytes(),
        path.as_bytes(),
        params.as_bytes(),
    ] {
        hash.update(part);
        hash.update(b"\n");
    }
    hash.update(body);
    let mut encoded = STANDARD.encode(hash.finalize());
    encoded.truncate(43);
    encoded
}

/// `expires` as ms since the epoch: `%Y-%m-%dT%H:%M` in UTC, also with seconds and a trailing
/// `Z`.
pub fn parse_expires(text: &str) -> Option<i64> {
    let t = text.trim().trim_end_matches('Z');
    ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
        .iter()
        .find_map(|f| chrono::NaiveDateTime::parse_from_str(t, f).ok())
        .map(|d| d.and_utc().timestamp_millis())
}

fn same(a: &[u8], b: &[u8]) -> bool {
    // Constant time in the signature's bytes: no early exit on the first difference.
    a.len() == b.len() && a.iter().zip(b).fold(0_u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The `api_key` of a request (to look its secret up), or why there is none.
pub fn api_key(raw_query: &str) -> Result<String, SigningError> {
    param(&query_pairs(raw_query), "api_key")
        .filter(|k| !k.is_empty())
        .map(str::to_owned)
        .ok_or(SigningError::MissingApiKey)
}

/// Verifies a request signed with `secret` at `now_ms`, allowing `skew_ms` past `expires`.
/// With `signatures` off for the key, only the presence of `api_key` is checked (the caller
/// has matched it to the key).
pub fn verify(
    request: &SignedRequest<'_>,
    secret: &str,
    signatures: bool,
    now_ms: i64,
    skew_ms: i64,
) -> Result<(), SigningError> {
    let pairs = query_pairs(request.raw_query);
    if param(&pairs, "api_key").is_none_or(str::is_empty) {
        return Err(SigningError::MissingApiKey);
    }
    if !signatures {
        return Ok(());
    }
    let expires = param(&pairs, "expires").ok_or(SigningError::MissingExpires)?;
    let at = parse_expires(expires).ok_or_else(|| SigningError::BadExpires(expires.to_owned()))?;
    if at + skew_ms < now_ms {
        return Err(SigningError::Expired(expires.to_owned()));
    }
    let given = param(&pairs, "signature").ok_or(SigningError::MissingSignature)?;
    // A `+` sent unescaped arrives as a space; a padded signature ends in `=`.
    let given = given.replace(' ', "+");
    let given = given.strip_suffix('=').unwrap_or(&given);
    let unsigned: Vec<(String, String)> = pairs
        .into_iter()
        .filter(|(k, _)| k != "signature")
        .collect();
    let expected = signature(
        secret,
        request.method,
        request.path,
        &unsigned,
        request.body,
    );
    if same(given.as_bytes(), expected.as_bytes()) {
        Ok(())
    } else {
        Err(SigningError::BadSignature)
    }
}
