//! This process's identity among replicas that share one state database: a random id kept in
//! the data directory (`replica-id`), so that a restarted replica goes on writing its own rows
//! (monitoring rollups are keyed by writer) and two replicas, each with its own data
//! directory, never share one.

use rand::RngCore;
use std::path::Path;

/// The replica id of the data directory `data_dir`, created on first use.
pub fn replica_id(data_dir: &Path) -> std::io::Result<String> {
    let path = data_dir.join("replica-id");
    if let Ok(text) = std::fs::read_to_string(&path) {
        let id = text.trim();
        if !id.is_empty() {
            return Ok(id.to_owned());
        }
    }
    let mut bytes = [0u8; 8];
    rand::rng().fill_bytes(&mut bytes);
    let id: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let id = format!("replica-{id}");
    let tmp = data_dir.join("replica-id.tmp");
    std::fs::create_dir_all(data_dir)?;
    std::fs::write(&tmp, &id)?;
    std::fs::rename(&tmp, &path)?;
    Ok(id)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_id_is_kept_and_differs_between_data_directories() {
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let first = super::replica_id(a.path()).unwrap();
        assert_eq!(super::replica_id(a.path()).unwrap(), first);
        assert_ne!(super::replica_id(b.path()).unwrap(), first);
        assert!(first.starts_with("replica-") && first.len() == 24);
    }
}
