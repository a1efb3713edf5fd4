//! The endpoint's manifest fields and the server-wide `[engines.function]` settings.

use serde::Deserialize;

/// How an endpoint's function receives its input.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum CallStyle {
    /// Parameters by name, converted to the function's declared types (default).
    #[default]
    Typed,
    /// The whole input as one JSON text; the function answers a JSON text
    /// (`func(input: string) -> result<string, string>`).
    Json,
}

/// How instances are used across calls.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Isolation {
    /// A fresh instance for every call: nothing survives from one call to the next (default).
    #[default]
    PerRequest,
    /// Warm instances reused across calls; an instance is dropped after a trap, a deadline,
    /// running out of memory, or `max_calls_per_instance` calls.
    Pooled,
}

/// Host interfaces granted to the endpoint (`[endpoint.grants]`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grants {
    /// `plinth:host/log`: log lines into the server's log.
    #[serde(default)]
    pub log: bool,
    /// `plinth:host/lookup`: the lookup endpoints (ids) of the service the function may call.
    #[serde(default)]
    pub lookup: Vec<String>,
    /// `plinth:host/query`: the SQL query endpoints (ids) the function may call.
    #[serde(default)]
    pub query: Vec<String>,
    /// `plinth:host/predict`: the prediction endpoints (ids) the function may call.
    #[serde(default)]
    pub predict: Vec<String>,
}

/// The fields of a `kind = "function"` endpoint in `plinth.toml`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FunctionConfig {
    /// Path of the component (`.wasm`) inside the bundle.
    pub component: String,
    /// The exported function to serve (`simple-sum` or `simple_sum`; an export of an exported
    /// interface is `interface-name#function`). Default: the only exported function, else the
    /// export named after the endpoint id.
    pub function: Option<String>,
    /// `typed` (default) or `json`.
    #[serde(default)]
    pub call: CallStyle,
    /// `per-request` (default) or `pooled`.
    #[serde(default)]
    pub isolation: Isolation,
    /// Wall-clock deadline of one call, in milliseconds (instantiation included).
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    /// Cap on the instance's linear memory, in MiB (all its memories together).
    #[serde(default = "default_memory_mib")]
    pub memory_mib: u64,
    /// Pooled isolation: most idle instances kept warm.
    #[serde(default = "default_pool_size")]
    pub pool_size: usize,
    /// Pooled isolation: calls served by one instance before it is replaced.
    #[serde(default = "default_max_calls")]
    pub max_calls_per_instance: u64,
    /// A folder of the bundle the function may read (read-only, seen by the guest as
    /// `/resources`). Default: `resources` when the bundle has that folder.
    pub resources: Option<String>,
    /// Host interfaces the function may import.
    #[serde(default)]
    pub grants: Grants,
}

fn default_timeout_ms() -> u64 {
    5_000
}
fn default_memory_mib() -> u64 {
    256
}
fn default_pool_size() -> usize {
    8
}
fn default_max_calls() -> u64 {
    10_000
}

/// Server-wide settings, `[engines.function]` in the server configuration. They size the
/// process-wide wasmtime engine, created by the first function endpoint loaded.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EngineSettings {
    /// Component instances that may exist at once, across all function endpoints (the
    /// pooling allocator reserves their slots up front).
    pub max_instances: u32,
    /// Largest `memory_mib` an endpoint may ask for.
    pub max_memory_mib: u64,
    /// Period of the epoch ticker that enforces deadlines, in milliseconds.
    pub epoch_tick_ms: u64,
    /// Keep compiled components on disk so a restart does not recompile.
    pub disk_cache: bool,
    /// Where compiled components are kept. Default: the environment variable
    /// `PLINTH_FUNCTION_CACHE` when set (lets test servers share compilations), else
    /// `<server cache dir>/function`. Safe to share: files are keyed by content hash and
    /// engine settings.
    pub cache_dir: Option<std::path::PathBuf>,
}

impl Default for EngineSettings {
    fn default() -> Self {
        EngineSettings {
            max_instances: 500,
            max_memory_mib: 2048,
            epoch_tick_ms: 10,
            disk_cache: true,
            cache_dir: None,
        }
    }
}
