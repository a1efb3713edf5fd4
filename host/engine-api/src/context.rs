use crate::{Endpoint, LoadError};
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

/// Server-wide resources and settings that engines may use while loading.
#[derive(Clone, Debug, Default)]
pub struct ServerResources {
    /// The server's data directory (state database, unpacked bundles, caches).
    pub data_dir: PathBuf,
    /// A directory where engines may keep derived artifacts across restarts (compiled
    /// components, indexes), keyed by content hash. Each engine uses a sub-directory named
    /// after its kind.
    pub cache_dir: PathBuf,
    /// Engine settings from the server configuration: the `[engines.<kind>]` table for each kind
    /// and `[connections.<name>]` for named database connections. Engines parse what they own.
    pub settings: toml::Table,
    /// Where calls between endpoints of a generation are reported (`None`: not accounted).
    pub sibling_calls: Option<std::sync::Arc<dyn crate::SiblingCallSink>>,
}

impl ServerResources {
    /// The `[engines.<kind>]` table of the server configuration, parsed as `T`
    /// (`T::default()` when absent).
    pub fn engine_settings<T: DeserializeOwned + Default>(
        &self,
        kind: &str,
    ) -> Result<T, LoadError> {
        match self.settings.get("engines").and_then(|e| e.get(kind)) {
            None => Ok(T::default()),
            Some(value) => value.clone().try_into().map_err(|e: toml::de::Error| {
                LoadError::general(format!(
                    "server configuration [engines.{kind}]: {}",
                    e.message()
                ))
            }),
        }
    }
}

/// Everything an engine sees while loading one endpoint.
#[derive(Clone)]
pub struct LoadContext {
    /// The service being deployed.
    pub service_id: String,
    /// The generation being created, e.g. `"v3"`.
    pub generation: String,
    /// The endpoint's id.
    pub endpoint_id: String,
    /// The root of the unpacked bundle; artifacts are resolved with [`LoadContext::artifact`].
    pub bundle_root: PathBuf,
    /// The endpoint's manifest table without the host-owned keys (`id`, `kind`, `description`,
    /// `max_concurrency`, `queue_timeout_ms`).
    pub config: toml::Table,
    /// Endpoints of the same generation declared earlier in the manifest, by id, so that an
    /// endpoint can use another (enrichment lookups, a function's `predict` import).
    pub siblings: HashMap<String, Arc<dyn Endpoint>>,
    /// Server-wide resources.
    pub server: Arc<ServerResources>,
}

impl LoadContext {
    /// The context of endpoint `endpoint_id` of generation `generation` of `service_id`, with
    /// its bundle at `bundle_root` and its manifest table `config`, and no siblings.
    pub fn new(
        service_id: impl Into<String>,
        generation: impl Into<String>,
        endpoint_id: impl Into<String>,
        bundle_root: impl Into<PathBuf>,
        config: toml::Table,
        server: Arc<ServerResources>,
    ) -> LoadContext {
        LoadContext {
            service_id: service_id.into(),
            generation: generation.into(),
            endpoint_id: endpoint_id.into(),
            bundle_root: bundle_root.into(),
            config,
            siblings: HashMap::new(),
            server,
        }
    }

    /// The same context with these earlier endpoints of the generation.
    pub fn with_siblings(mut self, siblings: HashMap<String, Arc<dyn Endpoint>>) -> LoadContext {
        self.siblings = siblings;
        self
    }

    /// Parses the endpoint's table into the engine's own configuration type. Use
    /// `#[serde(deny_unknown_fields)]` on it so that a misspelt field is reported.
    pub fn parse_config<T: DeserializeOwned>(&self) -> Result<T, LoadError> {
        toml::Value::Table(self.config.clone())
            .try_into()
            .map_err(|e: toml::de::Error| LoadError::general(e.message().to_owned()))
    }

    /// Resolves an artifact path written in the manifest field `field` to a file inside the
    /// bundle. Rejects absolute paths, `..` components and anything (including symbolic links)
    /// that resolves outside the bundle; the file must exist.
    pub fn artifact(&self, field: &str, relative: &str) -> Result<PathBuf, LoadError> {
        resolve_inside(&self.bundle_root, relative).map_err(|m| LoadError::field(field, m))
    }
}

/// Load contexts for engines' tests.
pub mod testing {
    use super::{LoadContext, ServerResources};
    use std::path::Path;
    use std::sync::Arc;

    /// Endpoint `ep` of generation `v1` of service `svc`, its bundle at `root`, its manifest
    /// table written in TOML (panics when it does not parse), default server resources.
    pub fn context(root: &Path, endpoint_toml: &str) -> LoadContext {
        LoadContext::new(
            "svc",
            "v1",
            "ep",
            root,
            toml::from_str(endpoint_toml).expect("the test's endpoint TOML parses"),
            Arc::new(ServerResources::default()),
        )
    }
}

/// Resolves `relative` under `root`, refusing to leave `root`. Returns a message for the user
/// on failure.
pub fn resolve_inside(root: &Path, relative: &str) -> Result<PathBuf, String> {
    let rel = Path::new(relative);
    if relative.is_empty() {
        return Err("expected a path inside the bundle, found an empty string".into());
    }
    for component in rel.components() {
        match component {
            Component::Normal(_) | Component::CurDir => {}
            Component::ParentDir => {
                return Err(format!(
                    "'{relative}' must stay inside the bundle ('..' is not allowed)"
                ));
            }
            Component::RootDir | Component::Prefix(_) => {
                return Err(format!(
                    "'{relative}' must be a path relative to the bundle root, not an absolute path"
                ));
            }
        }
    }
    let joined = root.join(rel);
    let real = joined
        .canonicalize()
        .map_err(|_| format!("file '{relative}' not found in the bundle"))?;
    let real_root = root
        .canonicalize()
        .map_err(|e| format!("bundle root {} unreadable: {e}", root.display()))?;
    if !real.starts_with(&real_root) {
        return Err(format!(
            "'{relative}' is a link that leads outside the bundle"
        ));
    }
    Ok(real)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn artifacts_stay_inside_the_bundle() {
        let dir = std::env::temp_dir().join(format!("plinth-ctx-test-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("data")).unwrap();
        std::fs::write(dir.join("data/a.csv"), "x\n1\n").unwrap();
        assert!(resolve_inside(&dir, "data/a.csv").is_ok());
        assert!(resolve_inside(&dir, "./data/a.csv").is_ok());
        assert!(
            resolve_inside(&dir, "../etc/passwd")
                .unwrap_err()
                .contains("..")
        );
        assert!(
            resolve_inside(&dir, "/etc/passwd")
                .unwrap_err()
                .contains("absolute")
        );
        assert!(
            resolve_inside(&dir, "data/missing.csv")
                .unwrap_err()
                .contains("not found")
        );
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink("/etc", dir.join("escape")).unwrap();
            assert!(
                resolve_inside(&dir, "escape/hostname")
                    .unwrap_err()
                    .contains("outside")
            );
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
