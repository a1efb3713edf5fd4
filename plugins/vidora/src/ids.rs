//! Vidora's id formats: label-set and export ids are 16 random `[0-9a-z]`
//! (`0tbeb8mg9ljyod4h`); pipeline ids are 16 lowercase hex (`f90819314266a344`), derived here
//! from the Plinth service and endpoint they stand for, so they never change.

use rand::Rng;
use sha2::{Digest, Sha256};

const ALPHABET: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
const ID_LEN: usize = 16;

/// A new random id: 16 characters of `[0-9a-z]`, from the thread-local CSPRNG.
pub fn random_id() -> String {
    let mut rng = rand::rng();
    (0..ID_LEN)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

/// The pipeline id of an endpoint: the first 16 lowercase hex characters of
/// SHA-256(`service` + U+001F + `endpoint`). The separator cannot appear in either name, so
/// (`ab`, `c`) and (`a`, `bc`) get different ids.
pub fn pipeline_id(service: &str, endpoint: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(service.as_bytes());
    hasher.update("\u{1f}".as_bytes());
    hasher.update(endpoint.as_bytes());
    let mut id = hex::encode(hasher.finalize());
    id.truncate(ID_LEN);
    id
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn random_ids_are_16_base36_chars_and_differ() {
        let ids: HashSet<String> = (0..1000).map(|_| random_id()).collect();
        assert_eq!(ids.len(), 1000);
        for id in &ids {
            assert_eq!(id.len(), 16, "{id}");
            assert!(
                id.bytes()
                    .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase()),
                "{id}"
            );
        }
        // Over 16k characters every one of the 36 symbols shows up.
        let used: HashSet<char> = ids.iter().flat_map(|id| id.chars()).collect();
        assert_eq!(used.len(), 36);
    }

    #[test]
    fn pipeline_id_is_the_sha256_prefix() {
        // Fixed vectors from coreutils: printf 'churn\x1fscore' | sha256sum
        assert_eq!(pipeline_id("churn", "score"), "9f097bf817284faa");
        // printf '\x1f' | sha256sum
        assert_eq!(pipeline_id("", ""), "ffe679bb831c95b6");
        assert_eq!(pipeline_id("churn", "score"), pipeline_id("churn", "score"));
    }

    #[test]
    fn the_separator_keeps_names_apart() {
        assert_ne!(pipeline_id("ab", "c"), pipeline_id("a", "bc"));
        assert_ne!(pipeline_id("a", "b"), pipeline_id("b", "a"));
        let id = pipeline_id("svc", "ep");
        assert!(
            id.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
    }
}
