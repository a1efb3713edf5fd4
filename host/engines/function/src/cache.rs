//! Compiled components: shared in memory by content hash, and kept on disk so that a restart
//! deserializes instead of recompiling.

use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::Instant;
use wasmtime::Engine;
use wasmtime::component::Component;

/// How a component became ready, for the deploy log and the tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompileSource {
    /// Already compiled in this process (another endpoint of the same component).
    Memory,
    /// Deserialized from the disk cache.
    Disk,
    /// Compiled now.
    Compiled,
}

/// A compiled component and where it came from.
pub struct Compiled {
    /// The component, shared by every endpoint that serves it.
    pub component: Arc<Component>,
    /// Where it came from.
    pub source: CompileSource,
    /// Time spent compiling or deserializing, in milliseconds.
    pub millis: u128,
}

static IN_MEMORY: OnceLock<Mutex<HashMap<String, Weak<Component>>>> = OnceLock::new();

/// The cache key: SHA-256 of the component bytes and the engine's compatibility hash (compiled
/// code is only valid for the same wasmtime version and settings).
pub fn cache_key(engine: &Engine, bytes: &[u8]) -> String {
    let mut compat = std::collections::hash_map::DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut compat);
    let digest = Sha256::digest(bytes);
    format!("{}-{:016x}", hex::encode(digest), compat.finish())
}

/// Returns the compiled form of `bytes`: from memory, from `cache_dir` (when given), or by
/// compiling (and then writing it to `cache_dir`). Blocking: call it off the async runtime.
pub fn compile(
    engine: &Engine,
    bytes: &[u8],
    cache_dir: Option<&Path>,
) -> Result<Compiled, String> {
    let key = cache_key(engine, bytes);
    let started = Instant::now();
    let memory = IN_MEMORY.get_or_init(Default::default);
    if let Some(component) = memory
        .lock()
        .map_err(|_| "component cache poisoned".to_owned())?
        .get(&key)
        .and_then(Weak::upgrade)
    {
        return Ok(Compiled {
            component,
            source: CompileSource::Memory,
            millis: started.elapsed().as_millis(),
        });
    }
    let file = cache_dir.map(|dir| dir.join(format!("{key}.cwasm")));
    let mut source = CompileSource::Compiled;
    let mut component = None;
    if let Some(file) = file.as_ref().filter(|f| f.is_file()) {
        // SAFETY: the file was written by `Component::serialize` of this engine configuration
        // (the key includes the compatibility hash) into the server's private cache directory.
        match unsafe { Component::deserialize_file(engine, file) } {
            Ok(c) => {
                component = Some(c);
                source = CompileSource::Disk;
            }
            Err(e) => {
                tracing::warn!(file = %file.display(), "ignoring unreadable compiled component: {e:#}")
            }
        }
    }
    let component = match component {
        Some(c) => c,
        None => {
            let c = Component::new(engine, bytes).map_err(|e| format!("{e:#}"))?;
            if let Some(file) = &file
                && let Err(e) = write_atomically(&c, file)
            {
                tracing::warn!(file = %file.display(), "could not cache the compiled component: {e}");
            }
            c
        }
    };
    let component = Arc::new(component);
    let mut map = memory
        .lock()
        .map_err(|_| "component cache poisoned".to_owned())?;
    map.retain(|_, weak| weak.strong_count() > 0);
    map.insert(key, Arc::downgrade(&component));
    Ok(Compiled {
        component,
        source,
        millis: started.elapsed().as_millis(),
    })
}

fn write_atomically(component: &Component, file: &PathBuf) -> Result<(), String> {
    let bytes = component.serialize().map_err(|e| format!("{e:#}"))?;
    let dir = file.parent().ok_or("cache file has no directory")?;
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        file.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("component"),
        std::process::id()
    ));
    std::fs::write(&tmp, bytes).map_err(|e| e.to_string())?;
    std::fs::rename(&tmp, file).map_err(|e| e.to_string())
}
