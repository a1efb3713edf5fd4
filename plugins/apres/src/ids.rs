//! Identifiers: recipe and batch ids are random UUIDs (version 4) as in the seed's examples;
//! task ids are UUIDs derived from the batch id and the task's position, so that a task keeps
//! its id across restarts and re-reads; recipe keys are `apres_` and 40 random characters.

use sha2::{Digest, Sha256};

/// A random UUID (version 4).
pub fn random_uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A name-based UUID (version 8) from the SHA-256 of `name`.
fn named_uuid(name: &str) -> String {
    let digest = Sha256::digest(name);
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Uuid::new_v8(bytes).to_string()
}

/// The id of task `seq` of batch `batch`.
pub fn task_id(batch: &str, seq: i64) -> String {
    named_uuid(&format!("apres-task\n{batch}\n{seq}"))
}

/// The id of the batch a recipe's POST with this `Idempotency-Key` makes (the same key makes
/// the same batch).
pub fn idempotent_batch_id(recipe: &str, key: &str) -> String {
    named_uuid(&format!("apres-batch\n{recipe}\n{key}"))
}

/// A new recipe key.
pub fn new_key() -> String {
    format!("apres_{}", plinth_jobs::random_token(40))
}

/// How a key is stored: SHA-256, hex (keys are random, so no salt is needed).
pub fn key_hash(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_uuid(s: &str, version: char) -> bool {
        let parts: Vec<&str> = s.split('-').collect();
        parts.iter().map(|p| p.len()).collect::<Vec<_>>() == [8, 4, 4, 4, 12]
            && s.chars().all(|c| c == '-' || c.is_ascii_hexdigit())
            && parts[2].starts_with(version)
            && "89ab".contains(&parts[3][..1])
    }

    #[test]
    fn uuids_have_their_version_and_variant() {
        assert!(is_uuid(&random_uuid(), '4'));
        assert_ne!(random_uuid(), random_uuid());
        assert!(is_uuid(&task_id("b", 0), '8'));
    }

    #[test]
    fn task_ids_are_stable_and_distinct() {
        assert_eq!(task_id("b", 7), task_id("b", 7));
        assert_ne!(task_id("b", 7), task_id("b", 8));
        assert_ne!(task_id("b", 7), task_id("c", 7));
    }

    #[test]
    fn keys_and_hashes() {
        let key = new_key();
        assert_eq!(key.len(), 46);
        assert!(key.starts_with("apres_"));
        assert_eq!(key_hash("k"), key_hash("k"));
        assert_eq!(key_hash("k").len(), 64);
    }
}
