//! Shared helpers: load a lookup endpoint through `LoadContext`, as the host does, and call it.

#![allow(dead_code)]

use plinth_engine_api::{
    Action, ApiError, Endpoint, EngineFactory, Input, LoadContext, LoadError, Request,
};
use plinth_engine_lookup::LookupFactory;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The repository's `examples/` directory.
pub fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../examples")
}

/// A load context for an endpoint table written in TOML, with artifacts under `root`.
pub fn context(root: &Path, endpoint_toml: &str) -> LoadContext {
    plinth_engine_api::testing::context(root, endpoint_toml)
}

/// Loads a lookup endpoint.
pub async fn load(root: &Path, endpoint_toml: &str) -> Result<Arc<dyn Endpoint>, LoadError> {
    LookupFactory::default()
        .load(context(root, endpoint_toml))
        .await
}

/// A bundle in a temporary directory holding `data.csv` with the given content.
pub fn bundle_with_csv(csv: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("data.csv"), csv).unwrap();
    dir
}

/// Calls the endpoint with a JSON body.
pub async fn post(
    endpoint: &Arc<dyn Endpoint>,
    action: Action,
    body: Value,
) -> Result<Value, ApiError> {
    let Value::Object(map) = body else {
        panic!("test bodies are objects")
    };
    let reply = endpoint
        .serve(Request {
            observe: false,
            action,
            input: Input::Json(map),
        })
        .await?;
    Ok(Value::Object(reply.body))
}

/// Calls the endpoint with a query string.
pub async fn get(
    endpoint: &Arc<dyn Endpoint>,
    action: Action,
    pairs: &[(&str, &str)],
) -> Result<Value, ApiError> {
    let pairs = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let reply = endpoint
        .serve(Request {
            observe: false,
            action,
            input: Input::Query(pairs),
        })
        .await?;
    Ok(Value::Object(reply.body))
}
