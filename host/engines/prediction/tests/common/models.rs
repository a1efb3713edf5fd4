//! Loading the repository's real models (`models/<name>`) through `LoadContext`, as the host does.

use plinth_engine_api::{Endpoint, EngineFactory, LoadContext, LoadError};
use plinth_engine_prediction::PredictionFactory;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The repository's `models/` directory.
pub fn models_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../models")
}

/// Every model folder listed in `models/index.json`.
pub fn model_names() -> Vec<String> {
    let index: Value =
        serde_json::from_str(&std::fs::read_to_string(models_dir().join("index.json")).unwrap())
            .unwrap();
    index["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

/// A model's `expected.json`.
pub fn expected(name: &str) -> Value {
    serde_json::from_str(
        &std::fs::read_to_string(models_dir().join(name).join("expected.json")).unwrap(),
    )
    .unwrap()
}

/// A load context for an endpoint table written in TOML, with artifacts under `root`.
pub fn context(root: &Path, endpoint_toml: &str) -> LoadContext {
    plinth_engine_api::testing::context(root, endpoint_toml)
}

/// Loads an endpoint whose bundle root is `models/`.
pub async fn load(endpoint_toml: &str) -> Result<Arc<dyn Endpoint>, LoadError> {
    PredictionFactory
        .load(context(&models_dir(), endpoint_toml))
        .await
}

/// Loads `models/<name>` on the given engine.
pub async fn load_model(name: &str, engine: &str) -> Arc<dyn Endpoint> {
    load(&format!("model = \"{name}\"\nengine = \"{engine}\""))
        .await
        .unwrap_or_else(|e| panic!("{name} on {engine}: {e}"))
}

/// `ORT_DYLIB_PATH`, or `None` after printing a loud skip notice.
pub fn onnxruntime_library(test: &str) -> Option<String> {
    match std::env::var("ORT_DYLIB_PATH") {
        Ok(path) if !path.is_empty() && cfg!(feature = "onnxruntime") => Some(path),
        _ => {
            // scripts/test.sh builds with the feature and sets the library: there, a skip is a
            // failure.
            assert!(
                std::env::var_os("PLINTH_REQUIRE_ONNXRUNTIME").is_none(),
                "{test}: PLINTH_REQUIRE_ONNXRUNTIME is set but this build has no ONNX Runtime"
            );
            eprintln!(
                "SKIPPED: {test}: needs the onnxruntime feature and ORT_DYLIB_PATH (libonnxruntime.so.1.31.1 from the onnxruntime==1.31.1 wheel)"
            );
            None
        }
    }
}
