//! Function endpoints (`kind = "function"`): user functions as sandboxed WebAssembly
//! components on wasmtime.
//!
//! A component exports ordinary typed functions (WIT); an endpoint serves one of them on the
//! `run` action. Parameters come by name (POST JSON object or GET query string) and are
//! converted to the declared types; the answer is `{"response": value}`.
//!
//! Sandbox: the pooling allocator with copy-on-write memory images, a fresh instance per call
//! (or a pool of warm ones), a wall-clock deadline by epoch interruption, a memory cap, no
//! network, no environment, and the bundle's `resources/` folder read-only. Compiled
//! components are cached on disk by content hash. Host interfaces (`plinth:host/log`,
//! `lookup`, `query`, `predict`, in `wit/host`) are granted per endpoint and reach the
//! sibling endpoints of the same generation.

mod cache;
mod capture;
pub mod config;
mod convert;
mod endpoint;
mod factory;
mod grants;
mod host_state;
mod imports;
mod runner;
mod runtime;
mod signature;
mod wit_type;

pub use cache::CompileSource;
pub use config::{CallStyle, EngineSettings, FunctionConfig, Grants, Isolation};
pub use endpoint::{FUNCTION_ACTIONS, FunctionEndpoint};
pub use factory::{FunctionFactory, load};

/// The manifest `kind` of function endpoints.
pub const KIND: &str = "function";
