//! An endpoint's engine configuration, read from a bundle's `plinth.toml` the way the host
//! passes it: the `[[endpoint]]` table without the host's own keys.

use std::path::Path;

/// Keys the host keeps for itself (they never reach an engine).
const HOST_KEYS: [&str; 5] = [
    "id",
    "kind",
    "description",
    "max_concurrency",
    "queue_timeout_ms",
];

/// The configuration of endpoint `id` of the bundle at `bundle`, or why there is none.
pub fn endpoint_config(bundle: &Path, id: &str) -> Result<toml::Table, String> {
    let path = bundle.join("plinth.toml");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let manifest: toml::Table =
        toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let endpoints = manifest
        .get("endpoint")
        .and_then(|v| v.as_array())
        .ok_or_else(|| format!("{}: no [[endpoint]] tables", path.display()))?;
    let mut table = endpoints
        .iter()
        .filter_map(|v| v.as_table())
        .find(|t| t.get("id").and_then(|v| v.as_str()) == Some(id))
        .cloned()
        .ok_or_else(|| format!("{}: no endpoint with id {id:?}", path.display()))?;
    if table.get("kind").and_then(|v| v.as_str()) != Some("function") {
        return Err(format!(
            "{}: endpoint {id:?} is not a function",
            path.display()
        ));
    }
    for key in HOST_KEYS {
        table.remove(key);
    }
    Ok(table)
}
